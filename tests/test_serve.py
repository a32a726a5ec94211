"""`build.py serve` in a real process: real HTTP, real file edits, real Ctrl-C (SIGINT).

Each preview runs with its own empty TMPDIR, so a test can check that the preview writes no
files at all (it keeps the build in memory). A test that must act at one exact moment of a
build (a save or a Ctrl-C while it runs, a crash) gives the process a `prelude`: Python run
before the command line starts, which wraps `briefsite.serve.build`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, build_here, run_build, snapshot, write_site

DEADLINE = 20.0  # seconds to wait for anything the preview does by itself
# The reload script, stamped with the build number the page came from.
SCRIPT_TAG = re.compile(
    r'<script src="/__briefsite/reload\.js" data-version="(\d+)" defer></script>'
)
SERVING = re.compile(r"Serving a preview at (http://127\.0\.0\.1:(\d+)/)")
# Straight to 127.0.0.1, whatever proxy the environment names.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# How a Preview with a prelude runs: the repository's package, the prelude, then build.py's main.
DRIVER = f"import sys\nsys.path.insert(0, {str(REPO)!r})"
MAIN = "from briefsite.cli import main\nsys.exit(main())"


def brief(title: str, date: str = "2020-03-26", extra: str = "") -> str:
    """A valid brief; its `date:` value is on line 3, column 7."""
    front = f"---\ntitle: {title}\ndate: {date}\nsummary: What it says.\n{extra}---\n"
    return front + "## Terms\n\nText.\n"


def within(condition: Callable[[], Any], seconds: float) -> bool:
    """Whether `condition` becomes truthy within `seconds` (no failure when it does not)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def poll(condition: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Call `condition` until it returns something truthy; fail saying `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class Preview:
    """One `python build.py serve` process and what it printed."""

    def __init__(self, site: Path, workdir: Path, *extra: str, prelude: str = "") -> None:
        self.site = site
        self.tmpdir = workdir / "tmpdir"
        self.tmpdir.mkdir(parents=True)
        self.out_file = workdir / "stdout.txt"
        self.err_file = workdir / "stderr.txt"
        env = {**os.environ, "TMPDIR": str(self.tmpdir)}
        # `python -c` with the prelude, then the command line, as build.py runs it.
        program = ["-c", f"{DRIVER}\n{prelude}\n{MAIN}"] if prelude else [str(REPO / "build.py")]
        with self.out_file.open("wb") as out, self.err_file.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, *program, "serve", "--source", str(site), *extra],
                stdout=out,
                stderr=err,
                env=env,
                cwd=workdir,
            )
        self.url = ""

    @property
    def stdout(self) -> str:
        return self.out_file.read_text(encoding="utf-8")

    @property
    def stderr(self) -> str:
        return self.err_file.read_text(encoding="utf-8")

    def temporary_files(self) -> list[Path]:
        """What this process wrote into its TMPDIR (the preview keeps its build in memory)."""
        return sorted(self.tmpdir.iterdir())

    def wait_until_serving(self) -> str:
        """The URL from the 'Serving a preview at ...' line."""

        def announced() -> str | None:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited with {self.proc.returncode}:\n{self.stderr}")
            match = SERVING.search(self.stdout)
            return match.group(1) if match else None

        self.url = poll(announced, "'Serving a preview at ...'")
        return self.url

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        """GET a path below the preview's root: (status, body, headers)."""
        try:
            with OPENER.open(self.url + path, timeout=10) as reply:
                return reply.status, reply.read().decode("utf-8"), dict(reply.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8"), dict(exc.headers)

    def status(self) -> dict[str, Any]:
        code, body, headers = self.get("__briefsite/status")
        assert code == 200
        assert headers["Content-Type"] == "application/json"
        return json.loads(body)

    def wait_for_version_after(self, version: int) -> dict[str, Any]:
        """The status once a build newer than `version` has finished."""
        return poll(
            lambda: (s := self.status())["version"] > version and s,
            f"a build newer than number {version}",
        )

    def wait_until_watching(self) -> int:
        """Save site.yml unchanged until a rebuild shows the watcher is running; its version.

        (The announcement comes before the watcher starts, so a save made at once can be lost:
        see test_a_save_during_the_first_build_is_picked_up.)
        """
        first = self.status()["version"]
        config = self.site / "site.yml"
        text = config.read_text(encoding="utf-8")

        def rebuilt() -> bool:
            config.write_text(text, encoding="utf-8")
            return within(lambda: self.status()["version"] > first, 1.0)

        poll(rebuilt, "the watcher to notice a save of site.yml")
        return self.status()["version"]

    def stop(self, timeout: float = 10) -> int:
        """Ctrl-C, as an editor would; the exit status."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Callable[..., Preview]]:
    """Factory: preview(site, *extra_args) -> a started Preview; killed after the test if alive."""
    started: list[Preview] = []

    def factory(site: Path, *extra: str, wait: bool = True, prelude: str = "") -> Preview:
        workdir = tmp_path / f"preview{len(started)}"
        server = Preview(site, workdir, "--port", "0", *extra, prelude=prelude)
        started.append(server)
        if wait:
            server.wait_until_serving()
        return server

    yield factory
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(timeout=10)


def assert_stopped_cleanly(server: Preview) -> None:
    """Ctrl-C stops with status 0, says so, and leaves no file behind."""
    assert server.stop() == 0, server.stderr
    assert "Stopped the preview." in server.stdout
    assert server.temporary_files() == []
    assert "Traceback" not in server.stderr


def test_preview_serves_the_site_with_the_reload_script_never_into_site(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "x.md": brief("Alpha"),
            "d.md": brief("Work in progress", extra="draft: true\n"),
            "later.md": brief("Scheduled", date="2999-01-01"),
        },
    )
    server = preview(site)
    assert server.temporary_files() == [], "the preview keeps its build in memory"

    code, page, headers = server.get("briefs/x/")
    assert code == 200
    assert "<h1>Alpha</h1>" in page
    tags = list(SCRIPT_TAG.finditer(page))
    assert len(tags) == 1
    assert tags[0].end() < page.index("</body>")
    assert int(tags[0].group(1)) == server.status()["version"]
    assert headers["Cache-Control"] == "no-store"
    assert server.status() == {"version": 1, "problems": []}

    code, script, headers = server.get("__briefsite/reload.js")
    assert code == 200
    assert headers["Content-Type"] == "text/javascript"
    assert "/__briefsite/events" in script  # pushed builds
    assert "/__briefsite/status" in script  # polled without EventSource
    assert "briefsite-problems" in script
    assert "location.reload()" in script

    # Drafts and future briefs are part of the preview; drafts carry their banner.
    code, draft, _ = server.get("briefs/d/")
    assert code == 200
    assert "This brief is a draft" in draft
    assert "This brief is a draft" not in page
    assert server.get("briefs/later/")[0] == 200

    # A missing address gets the site's own 404 page, with the reload script too.
    code, missing, _ = server.get("no/such/page/")
    assert code == 404
    assert "Page not found" in missing
    assert SCRIPT_TAG.search(missing)

    assert not (site / "site").exists(), "serve must never write the published site/"
    assert_stopped_cleanly(server)
    assert not (site / "site").exists()


def test_edit_rebuilds_a_broken_edit_keeps_serving_and_the_next_save_recovers(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    build_here("--source", site, "--quiet")
    published = snapshot(site / "site")
    source = site / "briefs" / "x.md"

    server = preview(site)
    version = server.wait_until_watching()

    source.write_text(brief("Beta"), encoding="utf-8")
    poll(lambda: "<h1>Beta</h1>" in server.get("briefs/x/")[1], "the page to show the new title")
    status = server.wait_for_version_after(version)
    assert status["problems"] == []
    version = status["version"]
    assert "Rebuilt." in server.stdout
    assert "x.md" in server.stdout  # "Changed: x.md; rebuilding."

    source.write_text(brief("Gamma", date="March"), encoding="utf-8")
    status = poll(
        lambda: (s := server.status())["problems"] and s, "the broken save to be reported"
    )
    assert status["version"] > version
    [problem] = status["problems"]
    assert problem.startswith("briefs/x.md:3:7: error: 'date' must be a date"), problem
    assert "briefs/x.md:3:7: error: 'date' must be a date" in server.stderr
    # Still running, still serving the last good build.
    assert server.proc.poll() is None
    code, page, _ = server.get("briefs/x/")
    assert code == 200
    assert "<h1>Beta</h1>" in page

    source.write_text(brief("Delta"), encoding="utf-8")
    poll(lambda: server.status()["problems"] == [], "the next good save to clear the problems")
    poll(lambda: "<h1>Delta</h1>" in server.get("briefs/x/")[1], "the fixed page")

    assert_stopped_cleanly(server)
    assert snapshot(site / "site") == published, "the published site/ must stay untouched"


def test_a_new_brief_shows_up_in_the_running_preview_with_its_draft_banner(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    server = preview(site)
    server.wait_until_watching()
    assert server.get("briefs/a-fresh-brief/")[0] == 404

    created = run_build("new", "A fresh brief", "--source", site)
    assert created.returncode == 0, created.stderr

    def served() -> str | None:
        code, page, _ = server.get("briefs/a-fresh-brief/")
        return page if code == 200 else None

    page = poll(served, "the new brief's page")
    assert "<h1>A fresh brief</h1>" in page
    assert "This brief is a draft" in page
    assert SCRIPT_TAG.search(page)
    assert server.status()["problems"] == []
    assert_stopped_cleanly(server)


def test_site_yml_and_template_changes_rebuild(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    (site / "templates").mkdir()
    builtin_404 = (REPO / "templates" / "404.html").read_text(encoding="utf-8")
    (site / "templates" / "404.html").write_text(builtin_404, encoding="utf-8")
    server = preview(site)
    server.wait_until_watching()

    config = site / "site.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("Test briefs", "Renamed briefs"),
        encoding="utf-8",
    )
    poll(lambda: "Renamed briefs" in server.get("")[1], "the new site title on the home page")

    marked = builtin_404.replace("{% block main %}", "{% block main %}<p>marker-404</p>", 1)
    assert marked != builtin_404
    (site / "templates" / "404.html").write_text(marked, encoding="utf-8")
    poll(lambda: "marker-404" in server.get("missing/")[1], "the edited site template")
    assert_stopped_cleanly(server)


def test_a_site_broken_at_start_recovers_on_the_next_good_save(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha", date="March")})
    server = preview(site)
    [problem] = server.status()["problems"]
    assert problem.startswith("briefs/x.md:3:7: error:")
    assert "briefs/x.md:3:7: error:" in server.stderr
    assert server.proc.poll() is None

    # The watcher's start is not announced; keep saving the fix until it is noticed.
    fixed = brief("Alpha")

    def recovered() -> bool:
        (site / "briefs" / "x.md").write_text(fixed, encoding="utf-8")
        return within(lambda: server.status()["problems"] == [], 1.0)

    poll(recovered, "recovery after the fix")
    code, page, _ = server.get("briefs/x/")
    assert code == 200
    assert "<h1>Alpha</h1>" in page
    assert_stopped_cleanly(server)


def test_a_site_broken_at_start_shows_its_problems_in_the_page(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    # Editors open the announced address. When the first build fails, that page must show
    # the problem (and carry the reload script, so the next good save reloads it by itself).
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha", date="March")})
    server = preview(site)
    assert server.status()["problems"]
    _, home, _ = server.get("")
    # The script shows the problems over the page and reloads it after the next good save.
    assert SCRIPT_TAG.search(home), f"after a failed first build, / is:\n{home[:200]}"
    assert_stopped_cleanly(server)


def wrap_build(body: str) -> str:
    """A prelude that replaces the preview's `build` by one running `body` (Python, indented
    by four spaces), which may call the real one as `real_build(*args, **kwargs)`."""
    return (
        "import pathlib, time\n"
        "import briefsite.serve\n"
        "real_build = briefsite.serve.build\n"
        "calls = []\n"
        "def build(*args, **kwargs):\n"
        "    calls.append(1)\n"
        f"{body}\n"
        "briefsite.serve.build = build\n"
    )


def test_a_save_during_the_first_build_is_picked_up(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    # An editor saves while the first build runs (after it has read the brief, before
    # "Serving a preview at ..."): that save must be rebuilt, not lost because the watcher
    # only starts after the first build. The prelude saves at exactly that moment.
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    source = site / "briefs" / "x.md"
    prelude = wrap_build(
        "    result = real_build(*args, **kwargs)\n"
        "    if len(calls) == 1:\n"
        f"        pathlib.Path({str(source)!r}).write_text({brief('Saved meanwhile')!r})\n"
        "    return result"
    )
    server = preview(site, prelude=prelude)
    # What the first build read, unless the rebuild has already replaced it (under load the
    # preview may be quicker than this request: asserting on "Alpha" alone made this flaky).
    first = server.get("briefs/x/")[1]
    assert "<h1>Alpha</h1>" in first or "<h1>Saved meanwhile</h1>" in first, first
    poll(
        lambda: "<h1>Saved meanwhile</h1>" in server.get("briefs/x/")[1],
        "the rebuild of a save made while the first build was running",
    )
    assert_stopped_cleanly(server)


def test_ctrl_c_during_a_build_stops_cleanly(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    # A build that never ends by itself (the prelude's waits on an event nobody sets),
    # interrupted by Ctrl-C: the preview stops at once, although it survives any exception
    # a build raises.
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    building = tmp_path / "building"
    prelude = wrap_build(
        f"    import threading\n    pathlib.Path({str(building)!r}).touch()\n"
        "    threading.Event().wait()"
    )
    server = preview(site, wait=False, prelude=prelude)
    poll(building.exists, "the first build to start")
    server.proc.send_signal(signal.SIGINT)
    try:
        code = server.proc.wait(timeout=4)
    except subprocess.TimeoutExpired:
        pytest.fail(
            "Ctrl-C during a build: serve did not exit within 4 s (it hangs); "
            f"stdout: {server.stdout!r}, stderr: {server.stderr!r}"
        )
    assert code == 0, server.stderr
    assert "Stopped the preview." in server.stdout
    assert "internal error" not in server.stderr
    assert server.temporary_files() == []


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        tmpdir = tmp_path / "tmpdir"
        tmpdir.mkdir()
        command = [sys.executable, str(REPO / "build.py"), "serve", "--source", str(site)]
        result = subprocess.run(
            [*command, "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "TMPDIR": str(tmpdir)},
        )
    assert result.returncode == 1
    assert f"error: cannot serve on port {port}: Address already in use" in result.stderr
    assert "--port" in result.stderr  # the hint says how to choose another
    assert "Serving" not in result.stdout
    assert "Traceback" not in result.stderr
    assert list(tmpdir.iterdir()) == [], "no temporary preview folder is left behind"
    assert not (site / "site").exists()


@pytest.mark.slow
def test_browser_follows_saves_over_the_event_stream_and_shows_problems(
    tmp_path: Path, preview: Callable[..., Preview], new_page: Callable[..., Any]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    source = site / "briefs" / "x.md"
    server = preview(site)
    server.wait_until_watching()

    def h1_is(text: str) -> str:
        return f"document.querySelector('h1')?.textContent === {json.dumps(text)}"

    page = new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url.removeprefix(server.url)))
    page.goto(server.url + "briefs/x/")
    assert page.locator("h1").inner_text() == "Alpha"
    page.evaluate("window.__sameDocument = true")

    # A save reloads the page by itself, pushed over the event stream: no polling.
    source.write_text(brief("Beta"), encoding="utf-8")
    page.wait_for_function(h1_is("Beta"), timeout=DEADLINE * 1000)
    assert page.evaluate("window.__sameDocument === undefined"), "the page reloaded by itself"
    assert "__briefsite/events" in asked
    assert "__briefsite/status" not in asked

    # A broken save: its problems over the page, which keeps the last good build.
    source.write_text(brief("Gamma", date="March"), encoding="utf-8")
    overlay = page.locator("#briefsite-problems")
    overlay.wait_for(state="visible", timeout=DEADLINE * 1000)
    text = overlay.inner_text()
    assert "briefs/x.md:3:7: error: 'date' must be a date" in text
    assert "previous build" in text
    assert overlay.get_attribute("role") == "alert"
    assert page.locator("h1").inner_text() == "Beta"

    source.write_text(brief("Delta"), encoding="utf-8")
    page.wait_for_function(h1_is("Delta"), timeout=DEADLINE * 1000)
    assert page.locator("#briefsite-problems").count() == 0

    # A browser without EventSource asks for the status instead, and reloads all the same.
    old = new_page()
    old.add_init_script("delete window.EventSource;")
    old_asked: list[str] = []
    old.on("request", lambda request: old_asked.append(request.url.removeprefix(server.url)))
    with old.expect_response(lambda r: r.url.endswith("/__briefsite/status")):
        old.goto(server.url + "briefs/x/")
    source.write_text(brief("Epsilon"), encoding="utf-8")
    old.wait_for_function(h1_is("Epsilon"), timeout=DEADLINE * 1000)
    assert "__briefsite/events" not in old_asked
    assert_stopped_cleanly(server)


INTERNAL = "error: internal error while building: RuntimeError: boom; please report it"


def test_a_crashing_rebuild_is_shown_over_the_page_and_the_next_good_save_recovers(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    # A bug in briefsite (not a problem in the brief) makes one rebuild raise: the preview
    # must report it like a problem, keep serving the last good build, and recover.
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    source = site / "briefs" / "x.md"
    prelude = wrap_build(
        f"    if 'Crash' in pathlib.Path({str(source)!r}).read_text():\n"
        "        raise RuntimeError('boom')\n"
        "    return real_build(*args, **kwargs)"
    )
    server = preview(site, prelude=prelude)
    version = server.wait_until_watching()

    source.write_text(brief("Crash"), encoding="utf-8")
    status = poll(lambda: (s := server.status())["problems"] and s, "the crash to be reported")
    assert status["version"] > version
    assert status["problems"] == [INTERNAL]
    assert INTERNAL in server.stderr
    assert "--verbose" in server.stderr  # the hint says how to see the traceback
    assert "Traceback" not in server.stderr
    assert server.proc.poll() is None, "a crashing rebuild stopped the preview"
    code, page, _ = server.get("briefs/x/")
    assert code == 200
    assert "<h1>Alpha</h1>" in page  # the last good build is still served

    source.write_text(brief("Beta"), encoding="utf-8")
    poll(lambda: server.status()["problems"] == [], "the next good save to clear the crash")
    poll(lambda: "<h1>Beta</h1>" in server.get("briefs/x/")[1], "the fixed page")
    assert_stopped_cleanly(server)


def test_a_crashing_first_build_is_shown_with_its_traceback_in_verbose_mode(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    prelude = wrap_build(
        "    if len(calls) == 1:\n"
        "        raise RuntimeError('boom')\n"
        "    return real_build(*args, **kwargs)"
    )
    server = preview(site, "--verbose", prelude=prelude)
    assert server.status()["problems"] == [INTERNAL]
    assert INTERNAL in server.stderr
    assert "Traceback (most recent call last)" in server.stderr
    assert "RuntimeError: boom" in server.stderr
    code, home, _ = server.get("")
    assert code == 503  # the waiting page, which shows the problem and reloads when fixed
    assert SCRIPT_TAG.search(home)

    server.wait_until_watching()  # saves site.yml: the second build does not crash
    assert server.status()["problems"] == []
    code, page, _ = server.get("briefs/x/")
    assert code == 200
    assert "<h1>Alpha</h1>" in page
    assert server.stop() == 0
    assert "Stopped the preview." in server.stdout


def test_a_huge_figure_is_a_problem_in_the_preview_and_changed_names_print_escaped(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    # A figure of 1 and 400 zeros once crashed the preview; a file name holding a line break
    # and escape sequences was printed raw in "Changed: ...", forging lines and terminal
    # commands.
    figures = (
        "figures:\n  - label: award\n    value: 1" + "0" * 400 + "\n    unit: u\n    source: s\n"
    )
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha", extra=figures)})
    server = preview(site)
    [problem] = server.status()["problems"]
    assert problem.startswith("briefs/x.md:7:12: error: 'figures[1].value' is too large"), problem
    server.wait_until_watching()
    name = "y\n::error file=x::forged\x1b[2J.md"
    (site / "briefs" / name).write_text(brief("Beta"), encoding="utf-8")
    poll(lambda: "y\\n::error file=x::forged\\x1b[2J.md" in server.stdout, "the escaped name")
    assert "\x1b" not in server.stdout + server.stderr
    assert not any(line.startswith("::") for line in server.stdout.splitlines())
    assert "Traceback" not in server.stderr
    assert_stopped_cleanly(server)
