"""The preview server under hostile or heavy use: what it serves, to whom, how many, how long.

One real `build.py serve` process per module answers raw `http.client` requests, so every
request line and header is exactly what the test writes (forged Host headers, encoded dots,
backslashes), with no client normalising it first.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import published_asset, write_site
from test_serve import Preview, brief, poll

from briefsite.cli import main, make_parser
from briefsite.serve import IDLE_TIMEOUT, PreviewHandler

SECRET = "secret-not-an-output"
ASSETS = Path(__file__).resolve().parent.parent / "templates" / "assets"
SITE_CSS = published_asset("site.css")
FAVICON = published_asset("favicon.svg")


class Reply:
    """A raw HTTP answer: status, headers (names lower-cased) and body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def port_of(server: Preview) -> int:
    return int(server.url.rstrip("/").rsplit(":", 1)[1])


def request(
    server: Preview,
    target: str,
    method: str = "GET",
    host: str | None = "",
    extra: tuple[tuple[str, str], ...] = (),
) -> Reply:
    """Send `method target` as written; Host is 127.0.0.1:port unless given (None: no Host)."""
    port = port_of(server)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host or f"127.0.0.1:{port}")
        for name, value in extra:
            conn.putheader(name, value)
        conn.endheaders()
        reply = conn.getresponse()
        body = reply.read()
        return Reply(reply.status, {k.lower(): v for k, v in reply.getheaders()}, body)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """A running preview of a site with a brief, a draft, and files that are not outputs."""
    root = tmp_path_factory.mktemp("hardening")
    site = write_site(
        root / "s",
        {"x.md": brief("Alpha"), "d.md": brief("Draft text", extra="draft: true\n")},
    )
    (site / "secret.txt").write_text(SECRET, encoding="utf-8")
    (site / "briefs" / "notes.txt").write_text(SECRET, encoding="utf-8")
    preview = Preview(site, root / "preview", "--port", "0")
    preview.wait_until_serving()
    yield preview
    if preview.proc.poll() is None:
        preview.proc.kill()
        preview.proc.wait(timeout=10)


# ---------------------------------------------------------------- only the build's outputs


@pytest.mark.parametrize(
    ("target", "heading"),
    [
        ("/", "<h1>Test briefs</h1>"),
        ("/briefs/x/", "<h1>Alpha</h1>"),
        ("/briefs/x/index.html", "<h1>Alpha</h1>"),
        ("/briefs/x/?from=feed", "<h1>Alpha</h1>"),
        ("/briefs/%78/", "<h1>Alpha</h1>"),  # percent-decoded: %78 is x
        ("/briefs%2Fx/", "<h1>Alpha</h1>"),
        ("/briefs/d/", "<h1>Draft text</h1>"),
    ],
)
def test_pages_of_the_build_are_served(server: Preview, target: str, heading: str) -> None:
    reply = request(server, target)
    assert reply.status == 200
    assert heading in reply.text
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/briefs/x", "/briefs/x/"),
        ("/briefs/x?a=1&b=2", "/briefs/x/?a=1&b=2"),
        ("/%62riefs/x", "/briefs/x/"),
        ("/briefs", "/briefs/"),
    ],
)
def test_a_folder_without_its_slash_redirects_as_a_static_host_does(
    server: Preview, target: str, location: str
) -> None:
    reply = request(server, target)
    assert reply.status == 301
    assert reply.headers["location"] == location


@pytest.mark.parametrize(
    "target",
    [
        "/assets/",  # a folder without index.html: no listing
        "/briefs/x/missing.html",
        "/.briefsite",  # the output marker is not an output
        "/%2ebriefsite",
        "/briefs/x.md",  # sources are not outputs
        "/secret.txt",
        "/briefs/notes.txt",
        "/site.yml",
    ],
)
def test_anything_the_build_did_not_produce_is_the_sites_404_page(
    server: Preview, target: str
) -> None:
    reply = request(server, target)
    assert reply.status == 404
    assert "Page not found" in reply.text
    assert "Directory listing" not in reply.text
    assert reply.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/../s/secret.txt",
        "/briefs/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/s/secret.txt",
        "/briefs/%2e%2e/briefs/notes.txt",
        "/briefs/..%2fsecret.txt",
        "/briefs/..%5csecret.txt",
        "/..\\secret.txt",
        "/briefs\\x/",
        "/briefs%5cx/",
        "/index.html%00",
        "/%00",
        "/index.html%00.txt",
        "/./index.html",
        "/briefs/x/%2e/index.html",
        "/briefs//x/",
        "//example.org/briefs/x",  # no redirect to another host (an open redirect)
        "/%ff",  # not UTF-8
        "/briefs/%c0%ae%c0%ae/",  # overlong UTF-8 dots
    ],
)
def test_no_spelling_of_a_path_leaves_the_build(server: Preview, target: str) -> None:
    reply = request(server, target)
    assert reply.status == 404
    assert "Page not found" in reply.text
    assert SECRET not in reply.text
    assert "location" not in reply.headers


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        (f"/assets/{SITE_CSS}", "text/css; charset=utf-8"),
        (f"/assets/{FAVICON}", "image/svg+xml; charset=utf-8"),
        ("/feed.xml", "text/xml; charset=utf-8"),
        ("/sitemap.xml", "text/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/llms.txt", "text/plain; charset=utf-8"),
        ("/briefs.json", "application/json; charset=utf-8"),
        ("/figures.csv", "text/csv; charset=utf-8"),
        ("/briefs/x/index.md", "text/markdown; charset=utf-8"),
        ("/briefs/x/cite.bib", "application/x-bibtex; charset=utf-8"),
        ("/briefs/x/cite.ris", "application/x-research-info-systems; charset=utf-8"),
        ("/__briefsite/reload.js", "text/javascript"),
        ("/__briefsite/status", "application/json"),
    ],
)
def test_each_file_has_the_content_type_of_its_extension(
    server: Preview, target: str, kind: str
) -> None:
    reply = request(server, target)
    assert reply.status == 200
    assert reply.headers["content-type"] == kind
    assert reply.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("target", "status"), [("/briefs/x/", 200), ("/briefs/x", 301), ("/missing/", 404)]
)
def test_head_gets_the_headers_of_get_without_a_body(
    server: Preview, target: str, status: int
) -> None:
    full = request(server, target)
    head = request(server, target, method="HEAD")
    assert head.status == full.status == status
    assert head.body == b""
    assert head.headers["content-length"] == str(len(full.body))
    assert head.headers["content-type"] == full.headers["content-type"]
    assert head.headers.get("location") == full.headers.get("location")


# ---------------------------------------------------------------- only for this machine


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "localhost.evil.example",
        "localhost:{other}",
        "127.0.0.1:{other}",
        "0.0.0.0:{port}",
        "",
        None,  # no Host header at all
    ],
)
@pytest.mark.parametrize("target", ["/", "/briefs/d/", "/__briefsite/status", "/missing"])
def test_requests_for_another_host_are_refused(
    server: Preview, host: str | None, target: str
) -> None:
    # A page on evil.example whose name the attacker re-points at 127.0.0.1 (DNS rebinding)
    # reaches this server with its own name in Host: it must not read the drafts.
    port = port_of(server)
    forged = None if host is None else host.format(port=port, other=port + 1) or " "
    reply = request(server, target, host=forged)
    assert reply.status == 403
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert "127.0.0.1 or localhost" in reply.text
    assert len(reply.body) < 200
    assert "Draft" not in reply.text


def test_two_host_headers_are_refused(server: Preview) -> None:
    port = port_of(server)
    reply = request(server, "/", host=f"127.0.0.1:{port}", extra=(("Host", "evil.example"),))
    assert reply.status == 403


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "localhost:{port}",
        "LocalHost:{port}",
        "[::1]:{port}",
        "127.0.0.1",
        "localhost",
        "[::1]",
    ],
)
def test_requests_for_this_machine_are_answered(server: Preview, host: str) -> None:
    reply = request(server, "/briefs/d/", host=host.format(port=port_of(server)))
    assert reply.status == 200
    assert "<h1>Draft text</h1>" in reply.text


# ---------------------------------------------------------------- many and idle connections


def test_200_concurrent_requests_are_all_answered_quickly(server: Preview) -> None:
    # A burst of connections at once, as a page with many assets (or a reload storm) makes.
    # With a listen backlog of 5 the kernel drops most of them and clients retry only after
    # 1 s, 3 s, 7 s...; with a deep backlog every one is answered at once.
    count, deadline = 200, 5.0
    barrier = threading.Barrier(count)
    results: list[tuple[int, float] | str] = []
    lock = threading.Lock()

    def fetch() -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            reply = request(server, "/briefs/x/")
            outcome: tuple[int, float] | str = (reply.status, time.monotonic() - started)
        except OSError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=fetch) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    failed = [r for r in results if isinstance(r, str) or r[0] != 200]
    assert len(results) == count
    assert failed == []
    slowest = max(r[1] for r in results if not isinstance(r, str))
    assert slowest < deadline, f"the slowest of {count} requests took {slowest:.1f} s"


def test_the_idle_timeout_is_on_by_default() -> None:
    # Without one, every connection that never sends a request holds a thread for ever.
    assert PreviewHandler.timeout == IDLE_TIMEOUT
    assert IDLE_TIMEOUT is not None
    assert 5 <= IDLE_TIMEOUT <= 60


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
def test_idle_connections_are_closed(tmp_path: Path, sent: bytes) -> None:
    # The timeout is lowered (by a prelude) so the test need not wait 15 s.
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    prelude = "import briefsite.serve\nbriefsite.serve.PreviewHandler.timeout = 0.5"
    server = Preview(site, tmp_path / "preview", "--port", "0", prelude=prelude)
    try:
        server.wait_until_serving()
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as idle:
            idle.sendall(sent)  # nothing, or a request that never ends
            idle.settimeout(0.1)

            def closed() -> bool:
                try:
                    return idle.recv(4096) == b""  # end of stream: the server hung up
                except TimeoutError:
                    return False
                except ConnectionResetError:
                    return True

            poll(closed, "the server to close an idle connection", timeout=5)
        assert request(server, "/briefs/x/").status == 200  # and it still serves others
        assert server.stop() == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(timeout=10)


# ---------------------------------------------------------------- the port


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "-8000", "abc", "80.5", ""])
def test_a_port_out_of_range_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    assert main(["serve", "--source", str(site), "--port", port]) == 2  # a usage error
    err = capsys.readouterr().err
    assert f"argument --port: must be a whole number from 0 to 65535, not '{port}'" in err
    assert "usage:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("port", [0, 1, 8000, 65535])
def test_every_port_in_range_is_accepted(port: int) -> None:
    assert make_parser().parse_args(["serve", "--port", str(port)]).port == port
