"""The package's shape: each stage imports only the layers below it, and nothing imports in a
circle. The layers are declared in pyproject.toml ([tool.importlinter]) and checked by
import-linter, the maintained tool for such contracts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_stages_import_only_the_layers_below_them():
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    # --no-cache: import-linter would otherwise write its cache into the checkout.
    result = subprocess.run(
        [command, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_module_has_its_place_in_the_layers():
    # A module left out of the contract would be free to import anything, cycles included.
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    listed = {name for layer in contract["layers"] for name in re.split(r"[|:]", layer)}
    modules = {f"briefsite.{p.stem}" for p in (REPO / "briefsite").glob("*.py")}

    assert modules - {"briefsite.__init__"} == {name.strip() for name in listed}
