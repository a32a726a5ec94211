"""The preview's event stream and its limits, against a real server and real sockets.

Most tests run `PreviewServer` in a thread of the test process, with a `PreviewState` the test
records builds into, so they can count the server's threads and lower its limits; the last
ones run `build.py serve` itself, where a real save must reach an open stream. Streams are read
with `http.client`, each read bounded by a deadline (never a fixed sleep).
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write_site
from test_serve import Preview, brief, poll
from test_serve import preview as preview  # the fixture: `build.py serve` in a process

from briefsite.serve import (
    EVENTS_PATH,
    THREAD_NAME,
    Limits,
    PreviewServer,
    PreviewState,
)

DEADLINE = 10.0  # seconds for anything that should happen at once
PAGE = b"<!DOCTYPE html><html><body><h1>One</h1></body></html>"


class EventStream:
    """A client of /__briefsite/events: reads events one at a time, each before a deadline."""

    def __init__(self, port: int, origin: str | None = None, method: str = "GET") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        headers = {"Accept": "text/event-stream"}
        if origin is not None:
            headers["Origin"] = origin
        self.conn.request(method, EVENTS_PATH, headers=headers)
        # The response takes the socket over (it ends with the connection): keep it to set
        # each read's deadline and to close it as a browser closing the tab would.
        self.sock = self.conn.sock
        assert self.sock is not None
        self.response = self.conn.getresponse()

    def block(self, seconds: float = DEADLINE) -> list[str]:
        """The lines of the next block (up to a blank line); fails at the deadline or EOF."""
        deadline = time.monotonic() + seconds
        lines: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no complete event within {seconds} s; so far {lines}")
            self.sock.settimeout(remaining)
            line = self.response.readline()
            if not line:
                pytest.fail(f"the stream ended; so far {lines}")
            text = line.decode("utf-8").rstrip("\n")
            if text == "" and lines:
                return lines
            if text:
                lines.append(text)

    def status(self, seconds: float = DEADLINE) -> dict[str, Any]:
        """The next event's status, skipping `retry:` and comments (heartbeats)."""
        deadline = time.monotonic() + seconds
        while True:
            lines = self.block(max(deadline - time.monotonic(), 0.001))
            data = [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]
            if data:
                assert len(data) == 1, lines  # one line of JSON per event
                return json.loads(data[0])

    def ended(self, seconds: float = DEADLINE) -> bool:
        """Whether the server ends the stream within `seconds` (what it sent until then is
        skipped)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self.sock.settimeout(remaining)
            try:
                if not self.response.read1(65536):
                    return True
            except TimeoutError:
                return False
            except ConnectionResetError:
                return True
        return False

    def close(self, abort: bool = False) -> None:
        """Close as a browser does when a tab closes: FIN, or RST when `abort`."""
        if abort:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.response.close()
        self.sock.close()
        self.conn.close()


class Live:
    """A `PreviewServer` serving a `PreviewState` in a thread of this process."""

    def __init__(self, limits: Limits) -> None:
        self.state = PreviewState()
        self.state.record([], {"index.html": PAGE})
        self.server = PreviewServer(0, self.state, limits=limits)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.streams: list[EventStream] = []

    def stream(self, origin: str | None = None, method: str = "GET") -> EventStream:
        opened = EventStream(self.port, origin, method)
        self.streams.append(opened)
        return opened

    def get(self, path: str = "/") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        try:
            conn.request("GET", path)
            reply = conn.getresponse()
            return reply.status, reply.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=DEADLINE)
        for stream in self.streams:
            stream.close()


def connection_threads() -> int:
    """The server threads now serving a connection, in this process."""
    return sum(thread.name == THREAD_NAME for thread in threading.enumerate())


@pytest.fixture
def live() -> Iterator[Callable[..., Live]]:
    """Factory: live(**limits) -> a running in-process server; stopped after the test."""
    started: list[Live] = []

    def factory(**limits: Any) -> Live:
        server = Live(Limits(**limits))
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
    # Every connection's thread is gone once its server is (none leaks into other tests).
    poll(lambda: connection_threads() == 0, "the server threads to end", timeout=DEADLINE)


# ---------------------------------------------------------------- the stream


def test_the_stream_sends_the_status_at_once_then_after_every_build(
    live: Callable[..., Live],
) -> None:
    server = live()
    stream = server.stream()
    assert stream.response.status == 200
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    assert stream.response.getheader("Cache-Control") == "no-store"
    # The reconnection delay comes first: after a restart the page reconnects within it.
    assert stream.block() == ["retry: 500"]
    assert stream.status() == {"version": 1, "problems": []}

    # A failed build: its problems, a line break inside one included, in one event.
    problem = "briefs/x.md:3:7: error: 'date' must be a date\n  hint: write 2020-03-26"
    server.state.record([problem])
    assert stream.status() == {"version": 2, "problems": [problem]}

    server.state.record([], {"index.html": PAGE.replace(b"One", b"Two")})
    assert stream.status() == {"version": 3, "problems": []}
    assert b"<h1>Two</h1>" in server.get("/")[1]


def test_a_quiet_stream_gets_heartbeats(live: Callable[..., Live]) -> None:
    server = live(heartbeat=0.05)
    stream = server.stream()
    assert stream.status()["version"] == 1
    # Nothing builds: comments keep coming, which is how a vanished peer gets noticed.
    assert stream.block() == [": heartbeat"]
    assert stream.block() == [": heartbeat"]
    server.state.record([])
    assert stream.status()["version"] == 2


def test_a_stream_opened_by_head_sends_only_its_headers(live: Callable[..., Live]) -> None:
    server = live()
    stream = server.stream(method="HEAD")
    assert stream.response.status == 200
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    assert stream.response.read() == b""
    poll(lambda: connection_threads() == 0, "the HEAD request's thread to end")


@pytest.mark.parametrize("abort", [False, True], ids=["closed", "reset"])
def test_a_closed_tab_ends_its_streams_thread_at_once(
    live: Callable[..., Live], abort: bool
) -> None:
    # Heartbeats an hour apart: the thread must end because the socket closed, not because a
    # write failed. Each reload of a page closes a stream, so slow ends would fill the cap.
    server = live(heartbeat=3600)
    stream = server.stream()
    assert stream.status()["version"] == 1
    assert connection_threads() == 1
    assert len(server.state.changes) == 1
    stream.close(abort=abort)
    poll(lambda: connection_threads() == 0, "the stream's thread to end", timeout=DEADLINE)
    assert len(server.state.changes) == 0
    # Its place is free again: another stream opens and is answered.
    assert server.stream().status()["version"] == 1


def test_stopping_the_server_ends_every_open_stream_at_once(live: Callable[..., Live]) -> None:
    server = live(heartbeat=3600)
    streams = [server.stream() for _ in range(3)]
    for stream in streams:
        assert stream.status()["version"] == 1
    started = time.monotonic()
    server.server.shutdown()
    for stream in streams:
        assert stream.ended(seconds=DEADLINE), "a stream outlived the server"
    poll(lambda: connection_threads() == 0, "the streams' threads to end")
    # Well within the deadline: the accept loop's poll interval is 0.5 s.
    assert time.monotonic() - started < 3


def test_streams_beyond_the_cap_are_refused_and_pages_are_still_served(
    live: Callable[..., Live],
) -> None:
    server = live(max_streams=2, heartbeat=3600)
    first, second = server.stream(), server.stream()
    assert first.status()["version"] == second.status()["version"] == 1
    refused = server.stream()
    assert refused.response.status == 503
    assert b"asks once a second instead" in refused.response.read()
    code, page = server.get("/")
    assert code == 200
    assert b"<h1>One</h1>" in page
    assert server.get("/__briefsite/status")[0] == 200  # what a refused page polls

    first.close()

    def reopened() -> bool:
        stream = server.stream()
        return stream.response.status == 200 and stream.status()["version"] == 1

    poll(reopened, "a stream to open once another closed")


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 200),  # same-origin EventSource sends none
        ("http://127.0.0.1:{port}", 200),
        ("http://localhost:{port}", 200),
        ("http://evil.example", 403),
        ("http://127.0.0.1:{other}", 403),
        ("http://localhost", 403),  # port 80: another server's pages
        ("null", 403),  # a sandboxed frame or a file:// page
    ],
)
def test_streams_for_pages_of_other_origins_are_refused(
    live: Callable[..., Live], origin: str | None, status: int
) -> None:
    # A page of another site may open EventSource streams to 127.0.0.1 (its Host header is
    # ours): it could not read them, but it could take every stream's place.
    server = live()
    port = server.port
    stream = server.stream(None if origin is None else origin.format(port=port, other=port + 1))
    assert stream.response.status == status
    if status == 200:
        assert stream.status()["version"] == 1
    else:
        assert b"not pages of other sites" in stream.response.read()


# ---------------------------------------------------------------- slow and silent clients


def hung_up(sock: socket.socket, seconds: float, drip: bytes = b"") -> float | None:
    """Seconds until the server closes `sock` (None: still open after `seconds`). With `drip`,
    one byte of it is sent before each short wait, as a slowloris client does."""
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        if sent < len(drip):
            try:
                sock.send(drip[sent : sent + 1])
            except OSError:
                return time.monotonic() - started
            sent += 1
        sock.settimeout(0.1)
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
        if data == b"":
            return time.monotonic() - started
    return None


def test_a_client_sending_nothing_or_a_byte_at_a_time_is_dropped_at_the_deadline(
    live: Callable[..., Live],
) -> None:
    # The per-read timeout (15 s) would let a request trickle in for ever, a byte at a time:
    # the request as a whole must arrive within request_timeout.
    server = live(request_timeout=1.0)
    endless = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 200
    results: dict[str, float | None] = {}
    connected = threading.Barrier(3)

    def hold(name: str, drip: bytes) -> None:
        with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE) as sock:
            connected.wait(timeout=DEADLINE)
            results[name] = hung_up(sock, seconds=DEADLINE, drip=drip)

    holders = [
        threading.Thread(target=hold, args=("silent", b"")),
        threading.Thread(target=hold, args=("drip", endless)),
    ]
    for holder in holders:
        holder.start()
    connected.wait(timeout=DEADLINE)
    # Meanwhile everyone else is served.
    assert server.get("/")[0] == 200
    for holder in holders:
        holder.join(timeout=DEADLINE + 5)
    assert set(results) == {"silent", "drip"}
    for name, seconds in results.items():
        assert seconds is not None, f"the {name} client was never dropped"
        assert 0.5 < seconds < 5, f"the {name} client was dropped after {seconds:.1f} s"
    poll(lambda: connection_threads() == 0, "their threads to end")


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (its end of stream is waiting), without waiting."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_connections_beyond_the_thread_cap_wait_for_a_free_thread(
    live: Callable[..., Live],
) -> None:
    # Three threads, all held by clients that send nothing: a fourth connection waits in the
    # accept queue (no thread starts for it) until one of them is dropped, then is served.
    server = live(max_connections=3, request_timeout=1.0)
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    try:
        poll(lambda: connection_threads() == 3, "three threads held by silent clients")
        answered: list[tuple[int, int]] = []

        def fetch() -> None:
            code = server.get("/")[0]
            # The server closed a silent client before it could answer: the client's kernel
            # already holds that end of stream.
            answered.append((code, sum(closed_by_server(sock) for sock in silent)))

        fetcher = threading.Thread(target=fetch)
        fetcher.start()
        most = 0
        while fetcher.is_alive():
            most = max(most, connection_threads())
            fetcher.join(timeout=0.02)
        assert most <= 3
        [(code, closed)] = answered
        assert code == 200, "the waiting request was served once a thread was free"
        assert closed >= 1, "the request was served while every thread was taken"
        poll(lambda: all(closed_by_server(sock) for sock in silent), "every silent client dropped")
    finally:
        for sock in silent:
            sock.close()


# ---------------------------------------------------------------- `build.py serve` itself


def open_stream(server: Preview) -> EventStream:
    return EventStream(int(server.url.rstrip("/").rsplit(":", 1)[1]))


def test_a_save_reaches_an_open_stream_at_once(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    source = site / "briefs" / "x.md"
    server = preview(site)
    version = server.wait_until_watching()
    stream = open_stream(server)
    assert stream.status() == {"version": version, "problems": []}

    source.write_text(brief("Beta"), encoding="utf-8")
    status = stream.status(seconds=20)
    assert status == {"version": version + 1, "problems": []}
    # The event comes after the build: the page it reloads shows the save.
    assert "<h1>Beta</h1>" in server.get("briefs/x/")[1]

    source.write_text(brief("Gamma", date="March"), encoding="utf-8")
    status = stream.status(seconds=20)
    assert status["version"] == version + 2
    [problem] = status["problems"]
    assert problem.startswith("briefs/x.md:3:7: error: 'date' must be a date"), problem
    stream.close()
    assert server.stop() == 0


def test_ctrl_c_with_an_open_stream_stops_at_once(
    tmp_path: Path, preview: Callable[..., Preview]
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    server = preview(site)
    streams = [open_stream(server) for _ in range(2)]
    for stream in streams:
        assert stream.status()["version"] == 1
    server.proc.send_signal(signal.SIGINT)
    try:
        code = server.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("Ctrl-C with an event stream open: serve did not exit within 5 s")
    assert code == 0, server.stderr
    assert "Stopped the preview." in server.stdout
    assert "Traceback" not in server.stderr
    for stream in streams:
        assert stream.ended(seconds=5)
