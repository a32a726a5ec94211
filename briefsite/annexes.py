"""Images and documents a brief refers to: checked, measured, and published beside its page.

Layout. Files live anywhere inside `briefs/`, beside the brief or in a folder of their own
(`briefs/land-offer/chart.png`), and a brief names them by their path from its own file, as
it names other briefs (`![Investment by year](land-offer/chart.png)`). Each file a published
brief names is published in that brief's page folder under its own name
(`site/briefs/<slug>/chart.png`), so the address in the page is the bare name and works at any
base address and from disk. Only files a brief names are published, and only with a brief
that is: a draft's chart waits with it. Briefs are found by walking `briefs/` for `.md` files
(`source`), so the same walk, with its rules (no link leading out of the folder, no loops,
names that can be printed), lists these files too; nothing is read that it did not list.

What is refused, each at the line and column of the reference: an address of the editor's
computer (`file:`), an absolute path, a path leading out of `briefs/`, a hidden name, a file
that is not there, over `max_annex_bytes`, of a type outside `IMAGES` and `DOCUMENTS`, an
image whose header does not say its size, a name a host cannot store (as for `static/`), two
files of one name in one brief, a file that would take a generated file's place, and an image
without alt text (`![](x.png)`; raw HTML may say `alt=""` for an image that only decorates).
SVG is refused: opened by its own address, an SVG file runs its scripts as a page of the
site, and a static host sends no header that would stop it.

What it costs. A body is cached by its brief's bytes, so what depends on these files (an
image's width and height, a document's size) is written in after compiling (`annexrefs.fill`,
as `links` writes addresses in) and is part of the brief's page key (`pipeline._fingerprints`).
Each file's stamp is kept with the SHA-256 of its bytes and its size in pixels in a
`FileIndex`, with the racy rule of briefs, so a build reads only files whose stamp moved, or
that the output folder no longer holds. The stamps of every file in `briefs/` are part of the
build's settings digest (`inputs_digest`), so an edited image never takes the edit path nor
the answer of a build with nothing changed: the full path renders the pages whose key moved.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import posixpath
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from . import urls
from .cache import Cache, entry_key
from .catalog import link_target_path, nfc
from .config import BRIEFS_DIR, SiteConfig
from .formats import NBSP, format_number
from .i18n import ntr, tr
from .output import Output, is_safe_relative
from .problems import Problem, error
from .source import RACY_NS, FileIndex, Stamp, display_path, file_stamp, read_limited
from .statics import unpublishable_name

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the types here
    from .annexrefs import AnnexRef
    from .links import RenderedBrief

# What a brief may publish, by extension (lower case), with the name its label gives the type.
IMAGES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP", "avif": "AVIF"}
DOCUMENTS = {
    "pdf": "PDF", "csv": "CSV", "txt": "TXT", "json": "JSON", "xlsx": "XLSX", "xls": "XLS",
    "ods": "ODS", "docx": "DOCX", "doc": "DOC", "odt": "ODT", "pptx": "PPTX", "odp": "ODP",
}  # fmt: skip
ANNEX_INDEX = "annex-index"  # the cache entry of these files' `FileIndex` (one per site)
TOO_LARGE = "host large files elsewhere and link to them, or raise 'max_annex_bytes' in site.yml"
_ALLOWED_HINT = f"publish images as {', '.join(IMAGES)} and documents as {', '.join(DOCUMENTS)}"
SUGGESTIONS = 50  # "did you mean" hints per build; each compares with a folder's names
_SUGGESTED_AMONG = 2000  # names in a folder, at most, to look for a suggestion among


@dataclass(frozen=True)
class AnnexFiles:
    """The files in `briefs/` of the types a brief may publish, as the build's walk found
    them, with their stamps, taken with the briefs'."""

    paths: tuple[str, ...] = ()  # as the walk gave them (the site folder joined with each)
    stamps: tuple[Stamp | None, ...] = ()


def stamped(paths: Sequence[str]) -> AnnexFiles:
    """The files of the types a brief may publish, with their stamps (others, such as a
    README beside the briefs, are never published, so their edits change no build)."""
    kept = tuple(
        path for path in paths if _extension(path) in IMAGES or _extension(path) in DOCUMENTS
    )
    return AnnexFiles(kept, tuple(file_stamp(path) for path in kept))


def inputs_digest(files: AnnexFiles, taken_ns: int) -> bytes:
    """A digest of the files' names and stamps, for the build's settings digest: a file
    added, removed or edited makes the next build take the full path, whose page keys hold
    each image's size. A file changed within the racy window (see `source.FileIndex`) could
    change again unseen, so then the digest is random: no build is answered from a record."""
    digest = hashlib.sha256()
    for path, stamp in zip(files.paths, files.stamps, strict=True):
        if stamp is None or stamp[1] >= taken_ns - RACY_NS:
            return secrets.token_bytes(32)
        digest.update(f"{path}\0{stamp}\0".encode())
    return digest.digest()


@dataclass
class Resolved:
    """The briefs with their files' answers written in, the files as outputs, and problems."""

    rendered: dict[str, RenderedBrief] = field(default_factory=dict)  # the published, by slug
    outputs: list[Output] = field(default_factory=list)
    # output path -> (brief file, line, column, the address as written), for clash messages
    places: dict[str, tuple[str, int, int, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Use:
    """A reference to a file that exists and may be published."""

    ref: AnnexRef
    file: int  # its place in `AnnexFiles`
    name: str  # the file's name: what it is published as, beside the page
    extension: str


@dataclass(frozen=True)
class _Measured:
    """What a file is: its size, the SHA-256 of its bytes, an image's width and height, and
    its bytes when they were read. (A file that cannot be used is (message, hint) instead,
    the message to follow the address as written: "is larger than the limit ...".)"""

    size: int
    digest: bytes
    pixels: tuple[int, int] | None
    data: bytes | None


def resolve(
    config: SiteConfig,
    files: AnnexFiles,
    published: Mapping[str, RenderedBrief],
    unlisted: Sequence[RenderedBrief] = (),
    *,
    taken_ns: int,
    cache: Cache | None,
    on_disk: Mapping[str, str],
    need_bytes: bool = True,
) -> Resolved:
    """Check every image and file reference of the `published` briefs (by slug; their files
    are published) and of the `unlisted` ones (briefs whose front matter failed: checked only).
    A file whose stamp the cache's index vouches for is not read when the output folder holds
    its bytes (`on_disk`), or when `need_bytes` is False (`check`, which publishes nothing)."""
    found = Resolved()
    lookup = {nfc(display_path(config.root, path)): n for n, path in enumerate(files.paths)}
    suggest = _Suggestions(lookup)
    briefs = [(item, True) for item in published.values()] + [(item, False) for item in unlisted]
    uses: dict[int, list[_Use]] = {}  # brief's place -> its references' files
    outputs_of: dict[int, set[str]] = defaultdict(set)  # file -> its output paths
    for place, (item, publish) in enumerate(briefs):
        path = item.brief.source_path
        mine: list[_Use] = []
        by_name: dict[str, int] = {}  # a name in lower case -> the file published under it
        for ref in item.body.annexes:
            problem = _alt_problem(path, ref) or _address_problem(path, ref)
            if problem is None and ref.placeholder:
                checked = _file_of(config, files, lookup, suggest, path, ref)
                if isinstance(checked, Problem):
                    problem = checked
                else:
                    other = by_name.setdefault(checked.name.lower(), checked.file)
                    if other != checked.file:
                        problem = _at(
                            path,
                            ref,
                            f"'{ref.written}' would be published as "
                            f"{urls.brief_path(item.brief.slug)}{checked.name} beside the "
                            f"page, where {display_path(config.root, files.paths[other])} is",
                            "rename one of the files: a brief's files are published side by "
                            "side under their own names, and some hosts ignore letter case",
                        )
                    else:
                        mine.append(checked)
                        outs = outputs_of[checked.file]  # measured even when not published
                        if publish:
                            out = urls.brief_path(item.brief.slug) + checked.name
                            outs.add(out)
                            found.places.setdefault(out, (path, ref.line, ref.col, ref.written))
            if problem is not None:
                found.problems.append(problem)
        uses[place] = mine
    measured = _measure_all(config, files, outputs_of, taken_ns, cache, on_disk, need_bytes)
    for file, outs in sorted(outputs_of.items()):
        item_measured = measured[file]
        if isinstance(item_measured, _Measured):
            hexed = item_measured.digest.hex()
            for out in sorted(outs):
                data = None if on_disk.get(out) == hexed else item_measured.data
                found.outputs.append(Output(out, data, hexed))
    for place, (item, publish) in enumerate(briefs):
        answers: dict[str, tuple[str, str]] = {}
        for use in uses[place]:
            result = measured[use.file]
            if isinstance(result, tuple):
                message, hint = result
                found.problems.append(
                    _at(item.brief.source_path, use.ref, f"'{use.ref.written}' {message}", hint)
                )
                continue
            answers[use.ref.placeholder] = _answer(use, result, item.brief.lang)
        if publish:
            found.rendered[item.brief.slug] = replace(item, annexes=answers)
    return found


def _measure_all(
    config: SiteConfig,
    files: AnnexFiles,
    outputs_of: Mapping[int, set[str]],
    taken_ns: int,
    cache: Cache | None,
    on_disk: Mapping[str, str],
    need_bytes: bool,
) -> dict[int, _Measured | tuple[str, str]]:
    """Each file the briefs use, measured, or (message, hint) saying why it cannot be used
    (a file no brief uses is never read); the cache's index is brought up to date."""
    key = entry_key(ANNEX_INDEX)
    index = cache.get_many([key]).get(key) if cache else None
    if not isinstance(index, FileIndex):
        index = None
    # Entries the old index still vouches for are kept (a build that resolves some briefs
    # only, the edit path, must not forget the others); entries read now are added.
    recorded: dict[str, tuple[Stamp, bytes, str]] = {}
    if index is not None:
        for path, stamp in zip(files.paths, files.stamps, strict=True):
            shown = display_path(config.root, path)
            if index.known(shown, stamp) is not None:
                recorded[shown] = index.files[shown]
    results: dict[int, _Measured | tuple[str, str]] = {}
    for file, outs in outputs_of.items():
        path, stamp = files.paths[file], files.stamps[file]
        shown = display_path(config.root, path)
        extension = _extension(path)
        known = index.known(shown, stamp) if index is not None else None
        pixels = _pixels(known[1]) if known is not None else None
        if (
            known is not None
            and stamp is not None
            and (extension not in IMAGES or pixels is not None)
            and (not need_bytes or all(on_disk.get(out) == known[0].hex() for out in outs))
        ):
            results[file] = _Measured(stamp[0], known[0], pixels, None)
            continue
        result = _measure(config, path, extension)
        results[file] = result
        if isinstance(result, _Measured) and stamp is not None:
            size = "" if result.pixels is None else "{}x{}".format(*result.pixels)
            recorded[shown] = (stamp, result.digest, size)
    if cache is not None and (recorded or index is not None):
        cache.put_many({key: FileIndex(taken_ns, recorded)})
    return results


def _measure(config: SiteConfig, path: str, extension: str) -> _Measured | tuple[str, str]:
    """Read a file (within `max_annex_bytes`) and measure it."""
    data = read_limited(config.root, path, config.max_annex_bytes, TOO_LARGE)
    if isinstance(data, Problem):  # (grown over the limit since its stamp, or unreadable)
        if data.hint == TOO_LARGE:
            return f"is larger than the limit of {config.max_annex_bytes:,} bytes", TOO_LARGE
        return f"cannot be read: {data.message.removeprefix('cannot read file: ')}", ""
    pixels = None
    if extension in IMAGES:
        pixels = dimensions(data, extension)
        if pixels is None:
            kind = IMAGES[extension]
            return (
                f"is not a {kind} image whose width and height can be read",
                f"save it again as {kind}, or give it the extension of the type it really is",
            )
    return _Measured(len(data), hashlib.sha256(data).digest(), pixels, data)


def _pixels(recorded: str) -> tuple[int, int] | None:
    """An image's width and height as the index keeps them ("640x480"), else None."""
    width, _, height = recorded.partition("x")
    if width.isdigit() and height.isdigit():
        return int(width), int(height)
    return None


# How each image type's bytes start: a file is measured only when it is what its name says.
def _is_avif(data: bytes) -> bool:
    """An ISO media file (`ftyp` box first) whose brands include AVIF's."""
    if data[4:8] != b"ftyp":
        return False
    brands = data[8 : min(int.from_bytes(data[:4], "big"), 256)]
    return any(brands[i : i + 4] in (b"avif", b"avis") for i in range(0, len(brands), 4))


_SIGNATURES = {
    "PNG": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "JPEG": lambda data: data.startswith(b"\xff\xd8\xff"),
    "GIF": lambda data: data[:6] in (b"GIF87a", b"GIF89a"),
    "WebP": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
    "AVIF": _is_avif,
}


def dimensions(data: bytes, extension: str) -> tuple[int, int] | None:
    """An image's width and height in CSS pixels as browsers show it (a JPEG's EXIF rotation
    applied), read from its header, or None when its bytes are not of the type its extension
    names or say no size.

    `imagesize` reads headers only, in pure Python: no pixel is decoded, and no compiled code
    runs on bytes that came with a pull request (Pillow would decode with C libraries). It is
    given the bytes, never a name: it would fetch a name that looks like a URL.
    """
    if not _SIGNATURES[IMAGES[extension]](data):
        return None
    import imagesize  # type: ignore[import-untyped]  # (only when an image is measured)

    width, height = imagesize.get(io.BytesIO(data))
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        return None
    return width, height


def human_size(size: int, lang: str = "en") -> str:
    """A file's size as GOV.UK writes it beside an attachment: "850 bytes", "245 KB", "1.2 MB"
    (decimal units; one decimal below ten), with the brief's language's number format."""
    if size < 1000:
        unit = ntr(lang, "byte", "bytes", size)  # (outside the f-string: pybabel reads it)
        return f"{format_number(size, lang)}{NBSP}{unit}"
    for power, unit in ((3, "KB"), (6, "MB"), (9, "GB")):
        value = Decimal(size) / (10**power)
        rounded = value.quantize(Decimal("0.1") if value < 10 else Decimal(1), ROUND_HALF_UP)
        if rounded < 1000 or unit == "GB":
            break
    return f"{format_number(rounded, lang)}{NBSP}{unit}"


def label(extension: str, size: int, lang: str = "en") -> str:
    """What follows a link to a file: its type and size, "(PDF, 1.2 MB)"."""
    kind = {**IMAGES, **DOCUMENTS}[extension]
    # Chinese writes it with full-width brackets and comma: the catalogue says how.
    return tr(lang, "({kind}, {size})").format(kind=kind, size=human_size(size, lang))


def _answer(use: _Use, measured: _Measured, lang: str) -> tuple[str, str]:
    """What `annexrefs.fill` writes for one reference: the attributes in place of its
    placeholder, and, for a link, the text after it."""
    parts = urlsplit(use.ref.written)
    href = quote(use.name, safe="")
    href += f"?{parts.query}" if parts.query else ""
    href += f"#{parts.fragment}" if parts.fragment else ""
    if use.ref.element == "img" and measured.pixels is not None:
        width, height = measured.pixels
        attributes = f'src="{escape(href)}" width="{width}" height="{height}"'
        # Below the first screen the browser fetches an image only as it comes near; the one
        # image that may be in the first screen is fetched at once (lazy would delay it).
        if not use.ref.eager:
            attributes += ' loading="lazy" decoding="async"'
        return attributes, ""
    shown = escape(label(use.extension, measured.size, lang)).replace(NBSP, "&nbsp;")  # as nh3
    return f'href="{escape(href)}"', f' <span class="annex-meta">{shown}</span>'


def _at(path: str, ref: AnnexRef, message: str, hint: str = "") -> Problem:
    """An error at a reference."""
    return error(path, ref.line, ref.col, message, hint)


def _alt_problem(path: str, ref: AnnexRef) -> Problem | None:
    """An image without alt text: readers who cannot see it would hear its file name, or
    nothing. Raw HTML may write `alt=""` for an image that only decorates; Markdown's
    `![](x.png)` cannot say that it means it, so its empty alt is a missing one."""
    if ref.element != "img" or ref.file_url:
        return None
    shown = ref.written or "(no address)"
    if ref.markdown and not (ref.alt or "").strip():
        return _at(
            path,
            ref,
            f"image '{shown}' has no alt text",
            f"say what it shows in the brackets, e.g. ![Investment by year, 2015-2020]({shown})"
            ": it is what readers who cannot see the image hear and read instead",
        )
    if not ref.markdown and ref.alt is None:
        return _at(
            path,
            ref,
            f"image '{shown}' has no alt attribute",
            'add alt="what it shows", or alt="" for an image that only decorates',
        )
    return None


def _address_problem(path: str, ref: AnnexRef) -> Problem | None:
    """A reference whose address alone rules it out: the editor's own computer, an absolute
    path, a path out of the briefs folder, a hidden name or a type that is not published."""
    written = ref.written
    if ref.file_url:
        return _at(
            path,
            ref,
            f"'{written}' is a file on the computer it was written on, which readers cannot reach",
            f"put the file in {BRIEFS_DIR}/ and write its path from this brief's file, e.g. "
            "chart.png for a file beside it",
        )
    if not ref.placeholder:
        return None
    target = unquote(urlsplit(written).path)
    if target.startswith("/"):
        return _at(
            path,
            ref,
            f"'{written}' is an absolute path: it names no file of the briefs",
            "write the path from this brief's file (chart.png for a file beside it); for a "
            "page elsewhere, write its full address (https://...)",
        )
    full = link_target_path(path, target)
    if not full.startswith(BRIEFS_DIR + "/"):
        return _at(
            path,
            ref,
            f"'{written}' leads outside the {BRIEFS_DIR} folder",
            f"only files inside {BRIEFS_DIR}/ are published with a brief: copy the file there, "
            "or link to its full address (https://...)",
        )
    if any(part.startswith(".") for part in full.split("/")):
        return _at(
            path,
            ref,
            f"'{written}': names starting with '.' are never published",
            "rename the file (or folder) without the leading dot",
        )
    if target.endswith("/"):
        return _at(path, ref, f"'{written}' names a folder, not a file", "name a file in it")
    return _type_problem(path, ref, _extension(full))


def _extension(path: str) -> str:
    """A file's extension in lower case, without the dot ("" when it has none)."""
    name = posixpath.basename(path)
    return name.rpartition(".")[2].lower() if "." in name.lstrip(".") else ""


def _type_problem(path: str, ref: AnnexRef, extension: str) -> Problem | None:
    """A reference to a file of a type that is not published (or not as an image)."""
    written = ref.written
    if extension == "svg":
        return _at(
            path,
            ref,
            f"'{written}': SVG files are not published",
            "opened by its own address, an SVG file runs any script in it as a page of this "
            "site; export the image as PNG, WebP or AVIF instead",
        )
    if extension == "md" and ref.element == "a":
        return _at(
            path,
            ref,
            f"'{written}': a link to a brief written in HTML is not followed",
            "write it in Markdown, [the land offer](land-offer.md), which the build turns into "
            "the brief's address and checks",
        )
    if ref.element == "img" and extension not in IMAGES:
        return _at(
            path,
            ref,
            f"'{written}' is not an image of a type pages can show",
            f"save it as {', '.join(IMAGES)}; to offer a document, link to it: [title]({written})",
        )
    if extension not in IMAGES and extension not in DOCUMENTS:
        what = f"a .{extension} file" if extension else "a file without an extension"
        return _at(path, ref, f"'{written}': {what} is not published", _ALLOWED_HINT)
    return None


def _file_of(
    config: SiteConfig,
    files: AnnexFiles,
    lookup: Mapping[str, int],
    suggest: _Suggestions,
    path: str,
    ref: AnnexRef,
) -> _Use | Problem:
    """The file a reference names, when the walk listed it and it may be published."""
    full = link_target_path(path, unquote(urlsplit(ref.written).path))
    name = posixpath.basename(full)
    file = lookup.get(full)
    if file is None:
        on_disk = config.root / full
        if on_disk.is_symlink():
            return _at(
                path,
                ref,
                f"'{ref.written}' is a symbolic link that leads outside the {BRIEFS_DIR} "
                "folder, or to nothing",
                f"copy the file into the {BRIEFS_DIR} folder instead of linking to it",
            )
        if on_disk.is_dir():
            return _at(path, ref, f"'{ref.written}' names a folder, not a file", "name a file")
        if os.path.lexists(on_disk):
            return _at(
                path,
                ref,
                f"'{ref.written}' is not a regular file (a pipe, socket or device)",
                f"put the file itself in the {BRIEFS_DIR} folder",
            )
        return _at(path, ref, f"'{ref.written}' names no file: there is no {full}", suggest(full))
    stamp = files.stamps[file]
    if stamp is not None and stamp[0] > config.max_annex_bytes:
        return _at(
            path,
            ref,
            f"'{ref.written}' is larger than the limit of {config.max_annex_bytes:,} bytes",
            TOO_LARGE,
        )
    refused = unpublishable_name(name)
    if refused is not None:
        return _at(path, ref, f"'{ref.written}': {refused[0]}", refused[1])
    if not is_safe_relative(name):
        return _at(path, ref, f"'{ref.written}' cannot be published under this name", "rename it")
    return _Use(ref, file, name, _extension(name))


class _Suggestions:
    """ "Did you mean" hints for a file that is not there: the same name in another letter
    case first, else a close name in the same folder; a fixed number per build, each over one
    folder's names at most `_SUGGESTED_AMONG`, so a site of many files stays fast."""

    def __init__(self, lookup: Mapping[str, int]) -> None:
        self.folders: dict[str, list[str]] = defaultdict(list)
        for path in lookup:
            folder, _, name = path.rpartition("/")
            self.folders[folder].append(name)
        self.left = SUGGESTIONS

    def __call__(self, full: str) -> str:
        folder, _, name = full.rpartition("/")
        names = self.folders.get(folder, [])
        same = [other for other in names if other.lower() == name.lower()]
        if same:
            return f"did you mean '{same[0]}'? Letter case matters on the web"
        if self.left > 0 and len(names) <= _SUGGESTED_AMONG:
            self.left -= 1
            close = difflib.get_close_matches(name, names, n=1)
            if close:
                return f"did you mean '{close[0]}'?"
        return (
            "put the file there, or correct the path: it is read from this brief's folder "
            "(chart.png for a file beside it)"
        )


def clashes(
    places: Mapping[str, tuple[str, int, int, str]], generated: Iterable[str]
) -> list[Problem]:
    """An error for each file that would take the place of a generated file or folder (by
    names in lower case, as hosts that ignore case see them), at the reference to it."""
    if not places:
        return []
    files = {path.lower(): path for path in generated}
    folders = {
        "/".join(parts[:i]).lower(): "/".join(parts[:i])
        for parts in (path.split("/") for path in files.values())
        for i in range(1, len(parts))
    }
    problems = []
    for out, (path, line, col, written) in sorted(places.items()):
        taken = files.get(out.lower()) or (
            folders[out.lower()] + "/" if out.lower() in folders else None
        )
        if taken is not None:
            problems.append(
                error(
                    path,
                    line,
                    col,
                    f"'{written}' would be published as {out}, where the build writes {taken}",
                    "rename the file: the build's own files keep their places",
                )
            )
    return problems
