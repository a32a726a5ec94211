"""Shared pieces for the tests that use real readers' tools: Chromium and the Nu Html Checker.

Loaded as a pytest plugin for the whole session (``-p browser_support`` in pyproject.toml), so
its session fixtures exist once per test process (each pytest-xdist worker) however many
modules use them:

- ``briefs_site``: the repository's sample site, built once for the whole run (all workers)
  into ``<run>/shared/briefs-site`` (conftest's ``once_per_run``);
- ``site_url``: that folder served over HTTP on 127.0.0.1, on a free port, under the sub-path
  /briefs-site/;
- ``chromium``: one headless Debian Chromium (its headless shell, or the browser) driven by
  Playwright per worker;
- ``new_page``: a fresh browser context and page per call, closed after the test;
- ``reused_page``: the same, from a few pages each worker keeps open (see ``PagePool``);
- ``axe``: axe-core (bundled by axe-playwright-python) to run in a page;
- ``nu_checker``: the command that runs the Nu Html Checker, ``[java, "-jar", vnu.jar]``.

When a tool is missing, ``require`` skips with what to install; when the ``CI`` environment
variable is set it fails instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn

import pytest
from conftest import REPO, make_sample_site, once_per_run

SUB_PATH = "briefs-site"
# Debian's headless shell first: the same Chromium (engine, version, package) as the browser,
# without the browser's interface, as Playwright runs headless tests itself. It took 40 % less
# CPU over the browser tests (72 against 118 CPU-s, benchmarks/README.md, "The test suite").
# The full browser, where the shell is not installed, passes the same tests.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM = Path(
    os.environ.get("BRIEFSITE_CHROMIUM")
    or (HEADLESS_SHELL if HEADLESS_SHELL.is_file() else Path("/usr/bin/chromium"))
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VNU_JAR = Path(
    os.environ.get(
        "BRIEFSITE_VNU_JAR", REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    )
)


def missing(what: str, how: str) -> NoReturn:
    """Skip (locally) or fail (in CI, where CI is set) because a tool is not installed."""
    message = f"{what} is not installed, so this test cannot run. {how}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set: {message}", pytrace=False)
    pytest.skip(message)


def require(ok: bool, what: str, how: str) -> None:
    """Carry on when ``ok``; otherwise skip with a clear message, or fail in CI."""
    if not ok:
        missing(what, how)


def require_chromium() -> None:
    require(
        CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
        f"Chromium ({CHROMIUM})",
        "On Debian: `apt-get install chromium-headless-shell` (or set BRIEFSITE_CHROMIUM to a "
        "Chromium binary), then `python -m pip install -r requirements-dev.txt` for Playwright.",
    )


@pytest.fixture(scope="session")
def nu_checker() -> list[str]:
    """The command running the Nu Html Checker, or skip/fail saying what is missing."""
    java = shutil.which("java")
    require(
        java is not None,
        "A Java runtime (java)",
        "On Debian: `apt-get install default-jre-headless`.",
    )
    require(
        VNU_JAR.is_file(),
        f"The Nu Html Checker ({VNU_JAR})",
        "Run `npm ci --ignore-scripts` in the repository root (it installs the pinned "
        "vnu-jar package into node_modules/), or set BRIEFSITE_VNU_JAR to a vnu.jar.",
    )
    # A short run: the quick compiler only (the optimising one would not pay back its compile
    # time) and one garbage-collector thread; about half the CPU of Java's defaults. The quick
    # compiler's frames are larger, so the stack is set well above the 512k vnu needs.
    return [
        str(java),
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xss4m",
        "-jar",
        str(VNU_JAR),
    ]


@pytest.fixture(scope="session")
def briefs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built with the default site.yml into ``<run>/shared/briefs-site``, once
    for the whole run (it is conftest's ``sample_site``; pytest-xdist workers share it).

    site.yml's base_url is https://example.org/briefs-site/, so the root-relative links of the
    404 page point at /briefs-site/, the sub-path the server below publishes it under.
    """
    return once_per_run(tmp_path_factory, SUB_PATH, make_sample_site)


class _SubPathHandler(SimpleHTTPRequestHandler):
    """Serves the parent folder, but only what lies under /briefs-site/: any other path is a
    404, so a link that escapes the sub-path fails instead of reaching a directory listing."""

    def do_GET(self) -> None:
        if not self.path.startswith(f"/{SUB_PATH}/"):
            self.send_error(404, "outside the site's sub-path")
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if not self.path.startswith(f"/{SUB_PATH}/"):
            self.send_error(404, "outside the site's sub-path")
            return
        super().do_HEAD()

    def list_directory(self, path: str | os.PathLike[str]) -> None:  # type: ignore[override]
        self.send_error(404, "no index.html here")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


@pytest.fixture(scope="session")
def site_url(briefs_site: Path) -> Iterator[str]:
    """http://127.0.0.1:<free port>/briefs-site/ serving the built sample site."""
    handler = functools.partial(_SubPathHandler, directory=str(briefs_site.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium per worker (Playwright never downloads a browser)."""
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing(
            "Playwright for Python",
            "Run `python -m pip install -r requirements-dev.txt`.",
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def axe() -> Any:
    """axe-playwright-python's Axe, which injects the axe-core it bundles into a page."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing(
            "axe-playwright-python",
            "Run `python -m pip install -r requirements-dev.txt`.",
        )
    return Axe()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Callable[..., Any]]:
    """Factory: new_page(viewport=..., color_scheme=...) -> a page in a fresh browser context.

    Keyword arguments go to ``browser.new_context``; every context is closed after the test.
    """
    contexts: list[Any] = []

    def factory(**context_options: Any) -> Any:
        context = chromium.new_context(**context_options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


# What a page has when its context is made without these options (Playwright's defaults).
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}
DEFAULT_COLOR_SCHEME = "light"


class PagePool:
    """Pages kept open in one worker and lent to test after test.

    A new page costs Chromium about a second of CPU (a renderer process started and set up);
    loading another address into an open page, a quarter of that. A lent page is handed out
    blank (about:blank: no document, script, focus or scroll of the test before), focused as
    a new page is, with the viewport and colour scheme asked for, set on the page as a new
    context would set them, and with no emulated print media. One context per set of other
    options (JavaScript off, ...).

    What a page keeps across tests and about:blank does not reset: the mouse's place (hover),
    listeners added with page.on, routes and init scripts. Tests that click, hover, type or
    listen use ``new_page``, never a lent one."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: dict[str, Any] = {}
        self.idle: dict[str, list[Any]] = {}

    def lend(self, **options: Any) -> tuple[str, Any]:
        """(key to give it back under, a blank page with these context options)."""
        viewport = options.pop("viewport", DEFAULT_VIEWPORT)
        color_scheme = options.pop("color_scheme", DEFAULT_COLOR_SCHEME)
        key = json.dumps(options, sort_keys=True)
        idle = self.idle.setdefault(key, [])
        if idle:
            page = idle.pop()
        else:
            if key not in self.contexts:
                context = self.browser.new_context(**options)
                context.set_default_timeout(15_000)
                self.contexts[key] = context
            page = self.contexts[key].new_page()
        # A Tab past a page's last link moves focus out of the page, and a later page in the
        # same tab then sometimes wraps Tab back to its top instead: the focus a new page has.
        page.bring_to_front()
        page.set_viewport_size(viewport)
        page.emulate_media(media="null", color_scheme=color_scheme)
        return key, page

    def give_back(self, key: str, page: Any) -> None:
        """Unload what the test left in the page and keep it for the next; a page that cannot
        be blanked (it crashed, the test closed it) is closed and forgotten."""
        try:
            page.goto("about:blank")
        except Exception:
            with contextlib.suppress(Exception):
                page.close()
            return
        self.idle[key].append(page)

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="session")
def page_pool(chromium: Any) -> Iterator[PagePool]:
    """This worker's ``PagePool``, closed before its Chromium."""
    pool = PagePool(chromium)
    yield pool
    pool.close()


@pytest.fixture
def reused_page(page_pool: PagePool) -> Iterator[Callable[..., Any]]:
    """Factory like ``new_page`` (same keyword arguments), lending a blank page this worker
    opened for an earlier test; it goes back to the pool after the test. Only for tests that
    load pages, read them, press keys, emulate media or resize (see ``PagePool``)."""
    lent: list[tuple[str, Any]] = []

    def factory(**context_options: Any) -> Any:
        key, page = page_pool.lend(**context_options)
        lent.append((key, page))
        return page

    yield factory
    for key, page in lent:
        page_pool.give_back(key, page)
