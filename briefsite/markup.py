"""The one configured Markdown pipeline: a `Brief`'s body to HTML, contents list and links.

Rendering returns values (Zola's `render_content` is the model): the body HTML, the footnotes
split out for the "Notes" section, the table of contents, every id a link may target, and every
link to another brief with its position, so `check` can verify links in one pass later.
Links between briefs are written as relative paths to their Markdown files
(`[offer](land-offer.md#terms)`) and rewritten here to the target page's address.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter

from . import urls
from .catalog import Catalog, link_target_path
from .frontmatter import Brief

# Ids the brief template gives its own sections. Body headings are kept off them, so a
# "## Sources" heading in a brief cannot produce a second id="sources" on the page.
PAGE_IDS = (
    "main-content", "contents", "key-figures", "notes", "sources", "history", "related-title",
    "draft-title", "expired-title",
)  # fmt: skip
HIGHLIGHT_CLASS = "highlight"
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
FOOTNOTES_OPEN = '<div class="footnote">'

# Units and scale words that must not be split from their number at a line end.
_UNIT_WORDS = (
    "km²|km2|m²|hectares|ha|km|million|billion|trillion|thousand|yuan|per cent|percent|"
    "percentage points|projects|companies"
)
_NUMBER_UNIT = re.compile(rf"(?<=\d) (?=(?:{_UNIT_WORDS})\b)")
_NUMERIC_CELL = re.compile(r"[-+\u2212]?[\d.,]+\s*(%|km²|percentage points)?")
_SCALE_UNIT = re.compile(r"(?<=million|billion) (?=yuan\b)|(?<=trillion) (?=yuan\b)")

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
    "div": {"role", "tabindex", "aria-label"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "scope", "align"},
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
    """A link from a brief's body to a brief (possibly itself), with where it is written."""

    href: str  # as the editor wrote it
    target_slug: str | None  # None: no published brief lives at that path
    fragment: str
    line: int
    col: int
    target_path: str = ""  # the source file the link names, e.g. "briefs/land-offer.md"


@dataclass(frozen=True)
class RenderedBrief:
    """A `Brief` with its body rendered: what the page templates show."""

    brief: Brief
    body_html: str
    notes_html: str
    toc: tuple[Heading, ...]
    ids: frozenset[str]  # every id in the body and notes, for anchor checks
    links: tuple[Link, ...]

    @property
    def has_code(self) -> bool:
        """Whether the page needs the code-highlighting stylesheet."""
        return f'class="{HIGHLIGHT_CLASS}"' in self.body_html or (
            f'class="{HIGHLIGHT_CLASS}"' in self.notes_html
        )


@dataclass
class _Job:
    """What the tree-processors need to know about the brief being rendered right now."""

    brief: Brief
    catalog: Catalog
    directory_urls: bool
    links: list[tuple[str, str | None, str, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _ReserveIds(Treeprocessor):
    """Before `toc` runs, plant the page's own ids so `toc` gives headings other ids."""

    def run(self, root: ET.Element) -> None:
        """Append one empty placeholder element per reserved id."""
        for name in PAGE_IDS:
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
        tables = 0
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    tables += 1
                    parent[index] = _wrap_table(child, tables)
        for element in root.iter():
            if "id" in element.attrib:
                job.ids.add(element.attrib["id"])
            _align_by_class(element)
            if self.owner.raw_html != "allow":
                _drop_unsafe_urls(element)
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


def _drop_unsafe_urls(element: ET.Element) -> None:
    """Remove `javascript:` and other non-web URLs from links and images Markdown made.

    The sanitiser does this for raw HTML; Markdown's own `[x](javascript:...)` needs it too,
    including in `escape` mode, where no sanitiser runs.
    """
    for name in ("href", "src"):
        value = element.get(name)
        if value is None:
            continue
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme and scheme not in SAFE_SCHEMES:
            del element.attrib[name]


def _wrap_table(table: ET.Element, number: int) -> ET.Element:
    """Put a table in a focusable, labelled scroll region and mark header and number cells.

    A wide table then scrolls on its own on a phone instead of widening the page (USWDS's
    scrollable table), and keyboard users can reach it to scroll.
    """
    wrapper = ET.Element(
        "div", {"class": "table-scroll", "role": "region", "tabindex": "0",
                "aria-label": f"Table {number}"}
    )  # fmt: skip
    for th in table.iter("th"):
        th.set("scope", "col")
    numeric_columns: dict[int, bool] = {}
    for row in table.iter("tr"):
        for column, cell in enumerate(c for c in row if c.tag == "td"):
            text = "".join(cell.itertext()).strip()
            is_number = bool(_NUMERIC_CELL.fullmatch(text))
            if is_number:
                cell.set("class", "num")
            numeric_columns[column] = numeric_columns.get(column, True) and is_number
    header = next(table.iter("thead"), None)
    for row in header.iter("tr") if header is not None else ():
        for column, cell in enumerate(row):
            if numeric_columns.get(column):
                cell.set("class", "num")  # the heading lines up with its right-aligned numbers
    wrapper.append(table)
    return wrapper


def _bind_units(root: ET.Element) -> None:
    """Put no-break spaces between numbers and units outside code ('37.3 km²', '100 million')."""

    def fix(text: str | None) -> str | None:
        if not text:
            return text
        return _SCALE_UNIT.sub("\u00a0", _NUMBER_UNIT.sub("\u00a0", text))

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


class _BriefExtension(Extension):
    """Registers the two tree-processors around Python-Markdown's own `toc`."""

    def __init__(self, owner: Markup) -> None:
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Run `_ReserveIds` just before `toc` (priority 5) and `_Finish` just after it."""
        md.treeprocessors.register(_ReserveIds(md), "briefsite-reserve-ids", 5.5)
        md.treeprocessors.register(_Finish(md, self.owner), "briefsite-finish", 4)


class Markup:
    """A reusable renderer: one `markdown.Markdown`, reset between briefs (it is costly to make)."""

    def __init__(self, raw_html: str = "sanitize", lang: str = "en") -> None:
        self.raw_html = raw_html
        self.job: _Job | None = None
        self.md = markdown.Markdown(
            extensions=[
                "tables",
                "footnotes",
                "toc",
                "fenced_code",
                "codehilite",
                "abbr",
                "def_list",
                "admonition",
                "smarty",
                "sane_lists",
                _BriefExtension(self),
            ],
            extension_configs={
                "toc": {"toc_depth": "2-3"},
                "codehilite": {"css_class": HIGHLIGHT_CLASS, "guess_lang": False},
                "footnotes": {
                    "BACKLINK_TEXT": "Back to text" if lang == "en" else "返回正文",
                    "BACKLINK_TITLE": "Back to the place in the text that refers to note %d",
                },
            },
            output_format="html",
        )
        if raw_html == "escape":
            # Python-Markdown's documented way to show raw HTML as text rather than pass it on.
            self.md.preprocessors.deregister("html_block")
            self.md.inlinePatterns.deregister("html")

    def rewrite(self, href: str, job: _Job) -> str:
        """Turn a link to a brief's Markdown file into that brief's address; record the link."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return href  # an external address, left as written
        fragment = unquote(parts.fragment)
        if not parts.path:
            if fragment:
                job.links.append((href, job.brief.slug, fragment, job.brief.source_path))
            return href
        if not parts.path.endswith(".md"):
            return href
        path = link_target_path(job.brief.source_path, unquote(parts.path))
        target = job.catalog.by_source.get(path)
        if target is None:
            job.links.append((href, None, fragment, path))
            return href
        job.links.append((href, target.slug, fragment, path))
        site_path = target.path + ("#" + fragment if fragment else "")
        return urls.relative(site_path, job.brief.path, job.directory_urls)

    def render(self, brief: Brief, catalog: Catalog, directory_urls: bool = True) -> RenderedBrief:
        """Render one brief's body."""
        self.job = _Job(brief, catalog, directory_urls)
        try:
            self.md.reset()
            html = self.md.convert(brief.body_markdown)
            toc_tokens: list[dict[str, Any]] = list(getattr(self.md, "toc_tokens", []))
            job = self.job
        finally:
            self.job = None
        body, notes = _split_notes(html)
        if self.raw_html == "sanitize":
            body, notes = _sanitize(body), _sanitize(notes)
        return RenderedBrief(
            brief=brief,
            body_html=body,
            notes_html=notes,
            toc=tuple(_headings(toc_tokens)),
            ids=frozenset(job.ids),
            links=tuple(_place_links(brief, job.links)),
        )


def _split_notes(html: str) -> tuple[str, str]:
    """Separate the footnotes list (always last) so the page can put it under "Notes"."""
    body, marker, notes = html.rpartition(FOOTNOTES_OPEN)
    if not marker:
        return html, ""
    notes = notes.strip()
    notes = notes.removesuffix("</div>").strip().removeprefix("<hr>").strip()
    return body.rstrip() + "\n", notes + "\n"


def _sanitize(html: str) -> str:
    """Remove script, event handlers and unsafe URLs from HTML an editor typed, keep the rest."""
    if not html:
        return html
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=set(SAFE_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def _headings(tokens: list[dict[str, Any]]) -> Iterator[Heading]:
    """The h2 headings (and their h3s) as contents entries."""
    for token in tokens:
        yield Heading(token["level"], token["id"], _plain(token.get("name", "")))
        yield from _headings(token.get("children", []))


def _plain(text: str) -> str:
    """A heading's text without entities Markdown left in (smart quotes come as entities)."""
    return unescape(text)


def _place_links(brief: Brief, found: list[tuple[str, str | None, str, str]]) -> Iterator[Link]:
    """Find where each link is written in the file, for messages that name line and column.

    Links are found in the order Markdown met them, each search starting after the previous
    match of the same target, and only where a link target can stand (`](` or `]: `), so
    `#terms` is not mistaken for the end of an earlier `land-offer.md#terms`.
    """
    body = brief.body_markdown
    search_from: dict[str, int] = {}
    for href, slug, fragment, path in found:
        start = search_from.get(href, 0)
        pattern = _link_target_pattern(href)
        match = pattern.search(body, start) or pattern.search(body)
        offset = match.start(1) if match else body.find(href)
        search_from[href] = offset + 1 if offset >= 0 else 0
        line, col = _line_col(body, offset) if offset >= 0 else (0, 0)
        yield Link(href, slug, fragment, brief.body_line + line - 1 if line else 0, col, path)


@functools.lru_cache(maxsize=4096)
def _link_target_pattern(href: str) -> re.Pattern[str]:
    """Where `href` stands as a link target: after `](` or `]: `, ending the target."""
    return re.compile(r"(?:\]\(\s*<?|\]:\s*<?)(" + re.escape(href) + r")(?=[\s)>\"']|$)")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def pygments_css() -> str:
    """The highlighting stylesheet, generated at build time from the installed Pygments."""
    light = HtmlFormatter(style="default").get_style_defs(f".{HIGHLIGHT_CLASS}")
    return f"/* Generated by Pygments for code blocks. */\n{light}\n"
