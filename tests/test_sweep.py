"Sweep runner bookkeeping (skip, resume, atomic cell files, stale cells) with a fake cell function, and the interval maths."
import json, math
from pathlib import Path

import pytest

from scrpo import results as rs, sweep

SWEEP = {"name": "t", "base": None, "overrides": ["train.max_steps=2"], "seeds": [0, 1, 2],
         "arms": {"base": {"eval_only": True, "seeds": [0]}, "grpo": ["train.correction_every=0"], "scrpo": []}}
CELLS = ["base/seed0", "grpo/seed0", "grpo/seed1", "grpo/seed2", "scrpo/seed0", "scrpo/seed1", "scrpo/seed2"]

class Fake:
    "A cell function that records its calls and can stop the process (KeyboardInterrupt) at a given call."
    def __init__(self, stop_at=None): self.calls, self.stop_at = [], stop_at
    def __call__(self, cfg, eval_only, self_correction, keep_model, echo):
        self.calls.append(cfg.run.name)
        if self.stop_at is not None and len(self.calls) == self.stop_at: raise KeyboardInterrupt
        acc = 0.1 * (1 + cfg.train["seed"]) + (0.0 if eval_only else 0.05 * cfg.train["correction_every"])
        return {"eval": {"before": {"h": {"pass@1": 0.1}}, "after": None if eval_only else {"h": {"pass@1": acc}}},
                "train": None if eval_only else {"steps": cfg.train["max_steps"]}, "samples_generated": {"trial": 16, "correction": 0}}

@pytest.fixture
def root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    return tmp_path

def run(root, fn, **kw):
    return sweep.run_sweep(SWEEP, root / "res", root=root, cuda=False, run_fn=fn, echo=None, progress=False, **kw)

def files(root): return sorted(str(p.relative_to(root / "res")) for p in (root / "res").rglob("*") if p.is_file())

def stripped(root):
    "Cell files without what legitimately differs between two runs of the same cell (times, commit)."
    out = {}
    for f in (root / "res").rglob("seed*.json"):
        d = json.loads(f.read_text())
        for k in ("started", "wall_seconds", "git_commit", "machine"): d.pop(k)
        d["config"].pop("run")  # the run folder's root is the test's temporary folder
        out[str(f.relative_to(root / "res"))] = d
    return out

def test_skips_finished_cells(root):
    first = Fake(); run(root, first)
    second = Fake()
    assert [s["status"] for s in run(root, second)] == ["done"] * 7 and second.calls == []
    assert len(first.calls) == 7 and files(root) == [f"{c}.json" for c in CELLS]
    d = json.loads((root / "res" / "scrpo" / "seed1.json").read_text())
    assert (d["arm"], d["seed"], d["config"]["train"]["seed"], d["config"]["train"]["max_steps"]) == ("scrpo", 1, 1, 2)
    assert d["versions"]["scrpo"] and d["machine"]["cpus"] and d["config_hash"] and d["wall_seconds"] >= 0

def test_resume_after_interruption_equals_uninterrupted(root, tmp_path_factory):
    with pytest.raises(KeyboardInterrupt): run(root, Fake(stop_at=4))  # killed during the 4th cell
    assert files(root) == [f"{c}.json" for c in CELLS[:3]]  # the 3 finished cells, nothing of the 4th
    again = Fake(); run(root, again)
    assert again.calls == ["grpo-seed2", "scrpo-seed0", "scrpo-seed1", "scrpo-seed2"]
    other = tmp_path_factory.mktemp("uninterrupted"); (other / "pyproject.toml").write_text("")
    run(other, Fake())
    assert stripped(root) == stripped(other)

def test_cell_file_written_atomically(root, monkeypatch):
    import scrpo.core
    real = scrpo.core.os.replace
    def crash(src, dst):
        if str(dst).endswith("grpo/seed1.json"): raise KeyboardInterrupt  # the process dies while writing this cell
        return real(src, dst)
    monkeypatch.setattr(scrpo.core.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt): run(root, Fake())
    assert files(root) == ["base/seed0.json", "grpo/seed0.json"]  # no partial file, no temporary left behind
    monkeypatch.setattr(scrpo.core.os, "replace", real)
    (root / "res" / "grpo" / "seed0.json").write_text('{"arm": "grpo", "se')  # a torn file (not ours) counts as missing
    again = Fake(); run(root, again)
    assert again.calls[:2] == ["grpo-seed0", "grpo-seed1"] and len(again.calls) == 6

def test_failed_cell_left_for_next_call(root):
    def flaky(cfg, **kw):
        if cfg.run.name == "grpo-seed1": raise RuntimeError("boom")
        return Fake()(cfg, **kw)
    st = run(root, flaky)
    assert [s["status"] for s in st][2] == "failed: RuntimeError: boom" and "grpo/seed1.json" not in files(root)
    assert [s["cell"] for s in run(root, Fake(), dry_run=True) if s["status"] == "missing"] == ["grpo/seed1"]

def test_stale_cells_rerun_when_config_changes(root):
    run(root, Fake())
    changed = {**SWEEP, "arms": {**SWEEP["arms"], "scrpo": ["train.correction_every=4"]}}
    st = sweep.run_sweep(changed, root / "res", root=root, cuda=False, run_fn=Fake(), echo=None, progress=False, dry_run=True)
    assert [s["cell"] for s in st if s["status"] == "stale"] == ["scrpo/seed0", "scrpo/seed1", "scrpo/seed2"]
    kept = Fake(); sweep.run_sweep(changed, root / "res", root=root, cuda=False, run_fn=kept, echo=None, progress=False, rerun_stale=False)
    assert kept.calls == []
    redo = Fake(); sweep.run_sweep(changed, root / "res", root=root, cuda=False, run_fn=redo, echo=None, progress=False)
    assert redo.calls == ["scrpo-seed0", "scrpo-seed1", "scrpo-seed2"]
    assert json.loads((root / "res" / "scrpo" / "seed2.json").read_text())["config"]["train"]["correction_every"] == 4

def test_only_and_coverage(root):
    run(root, Fake(), only=["seed0"])
    assert files(root) == ["base/seed0.json", "grpo/seed0.json", "scrpo/seed0.json"]
    cov = sweep.coverage(SWEEP, root / "res", root=root, cuda=False)
    assert cov["missing"] == ["grpo/seed1", "grpo/seed2", "scrpo/seed1", "scrpo/seed2"]
    assert cov["command"].endswith("--only grpo/seed1 grpo/seed2 scrpo/seed1 scrpo/seed2")

def test_table_from_results(root):
    run(root, Fake())
    res = rs.load_results(root / "res")
    ci = rs.ci_table(rs.seed_frame(res), arms=["base", "grpo", "scrpo"])
    # Fake: grpo 10, 20, 30 (mean 20, s = 10); scrpo 20, 30, 40 (correction_every 2 adds 10 points); base 10, one seed
    assert ci.loc["grpo", ("h", "mean")] == pytest.approx(20.0) and ci.loc["scrpo", ("h", "mean")] == pytest.approx(30.0)
    assert ci.loc["grpo", ("h", "ci")] == pytest.approx(4.302653 * 10 / math.sqrt(3), rel=1e-6)
    assert math.isnan(ci.loc["base", ("h", "ci")]) and ci.loc["base", ("h", "n")] == 1
    assert rs.format_table(ci).loc["base", "h"] == "10.0 (n=1)"

@pytest.mark.parametrize("values,mean,half", [
    ([1, 2, 3], 2.0, 4.302653 / math.sqrt(3)),            # s = 1
    ([0.50, 0.60], 0.55, 12.706205 * 0.0707107 / math.sqrt(2)),  # s = 0.1 / sqrt(2)
    ([5, 5, 5, 5], 5.0, 0.0),
    ([2, 4, 4, 4, 5, 5, 7, 9], 5.0, 2.364624 * 2.138090 / math.sqrt(8)),  # s = 2.13809 (n-1 = 7)
])
def test_mean_ci_known_numbers(values, mean, half):
    m, hw, n = rs.mean_ci(values)
    assert (m, n) == (pytest.approx(mean), len(values)) and hw == pytest.approx(half, rel=1e-5)

def test_t_quantiles():
    assert rs.t975(1) == pytest.approx(12.706205) and rs.t975(30) == pytest.approx(2.042272)
    for df, exact in [(31, 2.039513), (50, 2.008559), (100, 1.983972), (1000, 1.962339)]:  # scipy.stats.t.ppf(0.975, df)
        assert rs.t975(df) == pytest.approx(exact, abs=2e-4)
    with pytest.raises(ValueError, match="at least 1"): rs.t975(0)

def test_missing_data_dir_drops_shared_sets(root):
    sw = sweep.read_sweep({**SWEEP, "overrides": ["data.data_dir=../nowhere", "data.eval.gsm8k.name=gsm8k"]})
    cfg, notes, _ = sweep.cell_config(sw, sweep.sweep_cells(sw)[1], root=root, cuda=False)
    assert list(cfg.data.eval) == ["heldout"] and cfg.data.data_dir is None and "gsm8k skipped" in notes[0]

def test_shipped_sweeps_parse(shared_data):
    "The committed sweep files resolve every cell (with ../shared/data present, nothing is dropped)."
    here = Path(__file__).resolve().parents[1]
    for name, n in [("main_table", 10), ("ablations", 30)]:
        st = sweep.run_sweep(here / "configs" / "sweeps" / f"{name}.yaml", here / "data" / "results" / name, dry_run=True, cuda=False, echo=None)
        assert len(st) == n and not any(s["notes"] for s in st)

def test_eval_only_cell_templates_prompts_once(tmp_path):
    "The base arm (eval_only) puts each held-out problem into data.template exactly once, as training arms do."
    from scrpo.config import load_config
    from scrpo.eval import SampleLog
    cfg = load_config({"model": {"name": "tiny-llama"},
                       "data": {"train": {"name": "rg:chain_sum", "size": 4, "knobs": {"max_terms": 2}}, "template": "Q: {problem}",
                                "eval": {"heldout": {"name": "rg:chain_sum", "split": "test", "size": 3, "knobs": {"max_terms": 2}}}},
                       "eval": {"max_new_tokens": 4, "batch_size": 3}, "run": {"root": str(tmp_path), "name": "base"}}, cuda=False)
    res = sweep.run_cell(cfg, eval_only=True, echo=None)
    prompts = [r["prompt"] for r in SampleLog(Path(res["run_dir"]) / "eval" / "before" / "samples.jsonl").records.values()]
    assert len(prompts) == 3 and all(p.count("Q: ") == 1 for p in prompts), prompts
    assert res["model"]["name"] == "tiny-llama" and Path(res["model"]["resolved"]).is_dir() and "weights_sha256" not in res["model"]

def test_model_source_records_an_organism_build(tmp_path):
    from scrpo.organism import build_organism, organism_info
    p = build_organism(path=tmp_path / "org", hidden_size=32, num_layers=1, num_heads=2, max_steps=2, batch_size=4, n_sft=16,
                       n_probe=4, eval_every=100, stop_accuracy=None, verbose=False)
    src = sweep.model_source(p)
    assert src["resolved"] == str(p) and src["weights_sha256"] == organism_info(p)["weights_sha256"] and src["torch_threads"] == 1
    assert src["shipped"] is False  # a local build
    from scrpo.organism import ship_organism
    assert sweep.model_source(ship_organism(p, tmp_path / "shipped"))["shipped"] is True

def test_processes_sharing_a_sweep_run_each_cell_once(root):
    def fn_nested(cfg, **kw):  # while the first cell runs, "another process" runs scrpo/seed2 to the end
        if not (root / "res" / "scrpo" / "seed2.json").exists(): run(root, Fake(), only=["scrpo/seed2"])
        return Fake()(cfg, **kw)
    calls = []
    def fn(cfg, **kw): calls.append(cfg.run.name); return fn_nested(cfg, **kw)
    st = {s["cell"]: s["status"] for s in run(root, fn)}
    assert st["scrpo/seed2"] == "done" and "scrpo-seed2" not in calls and len(calls) == 6

def test_a_live_claim_is_skipped_and_a_dead_one_taken_over(root):
    import os, socket, subprocess, sys
    live = root / "res" / "grpo" / "seed0.json.claim"; live.parent.mkdir(parents=True)
    live.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))  # this process: alive
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    dead = root / "res" / "grpo" / "seed1.json.claim"
    dead.write_text(json.dumps({"host": socket.gethostname(), "pid": int(dead_pid)}))
    f = Fake()
    st = {s["cell"]: s["status"] for s in run(root, f)}
    assert st["grpo/seed0"] == "running elsewhere" and "grpo-seed0" not in f.calls
    assert st["grpo/seed1"] == "ran" and not dead.exists() and live.exists()
    assert not list((root / "res").rglob("*.claim"))[1:]  # only the live claim is left
