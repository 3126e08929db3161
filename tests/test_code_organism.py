"The code organism: correction demonstrations that fail and fix by the tests, a deterministic build, the shipped builds, `scrpo demo code`."
import json, random
from pathlib import Path

import pytest
import scrpo
import scrpo.code_organism as co
from scrpo.cli import main
from scrpo.code_organism import (CODE_ORGANISM_CONFIG, RECORDED_CODE_ORGANISMS, build_code_organism, code_correction_response,
                                 code_sft_examples, fails_tests, fenced, second_error)
from scrpo.code_task import code_problems
from scrpo.organism import organism_info, ship_organism, weights_fingerprint
from scrpo.prompts import reflection_prompt, split_reflection
from scrpo.verify import check_many

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(hidden_size=32, num_layers=1, num_heads=2, max_steps=3, batch_size=4, n_sft=32, n_probe=4, eval_every=100, verbose=False)

def test_second_error_fails_the_tests_and_the_correction_passes_them():
    "The shown fix fails its tests (in this process and in the verifier's sandbox); the reply's Corrected Solution passes them."
    rng, rows, replies, wrongs = random.Random(0), list(code_problems("train", 60, "easy", seed=5)), [], []
    for r in rows:
        e = second_error(r, rng)
        assert e is not None and e.solution == r["meta"]["fixed"] and e.wrong_solution != e.solution
        assert fails_tests(e.wrong_solution, r["meta"]["entry"], json.loads(r["answer"])["tests"])
        analysis, solution = split_reflection(code_correction_response(e))
        assert analysis == e.analysis and analysis.startswith("The line `") and solution == fenced(e.solution)
        assert fenced(e.wrong_solution) in reflection_prompt(r["problem"], fenced(e.wrong_solution), template="reflect_code")[-1]["content"]
        replies.append(code_correction_response(e)); wrongs.append(fenced(e.wrong_solution))
    golds = [r["answer"] for r in rows]
    assert all(v.correct for v in check_many(replies, golds)) and not any(v.correct for v in check_many(wrongs, golds))

def test_sft_rows_mix_fixes_and_demonstrations():
    rows = code_sft_examples(120, correction_demos=0.5, seed=2)
    demos = [r for r in rows if r["completion"][0]["content"].startswith("Analysis:")]
    assert 30 < len(demos) < 90
    assert all("Earlier attempt:\n<attempt>\n```python" in r["prompt"][-1]["content"] for r in demos)
    probs = list(code_problems("train", 120, "easy", seed=2))
    plain = [(r, p) for r, p in zip(rows, probs) if not r["completion"][0]["content"].startswith("Analysis:")]
    assert all(r["prompt"][-1]["content"] == p["problem"] for r, p in plain)
    assert all(v.correct for v in check_many([r["completion"][0]["content"] for r, _ in plain], [p["answer"] for _, p in plain]))
    assert not any(r["completion"][0]["content"].startswith("Analysis:") for r in code_sft_examples(60, correction_demos=0.0, seed=2))
    with pytest.raises(ValueError, match="correction_demos=1.5"): code_sft_examples(4, correction_demos=1.5)

def test_tiny_build_is_deterministic_given_seed_and_threads(tmp_path):
    import torch
    from scrpo.models import load_model
    caller = torch.get_num_threads()
    a, b = build_code_organism(path=tmp_path / "a", **TINY), build_code_organism(path=tmp_path / "b", **TINY)
    assert torch.get_num_threads() == caller  # the build's 1 thread is not left behind
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    assert organism_info(a)["weights_sha256"] == organism_info(b)["weights_sha256"] == weights_fingerprint(load_model(a)[0])
    assert organism_info(a)["torch_threads"] == 1 and organism_info(a)["sft_steps"] == 3
    c = build_code_organism(path=tmp_path / "c", **{**TINY, "seed": 1})
    assert organism_info(c)["weights_sha256"] != organism_info(a)["weights_sha256"]
    with pytest.raises(ValueError, match="threads=0"): build_code_organism(path=tmp_path / "d", threads=0, **TINY)
    with pytest.raises(ValueError, match="give one of them"): build_code_organism(path=tmp_path / "e", **{**TINY, "sft_steps": 2, "stop_accuracy": 0.5})

@pytest.mark.parametrize("name", ["organism-code", "organism-code-nodemos"])
def test_shipped_code_organisms_load_bit_for_bit(name, monkeypatch):
    "From a clean clone both code organisms resolve to data/organisms/<name>, whose weights hash to the recorded fingerprint; nothing is built."
    from scrpo.models import load_model, resolve_model
    monkeypatch.delenv("SCRPO_ORGANISMS_DIR", raising=False)
    def no_build(*a, **k): raise AssertionError(f"{name} was built: the shipped folder is missing or fails its check")
    monkeypatch.setattr(co, "build_code_organism", no_build)
    path = resolve_model(name)
    assert Path(path) == ROOT / "data" / "organisms" / name
    assert weights_fingerprint(load_model(path)[0]) == RECORDED_CODE_ORGANISMS[name]["weights_sha256"]
    info = organism_info(path)
    assert info["sft_steps"] == RECORDED_CODE_ORGANISMS[name]["sft_steps"] and info["torch_threads"] == RECORDED_CODE_ORGANISMS[name]["threads"]
    assert (Path(path) / "model.safetensors").stat().st_size < 10_000_000

def test_shipped_folder_is_used_only_when_it_checks_out(tmp_path, monkeypatch):
    built = build_code_organism(path=tmp_path / "built", **TINY)
    root = tmp_path / "shipped"; monkeypatch.setenv("SCRPO_ORGANISMS_DIR", str(root))
    dest = ship_organism(built, root / "organism-code")
    monkeypatch.setitem(RECORDED_CODE_ORGANISMS, "organism-code", dict(threads=1, sft_steps=3, weights_sha256=organism_info(built)["weights_sha256"]))
    def no_build(*a, **k): raise AssertionError("built although a shipped folder checks out")
    monkeypatch.setattr(co, "build_code_organism", no_build)
    assert scrpo.organism.organism_model("organism-code") == dest
    data = bytearray((dest / "model.safetensors").read_bytes()); data[-1] ^= 1
    (dest / "model.safetensors").write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="Shipped organism not used"), pytest.raises(AssertionError, match="built although"):
        co.code_organism_model("organism-code")
    with pytest.raises(ValueError, match="not a code organism"): scrpo.organism.organism_model("organism-code-hard")

def test_config_file_is_the_packaged_one_and_the_sweep_parses():
    from scrpo import sweep
    assert (ROOT / "configs" / "organism-code-cpu.yaml").read_text(encoding="utf-8") == CODE_ORGANISM_CONFIG
    sw = sweep.read_sweep(ROOT / "configs" / "sweeps" / "organism_code.yaml")
    cells = sweep.sweep_cells(sw)
    count = {a: sum(c["arm"] == a for c in cells) for a in sw["arms"]}
    assert count == {"base": 1, "grpo": 10, "scrpo": 10, "scrpo_whole": 5, "scrpo_solution": 5}
    cfgs = {c["arm"]: sweep.cell_config(sw, c, root=ROOT, cuda=False)[0] for c in cells if c["seed"] == 0}
    assert {a: c.train.get("correction_loss_tokens", "reflection") for a, c in cfgs.items()} == {
        "base": "reflection", "grpo": "reflection", "scrpo": "reflection", "scrpo_whole": "completion", "scrpo_solution": "solution"}
    assert (cfgs["grpo"].train["max_steps"], cfgs["grpo"].train["correction_every"], cfgs["scrpo"].train["max_steps"]) == (36, 0, 32)
    assert cfgs["scrpo"].model.name == "organism-code" and cfgs["scrpo"].data.train.name == "code:debug"

def test_cli_demo_code_parses(capsys):
    assert main(["demo", "code", "train.max_steps=8", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# grpo\n") and "\n# scrpo\n" in out and "max_steps: 9" in out and "organism-code" in out and "code:debug" in out
    assert main(["demo", "code", "train.correction_every=0", "--dry-run"]) == 2 and "both arms would be GRPO" in capsys.readouterr().err
    assert main(["demo", "code", "train.learning_rate=fast", "--dry-run"]) == 2
