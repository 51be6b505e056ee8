"""Slider tick to new image on screen, in JupyterLab in Chromium, for each chapter.

For each notebook, JupyterLab (tests/lab/jupyterlab.py) runs the cells up to and
including the chapter's main widget; then the slider's handle gets arrow-key
presses, one at a time. In the page, the latency of a tick runs from the
keydown event's timestamp to the first animation frame after the new image has
been decoded, or after the new caption (the changing title, as HTML) if it
changed last or alone: the input event, the comm message to the kernel, the kernel's
update and PNG encoding, the message back, the image swap and the paint.
Target: 50 ms (median). Arguments limit it to some chapters:
``benchmarks/bench_lab_widgets.py 01 04``.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM  # noqa: E402
from tests.browser.conftest import FLAGS  # noqa: E402
from tests.lab import jupyterlab  # noqa: E402

TICKS = 20
TARGET_MS = 50
PAUSE_MS = 250  # between ticks: about a person's pace on the arrow keys

# A tick ends with the first animation frame after the last thing it changed: the
# picture (once decoded) and the title above it (the widget's HTML caption). A small
# step may leave every pixel as it was; then the caption is the whole answer.
ARM = """i => {
  const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
  const img = node.querySelector('.jp-OutputArea img.widget-image');
  const caption = node.querySelector('.jp-OutputArea .widget-html-content');
  const handle = node.querySelector('.jp-OutputArea .widget-slider .noUi-handle');
  window.__shown = [];
  let pressed = null;
  handle.addEventListener('keydown', e => { pressed = e.timeStamp; },
                          {once: true, capture: true});
  const painted = () => requestAnimationFrame(
    frame => window.__shown.push(frame - pressed));
  const images = new MutationObserver(async () => {
    images.disconnect();
    await img.decode();
    painted();
  });
  images.observe(img, {attributes: true, attributeFilter: ['src']});
  if (caption) {
    const text = new MutationObserver(() => { text.disconnect(); painted(); });
    text.observe(caption, {childList: true, characterData: true, subtree: true});
  }
}"""


HAS_SLIDER = """i => window.jupyterapp.shell.currentWidget.content.widgets[i].node
  .querySelector('.jp-OutputArea .widget-slider .noUi-handle') !== null"""


def tick_latencies(page, index: int) -> list[float]:
    """Milliseconds from key press to painted image, for TICKS ticks.

    The handle is scrolled into view and focused once; then each tick is one key
    press, with the page and the kernel left idle for PAUSE_MS before the next, so
    that each figure is one tick's latency, not the tail of the one before.
    """
    jupyterlab.tick(page, index)  # scrolls the cell into view, focuses the handle
    page.wait_for_timeout(PAUSE_MS)
    out = []
    for _ in range(TICKS):
        page.evaluate(ARM, index)
        page.keyboard.press("ArrowRight")
        page.wait_for_function("window.__shown.length > 0", timeout=30_000)
        page.wait_for_timeout(PAUSE_MS)  # the picture may follow its caption
        out.append(page.evaluate("Math.max(...window.__shown)"))
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    chapters = tuple(sys.argv[1:]) or ("",)
    header = ("notebook", "cell", "median ms", "p90 ms", "target")
    print("{:<40s} {:>4s} {:>9s} {:>7s} {:>6s}".format(*header))
    with (
        tempfile.TemporaryDirectory() as tmp,
        jupyterlab.running_lab(Path(tmp)) as lab,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = jupyterlab.open_lab(browser.new_context(), lab)
        for notebook in jupyterlab.NOTEBOOKS:
            index = jupyterlab.first_widget_cell(notebook)
            if index is None or not notebook.name.startswith(chapters):
                continue
            try:
                jupyterlab.open_notebook(page, notebook.name)
                jupyterlab.run_cells(page, last=index)
                problems = jupyterlab.cell_problems(page, last=index)
                if problems:
                    print(f"{notebook.name:<40s} failed: {problems}")
                    continue
                jupyterlab.show_cell(page, index)  # the notebook is windowed
                slider = page.evaluate(HAS_SLIDER, index)
                if not slider:  # chapter 8's chain is edited with buttons
                    print(f"{notebook.name:<40s} {index:4d}   (no slider: not timed)")
                    continue
                ms = np.array(tick_latencies(page, index))
                flag = "" if np.median(ms) <= TARGET_MS else "  OVER TARGET"
                print(
                    f"{notebook.name:<40s} {index:4d} {np.median(ms):9.1f}"
                    f" {np.percentile(ms, 90):7.1f} {TARGET_MS:6d}{flag}",
                    flush=True,
                )
            finally:
                jupyterlab.close_notebook(page)
                lab.shutdown_kernels()
        browser.close()


if __name__ == "__main__":
    main()
