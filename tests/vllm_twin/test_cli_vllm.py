"""End to end through the command line, as a user runs it: `scrpo train` with vLLM generating and evaluating, a LoRA run
evaluated through vLLM, and `scrpo eval --backend vllm` on the saved model. Each command is a fresh process with vLLM's
default engine process (no in-process engine settings inherited from the tests).

Run by `make test-vllm` (tests/vllm_twin/conftest.py skips them where vLLM is not installed)."""
import json, os, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRPO = Path(sys.executable).parent / "scrpo"
FAST = ["train.max_steps=2", "train.per_device_train_batch_size=32", "data.eval.heldout.size=50", "train.correction_every=1"]

def scrpo(*args, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLLM_")} | {"HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    r = subprocess.run([str(SCRPO), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    assert r.returncode == 0, f"scrpo {' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    print(f"\nscrpo {args[0]}: {time.perf_counter() - t0:.0f}s")
    return r

def run_folder(root:Path) -> Path:
    (run,) = [p for p in root.iterdir() if p.is_dir()]
    return run

@pytest.fixture(scope="module")
def vllm_run(tmp_path_factory):
    "scrpo train --config configs/organism-cpu.yaml train.use_vllm=true eval.backend=vllm, made small."
    root = tmp_path_factory.mktemp("runs")
    scrpo("train", "--config", ROOT / "configs" / "organism-cpu.yaml", "train.use_vllm=true", "eval.backend=vllm", *FAST, f"run.root={root}")
    return run_folder(root)

def test_train_with_vllm_writes_its_run_folder(vllm_run):
    s = json.loads((vllm_run / "summary.json").read_text())
    cfg = (vllm_run / "config.yaml").read_text()
    assert "use_vllm: true" in cfg and "backend: vllm" in cfg
    logs = [json.loads(l) for l in (vllm_run / "metrics.jsonl").read_text().splitlines()]
    steps = [l for l in logs if "sampling/sampling_logp_difference/max" in l]
    assert len(steps) == 2 and all(l["sampling/sampling_logp_difference/max"] < 1e-4 for l in steps)  # engine = policy
    assert any("correction/loss" in l for l in logs)
    for when in ("before", "after"):
        res = json.loads((vllm_run / "eval" / when / "results.json").read_text())
        assert res["config"]["backend"] == "vllm" and res["metrics"]["heldout"]["problems"] == 50
    assert (vllm_run / "model" / "config.json").is_file()
    print(json.dumps({k: s[k] for k in s if "heldout" in k or k in ("seconds",)}, default=str)[:600])

def test_eval_cli_with_vllm_on_the_saved_model(vllm_run, tmp_path):
    scrpo("eval", "--model", vllm_run / "model", "--backend", "vllm", "--benchmarks", "organism:chain_sum", "--limit", "20",
          "--temperature", "0", "--max-new-tokens", "65", "--extract", "strict", "--out", tmp_path / "e")
    res = json.loads((tmp_path / "e" / "results.json").read_text())
    assert res["config"]["backend"] == "vllm" and res["metrics"]["organism:chain_sum"]["problems"] == 20

def test_lora_run_with_vllm_evaluates_the_merged_model_through_vllm(tmp_path):
    "LoRA, corrections on, vLLM generating: TRL merges the adapter for each sync; the run saves adapter/ and model/ and evaluates model/ with vLLM."
    cfg = tmp_path / "lora.yaml"
    cfg.write_text(f"extends: {ROOT / 'configs' / 'organism-cpu.yaml'}\nmodel:\n  lora: {{r: 8, lora_alpha: 16, target_modules: [q_proj, v_proj]}}\n")
    scrpo("train", "--config", cfg, "train.use_vllm=true", "eval.backend=vllm", "eval.before=false", *FAST, "train.learning_rate=1e-3",
          f"run.root={tmp_path / 'runs'}")
    run = run_folder(tmp_path / "runs")
    assert (run / "adapter" / "adapter_config.json").is_file() and (run / "model" / "config.json").is_file()
    res = json.loads((run / "eval" / "after" / "results.json").read_text())
    assert res["config"]["backend"] == "vllm" and res["metrics"]["heldout"]["problems"] == 50
    logs = [l for l in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if "sampling/sampling_logp_difference/max" in l]
    assert len(logs) == 2 and all(l["sampling/sampling_logp_difference/max"] < 1e-4 for l in logs)
