"""Throughput of `scrpo.verify.check_many` against a sequential `math_verify.parse` + `verify` loop.

Pairs come from the gold answers of the seven sets in ../shared/data/eval: for each gold a correct
prediction (`\\boxed{<gold as written>}`), a rewritten-equivalent one and a wrong (perturbed) one, plus a
hostile set. Both paths judge the same pairs in one run. Prints pairs/s, p50/p99 latency, the slowest item,
the speedup, crashes, and the per-set rates of the gold check (boxed gold right, perturbed gold wrong).

    python benchmarks/bench_verify.py            # up to 100 golds per set (about 1,600 pairs)
    python benchmarks/bench_verify.py --all      # every gold (about 8,600 pairs; the sequential loop takes long)
"""
import argparse, json, os, re, statistics, sys, time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from scrpo.core import boxed_contents
from scrpo.verify import check_many, clear_cache, normalize_gold
from scrpo.verify_pool import default_workers, get_pool

EVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"


def gold_rows(root: Path):
    "(set, gold as stored, gold as written in the text, source) for every row of the eval sets."
    out = []
    for f in sorted(root.glob("*.jsonl")):
        for line in f.read_text().splitlines():
            r = json.loads(line)
            if f.stem == "minerva_math": g, src, w = r["solution"], "minerva", boxed_contents(r["solution"])[-1]
            elif f.stem == "olympiadbench": g, src, w = r["final_answer"], "olympiadbench", ",".join(r["final_answer"])
            elif f.stem == "gsm8k": g, src, w = r["answer"], "gsm8k", r["answer"].rsplit("####", 1)[1].strip()
            else: g, src, w = r["answer"], None, str(r["answer"])
            out.append((f.stem, g, w, src))
    return out


def perturb(w: str) -> str:
    "A different answer: the first integer in `w` plus one, or `+1` appended when `w` has no digits."
    m = re.search(r"\d+", w)
    return w[:m.start()] + str(int(m.group()) + 1) + w[m.end():] if m else w + "+1"


def rewrite(w: str, i: int) -> str:
    "An equivalent response written differently: integers as arithmetic, other answers restyled."
    if re.fullmatch(r"-?\d+(\.0+)?", w.strip()):
        n = int(float(w))
        return f"So we get $\\boxed{{{n - 1} + 1}}$." if i % 2 else f"The answer is $\\frac{{{2 * n}}}{{2}}$."
    return "The final answer is $" + w.replace("\\frac", "\\dfrac").replace(",", ", ") + "$."


HOSTILE = [  # (response, gold)
    ("\\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}", "1"),
    ("x " * 500_000 + "\\boxed{5}", "5"),
    ("\\boxed{" * 3000 + "7" + "}" * 3000, "7"),
    ("\\boxed{5", "5"), ("\\boxed{\u22125}", "-5"), ("\\boxed{\\infty}", "\\infty"),
    ("\\boxed{10^{10^{10^{10}}}}", "1"), ("\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "2"), ("\\boxed{1000000!}", "1"),
    ("\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}}", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}"),
    ("", "1"), (None, "1"), ("\\boxed{1}", None), ("\\boxed{\\frac{1}{0}}", "1"), ("\\boxed{" + "9" * 5000 + "}", "1"),
    ("\\boxed{" + "(" * 2000 + "1" + ")" * 2000 + "}", "1"), ("\\boxed{1}" * 10_000, "1"),
]


def pct(xs, q): return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true", help="every gold answer instead of up to --per-set per set")
    ap.add_argument("--per-set", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    if not EVAL.is_dir(): sys.exit(f"{EVAL} not found: the benchmark needs ../shared/data/eval")
    rows = gold_rows(EVAL)
    if not args.all:
        by = defaultdict(list)
        for r in rows: by[r[0]].append(r)
        rows = [r for rs in by.values() for r in rs[::max(1, len(rs) // args.per_set)][:args.per_set]]
    pairs = []  # (kind, set, response, gold, source)
    for i, (s, g, w, src) in enumerate(rows):
        pairs += [("correct", s, f"\\boxed{{{w}}}", g, src), ("rewritten", s, rewrite(w, i), g, src), ("wrong", s, f"\\boxed{{{perturb(w)}}}", g, src)]
    pairs += [("hostile", "hostile", r, g, None) for r, g in HOSTILE]
    print(f"{len(pairs)} pairs from {len(rows)} golds ({dict(Counter(r[0] for r in rows))}) + {len(HOSTILE)} hostile; "
          f"workers={args.workers or default_workers()}, timeout={args.timeout}s, cpus={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")

    get_pool(args.workers).run([("1", "1")], 10)  # start the workers outside the timed region
    clear_cache()
    results, crashes = [None] * len(pairs), 0
    t0 = time.perf_counter()
    for src in {p[4] for p in pairs}:  # check_many takes one source per call
        idx = [i for i, p in enumerate(pairs) if p[4] == src]
        try:
            for i, r in zip(idx, check_many([pairs[i][2] for i in idx], [pairs[i][3] for i in idx], workers=args.workers, timeout=args.timeout, source=src)): results[i] = r
        except Exception as e: crashes += 1; print("CRASH", type(e).__name__, e)
    ours = time.perf_counter() - t0
    secs = [r.seconds for r in results]
    slow = max(range(len(pairs)), key=lambda i: secs[i])

    from math_verify import parse, verify
    import logging; logging.getLogger("math_verify").setLevel(logging.ERROR)
    base_secs, base_crashes = [], 0
    t0 = time.perf_counter()
    for kind, s, resp, g, src in pairs:
        t1 = time.perf_counter()
        try:
            gold = normalize_gold(g, src)
            verify(parse(f"${gold}$"), parse(resp or "")) if gold else False
        except BaseException as e:  # math-verify's TimeoutException is a BaseException
            base_crashes += 1
            if isinstance(e, KeyboardInterrupt): raise
        base_secs.append(time.perf_counter() - t1)
    base = time.perf_counter() - t0

    print(f"\ncheck_many : {len(pairs) / ours:8.1f} pairs/s  total {ours:7.1f}s  p50 {1e3 * pct(secs, .5):7.2f} ms  p99 {1e3 * pct(secs, .99):8.1f} ms  "
          f"slowest {secs[slow]:.2f}s ({pairs[slow][0]} {pairs[slow][1]}: {str(pairs[slow][2])[:50]!r}, {results[slow].reason})  crashes {crashes}")
    print(f"sequential : {len(pairs) / base:8.1f} pairs/s  total {base:7.1f}s  p50 {1e3 * pct(base_secs, .5):7.2f} ms  p99 {1e3 * pct(base_secs, .99):8.1f} ms  "
          f"slowest {max(base_secs):.2f}s  exceptions {base_crashes}")
    pool = get_pool(args.workers)
    print(f"speedup    : {base / ours:.1f}x; items over timeout+1s: {sum(s > args.timeout + 1 for s in secs)}; servers killed at the hard limit: {pool.killed}, "
          f"ended after a soft timeout: {pool.recycled}; new keeper processes: {pool.respawned}; load average now {os.getloadavg()[0]:.1f}")
    print("reasons    :", dict(Counter(r.reason for r in results)))
    print("\nper set: boxed gold judged right / perturbed gold judged wrong / rewritten judged right")
    for s in sorted({p[1] for p in pairs} - {"hostile"}):
        rate = lambda kind, want: statistics.mean(r.correct == want for p, r in zip(pairs, results) if p[1] == s and p[0] == kind)
        print(f"  {s:14s} {rate('correct', True):6.1%} / {rate('wrong', False):6.1%} / {rate('rewritten', True):6.1%}   (n={sum(p[1] == s and p[0] == 'correct' for p in pairs)})")


if __name__ == "__main__":
    main()
