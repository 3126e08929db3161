"Loaders over the fixtures in data/fixtures and the public copies in ../shared/data; procedural problems; TRL prompts."
import json
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT
import scrpo.data as D
from scrpo.core import last_boxed, problem_id

FIX = ROOT / "data" / "fixtures"

# The rows `data/fixtures/train/math_level3to5.parquet` was written from (pyarrow.Table.from_pylist).
PARQUET_ROWS = [
    {"question": "What is $2+3$?", "gt_answer": "5", "answer": "5", "subject": "Prealgebra", "level": 3,
     "prompt": [{"role": "user", "content": "<|im_start|>user\nWhat is $2+3$?<|im_end|>"}]},
    {"question": "Simplify $\\frac{6}{8}$.", "gt_answer": "\\frac{3}{4}", "answer": "\\frac{3}{4}", "subject": "Prealgebra",
     "level": 4, "prompt": [{"role": "user", "content": "<|im_start|>user\nSimplify $\\frac{6}{8}$.<|im_end|>"}]},
    {"question": "A row whose answer is missing.", "gt_answer": None, "answer": None, "subject": "Algebra", "level": 5,
     "prompt": [{"role": "user", "content": "x"}]},
]

# name -> (answers kept, {drop reason: count}) for every fixture file
FIXTURES = {
    "gsm8k": (["18", "3", "1000", "70000"], {"missing problem": 1, "answer has no '####' line": 1, "invalid JSON line": 1}),
    "olympiadbench": (["2", ["69", "84"], ["(6,3)", "(9,3)"], "\\frac{41}{12}"], {"missing final_answer": 1}),
    "minerva": (["1.6", "\\frac{1}{2 \\times 10^{3}}"], {"solution has no closed \\boxed{}": 1}),
    "amc23": (["27", "-1"], {"missing answer": 1}),
    "aime24": (["204", "25"], {}),
    "math_train": (["0", "48"], {"missing answer": 2}),
    "math_level3to5": (["5", "\\frac{3}{4}"], {"missing answer": 1}),
}

@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_loads_and_reports_drops(name):
    ps = D.load_problems(name, data_dir=FIX)
    answers, drops = FIXTURES[name]
    assert [p["answer"] for p in ps] == answers
    assert ps.report.dropped == Counter(drops)
    assert ps.report.read == len(answers) + sum(drops.values()) and ps.report.kept == len(answers)
    for p in ps:
        assert set(p) == {"id", "problem", "answer", "source", "meta"} and p["source"] == name
        assert p["problem"] and p["problem"] == p["problem"].strip()

def test_parquet_fixture_is_what_the_test_says():
    import pyarrow.parquet as pq
    assert pq.read_table(FIX / "train" / "math_level3to5.parquet").to_pylist() == PARQUET_ROWS

def test_fixture_details():
    aime = D.load_problems("aime24", data_dir=FIX)
    assert [p["id"] for p in aime] == ["aime24/60", "aime24/67"]
    assert aime[1]["meta"]["answer_as_written"] == "025" and "answer_as_written" not in aime[0]["meta"]
    assert D.load_problems("amc23", data_dir=FIX)[0]["meta"]["answer_as_written"] == 27.0
    lv = D.load_problems("math_level3to5", data_dir=FIX)
    assert lv[0]["problem"] == "What is $2+3$?" and lv[0]["meta"] == {"level": 3, "subject": "Prealgebra"}
    mt = D.load_problems("math_train", data_dir=FIX)
    assert [p["id"] for p in mt] == [problem_id(p["problem"]) for p in mt]

def test_loading_twice_gives_identical_rows():
    assert D.load_problems("olympiadbench", data_dir=FIX) == D.load_problems("olympiadbench", data_dir=FIX)

def test_drops_are_logged(caplog):
    with caplog.at_level("WARNING", logger="scrpo.data"):
        D.load_problems("gsm8k", data_dir=FIX)
    assert "dropped: 1 missing problem" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="scrpo.data"):
        D.load_problems("aime24", data_dir=FIX)
    assert caplog.text == ""

def test_unreadable_inputs_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No file for gsm8k"): D.load_problems("gsm8k", data_dir=tmp_path)
    (tmp_path / "x.json").write_text('{"a": [], "b": []}')
    with pytest.raises(ValueError, match="exactly one list"): D.load_problems("math_train", data_dir=tmp_path / "x.json")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="use a .jsonl"): D.load_problems("math_train", data_dir=tmp_path / "x.csv")
    (tmp_path / "rows.jsonl").write_text('[1, 2]\n"text"\n{"problem": "P", "answer": "1"}\n')
    ps = D.load_problems("math_train", data_dir=tmp_path / "rows.jsonl")
    assert len(ps) == 1 and ps.report.dropped == Counter({"line is not a JSON object": 2})

def test_hub_path_passes_sources_to_datasets(monkeypatch):
    "The Hub branch, with `datasets.load_dataset` replaced by a fake that records its calls."
    import datasets
    calls = []
    def fake(path, name=None, split=None, data_files=None, revision=None):
        calls.append((path, name, split, data_files))
        return datasets.Dataset.from_list([{"question": f"Problem from {name}", "answer": "070"}])
    monkeypatch.setattr(datasets, "load_dataset", fake)
    ps = D.load_problems("aime25")
    assert calls == [("opencompass/AIME2025", "AIME2025-I", "test", None), ("opencompass/AIME2025", "AIME2025-II", "test", None)]
    assert [p["answer"] for p in ps] == ["70", "70"] and ps.report.origin == "opencompass/AIME2025 + opencompass/AIME2025"
    calls.clear(); D.load_problems("math_level3to5")
    assert calls == [("hkust-nlp/SimpleRL-Zoo-Data", None, "train", "simplelr_qwen_level3to5/train.parquet")]

# ---- the public copies in ../shared/data (README.md there gives the row counts) ----
# file -> (registry name, split, rows in the file, rows kept). Drops: math_train has 4 rows with an empty answer,
# math_level3to5 has 2 (rows 5054 and 5158: answer, gt_answer and ground_truth all empty) and one exact repeat.
SHARED = {
    "eval/aime24.jsonl": ("aime24", "test", 30, 30),
    "eval/aime25.jsonl": ("aime25", "test", 30, 30),
    "eval/amc23.jsonl": ("amc23", "test", 40, 40),
    "eval/math500.jsonl": ("math500", "test", 500, 500),
    "eval/minerva_math.jsonl": ("minerva", "test", 272, 272),
    "eval/olympiadbench.jsonl": ("olympiadbench", "test", 675, 675),
    "eval/gsm8k.jsonl": ("gsm8k", "test", 1319, 1319),
    "train/gsm8k_train.jsonl": ("gsm8k_train", "train", 7473, 7473),
    "train/math_train.json": ("math_train", "train", 7474, 7470),
    "train/math_level3to5.parquet": ("math_level3to5", "train", 8523, 8520),
}

def test_every_shared_file_is_registered(shared_data):
    files = {str(p.relative_to(shared_data)) for p in shared_data.glob("*/*") if p.suffix in (".jsonl", ".json", ".parquet")}
    assert files == set(SHARED)
    for f, (name, split, _, _) in SHARED.items(): assert D.DATASETS[name].local[split] == f

@pytest.mark.parametrize("file", sorted(SHARED))
def test_shared_file_loads_in_full(shared_data, file):
    name, split, n_rows, n_kept = SHARED[file]
    ps = D.load_problems(name, data_dir=shared_data, split=split)
    assert (ps.report.read, ps.report.kept, len(ps)) == (n_rows, n_kept, n_kept), str(ps.report)
    assert set(ps.report.dropped) <= {"missing answer", "duplicate id"}
    assert ps.report.dropped["duplicate id"] == (name == "math_level3to5")
    assert len({p["id"] for p in ps}) == len(ps)  # ids are unique within a set
    for p in ps:
        a = p["answer"]
        assert (isinstance(a, str) and a.strip()) or (isinstance(a, list) and len(a) >= 2 and all(x.strip() for x in a)), p
        assert "$" not in json.dumps(a).replace("\\\\$", ""), p  # no math-mode dollars left in golds
    assert D.load_problems(name, data_dir=shared_data, split=split, limit=7) == ps[:7]

def test_shared_gold_normalisation(shared_data):
    aime = D.load_problems("aime24", data_dir=shared_data)
    assert all(a["answer"].isdigit() and (a["answer"] == "0" or not a["answer"].startswith("0")) for a in aime)
    assert sum("answer_as_written" in a["meta"] for a in aime) == 7  # the README's seven leading zeros
    assert [p["answer"] for p in D.load_problems("amc23", data_dir=shared_data)][:3] == ["27", "36", "45"]
    ob = D.load_problems("olympiadbench", data_dir=shared_data)
    multi = [p for p in ob if p["meta"].get("is_multiple_answer")]
    assert len(multi) == 94 and all(isinstance(p["answer"], str) for p in ob if not p["meta"].get("is_multiple_answer"))
    assert sum(isinstance(p["answer"], list) for p in multi) >= 80  # most split; single tuples and prose stay strings
    assert sum("unit" in p["meta"] for p in ob) == 8
    mi = D.load_problems("minerva", data_dir=shared_data)
    assert mi[0]["answer"] == "1.6" and all("\\boxed" not in p["answer"] for p in mi)

def test_shared_prompts_for_trl(shared_data):
    ds = D.to_prompts(D.load_problems("olympiadbench", data_dir=shared_data))
    assert len(ds) == 675 and ds.features["answer"].dtype == "string"
    row = next(r for r in ds if len(r["answers"]) > 1)
    assert row["answer"] == ", ".join(row["answers"])

# ---- procedural problems ----

@pytest.mark.parametrize("name", sorted(D.PROCEDURAL))
def test_procedural_tasks_give_full_distinct_sets(name):
    ps = D.procedural_problems(name, 50, seed=3)
    assert len(ps) == 50 and len({p["id"] for p in ps}) == 50
    assert all(p["answer"] and p["source"] == f"rg:{name}" and p["id"] == problem_id(p["problem"]) for p in ps)

def test_arithmetic_answers_are_exact():
    ps = D.procedural_problems("arithmetic", 300, seed=7)
    for p in ps:
        expr = p["meta"]["expression"]
        assert Fraction(p["answer"]) == D._exact(__import__("ast").parse(expr, mode="eval")), expr
    assert ps.report.read == 300 + sum(ps.report.dropped.values())

def test_knobs_reach_reasoning_gym():
    ps = D.procedural_problems("chain_sum", 100, seed=0, min_terms=5, max_terms=5, max_digits=1)
    assert all(p["meta"]["num_terms"] == 5 and len(p["meta"]["expression"].split()) == 9 for p in ps)
    assert D.load_problems("rg:chain_sum", limit=20, min_terms=5, max_terms=5) == D.procedural_problems("chain_sum", 20, min_terms=5, max_terms=5)
    test = D.load_problems("rg:gsm_symbolic", split="test", limit=20)
    assert test == D.procedural_problems("gsm_symbolic", 20, seed=D.TEST_SEED_OFFSET)

def test_tiny_knob_range_runs_out_with_a_warning(caplog):
    with caplog.at_level("WARNING", logger="scrpo.data"):
        ps = D.procedural_problems("chain_sum", 200, min_terms=2, max_terms=2, max_digits=1)
    assert len(ps) < 200 and "widen the knobs" in caplog.text  # 2 one-digit terms: at most 100 distinct sums
    assert len(D.procedural_problems("chain_sum", 200, unique=False, min_terms=2, max_terms=2, max_digits=1)) == 200

# ---- pieces ----

_balanced = st.recursive(st.text(alphabet="ab1+ -^_x\\", max_size=5).map(lambda s: s.replace("\\", "")),
                         lambda inner: st.lists(inner, max_size=3).map(lambda xs: "{" + "".join(xs) + "}"), max_leaves=8)

@settings(max_examples=200, deadline=None)
@given(inner=st.lists(_balanced, max_size=4).map("".join), before=st.text(alphabet="xy }{", max_size=6))
def test_last_boxed_returns_balanced_contents(inner, before):
    assert last_boxed(before + "\\boxed{" + inner + "} done.") == inner.strip()

def test_to_prompts_columns_and_template():
    ps = D.load_problems("olympiadbench", data_dir=FIX)
    ds = D.to_prompts(ps, system_prompt="SYS", template="Problem: {problem}\nAnswer in \\boxed{}.")
    assert ds.column_names == ["prompt", "answer", "answers", "id", "source", "meta"]
    assert ds[0]["prompt"] == [{"role": "system", "content": "SYS"},
                               {"role": "user", "content": f"Problem: {ps[0]['problem']}\nAnswer in \\boxed{{}}."}]
    assert ds["answer"] == ["2", "69, 84", "(6,3), (9,3)", "\\frac{41}{12}"]
    assert ds["answers"][1] == ["69", "84"] and ds["id"][0] == "olympiadbench/1606"
    assert "\\boxed{}" in D.DEFAULT_SYSTEM_PROMPT
    assert [m["role"] for m in D.to_prompts(ps, system_prompt=None)[0]["prompt"]] == ["user"]

# ---- agreement with the verifier ----

_RAW_GOLD = {"aime24": ("eval/aime24.jsonl", "answer"), "aime25": ("eval/aime25.jsonl", "answer"),
             "amc23": ("eval/amc23.jsonl", "answer"), "math500": ("eval/math500.jsonl", "answer"),
             "minerva": ("eval/minerva_math.jsonl", "solution"), "olympiadbench": ("eval/olympiadbench.jsonl", "final_answer"),
             "gsm8k": ("eval/gsm8k.jsonl", "answer")}

@pytest.mark.parametrize("name", sorted(_RAW_GOLD))
def test_loader_golds_agree_with_verifier_normalisation(shared_data, name):
    "`scrpo.verify.normalize_gold` of the raw gold equals it of our normalised gold (and of the prompt column's string)."
    verify = pytest.importorskip("scrpo.verify")
    import re
    f, key = _RAW_GOLD[name]
    raw = [json.loads(l) for l in (shared_data / f).read_text().splitlines()]
    ps = D.load_problems(name, data_dir=shared_data)
    assert len(raw) == len(ps)
    squash = lambda s: re.sub(r"\s+", "", s or "")
    for r, p in zip(raw, ps):
        want = squash(verify.normalize_gold(r[key], name))
        assert want and squash(verify.normalize_gold(p["answer"])) == want, (r[key], p["answer"])
        assert squash(verify.normalize_gold(D.answer_text(p["answer"]))) == want
