"Run under `accelerate launch --num_processes 2 --cpu`: a few ScRPO steps; each rank writes its pool state to OUT/pool-rank<r>.json."
import json, os, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scrpo.models import tiny_model, load_model
from scrpo.trainer import ScRPOTrainer
from scrpo.verify import accuracy_reward
from trainer_utils import arithmetic_dataset, arithmetic_script, config, scripted_generate

out = Path(sys.argv[1])
path = tiny_model("llama")
model, tok = load_model(path)
args = config(str(out / "run"), per_device_train_batch_size=4, max_steps=4, correction_every=1, correction_batch_size=1,
              pool_max_attempts=8, pool_retire_after_corrections=5)
tr = scripted_generate(ScRPOTrainer(model, [accuracy_reward], args=args, train_dataset=arithmetic_dataset(), processing_class=tok),
                       arithmetic_script)
tr.train()
rank = tr.accelerator.process_index
(out / f"pool-rank{rank}.json").write_text(json.dumps({"world": tr.accelerator.num_processes, "pool": tr.pool.state_dict(),
                                                      "state": tr._scrpo_state}, sort_keys=True, default=str))

# Resume on a node without the checkpoint folder: only rank 0 has its folder; every rank must end with rank 0's pool.
from scrpo.pool import ErrorPool
if rank == 0: tr.save_scrpo_state(out / "only-rank0")
tr.accelerator.wait_for_everyone()
saved = tr.pool.state_dict()
tr.pool = ErrorPool(**tr.args.pool_kwargs())
loaded = tr.load_scrpo_state(out / f"only-rank{rank}")  # rank 1's folder does not exist
(out / f"resume-rank{rank}.json").write_text(json.dumps({"loaded": loaded, "same": tr.pool.state_dict() == saved}))
