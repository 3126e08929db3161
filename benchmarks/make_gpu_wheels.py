"""Slim wheels for the Unsloth GPU check (benchmarks/gpu_check.sh) on a lent machine without network.

A call to the lent GPU machine may carry 64 MiB in all (the repository's files plus the carried folders), and that
machine has torch, transformers, accelerate, peft, pyarrow, xxhash, pandas, triton, sentencepiece, ... but not
Unsloth, TRL, datasets or math-verify. Unsloth's wheel is 28.6 MB, 26 MB of which is its web UI (`studio/`), and
bitsandbytes' is 43 MB: 15 CUDA/ROCm/XPU builds of its library, of which a machine loads one. This script

  1. downloads the pinned wheels below with `pip download --no-deps` (for the GPU machine's Python, 3.12 by default;
     version-tagged pure wheels such as multiprocess for Python 3.10-3.13, so the set installs on any of them)
     into a download cache outside the repository (installs nothing);
  2. rewrites the big ones without what training never imports: Unsloth without `studio/` and `unsloth_cli/`
     (and its console script), bitsandbytes with only `libbitsandbytes_cuda130.so` (`--cuda`) and the 63 kB CPU
     library; RECORD is regenerated, so each stays installable with `pip install --no-index --no-deps`;
  3. writes them and `requirements.txt` (the exact pins) into `.gpuwheels/` (ignored by git; carried to the machine);
  4. prints each wheel's size, their total and the size of the repository files a call carries, and exits 1 when
     together they exceed 64 MiB.

`--verify` then installs the set here into a temporary `--target` folder, as gpu_check.sh does there, and imports it
with only the GPU image's packages visible (see `verify`): every carried package must import; `import unsloth` must stop
at its no-GPU error, not at a missing module, and with Unsloth's CPU-CI switch (UNSLOTH_ALLOW_CPU=1) get through its
whole GPU import path, FastLanguageModel and scrpo's trainer included.

Usage: python benchmarks/make_gpu_wheels.py [--out .gpuwheels] [--python-version 3.12] [--cuda 130] [--verify]
Then:  device run with carry [".gpuwheels"]: bash benchmarks/gpu_check.sh
"""
import argparse, base64, csv, hashlib, io, os, re, shutil, subprocess, sys, tempfile, zipfile
from pathlib import Path

LIMIT = 64 * 2**20  # what one call to the lent machine may carry
ROOT = Path(__file__).resolve().parent.parent

# What the GPU machine lacks for `import unsloth` + FastLanguageModel + Unsloth's patched GRPOTrainer + scrpo
# (scrpo's own dependencies that its image lacks: trl, datasets, math-verify, fastcore; reasoning-gym is imported lazily).
# Read from the Requires-Dist of unsloth/unsloth_zoo/trl and from what their import-time code imports (a wheel that
# is only named in Requires-Dist but imported lazily, or not at all on this path, is left out; see NOT_CARRIED).
WHEELS = [
    ("unsloth==2026.10.9", "slim"),            # studio/ (web UI) and unsloth_cli/ dropped
    ("unsloth_zoo==2026.10.9", "whole"),
    ("bitsandbytes==0.50.2", "slim"),          # one CUDA library + the CPU one; Unsloth imports bitsandbytes on CUDA
    ("trl==1.15.0", "whole"),                  # Unsloth caps trl<=1.15.0
    ("peft==0.21.2", "whole"),                 # Unsloth needs >=0.18; the machine's version is unknown, so pin ours
    ("datasets==4.8.5", "whole"),              # Unsloth: <5 and not 4.4-4.5.0; trl 1.15: >=4.7; imported by trl and unsloth_zoo
    ("dill==0.4.1", "whole"),                  # datasets: dill<0.4.2
    ("multiprocess==0.70.19", "per-python"),   # datasets: <0.70.20; wheels are tagged py310..py313
    ("math-verify==0.9.0", "whole"),           # scrpo.verify
    ("latex2sympy2_extended==1.11.0", "whole"),
    ("antlr4-python3-runtime==4.13.2", "whole"),
    ("fastcore==2.2.41", "whole"),             # scrpo.trainer (@patch); constraints.txt's pin
]
# Named in Requires-Dist but not carried: not on the import path used here (checked by --verify) or optional.
NOT_CARRIED = {
    "xformers": "optional in Unsloth (SDPA otherwise); a CUDA wheel of hundreds of MB",
    "torchao": "imported lazily (fp8/QAT/saving paths only)",
    "cut_cross_entropy": "optional (try/except); unsloth_zoo turns CCE off for torch>=2.8 anyway",
    "tyro, hf_transfer, diffusers, typer, json5, structlog, nest_asyncio": "not imported by `import unsloth` (CLI, Studio, downloads)",
    "msgspec": "imported only by unsloth_zoo.vllm_lora_request (vLLM)",
    "vllm": "hundreds of MB; HF generation is used instead (fast_inference=False)",
    "pyarrow, xxhash, pandas, fsspec, httpx, aiohttp": "on the machine (its image; datasets imported there before)",
}
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_24_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")


def pip_download(req:str, dest:Path, python_version:str) -> Path:
    "Download the one wheel of `req` for CPython `python_version` on x86-64 Linux into `dest` (cached); its path."
    name = re.split(r"[=<>!~ ]", req)[0]
    norm = lambda s: re.sub(r"[-_.]+", "_", s).lower()
    before = set(dest.glob("*.whl"))
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
           "--python-version", python_version, "--implementation", "cp", *[a for p in PLATFORMS for a in ("--platform", p)],
           "-d", str(dest), req]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: sys.exit(f"pip download {req} failed:\n{r.stdout}{r.stderr}")
    version = req.split("==")[1] if "==" in req else None
    pyv = "py" + python_version.replace(".", "")
    cands = [p for p in dest.glob("*.whl") if norm(p.name.split("-")[0]) == norm(name)
             and (version is None or p.name.split("-")[1] == version)]
    # a version-tagged pure wheel (multiprocess-...-py312-none-any.whl) must be the one for this Python
    tagged = [p for p in cands if p.name.split("-")[-3] == pyv]
    cands = tagged or [p for p in cands if not re.fullmatch(r"py3\d+", p.name.split("-")[-3])] or cands
    if not cands: sys.exit(f"pip download {req} left no wheel in {dest} (new: {sorted(set(dest.glob('*.whl')) - before)})")
    return sorted(cands)[-1]


def _record_hash(data:bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def rewrite_wheel(src:Path, dst:Path, drop, edit=None) -> tuple[int, int]:
    """Copy wheel `src` to `dst` without the members for which `drop(name)` is true; `edit(name, bytes)` may change
    a kept member (None: drop it). RECORD is rewritten: dropped files leave it, edited ones get new hashes.
    Returns (members dropped, bytes of uncompressed data dropped)."""
    zin = zipfile.ZipFile(src)
    names = [i.filename for i in zin.infolist()]
    record = next(n for n in names if re.fullmatch(r"[^/]+\.dist-info/RECORD", n))
    kept, n_drop, b_drop, rows = {}, 0, 0, {}
    for row in csv.reader(io.StringIO(zin.read(record).decode())):
        if row: rows[row[0]] = row
    for info in zin.infolist():
        n = info.filename
        if n == record or n.endswith("/"): continue
        if drop(n): n_drop += 1; b_drop += info.file_size; continue
        data = zin.read(n)
        if edit is not None:
            new = edit(n, data)
            if new is None: n_drop += 1; b_drop += info.file_size; continue
            if new != data: data = new; rows[n] = [n, _record_hash(data), str(len(data))]
        kept[n] = (info, data)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        out_rows = []
        for n, (info, data) in kept.items():
            zi = zipfile.ZipInfo(n, date_time=info.date_time); zi.external_attr = info.external_attr
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data, compresslevel=9)
            out_rows.append(rows.get(n) or [n, _record_hash(data), str(len(data))])
        buf = io.StringIO(); w = csv.writer(buf, lineterminator="\n")
        for row in out_rows: w.writerow(row)
        w.writerow([record, "", ""])
        zi = zipfile.ZipInfo(record, date_time=(1980, 1, 1, 0, 0, 0)); zi.external_attr = 0o644 << 16
        zout.writestr(zi, buf.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, dst)
    return n_drop, b_drop


def slim_unsloth(src:Path, dst:Path):
    "Unsloth without its web UI (`studio/`) and CLI (`unsloth_cli/`, console script `unsloth`)."
    gone = ("studio", "unsloth_cli")
    def edit(n, data):
        if n.endswith(".dist-info/entry_points.txt"): return None  # only the `unsloth` CLI, which is dropped
        if n.endswith(".dist-info/top_level.txt"):
            return "".join(l + "\n" for l in data.decode().split() if l not in gone).encode()
        return data
    return rewrite_wheel(src, dst, lambda n: n.split("/")[0] in gone, edit)


def slim_bitsandbytes(src:Path, dst:Path, cuda:str):
    "bitsandbytes with only `libbitsandbytes_cuda{cuda}.so` and the CPU library."
    keep = {f"bitsandbytes/libbitsandbytes_cuda{cuda}.so", "bitsandbytes/libbitsandbytes_cpu.so"}
    names = zipfile.ZipFile(src).namelist()
    if f"bitsandbytes/libbitsandbytes_cuda{cuda}.so" not in names:
        sys.exit(f"{src.name} has no libbitsandbytes_cuda{cuda}.so; it has "
                 f"{sorted(n.split('/')[-1] for n in names if n.endswith('.so'))}")
    return rewrite_wheel(src, dst, lambda n: bool(re.fullmatch(r"bitsandbytes/libbitsandbytes_\w+\.so", n)) and n not in keep)


def carried_repo_bytes(exclude:Path) -> tuple[int, int, int]:
    "(bytes of `git ls-files`, bytes of tracked + untracked-not-ignored files, how many) that a device call carries."
    def sizes(args):
        out = subprocess.run(["git", "ls-files", "-z", *args], cwd=ROOT, capture_output=True, check=True).stdout
        files = [ROOT / f for f in out.decode().split("\0") if f]
        return [f.stat().st_size for f in files if f.is_file() and exclude not in f.parents]
    tracked, travels = sizes([]), sizes(["--cached", "--others", "--exclude-standard"])
    return sum(tracked), sum(travels), len(travels)


# The GPU image's Python packages (the device notes' list, read on such a machine on 2026-11-17); --verify hides
# every other package of this environment, so an import that would fail there for a missing module fails here too.
IMAGE_PACKAGES = """absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch build certifi
charset-normalizer chex click cloudpickle cmake colorama contourpy coverage cuda-bindings cuda-core cuda-pathfinder cuda-toolkit
cupy-cuda13x cycler cython diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist
fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna imageio iniconfig interface-meta
jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities
linear-operator lineax llvmlite lxml markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack
multidict multipledispatch mypy-extensions nanobind narwhals networkx ninja numba numba-cuda numpy numpyro nvidia-cublas
nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand
nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13
nvidia-nvtx onnx onnx-ir onnxruntime onnxscript opencv-python-headless optax opt-einsum opt-einsum-fx optimistix
orbax-checkpoint packaging pandas pathspec patsy peft pillow pip pluggy portalocker prometheus-client propcache protobuf psutil
pyarrow pybind11 py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock
pytest-timeout pytest-xdist python-dateutil pytorch-lightning pyyaml regex requests rich sacrebleu safetensors
scikit-build-core scikit-image scikit-learn scipy seaborn sentencepiece sentence-transformers setuptools shellingham simplejson
six sortedcontainers statsmodels sympy tabulate tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken
timm tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers treescope triton
typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp""".split()


def image_view(dest:Path) -> list[str]:
    """Link into `dest` the packages of this environment that the GPU image has, with their own dependencies (this
    environment's versions of them can need modules the image's versions do not); returns the image packages not here."""
    import importlib.metadata as md
    from packaging.requirements import Requirement
    norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
    image = {norm(n) for n in IMAGE_PACKAGES}
    dists = {}
    for d in md.distributions():
        dists.setdefault(norm(d.metadata["Name"]), d)
    todo, keep = [n for n in image if n in dists], set()
    while todo:
        n = todo.pop()
        if n in keep: continue
        keep.add(n)
        for r in dists[n].requires or []:
            req = Requirement(r)
            if req.marker and not req.marker.evaluate({"extra": ""}): continue
            if norm(req.name) in dists: todo.append(norm(req.name))
    dest.mkdir(parents=True, exist_ok=True)
    for n in keep:
        d = dists[n]
        base = Path(d.locate_file(""))
        for top in {str(f).split("/")[0] for f in d.files or []}:
            src = base / top
            if top in ("..", "__pycache__") or top.endswith(".pth") or not src.exists() or (dest / top).exists(): continue
            (dest / top).symlink_to(src)
    return sorted(image - set(dists))


def verify(out:Path, extra:list[str]) -> bool:
    """Install the set as gpu_check.sh does there, into a temporary --target, and import it with only the GPU image's
    packages visible (`python -S`, this environment's copies of them linked into one folder): every carried package must
    import; `import unsloth` must stop at its no-GPU error (UNSLOTH_DISABLE_CPU_FALLBACK=1) and, with Unsloth's own
    CPU-CI switch UNSLOTH_ALLOW_CPU=1, get through its whole GPU import path with FastLanguageModel and scrpo's modules.
    `extra`: more requirements for the temporary folder only (e.g. transformers==5.17.0, Unsloth's cap)."""
    tmp = Path(tempfile.mkdtemp(prefix="gpuwheels-verify-"))
    site, view = tmp / "site", tmp / "image"
    print(f"\n== verify: pip install --no-index --no-deps --find-links {out.name} --target {site} -r {out.name}/requirements.txt")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index", "--no-deps",
                    "--no-compile", "--find-links", str(out), "--target", str(site), "-r", str(out / "requirements.txt")], check=True)
    if extra:
        print(f"   + (here only) {' '.join(extra)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--no-compile",
                        "--target", str(site), *extra], check=True)
    absent = image_view(view)
    needed = set()  # what the carried wheels declare that the image has: those absent here are not tested by this check
    for w in out.glob("*.whl"):
        meta = zipfile.ZipFile(w).read(next(n for n in zipfile.ZipFile(w).namelist() if n.endswith(".dist-info/METADATA"))).decode()
        needed |= {re.sub(r"[-_.]+", "-", m).lower() for m in re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)(?![^\n]*extra ==)", meta, re.M)}
    print(f"   only the GPU image's packages visible: {len(IMAGE_PACKAGES) - len(absent)} of its {len(IMAGE_PACKAGES)} are in this "
          f"environment; of those the set declares, absent here (imports of them untested): {', '.join(sorted(needed & set(absent))) or 'none'}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), str(view)]), "HF_HUB_OFFLINE": "1",
           "UNSLOTH_DISABLE_STATISTICS": "1", "UNSLOTH_COMPILE_LOCATION": str(tmp / "unsloth_compiled_cache")}
    def run(code, **more):
        return subprocess.run([sys.executable, "-S", "-c", code], env={**env, **more}, capture_output=True, text=True, timeout=900, cwd=tmp)
    ok = True
    for mod in ["trl", "peft", "datasets", "dill", "multiprocess", "math_verify", "latex2sympy2_extended", "antlr4", "fastcore",
                "bitsandbytes"]:  # unsloth_zoo refuses to import before unsloth: it is checked through unsloth below
        r = run(f"import {mod}; print(getattr({mod}, '__version__', '?'), 'from', 'the set' if {mod}.__file__.startswith({str(site)!r}) else {mod}.__file__)")
        last = (r.stdout.strip() or r.stderr.strip()).splitlines()[-1:] or [""]
        print(f"   import {mod:22} {'ok  ' if r.returncode == 0 else 'FAIL'} {last[0][:200]}")
        ok &= r.returncode == 0
    r = run("import unsloth", UNSLOTH_DISABLE_CPU_FALLBACK="1")
    missing = re.findall(r"No module named '([^']+)'", r.stderr)
    no_gpu = re.search(r"NotImplementedError: .*(GPU|accelerator).*", r.stderr)
    good = r.returncode != 0 and not missing and no_gpu
    print(f"   import unsloth (UNSLOTH_DISABLE_CPU_FALLBACK=1)      {'ok  ' if good else 'FAIL'} "
          + (f"stops at its GPU check: {no_gpu.group(0)}" if good else (f"missing module {missing[-1]}" if missing else r.stderr[-500:])))
    ok &= bool(good)
    code = ("import unsloth; from unsloth import FastLanguageModel, PatchFastRL; import trl, scrpo.trainer, scrpo.models, scrpo.verify; "
            "import transformers, torch; print('unsloth', unsloth.__version__, 'trl', trl.__version__, 'transformers', "
            "transformers.__version__, 'torch', torch.__version__)")
    r = run(code, UNSLOTH_ALLOW_CPU="1")
    missing = re.findall(r"No module named '([^']+)'", r.stderr)
    print(f"   UNSLOTH_ALLOW_CPU=1: import unsloth, FastLanguageModel, scrpo.trainer {'ok  ' if r.returncode == 0 else 'FAIL'} "
          + (r.stdout.strip().splitlines()[-1] if r.returncode == 0 else (f"missing module {missing[-1]}" if missing else r.stderr[-800:])))
    ok &= r.returncode == 0
    shutil.rmtree(tmp, ignore_errors=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / ".gpuwheels"), help="where the slim set goes (ignored by git)")
    ap.add_argument("--cache", default=str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "scrpo" / "gpu-wheel-downloads"),
                    help="where pip download puts the original wheels")
    ap.add_argument("--python-version", default="3.12", help="the GPU machine's Python (its image: 3.12)")
    ap.add_argument("--cuda", default="130", help="the CUDA version of the machine's torch, as bitsandbytes names it (cu130 -> 130)")
    ap.add_argument("--verify", action="store_true", help="install the set into a temporary --target here and import it")
    ap.add_argument("--verify-extra", nargs="*", default=[], metavar="REQ",
                    help="also install these into the temporary folder for --verify (e.g. transformers==5.17.0)")
    a = ap.parse_args()
    out, cache = Path(a.out).resolve(), Path(a.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    rows, reqs = [], []
    for req, how in WHEELS:
        reqs.append(req)
        pys = PYTHONS if how == "per-python" else (a.python_version,)
        for pyv in pys:
            src = pip_download(req, cache, pyv)
            dst = out / src.name
            if dst.exists(): continue
            if how == "slim":
                fn = slim_unsloth if req.startswith("unsloth==") else (lambda s, d: slim_bitsandbytes(s, d, a.cuda))
                n_drop, b_drop = fn(src, dst)
                note = f"slimmed from {src.stat().st_size / 2**20:.1f} MiB ({n_drop} files, {b_drop / 2**20:.0f} MiB unpacked dropped)"
            else:
                shutil.copy2(src, dst); note = "as downloaded" + (f" (for Python {pyv})" if how == "per-python" else "")
            rows.append((dst, note))
    (out / "requirements.txt").write_text("# the pins make_gpu_wheels.py wrote; install with --no-index --find-links .gpuwheels\n"
                                           + "".join(r + "\n" for r in reqs))
    print(f"{'wheel':76} {'MiB':>7}  note")
    total = 0
    for p, note in rows:
        total += p.stat().st_size
        print(f"{p.name:76} {p.stat().st_size / 2**20:7.2f}  {note}")
    total += (out / "requirements.txt").stat().st_size
    tracked, travels, n_travels = carried_repo_bytes(out)
    both = total + travels
    print(f"{'wheels in ' + str(out.relative_to(ROOT) if out.is_relative_to(ROOT) else out) + ' (total)':76} {total / 2**20:7.2f}")
    print(f"{'repository: git ls-files | xargs du -cb':76} {tracked / 2**20:7.2f}")
    print(f"{f'repository as a call carries it (tracked + untracked not ignored, {n_travels} files)':76} {travels / 2**20:7.2f}")
    print(f"{'what one call carries with the wheels':76} {both / 2**20:7.2f}  limit {LIMIT / 2**20:.0f} MiB, "
          f"{(LIMIT - both) / 2**20:.1f} MiB to spare")
    print("not carried: " + "; ".join(f"{k} ({v})" for k, v in NOT_CARRIED.items()))
    if both > LIMIT: sys.exit(f"over the {LIMIT / 2**20:.0f} MiB a call may carry")
    if a.verify and not verify(out, a.verify_extra): sys.exit("verify failed")


if __name__ == "__main__": main()
