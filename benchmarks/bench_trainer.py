"""Per-step time and peak memory: ScRPO against TRL's GRPO on the same config, trial and correction steps apart.

Each variant runs in its own process (peak RSS is per process), on the same data, seed and generation settings:
  grpo       TRL's GRPOTrainer
  scrpo-off  ScRPOTrainer with correction_every=0 (pool bookkeeping only)
  scrpo      ScRPOTrainer with corrections every 2nd step
The pool admits `any_wrong` here so it fills even when the model is never right (the tiny random model).
Usage: python benchmarks/bench_trainer.py [--models tiny,smollm2] [--steps 6] [--threads 2] [--max-new 96] [--bf16]
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

def run_variant(model_name, variant, steps, out, threads=2, max_new=96, bf16=False):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from trl import GRPOConfig, GRPOTrainer
    from scrpo.data import procedural_problems, to_prompts
    from scrpo.models import load_model, tiny_model
    from scrpo.trainer import ScRPOConfig, ScRPOTrainer
    from scrpo.verify import accuracy_reward, format_reward
    torch.set_num_threads(threads)
    path = tiny_model("llama") if model_name == "tiny" else "smollm2-135m"
    model, tok = load_model(path)
    ds = to_prompts(procedural_problems("chain_sum", 64, seed=0))
    common = dict(output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=True, per_device_train_batch_size=8, num_generations=4,
                  max_completion_length=48 if model_name == "tiny" else max_new, max_steps=steps, logging_steps=1, learning_rate=1e-6,
                  seed=0, save_strategy="no", disable_tqdm=True, beta=0.0, temperature=1.0,
                  bf16=bf16)  # TRL defaults to bf16 autocast, which this AVX2-only CPU runs slowly; `scrpo train` turns it off on CPU
    if variant == "grpo": cls, args = GRPOTrainer, GRPOConfig(**common)
    else:
        cls, args = ScRPOTrainer, ScRPOConfig(**common, correction_every=0 if variant == "scrpo-off" else 2, correction_warmup_steps=1,
                                               correction_batch_size=2, pool_admission="any_wrong", max_reflection_prompt_tokens=512)
    tr = cls(model, [accuracy_reward, format_reward], args=args, train_dataset=ds, processing_class=tok)
    t0 = time.perf_counter(); tr.train(); wall = time.perf_counter() - t0
    logs = [l for l in tr.state.log_history if "step_time" in l]
    res = {"model": model_name, "variant": variant, "wall": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "steps": [{"step_time": l["step_time"], "correction": "correction/accuracy" in l,
                      "pool_admit": l.get("time/pool_admit", 0.0), "corr_bookkeeping": l.get("time/correction_bookkeeping", 0.0)}
                     for l in logs]}
    open(out, "w").write(json.dumps(res))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--models", default="tiny,smollm2"); ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2, help="torch threads per variant")
    ap.add_argument("--max-new", type=int, default=96, help="max_completion_length for smollm2 (the tiny model uses 48)")
    ap.add_argument("--bf16", action="store_true", help="keep TRL's default bf16 autocast (the CLI turns it off on CPU)")
    ap.add_argument("--_child", nargs=3); a = ap.parse_args()
    if a._child: return run_variant(a._child[0], a._child[1], a.steps, a._child[2], a.threads, a.max_new, a.bf16)
    rows = []
    for m in a.models.split(","):
        for v in ("grpo", "scrpo-off", "scrpo"):
            out = tempfile.mktemp(suffix=".json")
            subprocess.run([sys.executable, __file__, "--steps", str(a.steps), "--threads", str(a.threads), "--max-new", str(a.max_new),
                            *(["--bf16"] if a.bf16 else []),
                            "--_child", m, v, out], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rows.append(json.loads(open(out).read()))
    print(f"steps {a.steps}, torch threads {a.threads}, smollm2 max_completion_length {a.max_new}, bf16 autocast {a.bf16}, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'model':8} {'variant':10} {'trial step s':>13} {'corr step s':>12} {'admit ms':>9} {'admit/trial':>12} {'corr bookkeeping ms':>20} {'peak RSS MB':>12}")
    base = {}
    for r in rows:
        trial = [s["step_time"] for s in r["steps"][1:] if not s["correction"]]  # first step excluded (warm-up)
        corr = [s["step_time"] for s in r["steps"] if s["correction"]]
        admit = [s["pool_admit"] for s in r["steps"] if not s["correction"]]
        cb = [s["corr_bookkeeping"] for s in r["steps"] if s["correction"]]
        t = statistics.median(trial) if trial else float("nan")
        if r["variant"] == "grpo": base[r["model"]] = t
        frac = (statistics.median(admit) / t) if admit and r["variant"] != "grpo" else float("nan")
        print(f"{r['model']:8} {r['variant']:10} {t:13.3f} {statistics.median(corr) if corr else float('nan'):12.3f} "
              f"{1000 * statistics.median(admit) if admit else 0:9.2f} {frac:12.2%} {1000 * statistics.median(cb) if cb else float('nan'):20.1f} {r['peak_rss_mb']:12.0f}")
    for m, t in base.items():
        off = [r for r in rows if r["model"] == m and r["variant"] == "scrpo-off"][0]
        t_off = statistics.median([s["step_time"] for s in off["steps"][1:]])
        print(f"{m}: ScRPO (corrections off) trial step / GRPO trial step = {t_off / t:.3f}")

if __name__ == "__main__": main()
