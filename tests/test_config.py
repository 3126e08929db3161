"Run-config checks that need no model: token budgets against model.max_seq_length, every shipped YAML loads."
from pathlib import Path
import pytest
from scrpo.config import ConfigError, load_config, read_config

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
# keep model.backend=unsloth (whose vLLM engine gets max_seq_length as max_model_len) and build the trainer config on a CPU;
# vLLM is asked of the installed vLLM itself, which the main tier does not have (the twin tier, tests/vllm_twin/, does)
UNSLOTH_ON_CPU = ["train.use_vllm=false", "train.bf16=false", "eval.backend=hf"]

@pytest.mark.parametrize("name", ["paper-1.5b", "paper-7b", "grpo-paper-1.5b", "grpo-paper-7b"])
def test_paper_configs_fit_the_reflection_prompt_and_the_completion(name):
    cfg = load_config(CONFIGS / f"{name}.yaml", UNSLOTH_ON_CPU, cuda=True, processes=1)
    t = cfg.train
    assert cfg.model.backend == "unsloth" and t["max_completion_length"] == 8192  # the paper's completion budget
    assert t["max_reflection_prompt_tokens"] + t["max_completion_length"] <= cfg.model.max_seq_length

@pytest.mark.parametrize("source, overrides, msg", [
    (None, ["model.max_seq_length=9216", "train.max_completion_length=8192", "train.max_reflection_prompt_tokens=4096"],
     "train.max_reflection_prompt_tokens=4096 + train.max_completion_length=8192 = 12288 tokens exceed model.max_seq_length=9216"),
    # a config without the key: ScRPOConfig's default reflection budget (1024) counts
    ({"train": {"max_completion_length": 1500}}, [],
     "train.max_reflection_prompt_tokens=1024 + train.max_completion_length=1500 = 2524 tokens exceed model.max_seq_length=2048"),
])
def test_budget_over_max_seq_length_is_refused(source, overrides, msg):
    over = ["model.backend=auto"] + overrides  # auto may pick unsloth on a GPU machine
    with pytest.raises(ConfigError) as e: load_config(source, over, cuda=False)
    err = str(e.value)
    assert msg in err and "raise model.max_seq_length to at least" in err and "\n" not in err, err
    need = int(err.split("at least ")[1].split()[0].rstrip(",;."))
    assert load_config(source, over + [f"model.max_seq_length={need}"], cuda=False).model.max_seq_length == need  # the named fix works

def test_transformers_backend_ignores_max_seq_length():
    "Only Unsloth's vLLM engine is capped by model.max_seq_length; transformers does not use it."
    cfg = load_config(None, ["model.backend=transformers", "train.max_completion_length=4096"], cuda=False)
    assert cfg.model.max_seq_length == 2048 and cfg.train["max_completion_length"] == 4096

def test_every_shipped_run_config_loads():
    "Every YAML under configs/ that is a run config (not a sweep or an accelerate file) passes build_config."
    runs = [p for p in sorted(CONFIGS.rglob("*.yaml")) if "accelerate" not in p.parts and "arms" not in read_config(p)]
    assert {p.name for p in runs} >= {"demo-cpu.yaml", "paper-1.5b.yaml", "grpo-paper-7b.yaml", "base-cpu.yaml"}
    for p in runs:
        gpu = read_config(p).get("model", {}).get("backend") == "unsloth" or "paper" in p.name
        load_config(p, UNSLOTH_ON_CPU if gpu else [], cuda=gpu, processes=1)

def test_vllm_max_model_length_is_checked_like_max_seq_length(monkeypatch):
    "TRL's train.vllm_max_model_length caps the reflection prompt plus the completion too (refused with both keys named)."
    for where in ("scrpo.engines.vllm_refusal", "scrpo.trainer.vllm_refusal"): monkeypatch.setattr(where, lambda *a: None)  # as where vLLM runs
    over = ["train.use_vllm=true", "train.max_completion_length=512", "train.max_reflection_prompt_tokens=384"]
    with pytest.raises(ConfigError) as e: load_config(None, over + ["train.vllm_max_model_length=800"], cuda=False)
    err = str(e.value)
    assert ("train.max_reflection_prompt_tokens=384 + train.max_completion_length=512 = 896 tokens exceed train.vllm_max_model_length=800"
            in err and "raise train.vllm_max_model_length to at least 896" in err and "\n" not in err), err
    assert load_config(None, over + ["train.vllm_max_model_length=896"], cuda=False).train["vllm_max_model_length"] == 896
    assert load_config(None, over, cuda=False).train["use_vllm"]  # None: the model's own context length, not checked here
    with pytest.raises(ConfigError, match="train.vllm_max_model_length"):  # the paper configs' engine at max_seq_length's size
        load_config(CONFIGS / "paper-1.5b.yaml", ["train.bf16=false", "train.vllm_max_model_length=9216"], cuda=True, processes=1)
