"""`build.py serve`: a local preview that rebuilds on every save and reloads the browser.

The preview is a normal build (drafts and future briefs included) kept in memory, never written
to disk and never into the published `site/`. The server answers only with the files the last
good build produced (plus its two endpoints below), so nothing else on disk can ever be served:
no directory listings, no marker file, no stray file beside the output. It answers only requests
addressed to 127.0.0.1 or localhost, so a web page that rebinds its own domain name to 127.0.0.1
cannot read drafts through it.

A tiny script, added only to preview pages, asks the server for the build number once a second:
a new number reloads the page, and a failed build shows its problems over the page until the
next good save. The terminal shows the same problems. A rebuild that crashes (a bug in
briefsite) is reported the same way and the preview keeps running. Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import signal
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO, cast
from urllib.parse import quote, unquote

from .compiled import prepare
from .config import BUILTIN_TEMPLATES, CONFIG_NAME, SiteConfig, load_config
from .output import is_safe_relative
from .pipeline import BuildOptions, brief_settings, build
from .problems import Problem, has_errors, visible
from .reporting import paint, report, shown_from_here

STATUS_PATH = "/__briefsite/status"
SCRIPT_PATH = "/__briefsite/reload.js"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}" data-version="0" defer></script>'
# The addresses a browser uses for this server; the port is added by `allowed_hosts`.
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Seconds a connection may stay silent before it is closed: a browser sends its request at once,
# and idle connections would otherwise hold a thread each for ever.
IDLE_TIMEOUT = 15.0
# Connections the kernel queues before the server accepts them: a page and its assets arrive
# together, and the default of 5 drops connections under a burst (the browser then waits
# seconds to retry). The kernel caps it at net.core.somaxconn.
BACKLOG = 256

# Polls the status; reloads on a new good build; shows problems over the page otherwise.
RELOAD_JS = """\
(() => {
  // The build this page came from: any newer good build reloads it.
  let seen = Number(document.currentScript.dataset.version);
  const overlay = (problems) => {
    let box = document.getElementById("briefsite-problems");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "briefsite-problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
        "background:#0b0c0c;color:#fff;padding:1em;font:16px/1.5 monospace;z-index:9999;" +
        "border-top:5px solid #d4351c;white-space:pre-wrap";
      document.body.append(box);
    }
    box.textContent = "The last save has problems; the page shows the previous build.\\n\\n" +
      problems.join("\\n");
  };
  const poll = async () => {
    try {
      const reply = await fetch("/__briefsite/status", {cache: "no-store"});
      const status = await reply.json();
      if (status.version !== seen && !status.problems.length) {
        location.reload();
        return;
      }
      overlay(status.problems);
    } catch (error) { /* the server is restarting: try again */ }
    setTimeout(poll, 1000);
  };
  poll();
})();
"""


WAITING_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Preview: waiting for a good build</title>
</head><body><main><h1>Waiting for a good build</h1>
<p>The site has not built yet. Its problems are listed below and in the terminal; this page
reloads by itself once they are fixed.</p></main>{SCRIPT_TAG}</body></html>
""".encode()

NOT_FOUND = b"Not found.\n"  # only for a site whose templates make no 404.html

# Python's built-in table only, not the machine's /etc/mime.types: the same answer everywhere.
_TYPES = mimetypes.MimeTypes()


@dataclass
class PreviewState:
    """What the server shows: the last good build's files, its number and the last problems.

    Only the preview loop records builds; request threads read. The lock keeps the files and
    the number they are stamped with a consistent pair.
    """

    version: int = 0
    problems: list[str] = field(default_factory=list)
    files: Mapping[str, bytes] | None = None  # None until a build has succeeded
    files_version: int = 0  # the build that made `files`
    # The last good build before the reload script went in, path -> (SHA-256, bytes): pages
    # whose inputs did not change are not rendered again but taken from here.
    plain: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> bytes:
        """The status as JSON bytes."""
        with self.lock:
            return json.dumps({"version": self.version, "problems": self.problems}).encode()

    def site(self) -> tuple[Mapping[str, bytes] | None, int]:
        """The files of the last good build (never changed in place: each build swaps them)
        and the number of the build that made them."""
        with self.lock:
            return self.files, self.files_version

    def record(self, problems: list[str], files: Mapping[str, bytes] | None = None) -> None:
        """Note a finished build; a good one (with `files`) replaces the files served."""
        with self.lock:
            self.version += 1
            self.problems = problems
            if files is not None:
                self.files, self.files_version = files, self.version


def with_reload(path: str, data: bytes, version: int) -> bytes:
    """An HTML page with the reload script, stamped with its build's number, added as it is
    served (preview only). Added per request rather than to every page of every build: a save
    then costs only the pages that changed."""
    if not path.endswith(".html") or b"</body>" not in data:
        return data
    tag = SCRIPT_TAG.replace('data-version="0"', f'data-version="{version}"').encode()
    return data.replace(b"</body>", tag + b"\n</body>", 1)


@dataclass(frozen=True)
class Found:
    """A request names this file of the build."""

    path: str


@dataclass(frozen=True)
class Redirect:
    """A request names a folder without its final slash: send the browser there."""

    location: str


def resolve(files: Mapping[str, bytes], target: str) -> Found | Redirect | None:
    """What a request target names among the build's files, as a static host reads it.

    `/` and `/briefs/x/` name the folder's index.html; `/briefs/x` redirects to `/briefs/x/`.
    The path is percent-decoded first, then must be a clean relative path (no `.` or `..`
    parts, empty parts, backslashes, NUL or hidden names: `is_safe_relative`, the rule every
    output path already meets), so no spelling of a path reaches anything but a build output.
    None: nothing there.
    """
    raw, _, query = target.partition("?")
    try:
        path = unquote(raw.partition("#")[0], errors="strict")
    except UnicodeDecodeError:
        return None
    if not path.startswith("/"):
        return None
    relative = path[1:]
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    if not is_safe_relative(relative):
        return None
    if relative in files:
        return Found(relative)
    if f"{relative}/index.html" in files:
        return Redirect(quote(path) + "/" + (f"?{query}" if query else ""))
    return None


def content_type(path: str) -> str:
    """The Content-Type a static host sends for a file name; text is UTF-8, as the build writes."""
    kind = _TYPES.guess_type(path)[0] or "application/octet-stream"
    if kind == "application/javascript":
        kind = "text/javascript"  # RFC 9239; Python 3.11's table still has the old name
    if kind.startswith("text/") or kind in ("image/svg+xml", "application/json"):
        kind += "; charset=utf-8"
    return kind


def allowed_hosts(port: int) -> frozenset[str]:
    """The Host headers this server answers: its local names, with and without the port."""
    return frozenset((*LOCAL_NAMES, *(f"{name}:{port}" for name in LOCAL_NAMES)))


@dataclass(frozen=True)
class Reply:
    """One complete HTTP answer."""

    status: HTTPStatus
    kind: str
    body: bytes
    location: str = ""


FORBIDDEN = Reply(
    HTTPStatus.FORBIDDEN,
    "text/plain; charset=utf-8",
    b"This preview answers only requests for 127.0.0.1 or localhost.\n",
)


def reply_for(state: PreviewState, target: str) -> Reply:
    """The answer to a GET of `target` (the request's path and query) from a local browser."""
    path = target.split("?", 1)[0]
    if path == STATUS_PATH:
        return Reply(HTTPStatus.OK, "application/json", state.snapshot())
    if path == SCRIPT_PATH:
        return Reply(HTTPStatus.OK, "text/javascript", RELOAD_JS.encode())
    files, version = state.site()
    if files is None:
        # No good build yet: a page that shows the problems and reloads once fixed.
        return Reply(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8", WAITING_PAGE)
    found = resolve(files, target)
    if isinstance(found, Found):
        body = with_reload(found.path, files[found.path], version)
        return Reply(HTTPStatus.OK, content_type(found.path), body)
    if isinstance(found, Redirect):
        return Reply(HTTPStatus.MOVED_PERMANENTLY, "text/plain; charset=utf-8", b"", found.location)
    if "404.html" in files:  # the site's own 404 page, as a static host would serve it
        body = with_reload("404.html", files["404.html"], version)
        return Reply(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body)
    return Reply(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", NOT_FOUND)


class PreviewServer(ThreadingHTTPServer):
    """A thread per connection, a deep accept queue, and the state the handlers serve."""

    request_queue_size = BACKLOG
    daemon_threads = True  # a stuck connection never keeps the process alive after Ctrl-C

    def __init__(self, port: int, state: PreviewState, verbose: bool = False) -> None:
        super().__init__(("127.0.0.1", port), PreviewHandler)
        self.state = state
        self.verbose = verbose
        self.hosts = allowed_hosts(self.server_address[1])


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves the last good build from memory, the status endpoint and the reload script.

    Not SimpleHTTPRequestHandler: that one serves whatever is on disk, folder listings included.
    Other methods than GET and HEAD get 501 from the base class.
    """

    timeout = IDLE_TIMEOUT  # StreamRequestHandler applies it to every read and write
    server_version = "briefsite-preview"

    def do_GET(self) -> None:
        """GET: the answer with its body."""
        self._send(self._reply(), with_body=True)

    def do_HEAD(self) -> None:
        """HEAD: the same headers as GET, no body."""
        self._send(self._reply(), with_body=False)

    def _reply(self) -> Reply:
        """The answer, for requests addressed to this machine only."""
        server = cast(PreviewServer, self.server)
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() not in server.hosts:
            # DNS rebinding: a page on another site whose name now points here. Its requests
            # carry its own name as Host; answering them would hand it the drafts.
            return FORBIDDEN
        return reply_for(server.state, self.path)

    def log_message(self, format: str, *args: Any) -> None:
        """Request logs only with --verbose."""
        if cast(PreviewServer, self.server).verbose:
            super().log_message(format, *args)

    def _send(self, reply: Reply, with_body: bool) -> None:
        """A complete response, never cached: every reload must show the newest build."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.kind)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if reply.location:
            self.send_header("Location", reply.location)
        self.end_headers()
        if with_body:
            self.wfile.write(reply.body)


def rebuild(root: Path, base_url: str, state: PreviewState, err: TextIO, verbose: bool) -> bool:
    """One preview build; True when it succeeded. It never raises an Exception.

    A crash in one build is a bug in briefsite (bad input gives problems, not exceptions), but
    it must not end the preview: it is reported like a problem, and the next save tries again.
    Ctrl-C (KeyboardInterrupt, not an Exception) still stops the preview.
    """
    try:
        return _build_once(root, base_url, state, err)
    except Exception as exc:
        message = f"internal error while building: {type(exc).__name__}: {exc}; please report it"
        print(f"{paint('error', 'error', err)}: {message}", file=err)
        if verbose:
            traceback.print_exception(exc, file=err)
        else:
            print("  hint: run with --verbose to see where it happened", file=err)
        state.record([f"error: {message}"])
        return False


def _build_once(root: Path, base_url: str, state: PreviewState, err: TextIO) -> bool:
    """Build, report the problems, and serve the result if it is good."""
    config = load_config(root, None, {"base_url": base_url})
    files: dict[str, bytes] | None = None
    if not isinstance(config, SiteConfig):
        problems: tuple[Problem, ...] = tuple(config)
    else:
        previous = state.plain
        prepare(brief_settings(config))  # once: every save's worker starts warm
        options = BuildOptions(drafts=True, future=True, git=False)
        result = build(config, options, {path: item[0] for path, item in previous.items()})
        problems = result.problems
        if result.ok:  # pages get the reload script as they are served (`with_reload`)
            plain = {
                o.path: (o.digest, o.data if o.data is not None else previous[o.path][1])
                for o in result.outputs
            }
            state.plain = plain
            files = {path: data for path, (_, data) in plain.items()}
    shown = shown_from_here(problems, root)
    report(shown, err, root)
    state.record([] if files is not None else [p.format() for p in shown], files)
    return files is not None and not has_errors(problems)


def _relevant(change: object, path: str) -> bool:
    """Only files a build reads: editors' swap and temporary files do not trigger rebuilds."""
    name = Path(path).name
    return not name.startswith((".", "~", "#")) and name.endswith(
        (".md", ".html", ".xml", ".css", ".js", ".yml", ".svg", ".png", ".ico", ".txt")
    )


def watched_paths(root: Path) -> list[Path]:
    """What a preview watches: the briefs, the site's and built-in templates, site.yml."""
    paths = [root / "briefs", root / CONFIG_NAME, root / "templates", BUILTIN_TEMPLATES]
    return [p for p in dict.fromkeys(p.resolve() for p in paths) if p.exists()]


def run_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `serve` command."""
    from watchfiles import watch  # imported here: only the preview needs it

    root: Path = args.source
    if not root.is_dir():
        print(f"error: source folder '{visible(str(root))}' does not exist", file=err)
        return 1
    previous_term = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as Ctrl-C does
    server: PreviewServer | None = None
    serving = False
    try:  # from here on, however it stops (Ctrl-C at any moment), the server is closed
        state = PreviewState()
        try:
            server = PreviewServer(args.port, state, args.verbose)
        except OSError as exc:
            print(f"error: cannot serve on port {args.port}: {exc.strerror or exc}", file=err)
            print("  hint: choose another with --port, e.g. --port 8001", file=err)
            return 1
        base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        # Serving starts at once: until the first good build, pages show the problems instead.
        threading.Thread(target=server.serve_forever, daemon=True).start()
        serving = True
        # The watcher starts before the first build, so a save made during it is not lost;
        # the short timeout makes the first step return as soon as the watcher is running.
        changes_seen = watch(
            *watched_paths(root),
            debounce=200,
            step=50,
            watch_filter=_relevant,
            yield_on_timeout=True,
            rust_timeout=200,
        )
        next(changes_seen)
        rebuild(root, base_url, state, err, args.verbose)
        print(f"Serving a preview at {base_url} (Ctrl-C to stop).", file=out, flush=True)
        for changes in changes_seen:
            if not changes:
                continue
            if not args.quiet:
                names = sorted({Path(p).name for _, p in changes})
                shown = ", ".join(visible(name) for name in names)  # names are untrusted
                print(f"Changed: {shown}; rebuilding.", file=out, flush=True)
            if rebuild(root, base_url, state, err, args.verbose) and not args.quiet:
                print("Rebuilt.", file=out, flush=True)
            err.flush()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            if serving:
                server.shutdown()
            server.server_close()
        signal.signal(signal.SIGTERM, previous_term)
    print("Stopped the preview.", file=out, flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same clean stop as Ctrl-C."""
    raise KeyboardInterrupt
