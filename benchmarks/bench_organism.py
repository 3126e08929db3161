"""Seconds per RL step on the organism (scrpo.organism): ScRPOTrainer, 64 samples a step, corrections off and on.

Builds (or loads from the cache) the warm-started organism, then trains a few steps with ScRPOTrainer on its chain sums:
  off  correction_every=0 (plain GRPO with the pool's bookkeeping)
  on   correction_every=1 (every step after the first also runs a correction step on pool records)
and prints the median step time of trial-only steps and of steps that also ran a correction step (first step dropped:
warm-up), with the seconds spent in HF generate in those steps (timed around model.generate; in a correction step the
trial and the correction generation together). Each variant runs in its own process.
The table's last columns are the cost of a correction sample over that of a trial sample, per sample and per generated
token: (corr step s - off's trial step s) / correction samples over trial step s / trial samples (samples and mean
completion lengths as logged; with --prompts 16 a correction step has 16 records x G=4 = 64 correction samples).
With --profile it then runs one more process, `prof`: correction_every=2, so trial-only and correction steps alternate
in one run, and 4 pool records a correction step (16 correction samples) as in configs/organism-cpu.yaml. It times the
phases of each step (pool draw and reflection prompts, tokenizing, HF generate, verification, the rest of TRL's scoring,
the correction update, the loss forward of each batch, the backward; TRL's step_time, which leaves out the optimizer),
counts the generated tokens of each stage, and prints the phase table, cProfile's top entries of the correction stage,
and the same two ratios measured within that one run (completion tokens before the cut to the loss tokens).
A variant name ending in -nogc (off-nogc, on-nogc, prof-nogc) trains with gradient_checkpointing=False (GRPOConfig's
default is True; on a CPU it only recomputes each forward in the backward).
With --measure it first prints, for the organism and its control (correction_demos=0.0): build time, SFT steps, dev
accuracy at the stop, and `measure_organism` on 200 held-out test problems (greedy first-attempt accuracy, and on the
wrong first attempts how often the reflect-template correction is right and how often it has both sections).
Usage: python benchmarks/bench_organism.py [--prompts 16] [--gens 4] [--steps 5] [--threads 2] [--difficulty easy]
                                           [--correction-demos 0.25] [--max-new N] [--variants off,on] [--measure] [--profile]
                                           [--profile-steps 16]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

def organism_path(difficulty:str, demos:float, verbose:bool=True):
    "The organism a sweep names (`organism_model`: the recorded study's build) where the mix is a named one, else a build."
    from scrpo.organism import build_organism, organism_model
    if demos in (0.25, 0.0): return organism_model(f"organism-{difficulty}" + ("-nodemos" if demos == 0.0 else ""), verbose=verbose)
    return build_organism(difficulty, demos, seed=0, stop_accuracy=0.45, verbose=verbose)  # the threshold search (find_sft_steps) for another mix

def run_variant(a, variant, out):
    base, gc = variant.removesuffix("-nogc"), not variant.endswith("-nogc")  # "-nogc": gradient_checkpointing=False
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
                       num_generations=a.gens, max_completion_length=max_new, max_steps=a.profile_steps if base == "prof" else a.steps, logging_steps=1,
                       learning_rate=1e-5, seed=0, save_strategy="no", disable_tqdm=True, beta=0.0, temperature=1.0,
                       correction_every={"off": 0, "on": 1, "prof": 2}[base], correction_warmup_steps=1, correction_batch_size=4 if base == "prof" else a.prompts,
                       pool_admission="any_wrong", max_reflection_prompt_tokens=256, gradient_checkpointing=gc)
    tr = ScRPOTrainer(model, [accuracy_reward], args=args, train_dataset=ds, processing_class=tok)
    if base == "prof": return profile_run(tr, model, out, variant)
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
              "correction_samples": l.get("correction/samples"), "correction_length": l.get("correction/completions/mean_length"),
              "generate": gen_s.get(l["step"])} for l in logs]
    json.dump({"variant": variant, "wall": wall, "max_new": max_new, "samples": n, "steps": steps}, open(out, "w"))

def profile_run(tr, model, out, variant):
    "Train with per-phase timers (class-level wrappers, this process only) and cProfile on the correction stage."
    import cProfile, io, pstats, torch
    from trl import GRPOTrainer
    from scrpo.trainer import ScRPOMixin
    T, stat = {}, {}  # T[(step, stage, phase)] seconds; stat[(step, stage)] = {samples, tokens, prompt_tokens, widths}
    stage = lambda: "correction" if tr._in_correction or getattr(tr, "_loss_stage", None) == "correction" else "trial"
    def add(ph, dt, st=None): k = (tr.state.global_step + 1, st or stage(), ph); T[k] = T.get(k, 0.0) + dt
    def timed(cls, name, ph, st=None, prof=None):
        f = getattr(cls, name)
        def w(*a, **kw):
            t = time.perf_counter()
            if prof is not None: prof.enable()
            try: return f(*a, **kw)
            finally:
                if prof is not None: prof.disable()
                add(ph, time.perf_counter() - t, st)
        setattr(cls, name, w)
    prof = cProfile.Profile()
    timed(ScRPOMixin, "_run_correction", "run_correction", "correction", prof)
    timed(ScRPOMixin, "_draw_corrections", "draw", "correction"); timed(ScRPOMixin, "_reflection_prompts", "prompts", "correction")
    timed(ScRPOMixin, "_correction_update", "update", "correction")
    timed(GRPOTrainer, "_tokenize_prompts", "tokenize"); timed(GRPOTrainer, "_calculate_rewards", "verify")
    timed(type(tr.accelerator), "backward", "backward", "step")
    score = GRPOTrainer._generate_and_score_completions
    def scored(self, inputs):
        t = time.perf_counter(); o = score(self, inputs); add("score", time.perf_counter() - t)
        cm = o["completion_mask"]
        stat[(self.state.global_step + 1, stage())] = dict(samples=cm.size(0), tokens=int(cm.sum()), prompt_tokens=int(o["prompt_mask"].sum()),
                                                           prompt_width=o["prompt_ids"].size(1), completion_width=cm.size(1))
        return o
    GRPOTrainer._generate_and_score_completions = scored
    closs, outer = GRPOTrainer.compute_loss, ScRPOMixin.compute_loss
    def scrpo_loss(self, model, inputs, *a, **kw): self._corr_batch = inputs.get("correction"); return outer(self, model, inputs, *a, **kw)
    ScRPOMixin.compute_loss = scrpo_loss
    def loss(self, model, inputs, *a, **kw):  # ScRPO's compute_loss calls it on its correction batch, then on the trial batch
        self._loss_stage = "correction" if inputs is self._corr_batch else "trial"
        t = time.perf_counter()
        try: return closs(self, model, inputs, *a, **kw)
        finally: add("loss_fwd", time.perf_counter() - t); self._loss_stage = None
    GRPOTrainer.compute_loss = loss
    generate = model.generate
    def gen(*a, **kw):
        t = time.perf_counter(); o = generate(*a, **kw); add("generate", time.perf_counter() - t); return o
    model.generate = gen
    t0 = time.perf_counter(); tr.train(); wall = time.perf_counter() - t0
    steps = []
    for l in tr.state.log_history:
        if "step_time" not in l: continue
        n = l["step"]; row = {"step": n, "step_time": l["step_time"], "correction": "correction/samples" in l}
        for (k, st, ph), v in T.items():
            if k == n: row[f"{st}/{ph}"] = v
        for st in ("trial", "correction"):
            for k, v in stat.get((n, st), {}).items(): row[f"{st}/{k}"] = v
        steps.append(row)
    top = []
    for key, n in (("cumulative", 14), ("tottime", 10)):
        s = io.StringIO(); pstats.Stats(prof, stream=s).sort_stats(key).print_stats(n)
        top += [f"by {key}:"] + [l.replace(os.getcwd() + "/", "").replace(sys.prefix, "<venv>") for l in s.getvalue().splitlines() if l.strip()][-n - 1:]
    json.dump({"variant": variant, "wall": wall, "steps": steps, "cprofile": top}, open(out, "w"))

def report_profile(r):
    "Where a correction step's seconds go, and the per-sample and per-token ratios, from one run."
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    trial = [s for s in r["steps"][1:] if not s["correction"]]; corr = [s for s in r["steps"] if s["correction"]]
    g = lambda rows, k: med([s.get(k, 0.0) for s in rows])
    print(f"profile {r['variant']}: {len(trial)} trial-only steps, {len(corr)} correction steps (correction_every=2, first step dropped); median seconds a step")
    print(f"{'phase':28} {'trial-only step':>16} {'correction step':>16}")
    lines = [("trial: tokenize", "trial/tokenize"), ("trial: generate", "trial/generate"), ("trial: verify", "trial/verify"),
             ("trial: loss forward", "trial/loss_fwd"), ("corr: pool draw + prompts", "correction/draw"), ("  of which prompts", "correction/prompts"),
             ("corr: tokenize", "correction/tokenize"), ("corr: generate", "correction/generate"), ("corr: verify", "correction/verify"),
             ("corr: update (masks, cut)", "correction/update"), ("corr: loss forward", "correction/loss_fwd"), ("backward (both)", "step/backward")]
    for name, k in lines: print(f"{name:28} {g(trial, k):16.3f} {g(corr, k):16.3f}")
    rest = lambda s, st: s.get(f"{st}/score", 0) - sum(s.get(f"{st}/{p}", 0) for p in ("generate", "tokenize", "verify"))
    print(f"{'scoring rest (TRL) trial/corr':28} {med([rest(s, 'trial') for s in trial]):16.3f} {med([rest(s, 'correction') for s in corr]):16.3f}")
    print(f"{'step (TRL step_time)':28} {g(trial, 'step_time'):16.3f} {g(corr, 'step_time'):16.3f}   (training_step: no optimizer)")
    for st in ("trial", "correction"):
        rows = corr if st == "correction" else trial
        print(f"{st}: {g(rows, st + '/samples'):.0f} samples, {g(rows, st + '/tokens'):.0f} generated tokens, {g(rows, st + '/prompt_tokens'):.0f} prompt tokens, "
              f"padded widths prompt {g(rows, st + '/prompt_width'):.0f} + completion {g(rows, st + '/completion_width'):.0f}")
    print("cProfile of the correction stage (_run_correction: draw, prompts, generation, scoring, update; all correction steps):")
    for l in r["cprofile"]: print("  " + l)
    ts, cs = g(trial, "step_time"), g(corr, "step_time")
    extra = cs - ts
    ps = (extra / g(corr, "correction/samples")) / (ts / g(trial, "trial/samples"))
    pt = (extra / g(corr, "correction/tokens")) / (ts / g(trial, "trial/tokens"))
    direct = med([sum(s.get(f"correction/{p}", 0.0) for p in ("run_correction", "loss_fwd")) + s.get("step/backward", 0) for s in corr]) - g(trial, "step/backward")
    print(f"correction sample / trial sample: {ps:.2f}x per sample, {pt:.2f}x per generated token "
          f"(correction step {cs:.3f} s - trial-only step {ts:.3f} s = {extra:.3f} s; the correction phases timed directly: {direct:.3f} s)")

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
    ap.add_argument("--profile", action="store_true", help="also run `prof` (correction_every=2): the phase profile and both ratios")
    ap.add_argument("--profile-steps", type=int, default=16, help="steps of the prof variants")
    ap.add_argument("--_child", nargs=2)
    a = ap.parse_args()
    if a._child: return run_variant(a, *a._child)
    if a.measure: measure(a)
    t0 = time.perf_counter(); organism_path(a.difficulty, a.correction_demos); print(f"organism ready in {time.perf_counter() - t0:.1f} s")
    rows = []
    variants = [v for v in a.variants.split(",") if v] + (["prof"] if a.profile else [])
    for v in variants:
        out = tempfile.mktemp(suffix=".json")
        cmd = [sys.executable, __file__, "--prompts", str(a.prompts), "--gens", str(a.gens), "--steps", str(a.steps), "--profile-steps", str(a.profile_steps),
               "--threads", str(a.threads), "--difficulty", a.difficulty, "--correction-demos", str(a.correction_demos),
               *(["--max-new", str(a.max_new)] if a.max_new else []), "--_child", v, out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL)
        rows.append(json.load(open(out)))
    prof = [r for r in rows if r["variant"].startswith("prof")]; rows = [r for r in rows if not r["variant"].startswith("prof")]
    for r in prof: report_profile(r)
    if not rows: return
    r0 = rows[0]
    print(f"{a.prompts} prompts x G={a.gens} = {r0['samples']} samples a step, max_completion_length {r0['max_new']}, "
          f"torch threads {a.threads}, {a.steps} steps, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'variant':8} {'trial step s':>13} {'corr step s':>12} {'trial generate s':>17} {'corr generate s':>16} {'mean reward':>12} {'corr accuracy':>14}"
          f" {'corr samples':>13} {'x per sample':>13} {'x per token':>12}")
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    off = next(([s for s in r["steps"][1:] if not s["correction"]] for r in rows if r["variant"].startswith("off")), [])  # the first off* row's steps
    ts, tl = med([s["step_time"] for s in off]), med([s["completion_length"] for s in off])
    for r in rows:
        trial = [s for s in r["steps"][1:] if not s["correction"]]
        corr = [s for s in r["steps"] if s["correction"]]
        gen = [s["generate"] for s in trial if s["generate"] is not None]
        print(f"{r['variant']:8} {med([s['step_time'] for s in trial]):13.2f} {med([s['step_time'] for s in corr]):12.2f} "
              f"{med(gen):17.2f} {med([s['generate'] for s in corr if s['generate'] is not None]):16.2f} {med([s['reward'] for s in r['steps'] if s['reward'] is not None]):12.2f} "
              f"{med([s['correction_accuracy'] for s in corr if s['correction_accuracy'] is not None]):14.2f}", end="")
        n, cs = med([s["correction_samples"] for s in corr]), med([s["step_time"] for s in corr])
        x = (cs - ts) / n / (ts / r["samples"]) if corr else float("nan")
        print(f" {n:13.0f} {x:13.2f} {x * tl / med([s['correction_length'] for s in corr]) if corr else float('nan'):12.2f}")

if __name__ == "__main__": main()
