"""HF generation against vLLM's CPU build on the same cores, in one run: the organism's RL step (64 samples, without and
with a correction step) and SmolLM2 generation. Prints each figure and the ratios. Every measurement runs in a fresh
process (vLLM's CPU backend pins the threads of the process it runs in, which would change what comes after it). Needs
the twin environment (`make setup-vllm`, then run it with .venv-vllm/bin/python). Usage:

    SCRPO_CACHE=~/.cache/scrpo-twin .venv-vllm/bin/python benchmarks/bench_vllm.py [--steps 4] [--n 16] [--max-new-tokens 64]

(SCRPO_CACHE as `make test-vllm` sets it: transformers 5.17 converts the embedded SmolLM2 differently from the main venv's.)
"""
import argparse, gc, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")  # engines in this process, one after the other
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "2")
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def free(llm):
    "Shut an in-process engine down and release its process group, so the next one can start."
    try: llm.llm_engine.engine_core.shutdown()
    except Exception: pass
    del llm; gc.collect()
    from vllm.distributed.parallel_state import cleanup_dist_env_and_memory
    cleanup_dist_env_and_memory()


def organism_steps(use_vllm: bool, correction_every: int, steps: int) -> list[float]:
    "Seconds of each optimizer step of organism-cpu.yaml's trainer (64 samples a step), generating with HF or vLLM."
    from transformers import TrainerCallback
    from scrpo.config import load_config, make_rewards
    from scrpo.run import heldout_sets, load_run_model, training_set
    from scrpo.trainer import ScRPOTrainer
    cfg = load_config(ROOT / "configs" / "organism-cpu.yaml", [f"train.max_steps={steps}", f"train.use_vllm={str(use_vllm).lower()}",
                                                              f"train.correction_every={correction_every}", "train.correction_warmup_steps=1"])
    import torch
    if cfg.run.torch_threads: torch.set_num_threads(cfg.run.torch_threads)  # as `scrpo train` does (organism-cpu.yaml: 1)
    model, tok = load_run_model(cfg)
    ds, _ = training_set(cfg, heldout_sets(cfg))
    times = []
    class Clock(TrainerCallback):
        def on_step_begin(self, *a, **k): self.t = time.perf_counter()
        def on_step_end(self, *a, **k): times.append(time.perf_counter() - self.t)
    tr = ScRPOTrainer(model, make_rewards(cfg.rewards)[0], args=cfg.train_args(tempfile.mkdtemp()), train_dataset=ds,
                      processing_class=tok, callbacks=[Clock()])
    tr.train()
    if use_vllm: free(tr.vllm_generation.llm)
    n_corr = tr._scrpo_state["correction_steps"]
    return times, n_corr


def smollm2_generation(n: int, max_new_tokens: int, backend: str) -> dict:
    "Generated tokens per second of `backend` (hf or vllm) on SmolLM2 and the first `n` GSM8K prompts, temperature 0.6."
    from scrpo.data import DEFAULT_SYSTEM_PROMPT, load_problems
    from scrpo.eval import hf_generate, problem_messages, render_prompt, vllm_generate
    from scrpo.run import eval_model
    probs = ([r["problem"] for r in load_problems("gsm8k", data_dir=SHARED, limit=n)] if (SHARED / "eval" / "gsm8k.jsonl").exists()
             else [f"What is {i} times {i + 3}, plus 7?" for i in range(n)])
    kw = dict(temperature=0.6, top_p=0.95, max_new_tokens=max_new_tokens)
    gen = hf_generate if backend == "hf" else vllm_generate
    t0 = time.perf_counter()
    model, tok = eval_model("smollm2-135m", backend)
    load = time.perf_counter() - t0
    prompts = [render_prompt(tok, problem_messages(p, DEFAULT_SYSTEM_PROMPT)) for p in probs]
    gen(model, tok, prompts[:1], seed=0, **{**kw, "max_new_tokens": 4})  # warm-up
    t0 = time.perf_counter()
    n_tok = sum(g.n_tokens for g in gen(model, tok, prompts, seed=0, **kw))
    return dict(tokens=n_tok, seconds=time.perf_counter() - t0, load=load)


def one(kind: str, a) -> dict:
    "Run one measurement in a fresh process of this script; its JSON line back."
    args = [sys.executable, __file__, "--one", kind, "--steps", str(a.steps), "--n", str(a.n), "--max-new-tokens", str(a.max_new_tokens)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=4, help="optimizer steps per organism run (the first is not counted)")
    ap.add_argument("--n", type=int, default=16, help="SmolLM2 prompts")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # organism-<hf|vllm>-<0|1> or smollm2-<hf|vllm>: one measurement
    a = ap.parse_args()
    if a.one:
        parts = a.one.split("-")
        if parts[0] == "organism":
            times, n_corr = organism_steps(parts[1] == "vllm", int(parts[2]), a.steps)
            print(json.dumps({"times": times, "corrections": n_corr}))
        else: print(json.dumps(smollm2_generation(a.n, a.max_new_tokens, parts[1])))
        return
    import torch, transformers, trl, vllm
    print(f"torch {torch.__version__} transformers {transformers.__version__} trl {trl.__version__} vllm {vllm.__version__}; "
          f"{os.cpu_count()} cores, torch threads {torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f} (other jobs skew every figure)")
    res = {}
    for corr in (0, 1):
        for use_vllm in (False, True):
            r = one(f"organism-{'vllm' if use_vllm else 'hf'}-{corr}", a)
            res[corr, use_vllm] = statistics.mean(r["times"][1:])
            print(f"organism step, 64 samples, {'HF  ' if not use_vllm else 'vLLM'}, correction_every={corr}: "
                  f"{res[corr, use_vllm]:.2f} s/step (steps {', '.join(f'{t:.2f}' for t in r['times'])}; {r['corrections']} correction steps)")
        print(f"  vLLM speed-up of the step (correction_every={corr}): {res[corr, False] / res[corr, True]:.2f}x")
    g = {b: one(f"smollm2-{b}", a) for b in ("hf", "vllm")}
    for b, r in g.items():
        print(f"smollm2-135m {b:4}: {r['tokens']} tokens in {r['seconds']:.1f} s = {r['tokens'] / r['seconds']:.1f} tokens/s (load {r['load']:.1f} s)")
    print(f"  vLLM speed-up of SmolLM2 generation: {(g['vllm']['tokens'] / g['vllm']['seconds']) / (g['hf']['tokens'] / g['hf']['seconds']):.2f}x")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
