"""Seconds per RL step on the organism (scrpo.organism): ScRPOTrainer, 64 samples a step, corrections off and on.

Builds (or loads from the cache) the warm-started organism, then trains a few steps with ScRPOTrainer on its chain sums:
  off  correction_every=0 (plain GRPO with the pool's bookkeeping)
  on   correction_every=1 (every step after the first also runs a correction step on pool records)
and prints the median step time of trial-only steps and of steps that also ran a correction step (first step dropped:
warm-up), with the seconds spent in HF generate in those steps (timed around model.generate; in a correction step the
trial and the correction generation together). Each variant runs in its own process.
With --measure it first prints, for the organism and its control (correction_demos=0.0): build time, SFT steps, dev
accuracy at the stop, and `measure_organism` on 200 held-out test problems (greedy first-attempt accuracy, and on the
wrong first attempts how often the reflect-template correction is right and how often it has both sections).
Usage: python benchmarks/bench_organism.py [--prompts 16] [--gens 4] [--steps 5] [--threads 2] [--difficulty easy]
                                           [--correction-demos 0.25] [--max-new N] [--variants off,on] [--measure]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

def organism_path(difficulty:str, demos:float, verbose:bool=True):
    "The organism a sweep names (`organism_model`: the recorded study's build) where the mix is a named one, else a build."
    from scrpo.organism import build_organism, organism_model
    if demos in (0.25, 0.0): return organism_model(f"organism-{difficulty}" + ("-nodemos" if demos == 0.0 else ""), verbose=verbose)
    return build_organism(difficulty, demos, seed=0, stop_accuracy=0.45, verbose=verbose)  # the threshold search (find_sft_steps) for another mix

def run_variant(a, variant, out):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from scrpo.data import to_prompts
    from scrpo.models import load_model
    from scrpo.organism import completion_budget, organism_dataset
    from scrpo.trainer import ScRPOConfig, ScRPOTrainer
    from scrpo.verify import accuracy_reward
    torch.set_num_threads(a.threads)
    path = organism_path(a.difficulty, a.correction_demos)
    model, tok = load_model(path)
    ds = to_prompts(organism_dataset("train", 512, a.difficulty, seed=1))
    max_new = a.max_new or completion_budget(path)
    n = a.prompts * a.gens
    args = ScRPOConfig(output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=True, bf16=False, per_device_train_batch_size=n,
                       num_generations=a.gens, max_completion_length=max_new, max_steps=a.steps, logging_steps=1,
                       learning_rate=1e-5, seed=0, save_strategy="no", disable_tqdm=True, beta=0.0, temperature=1.0,
                       correction_every=0 if variant == "off" else 1, correction_warmup_steps=1, correction_batch_size=a.prompts,
                       pool_admission="any_wrong", max_reflection_prompt_tokens=256)
    tr = ScRPOTrainer(model, [accuracy_reward], args=args, train_dataset=ds, processing_class=tok)
    gen_s, generate = {}, model.generate  # time HF generate per optimizer step (TRL does not log it)
    def timed_generate(*args, **kw):
        t = time.perf_counter(); out = generate(*args, **kw)
        gen_s[tr.state.global_step + 1] = gen_s.get(tr.state.global_step + 1, 0.0) + time.perf_counter() - t
        return out
    model.generate = timed_generate
    t0 = time.perf_counter(); tr.train(); wall = time.perf_counter() - t0
    logs = [l for l in tr.state.log_history if "step_time" in l]
    steps = [{"step_time": l["step_time"], "correction": "correction/accuracy" in l, "reward": l.get("reward"),
              "correction_accuracy": l.get("correction/accuracy"), "completion_length": l.get("completions/mean_length"),
              "generate": gen_s.get(l["step"])} for l in logs]
    json.dump({"variant": variant, "wall": wall, "max_new": max_new, "samples": n, "steps": steps}, open(out, "w"))

def measure(a):
    "Build both arms (cached after the first time) and print what the warm start reached."
    import torch
    from scrpo.organism import measure_organism, organism_info
    torch.set_num_threads(a.threads)
    print(f"{'correction_demos':>16} {'params':>9} {'SFT steps':>9} {'build s':>8} {'dev acc':>8} {'test first-attempt':>19} "
          f"{'wrong':>6} {'correction success':>19} {'correction format':>18} {'break rate':>11}")
    for demos in (a.correction_demos, 0.0):
        path = organism_path(a.difficulty, demos, verbose=False)
        info, m = organism_info(path), measure_organism(path, n=200, seed=0)
        print(f"{demos:16g} {info['n_params']:9,} {info['sft_steps']:9} {info['build_seconds']:8.1f} {info['dev_accuracy']:8.3f} "
              f"{m['first_attempt_accuracy']:19.3f} {m['wrong_first_attempts']:6} {m['correction_success']:19.3f} "
              f"{m['correction_format']:18.3f} {m['break_rate']:11.3f}")
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores; build time is the first build, read from organism.json)")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=16); ap.add_argument("--gens", type=int, default=4)
    ap.add_argument("--steps", type=int, default=5); ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--difficulty", default="easy"); ap.add_argument("--correction-demos", type=float, default=0.25)
    ap.add_argument("--max-new", type=int, default=None, help="max_completion_length; default: the organism's completion_budget")
    ap.add_argument("--variants", default="off,on"); ap.add_argument("--measure", action="store_true")
    ap.add_argument("--_child", nargs=2)
    a = ap.parse_args()
    if a._child: return run_variant(a, *a._child)
    if a.measure: measure(a)
    t0 = time.perf_counter(); organism_path(a.difficulty, a.correction_demos); print(f"organism ready in {time.perf_counter() - t0:.1f} s")
    rows = []
    for v in a.variants.split(","):
        out = tempfile.mktemp(suffix=".json")
        cmd = [sys.executable, __file__, "--prompts", str(a.prompts), "--gens", str(a.gens), "--steps", str(a.steps),
               "--threads", str(a.threads), "--difficulty", a.difficulty, "--correction-demos", str(a.correction_demos),
               *(["--max-new", str(a.max_new)] if a.max_new else []), "--_child", v, out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL)
        rows.append(json.load(open(out)))
    r0 = rows[0]
    print(f"{a.prompts} prompts x G={a.gens} = {r0['samples']} samples a step, max_completion_length {r0['max_new']}, "
          f"torch threads {a.threads}, {a.steps} steps, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'variant':8} {'trial step s':>13} {'corr step s':>12} {'trial generate s':>17} {'corr generate s':>16} {'mean reward':>12} {'corr accuracy':>14}")
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    for r in rows:
        trial = [s for s in r["steps"][1:] if not s["correction"]]
        corr = [s for s in r["steps"] if s["correction"]]
        gen = [s["generate"] for s in trial if s["generate"] is not None]
        print(f"{r['variant']:8} {med([s['step_time'] for s in trial]):13.2f} {med([s['step_time'] for s in corr]):12.2f} "
              f"{med(gen):17.2f} {med([s['generate'] for s in corr if s['generate'] is not None]):16.2f} {med([s['reward'] for s in r['steps'] if s['reward'] is not None]):12.2f} "
              f"{med([s['correction_accuracy'] for s in corr if s['correction_accuracy'] is not None]):14.2f}")

if __name__ == "__main__": main()
