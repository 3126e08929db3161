"""ScRPO (Self-correction Relative Policy Optimization, arXiv 2511.06065) on TRL: GRPO plus a memory of the model's own mistakes.

Modules:

- `scrpo.cli`: The `scrpo` command: `train`, `demo`, `eval`, `pool` and `sweep`.
- `scrpo.code_organism`: The code-debugging model organism: a tiny llama with its own tokenizer, warm-started by TRL SFT on `code:debug` fixes and on correction demonstrations made by injecting a second bug into a right fix.
- `scrpo.code_task`: Procedural code debugging: a short Python function with one injected bug and the tests it fails; the answer is the fixed function, checked by running the tests.
- `scrpo.config`: Run configs: six typed YAML sections, `key=value` overrides, one-line errors before any model loads, and the packaged demo configs.
- `scrpo.core`: The package's version, provenance helpers, the run folder every command writes to, and the text helpers several modules share (boxed answers, problem ids).
- `scrpo.data`: Maths problems in one schema, from local files, the Hugging Face Hub or reasoning-gym, and TRL chat prompts for them.
- `scrpo.demo`: `scrpo demo organism` and `scrpo demo code`: build or load a model organism, train GRPO and ScRPO on it side by side at equal generated samples, and plot both curves.
- `scrpo.engines`: Where vLLM can run, and what TRL needs to use it there: vLLM's own platform decides; on vLLM's CPU build the colocated engine gets its weights by an in-place reload; TRL 1.15's fused LM head gets plain-torch log-probs off a GPU.
- `scrpo.eval`: Evaluation on the paper's benchmarks: pass@1 over k samples, unbiased pass@k, maj@k, and self-correction metrics.
- `scrpo.models`: `load_model`: one call that gives a causal LM and its chat tokenizer, from a known name, a local folder or a Hub id, through transformers (CPU or GPU) or Unsloth (GPU); an embedded SmolLM2 that works offline; tiny random models for tests.
- `scrpo.organism`: A CPU-scale model organism for ScRPO: procedural chain sums, a small llama model with its own tokenizer, and a TRL SFT warm start on solutions and on correction demonstrations made by controlled error injection.
- `scrpo.organism_errors`: Wrong answers of one chosen kind for the organism's chain sums, and the kind of error a reply makes: the instrument for injecting errors by kind into the error pool and for counting each kind in first attempts.
- `scrpo.organism_hard`: Where GRPO has no signal: the chain sums on which the organism's warm start gets every one of k sampled answers wrong, measured once and shipped, and training mixtures in which such problems are common.
- `scrpo.pool`: The error pool: the model's own wrong answers, admitted from scored groups, deduplicated, evicted, sampled for self-correction and saved with the run.
- `scrpo.prompts`: Reflection templates: a problem and the model's earlier wrong answer become the chat messages of a self-correction prompt; the correction's Analysis section is found again for the loss.
- `scrpo.results`: Tables and figures from sweep results: accuracy per arm and set with 95% intervals over seeds, paired differences, compute, self-correction metrics, provenance, training curves and bar charts.
- `scrpo.run`: One run from a config: load the data and the model, evaluate before, train, evaluate after, and write the run folder.
- `scrpo.sandbox`: Untrusted Python run in a separate, limited process: wall time, CPU time, memory, processes, files, output and network.
- `scrpo.sweep`: Sweeps of run configs x seeds, resumable cell by cell; `scrpo.results` turns their result files into tables and figures.
- `scrpo.trainer`: `ScRPOConfig` and `ScRPOTrainer`: TRL's GRPO step unchanged, plus an error pool and periodic self-correction steps.
- `scrpo.verify`: Answer extraction, gold normalisation and equivalence checking, bounded in time; the TRL reward functions.
- `scrpo.verify_code`: Python answers judged by running tests in a separate, limited process: wall time, CPU time, memory, processes, files, output and network.
- `scrpo.verify_pool`: The worker processes behind `scrpo.verify.check_many`: a hard wall-clock limit per item, cheap restarts, gold affinity."""

__version__ = "0.1.0"
