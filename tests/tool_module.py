"""Load a maintenance script of tools/ as a module (tools/ is not a package)."""

import importlib.util
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(file_stem: str, module_name: str | None = None):
    """The module of ``tools/<file_stem>.py``, registered in ``sys.modules`` as
    ``module_name`` (default: the stem), so that loading it twice returns the same
    module and worker processes can find its functions."""
    name = module_name or file_stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{file_stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
