"""The CPU twin tier: vLLM's CPU build, the real engine, nothing stubbed. `make test-vllm` runs these in .venv-vllm.

Skipped where vLLM is not installed (the main tier); with SCRPO_REQUIRE_VLLM=1 (set by `make test-vllm`) a missing vLLM
fails every test instead, so the twin tier can never pass by skipping.
"""
import importlib.util, os
from pathlib import Path
import pytest

os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "2")
# engines in the test process itself (no engine-core subprocess): several engines per session, freed in between
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
HAVE_VLLM = importlib.util.find_spec("vllm") is not None
REQUIRED = os.environ.get("SCRPO_REQUIRE_VLLM") == "1"
HERE = Path(__file__).resolve().parent

def pytest_collection_modifyitems(config, items):
    if HAVE_VLLM or REQUIRED: return
    skip = pytest.mark.skip(reason="vllm is not installed: the CPU twin tier (`make test-vllm`, .venv-vllm) runs these tests")
    for it in items:
        if HERE in Path(str(it.fspath)).resolve().parents: it.add_marker(skip)

@pytest.fixture(autouse=True, scope="session")
def _vllm_required():
    if not HAVE_VLLM and REQUIRED:
        pytest.fail("SCRPO_REQUIRE_VLLM=1 but vllm is not importable: build the twin environment with `make test-vllm`.")
