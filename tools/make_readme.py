"""Generate README.md from nbs/index.ipynb without quarto.

Markdown cells are copied as they are; code cells become fenced Python blocks (nbdev directives removed,
`#| hide` cells left out), followed by their text outputs when the notebook has any.
Usage: python tools/make_readme.py [--check]   (--check exits 1 when README.md is stale)
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n"

def render(nb_path=ROOT / "nbs" / "index.ipynb") -> str:
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]).strip("\n")
        if cell["cell_type"] == "markdown":
            # links relative to nbs/ (images, other notebooks) are made relative to the repository root
            parts.append(re.sub(r"\]\((?!https?:|#|/)([^)]+)\)", r"](nbs/\1)", src))
        elif cell["cell_type"] == "code":
            lines = src.splitlines()
            directives = [l for l in lines if l.startswith("#|")]
            if any(d.split()[1:2] in (["hide"], ["export"]) for d in directives): continue
            code = "\n".join(l for l in lines if not l.startswith("#|")).strip("\n")
            if not code: continue
            parts.append(f"```python\n{code}\n```")
            for out in cell.get("outputs", []):
                text = out.get("text") or out.get("data", {}).get("text/plain")
                if text: parts.append("    " + "".join(text).rstrip("\n").replace("\n", "\n    "))
    return HEADER + "\n\n".join(parts) + "\n"

def main(argv=sys.argv[1:]) -> int:
    text, readme = render(), ROOT / "README.md"
    if "--check" in argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            print("README.md is stale: run `python tools/make_readme.py`", file=sys.stderr); return 1
        return 0
    readme.write_text(text, encoding="utf-8"); print(f"wrote {readme}")
    return 0

if __name__ == "__main__": sys.exit(main())
