"`scrpo demo organism`: both arms trained at equal generated samples, side by side in two processes, plotted and summarised."
import json
from pathlib import Path

from scrpo.cli import main
from scrpo.demo import demo_configs, demo_text, equal_budget, organism_demo
from scrpo.organism import build_organism

TINY = dict(hidden_size=32, num_layers=1, num_heads=2, max_steps=3, batch_size=4, n_sft=32, n_probe=4, eval_every=100,
            stop_accuracy=None, verbose=False)

def test_demo_trains_both_arms_at_equal_samples_in_two_processes(tmp_path, capfd):
    path = build_organism(path=tmp_path / "organism", **TINY)
    over = [f"model.name={path}", "train.max_steps=3", "train.correction_every=1", "train.per_device_train_batch_size=8",
            "train.correction_batch_size=1", "data.train.size=64", "data.eval.heldout.size=8", "eval.batch_size=8",
            "train.pool_admission=all_wrong", f"run.eval_cache={tmp_path / 'cache'}"]  # the untrained organism: all groups wrong
    s = organism_demo(over, root=tmp_path / "runs", parallel=True)
    arms = s["arms"]
    assert s["budget"] == {"scrpo_steps": 3, "correction_steps": 2, "scrpo_samples": 3 * 8 + 2 * 4, "grpo_steps": 4, "samples_per_step": 8}
    assert arms["grpo"]["steps"] == 4 and not arms["grpo"]["correction_enabled"]
    assert arms["scrpo"]["steps"] == 3 and arms["scrpo"]["correction"]["correction_steps"] == 2
    assert arms["scrpo"]["correction"]["corrections_total"] == 2 * 4
    demo = Path(s["demo_dir"])
    assert json.loads((demo / "demo.json").read_text())["budget"] == s["budget"] and (demo / "demo.png").stat().st_size > 10_000
    assert {Path(a["run_dir"]).parent for a in arms.values()} == {demo}
    out = capfd.readouterr().out
    assert "[grpo] step 4/4" in out and "[scrpo] step 3/3" in out  # each worker's step lines, named
    text = demo_text(s)
    assert "GRPO 4 steps, ScRPO 3 steps" in text and "of 8 succeeded" in text
    assert f"plot: {demo / 'demo.png'}\n" in text and f"summary: {demo / 'demo.json'}\n" in text

def test_cli_demo_names(capsys):
    assert main(["demo", "organism", "train.max_steps=8", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# grpo\n") and "\n# scrpo\n" in out and "max_steps: 9" in out and "max_steps: 8" in out
    assert main(["demo", "orgnism"]) == 2 and "Unknown demo 'orgnism'" in capsys.readouterr().err
    assert main(["demo", "organism", "train.correction_every=0", "--dry-run"]) == 2 and "both arms would be GRPO" in capsys.readouterr().err
