"""ScRPO on Unsloth, for real, on one GPU: the check that benchmarks/gpu_check.sh runs on a lent machine without network.

Subcommands (each its own process: Unsloth patches TRL on import, so the plain-TRL baseline must never import it):
  make-model  a model of Qwen2.5-1.5B's shape (hidden 1536, 28 layers, 12 heads, 2 KV heads, MLP 8960) with random
              weights, saved with the offline tiny ChatML tokenizer of `scrpo.models.tiny_model` (512 tokens). The
              vocabulary stays Qwen's 151,936 (`--vocab full`, the default), so the LM head and the log-prob pass cost
              what they cost for the real model; ids past the tokenizer's 512 decode to nothing. `--vocab tokenizer`
              shrinks it to the tokenizer (padded to 64).
  unsloth     imports unsloth first; asserts `trl.GRPOTrainer` is Unsloth's patched class and that
              `scrpo.trainer.scrpo_trainer_class()` subclasses it; loads the model through
              `scrpo.models.load_model(path, backend="unsloth", lora=LORA)`; trains ScRPO with corrections at every step
              (`correction_every=1`, pool admission `any_wrong`) on scripted completions (the trial answers are right for
              2 of every 4 samples, corrections right and in the template's format for 2 of 4, as in tests/trainer_utils.py)
              with `correction_loss_weight` 1 and then 0 from the same seed and the same LoRA start; checks the correction
              loss is finite and carried tokens, and that the LoRA weights of the two runs differ; then times Unsloth's
              patched GRPOTrainer with real (random) generation: peak GPU memory and completion tokens/s.
  trl         the same model, LoRA through peft (`load_model(backend="transformers")`), TRL's own GRPOTrainer, the same
              timing run; and one scripted ScRPO run for its correction loss beside Unsloth's.
  report      the two JSON results side by side.
`--cpu-smoke` (here, no GPU): `make-model` at a tiny shape, the `trl` subcommand on the CPU (timing and scripted ScRPO),
and the `unsloth` subcommand as far as a CPU goes (UNSLOTH_ALLOW_CPU=1: imports, TRL patched by hand, class checks).
Usage: python benchmarks/gpu_unsloth_check.py {make-model,unsloth,trl,report} [...]   (see --help of each)
"""
import argparse, json, math, os, statistics, sys, tempfile, time

T0 = time.time()
def log(msg): print(f"[{time.strftime('%H:%M:%S')} +{time.time() - T0:6.1f}s] {msg}", flush=True)

QWEN25_15B = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                  vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                  tie_word_embeddings=True, use_sliding_window=False, hidden_act="silu")
TINY = dict(QWEN25_15B, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=4096)
LORA = dict(r=16, lora_alpha=32, lora_dropout=0.0, bias="none",
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
ANALYSIS = "I added the numbers wrongly before."

class Checks:
    "Named pass/fail results; a failure is printed at once and the run goes on to what does not depend on it."
    def __init__(self): self.rows = []
    def __call__(self, name, ok, detail=""):
        self.rows.append({"check": name, "ok": bool(ok), "detail": str(detail)[:500]})
        log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + str(detail)[:300] if detail != '' else ''}")
        return bool(ok)
    @property
    def ok(self): return all(r["ok"] for r in self.rows)


# --- data, script and scripted generation (the same behaviour as tests/trainer_utils.py, kept here so this file
# only needs the package and the wheels)
def arithmetic_dataset(n=32):
    from datasets import Dataset
    return Dataset.from_list([{"prompt": [{"role": "user", "content": f"What is {i} + {i + 1}?"}], "answer": str(2 * i + 1),
                               "id": f"add-{i}"} for i in range(n)])

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from trainer_utils import arithmetic_script, scripted_generate  # the tests' scripted generation: real code after the texts


def cpu_trl_shim():
    "TRL 1.15's fused LM head needs Triton, which CPU builds of torch lack: off a GPU, plain-torch log-probs (scrpo.engines)."
    from scrpo.engines import fit_trl_logprob
    if fit_trl_logprob(): log("cpu smoke: TRL 1.15's fused LM head gets plain-torch log-probs off a GPU (scrpo.engines.fit_trl_logprob)")


# --- make-model
def make_model(a):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen2Config
    from scrpo.models import prepare_tokenizer, tiny_model
    shape = dict(TINY if a.tiny else QWEN25_15B)
    tok = AutoTokenizer.from_pretrained(tiny_model("qwen3"))
    if a.vocab == "tokenizer": shape["vocab_size"] = -(-len(tok) // 64) * 64
    dtype = getattr(torch, a.dtype)
    device = "cuda" if torch.cuda.is_available() and not a.cpu else "cpu"
    cfg = Qwen2Config(**shape, bos_token_id=None, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    t = time.perf_counter()
    with torch.device(device): model = AutoModelForCausalLM.from_config(cfg, dtype=dtype)
    model.generation_config.eos_token_id, model.generation_config.pad_token_id = tok.eos_token_id, tok.pad_token_id
    prepare_tokenizer(tok, model)
    model.save_pretrained(a.out); tok.save_pretrained(a.out)
    n = sum(p.numel() for p in model.parameters())
    log(f"model of {'a tiny Qwen2' if a.tiny else 'Qwen2.5-1.5B'}'s shape, random weights (seed 0): {n / 1e6:.1f} M parameters, "
        f"vocab {shape['vocab_size']} ({a.vocab}; tokenizer {len(tok)} tokens), {a.dtype}, built on {device} and saved to "
        f"{a.out} in {time.perf_counter() - t:.1f} s")


# --- training runs shared by the unsloth and trl subcommands
def common_args(a, **kw):
    "GRPOConfig keyword arguments both backends get."
    base = dict(output_dir=tempfile.mkdtemp(), report_to="none", logging_steps=1, save_strategy="no", disable_tqdm=True, seed=0,
                beta=0.0, temperature=1.0, learning_rate=a.lr, max_steps=a.steps, per_device_train_batch_size=a.batch,
                num_generations=a.gens, max_completion_length=a.max_new,
                gradient_accumulation_steps=1)  # Unsloth's GRPOConfig defaults to 2: the same batch geometry for both
    if a.cpu_smoke: base.update(use_cpu=True, bf16=False)
    else: base.update(bf16=True)
    return {**base, **kw}

def scrpo_args(a, weight):
    return common_args(a, max_steps=a.scripted_steps, per_device_train_batch_size=8, num_generations=4,
                       max_completion_length=a.scripted_max_new, correction_every=1, correction_warmup_steps=1,
                       correction_batch_size=2, correction_loss_weight=weight, pool_admission="any_wrong",
                       max_reflection_prompt_tokens=512)

def lora_state(model):
    "The trainable (LoRA) parameters, copied to the CPU in float32."
    return {n: p.detach().float().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}

def restore(model, state):
    import torch
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n in state: p.copy_(state[n].to(p.device, p.dtype))

def run_training(tr, a, label):
    "Train `tr`; its wall time, peak GPU memory, step times and completion tokens/s (first step left out as warm-up)."
    import torch
    cuda = torch.cuda.is_available() and not a.cpu_smoke
    if cuda: torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter(); tr.train(); wall = time.perf_counter() - t
    if cuda: torch.cuda.synchronize()
    logs = [l for l in tr.state.log_history if "train_runtime" not in l and ("step_time" in l or "loss" in l)]
    per_step = tr.args.per_device_train_batch_size * tr.args.gradient_accumulation_steps * tr.accelerator.num_processes
    steps = [{"step": l.get("step"), "step_time": l.get("step_time"), "loss": l.get("loss"),
              "completion_tokens": (l.get("completions/mean_length") or 0) * per_step,
              **{k: v for k, v in l.items() if k.startswith("correction/") or k in ("reward", "completions/mean_length")}}
             for l in logs]
    timed = [s for s in steps[1:] if s["step_time"]] or [s for s in steps if s["step_time"]]
    if timed:
        tps, median = sum(s["completion_tokens"] for s in timed) / sum(s["step_time"] for s in timed), statistics.median(s["step_time"] for s in timed)
    else:  # no `step_time` metric logged: whole-run figures, warm-up step included
        tps, median = sum(s["completion_tokens"] for s in steps) / wall, wall / max(len(steps), 1)
        log(f"{label}: no step_time in the logs; tokens/s and step time are over the whole run (warm-up included)")
    res = {"label": label, "trainer": type(tr).__name__, "trainer_mro": [c.__name__ for c in type(tr).__mro__[:5]],
           "wall_s": wall, "steps": steps, "completion_tokens_per_s": tps, "timed_by": "step_time" if timed else "wall",
           "median_step_s": median,
           "peak_alloc_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None,
           "peak_reserved_gib": torch.cuda.max_memory_reserved() / 2**30 if cuda else None,
           "optim": str(tr.args.optim), "gradient_checkpointing": tr.args.gradient_checkpointing, "bf16": tr.args.bf16,
           "loss_type": getattr(tr.args, "loss_type", None), "generation_batch_size": tr.args.generation_batch_size,
           "max_completion_length": tr.args.max_completion_length}
    log(f"{label}: {len(steps)} steps in {wall:.1f} s, median step {res['median_step_s']:.2f} s, {tps:.0f} completion tokens/s"
        + (f", peak GPU memory {res['peak_alloc_gib']:.2f} GiB allocated / {res['peak_reserved_gib']:.2f} GiB reserved" if cuda else ""))
    return res

def correction_checks(check, res, label):
    "The correction stage ran, succeeded for some samples, and its loss is a finite number that carried tokens."
    corr = [s for s in res["steps"] if any(k.startswith("correction/") for k in s)]
    check(f"{label}: correction steps ran", len(corr) >= 1, f"{len(corr)} of {len(res['steps'])} steps logged correction metrics")
    losses = [s.get("correction/loss") for s in corr if s.get("correction/loss") is not None]
    toks = [s.get("correction/loss_tokens") for s in corr if s.get("correction/loss_tokens") is not None]
    succ = [s.get("correction/success") for s in corr if s.get("correction/success") is not None]
    check(f"{label}: some corrections succeeded (scripted: 2 of 4)", succ and max(succ) > 0, f"correction/success {succ}")
    check(f"{label}: correction loss carried tokens", toks and min(toks) > 0, f"correction/loss_tokens {toks}")
    return losses

def compare_weights(check, init, w1, w0, label):
    d10 = math.sqrt(sum(float((w1[n] - w0[n]).pow(2).sum()) for n in w1))
    d1i = math.sqrt(sum(float((w1[n] - init[n]).pow(2).sum()) for n in w1))
    mx = max(float((w1[n] - w0[n]).abs().max()) for n in w1)
    check(f"{label}: LoRA weights differ between correction_loss_weight 1 and 0 (same seed, same start)",
          d1i > 0 and d10 / d1i > 1e-2,
          f"|w1 - w0| = {d10:.3e} (max {mx:.3e}), |w1 - start| = {d1i:.3e}, ratio {d10 / max(d1i, 1e-30):.3f} "
          f"(threshold 0.01; run-to-run numerical noise is expected far below it)")
    return {"norm_w1_minus_w0": d10, "norm_w1_minus_start": d1i, "max_abs_w1_minus_w0": mx}

def make_trainer(cls, model, tok, args_cls, kw, reward_funcs):
    return cls(model=model, reward_funcs=reward_funcs, args=args_cls(**kw), train_dataset=arithmetic_dataset(), processing_class=tok)


# --- unsloth
def run_unsloth(a):
    check, out = Checks(), {"backend": "unsloth", "runs": {}}
    if a.cpu_smoke: os.environ["UNSLOTH_ALLOW_CPU"] = "1"  # Unsloth's GPU import path on a CPU (its own CI switch)
    t = time.perf_counter()
    import unsloth  # first: it patches torch, transformers, peft and TRL on import
    log(f"import unsloth {unsloth.__version__}: {time.perf_counter() - t:.1f} s")
    if a.cpu_smoke:  # UNSLOTH_ALLOW_CPU skips the TRL rewrite; do it by hand so the class checks below mean something
        os.environ["UNSLOTH_ALLOW_CPU"] = "0"
        from unsloth.models.rl import patch_trl_rl_trainers
        patch_trl_rl_trainers()
    import torch, trl, transformers, peft
    out["versions"] = {m.__name__: m.__version__ for m in (unsloth, torch, trl, transformers, peft)}
    log("versions " + ", ".join(f"{k} {v}" for k, v in out["versions"].items()))
    G = trl.GRPOTrainer
    check("trl.GRPOTrainer is Unsloth's patched class", G.__name__.startswith("Unsloth") or G.__module__.startswith("Unsloth"),
          f"{G.__module__}.{G.__name__}")
    from scrpo.trainer import ScRPOConfig, scrpo_trainer_class
    cls = scrpo_trainer_class()
    check("scrpo_trainer_class() subclasses the patched class", issubclass(cls, G) and cls is not G,
          " -> ".join(c.__name__ for c in cls.__mro__[:4]))
    check("ScRPOConfig subclasses the patched GRPOConfig", issubclass(ScRPOConfig, trl.GRPOConfig),
          " -> ".join(f"{c.__module__}.{c.__name__}" for c in ScRPOConfig.__mro__[:3]))
    from scrpo.verify import accuracy_reward, format_reward
    rewards = [accuracy_reward, format_reward]
    try:
        kw = common_args(a)
        cfg, ucfg = ScRPOConfig(**kw), trl.GRPOConfig(**kw)
        import dataclasses
        own = {f.name for f in dataclasses.fields(ScRPOConfig)} - {f.name for f in dataclasses.fields(trl.GRPOConfig)}
        diff = {k: (getattr(ucfg, k, None), v) for k, v in vars(cfg).items() if k not in own and k != "output_dir"
                and str(getattr(ucfg, k, None)) != str(v)}
        out["config_differences"] = {k: [str(x), str(y)] for k, (x, y) in diff.items()}
        check("ScRPOConfig(...) builds on the patched config", True,
              f"optim {cfg.optim}; fields set differently from Unsloth's GRPOConfig(same kwargs) (Unsloth's, ScRPO's): "
              + (", ".join(f"{k} ({x}, {y})" for k, (x, y) in diff.items()) or "none"))
    except Exception as e: check("ScRPOConfig(...) builds on the patched config", False, repr(e))
    if a.cpu_smoke:
        log("cpu smoke: loading through FastLanguageModel and training need a GPU; stopping here")
        return finish(a, check, out)
    from scrpo.models import load_model
    t = time.perf_counter()
    model, tok = load_model(a.model, backend="unsloth", lora=LORA, max_seq_length=a.max_seq_length)
    log(f"load_model(backend='unsloth', lora=r{LORA['r']}): {time.perf_counter() - t:.1f} s, {type(model).__name__}, "
        f"{sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6:.2f} M trainable, dtype {model.dtype}")
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    check("the model came through Unsloth", getattr(model, "scrpo_source", {}).get("backend") == "unsloth"
          and hasattr(model, "for_training"), f"scrpo_source {getattr(model, 'scrpo_source', None)}, for_training "
          f"{hasattr(model, 'for_training')}, {type(inner).__name__}.forward from {type(inner).forward.__module__}")
    init = lora_state(model)
    final = {}
    for w in (1.0, 0.0):
        restore(model, init)
        label = f"unsloth scrpo scripted w={w:g}"
        try:
            tr = scripted_generate(make_trainer(cls, model, tok, ScRPOConfig, scrpo_args(a, w), rewards), arithmetic_script)
            res = run_training(tr, a, label)
        except Exception as e:
            import traceback; traceback.print_exc()
            check(f"{label}: trains", False, repr(e)); break
        check(f"{label}: trains", True, f"{len(res['steps'])} steps")
        out["runs"][label] = res; dump(a, check, out)
        if w == 1.0:
            losses = correction_checks(check, res, label)
            check(f"{label}: correction loss is finite", losses and all(math.isfinite(x) for x in losses), f"correction/loss {losses}")
        final[w] = lora_state(model)
        del tr
    if len(final) == 2: out["weights"] = compare_weights(check, init, final[1.0], final[0.0], "unsloth")
    if time.time() - T0 > a.budget_s: log(f"over the {a.budget_s} s budget: timing run skipped")
    else:
        restore(model, init)
        try:
            tr = make_trainer(G, model, tok, trl.GRPOConfig, common_args(a), rewards)
            out["runs"]["unsloth grpo timing"] = run_training(tr, a, "unsloth grpo timing (Unsloth's GRPOTrainer, real generation)")
            check("unsloth grpo timing run", True)
        except Exception as e:
            import traceback; traceback.print_exc(); check("unsloth grpo timing run", False, repr(e))
    return finish(a, check, out)


# --- trl
def run_trl(a):
    check, out = Checks(), {"backend": "transformers+peft", "runs": {}}
    import torch, trl, transformers, peft
    check("unsloth is not imported in this process", "unsloth" not in sys.modules)
    if a.cpu_smoke: cpu_trl_shim()
    out["versions"] = {m.__name__: m.__version__ for m in (torch, trl, transformers, peft)}
    log("versions " + ", ".join(f"{k} {v}" for k, v in out["versions"].items()))
    from scrpo.models import load_model
    from scrpo.trainer import ScRPOConfig, ScRPOTrainer
    from scrpo.verify import accuracy_reward, format_reward
    rewards = [accuracy_reward, format_reward]
    t = time.perf_counter()
    model, tok = load_model(a.model, backend="transformers", lora=LORA, dtype="float32" if a.cpu_smoke else "bfloat16",
                            device_map=None if a.cpu_smoke else "cuda:0")
    log(f"load_model(backend='transformers', lora=r{LORA['r']}): {time.perf_counter() - t:.1f} s, {type(model).__name__}, "
        f"{sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6:.2f} M trainable, dtype {model.dtype}")
    init = lora_state(model)
    try:
        tr = make_trainer(trl.GRPOTrainer, model, tok, trl.GRPOConfig, common_args(a), rewards)
        out["runs"]["trl grpo timing"] = run_training(tr, a, "trl grpo timing (TRL's GRPOTrainer + peft, real generation)")
        check("trl grpo timing run", True); dump(a, check, out)
    except Exception as e:
        import traceback; traceback.print_exc(); check("trl grpo timing run", False, repr(e))
    if not a.no_scripted and time.time() - T0 <= a.budget_s:
        final = {}
        for w in ((1.0, 0.0) if a.cpu_smoke else (1.0,)):
            restore(model, init)
            label = f"trl scrpo scripted w={w:g}"
            try:
                tr = scripted_generate(make_trainer(ScRPOTrainer, model, tok, ScRPOConfig, scrpo_args(a, w), rewards), arithmetic_script)
                res = run_training(tr, a, label); out["runs"][label] = res; dump(a, check, out)
            except Exception as e:
                import traceback; traceback.print_exc(); check(f"{label}: trains", False, repr(e)); break
            if w == 1.0:
                losses = correction_checks(check, res, label)
                check(f"{label}: correction loss is finite", losses and all(math.isfinite(x) for x in losses), f"correction/loss {losses}")
            final[w] = lora_state(model)
        if len(final) == 2: out["weights"] = compare_weights(check, init, final[1.0], final[0.0], "trl")
    return finish(a, check, out)


def dump(a, check, out, done=False):
    "Write the results so far (again after each run), so a stage stopped at its time limit still reports what it did."
    out["checks"], out["ok"], out["elapsed_s"], out["finished"] = check.rows, check.ok and done, time.time() - T0, done
    if a.json:
        with open(a.json + ".tmp", "w") as f: f.write(json.dumps(out, indent=1, default=str))
        os.replace(a.json + ".tmp", a.json)

def finish(a, check, out):
    dump(a, check, out, done=True)
    log(f"{sum(r['ok'] for r in check.rows)} of {len(check.rows)} checks passed" + ("" if check.ok else ": " +
        "; ".join(r["check"] for r in check.rows if not r["ok"])))
    return 0 if check.ok else 1


# --- report
def report(a):
    rows, ok = [], True
    for f in a.results:
        if not os.path.exists(f): print(f"{f}: missing (that run did not finish)"); ok = False; continue
        r = json.load(open(f)); ok &= r.get("ok", False)
        for label, run in r["runs"].items(): rows.append((label, run))
        print(f"{f}: {sum(c['ok'] for c in r['checks'])}/{len(r['checks'])} checks passed, {r['elapsed_s']:.0f} s"
              f"{'' if r.get('finished') else ' (STOPPED before the end: results so far)'}; versions {r.get('versions')}")
        for c in r["checks"]:
            if not c["ok"]: print(f"  FAIL {c['check']}: {c['detail']}")
        if "weights" in r: print(f"  weights ({r['backend']}): {r['weights']}")
        if r.get("config_differences"): print(f"  ScRPOConfig vs Unsloth's GRPOConfig, same kwargs (Unsloth's, ScRPO's): {r['config_differences']}")
    print(f"\n{'run':62} {'median step s':>13} {'compl. tok/s':>12} {'peak alloc GiB':>14} {'peak resv GiB':>13}  optim, grad ckpt")
    for label, run in rows:
        f = lambda v, fmt: format(v, fmt) if isinstance(v, (int, float)) and v == v else "-".rjust(int(fmt.split(".")[0]))
        print(f"{label:62} {f(run['median_step_s'], '13.2f')} {f(run['completion_tokens_per_s'], '12.0f')} "
              f"{f(run['peak_alloc_gib'], '14.2f')} {f(run['peak_reserved_gib'], '13.2f')}  {run['optim']}, {run['gradient_checkpointing']}")
        corr = [s.get("correction/loss") for s in run["steps"] if s.get("correction/loss") is not None]
        if corr: print(f"{'':62} correction/loss per step: {[round(x, 5) for x in corr]}")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0]); sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-model"); m.add_argument("--out", required=True); m.add_argument("--vocab", choices=["full", "tokenizer"], default="full")
    m.add_argument("--dtype", default="bfloat16"); m.add_argument("--tiny", action="store_true", help="a tiny model of the same family")
    m.add_argument("--cpu", action="store_true")
    for name in ("unsloth", "trl"):
        p = sub.add_parser(name); p.add_argument("--model", required=True); p.add_argument("--json", default=None)
        p.add_argument("--steps", type=int, default=4, help="timing run: optimizer steps (the first is left out as warm-up)")
        p.add_argument("--batch", type=int, default=16, help="timing run: completions per step"); p.add_argument("--gens", type=int, default=8)
        p.add_argument("--max-new", type=int, default=256, help="timing run: max_completion_length (random weights never stop early)")
        p.add_argument("--scripted-steps", type=int, default=3, help="scripted ScRPO runs: steps (corrections from step 2 on)")
        p.add_argument("--scripted-max-new", type=int, default=48)
        p.add_argument("--lr", type=float, default=1e-4); p.add_argument("--max-seq-length", type=int, default=2048)
        p.add_argument("--budget-s", type=float, default=200, help="skip what is left when this process has run this long")
        p.add_argument("--no-scripted", action="store_true"); p.add_argument("--cpu-smoke", action="store_true")
    r = sub.add_parser("report"); r.add_argument("results", nargs="+")
    a = ap.parse_args()
    if getattr(a, "cpu_smoke", False):  # sizes a 2-core CPU runs in a minute or two
        a.steps, a.batch, a.gens, a.max_new, a.scripted_max_new = min(a.steps, 2), 4, 2, 8, 16
    os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("UNSLOTH_DISABLE_STATISTICS", "1")
    if a.cmd == "make-model": return make_model(a)
    if a.cmd == "unsloth": return run_unsloth(a)
    if a.cmd == "trl": return run_trl(a)
    return report(a)

if __name__ == "__main__": sys.exit(main())
