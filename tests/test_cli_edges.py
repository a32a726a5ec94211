"""The command line's edges, each run as a real process: a mistyped command, a --source that is
a file, a missing dependency, an empty briefs/ folder, the name it was started by, and a
preview started with Ctrl-C ignored."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, REPO, run_build, write_site

BUILD_PY = str(REPO / "build.py")
DEADLINE = 30.0


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = run_build("chek")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error: unknown command 'chek'; did you mean 'check'?" in result.stderr
    other = run_build("publish", "--source", ".")
    assert other.returncode == 2
    assert "unknown command 'publish'; the commands: build, check, init, new, serve" in (
        other.stderr
    )


def test_help_and_hints_name_the_command_as_it_was_started(tmp_path: Path) -> None:
    typed = f"python {shlex.quote(BUILD_PY)}"
    helped = run_build("--help")
    assert helped.stdout.startswith(f"usage: {typed} [-h]"), helped.stdout
    assert f"Run '{typed} COMMAND --help'" in " ".join(helped.stdout.split())
    sub = run_build("check", "--help")
    assert sub.stdout.startswith(f"usage: {typed} check"), sub.stdout
    module = subprocess.run(
        [sys.executable, "-m", "briefsite", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert module.stdout.startswith("usage: python -m briefsite [-h]"), (
        module.stdout + module.stderr
    )
    assert "build.py" not in module.stdout


def test_new_with_source_suggests_serve_with_the_same_source(tmp_path: Path) -> None:
    site = write_site(tmp_path / "my site", {"land-offer.md": GOOD_BRIEF})
    result = run_build("new", "A brief", "--source", site)
    assert result.returncode == 0, result.stderr
    suggested = result.stdout.split("preview it with '")[1].rsplit("'.", 1)[0]
    command = shlex.split(suggested)
    assert command[-3:] == ["serve", "--source", str(site)], suggested
    assert command[:2] == ["python", BUILD_PY]
    here = run_build("new", "Another brief", cwd=site)
    assert f"preview it with 'python {shlex.quote(BUILD_PY)} serve'." in here.stdout


@pytest.mark.parametrize("command", ["build", "check", "new", "serve"])
def test_a_source_that_is_a_file_says_so(tmp_path: Path, command: str) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# not a site\n")
    extra = ["A title"] if command == "new" else []
    result = run_build(command, *extra, "--source", readme)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "is a file, not a folder" in result.stderr
    assert "does not exist" not in result.stderr


def test_a_missing_site_yml_names_the_folder_and_source(tmp_path: Path) -> None:
    (tmp_path / "briefs").mkdir()
    result = run_build("check", cwd=tmp_path)
    assert result.returncode == 1
    assert f"site settings file not found in {tmp_path.resolve()}" in result.stderr
    assert "--source DIR" in result.stderr


def test_an_empty_briefs_folder_is_a_warning(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {})
    checked = run_build("check", "--source", site)
    assert checked.returncode == 0
    assert "warning: the briefs folder holds no briefs" in checked.stderr
    assert run_build("check", "--strict", "--source", site).returncode == 1
    built = run_build("build", "--source", site)
    assert built.returncode == 0, built.stderr
    assert "the briefs folder holds no briefs" in built.stderr
    # One brief: no such warning.
    (site / "briefs" / "a.md").write_text(GOOD_BRIEF, encoding="utf-8")
    assert "no briefs" not in run_build("check", "--source", site).stderr


# build.py run with one package made impossible to import, as on a Python without it.
WITHOUT = """
import runpy, sys
sys.path.insert(0, {repo!r})
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == {module!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Missing())
sys.argv[0] = {build!r}
runpy.run_path({build!r}, run_name="__main__")
"""


def without(module: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    driver = WITHOUT.format(repo=str(REPO), module=module, build=BUILD_PY)
    return subprocess.run(
        [sys.executable, "-c", driver, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("module", "command"),
    [("yaml", "--help"), ("yaml", "check"), ("jinja2", "build"), ("watchfiles", "serve")],
)
def test_a_missing_dependency_is_a_sentence_not_a_traceback(
    tmp_path: Path, module: str, command: str
) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    extra = ["--port", "0"] if command == "serve" else []
    result = without(module, command, *extra, cwd=site)
    assert "Traceback" not in result.stderr, result.stderr
    if command == "--help" and result.returncode == 0:
        assert result.stdout.startswith("usage:")  # help needs no dependency at all
        return
    assert result.returncode == 1
    assert f"error: briefsite needs the Python package '{module}', which is not installed" in (
        result.stderr
    )
    assert "hint: " in result.stderr


def test_serve_started_with_sigint_ignored_still_stops_on_sigint(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # As from a script that ran it in the background (`build.py serve &`): SIGINT ignored.
        proc = subprocess.Popen(
            [sys.executable, BUILD_PY, "serve", "--source", site, "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        deadline = time.monotonic() + DEADLINE
        while "Serving a preview at" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the preview did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        try:
            status = proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            pytest.fail("kill -INT did not stop a preview started with SIGINT ignored")
        assert status == 0, log.read_text(encoding="utf-8")
        assert "Stopped the preview." in log.read_text(encoding="utf-8")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
