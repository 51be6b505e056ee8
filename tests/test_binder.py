"""Binder's requirements stay in step with the main pins."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(path: Path) -> dict:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            out[name.lower()] = version
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
