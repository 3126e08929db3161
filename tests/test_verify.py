"Integration tests of scrpo.verify: the case table, hostile input under time bounds, the worker pool (kill, crash, threads, fork), TRL rewards, and every gold of the shared eval sets."
import json, multiprocessing as mp, os, re, signal, subprocess, sys, threading, time
from collections import defaultdict
from pathlib import Path

from scrpo import verify as V
from scrpo.core import boxed_contents
from scrpo.verify import accuracy_reward, check, check_many, format_reward, normalize_gold
from scrpo.verify_pool import VerifierPool, get_pool

ROOT = Path(__file__).resolve().parents[1]


def run_cases(cases, **kw):
    "Results for a list of case dicts, grouped by their `mode`/`think` options."
    out = [None] * len(cases)
    for opts in {(c.get("mode", "strict"), c.get("think", "strict")) for c in cases}:
        idx = [i for i, c in enumerate(cases) if (c.get("mode", "strict"), c.get("think", "strict")) == opts]
        rs = check_many([cases[i]["response"] for i in idx], [cases[i]["gold"] for i in idx], mode=opts[0], think=opts[1], **kw)
        for i, r in zip(idx, rs): out[i] = r
    return out


def test_case_table():
    cases = [json.loads(l) for l in (ROOT / "data" / "verify_cases.jsonl").read_text().splitlines() if l.strip()]
    assert len(cases) >= 150
    t0 = time.perf_counter()
    rs = run_cases(cases, timeout=3.0)
    bad = [(c, r) for c, r in zip(cases, rs) if r.correct != c["correct"] or (c.get("reason") and r.reason != c["reason"])]
    assert not bad, bad[:5]
    assert all(r.reason in V.REASONS and r.seconds <= 3.0 + 1 for r in rs)
    assert time.perf_counter() - t0 < 120


HOSTILE = [  # (name, response, gold, expected correct or None when only "no crash, bounded" is asserted, expected reason)
    ("nested braces", "\\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}", "1", None, None),
    ("1,000,000 characters", "x " * 500_000 + "\\boxed{5}", "5", True, "ok"),
    ("1,000,000 characters, answer at the start", "\\boxed{5}" + "x" * 1_000_000, "5", False, "no_answer"),
    ("nested boxes", "\\boxed{" * 3000 + "7" + "}" * 3000, "7", True, "ok"),
    ("unclosed box", "so \\boxed{5", "5", False, "no_answer"),
    ("unicode minus", "\\boxed{\u22125}", "-5", True, "ok"),
    ("infinity", "\\boxed{\\infty}", "\\infty", True, "ok"),
    ("tower", "\\boxed{10^{10^{10^{10}}}}", "1", False, None),
    ("symbolic tower", "\\boxed{x^{10^{10^{10}}}}", "1", False, None),  # reaches sympy, which would run for hours
    ("power tower of twos", "\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "2", False, None),
    ("huge factorial", "\\boxed{1000000!}", "1", False, None),
    ("matrix", "\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", True, "ok"),
    ("wrong matrix", "\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", False, "mismatch"),
    ("empty response", "", "1", False, "no_answer"),
    ("None response", None, "1", False, "no_answer"),
    ("None gold", "\\boxed{1}", None, False, "unparseable_gold"),
    ("division by zero", "\\boxed{\\frac{1}{0}}", "1", False, None),
    ("5,000 digits", "\\boxed{" + "9" * 5000 + "}", "1", False, "mismatch"),
    ("deep parentheses", "\\boxed{" + "(" * 2000 + "1" + ")" * 2000 + "}", "1", None, None),
    ("10,000 equal boxes", "\\boxed{1}" * 10_000, "1", True, "ok"),
    ("not a string", 12345, "1", False, "no_answer"),
    ("binary junk", "\x00\x01\\boxed{\udcff}", "1", False, None),
]


def test_hostile_inputs_are_bounded():
    timeout = 2.0
    t0 = time.perf_counter()
    rs = check_many([h[1] for h in HOSTILE], [h[2] for h in HOSTILE], timeout=timeout)
    elapsed = time.perf_counter() - t0
    for (name, _, _, correct, reason), r in zip(HOSTILE, rs):
        assert r.seconds <= timeout + 1, (name, r)
        if correct is not None: assert r.correct == correct, (name, r)
        if reason is not None: assert r.reason == reason, (name, r)
    assert elapsed < 90, elapsed  # no hang: a few items time out, and each replaced worker restarts in a few seconds


def test_soft_timer_in_a_main_thread():
    "`_bounded`'s SIGALRM timer stops a Python-level sympy computation on time (run in a fresh interpreter: it breaks latex2sympy afterwards)."
    code = ("import time, signal; from scrpo.verify import _judge_bounded as j; j('1', '1', 60); t = time.perf_counter(); "
            "r = j('10^{10^{10^{10}}}', '1', 0.5); print(r, time.perf_counter() - t, signal.getsignal(signal.SIGALRM) is signal.SIG_DFL)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.split()
    assert out[:2] == ["(False,", "'timeout')"] and float(out[2]) < 0.5 + 1 and out[3] == "True", out


def test_workers_zero_and_one():
    for n in (0, 1):
        assert [x.reason for x in check_many(["\\boxed{\\sqrt{8}}", "\\boxed{3}"], ["2\\sqrt{2}", "4"], workers=n)] == ["ok", "mismatch"]
    assert len(get_pool().workers) == 1


def test_from_other_threads():
    "check_many from several threads at once (as in a Trainer's reward thread or nbdev-test)."
    out = {}
    def work(k):
        out[k] = [r.correct for r in check_many([f"\\boxed{{{k}/2}}", "\\boxed{0}"], [f"\\frac{{{k}}}{{2}}", "1"])]
    ts = [threading.Thread(target=work, args=(k,)) for k in range(3, 7)]
    for t in ts: t.start()
    for t in ts: t.join(60)
    assert out == {k: [True, False] for k in range(3, 7)}


def test_stuck_worker_is_killed_and_replaced():
    pool = VerifierPool(2)
    try:
        pool.run([("1", "1")], timeout=5)
        for _ in range(100):  # run() returns once its job is done; the other server may still be starting
            if all(w.ready for w in pool.workers): break
            time.sleep(0.1); pool.run([("1", "1")], timeout=5)
        keepers, servers = [w.proc.pid for w in pool.workers], {w.server for w in pool.workers}
        assert len(servers) == 2 and 0 not in servers and not set(keepers) & servers
        # grace < 0 puts the hard deadline (1 s) before the soft timer (3 s): the tower's server must be killed
        res = pool.run([("10^{10^{10^{10}}}", "1"), ("2", "2"), ("x+x", "2x")], timeout=3.0, grace=-2.0)
        assert res[0][:2] == (False, "timeout") and res[0][2] < 3.0 and pool.killed == 1
        assert [r[:2] for r in res[1:]] == [(True, "ok"), (True, "ok")]
        assert pool.run([("3", "3")], timeout=5)[0][:2] == (True, "ok")  # the replacement works
        assert [w.proc.pid for w in pool.workers] == keepers and {w.server for w in pool.workers} != servers
        assert pool.respawned == 0  # a fresh server was forked by its keeper, no interpreter was started
    finally: pool.close()


def test_crashed_worker_gives_error_and_is_replaced():
    "A server killed mid-item (OOM killer) gives `error` and its keeper forks another; a killed keeper is replaced."
    pool = VerifierPool(1)
    try:
        pool.run([("1", "1")], timeout=5)
        victim = pool.workers[0].server
        threading.Timer(0.5, lambda: os.kill(victim, signal.SIGKILL)).start()
        res = pool.run([("10^{10^{10^{10}}}", "1")], timeout=5)
        assert res[0][:2] == (False, "error") and res[0][2] < 5
        assert pool.run([("x^2", "x \\cdot x")], timeout=5)[0][:2] == (True, "ok") and pool.workers[0].server != victim
        keeper = pool.workers[0].proc.pid
        threading.Timer(0.5, lambda: os.kill(keeper, signal.SIGKILL)).start()
        assert pool.run([("10^{10^{10^{10}}}", "1")], timeout=5)[0][:2] == (False, "error")
        assert pool.run([("x+x", "2x")], timeout=5)[0][:2] == (True, "ok") and pool.respawned == 1
        procs, servers = [w.proc for w in pool.workers], [w.server for w in pool.workers]
    finally: pool.close()
    assert all(p.poll() is not None for p in procs)  # close() leaves no keeper behind
    time.sleep(0.5)
    for pid in servers:  # nor a server
        try: os.kill(pid, 0); alive = open(f"/proc/{pid}/stat").read().split()[2] != "Z"
        except (ProcessLookupError, FileNotFoundError): alive = False
        assert not alive, pid


def _child(q):
    q.put([r.reason for r in check_many(["\\boxed{\\sqrt{4}}", "\\boxed{3}"], ["2", "4"])])


def test_fork_safe():
    "A forked child (torch/accelerate style) builds its own pool; the parent's keeps working."
    check_many(["\\boxed{\\sqrt{9}}"], ["3"])
    parent_pool = get_pool()
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,))
    p.start()
    assert q.get(timeout=120) == ["ok", "mismatch"]
    p.join(30)
    assert get_pool() is parent_pool and check_many(["\\boxed{\\sqrt{16}}"], ["4"])[0].correct


def test_cache_saves_repeat_work():
    V.clear_cache()
    resp, gold = ["\\boxed{\\sqrt{2}/2}"] * 8, ["\\frac{1}{\\sqrt{2}}"] * 8
    assert all(r.correct for r in check_many(resp, gold))  # 8 equal items: one job
    hits = V.cache_stats["hits"]
    assert all(r.correct for r in check_many(resp, gold)) and V.cache_stats["hits"] == hits + 8


def test_trl_reward_signature_and_chat_messages():
    "Called the way GRPOTrainer calls reward functions, from a non-main thread."
    kw = dict(prompts=[[{"role": "user", "content": "q"}]] * 4, completion_ids=[[1]] * 4, trainer_state=None,
              log_extra=lambda *a, **k: None, log_metric=lambda *a, **k: None, source=["gsm8k", None, None, None])
    completions = [[{"role": "assistant", "content": "... so \\boxed{1000}"}], [{"role": "assistant", "content": "The answer is 3"}],
                   [{"role": "assistant", "content": [{"type": "text", "text": "\\boxed{4}"}]}], "plain text \\boxed{2}"]
    out = {}
    t = threading.Thread(target=lambda: out.update(acc=accuracy_reward(completions=completions, answer=["#### 1,000", "4", 4, ""], **kw),
                                                   fmt=format_reward(completions=completions, answer=["x"] * 4, **kw)))
    t.start(); t.join(60)
    assert out["acc"] == [1.0, 0.0, 1.0, None]
    assert out["fmt"] == [1.0, 0.5, 1.0, 1.0]
    assert accuracy_reward.__name__ == "accuracy_reward" and format_reward.__name__ == "format_reward"
    assert V.make_format_reward(stated=0.2, name="fmt2")(["answer: 3"]) == [0.2]


# ---- every gold answer of the shared eval sets ----

def gold_rows(root):
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


def perturb(w):
    m = re.search(r"\d+", w)
    return w[:m.start()] + str(int(m.group()) + 1) + w[m.end():] if m else w + "+1"


def test_every_eval_gold(shared_data, capsys):
    """`\\boxed{<gold as written>}` is right and a perturbed gold is wrong, for each of the seven sets.
    Every gold of the sets decided by the fast paths (AIME, AMC, GSM8K) and an even sample of 40 of each LaTeX
    set (MATH-500, Minerva, OlympiadBench); `python benchmarks/bench_verify.py --all` runs every gold."""
    by = defaultdict(list)
    for r in gold_rows(shared_data / "eval"): by[r[0]].append(r)
    assert set(by) == {"aime24", "aime25", "amc23", "gsm8k", "math500", "minerva_math", "olympiadbench"}
    report = {}
    for s, rows in sorted(by.items()):
        if len(rows) > 200 and s != "gsm8k": rows = rows[::len(rows) // 40][:40]
        golds, src = [g for _, g, _, _ in rows], rows[0][3]
        right = check_many([f"\\boxed{{{w}}}" for _, _, w, _ in rows], golds, source=src)
        wrong = check_many([f"\\boxed{{{perturb(w)}}}" for _, _, w, _ in rows], golds, source=src)
        report[s] = (sum(r.correct for r in right) / len(rows), sum(not r.correct for r in wrong) / len(rows), len(rows))
        assert all(r.correct for r in right), [(w, r) for (_, _, w, _), r in zip(rows, right) if not r.correct][:3]
        assert report[s][1] >= 0.98, [(perturb(w), r) for (_, _, w, _), r in zip(rows, wrong) if r.correct][:3]
    with capsys.disabled():
        print("\nboxed gold right / perturbed gold wrong (n):", {s: f"{a:.1%} / {b:.1%} ({n})" for s, (a, b, n) in report.items()})


def _depth(s):
    d = m = 0
    for ch in s:
        if ch in "({[": d += 1; m = max(m, d)
        elif ch in ")}]": d = max(0, d - 1)
    return m


def test_nesting_guard_spares_every_eval_gold(shared_data):
    "The nesting guard (`MAX_NESTING`) never touches a real answer: the deepest gold of the seven sets nests 4 levels."
    deepest = max(max(_depth(w), _depth(V.normalize_gold(g, src) or "")) for _, g, w, src in gold_rows(shared_data / "eval"))
    assert 1 <= deepest <= 6 < V.MAX_NESTING


def test_nesting_guard_and_huge_values_are_fast():
    deep = "\\boxed{" + "(" * (V.MAX_NESTING + 1) + "1" + ")" * (V.MAX_NESTING + 1) + "}"
    ok = "(" * V.MAX_NESTING + "1" + ")" * V.MAX_NESTING  # an extracted answer at the limit
    assert V._too_deep("(" * (V.MAX_NESTING + 1)) and not V._too_deep("()" * 1000) and not V._too_deep(ok)
    r = check(deep, "1")
    assert (r.correct, r.reason) == (False, "error") and r.seconds < 0.5
    # towers and factorials beyond floats are settled by magnitude, in the calling process
    assert [V._fast_verdict(p, g) for p, g in [("10^{10^{10^{10}}}", "1"), ("2^{2^{2^{2^{2^{2}}}}}", "2"), ("1000000!", "1"),
                                                 ("5!", "120"), ("\\frac{10!}{2}", "1814400"), ("3!", "7"), ("10^{400}", "\\pi")]] == \
        [False, False, False, True, True, False, False]
    assert V._fast_verdict("10^{10^{10}}", "10^{10^{10}}+1") is None  # both beyond floats: math-verify decides


def test_normalize_gold_for_each_set_format():
    assert [normalize_gold(g) for g in ["025", "000", 27.0, 3159.0, 0.5]] == ["25", "0", "27", "3159", "0.5"]
    assert normalize_gold("text <<2*3=6>>6\n#### 1,000", "gsm8k") == "1000"
    assert normalize_gold(["$\\frac{32}{9}$,$\\frac{1}{2}$"], "olympiadbench") == "\\frac{32}{9},\\frac{1}{2}"
    assert normalize_gold("no box here", "minerva") is None
    assert normalize_gold("\\[ x = \\boxed{4.5e-3} \\]", "minerva") == "4.5\\times10^{-3}"
    assert normalize_gold("\\text{(C)}") == "\\text{(C)}"
