"""TRL 1.15 (Unsloth's cap) on a CPU-only torch.

TRL 1.15's GRPO computes log-probabilities through a fused LM head whose kernels are written in Triton, which
CPU builds of torch do not ship (`trl.trainer.utils._ChunkedLogProbFunction` is then None and the first loss
fails). TRL 1.16 falls back to plain torch by itself. For CI on CPU we give 1.15 the same math in plain torch;
on a GPU, where Unsloth runs, TRL's own kernels are used and this shim is never installed.
"""
import torch

class TorchChunkedLogProb:
    "Same inputs and outputs as TRL 1.15's `ChunkedLogProbFunction.apply`, computed with full logits in plain torch."
    @staticmethod
    def apply(hidden, weight, bias, targets, temperature, chunk_size, final_logit_softcapping=None, logit_scale=1.0,
              outputs=("entropy", "log_sum_sq_probs", "mean_logits", "is_top1")):
        z = hidden.float() @ weight.float().t()
        if bias is not None: z = z + bias.float()
        z = z * logit_scale
        if final_logit_softcapping is not None: z = final_logit_softcapping * torch.tanh(z / final_logit_softcapping)
        z = z / temperature
        logp = torch.log_softmax(z, dim=-1)
        lp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        ent = -(logp.exp() * logp).sum(-1) if "entropy" in outputs else None
        lss = torch.logsumexp(2 * logp, dim=-1) if "log_sum_sq_probs" in outputs else None
        mean = z.mean(-1) if "mean_logits" in outputs else None
        top1 = (z.argmax(-1) == targets) if "is_top1" in outputs else None
        return lp, ent, lss, mean, top1

def install():
    "Install the shim when TRL's fused LM head has no kernel (TRL 1.15 without Triton); returns whether it did."
    import trl.trainer.utils as u
    if getattr(u, "_ChunkedLogProbFunction", "absent") is None:
        u._ChunkedLogProbFunction = TorchChunkedLogProb
        return True
    return False
