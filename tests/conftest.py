import os
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

@pytest.fixture
def shared_data():
    "The public math sets in ../shared/data; skips the test when the folder is absent."
    if not SHARED_DATA.is_dir(): pytest.skip(f"{SHARED_DATA} not present")
    return SHARED_DATA

def pytest_configure(config):
    # TRL 1.15 (the Makefile's overlay) without Triton: plain-torch log-probs, as ScRPOTrainer itself fits them; here too for
    # the tests that build TRL's own GRPOTrainer to compare against
    from scrpo.engines import fit_trl_logprob
    fit_trl_logprob()

def pytest_report_header(config):
    import trl, transformers
    return f"trl {trl.__version__} ({trl.__file__}), transformers {transformers.__version__}"
