"""JupyterLab on 127.0.0.1, driven in Chromium: start it, open a notebook, run it,
move its widgets. Shared by the tests (test_jupyterlab.py) and `make bench`
(benchmarks/bench_lab_widgets.py).

The server serves a copy of notebooks/, so that JupyterLab's autosave never writes
outputs into the committed notebooks, and keeps its settings, workspaces and
runtime files in that folder too, away from the user's own. It runs with the
course's JupyterLab settings (lab/overrides.json), as ``make lab`` does: the
notebook is windowed, so only the cells in view are in the page. The page exposes
the application object (``window.jupyterapp``), through which the driver runs
JupyterLab's own commands, reads the notebook's model, and scrolls a cell into
view before it touches the cell's widget.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SETTINGS = ROOT / "lab"  # overrides.json: the course's JupyterLab settings
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token and the folder it serves."""

    url: str
    token: str
    folder: Path

    def api(self, path: str, method: str = "GET"):
        """Call the server's REST API; the decoded JSON answer, or None."""
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel, so that each notebook's memory is freed."""
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")


def course_setting(name: str):
    """A setting of the notebook tracker in the course's lab/overrides.json."""
    settings = json.loads((SETTINGS / "overrides.json").read_text())
    return settings["@jupyterlab/notebook-extension:tracker"][name]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(folder: Path, env: dict | None = None):
    """Start JupyterLab on a copy of notebooks/ in ``folder``; yield a :class:`Lab`.

    Kernels inherit ``env`` (default: this process's environment), so in the test
    run they carry the network guard, one BLAS thread and the run's training cache.
    """
    served = folder / "notebooks"
    shutil.copytree(ROOT / "notebooks", served, dirs_exist_ok=True)
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ if env is None else env)
    for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
    ):
        env[name] = str(folder / sub)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={served}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",  # it would ask PyPI for extensions
        "--ServerApp.allow_root=True",  # CI containers run as root
        f"--LabApp.app_settings_dir={SETTINGS}",
    ]
    log = open(folder / "jupyterlab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, served)
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(
                    "JupyterLab exited:\n" + (folder / "jupyterlab.log").read_text()
                )
            try:
                lab.api("status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start within 90 s") from None
                time.sleep(0.2)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def open_lab(context, lab: Lab):
    """A page with JupyterLab loaded (no notebook open yet); reuse it for every
    notebook, since loading JupyterLab's scripts is the slow part of a page load."""
    page = context.new_page()
    page.goto(f"{lab.url}/lab?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp", timeout=120_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    return page


def open_notebook(page, name: str) -> None:
    """Open notebook ``name`` in the JupyterLab ``page``; wait for its kernel."""
    page.evaluate(
        """async name => {
          await window.jupyterapp.commands.execute('docmanager:open', {path: name});
        }""",
        name,
    )
    page.wait_for_function(
        """name => {
          const panel = window.jupyterapp.shell.currentWidget;
          const kernel = panel && panel.context && panel.context.path === name
            && panel.sessionContext.session && panel.sessionContext.session.kernel;
          return kernel && kernel.status === 'idle' && panel.content.widgets.length > 0;
        }""",
        arg=name,
        timeout=120_000,
    )


def close_notebook(page) -> None:
    """Close the open notebook without saving (its outputs are the test's)."""
    page.evaluate(
        """() => {
          const panel = window.jupyterapp.shell.currentWidget;
          if (!panel || !panel.context) return;
          panel.context.model.dirty = false;  // no "save your work?" dialog
          panel.dispose();
        }"""
    )


def run_cells(page, last: int | None = None) -> float:
    """Run every cell (or cells 0..``last``) through JupyterLab's own commands.

    Returns the seconds it took; the commands resolve when the cells have run.
    """
    start = time.perf_counter()
    page.evaluate(
        """async last => {
          const app = window.jupyterapp, notebook = app.shell.currentWidget.content;
          if (last === null) {
            await app.commands.execute('notebook:run-all-cells');
          } else {
            notebook.activeCellIndex = last;
            await app.commands.execute('notebook:run-all-above');
            await app.commands.execute('notebook:run-cell');
          }
        }""",
        last,
    )
    # The command resolves when the last cell is sent; wait for the kernel's answers.
    page.wait_for_function(
        """() => {
          const panel = window.jupyterapp.shell.currentWidget;
          const kernel = panel.sessionContext.session.kernel;
          const pending = [...panel.content.model.cells].some(
            c => c.type === 'code' && c.executionState === 'running');
          return kernel.status === 'idle' && !pending;
        }""",
        timeout=600_000,
        polling=100,
    )
    return time.perf_counter() - start


def cell_problems(page, last: int | None = None) -> list[str]:
    """Code cells (up to ``last``) that did not run or whose outputs hold an error."""
    return page.evaluate(
        """last => {
          const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
          const problems = [];
          const end = last === null ? cells.length - 1 : last;
          for (let i = 0; i <= end; i++) {
            const cell = cells.get(i);
            if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
            if (cell.executionCount === null) problems.push(`cell ${i} did not run`);
            for (const out of cell.outputs.toJSON())
              if (out.output_type === 'error')
                problems.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
          }
          return problems;
        }""",
        last,
    )


def widget_cells(page) -> list[int]:
    """Indices of the cells whose output is a live widget, read from the model (in a
    windowed notebook a cell out of view is not in the page)."""
    return page.evaluate(
        """mime => [...window.jupyterapp.shell.currentWidget.content.model.cells]
             .map((cell, i) => [cell, i])
             .filter(([cell]) => cell.type === 'code'
               && cell.outputs.toJSON().some(o => o.data && o.data[mime]))
             .map(([, i]) => i)""",
        WIDGET_VIEW,
    )


def show_cell(page, index: int) -> None:
    """Scroll cell ``index`` into view and wait until its widget (an image and a
    slider or buttons) is drawn in the page."""
    page.evaluate(
        """async i => {
          const notebook = window.jupyterapp.shell.currentWidget.content;
          notebook.activeCellIndex = i;
          await notebook.scrollToItem(i, 'center');
        }""",
        index,
    )
    page.wait_for_function(
        """i => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
          return node.isConnected
            && node.querySelector('.jp-OutputArea img.widget-image')
            && node.querySelector(
              '.jp-OutputArea .widget-slider .noUi-handle, .jp-OutputArea button');
        }""",
        arg=index,
        timeout=60_000,  # generous: the test run loads both cores
    )


def first_widget_cell(path: Path) -> int | None:
    """The index of the first cell that shows a widget, read from the notebook file
    (a call of a ``*_explorer`` or ``*_replay`` function of tempered.widgets)."""
    import re

    cells = json.loads(path.read_text())["cells"]
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and re.search(
            r"^\w+ = \w+_(explorer|replay)\(", source, re.MULTILINE
        ):
            return i
    return None


def widget_state(page, index: int) -> dict:
    """The image (its ``src``) and readouts of the widget shown by cell ``index``: the
    sliders' values, a chain's steps and the changing title (an HTML caption)."""
    show_cell(page, index)
    return page.evaluate(
        """i => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
          const img = node.querySelector('.jp-OutputArea img.widget-image');
          return {
            src: img ? img.src : null,
            readouts: [...node.querySelectorAll(
                '.jp-OutputArea .widget-readout, .jp-OutputArea select option,'
                + ' .jp-OutputArea .widget-html-content')]
              .map(r => r.textContent),
          };
        }""",
        index,
    )


def tick(page, index: int, key: str = "ArrowRight") -> None:
    """Press ``key`` on the first slider handle of the widget of cell ``index``, or,
    in a widget without a slider, Enter on its first button."""
    show_cell(page, index)
    has_slider = page.evaluate(
        """i => {
          for (const old of document.querySelectorAll('[data-tick-target]'))
            old.removeAttribute('data-tick-target');
          const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
          const handle = node.querySelector(
            '.jp-OutputArea .widget-slider .noUi-handle');
          const target = handle || node.querySelector('.jp-OutputArea button');
          target.setAttribute('data-tick-target', '');
          return handle !== null;
        }""",
        index,
    )
    target = page.locator("[data-tick-target]")
    target.scroll_into_view_if_needed()
    target.focus()
    page.keyboard.press(key if has_slider else "Enter")


def kernel_alive(page) -> bool:
    """The notebook's kernel answers a request (kernel_info) and is not dead."""
    return page.evaluate(
        """async () => {
          const kernel = window.jupyterapp.shell.currentWidget
            .sessionContext.session.kernel;
          if (kernel.status === 'dead') return false;
          const reply = await kernel.requestKernelInfo();
          return reply !== undefined && reply.content.status === 'ok';
        }"""
    )
