"""`build.py serve`: a local preview that rebuilds on every save and reloads the browser.

The preview is a normal build (drafts and future briefs included) written into a temporary
folder, never into the published `site/`. A tiny script, added only to preview pages, asks the
server for the build number once a second: a new number reloads the page, and a failed build
shows its problems over the page until the next good save. The terminal shows the same
problems. Ctrl-C stops the server and removes the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from .config import BUILTIN_TEMPLATES, CONFIG_NAME, SiteConfig, load_config
from .output import Output, sync
from .pipeline import BuildOptions, build
from .problems import Problem, has_errors, visible

STATUS_PATH = "/__briefsite/status"
SCRIPT_PATH = "/__briefsite/reload.js"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}" data-version="0" defer></script>'

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


@dataclass
class PreviewState:
    """What the status endpoint reports: the build number and the last build's problems."""

    version: int = 0
    problems: list[str] = field(default_factory=list)
    built: bool = False  # whether any build has succeeded yet
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> bytes:
        """The status as JSON bytes."""
        with self.lock:
            return json.dumps({"version": self.version, "problems": self.problems}).encode()

    def record(self, problems: list[str]) -> None:
        """Note a finished build."""
        with self.lock:
            self.version += 1
            self.problems = problems
            self.built = self.built or not problems


def inject_reload(outputs: tuple[Output, ...], version: int) -> tuple[Output, ...]:
    """Add the reload script, stamped with the build number, to every HTML page (preview only)."""
    tag = SCRIPT_TAG.replace('data-version="0"', f'data-version="{version}"').encode()
    injected = []
    for output in outputs:
        if output.path.endswith(".html") and b"</body>" in output.data:
            data = output.data.replace(b"</body>", tag + b"\n</body>", 1)
            output = Output(output.path, data)
        injected.append(output)
    return tuple(injected)


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the preview folder, the status endpoint and the reload script."""

    state: PreviewState
    verbose: bool = False

    def do_GET(self) -> None:
        """Answer the two preview endpoints; anything else is a file of the site."""
        path = self.path.split("?", 1)[0]
        if path == STATUS_PATH:
            self._send(HTTPStatus.OK, "application/json", self.state.snapshot())
        elif path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, "text/javascript", RELOAD_JS.encode())
        elif not self.state.built:
            # No good build yet: a page that shows the problems and reloads once fixed.
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8", WAITING_PAGE)
        else:
            super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Missing pages get the site's own 404 page, as a static host would serve it."""
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", page.read_bytes())
            return
        super().send_error(code, message, explain)

    def end_headers(self) -> None:
        """Never cache preview files: every reload must show the newest build."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Request logs only with --verbose."""
        if self.verbose:
            super().log_message(format, *args)

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        """A complete response."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def rebuild(root: Path, folder: Path, base_url: str, state: PreviewState, err: TextIO) -> bool:
    """One preview build into `folder`; True when it succeeded."""
    from .cli import report, shown_from_here  # printing lives in cli

    config = load_config(root, folder, {"base_url": base_url})
    if not isinstance(config, SiteConfig):
        problems: tuple[Problem, ...] = tuple(config)
        result_ok = False
    else:
        result = build(config, BuildOptions(drafts=True, future=True, git=False))
        problems, result_ok = result.problems, result.ok
        if result_ok:
            sync(inject_reload(result.outputs, state.version + 1), folder)
    shown = shown_from_here(problems, root)
    report(shown, err)
    state.record([] if result_ok else [p.format() for p in shown])
    return result_ok and not has_errors(problems)


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
    previous_term = signal.signal(signal.SIGTERM, _interrupt)  # `kill` cleans up as Ctrl-C does
    workspace = Path(tempfile.mkdtemp(prefix="briefsite-preview-"))
    server: ThreadingHTTPServer | None = None
    serving = False
    try:  # from here on, however it stops (Ctrl-C at any moment), the workspace is removed
        folder = workspace / "site"
        folder.mkdir()
        state = PreviewState()
        handler = partial(
            type("Handler", (PreviewHandler,), {"state": state, "verbose": args.verbose}),
            directory=str(folder),
        )
        try:
            server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
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
        rebuild(root, folder, base_url, state, err)
        print(f"Serving a preview at {base_url} (Ctrl-C to stop).", file=out, flush=True)
        for changes in changes_seen:
            if not changes:
                continue
            if not args.quiet:
                names = sorted({Path(p).name for _, p in changes})
                shown = ", ".join(visible(name) for name in names)  # names are untrusted
                print(f"Changed: {shown}; rebuilding.", file=out, flush=True)
            if rebuild(root, folder, base_url, state, err) and not args.quiet:
                print("Rebuilt.", file=out, flush=True)
            err.flush()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            if serving:
                server.shutdown()
            server.server_close()
        shutil.rmtree(workspace, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous_term)
    print("Stopped the preview.", file=out, flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same clean stop as Ctrl-C."""
    raise KeyboardInterrupt
