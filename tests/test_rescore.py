"benchmarks/rescore_corrections.py: a correction right on its Corrected Solution, wrong on the whole reply, is counted as a missed success."
import importlib.util, json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "rescore_corrections.py"

def _script():
    spec = importlib.util.spec_from_file_location("rescore_corrections", SCRIPT)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def test_missed_success(tmp_path, capsys):
    reply = ("Analysis: the earlier attempt added wrongly and boxed \\boxed{3}.\n\n"
             "Corrected Solution: 1 + 1 = 2, so the answer is \\boxed{2}.")
    t2 = {"key": "t2/toy/0", "response": reply, "gold": "2", "correct": False, "reason": "multiple_answers"}
    (tmp_path / "toy.json").write_text(json.dumps({"examples": {"toy": [{"t1": {"response": "\\boxed{3}", "gold": "2"}, "t2": t2}]}}))
    (tmp_path / "sweep.json").write_text(json.dumps({"eval": {"pass@1": 0.5}}))
    out = _script().main([str(tmp_path)])
    row = out["files"][str(tmp_path / "toy.json")]
    assert (row["replies"], row["formatted"], row["right_whole"], row["right_solution"]) == (1, 1, 0, 1)
    assert out["missed"] == row["missed"] == 1 and dict(row["reasons"]) == {"multiple_answers": 1}
    assert out["empty"] == [str(tmp_path / "sweep.json")]
    assert "multiple_answers 1" in capsys.readouterr().out
