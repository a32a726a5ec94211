"""Whole-site checks that need every brief rendered: links between briefs and their anchors."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterable, Mapping

from .markup import RenderedBrief
from .pages import brief_page_ids
from .problems import Problem, Severity


def check_links(
    rendered: Mapping[str, RenderedBrief], severity: Severity = Severity.ERROR
) -> list[Problem]:
    """Every link to a brief must reach one, and every '#anchor' an id on that page."""
    problems: list[Problem] = []
    sources = sorted(r.brief.source_path for r in rendered.values())
    for item in rendered.values():
        path = item.brief.source_path
        for link in item.links:
            if link.target_slug is None:
                target = link.href.partition("#")[0]
                close = difflib.get_close_matches(target, _relative_names(path, sources), n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else ("link to another brief by its file name, e.g. [offer](land-offer.md)")
                )
                problems.append(
                    Problem(
                        path,
                        link.line,
                        link.col,
                        severity,
                        f"link '{link.href}' leads to no brief",
                        hint,
                    )
                )
                continue
            target_item = rendered[link.target_slug]
            ids = brief_page_ids(target_item)
            if link.fragment and link.fragment not in ids:
                where = "this brief" if target_item is item else target_item.brief.source_path
                close = difflib.get_close_matches(link.fragment, sorted(ids), n=1)
                hint = (
                    f"did you mean '#{close[0]}'?"
                    if close
                    else "headings get ids from their text: '## Terms' is #terms"
                )
                problems.append(
                    Problem(
                        path,
                        link.line,
                        link.col,
                        severity,
                        f"link '{link.href}': there is no heading or anchor "
                        f"'#{link.fragment}' in {where}",
                        hint,
                    )
                )
    return problems


def _relative_names(from_path: str, sources: Iterable[str]) -> list[str]:
    """Brief file names as a relative link from `from_path` would write them."""
    folder = posixpath.dirname(from_path) or "."
    return [posixpath.relpath(source, folder) for source in sources]
