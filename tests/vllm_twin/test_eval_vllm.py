"""Evaluation through vLLM's CPU build against the HF backend, on the same prompts, greedy: the organism's held-out set,
SmolLM2 on a few GSM8K rows, and self-correction evaluation. Real engines on both sides.

Run by `make test-vllm` (tests/vllm_twin/conftest.py skips them where vLLM is not installed)."""
import json, time
from pathlib import Path
import pytest
from vllm_twin.twin_utils import free_engine
from scrpo.config import load_config
from scrpo.eval import evaluate, self_correction_eval
from scrpo.run import apply_template, eval_kwargs, eval_model, heldout_sets

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
ORGANISM_HELDOUT = 200  # of the 500 held-out problems organism-cpu.yaml evaluates

def both_backends(name, sets, **kw):
    "`evaluate` on the HF backend and on a vLLM engine over the same model and rows: (hf, vllm, seconds of each)."
    t0 = time.perf_counter()
    model, tok = eval_model(name, "hf")
    hf = evaluate(model, tok, sets, backend="hf", **kw)
    t_hf = time.perf_counter() - t0; del model
    t0 = time.perf_counter()
    llm, tok = eval_model(name, "vllm")
    try: vl = evaluate(llm, tok, sets, backend="vllm", **kw)
    finally: free_engine(llm)
    return hf, vl, t_hf, time.perf_counter() - t0

def agreement(hf, vl, bench):
    "Share of problems whose extracted answers are the same on both backends, and whose whole responses are."
    a, b = ({s["id"]: s for s in r["samples"][bench]} for r in (hf, vl))
    assert a.keys() == b.keys()
    return sum(a[i]["pred"] == b[i]["pred"] for i in a) / len(a), sum(a[i]["response"] == b[i]["response"] for i in a) / len(a)

def report(name, hf, vl, bench, same_pred, same_text, t_hf, t_vl):
    p1, p2 = hf["metrics"][bench]["pass@1"], vl["metrics"][bench]["pass@1"]
    print(f"\n{name}: pass@1 hf {p1:.1%} vllm {p2:.1%}; same extracted answer {same_pred:.1%}, same response {same_text:.1%}; "
          f"{t_hf:.0f}s hf, {t_vl:.0f}s vllm (load included)")

def test_organism_heldout_vllm_agrees_with_hf():
    "Greedy answers of the organism on its held-out set: pass@1 within 1 point and >= 95% identical extracted answers."
    cfg = load_config(ROOT / "configs" / "organism-cpu.yaml", [f"data.eval.heldout.size={ORGANISM_HELDOUT}"])
    rows = apply_template(heldout_sets(cfg)["heldout"], cfg.data.template)
    kw = {k: v for k, v in eval_kwargs(cfg.eval, cfg.data.system_prompt).items() if k != "backend"}
    hf, vl, t_hf, t_vl = both_backends(cfg.model.name, {"heldout": rows}, **kw)
    same_pred, same_text = agreement(hf, vl, "heldout")
    report("organism-easy", hf, vl, "heldout", same_pred, same_text, t_hf, t_vl)
    assert abs(hf["metrics"]["heldout"]["pass@1"] - vl["metrics"]["heldout"]["pass@1"]) <= 0.01
    assert same_pred >= 0.95
    assert vl["config"]["backend"] == "vllm" and vl["metrics"]["heldout"]["problems"] == ORGANISM_HELDOUT

def test_smollm2_gsm8k_vllm_matches_hf():
    "SmolLM2-135M (the embedded model) greedy on a few GSM8K rows: the figures are reported; responses must mostly agree."
    if not (SHARED_DATA / "eval" / "gsm8k.jsonl").is_file(): pytest.skip(f"{SHARED_DATA}/eval/gsm8k.jsonl not present")
    from scrpo.data import load_problems
    rows = load_problems("gsm8k", data_dir=SHARED_DATA, limit=4)
    hf, vl, t_hf, t_vl = both_backends("smollm2-135m", {"gsm8k": rows}, temperature=0.0, max_new_tokens=96, batch_size=4,
                                       progress=False)
    same_pred, same_text = agreement(hf, vl, "gsm8k")
    report("smollm2-135m", hf, vl, "gsm8k", same_pred, same_text, t_hf, t_vl)
    assert same_pred >= 0.75  # float32 on both sides; measured 8/8 identical responses at 192 tokens
    assert all(s["n_tokens"] > 0 for s in vl["samples"]["gsm8k"])

def test_self_correction_eval_on_vllm(tmp_path):
    "Attempt 1, a reflection prompt with the engine's own answer, attempt 2: all through the engine; the flips add up."
    cfg = load_config(ROOT / "configs" / "organism-cpu.yaml", ["data.eval.heldout.size=60"])
    rows = apply_template(heldout_sets(cfg)["heldout"], cfg.data.template)
    kw = {k: v for k, v in eval_kwargs(cfg.eval, cfg.data.system_prompt).items() if k not in ("backend", "k")}
    llm, tok = eval_model(cfg.model.name, "vllm")
    try: res = self_correction_eval(llm, tok, {"heldout": rows}, backend="vllm", out=tmp_path, max_prompt_tokens=256, **kw)
    finally: free_engine(llm)
    m = res["metrics"]["heldout"]
    print(f"\nself-correction on vLLM: {json.dumps({k: m[k] for k in sorted(m) if not k.startswith('t2_')})}")
    assert json.loads((tmp_path / "results.json").read_text())["config"]["backend"] == "vllm"
    t1, t2 = [s["t1"] for s in res["samples"]["heldout"]], [s["t2"] for s in res["samples"]["heldout"]]
    assert len(t2) == 60 and all(b["response"] for b in t2)
    assert sum(a["correct"] for a in t1) / 60 == pytest.approx(m["acc@t1"]) and sum(b["correct"] for b in t2) / 60 == pytest.approx(m["acc@t2"])
