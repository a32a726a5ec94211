"""The test suite's own set-up, where it keeps the suite fast (benchmarks/README.md, "The test
suite") and its bytecode cache from growing: each of these, undone, failed no other test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from browser_support import CHROMIUM, HEADLESS_SHELL
from conftest import forget_gone_folders


def test_hypothesis_is_imported_after_the_bytecode_cache_is_set() -> None:
    """pytest rewrites Hypothesis's whole package (a plugin's) and keeps the result only where
    bytecode may be written: imported before conftest points the cache at the temporary
    folder, it was compiled again in every test process, two CPU-seconds each."""
    if sys.pycache_prefix is None:  # (conftest sets it to `bytecode_cache()`, when safe)
        pytest.skip("the tests' bytecode cache folder is not safely this user's")
    import hypothesis.core

    cached = hypothesis.core.__cached__  # where its bytecode went when it was imported
    assert cached.startswith(sys.pycache_prefix + os.sep), cached


def test_the_bytecode_cache_forgets_folders_that_are_gone(tmp_path: Path) -> None:
    """The virtualenvs and copies tests make in their temporary folders compile into the
    tests' bytecode cache too: a hundred megabytes a run, kept in memory on /dev/shm."""
    temp = tmp_path / "temp"
    runs = temp / "pytest-of-someone"
    cache = tmp_path / "cache"

    def compiled(folder: Path) -> Path:
        pyc = cache / folder.relative_to(folder.anchor) / "venv" / "m.pyc"
        pyc.parent.mkdir(parents=True)
        pyc.write_bytes(b"bytecode")
        return pyc

    # Run 7 is gone, 8 is kept, 9 is this one; pip's build environment is gone.
    for name in ("pytest-7", "pytest-8", "pytest-9"):
        compiled(runs / name)
    compiled(temp / "pip-build-env-x")
    (runs / "pytest-8").mkdir(parents=True)
    (runs / "pytest-9").mkdir()
    elsewhere = compiled(tmp_path / "usr")  # what lies outside the folders given stays

    forget_gone_folders(cache, runs, temp)

    mirror = cache / runs.relative_to(runs.anchor)
    assert sorted(p.name for p in mirror.iterdir()) == ["pytest-8", "pytest-9"]
    assert sorted(p.name for p in mirror.parent.iterdir()) == [runs.name]
    assert elsewhere.exists()


@pytest.mark.parametrize("name", ["anyio", "benchmark"])
def test_plugins_other_packages_bring_are_not_loaded(
    request: pytest.FixtureRequest, name: str
) -> None:
    assert not request.config.pluginmanager.has_plugin(name)


def test_the_browser_tests_drive_the_headless_shell_where_it_is_installed() -> None:
    """The same Chromium without the browser's interface: 40 % less CPU for the same tests."""
    if os.environ.get("BRIEFSITE_CHROMIUM"):
        assert Path(os.environ["BRIEFSITE_CHROMIUM"]) == CHROMIUM
    elif HEADLESS_SHELL.is_file():
        assert CHROMIUM == HEADLESS_SHELL
    else:
        assert Path("/usr/bin/chromium") == CHROMIUM
