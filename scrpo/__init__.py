"""ScRPO (Self-correction Relative Policy Optimization, arXiv 2511.06065) on TRL: GRPO plus a memory of the model's own mistakes.

Modules:

- `scrpo.models`: `load_model`: one call that gives a causal LM and its chat tokenizer, from a known name, a local folder or a Hub id, through transformers (CPU or GPU) or Unsloth (GPU); an embedded SmolLM2 that works offline; tiny random models for tests.
- `scrpo.prompts`: Reflection templates: a problem and the model's earlier wrong answer become the chat messages of a self-correction prompt; the correction's Analysis section is found again for the loss."""

__version__ = "0.1.0"
