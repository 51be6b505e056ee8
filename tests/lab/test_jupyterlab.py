"""Each chapter's notebook, live in JupyterLab in Chromium, as a learner runs it.

One JupyterLab server per xdist worker (the scheduler in conftest.py shares the
notebooks out one by one) serves a copy of notebooks/ on 127.0.0.1 with a token
(tests/lab/jupyterlab.py). Each test opens one notebook, runs all its cells with
JupyterLab's own command, and checks that no cell shows an error. Then it moves
the slider of every live widget the notebook shows (the chapter's main one, at
least) with the keyboard, as a learner would, and checks that the image and the
slider's readout changed, which needs the kernel's answer, and that the kernel
still answers. JupyterLab is loaded once per worker in one page, which opens the
notebooks in turn; each notebook gets a kernel of its own (a notebook's state must
not leak into the next), shut down after its test. Run with ``-s`` to see the
seconds each step takes.
"""

import time

import pytest

from tests.browser.pages import is_local
from tests.lab import jupyterlab

TICKS = 3  # key presses per slider; each one is a round trip to the kernel


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    with jupyterlab.running_lab(tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server


@pytest.fixture(scope="session")
def lab_page(browser, lab):
    """One page with JupyterLab loaded, reused by every notebook of the session; it
    records every request and every uncaught error in the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.requests, context.crashes = [], []
    context.on("request", lambda r: context.requests.append(r.url))
    page = jupyterlab.open_lab(context, lab)
    page.on("pageerror", lambda e: context.crashes.append(str(e)))
    yield page
    context.close()


@pytest.mark.parametrize("notebook", jupyterlab.NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_jupyterlab_and_its_widgets_respond(lab, lab_page, notebook):
    main = jupyterlab.first_widget_cell(notebook)
    assert main is not None, f"{notebook.name} shows no widget"
    page, times = lab_page, {}
    start = time.perf_counter()
    try:
        jupyterlab.open_notebook(page, notebook.name)
        mode = page.evaluate(
            "window.jupyterapp.shell.currentWidget.content.notebookConfig.windowingMode"
        )
        assert mode == jupyterlab.course_setting("windowingMode"), mode
        times["open"] = time.perf_counter() - start
        times["run all"] = jupyterlab.run_cells(page)
        problems = jupyterlab.cell_problems(page)
        assert not problems, f"{notebook.name}: {problems}"

        start = time.perf_counter()
        shown = jupyterlab.widget_cells(page)
        assert main in shown, f"cell {main} shows no live widget (found {shown})"
        for index in shown:
            before = jupyterlab.widget_state(page, index)
            for _ in range(TICKS):
                jupyterlab.tick(page, index)
            page.wait_for_function(
                """([i, src]) => {
                  const node = window.jupyterapp.shell.currentWidget
                    .content.widgets[i].node;
                  return node.querySelector('.jp-OutputArea img.widget-image').src
                    !== src;
                }""",
                arg=[index, before["src"]],
                timeout=60_000,
            )
            after = jupyterlab.widget_state(page, index)
            assert after["readouts"] != before["readouts"], (
                f"cell {index}: the slider's readout did not change"
            )
        assert jupyterlab.kernel_alive(page), "the kernel died"
        times[f"{len(shown)} widgets"] = time.perf_counter() - start
        print(
            f"\n{notebook.name} in JupyterLab: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
        )
        crashes = page.context.crashes
        assert not crashes, f"uncaught errors in the page: {crashes}"
        outside = [u for u in page.context.requests if not is_local(u)]
        assert not outside, f"requests left the machine: {outside}"
    finally:
        jupyterlab.close_notebook(page)
        lab.shutdown_kernels()
