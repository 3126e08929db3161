#!/bin/bash
# The GPU check of ScRPO on Unsloth, as one prepared script for a lent GPU machine without network (one H200 or H100,
# torch 2.11+cu130 and transformers 5.17 in its image, no Unsloth, TRL, datasets or math-verify). About 4-5 minutes on
# an H200 (expected); each stage has a time limit (60 + 180 + 100 s), so it ends within about 6 (give the call
# timeout_s >= 420). A stage stopped at its limit still reports the runs it finished.
#
# Prepare here (needs PyPI; installs nothing):
#   python benchmarks/make_gpu_wheels.py --verify     # slim Unsloth/bitsandbytes + TRL 1.15, peft, datasets, ... -> .gpuwheels/ (~11 MiB)
# Run there from the repository root, with .gpuwheels carried (device run: carry [".gpuwheels"]):
#   bash benchmarks/gpu_check.sh                      # results in $OUT (default gpu_out/): 6 files, 7 with CLI=1
# What it checks (benchmarks/gpu_unsloth_check.py; the model has Qwen2.5-1.5B's shape, random weights, Qwen's 151,936
# vocabulary and the offline 512-token tiny tokenizer, since no real weights fit in what a call may carry):
#   1. unsloth: `import unsloth` patches TRL; trl.GRPOTrainer is Unsloth's class and scrpo_trainer_class() subclasses it;
#      load_model(backend="unsloth", lora=r16) loads the model; ScRPO trains 3 steps with a correction at steps 2-3 on
#      scripted completions (some corrections right), correction_loss_weight 1 then 0 from the same seed and LoRA start:
#      the correction loss is finite and carried tokens, and the LoRA weights differ; then Unsloth's GRPOTrainer is
#      timed with real generation (4 steps, 16 completions of 256 tokens): peak GPU memory, completion tokens/s.
#   2. trl (a process that never imports unsloth): the same model, LoRA through peft, TRL's own GRPOTrainer timed the
#      same way, and one scripted ScRPO run for its correction loss.
#   3. report: both side by side. CLI=1 adds `scrpo train` (automatic backend, hence Unsloth) on a tiny Qwen2 model.
# CPU_SMOKE=1 runs the same plumbing on a CPU (a tiny Qwen2 model, gpu_unsloth_check.py --cpu-smoke), PYTHON=... picks
# the interpreter: `CPU_SMOKE=1 PYTHON=.venv/bin/python OUT=/tmp/gpu_smoke bash benchmarks/gpu_check.sh`.
set -u -o pipefail
OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
PY=${PYTHON:-python3}
if [ "${CPU_SMOKE:-0}" = 1 ]; then MODEL_ARGS="--tiny --cpu --dtype float32"; CHECK_ARGS="--cpu-smoke"; SITE=/tmp/site-cpu-smoke; X=5
else MODEL_ARGS=""; CHECK_ARGS=""; SITE=/tmp/site; X=1; fi  # X: time limits are X times longer on a CPU
T0=$(date +%s)
stamp() { echo "== $(date +%T) (+$(( $(date +%s) - T0 )) s) $*"; }
show() { grep --line-buffered -E '^\[|^== |Error|error:|FAIL|Traceback' || true; }  # the log lines; everything goes to the files
RC=0
if [ ! -f .gpuwheels/requirements.txt ]; then
  echo "no .gpuwheels/: run 'python benchmarks/make_gpu_wheels.py' where PyPI is reachable and carry .gpuwheels"; exit 2
fi
stamp "install the slim wheels into $SITE" | tee "$OUT/env.txt"
$PY -m pip install -q --disable-pip-version-check --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target "$SITE" --find-links .gpuwheels -r .gpuwheels/requirements.txt 2>&1 | tee -a "$OUT/env.txt" || exit 1
export PYTHONPATH=$SITE:$PWD
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 \
  UNSLOTH_DISABLE_STATISTICS=1 UNSLOTH_COMPILE_LOCATION=/tmp/unsloth_compiled_cache SCRPO_CACHE=/tmp/scrpo-cache
nvidia-smi -L 2>&1 | tee -a "$OUT/env.txt"
$PY -c "import sys, torch, transformers, accelerate, peft, trl, datasets; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'transformers', transformers.__version__, 'accelerate', accelerate.__version__, 'peft', peft.__version__, 'trl', trl.__version__, 'datasets', datasets.__version__)" 2>&1 | tee -a "$OUT/env.txt"

stamp "model of Qwen2.5-1.5B's shape, random weights -> /tmp/qwen-shape" | tee -a "$OUT/env.txt"
timeout $((60 * X)) $PY benchmarks/gpu_unsloth_check.py make-model --out /tmp/qwen-shape $MODEL_ARGS 2>&1 | tee -a "$OUT/env.txt" | show || exit 1

stamp "Unsloth: patched TRL, ScRPO with corrections (weight 1 and 0), timing"
timeout $((180 * X)) $PY benchmarks/gpu_unsloth_check.py unsloth --model /tmp/qwen-shape --json "$OUT/unsloth.json" --budget-s $((130 * X)) $CHECK_ARGS \
  2>&1 | tee "$OUT/unsloth.txt" | show
rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || { RC=1; echo "unsloth stage: exit $rc$([ "$rc" = 124 ] && echo ' (time limit)')"; }

stamp "plain TRL (no unsloth in the process): timing, scripted ScRPO"
timeout $((100 * X)) $PY benchmarks/gpu_unsloth_check.py trl --model /tmp/qwen-shape --json "$OUT/trl.json" --budget-s $((60 * X)) $CHECK_ARGS \
  2>&1 | tee "$OUT/trl.txt" | show
rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || { RC=1; echo "trl stage: exit $rc$([ "$rc" = 124 ] && echo ' (time limit)')"; }

if [ "${CLI:-0}" = 1 ]; then
  stamp "scrpo train with the automatic backend (Unsloth here) on a tiny Qwen2 model (benchmarks/gpu_cli_smoke.yaml)"
  rm -rf /tmp/smolrand
  $PY benchmarks/gpu_unsloth_check.py make-model --out /tmp/smolrand --tiny --vocab tokenizer >/dev/null 2>&1
  timeout 120 $PY -m scrpo.cli train --config benchmarks/gpu_cli_smoke.yaml 2>&1 | grep -v "it/s\]" > "$OUT/cli.txt"
  rc=${PIPESTATUS[0]}; tail -8 "$OUT/cli.txt"; [ "$rc" = 0 ] || { RC=1; echo "cli stage: exit $rc"; }
fi

stamp "report"
$PY benchmarks/gpu_unsloth_check.py report "$OUT/unsloth.json" "$OUT/trl.json" 2>&1 | tee "$OUT/report.txt" || RC=1
stamp "done, exit $RC"
exit $RC
