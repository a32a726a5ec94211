"""`static/`: files copied byte for byte into the site (a CNAME, a favicon, a logo, downloads).

Editors cannot put files into `site/` themselves: a build removes nothing it did not write, but
it also writes nothing but what it made, so a file placed there by hand is never part of the
published record and clashes with the next page that needs its place. `static/`, beside
`briefs/`, is how such files reach the site: `static/CNAME` becomes `site/CNAME`,
`static/img/logo.png` becomes `site/img/logo.png`. They are ordinary `Output`s from here on,
so publishing treats them exactly as pages: listed in the manifest, swapped in atomically,
removed from the site when removed from `static/`, and never over a file briefsite did not
write.

The folder is walked by `source.walk_files`, the walk that finds briefs: links may not lead out
of it, loops are reported, names must be printable UTF-8. Static files also become file names
on whatever host serves the site, so names that some host cannot store, or that an address
cannot reach, are refused too. A static file may not take the place of a generated one (the
home page, the stylesheet, a brief's page): the generated file is what the site's links and
checks promise, so such a clash is an error naming the static file, never a silent override.

Reading is what costs: a site's downloads can be hundreds of megabytes. Each file's stamp is
kept with the SHA-256 of its bytes in a `FileIndex` (the racy rule of briefs included), so a
build reads only files whose stamp moved, or that the output folder no longer holds.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .cache import Cache, entry_key
from .config import SiteConfig
from .output import Output, is_safe_relative
from .problems import Problem, error
from .source import FileIndex, Stamp, Walk, display_path, file_stamp, read_limited, walk_files

STATIC_DIR = "static"
STATIC_INDEX = "static-index"  # the cache entry of static files' `FileIndex` (one per site)
TOO_LARGE = (
    "host large downloads elsewhere and link to them, or raise 'max_static_bytes' in site.yml"
)

# Characters Windows (and so a checkout or a copy of the site there) cannot store in a name;
# a backslash is also a separator there, and `is_safe_relative` refuses it in every output.
_WINDOWS_CHARACTERS = '\\:*?"<>|'
# Names Windows keeps for devices, with any extension ("con.txt" too).
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{kind}{n}" for kind in ("COM", "LPT") for n in "123456789"]
)
# Hidden names operating systems, editors and git leave in any folder: never published, and
# not worth a warning in every build.
_HIDDEN_LITTER = frozenset([".DS_Store", ".gitkeep", ".gitignore", ".gitattributes", ".git"])


def unpublishable_name(name: str) -> tuple[str, str] | None:
    """(message, hint) for a name that is safe to read but not to publish on every host (a
    static file's, and an annex's, `annexes`)."""
    for character in name:
        if character in _WINDOWS_CHARACTERS:
            return (
                f"file name holds '{character}', which Windows and some hosts cannot store",
                'rename it without any of \\ : * ? " < > |',
            )
    if "#" in name:
        return (
            "file name holds '#', which an address reads as the start of an anchor, so no "
            "link reaches the file",
            "rename it without '#'",
        )
    if name.endswith((".", " ")):
        return (
            "file name ends with a dot or a space, which Windows drops",
            "rename it so that it ends with a letter or digit",
        )
    if name.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        return (
            f"file name '{name}' is reserved for a device on Windows",
            "rename it, e.g. with a word before or after it",
        )
    return None


def _hidden_note(name: str) -> tuple[str, str] | None:
    """The warning for a hidden name in `static/`, which is never published: briefsite keeps
    hidden names in the output folder for itself (its manifest is `.briefsite`)."""
    if name in _HIDDEN_LITTER or name.startswith("._") or name.endswith((".swp", ".swo", "~")):
        return None
    return (
        "not published: names starting with '.' are never written to the site",
        "rename it without the leading dot, or add it to the site where it is deployed",
    )


STATIC = Walk(
    "static folder", suffix="", refuse=unpublishable_name, hidden=_hidden_note, special=True
)


@dataclass(frozen=True)
class StaticFiles:
    """The files of `static/` a build found, before any is read."""

    paths: tuple[str, ...] = ()  # where each lies (the site folder joined with its place)
    names: tuple[str, ...] = ()  # where each goes in the site: "img/logo.png"
    stamps: tuple[Stamp | None, ...] = ()  # of each path (None: it could not be looked at)


def find(config: SiteConfig) -> tuple[list[str], list[Problem]]:
    """The files below `static/` (none when it does not exist), refusing what `STATIC` does."""
    root = config.root / STATIC_DIR
    shown = display_path(config.root, root)
    if root.is_symlink():
        # As for briefs/: links inside are checked against the folder's real place, which a
        # linked folder would make anywhere on the disk.
        return [], [
            error(
                shown,
                0,
                0,
                "the static folder is a symbolic link",
                f"make '{STATIC_DIR}' a real folder holding the files to publish",
            )
        ]
    if not os.path.lexists(root):
        return [], []  # a site without static files
    if not root.is_dir():
        return [], [
            error(
                shown,
                0,
                0,
                "'static' is a file, not a folder",
                f"make '{STATIC_DIR}' a folder holding the files to publish as they are",
            )
        ]
    problems: list[Problem] = []
    return walk_files(config.root, root, STATIC, problems), problems


def stamped(config: SiteConfig, paths: Sequence[str]) -> tuple[StaticFiles, list[Problem]]:
    """The files found with their stamps and their places in the site; a file already over
    `max_static_bytes` by its stamp is reported here, in every build, and left out."""
    root = os.fspath(config.root / STATIC_DIR) + os.sep
    kept: list[tuple[str, str, Stamp | None]] = []
    problems: list[Problem] = []
    for path in paths:
        stamp = file_stamp(path)
        name = path[len(root) :].replace(os.sep, "/")
        shown = display_path(config.root, path)
        if not path.startswith(root) or not is_safe_relative(name):
            problems.append(  # not reached by names the walk lets through; kept as a guard
                error(shown, 0, 0, "cannot be published under this name", "rename it")
            )
        elif stamp is not None and stamp[0] > config.max_static_bytes:
            problems.append(
                error(
                    shown,
                    0,
                    0,
                    f"file is larger than the limit of {config.max_static_bytes:,} bytes",
                    TOO_LARGE,
                )
            )
        else:
            kept.append((path, name, stamp))
    found = StaticFiles(
        tuple(p for p, _, _ in kept), tuple(n for _, n, _ in kept), tuple(s for _, _, s in kept)
    )
    return found, problems


@dataclass
class Collected:
    """The static files as outputs, and what went wrong reading them."""

    outputs: list[Output] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)  # output path -> file, for messages
    problems: list[Problem] = field(default_factory=list)


def collect(
    config: SiteConfig,
    files: StaticFiles,
    taken_ns: int,
    on_disk: Mapping[str, str],
    cache: Cache | None,
    need_bytes: bool = True,
) -> Collected:
    """Each static file as an `Output`. A file whose stamp the cache's index vouches for, and
    whose bytes the output folder holds already (`on_disk`), is not read: its output carries
    only the hash, and publishing keeps the published file. `need_bytes` False (`check`,
    which publishes nothing): vouched-for files are never read. `taken_ns`: the clock just
    before the stamps were taken."""
    key = entry_key(STATIC_INDEX)
    index = cache.get_many([key]).get(key) if cache else None
    if not isinstance(index, FileIndex):
        index = None
    found = Collected()
    recorded: dict[str, tuple[Stamp, bytes, str]] = {}
    for path, name, stamp in zip(files.paths, files.names, files.stamps, strict=True):
        shown = display_path(config.root, path)
        found.shown[name] = shown
        known = index.known(shown, stamp) if index is not None else None
        if known is not None and (not need_bytes or on_disk.get(name) == known[0].hex()):
            digest = known[0]
            found.outputs.append(Output(name, None, digest.hex()))
        else:
            data = read_limited(config.root, path, config.max_static_bytes, TOO_LARGE)
            if isinstance(data, Problem):
                found.problems.append(data)
                continue
            digest = hashlib.sha256(data).digest()
            found.outputs.append(Output(name, data, digest.hex()))
        if stamp is not None:
            recorded[shown] = (stamp, digest, "")
    if cache is not None and (recorded or index is not None):
        cache.put_many({key: FileIndex(taken_ns, recorded)})
    return found


def clashes(
    static: Mapping[str, str], generated: Iterable[str], languages: Sequence[str] = ()
) -> list[Problem]:
    """An error for each static file that would take the place of a generated file or folder,
    or lie in a folder where the generated site has a file; names that differ only in letter
    case count as the same (a host that ignores case, as macOS and Windows do, holds one of
    them), between static files too. `static`: output path -> the file, as editors see it.
    `languages`: the folders of the site's languages besides the default (`zh`): the site
    makes every address in them, so no static file may lie there.

    Case is folded with `str.lower`, as those file systems fold it closely enough (`casefold`
    would also call "Straße" and "Strasse" one name, which none of them does)."""
    if not static:
        return []  # (ten thousand pages' folders are not worth listing for nothing)
    files = {path.lower(): path for path in generated}
    folders = {f.lower(): f for path in files.values() for f in _folders(path)}
    static_folders = {f.lower(): f for path in static for f in _folders(path)}
    problems = []
    seen: dict[str, str] = {}  # a static file's place, case folded -> the file
    for path, shown in sorted(static.items()):
        place = path.lower()
        found = _clash(path, files, folders)
        if found is None and place.split("/", 1)[0] in languages:
            found = f"lies in /{place.split('/', 1)[0]}/, the folder of a language of this site"
        if found is not None:
            problems.append(error(shown, 0, 0, f"static file {found}", _HINT))
        elif place in seen or place in static_folders:
            other = seen.get(place) or f"{STATIC_DIR}/{static_folders[place]}/"
            problems.append(
                error(
                    shown,
                    0,
                    0,
                    f"static file's name differs only in letter case from {other}",
                    "rename one of them: hosts that ignore letter case (macOS, Windows) can "
                    "hold only one",
                )
            )
        seen.setdefault(place, shown)
    return problems


_HINT = (
    "rename or move it: briefsite writes that place itself, and a static file never replaces "
    "a generated one"
)


def _clash(path: str, files: Mapping[str, str], folders: Mapping[str, str]) -> str | None:
    """How a static file's path clashes with the generated files (by names in lower case), or
    None."""
    place = path.lower()
    if place in files:
        return _said("would replace the generated file", path, files[place])
    if place in folders:
        what = "is a file where the generated site has the folder"
        return _said(what, path, folders[place] + "/")
    for folder in _folders(path):
        generated = files.get(folder.lower())
        if generated is not None:
            what = f"lies in a folder '{folder}/' where the generated site has the file"
            return _said(what, folder, generated)
    return None


def _said(what: str, ours: str, theirs: str) -> str:
    """`what` and the generated path, noting when the two names differ only in case."""
    if ours.rstrip("/") == theirs.rstrip("/"):
        return f"{what} {theirs}"
    return f"{what} {theirs} (the names differ only in letter case, which some hosts ignore)"


def _folders(path: str) -> list[str]:
    """'a/b/c' -> ['a', 'a/b']."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]
