"""Errors by kind in first attempts (issue 26, section 2; the seventh round of nbs/experiments/12_organism.ipynb).

For every arm, the share of greedy held-out first attempts (the 500 test problems of the final evaluation) whose first
fault is of each kind (`scrpo.organism_errors.classify_error`), per seed, from the run folders the sweeps left under
runs/sweeps/ (not committed: they hold the samples). Then the pre-registered primary, per kind K: arm inject_K minus
GRPO in the kind-K rate, paired by seed, mean with a 95% t interval; and the secondaries (minus the natural pool; held-out
accuracy). Writes data/results/organism_error_kinds.json, which the notebook renders.

    python benchmarks/organism_error_kinds.py [--seeds 0-4]
"""
import argparse, json, re, sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("off_by_one", "digit_swap", "carry_dropped", "dropped_step", "wrong_final_copy")
ARMS = {"base": ("organism", "base", "before"), "grpo": ("organism", "grpo", "after"), "scrpo": ("organism", "scrpo", "after"),
        **{f"inject_{k}": ("organism_inject", f"inject_{k}", "after") for k in KINDS}}

def runs_of(sweep:str, arm:str, seeds:list[int]) -> dict[int, Path]:
    "The newest finished run folder of each seed (a replayed cell may have run more than once)."
    out = {}
    for s in seeds:
        found = sorted(p for p in (ROOT / "runs" / "sweeps" / sweep).glob(f"{arm}-seed{s}-*") if (p / "eval" / ("before" if arm == "base" else "after") / "samples.jsonl").is_file())
        if found: out[s] = found[-1]
    return out

def kind_rates(folder:Path, which:str) -> dict:
    from scrpo.organism_errors import classify_error
    rows = [json.loads(l) for l in (folder / "eval" / which / "samples.jsonl").open()]
    c = Counter(classify_error([int(t) for t in re.findall(r"\d+", str(x["prompt"]).split("What is")[-1])], x["response"]) for x in rows)
    return {k: c[k] / len(rows) for k in sorted(set(c) | set(KINDS) | {"right"})} | {"n": len(rows)}

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-4")
    a = ap.parse_args()
    lo, _, hi = a.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    from scrpo.results import mean_ci
    res = {}
    for arm, (sweep, name, which) in ARMS.items():
        runs = runs_of(sweep, name, [0] if arm == "base" else seeds)
        if not runs: print(f"{arm}: no run folders under runs/sweeps/{sweep}/{name}-seed*; run its cells first", file=sys.stderr); continue
        res[arm] = {s: kind_rates(f, which) for s, f in runs.items()}
    print(f"{'arm':26s} " + " ".join(f"{k:>16s}" for k in KINDS + ("right",)))
    for arm, per in res.items():
        print(f"{arm:26s} " + " ".join(f"{100 * sum(p[k] for p in per.values()) / len(per):15.1f}%" for k in KINDS + ("right",)))
    summary = []
    for k in KINDS:
        arm = f"inject_{k}"
        for ctrl in ("grpo", "scrpo"):
            if arm not in res or ctrl not in res: continue
            both = sorted(set(res[arm]) & set(res[ctrl]))
            m, h, n = mean_ci([100 * (res[arm][s][k] - res[ctrl][s][k]) for s in both])
            acc = mean_ci([100 * (res[arm][s]["right"] - res[ctrl][s]["right"]) for s in both])
            summary.append({"kind": k, "arm": arm, "control": ctrl, "kind_rate_difference": [m, h, n], "accuracy_difference": list(acc)})
            tag = "PRIMARY" if ctrl == "grpo" else "secondary"
            print(f"{tag:9s} {arm} - {ctrl}: {k} errors {m:+.1f} ± {h:.1f} points ({n} seeds); held-out accuracy {acc[0]:+.1f} ± {acc[1]:.1f}")
    out = ROOT / "data" / "results" / "organism_error_kinds.json"
    out.write_text(json.dumps({"seeds": seeds, "kinds": KINDS, "arms": {arm: {str(s): v for s, v in per.items()} for arm, per in res.items()},
                               "comparisons": summary}, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0

if __name__ == "__main__": sys.exit(main())
