"""Replay the organism study's primary comparison on this machine (issue 27, item 3): a benchmark, not a CI test.

Trains GRPO and ScRPO (defaults) for 10 seeds each, plus the warm start's evaluation, from the shipped `organism-easy`
(data/organisms/organism-easy, the recorded weights), exactly as configs/sweeps/organism.yaml does, into a fresh
results folder, then prints:
  - the paired difference ScRPO - GRPO with its 95% t interval, beside the recorded one (data/results/organism);
  - every cell's held-out accuracy beside the recorded cell's, and the difference;
  - what the model name resolved to in each replayed cell (the shipped folder and its weights fingerprint).
Exact per-seed equality across CPUs is not expected (sampling can diverge on float noise); agreement of the
intervals is the check. 21 cells, two sweep processes sharing them (resumable): 68 minutes measured on 2 cores shared with
other jobs.

Usage: python benchmarks/replay_organism.py [--results-dir data/results/organism_replay_study] [--seeds 0-9]
                                            [--processes 2] [--report-only]
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWEEP = ROOT / "configs" / "sweeps" / "organism.yaml"
RECORDED = ROOT / "data" / "results" / "organism"
ARMS = ("base", "grpo", "scrpo")

def seeds_arg(s:str) -> list[int]:
    a, _, b = s.partition("-")
    return list(range(int(a), int(b) + 1)) if b else [int(x) for x in s.split(",")]

def run(out:Path, seeds:list[int], processes:int):
    "Two (or `processes`) `scrpo sweep` processes sharing the cells through the sweep's claim files."
    only = ["base/seed0"] + [f"{arm}/seed{k}" for k in seeds for arm in ("grpo", "scrpo")]
    cmd = [str(Path(sys.executable).parent / "scrpo"), "sweep", str(SWEEP), "--results-dir", str(out), "--only", *only]
    print("running:", " ".join(cmd), f"(x{processes})", flush=True)
    t0 = time.time()
    procs = [subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}) for _ in range(processes)]
    for p in procs:
        if p.wait(): raise SystemExit(f"a sweep process exited with {p.returncode}; rerun to resume (finished cells are kept)")
    print(f"sweep wall time: {time.time() - t0:.0f} s", flush=True)

def report(out:Path, seeds:list[int]):
    from scrpo.results import load_results, paired_difference, seed_frame
    got = [r for r in load_results(out) if r["arm"] in ARMS]
    rec = [r for r in load_results(RECORDED) if r["arm"] in ARMS and (r["arm"] == "base" or r["seed"] in seeds)]
    fg, fr = seed_frame(got), seed_frame(rec)
    acc = lambda f, arm, s: f[(f.arm == arm) & (f.seed == s) & (f.set == "average")].value
    print("\ncell              replay  recorded  replay-recorded")
    diffs = []
    for arm in ARMS:
        for s in ([0] if arm == "base" else seeds):
            g, r = acc(fg, arm, s), acc(fr, arm, s)
            if len(g) and len(r):
                diffs.append(g.iloc[0] - r.iloc[0])
                print(f"{arm + '/seed' + str(s):16s} {g.iloc[0]:7.1f} {r.iloc[0]:9.1f} {diffs[-1]:+10.1f}")
            else: print(f"{arm + '/seed' + str(s):16s} {'missing' if not len(g) else '':>7s}")
    same = sum(abs(d) < 1e-9 for d in diffs)
    print(f"{same} of {len(diffs)} cells equal to the recorded ones")
    for name, f in (("replay", fg), ("recorded", fr)):
        m, h, n = paired_difference(f, "grpo", "scrpo")
        print(f"PRIMARY {name:8s}: ScRPO - GRPO = {m:+.1f} ± {h:.1f} points (95% t interval, {n} paired seeds)")
    srcs = {json.dumps({k: r.get("model", {}).get(k) for k in ("resolved", "weights_sha256", "sft_steps")}) for r in got}
    print("the replayed cells trained from:", *sorted(srcs), sep="\n  ")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results-dir", default=str(ROOT / "data" / "results" / "organism_replay_study"))
    ap.add_argument("--seeds", type=seeds_arg, default=list(range(10)))
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--report-only", action="store_true")
    a = ap.parse_args()
    out = Path(a.results_dir)
    if not a.report_only: run(out, a.seeds, a.processes)
    report(out, a.seeds)
