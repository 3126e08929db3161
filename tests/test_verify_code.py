"The code verifier: verdicts, hostile answers under hard limits (nothing escapes the temp folder), the registry path through check_many, accuracy_reward, the error pool and scrpo.eval."
import glob, json, os, time
from pathlib import Path
import pytest

from scrpo.verify import accuracy_reward, check_many, verifier_for
from scrpo.sandbox import CodeLimits, run_tests, sandbox_layers
from scrpo.verify_code import code_spec, extract_code

SPEC = code_spec("add", [([1, 2], 3), ([-1, 1], 0), ([10, 5], 15)])
TESTS = json.loads(SPEC)["tests"]
LIM = CodeLimits(wall=3.0, cpu=2, memory_mb=256, file_kb=64, output_kb=64)
HANG_SLACK = 8.0  # seconds past the wall that still count as "stopped at the limit" on a loaded 2-core machine
SENTINEL = Path("/tmp/scrpo-test-sentinel")
SECRET = open("/etc/passwd").read().split(":")[0] if os.path.exists("/etc/passwd") else "root"


def fn(body):
    "An `add(a, b)` whose body is `body` (indented for you)."
    return "def add(a, b):\n" + "".join(f"    {l}\n" for l in body.splitlines())


@pytest.fixture(autouse=True)
def no_leftovers():
    "Every test: the sentinel is never created and no sandbox temp folder is left behind."
    SENTINEL.unlink(missing_ok=True)
    before = set(glob.glob("/tmp/scrpo-code-*"))
    yield
    assert not SENTINEL.exists(), "something escaped the temp folder"
    assert set(glob.glob("/tmp/scrpo-code-*")) <= before, "a sandbox temp folder was left behind"


def test_right_wrong_error():
    assert run_tests(fn("return a + b"), "add", TESTS, LIM).verdict == "right"
    v = run_tests(fn("return a + b if a > 0 else 1"), "add", TESTS, LIM)
    assert v.verdict == "wrong" and "test 2 of 3: add(-1, 1) returned 1, expected 0" == v.reason and v.passed == 1
    assert run_tests(fn("return [a, b][2]"), "add", TESTS, LIM).reason.endswith("raised IndexError: list index out of range")
    assert run_tests(fn("return str(a + b)"), "add", TESTS, LIM).verdict == "wrong"  # "3" is not 3
    assert run_tests(fn("return (a + b) == 3"), "add", TESTS, LIM).verdict == "wrong"  # True is not 1 and not 3
    assert run_tests(fn("return float(a + b)"), "add", TESTS, LIM).verdict == "right"  # 3.0 == 3
    assert run_tests("import math\n" + fn("return math.floor(a) + b"), "add", TESTS, LIM).verdict == "right"  # stdlib imports work
    assert run_tests(fn("open('scratch.txt', 'w').write('x')\nreturn a + len(open('scratch.txt').read()) + b - 1"), "add", TESTS, LIM).verdict == "right"  # its own folder


def test_mutating_arguments_does_not_leak_between_tests():
    spec = json.loads(code_spec("f", [([[1]], 1), ([[1]], 1)]))
    assert run_tests("def f(xs):\n    xs.append(0)\n    return len(xs) - 1", "f", spec["tests"], LIM).verdict == "right"  # each test gets fresh arguments


HOSTILE = {  # name -> (code, verdict, words the reason must hold)
    "syntax error": ("def add(a, b)\n    return a + b", "error", "SyntaxError"),
    "no function": ("x = 1", "error", "defines no function 'add'"),
    "infinite loop": (fn("while True: pass"), "error", ""),
    "sleep past the wall": ("import time\n" + fn("time.sleep(60)"), "error", "timeout"),
    "fork bomb": ("import os\n" + fn("while True:\n    os.fork()"), "error", "os.fork"),
    "fork bomb via subprocess": ("import subprocess\n" + fn("subprocess.Popen(['sh', '-c', ':(){ :|:& };:'])"), "error", "import of subprocess"),
    "fork bomb via multiprocessing": ("import multiprocessing\n" + fn("return a + b"), "error", "import of multiprocessing"),
    "os.system": ("import os\n" + fn(f"os.system('touch {SENTINEL}')\nreturn a + b"), "error", "os.system"),
    "posix_spawn": ("import os\n" + fn(f"os.posix_spawn('/bin/touch', ['touch', '{SENTINEL}'], {{}})"), "error", "os.posix_spawn"),
    "write outside": (fn(f"open('{SENTINEL}', 'w').write('x')\nreturn a + b"), "error", "for writing"),
    "write outside via ..": (fn("open('../../../../tmp/scrpo-test-sentinel', 'w').write('x')"), "error", "for writing /tmp/scrpo-test-sentinel"),
    "os.open for writing": ("import os\n" + fn(f"os.open('{SENTINEL}', os.O_CREAT | os.O_WRONLY)"), "error", "for writing"),
    "read /etc/passwd": (fn("return open('/etc/passwd').read()"), "error", "open /etc/passwd"),
    "read /etc/passwd via pathlib": ("import pathlib\n" + fn("return pathlib.Path('/etc/passwd').read_text()"), "error", ""),  # stopped at the import where pathlib is not preloaded
    "read /proc": (fn("return open('/proc/self/environ').read()"), "error", "open /proc/self/environ"),
    "list /": ("import os\n" + fn("return os.listdir('/')"), "error", "os.listdir /"),
    "delete outside": ("import os\n" + fn("os.remove('/etc/hostname')"), "error", "os.remove"),
    "socket": ("import socket\n" + fn("socket.create_connection(('1.1.1.1', 80))"), "error", "import of socket"),
    "ctypes": ("import ctypes\n" + fn("return a + b"), "error", "import of ctypes"),
    "kill the parent": ("import os\n" + fn("os.kill(os.getppid(), 9)"), "error", "os.kill"),
    "raise own limits": ("import resource\n" + fn("resource.setrlimit(resource.RLIMIT_CPU, (100, 100))"), "error", "resource.setrlimit"),
    "disarm the hook": ("import sys\n" + fn("[h for h in ()]\nadd.__code__ = (lambda a, b: a + b).__code__"), "error", "__code__"),
    "huge print": (fn("print('x' * 10**7)\nreturn a + b"), "error", "more than 64 KiB"),
    "print flood": (fn("while True: print('x' * 1000)"), "error", "more than 64 KiB"),
    "huge return value": (fn("return 'x' * 10**7"), "error", "more than 64 KiB"),
    "deep recursion": (fn("return add(a, b)"), "wrong", "RecursionError"),
    "deep recursion, limit raised": ("import sys\nsys.setrecursionlimit(10**8)\n" + fn("return add(a + 1, b)"), "error wrong", ""),  # the wall, or MemoryError first
    "memory hog": (fn("x = bytearray(2 * 1024**3)\nreturn a + b"), "wrong", "MemoryError"),
    "exit early": ("import os\n" + fn("os._exit(0)"), "error", "exited with status 0"),
    "sys.exit": ("import sys\n" + fn("sys.exit(0)"), "wrong", "SystemExit"),
    "forged results": ("import os\nos.write(3, b'{\"done\": true}\\n')\n" + fn("return 0"), "error", ""),
}


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "fresh"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answers_get_a_verdict_within_the_limit(name, warm):
    code, verdict, words = HOSTILE[name]
    t0 = time.monotonic()
    v = run_tests(code, "add", TESTS, LIM, warm=warm)
    took = time.monotonic() - t0
    # The wall limit is the sandbox's own deadline; this checks that nothing outlives it by far (a hang would run 60 s or
    # forever), not how fast a loaded machine kills and reaps: CI measured 5.0 s for a 3 s wall under load.
    assert took < LIM.wall + HANG_SLACK, f"{name}: {took:.1f}s"
    assert v.verdict in verdict.split(), (name, v)
    assert words in v.reason, (name, v.reason)
    assert SECRET + ":x:" not in v.reason + v.output
    assert v.verdict != "right"


def test_operating_system_layers():
    "Under the audit hook, the process itself is limited: its rlimits, its user, and (where allowed) no network."
    code = "import resource, os\n" + fn("R = resource\nreturn [R.getrlimit(R.RLIMIT_CPU)[0], R.getrlimit(R.RLIMIT_AS)[0] >> 20, os.getuid() != 0 or R.getrlimit(R.RLIMIT_NPROC)[0] == 0, os.getcwd().startswith('/tmp/scrpo-code-')]")
    got = run_tests(code, "add", [{"args": [1, 2], "expected": [2, 256, True, True]}], LIM)
    assert got.verdict == "right", got
    layers = sandbox_layers()
    if layers["runs_as"] == "nobody":
        who = run_tests("import os\n" + fn("return [os.getuid(), os.geteuid()]"), "add", [{"args": [1, 2], "expected": [65534, 65534]}], LIM)
        assert who.verdict == "right", who


def test_cpu_limit_stops_a_busy_loop_before_the_wall():
    v = run_tests(fn("while True: pass"), "add", TESTS, CodeLimits(wall=8.0, cpu=1))
    assert v.verdict == "error" and v.seconds < 7.5 and not v.timed_out, v


def test_extract_code():
    assert extract_code("```python\ndef add(a, b):\n    return a + b\n```", "add") == "def add(a, b):\n    return a + b\n"
    assert extract_code("<think>maybe</think>\n```py\ndef add(a,b): return 0\n```", "add") == "def add(a,b): return 0\n"
    assert extract_code("Here is how: add the numbers.", "add") is None
    assert extract_code("```python\ndef add(a, b):\n    return a + b", "add") == "def add(a, b):\n    return a + b"  # unclosed fence at the end


def test_check_many_mixes_kinds_and_caches(monkeypatch):
    assert verifier_for("code") is not None
    right, wrong = "```python\n" + fn("return a + b") + "```", "```python\n" + fn("return a - b") + "```"
    rs = check_many([right, wrong, right, "none", r"\boxed{2}", right], [SPEC, SPEC, SPEC, SPEC, "2", '{"kind": "code"}'], timeout=3)
    assert [(r.correct, r.reason) for r in rs] == [(True, "ok"), (False, "mismatch"), (True, "ok"), (False, "no_answer"), (True, "ok"), (False, "unparseable_gold")]
    assert rs[1].detail.startswith("test 1 of 3: add(1, 2) returned -1")
    import scrpo.verify_code as vc
    with monkeypatch.context() as m:  # cached: a second look runs nothing
        m.setattr(vc, "run_tests", lambda *a, **k: pytest.fail("a cached verdict ran the sandbox again"))
        again = check_many([right] * 8, [SPEC] * 8, timeout=3)
    assert all(r.correct for r in again)
    t = check_many(["```python\n" + fn("while True: pass") + "```"], [SPEC], timeout=1.0)[0]
    assert (t.correct, t.reason) == (False, "timeout") or t.reason == "error"


def test_accuracy_reward_with_code_golds():
    right, wrong = "```python\n" + fn("return b + a") + "```", "```python\n" + fn("return a * b") + "```"
    completions = [[{"role": "assistant", "content": c}] for c in (right, wrong, "no code")]
    got = accuracy_reward(prompts=["p"] * 4, completions=completions + [[{"role": "assistant", "content": r"\boxed{7}"}]],
                          answer=[SPEC, SPEC, SPEC, "7"], source=["code:debug"] * 3 + ["gsm8k"], completion_ids=None)
    assert got == [1.0, 0.0, 0.0, 1.0]


def test_error_pool_admits_wrong_code_answers():
    from scrpo.pool import ErrorPool, ScoredGroup
    right, wrong = "```python\n" + fn("return a + b") + "```", "```python\n" + fn("return a - b") + "```"
    responses = [right, wrong, wrong, right]
    rewards = accuracy_reward(completions=responses, answer=[SPEC] * 4)
    pool = ErrorPool()
    res = pool.admit(ScoredGroup(problem="Fix add.", answer=SPEC, responses=responses, rewards=rewards, problem_id="add"))
    assert len(res.admitted) == 1 and len(pool) == 1  # the two identical wrong answers are one record
    rec = pool.sample(1)[0]
    assert rec.answer == SPEC and "a - b" in rec.response
    assert check_many([right], [rec.answer])[0].correct  # a correction is judged against the pooled gold


def test_evaluate_with_code_problems(tmp_path):
    "scrpo.eval.evaluate end to end on code problems; generation is a stub that returns fixed texts, the verifier is real."
    from types import SimpleNamespace
    from scrpo.code_task import code_problems
    from scrpo.eval import Generation, evaluate
    rows = code_problems("test", 3, "easy", seed=1)
    fixed = {r["problem"]: "Fixed:\n```python\n" + r["meta"]["fixed"] + "\n```" for r in rows}
    buggy = {r["problem"]: "```python\n" + r["meta"]["buggy"] + "\n```" for r in rows}
    def stub(model, tok, prompts, seed=0, **kw):
        return [Generation(next(fixed[p] if seed % 2 == 0 else buggy[p] for p in fixed if p in prompt), 10, False) for prompt in prompts]
    def one_by_one(model, tok, prompts, seed=0, **kw):
        return [Generation(next(fixed[p] for p in fixed if p in prompt), 10, False) for prompt in prompts]
    res = evaluate(None, SimpleNamespace(chat_template=None), {"code": rows}, k=2, backend=one_by_one, out=tmp_path, progress=False, batch_size=2)
    m = res["metrics"]["code"]
    assert m["problems"] == 3 and m["pass@1"] == 1.0 and m["maj@2"] == 1.0
    assert (tmp_path / "samples.jsonl").exists()
    bad = evaluate(None, SimpleNamespace(chat_template=None), {"code": rows}, k=1,
                   backend=lambda m, t, ps, seed=0, **kw: [Generation(next(buggy[p] for p in buggy if p in q), 10, False) for q in ps], progress=False)
    assert bad["metrics"]["code"]["pass@1"] == 0.0
    assert {s["reason"] for s in bad["samples"]["code"]} == {"mismatch"}


def test_unshare_failing_later_falls_back_without_namespaces(monkeypatch):
    from scrpo import sandbox as VC
    monkeypatch.setattr(VC, "_namespaces", lambda: ("unshare", "--no-such-option"))
    monkeypatch.setattr(VC, "_NS_FAILED", __import__("threading").Event())
    VC.close_sandboxes()
    v = run_tests(fn("return a + b"), "add", TESTS, LIM)  # the warm parent cannot start; the fresh one retries without namespaces
    assert v.verdict == "right" and VC._NS_FAILED.is_set() and not VC.sandbox_layers()["namespaces"]
    assert run_tests(fn("return a + b"), "add", TESTS, LIM).verdict == "right"  # and now warm parents start without them
    VC.close_sandboxes()


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "fresh"])
def test_the_child_holds_only_its_own_descriptors(warm):
    "A child cannot reach its warm parent's requests or replies (or anything else the parent had open)."
    code = "import os\n" + fn("out = []\nfor d in range(256):\n    try: os.fstat(d); out.append(d)\n    except OSError: pass\nreturn out")
    v = run_tests(code, "add", [{"args": [1, 2], "expected": [0, 1, 2, 3]}], LIM, warm=warm)
    assert v.verdict == "right", v


def test_many_answers_on_several_warm_parents():
    specs = [code_spec("add", [([i, 1], i + 1)]) for i in range(30)]
    answers = ["```python\n" + fn("return a + b" if i % 3 else "return a - b") + "```" for i in range(30)]
    rs = check_many(answers, specs, workers=4, timeout=5)
    assert [r.correct for r in rs] == [bool(i % 3) for i in range(30)]
