#!/bin/bash
# The GPU check of the trainer and the evaluation backend, as run on a lent H100 with no network (see the trainer
# notebook's GPU section for the figures). Prepare here, on a machine with the embedded model and pip:
#   python benchmarks/bench_trainer.py --make-bundle .gpu/bundle    # SmolLM2's config + tokenizer, training problems
#   pip download --no-deps -d .whl trl==1.16.0 datasets==5.2.0 dill multiprocess math-verify latex2sympy2_extended antlr4-python3-runtime
# then run this there from the repository root with .whl and .gpu carried; results land in $OUT (default: gpu_out/).
# SmolLM2's GGUF (98 MB) does not fit the 64 MiB a call may carry, so the model has SmolLM2's shape and random weights:
# step times depend on the shape; rewards are ~0 (the bench admits `any_wrong`).
OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 BENCH_VERBOSE=${BENCH_VERBOSE:-}
nvidia-smi -L | tee "$OUT/env.txt"
python3 -c "import torch, transformers, trl, datasets, math_verify; print('torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'datasets', datasets.__version__)" | tee -a "$OUT/env.txt"
echo "== trainer: GRPO vs ScRPO (corrections off / every 2nd step), SmolLM2-shaped, bf16, $(date +%T)"
python3 benchmarks/bench_trainer.py --models smollm2-random --bundle .gpu/bundle --device cuda --steps ${STEPS:-6} \
  --batch ${BATCH:-32} --gens ${GENS:-8} --max-new ${MAX_NEW:-256} 2>&1 | grep -v -i warn | tee "$OUT/bench_trainer_gpu.txt"
echo "== evaluation and self-correction on cuda (fixture GSM8K, batched HF backend), $(date +%T)"
python3 - <<'PY' 2>&1 | grep -v -i warn | tee "$OUT/eval_gpu.txt"
import sys, time; sys.path.insert(0, "benchmarks")
from bench_trainer import _random_model
from scrpo.eval import evaluate, self_correction_eval
model, tok = _random_model(".gpu/bundle"); model = model.cuda()
t0 = time.perf_counter()
r = evaluate(model, tok, ["gsm8k"], data_dir="data/fixtures", k=4, max_new_tokens=64, batch_size=16, out="/tmp/ev", progress=False)
print("evaluate on", model.device, f"{time.perf_counter() - t0:.1f} s:", r["metrics"])
t0 = time.perf_counter()
s = self_correction_eval(model, tok, ["gsm8k"], first=r, template="retry", data_dir="data/fixtures", max_new_tokens=64, progress=False)
print("self_correction_eval", f"{time.perf_counter() - t0:.1f} s:", s["metrics"])
PY
echo "== generation: batched vs unbatched HF generate on cuda, $(date +%T)"
python3 - <<'PY'
import sys; sys.path.insert(0, "benchmarks")
from bench_trainer import _random_model
m, t = _random_model(".gpu/bundle"); m.save_pretrained("/tmp/smolrand"); t.save_pretrained("/tmp/smolrand")
PY
python3 benchmarks/bench_generate.py --model /tmp/smolrand --device cuda:0 --n ${GEN_N:-16} --batch-size 16 --max-new-tokens 128 2>&1 \
  | grep -v -i warn | tee "$OUT/bench_generate_gpu.txt"
echo "== scrpo train on cuda (auto backend and dtype, corrections every 2nd step), $(date +%T)"
python3 -m scrpo.cli train --config benchmarks/gpu_cli_smoke.yaml 2>&1 | grep -v -i warn | grep -v "it/s\]" | tee "$OUT/cli_gpu.txt" | tail -8
echo "== done $(date +%T)"
