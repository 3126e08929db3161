"""Run a command and fail if it changed any file under the given folders.

Usage: python tools/check_unchanged.py DIR[,DIR...] -- COMMAND ...
CI uses it to check that notebooks are clean (`nbdev-clean` changes nothing) and that the package is in
sync with them (`nbdev-export` changes nothing). Changed files are listed; they are left as the command
wrote them, so committing them fixes the check.
"""
import hashlib, subprocess, sys
from pathlib import Path

def snapshot(dirs):
    out = {}
    for d in dirs:
        for p in sorted(Path(d).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts:
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out

def main(argv=sys.argv[1:]):
    if "--" not in argv: sys.exit(__doc__)
    i = argv.index("--")
    dirs, cmd = argv[0].split(","), argv[i + 1:]
    before = snapshot(dirs)
    r = subprocess.run(cmd)
    if r.returncode != 0: return r.returncode
    after = snapshot(dirs)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        print(f"`{' '.join(cmd)}` changed {len(changed)} file(s); commit the result:", *changed, sep="\n  ", file=sys.stderr)
        return 1
    print(f"ok: `{' '.join(cmd)}` changed nothing under {', '.join(dirs)}")
    return 0

if __name__ == "__main__": sys.exit(main())
