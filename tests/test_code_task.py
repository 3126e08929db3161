"The procedural code-debugging task: determinism, held-out splits, difficulty knobs, every kind of bug, and golds the real verifier agrees with."
import ast, json, random
import pytest

from scrpo.code_task import BUG_KINDS, DIFFICULTIES, SOURCE, TEMPLATES, code_problems, difficulty_knobs, inject_bug, split_of, statements
from scrpo.data import load_problems
from scrpo.verify import check_many


def test_deterministic_and_distinct():
    a, b = code_problems("train", 40, "medium", seed=3), code_problems("train", 40, "medium", seed=3)
    assert a == b and len({r["problem"] for r in a}) == 40 and len({r["id"] for r in a}) == 40
    assert code_problems("train", 40, "medium", seed=4) != a


def test_rows_have_the_schema_and_a_code_spec():
    for r in code_problems("train", 20, "hard", seed=0):
        assert set(r) == {"id", "problem", "answer", "source", "meta"} and r["source"] == SOURCE
        spec = json.loads(r["answer"])
        assert spec["kind"] == "code" and spec["entry"] == r["meta"]["entry"] and len(spec["tests"]) == DIFFICULTIES["hard"]["tests"]
        assert r["meta"]["buggy"] in r["problem"] and r["meta"]["fixed"] not in r["problem"]
        assert r["problem"].count("\n- `") == DIFFICULTIES["hard"]["shown"]
        lo, hi = DIFFICULTIES["hard"]["statements"]
        assert lo <= r["meta"]["statements"] <= hi


def test_splits_are_held_out_by_hash():
    rows = {s: code_problems(s, 60 if s == "train" else 20, "easy", seed=0) for s in ("train", "dev", "test")}
    for s, rs in rows.items(): assert {split_of(r["meta"]["buggy"]) for r in rs} == {s}
    assert not {r["meta"]["buggy"] for r in rows["test"]} & {r["meta"]["buggy"] for r in code_problems("train", 400, "easy", seed=1)}
    assert split_of("def a(xs):\n    return xs[0]") == split_of("def zz(xs):\n    return xs[0]")


def test_each_bug_kind_changes_one_site():
    src = "def f(xs, k):\n    total = 0\n    for i in range(1, len(xs)):\n        if xs[i] > 2:\n            total += max(xs[i], k)\n    return total"
    for kind in BUG_KINDS:
        bug = inject_bug(src, kind, random.Random(0))
        assert bug is not None and bug != ast.unparse(ast.parse(src)), kind
        diff = [(a, b) for a, b in zip(ast.unparse(ast.parse(src)).splitlines(), bug.splitlines()) if a != b]
        assert len(diff) == 1, (kind, diff)
    with pytest.raises(ValueError, match="unknown"): inject_bug(src, "typo", random.Random(0))


@pytest.mark.parametrize("kind", BUG_KINDS)
def test_problems_of_each_kind_fail_their_tests(kind):
    rows = code_problems("train", 6, {**DIFFICULTIES["medium"], "bugs": [kind], "statements": (1, 8)}, seed=2)
    assert {r["meta"]["bug"] for r in rows} == {kind}
    fence = lambda s: f"```python\n{s}\n```"
    rs = check_many([fence(r["meta"]["fixed"]) for r in rows] + [fence(r["meta"]["buggy"]) for r in rows], [r["answer"] for r in rows] * 2, timeout=5)
    assert [r.correct for r in rs] == [True] * 6 + [False] * 6, [(r.reason, r.detail) for r in rs]


def test_difficulty_knobs():
    assert difficulty_knobs("easy")["statements"] == DIFFICULTIES["easy"]["statements"]
    with pytest.raises(ValueError, match="Unknown difficulty"): difficulty_knobs("brutal")
    with pytest.raises(ValueError, match="shown"): difficulty_knobs({"statements": (1, 3), "tests": 2, "shown": 3})
    with pytest.raises(ValueError, match="widen"): code_problems("train", 2, {"statements": (40, 50), "tests": 4, "shown": 1})
    easy, hard = (code_problems("train", 30, d, seed=0) for d in ("easy", "hard"))
    assert max(r["meta"]["statements"] for r in easy) < min(r["meta"]["statements"] for r in hard)
    assert all(statements(t.write(random.Random(0))[1]) >= 1 for t in TEMPLATES.values())


def test_loads_by_name():
    rows = load_problems("code:debug", split="test", limit=5, seed=0, difficulty="medium")
    assert len(rows) == 5 and {r["meta"]["split"] for r in rows} == {"test"}
    with pytest.raises(ValueError, match="do not apply"): load_problems("code:debug", max_terms=3)
    with pytest.raises(ValueError, match="Unknown code task"): load_problems("code:other")


def test_bug_kinds_come_out_evenly():
    from collections import Counter
    c = Counter(r["meta"]["bug"] for r in code_problems("train", 150, "medium", seed=5))
    assert set(c) == set(BUG_KINDS) and min(c.values()) >= 15, c
