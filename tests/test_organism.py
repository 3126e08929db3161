"The model organism: task determinism and held-out splits, error injection, the cached deterministic builder, loading."
import random
from pathlib import Path

import pytest
import scrpo
import scrpo.organism
from scrpo.organism import (build_organism, correction_response, inject_error, measure_organism, organism_dataset,
                            organism_info, sft_examples, split_of, weights_fingerprint, ERROR_KINDS)
from scrpo.prompts import reflection_prompt, split_reflection
from scrpo.verify import check

TINY = dict(hidden_size=32, num_layers=1, num_heads=2, max_steps=3, batch_size=4, n_sft=32, n_probe=4, eval_every=100,
            stop_accuracy=None, verbose=False)

@pytest.mark.parametrize("difficulty", ["easy", "medium", {"terms": 3, "digits": 3}])
def test_task_is_deterministic_and_held_out(difficulty):
    train, test = organism_dataset("train", 300, difficulty, seed=3), organism_dataset("test", 100, difficulty, seed=3)
    assert train == organism_dataset("train", 300, difficulty, seed=3)
    assert organism_dataset("train", 300, difficulty, seed=4) != train
    assert len({r["problem"] for r in train}) == 300
    assert not {r["problem"] for r in train} & {r["problem"] for r in test}
    assert not {r["problem"] for r in organism_dataset("dev", 100, difficulty, seed=3)} & {r["problem"] for r in test}
    assert all(split_of(r["problem"]) == "test" for r in test)
    for r in train[:50] + test[:50]:
        assert set(r) == {"id", "problem", "answer", "source", "meta"}
        assert check(r["meta"]["solution"], r["answer"]).correct
        assert r["answer"] == str(sum(r["meta"]["operands"]))

@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_injected_error_is_wrong_and_its_reflection_parses(kind):
    rng = random.Random(0)
    for r in organism_dataset("train", 100, "medium"):
        e = inject_error(r["meta"]["operands"], rng, {kind: 1.0})
        assert not check(e.wrong_solution, r["answer"]).correct
        reply = correction_response(e)
        analysis, solution = split_reflection(reply)
        assert analysis == e.analysis and f"Step {e.step} is wrong" in analysis
        assert check(solution, r["answer"]).correct
        assert e.wrong_solution in reflection_prompt(r["problem"], e.wrong_solution, template="reflect")[-1]["content"]

def test_sft_mix():
    rows = sft_examples(200, "easy", correction_demos=0.5, seed=1)
    demos = [r for r in rows if r["completion"][0]["content"].startswith("Analysis:")]
    assert 60 < len(demos) < 140
    assert all("Earlier attempt" in r["prompt"][-1]["content"] for r in demos)
    assert not any(r["completion"][0]["content"].startswith("Analysis:") for r in sft_examples(200, "easy", correction_demos=0.0))

def test_builder_is_deterministic_and_cached(tmp_path):
    a, b = build_organism(path=tmp_path / "a", **TINY), build_organism(path=tmp_path / "b", **TINY)
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    stamp = (a / "scrpo_build.json").stat().st_mtime_ns
    assert build_organism(path=tmp_path / "a", **TINY) == a and (a / "scrpo_build.json").stat().st_mtime_ns == stamp
    c = build_organism(path=tmp_path / "c", **{**TINY, "correction_demos": 0.0})
    assert (c / "model.safetensors").read_bytes() != (a / "model.safetensors").read_bytes()
    assert organism_info(a)["sft_steps"] == 3 and organism_info(c)["args"]["correction_demos"] == 0.0

def test_builder_pins_its_threads_and_records_a_fingerprint(tmp_path, monkeypatch):
    import torch
    from scrpo.models import load_model
    seen, real = [], scrpo.organism.warm_start
    monkeypatch.setattr(scrpo.organism, "warm_start", lambda *a, **k: seen.append(torch.get_num_threads()) or real(*a, **k))
    caller = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        a = build_organism(path=tmp_path / "a", **TINY)  # SFT runs on the build's 1 thread, not the caller's 2
        assert seen == [1] and torch.get_num_threads() == 2
        build_organism(path=tmp_path / "b", threads=2, **TINY)
        assert seen == [1, 2] and torch.get_num_threads() == 2
    finally: torch.set_num_threads(caller)
    info = organism_info(a)
    assert info["torch_threads"] == 1 and info["args"]["threads"] == 1
    assert info["weights_sha256"] == weights_fingerprint(load_model(a)[0])  # the saved weights are the fingerprinted ones
    with pytest.raises(ValueError, match="threads=0"): build_organism(path=tmp_path / "c", threads=0, **TINY)

def test_named_organisms_build_as_recorded(tmp_path, monkeypatch):
    "Without a shipped folder a recorded name builds to its recorded steps and threads, and warns on other weights."
    import json, warnings
    monkeypatch.setenv("SCRPO_ORGANISMS_DIR", str(tmp_path / "nothing-shipped"))
    calls, weights = [], {}
    def fake_build(difficulty, correction_demos, verbose, **how):
        calls.append((difficulty, correction_demos, how))
        d = tmp_path / f"{difficulty}-{correction_demos}"; d.mkdir(exist_ok=True)
        (d / "organism.json").write_text(json.dumps({"weights_sha256": weights.get((difficulty, correction_demos), "0" * 64)}))
        return d
    monkeypatch.setattr(scrpo.organism, "build_organism", fake_build)
    rec = scrpo.organism.RECORDED_ORGANISMS
    weights.update({("easy", 0.25): rec["organism-easy"]["weights_sha256"], ("long", 0.25): rec["organism-long"]["weights_sha256"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the recorded weights: no warning
        scrpo.organism.organism_model("organism-easy"); scrpo.organism.organism_model("organism-long")
        scrpo.organism.organism_model("organism-medium")  # not in the study: the threshold search on 1 thread, nothing to compare
    fixed = lambda n: dict(threads=rec[n]["threads"], sft_steps=rec[n]["sft_steps"])
    assert calls == [("easy", 0.25, fixed("organism-easy")), ("long", 0.25, fixed("organism-long")),
                     ("medium", 0.25, dict(threads=1, stop_accuracy=0.45))]
    with pytest.warns(UserWarning, match="organism-easy-nodemos built here has weights 000000000000, not the recorded"):
        scrpo.organism.organism_model("organism-easy-nodemos")
    assert calls[-1] == ("easy", 0.0, fixed("organism-easy-nodemos"))

def test_fixed_step_build_matches_the_threshold_stop(tmp_path):
    "A build of N fixed steps gives the weights a threshold build that stopped at step N gave (same schedule)."
    kw = {**TINY, "max_steps": 6, "eval_every": 2}
    search = scrpo.organism.find_sft_steps(path=tmp_path / "search", stop_accuracy=0.0, **{k: v for k, v in kw.items() if k != "stop_accuracy"})
    assert search == 2
    fixed = build_organism(path=tmp_path / "fixed", **{**kw, "sft_steps": 2})
    assert organism_info(fixed)["sft_steps"] == 2
    assert (fixed / "model.safetensors").read_bytes() == (tmp_path / "search" / "model.safetensors").read_bytes()
    longer = build_organism(path=tmp_path / "longer", **{**kw, "sft_steps": 3})
    assert (longer / "model.safetensors").read_bytes() != (fixed / "model.safetensors").read_bytes()
    with pytest.raises(ValueError, match="give one of them"): build_organism(path=tmp_path / "x", **{**kw, "sft_steps": 2, "stop_accuracy": 0.5})
    with pytest.raises(ValueError, match="sft_steps=7"): build_organism(path=tmp_path / "y", **{**kw, "sft_steps": 7})

def test_shipped_organism_is_used_only_when_it_checks_out(tmp_path, monkeypatch):
    "A shipped folder whose files match SHA256SUMS and whose weights are the recorded ones is returned as is; a tampered one is refused with a warning."
    built = build_organism(path=tmp_path / "built", **TINY)
    root = tmp_path / "shipped"; monkeypatch.setenv("SCRPO_ORGANISMS_DIR", str(root))
    dest = scrpo.organism.ship_organism(built, root / "organism-easy")
    assert scrpo.organism.check_shipped(dest) is None
    assert {l.split("  ")[1] for l in (dest / "SHA256SUMS").read_text().splitlines()} >= {"model.safetensors", "organism.json", "tokenizer.json"}
    monkeypatch.setitem(scrpo.organism.RECORDED_ORGANISMS, "organism-easy",
                        dict(threads=1, sft_steps=3, weights_sha256=organism_info(built)["weights_sha256"]))
    def no_build(*a, **k): raise AssertionError("built although a shipped folder checks out")
    monkeypatch.setattr(scrpo.organism, "build_organism", no_build)
    assert scrpo.organism.organism_model("organism-easy") == dest
    data = bytearray((dest / "model.safetensors").read_bytes()); data[-1] ^= 1
    (dest / "model.safetensors").write_bytes(bytes(data))
    assert "model.safetensors" in scrpo.organism.check_shipped(dest)
    with pytest.warns(UserWarning, match="Shipped organism not used"), pytest.raises(AssertionError, match="built although"):
        scrpo.organism.organism_model("organism-easy")

@pytest.mark.parametrize("name", ["organism-easy", "organism-easy-nodemos", "organism-long"])
def test_recorded_organisms_are_shipped_bit_for_bit(name, monkeypatch):
    "From a clean clone the study's organisms resolve to data/organisms/<name>, whose weights hash to the recorded fingerprint; nothing is built."
    from scrpo.models import load_model
    monkeypatch.delenv("SCRPO_ORGANISMS_DIR", raising=False)
    def no_build(*a, **k): raise AssertionError(f"{name} was built: the shipped folder is missing or fails its check")
    monkeypatch.setattr(scrpo.organism, "build_organism", no_build)
    path = scrpo.organism.organism_model(name)
    assert path == Path(scrpo.__file__).resolve().parent.parent / "data" / "organisms" / name
    model, _ = load_model(path)
    assert weights_fingerprint(model) == scrpo.organism.RECORDED_ORGANISMS[name]["weights_sha256"]

def test_builder_uses_the_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRPO_CACHE", str(tmp_path))
    p = build_organism(**TINY)
    assert p.parent == tmp_path / "organism" and p.name.startswith("t5d1-c0.25-s0-")

def test_model_folder_loads_and_generates(tmp_path):
    from scrpo.models import load_model
    p = build_organism(path=tmp_path / "a", **TINY)
    model, tok = load_model(p)
    enc = tok.apply_chat_template([{"role": "user", "content": "What is 1 + 2 + 3 + 4 + 5?"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    assert model.generate(**enc, max_new_tokens=5, do_sample=False).shape[1] == enc["input_ids"].shape[1] + 5
    res = measure_organism(p, n=4)
    assert res["problems"] == 4 and 0.0 <= res["first_attempt_accuracy"] <= 1.0
