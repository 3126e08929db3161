"The hard split (issue 26, section 3): measured pass@k per problem, shipped, and loaded as hard, rest or a mixture."
import json, os
from pathlib import Path
import pytest
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from scrpo.data import load_problems
from scrpo.organism import organism_info, organism_model
from scrpo.organism_hard import HARD_SOURCE, hard_problems, hard_split, pass_counts, split_file


def test_a_measured_split_is_written_once_then_read(tmp_path, monkeypatch):
    f = tmp_path / "split.json"
    s = hard_split(k=2, sizes={"test": 24}, path=f, progress=False)
    assert s["weights_sha256"] == organism_info(organism_model("organism-easy", verbose=False))["weights_sha256"]
    assert len(s["counts"]["test"]) == 24 and s["hard"]["test"] == sum(c == 0 for _, c in s["counts"]["test"])
    import scrpo.organism_hard as oh
    monkeypatch.setattr(oh, "pass_counts", lambda *a, **k: pytest.fail("a split on disk was measured again"))
    assert hard_split(k=2, sizes={"test": 24}, path=f) == s
    with pytest.raises(ValueError, match="was measured with"): hard_split(k=3, sizes={"test": 24}, path=f)


def test_counts_agree_with_greedy_extremes():
    "Counts lie between 0 and k, are the same for the same seed, and are neither all 0 nor all k on the dev problems."
    from scrpo.organism import organism_dataset
    rows = list(organism_dataset("dev", 16, "easy"))
    p = organism_model("organism-easy", verbose=False)
    a, b = pass_counts(p, rows, k=3, seed=1), pass_counts(p, rows, k=3, seed=1)
    assert a == b and all(0 <= c <= 3 for c in a) and 0 < sum(a) < 3 * len(rows)


def test_shipped_split_loads_disjoint_parts_and_mixtures():
    s = hard_split(progress=False)
    assert split_file().is_file() and s["k"] == 8 and s["hard"]["train"] >= 1000 and s["hard"]["test"] >= 300  # what the eighth round uses
    hard = load_problems(HARD_SOURCE, split="test", limit=300, part="hard")
    rest = load_problems(HARD_SOURCE, split="test", limit=300, part="rest")
    assert {r["meta"]["part"] for r in hard} == {"hard"} and {r["meta"]["part"] for r in rest} == {"rest"}
    assert not {r["id"] for r in hard} & {r["id"] for r in rest}
    mix = hard_problems("train", 2000, part="mix", hard_share=0.5, seed=3)
    assert sum(r["meta"]["part"] == "hard" for r in mix) == 1000 and len({r["id"] for r in mix}) == 2000
    assert [r["id"] for r in mix] == [r["id"] for r in hard_problems("train", 2000, part="mix", hard_share=0.5, seed=3)]
    assert [r["id"] for r in mix] != [r["id"] for r in hard_problems("train", 2000, part="mix", hard_share=0.5, seed=4)]
    assert not {r["id"] for r in mix} & {r["id"] for r in hard}  # held out by the chain sums' hash


@pytest.mark.parametrize("kw, words", [(dict(part="all"), "part='all' is unknown"), (dict(part="mix", hard_share=1.0), "strictly between"),
                                       (dict(split="dev"), "was not measured"), (dict(n=10**6), "Ask for fewer")])
def test_bad_requests_name_the_value(kw, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")): hard_problems(**{"split": "test", "n": 10, **kw})


def test_run_config_loads_the_mixture():
    from scrpo.config import load_config
    from scrpo.run import heldout_sets, training_set
    cfg = load_config(str(Path(__file__).resolve().parent.parent / "configs" / "organism-hard-cpu.yaml"))
    sets = heldout_sets(cfg)
    assert {k: len(v) for k, v in sets.items()} == {"hard": 300, "rest": 300}
    prompts, dropped = training_set(cfg, sets)
    assert len(prompts) == 2000 and dropped == 0
