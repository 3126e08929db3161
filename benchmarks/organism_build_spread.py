"""How far two fixed-step builds of a recorded organism differ (issue 27, item 2): the noise a user should expect.

Builds the named organism (default organism-easy) to its recorded SFT step count (`RECORDED_ORGANISMS`), `--repeats`
times on each thread count in `--threads`, each into its own folder (no cache), and prints for every build its weights
fingerprint and held-out greedy warm-start accuracy (the 500 test problems the study evaluates on), then for every pair
of builds: identical or not, the largest absolute weight difference, the relative L2 distance of all weights, and the
difference in warm-start accuracy. The shipped folder (data/organisms/<name>) is included as a reference when present.

Usage: python benchmarks/organism_build_spread.py [--name organism-easy] [--threads 1,2] [--repeats 2] [--out DIR]
"""
import argparse, itertools, json, os, tempfile, time
from pathlib import Path

def held_out_accuracy(path, n:int=500) -> float:
    import torch
    from scrpo.models import load_model
    from scrpo.organism import completion_budget, greedy_accuracy, organism_dataset, organism_info
    model, tok = load_model(path)
    with torch.no_grad():
        return 100 * greedy_accuracy(model, tok, organism_dataset("test", n, organism_info(path)["args"]["knobs"], 0),
                                     max_new_tokens=completion_budget(path), batch_size=100)

def weights(path):
    from safetensors.torch import load_file
    return load_file(str(Path(path) / "model.safetensors"))

def compare(a, b) -> dict:
    import torch
    wa, wb = weights(a), weights(b)
    diff = max(float((wa[k] - wb[k]).abs().max()) for k in wa)
    num = sum(float(((wa[k] - wb[k]) ** 2).sum()) for k in wa) ** 0.5
    den = sum(float((wa[k] ** 2).sum()) for k in wa) ** 0.5
    return {"identical": all(torch.equal(wa[k], wb[k]) for k in wa), "max_abs": diff, "rel_l2": num / den}

if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="organism-easy")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=None, help="where the builds go (default: a temporary folder)")
    a = ap.parse_args()
    import torch
    from scrpo.organism import RECORDED_ORGANISMS, build_organism, organism_info, shipped_organism
    rec = RECORDED_ORGANISMS[a.name]
    difficulty = a.name.split("-")[1]
    demos = 0.0 if a.name.endswith("-nodemos") else 0.25
    out = Path(a.out or tempfile.mkdtemp(prefix="build-spread-"))
    builds = {}
    shipped = shipped_organism(a.name)
    if shipped: builds["shipped"] = shipped
    for t in [int(x) for x in a.threads.split(",")]:
        for r in range(a.repeats):
            t0 = time.time()
            builds[f"{t}thr-#{r + 1}"] = build_organism(difficulty, demos, threads=t, sft_steps=rec["sft_steps"], path=out / f"t{t}-r{r}", verbose=False)
            print(f"built {t} thread(s), repeat {r + 1}: {time.time() - t0:.0f} s", flush=True)
    torch.set_num_threads(2)
    acc = {k: held_out_accuracy(p) for k, p in builds.items()}
    print(f"\n{a.name}: {rec['sft_steps']} SFT steps (fixed); recorded weights {rec['weights_sha256'][:12]} on {rec['threads']} threads; "
          f"CPU capability here {torch.backends.cpu.get_cpu_capability()}")
    print(f"{'build':12s} {'weights':12s} {'recorded?':9s} {'held-out %':>10s}")
    for k, p in builds.items():
        fp = organism_info(p)["weights_sha256"]
        print(f"{k:12s} {fp[:12]} {str(fp == rec['weights_sha256']):9s} {acc[k]:10.1f}")
    print(f"\n{'pair':26s} {'identical':9s} {'max |dw|':>10s} {'rel L2':>10s} {'d acc':>7s}")
    rows = []
    for x, y in itertools.combinations(builds, 2):
        c = compare(builds[x], builds[y])
        rows.append({"a": x, "b": y, **c, "accuracy_difference": acc[y] - acc[x]})
        print(f"{x + ' vs ' + y:26s} {str(c['identical']):9s} {c['max_abs']:10.2e} {c['rel_l2']:10.2e} {acc[y] - acc[x]:+7.1f}")
    print(json.dumps({"name": a.name, "accuracy": acc, "pairs": rows}))
