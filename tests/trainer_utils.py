"Shared pieces of the trainer tests: a scripted generator, a small dataset and config."
import tempfile
from datasets import Dataset
from scrpo.trainer import ScRPOConfig

def scripted_generate(trainer, script):
    "Make `trainer` generate `script(prompt_messages, i) -> str` instead of sampling; everything else is the real code."
    orig, tok = trainer._generate, trainer.processing_class
    def generate(prompts):
        out = list(orig(prompts))
        texts = [script(p, i) for i, p in enumerate(prompts)]
        out[1] = [tok(t, add_special_tokens=False)["input_ids"] + [tok.eos_token_id] for t in texts]
        out[3] = [[{"role": "assistant", "content": t}] for t in texts] if isinstance(out[3][0], list) else texts
        if out[4] is not None: out[4] = None  # sampling log-probs of the replaced tokens do not exist (HF generation gives None)
        return tuple(out)
    trainer._generate = generate
    return trainer

ANALYSIS = "I added the numbers wrongly before."

def arithmetic_script(prompt, i):
    "Trial: right for samples 0-1 of each group of 4, wrong (two distinct ways) for 2-3. Correction: formatted and right for 0-1."
    user = prompt[-1]["content"] if isinstance(prompt, list) else prompt
    a, b = [int(x) for x in user.split("What is ")[1].split("?")[0].split(" + ")]
    if "earlier attempt" in user:
        if i % 4 < 2: return f"Analysis: {ANALYSIS}\nCorrected Solution: {a} + {b} = \\boxed{{{a + b}}}"
        return f"The answer is \\boxed{{{a + b + 1}}}"
    return f"{a} + {b} = \\boxed{{{a + b if i % 4 < 2 else a + b + i % 4}}}"

def arithmetic_dataset(n=8):
    return Dataset.from_list([{"prompt": [{"role": "user", "content": f"What is {i} + {i + 1}?"}], "answer": str(2 * i + 1),
                               "id": f"add-{i}"} for i in range(n)])

def config(output_dir=None, cls=ScRPOConfig, **kw):
    base = dict(output_dir=output_dir or tempfile.mkdtemp(), report_to="none", use_cpu=True, per_device_train_batch_size=8,
                num_generations=4, max_completion_length=16, max_steps=4, logging_steps=1, learning_rate=1e-3, seed=0,
                correction_every=1, correction_warmup_steps=1, correction_batch_size=2, save_strategy="no", disable_tqdm=True,
                bf16=False)  # float32 on CPU, as `scrpo train` runs (TRL's bf16 autocast is slow without native bf16)
    return cls(**{**base, **kw})
