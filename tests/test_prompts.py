"Reflection prompts: token budgets with a real tokenizer, section parsing on realistic and malformed replies, MATH-500."
import json, subprocess, sys
from functools import lru_cache
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scrpo.prompts import (ELISION, TEMPLATES, count_tokens, get_template, reflection_prompt, reflection_span,
                           register_template, solution_span, split_reflection, strip_think, truncate_middle)

HYP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

@lru_cache(maxsize=None)
def chat_tokenizer():
    "A tiny byte-level BPE with a ChatML chat template, trained on math-like text (about a second)."
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    corpus = [f"Let $f(x) = \\frac{{{a}x-2}}{{x-{b}}}$. Then $f({b}) = {a*b}$, so the answer is $\\boxed{{{a+b}}}$. "
              "Wait, let me double-check the sign of the numerator and the denominator." for a in range(20) for b in range(20)]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=400, special_tokens=["<|im_start|>", "<|im_end|>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    t = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|im_end|>")
    t.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                       "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    return t

PROBLEM = "If $f(x) = \\frac{3x-2}{x-2}$, what is the value of $f(-2) +f(-1)+f(0)$? Express your answer as a common fraction."
LONG_WRONG = ("<think>\n" + "\n\n".join(f"Check {i}: $f(-1) = \\frac{{-5}}{{-3}} = -\\frac{{5}}{{3}}$, so the sum is $\\frac{{4}}{{3}}$."
                                        for i in range(150))
              + "\n</think>\n\nSo $f(-2)+f(-1)+f(0) = 2 - \\frac{5}{3} + 1 = \\boxed{\\frac{4}{3}}$.")

def test_module_import_stays_light():
    code = "import sys, scrpo.prompts; bad = {'torch', 'transformers', 'jinja2'} & set(sys.modules); assert not bad, bad"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

# ---- budgets with a real tokenizer ------------------------------------------------------------------------

@pytest.mark.parametrize("template", ["reflect", "critique", "retry"])
@pytest.mark.parametrize("room", [90, 200, 600, 1500])
def test_prompt_fits_chat_templated_budget(template, room):
    tok = chat_tokenizer()
    fixed = count_tokens(reflection_prompt(PROBLEM, "", template, system_prompt="Be careful."), tok)
    budget = fixed + room  # the template alone takes 400-450 tokens of this tiny tokenizer
    m = reflection_prompt(PROBLEM, LONG_WRONG, template, tokenizer=tok, max_prompt_tokens=budget, think="keep", system_prompt="Be careful.")
    ids = tok.apply_chat_template(m, tokenize=True, add_generation_prompt=True)["input_ids"]
    assert len(ids) <= budget
    user = m[-1]["content"]
    assert PROBLEM in user and "\\boxed{}" in user  # problem and instructions are never cut
    assert "tokens of the earlier attempt omitted" in user
    assert "<attempt>\n<think>\nCheck" in user and user.split("</attempt>")[0].endswith("\\boxed{\\frac{4}{3}}$.\n")  # head and tail kept
    assert len(ids) > budget - 40  # and the budget is used, not wasted

def test_prompt_untouched_when_it_fits():
    tok = chat_tokenizer()
    m = reflection_prompt(PROBLEM, LONG_WRONG, tokenizer=tok, max_prompt_tokens=900)  # think stripped: short
    assert "omitted" not in m[0]["content"] and "Check 0" not in m[0]["content"]
    assert m == reflection_prompt(PROBLEM, LONG_WRONG)

def test_budget_too_small_is_refused():
    with pytest.raises(ValueError, match="max_prompt_tokens=450 leaves no room"):
        reflection_prompt(PROBLEM, LONG_WRONG, tokenizer=chat_tokenizer(), max_prompt_tokens=450, think="keep")

@HYP
@given(text=st.lists(st.sampled_from(list("ab $\\{}()=+-\n") + ["é", "∑", "x²", "frac", "Check"]), max_size=300).map("".join),
       budget=st.integers(50, 400), head=st.floats(0, 1))
def test_truncate_middle_keeps_ends_within_budget(text, budget, head):
    tok = chat_tokenizer()
    out = truncate_middle(text, budget, tok, head_fraction=head)
    assert count_tokens(out, tok) <= budget + 4  # cuts inside a multi-byte character and the seams cost a token or two
    if out == text: return
    h, rest = out.split("\n\n[... ", 1)
    t = rest.split(" omitted ...]\n\n", 1)[1]
    assert text.startswith(h) and text.endswith(t) and len(h) + len(t) < len(text)

def test_truncate_middle_without_offsets_uses_decode():
    class WordTokenizer:  # a slow tokenizer: no offset mapping
        def __call__(self, text, add_special_tokens=True, return_offsets_mapping=False):
            if return_offsets_mapping: raise NotImplementedError("slow tokenizer")
            return {"input_ids": text.split(" ")}
        def decode(self, ids): return " ".join(ids)
    words = " ".join(f"w{i}" for i in range(100))
    out = truncate_middle(words, 30, WordTokenizer())
    assert out.startswith("w0 w1 ") and out.endswith(" w98 w99") and "tokens of the earlier attempt omitted" in out

@HYP
@given(text=st.text(max_size=3000), room=st.integers(35, 800), template=st.sampled_from(["reflect", "critique", "retry"]))
def test_estimated_budget_holds(text, room, template):
    budget = count_tokens(reflection_prompt("Find $x$.", "", template)) + room
    m = reflection_prompt("Find $x$.", text, template, max_prompt_tokens=budget, think="keep")
    assert count_tokens(m) <= budget
    assert (text in m[0]["content"]) == (count_tokens(reflection_prompt("Find $x$.", text, template)) <= budget)

def test_math500_prompts_fit(shared_data):
    rows = [json.loads(l) for l in (shared_data / "eval" / "math500.jsonl").read_text().splitlines()]
    assert len(rows) == 500
    tok = chat_tokenizer()
    refused = 0
    for i, r in enumerate(rows):
        wrong = r["solution"].replace(r["answer"], "0") * 3  # a long answer, wrong
        for name in TEMPLATES:
            for t, budget in [(None, 768)] + [(tok, 1536)] * (i % 25 == 0):
                if count_tokens(reflection_prompt(r["problem"], "", name), t) + 40 > budget:  # the problem alone is too long
                    with pytest.raises(ValueError, match="leaves no room"): reflection_prompt(r["problem"], wrong, name, t, budget)
                    refused += 1; continue
                m = reflection_prompt(r["problem"], wrong, name, t, budget)
                assert count_tokens(m, t) <= budget and r["problem"] in m[0]["content"]
    assert refused < 30  # a few very long problems

# ---- <think> handling -------------------------------------------------------------------------------------

@HYP
@given(st.lists(st.sampled_from(["<think>", "</think>", "a", " b\n", "\\boxed{1}"]), max_size=12).map("".join))
def test_strip_think_leaves_no_tags(text):
    out = strip_think(text)
    assert "<think>" not in out and "</think>" not in out and out == out.strip()

def test_think_keep_shows_reasoning():
    assert "<think>" in reflection_prompt(PROBLEM, LONG_WRONG, think="keep")[0]["content"]
    assert "<think>" not in reflection_prompt(PROBLEM, LONG_WRONG)[0]["content"]

# ---- user templates ---------------------------------------------------------------------------------------

def test_user_templates_register_render_and_overwrite():
    try:
        register_template("mine", "P: {problem}\nA: {wrong_response}\nAnalysis then Corrected Solution, \\boxed{{}}.")
        assert reflection_prompt("1+1", "3", "mine") == [{"role": "user", "content": "P: 1+1\nA: 3\nAnalysis then Corrected Solution, \\boxed{}."}]
        with pytest.raises(ValueError, match="overwrite=True"): register_template("mine", "{problem}{wrong_response}", sections=False)
        register_template("mine", "{% if problem %}{{ problem }}{% endif %} / {{ wrong_response }}", kind="jinja", sections=False, overwrite=True)
        assert get_template("mine").render("1+1", "3") == "1+1 / 3" and not get_template("mine").has_sections
        with pytest.raises(ValueError, match="kind 'mako'"): register_template("m2", "{problem}{wrong_response}", kind="mako")
        with pytest.raises(ValueError, match="not a valid format string \\(Single '}'"): register_template("m2", "{problem}{wrong_response} }", sections=False)
    finally: TEMPLATES.pop("mine", None)

# ---- section parsing --------------------------------------------------------------------------------------

ANALYSIS_MARKERS = ["Analysis:", "**Analysis:**", "**Analysis**:", "## Analysis", "### Step 1: Analysis", "ANALYSIS", "analysis -",
                    "1. **Error Analysis**", "_Analysis of the earlier attempt:_", "> **Reflection:**", "What went wrong:"]
SOLUTION_MARKERS = ["Corrected Solution:", "**Corrected Solution:**", "## Corrected Solution", "### Step 2: Corrected Solution",
                    "Correct solution:", "Solution:", "**Solution**", "2. Revised Solution", "CORRECTED SOLUTION -", "New approach:"]
BODY = st.text(alphabet=st.sampled_from(list("xyz0123 +=$\\{}().,\n\t")), max_size=200).filter(lambda s: s.strip())

@HYP
@given(a=st.sampled_from(ANALYSIS_MARKERS), s=st.sampled_from(SOLUTION_MARKERS), analysis=BODY, solution=BODY,
       gap=st.sampled_from(["\n", "\n\n", "\n\n---\n\n", "\n  \n***\n"]), inline=st.booleans(),
       prefix=st.sampled_from(["", "Sure.\n\n", "<think>\nAnalysis: x\nSolution: y\n</think>\n\n"]))
def test_well_formed_replies_split_exactly(a, s, analysis, solution, gap, inline, prefix):
    head = f"{a} {analysis}" if inline and a.endswith((":", "-")) else f"{a}\n{analysis}"
    text = f"{prefix}{head}{gap}{s}\n{solution}\n"
    assert split_reflection(text) == (analysis.strip(), solution.strip())
    (a0, a1), (s0, s1) = reflection_span(text), solution_span(text)
    assert text[a0:a1] == analysis.strip() and text[s0:s1] == solution.strip() and a1 <= s0

MALFORMED = st.lists(st.sampled_from(ANALYSIS_MARKERS + SOLUTION_MARKERS + ["\n", "\n\n", " text ", "$x=1$", "**", "#", ":",
                                                                            "<think>", "</think>", "Solution is wrong", "---"]),
                     max_size=14).map("".join)

@HYP
@given(st.one_of(MALFORMED, st.text(max_size=300)))
def test_spans_agree_with_split_on_any_text(text):
    parts, ra, rs = split_reflection(text), reflection_span(text), solution_span(text)
    assert (parts is None) == (ra is None) == (rs is None)
    if parts is None: return
    assert text[ra[0]:ra[1]] == parts[0] and text[rs[0]:rs[1]] == parts[1]
    assert parts[0] and parts[1] and parts[0] == parts[0].strip() and parts[1] == parts[1].strip()
    assert 0 <= ra[0] < ra[1] <= rs[0] < rs[1] <= len(text)

REALISTIC = [
    ("**Analysis:** The earlier attempt treated $\\frac{-5}{-3}$ as negative.\n\n**Corrected Solution:**\n"
     "$f(-1) = \\frac{5}{3}$, so the sum is $\\boxed{\\frac{14}{3}}$.",
     ("The earlier attempt treated $\\frac{-5}{-3}$ as negative.", "$f(-1) = \\frac{5}{3}$, so the sum is $\\boxed{\\frac{14}{3}}$.")),
    ("Let me look at this again.\n\n### Analysis\nThe sign of $f(-1)$ is wrong.\n\n### Corrected Solution\n"
     "We have $f(-2)=2$, $f(-1)=\\tfrac53$, $f(0)=1$.\n\nFinal answer: $\\boxed{\\frac{14}{3}}$",
     ("The sign of $f(-1)$ is wrong.", "We have $f(-2)=2$, $f(-1)=\\tfrac53$, $f(0)=1$.\n\nFinal answer: $\\boxed{\\frac{14}{3}}$")),
    ("Analysis: The first wrong step is \"$f(-1) = -\\frac{5}{3}$\": a negative over a negative is positive.\n"
     "Solution: the earlier one used the wrong sign.\nCorrected solution: $2 + \\frac53 + 1 = \\boxed{\\frac{14}{3}}$",
     ("The first wrong step is \"$f(-1) = -\\frac{5}{3}$\": a negative over a negative is positive.\n"
      "Solution: the earlier one used the wrong sign.", "$2 + \\frac53 + 1 = \\boxed{\\frac{14}{3}}$")),
]

@pytest.mark.parametrize("text,expected", REALISTIC)
def test_realistic_replies(text, expected):
    assert split_reflection(text) == expected

@pytest.mark.parametrize("text", [
    "We compute $f(-2)=2$, $f(-1)=\\frac53$, $f(0)=1$, so $\\boxed{\\frac{14}{3}}$.",  # the retry-style reply
    "The analysis: it was wrong. The solution: $\\boxed{1}$.",  # labels not at a line start
    "Analysis: the sign is wrong. Let me fix it: $\\boxed{\\frac{14}{3}}$",  # no solution section
    "Corrected Solution: $\\boxed{\\frac{14}{3}}$\n\nAnalysis: the sign.",  # sections in the wrong order
    "Analysis:\n---\nCorrected Solution: $\\boxed{2}$",  # empty analysis
    "<think>\nAnalysis: the sign is wrong\nCorrected Solution: 14/3",  # only inside unfinished reasoning
    "Analysis: the sign is wrong.\nCorrected Solution:",  # cut off by the length limit
])
def test_malformed_replies_give_none(text):
    assert split_reflection(text) is None and reflection_span(text) is None and solution_span(text) is None

def test_span_maps_to_tokens_with_offsets():
    "The trainer's use: tokens overlapping the character span carry the loss."
    tok = chat_tokenizer()
    text = REALISTIC[1][0]
    a0, a1 = reflection_span(text)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [s < a1 and e > a0 for s, e in enc["offset_mapping"]]
    picked = [o for o, k in zip(enc["offset_mapping"], mask) if k]
    lo, hi = picked[0][0], picked[-1][1]
    assert lo <= a0 and hi >= a1 and text[a0:a1] in text[lo:hi]
    assert "Corrected" not in text[lo:hi] and "Analysis" not in text[lo:hi]
    assert tok.decode([i for i, k in zip(enc["input_ids"], mask) if k]).strip() == split_reflection(text)[0]
