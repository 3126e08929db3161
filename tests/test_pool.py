"Property-based tests of the error pool (`scrpo.pool`): invariants under random admit/sample/update sequences."
import json, subprocess, sys
from collections import Counter
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from scrpo.core import problem_id
from scrpo.pool import ADMISSIONS, EVICTIONS, SAMPLINGS, ErrorPool, ScoredGroup, normalize_answer, response_tail

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Small alphabets so that duplicates, boundary groups and capacity pressure all happen often.
PREDS = st.one_of(st.none(), st.sampled_from(["1", "2", "\\boxed{2}", " 3 ", "$4$"]))

@st.composite
def groups(draw, with_preds=None, step=None):
    G = draw(st.integers(1, 6))
    g = dict(problem=draw(st.sampled_from(["p0", "p1", "p2", "p3"])), answer="0",
             responses=draw(st.lists(st.sampled_from(["a", "b", "the answer is b", "c  d"]), min_size=G, max_size=G)),
             step=draw(st.integers(0, 6)) if step is None else step,
             origin=draw(st.sampled_from(["trial", "correction"])))
    if draw(st.booleans()): g["correct"] = draw(st.lists(st.booleans(), min_size=G, max_size=G))
    else:
        g["rewards"] = draw(st.lists(st.sampled_from([0.0, 0.25, 1.0, 1.5]), min_size=G, max_size=G))
    if with_preds if with_preds is not None else draw(st.booleans()):
        g["preds"] = draw(st.lists(PREDS, min_size=G, max_size=G))
    return g

configs = st.fixed_dictionaries(dict(
    capacity=st.integers(1, 8), admission=st.sampled_from(ADMISSIONS),
    per_problem_limit=st.one_of(st.none(), st.integers(1, 3)), eviction=st.sampled_from(EVICTIONS),
    sampling=st.sampled_from(SAMPLINGS), retire_after_corrections=st.one_of(st.none(), st.integers(1, 2)),
    max_attempts=st.one_of(st.none(), st.integers(1, 3)), seed=st.integers(0, 2**32)))

ops = st.lists(st.one_of(st.tuples(st.just("admit"), st.lists(groups(), min_size=1, max_size=3)),
                         st.tuples(st.just("sample"), st.integers(0, 5)),
                         st.tuples(st.just("update"), st.lists(st.booleans(), max_size=5))), max_size=8)

def apply(pool, op, last):
    "Run one op; returns what it produced (for comparing two pools) and the records sampled last."
    kind, arg = op
    if kind == "admit":
        res = pool.admit_many(arg)
        return [([r.record_id for r in x.admitted], x.merged, x.rejected) for x in res], last
    if kind == "sample":
        s = pool.sample(arg)
        return [r.record_id for r in s], s
    n = min(len(arg), len(last))
    return pool.update(last[:n], arg[:n]), last[n:]

def check_invariants(pool):
    recs = pool.records
    assert len(pool) == len(recs) <= pool.config["capacity"]
    assert len({r.key for r in recs}) == len(recs), "duplicate key"
    assert len({r.record_id for r in recs}) == len(recs), "duplicate record id"
    c = pool.counters
    assert c["admitted"] - c["evicted"] - c["retired"] == len(recs)
    assert all(r.count >= 1 and r.key[0] == r.problem_id for r in recs)
    assert pool._at_step == Counter((r.problem_id, r.step) for r in recs)  # the per-problem-limit index is in sync


@SETTINGS
@given(configs, ops)
def test_invariants_hold_under_any_sequence(config, seq):
    pool, last = ErrorPool(**config), []
    for op in seq:
        _, last = apply(pool, op, last)
        check_invariants(pool)


@SETTINGS
@given(configs, ops)
def test_admit_accounts_for_every_response(config, seq):
    pool = ErrorPool(**config)
    for kind, arg in seq:
        if kind != "admit": continue
        for g, res in zip(arg, pool.admit_many(arg)):
            idx = [i for i, _ in res.rejected]
            assert len(idx) == len(set(idx)) and len(res.admitted) + len(idx) == len(g["responses"])
            assert len(res.merged) == sum(reason == "duplicate" for _, reason in res.rejected)


@SETTINGS
@given(configs, ops, ops)
def test_same_seed_same_samples(config, seq, more):
    a, b = ErrorPool(**config), ErrorPool(**config)
    la = lb = []
    for op in seq + more:
        oa, la = apply(a, op, la)
        ob, lb = apply(b, op, lb)
        assert oa == ob
    assert a.state_dict() == b.state_dict()


@SETTINGS
@given(configs, ops, ops)
def test_save_load_round_trip_continues_exactly(tmp_path_factory, config, seq, more):
    pool, last = ErrorPool(**config), []
    pool.admit(dict(problem="warm-up", answer="1", responses=["1", "2"], correct=[True, False]), admission="any_wrong")
    pool.sample(1)  # so the generator has moved on from its seed before the save
    for op in seq: _, last = apply(pool, op, last)
    path = tmp_path_factory.mktemp("pool") / "pool.jsonl"
    pool.save(path)
    back = ErrorPool.load(path)
    assert back.state_dict() == pool.state_dict() and back.records == pool.records
    assert json.loads(path.read_text().splitlines()[0])["version"] == 1
    last_b = [r for r in last]
    for op in more:  # the resumed pool and the original go on identically, generator included
        oa, last = apply(pool, op, last)
        ob, last_b = apply(back, op, last_b)
        assert oa == ob
    assert back.state_dict() == pool.state_dict()
    # the state dict is plain JSON
    assert json.loads(json.dumps(pool.state_dict())) == pool.state_dict()


def expected_keys(g):
    "Keys of the wrong responses, first occurrence only, computed from the group alone."
    G = len(g["responses"])
    correct = g.get("correct") or [r >= 1.0 for r in g["rewards"]]
    preds = g.get("preds") or [None] * G
    keys = []
    for i in range(G):
        if correct[i]: continue
        k = f"ans:{normalize_answer(preds[i])}" if preds[i] is not None else f"tail:{response_tail(g['responses'][i])}"
        if k not in keys: keys.append(k)
    return keys, sum(correct) / G


@SETTINGS
@given(st.sampled_from(ADMISSIONS), st.one_of(st.none(), st.integers(1, 3)), groups())
def test_filters_admit_exactly_what_they_say(admission, limit, g):
    pool = ErrorPool(capacity=100, admission=admission, per_problem_limit=limit)
    res = pool.admit(g)
    keys, acc = expected_keys(g)
    passes = {"boundary": 0 < acc < 1, "any_wrong": acc < 1, "all_wrong": acc == 0}[admission]
    want = (keys if limit is None else keys[:limit]) if passes else []
    assert [r.key[1] for r in res.admitted] == want
    assert res.group_accuracy == acc
    reasons = dict(res.rejected)
    correct = g.get("correct") or [r >= 1.0 for r in g["rewards"]]
    for i, c in enumerate(correct):
        if c: assert reasons[i] == "correct"
        elif not passes: assert reasons[i] == "filtered"
    assert all(r.problem_id == problem_id(g["problem"]) and r.origin == g["origin"] for r in res.admitted)


BAD = [("problem", lambda g: {**g, "problem": None}), ("problem", lambda g: {k: v for k, v in g.items() if k != "problem"}),
       ("responses[0]", lambda g: {**g, "responses": [None] + g["responses"][1:]}),
       ("rewards[0]", lambda g: {**{k: v for k, v in g.items() if k != "correct"}, "rewards": [float("inf")] + [0.0] * (len(g["responses"]) - 1)}),
       ("correct", lambda g: {**{k: v for k, v in g.items() if k != "rewards"}, "correct": [False] * (len(g["responses"]) + 1)}),
       ("preds", lambda g: {**g, "preds": ["1"] * (len(g["responses"]) + 2)}),
       ("answer", lambda g: {**g, "answer": None})]

@SETTINGS
@given(configs, ops, groups(), st.sampled_from(BAD))
def test_bad_input_names_the_field_and_changes_nothing(config, seq, g, bad):
    pool, last = ErrorPool(**config), []
    for op in seq: _, last = apply(pool, op, last)
    before = pool.state_dict()
    field, corrupt = bad
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        pool.admit_many([g, corrupt(g)])  # the good group first: it must not be admitted either
    assert pool.state_dict() == before


@pytest.mark.parametrize("kw, word", [({"capacity": 0}, "capacity=0"), ({"capacity": 2.5}, "capacity=2.5"),
                                      ({"admission": "some"}, "admission='some'"), ({"per_problem_limit": 0}, "per_problem_limit=0"),
                                      ({"eviction": "random"}, "eviction='random'"), ({"sampling": "greedy"}, "sampling='greedy'"),
                                      ({"retire_after_corrections": -1}, "retire_after_corrections=-1"),
                                      ({"max_attempts": "4"}, "max_attempts='4'"), ({"seed": None}, "seed=None"),
                                      ({"recency_half_life": 0}, "recency_half_life=0")])
def test_options_are_validated(kw, word):
    with pytest.raises(ValueError, match=word.replace("(", r"\(")) as e: ErrorPool(**kw)
    assert str(e.value).count(". ") == 0  # one sentence


def test_load_refuses_other_schema_versions(tmp_path):
    p = ErrorPool(); p.admit(dict(problem="p", answer="1", responses=["1", "2"], correct=[True, False]))
    path = p.save(tmp_path / "pool.jsonl")
    lines = path.read_text().splitlines()
    head = json.loads(lines[0]); head["version"] = 99
    path.write_text("\n".join([json.dumps(head)] + lines[1:]) + "\n")
    with pytest.raises(ValueError, match="version 99"): ErrorPool.load(path)
    assert [x.name for x in tmp_path.iterdir()] == ["pool.jsonl"]  # the atomic save left no temporary file


def test_to_dataset_has_one_row_per_record():
    p = ErrorPool(per_problem_limit=None)
    p.admit(ScoredGroup(problem="p", answer=["1", "1.0"], responses=["1", "2", "3"], rewards=[1.0, 0.0, 0.1],
                        preds=["1", "2", None], meta={"source": "test"}))
    ds = p.to_dataset()
    assert len(ds) == 2 and ds["pred"] == ["2", None] and ds["reward"] == [0.0, 0.1]
    assert json.loads(ds[0]["answer"]) == ["1", "1.0"] and json.loads(ds[0]["meta"]) == {"source": "test"}


def test_importing_the_pool_imports_neither_torch_nor_accelerate():
    code = ("import sys, scrpo.pool as p; q = p.ErrorPool(); q.admit(dict(problem='p', answer='1', responses=['1', '2'], correct=[True, False])); "
            "q.update(q.sample(1), [True]); print('torch' in sys.modules, 'accelerate' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_numpy_scalars_are_accepted_as_verdicts_and_rewards():
    np = pytest.importorskip("numpy")
    p = ErrorPool()
    res = p.admit(dict(problem="p", answer="1", responses=["1", "2"], rewards=list(np.array([1.0, 0.0], dtype=np.float32))))
    assert [r.reward for r in res.admitted] == [0.0] and type(res.admitted[0].reward) is float
    res = p.admit(dict(problem="q", answer="1", responses=["1", "2"], correct=list(np.array([True, False]))))
    assert len(res.admitted) == 1
    assert p.update(p.sample(1), [np.bool_(True)])  # retires after one success
    with pytest.raises(ValueError, match="rewards\\[0\\]"):
        p.admit(dict(problem="p", answer="1", responses=["1"], rewards=[np.float64("nan")]))
