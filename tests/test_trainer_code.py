"ScRPOTrainer on `code:debug` problems: the code verifier scores trials and corrections, and the pool keeps the buggy answers."
import json
import pytest
from scrpo.data import load_problems, to_prompts
from scrpo.models import tiny_model, load_model
from scrpo.trainer import ScRPOTrainer
from scrpo.verify import accuracy_reward, check_many, completion_text
from trainer_utils import config, scripted_generate

def block(code): return f"```python\n{code}\n```"

def code_script(ds):
    "Trial: the fixed function (from the row's meta) for samples 0-1 of each group of 4, the buggy one for 2-3. Correction: Analysis + Corrected Solution, fixed for 0-1, buggy again for 2-3."
    metas = [(r["prompt"][-1]["content"], json.loads(r["meta"])) for r in ds]
    def script(prompt, i):
        user = prompt[-1]["content"]
        meta = next(m for problem, m in metas if problem in user)  # a reflection prompt quotes the problem too
        code = meta["fixed"] if i % 4 < 2 else meta["buggy"]
        if "earlier attempt" in user: return f"Analysis: one token of the function was wrong.\nCorrected Solution: {block(code)}"
        return f"Here is the fixed function.\n{block(code)}"
    return script

@pytest.fixture(scope="module")
def run():
    ds = to_prompts(load_problems("code:debug", limit=4))
    model, tok = load_model(tiny_model("llama"))
    tr = ScRPOTrainer(model, [accuracy_reward], args=config(max_steps=3, log_completions=True, num_completions_to_print=0,
                      pool_retire_after_corrections=10, pool_max_attempts=10),
                      train_dataset=ds, processing_class=tok)
    scripted_generate(tr, code_script(ds)).train()
    return tr, ds

def test_the_scripted_answers_are_judged_by_running_their_tests(run):
    _, ds = run
    m = json.loads(ds[0]["meta"])
    fixed, buggy = check_many([block(m["fixed"]), block(m["buggy"])], [ds[0]["answer"]] * 2)
    assert fixed.correct and fixed.reason == "ok"
    assert not buggy.correct and buggy.reason in ("mismatch", "error") and m["entry"] in buggy.detail

def test_trial_accuracy_is_one_half_from_the_code_verifier(run):
    tr, _ = run
    logs = [l for l in tr.state.log_history if "loss" in l]
    assert len(logs) == 3 and all(l["trial/accuracy"] == 0.5 for l in logs)
    stages = list(tr._logs["extra"]["stage"])
    assert list(tr._logs["rewards"]["accuracy_reward"])[:stages.count("trial")] == [1.0, 1.0, 0.0, 0.0] * 2  # the last step's trials

def test_pool_holds_only_the_buggy_answers(run):
    tr, ds = run
    metas = {r["id"]: json.loads(r["meta"]) for r in ds}
    assert len(tr.pool) == tr.pool.counters["admitted"] == 4  # nothing retires here: one record per problem, as a group's
    assert tr.pool.counters["merged"] == 2 + 2 + 4  # two buggy samples are one error, and step 3 (epoch 2) sees them again
    for r in tr.pool.records:
        assert r.origin == "trial" and r.response == f"Here is the fixed function.\n{block(metas[r.problem_id]['buggy'])}"

def test_corrections_succeed_exactly_with_the_fixed_code(run):
    tr, ds = run
    logs = [l for l in tr.state.log_history if "loss" in l]
    assert tr._scrpo_state["correction_steps"] == 2 and [i for i, l in enumerate(logs) if "correction/accuracy" in l] == [1, 2]
    for l in logs[1:]:
        assert l["correction/accuracy"] == 0.5 and l["correction/success"] == 0.5 and l["correction/format_rate"] == 1.0
        assert l["correction/solved_records"] == 2 and "correction/loss" in l
    extra, n = tr._logs["extra"], list(tr._logs["extra"]["stage"]).count("trial")
    assert list(extra["stage"])[n:] == ["correction"] * 8  # 2 records x G=4
    fixed = {json.loads(r["meta"])["fixed"] for r in ds}
    rows = zip(list(tr._logs["prompt"])[n:], list(tr._logs["completion"])[n:], list(tr._logs["rewards"]["accuracy_reward"])[n:],
               list(extra["earlier_wrong_answer"])[n:])
    for prompt, completion, reward, wrong in rows:
        assert wrong in prompt[-1]["content"]  # the buggy attempt is quoted in the reflection prompt
        code = completion_text(completion).split("```python\n")[1].split("\n```")[0]
        assert reward == float(code in fixed)
    assert tr._correction_chunks[0]["advantages"].tolist() == [1.0, 1.0, 0.0, 0.0] * 2  # success_only: the fixed code, and only it

def test_reflection_prompt_asks_a_code_problem_for_code(run):
    "A code problem's correction prompt uses the template's code twin (`template_for`): a ```python answer, no boxed one."
    tr, _ = run
    msgs = tr._reflection_prompts(tr.pool.records[:1])[0]
    ask = msgs[-1]["content"].split("</attempt>")[1]  # the request after the earlier attempt
    assert msgs[-1]["content"].startswith("Here is a programming problem") and "\\boxed" not in ask and "```python" in ask
