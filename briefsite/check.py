"""Whole-site checks: links between briefs and their anchors, and facts that disagree."""

from __future__ import annotations

import difflib
import posixpath
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from types import MappingProxyType
from typing import TYPE_CHECKING

from .brief import Brief
from .catalog import Catalog, link_target_path, nfc
from .config import CONFIG_NAME, PAGES_DIR, SiteConfig
from .formats import format_quantity, format_unit
from .history import FileHistory, body_changed
from .pages import brief_page_ids
from .problems import Problem, Severity, error, warning
from .schema import Figure
from .selection import Selection

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the type here
    from .links import RenderedBrief

# Options compared for "did you mean" hints in one check, over all broken links. difflib
# compares a word with every option (30 ms a link among 2,000 briefs); once this many are
# spent, further hints give the general advice, so a site with thousands of broken links and
# thousands of briefs is still checked in seconds.
SUGGESTION_BUDGET = 100_000
SUGGESTION_CUTOFF = 0.6  # difflib's default: how alike a suggestion must be
NAMED_AT_MOST = 3  # other briefs or values a consistency warning names; the rest are counted


def check_links(
    rendered: Mapping[str, RenderedBrief],
    severity: Severity = Severity.ERROR,
    unpublished: Mapping[str, str] = MappingProxyType({}),
    unlisted: Sequence[RenderedBrief] = (),
    selection: Selection | None = None,
    page_ids: Mapping[str, frozenset[str]] = MappingProxyType({}),
) -> list[Problem]:
    """Every link to a brief must reach one, and every '#anchor' an id on that page.

    `unpublished` maps source paths of briefs that exist but are not in this build to why:
    "invalid" (its own errors are reported already), "draft", or "scheduled for DATE".
    `unlisted` are the bodies of briefs whose front matter failed: their links are checked
    too, though no link can lead to them. When `rendered` holds briefs a build would hold back
    (`check` reads drafts and scheduled briefs too), `selection` says which links would break
    in the build that first publishes the linking brief. `page_ids`: the ids of each
    standalone page, by its address, for links that reach one (`Link.target_page`); the
    pages' own bodies are checked as `unlisted`.
    """
    problems: list[Problem] = []
    sources = sorted(r.brief.source_path for r in rendered.values())
    suggest = _Suggestions()
    # Each page's ids and each folder's file names are worked out once, not once per link.
    ids_of: dict[str, frozenset[str]] = {}
    names_in: dict[str, _Options] = {}
    id_options: dict[str, _Options] = {}
    for item in chain(rendered.values(), unlisted):
        path = item.brief.source_path
        for link in item.links:
            if link.target_page is not None:
                ids = page_ids.get(link.target_page, frozenset())
                if not link.fragment or link.fragment in ids:
                    continue
                page = link.target_page
                if page not in id_options:
                    id_options[page] = _Options(ids)
                where = "this page" if path == link.target_path else link.target_path
                message = (
                    f"link '{link.href}': there is no heading or anchor '#{link.fragment}' "
                    f"in {where}"
                )
                hint = suggest(
                    link.fragment,
                    id_options[page],
                    "headings get ids from their text: '## Terms' is #terms",
                    prefix="#",
                )
                problems.append(Problem(path, link.line, link.col, severity, message, hint))
                continue
            reason = unpublished.get(link.target_path) if link.target_slug is None else None
            if reason == "invalid":
                continue  # the target's own problems say what to fix; no echo here
            if reason:
                message = f"link '{link.href}' leads to a brief that is not published: {reason}"
                hint = "publish that brief first, or link to it later"
            elif link.target_slug is None and link.target_path.startswith(PAGES_DIR + "/"):
                message = f"link '{link.href}' leads to no page"
                hint = (
                    f"link to a page by its file in {PAGES_DIR}/: [about](../{PAGES_DIR}/about.md) "
                    "from a brief, [about](about.md) from a page beside it"
                )
            elif link.target_slug is None:
                message = f"link '{link.href}' leads to no brief"
                folder = posixpath.dirname(path) or "."
                if folder not in names_in:
                    names_in[folder] = _Options(_relative_stems(path, sources))
                hint = suggest(
                    _stem(link.href.partition("#")[0]),
                    names_in[folder],
                    "link to another brief by its file name, e.g. [offer](land-offer.md)",
                    suffix=".md",
                    exclude=_own_stem(path),
                )
            elif selection and (
                late := _missing_then(
                    selection, item.brief, rendered[link.target_slug].brief, "link to it later"
                )
            ):
                message = f"link '{link.href}' leads to a brief that {late[0]}"
                hint = late[1]
            else:
                target = rendered[link.target_slug]
                if link.target_slug not in ids_of:
                    ids_of[link.target_slug] = brief_page_ids(target)
                ids = ids_of[link.target_slug]
                if not link.fragment or link.fragment in ids:
                    continue
                where = "this brief" if target is item else target.brief.source_path
                message = (
                    f"link '{link.href}': there is no heading or anchor '#{link.fragment}' "
                    f"in {where}"
                )
                if link.target_slug not in id_options:
                    id_options[link.target_slug] = _Options(ids)
                hint = suggest(
                    link.fragment,
                    id_options[link.target_slug],
                    "headings get ids from their text: '## Terms' is #terms",
                    prefix="#",
                )
            problems.append(Problem(path, link.line, link.col, severity, message, hint))
    return problems


def _missing_then(
    selection: Selection, source: Brief, target: Brief, later: str
) -> tuple[str, str] | None:
    """When `target` will be missing from the build that first publishes `source`: the end
    of a message ("is not published: it is a draft") and a hint ending in `later` (what to
    do instead); otherwise None."""
    reason, day = selection.missing_when_published(source, target)
    if not reason:
        return None
    if day is None:
        return f"is not published: {reason}", f"publish that brief first, or {later}"
    return (
        f"will not be published on {day.isoformat()}, when this brief is: {reason}",
        f"publish that brief on the same day or earlier, or {later}",
    )


def replacement_of(brief: Brief, catalog: Catalog) -> Brief | None:
    """The published brief `superseded_by` names, or None (none named, or none there)."""
    if brief.superseded_by is None:
        return None
    return catalog.by_source.get(link_target_path(brief.source_path, brief.superseded_by))


def check_replacements(
    catalog: Catalog,
    unpublished: Mapping[str, str] = MappingProxyType({}),
    selection: Selection | None = None,
) -> list[Problem]:
    """`superseded_by` must name another published brief, and replacements must not loop.

    A loop (a replaced by b, b by a) would send readers from notice to notice and leave no
    current brief, so each brief in it is named. `unpublished` and `selection` are as for
    `check_links`: a target with errors of its own is not reported again. Linear: each brief
    names at most one replacement, so every chain is walked once.
    """
    problems: list[Problem] = []
    replaced_by: dict[str, str] = {}
    sources = sorted(b.source_path for b in catalog.briefs)
    suggest = _Suggestions()
    for brief in catalog.briefs:
        if brief.superseded_by is None:
            continue
        written = brief.superseded_by
        where = brief.position("superseded_by")
        found = replacement_of(brief, catalog)
        if found is brief:
            problems.append(
                error(
                    brief.source_path,
                    *where,
                    f"'superseded_by: {written}' names this brief itself",
                    "name the brief that replaces this one, or remove 'superseded_by'",
                )
            )
        elif found is not None:
            replaced_by[brief.source_path] = found.source_path
            later = "add 'superseded_by' when it is"
            late = _missing_then(selection, brief, found, later) if selection else None
            if late:
                message = f"'superseded_by: {written}' names a brief that {late[0]}"
                problems.append(error(brief.source_path, *where, message, late[1]))
        else:
            reason = unpublished.get(link_target_path(brief.source_path, written))
            if reason == "invalid":
                continue  # its own problems say what to fix
            if reason:
                message = (
                    f"'superseded_by: {written}' names a brief that is not published: {reason}"
                )
                hint = "publish the replacement first, or add 'superseded_by' when it is"
            else:
                message = f"'superseded_by: {written}' names no brief"
                hint = suggest(
                    _stem(written),
                    _Options(_relative_stems(brief.source_path, sources)),
                    "write the replacing brief's file name, e.g. land-offer.md",
                    suffix=".md",
                    exclude=_own_stem(brief.source_path),
                )
            problems.append(error(brief.source_path, *where, message, hint))
    briefs = {brief.source_path: brief for brief in catalog.briefs}
    problems += _replacement_loops(replaced_by, briefs)
    return problems


def _replacement_loops(
    replaced_by: Mapping[str, str], briefs: Mapping[str, Brief]
) -> list[Problem]:
    """An error in each brief of each loop of replacements (`replaced_by`: source path to the
    source path of its replacement)."""
    problems = []
    state: dict[str, int] = {}  # 1: on the chain being walked, 2: done
    for start in replaced_by:
        chain: list[str] = []
        path: str | None = start
        while path is not None and path not in state:
            state[path] = 1
            chain.append(path)
            path = replaced_by.get(path)
        if path is not None and state[path] == 1:  # the walk came back onto its own chain
            loop = chain[chain.index(path) :]
            for index, member in enumerate(loop):
                order = [*loop[index:], *loop[:index], member]
                problems.append(
                    error(
                        member,
                        *briefs[member].position("superseded_by"),
                        "'superseded_by' makes a loop: " + " is replaced by ".join(order),
                        "the newest brief replaces the others and is replaced by none: remove "
                        "'superseded_by' from it",
                    )
                )
        for walked in chain:
            state[walked] = 2
    return problems


class _Options:
    """Words a hint may suggest, sorted by length: difflib's first test of a pair compares
    only lengths, so the options it would accept for a word are one slice of this list."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(set(words), key=lambda w: (len(w), w))
        self.lengths = [len(w) for w in self.words]
        self.hints: dict[tuple[str, str, str], str] = {}  # (word, prefix, exclude) -> hint

    def near_in_length(self, word: str) -> list[str]:
        """The options difflib's `real_quick_ratio` would let through for `word`.

        Two lengths a and b pass when 2·min(a, b)/(a + b) >= cutoff, that is when each is at
        least cutoff/(2 - cutoff) of the other; the bounds are widened by one and the exact
        test (difflib's own arithmetic) is left to difflib.
        """
        size = len(word)
        factor = SUGGESTION_CUTOFF / (2 - SUGGESTION_CUTOFF)
        low = bisect_left(self.lengths, int(size * factor) - 1)
        high = bisect_right(self.lengths, int(size / factor) + 1)
        return self.words[low:high]


class _Suggestions:
    """'Did you mean' hints for one check: one answer per word and set of options, and no
    more than `SUGGESTION_BUDGET` options compared in all."""

    def __init__(self) -> None:
        self.budget = SUGGESTION_BUDGET

    def __call__(
        self,
        word: str,
        options: _Options,
        otherwise: str,
        prefix: str = "",
        suffix: str = "",
        exclude: str = "",
    ) -> str:
        """The closest option but `exclude` ("did you mean '#terms'?"), or `otherwise`.

        `prefix` and `suffix` are written around the option: '#' before an id, '.md' after a
        file's stem (names are compared without it: 'b.md' and 'c.md' share three of four
        characters, 'b' and 'c' none).
        """
        key = (word, prefix, exclude)
        if key not in options.hints:
            candidates = [c for c in options.near_in_length(word) if c != exclude]
            close: list[str] = []
            if len(candidates) <= self.budget:
                self.budget -= len(candidates)
                close = difflib.get_close_matches(word, candidates, 1, SUGGESTION_CUTOFF)
            hint = f"did you mean '{prefix}{close[0]}{suffix}'?" if close else otherwise
            options.hints[key] = hint
        return options.hints[key]


def _relative_stems(from_path: str, sources: Iterable[str]) -> list[str]:
    """Brief file names as a relative link from `from_path` would write them, without '.md'."""
    folder = posixpath.dirname(from_path) or "."
    return [_stem(posixpath.relpath(source, folder)) for source in sources]


def _stem(name: str) -> str:
    """A brief's file name as a link writes it, without '.md': what "did you mean" compares."""
    return name.removesuffix(".md")


def _own_stem(path: str) -> str:
    """How a link in brief `path` would name that brief itself, without '.md': never suggested,
    since a link to a brief from its own text is not what a mistyped name meant."""
    return _stem(posixpath.basename(path))


def check_consistency(briefs: Sequence[Brief]) -> list[Problem]:
    """Warnings about facts across briefs: duplicate titles, one figure with two values.

    Readers compare briefs; two briefs saying "37.3 km²" and "37 km²" for the same label is
    a mistake in one of them, so both places are named. Each warning names at most
    `NAMED_AT_MOST` other briefs or values and counts the rest: a thousand figures with one
    label give a thousand short warnings, not a million names, in linear time.
    """

    problems: list[Problem] = []
    by_title: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        by_title[brief.title.casefold().strip()].append(brief)
    for group in by_title.values():
        for brief in group if len(group) > 1 else ():
            others = [b.source_path for b in group[: NAMED_AT_MOST + 1] if b is not brief]
            problems.append(
                warning(
                    brief.source_path,
                    *brief.position("title"),
                    f"title '{brief.title}' is also used by "
                    + _named(others[:NAMED_AT_MOST], len(group) - 1, "brief", ", "),
                    "readers tell briefs apart by their titles; make each one distinct",
                )
            )
    figures: dict[str, list[tuple[Brief, tuple[int, int], Figure]]] = defaultdict(list)
    for brief in briefs:
        for place, figure in zip(_figure_positions(brief), brief.figures, strict=True):
            figures[" ".join(figure.label.casefold().split())].append((brief, place, figure))
    for entries in figures.values():
        # Each distinct value once, where it is first stated, with how often it is stated.
        values: dict[tuple[float, str], list[tuple[Brief, tuple[int, int], Figure]]] = {}
        for entry in entries:
            _, _, figure = entry
            values.setdefault((float(figure.value), format_unit(figure.unit)), []).append(entry)
        if len(values) < 2:
            continue
        named = [(value, _stated(places)) for value, places in values.items()]
        for brief, place, figure in entries:
            own = (float(figure.value), format_unit(figure.unit))
            others = [text for value, text in named[: NAMED_AT_MOST + 1] if value != own]
            problems.append(
                warning(
                    brief.source_path,
                    *place,
                    f"figure '{figure.label}' is {format_quantity(figure.value, figure.unit)} "
                    "here but " + _named(others[:NAMED_AT_MOST], len(values) - 1, "value", "; "),
                    "check the source and make the briefs agree, or give the figures "
                    "different labels if they measure different things",
                )
            )
    return problems


def _figure_positions(brief: Brief) -> list[tuple[int, int]]:
    """Line and column of each of a brief's figures, in one pass over its positions.

    `Brief.figure_position` searches every position, so calling it per figure is quadratic.
    """
    known = {key: (line, col) for key, line, col in brief.positions}
    fallback = brief.position("figures")
    return [known.get(f"figures[{n}]", fallback) for n in range(1, len(brief.figures) + 1)]


def _stated(places: Sequence[tuple[Brief, tuple[int, int], Figure]]) -> str:
    """A value and the first place it is stated: '37 km² in briefs/b.md:11 and 2 other places'."""

    brief, (line, _), figure = places[0]
    text = f"{format_quantity(figure.value, figure.unit)} in {brief.source_path}:{line}"
    more = len(places) - 1
    return text + (f" and {more:,} other place{'s' if more > 1 else ''}" if more else "")


def _named(names: Sequence[str], total: int, noun: str, separator: str) -> str:
    """Up to `NAMED_AT_MOST` names, then how many others: 'a.md, b.md and 3 other briefs'."""
    rest = total - len(names)
    if not rest:
        return separator.join(names)
    plural = "s" if rest > 1 else ""
    return f"{separator.join(names)}{separator.rstrip()} and {rest:,} other {noun}{plural}"


def check_change_notes(
    briefs: Sequence[Brief], history: Mapping[str, FileHistory]
) -> list[Problem]:
    """Warn when git shows a brief's text changed after its last change note.

    GOV.UK's model: a change readers should know about gets a dated note in `updates`; a typo
    fix stays silent. So this is a warning, a reminder for editors, not an error.
    """
    problems = []
    for brief in briefs:
        commit = history.get(brief.source_path) or history.get(nfc(brief.source_path))
        if commit is None or commit.date <= brief.last_updated:
            continue
        if not body_changed(commit, brief.body_line):
            continue
        where = brief.position("updates") if brief.updates else brief.position("date")
        problems.append(
            warning(
                brief.source_path,
                *where,
                f"the text changed in git on {commit.date.isoformat()}, after the last change "
                f"note ({brief.last_updated.isoformat()})",
                "add an 'updates' entry with the date and what changed, if readers should "
                "know; minor fixes need none",
            )
        )
    return problems


def check_interface_text(config: SiteConfig, briefs: Sequence[Brief]) -> list[Problem]:
    """`check`'s warnings (errors with `--strict`) for interface text a page would show in
    English: a message of the built-in templates, of briefsite's Python (the `.pot`) or of the
    site's own templates that the catalogue of a language the site shows (its `languages` and
    its briefs' `lang`) leaves untranslated or fuzzy, at the catalogue's file and line; and a
    language without a catalogue, once (`i18n.check_catalogues`)."""
    from .config import BUILTIN_TEMPLATES
    from .i18n import check_catalogues, is_english, site_template_messages, template_messages

    languages = dict.fromkeys((config.language, *config.languages), CONFIG_NAME)
    for brief in briefs:
        languages.setdefault(brief.lang, brief.source_path)
    if all(is_english(lang) for lang in languages):
        return []  # English is the source text: nothing to look up (and Babel not loaded)
    own = [d for d in config.template_dirs if d.resolve() != BUILTIN_TEMPLATES.resolve()]
    needed = (*template_messages(), *site_template_messages(own, config.root))
    return check_catalogues(languages, needed)
