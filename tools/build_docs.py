#!/usr/bin/env python
"""Build the documentation site from the notebooks, offline: `python tools/build_docs.py` (what `make docs` runs).

nbs/ --(1. stage: nbdev-like processing)--> _proc/ --(2. execute, optional, cached)--> --(3. Sphinx + MyST-NB)--> _docs/

1. Stage. Each notebook is copied to `_proc/` under nbdev-docs' page name (`nbs/03_pool.ipynb` -> `pool.html`,
   `nbs/tutorials/quickstart.ipynb` -> `tutorials/quickstart.html`) and processed as nbdev-docs would: `#| default_exp`
   cells vanish, `#| hide` cells run but are not shown, `#| export` cells show the API documentation of what they define
   (Sphinx autodoc of the exported module, with docments parameter comments) instead of their source, and the `#|`
   lines are dropped from the code shown. Links to `NN_name.ipynb` follow the rename; `` `Name` `` in markdown links to
   `Name`'s documentation when an exported name has it. The home page (`index.ipynb`) gets the site's navigation:
   modules, tutorials, explanations, experiments (each section only when its folder has pages).
2. Execute. Notebooks are committed without outputs, so outputs and figures appear only when the build runs them:
   `--execute all` (the default) runs every page, `--execute none` none, or a comma list of globs over the
   paths below nbs/ (`index.ipynb,tutorials/*`). Cells nbdev-test skips (`#| slow`, `#| gpu`, `#| notest`,
   `#| eval: false`) are not run here either. Each notebook runs in its own kernel, in its folder (as nbdev-test does),
   `--jobs` at a time, with a wall-clock limit of `--timeout` seconds; one that fails or times out is rendered without
   outputs and reported (`--strict` makes that an error). Results are cached in `.cache/docs/` by the notebook's
   content and the package's source, so a rebuild with nothing changed runs nothing.
3. Render. Sphinx (with MyST-NB for notebooks and markdown pages, autodoc for the API, the Furo theme) writes the
   static site, with warnings as errors. No page loads anything from the network.

A user with Quarto can still run `nbdev-docs` on the same notebooks: nothing here changes them.
"""
from __future__ import annotations
import argparse, ast, copy, fnmatch, hashlib, json, os, re, shutil, signal, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
CONF = ROOT / "docs"
SECTIONS = {"tutorials": "Tutorials", "explanations": "Explanations", "experiments": "Experiments"}
FIRST = {"tutorials": ["quickstart", "custom_task"]}  # pages listed first in their section, the rest alphabetically
SKIP_FLAGS = {"slow", "gpu", "notest"}  # as `tst_flags` in pyproject.toml: nbdev-test skips these cells by default
ASSETS = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".csv", ".json", ".txt"}


@dataclass
class Page:
    src: Path      # the notebook or markdown file in nbs/
    rel: str       # its path in the staged tree, e.g. "pool.ipynb" or "tutorials/quickstart.ipynb"
    section: str   # "home", "modules", or a key of SECTIONS

    @property
    def name(self) -> str: return str(Path(self.rel).with_suffix("")).replace(os.sep, "/")


def page_name(path:Path) -> str:
    "nbdev-docs' page name of a notebook: the file name without its `NN_` order prefix."
    return re.sub(r"^\d+[a-z]?_", "", path.stem)


def discover(nbs:Path=NBS) -> list[Page]:
    "Every page of the site, in navigation order: home, modules (by number), then each section's folder."
    pages = [Page(nbs / "index.ipynb", "index.ipynb", "home")]
    pages += [Page(p, page_name(p) + ".ipynb", "modules") for p in sorted(nbs.glob("[0-9]*_*.ipynb"))]
    for sec in SECTIONS:
        files = [p for p in (nbs / sec).glob("*") if p.suffix in (".ipynb", ".md") and not p.name.startswith((".", "_"))]
        first = FIRST.get(sec, [])
        files.sort(key=lambda p: (first.index(p.stem) if p.stem in first else len(first), p.name))
        pages += [Page(p, f"{sec}/{page_name(p)}{p.suffix}", sec) for p in files]
    return pages


# ---- 1. stage

_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(.*?)\s*$")

def split_directives(source:str) -> tuple[dict[str, str], str]:
    "nbdev's `#| ...` lines at the top of a cell as {name: value} (flags map to ''), and the source without them."
    lines, found = source.splitlines(), {}
    i = 0
    while i < len(lines) and (m := _DIRECTIVE.match(lines[i])):
        words = m.group(1).split(None, 1)  # nbdev: the first word names the directive, the rest is its value
        if words: found[words[0].rstrip(":").lower()] = words[1].strip() if len(words) > 1 else ""
        i += 1
    return found, "\n".join(lines[i:]).lstrip("\n")


def _decorator_names(node) -> list[str]:
    out = []
    for d in node.decorator_list:
        d = d.func if isinstance(d, ast.Call) else d
        out.append(d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", ""))
    return out


def defined_api(source:str, module:str) -> list[tuple[str, str, list[str]]]:
    """The public functions and classes an exported cell defines: (autodoc directive, dotted name, members).

    A function that becomes a method (`@patch`, or `Cls.name = name` in the same cell) is documented as `Cls.name`."""
    try: tree = ast.parse(source)
    except SyntaxError: return []
    attached = {}  # function name -> (class, attribute) for `Cls.attr = name`
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name): attached[node.value.id] = (t.value.id, t.attr)
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            args = node.args.posonlyargs + node.args.args
            ann = args[0].annotation if args else None
            if node.name in attached:
                owner, attr = attached[node.name]
                out.append(("automethod", f"{module}.{owner}.{attr}", [])); continue
            if {"patch", "patch_to"} & set(_decorator_names(node)) and isinstance(ann, ast.Name):
                out.append(("automethod", f"{module}.{ann.id}.{node.name}", [])); continue
            out.append(("autofunction", f"{module}.{node.name}", []))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            members = [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and not n.name.startswith("_")]
            out.append(("autoclass", f"{module}.{node.name}", members))
    return out


def autodoc_markdown(items:list[tuple[str, str, list[str]]]) -> str:
    "MyST markdown that renders the API documentation of `items` with Sphinx autodoc (autodoc emits reST, hence eval-rst)."
    blocks = []
    for directive, name, members in items:
        opts = f"   :members: {', '.join(members)}\n" if members else ""
        blocks.append(f".. {directive}:: {name}\n{opts}")
    return "```{eval-rst}\n" + "\n".join(blocks) + "```"


def public_api(module:str) -> list[tuple[str, str, list[str]]]:
    "Functions and classes in `module.__all__` (what nbdev exported), as autodoc items; read from the source, not imported."
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    if not path.exists(): return []
    tree = ast.parse(path.read_text())
    names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                  and any(getattr(t, "id", None) == "__all__" for t in n.targets)), [])
    attached = {n.value.id: f"{t.value.id}.{t.attr}" for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name)
                for t in n.targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)}
    out = []
    for n in tree.body:
        if not (isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in names): continue
        if isinstance(n, ast.ClassDef): out.append(("autoclass", f"{module}.{n.name}", []))
        elif n.name in attached: out.append(("automethod", f"{module}.{attached[n.name]}", []))
        elif not {"patch", "patch_to", "classmethod", "staticmethod"} & set(_decorator_names(n)):
            out.append(("autofunction", f"{module}.{n.name}", []))
    return out


_FENCE = re.compile(r"(^```.*?^```[ \t]*$)", re.S | re.M)
_TICKED = re.compile(r"(?<![`\w])`([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)`(?!`)")
_NB_LINK = re.compile(r"\]\((?:\./)?(\d+[a-z]?_)([\w-]+)\.ipynb(#[^)]*)?\)")

def rewrite_markdown(text:str, symbols:dict[str, str], here:str) -> str:
    "Follow the page renames in links, and link `` `Name` `` to the documentation of an exported `Name`."
    depth = here.count("/")
    def link(m): return f"]({'../' * depth}{m.group(2)}.ipynb{m.group(3) or ''})"
    def ref(m):
        head, _, tail = m.group(1).partition(".")
        target = symbols.get(head)
        if not target: return m.group(0)
        return f"{{py:obj}}`{m.group(1)} <{target}{'.' + tail if tail else ''}>`"
    parts = _FENCE.split(text)
    return "".join(p if p.startswith("```") else _TICKED.sub(ref, _NB_LINK.sub(link, p)) for p in parts)


def process_notebook(page:Page, symbols:dict[str, str]) -> nbformat.NotebookNode:
    "nbdev-docs' processing of one notebook (see the module docstring); cells to leave unexecuted are marked."
    nb = nbformat.read(page.src, as_version=4)
    module, cells, documented = None, [], set()
    for cell in nb.cells:
        cell.metadata.pop("scrpo", None)
        if cell.cell_type == "markdown":
            cell.source = rewrite_markdown(cell.source, symbols, page.rel)
            cells.append(cell); continue
        if cell.cell_type != "code": cells.append(cell); continue
        d, body = split_directives(cell.source)
        if "default_exp" in d: module = f"scrpo.{d['default_exp']}"; continue
        tags = set(cell.metadata.get("tags", []))
        skip = bool(SKIP_FLAGS & set(d)) or d.get("eval", "").lower() == "false"
        cell.metadata["scrpo"] = {"skip": skip, "run_source": cell.source}
        cell.source = body
        extra = None
        if "export" in d or "exporti" in d:
            tags.add("remove-input")
            if "export" in d and module:
                items = defined_api(body, module)
                documented.update(n for _, n, _ in items)
                documented.update(f"{module}.{n.rsplit('.', 1)[1]}" for d_, n, _ in items if d_ == "automethod")
                if items: extra = nbformat.v4.new_markdown_cell(autodoc_markdown(items))
        if "hide" in d or d.get("include") == "false": tags.add("remove-cell")
        if d.get("echo") == "false": tags.add("remove-input")
        if d.get("output") == "false": tags.add("remove-output")
        if tags: cell.metadata["tags"] = sorted(tags)
        cells.append(cell)
        if extra is not None: cells.append(extra)
    if module:  # exported functions and classes that no export cell showed (defined in a loop, assigned, ...)
        rest = [it for it in public_api(module) if it[1] not in documented]
        if rest: cells.append(nbformat.v4.new_markdown_cell("## More of the API\n\n" + autodoc_markdown(rest)))
    nb.cells = cells
    nb.metadata.pop("jupytext", None)
    return nb


def navigation(pages:list[Page]) -> str:
    "Hidden toctrees for the home page: the sidebar of the site, one caption per section."
    out = []
    for sec, title in [("modules", "Modules")] + list(SECTIONS.items()):
        names = [p.name for p in pages if p.section == sec]
        if names: out.append(f"```{{toctree}}\n:hidden:\n:caption: {title}\n\n" + "\n".join(names) + "\n```")
    return "\n\n".join(out)


def symbol_index(pages:list[Page]) -> dict[str, str]:
    "Short name -> dotted name of every exported function and class (for `` `Name` `` links)."
    out = {}
    for p in pages:
        if p.section != "modules": continue
        nb = json.loads(p.src.read_text())
        mods = [m.group(1) for c in nb["cells"] if c["cell_type"] == "code"
                for m in [re.search(r"^#\|\s*default_exp\s+(\S+)", "".join(c["source"]), re.M)] if m]
        if not mods: continue
        for _, name, _ in public_api(f"scrpo.{mods[0]}"): out.setdefault(name.rsplit(".", 1)[1], name)
    return out


def stage(pages:list[Page], proc:Path) -> dict[str, nbformat.NotebookNode]:
    "Write the processed pages into `proc` (emptied first), with the assets beside them; the notebooks by rel path."
    if proc.exists(): shutil.rmtree(proc)
    proc.mkdir(parents=True)
    for f in NBS.rglob("*"):
        if f.is_file() and f.suffix.lower() in ASSETS and not any(part.startswith((".", "_")) for part in f.relative_to(NBS).parts):
            (proc / f.relative_to(NBS)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, proc / f.relative_to(NBS))
    symbols, nbs = symbol_index(pages), {}
    for p in pages:
        dest = proc / p.rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if p.src.suffix == ".md":
            text = rewrite_markdown(p.src.read_text(), symbols, p.rel)
            dest.write_text(text); continue
        nbs[p.rel] = process_notebook(p, symbols)
    home = nbs["index.ipynb"]
    home.cells.append(nbformat.v4.new_markdown_cell(navigation(pages)))
    return nbs


# ---- 2. execute

def _source_key() -> str:
    h = hashlib.sha256()
    for f in sorted((ROOT / "scrpo").glob("*.py")): h.update(f.name.encode()); h.update(f.read_bytes())
    return h.hexdigest()


def _cache_key(nb:nbformat.NotebookNode, src_key:str) -> str:
    return hashlib.sha256((src_key + nbformat.writes(nb)).encode()).hexdigest()[:32]


def _runnable_copy(nb:nbformat.NotebookNode) -> nbformat.NotebookNode:
    "The notebook as the kernel runs it: original sources (directives included), skipped cells emptied."
    run = copy.deepcopy(nb)
    for c in run.cells:
        if c.cell_type != "code": continue
        meta = c.metadata.get("scrpo", {})
        c.source = "" if meta.get("skip") else meta.get("run_source", c.source)
    return run


def execute_one(nb_path:str, out_path:str, cwd:str) -> None:
    "Run one notebook in a fresh kernel, in `cwd`, and write it with its outputs (the child-process half of `execute`)."
    from nbclient import NotebookClient
    nb = nbformat.read(nb_path, as_version=4)
    NotebookClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": cwd}},
                   allow_errors=False, record_timing=False).execute()
    nbformat.write(nb, out_path)


def _run_child(rel:str, nb:nbformat.NotebookNode, src:Path, work:Path, timeout:float) -> tuple[nbformat.NotebookNode|None, str]:
    inp, out = work / (rel.replace("/", "__") + ".in.ipynb"), work / (rel.replace("/", "__") + ".out.ipynb")
    nbformat.write(_runnable_copy(nb), inp)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    env.pop("MPLBACKEND", None)
    proc = subprocess.Popen([sys.executable, __file__, "--execute-one", str(inp), str(out), str(src.parent)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL); proc.communicate()
        return None, f"timed out after {timeout:.0f} s"
    if proc.returncode != 0:
        tail = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", l) for l in log.strip().splitlines()[-15:])
        return None, f"failed (exit {proc.returncode}):\n{tail}"
    return nbformat.read(out, as_version=4), "ok"


def execute(nbs:dict[str, nbformat.NotebookNode], pages:list[Page], patterns:list[str], timeout:float, jobs:int,
            cache:Path) -> dict[str, str]:
    "Run the notebooks whose rel path (below nbs/: `index.ipynb`, `03_pool.ipynb`, `tutorials/*`) matches a pattern."
    by_rel = {p.rel: p for p in pages}
    cache.mkdir(parents=True, exist_ok=True)
    work = cache / "work"; work.mkdir(exist_ok=True)
    src_key, report = _source_key(), {}
    def wanted(p:Page) -> bool:
        nbs_rel = str(p.src.relative_to(NBS)).replace(os.sep, "/")
        return any(fnmatch.fnmatch(nbs_rel, pat) or fnmatch.fnmatch(p.rel, pat) for pat in patterns)
    todo = [rel for rel in nbs if wanted(by_rel[rel])]
    def run(rel:str):
        nb, key = nbs[rel], _cache_key(nbs[rel], src_key)
        hit = cache / f"{key}.ipynb"
        if hit.exists(): return rel, nbformat.read(hit, as_version=4), "cached", 0.0
        t0 = time.perf_counter()
        done, status = _run_child(rel, nb, by_rel[rel].src, work, timeout)
        if done is not None: nbformat.write(done, hit)
        return rel, done, status, time.perf_counter() - t0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for rel, done, status, secs in ex.map(run, todo):
            report[rel] = status if status != "ok" else f"ran in {secs:.0f} s"
            print(f"  execute {rel}: {report[rel].splitlines()[0]}", flush=True)
            if done is None: continue
            for cell, ran in zip(nbs[rel].cells, done.cells):
                if cell.cell_type == "code": cell.outputs = ran.get("outputs", [])
    return report


# ---- 3. render

def render(proc:Path, out:Path, doctrees:Path) -> None:
    "Sphinx over the staged tree, warnings as errors."
    if out.exists(): shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(CONF), "-d", str(doctrees), "-E", "-W", "--keep-going",
           "-q", str(proc), str(out)]
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    (out / ".nojekyll").touch()


def build(out:Path, proc:Path, execute_spec:str="all", timeout:float=600, jobs:int=2, strict:bool=False,
          cache:Path=ROOT / ".cache" / "docs") -> dict[str, str]:
    "Stage, execute and render the site into `out`; returns each executed notebook's status."
    t0 = time.perf_counter()
    pages = discover()
    nbs = stage(pages, proc)
    patterns = {"all": ["*", "*/*"], "none": []}.get(execute_spec, [p.strip() for p in execute_spec.split(",") if p.strip()])
    report = execute(nbs, pages, patterns, timeout, jobs, cache) if patterns else {}
    for rel, nb in nbs.items():
        for c in nb.cells: c.metadata.pop("scrpo", None)
        nbformat.write(nb, proc / rel)
    bad = {k: v for k, v in report.items() if not v.startswith(("ran", "cached"))}
    for k, v in bad.items(): print(f"WARNING: {k} {v}\n  (rendered without outputs)", file=sys.stderr)
    if bad and strict: raise SystemExit(f"{len(bad)} notebook(s) did not execute: {', '.join(bad)}")
    render(proc, out, cache / "doctrees")
    print(f"built {len(pages)} pages into {out} in {time.perf_counter() - t0:.0f} s")
    return report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "_docs"), help="the static site folder (default: _docs/)")
    ap.add_argument("--proc", default=str(ROOT / "_proc"), help="the staging folder (default: _proc/)")
    ap.add_argument("--execute", default=os.environ.get("SCRPO_DOCS_EXECUTE", "all"),
                    help="all | none | comma list of globs below nbs/ (default: all, or $SCRPO_DOCS_EXECUTE)")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("SCRPO_DOCS_TIMEOUT", 600)),
                    help="seconds per notebook before it is rendered without outputs (default 600)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks executed at once")
    ap.add_argument("--strict", action="store_true", help="fail when a notebook does not execute")
    ap.add_argument("--execute-one", nargs=3, metavar=("IN", "OUT", "CWD"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.execute_one: return execute_one(*a.execute_one)
    build(Path(a.out), Path(a.proc), a.execute, a.timeout, a.jobs, a.strict)


if __name__ == "__main__":
    main()
