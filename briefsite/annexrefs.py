"""The images and files a brief's body refers to, found in its HTML before the sanitiser runs.

A body is cached by its brief's bytes alone (`compiled`), but an image's width and height and a
document's type and size come from other files. So, as links between briefs are (`links`),
each local reference (`![chart](chart.png)`, `[the policy](policy.pdf)`, and raw HTML's
`<img src>` and `<a href>`) is recorded here with what the checks need, and its address in the
HTML replaced by a placeholder that no brief's text can spell. `annexes` resolves the
references against the files once per build, and `fill` writes the answers in.

Every image is recorded, local or not, since each needs its alt text. The HTML is read with
Python's own HTML parser, as browsers and the sanitiser read it, raw HTML included; a body
with neither an image nor a link that could be local is not parsed at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from .leftovers import is_no_address

PLACEHOLDER_PREFIX = "briefsite-annex-"
# Attributes `markup` puts on elements its Markdown syntax made, read and removed here: on each
# image and each link to a local file Markdown made (an image's empty alt is then a missing
# one, `![](x.png)`; its address is found after `](`), and the `file:` address `markup`
# removed from a link or image (reported here, where raw HTML's are seen too).
MARKDOWN_MADE = "data-briefsite-markdown"
FILE_URL = "data-briefsite-file"
# An image's size and loading come from the file and the rules here, never from the editor.
_FROM_THE_FILE = frozenset({"width", "height", "loading", "decoding"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A body worth parsing: an image, a mark `markup` left, or an href that is not plainly a web,
# mail or same-page one.
_CANDIDATE = re.compile(
    r"<img\b|data-briefsite-|\bhref\s*=\s*(?![\"']?(?:https?://|mailto:|#))", re.IGNORECASE
)
_PLACEHOLDER = re.compile(rf'(src|href)="#({PLACEHOLDER_PREFIX}[0-9a-f]{{12}}-[0-9]+)"')
_LINK_END = re.compile(r"</a\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class AnnexRef:
    """An image, or a link to a file, in a body: what it names and where it is written."""

    written: str  # the address as the HTML gives it (entities decoded), for messages
    element: str  # "img" or "a"
    placeholder: str  # stands for the address until `fill`; "" when it is not a local path
    alt: str | None = None  # an image's alt text; None when it has no alt attribute
    markdown: bool = False  # made by Markdown's `![alt](address)` or `[text](address)`
    eager: bool = False  # the body's first image, above its second heading: may be in view
    file_url: bool = False  # a `file:` address (it never reaches the page)
    line: int = 0  # where the address is written in the brief's file (0: not found)
    col: int = 0


def scan(html: str, nonce: str, scheme: Callable[[str], str]) -> tuple[str, list[AnnexRef]]:
    """The HTML with each local address replaced by a placeholder (`#briefsite-annex-<nonce>-
    <n>`), and every image and link to a local file in it, in order. `scheme`: the scheme a
    browser follows an address with, "" for a relative one (`markup.url_scheme`)."""
    if not _CANDIDATE.search(html):
        return html, []
    scanner = _Scanner(html, nonce, scheme)
    scanner.feed(html)
    scanner.close()
    parts: list[str] = []
    last = 0
    for start, end, text in scanner.edits:
        parts += [html[last:start], text]
        last = end
    parts.append(html[last:])
    return "".join(parts), scanner.refs


class _Scanner(HTMLParser):
    """One pass over a body's HTML: its images and links, with the edits that place them."""

    def __init__(self, html: str, nonce: str, scheme: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", html))]
        self.nonce = nonce
        self.scheme = scheme
        self.headings = 0
        self.images = 0
        self.placeholders = 0
        self.refs: list[AnnexRef] = []
        self.edits: list[tuple[int, int, str]] = []  # (start, end, new text) in the HTML

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record an image or a link to a local file, and rewrite its tag."""
        if tag in _HEADINGS:
            self.headings += 1
        if tag not in ("img", "a"):
            return
        values: dict[str, str | None] = {}
        for name, value in attrs:
            values.setdefault(name, value)  # as browsers read it: the first one counts
        target_name = "src" if tag == "img" else "href"
        target = values.get(target_name)
        markup_file = values.get(FILE_URL)
        kind = "file" if markup_file is not None else self.kind(target)
        if tag == "a" and kind is None:  # a web or mail address, or a place on a page
            if MARKDOWN_MADE in values:
                self.rewrite(tag, attrs, target_name, None, local=False)
            return
        placeholder = ""
        if kind == "local":
            placeholder = f"#{PLACEHOLDER_PREFIX}{self.nonce}-{self.placeholders}"
            self.placeholders += 1
        written = markup_file if markup_file is not None else (target or "")
        self.refs.append(
            AnnexRef(
                written=written,
                element=tag,
                placeholder=placeholder,
                alt=values.get("alt") if tag == "img" else None,
                markdown=MARKDOWN_MADE in values,
                eager=tag == "img" and self.images == 0 and self.headings < 2,
                file_url=kind == "file",
            )
        )
        if tag == "img":
            self.images += 1
        replaced: str | None = placeholder or None
        if kind == "file":
            replaced = ""  # dropped: a file on the editor's computer is no address
        if replaced is not None or MARKDOWN_MADE in values or FILE_URL in values:
            self.rewrite(tag, attrs, target_name, replaced, local=kind == "local")

    def kind(self, target: str | None) -> str | None:
        """'file' for a file: address, 'local' for a path to a file, None for anything else
        (a web or mail address, a place on the page, no address, a template leftover)."""
        if target is None or not target.strip():
            return None
        scheme = self.scheme(target)
        if scheme == "file":
            return "file"
        plain = target.strip().replace("\\", "/")  # browsers read a backslash as a slash
        if scheme or plain.startswith(("//", "#", "?")) or is_no_address(target):
            return None
        return "local"

    def rewrite(
        self,
        tag: str,
        attrs: list[tuple[str, str | None]],
        target_name: str,
        target: str | None,
        local: bool,
    ) -> None:
        """Replace the tag just read: `target` for its address ("" drops it, None keeps it),
        without the marks `markup` left, nor, on a local image, the attributes its file sets."""
        line, col = self.getpos()
        start = self.line_starts[line - 1] + col
        end = start + len(self.get_starttag_text() or "")
        kept: list[str] = []
        seen = False  # the address: browsers read the first one, so any other is dropped
        for name, value in attrs:
            if name in (MARKDOWN_MADE, FILE_URL) or (local and name in _FROM_THE_FILE):
                continue
            if name == target_name and target is not None:
                if target and not seen:
                    kept.append(f' {name}="{escape(target)}"')
                seen = True
                continue
            kept.append(f" {name}" if value is None else f' {name}="{escape(value)}"')
        self.edits.append((start, end, f"<{tag}{''.join(kept)}>"))


def fill(html: str, answers: Mapping[str, tuple[str, str]]) -> str:
    """`html` with each placeholder `answers` knows (placeholder -> (the attributes written in
    its place, the text written after the element: a link's closing tag)) written in; any
    other placeholder is left as it is (it belongs to a brief whose references failed, which
    is never published)."""
    edits: list[tuple[int, int, str]] = []
    for match in _PLACEHOLDER.finditer(html):
        found = answers.get("#" + match.group(2))
        if found is None:
            continue
        attributes, after = found
        edits.append((match.start(), match.end(), attributes))
        if after and match.group(1) == "href":
            closing = _LINK_END.search(html, match.end())
            if closing is not None:
                edits.append((closing.end(), closing.end(), after))
    if not edits:
        return html
    edits.sort(key=lambda edit: edit[:2])
    parts: list[str] = []
    last = 0
    for start, end, text in edits:
        parts += [html[last:start], text]
        last = end
    parts.append(html[last:])
    return "".join(parts)


# Where an attribute's value starts in raw HTML: `src="`, `href='`, `href=`.
_ATTRIBUTE_VALUE = re.compile(r"""\b(?:src|href)\s*=\s*["']?""", re.IGNORECASE)


def place_raw(text: str, addresses: list[str]) -> list[int]:
    """Where each address of raw HTML stands in a body's Markdown `text` (offsets, -1 when
    not found), in order: at an attribute's value after the previous place of the same
    address, else anywhere (an address written with entities is found nowhere)."""
    starts = [m.end() for m in _ATTRIBUTE_VALUE.finditer(text)]
    after: dict[str, int] = {}  # an address -> the place from which to look for it next
    places = []
    for address in addresses:
        begin = after.get(address, 0)
        found = next(
            (place for place in starts if place >= begin and text.startswith(address, place)),
            -1,
        )
        if found < 0:
            found = text.find(address)
        after[address] = found + 1 if found >= 0 else 0
        places.append(found)
    return places
