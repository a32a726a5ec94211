"""The command line as editors meet it: --quiet, --verbose, colour and the progress bar.

Terminal behaviour is tested on a real pseudo-terminal: the build's stderr is the terminal end
of `os.openpty()`, exactly what an editor's terminal gives it; in a real process for colour and
the bar, through `cli.main` in the test's process for the rest.

The bar appears once a build has run for `cli.PROGRESS_AFTER` seconds. How long a real build
takes depends on the machine and its load, so the terminal tests set that delay in the build
process (0: a bar is always due; NEVER: none is) and the delay itself is tested on a fake clock.
"""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import GOOD_BRIEF, REPO, run_build, run_process, write_site

from briefsite import cli

BROKEN = "---\ntitle: Broken\ndate: March\nsummary: S.\n---\nText.\n"
ESCAPE = "\x1b["
# The bar as drawn: carriage return, stage, [####    ] done/total.
BAR = re.compile(r"\r(reading|rendering|writing pages) *\[#* *\] \d+/\d+")


def terminal_env(**changes: str | None) -> dict[str, str]:
    """The environment of an editor's terminal: TERM set, no NO_COLOR, not CI."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    env["TERM"] = "xterm-256color"
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


NEVER = 3600.0  # seconds: no test build runs that long, so no bar is ever due

# What build.py runs (cli.main), with the bar's delay set first from the first argument.
WITH_DELAY = f"""\
import sys
sys.path.insert(0, {str(REPO)!r})
from briefsite import cli
cli.PROGRESS_AFTER = float(sys.argv.pop(1))
sys.exit(cli.main())
"""


def build_command(*args: str | Path, progress_after: float) -> list[str]:
    """`python build.py ARGS`, with the progress bar due after `progress_after` seconds."""
    return [sys.executable, "-c", WITH_DELAY, str(progress_after), *map(str, args)]


def run_on_terminal(
    *args: str | Path, env: dict[str, str], cwd: Path | None = None, progress_after: float = NEVER
) -> tuple[int, str, str]:
    """Run `python build.py ARGS` with stderr on a pseudo-terminal: (status, stdout, terminal).

    No bar unless `progress_after` says when it is due: the tests of colour and of the text on
    the terminal must not depend on how long a build takes on a loaded machine."""
    master, slave = os.openpty()
    with subprocess.Popen(
        build_command(*args, progress_after=progress_after),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=cwd or REPO,
    ) as proc:
        os.close(slave)
        chunks: list[bytes] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if proc.poll() is not None and not select.select([master], [], [], 0)[0]:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode("utf-8")
        status = proc.wait(timeout=30)
    os.close(master)
    return status, stdout, b"".join(chunks).decode("utf-8", "replace")


def main_on_terminal(
    monkeypatch: pytest.MonkeyPatch,
    *args: str | Path,
    changes: dict[str, str | None] | None = None,
    progress_after: float = NEVER,
) -> tuple[int, str, str]:
    """As `run_on_terminal`, through `cli.main` in this process: stderr on a real
    pseudo-terminal, the environment of an editor's terminal with `changes`. Saves starting
    a Python; the real process's own wiring is what `run_on_terminal` tests."""
    for key, value in {
        "NO_COLOR": None,
        "CI": None,
        "TERM": "xterm-256color",
        **(changes or {}),
    }.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    monkeypatch.setattr(cli, "PROGRESS_AFTER", progress_after)
    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        """Read the terminal until it is closed (EIO), so no write can fill it and block."""
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out = io.StringIO()
    with open(slave, "w", encoding="utf-8") as terminal:
        status = cli.main([str(arg) for arg in args], out, terminal)
    reader.join(timeout=60)
    os.close(master)
    return status, out.getvalue(), b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def good_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "good", {"land-offer.md": GOOD_BRIEF})


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "broken", {"x.md": BROKEN})


def test_quiet_prints_nothing_on_success(good_site: Path) -> None:
    result = run_build("--source", good_site, "--quiet")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert (good_site / "site" / "briefs" / "land-offer" / "index.html").is_file()


def test_quiet_still_prints_problems(broken_site: Path) -> None:
    result = run_build("--source", broken_site, "-q")
    assert result.returncode == 1
    assert "briefs/x.md:3:7: error: 'date' must be a date" in result.stderr
    assert "1 error, 0 warnings in 1 file." in result.stderr


def test_default_output_is_one_summary_line(good_site: Path) -> None:
    result = run_build("--source", good_site)
    assert result.returncode == 0
    [line] = result.stdout.splitlines()
    assert re.fullmatch(
        r"Built 1 brief, \d+ pages into .+site in \d+\.\d\d s: \d+ written, 0 unchanged, "
        r"0 removed\.",
        line,
    ), line
    assert "wrote" not in result.stdout
    assert result.stderr == ""


def test_verbose_lists_every_file_written_and_removed(good_site: Path) -> None:
    other = GOOD_BRIEF.replace("Land offer", "Other offer").replace("37.3", "12")
    (good_site / "briefs" / "other.md").write_text(other, encoding="utf-8")
    # Between the two in the archive: land-offer's neighbour, which stays when other goes.
    middle = GOOD_BRIEF.replace("Land offer", "Middle offer").replace("37.3", "20")
    (good_site / "briefs" / "middle.md").write_text(middle, encoding="utf-8")
    first = run_build("--source", good_site, "--verbose")
    assert first.returncode == 0, first.stderr
    written = {
        line.removeprefix("  wrote   ")
        for line in first.stdout.splitlines()
        if line.startswith("  wrote   ")
    }
    on_disk = {
        p.relative_to(good_site / "site").as_posix()
        for p in (good_site / "site").rglob("*")
        if p.is_file()
    }
    assert {"index.html", "briefs/other/index.html", "feed.xml", "sitemap.xml"} <= written
    assert written <= on_disk
    assert f"{len(written)} written, 0 unchanged, 0 removed." in first.stdout

    (good_site / "briefs" / "other.md").unlink()
    second = run_build("--source", good_site, "-v")
    assert second.returncode == 0, second.stderr
    assert "  removed briefs/other/index.html" in second.stdout.splitlines()
    assert "  wrote   briefs/other/index.html" not in second.stdout
    assert "  wrote   briefs/land-offer/index.html" not in second.stdout  # unchanged

    third = run_build("--source", good_site, "--verbose")
    assert "wrote" not in third.stdout
    assert "removed " not in third.stdout
    assert ": 0 written, " in third.stdout


def test_quiet_and_verbose_together_are_refused(good_site: Path) -> None:
    result = run_build("--source", good_site, "--quiet", "--verbose")
    assert result.returncode == 2
    assert "not allowed with" in result.stderr
    assert not (good_site / "site").exists()


def test_every_command_explains_its_options() -> None:
    for command, options in {
        "check": ("--strict", "--format", "--drafts", "--future", "--source"),
        "new": ("--topic", "--slug", "--source", "title"),
        "serve": ("--port", "--source", "--quiet", "--verbose"),
        "build": ("--drafts", "--future", "--quiet", "--verbose"),
    }.items():
        result = run_build(command, "--help")
        assert result.returncode == 0, command
        for option in options:
            assert option in result.stdout, (command, option)


def test_piped_output_has_no_colour_and_no_progress(broken_site: Path, good_site: Path) -> None:
    failed = run_process("--source", broken_site)
    assert failed.returncode == 1
    assert "briefs/x.md:3:7: error:" in failed.stderr
    assert ESCAPE not in failed.stderr + failed.stdout
    ok = run_process("--source", good_site)
    assert ok.returncode == 0
    assert ESCAPE not in ok.stderr + ok.stdout
    assert "\r" not in ok.stderr + ok.stdout


def test_errors_are_coloured_on_a_terminal(broken_site: Path) -> None:
    status, stdout, terminal = run_on_terminal("--source", broken_site, env=terminal_env())
    assert status == 1
    assert "\x1b[1mbriefs/x.md:3:7\x1b[0m: \x1b[1;31merror\x1b[0m: 'date' must be a date" in (
        terminal
    ), terminal
    assert ESCAPE not in stdout  # stdout is a pipe here


def test_warnings_are_coloured_on_a_terminal(tmp_path: Path, monkeypatch) -> None:
    second = GOOD_BRIEF.replace("37.3", "37")
    site = write_site(tmp_path / "s", {"a.md": GOOD_BRIEF, "b.md": second})
    status, _, terminal = main_on_terminal(monkeypatch, "check", "--source", site)
    assert status == 0
    assert "\x1b[1;33mwarning\x1b[0m: title 'Land offer' is also used by briefs/b.md" in terminal
    assert "\x1b[2m  hint: readers tell briefs apart" in terminal


@pytest.mark.parametrize(
    "changes", [{"NO_COLOR": "1"}, {"TERM": "dumb"}], ids=["NO_COLOR", "TERM=dumb"]
)
def test_no_colour_on_a_terminal_when_asked(
    broken_site: Path, changes: dict[str, str | None], monkeypatch
) -> None:
    status, _, terminal = main_on_terminal(monkeypatch, "--source", broken_site, changes=changes)
    assert status == 1
    assert "briefs/x.md:3:7: error: 'date' must be a date" in terminal
    assert ESCAPE not in terminal


def test_a_dumb_terminal_gets_no_progress_bar(
    many_briefs: Path, tmp_path: Path, monkeypatch
) -> None:
    # TERM=dumb cannot move the cursor: each redraw would be a new line of escape codes. (No
    # cache: the shared site's briefs must be read and rendered, by this test and the others.)
    args = ("--source", many_briefs, "--output", tmp_path / "out", "--no-cache")
    status, stdout, terminal = main_on_terminal(
        monkeypatch, *args, changes={"TERM": "dumb"}, progress_after=0
    )
    assert status == 0, terminal
    assert stdout.startswith("Built 12 briefs"), stdout
    assert "\r" not in terminal and ESCAPE not in terminal, terminal[-300:]


def test_a_quick_build_on_a_terminal_shows_no_progress_bar(good_site: Path, monkeypatch) -> None:
    # Quick: done long before the bar is due. (When it is due is tested on a fake clock below.)
    status, stdout, terminal = main_on_terminal(
        monkeypatch, "--source", good_site, progress_after=NEVER
    )
    assert status == 0
    assert stdout.startswith("Built 1 brief")
    assert not BAR.search(terminal)
    assert terminal == ""  # nothing at all on stderr


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal, to watch what the bar writes."""

    def isatty(self) -> bool:
        return True


class FakeClock:
    """time.perf_counter for cli: moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock for cli's timing, on an editor's terminal (not CI)."""
    fake = FakeClock()
    monkeypatch.setattr(cli, "time", SimpleNamespace(perf_counter=fake))
    monkeypatch.delenv("CI", raising=False)
    return fake


def test_the_bar_waits_progress_after_seconds_then_draws_and_clears(clock: FakeClock) -> None:
    assert 0.5 <= cli.PROGRESS_AFTER <= 2, "quick builds never flash a bar; slow ones get one"
    terminal = FakeTerminal()
    bar = cli.ProgressBar(terminal)
    clock.now += cli.PROGRESS_AFTER - 0.01
    bar.update("rendering", 1, 3)
    bar.clear()
    assert terminal.getvalue() == "", "a bar before PROGRESS_AFTER seconds"
    clock.now += 0.01
    bar.update("rendering", 2, 3)
    assert terminal.getvalue() == f"\rrendering      [{'#' * 20}{' ' * 10}] 2/3\x1b[K"
    bar.update("writing pages", 5, 5)
    assert terminal.getvalue().endswith(f"\rwriting pages  [{'#' * 30}] 5/5\x1b[K")
    bar.clear()
    assert terminal.getvalue().endswith("\r\x1b[K")


def test_the_bar_redraws_at_most_once_per_percent(clock: FakeClock) -> None:
    terminal = FakeTerminal()
    bar = cli.ProgressBar(terminal)
    clock.now += cli.PROGRESS_AFTER
    for done in range(1, 1001):
        bar.update("reading", done, 1000)
    assert terminal.getvalue().count("\r") == 100
    assert terminal.getvalue().endswith(f"[{'#' * 30}] 1000/1000\x1b[K")


def test_no_bar_when_quiet_piped_or_in_ci(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.now += NEVER
    quiet, piped = FakeTerminal(), io.StringIO()
    for bar in (cli.ProgressBar(quiet, enabled=False), cli.ProgressBar(piped)):
        bar.update("reading", 1, 1)
        bar.clear()
    monkeypatch.setenv("CI", "true")
    ci = FakeTerminal()
    bar = cli.ProgressBar(ci)
    bar.update("reading", 1, 1)
    bar.clear()
    assert (quiet.getvalue(), piped.getvalue(), ci.getvalue()) == ("", "", "")


@pytest.fixture(scope="module")
def many_briefs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve small briefs: each stage of the bar counts up more than one step. (Its redraw
    once per percent on big sites is tested on the fake clock: a big site costs seconds.)"""
    briefs = {
        f"b{i:04d}.md": f"---\ntitle: Brief {i}\ndate: 2020-01-01\nsummary: S {i}.\n"
        f"topics: [T{i % 7}]\n---\n## Terms\n\nText {i}.\n"
        for i in range(12)
    }
    return write_site(tmp_path_factory.mktemp("many") / "site", briefs)


def test_a_slow_build_shows_a_progress_bar_only_on_a_terminal(
    many_briefs: Path, tmp_path: Path
) -> None:
    # A bar is due at once (as in a build past PROGRESS_AFTER seconds).
    status, stdout, terminal = run_on_terminal(
        "--source", many_briefs, "--output", tmp_path / "tty", env=terminal_env(), progress_after=0
    )
    assert status == 0, terminal
    assert stdout.startswith("Built 12 briefs"), stdout
    for stage in ("reading", "rendering", "writing pages"):
        assert re.search(rf"\r{stage} *\[#* *\] \d+/\d+", terminal), (stage, terminal[-300:])
    assert terminal.endswith("\r\x1b[K"), "the bar is cleared before the summary"
    assert re.search(r"\[#{30}\] (\d+)/\1\x1b\[K", terminal), "the bar reaches its end"

    piped = subprocess.run(
        build_command("--source", many_briefs, "--output", tmp_path / "piped", progress_after=0),
        capture_output=True,
        text=True,
        cwd=REPO,
        env=terminal_env(),
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("Built 12 briefs"), piped.stdout
    assert "\r" not in piped.stderr + piped.stdout
    assert ESCAPE not in piped.stderr + piped.stdout


def test_no_progress_bar_in_ci_logs(many_briefs: Path, tmp_path: Path, monkeypatch) -> None:
    status, stdout, terminal = main_on_terminal(
        monkeypatch,
        "--source",
        many_briefs,
        "--output",
        tmp_path / "ci",
        changes={"CI": "true"},
        progress_after=0,
    )
    assert status == 0
    assert stdout.startswith("Built 12 briefs"), stdout
    assert not BAR.search(terminal)
    assert terminal == ""
