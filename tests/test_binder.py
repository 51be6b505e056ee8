"""The notebooks' environments: Binder's pins follow the main ones, front end included,
and `make lab` serves the notebooks on this machine only."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a learner's notebook needs in Binder besides the numerics: the kernel, and
# JupyterLab with ipywidgets 8's extension, so that the widgets are live.
FRONT_END = ("ipywidgets", "ipykernel", "jupyterlab", "jupyterlab-widgets")


def pins(path: Path) -> dict:
    """``{name: version}`` of the ``name==version`` lines, names as in PEP 503."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", name).lower()] = version
    return out


def test_binder_pins_match_requirements():
    main, binder = (
        pins(ROOT / "requirements.txt"),
        pins(ROOT / "binder" / "requirements.txt"),
    )
    assert binder, "binder/requirements.txt pins nothing"
    for name, version in binder.items():
        assert main.get(name) == version, (
            f"{name}: binder {version}, requirements.txt {main.get(name)}"
        )


def test_binder_has_the_front_end_at_the_main_pins():
    main, binder = (
        pins(ROOT / "requirements.txt"),
        pins(ROOT / "binder" / "requirements.txt"),
    )
    for name in FRONT_END:
        assert name in main, f"requirements.txt does not pin {name}"
        assert binder.get(name) == main[name], f"binder/requirements.txt: {name}"


def test_binder_installs_what_the_notebooks_import():
    import json
    import sys

    distribution = {"sklearn": "scikit-learn"}  # import names that differ
    imported = set()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                imported |= set(re.findall(r"^\s*(?:from|import) (\w+)", source, re.M))
    third_party = imported - set(sys.stdlib_module_names) - {"tempered"}
    assert {"numpy", "torch"} <= third_party  # the pattern finds imports
    binder = pins(ROOT / "binder" / "requirements.txt")
    missing = {distribution.get(m, m) for m in third_party} - set(binder)
    assert not missing, f"binder/requirements.txt lacks {missing}"


def test_make_lab_serves_the_notebooks_on_loopback_only():
    import subprocess

    # -n prints the commands without running them (nor creating the environment).
    out = subprocess.run(
        ["make", "-n", "-B", "lab"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    lab = next(line for line in out.splitlines() if " lab " in f"{line} ")
    assert lab.startswith("cd notebooks && ../.venv/bin/jupyter lab"), lab
    assert "--ServerApp.ip=127.0.0.1" in lab, lab


def test_every_way_to_start_jupyterlab_uses_the_course_settings(tmp_path):
    """lab/overrides.json (a windowed notebook) reaches make lab, Binder, the
    README's commands without make, and the notebooks zip; the lab tests and the
    benchmark start JupyterLab with it too (tests/lab/jupyterlab.py)."""
    import json
    import subprocess
    import sys
    import zipfile

    settings = json.loads((ROOT / "lab" / "overrides.json").read_text())
    tracker = settings["@jupyterlab/notebook-extension:tracker"]
    assert tracker["windowingMode"] == "full"
    out = subprocess.run(
        ["make", "-n", "-B", "lab"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert f"--LabApp.app_settings_dir={ROOT}/lab" in out, out
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "cp lab/overrides.json" in post_build
    assert "share/jupyter/lab/settings" in post_build
    readme = (ROOT / "README.md").read_text()
    assert readme.count("jupyter lab --LabApp.app_settings_dir=") == 2

    sys.path.insert(0, str(ROOT / "_ext"))
    import course_publish

    target = course_publish.write_notebooks_zip(tmp_path / "n.zip", None)
    with zipfile.ZipFile(target) as archive:
        folder = course_publish.ZIP_FOLDER
        shipped = json.loads(archive.read(f"{folder}/lab/overrides.json"))
        zip_readme = archive.read(f"{folder}/README.md").decode()
    assert shipped == settings
    assert zip_readme.count("jupyter lab --LabApp.app_settings_dir=lab") == 2
