"""The live next-token widget in headless Chromium, the built book on a local server.

Per model: load-ms (runtime, tokenizer and model, in a fresh page), first-token-ms
(tokenize a 64-token prompt and run it whole), per-token-ms (median generated token
after it: one position on the cache of past keys and values, contexts of 65 to 94
tokens), window-ms (median run of the whole 64-token window, what each token cost
before the cache), retemper-ms (median slider move: re-temper the whole vocabulary
and redraw, layout included). Then the gzip size of what a
reader downloads on demand. Targets: 1,500 ms, 15 ms (austen), 16 ms, 10 MB.
Needs `make book` first.
"""

import functools
import gzip
import http.server
import shutil
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
PAGE = "book/06-temperature-in-language-models.html"
PROMPT_64 = {  # prompts of 63 tokens (64 with the start token)
    "grammar": " ".join(["the dog that chases the cat"] * 10)[: 63 * 8],
    "austen": "It is a truth universally acknowledged, that " * 8,
}

MEASURE = """async ([name, prompt]) => {
  const t0 = performance.now();
  const m = await TemperedLiveLM.load(name);
  const load = performance.now() - t0;
  const t1 = performance.now();
  const ids = m.context(prompt).ids.slice(-64);
  let { state } = await m.next(ids, null);
  const first = performance.now() - t1;
  const steps = [];
  const seq = ids.slice();
  for (let j = 0; j < 30; j++) {
    seq.push(ids[j + 1]);
    const t = performance.now();
    ({ state } = await m.next(seq, state));
    steps.push(performance.now() - t);
  }
  const windows = [];
  for (let j = 0; j < 9; j++) {
    const t = performance.now();
    await m.logits(ids);
    windows.push(performance.now() - t);
  }
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  return { load, first, step: median(steps), window: median(windows), n: ids.length };
}"""

RETEMPER = """async (name) => {
  const root = document.querySelector(".tempered-live-lm");
  root.querySelector(".tl-start").click();
  const wait = () => new Promise((r) => setTimeout(r, 20));
  while (!root.querySelector("svg[role=img]")) await wait();
  const select = root.querySelector("select");
  if (select.value !== name) {
    const before = root.dataset.state;
    select.value = name;
    select.dispatchEvent(new Event("change"));
    while (root.dataset.state === before) await wait();
  }
  const slider = root.querySelector("input[type=range]");
  const times = [];
  for (let j = 0; j < 40; j++) {
    const t = performance.now();
    slider.value = String(300 + 10 * j);
    slider.dispatchEvent(new Event("input"));
    root.getBoundingClientRect();
    document.body.offsetHeight;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[20];
}"""


def on_demand_gzip_bytes() -> int:
    vendor = HTML / "vendor"
    files = [
        *(vendor / "onnxruntime-web").iterdir(),
        *(vendor / "tokenizers").iterdir(),
    ]
    files += [f for f in (vendor / "live-lm").rglob("*") if f.is_file()]
    return sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)


def main() -> None:
    if not (HTML / PAGE).is_file() or not (HTML / "vendor" / "live-lm").is_dir():
        print("live-lm: the built book is missing; run `make book` first")
        return
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name in ("grammar", "austen"):
            page = browser.new_page()
            page.goto(url, wait_until="networkidle")
            got = page.evaluate(MEASURE, [name, PROMPT_64[name]])
            retemper = page.evaluate(RETEMPER, name)
            page.close()
            print(
                f"live-lm {name} load-ms={got['load']:.0f} "
                f"first-token-ms={got['first']:.1f} per-token-ms={got['step']:.1f} "
                f"window-ms={got['window']:.1f} retemper-ms={retemper:.1f}  "
                f"(context {got['n']} tokens)"
            )
        browser.close()
    server.shutdown()
    print(f"live-lm on-demand-gzip-mb={on_demand_gzip_bytes() / 1e6:.2f}")


if __name__ == "__main__":
    main()
