"""Curly quotes, dashes and ellipses: `smarty`'s output, byte for byte, at a fraction of its cost.

`smarty` registers a second `InlineProcessor` (tree-processor priority 6) with 18 inline
patterns. That machinery walks every text node of the tree through every pattern, stashes
each match as an inline placeholder and rebuilds the text afterwards: about a third of all
Markdown time for a brief, nearly all of it spent on text without a quote, dash or dot in it.

`TypographyExtension` replaces it with one tree-processor at the same priority that makes the
same HTML byte for byte. It is faithful by construction rather than by a new grammar:

* It visits the same text: every element's `text` and `tail` except the root's, skipping
  `AtomicString`s (code spans, code blocks and `abbr` text), as `smarty`'s `InlineProcessor`
  does. Raw HTML and entities are already in Markdown's HTML stash at that point, as
  placeholders: a raw HTML block is not touched at all, inline tags and their attributes are
  not, but the text between inline tags (`<kbd>'x'</kbd>`) is educated, as `smarty` does.
* A text without `'`, `"`, `--` or `...` cannot match any rule and is left alone after one
  regex search. That is nearly every text node of a brief.
* Otherwise it applies `smarty`'s rules, in `smarty`'s order, each over the whole text, where
  an earlier rule's match already stands as an opaque token framed by STX and ETX, as
  `smarty`'s inline placeholders are. Later rules therefore see exactly what they see in
  `smarty`: a quote after a replaced dash sees ETX, not `-`; the space an opening quote
  consumed is gone from the next rule's view.
* Each rule's pattern matches exactly the spans of `smarty`'s (see `Rule`), only written to
  start with its quote, dash or dot, which `re` finds fast.
* `smarty` searches on after a match from just past its placeholder; here the search goes on
  in the unreplaced text. The two differ only where a match starts exactly where the previous
  match of the same rule ended and the rule looks one character back: `smarty` then sees ETX.
  Only the `(?<=closeClass)` rules can meet this (`x''`, `x""`, `x'"'"`), and ETX is outside
  `closeClass`, so such a match is refused, as `smarty` refuses it. Every other rule cannot
  match right after its own previous match (`--` is not followed by `-`, a quote before a word
  is followed by a word character, and so on), so for them the two searches agree.
* A replacement is what `smarty` makes: the entity (`&rsquo;`...) stored in Markdown's HTML
  stash and its placeholder put in the text, with the character a rule keeps (the space
  before an opening quote, the `s` after `'`) beside it. `toc` (priority 5), this package's
  `_Finish` and the raw-HTML post-processor therefore see the same text they saw. One stash
  entry per entity and document is reused (`smarty` stores one per match); the post-processor
  looks each placeholder up by number, so the HTML is the same.

One difference from `smarty`, for Chinese: a straight quote written against a Chinese
character or mark (`他说"好"`) is left straight, where `smarty` would make both quotes closing
ones (it opens a quote only after a space or dash). Chinese quotes with its own marks (“” and
「」), which no rule touches; text without Chinese is educated exactly as `smarty` does.

Like `smarty`, it adds `"` and `'` to the characters a backslash escapes: `\\"` stays a
straight quote. Only `smarty`'s defaults are offered: no angled quotes (`<<`, `>>`), no
custom substitutions; the site uses neither.

The same pass sets plain text: `typeset` gives front-matter text (titles, summaries, figure
labels, change notes, source titles, ...) the body's curly quotes, dashes and ellipses, from
the same rules, as characters rather than entities (the text is plain and templates escape
it; a no-break space is U+00A0, never `&nbsp;`), and binds numbers to units with `bind_units`,
which the body's `markup._bind_units` uses too. So a title and the text under it agree.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.extensions.smarty import (  # smarty's own rules, the reference for ours
    closeClass,
    closingDoubleQuotesRegex,
    closingDoubleQuotesRegex2,
    closingSingleQuotesRegex,
    closingSingleQuotesRegex2,
    decadeAbbrRe,
    doubleQuoteSetsRe,
    doubleQuoteSetsRe2,
    doubleQuoteStartRe,
    openingDoubleQuotesRegex,
    openingSingleQuotesRegex,
    remainingDoubleQuotesRegex,
    remainingSingleQuotesRegex,
    singleQuoteSetsRe,
    singleQuoteSetsRe2,
    singleQuoteStartRe,
)
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX, AtomicString

MDASH, NDASH, HELLIP = "&mdash;", "&ndash;", "&hellip;"
LSQUO, RSQUO, LDQUO, RDQUO = "&lsquo;", "&rsquo;", "&ldquo;", "&rdquo;"

# Where `smarty` registers its InlineProcessor: after `abbr` (7), before `toc` (5).
PRIORITY = 6

# Anything a rule can match contains one of these; other text is left as it is.
_TRIGGER = re.compile(r"['\"]|--|\.\.\.")

# Chinese and Japanese characters and punctuation (Han, kana, bopomofo, CJK symbols, full-width
# forms). A straight quote written against one of them is left as written (`_CJK_QUOTE`): the
# rules read "a quote after a letter closes", and a Han character is no Latin letter: `他说"好"`
# would get two closing quotes. Chinese text quotes with its own marks (“好”, 「好」), which no
# rule touches.
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_CJK_QUOTE = re.compile(f"(?<=[{_CJK}])['\"]|['\"](?=[{_CJK}])")

# A replaced match while the rules run. STX and ETX frame it as they frame `smarty`'s inline
# placeholders, which is all a rule can see of it (no rule matches inside one: nothing in it is
# a quote, dash or dot). U+E000 keeps it apart from the other STX...ETX placeholders in the
# text (escaped characters, the HTML stash); Markdown removes STX and ETX from the source, so
# an editor cannot write one.
_TOKEN = re.compile(f"{STX}\ue000([0-9]+){ETX}")

# `smarty`'s dash and ellipsis patterns (written inline in its methods, not importable).
EM_DASH_RE = r"(?<!-)---(?!-)"
EN_DASH_RE = r"(?<!-)--(?!-)"
ELLIPSIS_RE = r"(?<!\.)\.{3}(?!\.)"

# What may stand before an opening quote in `smarty` (its `openingQuotesBase`), one by one.
_OPENERS = (r"\s", "&nbsp;", "--", "\u2013", "\u2014", "&[mn]dash;", "&#8211;", "&#8212;")


def _after_opener(quote: str) -> str:
    """`smarty`'s `(opener)QUOTE(?=\\w)`, written to start with the quote.

    The opener becomes a look-behind, one fixed-width alternative per opener (`re` allows no
    other), each capturing it: the caller moves the match's start back over the capture, so
    the span is `smarty`'s. At most one opener can end right before a quote (none is the end
    of another), so the capture, and the span, are unique.
    """
    behind = "|".join(f"(?<=({opener}){quote})" for opener in _OPENERS)
    return f"{quote}(?=\\w)(?:{behind})"


KEEP_NONE, KEEP_BEFORE, KEEP_AFTER = 0, 1, 2


@dataclass(frozen=True)
class Rule:
    """One of `smarty`'s substitutions: its pattern, ours, and what a match becomes.

    `fast` finds exactly the spans `smarty_pattern` finds, in the same order, but starts with
    the literal quote, dash or dot, so `re` skips straight to candidates; `smarty`'s own
    patterns mostly start with a look-behind or a choice, and `re` then tries every position
    (20-40 times slower on a paragraph). `tests/test_typography.py` checks the two agree.

    A match becomes `entity` (its HTML-stash placeholder), with the text `smarty` keeps before
    it (`KEEP_BEFORE`: the space or dash before an opening quote, which `fast` captures in a
    look-behind, so the match's start moves back over it) or after it (`KEEP_AFTER`: group 1,
    the space or `s` after a closing `'`).
    `needs`: every match contains it, so the rule is skipped cheaply when the text has none.
    """

    name: str
    smarty_pattern: str
    fast: re.Pattern[str]
    entity: str
    needs: str
    keep: int = KEEP_NONE
    # The look-behind is `(?<=closeClass)`: right after this rule's previous match `smarty`
    # sees ETX there, outside `closeClass`, and refuses (see the module docstring).
    refuses_adjacent: bool = False
    anchored: bool = False  # `^`: can only match a text that starts with `needs`


def _rule(
    name: str,
    smarty_pattern: str,
    fast: str,
    entity: str,
    needs: str,
    keep: int = KEEP_NONE,
    refuses_adjacent: bool = False,
) -> Rule:
    """A `Rule`, compiled with the flags Markdown gives inline patterns."""
    return Rule(
        name, smarty_pattern, re.compile(fast, re.DOTALL | re.UNICODE), entity, needs, keep,
        refuses_adjacent, anchored=fast.startswith("^"),
    )  # fmt: skip


_C = closeClass
# `smarty`'s registry order (highest priority first): dashes 50/45, quotes 30..16, ellipses 10.
# Each `fast` pattern moves a leading look-behind behind the literal it guards, widened by
# that literal: `(?<=X)'` is `'(?<=X')`, `(?<!-)---` is `---(?<!----)`.
RULES: tuple[Rule, ...] = (
    _rule("em-dash", EM_DASH_RE, r"---(?<!----)(?!-)", MDASH, "--"),
    _rule("en-dash", EN_DASH_RE, r"--(?<!---)(?!-)", NDASH, "--"),
    _rule("single-start", singleQuoteStartRe, singleQuoteStartRe, RSQUO, "'"),
    _rule("double-start", doubleQuoteStartRe, doubleQuoteStartRe, RDQUO, '"'),
    _rule("double-sets", doubleQuoteSetsRe, doubleQuoteSetsRe, LDQUO + LSQUO, "\"'"),
    _rule("single-sets", singleQuoteSetsRe, singleQuoteSetsRe, LSQUO + LDQUO, "'\""),
    _rule("double-sets-2", doubleQuoteSetsRe2, f"'\"(?<={_C}'\")", RSQUO + RDQUO, "'\"",
          refuses_adjacent=True),
    _rule("single-sets-2", singleQuoteSetsRe2, f"\"'(?<={_C}\"')", RDQUO + RSQUO, "\"'",
          refuses_adjacent=True),
    _rule("decade", decadeAbbrRe, r"'(?<!\w')(?=\d{2}s)", RSQUO, "'"),
    _rule("opening-single", openingSingleQuotesRegex, _after_opener("'"), LSQUO, "'",
          keep=KEEP_BEFORE),
    _rule("closing-single", closingSingleQuotesRegex, f"'(?<={_C}')(?!\\s|s\\b|\\d)", RSQUO,
          "'", refuses_adjacent=True),
    _rule("closing-single-2", closingSingleQuotesRegex2, closingSingleQuotesRegex2, RSQUO, "'",
          keep=KEEP_AFTER),
    _rule("remaining-single", remainingSingleQuotesRegex, remainingSingleQuotesRegex, LSQUO, "'"),
    _rule("opening-double", openingDoubleQuotesRegex, _after_opener('"'), LDQUO, '"',
          keep=KEEP_BEFORE),
    _rule("closing-double", closingDoubleQuotesRegex, closingDoubleQuotesRegex, RDQUO, '"'),
    _rule("closing-double-2", closingDoubleQuotesRegex2, f'"(?<={_C}")', RDQUO, '"',
          refuses_adjacent=True),
    _rule("remaining-double", remainingDoubleQuotesRegex, remainingDoubleQuotesRegex, LDQUO, '"'),
    _rule("ellipsis", ELLIPSIS_RE, r"\.\.\.(?<!\.\.\.\.)(?!\.)", HELLIP, "..."),
)  # fmt: skip


class _Educator:
    """Applies `RULES` to the texts of one document, sharing what each entity becomes.

    `store` says what an entity stands as in the result: in a Markdown document, a placeholder
    of its HTML stash (stored once per document); in plain text, its characters.
    """

    def __init__(self, store: Callable[[str], str]) -> None:
        self.store = store
        self.placeholders: dict[str, str] = {}  # entity -> what stands for it

    def placeholder(self, entity: str) -> str:
        """What stands for `entity`, made once per educator."""
        found = self.placeholders.get(entity)
        if found is None:
            found = self.placeholders[entity] = self.store(entity)
        return found

    def educate(self, text: str) -> str:
        """`text` as `smarty` leaves it: entities stashed, their placeholders in the text."""
        parts: list[str] = []  # what token i stands for, final
        if _CJK_QUOTE.search(text):  # quotes against Chinese: kept, as opaque tokens
            text = _CJK_QUOTE.sub(lambda m: _keep(m.group(), parts), text)
        for rule in RULES:
            if rule.anchored:
                if text.startswith(rule.needs):
                    text = self._apply(rule, text, parts)
            elif rule.needs in text:
                text = self._apply(rule, text, parts)
        if not parts:
            return text
        return _TOKEN.sub(lambda m: parts[int(m.group(1))], text)

    def _apply(self, rule: Rule, text: str, parts: list[str]) -> str:
        """One rule over the whole text, each match replaced by a new token.

        Matches are taken left to right, each search going on from the end of the previous
        match, as `re.sub` does.
        """
        pieces: list[str] = []
        done = 0  # the end of the last match replaced: the text before it is in `pieces`
        for match in rule.fast.finditer(text):
            start = match.start()
            if rule.keep == KEEP_BEFORE:
                kept = match.group(match.lastindex or 0)
                start -= len(kept)
            if rule.refuses_adjacent and start == done and pieces:
                continue
            entity = self.placeholder(rule.entity)
            if rule.keep == KEEP_BEFORE:
                parts.append(kept + entity)
            elif rule.keep == KEEP_AFTER:
                parts.append(entity + match.group(1))
            else:
                parts.append(entity)
            pieces += (text[done:start], f"{STX}\ue000{len(parts) - 1}{ETX}")
            done = match.end()
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)


def _keep(kept: str, parts: list[str]) -> str:
    """A token standing for `kept` while the rules run, put back as it is afterwards."""
    parts.append(kept)
    return f"{STX}\ue000{len(parts) - 1}{ETX}"


class TypographyTreeprocessor(Treeprocessor):
    """Educates quotes, dashes and ellipses in every text node `smarty` would."""

    def run(self, root: ET.Element) -> None:
        """Walk the tree once; only texts with a quote, `--` or `...` do any work."""
        educator = _Educator(self.md.htmlStash.store)
        trigger = _TRIGGER.search
        elements = root.iter()
        next(elements)  # the root: `smarty`'s InlineProcessor reads only its descendants
        for element in elements:
            text = element.text
            if text and not isinstance(text, AtomicString) and trigger(text):
                element.text = educator.educate(text)
            tail = element.tail
            if tail and not isinstance(tail, AtomicString) and trigger(tail):
                element.tail = educator.educate(tail)


class TypographyExtension(Extension):
    """Drop-in for the `smarty` extension with its default settings."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Register the tree-processor where `smarty` runs; let `\\"` and `\\'` stay straight."""
        md.treeprocessors.register(TypographyTreeprocessor(md), "typography", PRIORITY)
        md.ESCAPED_CHARS.extend(['"', "'"])


# --------------------------------------------------------------- numbers and units, plain text

NBSP = "\u00a0"

# Units and scale words that must not be split from their number at a line end.
_UNIT_WORDS = (
    "km²|km2|m²|hectares|ha|km|million|billion|trillion|thousand|yuan|per cent|percent|"
    "percentage points|projects|companies"
)
_NUMBER_UNIT = re.compile(rf"(?<=\d) (?=(?:{_UNIT_WORDS})\b)")
_SCALE_UNIT = re.compile(r"(?<=million|billion) (?=yuan\b)|(?<=trillion) (?=yuan\b)")
_DIGIT_SPACE = re.compile(r"\d ")  # where `_NUMBER_UNIT` may apply


def bind_units(text: str) -> str:
    """No-break spaces between a number and its unit or scale word, and between a scale word
    and its currency ('37.3 km²', '100 million yuan'), so a line never ends between them.

    The body's text nodes (`markup._bind_units`) and plain text (`typeset`) both come here.
    """
    # Each rule only where it can apply (a digit before a space; "yuan"): a body has tens of
    # thousands of text pieces at a thousand briefs, most with neither.
    if _DIGIT_SPACE.search(text):
        text = _NUMBER_UNIT.sub(NBSP, text)
    if "yuan" in text:
        text = _SCALE_UNIT.sub(NBSP, text)
    return text


# A web address written as text: kept exactly as written, as the body keeps an autolink's text
# (an AtomicString). It ends before trailing punctuation or a quote, so `"https://x.org".`
# still gets its curly quotes around it. `www.` addresses too.
_ADDRESS = re.compile(
    r"\b(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.)[^\s\"'<>]*[^\s\"'<>.,;:!?()\[\]{}\-]"
)
# An address while the rules run: its first and last characters stay in place around an
# opaque token, so a quote before or after it is read as it would be next to the address.
_HIDDEN = re.compile(f"{STX}\ue001([0-9]+){ETX}")
# What a plain text's educator makes of each entity: its characters (`&rsquo;` is U+2019).
_PLAIN = _Educator(html.unescape)


def typeset(text: str) -> str:
    """Plain text set as the body's text is: the body's curly quotes, dashes and ellipses
    (`RULES`), as characters, and numbers bound to their units (`bind_units`).

    For the text a reader sees outside the body: a brief's title, summary, figure labels,
    change notes, source titles, the site's name and description. The result is plain text,
    for templates (and the feed) to escape. Web addresses in it are left as written. Not for
    values a program reads: slugs, addresses, report numbers, topic names as keys, units.
    """
    if STX in text or ETX in text:  # as Markdown removes them from a body, before anything
        text = text.replace(STX, "").replace(ETX, "")
    addresses: list[str] = []
    if "://" in text or "www." in text:

        def hide(match: re.Match[str]) -> str:
            address = match.group()
            addresses.append(address[1:-1])
            return f"{address[0]}{STX}\ue001{len(addresses) - 1}{ETX}{address[-1]}"

        text = _ADDRESS.sub(hide, text)
    if _TRIGGER.search(text):
        text = _PLAIN.educate(text)
    text = bind_units(text)
    if addresses:
        text = _HIDDEN.sub(lambda m: addresses[int(m.group(1))], text)
    return text
