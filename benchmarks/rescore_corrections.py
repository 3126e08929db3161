"""Re-score the self-correction replies that recorded runs kept, on the Corrected Solution only (issue #18 item 4).

The trainer now verifies a correction on its Corrected Solution section alone: judged on the whole reply, an
Analysis that quotes the earlier `\\boxed{wrong}` before a right `\\boxed{right}` reads as `multiple_answers`.
This walks every .json / .jsonl file under the given folders, finds every stored correction reply (a dict with a
`response` or `completion` text and a `gold`, stored under a `t2` key or with a `key` starting `t2/`), and judges
each twice with `scrpo.verify.check`: on the whole reply and on `scrpo.prompts.solution_span`'s part (the whole
reply when the sections are absent: unformatted). Prints one row per file that holds replies, then the files that
hold none.

    python benchmarks/rescore_corrections.py                      # data/results and runs/ (when present)
    python benchmarks/rescore_corrections.py some/folder --mode strict
"""
import argparse, json, os, shlex, sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from scrpo.prompts import solution_span
from scrpo.verify import check

ROOT = Path(__file__).resolve().parents[1]
TEXT_KEYS = ("response", "completion")


def _text(d: dict):
    for k in TEXT_KEYS:
        if isinstance(d.get(k), str): return d[k]
    return None


def find_replies(x, parent: str = "", out=None) -> list[dict]:
    "Every self-correction reply in a loaded JSON value: dicts with a reply text and a gold, under `t2` or keyed `t2/...`."
    out = [] if out is None else out
    if isinstance(x, dict):
        is_t2 = parent == "t2" or str(x.get("key", "")).startswith("t2/")
        if is_t2 and _text(x) is not None and "gold" in x: out.append(x)
        for k, v in x.items(): find_replies(v, str(k), out)
    elif isinstance(x, list):
        for v in x: find_replies(v, parent, out)
    return out


def has_texts(x) -> bool:
    "Whether a loaded JSON value holds any model reply at all (a `response` / `completion(s)` key anywhere)."
    if isinstance(x, dict): return any(k in x for k in (*TEXT_KEYS, "completions")) or any(has_texts(v) for v in x.values())
    if isinstance(x, list): return any(has_texts(v) for v in x)
    return False


def load(f: Path):
    "A .json file's value, or a .jsonl file's lines as a list; `None` when it cannot be parsed."
    try:
        if f.suffix == ".jsonl": return [json.loads(l) for l in f.read_text().splitlines() if l.strip()]
        return json.loads(f.read_text())
    except (OSError, ValueError): return None


def rescore(replies: list[dict], mode: str = "lenient") -> dict:
    "Counts for one file's replies: found, formatted, right by whole reply / solution only, missed, logged right, miss reasons."
    row = dict(replies=len(replies), formatted=0, right_whole=0, right_solution=0, missed=0, logged_right=0, reasons=Counter())
    for r in replies:
        text, gold, src = _text(r), r["gold"], r.get("source")
        whole = check(text, gold, mode=mode, source=src)
        span = solution_span(text)
        sol = whole if span is None else check(text[slice(*span)], gold, mode=mode, source=src)
        row["formatted"] += span is not None
        row["right_whole"] += whole.correct
        row["right_solution"] += sol.correct
        row["logged_right"] += bool(r.get("correct"))
        if sol.correct and not whole.correct:
            row["missed"] += 1
            row["reasons"][whole.reason] += 1
    return row


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folders", nargs="*", help="folders to walk (default: data/results, and runs/ when present)")
    p.add_argument("--mode", default="lenient", help="extraction mode for scrpo.verify.check (the runs' evaluation used lenient)")
    a = p.parse_args(argv)
    folders = [Path(f) for f in a.folders] or [ROOT / "data/results", *([ROOT / "runs"] if (ROOT / "runs").is_dir() else [])]
    print(" ".join(["$ python benchmarks/rescore_corrections.py", *map(shlex.quote, sys.argv[1:] if argv is None else argv)]))
    rel = lambda f: str(f.resolve().relative_to(ROOT)) if f.resolve().is_relative_to(ROOT) else str(f)
    print(f"folders: {', '.join(map(rel, folders))}; mode={a.mode}\n")
    rows, empty = {}, []
    for folder in folders:
        for f in sorted(folder.rglob("*")):
            if f.suffix not in (".json", ".jsonl") or not f.is_file(): continue
            name = rel(f)
            x = load(f)
            replies = find_replies(x) if x is not None else []
            if replies: rows[name] = rescore(replies, a.mode)
            else: empty.append((name, "unreadable" if x is None else "other replies only" if has_texts(x) else "no replies"))
    cols = ("replies", "formatted", "right_whole", "right_solution", "missed", "logged_right")
    w = max([len("file"), len("total"), *map(len, rows)])
    print(f"{'file':<{w}}  " + "  ".join(cols) + "  miss reasons (whole reply)")
    total = dict.fromkeys(cols, 0) | {"reasons": Counter()}
    for name, r in rows.items():
        print(f"{name:<{w}}  " + "  ".join(f"{r[c]:>{len(c)}}" for c in cols) + "  " + (", ".join(f"{k} {v}" for k, v in r["reasons"].items()) or "-"))
        for c in cols: total[c] += r[c]
        total["reasons"] += r["reasons"]
    print(f"{'total':<{w}}  " + "  ".join(f"{total[c]:>{len(c)}}" for c in cols) + "  " + (", ".join(f"{k} {v}" for k, v in total["reasons"].items()) or "-"))
    print("\nformatted: Analysis and Corrected Solution sections found (else the solution-only verdict is the whole reply's); "
          "missed: right on the Corrected Solution only, wrong on the whole reply; logged_right: the verdict the run stored.")
    print(f"\nfiles with no stored correction reply ({len(empty)}):")
    for name, why in empty: print(f"  {name}  ({why})")
    return {"files": rows, "empty": [n for n, _ in empty], "missed": total["missed"]}


if __name__ == "__main__":
    main()
