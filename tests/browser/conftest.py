"""Serve the built book on 127.0.0.1 and drive Debian's Chromium with Playwright.

Playwright's own browser download is never used: we launch /usr/bin/chromium
(``make test`` installs Debian's ``chromium`` where apt is available). The
``browser`` fixture itself is in tests/conftest.py, shared with tests/lab: one
Playwright per process, since a second sync Playwright in the same process fails.
"""

import functools
import gzip
import http.server
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


COMPRESSIBLE = (".html", ".js", ".css", ".svg", ".json", ".txt", ".map", ".woff")


class _StaticHostHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files as a static host does: gzip for text, if the browser accepts it."""

    _gzipped: dict = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            "gzip" not in self.headers.get("Accept-Encoding", "")
            or path.suffix not in COMPRESSIBLE
            or not path.is_file()
        ):
            return super().do_GET()
        if path not in self._gzipped:
            self._gzipped[path] = gzip.compress(path.read_bytes(), compresslevel=6)
        body = self._gzipped[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def site(built_book):
    """Base URL of the built book served from a local HTTP server."""
    handler = functools.partial(_StaticHostHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
