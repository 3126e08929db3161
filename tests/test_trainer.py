"ScRPOTrainer on a tiny offline model: pool filling, correction masks and advantages, checkpoints, equivalence with GRPO."
import json, math, re
from pathlib import Path
import pytest, torch
from trl import GRPOConfig, GRPOTrainer
from scrpo.models import tiny_model, load_model
from scrpo.trainer import ScRPOConfig, ScRPOTrainer, scrpo_trainer_class
from scrpo.verify import accuracy_reward
from trainer_utils import ANALYSIS, arithmetic_dataset, arithmetic_script, config, scripted_generate

@pytest.fixture(scope="module")
def tiny():
    return tiny_model("llama")

def make(tiny, args, script=arithmetic_script, **kw):
    model, tok = load_model(tiny)
    tr = ScRPOTrainer(model, [accuracy_reward], args=args, train_dataset=arithmetic_dataset(), processing_class=tok, **kw)
    return scripted_generate(tr, script) if script else tr

def test_ten_steps_fill_pool_run_corrections_and_log(tiny):
    tr = make(tiny, config(max_steps=10, correction_every=2, pool_max_attempts=8, pool_retire_after_corrections=3))
    tr.train()
    logs = [l for l in tr.state.log_history if "loss" in l]
    assert len(logs) == 10
    assert all(l["trial/accuracy"] == 0.5 for l in logs)
    steps_with_corr = [i for i, l in enumerate(logs) if "correction/accuracy" in l]
    assert steps_with_corr == [2, 4, 6, 8]  # every 2 optimizer steps, from the warm-up step on
    for k in ("pool/size", "pool/admitted", "correction/solved_records", "correction/loss", "correction/reward"):
        assert k in logs[2], k
    assert logs[0]["pool/admitted"] == 2 * 2  # 2 problems per batch of 8 samples, 2 distinct wrong answers each
    assert tr._scrpo_state["correction_steps"] == 4 and len(tr.pool) > 0

def test_log_completions_shows_correction_samples_with_the_earlier_wrong_answer(tiny):
    tr = make(tiny, config(max_steps=2, log_completions=True, num_completions_to_print=0))
    tr.train()  # step 2 ends with a correction step: the table holds its 8 trial samples, then 8 corrections (2 records x G=4)
    extra = tr._logs["extra"]
    assert list(extra["stage"]) == ["trial"] * 8 + ["correction"] * 8
    wrong = list(extra["earlier_wrong_answer"])[8:]
    assert all(isinstance(w, str) and "\\boxed" in w for w in wrong)
    for w, prompt in zip(wrong, list(tr._logs["prompt"])[8:]): assert w in prompt[-1]["content"]  # the wrong answer is in the reflection prompt
    rewards = list(tr._logs["rewards"]["accuracy_reward"])[8:]
    assert rewards == [1.0, 1.0, 0.0, 0.0] * 2  # the script: corrections 0-1 of each group right, 2-3 wrong


def _last_chunk(tr):
    return tr._correction_chunks[0]

@pytest.mark.parametrize("tokens", ["reflection", "solution", "completion"])
def test_loss_mask_covers_exactly_the_configured_tokens(tiny, tokens):
    tr = make(tiny, config(max_steps=2, correction_loss_tokens=tokens))
    tr.train()
    c, tok = _last_chunk(tr), tr.processing_class
    for i in range(c["completion_ids"].size(0)):  # the loss sees each completion cut to exactly its loss tokens
        ids, cm = c["completion_ids"][i], c["completion_mask"][i].bool()
        kept = tok.decode(ids[cm], skip_special_tokens=True)
        formatted = c["advantages"][i] == 1  # the script: corrections 0-1 of each group formatted and right
        if tokens == "reflection":
            assert kept.strip() == (ANALYSIS if formatted else "")
        elif tokens == "solution":  # the script's Corrected Solution, "a + b = \\boxed{a+b}", and nothing of the Analysis
            assert re.fullmatch(r"\d+ \+ \d+ = \\boxed\{\d+\}", kept.strip()) if formatted else kept == ""
        else:
            assert kept.startswith("Analysis:") if formatted else kept == ""

def test_success_only_gives_failed_corrections_no_gradient(tiny):
    tr = make(tiny, config(max_steps=2, beta=0.0))
    tr.train()
    c = _last_chunk(tr)
    failed = c["advantages"] == 0
    assert failed.sum() == 4 and (c["advantages"][~failed] == 1).all()
    only_failed = {k: (v[failed] if torch.is_tensor(v) and v.dim() > 0 and v.size(0) == failed.size(0) else v) for k, v in c.items()}
    tr.model.zero_grad()
    tr._compute_loss(tr.model, only_failed).backward()
    assert all(p.grad is None or p.grad.abs().max() == 0 for p in tr.model.parameters())
    tr.model.zero_grad()
    tr._compute_loss(tr.model, c).backward()  # the successful ones do move the weights
    assert any(p.grad is not None and p.grad.abs().max() > 0 for p in tr.model.parameters())

def test_group_relative_gives_failures_negative_advantage(tiny):
    tr = make(tiny, config(max_steps=2, correction_advantage="group_relative"))
    tr.train()
    adv = _last_chunk(tr)["advantages"]
    assert (adv < 0).sum() == 4 and (adv > 0).sum() == 4 and abs(float(adv.sum())) < 1e-4

def test_correction_weight_zero_leaves_trial_loss(tiny):
    tr = make(tiny, config(max_steps=2, correction_loss_weight=0.0))
    tr.train()
    assert "correction/loss" not in tr.state.log_history[1]

def _failing_corrections(prompt, i):
    "The trial answers of `arithmetic_script`; every correction wrong."
    out = arithmetic_script(prompt, i)
    return "The answer is \\boxed{0}" if "earlier attempt" in str(prompt) else out

@pytest.mark.parametrize("script,moves", [(_failing_corrections, False), (arithmetic_script, True)])
def test_trial_weight_zero_trains_on_successful_corrections_only(tiny, script, moves):
    tr = make(tiny, config(max_steps=3, trial_loss_weight=0.0, beta=0.0), script=script)
    before = {k: v.detach().clone() for k, v in tr.model.state_dict().items()}
    tr.train()
    logs = [l for l in tr.state.log_history if "loss" in l]
    assert all(l["trial/accuracy"] == 0.5 for l in logs) and len(tr.pool) > 0  # trials still sampled and pooled
    assert (logs[-1]["correction/accuracy"] > 0) == moves
    changed = any(not torch.equal(before[k], v) for k, v in tr.model.state_dict().items())
    assert changed == moves  # failed corrections have advantage 0 and the trial loss weighs nothing: no update at all

def test_analysis_check_decides_success_with_the_answer(tiny):
    from scrpo.prompts import ANALYSIS_CHECKS, register_analysis_check
    seen = []
    register_analysis_check("t_reject", lambda problem, analysis: seen.append((problem, analysis)) or False, overwrite=True)
    try:
        with pytest.raises(ValueError, match="analysis_check='t_nope' is not registered"): config(analysis_check="t_nope")
        with pytest.raises(ValueError, match="needs a template with an Analysis section"): config(analysis_check="t_reject", reflection_template="retry")
        tr = make(tiny, config(max_steps=2, analysis_check="t_reject"))
        tr.train()
        log = tr.state.log_history[1]
        assert log["correction/accuracy"] == 0.5 and log["correction/format_rate"] == 0.5  # the script: 0-1 of each group right and formatted
        assert log["correction/success"] == 0 and log["correction/analysis_pass"] == 0  # ... but no Analysis passes
        assert (_last_chunk(tr)["advantages"] == 0).all()
        assert len(seen) == 4 and all(a.strip() == ANALYSIS and "What is" in p for p, a in seen)  # only formatted replies are checked
    finally: del ANALYSIS_CHECKS["t_reject"]

def test_save_and_resume_restore_pool_bit_for_bit(tiny, tmp_path):
    kw = dict(max_steps=4, save_strategy="steps", save_steps=2, correction_every=1, pool_max_attempts=8, pool_retire_after_corrections=5)
    full = make(tiny, config(tmp_path / "full", **kw)); full.train()
    ck = tmp_path / "full" / "checkpoint-2"
    assert (ck / "scrpo_pool.jsonl").exists() and (ck / "scrpo_state.json").exists()
    from scrpo.pool import ErrorPool
    saved = ErrorPool.load(ck / "scrpo_pool.jsonl")
    resumed = make(tiny, config(tmp_path / "resumed", **kw))
    assert resumed.load_scrpo_state(ck)
    assert resumed.pool.state_dict() == saved.state_dict()
    resumed = make(tiny, config(tmp_path / "resumed", **kw))
    resumed.train(resume_from_checkpoint=str(ck))
    assert resumed.pool.state_dict() == full.pool.state_dict()
    assert resumed._scrpo_state == full._scrpo_state

def test_correction_off_matches_trl_grpo(tiny):
    common = dict(report_to="none", use_cpu=True, per_device_train_batch_size=4, num_generations=4, max_completion_length=8,
                  max_steps=3, logging_steps=1, learning_rate=1e-2, seed=7, save_strategy="no", disable_tqdm=True, beta=0.04,
                  bf16=False)
    ds = arithmetic_dataset()
    runs = []
    for cls, cfg in ((GRPOTrainer, GRPOConfig), (ScRPOTrainer, ScRPOConfig)):
        extra = {"correction_every": 0} if cfg is ScRPOConfig else {}
        model, tok = load_model(tiny)
        tr = cls(model, [accuracy_reward], args=cfg(output_dir=f"/tmp/eq-{cls.__name__}", **common, **extra), train_dataset=ds, processing_class=tok)
        tr.train()
        runs.append(([l["loss"] for l in tr.state.log_history if "loss" in l], {k: v.detach().clone() for k, v in tr.model.state_dict().items()}))
    (l1, w1), (l2, w2) = runs
    assert len(l1) == 3 and l1 == l2
    assert all(torch.equal(w1[k], w2[k]) for k in w1)

def test_bad_settings_fail_at_once(tiny):
    with pytest.raises(ValueError, match="correction_advantage='always'"): config(correction_advantage="always")
    with pytest.raises(ValueError, match="correction_batch_size=0"): config(correction_batch_size=0)
    with pytest.raises(ValueError, match="trial_loss_weight=-1"): config(trial_loss_weight=-1.0)
    with pytest.raises(ValueError, match="trains on nothing"): config(trial_loss_weight=0.0, correction_every=0)
    with pytest.raises(ValueError, match="correctness_reward='acc'"): make(tiny, config(correctness_reward="acc"), script=None)
    model, tok = load_model(tiny)
    with pytest.raises(TypeError, match="ScRPOConfig"):
        ScRPOTrainer(model, [accuracy_reward], args=GRPOConfig(output_dir="/tmp/x", report_to="none", use_cpu=True,
                     per_device_train_batch_size=4, num_generations=4), train_dataset=arithmetic_dataset(), processing_class=tok)

def test_trainer_class_builds_on_a_patched_base():
    class Patched(GRPOTrainer): pass
    cls = scrpo_trainer_class(Patched)
    assert issubclass(cls, Patched) and cls.__mro__[1].__name__ == "ScRPOMixin"
    assert scrpo_trainer_class() is ScRPOTrainer

def test_cpu_path_never_imports_gpu_packages():
    import subprocess, sys
    code = "import sys, scrpo.trainer, scrpo.models, scrpo.eval; print(any(m in sys.modules for m in ('unsloth', 'vllm')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"

def test_two_processes_hold_one_identical_pool(tmp_path, tiny):
    import subprocess, sys, os
    from conftest import ROOT
    # `--cpu` would start a single process; `--multi_gpu` starts torchrun, which falls back to gloo on CPUs (use_cpu=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                        "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29517",
                        str(ROOT / "tests" / "scripts" / "ddp_trainer.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    p0, p1 = (json.loads((tmp_path / f"pool-rank{i}.json").read_text()) for i in (0, 1))
    assert p0["world"] == 2 and p0 == p1
    assert p0["state"]["correction_steps"] >= 2 and len(p0["pool"]["records"]) > 0
    # resume where only rank 0 has the checkpoint folder (no shared disk): rank 0's pool reaches every rank
    assert [json.loads((tmp_path / f"resume-rank{i}.json").read_text()) for i in (0, 1)] == [{"loaded": True, "same": True}] * 2

def test_runs_on_the_expected_trl():
    "CI runs this file twice: on the pinned trl and, with SCRPO_EXPECT_TRL=1.15.0, on Unsloth's cap."
    import os, trl
    want = os.environ.get("SCRPO_EXPECT_TRL")
    if want: assert trl.__version__ == want
    else: assert int(trl.__version__.split(".")[0]) == 1

@pytest.mark.parametrize("kind", ["dropped_step", "carry_dropped"])
def test_pool_injected_kind_fills_the_pool_with_that_kind_only(tiny, kind):
    "With pool_injected_kind every pooled wrong answer is an injected one of that kind; groups where it cannot apply stay out."
    from scrpo.data import to_prompts
    from scrpo.organism import organism_dataset, solution_steps, write_solution
    from scrpo.organism_errors import classify_error
    rows = organism_dataset("train", 8, "easy")
    def script(prompt, i):  # half of each group right, half wrong in its own way (an answer off by 7)
        terms = [int(t) for t in re.findall(r"\d+", prompt[-1]["content"].split("What is")[-1])]
        steps = solution_steps(terms)
        return write_solution(steps) if i % 4 < 2 else write_solution(steps).replace(f"{{{steps[-1][2]}}}", f"{{{steps[-1][2] + 7}}}")
    model, tok = load_model(tiny)
    tr = ScRPOTrainer(model, [accuracy_reward], args=config(max_steps=2, correction_every=0, pool_injected_kind=kind, pool_per_problem_limit=4),
                      train_dataset=to_prompts(rows), processing_class=tok)
    tr = scripted_generate(tr, script); tr.train()
    terms = {r["problem"]: r["meta"]["operands"] for r in rows}
    kinds = [classify_error(terms[rec.problem], rec.response) for rec in tr.pool.records]
    assert kinds and set(kinds) == {kind}, kinds
    if kind == "carry_dropped":  # only problems with a carrying addition can hold one; the others are counted as skipped
        from scrpo.organism import _carries
        can = {r["problem"] for r in rows if any(_carries(a, b) for a, b, _ in solution_steps(r["meta"]["operands"]))}
        assert {rec.problem for rec in tr.pool.records} <= can
        skipped = sum(l.get("pool/skipped/injection_not_applicable", 0) for l in tr.state.log_history)
        assert (skipped > 0) == (len(can) < len(rows))
    natural = ScRPOTrainer(load_model(tiny)[0], [accuracy_reward], args=config(max_steps=2, correction_every=0, pool_per_problem_limit=4),
                           train_dataset=to_prompts(rows), processing_class=tok)
    natural = scripted_generate(natural, script); natural.train()
    assert {classify_error(terms[rec.problem], rec.response) for rec in natural.pool.records} == {"wrong_final_copy"}  # the control: the model's own
    with pytest.raises(ValueError, match="pool_injected_kind='typo' is unknown"):
        bad = scripted_generate(ScRPOTrainer(load_model(tiny)[0], [accuracy_reward], args=config(max_steps=1, correction_every=0, pool_injected_kind="typo"),
                                             train_dataset=to_prompts(rows), processing_class=tok), script)
        bad.train()
