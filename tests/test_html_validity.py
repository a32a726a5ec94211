"""Every page of the built sample site passes the Nu Html Checker (vnu.jar) with zero errors.

The checker is the npm package vnu-jar, pinned in package.json and installed by `npm ci`;
it runs once, in one Java process, over all pages, because the JVM is slow to start.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest


def _location(url: str, site: Path) -> str:
    """vnu's file:/… URL as a path relative to the site folder."""
    path = Path(unquote(urlsplit(url).path))
    try:
        return path.relative_to(site).as_posix()
    except ValueError:
        return str(path)


@pytest.mark.slow
def test_every_page_passes_the_nu_html_checker(nu_checker: list[str], briefs_site: Path) -> None:
    pages = sorted(briefs_site.rglob("*.html"))
    assert len(pages) >= 14, pages
    result = subprocess.run(
        [*nu_checker, "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(result.stderr or result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(
            f"vnu exited {result.returncode} without a JSON report:\n{result.stderr}"
        ) from None
    problems = [
        f"{_location(m.get('url', '?'), briefs_site)}:{m.get('lastLine', '?')}:"
        f"{m.get('firstColumn', m.get('lastColumn', '?'))}: {m.get('type')}: {m.get('message')}"
        + (f"\n    {m['extract']!r}" if m.get("extract") else "")
        for m in report.get("messages", [])
        if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"
    ]
    assert not problems, f"{len(problems)} HTML errors:\n" + "\n".join(problems)
    assert result.returncode == 0, result.stderr
