"""Curly quotes, dashes and ellipses: `smarty`'s output, byte for byte, at a fraction of its cost.

`smarty` registers a second `InlineProcessor` (tree-processor priority 6) with 18 inline
patterns. That machinery walks every text node of the tree through every pattern, stashes
each match as an inline placeholder and rebuilds the text afterwards: about a third of all
Markdown time for a brief, nearly all of it spent on text without a quote, dash or dot in it.

`TypographyExtension` replaces it with one tree-processor at the same priority that makes the
same HTML byte for byte. It is faithful by construction rather than by a new grammar:

* It visits the same text: every element's `text` and `tail` except the root's, skipping
  `AtomicString`s (code spans, code blocks and `abbr` text, as `smarty`'s `InlineProcessor`
  does). Raw HTML (`<kbd>`, `<samp>`, attributes) and entities are already in Markdown's HTML
  stash at that point, as placeholders, so neither `smarty` nor this module touches them.
* A text without `'`, `"`, `--` or `...` cannot match any rule and is left alone after one
  regex search. That is nearly every text node of a brief.
* Otherwise it applies `smarty`'s own regexes (imported from it), in `smarty`'s order, each
  over the whole text, where an earlier rule's match already stands as an opaque token framed
  by STX and ETX, as `smarty`'s inline placeholders are. Later rules therefore see exactly
  what they see in `smarty`: a quote after a replaced dash sees ETX, not `-`; the space an
  opening quote consumed is gone from the next rule's view.
* `smarty` searches on after a match from just past its placeholder; `re.sub` searches on in
  the unreplaced text. The two differ only where a match starts exactly where the previous
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

Like `smarty`, it adds `"` and `'` to the characters a backslash escapes: `\\"` stays a
straight quote. Only `smarty`'s defaults are offered: no angled quotes (`<<`, `>>`), no
custom substitutions; the site uses neither.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.extensions.smarty import (  # the regexes themselves, so the rules cannot drift
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

# A replaced match while the rules run. STX and ETX frame it as they frame `smarty`'s inline
# placeholders, which is all a rule can see of it (no rule matches inside one: nothing in it is
# a quote, dash or dot). U+E000 keeps it apart from the other STX...ETX placeholders in the
# text (escaped characters, the HTML stash); Markdown removes STX and ETX from the source, so
# an editor cannot write one.
_TOKEN = re.compile(f"{STX}\ue000([0-9]+){ETX}")

# The `(?<=closeClass)` look-behind that sees ETX after a previous match of the same rule.
_CLOSE_BEHIND = f"(?<={closeClass})"


@dataclass(frozen=True)
class Rule:
    """One of `smarty`'s substitutions: a regex and what a match becomes.

    The match becomes `entity`, with group 1 (a character `smarty` keeps) written before it
    (`keep="before"`) or after it (`keep="after"`). `needs`: a rule can only match text that
    contains every one of these strings, so it is skipped cheaply otherwise.
    """

    name: str
    regex: re.Pattern[str]
    entity: str
    needs: tuple[str, ...]
    keep: str = ""  # "", "before" or "after"
    anchored: bool = False  # matches only at the start (`^`): try only if the text starts so

    @property
    def refuses_adjacent(self) -> bool:
        """Whether a match right after the previous match of this rule is refused (see the
        module docstring): the rule's look-behind would see ETX there, outside `closeClass`."""
        return self.regex.pattern.startswith(_CLOSE_BEHIND)


def _rule(name: str, pattern: str, entity: str, needs: tuple[str, ...], keep: str = "") -> Rule:
    """A `Rule` compiled with the flags Markdown gives inline patterns."""
    return Rule(
        name, re.compile(pattern, re.DOTALL | re.UNICODE), entity, needs, keep,
        anchored=pattern.startswith("^"),
    )  # fmt: skip


# `smarty`'s registry order (highest priority first): dashes 50/45, quotes 30..16, ellipses 10.
RULES: tuple[Rule, ...] = (
    _rule("em-dash", r"(?<!-)---(?!-)", MDASH, ("--",)),
    _rule("en-dash", r"(?<!-)--(?!-)", NDASH, ("--",)),
    _rule("single-start", singleQuoteStartRe, RSQUO, ("'",)),
    _rule("double-start", doubleQuoteStartRe, RDQUO, ('"',)),
    _rule("double-sets", doubleQuoteSetsRe, LDQUO + LSQUO, ("\"'",)),
    _rule("single-sets", singleQuoteSetsRe, LSQUO + LDQUO, ("'\"",)),
    _rule("double-sets-2", doubleQuoteSetsRe2, RSQUO + RDQUO, ("'\"",)),
    _rule("single-sets-2", singleQuoteSetsRe2, RDQUO + RSQUO, ("\"'",)),
    _rule("decade", decadeAbbrRe, RSQUO, ("'",)),
    _rule("opening-single", openingSingleQuotesRegex, LSQUO, ("'",), keep="before"),
    _rule("closing-single", closingSingleQuotesRegex, RSQUO, ("'",)),
    _rule("closing-single-2", closingSingleQuotesRegex2, RSQUO, ("'",), keep="after"),
    _rule("remaining-single", remainingSingleQuotesRegex, LSQUO, ("'",)),
    _rule("opening-double", openingDoubleQuotesRegex, LDQUO, ('"',), keep="before"),
    _rule("closing-double", closingDoubleQuotesRegex, RDQUO, ('"',)),
    _rule("closing-double-2", closingDoubleQuotesRegex2, RDQUO, ('"',)),
    _rule("remaining-double", remainingDoubleQuotesRegex, LDQUO, ('"',)),
    _rule("ellipsis", r"(?<!\.)\.{3}(?!\.)", HELLIP, ("...",)),
)


class _Educator:
    """Applies `RULES` to the texts of one document, sharing its stash entries."""

    def __init__(self, md: markdown.Markdown) -> None:
        self.md = md
        self.placeholders: dict[str, str] = {}  # entity -> its HTML-stash placeholder

    def placeholder(self, entity: str) -> str:
        """The stash placeholder for `entity`, stored once per document."""
        found = self.placeholders.get(entity)
        if found is None:
            found = self.placeholders[entity] = self.md.htmlStash.store(entity)
        return found

    def educate(self, text: str) -> str:
        """`text` as `smarty` leaves it: entities stashed, their placeholders in the text."""
        parts: list[str] = []  # what token i stands for, final
        for rule in RULES:
            if rule.anchored and not text.startswith(rule.needs[0]):
                continue
            if all(need in text for need in rule.needs):
                text = self._apply(rule, text, parts)
        if not parts:
            return text
        return _TOKEN.sub(lambda m: parts[int(m.group(1))], text)

    def _apply(self, rule: Rule, text: str, parts: list[str]) -> str:
        """One rule over the whole text, each match replaced by a new token."""
        entity = self.placeholder(rule.entity)
        refuses_adjacent = rule.refuses_adjacent
        previous_end = -1

        def replace(match: re.Match[str]) -> str:
            nonlocal previous_end
            if refuses_adjacent and match.start() == previous_end:
                return match.group(0)
            previous_end = match.end()
            if rule.keep == "before":
                parts.append(match.group(1) + entity)
            elif rule.keep == "after":
                parts.append(entity + match.group(1))
            else:
                parts.append(entity)
            return f"{STX}\ue000{len(parts) - 1}{ETX}"

        return rule.regex.sub(replace, text)


class TypographyTreeprocessor(Treeprocessor):
    """Educates quotes, dashes and ellipses in every text node `smarty` would."""

    def run(self, root: ET.Element) -> None:
        """Walk the tree once; only texts with a quote, `--` or `...` do any work."""
        educator = _Educator(self.md)
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
