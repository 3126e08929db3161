"Integration tests of scrpo.eval on the tiny random model: exact metrics, resume after interruption, failures."
import json, math
import pytest
from hypothesis import given, strategies as st

import scrpo.eval as ev
from scrpo.eval import (Generation, SampleLog, benchmark_metrics, correction_metrics, evaluate, majority_correct,
                        pass_at_k, results_table, self_correction_eval)

ROWS = [{"id": f"q{i}", "problem": f"What is {i} + {i}?", "answer": str(2 * i), "source": "fixture"} for i in range(5)]
SETTINGS = dict(k=2, max_new_tokens=10, batch_size=4, seed=3, progress=False)


@pytest.fixture(scope="module")
def tiny():
    from scrpo.models import load_model, tiny_model
    return load_model(tiny_model("llama"))


@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_matches_formula(nck):
    n, c, k = nck
    assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-12)


def test_metrics_on_hand_made_verdicts():
    # problem a: 1 of 4 correct, majority answer "7" wrong; problem b: 3 of 4 correct, majority "5" right
    recs = [dict(id="a", correct=c, pred=p, n_tokens=t, truncated=tr, error=None)
            for c, p, t, tr in [(True, "5", 10, False), (False, "7", 20, True), (False, "7", 30, False), (False, None, 40, True)]]
    recs += [dict(id="b", correct=c, pred=p, n_tokens=10, truncated=False, error=None)
             for c, p in [(True, "5"), (True, "5"), (False, "6"), (True, "5.0")]]
    m = benchmark_metrics(recs, k=4)
    assert m["pass@1"] == pytest.approx((1 / 4 + 3 / 4) / 2)
    assert m["pass@4"] == 1.0 and m["maj@4"] == 0.5
    m2 = benchmark_metrics(recs, k=2)
    assert m2["pass@2"] == pytest.approx(((1 - math.comb(3, 2) / math.comb(4, 2)) + (1 - 0)) / 2)
    assert m["mean_tokens"] == pytest.approx((100 + 40) / 8) and m["truncated"] == 0.25 and m["parsed"] == 7 / 8
    assert not majority_correct(["1", "2", "2"], [True, False, False])
    c = correction_metrics([False, False, True, True], [True, False, False, True])
    assert (c["acc@t1"], c["acc@t2"], c["delta"], c["wrong_to_correct"], c["correct_to_wrong"]) == (0.5, 0.5, 0.0, 0.25, 0.25)


class Interrupt(BaseException): "Stands in for Ctrl-C / a killed job in the middle of a run."


def test_resume_after_interruption_equals_uninterrupted(tiny, tmp_path, monkeypatch):
    model, tok = tiny
    full = evaluate(model, tok, {"toy": ROWS}, out=tmp_path / "full", **SETTINGS)
    calls = {"n": 0}
    real = ev.GENERATION_BACKENDS["hf"]
    def dies_on_third_batch(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 3: raise Interrupt()
        return real(*a, **kw)
    monkeypatch.setitem(ev.GENERATION_BACKENDS, "hf", dies_on_third_batch)
    with pytest.raises(Interrupt): evaluate(model, tok, {"toy": ROWS}, out=tmp_path / "cut", **SETTINGS)
    assert len((tmp_path / "cut" / "samples.jsonl").read_text().splitlines()) == 8   # two batches of 4 made it
    resumed_calls = []
    monkeypatch.setitem(ev.GENERATION_BACKENDS, "hf", lambda *a, **kw: resumed_calls.append(1) or real(*a, **kw))
    resumed = evaluate(model, tok, {"toy": ROWS}, out=tmp_path / "cut", **SETTINGS)
    assert len(resumed_calls) == 1   # only the missing batch (10 samples / 4 per batch = 3 batches) is generated
    keep = ("key", "prompt", "response", "pred", "correct", "n_tokens", "truncated")
    strip = lambda r: [{k: s[k] for k in keep} for s in r["samples"]["toy"]]
    assert strip(resumed) == strip(full)
    assert resumed["metrics"] == full["metrics"]
    saved = json.loads((tmp_path / "cut" / "results.json").read_text())
    assert saved["metrics"] == full["metrics"] and saved["config"]["seed"] == 3 and saved["versions"]["torch"]


def test_failing_items_do_not_abort(tiny, monkeypatch):
    model, tok = tiny
    rows = ROWS[:3] + [{"id": "bad", "problem": None, "answer": "1", "source": "fixture"},
                       {"id": "boom", "problem": "BOOM", "answer": "1", "source": "fixture"}]
    real = ev.GENERATION_BACKENDS["hf"]
    def fragile(model, tokenizer, prompts, **kw):
        if any("BOOM" in p for p in prompts): raise RuntimeError("CUDA out of memory (simulated)")
        return real(model, tokenizer, prompts, **kw)
    monkeypatch.setitem(ev.GENERATION_BACKENDS, "hf", fragile)
    res = evaluate(model, tok, {"toy": rows}, **SETTINGS)
    by_id = {}
    for s in res["samples"]["toy"]: by_id.setdefault(s["id"], []).append(s)
    assert all(not s["correct"] and "prompt error" in s["reason"] for s in by_id["bad"])
    assert all(not s["correct"] and "out of memory" in s["reason"] for s in by_id["boom"])
    assert all(s["error"] is None and s["response"] is not None for i in ("q0", "q1", "q2") for s in by_id[i])
    assert res["metrics"]["toy"]["failed"] == pytest.approx(4 / 10)


def test_out_of_memory_halves_the_batch_for_the_rest_of_the_run(tiny, monkeypatch):
    import torch
    model, tok = tiny
    real, sizes = ev.GENERATION_BACKENDS["hf"], []
    def small_memory(model, tokenizer, prompts, **kw):
        sizes.append(len(prompts))
        if len(prompts) > 2: raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")
        return real(model, tokenizer, prompts, **kw)
    monkeypatch.setitem(ev.GENERATION_BACKENDS, "hf", small_memory)
    rows = [{"id": f"r{i}", "problem": f"What is {i} + 1?", "answer": str(i + 1), "source": "fixture"} for i in range(10)]
    res = evaluate(model, tok, {"toy": rows}, k=1, max_new_tokens=6, batch_size=4, seed=0, progress=False)
    assert sizes == [4, 2, 2, 2, 2, 2]  # only the first batch of 4 fails; later ones are generated at the size that fit
    assert res["metrics"]["toy"]["failed"] == 0 and all(s["response"] is not None for s in res["samples"]["toy"])


def test_a_failing_item_is_isolated_by_halving():
    sizes = []
    def scripted(model, tokenizer, prompts, seed=0, **kw):
        sizes.append(len(prompts))
        if any("BOOM" in p for p in prompts): raise RuntimeError("generation blew up")
        return [Generation("\\boxed{1}", 3, False) for _ in prompts]
    rows = [{"id": f"r{i}", "problem": "BOOM" if i == 5 else f"What is {i} + 1?", "answer": "1", "source": "fixture"} for i in range(8)]
    res = evaluate(None, None, {"toy": rows}, k=1, backend=scripted, batch_size=8, progress=False)
    assert sizes == [8, 4, 4, 2, 1, 1, 2]  # not 8 single calls: the failing half is split until item 5 stands alone
    failed = [s["id"] for s in res["samples"]["toy"] if s["error"]]
    assert failed == ["r5"] and res["metrics"]["toy"]["pass@1"] == pytest.approx(7 / 8)  # the rest were generated and verified


def test_verifier_failure_is_recorded(tiny, monkeypatch):
    import scrpo.verify
    model, tok = tiny
    def broken(*a, **kw): raise TimeoutError("verifier pool died")
    monkeypatch.setattr(scrpo.verify, "check_many", broken)
    res = evaluate(model, tok, {"toy": ROWS[:2]}, **SETTINGS)
    assert all(not s["correct"] and "verifier pool died" in s["reason"] for s in res["samples"]["toy"])


def test_self_correction_counts_flips(tmp_path):
    # a scripted model: attempt 1 right on even problems; attempt 2 (prompt holds the first answer) always answers 4
    def scripted(model, tokenizer, prompts, seed=0, **kw):
        out = []
        for p in prompts:
            i = int(p.split("What is ")[1].split(" ")[0])
            ans = 4 if "The answer is" in p else (2 * i if i % 2 == 0 else 99)
            out.append(Generation(f"The answer is \\boxed{{{ans}}}.", 8, False))
        return out
    res = self_correction_eval(None, None, {"toy": ROWS}, backend=scripted, batch_size=2, progress=False, out=tmp_path)
    m = res["metrics"]["toy"]
    # attempt 1: q0, q2, q4 right; attempt 2: only q2 (gold 4) right
    assert (m["acc@t1"], m["acc@t2"]) == (0.6, 0.2)
    assert (m["wrong_to_correct"], m["correct_to_wrong"]) == (0.0, 0.4)
    assert m["fix_rate"] == 0.0 and m["break_rate"] == pytest.approx(2 / 3)
    assert len(SampleLog(tmp_path / "samples.jsonl")) == 10
    t = results_table(res, "acc@t2")
    assert list(t.columns) == ["toy", "average"] and t.iloc[0, 0] == pytest.approx(20.0)


def test_shared_benchmarks_by_name(tiny, shared_data):
    model, tok = tiny
    res = evaluate(model, tok, ["gsm8k"], data_dir=shared_data, limit=2, k=1, max_new_tokens=4, progress=False)
    assert res["config"]["benchmarks"]["gsm8k"] and res["metrics"]["gsm8k"]["problems"] == 2
    assert res["samples"]["gsm8k"][0]["gold"] == "18"


def test_sample_log_records_the_verifiers_detail(tmp_path):
    "Each logged sample carries `VerifyResult.detail` beside its verdict: the code verifier's sentence, '' where there is none."
    from scrpo.verify_code import code_spec
    bodies = {"right": "return 2 * x", "wrong": "return x + 2"}
    def scripted(model, tokenizer, prompts, seed=0, **kw):
        if any("BOOM" in p for p in prompts): raise RuntimeError("generation blew up")
        body = lambda p: next((b for k, b in bodies.items() if f"Write {k}" in p), None)
        return [Generation(f"```python\ndef double(x):\n    {body(p)}\n```" if body(p) else "I don't know.", 9, False) for p in prompts]
    gold = code_spec("double", [([2], 4), ([3], 6)])
    rows = [{"id": i, "problem": p, "answer": gold, "source": "fixture"} for i, p in
            (("right", "Write right double(x)."), ("wrong", "Write wrong double(x)."), ("none", "double(x)?"), ("boom", "BOOM"))]
    res = evaluate(None, None, {"code": rows}, backend=scripted, batch_size=1, out=tmp_path, progress=False)
    logged = {r["id"]: r for r in SampleLog(tmp_path / "samples.jsonl").records.values()}
    assert {i: (r["correct"], r["reason"], r["detail"]) for i, r in logged.items()} == {
        "right": (True, "ok", "all tests passed"),
        "wrong": (False, "mismatch", "test 2 of 2: double(3) returned 5, expected 6"),
        "none": (False, "no_answer", "no ```python block defining double"),
        "boom": (False, "generation error: RuntimeError: generation blew up", "")}  # no verdict, no detail
    assert list(logged["wrong"])[-2:] == ["verify_seconds", "detail"]  # one new field, after the ones the log had
    assert [s["detail"] for s in res["samples"]["code"]] == [logged[r["id"]]["detail"] for r in rows]
    maths = evaluate(None, None, {"toy": ROWS[:1]}, backend=scripted, progress=False)["samples"]["toy"][0]
    assert (maths["reason"], maths["detail"]) == ("no_answer", "")  # the maths verifier gives no sentence
