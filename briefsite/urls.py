"""Every address in the site, decided in one place.

A *site path* names a page or file relative to the site root, without a leading slash:
"" is the home page, "briefs/land-offer/" a brief, "assets/site.css" a file. Pages are folders
with an `index.html`, so addresses stay short and stable ("pretty URLs").

Links between pages are written relative to the page they appear on, so the same files work at
https://example.org/, under a sub-path such as /briefs-site/, and, with `directory_urls: false`,
straight from disk over file://. Only the 404 page, which a host serves at any address, links
from the site root, using the path part of `base_url`.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

HOME = ""
ARCHIVE = "briefs/"
TOPICS = "topics/"
# The facets besides topics (`catalog.FACETS`): a page per issuing body, region, year and
# status in each folder, and the folder's own page listing them.
BODIES = "bodies/"
REGIONS = "regions/"
YEARS = "years/"
STATUS = "status/"
NOT_FOUND = "404.html"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
ASSETS = "assets/"
# Open data (`opendata`): every published brief's metadata, every key figure, and the
# llms.txt index (https://llmstxt.org) of the briefs' plain-Markdown copies.
BRIEFS_DATA = "briefs.json"
FIGURES_DATA = "figures.csv"
LLMS = "llms.txt"
# The files beside each brief's page: its entry of briefs.json, its plain-Markdown copy, and
# its citation in BibTeX and RIS.
BRIEF_JSON = "index.json"
BRIEF_MARKDOWN = "index.md"
BRIEF_BIBTEX = "cite.bib"
BRIEF_RIS = "cite.ris"
SEARCH = "search/"  # the search page
SEARCH_BUNDLE = "pagefind/"  # the search index and its scripts, made by Pagefind (`search`)


def language_folder(tag: str) -> str:
    """The folder of a language's part of the site, when it is not the default language: the
    tag's primary subtag, lowercase (`zh-Hans` -> `zh`), so addresses stay short and do not
    change when a script subtag is added or dropped."""
    return tag.split("-", 1)[0].lower()


def in_language(folder: str, path: str) -> str:
    """A site path inside a language's folder ("" is the default language, at the root): every
    page and file of a language other than the default lives under its folder."""
    return f"{folder}/{path}" if folder else path


def brief_key(folder: str, slug: str) -> str:
    """A brief's key (`Brief.slug`): its slug, after its language's folder when that is not the
    default language's (`zh/land-offer`). Slugs are unique per language, so keys are unique in
    the site, and a slug holds no '/' (`schema.SLUG_RE`), so a key tells its folder."""
    return f"{folder}/{slug}" if folder else slug


def key_parts(key: str) -> tuple[str, str]:
    """A brief key's language folder ("" for the default language) and its slug."""
    folder, _, slug = key.rpartition("/")
    return folder, slug


def brief_path(slug: str) -> str:
    """The page of one brief, by its key (`brief_key`): `briefs/<slug>/`, inside its
    language's folder for a language other than the default (`zh/briefs/<slug>/`)."""
    folder, bare = key_parts(slug)
    return in_language(folder, f"briefs/{bare}/")


def brief_file(slug: str, name: str) -> str:
    """A file beside a brief's page (`BRIEF_JSON`, `BRIEF_MARKDOWN`, ...)."""
    return brief_path(slug) + name


def topic_path(topic_slug: str, folder: str = "") -> str:
    """The page listing the briefs filed under one topic (in a language's `folder`)."""
    return in_language(folder, f"topics/{topic_slug}/")


def facet_path(folder: str, key: str) -> str:
    """The page listing the briefs with one value of a facet, in its folder: an issuing
    body's at bodies/<slug>/, a year's at years/2020/, a status's at status/current/."""
    return f"{folder}{key}/"


def year_anchor(year: int) -> str:
    """The id of a year's section on the archive page."""
    return f"year-{year}"


def list_page(first: str, number: int) -> str:
    """Page `number` (from 1) of a list split into pages (the archive, a topic's briefs): the
    first page at the list's own address, page N at `<first>page/N/`."""
    return first if number == 1 else f"{first}page/{number}/"


INDEX_NAME = "index"  # a standalone page named so takes its folder's address


def page_path(folders: Sequence[str], name: str) -> str:
    """A standalone page's address (see `standalone`): the folders of its file under pages/
    and its name (the file's, or its `slug`), each already an address part, as folders:
    pages/accessibility/statement.md is "accessibility/statement/". A page named `index`
    takes its folder's: pages/accessibility/index.md is "accessibility/"."""
    parts = [*folders] if name == INDEX_NAME else [*folders, name]
    return "".join(part + "/" for part in parts)


# What the build makes itself: a standalone page may take none of these addresses, nor one
# inside these folders (`page/2/` of the archive, a brief, a topic, a stylesheet).
GENERATED_FOLDERS = (ARCHIVE, TOPICS, BODIES, REGIONS, YEARS, STATUS, ASSETS)
GENERATED_FILES = (NOT_FOUND, FEED, SITEMAP, ROBOTS)


def generated_address(path: str, languages: Sequence[str] = ()) -> str | None:
    """The address the build makes itself that a page at site path `path` would take, or
    whose folder it would fall inside; None when it is free. A page is a folder, so one named
    like a generated file ("feed.xml/") could not sit beside that file either. `languages`:
    the folders of the site's languages besides the default (`zh`), each the site's own."""
    if path == HOME:
        return HOME
    for folder in (*GENERATED_FOLDERS, *(language + "/" for language in languages)):
        if path.startswith(folder):
            return folder
    first = path.split("/", 1)[0]
    return first if first in GENERATED_FILES else None


def feed_path(listing: str) -> str:
    """The Atom feed of a list of briefs, in the list's own folder: the site's feed (the home
    page's list) at feed.xml, a topic's at topics/<key>/feed.xml (an issuing body's, a
    region's and a year's likewise)."""
    return listing + FEED


def asset_path(name: str) -> str:
    """A stylesheet or other static file."""
    return ASSETS + name


def output_file(path: str) -> str:
    """The file a site path is written to: folders get their `index.html`."""
    return path + "index.html" if path == "" or path.endswith("/") else path


@functools.lru_cache(maxsize=4096)
def relative(target: str, current: str, directory_urls: bool = True) -> str:
    """The href that leads from page `current` to site path `target` (which may carry '#frag').
    Memoised for the page being rendered: about one link in five is one the page made
    already (a topic in its header and its list, the home page in the menu and the footer)."""
    path, _, fragment = target.partition("#")
    suffix = "#" + fragment if fragment else ""
    if path == current and suffix:
        return suffix  # a place on the same page needs only the fragment
    here = posixpath.dirname(output_file(current)) or "."
    if directory_urls and (path == "" or path.endswith("/")):
        rel = relative_path(path.rstrip("/") or ".", here)
        href = "./" if rel == "." else rel + "/"
    else:
        href = relative_path(output_file(path), here)
    return href + suffix


def relative_path(path: str, start: str) -> str:
    """`posixpath.relpath` for two relative site paths, without touching the disk.

    `posixpath.relpath` makes both absolute against the working folder first, which was a
    third of the time of rendering ten thousand pages; site paths need only their segments.
    """
    to, base = _parts(path), _parts(start)
    shared = 0
    for mine, theirs in zip(to, base, strict=False):
        if mine != theirs or mine == "..":
            break
        shared += 1
    return "/".join((*([".."] * (len(base) - shared)), *to[shared:])) or "."


@functools.lru_cache(maxsize=8192)
def _parts(path: str) -> tuple[str, ...]:
    """A site path's segments, normalised. Memoised: every page links to the same few dozen
    places (the home page, the lists, the stylesheet), and `posixpath.normpath` is Python."""
    return tuple(part for part in posixpath.normpath(path).split("/") if part != ".")


def root_relative(target: str, base_url: str) -> str:
    """An href from the site root, for pages served at unknown addresses (the 404 page)."""
    base_path = urlsplit(base_url).path or "/"
    if not base_path.endswith("/"):
        base_path += "/"
    return base_path + target


# How each kind of repository host addresses a file on a branch: (to read it, to propose an
# edit). GitLab's unscoped /blob/ and /edit/ are deprecated, so its paths start with /-/;
# "gitea" is also Forgejo (Codeberg).
REPOSITORY_PATHS = {
    "github": ("blob", "edit"),
    "gitlab": ("-/blob", "-/edit"),
    "gitea": ("src/branch", "_edit"),
}
REPOSITORY_KINDS = tuple(REPOSITORY_PATHS)
# Hosts whose kind their name tells; any other needs `repo_kind` in site.yml, since guessing
# wrong gives every brief two links that lead nowhere.
REPOSITORY_HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "codeberg.org": "gitea"}


def repository_kind(repo_url: str) -> str | None:
    """The kind of host `repo_url` is on, when its name tells (github.com, ...), else None."""
    host = (urlsplit(repo_url).hostname or "").removeprefix("www.")
    return REPOSITORY_HOSTS.get(host)


def repository_file(
    repo_url: str, branch: str, folder: str, path: str, edit: bool, kind: str = "github"
) -> str:
    """A brief's page on its repository's host: to read it, or to propose an edit.

    The branch and the file's path are percent-encoded (a brief named with a space or in
    Chinese still gives a valid address); their slashes stay, as the hosts expect.
    """
    inside = "/".join(part.strip("/") for part in (folder, path) if part.strip("/"))
    action = REPOSITORY_PATHS[kind][1 if edit else 0]
    return f"{repo_url.rstrip('/')}/{action}/{quote(branch)}/{quote(inside)}"


def absolute(target: str, base_url: str) -> str:
    """The full public address of a site path, for canonical links, feeds and sitemaps."""
    return base_url + target


def in_markdown(address: str) -> str:
    """An address as a Markdown link's target: parentheses, which would end or unbalance
    it, percent-encoded (the same address to every reader of URLs)."""
    return address.replace("(", "%28").replace(")", "%29")
