"""Throughput of the code verifier (`scrpo.verify_code`, one sandboxed subprocess per distinct answer) beside the
maths verifier (`scrpo.verify.check_many`), measured in one run on the same workers setting; the code verifier
twice: forking from warm sandbox parents (the default) and starting a fresh interpreter per answer.

Code: `code:debug` problems (held-out split), each answered once with its fixed function (right) and once with
its buggy one (wrong), all distinct, cache cleared. Maths: golds of ../shared/data/eval (as in bench_verify.py),
each with a correct, a rewritten-equivalent and a perturbed answer, cache cleared. Then a few hostile code
answers, each of which runs to a limit, timed on their own.

    python benchmarks/bench_verify_code.py                 # 100 code problems, 40 golds per maths set
    python benchmarks/bench_verify_code.py --code 300 --per-set 100
"""
import argparse, os, statistics, sys, time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from scrpo import sandbox, verify_code
from scrpo.code_task import code_problems
from scrpo.verify import check_many, clear_cache
from scrpo.verify_pool import default_workers, get_pool


def pct(xs, q): return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


def code_pairs(n, difficulty):
    rows = code_problems("test", n, difficulty, seed=0)
    fence = lambda s: f"Here is the fix.\n```python\n{s}\n```"
    return [fence(r["meta"]["fixed"]) for r in rows] + [fence(r["meta"]["buggy"]) for r in rows], [r["answer"] for r in rows] * 2


def math_pairs(per_set):
    import bench_verify as bv
    from collections import defaultdict
    by = defaultdict(list)
    for r in bv.gold_rows(bv.EVAL): by[r[0]].append(r)
    rows = [r for rs in by.values() for r in rs[::max(1, len(rs) // per_set)][:per_set]]
    out = []
    for i, (s, g, w, src) in enumerate(rows):
        out += [(f"\\boxed{{{w}}}", g, src), (bv.rewrite(w, i), g, src), (f"\\boxed{{{bv.perturb(w)}}}", g, src)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--code", type=int, default=100, help="code problems (two answers each)")
    ap.add_argument("--difficulty", default="medium")
    ap.add_argument("--per-set", type=int, default=40, help="golds per maths set")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=5.0)
    args = ap.parse_args()
    w = args.workers or default_workers()
    print(f"workers={w}, timeout={args.timeout}s, cpus={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, sandbox {sandbox.sandbox_layers()}")

    responses, golds = code_pairs(args.code, args.difficulty)
    fresh_s = None
    for warm in (False, True):
        verify_code.WARM = warm
        verify_code._CACHE.clear()
        check_many(responses[:w], golds[:w], workers=w, timeout=args.timeout)  # probe unshare, start the warm parents: outside the timing
        verify_code._CACHE.clear()
        t0 = time.perf_counter()
        rs = check_many(responses, golds, workers=w, timeout=args.timeout)
        code_s = time.perf_counter() - t0
        if not warm: fresh_s, fresh_secs = code_s, [r.seconds for r in rs]
    n = len(responses) // 2
    right = sum(r.correct for r in rs[:n]) / n
    wrong = sum(not r.correct for r in rs[n:]) / n
    secs = [r.seconds for r in rs]

    mp = math_pairs(args.per_set) if (Path(__file__).resolve().parents[2] / "shared" / "data" / "eval").is_dir() else []
    math_s = None
    if mp:
        get_pool(w).run([("1", "1")], 10)  # start the maths workers outside the timing
        clear_cache()
        t0 = time.perf_counter()
        for src in {p[2] for p in mp}:
            idx = [i for i, p in enumerate(mp) if p[2] == src]
            check_many([mp[i][0] for i in idx], [mp[i][1] for i in idx], workers=w, timeout=args.timeout, source=src)
        math_s = time.perf_counter() - t0

    print(f"\ncode, fresh interpreter per answer: {len(rs) / fresh_s:7.1f} verdicts/s  (p50 {1e3 * pct(fresh_secs, .5):.0f} ms, p99 {1e3 * pct(fresh_secs, .99):.0f} ms)")
    print(f"code  : {len(rs) / code_s:7.1f} verdicts/s  ({len(rs)} distinct answers in {code_s:.1f}s; per answer p50 {1e3 * pct(secs, .5):.0f} ms, "
          f"p99 {1e3 * pct(secs, .99):.0f} ms; fixed judged right {right:.1%}, buggy judged wrong {wrong:.1%}; reasons {dict(Counter(r.reason for r in rs))})")
    if math_s:
        print(f"maths : {len(mp) / math_s:7.1f} pairs/s     ({len(mp)} pairs in {math_s:.1f}s)")
        print(f"ratio : code / maths = {(len(rs) / code_s) / (len(mp) / math_s):.2f}")
    else: print("maths : skipped (../shared/data/eval not found)")

    hostile = {"infinite loop": "while True: pass", "fork bomb": "import os\n    while True: os.fork()",
               "print flood": "while True: print('x' * 1000)", "read /etc/passwd": "return open('/etc/passwd').read()",
               "deep recursion": "return add(a, b)", "memory hog": "x = bytearray(4 * 1024**3)"}
    spec = verify_code.code_spec("add", [([1, 2], 3)])
    print(f"\nhostile answers (timeout {args.timeout}s each, run one at a time):")
    for name, body in hostile.items():
        t0 = time.perf_counter()
        r = check_many([f"```python\ndef add(a, b):\n    {body}\n```"], [spec], workers=1, timeout=args.timeout)[0]
        print(f"  {name:16s} {time.perf_counter() - t0:5.2f}s  {r.reason:9s} {r.detail}")
    print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
