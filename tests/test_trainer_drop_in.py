"ScRPOTrainer as a drop-in for GRPOTrainer with corrections on: each test here failed on the trainer before issue #18's fixes."
import math
from dataclasses import dataclass
import pytest, torch
from datasets import Dataset
from trl import GRPOConfig, GRPOTrainer
from scrpo.models import tiny_model, load_model
from scrpo.prompts import count_tokens, reflection_prompt
from scrpo.trainer import ScRPOConfig, ScRPOTrainer, scrpo_config_class, scrpo_trainer_class
from scrpo.verify import accuracy_reward
from trainer_utils import arithmetic_dataset, arithmetic_script, config, scripted_generate

@pytest.fixture(scope="module")
def tiny():
    return tiny_model("llama")

def _user(prompt):
    return prompt if isinstance(prompt, str) else prompt[-1]["content"]

def _terms(prompt):
    a, b = [int(x) for x in _user(prompt).split("What is ")[1].split("?")[0].split(" + ")]
    return a, b

def make(tiny, args, script=arithmetic_script, cls=ScRPOTrainer, ds=None, rewards=None, **kw):
    model, tok = load_model(tiny)
    tr = cls(model, rewards or [accuracy_reward], args=args, train_dataset=ds or arithmetic_dataset(), processing_class=tok, **kw)
    return scripted_generate(tr, script) if script else tr

def weights(tr): return {k: v.detach().clone() for k, v in tr.model.state_dict().items()}

# 1. a base class that follows Unsloth's contract: the work in public compute_loss, the private log-prob helper detached
class UnslothLike(GRPOTrainer):
    def _get_per_token_logps_and_entropies(self, *a, **kw):
        out = super()._get_per_token_logps_and_entropies(*a, **kw)
        return (out[0].detach(), None, *out[2:])
    def _generate_and_score_completions(self, inputs):
        out = super()._generate_and_score_completions(inputs)
        out.pop("importance_sampling_ratio", None)
        return out
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        ids = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], 1)
        att = torch.cat([inputs["prompt_mask"], inputs["completion_mask"]], 1)
        T = inputs["completion_ids"].size(1)
        logits = model(input_ids=ids, attention_mask=att).logits[:, -T - 1:-1].float()
        logps = torch.log_softmax(logits, -1).gather(-1, inputs["completion_ids"].unsqueeze(-1)).squeeze(-1)
        m = inputs["completion_mask"].float()  # Unsloth reads completion_mask only, never tool_mask
        return -(logps * inputs["advantages"].unsqueeze(1) * m).sum() / m.sum().clamp(min=1)

def test_correction_goes_through_a_patched_base_class(tiny):
    cls = scrpo_trainer_class(UnslothLike)
    runs = {}
    for w in (0.0, 1.0):
        tr = make(tiny, config(max_steps=2, correction_loss_weight=w), cls=cls)
        tr.train()
        runs[w] = weights(tr)
        if w: assert math.isfinite(tr.state.log_history[1]["correction/loss"])
    assert any(not torch.equal(runs[0.0][k], runs[1.0][k]) for k in runs[0.0])

def test_correction_batch_is_cut_to_the_reflection_tokens_with_unchanged_log_probs(tiny):
    tr = make(tiny, config(max_steps=2, beta=0.0))
    tr.train()
    c = tr._correction_chunks[0]
    i = int(c["advantages"].argmax())
    tok = tr.processing_class
    assert tok.decode(c["completion_ids"][i][c["completion_mask"][i].bool()]).strip() == "I added the numbers wrongly before."
    assert "tool_mask" not in c
    # the kept tokens' log-probabilities equal those inside the whole sequence (the cut moves context, never changes it)
    full = tok(tok.decode(c["prompt_ids"][i][c["prompt_mask"][i].bool()]) + tok.decode(c["completion_ids"][i][c["completion_mask"][i].bool()]),
               add_special_tokens=False, return_tensors="pt")["input_ids"]
    n = int(c["completion_mask"][i].sum())
    with torch.no_grad():
        lp_full = torch.log_softmax(tr.model(full).logits[0, -n - 1:-1].float(), -1).gather(-1, full[0, -n:, None]).squeeze(-1)
        lp_cut, *_ = tr._get_per_token_logps_and_entropies(tr.model, torch.cat([c["prompt_ids"][i:i+1], c["completion_ids"][i:i+1]], 1),
                                                           torch.cat([c["prompt_mask"][i:i+1], c["completion_mask"][i:i+1]], 1), c["completion_ids"].size(1))
    assert torch.allclose(lp_full, lp_cut[0, :n], atol=1e-4)

# 4. the Analysis may quote the earlier boxed answer: only the Corrected Solution is verified
def quoting_script(prompt, i):
    a, b = _terms(prompt)
    if "earlier attempt" in _user(prompt):
        return f"Analysis: I wrote \\boxed{{{a + b + 1}}} before, one too many.\nCorrected Solution: {a} + {b} = \\boxed{{{a + b}}}"
    return f"{a} + {b} = \\boxed{{{a + b if i % 4 < 2 else a + b + i % 4}}}"

def test_a_correction_is_verified_on_its_corrected_solution(tiny):
    tr = make(tiny, config(max_steps=2), script=quoting_script)
    tr.train()
    assert tr.state.log_history[1]["correction/success"] == 1.0

# 5. group-relative: a failed (formatted, wrong) correction above the group mean gets no positive advantage
def boxed_reward(completions, **kw):
    return [1.0 if "\\boxed" in (c if isinstance(c, str) else c[-1]["content"]) else 0.0 for c in completions]

def mixed_script(prompt, i):
    a, b = _terms(prompt)
    if "earlier attempt" in _user(prompt):
        if i % 4 == 0: return f"Analysis: a slip.\nCorrected Solution: \\boxed{{{a + b}}}"
        if i % 4 == 1: return f"Analysis: a slip.\nCorrected Solution: \\boxed{{{a + b + 5}}}"
        return "I do not know."
    return f"{a} + {b} = \\boxed{{{a + b if i % 4 < 2 else a + b + i % 4}}}"

def test_group_relative_never_rewards_a_failed_correction(tiny):
    tr = make(tiny, config(max_steps=2, correction_advantage="group_relative"), script=mixed_script, rewards=[accuracy_reward, boxed_reward])
    tr.train()
    adv = tr._correction_chunks[0]["advantages"].view(-1, 4)
    assert (adv[:, 0] > 0).all() and (adv[:, 1:] <= 0).all()

# 6. logs: the completions table keeps the trial rows and shows the advantages used; correction/loss as TRL logs loss
def test_completions_table_keeps_trial_rows_and_shows_used_advantages(tiny):
    tr = make(tiny, config(max_steps=2, log_completions=True, num_completions_to_print=0))
    tr.train()
    assert list(tr._logs["extra"]["stage"]) == ["trial"] * 8 + ["correction"] * 8
    assert list(tr._logs["advantages"])[8:] == [1.0, 1.0, 0.0, 0.0] * 2  # success_only, not TRL's group-relative values

def test_correction_loss_is_logged_per_optimizer_step(tiny):
    tr = make(tiny, config(max_steps=2, per_device_train_batch_size=4, gradient_accumulation_steps=2))
    tr.train()
    chunk, trial = tr._correction_chunks[0], tr._buffered_inputs[0]
    tr._metrics["train"].clear()
    with torch.no_grad():
        tr.compute_loss(tr.model, {**trial, "correction": chunk})
        expected = GRPOTrainer.compute_loss(tr, tr.model, chunk).item() * 2
    assert tr._metrics["train"]["correction/loss"][-1] == pytest.approx(expected, rel=1e-5)

# 7. failed corrections enter the pool by the verifier's verdict: a right but unformatted one is not a wrong answer
def right_unformatted_script(prompt, i):
    a, b = _terms(prompt)
    if "earlier attempt" in _user(prompt): return f"The answer is \\boxed{{{a + b if i % 2 == 0 else a + b + 7}}}"
    return f"{a} + {b} = \\boxed{{{a + b if i % 4 < 2 else a + b + i % 4}}}"

def test_failed_corrections_are_admitted_only_when_wrong(tiny):
    tr = make(tiny, config(max_steps=2, pool_admit_failed_corrections=True, pool_per_problem_limit=4), script=right_unformatted_script)
    tr.train()
    from scrpo.verify import check
    corr = [r for r in tr.pool._records.values() if r.origin == "correction"]
    assert corr and all(not check(r.response, r.answer).correct for r in corr)

# 8. records dropped by the rounding to whole chunks are not counted as attempts
def test_records_dropped_by_chunk_rounding_are_not_attempts(tiny):
    tr = make(tiny, config(max_steps=2, per_device_train_batch_size=4, gradient_accumulation_steps=3, correction_batch_size=4,
                           pool_max_attempts=8, pool_retire_after_corrections=8))
    tr.train()  # 4 records drawn per correction step, 3 used (3 x G=4 samples split into 3 chunks)
    assert tr._scrpo_state["correction_steps"] >= 1
    assert tr.pool.counters["sampled"] == 3 * tr._scrpo_state["correction_steps"]

# 10 and 13. reflection prompts that cannot fit
def test_a_record_that_cannot_fit_is_skipped_and_training_goes_on(tiny):
    model, tok = load_model(tiny)
    pad = " Think about it carefully." * 60
    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": f"What is {i} + {i + 1}?" + (pad if i % 2 else "")}],
                             "answer": str(2 * i + 1), "id": f"add-{i}"} for i in range(8)])
    short = count_tokens(reflection_prompt("What is 1 + 2?" + " " * 5, "1 + 2 = \\boxed{4}", tokenizer=tok), tok)
    tr = make(tiny, config(max_steps=3, max_reflection_prompt_tokens=short + 40, correction_batch_size=2), ds=ds)
    tr.train()
    logs = [l for l in tr.state.log_history if "loss" in l]
    assert len(logs) == 3 and sum(l.get("correction/skipped_too_long", 0) for l in logs) > 0
    assert tr.pool.counters["discarded_too_long"] > 0

def test_a_budget_no_reflection_prompt_fits_is_refused_at_construction(tiny):
    model, tok = load_model(tiny)
    tok.chat_template = "{{ 'System: ' + 'You are a careful assistant. ' * 150 }}{% for m in messages %}{{ m['content'] }}{% endfor %}"
    with pytest.raises(ValueError, match="max_reflection_prompt_tokens=300"):
        ScRPOTrainer(model, [accuracy_reward], args=config(max_reflection_prompt_tokens=300), train_dataset=arithmetic_dataset(), processing_class=tok)

# 11. the constructor is GRPOTrainer's
def test_minimal_form_without_args_and_with_any_reward_name(tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model, tok = load_model(tiny)
    def my_score(completions, **kw): return [0.0] * len(completions)
    with pytest.warns(UserWarning, match="'my_score'"):
        tr = ScRPOTrainer(model=model, reward_funcs=my_score, train_dataset=arithmetic_dataset(), processing_class=tok)
    assert isinstance(tr.args, ScRPOConfig) and str(tr.args.output_dir).endswith("-ScRPO")

def test_no_reward_source_fails_as_grpo_does(tiny):
    model, tok = load_model(tiny)
    with pytest.raises(ValueError, match="No reward source provided"):
        ScRPOTrainer(model, args=config(), train_dataset=arithmetic_dataset(), processing_class=tok)

# 12. a plain-text data set stays plain text in the correction stage
def test_plain_text_data_gets_plain_text_corrections(tiny):
    ds = Dataset.from_list([{"prompt": f"What is {i} + {i + 1}?", "answer": str(2 * i + 1), "id": f"add-{i}"} for i in range(8)])
    seen = []
    def distinct_chars(completions, **kw):  # written for strings, as TRL's docs write them for standard data
        seen.extend(completions); return [len(set(c)) / 100 for c in completions]
    def script(prompt, i):
        a, b = _terms(prompt)
        if "earlier attempt" in _user(prompt): return f"Analysis: a slip.\nCorrected Solution: \\boxed{{{a + b}}}"
        return f"\\boxed{{{a + b if i % 4 < 2 else a + b + 1}}}"
    tr = make(tiny, config(max_steps=2, log_completions=True, num_completions_to_print=0), script=script, ds=ds,
              rewards=[accuracy_reward, distinct_chars])
    tr.train()
    assert all(isinstance(c, str) for c in seen)
    assert all(isinstance(p, str) for p in tr._logs["prompt"]) and any("earlier attempt" in p for p in tr._logs["prompt"])
    assert tr.state.log_history[1]["correction/success"] == 1.0

# 14. TRL's per-step controllers advance once per optimizer step
def test_adaptive_entropy_advances_once_per_optimizer_step(tiny):
    tr = make(tiny, config(max_steps=4, per_device_train_batch_size=4, gradient_accumulation_steps=2, use_adaptive_entropy=True,
                           entropy_coef=0.0, entropy_coef_delta=0.01, entropy_coef_max=1.0, entropy_target=1e9))
    tr.train()
    assert tr._scrpo_state["correction_steps"] >= 2
    assert tr.entropy_coef == pytest.approx(0.04)  # GRPO's schedule: one increment per optimizer step

# 15. rows that cannot be pooled are counted, not fatal; multi-turn rollouts train as GRPO with a warning
def test_an_empty_problem_is_skipped_and_counted(tiny):
    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": "" if i % 2 else f"What is {i} + {i + 1}?"}],
                             "answer": str(2 * i + 1), "id": f"add-{i}"} for i in range(8)])
    def script(prompt, i):
        if not _user(prompt): return "\\boxed{1}"
        return arithmetic_script(prompt, i)
    tr = make(tiny, config(max_steps=3), script=script, ds=ds)
    tr.train()
    logs = [l for l in tr.state.log_history if "loss" in l]
    assert len(logs) == 3 and sum(l.get("pool/skipped/empty_problem", 0) for l in logs) > 0

def test_rollout_func_trains_as_grpo_with_a_warning(tiny):
    model, tok = load_model(tiny)
    def rollout(prompts, trainer):
        texts = [f"\\boxed{{{i}}}" for i in range(len(prompts))]
        ids = [tok(t, add_special_tokens=False)["input_ids"] + [tok.eos_token_id] for t in texts]
        p_ids = [tok.apply_chat_template(p, add_generation_prompt=True, tokenize=True) for p in prompts]
        p_ids = [list(x["input_ids"] if hasattr(x, "keys") else x) for x in p_ids]
        return {"prompt_ids": p_ids, "completion_ids": ids, "logprobs": [[0.0] * len(x) for x in ids]}
    with pytest.warns(UserWarning, match="trains as plain GRPO"):
        tr = ScRPOTrainer(model, [accuracy_reward], args=config(max_steps=1), train_dataset=arithmetic_dataset(), processing_class=tok,
                          rollout_func=rollout)
    tr.train()
    assert len(tr.pool) == 0 and tr._scrpo_state["correction_steps"] == 0

# the config a patched trainer expects: Unsloth's adds fields (unsloth_num_chunks) that its compute_loss reads
@dataclass
class PatchedConfig(GRPOConfig):
    unsloth_num_chunks: int = -1

class NeedsPatchedConfig(GRPOTrainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        assert self.args.unsloth_num_chunks == -1  # Unsloth reads it without a default
        return super().compute_loss(model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)

def test_config_and_trainer_build_on_a_patched_config(tiny):
    cfg_cls = scrpo_config_class(PatchedConfig)
    assert issubclass(cfg_cls, PatchedConfig) and scrpo_config_class(GRPOConfig) is ScRPOConfig
    with pytest.raises(ValueError, match="pool_admission='sometimes'"): config(cls=cfg_cls, pool_admission="sometimes")
    cls = scrpo_trainer_class(NeedsPatchedConfig, PatchedConfig)
    tr = make(tiny, config(cls=cfg_cls, max_steps=2), cls=cls)
    tr.train()
    assert tr._scrpo_state["correction_steps"] == 1
    with pytest.warns(UserWarning, match="unsloth_num_chunks"):  # a plain ScRPOConfig gets the patched config's missing fields
        tr = make(tiny, config(max_steps=2), cls=cls)
    tr.train()
    assert tr._scrpo_state["correction_steps"] == 1
