"""Training with vLLM generating (TRL's colocate mode) on vLLM's CPU build: the weight sync is real, trial and correction
samples come from the engine, and the correction batch's sampling log-probs are cut the way the batch is.

Run by `make test-vllm` (tests/vllm_twin/conftest.py skips them where vLLM is not installed)."""
import math, tempfile
from pathlib import Path
import pytest
import torch
from vllm_twin.twin_utils import free_engine
from scrpo.engines import reload_sync_weights
from scrpo.models import tiny_model
from scrpo.trainer import ScRPOConfig, ScRPOTrainer, importance_ratio
from scrpo.verify import accuracy_reward, completion_text

ROOT = Path(__file__).resolve().parents[2]
SYNC_TOL = 1e-4  # max |engine - HF| log-prob per token, float32 on both sides (measured: ~5e-7)
MOVED = 1e-2  # an optimizer step at this learning rate moves some token's log-prob by more than this

def config(**kw):
    base = dict(output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=True, bf16=False, per_device_train_batch_size=8,
                num_generations=4, max_completion_length=16, logging_steps=1, seed=0, save_strategy="no", disable_tqdm=True,
                use_vllm=True, vllm_mode="colocate", correction_every=1, correction_warmup_steps=1, correction_batch_size=2)
    return ScRPOConfig(**{**base, **kw})

def chars_reward(completions, **kw):
    "A reward that differs within every group of a random model's samples, so a step has a gradient."
    return [len(completion_text(c)) / 40 for c in completions]

def arithmetic(n=8):
    from datasets import Dataset
    return Dataset.from_list([{"prompt": [{"role": "user", "content": f"What is {i} + {i + 1}?"}], "answer": str(2 * i + 1)} for i in range(n)])

def engine_logps(trainer, ids):
    "The engine's log-probability of each token of `ids` after the first (vLLM's prompt log-probs)."
    from vllm import SamplingParams
    out = trainer.vllm_generation.llm.generate([{"prompt_token_ids": ids}], SamplingParams(max_tokens=1, prompt_logprobs=0), use_tqdm=False)[0]
    return torch.tensor([d[t].logprob for d, t in zip(out.prompt_logprobs[1:], ids[1:])])

def hf_logps(trainer, ids):
    with torch.no_grad(): logits = trainer.model(torch.tensor([ids])).logits[0, :-1].float()
    return logits.log_softmax(-1).gather(-1, torch.tensor(ids[1:])[:, None])[:, 0]

@pytest.fixture(scope="module")
def tiny():
    return str(tiny_model("llama", hidden_size=128, num_heads=2))  # head size 64: vLLM's CPU attention has no kernel for 16

def test_weights_sync_after_an_optimizer_step(tiny):
    "After a step the engine still holds the old policy; the trainer's sync gives it the new one, token for token."
    tr = ScRPOTrainer(tiny, [accuracy_reward, chars_reward], config(max_steps=1, learning_rate=3e-2, correction_every=0),
                      train_dataset=arithmetic())
    try:
        assert tr.vllm_generation.sync_weights.__func__ is reload_sync_weights  # fitted for vLLM's CPU backend
        ids = tr.processing_class("What is 3 + 4? It is 7, because 3 + 4 = 7.")["input_ids"]
        e0, h0 = engine_logps(tr, ids), hf_logps(tr, ids)
        assert (e0 - h0).abs().max() < SYNC_TOL
        tr.train()
        h1, stale = hf_logps(tr, ids), engine_logps(tr, ids)
        print(f"\none step moved HF log-probs by up to {(h1 - h0).abs().max():.4f}; engine before the sync: {(stale - h0).abs().max():.2e} from the old policy")
        assert (h1 - h0).abs().max() > MOVED and (stale - e0).abs().max() < SYNC_TOL  # the policy moved, the engine not yet
        tr.vllm_generation.sync_weights()  # what TRL calls before the next generation
        e1 = engine_logps(tr, ids)
        print(f"after the sync: max |engine - HF| = {(e1 - h1).abs().max():.2e}, max |engine - engine before| = {(e1 - e0).abs().max():.4f}")
        assert (e1 - h1).abs().max() < SYNC_TOL and (e1 - e0).abs().max() > MOVED
        from trl.generation.vllm_generation import VLLMGeneration
        with pytest.raises(AttributeError, match="weight_loader"): VLLMGeneration.sync_weights(tr.vllm_generation)  # TRL's own, on CPU
    finally: free_engine(tr.vllm_generation.llm)

def test_engine_samples_follow_the_policy_during_training(tiny):
    "Before each of three steps the policy goes to the engine, and TRL's own measure of engine vs policy log-probs of the sampled tokens stays at float32 noise."
    tr = ScRPOTrainer(tiny, [accuracy_reward, chars_reward], config(max_steps=3, learning_rate=3e-2, correction_every=0),
                      train_dataset=arithmetic())
    try:
        calls = []
        sync = tr.vllm_generation.sync_weights
        tr.vllm_generation.sync_weights = lambda: (calls.append(tr.state.global_step), sync())[1]
        tr.train()
        diffs = [l["sampling/sampling_logp_difference/max"] for l in tr.state.log_history if "sampling/sampling_logp_difference/max" in l]
        print(f"\nsyncs at steps {calls}; max |policy - engine| log-prob of sampled tokens per step: {diffs}")
        assert calls == [0, 1, 2] and len(diffs) == 3 and max(diffs) < SYNC_TOL
    finally: free_engine(tr.vllm_generation.llm)

def organism_trainer(max_steps, **kw):
    "The organism-cpu.yaml trainer, smaller, generating with a colocated engine."
    from scrpo.config import load_config
    from scrpo.config import make_rewards
    from scrpo.run import heldout_sets, load_run_model, training_set
    cfg = load_config(ROOT / "configs" / "organism-cpu.yaml", [f"train.max_steps={max_steps}", "train.per_device_train_batch_size=32",
                                                              "train.use_vllm=true", "train.correction_every=1"])
    model, tok = load_run_model(cfg)
    ds, _ = training_set(cfg, heldout_sets(cfg))
    funcs, _ = make_rewards(cfg.rewards)
    return ScRPOTrainer(model, funcs, args=cfg.train_args(tempfile.mkdtemp()), train_dataset=ds, processing_class=tok, **kw)

def test_organism_trial_and_correction_samples_come_from_the_engine():
    "ScRPO on the organism with vLLM: every generation goes through the engine; the correction batch's importance ratio is over its cut tokens."
    tr = organism_trainer(3)
    try:
        gens, batches = [], []
        generate, update = tr.vllm_generation.generate, tr._correction_update
        tr.vllm_generation.generate = lambda *a, **k: (gens.append("correction" if tr._in_correction else "trial"), generate(*a, **k))[1]
        def keep(out, records):
            full = {k: v.clone() if torch.is_tensor(v) else v for k, v in out.items()}
            cut = update(out, records); batches.append((full, cut)); return cut
        tr._correction_update = keep
        tr.model.generate = lambda *a, **k: pytest.fail("HF generate was called: samples must come from the engine")
        tr.train()
        st = tr._scrpo_state
        print(f"\nengine calls {gens}; corrections {st['corrections_right']}/{st['corrections_total']} right in {st['correction_steps']} steps")
        assert gens.count("trial") == 3 and gens.count("correction") == st["correction_steps"] >= 1
        for full, cut in batches:
            m = full["completion_mask"].bool()
            assert (full["sampling_per_token_logps"][m] - full["old_per_token_logps"][m]).abs().max() < 1e-3  # engine = policy, aligned
            cm = cut["completion_mask"].bool()
            assert (cut["sampling_per_token_logps"][cm] - cut["old_per_token_logps"][cm]).abs().max() < 1e-3  # still aligned after the cut
            a = tr.args
            torch.testing.assert_close(cut["importance_sampling_ratio"], importance_ratio(cut, a.vllm_importance_sampling_mode,
                                       a.vllm_importance_sampling_clip_min, a.vllm_importance_sampling_clip_max))
            assert cut["importance_sampling_ratio"].shape == (cut["completion_ids"].size(0), 1)  # TRL's default: per sequence
        logs = {k for l in tr.state.log_history for k in l}
        assert {"sampling/sampling_logp_difference/max", "correction/sampling/sampling_logp_difference/max", "correction/loss"} <= logs
    finally: free_engine(tr.vllm_generation.llm)

def test_lora_with_vllm_merges_the_adapter_for_the_sync(tiny):
    "LoRA, corrections on: TRL merges the adapter into the engine's weights; the engine then gives the adapted model's log-probs."
    from peft import LoraConfig
    tr = ScRPOTrainer(tiny, [accuracy_reward, chars_reward], config(max_steps=1, learning_rate=5e-2),
                      train_dataset=arithmetic(), peft_config=LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
    try:
        ids = tr.processing_class("What is 3 + 4? It is 7, because 3 + 4 = 7.")["input_ids"]
        e0 = engine_logps(tr, ids)
        tr.train()
        h1 = hf_logps(tr, ids)
        assert (h1 - e0).abs().max() > MOVED  # the adapter moved the policy
        tr.vllm_generation.sync_weights()
        e1 = engine_logps(tr, ids)
        print(f"\nLoRA: after the sync max |engine - adapted HF| = {(e1 - h1).abs().max():.2e}")
        assert (e1 - h1).abs().max() < SYNC_TOL
        assert any("lora" in n for n, _ in tr.model.named_parameters())  # unmerged again in the trained model
    finally: free_engine(tr.vllm_generation.llm)
