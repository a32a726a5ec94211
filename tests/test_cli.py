"""The command line as editors meet it: --quiet, --verbose, colour and the progress bar.

Terminal behaviour is tested on a real pseudo-terminal: the build's stderr is the terminal end
of `os.openpty()`, exactly what an editor's terminal gives it.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, REPO, run_build, write_site

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


def run_on_terminal(
    *args: str | Path, env: dict[str, str], cwd: Path | None = None
) -> tuple[int, str, str]:
    """Run `python build.py ARGS` with stderr on a pseudo-terminal: (status, stdout, terminal)."""
    master, slave = os.openpty()
    with subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), *map(str, args)],
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
    failed = run_build("--source", broken_site)
    assert failed.returncode == 1
    assert "briefs/x.md:3:7: error:" in failed.stderr
    assert ESCAPE not in failed.stderr + failed.stdout
    ok = run_build("--source", good_site)
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


def test_warnings_are_coloured_on_a_terminal(tmp_path: Path) -> None:
    second = GOOD_BRIEF.replace("37.3", "37")
    site = write_site(tmp_path / "s", {"a.md": GOOD_BRIEF, "b.md": second})
    status, _, terminal = run_on_terminal("check", "--source", site, env=terminal_env())
    assert status == 0
    assert "\x1b[1;33mwarning\x1b[0m: title 'Land offer' is also used by briefs/b.md" in terminal
    assert "\x1b[2m  hint: readers tell briefs apart" in terminal


@pytest.mark.parametrize(
    "changes", [{"NO_COLOR": "1"}, {"TERM": "dumb"}], ids=["NO_COLOR", "TERM=dumb"]
)
def test_no_colour_on_a_terminal_when_asked(broken_site: Path, changes: dict[str, str]) -> None:
    status, _, terminal = run_on_terminal("--source", broken_site, env=terminal_env(**changes))
    assert status == 1
    assert "briefs/x.md:3:7: error: 'date' must be a date" in terminal
    assert ESCAPE not in terminal


def test_a_quick_build_on_a_terminal_shows_no_progress_bar(good_site: Path) -> None:
    status, stdout, terminal = run_on_terminal("--source", good_site, env=terminal_env())
    assert status == 0
    assert stdout.startswith("Built 1 brief")
    assert not BAR.search(terminal)
    assert terminal == ""  # nothing at all on stderr


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1800 small briefs: a build that takes more than a second."""
    briefs = {
        f"b{i:04d}.md": f"---\ntitle: Brief {i}\ndate: 2020-01-01\nsummary: S {i}.\n"
        f"topics: [T{i % 7}]\n---\n## Terms\n\nText {i}.\n"
        for i in range(1800)
    }
    return write_site(tmp_path_factory.mktemp("big") / "site", briefs)


def _seconds(summary: str) -> float:
    match = re.search(r" in (\d+\.\d+) s:", summary)
    assert match, summary
    return float(match.group(1))


def test_a_slow_build_shows_a_progress_bar_only_on_a_terminal(
    big_site: Path, tmp_path: Path
) -> None:
    status, stdout, terminal = run_on_terminal(
        "--source", big_site, "--output", tmp_path / "tty", env=terminal_env()
    )
    assert status == 0, terminal
    if _seconds(stdout) < 1.3:
        pytest.skip("this machine builds 1800 briefs in under a second: no bar is due")
    assert BAR.search(terminal), repr(terminal[-300:])
    assert terminal.endswith("\r\x1b[K"), "the bar is cleared before the summary"
    assert re.search(r"\[#{30}\] (\d+)/\1\x1b\[K", terminal), "the bar reaches its end"

    piped = run_build("--source", big_site, "--output", tmp_path / "piped")
    assert piped.returncode == 0
    assert _seconds(piped.stdout) > 1.0
    assert "\r" not in piped.stderr + piped.stdout
    assert ESCAPE not in piped.stderr + piped.stdout


def test_no_progress_bar_in_ci_logs(big_site: Path, tmp_path: Path) -> None:
    status, stdout, terminal = run_on_terminal(
        "--source", big_site, "--output", tmp_path / "ci", env=terminal_env(CI="true")
    )
    assert status == 0
    if _seconds(stdout) < 1.3:
        pytest.skip("this machine builds 1800 briefs in under a second: no bar is due")
    assert not BAR.search(terminal)
    assert terminal == ""
