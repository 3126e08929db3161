"The scrpo command: shipped configs, config errors before any model loads, a tiny training run's folder, pool, eval and sweep commands, 2 processes."
import json, os, subprocess, sys
from pathlib import Path
import pytest, yaml
import scrpo
from scrpo import cli
from scrpo.cli import main
from scrpo.config import ConfigError, DEMO_CONFIG, ORGANISM_CONFIG, load_config
from scrpo.pool import ErrorPool
from test_run import tiny_config  # the tiny run config of the run layer's tests

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
CPU_ONLY = ["model.backend=transformers", "model.load_in_4bit=false", "train.use_vllm=false", "train.bf16=false", "eval.backend=hf"]

def test_demo_config_file_is_the_packaged_one():
    assert (CONFIGS / "demo-cpu.yaml").read_text(encoding="utf-8") == DEMO_CONFIG
    assert (CONFIGS / "organism-cpu.yaml").read_text(encoding="utf-8") == ORGANISM_CONFIG

@pytest.mark.parametrize("name", ["demo-cpu", "grpo-demo-cpu"])
def test_cpu_configs_load(name):
    cfg = load_config(CONFIGS / f"{name}.yaml", cuda=False, processes=1)
    assert cfg.model.name == "smollm2-135m" and cfg.train["correction_every"] == (0 if name.startswith("grpo") else 2)

@pytest.mark.parametrize("name", ["paper-1.5b", "paper-7b", "grpo-paper-1.5b", "grpo-paper-7b"])
def test_paper_configs_need_a_gpu_and_are_otherwise_valid(name):
    with pytest.raises(ConfigError, match="needs a CUDA GPU"):
        load_config(CONFIGS / f"{name}.yaml", cuda=False, processes=1)
    cfg = load_config(CONFIGS / f"{name}.yaml", CPU_ONLY, cuda=False, processes=1)
    assert cfg.model.name.startswith("deepseek-ai/DeepSeek-R1-Distill-Qwen-")
    assert set(cfg.data.eval) >= {"aime24", "amc23", "math500", "olympiadbench", "gsm8k"} and cfg.data.train.name == "deepscaler"
    assert cfg.train["correction_every"] == (0 if name.startswith("grpo") else 2)

def test_grpo_twins_differ_only_in_correction_and_name():
    for base in ("demo-cpu", "paper-1.5b", "paper-7b"):
        kw = dict(overrides=CPU_ONLY if "paper" in base else [], cuda=False, processes=1)
        a, b = load_config(CONFIGS / f"{base}.yaml", **kw).to_dict(), load_config(CONFIGS / f"grpo-{base}.yaml", **kw).to_dict()
        assert (a["train"].pop("correction_every"), b["train"].pop("correction_every")) == (2, 0)
        assert (a["run"].pop("name"), b["run"].pop("name")) == (base, f"grpo-{base}")
        assert a == b

def test_paper_7b_inherits_lora_targets():
    cfg = load_config(CONFIGS / "paper-7b.yaml", CPU_ONLY, cuda=False, processes=1)
    assert cfg.model.lora["r"] == 32 and "down_proj" in cfg.model.lora["target_modules"]

def test_accelerate_configs_are_valid():
    from accelerate.commands.config.config_args import ClusterConfig
    kinds = {p.stem: ClusterConfig.from_yaml_file(str(p)) for p in (CONFIGS / "accelerate").glob("*.yaml")}
    assert kinds["ddp"].distributed_type.value == "MULTI_GPU"
    assert [kinds[z].deepspeed_config["zero_stage"] for z in ("zero2", "zero3")] == [2, 3]

@pytest.mark.parametrize("args, msg", [
    (["train.learnin_rate=1e-5"], "Unknown config key 'train.learnin_rate'; did you mean train.learning_rate?"),
    (["data.train.knob.max_terms=2"], "Unknown config key 'data.train.knob'; did you mean data.train.knobs?"),
    (["modle.name=x"], "Unknown config key 'modle'; did you mean model?"),
    (["train.max_steps=3.5"], "train.max_steps=3.5 is not an integer"),
    (["eval.k=two"], "eval.k=two is not an integer"),
    (["train.per_device_train_batch_size=6"], "= 6 completions per step is not divisible by train.num_generations=4"),
    (["train.num_generations=3"], "is not divisible by train.num_generations=3"),
    (["model.backend=unsloth"], "model.backend='unsloth' needs a CUDA GPU"),
    (["model.load_in_4bit=true"], "model.load_in_4bit=True needs a CUDA GPU"),
    (["train.use_vllm=true"], "train.use_vllm=True needs vLLM, which is not installed"),  # the main tier has no vLLM (tests/vllm_twin/ do)
    (["rewards.0.name=acuracy_reward"], "did you mean rewards.0.name=accuracy_reward?"),
    (["train.correctness_reward=format"], "train.correctness_reward='format' is not among the rewards"),
    (["train.learning_rate"], "is not key=value"),
])
def test_config_errors_are_one_line_before_any_model_loads(args, msg, capsys, monkeypatch):
    import scrpo.models
    monkeypatch.setattr(scrpo.models, "load_model", lambda *a, **k: pytest.fail("a model was loaded"))
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert main(["train", "--config", str(CONFIGS / "demo-cpu.yaml"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scrpo: error: ") and msg in err and err.count("\n") == 1, err

def test_bad_files_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "broken.yaml").write_text("model: {name: [\n")
    (tmp_path / "child.yaml").write_text("extends: missing.yaml\n")
    for f, msg in [("nope.yaml", "does not exist"), ("list.yaml", "not a mapping"), ("broken.yaml", "is not valid YAML"),
                   ("child.yaml", "missing.yaml' does not exist")]:
        assert main(["train", "--config", str(tmp_path / f)]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1, err

def test_dry_run_prints_the_resolved_config(capsys):
    assert main(["demo", "--dry-run", "train.max_steps=3", "data.eval.heldout.size=7"]) == 0
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["train"]["max_steps"] == 3 and out["data"]["eval"]["heldout"]["size"] == 7 and out["train"]["reward_weights"] == [1.0, 0.5]

def test_help_and_version():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "scrpo.cli", "--version"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.strip() == f"scrpo {scrpo.__version__}"
    r = subprocess.run([sys.executable, "-m", "scrpo.cli", "--help"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and all(c in r.stdout for c in ("train", "demo", "eval", "pool"))
    for sub, words in [("train", "--config"), ("demo", "--dry-run"), ("eval", "--benchmarks"), ("pool", "--top")]:
        with pytest.raises(SystemExit) as e: cli.parser().parse_args([sub, "--help"])
        assert e.value.code == 0

def test_train_writes_the_run_folder_and_pool_command_reads_it(tmp_path, capsys):
    cfg = tiny_config(tmp_path)
    assert main(["train", "--config", str(cfg), f"run.root={tmp_path / 'runs'}", "train.save_strategy=steps", "train.save_steps=2"]) == 0
    out = capsys.readouterr().out
    (run,) = (tmp_path / "runs").iterdir()
    assert f"run folder: {run}" in out and "held-out heldout (4 problems, pass@1): before" in out and "self-correction:" in out
    assert [l.split(" | ")[0] for l in out.splitlines() if l.startswith("step ")] == ["step 1/3", "step 2/3", "step 3/3"]
    assert "{'loss'" not in out and "'loss':" not in out  # one readable line per step, not TRL's raw log dict
    assert {"config.json", "config.yaml", "metrics.jsonl", "scrpo_pool.jsonl", "summary.json", "scrpo_state.json"} <= {p.name for p in run.iterdir()}
    assert sorted(p.name for p in (run / "plots").glob("*.png")) == ["accuracy.png", "correction_success.png", "pool_size.png", "reward.png"]
    assert (run / "eval/before/results.json").exists() and (run / "eval/after/results.json").exists()
    assert (run / "checkpoints/checkpoint-2/scrpo_pool.jsonl").exists()
    rows = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if "loss" in r]
    assert steps == [1, 2, 3] and any("correction/success" in r for r in rows) and all("pool/size" in r for r in rows if "loss" in r)
    s = json.loads((run / "summary.json").read_text())
    pool = ErrorPool.load(run / "scrpo_pool.jsonl")
    assert s["steps"] == 3 and s["pool"]["size"] == len(pool) > 0 and s["correction"]["correction_steps"] >= 2
    assert yaml.safe_load((run / "config.yaml").read_text())["train"]["max_steps"] == 3
    # the saved config.yaml runs again as it is
    assert load_config(run / "config.yaml", cuda=False).to_dict() == load_config(cfg, [f"run.root={tmp_path / 'runs'}", "train.save_strategy=steps", "train.save_steps=2"], cuda=False).to_dict()
    assert main(["pool", str(run), "--top", "2"]) == 0
    rep = capsys.readouterr().out
    assert f"size {len(pool)} of" in rep and "most-failed problems (top 2):" in rep and "   e.g. (step" in rep
    top = pool.stats(top=1)["top_problems"][0]
    assert f"1. {top['errors']} errors" in rep

def test_eval_command(tmp_path, capsys):
    out = tmp_path / "ev"
    assert main(["eval", "--model", "tiny-llama", "--benchmarks", "rg:chain_sum", "--limit", "3", "--k", "2",
                 "--max-new-tokens", "4", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    res = json.loads((out / "results.json").read_text())
    assert res["metrics"]["rg:chain_sum"]["problems"] == 3 and res["metrics"]["rg:chain_sum"]["samples"] == 6
    assert "pass@1 (%)" in text and "maj@2 (%)" in text and "| tiny-llama |" in text

def test_two_processes_keep_one_pool(tmp_path):
    "accelerate launch --multi_gpu --num_processes 2 on a CPU: the run completes and both ranks end with the same, non-empty pool."
    cfg = tiny_config(tmp_path, eval={"before": False, "after": False})
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    # `--cpu` would start one process (accelerate runs several CPU processes only through MPI); without a GPU,
    # `--multi_gpu` starts 2 torchrun processes that train on the CPU over gloo
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "scrpo.cli", "train", "--config", str(cfg),
           f"run.dir={tmp_path / 'run'}", "run.save_rank_pools=true", "train.per_device_train_batch_size=2"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path / "run"
    p0, p1 = ErrorPool.load(run / "pool.rank0.jsonl"), ErrorPool.load(run / "pool.rank1.jsonl")
    assert len(p0) > 0 and p0.state_dict() == p1.state_dict()
    s = json.loads((run / "summary.json").read_text())
    assert s["processes"] == 2 and s["steps"] == 3 and s["correction"]["correction_steps"] >= 2
    assert ErrorPool.load(run / "scrpo_pool.jsonl").state_dict() == p0.state_dict()

def test_sweep_subcommand(tmp_path, capsys):
    "`scrpo sweep` runs `scrpo.sweep.run_sweep`: a bad sweep file is a one-line error, --dry-run lists the cells."
    (tmp_path / "pyproject.toml").write_text("")
    assert main(["sweep", str(tmp_path / "nope.yaml")]) == 2 and "does not exist" in capsys.readouterr().err
    (tmp_path / "s.yaml").write_text("name: s\narms: {a: [train.max_steps=1]}\n")
    assert main(["sweep", str(tmp_path / "s.yaml"), "--dry-run", "--results-dir", str(tmp_path / "res")]) == 0
    assert "a/seed0" in capsys.readouterr().out and not (tmp_path / "res").exists()
