"""The placeholder text `new` writes, and the check that no published brief keeps any.

Declared once, here: `scaffold` writes these words into a new brief and `compiled` looks for
them in every brief that is not a draft, so the two cannot drift apart (tests/test_scaffold.py
checks that every placeholder `new` writes is found). A new brief is a draft and may keep its
placeholders while it is written; once `draft: true` goes, any left is an error at its place,
so "Replace this text" never reaches readers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from .problems import Problem, error
from .source import SourceFile

SUMMARY = "Replace with one or two sentences saying what the policy does."
# The body of a new brief: (heading, placeholder paragraph) for each section.
SECTIONS = (
    ("What was announced", "Replace this text. Say what the policy is, who announced it and when."),
    ("Terms", "Replace this text with the policy's terms."),
    ("What we do not know yet", "Replace this text with the open questions."),
)
# Sentences are found by their opening words, in any case and however the lines are wrapped,
# so one left above the editor's own text ("Replace this text." and then the terms) is found.
SENTENCE_OPENINGS = ("Replace with one or two sentences", "Replace this text")

# The values of the examples `new` shows, commented out, under the list fields. An editor who
# uncomments one keeps these until writing their own; each is found as a whole value.
FIGURE_SOURCE = "where the number comes from"
SOURCE_TITLE = "the document's title"
SOURCE_URL = "https://…"
UPDATE_NOTE = "what changed, in one sentence"
WITHDRAWAL_REASON = "why the brief no longer reflects policy"
EXAMPLE_VALUES = (FIGURE_SOURCE, SOURCE_TITLE, SOURCE_URL, UPDATE_NOTE, WITHDRAWAL_REASON)

_SENTENCE = re.compile(
    "|".join(r"\s+".join(map(re.escape, opening.split())) for opening in SENTENCE_OPENINGS),
    re.IGNORECASE,
)
_EXAMPLES = frozenset(value.casefold() for value in EXAMPLE_VALUES)
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
EXCERPT = 50  # characters of the placeholder quoted in the message

HINT = "write the brief's own text here; placeholders may stay only while it has 'draft: true'"


def placeholder_problems(source: SourceFile, body_line: int) -> list[Problem]:
    """An error at each placeholder left in a brief, in its front matter and in its text.

    `body_line` is the file line the body starts on (`Brief.body_line`): the front matter is
    the lines between the first line and the one before it. Only values are searched, never
    YAML comments, where `new` explains each field.
    """
    starts, text = source.line_starts, source.text
    yaml_start = starts[1] if len(starts) > 1 else len(text)
    yaml_end = starts[body_line - 2] if body_line - 2 < len(starts) else len(text)
    body_start = starts[body_line - 1] if body_line - 1 < len(starts) else len(text)
    found = list(_in_front_matter(text[yaml_start:yaml_end], yaml_start))
    found += [(m.start(), _excerpt(text, m.start())) for m in _SENTENCE.finditer(text, body_start)]
    return [
        error(
            source.path,
            *source.position(offset),
            f"placeholder text from 'new' is still here: '{shown}'",
            HINT,
        )
        for offset, shown in found
    ]


def _in_front_matter(yaml_text: str, base: int) -> Iterator[tuple[int, str]]:
    """(file offset, excerpt) of each placeholder in a front-matter value.

    The YAML is scanned for its values only when a placeholder's words occur in the text at
    all, which for a finished brief they do not: the check costs one search per brief.
    """
    folded = yaml_text.casefold()
    if not _SENTENCE.search(yaml_text) and not any(value in folded for value in _EXAMPLES):
        return
    try:
        tokens = list(yaml.scan(yaml_text, Loader=_Loader))
    except yaml.YAMLError:  # the front matter parsed before this is called; never here
        return
    for token in tokens:
        if not isinstance(token, yaml.ScalarToken):
            continue
        start, end = token.start_mark.index, token.end_mark.index
        sentence = _SENTENCE.search(yaml_text, start, end)
        if sentence:
            yield base + sentence.start(), _excerpt(yaml_text, sentence.start(), end)
        elif " ".join(token.value.split()).casefold() in _EXAMPLES:
            quoted = 1 if token.style in ('"', "'") else 0
            yield base + start + quoted, token.value


def _excerpt(text: str, start: int, end: int | None = None) -> str:
    """The placeholder as the message quotes it: the rest of its line (or of its YAML value,
    closing quote left out, when `end` is given), shortened."""
    line = text[start : end if end is not None else len(text)].split("\n", 1)[0].rstrip()
    if end is not None:
        line = line.rstrip("\"'").rstrip()
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1].rstrip() + "…"
