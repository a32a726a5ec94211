"""Site search: Pagefind's index of the brief pages, and the page that searches it.

Pagefind (pagefind.app) is the maintained search engine for static sites: its binary reads
HTML pages and writes a bundle (`pagefind/`: the index in small chunks, WebAssembly, and the
search UI's script and stylesheet) that the search page loads in the reader's browser, so a
static host needs no server. The binary comes from the PyPI package `pagefind[extended]`,
whose extended build also splits Chinese text into words.

What is indexed is declared in `brief.html`: `data-pagefind-body` on the brief's article and
`data-pagefind-ignore` on each part of it that is not the brief's own text (notices, report
number, metadata, key figures, contents, sources, change notes, related briefs), so the title,
the summary, the body and its notes are indexed; `data-pagefind-filter` on the topics, year,
status, issuing body and region (filters count inside ignored parts), and
`data-pagefind-meta="summary"` on the summary, which the search page shows under each result.
Only brief pages are handed to Pagefind (`indexed`).

Pagefind has no incremental mode and takes about 20 s for 10,000 pages, so a bundle is kept
in the build cache under a digest of every brief page's bytes and of the binary
(`bundle_key`): a build whose brief pages are those the published bundle was made from, and
whose output folder still holds that bundle, publishes it again without running Pagefind.
The bundle is made of `Output`s like pages, so it goes through the manifest and the atomic
swap; a failed run is a problem, and the build stops before anything is written.

The preview (`serve`) never waits for Pagefind: `BackgroundIndex` indexes each good build in
a thread of its own and the served site takes the bundle when it is ready.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import importlib.util
import io
import json
import os
import re
import select
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zlib import error as zlib_error

from . import urls
from .cache import Cache, entry_key
from .config import CONFIG_NAME, SiteConfig
from .i18n import tr
from .output import Output, is_safe_relative, published
from .pages import HOME_CRUMB, Page, crumbs, crumbs_in
from .problems import Problem, error

if TYPE_CHECKING:
    from .catalog import Catalog

PAGEFIND_RELEASE = "1.5.2"  # the release requirements.txt pins, for the install hint
PACKAGE = "pagefind_bin_extended"  # the package that ships the extended binary
BINARY = "pagefind_extended"  # its file name, also looked for on PATH
INSTALL = f'python -m pip install "pagefind[extended]=={PAGEFIND_RELEASE}"'
# Changed when what we ask of Pagefind changes, so no bundle made otherwise is reused.
BUNDLE_FORMAT = "1"
# The page a brief is published at, as `urls.brief_path` and `urls.output_file` make it.
_BRIEF_PAGE = re.compile(
    "(?:[a-z]{2,3}/)?"  # a language's folder (`urls.language_folder`)
    + re.escape(urls.output_file(urls.brief_path("SLUG"))).replace("SLUG", "[^/]+")
)


def indexed(path: str) -> bool:
    """Whether an output is a brief's page, which Pagefind indexes. (A page of another kind
    matched by mistake would not be indexed anyway: without `data-pagefind-body` Pagefind
    skips a page once any page has it.)"""
    return _BRIEF_PAGE.fullmatch(path) is not None


def in_bundle(path: str) -> bool:
    """Whether an output path lies in the folder Pagefind writes."""
    return path.startswith(urls.SEARCH_BUNDLE)


# ---------------------------------------------------------------------------- the engine


@dataclass(frozen=True)
class Engine:
    """The Pagefind binary a build runs, and what identifies its release."""

    path: str
    identity: str  # its path, size and modification time: a new release is a new file


def find_engine() -> Engine | None:
    """The extended Pagefind binary: the one `pagefind_bin_extended` ships, else a
    `pagefind_extended` on PATH; None when neither is there.

    The package is found without importing it (its `__init__` loads `logging` and `platform`,
    and a build with nothing to do looks for the binary too, to notice it was removed or
    upgraded).
    """
    candidates = []
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        candidates += [Path(folder) / BINARY for folder in spec.submodule_search_locations or ()]
    on_path = shutil.which(BINARY)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        try:
            status = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode) and os.access(candidate, os.X_OK):
            identity = f"{candidate}\0{status.st_size}\0{status.st_mtime_ns}"
            return Engine(os.fspath(candidate), identity)
    return None


def engine_identity(config: SiteConfig) -> str:
    """What a build's output owes to the search engine: "" with search off, "missing" when
    the binary is not installed. Part of the digest of a build's settings, so a build with
    nothing else changed still notices that Pagefind was upgraded or removed."""
    if not config.search:
        return ""
    engine = find_engine()
    return engine.identity if engine else "missing"


def missing_engine() -> Problem:
    """The problem of a build with search on and no Pagefind to make the index."""
    return error(
        CONFIG_NAME,
        0,
        0,
        "search is on, but Pagefind, which makes the search index, is not installed",
        f"install it with `{INSTALL}` (requirements.txt pins it), "
        "or set 'search: false' in site.yml to build without search",
    )


class SearchError(Exception):
    """Pagefind did not make the index; the message says why."""


# ------------------------------------------------------------------------- the search page


def search_page(config: SiteConfig, catalog: Catalog) -> tuple[Page, ...]:
    """The search page, when search is on. It is not for search engines (`noindex`): a page
    of results is no destination. It names the languages of the briefs besides the site's:
    Pagefind keeps an index per language (from each page's `lang`) and searches the one of
    the page it runs on, so the search page merges the others in."""
    if not config.search:
        return ()
    made = []
    # A site of several languages has a search page in each, in its folder, which searches
    # its language first (Pagefind picks the index by the page's `lang`) and merges the rest.
    for lang in config.languages if config.multilingual else (config.language,):
        folder = config.folder_of(lang)
        others = tuple(sorted({b.lang for b in catalog.briefs} - {lang}))
        made.append(
            Page(
                path=urls.in_language(folder, urls.SEARCH),
                template="search.html",
                title=tr(lang, "Search briefs"),
                description=tr(
                    lang,
                    "Search the briefs by word, figure or name, and narrow by topic, year, "
                    "status, issuing body or region.",
                ),
                lang=lang,
                context=MappingProxyType({"languages": others, "total": len(catalog.briefs)}),
                breadcrumbs=crumbs_in(folder, crumbs(lang, HOME_CRUMB)),
                noindex=True,
            )
        )
    return tuple(made)


def static_clashes(paths: Iterable[str]) -> list[Problem]:
    """Static files inside the folder Pagefind writes: the build replaces that folder's
    files whenever the briefs change, so nothing of another origin may live there."""
    return [
        error(
            f"static/{path}",
            0,
            0,
            f"{urls.SEARCH_BUNDLE} holds the search index, which the build makes",
            f"move the file out of static/{urls.SEARCH_BUNDLE}, or set 'search: false' in site.yml",
        )
        for path in sorted(paths)
        if in_bundle(path)
    ]


# ------------------------------------------------------------------------------ the bundle


def bundle_entry() -> str:
    """The cache entry of the last bundle made: its `bundle_key`, and each file's path and
    SHA-256. One entry, replaced by each new bundle, so the cache does not grow with edits."""
    return entry_key("search-bundle")


def bundle_key(engine: Engine, keep_index_url: bool, pages: Sequence[Output]) -> str:
    """The cache key of the bundle made from these pages: their paths and bytes (by hash),
    the binary and how it was asked."""
    rows = hashlib.sha256()
    for path, digest in sorted((o.path, o.digest) for o in pages):
        rows.update(f"{path}\0{digest}\0".encode())
    return entry_key("search-bundle", BUNDLE_FORMAT, engine.identity, keep_index_url, rows.digest())


def make_bundle(
    config: SiteConfig,
    pages: Sequence[Output],
    on_disk: Mapping[str, str],
    cache: Cache | None,
) -> tuple[list[Output], list[Problem]]:
    """The search bundle for the brief pages `pages`, as outputs under `pagefind/`, or the
    problems that stopped it.

    When the cache holds the bundle made from exactly these pages and the output folder
    still holds all its files (`on_disk`), those are given again (as hashes) and Pagefind
    does not run. A page that was not rendered again (`data` None) is read from the output
    folder, where `on_disk` says it is. No pages, no bundle: Pagefind refuses an empty site.
    """
    if not pages:
        return [], []
    engine = find_engine()
    if engine is None:
        return [], [missing_engine()]
    keep_index_url = not config.directory_urls
    key = bundle_key(engine, keep_index_url, pages)
    entry = bundle_entry()
    found = cache.get_many([entry]).get(entry) if cache else None
    if isinstance(found, tuple) and len(found) == 2 and found[0] == key:
        kept: tuple[tuple[str, str], ...] = found[1]
        if kept and all(on_disk.get(path) == digest for path, digest in kept):
            return [Output(path, None, digest) for path, digest in kept], []
    html: dict[str, bytes] = {}
    for page in pages:
        data = page.content()  # in memory, or in the build's spool
        if data is None:
            data = published(config.output, page.path, page.digest)
        if data is None:
            message = "changed in the output folder while the site was being built"
            return [], [error(page.path, 0, 0, message, "build again")]
        html[page.path] = data
    try:
        files = run_pagefind(engine, html, keep_index_url)
    except SearchError as exc:
        return [], [_failed(str(exc))]
    if files is None:  # (only a caller that can stop the run gets None)
        return [], [_failed("stopped")]
    outputs = [Output(path, data) for path, data in sorted(files.items())]
    if cache:
        cache.put_many({entry: (key, tuple((o.path, o.digest) for o in outputs))})
    return outputs, []


def _failed(why: str) -> Problem:
    """A Pagefind run that made no index, as a problem of the bundle's folder."""
    return error(
        urls.SEARCH_BUNDLE,
        0,
        0,
        f"Pagefind could not make the search index: {why}",
        "fix what Pagefind says, reinstall it with "
        f"`{INSTALL}`, or set 'search: false' in site.yml",
    )


def run_pagefind(
    engine: Engine,
    pages: Mapping[str, bytes],
    keep_index_url: bool,
    stop: Callable[[], bool] = lambda: False,
) -> dict[str, bytes] | None:
    """Pagefind's bundle for `pages` (output path -> HTML): each file's path in the site
    (`pagefind/...`) and bytes. None when `stop()` turned true while it ran (it is then
    killed). Raises `SearchError` when Pagefind fails or takes far longer than it should.

    Pagefind runs as a service (`--service`, the protocol its Node and Python APIs speak):
    pages go in and the bundle comes back over its standard streams, so nothing is written
    to disk (the preview keeps everything in memory). It runs in its own package's folder
    without `PAGEFIND_*` variables, so neither a `pagefind.yml` in the repository nor the
    environment can change what it makes. (The package's own Python client is not used: it
    waits a tenth of a second before reading each answer, 1,000 s for 10,000 pages.)
    """
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND")}
    # About 5 ms a page here; a hundredfold margin, and never under two minutes.
    deadline = time.monotonic() + max(120.0, 0.5 * len(pages))
    try:
        process = subprocess.Popen(
            [engine.path, "--service"], cwd=os.path.dirname(engine.path), env=environment,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
    except OSError as exc:
        raise SearchError(f"cannot start {engine.path}: {exc.strerror or exc}") from exc
    service = _Service(process, deadline, stop)
    try:
        made = service.bundle(pages, keep_index_url)
    finally:
        service.close()
    return None if made is None else deterministic(made)


def _message(number: int, kind: str, **fields: object) -> dict[str, object]:
    """A message to Pagefind's service."""
    return {"message_id": number, "payload": {"type": kind, **fields}}


class _Service:
    """A conversation with `pagefind --service`: each message is base64 of JSON, ended by a
    comma, in both directions; answers carry the `message_id` of their question."""

    def __init__(
        self, process: subprocess.Popen[bytes], deadline: float, stop: Callable[[], bool]
    ) -> None:
        self.process, self.deadline, self.stop = process, deadline, stop
        self.received = b""
        self.said = bytearray()  # its standard error, read as it comes (a full pipe blocks it)
        assert process.stderr is not None
        self._errors = threading.Thread(target=self._read_errors, args=(process.stderr,))
        self._errors.start()

    def _read_errors(self, stream: io.BufferedIOBase) -> None:
        for line in stream:
            self.said += line

    def bundle(self, pages: Mapping[str, bytes], keep_index_url: bool) -> dict[str, bytes] | None:
        """Index the pages; their bundle, or None when told to stop."""
        config = {"keep_index_url": keep_index_url}
        self._send([_message(0, "NewIndex", config=config)])
        answer = self._answer()
        if answer is None:
            return None
        index = answer["index_id"]
        messages = [
            _message(number, "AddFile", index_id=index, file_path=path, url=None,
                     file_contents=data.decode("utf-8", "replace"))
            for number, (path, data) in enumerate(sorted(pages.items()), 1)
        ]  # fmt: skip
        # Written by a thread while the answers are read here: either side may fill a pipe.
        writer = threading.Thread(target=self._send, args=(messages,), daemon=True)
        writer.start()
        for _ in messages:
            if self._answer() is None:
                return None
        writer.join()
        self._send(
            [{"message_id": len(messages) + 1, "payload": {"type": "GetFiles", "index_id": index}}]
        )
        answer = self._answer()
        if answer is None:
            return None
        files = {}
        for item in answer["files"]:
            path = urls.SEARCH_BUNDLE + str(item["path"]).lstrip("/")
            if not is_safe_relative(path):
                raise SearchError(f"it made {path}, which is not a plain file of the site")
            files[path] = base64.b64decode(item["content"])
        if not files:
            raise SearchError("it made no files")
        return dict(sorted(files.items()))

    def _send(self, messages: Sequence[Mapping[str, object]]) -> None:
        """Write messages (a stopped service's closed pipe is left to `_answer` to report)."""
        stream = self.process.stdin
        assert stream is not None
        try:
            for message in messages:
                stream.write(base64.b64encode(json.dumps(message).encode()) + b",")
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass

    def _answer(self) -> dict[str, Any] | None:
        """The next answer's payload; None when `stop()` turned true first."""
        stream = self.process.stdout
        assert stream is not None
        while b"," not in self.received:
            if self.stop():
                return None
            if time.monotonic() > self.deadline:
                raise SearchError("it ran far longer than expected and was stopped")
            ready, _, _ = select.select([stream], [], [], 0.05)
            if ready:
                chunk = os.read(stream.fileno(), 1 << 20)
                if not chunk:
                    self.process.wait()
                    self._errors.join(5)
                    said = self.received.decode("utf-8", "replace") + self.said.decode(
                        "utf-8", "replace"
                    )
                    status = self.process.returncode
                    raise SearchError(_summary(said) or f"it stopped with exit status {status}")
                self.received += chunk
        message, _, self.received = self.received.partition(b",")
        try:
            payload = json.loads(base64.b64decode(message, validate=True))["payload"]
        except (ValueError, KeyError, TypeError) as exc:
            said = message.decode("utf-8", "replace")
            raise SearchError(_summary(said) or "it answered what is not its protocol") from exc
        if payload.get("type") == "Error":
            raise SearchError(str(payload.get("message") or "it reported an error"))
        return dict(payload)

    def close(self) -> None:
        """End the service (killed if it is still running) and its reader."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._errors.join(5)


def _summary(said: str) -> str:
    """Pagefind's own words about what went wrong, on one line, without its colours."""
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", said)
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    return " ".join(lines[-3:])[:500]


# ----------------------------------------------------------------- a deterministic bundle
#
# Pagefind 1.5 writes the values of each filter, and the filters in its metadata file, in the
# order of a Rust HashMap, which is seeded at random in every run: two runs over the same
# pages give different bytes, and so different file names (each is a hash of its content),
# for `filter/*.pf_filter`, `pagefind.*.pf_meta` and `pagefind-entry.json`. Everything else
# it writes was the same byte for byte. So those files are put in a fixed order here
# (values and filters by name), named again as Pagefind names files (the first characters of
# the SHA-1 of the content after its signature, each byte in hex without leading zeros), and
# written without gzip: Pagefind's script reads a file that starts with its signature as it
# is (it does so for hosts that decompress), and zlib's output may differ between machines.
# A file of another shape than expected (another Pagefind release) is left as it was.

_SIGNATURE = b"pagefind_dcd"


def _pagefind_hash(body: bytes, length: int) -> str:
    """The hash Pagefind names a file by, from its content after the signature."""
    return "".join(f"{byte:x}" for byte in hashlib.sha1(body).digest())[:length]


def _cbor_item(data: bytes, at: int) -> tuple[int, int, int]:
    """The CBOR item at `at`: its major type, its argument (length or value) and where its
    head ends. Only what Pagefind's files hold: integers, strings, arrays."""
    first = data[at]
    major, info = first >> 5, first & 31
    if info < 24:
        return major, info, at + 1
    if info > 27:
        raise ValueError("indefinite lengths are not expected")
    size = 1 << (info - 24)
    return major, int.from_bytes(data[at + 1 : at + 1 + size], "big"), at + 1 + size


def _cbor_end(data: bytes, at: int) -> int:
    """Where the CBOR item at `at` ends."""
    major, argument, at = _cbor_item(data, at)
    if major in (0, 1, 7):
        return at
    if major in (2, 3):
        return at + argument
    if major == 4:
        for _ in range(argument):
            at = _cbor_end(data, at)
        return at
    if major == 5:
        for _ in range(2 * argument):
            at = _cbor_end(data, at)
        return at
    raise ValueError("unexpected CBOR item")


def _cbor_array(data: bytes, at: int) -> tuple[bytes, list[bytes]]:
    """The array at `at`: its head and each of its items' bytes."""
    major, count, start = _cbor_item(data, at)
    if major != 4:
        raise ValueError("an array was expected")
    items = []
    for _ in range(count):
        end = _cbor_end(data, start)
        items.append(data[start:end])
        start = end
    return data[at : _cbor_item(data, at)[2]], items


def _cbor_text(item: bytes) -> bytes:
    """A text item's UTF-8 bytes."""
    major, length, start = _cbor_item(item, 0)
    if major != 3 or start + length != len(item):
        raise ValueError("a text was expected")
    return item[start:]


def _body(data: bytes) -> bytes:
    """A bundle file's content after its signature, gzipped or not."""
    if not data.startswith(_SIGNATURE):
        data = gzip.decompress(data)
    if not data.startswith(_SIGNATURE):
        raise ValueError("no Pagefind signature")
    return data[len(_SIGNATURE) :]


def _sorted_filter(body: bytes) -> bytes:
    """A filter file's content with its values in the order of their names."""
    head, (name, values) = _cbor_array(body, 0)
    if head != b"\x82":
        raise ValueError("a filter is [name, values]")
    values_head, entries = _cbor_array(values, 0)
    keyed = sorted(entries, key=lambda entry: _cbor_text(_cbor_array(entry, 0)[1][0]))
    return head + name + values_head + b"".join(keyed)


def _sorted_meta(body: bytes, renamed: Mapping[str, str]) -> bytes:
    """A metadata file's content with its filters (each under its file's new name) and its
    sorts in the order of their names, and its list of metadata fields sorted."""
    head, parts = _cbor_array(body, 0)
    if len(parts) != 6:
        raise ValueError("Pagefind's metadata has six parts")
    for place in (3, 4):  # filters and sorts: [name, file hash] each
        part_head, entries = _cbor_array(parts[place], 0)
        pairs = []
        for entry in entries:
            pair_head, (name, file_hash) = _cbor_array(entry, 0)
            hashed = _cbor_text(file_hash).decode()
            if hashed in renamed:
                file_hash = _cbor_head(3, len(renamed[hashed])) + renamed[hashed].encode()
            pairs.append((_cbor_text(name), pair_head + name + file_hash))
        parts[place] = part_head + b"".join(item for _, item in sorted(pairs))
    fields_head, fields = _cbor_array(parts[5], 0)
    ordered: list[bytes] = sorted(fields, key=_cbor_text)
    parts[5] = fields_head + b"".join(ordered)
    return head + b"".join(parts)


def _cbor_head(major: int, argument: int) -> bytes:
    """The head of a CBOR item of this major type and argument."""
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("too large")


def deterministic(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle (site path -> bytes) with the files it writes in a random order
    put in a fixed one and named again (see above); unchanged if any is not as expected."""
    try:
        return _deterministic(files)
    except (ValueError, IndexError, KeyError, OSError, EOFError, zlib_error):
        return dict(files)


def _deterministic(files: Mapping[str, bytes]) -> dict[str, bytes]:
    made = {p: d for p, d in files.items() if not p.endswith((".pf_filter", ".pf_meta"))}
    renamed: dict[str, str] = {}  # old hash -> new, for filters and metadata files
    for path, data in files.items():
        if path.endswith(".pf_filter"):
            folder, _, name = path.rpartition("/")
            language, _, old = name.removesuffix(".pf_filter").rpartition("_")
            body = _sorted_filter(_body(data))
            new = f"{language}_{_pagefind_hash(body, 7)}"
            renamed[f"{language}_{old}"] = new
            made[f"{folder}/{new}.pf_filter"] = _SIGNATURE + body
    for path, data in files.items():
        if path.endswith(".pf_meta"):
            folder, _, name = path.rpartition("/")
            old = name.removeprefix("pagefind.").removesuffix(".pf_meta")
            language = old.rpartition("_")[0]
            body = _sorted_meta(_body(data), renamed)
            new = f"{language}_{_pagefind_hash(body, 10)}"
            renamed[old] = new
            made[f"{folder}/pagefind.{new}.pf_meta"] = _SIGNATURE + body
    entry_path = urls.SEARCH_BUNDLE + "pagefind-entry.json"
    entry = json.loads(files[entry_path])
    languages = entry["languages"]
    for about in languages.values():
        about["hash"] = renamed[about["hash"]]
    entry["languages"] = dict(sorted(languages.items()))
    made[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return dict(sorted(made.items()))


# --------------------------------------------------------------------- the preview's index

Deliver = Callable[[int, Mapping[str, bytes] | None, str], None]


class BackgroundIndex:
    """The preview's search index, made in a thread of its own so no reload waits for it.

    Each good build hands over its brief pages (`submit`); the thread indexes the newest,
    stopping a run that a newer build made stale, and hands the bundle (or a message saying
    why there is none) to `deliver` with the number of the build it was made from. Pages
    equal to those of the last bundle get that bundle again at once.
    """

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._changed = threading.Condition()
        self._wanted: tuple[int, Mapping[str, bytes], bool] | None = None
        self._closed = False
        self._last: tuple[str, dict[str, bytes]] | None = None  # pages' digest, bundle
        self._thread = threading.Thread(target=self._run, name="search-index", daemon=True)
        self._thread.start()

    def submit(self, version: int, pages: Mapping[str, bytes], keep_index_url: bool) -> None:
        """Index these pages (output path -> HTML) of build `version`, replacing any wish
        not yet done."""
        with self._changed:
            self._wanted = (version, pages, keep_index_url)
            self._changed.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Stop: a run under way is killed."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._thread.join(timeout)

    def _stale(self) -> bool:
        """Whether the run under way should stop: closing, or a newer build is waiting."""
        return self._closed or self._wanted is not None

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._wanted is None and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                assert self._wanted is not None
                version, pages, keep_index_url = self._wanted
                self._wanted = None
            self._index(version, pages, keep_index_url)

    def _index(self, version: int, pages: Mapping[str, bytes], keep_index_url: bool) -> None:
        """One build's bundle, handed to `deliver`; an error is handed over, never raised."""
        digest = hashlib.sha256(repr(keep_index_url).encode())
        for path in sorted(pages):
            digest.update(f"{path}\0".encode() + hashlib.sha256(pages[path]).digest())
        key = digest.hexdigest()
        if self._last is not None and self._last[0] == key:
            self._deliver(version, self._last[1], "")
            return
        if not pages:
            self._deliver(version, {}, "")
            return
        engine = find_engine()
        if engine is None:
            self._deliver(version, None, missing_engine().message)
            return
        try:
            files = run_pagefind(engine, pages, keep_index_url, self._stale)
        except Exception as exc:  # the preview goes on; the next build tries again
            self._deliver(version, None, f"Pagefind could not make the search index: {exc}")
            return
        if files is not None:
            self._last = (key, files)
            self._deliver(version, files, "")
