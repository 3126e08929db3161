"""Per-step time and peak memory: ScRPO against TRL's GRPO on the same config, trial and correction steps apart.

Each variant runs in its own process (peak RSS is per process), on the same data, seed and generation settings:
  grpo       TRL's GRPOTrainer
  scrpo-off  ScRPOTrainer with correction_every=0 (pool bookkeeping only)
  scrpo      ScRPOTrainer with corrections every 2nd step
The pool admits `any_wrong` here so it fills even when the model is never right (the tiny random model).
Usage: python benchmarks/bench_trainer.py [--models tiny,smollm2] [--steps 6] [--threads 2] [--max-new 96] [--bf16]
                                          [--device cpu|cuda] [--batch 8] [--gens 4] [--bundle DIR]
On a GPU machine with no Hub and no room for the SmolLM2 GGUF, `--make-bundle DIR` (run here) writes SmolLM2's config
and tokenizer and the training problems to DIR; there, `--models smollm2-random --bundle DIR --device cuda` trains a model
of SmolLM2's shape with random weights (step times depend on the shape, not the weights; rewards are then ~0, which
the `any_wrong` pool admission allows for).
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

def make_bundle(d, n=256):
    "SmolLM2's config + tokenizer and `n` chain_sum problems in folder `d`, for a machine without the GGUF or reasoning_gym."
    from pathlib import Path
    from scrpo.data import procedural_problems
    from scrpo.models import load_model
    d = Path(d); (d / "model").mkdir(parents=True, exist_ok=True)
    model, tok = load_model("smollm2-135m"); model.config.save_pretrained(d / "model"); tok.save_pretrained(d / "model")
    with open(d / "problems.jsonl", "w") as f:
        for p in procedural_problems("chain_sum", n, seed=0): f.write(json.dumps(p) + "\n")

def _random_model(bundle):
    "A model of the bundle's shape with random weights (seed 0), saved and loaded back through `load_model`."
    import torch
    from pathlib import Path
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from scrpo.models import load_model
    torch.manual_seed(0); tmp = tempfile.mkdtemp()
    AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(Path(bundle) / "model")).save_pretrained(tmp)
    AutoTokenizer.from_pretrained(Path(bundle) / "model").save_pretrained(tmp)
    return load_model(tmp)

def run_variant(model_name, variant, steps, out, threads=2, max_new=96, bf16=False, device="cpu", batch=8, gens=4, bundle=None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from trl import GRPOConfig, GRPOTrainer
    from scrpo.data import procedural_problems, to_prompts
    from scrpo.models import load_model, tiny_model
    from scrpo.trainer import ScRPOConfig, ScRPOTrainer
    from scrpo.verify import accuracy_reward, format_reward
    torch.set_num_threads(threads)
    if model_name == "smollm2-random": model, tok = _random_model(bundle)
    else: model, tok = load_model(tiny_model("llama") if model_name == "tiny" else "smollm2-135m")
    if bundle: ds = to_prompts([json.loads(l) for l in open(os.path.join(bundle, "problems.jsonl"))])
    else: ds = to_prompts(procedural_problems("chain_sum", 64, seed=0))
    if device == "cuda": torch.cuda.reset_peak_memory_stats()
    common = dict(output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=device == "cpu", per_device_train_batch_size=batch,
                  num_generations=gens,
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
           "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None,
           "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
           "steps": [{"step_time": l["step_time"], "correction": "correction/accuracy" in l,
                      "pool_admit": l.get("time/pool_admit", 0.0), "corr_bookkeeping": l.get("time/correction_bookkeeping", 0.0)}
                     for l in logs]}
    open(out, "w").write(json.dumps(res))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--models", default="tiny,smollm2"); ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2, help="torch threads per variant")
    ap.add_argument("--max-new", type=int, default=96, help="max_completion_length for smollm2 (the tiny model uses 48)")
    ap.add_argument("--bf16", action="store_true", help="keep TRL's default bf16 autocast (the CLI turns it off on CPU)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"]); ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--gens", type=int, default=4, help="num_generations"); ap.add_argument("--bundle", default=None)
    ap.add_argument("--make-bundle", default=None, metavar="DIR")
    ap.add_argument("--_child", nargs=3); a = ap.parse_args()
    if a.make_bundle: return make_bundle(a.make_bundle)
    if a.device == "cuda" and not a.bf16: a.bf16 = True  # bf16 autocast is TRL's default and what a GPU run uses
    if a._child: return run_variant(a._child[0], a._child[1], a.steps, a._child[2], a.threads, a.max_new, a.bf16,
                                     a.device, a.batch, a.gens, a.bundle)
    rows = []
    for m in a.models.split(","):
        for v in ("grpo", "scrpo-off", "scrpo"):
            out = tempfile.mktemp(suffix=".json")
            subprocess.run([sys.executable, __file__, "--steps", str(a.steps), "--threads", str(a.threads), "--max-new", str(a.max_new),
                            *(["--bf16"] if a.bf16 else []), "--device", a.device, "--batch", str(a.batch), "--gens", str(a.gens),
                            *(["--bundle", a.bundle] if a.bundle else []),
                            "--_child", m, v, out], check=True,
                           stdout=subprocess.DEVNULL, stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL)
            rows.append(json.loads(open(out).read()))
    print(f"device {rows[0]['device']}, steps {a.steps}, batch {a.batch}, num_generations {a.gens}, torch threads {a.threads}, "
          f"smollm2 max_completion_length {a.max_new}, bf16 autocast {a.bf16}, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'model':8} {'variant':10} {'trial step s':>13} {'corr step s':>12} {'admit ms':>9} {'admit/trial':>12} {'corr bookkeeping ms':>20} {'peak RSS MB':>12} {'peak GPU MB':>12}")
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
              f"{1000 * statistics.median(admit) if admit else 0:9.2f} {frac:12.2%} {1000 * statistics.median(cb) if cb else float('nan'):20.1f} {r['peak_rss_mb']:12.0f} {r['peak_gpu_mb'] or float('nan'):12.0f}")
    for m, t in base.items():
        off = [r for r in rows if r["model"] == m and r["variant"] == "scrpo-off"][0]
        t_off = statistics.median([s["step_time"] for s in off["steps"][1:]])
        print(f"{m}: ScRPO (corrections off) trial step / GRPO trial step = {t_off / t:.3f}")

if __name__ == "__main__": main()
