"""ScRPO (Self-correction Relative Policy Optimization, arXiv 2511.06065) on TRL: GRPO plus a memory of the model's own mistakes.

Modules:

- `scrpo.cli`: The `scrpo` command: `train`, `demo`, `eval`, `pool` and `sweep`.
- `scrpo.config`: Run configs: six typed YAML sections, `key=value` overrides, one-line errors before any model loads, and the packaged demo config.
- `scrpo.models`: `load_model`: one call that gives a causal LM and its chat tokenizer, from a known name, a local folder or a Hub id, through transformers (CPU or GPU) or Unsloth (GPU); an embedded SmolLM2 that works offline; tiny random models for tests.
- `scrpo.prompts`: Reflection templates: a problem and the model's earlier wrong answer become the chat messages of a self-correction prompt; the correction's Analysis section is found again for the loss.
- `scrpo.results`: Tables and figures from sweep results: accuracy per arm and set with 95% intervals over seeds, paired differences, compute, self-correction metrics, provenance, training curves and bar charts.
- `scrpo.run`: One run from a config: load the data and the model, evaluate before, train, evaluate after, and write the run folder.
- `scrpo.sweep`: Sweeps of run configs x seeds, resumable cell by cell; `scrpo.results` turns their result files into tables and figures."""

__version__ = "0.1.0"
