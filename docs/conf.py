"""Sphinx configuration of the scrpo documentation site; `tools/build_docs.py` stages the notebooks and runs Sphinx with it."""
import dataclasses, os, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import scrpo  # noqa: E402

project = "scrpo"
author = "scrpo developers"
copyright = "the scrpo developers, Apache-2.0"
version = release = scrpo.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc"]
# Notebooks arrive already executed (or deliberately not) from tools/build_docs.py: Sphinx never runs them.
nb_execution_mode = "off"
nb_merge_streams = True
# stderr (library warnings, progress bars) is left out of the pages; errors and stdout stay
nb_output_stderr = "remove"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".ipynb": "myst-nb", ".md": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
# `!pip install` cells (Colab) are not Python to the highlighter; it falls back to plain text, which is what we want.
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
add_module_names = False
# Docstrings are written in markdown-ish nbdev style: `name` links to `name`'s documentation when there is one.
default_role = "py:obj"

html_theme = "furo"
html_title = f"scrpo {release}"
html_static_path = ["_static"]
html_css_files = ["scrpo.css"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {"navigation_with_keys": True, "top_of_page_buttons": []}
# Math stays literal text (no `dollarmath`): Sphinx would load MathJax from a CDN on any page with an equation, and
# the site must work offline (tests/test_docs.py fails on any request that leaves localhost).

def _own_fields(cls) -> list:
    "Dataclass fields that `cls` itself declares (not inherited)."
    own = cls.__dict__.get("__annotations__", {})
    return [f for f in dataclasses.fields(cls) if f.name in own]

def _inherits_fields(cls) -> bool:
    return dataclasses.is_dataclass(cls) and len(_own_fields(cls)) < len(dataclasses.fields(cls))

def _signature(app, what, name, obj, options, signature, return_annotation):
    "A dataclass that extends another (ScRPOConfig extends TRL's GRPOConfig, ~150 fields) shows its own fields, then `...`."
    if what == "class" and _inherits_fields(obj):
        own = [f"{f.name}={f.default!r}" if f.default is not dataclasses.MISSING else f.name for f in _own_fields(obj)]
        return f"({', '.join(own + ['...'])})", return_annotation
    return None

_TICKS = re.compile(r"`[^`]+`")

def _escape(text:str) -> str:
    "Markdown-ish text for reST: backslashes inside `code` stay literal, a stray `*` outside it is not emphasis."
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(p.replace("\\", "\\\\") if p.startswith("`") else p.replace("*", "\\*") for p in parts)

def _docments(app, what, name, obj, options, lines):
    "nbdev-style parameter docs: inline `# comments` (docments) and dataclass `help` metadata become a field list."
    # docstrings are markdown-ish: a backslash inside `code` is literal (reST would read it as an escape)
    lines[:] = [_TICKS.sub(lambda m: m.group(0).replace("\\", "\\\\"), l) for l in lines]
    docs = {}
    try:
        if what == "class" and dataclasses.is_dataclass(obj):
            fields = _own_fields(obj) if _inherits_fields(obj) else dataclasses.fields(obj)
            docs = {f.name: f.metadata.get("help", "") for f in fields}
        elif what in ("function", "method", "class") and callable(obj):
            from fastcore.docments import docments
            target = obj.__init__ if what == "class" else obj
            if what == "class" and target is object.__init__: return
            docs = {k: v for k, v in docments(target, full=False).items() if v and k not in ("self", "cls")}
    except (TypeError, ValueError, OSError, SyntaxError):
        return
    ret = docs.pop("return", None)
    docs = {k: v for k, v in docs.items() if v}
    if not docs and not ret: return
    lines.append("")
    esc = lambda v: _escape(" ".join(str(v).split()))
    for k, v in docs.items(): lines.append(f":param {k}: {esc(v)}")
    if ret: lines.append(f":returns: {esc(ret)}")

def _rst_without_padding():
    """MyST parses an `{eval-rst}` block after padding it with one blank line per line above it, so warnings carry the
    right line number. MyST-NB numbers notebook lines cell x 10000, so a block in cell 40 becomes 400,000 lines for
    docutils to skip: minutes per page. The API blocks tools/build_docs.py inserts are parsed without the padding
    (their warnings name the page, with a line number counted from the block)."""
    try:
        from myst_parser.mdit_to_docutils import base
        from myst_parser.mocking import MockRSTParser
    except ImportError: return
    def render_restructuredtext(self, token):
        newdoc = base.make_document()
        newdoc["source"] = self.document["source"]
        newdoc.settings = self.document.settings
        newdoc.reporter = self.reporter
        MockRSTParser().parse(token.content, newdoc)
        for node in newdoc:
            if node["names"]: self.document.note_explicit_target(node, node)
        self.current_node.extend(newdoc.children)
    base.DocutilsRenderer.render_restructuredtext = render_restructuredtext

def setup(app):
    _rst_without_padding()
    app.connect("autodoc-process-signature", _signature)
    app.connect("autodoc-process-docstring", _docments)
