"""`build.py serve`: a local preview that rebuilds on every save and reloads the browser.

The preview is a normal build (drafts and future briefs included) kept in memory, never written
to disk and never into the published `site/`. The server answers only with the files the last
good build produced (plus its endpoints below), so nothing else on disk can ever be served:
no directory listings, no marker file, no stray file beside the output. It answers only requests
addressed to 127.0.0.1 or localhost, so a web page that rebinds its own domain name to 127.0.0.1
cannot read drafts through it.

A tiny script, added only to preview pages, listens to a stream of server-sent events: the
server pushes the build number and problems the moment a build finishes, so a new good build
reloads the page at once, and a failed build shows its problems over the page until the next
good save. (Without EventSource, or when the server refuses another stream, the script asks for
the status once a second instead; pages work without JavaScript.) The terminal shows the same
problems. A rebuild that crashes (a bug in briefsite) is reported the same way and the preview
keeps running. Ctrl-C stops the server and ends every stream.

Every connection has a thread, and they are bounded: at most `Limits.max_connections` at once
(more wait in the kernel's queue), a request must arrive whole within `Limits.request_timeout`
(a client sending nothing, or a byte at a time, is dropped), and at most `Limits.max_streams`
event streams are open. A stream notices a closed tab at once (the socket becomes readable)
and a vanished peer at its next heartbeat.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import mimetypes
import os
import posixpath
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO, cast
from urllib.parse import quote, unquote

from . import annexes
from .config import BRIEFS_DIR, BUILTIN_TEMPLATES, CONFIG_NAME, PAGES_DIR, SiteConfig, load_config
from .output import is_safe_relative
from .pipeline import BuildOptions, build
from .problems import Problem, has_errors, visible
from .reporting import paint, report, shown_from_here
from .search import BackgroundIndex, in_bundle, indexed
from .statics import STATIC_DIR

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

STATUS_PATH = "/__briefsite/status"
EVENTS_PATH = "/__briefsite/events"
SCRIPT_PATH = "/__briefsite/reload.js"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}" data-version="0" defer></script>'
# The addresses a browser uses for this server; the port is added by `allowed_hosts`.
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Seconds any one read or write on a connection may wait: a browser sends its request at
# once and reads what it asked for, and a peer that stops doing either would otherwise hold a
# thread for ever. (An event stream waits for builds without a read or write pending.)
IDLE_TIMEOUT = 15.0
# Connections the kernel queues before the server accepts them: a page and its assets arrive
# together, and the default of 5 drops connections under a burst (the browser then waits
# seconds to retry). The kernel caps it at net.core.somaxconn.
BACKLOG = 256
# How long the accept loop waits for a free thread before it looks again whether the server
# is stopping (only while every thread is busy).
SLOT_WAIT = 0.1
# Milliseconds EventSource waits before reconnecting after the stream ends (a restart).
RETRY_MS = 500
# The watcher wakes every WATCH_STEP_MS and yields once a step passes without a new change, so
# a save is noticed 20-40 ms after it lands (watchfiles' default step of 50 ms: 50-100 ms). A
# save is a few writes within a millisecond or two, and a burst (a `git checkout`) keeps being
# grouped for up to WATCH_DEBOUNCE_MS (watchfiles' default of 1,600 ms waits far too long).
WATCH_STEP_MS = 20
WATCH_DEBOUNCE_MS = 200
THREAD_NAME = "briefsite-connection"


@dataclass(frozen=True)
class Limits:
    """How much of the machine clients may hold, and for how long."""

    # Seconds from a connection's start (or the end of its last request) to the end of the
    # request's headers. A per-read timeout alone lets a client that sends one byte every
    # few seconds hold its thread for ever.
    request_timeout: float = 10.0
    # Seconds between comments on a quiet event stream: writing is how a peer that vanished
    # without closing its socket is noticed (a closed tab is noticed at once).
    heartbeat: float = 15.0
    # Threads serving connections at once; more connections wait in the accept queue.
    max_connections: int = 64
    # Event streams open at once (one per visible preview tab), fewer than the threads so
    # pages are always served; a stream beyond it gets 503 and its page polls instead.
    max_streams: int = 16


LIMITS = Limits()

# Listens to the event stream (or polls the status without EventSource, or when the server
# refuses another stream); reloads on a new good build; shows problems over the page otherwise.
RELOAD_JS = """\
(() => {
  // The build this page came from: any newer good build reloads it.
  const seen = Number(document.currentScript.dataset.version);
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
  // True when the page reloads.
  const show = (status) => {
    if (status.version !== seen && !status.problems.length) {
      location.reload();
      return true;
    }
    overlay(status.problems);
    return false;
  };
  let polling = false;
  const poll = async () => {
    polling = true;
    try {
      const reply = await fetch("/__briefsite/status", {cache: "no-store"});
      if (show(await reply.json())) return;
    } catch (error) { /* the server is restarting: try again */ }
    setTimeout(poll, 1000);
  };
  let source = null;
  const listen = () => {
    const stream = new EventSource("/__briefsite/events");
    source = stream;
    stream.onmessage = (event) => { if (show(JSON.parse(event.data))) stream.close(); };
    stream.onerror = () => {
      // While the server restarts the browser reconnects by itself; a refused stream is
      // closed for good, and the page asks once a second instead.
      if (stream.readyState === EventSource.CLOSED && source === stream) {
        source = null;
        poll();
      }
    };
  };
  if (!("EventSource" in window)) { poll(); return; }
  // A hidden tab gives its stream back (browsers open six connections per server, so many
  // preview tabs would stall page loads) and asks again when shown: a build it missed arrives
  // as the first event.
  document.addEventListener("visibilitychange", () => {
    if (polling) return;
    if (document.hidden && source) { source.close(); source = null; }
    else if (!document.hidden && !source) listen();
  });
  if (!document.hidden) listen();
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


class Wake(Enum):
    """Why a stream's wait ended."""

    CHANGED = "a build finished"
    QUIET = "nothing happened for a heartbeat"
    CLIENT = "the client closed the connection (or sent something it should not)"
    CLOSED = "the server is stopping"


class Subscription:
    """One event stream's doorbell: a pipe that a finished build writes a byte into.

    A pipe rather than a `threading.Condition`, so one `select` waits for a build and for the
    client's socket together: a closed tab ends its thread at once, not at the next write.
    """

    def __init__(self, broadcast: Broadcast) -> None:
        self.broadcast = broadcast
        self.read_end, self.write_end = os.pipe()
        os.set_blocking(self.read_end, False)
        os.set_blocking(self.write_end, False)

    def ring(self) -> None:
        """Wake the stream; a byte already waiting is enough."""
        with contextlib.suppress(BlockingIOError):
            os.write(self.write_end, b"\0")

    def wait(self, client: socket.socket, timeout: float) -> Wake:
        """Until a build finishes, the client goes away, the server stops, or `timeout`."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.read_end, selectors.EVENT_READ, Wake.CHANGED)
            selector.register(client, selectors.EVENT_READ, Wake.CLIENT)
            ready = {key.data for key, _ in selector.select(timeout)}
        if self.broadcast.closed:
            return Wake.CLOSED
        if Wake.CLIENT in ready:
            return Wake.CLIENT  # end of stream (a client of a stream never sends anything)
        if Wake.CHANGED in ready:
            with contextlib.suppress(BlockingIOError):  # raised once the pipe is empty
                while os.read(self.read_end, 4096):
                    pass
            return Wake.CHANGED
        return Wake.QUIET

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.broadcast.unsubscribe(self)
        os.close(self.read_end)
        os.close(self.write_end)


class Broadcast:
    """The streams to wake when a build finishes, and whether the server is stopping."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.subscriptions: set[Subscription] = set()
        self.closed = False

    def subscribe(self) -> Subscription | None:
        """A new stream's doorbell; None once the server is stopping."""
        with self.lock:
            if self.closed:
                return None
            subscription = Subscription(self)
            self.subscriptions.add(subscription)
            return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a stream (before its pipe is closed, so no build writes into a closed one)."""
        with self.lock:
            self.subscriptions.discard(subscription)

    def notify(self) -> None:
        """A build finished: wake every stream."""
        with self.lock:
            for subscription in self.subscriptions:
                subscription.ring()

    def close(self) -> None:
        """The server stops: wake every stream to end it, and refuse new ones."""
        with self.lock:
            self.closed = True
            for subscription in self.subscriptions:
                subscription.ring()

    def __len__(self) -> int:
        with self.lock:
            return len(self.subscriptions)


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
    changes: Broadcast = field(default_factory=Broadcast)  # the event streams to wake
    # Search: the preview indexes each good build in the background (`search`); until the
    # index of the newest build is ready, the last one made is served with it.
    index: BackgroundIndex | None = None
    bundle: Mapping[str, bytes] = field(default_factory=dict)

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
        self.changes.notify()  # after the lock: a woken stream reads the new status at once

    def take_bundle(self, version: int, bundle: Mapping[str, bytes]) -> None:
        """Serve a search bundle made from build `version`, if that build is still the one
        served (a newer build gets its own). No reload: open pages are not stale."""
        with self.lock:
            self.bundle = bundle
            if self.files is not None and self.files_version == version:
                pages = {p: d for p, d in self.files.items() if not in_bundle(p)}
                self.files = {**pages, **bundle}


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


# Files a build writes that Python's table does not know: a brief's Markdown copy (RFC
# 7763) and its citations, as reference managers expect them.
_OWN_TYPES = {
    ".md": "text/markdown",
    ".bib": "application/x-bibtex",
    ".ris": "application/x-research-info-systems",
}


def content_type(path: str) -> str:
    """The Content-Type a static host sends for a file name; text is UTF-8, as the build writes."""
    kind = _OWN_TYPES.get(posixpath.splitext(path)[1]) or _TYPES.guess_type(path)[0]
    kind = kind or "application/octet-stream"
    if kind == "application/javascript":
        kind = "text/javascript"  # RFC 9239; Python 3.11's table still has the old name
    if kind.startswith("text/") or kind in (
        "image/svg+xml",
        "application/json",
        *_OWN_TYPES.values(),
    ):
        kind += "; charset=utf-8"
    return kind


def allowed_hosts(port: int) -> frozenset[str]:
    """The Host headers this server answers: its local names, with and without the port."""
    return frozenset((*LOCAL_NAMES, *(f"{name}:{port}" for name in LOCAL_NAMES)))


def allowed_origins(port: int) -> frozenset[str]:
    """The Origin headers of this server's own pages (a browser leaves out port 80 only)."""
    return frozenset(
        f"http://{name}" if port == 80 else f"http://{name}:{port}" for name in LOCAL_NAMES
    )


@dataclass(frozen=True)
class Reply:
    """One complete HTTP answer."""

    status: HTTPStatus
    kind: str
    body: bytes
    location: str = ""


@dataclass(frozen=True)
class Stream:
    """The answer is the event stream: open until the client or the server ends it."""


STREAM = Stream()

FORBIDDEN = Reply(
    HTTPStatus.FORBIDDEN,
    "text/plain; charset=utf-8",
    b"This preview answers only requests for 127.0.0.1 or localhost.\n",
)
FOREIGN_ORIGIN = Reply(
    HTTPStatus.FORBIDDEN,
    "text/plain; charset=utf-8",
    b"This preview answers only its own pages, not pages of other sites.\n",
)
TOO_MANY_STREAMS = Reply(
    HTTPStatus.SERVICE_UNAVAILABLE,
    "text/plain; charset=utf-8",
    b"Too many preview tabs are listening; this one asks once a second instead.\n",
)


def reply_for(state: PreviewState, target: str) -> Reply | Stream:
    """The answer to a GET of `target` (the request's path and query) from a local browser."""
    path = target.split("?", 1)[0]
    if path == EVENTS_PATH:
        return STREAM
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


def event(status: bytes) -> bytes:
    """One server-sent event carrying the status JSON (one line: JSON escapes line breaks)."""
    return b"data: " + status + b"\n\n"


class PreviewServer(ThreadingHTTPServer):
    """A bounded number of threads, a deep accept queue, and the state the handlers serve."""

    request_queue_size = BACKLOG
    daemon_threads = True  # a stuck connection never keeps the process alive after Ctrl-C

    def __init__(
        self, port: int, state: PreviewState, verbose: bool = False, limits: Limits = LIMITS
    ) -> None:
        self.state = state
        self.verbose = verbose
        self.limits = limits
        self.slots = threading.BoundedSemaphore(limits.max_connections)
        self.stream_slots = threading.BoundedSemaphore(limits.max_streams)
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", port), PreviewHandler)
        self.hosts = allowed_hosts(self.server_address[1])
        self.origins = allowed_origins(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread of its own once one of the threads is free.

        Until then the accept loop waits here and later connections queue in the kernel: a
        burst is served in turn, and clients that hold threads (slowly or not at all sending
        a request) are dropped at their deadline, so they delay others but cannot stop them.
        """
        while not self.slots.acquire(timeout=SLOT_WAIT):
            if self.stopping.is_set():
                self.shutdown_request(request)
                return
        try:
            threading.Thread(
                target=self.process_request_thread,
                args=(request, client_address),
                name=THREAD_NAME,
                daemon=True,
            ).start()
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """The base class's (handle, report errors, close), then give the thread back."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is normal (a reload, a closed tab); anything else
        is a bug in the server, printed with its traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError) and not self.verbose:
            return
        super().handle_error(request, client_address)

    def shutdown(self) -> None:
        """Stop accepting, end every event stream now, and wait for the accept loop to end."""
        self.stopping.set()
        self.state.changes.close()
        super().shutdown()


class HeadReader(io.RawIOBase):
    """The connection as the request parser reads it, with one deadline for the whole head.

    `IDLE_TIMEOUT` bounds each read, but a client that sends a byte every few seconds (or an
    endless header) would pass every read; the deadline bounds them all together.
    """

    def __init__(self, connection: socket.socket, per_read: float | None) -> None:
        self.connection = connection
        self.per_read = per_read
        self.deadline = math.inf

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Read what has arrived, waiting at most until the deadline."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request did not arrive in time")
        wait = remaining if self.per_read is None else min(remaining, self.per_read)
        self.connection.settimeout(wait)
        try:
            return self.connection.recv_into(buffer)
        finally:
            self.connection.settimeout(self.per_read)  # writes keep the per-operation timeout


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves the last good build from memory, the status, the event stream and the script.

    Not SimpleHTTPRequestHandler: that one serves whatever is on disk, folder listings included.
    Other methods than GET and HEAD get 501 from the base class.
    """

    timeout = IDLE_TIMEOUT  # StreamRequestHandler applies it to every read and write
    server_version = "briefsite-preview"
    # Each answer is written as its headers, then its body; without this the body of a page
    # could wait for the client's delayed acknowledgement of the headers (up to 40 ms).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """The base class's setup, with requests read through a `HeadReader`."""
        super().setup()
        self.rfile.close()  # the base class's reader: unused, and it would keep the socket open
        self.head = HeadReader(self.connection, self.timeout)
        self.rfile = io.BufferedReader(self.head)

    def handle_one_request(self) -> None:
        """One request, whose head must arrive within `Limits.request_timeout` from now."""
        server = cast(PreviewServer, self.server)
        self.head.deadline = time.monotonic() + server.limits.request_timeout
        super().handle_one_request()

    def do_GET(self) -> None:
        """GET: the answer with its body."""
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        """HEAD: the same headers as GET, no body."""
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        answer = self._reply()
        if isinstance(answer, Stream):
            self._stream(with_body)
        else:
            self._send(answer, with_body)

    def _reply(self) -> Reply | Stream:
        """The answer, for requests addressed to this machine only, from its own pages."""
        server = cast(PreviewServer, self.server)
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() not in server.hosts:
            # DNS rebinding: a page on another site whose name now points here. Its requests
            # carry its own name as Host; answering them would hand it the drafts.
            return FORBIDDEN
        origins = self.headers.get_all("Origin") or []
        if any(origin.strip().lower() not in server.origins for origin in origins):
            # A page of another site asking with fetch or EventSource: it could not read the
            # answer, but its streams would take the places of the editor's own tabs.
            return FOREIGN_ORIGIN
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

    def _stream(self, with_body: bool) -> None:
        """The event stream: the status now, again after every build, and a comment after
        each quiet heartbeat, until the client goes away or the server stops."""
        server = cast(PreviewServer, self.server)
        if not server.stream_slots.acquire(blocking=False):
            self._send(TOO_MANY_STREAMS, with_body)  # the page polls instead
            return
        try:
            subscription = server.state.changes.subscribe()
            if subscription is None:  # the server is stopping
                self._send(TOO_MANY_STREAMS, with_body)
                return
            with subscription:
                self._stream_to(subscription, server, with_body)
        except OSError:
            pass  # the client went away (reset, broken pipe) or stopped reading (timeout)
        finally:
            server.stream_slots.release()
            self.close_connection = True

    def _stream_to(self, subscription: Subscription, server: PreviewServer, body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")  # its end is the end of the connection
        self.end_headers()
        if not body:
            return
        self.wfile.write(f"retry: {RETRY_MS}\n\n".encode())
        sent = b""
        while True:
            status = server.state.snapshot()  # after subscribing: no build can slip between
            if status != sent:
                self.wfile.write(event(status))
                sent = status
            wake = subscription.wait(self.connection, server.limits.heartbeat)
            if wake in (Wake.CLIENT, Wake.CLOSED):
                return
            if wake is Wake.QUIET:
                self.wfile.write(b": heartbeat\n\n")


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
        # Search is indexed in the background (`index_in_background`): never waited for.
        options = BuildOptions(drafts=True, future=True, git=False, search=False)
        result = build(config, options, {path: item[0] for path, item in previous.items()})
        problems = result.problems
        if result.ok:  # pages get the reload script as they are served (`with_reload`)
            plain = {
                o.path: (o.digest, o.data if o.data is not None else previous[o.path][1])
                for o in result.outputs
            }
            state.plain = plain
            files = {path: data for path, (_, data) in plain.items()}
            if config.search:
                with state.lock:
                    files.update(state.bundle)  # the last index, until this build's is made
    shown = shown_from_here(problems, root)
    report(shown, err, root)
    state.record([] if files is not None else [p.format() for p in shown], files)
    if files is not None and isinstance(config, SiteConfig) and config.search:
        index_in_background(state, config, files)
    return files is not None and not has_errors(problems)


def index_in_background(
    state: PreviewState, config: SiteConfig, files: Mapping[str, bytes]
) -> None:
    """Hand the brief pages of the build just recorded to the preview's search index."""
    if state.index is None:
        return
    with state.lock:
        version = state.files_version
    pages = {path: data for path, data in files.items() if indexed(path)}
    state.index.submit(version, pages, not config.directory_urls)


def search_deliverer(
    state: PreviewState, err: TextIO
) -> Callable[[int, Mapping[str, bytes] | None, str], None]:
    """What the background index does with a bundle: serve it; with none, say why once
    (the search page says the index is not ready)."""
    said: list[str] = []

    def deliver(version: int, bundle: Mapping[str, bytes] | None, message: str) -> None:
        if bundle is not None:
            state.take_bundle(version, bundle)
            said.clear()
        elif message not in said:
            said[:] = [message]
            print(f"{paint('warning', 'warning', err)}: {visible(message)}", file=err, flush=True)

    return deliver


def _relevant(change: object, path: str) -> bool:
    """Only files a build reads: editors' swap and temporary files do not trigger rebuilds."""
    name = Path(path).name
    return not name.startswith((".", "~", "#")) and name.endswith(
        (".md", ".html", ".xml", ".css", ".js", ".yml", ".svg", ".png", ".ico", ".txt")
    )


def relevant_in(root: Path) -> Callable[[object, str], bool]:
    """`_relevant`, any file in `static/` but hidden ones (a file there of any name, a PDF,
    a CNAME, is published as it is, and hidden names never are), and in `briefs/` any file of
    a type a brief may publish beside its page (`annexes`: a chart saved again is a change)."""
    static = os.fspath((root / STATIC_DIR).resolve()) + os.sep
    briefs = os.fspath((root / BRIEFS_DIR).resolve()) + os.sep
    published = tuple(f".{kind}" for kind in (*annexes.IMAGES, *annexes.DOCUMENTS))

    def relevant(change: object, path: str) -> bool:
        if path.startswith(static):
            return not Path(path).name.startswith(".")
        name = Path(path).name
        if path.startswith(briefs) and name.lower().endswith(published):
            return not name.startswith(".")
        return _relevant(change, path)

    return relevant


def watched_paths(root: Path) -> list[Path]:
    """What a preview watches: the briefs, the standalone pages, the static files, the site's
    and built-in templates, site.yml. (A folder is watched only if it exists when the preview
    starts.)"""
    paths = [
        root / "briefs",
        root / PAGES_DIR,
        root / STATIC_DIR,
        root / CONFIG_NAME,
        root / "templates",
        BUILTIN_TEMPLATES,
    ]
    return [p for p in dict.fromkeys(p.resolve() for p in paths) if p.exists()]


def run_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `serve` command."""
    from watchfiles import watch  # imported here: only the preview needs it

    root: Path = args.source
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        print(f"error: source folder '{visible(str(root))}' {what}", file=err)
        return 1
    previous_term = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as Ctrl-C does
    # Python leaves SIGINT ignored when it started ignored (`serve &` in a script, nohup):
    # Ctrl-C and `kill -INT` must stop the preview all the same.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    server: PreviewServer | None = None
    serving = False
    state = PreviewState()
    try:  # from here on, however it stops (Ctrl-C at any moment), the server is closed
        state.index = BackgroundIndex(search_deliverer(state, err))
        try:
            server = PreviewServer(args.port, state, args.verbose, LIMITS)
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
            debounce=WATCH_DEBOUNCE_MS,
            step=WATCH_STEP_MS,
            watch_filter=relevant_in(root),
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
        if state.index is not None:
            state.index.close()  # a Pagefind run under way is killed
        if server is not None:
            if serving:
                server.shutdown()
            server.server_close()
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)
    print("Stopped the preview.", file=out, flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same clean stop as Ctrl-C."""
    raise KeyboardInterrupt
