"""Where first attempts go wrong on the organism: per arm, the share of greedy held-out replies that are in the
solution format, that contain a wrong addition (`a+b=c` with c != a+b), that chain wrongly (a step starts from something
other than the previous sum, or uses other terms than the problem's), and that are right; and, in the self-correction
evaluation after training (attempt 2 after a `reflect` prompt), the share of right corrections whose Analysis states
a false sum (`a+b is c` with c != a+b), among those that state one.

Reads the run folders a sweep left under runs/sweeps/ (not committed: they hold the samples) and writes
data/results/organism_step_errors.json, which nbs/experiments/12_organism.ipynb renders. An arm whose run folders are
not on this machine keeps the entry the file already has (computed by this script where those folders were), and says so.

    python benchmarks/organism_step_errors.py
"""
import json, re, statistics, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARMS = {  # arm -> (run folders, evaluation)
    "base": ("runs/sweeps/organism/base-seed0-*", "before"),
    "grpo": ("runs/sweeps/organism/grpo-seed*", "after"),
    "scrpo": ("runs/sweeps/organism/scrpo-seed*", "after"),
    "every_1": ("runs/sweeps/organism_arms/every_1-seed[0-4]-*", "after"),
    "correction_only": ("runs/sweeps/organism_arms/correction_only-seed[0-4]-*", "after"),
    "long/base": ("runs/sweeps/organism_long/base-seed0-*", "before"),
    "long/grpo": ("runs/sweeps/organism_long/grpo-seed*", "after"),
    "long/scrpo": ("runs/sweeps/organism_long/scrpo-seed*", "after"),
    "checked": ("runs/sweeps/organism_arms/checked-seed*", "after"),
    "long/scrpo_checked": ("runs/sweeps/organism_checked/scrpo_checked-seed*", "after"),
    "solution": ("runs/sweeps/organism_anchor_easy/scrpo_solution-seed*", "after"),
    "long/scrpo_solution": ("runs/sweeps/organism_anchor/scrpo_solution-seed*", "after"),
    "long/scrpo_weight_025": ("runs/sweeps/organism_anchor/scrpo_weight_025-seed*", "after"),
}
STEP = re.compile(r"^\s*(\d+)\+(\d+)=(\d+)\s*$")

def classify(prompt:str, reply:str) -> dict:
    "What a reply does with the problem `What is a + b + ...?`."
    terms = [int(t) for t in re.findall(r"\d+", prompt.split("What is")[-1])]
    parts = [p.strip() for p in reply.strip().split(";")]
    steps = [STEP.match(p) for p in parts[:-1]]
    fmt = bool(parts) and all(steps) and re.fullmatch(r"\\boxed\{\d+\}", parts[-1] or "") is not None and len(steps) == len(terms) - 1
    out = {"format": fmt, "wrong_addition": False, "wrong_chain": False}
    if not fmt: return out
    nums = [tuple(int(g) for g in m.groups()) for m in steps]
    acc = terms[0]
    for (a, b, c), t in zip(nums, terms[1:]):
        if a != acc or b != t: out["wrong_chain"] = True
        if a + b != c: out["wrong_addition"] = True
        acc = c
    return out

CLAIM = re.compile(r"(\d+)\+(\d+) is (\d+)")

def false_analyses(rows:list[dict]) -> tuple[int, int]:
    "Right corrections whose Analysis states a sum, and how many of those state a false one."
    stated = false = 0
    for x in rows:
        m = re.search(r"Analysis:(.*?)Corrected Solution:", x["response"], re.S)
        if not (x["correct"] and m): continue
        claims = CLAIM.findall(m.group(1))
        if claims: stated += 1; false += any(int(a) + int(b) != int(c) for a, b, c in claims)
    return stated, false

def main() -> int:
    out = ROOT / "data" / "results" / "organism_step_errors.json"
    earlier = json.loads(out.read_text())["arms"] if out.is_file() else {}
    res = {}
    for arm, (pattern, which) in ARMS.items():
        runs = {}
        for r in sorted(ROOT.glob(pattern)): runs.setdefault(r.name.rsplit("-", 2)[0], r)  # one folder a seed (a replayed cell ran twice)
        runs = list(runs.values())
        if not runs:
            if arm in earlier: res[arm] = earlier[arm]; print(f"{arm}: no run folders match {pattern} here; kept the recorded entry", file=sys.stderr)
            else: print(f"{arm}: no run folders match {pattern}; run its sweep cells first", file=sys.stderr)
            continue
        per_seed = []
        for r in runs:
            rows = [json.loads(l) for l in (r / "eval" / which / "samples.jsonl").open()]
            cs = [classify(str(x["prompt"]), x["response"]) for x in rows]
            per_seed.append({"format": sum(c["format"] for c in cs) / len(cs),
                             "wrong_addition": sum(c["wrong_addition"] for c in cs) / len(cs),
                             "wrong_chain": sum(c["wrong_chain"] for c in cs) / len(cs),
                             "correct": sum(bool(x["correct"]) for x in rows) / len(rows)})
            sc = r / "eval" / "self_correction" / "samples.jsonl"
            if sc.is_file():
                stated, false = false_analyses([json.loads(l) for l in sc.open()])
                per_seed[-1]["false_analysis"] = false / stated if stated else 0.0
        res[arm] = {"runs": len(runs), "evaluation": which,
                    **{k: round(100 * statistics.mean(s[k] for s in per_seed if k in s), 1) for k in per_seed[0]}}
        print(arm, res[arm])
    out.write_text(json.dumps({"command": "python benchmarks/organism_step_errors.py", "unit": "% of greedy held-out replies, mean over runs",
                               "arms": res}, indent=1) + "\n")
    print(f"wrote {out}")
    return 0

if __name__ == "__main__": sys.exit(main())
