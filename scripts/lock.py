"""Write constraints.txt: the exact version of every package the bot and its tests install today.

    .venv/bin/python scripts/lock.py

Run it in a venv installed with `pip install -e ".[test]"` after changing a dependency in pyproject.toml; every
install then takes these versions (`pip install -c constraints.txt …`: the README, CI and the Dockerfile do), so an
install next year gets the versions tested today. tests/test_deploy.py checks the file against pyproject.toml.
"""

from __future__ import annotations

import re
from importlib.metadata import distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEFT_OUT = {"redwheel", "pip"}  # the project itself, and the installer
HEADER = """\
# The versions the bot and its tests were tested with: `pip install -c constraints.txt -e ".[test]"`.
# Written by scripts/lock.py from a working venv; edit pyproject.toml, then run it again.
"""


def normalized(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    """List every installed distribution but the project and pip, pinned, sorted."""
    pins = {normalized(d.metadata["Name"]): d.version for d in distributions()}
    lines = [f"{name}=={version}" for name, version in sorted(pins.items()) if name not in LEFT_OUT]
    (ROOT / "constraints.txt").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"constraints.txt: {len(lines)} packages pinned")


if __name__ == "__main__":
    main()
