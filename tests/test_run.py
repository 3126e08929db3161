"The run layer: the tiny run's eval cache, LoRA runs that save a merged model and evaluate it (hf, and vLLM faked)."
import json
from pathlib import Path
import yaml
from scrpo import run as run_mod
from scrpo.config import load_config

TINY = {"model": {"name": "tiny-llama"},
        "data": {"train": {"name": "rg:chain_sum", "size": 16, "knobs": {"max_terms": 2}},
                 "eval": {"heldout": {"name": "rg:chain_sum", "split": "test", "size": 4, "knobs": {"max_terms": 2}}}},
        "rewards": ["accuracy_reward", {"name": "format_reward", "weight": 0.5}],
        # a random model is always wrong: admitting all-wrong groups gives the correction step records to work on
        "train": {"max_steps": 3, "per_device_train_batch_size": 4, "num_generations": 2, "max_completion_length": 8,
                  "correction_every": 1, "correction_batch_size": 2, "pool_admission": "all_wrong", "beta": 0.0,
                  "disable_tqdm": True, "seed": 0},
        "eval": {"max_new_tokens": 8, "batch_size": 4},
        "run": {"name": "tiny"}}

def tiny_config(tmp_path, **sections) -> Path:
    "TINY (with `sections` replaced) as a YAML file in `tmp_path`."
    raw = {**TINY, **sections}
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return p

def test_untrained_evaluation_is_reused_from_the_eval_cache(tmp_path):
    from scrpo.run import train
    raw = {**TINY, "train": {**TINY["train"], "max_steps": 1}, "eval": {**TINY["eval"], "after": False}}
    over = [f"run.root={tmp_path / 'runs'}", f"run.eval_cache={tmp_path / 'cache'}"]
    s1 = train(load_config(raw, over, cuda=False), echo=None)
    s2 = train(load_config(raw, over, cuda=False), echo=None)
    assert not s1["heldout_before_reused"] and s2["heldout_before_reused"] and s1["heldout_before"] == s2["heldout_before"]
    (key,) = list((tmp_path / "cache").iterdir())
    assert (Path(s2["run_dir"]) / "eval/before/samples.jsonl").read_text() == (key / "samples.jsonl").read_text()
    # other eval settings: another cache entry, evaluated afresh
    s3 = train(load_config(raw, over + ["eval.max_new_tokens=6"], cuda=False), echo=None)
    assert not s3["heldout_before_reused"] and len(list((tmp_path / "cache").iterdir())) == 2
    # the same settings but other weights recorded in the cache: evaluated afresh, not reused
    r = json.loads((key / "results.json").read_text()); r["model"]["weights_sha256"] = "0" * 64
    (key / "results.json").write_text(json.dumps(r))
    s4 = train(load_config(raw, over, cuda=False), echo=None)
    assert not s4["heldout_before_reused"] and s4["heldout_before"] == s1["heldout_before"]

def test_lora_run_saves_a_merged_model_and_evaluates_it(tmp_path, monkeypatch, capsys):
    "A LoRA run: model/ is a full model with the adapter merged in, the evaluation after training ran on it, and `scrpo eval` loads the adapter folder."
    import copy, torch
    import scrpo.trainer
    from transformers import AutoModelForCausalLM
    from scrpo.models import model_identity, resolve_model
    seen, make = {}, scrpo.trainer.scrpo_trainer_class
    def capturing(*a, **k):
        class Capturing(make(*a, **k)):
            def __init__(self, *a, **k): super().__init__(*a, **k); seen["trainer"] = self
        return Capturing
    monkeypatch.setattr(scrpo.trainer, "scrpo_trainer_class", capturing)
    # init_lora_weights=false: the adapter is not zero from the start, so merged weights differ from the base model's
    lora = {"r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"], "init_lora_weights": False}
    raw = {**TINY, "model": {"name": "tiny-llama", "lora": lora}, "train": {**TINY["train"], "max_steps": 2}}
    s = run_mod.train(load_config(raw, [f"run.root={tmp_path / 'runs'}", "run.save_model=true"], cuda=False), echo=None)
    run = Path(s["run_dir"])
    assert (run / "model/config.json").exists() and not (run / "model/adapter_config.json").exists()
    assert (run / "adapter/adapter_config.json").exists()
    saved = AutoModelForCausalLM.from_pretrained(run / "model")  # a plain full model: no peft involved
    trained = seen["trainer"].accelerator.unwrap_model(seen["trainer"].model)
    merged = copy.deepcopy(trained).merge_and_unload().state_dict()
    got = saved.state_dict()
    assert got.keys() == merged.keys() and all(torch.equal(got[k], merged[k]) for k in got)
    base = AutoModelForCausalLM.from_pretrained(resolve_model("tiny-llama")).state_dict()
    q = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(got[q], base[q])
    # the evaluation after training loaded the saved folder
    after = json.loads((run / "eval/after/results.json").read_text())["model"]
    assert after["path"] == str(run / "model") and after["weights_sha256"] == model_identity(run / "model")["weights_sha256"]
    assert s["heldout_after"].keys() == {"heldout"}
    # `scrpo eval` on the adapter folder: base model plus adapter, merged
    from scrpo.cli import main
    out = tmp_path / "ev"
    assert main(["eval", "--model", str(run / "adapter"), "--benchmarks", "rg:chain_sum", "--limit", "2", "--max-new-tokens", "4", "--out", str(out)]) == 0
    capsys.readouterr()
    assert json.loads((out / "results.json").read_text())["metrics"]["rg:chain_sum"]["problems"] == 2

def test_lora_run_with_vllm_eval_hands_the_engine_a_full_model(tmp_path, monkeypatch):
    "eval.backend=vllm builds its engine from model/: after a LoRA run that folder is a full model (vLLM itself is faked here)."
    from transformers import AutoModelForCausalLM
    seen = []
    def fake_evaluate_sets(cfg, model, tok, sets, out):
        seen.append(model)
        assert (Path(model) / "config.json").is_file() and not (Path(model) / "adapter_config.json").exists()  # vLLM needs a full model
        AutoModelForCausalLM.from_pretrained(model)
        return {"metrics": {k: {"pass@1": 0.0} for k in sets}}
    monkeypatch.setattr(run_mod, "evaluate_sets", fake_evaluate_sets)
    for where in ("scrpo.engines.vllm_refusal", "scrpo.trainer.vllm_refusal"): monkeypatch.setattr(where, lambda *a: None)  # as if vLLM were installed
    raw = {**TINY, "model": {"name": "tiny-llama", "lora": {"r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]}},
           "train": {**TINY["train"], "max_steps": 1, "use_cpu": True, "bf16": False}, "eval": {**TINY["eval"], "before": False, "backend": "vllm"}}
    s = run_mod.train(load_config(raw, [f"run.root={tmp_path}"], cuda=True), echo=None)  # cuda=True: a vllm eval config passes the GPU check
    run = Path(s["run_dir"])
    assert seen == [run / "model"] and (run / "model/config.json").exists() and (run / "adapter/adapter_config.json").exists()
