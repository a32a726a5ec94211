"""Addresses that last: a brief's `aliases` (its old addresses) lead to where it is now.

Two ways, because hosts differ:

- A page at each old address, which any static host serves (GitHub Pages, a bucket): it sends
  the browser on at once (`<meta http-equiv="refresh" content="0; url=...">`), names the brief's
  page as canonical so search engines move their entry, says `noindex` itself, and shows a
  link for whoever reads it.
- `_redirects` (the syntax Netlify and Cloudflare Pages read: `/old/ /new/ 301`), so those hosts
  answer with a permanent redirect. Paths in it are from the host's root, so base_url's path
  is added to both sides.

An old address must be free: it may not be any address the build makes (a page, a feed, an
asset, ...), another brief's old address, or a brief's address, including its own. Such a
clash is reported at the alias, in its brief's front matter, so the old address keeps leading
where it should rather than being silently overwritten. Only published briefs' aliases are
published; the form of each alias is checked with the front matter (`schema.normal_alias`).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote, urlsplit

from . import urls
from .brief import Brief
from .catalog import Catalog
from .config import SiteConfig
from .output import Output
from .problems import Problem, error

REDIRECTS = "_redirects"


def _aliases(catalog: Catalog) -> Iterator[tuple[str, Brief, int]]:
    """(old address as a site path, its brief, its number in the brief's list from 1)."""
    for brief in catalog.briefs:
        for index, alias in enumerate(brief.aliases, 1):
            yield alias, brief, index


def _key(path: str) -> str:
    """A path as a case-insensitive file system compares names: `Briefs/` would overwrite the
    archive's `briefs/` on macOS or Windows."""
    return unicodedata.normalize("NFC", path).casefold()


def _folders(path: str) -> Iterator[str]:
    """The folders a file path lies in ("a/b/c.html": "a", "a/b")."""
    parts = path.split("/")[:-1]
    for end in range(1, len(parts) + 1):
        yield "/".join(parts[:end])


def check_aliases(
    catalog: Catalog, outputs: Iterable[str], languages: Sequence[str] = ()
) -> list[Problem]:
    """Old addresses that clash with a file the build writes (`outputs`: every output's
    path), with a folder it needs, with a language's folder (`languages`: `zh`, whose
    addresses the site makes), or with another old address, each at its alias."""
    if not any(brief.aliases for brief in catalog.briefs):
        return []
    made = {_key(path): path for path in outputs}
    folders = {_key(folder) for path in made.values() for folder in _folders(path)}
    briefs = {_key(urls.output_file(brief.path)): brief for brief in catalog.briefs}
    seen: dict[str, tuple[Brief, str]] = {}
    problems = []
    for alias, brief, index in _aliases(catalog):
        file = urls.output_file(alias)
        key = _key(file)
        owner = briefs.get(key)
        if owner is not None:
            clash = "its own address" if owner is brief else f"the address of {owner.source_path}"
        elif key in made:
            clash = f"an address this site already has ({made[key]})"
        elif key in folders or any(_key(folder) in made for folder in _folders(file)):
            clash = "a folder or file of an address this site already has"
        elif (first := alias.split("/", 1)[0]) in languages:
            clash = f"inside /{first}/, the folder of a language of this site"
        elif key in seen:
            other, written = seen[key]
            place = "this brief" if other is brief else other.source_path
            clash = f"also an alias in {place} (/{written})"
        else:
            seen[key] = (brief, alias)
            continue
        problems.append(
            error(
                brief.source_path,
                *brief.position(f"aliases[{index}]"),
                f"alias '/{alias}' is {clash}",
                "remove it: an old address can lead to one page only, and never replaces one",
            )
        )
    return problems


def redirect_outputs(config: SiteConfig, catalog: Catalog) -> list[Output]:
    """A page at each old address, and `_redirects` when there are any. `config` as
    `pages.reader_settings` gives it (the titles shown are typeset)."""
    found = sorted(_aliases(catalog), key=lambda item: item[0])
    if not found:
        return []
    outputs = [redirect_page(config, alias, brief) for alias, brief, _ in found]
    base = urlsplit(config.base_url).path.rstrip("/")
    lines = [
        "# Made by briefsite from the briefs' aliases: each old address, moved permanently to",
        "# the brief's page (Netlify, Cloudflare Pages).",
    ]
    for alias, brief, _ in found:
        lines.append(f"{base}/{quote(alias)} {base}/{quote(brief.path)} 301")
    outputs.append(Output(REDIRECTS, ("\n".join(lines) + "\n").encode("utf-8")))
    return outputs


def redirect_page(config: SiteConfig, alias: str, brief: Brief) -> Output:
    """The page at an old address: on at once to the brief, canonical there, not indexed."""
    escape = html.escape
    here = urls.relative(brief.path, alias, config.directory_urls)
    canonical = urls.absolute(brief.path, config.base_url)
    text = f"""<!DOCTYPE html>
<html lang="{escape(config.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Moved: {escape(brief.title)} \u2013 {escape(config.title)}</title>
<meta name="robots" content="noindex">
<link rel="canonical" href="{escape(canonical)}">
<meta http-equiv="refresh" content="0; url={escape(here)}">
</head>
<body>
<main>
<h1>This brief has moved</h1>
<p>It is now at <a href="{escape(here)}" lang="{escape(brief.lang)}">{escape(brief.title)}</a>.</p>
</main>
</body>
</html>
"""
    return Output(urls.output_file(alias), text.encode("utf-8"))
