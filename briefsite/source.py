"""Finding brief files and reading them safely.

This is one of the two places that touch the disk (the other is `output`). Everything it hands on
is plain text with Unix line endings and no BOM, plus a way to turn an offset into line:column,
so later stages never think about encodings or platforms.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem, error, warning

BRIEF_SUFFIX = ".md"
# Other names editors give Markdown files. They are not read (one spelling keeps links and
# addresses predictable) but are named, so a brief is never left out without a word.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: never part of a real name
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn")


@dataclass(frozen=True)
class SourceFile:
    """A brief as read from disk: its display path, normalised text and line start offsets."""

    path: str  # relative to the site folder, with forward slashes, e.g. "briefs/land-offer.md"
    text: str
    line_starts: tuple[int, ...] = field(repr=False)

    @property
    def stem(self) -> str:
        """The file name without `.md`, NFC-normalised (macOS file systems hand out NFD)."""
        name = self.path.rsplit("/", 1)[-1]
        return unicodedata.normalize("NFC", name[: -len(BRIEF_SUFFIX)])

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset in `text`."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1


def make_source(path: str, text: str) -> SourceFile:
    """Build a `SourceFile` from decoded text: drop a BOM and turn CRLF and CR into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Each line's start, found by `str.find` (in C), not by looking at each character.
    starts = [0]
    end = text.find("\n")
    while end != -1:
        starts.append(end + 1)
        end = text.find("\n", end + 1)
    return SourceFile(path=path, text=text, line_starts=tuple(starts))


def decode(path: str, data: bytes) -> SourceFile | Problem:
    """Decode UTF-8 bytes, or explain exactly where the first invalid byte is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Count lines and columns in characters, as editors show them, over the valid part.
        before = make_source(path, data[: exc.start].decode("utf-8", "replace"))
        line, col = before.position(len(before.text))
        return error(
            path,
            line,
            col,
            f"file is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            "save the file with UTF-8 encoding (most editors offer it under 'Save with encoding')",
        )
    return make_source(path, text)


# Characters that HTML forbids in text (a parse error in browsers' parsers and validators)
# and that editors never mean: C0 controls other than tab and line feed, DEL, C1 controls and
# Unicode's noncharacters. They come with text pasted out of PDFs and word processors and show
# as nothing or as a box; \x02 and \x03 are also Python-Markdown's own placeholder marks.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
    )
    + "]"
)
# The same, for text without characters beyond the Basic Multilingual Plane: a class of
# characters below U+10000 is matched by table lookup, while the noncharacters of the other
# planes made the whole class a list of ranges to try (a tenth of a millisecond per thousand
# characters, in every brief). Text with astral characters gets the whole class.
_INVISIBLE_BMP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_MOST_INVISIBLE = 20  # per file: past that, one more problem says how many were left out


def invisible_offsets(text: str, start: int = 0) -> list[int]:
    """Where the characters `_INVISIBLE` names are in `text`, from `start` on."""
    pattern = _INVISIBLE if _ASTRAL.search(text, start) else _INVISIBLE_BMP
    return [match.start() for match in pattern.finditer(text, start)]


def invisible_characters(source: SourceFile, from_line: int) -> list[Problem]:
    """An error at each control character or noncharacter in the text from `from_line` on
    (the body: in the front matter the YAML parser refuses them itself)."""
    starts = source.line_starts
    start = starts[from_line - 1] if from_line - 1 < len(starts) else len(source.text)
    found = invisible_offsets(source.text, start)
    problems = [
        error(
            source.path,
            *source.position(offset),
            f"invisible character U+{ord(source.text[offset]):04X} in the text",
            "delete it (it often comes with text pasted from a PDF or a word processor): "
            "browsers show it as nothing or as a box",
        )
        for offset in found[:_MOST_INVISIBLE]
    ]
    if len(found) > _MOST_INVISIBLE:
        problems.append(
            error(
                source.path,
                *source.position(found[_MOST_INVISIBLE]),
                f"{len(found) - _MOST_INVISIBLE} more invisible characters after this",
                "search the file for them, or retype the paragraphs pasted from elsewhere",
            )
        )
    return problems


def find_briefs(site_root: Path, briefs_dir: str) -> tuple[list[Path], list[Problem]]:
    """List every brief file under `briefs_dir`, sorted, refusing links that leave the folder.

    Symbolic links are followed only while they stay inside the briefs folder; links that point
    outside it, dangling links and link loops are reported, never read.
    """
    files, problems = brief_files(site_root, briefs_dir)
    return [Path(name) for name in files], problems


def brief_files(site_root: Path, briefs_dir: str) -> tuple[list[str], list[Problem]]:
    """`find_briefs`, naming the files by plain strings: a build of ten thousand briefs lists
    them in every build, and a `Path` each costs more than the listing."""
    briefs, _, problems = source_files(site_root, briefs_dir)
    return briefs, problems


def source_files(site_root: Path, briefs_dir: str) -> tuple[list[str], list[str], list[Problem]]:
    """The brief files under `briefs_dir` and every other file there (the images and documents
    briefs may refer to, `annexes`), from one walk under the same rules, sorted alike."""
    root = site_root / briefs_dir
    problems: list[Problem] = []
    if root.is_symlink():
        # Links inside the folder are checked against the folder's real place; a linked folder
        # would make that place anywhere on the disk, so it is refused outright.
        problems.append(
            error(
                display_path(site_root, root),
                0,
                0,
                "the briefs folder is a symbolic link",
                f"make '{briefs_dir}' a real folder holding the brief files",
            )
        )
        return [], [], problems
    if not root.is_dir():
        problems.append(
            error(
                display_path(site_root, root),
                0,
                0,
                "the briefs folder does not exist",
                f"create '{briefs_dir}/' and put one Markdown file per brief in it",
            )
        )
        return [], [], problems
    everything = walk_files(site_root, root, _BRIEFS_AND_FILES, problems)
    found = [path for path in everything if path.endswith(BRIEF_SUFFIX)]
    others = [path for path in everything if not path.endswith(BRIEF_SUFFIX)]
    problems += [_markdown_suffix_warning(site_root, path) for path in others if _markdownish(path)]
    if not found and not problems:
        # Not an error (a new site builds), but a site of no briefs is rarely what was meant:
        # a wrong --source, or briefs saved as .txt.
        problems.append(
            warning(
                display_path(site_root, root),
                0,
                0,
                "the briefs folder holds no briefs: the site will list none",
                f"add one Markdown file per brief to '{briefs_dir}/' ('new' writes one)",
            )
        )
    return found, others, problems


def _nothing(name: str) -> tuple[str, str] | None:
    """No further rule: the default of `Walk`'s hooks."""
    return None


@dataclass(frozen=True)
class Walk:
    """What a walk of a source folder yields, and what it says on the way.

    One walk serves every folder of files a build reads (`briefs/`, `static/`), so the rules
    that keep a build inside its folders (no link leading out, no loops, no names that cannot
    be printed or written) are written once.
    """

    label: str  # the folder as messages name it: "briefs folder"
    suffix: str = BRIEF_SUFFIX  # the files yielded end so ("": every regular file)
    # (message, hint) for a further name refused, files and folders alike; None: accepted.
    refuse: Callable[[str], tuple[str, str] | None] = _nothing
    # (message, hint) of a warning for a hidden name (skipped either way); None: silence.
    hidden: Callable[[str], tuple[str, str] | None] = _nothing
    # Whether an entry that is neither a file nor a folder (a pipe, a socket, a device) is
    # an error: reading a pipe would wait for ever, and a device is no file to publish.
    special: bool = False


BRIEFS = Walk("briefs folder")
# The same folder with every file yielded: the briefs and the files they may refer to.
_BRIEFS_AND_FILES = Walk(BRIEFS.label, suffix="")


def walk_files(site_root: Path, root: Path, walk: Walk, problems: list[Problem]) -> list[str]:
    """The files below `root` (a real folder) that `walk` yields, sorted as `Path`s sort,
    following only links that stay inside it; what is refused goes to `problems`."""
    real_root = Path(os.path.realpath(root))
    found = list(_walk(root, real_root, set(), site_root, problems, walk))
    return sorted(found, key=lambda name: name.split(os.sep))  # as `Path`s sort


def _walk(
    folder: Path,
    real_root: Path,
    seen: set[str],
    site_root: Path,
    problems: list[Problem],
    walk: Walk = BRIEFS,
) -> Iterator[str]:
    """Yield the files below `folder` that `walk` wants, following only in-tree links, each
    real folder once."""
    real = os.path.realpath(folder)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(error(display_path(site_root, folder), 0, 0, f"cannot list folder: {exc}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            # Editor swap files, .DS_Store and the like are never briefs, nor published.
            note = walk.hidden(entry.name)
            if note:
                problems.append(warning(display_path(site_root, entry.path), 0, 0, *note))
            continue
        refused = _refused_name(entry.name) or walk.refuse(entry.name)
        if refused:
            problems.append(error(display_path(site_root, entry.path), 0, 0, *refused))
            continue
        if entry.name.endswith(walk.suffix) and not entry.is_symlink() and entry.is_file():
            yield entry.path  # the usual case, a plain file: nothing more to look at
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            reason = _link_escape(path, real_root, walk.label)
            if reason:
                problems.append(
                    error(
                        display_path(site_root, path),
                        0,
                        0,
                        f"refusing to follow symbolic link: {reason}",
                        f"copy the file into the {walk.label} instead of linking to it",
                    )
                )
                continue
        if entry.is_dir():
            yield from _walk(path, real_root, seen, site_root, problems, walk)
        elif entry.name.endswith(walk.suffix) and entry.is_file():
            yield entry.path
        elif walk.special and not entry.is_file():
            problems.append(
                error(
                    display_path(site_root, path),
                    0,
                    0,
                    "not a regular file or folder (a pipe, socket or device), so not read",
                    f"remove it from the {walk.label}",
                )
            )
        elif _markdownish(entry.name) and entry.is_file():
            problems.append(_markdown_suffix_warning(site_root, entry.path))


def _markdownish(name: str) -> bool:
    """Whether a file's name ends as Markdown files' names do, though not in '.md'."""
    return name.lower().endswith(MARKDOWN_SUFFIXES) and not name.endswith(BRIEF_SUFFIX)


def _markdown_suffix_warning(site_root: Path, path: str) -> Problem:
    """The warning for a Markdown file that is not read because of its name."""
    name = os.path.basename(path)
    stem = name[: name.rindex(".")]
    return warning(
        display_path(site_root, path),
        0,
        0,
        "not read: only files ending in '.md' are briefs",
        f"rename it to end in .md ({stem}.md) if it is a brief",
    )


def _refused_name(name: str) -> tuple[str, str] | None:
    """(message, hint) for a file name no later stage can handle safely, else None.

    Python hands out names that are not UTF-8 with lone surrogates ('\\udcff'), which cannot
    be printed, linked to or written; names with control characters (a line break, ESC) end
    up in messages and in repository links. Both are refused here, once, where they are found.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8", "rename it, using only UTF-8 characters"
    control = _CONTROL.search(name)
    if control:
        return (
            f"file name holds a control character (U+{ord(control[0]):04X})",
            "rename it, using only letters, digits, spaces and punctuation",
        )
    return None


def _link_escape(path: Path, real_root: Path, label: str = BRIEFS.label) -> str:
    """Why a symbolic link may not be followed, or "" when it stays inside the tree."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "it is part of a link loop"
    except OSError as exc:
        if "loop" in str(exc).lower() or getattr(exc, "errno", None) == 40:
            return "it is part of a link loop"
        return "it points to a file that does not exist"
    if target != real_root and real_root not in target.parents:
        return f"it points outside the {label}"
    return ""


def read_brief(site_root: Path, path: Path, max_bytes: int) -> SourceFile | Problem:
    """Read and decode one brief, enforcing the size limit before reading it all."""
    data = read_brief_bytes(site_root, path, max_bytes)
    return data if isinstance(data, Problem) else decode(display_path(site_root, path), data)


def read_brief_bytes(site_root: Path, path: Path | str, max_bytes: int) -> bytes | Problem:
    """A brief file's bytes, or why they cannot be had; never more than `max_bytes` + 1 read."""
    return read_limited(
        site_root, path, max_bytes, "split the brief, or raise 'max_brief_bytes' in site.yml"
    )


def read_limited(
    site_root: Path, path: Path | str, max_bytes: int, too_large: str
) -> bytes | Problem:
    """A source file's bytes, or why they cannot be had (`too_large`: the hint when it is
    over the limit); never more than `max_bytes` + 1 read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return error(
            display_path(site_root, path), 0, 0, f"cannot read file: {exc.strerror or exc}"
        )
    if len(data) > max_bytes:
        return error(
            display_path(site_root, path),
            0,
            0,
            f"file is larger than the limit of {max_bytes:,} bytes",
            too_large,
        )
    return data


# A file's status as `stat` gives it: size, modification and change times (ns), inode and
# device. Equal stamps say the bytes are as they were, unless the file changed twice within
# one tick of the file system's clock (see `FileIndex`).
Stamp = tuple[int, int, int, int, int]
RACY_NS = 2_000_000_000  # a file changed this recently may change again within its clock tick


def file_stamp(path: Path | str) -> Stamp | None:
    """The stamp of the file a path leads to, or None when it cannot be had."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


@dataclass(frozen=True)
class FileIndex:
    """What a build read of each brief file: its stamp, and the SHA-256 of its bytes.

    A later build trusts a file to hold the same bytes, without reading it, only when its
    stamp is the same in every part and its modification time lies well before the index was
    taken (`taken_ns`). A file modified in the same tick of the file system's clock as it was
    looked at could be modified again without its times moving, so it is read again: git's
    and Mercurial's rule for "racily clean" files. The change time (ctime) is part of the
    stamp because no program can set it back: an edit that keeps the size and puts the old
    modification time back (`cp -p`, `touch -d`, `rsync -t`) still moves it. (Only such an
    edit made twice within one tick of the clock, the first just before a build looked and
    the second just after, could go unseen.) A checkout moves both times to its own time.
    """

    taken_ns: int  # the clock, read before the first file's stamp was taken
    # display path -> (stamp, SHA-256 of the bytes, the key the build made of them)
    files: Mapping[str, tuple[Stamp, bytes, str]]
    keyed: str = ""  # what else went into the keys (settings, code), as the build said

    def known(self, path: str, stamp: Stamp | None) -> tuple[bytes, str] | None:
        """The SHA-256 of the file's bytes and the key made of them when its stamp vouches
        for them, else None."""
        found = self.files.get(path)
        if found is None or stamp is None or found[0] != stamp:
            return None
        if stamp[1] >= self.taken_ns - RACY_NS:
            return None
        return found[1], found[2]


def _plain_relative(text: str) -> bool:
    """A relative path that `Path` would give back as it is: no empty part, no `.` or `..`
    part (no part starts with a dot at all, to be simple), no slash at either end."""
    plain = "//" not in text and "/." not in "/" + text
    return plain and text != "" and not text.startswith("/") and not text.endswith("/")


def display_path(site_root: Path, path: Path | str) -> str:
    """The path as editors see it: relative to the site folder, with forward slashes.

    Bytes that are not UTF-8 are shown as `\\xff`, so the name can be printed anywhere.
    """
    # As `relative_to`, without its parsing cost when the path is plain (ten thousand briefs
    # are named in every build): below the site's folder, or relative to it when the site is
    # the working folder.
    text, root = str(path), str(site_root)
    shown = text[len(root) + 1 :] if text.startswith(root + "/") else text if root == "." else ""
    if os.sep == "/" and _plain_relative(shown):
        pass
    else:
        try:
            shown = Path(path).relative_to(site_root).as_posix()
        except ValueError:
            shown = Path(path).as_posix()
    if shown.isascii():  # nothing to escape (and ten thousand briefs are named per build)
        return shown
    try:
        return os.fsencode(shown).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a surrogate no file system gave us; escape it all the same
        return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def read_assets(template_dirs: tuple[Path, ...], folder: str = "assets") -> dict[str, bytes]:
    """Static files under each template folder's `assets/`; earlier folders win on a clash."""
    found: dict[str, bytes] = {}
    for base in reversed(template_dirs):  # built-in first, so the site's own files override
        root = base / folder
        if not root.is_dir():
            continue
        for current, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = Path(current) / name
                if path.is_symlink():
                    continue  # theme files are real files; a link could reach anywhere
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return dict(sorted(found.items()))
