"""The one configured Markdown pipeline: a `Brief`'s body to HTML, contents list and links.

Rendering returns values (Zola's `render_content` is the model): the body HTML, the footnotes
split out for the "Notes" section, the table of contents, every id a link may target, and every
link to another brief with its position, so `check` can verify links in one pass later.

A `Body` depends on the brief's own file and the Markdown settings only, never on other
briefs: links between briefs (`[offer](land-offer.md#terms)`) are recorded and left as
placeholders, which `links.resolve` replaces with the target page's address once the catalog
exists. So a body can be cached by the file's content and rendered in a worker process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import xml.etree.ElementTree as ET
import zlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from itertools import chain
from typing import Any
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.abbr import AbbrExtension
from markdown.extensions.admonition import AdmonitionExtension
from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.fenced_code import FencedBlockPreprocessor, FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, slugify
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, ETX, STX
from pygments.formatters import HtmlFormatter
from pygments.token import STANDARD_TYPES

from . import annexrefs, leftovers, pageids
from .brief import Brief
from .catalog import link_target_path
from .frontmatter import pinyin_words
from .i18n import tr
from .problems import Problem, warning
from .typography import TypographyExtension, bind_units

# Every id templates/base.html and templates/brief.html give their own elements (a test
# parses built pages to keep this list complete). A second element with one of these ids would
# take over the page's own links (the skip link, "See all updates"), so body headings are kept
# off them and ids in editors' raw HTML are renamed (see `editor_id`).
# What an editor's raw-HTML id that equals a page id becomes (GitHub's prefix).
EDITOR_ID_PREFIX = "user-content-"
HIGHLIGHT_CLASS = "highlight"
# Links between briefs wait in the body as "#briefsite-link-<nonce>-<n>" until `links.resolve`.
PLACEHOLDER_PREFIX = "briefsite-link-"
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
FOOTNOTES_CLASS = "footnote"
FOOTNOTES_OPEN = f'<div class="{FOOTNOTES_CLASS}">'

# Admonition types (reStructuredText's list): `!!! note` puts the class `note` on the box.
ADMONITION_TYPES = frozenset(
    {"attention", "caution", "danger", "error", "hint", "important", "note", "tip", "warning"}
)
# The only classes body content may carry: those Markdown, codehilite, Pygments and this module
# make, which site.css styles inside the body. Any other class an editor writes (in raw HTML,
# as an admonition type, on a code fence) is dropped, so a brief cannot borrow the page's own
# classes (`notice--draft`, `tag`, `key-figures`, ...) to fake a "Draft" banner or a section.
# The page templates use none of these names themselves (a test checks).
_OWN_CLASSES = {
    "admonition", "admonition-title", "align-left", "align-center", "align-right",
    FOOTNOTES_CLASS, "footnote-ref", "footnote-backref", "num", "table-scroll", "toc", "hll",
    HIGHLIGHT_CLASS,
    "annex-meta",  # an annex's type and size after its link, written by `annexes`
}  # fmt: skip
BODY_CLASSES = (
    frozenset(_OWN_CLASSES)
    | ADMONITION_TYPES
    | (frozenset(STANDARD_TYPES.values()) - {""})  # Pygments' token classes: "k", "nf", ...
)

_NUMERIC_CELL = re.compile(r"[-+\u2212]?[\d.,]+\s*(%|km²|percentage points)?")
_YEAR = re.compile(r"[12][0-9]{3}")  # a number that labels a row rather than counting
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})

# A table's caption: a paragraph right above it starting "Table:" (Pandoc's syntax) or, when
# the text refers to the table by number, "Table 1:" (kept as written, so the caption carries
# the number the text uses). Chinese briefs write 表 and a full-width colon.
_CAPTION = re.compile(
    r"(?:table|表)[ \t]*(?P<number>[A-Za-z]?[0-9]+(?:[.-][0-9]+)*[a-z]?)?"
    r"[ \t]*[:\uff1a][ \t]*(?=\S)",
    re.IGNORECASE,
)
# Where such a paragraph is written: at the start of a line after a blank line or a heading.
_CAPTION_LINE = re.compile(rf"(?:\A|(?<=\n))[ ]{{0,3}}(?={_CAPTION.pattern})", re.IGNORECASE)
# A table's separator row (`| --- | ---: |`), to tell a caption line written right above one.
_SEPARATOR_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
    "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "abbr": {"title"},
    # A table's scroll region: labelled by its caption, or "Table 2" without one.
    "div": {"role", "tabindex", "aria-label", "aria-labelledby"},
    # loading and decoding: as `annexes` writes them for an image published with the brief.
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
}


@dataclass(frozen=True)
class Heading:
    """One entry of the table of contents."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Link:
    """A link from a brief's body to a brief (possibly itself) or a standalone page, with
    where it is written."""

    href: str  # as the editor wrote it
    target_slug: str | None  # None: no published brief lives at that path
    fragment: str
    line: int
    col: int
    target_path: str = ""  # the source file the link names, e.g. "briefs/land-offer.md"
    # The address of the standalone page the link reaches ("about/"), when it names one
    # (pages/about.md) rather than a brief; `target_slug` is then None.
    target_page: str | None = None


@dataclass(frozen=True)
class LinkRef:
    """A link in a body before the catalog exists: the file it names, not yet a page."""

    href: str  # as the editor wrote it
    target_path: str  # the source file it names ("briefs/land-offer.md"); its own for "#x"
    fragment: str
    line: int
    col: int
    value: str = ""  # the attribute value Markdown gave it, kept when no brief is found
    placeholder: str = ""  # what stands in the body's HTML until `links.resolve`; "" for "#x"


@dataclass(frozen=True)
class Body:
    """A brief's rendered body: a pure function of its file and the Markdown settings."""

    html: str
    notes_html: str
    toc: tuple[Heading, ...]
    ids: frozenset[str]  # every id in the body and notes, for anchor checks
    links: tuple[LinkRef, ...]
    sanitized: bool  # written by nh3 (raw_html: sanitize), which escapes attributes its way
    # Warnings about the text (leftovers of other systems, a caption above no table): part of
    # the body, so a brief taken from the cache reports them again.
    problems: tuple[Problem, ...] = ()
    # The Markdown as the editor wrote it, each link to a brief replaced by its placeholder
    # (`links` writes in the page's public address), for the brief's plain-Markdown copy.
    # zlib-compressed: ten thousand briefs' text is 50 MB, held while every page renders, and
    # it is read only where a copy is written (a third of the size, 20 µs a brief to unpack).
    markdown: bytes = b""

    @property
    def markdown_text(self) -> str:
        """The Markdown with placeholders, unpacked."""
        return zlib.decompress(self.markdown).decode("utf-8") if self.markdown else ""

    # Its images and links to files, each local address a placeholder until `annexes`.
    annexes: tuple[annexrefs.AnnexRef, ...] = ()

    @property
    def has_code(self) -> bool:
        """Whether the page needs the code-highlighting stylesheet."""
        marker = f'class="{HIGHLIGHT_CLASS}"'
        return marker in self.html or marker in self.notes_html


@dataclass
class _Job:
    """What the tree-processors need to know about the brief being rendered right now."""

    brief: Brief
    nonce: str  # makes placeholders that the brief's own text cannot spell
    links: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    has_notes: bool = False  # the footnotes extension made a notes section
    # Of the paragraphs starting "Table:", in order, the places of those above no table.
    stray_captions: list[int] = field(default_factory=list)


class _ReserveIds(Treeprocessor):
    """Before `toc` runs, plant the page's own ids so `toc` gives headings other ids."""

    def run(self, root: ET.Element) -> None:
        """Append one empty placeholder element per reserved id."""
        for name in pageids.page_ids():
            ET.SubElement(root, "span", {"id": name, "data-reserved": ""})


class _Finish(Treeprocessor):
    """After `toc`: drop placeholders, rewrite brief links, tidy tables, bind units, record ids."""

    def __init__(self, md: markdown.Markdown, owner: Markup) -> None:
        super().__init__(md)
        self.owner = owner

    def run(self, root: ET.Element) -> None:
        """Walk the finished tree once."""
        job = self.owner.job
        assert job is not None
        for placeholder in [el for el in root if "data-reserved" in el.attrib]:
            root.remove(placeholder)
        # Raw HTML is not in the tree (it waits in the stash), so a `div.footnote` here is the
        # footnotes extension's own, not an editor's look-alike.
        job.has_notes = any(el.tag == "div" and el.get("class") == FOOTNOTES_CLASS for el in root)
        _caption_tables(root, job)
        for element in root.iter():
            if "id" in element.attrib:
                job.ids.add(element.attrib["id"])
            _align_by_class(element)
            _keep_body_classes(element)
            _mark_for_annexes(element)
            _drop_unsafe_urls(element)  # in every mode: `allow` trusts raw HTML, not link syntax
            generated = element.get("class") in ("footnote-ref", "footnote-backref")
            if element.tag == "a" and "href" in element.attrib and not generated:
                element.set("href", self.owner.rewrite(element.attrib["href"], job))
        _bind_units(root)


def _align_by_class(element: ET.Element) -> None:
    """Table alignment as a class: the sanitiser drops `style`, and `align` is obsolete HTML."""
    style = element.get("style", "")
    match = re.fullmatch(r"text-align:\s*(left|right|center);?", style.strip())
    if match and element.tag in ("td", "th"):
        del element.attrib["style"]
        classes = [*element.get("class", "").split(), f"align-{match.group(1)}"]
        element.set("class", " ".join(classes))


def _keep_body_classes(element: ET.Element) -> None:
    """Drop classes body content may not carry (an admonition typed `!!! notice--draft`)."""
    value = element.get("class")
    if value is None:
        return
    kept = body_classes(value)
    if kept:
        element.set("class", kept)
    else:
        del element.attrib["class"]


def body_classes(value: str) -> str:
    """The classes in a `class` value that are in `BODY_CLASSES`, in their order."""
    return " ".join(name for name in value.split() if name in BODY_CLASSES)


def editor_id(value: str) -> str:
    """The id an element of a brief's body gets for the id written on it.

    Ids are kept as written, so `[see](#method)` reaches `<span id="method">` in the same brief
    (GitHub prefixes every id and fixes links with script; pages here have no script). Only an
    id the page itself uses (`PAGE_IDS`) is renamed, with `EDITOR_ID_PREFIX`: the page's skip
    link and section links keep their targets, and the element still has a unique id.
    """
    return EDITOR_ID_PREFIX + value if value in pageids.page_ids() else value


# Markdown's placeholders that stand in a tree's attribute values until its postprocessors
# run: a backslash-escaped character (STX + its code + ETX) and a `&` meant as an entity.
_ESCAPED_CHAR = re.compile(f"{STX}([0-9]+){ETX}")
# What browsers ignore in a URL before its scheme: C0 controls and spaces (tabs and newlines
# anywhere). Removing all of them can only find a scheme a browser would not, never miss one.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def restore_escapes(value: str) -> str:
    """An attribute value with Markdown's stand-ins for backslash escapes (`\\_`) restored,
    as its `unescape` tree-processor restores them before the page is written."""
    return _ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1))), value)


def as_browser_reads(value: str) -> str:
    """An attribute value from the Markdown tree as a browser will read it in the page.

    The serializer keeps entities (`javascript&#58;`, `java&Tab;script:`) for the browser to
    decode, so a check on the text as written misses what the browser follows.
    """
    value = value.replace(AMP_SUBSTITUTE, "&")
    return unescape(restore_escapes(value))


def _as_written(value: str) -> str:
    """An attribute value from the Markdown tree as the editor typed it, for messages."""
    value = value.replace(AMP_SUBSTITUTE, "&")
    return _ESCAPED_CHAR.sub(lambda m: "\\" + chr(int(m.group(1))), value)


def url_scheme(url: str) -> str:
    """The scheme (lower case) a browser follows `url` with, once entities are decoded; "" for
    a relative URL. `url` is as a browser reads it (see `as_browser_reads`)."""
    match = _URL_SCHEME.match(_URL_IGNORED.sub("", url))
    return match.group(1).lower() if match else ""


def _mark_for_annexes(element: ET.Element) -> None:
    """Tell `annexrefs.scan` which images and links to files Markdown's syntax made (an
    image's empty alt is then a missing one, and the address is found after `](`), and the
    `file:` address `_drop_unsafe_urls` is about to remove (an error there)."""
    if element.tag == "img":
        element.set(annexrefs.MARKDOWN_MADE, "")
    elif element.tag == "a" and "href" in element.attrib:
        parts = urlsplit(as_browser_reads(element.attrib["href"]))
        if not (parts.scheme or parts.netloc or parts.path.endswith(".md")) and parts.path:
            element.set(annexrefs.MARKDOWN_MADE, "")  # (links to briefs are `rewrite`'s)
    for name in ("href", "src"):
        value = element.get(name)
        if value is not None and url_scheme(as_browser_reads(value)) == "file":
            element.set(annexrefs.FILE_URL, as_browser_reads(value))


def _drop_unsafe_urls(element: ET.Element) -> None:
    """Remove `javascript:` and other non-web URLs from links and images Markdown made.

    The sanitiser does this for raw HTML; Markdown's own `[x](javascript:...)` needs it too,
    in every mode (in `escape` no sanitiser runs), and checked as the browser will read it.
    """
    for name in ("href", "src"):
        value = element.get(name)
        if value is None:
            continue
        scheme = url_scheme(as_browser_reads(value))
        if scheme and scheme not in SAFE_SCHEMES:
            del element.attrib[name]


def _caption_text(paragraph: ET.Element) -> str | None:
    """The caption a paragraph gives the table below it ("Table: …", "Table 1: …"), or None
    when it is not a caption."""
    text = paragraph.text or ""
    match = _CAPTION.match(text)
    if match is None:
        return None
    return text if match.group("number") else text[match.end() :]


def _caption_tables(root: ET.Element, job: _Job) -> None:
    """Give each table its caption and scroll region, and note "Table:" paragraphs that
    caption nothing.

    Tables are numbered in the order they stand in the brief ("Table 3" labels the third
    when it has no caption); a caption's id avoids every id already in the tree.
    """
    numbers = {table: n for n, table in enumerate(root.iter("table"), 1)}
    captions = [p for p in root.iter("p") if _caption_text(p) is not None]
    if not numbers and not captions:
        return
    ids = {el.attrib["id"] for el in root.iter() if "id" in el.attrib}
    used: set[ET.Element] = set()
    for parent in [el for el in root.iter() if any(c.tag == "table" for c in el)]:
        children: list[ET.Element] = []
        for child in parent:
            if child.tag != "table":
                children.append(child)
                continue
            above = children[-1] if children and children[-1].tag == "p" else None
            caption = None
            if above is not None and _caption_text(above) is not None:
                caption = _as_caption(children.pop(), _unique(f"table-{numbers[child]}", ids))
                used.add(above)
            children.append(_wrap_table(child, numbers[child], caption))
        parent[:] = children
    job.stray_captions = [i for i, p in enumerate(captions) if p not in used]


def _as_caption(paragraph: ET.Element, caption_id: str) -> ET.Element:
    """A "Table:" paragraph as a `<caption>`, with its inline markup."""
    caption = ET.Element("caption", {"id": caption_id})
    caption.text = _caption_text(paragraph)
    caption.extend(list(paragraph))
    return caption


def _unique(wanted: str, ids: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, ... whichever is not taken yet; then taken."""
    found, n = wanted, 1
    while found in ids:
        n += 1
        found = f"{wanted}-{n}"
    ids.add(found)
    return found


def _wrap_table(table: ET.Element, number: int, caption: ET.Element | None) -> ET.Element:
    """Put a table in a focusable, labelled scroll region and mark header and number cells.

    A wide table then scrolls on its own on a phone instead of widening the page (USWDS's
    scrollable table), and keyboard users can reach it to scroll. The region is named by the
    caption when there is one, as DESIGN.md asks, else "Table 2".
    """
    wrapper = ET.Element("div", {"class": "table-scroll", "role": "region", "tabindex": "0"})
    if caption is not None:
        table.insert(0, caption)
        wrapper.set("aria-labelledby", caption.attrib["id"])
    else:
        wrapper.set("aria-label", f"Table {number}")
    _mark_cells(table)
    wrapper.append(table)
    return wrapper


def _mark_cells(table: ET.Element) -> None:
    """Header cells get a scope, number cells (and the heading of a column of numbers) the
    class `num`, and the first cell of each row becomes its header when it labels the row."""
    head = [row for part in table if part.tag == "thead" for row in part if row.tag == "tr"]
    rows = [row for part in table if part.tag == "tbody" for row in part if row.tag == "tr"]
    numeric_columns: dict[int, bool] = {}
    for row in rows:
        for column, cell in enumerate(row):
            is_number = bool(_NUMERIC_CELL.fullmatch(_cell_text(cell)))
            if is_number:
                _add_class(cell, "num")
            numeric_columns[column] = numeric_columns.get(column, True) and is_number
    for row in head:
        for column, cell in enumerate(row):
            cell.set("scope", "col")
            if numeric_columns.get(column):
                _add_class(cell, "num")  # the heading lines up with its right-aligned numbers
    if _labels_rows(head, rows):
        for row in head:
            _remove_class(row[0], "num")  # labels, even a column of years, read from the left
        for row in rows:
            row[0].tag = "th"
            row[0].set("scope", "row")
            _remove_class(row[0], "num")


def _labels_rows(head: list[ET.Element], rows: list[ET.Element]) -> bool:
    """Whether the first column holds the rows' labels (docs: README, "Tables").

    It does in a table of at least two columns when every cell of it has text that is not a
    number (a year such as 2019 counts as a label): "Share of investment | 30%". A first
    column of numbers is data, and so is one with an empty cell.
    """
    if not rows or not head or len(head[0]) < 2:
        return False
    for row in rows:
        text = _cell_text(row[0]) if len(row) else ""
        if not text or (_NUMERIC_CELL.fullmatch(text) and not _YEAR.fullmatch(text)):
            return False
    return True


def _cell_text(cell: ET.Element) -> str:
    """A cell's text, as the number test reads it."""
    return "".join(cell.itertext()).strip()


def _add_class(element: ET.Element, name: str) -> None:
    """Add a class, keeping the ones there (an alignment class stays)."""
    classes = element.get("class", "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))


def _remove_class(element: ET.Element, name: str) -> None:
    """Remove a class, and the attribute when none is left."""
    classes = [c for c in element.get("class", "").split() if c != name]
    if classes:
        element.set("class", " ".join(classes))
    elif "class" in element.attrib:
        del element.attrib["class"]


def _bind_units(root: ET.Element) -> None:
    """Put no-break spaces between numbers and units outside code ('37.3 km²', '100 million')."""

    def fix(text: str | None) -> str | None:
        return bind_units(text) if text else text  # the rule plain text gets too

    def walk(element: ET.Element) -> None:
        if element.tag in ("code", "pre", "kbd", "samp"):
            element.tail = fix(element.tail)
            return
        element.text = fix(element.text)
        for child in element:
            walk(child)
        element.tail = fix(element.tail)

    for child in root:
        walk(child)


class _Fences(FencedBlockPreprocessor):
    """Code fences that take a language and `hl_lines`, nothing else from `{...}`.

    Python-Markdown passes a fence's other attributes on: `#main-content` becomes an id,
    `.notice` a class, and `noclasses`, `css_class` or `lineanchors` turn into inline styles,
    classes and ids written by Pygments. That HTML is stashed, out of reach of the tree
    checks, and in `escape` mode no sanitiser sees it either.
    """

    def handle_attrs(
        self, attrs: Iterable[tuple[str, str]]
    ) -> tuple[str, list[str], dict[str, Any]]:
        """(no id, only the first class: the language, only `hl_lines`)."""
        _, classes, configs = super().handle_attrs(attrs)
        return "", classes[:1], {k: v for k, v in configs.items() if k == "hl_lines"}


class _AttachedCaption(BlockProcessor):
    """A "Table:" line written right above a table, with no blank line between, is split off
    so it captions the table as it does with one; otherwise the tables extension sees no
    table there and the whole block, pipes and dashes, became one paragraph."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md.parser)
        self.tables: BlockProcessor = md.parser.blockprocessors["table"]

    def _table_at(self, parent: ET.Element, block: str) -> int:
        """The line the table starts on in a block starting "Table:", or 0 when none does.

        Only the first line followed by a separator row is tried, so a long paragraph costs
        one pass, not one table test per line.
        """
        if not _CAPTION.match(block):
            return 0
        lines = block.split("\n")
        for index in range(1, len(lines) - 1):
            if "|" in lines[index] and _SEPARATOR_ROW.fullmatch(lines[index + 1]):
                rest = "\n".join(lines[index:])
                return index if self.tables.test(parent, rest) else 0
        return 0

    def test(self, parent: ET.Element, block: str) -> bool:
        """Whether the block is a caption line with a table right below it."""
        return self._table_at(parent, block) > 0

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        """Split the block into the caption's and the table's."""
        block = blocks.pop(0)
        index = self._table_at(parent, block)
        lines = block.split("\n")
        blocks[:0] = ["\n".join(lines[:index]), "\n".join(lines[index:])]


class _BriefExtension(Extension):
    """Registers the two tree-processors around Python-Markdown's own `toc`."""

    def __init__(self, owner: Markup) -> None:
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Run `_ReserveIds` just before `toc` (priority 5) and `_Finish` just after it."""
        md.treeprocessors.register(_ReserveIds(md), "briefsite-reserve-ids", 5.5)
        md.treeprocessors.register(_Finish(md, self.owner), "briefsite-finish", 4)
        fenced = next(e for e in md.registeredExtensions if isinstance(e, FencedCodeExtension))
        # Same name and priority as fenced_code's own (25), which this replaces.
        md.preprocessors.register(_Fences(md, fenced.getConfigs()), "fenced_code_block", 25)
        # Just before the tables extension's own (75), which must see the table alone.
        md.parser.blockprocessors.register(_AttachedCaption(md), "briefsite-caption", 75.5)


def heading_id(text: str, separator: str) -> str:
    """A heading's id: Python-Markdown's own (`slugify`: ASCII words joined by '-'), with
    Chinese spelt in pinyin first (`## 土地供应` -> `tu-di-gong-ying`), so a Chinese heading
    gets an id that reads as it and stays when another heading is added; without this, every
    heading without Latin letters got `_1`, `_2` in order. Headings without Chinese keep the
    ids they had, byte for byte. Pinyin rather than the characters themselves: an id in
    Chinese is percent-encoded in every link that is copied or printed."""
    return slugify(pinyin_words(text), separator)


class Markup:
    """A reusable renderer: one `markdown.Markdown`, reset between briefs (it is costly to make)."""

    def __init__(self, raw_html: str = "sanitize", lang: str = "en") -> None:
        self.raw_html = raw_html
        self.job: _Job | None = None
        # Extensions as objects, not by name: a name is looked up among the entry points of
        # every installed distribution (importing `importlib.metadata` and reading each
        # one's metadata, a tenth of a second in every process that makes a renderer, such
        # as the worker an edit build forks), and any installed package could register one.
        self.md = markdown.Markdown(
            extensions=[
                TableExtension(),
                # In the brief's language, from the interface catalogue (`i18n`): English for
                # every en-*, Chinese for every zh-*, English where there is no catalogue. The
                # catalogues are part of `cache.code_version`, so a body cached with one
                # translation is never shown with another.
                FootnoteExtension(
                    BACKLINK_TEXT=tr(lang, "Back to text"),
                    BACKLINK_TITLE=tr(lang, "Back to the place in the text that refers to note %d"),
                ),
                TocExtension(toc_depth="2-3", slugify=heading_id),
                FencedCodeExtension(),
                CodeHiliteExtension(css_class=HIGHLIGHT_CLASS, guess_lang=False),
                AbbrExtension(),
                DefListExtension(),
                AdmonitionExtension(),
                TypographyExtension(),  # `smarty`'s output, a fraction of its cost
                SaneListExtension(),
                _BriefExtension(self),
            ],
            output_format="html",
        )
        if raw_html == "escape":
            # Python-Markdown's documented way to show raw HTML as text rather than pass it on.
            self.md.preprocessors.deregister("html_block")
            self.md.inlinePatterns.deregister("html")

    def rewrite(self, href: str, job: _Job) -> str:
        """Record a link to a brief's Markdown file and leave a placeholder for its address.

        The address is read as the browser will (`#&#116;erms` is `#terms`), so the anchor
        check tests what readers follow; the link is recorded as the editor wrote it.
        """
        parts = urlsplit(as_browser_reads(href))
        if parts.scheme or parts.netloc:
            return href  # an external address, left as written
        written = _as_written(href)
        fragment = unquote(parts.fragment)
        own = job.brief.source_path
        if not parts.path:
            if fragment:
                job.links.append((written, own, fragment, href, ""))
            return href
        if not parts.path.endswith(".md"):
            return href
        path = link_target_path(own, unquote(parts.path))
        placeholder = f"#{PLACEHOLDER_PREFIX}{job.nonce}-{len(job.links)}"
        job.links.append((written, path, fragment, href, placeholder))
        return placeholder

    def body(self, brief: Brief) -> Body:
        """Render one brief's body: a function of the brief's file alone."""
        nonce = hashlib.sha256(brief.body_markdown.encode()).hexdigest()[:12]
        self.job = _Job(brief, nonce)
        try:
            self.md.reset()
            html = self.md.convert(brief.body_markdown)
            toc_tokens: list[dict[str, Any]] = list(getattr(self.md, "toc_tokens", []))
            job = self.job
        finally:
            self.job = None
        found = leftovers.scan(html)
        if self.raw_html == "sanitize" and found.frames:
            html = leftovers.replace_frames(html, found.frames)  # the sanitiser would drop them
        # Before the sanitiser, which would drop a `file:` address in raw HTML unseen.
        html, annexes = annexrefs.scan(html, nonce, url_scheme)
        source = leftovers.SourceText(brief.body_markdown, brief.body_line)
        problems = leftovers.warnings_for(
            brief.source_path, source, found, self.raw_html == "sanitize"
        )
        problems += _stray_caption_problems(brief.source_path, source, job.stray_captions)
        body, notes = _split_notes(html) if job.has_notes else (html, "")
        placed = list(_placed_links(brief, job.links))
        ids = job.ids
        if self.raw_html == "sanitize":
            ids = set()  # what survives the sanitiser, renamed as it renames
            body, notes = _sanitize(body, ids), _sanitize(notes, ids)
        elif self.raw_html == "allow":
            ids = ids | _html_ids(body) | _html_ids(notes)  # raw HTML's own ids too
        return Body(
            html=body,
            notes_html=notes,
            toc=tuple(_headings(toc_tokens)),
            ids=frozenset(ids),
            links=tuple(ref for ref, _ in placed),
            sanitized=self.raw_html == "sanitize",
            problems=tuple(problems),
            markdown=zlib.compress(_markdown_copy(brief.body_markdown, placed).encode("utf-8")),
            annexes=_place_annexes(brief, annexes),
        )


def _stray_caption_problems(
    path: str, source: leftovers.SourceText, stray: list[int]
) -> list[Problem]:
    """A warning for each "Table:" paragraph above no table: an editor used to Pandoc may put
    it below the table, where it would stay an ordinary paragraph.

    `stray` counts among the paragraphs that start "Table:"; the lines where such paragraphs
    are written are counted the same way (not in code, after a blank line or a heading).
    """
    if not stray:
        return []
    places = [
        m.start()
        for m in source.matches(_CAPTION_LINE)
        if _starts_paragraph(source.text, m.start())
    ]
    problems = []
    for index in stray[: leftovers.REPORTED_AT_MOST]:
        line, col = (
            source.position(places[index]) if index < len(places) else (source.first_line, 1)
        )
        problems.append(
            warning(
                path,
                line,
                col,
                "a paragraph starting 'Table:' captions only the table right below it, and no "
                "table follows this one",
                "move it to just above its table (a Markdown table), or reword it",
            )
        )
    return problems


def _starts_paragraph(text: str, offset: int) -> bool:
    """Whether the line at `offset` starts a paragraph: the body's first line, or one after a
    blank line or a heading."""
    if offset == 0:
        return True
    previous = text[text.rfind("\n", 0, offset - 1) + 1 : offset - 1]
    return not previous.strip() or previous.lstrip().startswith("#")


def _split_notes(html: str) -> tuple[str, str]:
    """Separate the footnotes list (always last) so the page can put it under "Notes".

    Only called when Markdown made footnotes: an editor's `<div class="footnote">` at the end
    of a brief without any must not become a "Notes" section.
    """
    body, marker, notes = html.rpartition(FOOTNOTES_OPEN)
    if not marker:
        return html, ""
    notes = notes.strip()
    notes = notes.removesuffix("</div>").strip().removeprefix("<hr>").strip()
    return body.rstrip() + "\n", notes + "\n"


def _sanitize(html: str, ids: set[str]) -> str:
    """Remove script, event handlers and unsafe URLs from HTML an editor typed, keep the rest.

    Classes outside `BODY_CLASSES` are dropped and ids the page uses renamed (`editor_id`),
    so raw HTML cannot pose as the page's own parts. Every id kept is added to `ids`: what the
    page really carries, for the anchor check.
    """
    if not html:
        return html

    def attribute(tag: str, name: str, value: str) -> str | None:
        if name == "class":
            return body_classes(value) or None
        if name == "scope":
            return value if value in _SCOPES else None
        if name == "id":
            value = editor_id(value)
            if tag in _ALLOWED_TAGS:  # nh3 asks about a tag's attributes before removing it
                ids.add(value)
        return value

    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=set(SAFE_SCHEMES),
        link_rel=None,
        strip_comments=True,
        # A code block scrolls sideways on a phone: keyboard users must be able to reach it to
        # scroll it (WCAG 2.1.1; axe's scrollable-region-focusable), as they reach a table.
        set_tag_attribute_values={"pre": {"tabindex": "0"}},
    )


def sanitize_fragment(html: str) -> str:
    """A snippet sanitised exactly as a body is, for `links` to write resolved hrefs alike."""
    return _sanitize(html, set())


class _IdCollector(HTMLParser):
    """Every id in an HTML fragment, entities decoded as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the element's id, if it has one."""
        self.ids.update(value for name, value in attrs if name == "id" and value is not None)


def _html_ids(html: str) -> set[str]:
    """The ids in HTML passed through unchanged (`raw_html: allow`)."""
    collector = _IdCollector()
    collector.feed(html)
    collector.close()
    return collector.ids


def _headings(tokens: list[dict[str, Any]]) -> Iterator[Heading]:
    """The h2 headings (and their h3s) as contents entries."""
    for token in tokens:
        yield Heading(token["level"], token["id"], _plain(token.get("name", "")))
        yield from _headings(token.get("children", []))


def _plain(text: str) -> str:
    """A heading's text without entities Markdown left in (smart quotes come as entities), its
    numbers bound to their units as in the heading itself (`toc` reads it before that)."""
    return bind_units(unescape(text))


def _markdown_copy(body: str, placed: Iterable[tuple[LinkRef, int]]) -> str:
    """The body's Markdown with each link to a brief, where it stands as a link target,
    replaced by its placeholder; every other character as the editor wrote it. Two links
    through one reference definition share its place (and their target): it is replaced once.
    """
    at = {offset: ref for ref, offset in placed if offset >= 0 and ref.placeholder}
    parts, done = [], 0
    for offset in sorted(at):
        ref = at[offset]
        parts += [body[done:offset], ref.placeholder]
        done = offset + len(ref.href)
    return "".join(parts) + body[done:]


def _place_links(brief: Brief, found: list[tuple[str, str, str, str, str]]) -> Iterator[LinkRef]:
    """Find where each link is written in the file (`_placed_links`, without the offsets)."""
    return (ref for ref, _ in _placed_links(brief, found))


def _placed_links(
    brief: Brief, found: list[tuple[str, str, str, str, str]]
) -> Iterator[tuple[LinkRef, int]]:
    """Find where each link is written in the file, for messages that name line and column.

    Links are found in the order Markdown met them, each at the first place after the previous
    one of the same target, and only where a link target can stand (`](` or `]: `), so
    `#terms` is not mistaken for the end of an earlier `land-offer.md#terms`. The body is
    scanned once for every such place; each link is then a lookup, so a brief with many links
    costs n log n, not n². Each link comes with the offset of its target in the body, or -1
    when it stands as no link target there.
    """
    body = brief.body_markdown
    targets = _link_targets(body)
    line_starts = [0, *(m.end() for m in re.finditer("\n", body))]
    search_from: dict[str, int] = {}
    anywhere: dict[str, int] = {}  # where the text of a link found nowhere as a target is
    for href, path, fragment, value, placeholder in found:
        offset = _find_target(body, targets, href, search_from.get(href, 0))
        target = offset  # where it stands as a link target (-1: found only as text, or not)
        if offset < 0:
            if href not in anywhere:
                anywhere[href] = body.find(href)
            offset = anywhere[href]
        search_from[href] = offset + 1 if offset >= 0 else 0
        line, col = _line_col(line_starts, offset) if offset >= 0 else (0, 0)
        line = brief.body_line + line - 1 if line else 0
        yield LinkRef(href, path, fragment, line, col, value, placeholder), target


def _place_annexes(brief: Brief, found: list[annexrefs.AnnexRef]) -> tuple[annexrefs.AnnexRef, ...]:
    """Each image and link to a file at the place its address is written: Markdown's as links
    are placed (`_place_links`), raw HTML's at an attribute (`annexrefs.place_raw`); one
    whose address is not found, or that has none, at the body's first line."""
    if not found:
        return ()
    markdown = [ref.written for ref in found if ref.written and ref.markdown]
    placed = _place_links(brief, [(written, "", "", "", "") for written in markdown])
    raw = [ref.written for ref in found if ref.written and not ref.markdown]
    line_starts = [0, *(m.end() for m in re.finditer("\n", brief.body_markdown))]
    raw_places = iter(annexrefs.place_raw(brief.body_markdown, raw))
    kept = []
    for ref in found:
        line, col = brief.body_line, 1
        if ref.written and ref.markdown:
            where = next(placed)
            line, col = (where.line, where.col) if where.line else (line, col)
        elif ref.written:
            offset = next(raw_places)
            if offset >= 0:
                at_line, col = _line_col(line_starts, offset)
                line = brief.body_line + at_line - 1
        kept.append(dataclasses.replace(ref, line=line, col=col))
    return tuple(kept)


# Where a link target starts (after `](` or `]:`), and what ends one.
_TARGET_START = re.compile(r"\]\(\s*<?|\]:\s*<?")
_TARGET_END = re.compile(r"[\s)>\"']")


def _link_targets(body: str) -> dict[str, list[int]]:
    """Every place a link target starts, by its text up to the first character that can end
    one (the whole target, unless it holds spaces, quotes or parentheses), in order."""
    targets: dict[str, list[int]] = defaultdict(list)
    for match in _TARGET_START.finditer(body):
        start = match.end()
        found = _TARGET_END.search(body, start)  # (not every space of the body: a few links)
        end = found.start() if found else len(body)
        targets[body[start:end]].append(start)
    return targets


def _find_target(body: str, targets: dict[str, list[int]], href: str, start: int) -> int:
    """Where `href` stands as a whole link target at or after `start`, else the first place
    anywhere; -1 when nowhere."""
    cut = _TARGET_END.search(href)
    places = targets.get(href[: cut.start()] if cut else href, [])
    index = bisect_left(places, start)
    # Lazily: a target without spaces or quotes matches at its first place.
    for place in map(places.__getitem__, chain(range(index, len(places)), range(index))):
        end = place + len(href)
        if body.startswith(href, place) and (end == len(body) or _TARGET_END.match(body, end)):
            return place
    return -1


def _line_col(line_starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of an offset, given where each line starts."""
    line = bisect_right(line_starts, offset)
    return line, offset - line_starts[line - 1] + 1


def pygments_css() -> str:
    """The highlighting stylesheet, generated at build time from the installed Pygments."""
    formatter: HtmlFormatter[str] = HtmlFormatter(style="default")
    light = formatter.get_style_defs(f".{HIGHLIGHT_CLASS}")  # type: ignore[no-untyped-call]
    return f"/* Generated by Pygments for code blocks. */\n{light}\n"
