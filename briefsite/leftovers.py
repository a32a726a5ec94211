"""Leftovers of other publishing systems in a brief's body, found in its HTML, placed in its file.

Content moved from another site brings that site's template tags (`{% image "a.jpg" %}`,
`{{ "/" | url }}`) and embedded players. Markdown passes the tags through as text or as link
targets, and the sanitiser removes an `<iframe>` without a trace, leaving "Watch the video:"
with nothing after it. Nothing here changes what a brief may contain; it says what readers
would see, as warnings with the line and column where the editor wrote it, and turns a removed
frame into a link to what it showed.

What counts is decided on the rendered HTML, where Markdown has already said what is code: a
tag inside a code span or block is an example and stays silent. Python-Markdown keeps no
positions, so each finding is then looked up in the Markdown text (outside fenced code and
code spans), in order; a finding that cannot be found there is placed at the body's first line.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html import escape
from html.entities import html5
from html.parser import HTMLParser
from urllib.parse import urlsplit

from .problems import Problem, warning

# A template tag of Jinja, Liquid, Nunjucks or Hugo: `{% … %}` or `{{ … }}`, on at most a few
# lines (bounded, so a stray `{{` costs linear time, not a search of the rest of the brief).
TEMPLATE_TAG = re.compile(r"\{%(?:(?!%\}).){0,300}?%\}|\{\{(?:(?!\}\}).){0,300}?\}\}", re.DOTALL)
# Characters no web address or file path holds as written: a target with one of them is a
# template expression or a typing mistake, and the link leads nowhere.
_NOT_IN_ADDRESSES = re.compile(r'[{}|"<>\\]')
# Elements whose text is code: template syntax in them is shown on purpose.
_CODE = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
_IFRAME_END = re.compile(r"</iframe\s*>", re.IGNORECASE)
_SHOWN = 60  # characters of a finding quoted in a message
# Findings of one kind reported per brief: a page moved from another site may hold hundreds,
# and the first few say what to fix. The rest are counted in one more warning.
REPORTED_AT_MOST = 10
# Where text stops: a tag is not looked for across two paragraphs or cells.
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "ol", "p", "section", "summary", "table", "td", "th", "tr", "ul",
}  # fmt: skip


@dataclass(frozen=True)
class Frame:
    """An `<iframe>` in the body's HTML: where it stands and what it showed."""

    start: int  # offset of `<iframe` in the HTML
    end: int  # offset after `</iframe>` (or after the start tag, when never closed)
    src: str
    block: bool  # stands alone between block elements, so its link gets a paragraph


@dataclass
class Findings:
    """What the body's HTML shows that came from another system."""

    tags: list[str] = field(default_factory=list)  # template tags in text, as readers see them
    targets: list[tuple[str, str]] = field(default_factory=list)  # (element, href or src)
    frames: list[Frame] = field(default_factory=list)


class _Scanner(HTMLParser):
    """One pass over the HTML: template tags in text outside code, odd link targets, frames."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", html))]
        self.found = Findings()
        self.code_depth = 0
        self.text: list[str] = []  # text since the last block or code element
        self.open_frame: Frame | None = None  # its `end`: just after its start tag

    def here(self) -> int:
        """The current position in the HTML as an offset."""
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def flush(self) -> None:
        """Look for template tags in the text gathered since the last element."""
        text = "".join(self.text)
        self.text = []
        self.found.tags += [m.group(0) for m in TEMPLATE_TAG.finditer(text)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note frames and the targets of links and images; code starts here."""
        values = {name: value or "" for name, value in attrs}
        if tag in ("a", "img"):
            target = values.get("href" if tag == "a" else "src")
            if target and is_no_address(target):
                self.found.targets.append((tag, target))
        if tag == "iframe" and self.open_frame is None:
            start = self.here()
            end = start + len(self.get_starttag_text() or "")
            block = self.html[max(0, start - 1) : start] in ("", "\n")
            self.open_frame = Frame(start, end, values.get("src", ""), block)
        if tag in _CODE or tag in _BLOCKS:
            self.flush()
        if tag in _CODE:
            self.code_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """`<img ... />`, or `<iframe ... />`: a frame that ends with its tag."""
        self.handle_starttag(tag, attrs)
        if tag == "iframe" and self.open_frame is not None:
            self.found.frames.append(self.open_frame)
            self.open_frame = None

    def handle_endtag(self, tag: str) -> None:
        """Close a frame; code ends here."""
        if tag == "iframe" and self.open_frame is not None:
            closing = _IFRAME_END.match(self.html, self.here())
            end = closing.end() if closing else self.here()
            self.found.frames.append(replace(self.open_frame, end=end))
            self.open_frame = None
        if tag in _BLOCKS:
            self.flush()
        if tag in _CODE and self.code_depth:
            self.code_depth -= 1

    def handle_data(self, data: str) -> None:
        """Gather text outside code; template tags may span several text pieces."""
        if not self.code_depth:
            self.text.append(data)

    def close(self) -> None:
        """A frame never closed ends at its start tag: the rest of the body is kept."""
        super().close()
        self.flush()
        if self.open_frame is not None:
            self.found.frames.append(self.open_frame)
            self.open_frame = None


def is_no_address(target: str) -> bool:
    """Whether a link's or image's target is no address nor path: a template expression or a
    typing mistake, warned about here (so `annexrefs` does not look for it as a file)."""
    return bool(_NOT_IN_ADDRESSES.search(target) or TEMPLATE_TAG.search(target))


# What the scan looks for needs, in the HTML as written: a brace (a template tag), a bar or a
# backslash (a target that is no address), a frame, or a character reference HTMLParser
# decodes to one of those or to a quote or angle bracket (by number, as below, or by one of
# the names below), or a link or image tag not as Python-Markdown writes them (a quote or
# angle bracket may then stand in an address). Most bodies have none of these (a footnote's
# `&#160;` is none): they have no findings, and are not parsed, which took a tenth of the
# time of compiling a brief.
_ODD_CHARACTERS = '{}|"<>\\'
_MAY_FIND = re.compile(
    r"[{}|\\]|<iframe"
    + r"|&#0*(?:"
    + "|".join(str(ord(c)) for c in _ODD_CHARACTERS)
    + r")(?![0-9])|&#x0*(?:"
    + "|".join(f"{ord(c):x}" for c in _ODD_CHARACTERS)
    + r")(?![0-9a-f])|&(?:"
    + "|".join(
        sorted(
            {
                re.escape(name.rstrip(";"))
                for name, text in html5.items()
                if set(text) & set(_ODD_CHARACTERS)
            }
        )
    )
    + ")",
    re.IGNORECASE,
)
_LINK_OR_IMAGE = re.compile(r"<(?:a|img)(?=[\s/>])", re.IGNORECASE)
_PLAIN_TAG = re.compile(
    r'<(?:a|img)(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*="(?:[^"<>&]|&amp;)*")*\s*/?>', re.IGNORECASE
)


def _may_find(html: str) -> bool:
    """Whether `scan` could find anything in `html` (False: it finds nothing)."""
    if _MAY_FIND.search(html):
        return True
    return any(not _PLAIN_TAG.match(html, m.start()) for m in _LINK_OR_IMAGE.finditer(html))


def scan(html: str) -> Findings:
    """Template tags in text (outside code), link and image targets that are no address, and
    `<iframe>`s, in the order they stand in `html`."""
    return _parse(html) if _may_find(html) else Findings()


def _parse(html: str) -> Findings:
    """`scan`, by parsing the HTML."""
    scanner = _Scanner(html)
    scanner.feed(html)
    scanner.close()
    return scanner.found


def frame_link(src: str) -> tuple[str, str] | None:
    """(address, host) of the link that stands for a frame: https only, as readers follow it.

    A protocol-relative `//host/…` is what an https page loads over https, so it counts.
    """
    address = "https:" + src if src.startswith("//") else src
    try:
        parts = urlsplit(address)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname:
        return None
    return address, parts.hostname


def replace_frames(html: str, frames: list[Frame]) -> str:
    """The HTML with each frame replaced by a link to its https source ("Embedded content:
    www.youtube.com"), or removed when it has none. The link is made here, before the
    sanitiser, which then checks it as it checks every link."""
    parts: list[str] = []
    last = 0
    for frame in frames:
        parts.append(html[last : frame.start])
        link = frame_link(frame.src)
        if link is not None:
            address, host = link
            anchor = f'<a href="{escape(address)}">Embedded content: {escape(host)}</a>'
            parts.append(f"<p>{anchor}</p>" if frame.block else anchor)
        last = frame.end
    parts.append(html[last:])
    return "".join(parts)


# ------------------------------------------------------------------------- placing findings


class SourceText:
    """A brief's Markdown text, to find where something in its HTML was written.

    Fenced code blocks and code spans are left out of every search: what is found there is an
    example, not the thing the HTML shows.
    """

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.first_line = first_line
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.code = _code_ranges(text)
        self.code_starts = [start for start, _ in self.code]

    def in_code(self, offset: int) -> bool:
        """Whether `offset` lies in a fenced code block or a code span."""
        index = bisect_right(self.code_starts, offset) - 1
        return index >= 0 and offset < self.code[index][1]

    def position(self, offset: int) -> tuple[int, int]:
        """The file's line and column (1-based) of an offset in the text."""
        line = bisect_right(self.line_starts, offset)
        return self.first_line + line - 1, offset - self.line_starts[line - 1] + 1

    def find(self, needle: str, start: int = 0) -> int:
        """The first place of `needle` at or after `start` outside code; -1 when none."""
        at = self.text.find(needle, start)
        while at >= 0 and self.in_code(at):
            at = self.text.find(needle, at + 1)
        return at

    def matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """The matches of `pattern` outside code, in order."""
        return (m for m in pattern.finditer(self.text) if not self.in_code(m.start()))


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of fenced code blocks and code spans, sorted and not overlapping."""
    ranges: list[tuple[int, int]] = []
    position = 0
    while True:
        fence = _FENCE.search(text, position)
        end_of_prose = fence.start() if fence else len(text)
        ranges += _code_spans(text, position, end_of_prose)
        if fence is None:
            return ranges
        marker = fence.group(1)
        closing = re.compile(rf"^[ ]{{0,3}}{marker[0]}{{{len(marker)},}}[ \t]*$", re.MULTILINE)
        line_end = text.find("\n", fence.end())
        body_start = len(text) if line_end < 0 else line_end + 1
        found = closing.search(text, body_start)
        end = found.end() if found else len(text)
        ranges.append((fence.start(), end))
        position = end


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code spans between `start` and `end`: a run of backticks to the next run as long.

    Each run's next run of the same length is found in one pass from the end, so a text of
    many runs of many lengths costs linear time.
    """
    runs = list(_BACKTICKS.finditer(text, start, end))
    following: list[int] = [-1] * len(runs)
    last: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        width = len(runs[index].group(0))
        following[index] = last.get(width, -1)
        last[width] = index
    spans = []
    index = 0
    while index < len(runs):
        closing = following[index]
        if closing < 0:
            index += 1
            continue
        spans.append((runs[index].start(), runs[closing].end()))
        index = closing + 1
    return spans


def _key(text: str) -> str:
    """What a tag keeps through Markdown's typography (curly quotes, dashes): its letters and
    digits, to pair a tag in the HTML with the tag as written."""
    return "".join(ch for ch in text if ch.isalnum())


def _shown(text: str) -> str:
    """A finding quoted in a message: one line, not too long."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def warnings_for(
    path: str, source: SourceText, found: Findings, frames_replaced: bool
) -> list[Problem]:
    """A warning for each finding (at most `REPORTED_AT_MOST` of each kind), where written."""
    result = _tag_problems(path, source, found.tags)
    result += _target_problems(path, source, found.targets)
    if frames_replaced:
        result += _frame_problems(path, source, found.frames)
    return result


def _tag_problems(path: str, source: SourceText, tags: list[str]) -> list[Problem]:
    """Template tags shown as text. Each is paired with the first tag written with the same
    letters and digits (quotes and dashes change on the way to HTML)."""
    written: dict[str, deque[tuple[int, str]]] = defaultdict(deque)
    for match in source.matches(TEMPLATE_TAG):
        written[_key(match.group(0))].append((match.start(), match.group(0)))
    result = []
    for tag in tags[:REPORTED_AT_MOST]:
        places = written[_key(tag)]
        at, text = places.popleft() if places else (-1, tag)
        result.append(
            warning(
                path,
                *_at(source, at),
                f"template tag '{_shown(text)}' from another system is shown to readers as text",
                "delete it, or write what it stood for in Markdown, e.g. an image as "
                "![what it shows](file.png); to show it as an example, put it in `backticks`",
            )
        )
    return result + _more(path, source, len(tags), "template tags shown as text")


def _target_problems(
    path: str, source: SourceText, targets: list[tuple[str, str]]
) -> list[Problem]:
    """Link and image targets that are no address."""
    result = []
    cursor = 0
    for element, target in targets[:REPORTED_AT_MOST]:
        at = source.find(target, cursor)
        cursor = at + 1 if at >= 0 else cursor
        what = "link target" if element == "a" else "image address"
        result.append(
            warning(
                path,
                *_at(source, at),
                f"{what} '{_shown(target)}' is not a web address or a path",
                "write an address (https://…), a path to a file, or a brief's file name "
                "(land-offer.md); '{{ … }}' and '{% … %}' come from another site's templates",
            )
        )
    return result + _more(path, source, len(targets), "link or image targets that are no address")


def _more(path: str, source: SourceText, total: int, what: str) -> list[Problem]:
    """One warning counting the findings of a kind not reported one by one."""
    rest = total - REPORTED_AT_MOST
    if rest <= 0:
        return []
    return [
        warning(
            path,
            source.first_line,
            1,
            f"{rest:,} more {what} in this brief",
            "fix the ones named above and check again",
        )
    ]


def _frame_problems(path: str, source: SourceText, frames: list[Frame]) -> list[Problem]:
    """A warning for each frame replaced by a link, or removed."""
    result = []
    cursor = 0
    opening = re.compile(r"<iframe\b", re.IGNORECASE)
    starts = [m.start() for m in source.matches(opening)]
    for frame in frames[:REPORTED_AT_MOST]:
        index = bisect_left(starts, cursor)
        at = starts[index] if index < len(starts) else -1
        cursor = at + 1 if at >= 0 else cursor
        link = frame_link(frame.src)
        if link is not None:
            message = (
                f"embedded content from {link[1]} is shown as a link to it: "
                "pages show no embedded frames"
            )
            hint = f"to choose the link's words, write it yourself: [what it shows]({link[0]})"
        else:
            message = "embedded content (an <iframe>) was removed: it has no https address"
            hint = "link to the content instead, with an https:// address"
        result.append(warning(path, *_at(source, at), message, _shown_hint(hint)))
    return result + _more(path, source, len(frames), "embedded frames")


def _shown_hint(hint: str) -> str:
    """A hint holding an address from the brief, not too long to read."""
    return hint if len(hint) <= 200 else hint[:199] + "…"


def _at(source: SourceText, offset: int) -> tuple[int, int]:
    """Where a finding is written; the body's first line when it could not be found."""
    return source.position(offset) if offset >= 0 else (source.first_line, 1)
