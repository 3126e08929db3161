"""Generated tokens per second of the batched HF backend (`scrpo.eval.hf_generate`) against unbatched generate.

Same prompts (the first N GSM8K test problems from ../shared/data, or fixed ones without it), same sampling settings
and model; one run of each, printed with their ratio. Usage:

    python benchmarks/bench_generate.py [--model smollm2-135m] [--n 16] [--batch-size 16] [--max-new-tokens 64] [--device cuda:0]
"""
import argparse, os, time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from scrpo.eval import hf_generate, problem_messages, render_prompt

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def problems(n: int) -> list[str]:
    if (SHARED / "eval" / "gsm8k.jsonl").exists():
        from scrpo.data import load_problems
        return [r["problem"] for r in load_problems("gsm8k", data_dir=SHARED, limit=n)]
    return [f"What is {i} times {i + 3}, plus 7?" for i in range(n)]


def timed(model, tok, prompts, batch_size, **kw):
    t0, n_tok = time.perf_counter(), 0
    for b in range(0, len(prompts), batch_size):
        n_tok += sum(g.n_tokens for g in hf_generate(model, tok, prompts[b:b + batch_size], seed=b, **kw))
    return n_tok, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m", help="name or path for scrpo.models.load_model")
    ap.add_argument("--n", type=int, default=16, help="prompts")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=0.6)
    ap.add_argument("--device", default=None, help="transformers device_map, e.g. cuda:0 (default: CPU)")
    args = ap.parse_args()
    import torch
    from scrpo.data import DEFAULT_SYSTEM_PROMPT
    from scrpo.models import load_model
    model, tok = load_model(args.model, device_map=args.device)
    prompts = [render_prompt(tok, problem_messages(p, DEFAULT_SYSTEM_PROMPT)) for p in problems(args.n)]
    kw = dict(temperature=args.temperature, top_p=0.95, max_new_tokens=args.max_new_tokens)
    hf_generate(model, tok, prompts[:1], seed=0, **{**kw, "max_new_tokens": 4})  # warm-up
    nb, tb = timed(model, tok, prompts, args.batch_size, **kw)
    n1, t1 = timed(model, tok, prompts, 1, **kw)
    print(f"model={args.model} device={model.device} torch_threads={torch.get_num_threads()} prompts={len(prompts)} "
          f"max_new_tokens={args.max_new_tokens} temperature={args.temperature}")
    print(f"batched (batch_size={args.batch_size}): {nb} tokens in {tb:.1f} s = {nb / tb:.1f} tokens/s")
    print(f"unbatched (batch_size=1):   {n1} tokens in {t1:.1f} s = {n1 / t1:.1f} tokens/s")
    print(f"speed-up of batching: {(nb / tb) / (n1 / t1):.2f}x")


if __name__ == "__main__":
    main()
