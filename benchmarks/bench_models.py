"""Load time and memory of the embedded model (smollm2-135m) and of tiny test models.

Each measurement runs in a fresh Python process (so import costs and peak memory are its own) against an empty
SCRPO_CACHE in a temporary folder. Prints wall seconds and CPU seconds of each step (after imports), peak RSS (for loads: after one forward pass, so
every weight is resident), and the ratios between them.

    python benchmarks/bench_models.py            # HF_HUB_OFFLINE=1 is set here; no network is used
"""
import json, os, subprocess, sys, tempfile

CHILD = r'''
import json, resource, sys, time
w0, c0 = time.perf_counter(), time.process_time()
import torch, transformers                                    # imports are part of every case
from scrpo import models
imports = time.perf_counter() - w0
w, c = time.perf_counter(), time.process_time()
case = sys.argv[1]
if case == "imports": pass
elif case == "convert": models.embedded_model_path()
elif case == "convert_unpatched":                             # what transformers does without _gguf_parse_once
    import contextlib
    models._gguf_parse_once = contextlib.nullcontext
    models.embedded_model_path()
elif case in ("load", "load_bf16"):
    model, tok = models.load_model("smollm2-135m", dtype="bfloat16" if case == "load_bf16" else None)
elif case == "tiny": models.tiny_model()
wall, cpu = time.perf_counter() - w, time.process_time() - c
if case.startswith("load"):                                   # touch every weight once, so RSS counts them
    with torch.no_grad(): model(**tok("What is 2 + 3?", return_tensors="pt"))
print(json.dumps({"case": case, "wall_s": wall, "cpu_s": cpu,
                  "imports_s": imports, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''

def run(case:str, cache:str) -> dict:
    env = {**os.environ, "SCRPO_CACHE": cache, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    r = subprocess.run([sys.executable, "-c", CHILD, case], env=env, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        rows = [run("imports", a), run("convert", a), run("load", a), run("load_bf16", a),
                run("tiny", a), run("tiny", a), run("convert_unpatched", b)]
    rows[5]["case"] = "tiny (cached)"
    print(f"{'case':<18}{'wall s':>8}{'cpu s':>8}{'peak RSS MB':>13}   (after imports of {rows[0]['imports_s']:.1f}s)")
    for r in rows: print(f"{r['case']:<18}{r['wall_s']:>8.2f}{r['cpu_s']:>8.2f}{r['peak_rss_mb']:>13.0f}")
    by = {r["case"]: r for r in rows}
    print(f"\nconversion CPU, transformers alone / with _gguf_parse_once: {by['convert_unpatched']['cpu_s'] / by['convert']['cpu_s']:.1f}x")
    print(f"first use / cached load (CPU): {by['convert']['cpu_s'] / by['load']['cpu_s']:.0f}x")
    print(f"peak RSS of a cached load plus one forward pass, over bare imports, float32: +{by['load']['peak_rss_mb'] - by['imports']['peak_rss_mb']:.0f} MB; "
          f"bfloat16: +{by['load_bf16']['peak_rss_mb'] - by['imports']['peak_rss_mb']:.0f} MB")

if __name__ == "__main__": main()
