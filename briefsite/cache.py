"""The build cache: results of per-brief work, kept by content between builds.

It lives in `.briefsite-cache/` beside the briefs (git-ignored, and ignored by its own
`.gitignore`), in one SQLite file: many small entries read fast, and SQLite's locking lets two
builds share it without corrupting it. Keys are hashes of everything a result depends on: the
file's bytes and name, the `BriefSettings`, and the versions of briefsite's own code and of
the libraries that shape the HTML. A changed input is a new key, so an entry is never stale,
only unused; unused entries are pruned after a build that succeeds.

The cache folder sits in the repository, where a pull request could plant a crafted one. So
every entry carries an HMAC made with a key kept outside the repository (in the user's cache
folder, `~/.cache/briefsite/`); an entry that does not verify, or does not load, counts as
missing, is reported once as a warning, and is computed again. Only entries this machine
wrote are ever unpickled. Deleting the folder is always safe: the next build is a cold one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

CACHE_DIR = ".briefsite-cache"
PENDING_BYTES = 4 * 1024 * 1024  # values held for one write at most: a cold build stores 90 MB
DATABASE = "cache.sqlite"
KEY_FILE = "cache-key"
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, mac BLOB, value BLOB)"
_META = "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)"
# The libraries that shape the HTML: (distribution name, name it is imported by).
_LIBRARIES = (
    ("Markdown", "markdown"),
    ("nh3", "nh3"),
    ("Pygments", "pygments"),
    ("PyYAML", "yaml"),
    ("Jinja2", "jinja2"),
    ("imagesize", "imagesize"),  # an image's width and height in the page
    ("pypinyin", "pypinyin"),  # Chinese names' addresses and headings' ids
    ("Babel", "babel"),  # dates, numbers and unit names (CLDR data), translations read
)


@cache
def code_version() -> str:
    """A hash of briefsite's own source and of the libraries that shape its output.

    Any change to the code (a new release, or an edit in a checkout) gives new keys, so a
    cached result always comes from the code that is running.
    """
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    # The interface catalogues are code too: a footnote's back-link and every page's words.
    for path in sorted(package.glob("locales/*/LC_MESSAGES/*.po")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    listings: dict[str, list[str]] = {}
    for distribution, module in _LIBRARIES:
        digest.update(f"{distribution}={library_release(distribution, module, listings)}".encode())
    return digest.hexdigest()


def library_release(distribution: str, module: str, listings: dict[str, list[str]]) -> str:
    """Which release of a library `import module` would load, found without importing it.

    An installer records each release in a folder beside the library's own, named after it
    ("markdown-3.5.2.dist-info"): the names of those folders are the answer, read with one
    listing of that folder (kept in `listings` for the next library). `importlib.metadata`
    gives the same version by reading every folder on `sys.path`, and importing it costs more
    start-up than all the rest of a build with nothing to do; it is asked only when no such
    folder is there (an editable install, a copy inside another project). "" when the library
    is not installed.
    """
    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return ""
    if spec.origin and spec.has_location:
        origin = Path(spec.origin)
        # A package's origin is its __init__.py; a single-file module sits in the folder.
        folder = str(origin.parent.parent if spec.submodule_search_locations else origin.parent)
        if folder not in listings:
            try:
                listings[folder] = sorted(os.listdir(folder))
            except OSError:
                listings[folder] = []
        wanted = _normalized(distribution)
        found = [
            name
            for name in listings[folder]
            if name.endswith((".dist-info", ".egg-info"))
            and _normalized(name.partition("-")[0]) == wanted
        ]
        if found:
            return ",".join(found)
    from importlib import metadata  # slow to import: only for unusual installs

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _normalized(name: str) -> str:
    """A distribution's name as installers spell it in folder names: 'PyYAML' is 'pyyaml',
    'zope.interface' is 'zope_interface' (PEP 503 and the wheel format's escaping)."""
    return "_".join(filter(None, name.replace("-", "_").replace(".", "_").lower().split("_")))


def entry_key(kind: str, *parts: object) -> str:
    """The key of a cache entry: the code's version, a kind, and what the result depends on."""
    digest = hashlib.sha256(f"{code_version()}\0{kind}".encode())
    for part in parts:
        digest.update(b"\0" + (part if isinstance(part, bytes) else repr(part).encode()))
    return digest.hexdigest()


def _user_cache_folder() -> Path:
    """Where the signing key lives: $XDG_CACHE_HOME/briefsite or ~/.cache/briefsite."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "briefsite"


def signing_key() -> bytes:
    """This machine's secret for signing entries, made on first use (readable by its owner).

    Without a writable home folder, a key for this run only: the cache then helps within one
    process (the preview) but not across builds.
    """
    folder = _user_cache_folder()
    path = folder / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_bytes(32)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    except FileExistsError:
        pass  # another build made it first: use theirs
    except OSError:
        return secrets.token_bytes(32)
    try:
        return _read_key(path)
    except OSError:
        return secrets.token_bytes(32)


def _read_key(path: Path) -> bytes:
    """A key file's 32 bytes; anything else is not a key."""
    data = path.read_bytes()
    if len(data) != 32:
        raise OSError(f"{path} is not a briefsite cache key")
    return data


# The values the last build in this process read or wrote: a preview (`serve`) builds again
# on every save, and taking its thousand briefs from here rather than unpickling them from
# the database is most of what makes a save show quickly. Keys stand for content, so a value
# here is never stale; still, they are used only with the same database (its generation, a
# random token made with it: a deleted cache is a cold cache) and signing key. Only one
# build's worth is kept.
_RECENT: dict[str, Any] = {}
_RECENT_SCOPE: list[object] = [None]  # (folder, signing key, generation) of _RECENT


def forget_recent() -> None:
    """Drop what this process remembers of the last build (as a new process starts)."""
    _RECENT.clear()
    _RECENT_SCOPE[0] = None


@dataclass
class Cache:
    """A connection to the cache of one site folder, for one build."""

    folder: Path
    key: bytes = field(default_factory=lambda: signing_key())  # looked up when opened
    notes: list[str] = field(default_factory=list)  # what went wrong with the cache as a whole
    unverified: int = 0  # entries not signed with this machine's key
    unloadable: int = 0  # entries signed but damaged
    _db: sqlite3.Connection | None = None
    _used: set[str] = field(default_factory=set)
    _scope: object = None  # what `_RECENT` must belong to for this cache to use it
    _retain: bool = False  # keep all of `_RECENT` at `close` (see `retain_recent`)
    _pending: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # key -> (mac, data)
    _pending_bytes: int = 0

    @classmethod
    def open(cls, root: Path) -> Cache:
        """The cache of the site folder `root`; a cache that cannot be opened is empty."""
        cache = cls(root / CACHE_DIR)
        try:
            cache._connect()
        except (OSError, sqlite3.Error) as exc:
            cache.notes.append(f"the cache could not be opened ({exc}); building without it")
            cache._db = None
        return cache

    def _connect(self) -> None:
        if self.folder.is_symlink():
            raise OSError(f"{self.folder} is a symbolic link")
        self.folder.mkdir(exist_ok=True)
        # SQLite follows links when it opens its files (the database, "-wal", "-shm"): a link
        # planted in the folder by a pull request would aim its writes at another file.
        for entry in os.scandir(self.folder):
            if entry.is_symlink():
                raise OSError(f"{entry.path} is a symbolic link")
        try:
            fd = os.open(
                self.folder / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            )
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write("# Made by briefsite: build results, safe to delete.\n*\n")
        path = self.folder / DATABASE
        try:
            self._db = self._open_database(path)
        except sqlite3.DatabaseError as exc:
            # Not a database (damaged, or planted): set it aside and start afresh.
            os.replace(path, path.with_name(DATABASE + ".damaged"))
            self.notes.append(f"the cache file was damaged ({exc}); it was set aside")
            self._db = self._open_database(path)

    def _open_database(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writing build
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(_SCHEMA)
        db.execute(_META)
        db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', ?)", (secrets.token_hex(16),))
        (generation,) = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        self._scope = (str(self.folder), self.key, generation)
        if _RECENT_SCOPE[0] != self._scope:
            _RECENT.clear()
            _RECENT_SCOPE[0] = self._scope
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The values stored under these keys; missing and unverifiable ones are left out."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        if self._db is None or not wanted:
            return found
        recent = _RECENT if _RECENT_SCOPE[0] == self._scope else {}
        for key in wanted:
            value = recent.get(key, _MISSING)
            if value is not _MISSING:
                found[key] = value
        wanted = [key for key in wanted if key not in found]
        try:
            for chunk in _chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, mac, value FROM entries WHERE key IN ({marks})", chunk
                )
                for key, mac, value in rows:
                    loaded = self._verify(key, mac, value)
                    if loaded is not _MISSING:
                        found[key] = loaded
        except sqlite3.Error as exc:
            self.notes.append(f"the cache could not be read ({exc}); building without it")
            self._db = None
            return {}
        self._used.update(found)
        self._remember(found)
        return found

    def _verify(self, key: str, mac: bytes, value: bytes) -> Any:
        """The unpickled value, only if this machine's key signed it."""
        expected = hmac.new(self.key, key.encode() + b"\0" + value, hashlib.sha256).digest()
        if not isinstance(mac, bytes) or not hmac.compare_digest(mac, expected):
            self.unverified += 1
            return _MISSING
        try:
            return pickle.loads(value)
        except Exception as exc:  # a damaged entry is only a rebuild of that entry
            self.unloadable += 1
            self.notes.append(f"a cache entry could not be loaded ({type(exc).__name__})")
            return _MISSING

    def put_many(self, items: Mapping[str, Any]) -> None:
        """Store values. They are written with the next ones, in one transaction, when
        `flush` is called (at `close` at the latest, or once they add up to PENDING_BYTES):
        each transaction costs a write to the disk, and a build stores a few small entries
        at several stages."""
        if self._db is None or not items:
            return
        for key, value in items.items():
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            mac = hmac.new(self.key, key.encode() + b"\0" + data, hashlib.sha256).digest()
            self._pending[key] = (mac, data)
            self._pending_bytes += len(data)
            if self._pending_bytes > PENDING_BYTES:  # a cold build's briefs: 90 MB pickled
                self.flush()
        self._used.update(items)
        self._remember(items)

    def flush(self) -> None:
        """Write the values stored since the last flush, in one transaction."""
        rows = [(key, mac, data) for key, (mac, data) in self._pending.items()]
        self._pending.clear()
        self._pending_bytes = 0
        if self._db is None or not rows:
            return
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", rows)
        except sqlite3.Error as exc:
            self.notes.append(f"the cache could not be written ({exc})")

    def prune(self) -> None:
        """Drop every entry this build neither read nor wrote: results for files as they
        were before, which no build asks for again."""
        if self._db is None:
            return
        self.flush()
        try:
            stale = [(key,) for key in self.stored_keys() if key not in self._used]
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("DELETE FROM entries WHERE key = ?", stale)
        except sqlite3.Error:
            pass  # pruning is housekeeping; the next build tries again

    def discard(self, keys: Iterable[str]) -> None:
        """Drop entries that no build will ask for again.

        Housekeeping for a build that touched a few entries and so cannot `prune`: a
        failure here costs nothing but space, and the next full build prunes all the same.
        """
        stale = [(key,) for key in dict.fromkeys(keys)]
        for (key,) in stale:
            _RECENT.pop(key, None)
            if key in self._pending:
                self._pending_bytes -= len(self._pending.pop(key)[1])
        if self._db is None or not stale:
            return
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("DELETE FROM entries WHERE key = ?", stale)
        except sqlite3.Error:
            pass

    def retain_recent(self) -> None:
        """Keep every value this process remembers (`_RECENT`) past `close`, not only those
        this build used: a build that read a few entries leaves the rest for the next one."""
        self._retain = True

    def stored_keys(self) -> list[str]:
        """Every key stored."""
        self.flush()
        if self._db is None:
            return []
        try:
            return [row[0] for row in self._db.execute("SELECT key FROM entries")]
        except sqlite3.Error:
            return []

    def warnings(self) -> list[str]:
        """What a build should tell the editor about the cache, each thing once (after
        writing what is pending, which may go wrong too)."""
        self.flush()
        found = list(dict.fromkeys(self.notes))
        if self.unverified:
            found.append(
                f"{self.unverified} cache entries were not signed on this machine (copied from "
                "elsewhere, or tampered with) and were computed again"
            )
        return found

    def close(self) -> None:
        """Finish with the database, remembering what this build used (see `_RECENT`)."""
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None
            if _RECENT_SCOPE[0] == self._scope and not self._retain:
                for key in [key for key in _RECENT if key not in self._used]:
                    del _RECENT[key]

    def _remember(self, values: Mapping[str, Any]) -> None:
        """Keep values for the next build in this process (see `_RECENT`)."""
        if _RECENT_SCOPE[0] != self._scope:
            _RECENT.clear()
            _RECENT_SCOPE[0] = self._scope
        _RECENT.update(values)


_MISSING = object()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
