"""Whole-site checks: links between briefs and their anchors, and facts that disagree."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from .catalog import nfc
from .frontmatter import Brief
from .history import FileHistory, body_changed
from .markup import RenderedBrief
from .pages import brief_page_ids
from .problems import Problem, Severity, did_you_mean, warning
from .render import format_quantity, format_unit
from .schema import Figure


def check_links(
    rendered: Mapping[str, RenderedBrief],
    severity: Severity = Severity.ERROR,
    unpublished: Mapping[str, str] = MappingProxyType({}),
) -> list[Problem]:
    """Every link to a brief must reach one, and every '#anchor' an id on that page.

    `unpublished` maps source paths of briefs that exist but are not in this build to why:
    "invalid" (its own errors are reported already), "draft", or "scheduled for DATE".
    """
    problems: list[Problem] = []
    sources = sorted(r.brief.source_path for r in rendered.values())
    for item in rendered.values():
        path = item.brief.source_path
        for link in item.links:
            reason = unpublished.get(link.target_path) if link.target_slug is None else None
            if reason == "invalid":
                continue  # the target's own problems say what to fix; no echo here
            if reason:
                message = f"link '{link.href}' leads to a brief that is not published: {reason}"
                hint = "publish that brief first, or link to it later"
            elif link.target_slug is None:
                message = f"link '{link.href}' leads to no brief"
                hint = did_you_mean(
                    link.href.partition("#")[0],
                    _relative_names(path, sources),
                    "link to another brief by its file name, e.g. [offer](land-offer.md)",
                )
            else:
                target = rendered[link.target_slug]
                ids = brief_page_ids(target)
                if not link.fragment or link.fragment in ids:
                    continue
                where = "this brief" if target is item else target.brief.source_path
                message = (
                    f"link '{link.href}': there is no heading or anchor '#{link.fragment}' "
                    f"in {where}"
                )
                hint = did_you_mean(
                    link.fragment,
                    sorted(ids),
                    "headings get ids from their text: '## Terms' is #terms",
                    prefix="#",
                )
            problems.append(Problem(path, link.line, link.col, severity, message, hint))
    return problems


def _relative_names(from_path: str, sources: Iterable[str]) -> list[str]:
    """Brief file names as a relative link from `from_path` would write them."""
    folder = posixpath.dirname(from_path) or "."
    return [posixpath.relpath(source, folder) for source in sources]


def check_consistency(briefs: Sequence[Brief]) -> list[Problem]:
    """Warnings about facts across briefs: duplicate titles, one figure with two values.

    Readers compare briefs; two briefs saying "37.3 km²" and "37 km²" for the same label is
    a mistake in one of them, so both places are named.
    """
    problems: list[Problem] = []
    by_title: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        by_title[brief.title.casefold().strip()].append(brief)
    for group in by_title.values():
        for brief in group if len(group) > 1 else ():
            others = ", ".join(b.source_path for b in group if b is not brief)
            problems.append(
                warning(
                    brief.source_path,
                    *brief.position("title"),
                    f"title '{brief.title}' is also used by {others}",
                    "readers tell briefs apart by their titles; make each one distinct",
                )
            )
    figures: dict[str, list[tuple[Brief, int, Figure]]] = defaultdict(list)
    for brief in briefs:
        for index, figure in enumerate(brief.figures):
            figures[" ".join(figure.label.casefold().split())].append((brief, index, figure))
    for entries in figures.values():
        stated = {(float(f.value), format_unit(f.unit)) for _, _, f in entries}
        if len(stated) < 2:
            continue
        for brief, index, figure in entries:
            others = "; ".join(
                f"{format_quantity(f.value, f.unit)} in {b.source_path}:{b.figure_position(i)[0]}"
                for b, i, f in entries
                if (float(f.value), format_unit(f.unit))
                != (float(figure.value), format_unit(figure.unit))
            )
            problems.append(
                warning(
                    brief.source_path,
                    *brief.figure_position(index),
                    f"figure '{figure.label}' is {format_quantity(figure.value, figure.unit)} "
                    f"here but {others}",
                    "check the source and make the briefs agree, or give the figures "
                    "different labels if they measure different things",
                )
            )
    return problems


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
