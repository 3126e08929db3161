"""The pip package: `python -m build` makes an sdist and a wheel; the wheel installs into a fresh virtualenv and works.

The fresh venv sees this environment's installed dependencies through a `.pth` line (so the test stays offline and
fast) but none of its `.pth` hooks, so `scrpo` there can only come from the wheel, never from the editable checkout.
"""
import email, json, os, re, shutil, subprocess, sys, sysconfig, tarfile, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("build", reason="the `build` package is not installed (pip install -e '.[dev]')")


def run(*cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    return r


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    "The sdist and the wheel, built from this checkout (no isolation: setuptools comes from this environment)."
    out = tmp_path_factory.mktemp("dist")
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools reuses build/lib: a module deleted since the last build would ship
    run(sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", out, ROOT, cwd=ROOT)
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def venv(dists, tmp_path_factory):
    "A fresh virtualenv with only the wheel installed; the dependencies come from this environment's site-packages."
    wheel, _ = dists
    v = tmp_path_factory.mktemp("venv") / "v"
    run(sys.executable, "-m", "venv", "--without-pip", v)
    py = v / "bin" / "python"
    site = Path(run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "zz_outer_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q", wheel)
    return v


def test_wheel_holds_only_the_package(dists):
    wheel, _ = dists
    import scrpo
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = f"scrpo-{scrpo.__version__}.dist-info/"
    stray = [n for n in names if not (n.startswith("scrpo/") or n.startswith(dist_info))]
    assert not stray, f"the wheel carries files outside the package: {stray}"
    pkg = sorted(n for n in names if n.startswith("scrpo/"))
    assert all(n.endswith(".py") for n in pkg), f"non-code files in the wheel: {[n for n in pkg if not n.endswith('.py')]}"
    assert {"scrpo/__init__.py", "scrpo/_modidx.py", "scrpo/cli.py", "scrpo/trainer.py"} <= set(pkg)
    shipped = {f"scrpo/{p.name}" for p in (ROOT / "scrpo").glob("*.py")}
    assert set(pkg) == shipped, f"wheel and package differ: {set(pkg) ^ shipped}"
    assert f"{dist_info}licenses/LICENSE" in names


def test_wheel_metadata(dists):
    wheel, _ = dists
    import scrpo
    zf = zipfile.ZipFile(wheel)
    meta = email.message_from_string(zf.read(f"scrpo-{scrpo.__version__}.dist-info/METADATA").decode())
    assert meta["Name"] == "scrpo" and meta["Version"] == scrpo.__version__
    assert meta["License-Expression"] == "Apache-2.0" and meta["Requires-Python"] == ">=3.10"
    assert meta["Summary"] and "ScRPO" in meta["Summary"]
    assert {"gpu", "dev", "docs"} <= set(meta.get_all("Provides-Extra"))
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Documentation", "Repository", "Changelog"} <= set(urls)
    assert any(c.startswith("License") or c.startswith("Development Status") for c in meta.get_all("Classifier"))
    assert "# scrpo" in meta.get_payload(), "the long description is not the README"
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("trl") for r in requires) and any(r.startswith("unsloth") and 'extra == "gpu"' in r for r in requires)
    eps = zf.read(f"scrpo-{scrpo.__version__}.dist-info/entry_points.txt").decode()
    assert re.search(r"^\[console_scripts\]\s*\nscrpo = scrpo\.cli:main", eps, re.M), eps


def test_sdist_builds_the_same_package(dists):
    _, sdist = dists
    import scrpo
    names = tarfile.open(sdist).getnames()
    top = f"scrpo-{scrpo.__version__}/"
    for f in ("pyproject.toml", "README.md", "LICENSE", "scrpo/__init__.py", "scrpo/cli.py"):
        assert top + f in names, f"{f} missing from the sdist"
    assert not [n for n in names if n.endswith(".ipynb")], "notebooks in the sdist"


def test_installed_wheel_runs(venv, tmp_path):
    import scrpo
    py, cli = venv / "bin" / "python", venv / "bin" / "scrpo"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "PYTHONNOUSERSITE": "1"}
    env.pop("PYTHONPATH", None)
    r = run(py, "-c", "import scrpo, importlib.metadata as m; print(scrpo.__file__); print(scrpo.__version__, m.version('scrpo'))",
            cwd=tmp_path, env=env)
    where, versions = r.stdout.strip().splitlines()
    assert Path(where).is_relative_to(venv), f"scrpo imported from {where}, not from the wheel"
    assert versions.split() == [scrpo.__version__] * 2
    assert scrpo.__version__ in run(cli, "--version", cwd=tmp_path, env=env).stdout
    help_text = run(cli, "--help", cwd=tmp_path, env=env).stdout
    assert all(c in help_text for c in ("train", "demo", "eval", "pool"))
    # a tiny offline run through the installed command: random tiny model, 2 steps, one correction step
    cfg = {"model": {"name": "tiny-llama"},
           "data": {"train": {"name": "rg:chain_sum", "size": 8, "knobs": {"max_terms": 2}}, "eval": {}},
           "rewards": ["accuracy_reward"],
           "train": {"max_steps": 2, "per_device_train_batch_size": 4, "num_generations": 2, "max_completion_length": 8,
                     "correction_every": 1, "correction_batch_size": 2, "pool_admission": "all_wrong", "beta": 0.0,
                     "disable_tqdm": True, "seed": 0, "save_strategy": "no"},
           "eval": {"before": False, "after": False},
           "run": {"name": "wheel", "root": str(tmp_path / "runs")}}
    (tmp_path / "tiny.yaml").write_text(json.dumps(cfg))  # JSON is YAML
    run(cli, "train", "--config", tmp_path / "tiny.yaml", cwd=tmp_path, env=env, timeout=600)
    (run_dir,) = (tmp_path / "runs").iterdir()
    lines = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines() if l.strip()]
    assert any("pool/size" in l for l in lines), f"no training metrics in {run_dir}/metrics.jsonl"
    assert "pool" in run(cli, "pool", run_dir, cwd=tmp_path, env=env).stdout.lower()
