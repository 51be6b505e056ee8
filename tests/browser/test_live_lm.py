"""The live next-token widget (_static/tempered-live-lm.js) against PyTorch, tempered.

One page of chapter 6 is opened for the whole file (module fixture) and each model
is loaded in it once; every batch of prompts is evaluated inside one
``page.evaluate`` call, and the PyTorch references are computed once per module.
"""

import json

import numpy as np
import pytest

from tests.browser.pages import AXE
from tests.browser.pages import is_local
from tests.browser.pages import open_page

PAGE = "book/06-temperature-in-language-models.html"
MODELS = ("grammar", "austen")
# The hard cases of the issue: empty, very long, emoji, control characters, markup.
HARD = [
    "",
    "the dog " * 1250,  # 10,000 characters: more tokens than either context length
    "the cat 😀 sleeps 🎉🎉",
    "the\x00dog\x07 sees\tthe\x1bcat",
    "<script>window.pwned = 1</script>",
    '<img src=x onerror="window.pwned = 1"> the',
    "  two  spaces, and a trailing one ",
    "naïve café, Größe, ελληνικά, 日本語",
    "\n\nnew lines\r\n",
    "<|endoftext|>the dog",
]
PROMPTS = {
    "grammar": HARD
    + [
        "the",
        "the girls that chase the",
        "the dog sleeps .",
        "an old farmer gives the hungry cats a",
        "Anna thinks that the children with the red ball saw an",
        "the the",
        "a",
        "the cat that the",
        "the girls laugh quietly in the",
        "Tom",
        "the dog that chases the cat",
        "the hungry",
        "the big old",
        "the children saw",
        "quietly",
        "the dog and the cat",
        "the farmer thinks that",
        "the cats chase",
        "The Dog",
        "an eagle",
    ],
    "austen": HARD
    + [
        "It is a truth universally acknowledged, that",
        "She was not",
        "Mr. Darcy",
        "Elizabeth",
        "“I am sure,” said she,",
        "The weather was",
        "CHAPTER I",
        "Emma Woodhouse, handsome, clever, and rich,",
        "He had",
        "My dear Jane",
        "in",
        "Lady Catherine de Bourgh",
        "They were",
        "and she",
        "The next morning",
        "It was",
        "Mrs. Bennet",
        "1811",
        "a",
        "“Oh!”",
    ],
}


@pytest.fixture(scope="module")
def live(browser, site):
    """(page, requests, errors) of chapter 6, kept open for the whole file."""
    context, page, requests, errors = open_page(browser, f"{site}/{PAGE}")
    page.initial_requests = list(requests)
    yield page, requests, errors
    context.close()


def test_nothing_loads_before_start(live):
    page, _, _ = live
    heavy = [u for u in page.initial_requests if "live-lm/" in u or "onnxruntime" in u]
    assert not heavy, f"fetched before the reader started the widget: {heavy}"
    assert page.locator(".tempered-live-lm .tl-start").is_visible()


def test_without_webassembly_the_static_twin_stays(browser, site):
    context = browser.new_context()
    context.add_init_script("delete window.WebAssembly;")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{site}/{PAGE}", wait_until="domcontentloaded")
        live = page.locator(".tempered-live-lm").first
        assert "no WebAssembly" in live.inner_text()
        assert live.locator("button").count() == 0
        assert page.locator(".tempered-widget").first.is_visible()
        assert not errors
    finally:
        context.close()


@pytest.fixture(scope="module")
def torch_reference():
    """PyTorch next-token log-probabilities and Python tokenizers' ids per model."""
    from tokenizers import Tokenizer

    from tempered.lm import load_model
    from tempered.lm.browser_export import MODELS_DIR
    from tempered.lm.browser_export import next_token_logprobs

    out = {}
    for name in MODELS:
        model, tokenizer = load_model(name)
        fast = Tokenizer.from_file(str(MODELS_DIR / name / "tokenizer.json"))
        out[name] = (
            np.stack([next_token_logprobs(model, tokenizer, p) for p in PROMPTS[name]]),
            [fast.encode(p).ids for p in PROMPTS[name]],
        )
    return out


BROWSER_LOGPROBS = """async ([name, prompts]) => {
  const m = await TemperedLiveLM.load(name);
  const logprobs = [], ids = [];
  for (const p of prompts) {
    ids.push(m.encode(p));
    logprobs.push(Array.from(await m.logprobs(p)));
  }
  return { logprobs, ids };
}"""


@pytest.mark.parametrize("name", MODELS)
def test_browser_log_probs_equal_pytorch(live, torch_reference, name):
    page, _, errors = live
    got = page.evaluate(BROWSER_LOGPROBS, [name, PROMPTS[name]])
    want_logprobs, want_ids = torch_reference[name]
    assert got["ids"] == want_ids, "browser tokens differ from Python tokenizers"
    diff = np.abs(np.array(got["logprobs"]) - want_logprobs)
    assert want_logprobs.shape == (30, 1085 if name == "grammar" else 4096)
    assert diff.max() < 1e-4, f"largest log-prob difference {diff.max():.2e}"
    assert not errors


KEPT_SETS = """async ([prompts, grid]) => {
  const m = await TemperedLiveLM.load("austen");
  const out = [];
  for (const p of prompts) {
    const u = await m.logits(m.context(p).ids);
    const kept = grid.map((s) => Array.from(TemperedLiveLM.math.warp(u, s),
      (v) => (Number.isFinite(v) ? "1" : "0")).join(""));
    out.push({ u: Array.from(u), kept });
  }
  return out;
}"""


def test_kept_sets_equal_tempered_truncation(live):
    from tempered.truncation import warp

    grid = [
        {"T": T, "topK": k, "topP": p, "minP": mp, "order": order}
        for T in (0.3, 1.0, 3.0)
        for k in (0, 5, 40)
        for p in (1.0, 0.9, 0.5)
        for mp in (0.0, 0.05)
        for order in ("transformers", "llama.cpp")
    ]
    page, _, _ = live
    rows = page.evaluate(KEPT_SETS, [["She was not", "It is a truth"], grid])
    for row in rows:
        u = np.array(row["u"])
        for s, kept in zip(grid, row["kept"]):
            want = np.isfinite(
                warp(
                    u,
                    s["T"],
                    top_k=s["topK"] or None,
                    top_p=None if s["topP"] == 1 else s["topP"],
                    min_p=s["minP"] or None,
                    order=s["order"],
                )
            )
            assert kept == "".join("1" if k else "0" for k in want), s


SAMPLES = """async (prompt) => {
  const m = await TemperedLiveLM.load("grammar");
  const u = await m.logits(m.context(prompt).ids);
  const p = TemperedLiveLM.math.softmax(TemperedLiveLM.math.warp(u,
    { T: 1.5, topK: 0, topP: 1, minP: 0, order: "transformers" }));
  const next = TemperedLiveLM.math.mulberry32(12345);
  const draws = [];
  for (let j = 0; j < 2000; j++) draws.push(TemperedLiveLM.math.draw(p, next()));
  return { p: Array.from(p), draws };
}"""


def test_browser_samples_follow_the_exact_distribution(live):
    from scipy.stats import chisquare

    page, _, _ = live
    got = page.evaluate(SAMPLES, "the girls that chase the")
    p, counts = np.array(got["p"]), np.bincount(got["draws"], minlength=len(got["p"]))
    expected = 2000 * p
    big = expected >= 5  # tokens expected 5 times or more; the rest pooled in one bin
    observed = np.append(counts[big], counts[~big].sum())
    expect = np.append(expected[big], expected[~big].sum())
    assert big.sum() >= 5
    assert chisquare(observed, expect * observed.sum() / expect.sum()).pvalue > 1e-3


CACHED = """async ([name, prompt, n]) => {
  const L = TemperedLiveLM;
  const m = await L.load(name);
  const start = [m.manifest.bos_id, ...m.encode(prompt)];
  const out = { room: m.manifest.context_length - start.length, ids: [] };
  const seeded = { T: 1, topK: 0, topP: 1, minP: 0, order: "transformers" };
  const settings = [{ T: 0 }, seeded];
  for (const s of settings) {
    const ids = [];
    for (const useCache of [true, false]) {
      ids.push(await L.generate(m, start, n, s, L.math.mulberry32(3), null, useCache));
    }
    out.ids.push(ids);
  }
  // The cached steps' logits against the full window's, along the greedy tokens.
  let state = null, diff = 0;
  for (let j = 0; j <= n; j++) {
    const seq = start.concat(out.ids[0][0].slice(0, j));
    const step = await m.next(seq, state);
    state = step.state;
    const full = await m.logits(m.window(seq).ids);
    full.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - step.logits[i])); });
  }
  out.diff = diff;
  return out;
}"""


@pytest.mark.parametrize(
    ("name", "prompt"),
    [
        ("grammar", "the dog that chases the cat " * 20 + "the dog that"),
        ("austen", "She was not"),
    ],
)
def test_generation_with_the_cache_equals_the_full_window(live, name, prompt):
    """Greedy and seeded tokens with the cache of past keys and values equal those of
    the whole window per token; grammar's prompt nearly fills its window, so the
    tokens after it go through the fallback (the whole shifted window again)."""
    page, _, errors = live
    got = page.evaluate(CACHED, [name, prompt, 8])
    assert (0 < got["room"] < 8) == (name == "grammar"), got["room"]
    for cached, full in got["ids"]:
        assert len(cached) == 8 and cached == full
    assert got["ids"][0][0] != got["ids"][1][0] or name == "grammar"
    assert got["diff"] < 1e-4, f"largest logit difference {got['diff']:.2e}"
    assert not errors


TWIN_HIDDEN = """() => {
  const root = document.querySelector(".tempered-live-lm");
  const twin = [...document.querySelectorAll(".tempered-widget")].find((w) =>
    root.compareDocumentPosition(w) & Node.DOCUMENT_POSITION_FOLLOWING);
  return twin.offsetParent === null;
}"""


def _widget_axe_violations(page):
    """Serious or critical axe-core violations inside the live widget only (cheap)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run('.tempered-live-lm', {resultTypes: ['violations']})"
    )
    return [
        v["id"] for v in result["violations"] if v["impact"] in ("critical", "serious")
    ]


def _widget(page):
    return page.locator(".tempered-live-lm").first


def _generate(page, seed):
    widget = _widget(page)
    widget.get_by_label("Tokens", exact=True).fill("8")
    widget.get_by_label("Seed", exact=True).fill(str(seed))
    widget.get_by_label("Seed", exact=True).press("Tab")
    widget.get_by_role("button", name="Generate").click()
    page.wait_for_function(
        "() => document.querySelector('.tempered-live-lm[data-generated]') &&"
        " !document.querySelector('.tempered-live-lm .tl-button[disabled]')"
    )
    return json.loads(widget.get_attribute("data-generated"))


def _start(page):
    widget = _widget(page)
    widget.get_by_role("button", name="Start the live model").click()
    page.wait_for_selector(".tempered-live-lm svg[role=img]")
    return widget


def test_widget_bad_input_seed_and_offline(live, site):
    page, requests, errors = live
    widget = _start(page)
    assert page.evaluate(TWIN_HIDDEN), (
        "the static twin should give way to the live widget"
    )
    assert widget.locator("svg title").text_content().startswith("Next-token")
    message = widget.locator(".tl-message")
    prompt = widget.get_by_label("Prompt", exact=True)

    def state_after(text):
        before = widget.get_attribute("data-state")
        prompt.fill(text)
        page.wait_for_function(
            "b => document.querySelector('.tempered-live-lm').dataset.state !== b",
            arg=before,
        )
        return message.inner_text()

    assert "empty" in state_after("")
    assert "dropped" in state_after("the dog " * 1250)
    assert "Emoji" in state_after("the 😀 dog")
    assert "control characters" in state_after("the\x07dog")
    assert "leaves the grammar" in state_after("<script>window.pwned = 1</script>")
    assert page.evaluate("window.pwned") is None
    assert widget.locator("script").count() == 0
    assert "leaves the grammar" in state_after("the the")
    state_after("the girls that chase the")
    T = widget.get_by_label("T =", exact=True)
    for bad, words in (("warm", "must be a number"), ("-1", "at least 0")):
        T.fill(bad)
        T.press("Enter")
        assert words in message.inner_text()
        assert T.get_attribute("aria-invalid") == "true"
    T.fill("0")
    T.press("Enter")
    assert "greedy" in message.inner_text()
    T.fill("2")
    T.press("Enter")
    assert json.loads(widget.get_attribute("data-state"))["s"]["T"] == 2
    assert message.inner_text() == ""
    first = _generate(page, 7)
    assert _generate(page, 7) == first and _generate(page, 8) != first
    widget.get_by_role("button", name="Draw 1,000").click()
    assert widget.locator("line.tl-drawn").count() == 11
    assert not _widget_axe_violations(page), "axe-core: the started widget"
    widget.get_by_label("Model", exact=True).select_option("austen")
    page.wait_for_function(
        "() => document.querySelector('.tempered-live-lm .tl-stats')"
        ".textContent.includes('4096 tokens')"
    )
    page.reload(wait_until="networkidle")
    _start(page)
    _widget(page).get_by_label("T =", exact=True).fill("2")
    _widget(page).get_by_label("T =", exact=True).press("Enter")
    assert _generate(page, 7) == first, "the same seed gave other tokens after a reload"
    assert not [u for u in requests if not is_local(u)]
    assert not errors, errors
