"""Standalone pages: Markdown files in `pages/` that are not briefs (About, Accessibility).

A page is simpler than a brief: its front matter has a `title`, and may have a `summary` (its
meta description) and a `slug` (`schema.PAGE_FIELDS`, read by the same `read_front_matter`
as briefs, so an unknown field is an error at its line). Its body goes through the very
pipeline a brief's does: the same `markup.Markup` (sanitiser, typography, tables, leftovers
of other systems), the same placeholder check, and links resolved by `links` and checked by
`check.check_links`. A page may link to briefs (`../briefs/land-offer.md#terms`) and briefs to
pages (`../pages/about.md`); a broken link is an error at its line and column.

Addresses (`urls.page_path`): a page's folders under `pages/` and its name, each made an
address part as a brief's file name is: `pages/about.md` is `/about/`,
`pages/accessibility/statement.md` is `/accessibility/statement/`, and `slug:` replaces the
name. A file named `index.md` takes its folder's address. An address the build makes itself
(the home page, `/briefs/...`, `/topics/...`, `/assets/...`, `feed.xml`, `404.html`, ...) or
another page's is an error in each file concerned.

Each page is compiled as a pure function of its file's bytes, its name and `BriefSettings`
(`compile_page`), kept in the cache under a key of those (kind "standalone"), and compiled
in a worker process within `brief_time_limit`, as briefs are. Every build reads the few page
files and digests them into `pipeline.setting_digest`: a build with nothing changed is
answered from its record, and a build after a page changed takes the full path (pages are
few; the full path compiles only the changed page and renders only pages whose inputs moved,
which with a changed title in the footer menu is every page). The edit path of brief bodies
keeps working alongside: it checks the anchors pages ask of the briefs it redoes, and links
from those briefs to pages.

The footer menu (`footer_links` in site.yml) is checked here against the pages found, and the
settings the templates receive carry it resolved: each entry's address and its text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from . import pageids, schema, urls
from .brief import Brief
from .cache import Cache, entry_key
from .catalog import nfc
from .compiled import BriefSettings, renderer
from .config import CONFIG_NAME, PAGES_DIR, SiteConfig
from .frontmatter import default_slug, read_front_matter, split, value_positions
from .pages import HOME_CRUMB, Crumb, Page, crumbs
from .placeholders import placeholder_problems
from .problems import Problem, did_you_mean, error
from .source import Walk, decode, display_path, invisible_characters, read_brief_bytes, walk_files
from .workers import internal_error_text, run_tasks

if TYPE_CHECKING:  # links and markup load Markdown, Pygments and nh3: only when compiling
    from .links import RenderedBrief
    from .markup import Body

TEMPLATE = "page.html"
CACHE_KIND = "standalone"  # the kind of the cache entries of compiled pages
_EPOCH = dt.date(1970, 1, 1)  # the date of the brief a page is made into for markup


# ----------------------------------------------------------------------------- finding pages


@dataclass(frozen=True)
class PageInputs:
    """The page files a build finds, read: cheap (a site has a handful), and read in every
    build, so the digest covers their bytes and a page edit can never go unseen."""

    files: tuple[tuple[str, bytes], ...] = ()  # (display path, bytes), in path order
    problems: tuple[Problem, ...] = ()  # from finding and reading them
    digest: bytes = b""  # of both, for `pipeline.setting_digest`


PAGES = Walk("pages folder")  # the briefs' rules, named for this folder in messages


def find_pages(config: SiteConfig) -> PageInputs:
    """Every page file under `pages/`, read within `max_brief_bytes`; no folder, no pages.

    The folder is walked with the briefs' rules (`source.walk_files`: no symbolic link out
    of it, no loops, no names that cannot be printed, `.markdown` and the like named)."""
    root = config.pages_dir
    if not os.path.lexists(root):
        return PageInputs(digest=hashlib.sha256(b"no pages").digest())
    shown = display_path(config.root, root)
    if root.is_symlink() or not root.is_dir():
        what = "a symbolic link" if root.is_symlink() else "not a folder"
        hint = f"make '{PAGES_DIR}' a real folder holding the pages' Markdown files"
        problem = error(shown, 0, 0, f"the pages folder is {what}", hint)
        return PageInputs((), (problem,), hashlib.sha256(repr(problem).encode()).digest())
    problems: list[Problem] = []
    paths = walk_files(config.root, root, PAGES, problems)  # an empty pages/ is no mistake
    files = []
    for path in paths:
        data = read_brief_bytes(config.root, path, config.max_brief_bytes)
        if isinstance(data, Problem):
            problems.append(data)
        else:
            files.append((display_path(config.root, path), data))
    digest = hashlib.sha256(repr(problems).encode())
    for name, data in files:
        digest.update(f"\0{name}\0".encode() + hashlib.sha256(data).digest())
    return PageInputs(tuple(files), tuple(problems), digest.digest())


# ---------------------------------------------------------------------- one page, one value


@dataclass(frozen=True)
class StandalonePage:
    """A page whose front matter passed validation: what its template shows."""

    source_path: str  # "pages/about.md"
    path: str  # its address: "about/"
    title: str  # typeset, as a brief's
    summary: str | None  # typeset; the meta description when given
    lang: str
    # (field, line, column) of each front-matter value, for problems found across pages.
    positions: tuple[tuple[str, int, int], ...] = ()

    def position(self, name: str) -> tuple[int, int]:
        """Line and column of a front-matter field's value; the opening '---' when absent."""
        return next(((line, col) for key, line, col in self.positions if key == name), (1, 1))


@dataclass(frozen=True)
class CompiledPage:
    """A page file after the work that needs only itself: a valid page and its body, or the
    problems that kept it from being one (with its body all the same when the front matter
    could be split off, so the links in its text are checked in the same run)."""

    path: str  # as problems name it: "pages/about.md"
    page: StandalonePage | None
    body: Body | None
    # The brief `markup` and `links` work with: named after the file, its text emptied once
    # rendered. Never published.
    brief: Brief | None = None
    problems: tuple[Problem, ...] = ()
    cacheable: bool = True  # False for a time-out or a crash: tried again next build


def compile_page(path: str, data: bytes, settings: BriefSettings) -> CompiledPage:
    """Decode, validate and render one page file: a function of these arguments alone."""
    source = decode(path, data)
    if isinstance(source, Problem):
        return CompiledPage(path, None, None, problems=(source,))
    read = read_front_matter(source, schema.PAGE_FIELDS)
    if isinstance(read, list):
        part = split(source)
        if isinstance(part, Problem):
            return CompiledPage(path, None, None, problems=tuple(read))
        stand_in = _brief_of(path, settings, "", part.body, part.body_line)
        body = renderer(settings.raw_html, settings.language).body(stand_in)
        kept = dataclasses.replace(stand_in, body_markdown="")
        hidden = invisible_characters(source, part.body_line)
        return CompiledPage(path, None, body, kept, (*read, *hidden, *body.problems))
    problems = list(read.problems)
    values = read.values or {}
    address, found = _address(path, values.get("slug"))
    problems += found
    stand_in = _brief_of(
        path, settings, values.get("title") or "", read.part.body, read.part.body_line
    )
    body = renderer(settings.raw_html, settings.language).body(stand_in)
    problems += placeholder_problems(source, read.part.body_line)
    problems += invisible_characters(source, read.part.body_line)
    problems += body.problems
    kept = dataclasses.replace(stand_in, body_markdown="")
    if read.values is None or read.problems or address is None:
        return CompiledPage(path, None, body, kept, tuple(problems))
    from .typography import typeset  # loads Markdown, which rendering the body has loaded

    page = StandalonePage(
        source_path=path,
        path=address,
        title=typeset(values["title"]),
        summary=None if values["summary"] is None else typeset(values["summary"]),
        lang=settings.language,
        positions=tuple(value_positions(read.node, source, read.base)),
    )
    return CompiledPage(path, page, body, kept, tuple(problems))


def _brief_of(path: str, settings: BriefSettings, title: str, body: str, line: int) -> Brief:
    """The brief a page's body is rendered and resolved as: its file, text and language."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    return Brief(
        source_path=path,
        slug=default_slug(stem) or "page",
        lang=settings.language,
        title=title,
        date=_EPOCH,
        summary="",
        body_markdown=body,
        body_line=line,
    )


def _address(path: str, slug: str | None) -> tuple[str | None, list[Problem]]:
    """A page's address from its place under pages/ and its `slug`, or the problems that
    keep it from having one (a folder or file name with no letter or digit to make it of)."""
    inside = path.removeprefix(PAGES_DIR + "/").split("/")
    folders, stem = inside[:-1], inside[-1].removesuffix(".md")
    problems = []
    parts = []
    for folder in folders:
        part = default_slug(folder)
        if not part or len(part) > schema.MAX_SLUG:
            message = (
                f"cannot make an address from the folder name '{folder}'"
                if not part
                else f"the address made from the folder name '{folder}' is {len(part)} "
                f"characters long; at most {schema.MAX_SLUG} are allowed"
            )
            hint = "rename the folder with letters and digits (at most 80), e.g. accessibility"
            problems.append(error(path, 1, 1, message, hint))
        parts.append(part)
    name = slug or default_slug(stem)
    if not name:
        problems.append(
            error(
                path,
                1,
                1,
                f"cannot make an address from the file name '{stem}'",
                "add a 'slug:' field with lowercase letters, digits and hyphens, e.g. slug: about",
            )
        )
    elif len(name) > schema.MAX_SLUG:
        problems.append(
            error(
                path,
                1,
                1,
                f"the address made from the file name is {len(name)} characters long; "
                f"at most {schema.MAX_SLUG} are allowed",
                "add a shorter 'slug:' field, or shorten the file name",
            )
        )
    if problems:
        return None, problems
    return urls.page_path(parts, name), []


# ------------------------------------------------------------- every page, from the cache


def page_key(path: str, data: bytes, settings: BriefSettings) -> str:
    """The cache key of a page file's `CompiledPage`: its name, bytes and the settings (and,
    as every key, the code's version)."""
    return entry_key(CACHE_KIND, path, hashlib.sha256(data).digest(), settings)


def compile_pages(
    config: SiteConfig,
    inputs: PageInputs,
    settings: BriefSettings,
    jobs: int,
    cache: Cache | None,
) -> tuple[CompiledPage, ...]:
    """Every page's result, in path order: from the cache, or compiled in worker processes,
    each within `brief_time_limit`."""
    keys = {path: page_key(path, data, settings) for path, data in inputs.files}
    stored = cache.get_many(keys.values()) if cache else {}
    todo = [(path, data) for path, data in inputs.files if keys[path] not in stored]
    fresh = compile_fresh(todo, settings, jobs, config.brief_time_limit)
    made = {keys[path]: item for (path, _), item in zip(todo, fresh, strict=True)}
    if cache:
        cache.put_many({key: item for key, item in made.items() if item.cacheable})
    found = {**stored, **made}
    return tuple(found[keys[path]] for path, _ in inputs.files)


def compile_fresh(
    files: Sequence[tuple[str, bytes]], settings: BriefSettings, jobs: int, limit: float
) -> list[CompiledPage]:
    """Compile page files in forked workers, one page per message, as briefs are (or a few
    here: `workers.run_tasks`): a page that makes Markdown slow is stopped after `limit` seconds,
    and reported."""
    if not files:
        return []
    tasks = _PageTasks(files, limit)

    def work(message: tuple[int, str, bytes]) -> tuple[int, object]:
        index, path, data = message
        try:
            return index, compile_page(path, data, settings)
        except Exception as exc:  # a bug in briefsite: a problem with this page, no traceback
            text = f"internal error while reading this page: {internal_error_text(exc)}"
            hint = "this is a bug in briefsite: please report it with the page attached"
            return index, _lost(path, text, hint)

    run_tasks(tasks, work, len(files), jobs, limit)
    return [item for item in tasks.results if item is not None]


def _lost(path: str, message: str, hint: str) -> CompiledPage:
    """A page whose compiling failed for a reason not in its file: never kept in the cache."""
    return CompiledPage(
        path, None, None, problems=(error(path, 0, 0, message, hint),), cacheable=False
    )


class _PageTasks:
    """The pages of `compile_fresh` as tasks for `workers.Pool`: one page per task."""

    def __init__(self, files: Sequence[tuple[str, bytes]], limit: float) -> None:
        self.files, self.limit = files, limit
        self.results: list[CompiledPage | None] = [None] * len(files)
        self.waiting = list(range(len(files) - 1, -1, -1))  # popped from the end: in order

    def next(self) -> int | None:
        return self.waiting.pop() if self.waiting else None

    def message(self, task: int) -> object:
        return (task, *self.files[task])

    def answer(self, task: int, answer: object) -> bool:
        if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] == task):
            return False
        if not isinstance(answer[1], CompiledPage):
            return False
        self.results[task] = answer[1]
        return True

    def lost(self, task: int, timed_out: bool) -> None:
        path = self.files[task][0]
        if timed_out:
            self.results[task] = _lost(
                path,
                f"reading this page took longer than {self.limit:g} s, so it was stopped",
                "Markdown slows down sharply on some text, such as thousands of '[' in a row: "
                "look for such a run ('brief_time_limit' in site.yml sets the limit)",
            )
        else:
            self.results[task] = _lost(
                path,
                "the process reading this page stopped unexpectedly",
                "if it happens again, please report it with the page attached",
            )


# ------------------------------------------------------------------- the site's pages


@dataclass(frozen=True)
class SitePages:
    """The pages of a build: the valid ones (by source path, NFC), with their bodies."""

    pages: Mapping[str, CompiledPage] = field(default_factory=dict)  # valid ones only
    # Every page file found, valid or not (for footer links and hints), by source path (NFC).
    files: frozenset[str] = frozenset()

    def page_at(self, path: str) -> str | None:
        """The address of the valid page at a source path (NFC), for `links.resolve`."""
        found = self.pages.get(path)
        return found.page.path if found is not None and found.page is not None else None

    @functools.cached_property
    def ids(self) -> Mapping[str, frozenset[str]]:
        """The ids a link may name on each page, by its address: its body's, and the ones
        its template writes (`page_ids`)."""
        return {
            item.page.path: page_ids(item.body)
            for item in self.pages.values()
            if item.page is not None and item.body is not None
        }

    def fragments(self) -> Iterable[tuple[str, str]]:
        """(source path in NFC, anchor) of each link of a page that asks a file for an
        anchor: the briefs among them must keep it (the edit path checks)."""
        for item in self.pages.values():
            if item.body is not None:
                for ref in item.body.links:
                    if ref.fragment:
                        yield nfc(ref.target_path), ref.fragment


def page_ids(body: Body) -> frozenset[str]:
    """The ids a link may name on a standalone page: the body's, the main landmark's (every
    page's), and the notes section's when it has notes (`templates/page.html`)."""
    own = {pageids.IDS.main_content}
    if body.notes_html:
        own.add(pageids.IDS.notes)
    return body.ids | own


def site_pages(
    config: SiteConfig, compiled: Sequence[CompiledPage]
) -> tuple[SitePages, list[Problem]]:
    """The valid pages, and the problems found across them and the settings: an address the
    build makes itself, one address for two pages, a footer link to no page."""
    valid = {nfc(c.path): c for c in compiled if c.page is not None}
    problems: list[Problem] = []
    by_address: dict[str, list[StandalonePage]] = defaultdict(list)
    for item in valid.values():
        assert item.page is not None
        by_address[item.page.path].append(item.page)
    for address, group in sorted(by_address.items()):
        taken = urls.generated_address(address, config.language_folders)
        for page in group:
            where = page.position("slug")
            if taken is not None:
                problems.append(
                    error(
                        page.source_path,
                        *where,
                        _clash_message(address, taken),
                        "rename the file, or give it another 'slug:'",
                    )
                )
            elif len(group) > 1:
                others = ", ".join(p.source_path for p in group if p is not page)
                problems.append(
                    error(
                        page.source_path,
                        *where,
                        f"this page's address, /{address}, is also that of {others}",
                        "rename one of the files, or give one of them another 'slug:'",
                    )
                )
    found = SitePages(MappingProxyType(valid), frozenset(nfc(c.path) for c in compiled))
    problems += footer_problems(config, found)
    return found, problems


# What readers know the generated addresses as, for messages.
_GENERATED_NAMES = {
    urls.HOME: "the home page",
    urls.ARCHIVE: "/briefs/, the list of all briefs",
    urls.TOPICS: "/topics/, the list of topics",
}


def _clash_message(address: str, taken: str) -> str:
    """Why a page may not have `address`, which is (or is inside) the generated `taken`."""
    if address in (taken, taken.rstrip("/") + "/"):
        named = _GENERATED_NAMES.get(taken, f"/{taken}")
        return f"this page would have the address /{address}, which is {named}: the site makes it"
    return (
        f"this page would have the address /{address}, inside /{taken}, whose addresses the "
        "site makes itself"
    )


def footer_problems(config: SiteConfig, found: SitePages) -> list[Problem]:
    """Each footer link to a page must name a page file in pages/ (whose own problems, if
    any, are reported in it)."""
    problems = []
    names = sorted(path.removeprefix(PAGES_DIR + "/") for path in found.files)
    for link in config.footer_links:
        if link.page is None or nfc(f"{PAGES_DIR}/{link.page}") in found.files:
            continue
        hint = did_you_mean(
            link.page,
            names,
            f"create {PAGES_DIR}/{link.page}, or name a page that exists"
            + (f" ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})" if names else ""),
        )
        problems.append(
            error(
                CONFIG_NAME,
                link.line,
                link.col,
                f"footer link to '{link.page}': there is no {PAGES_DIR}/{link.page}",
                hint,
            )
        )
    return problems


# --------------------------------------------------------------------- what pages show


def resolve_pages(
    found: SitePages, slug_of: Callable[[str], str | None], config: SiteConfig
) -> dict[str, RenderedBrief]:
    """Each valid page's body with its links tied to what they reach, by address."""
    from .links import resolve_with

    def resolved(item: CompiledPage, address: str) -> RenderedBrief:
        assert item.brief is not None and item.body is not None
        return resolve_with(
            item.brief,
            item.body,
            slug_of,
            config.directory_urls,
            config.base_url,
            found.page_at,
            address,
        )

    pages = {
        item.page.path: resolved(item, item.page.path)
        for item in found.pages.values()
        if item.page is not None
    }
    return pages


def unlisted_pages(
    compiled: Sequence[CompiledPage],
    found: SitePages,
    slug_of: Callable[[str], str | None],
    config: SiteConfig,
) -> list[RenderedBrief]:
    """The bodies of pages whose front matter failed, resolved, for the link check."""
    from .links import resolve_with

    return [
        resolve_with(
            item.brief,
            item.body,
            slug_of,
            config.directory_urls,
            config.base_url,
            found.page_at,
            urls.HOME,
        )
        for item in compiled
        if item.page is None and item.brief is not None and item.body is not None
    ]


def with_footer(shown: SiteConfig, found: SitePages) -> SiteConfig:
    """The settings as templates receive them, with the footer menu resolved: each page's
    address and text (its typeset title unless the entry gives one), in the order written.
    Positions in site.yml are left out, so moving an entry there changes no page's key."""
    from .typography import typeset  # loads Markdown: only where pages are made

    links = []
    for link in shown.footer_links:
        title = typeset(link.title) if link.title is not None else None
        if link.page is None:
            links.append(schema.FooterLink(title, None, link.url))
            continue
        item = found.pages.get(nfc(f"{PAGES_DIR}/{link.page}"))
        if item is None or item.page is None:
            continue  # a problem says so, and the build stops
        links.append(
            schema.FooterLink(
                title or item.page.title,
                link.page,
                None,
                path=item.page.path,
                lang=item.page.lang,
            )
        )
    return dataclasses.replace(shown, footer_links=tuple(links))


def page_views(
    found: SitePages, rendered: Mapping[str, RenderedBrief], config: SiteConfig
) -> tuple[Page, ...]:
    """The `Page` of each standalone page, by address: its template receives `standalone`
    (the `StandalonePage`) and `rendered` (its body, links resolved). Its breadcrumbs lead
    home, through the pages at its parent addresses when there are any."""
    titles = {
        item.page.path: item.page.title for item in found.pages.values() if item.page is not None
    }
    views = []
    for item in sorted(found.pages.values(), key=lambda c: c.page.path if c.page else ""):
        page = item.page
        assert page is not None
        parts = page.path.rstrip("/").split("/")
        parents = ["/".join(parts[:end]) + "/" for end in range(1, len(parts))]
        above = tuple(Crumb(titles[p], p) for p in parents if p in titles)
        views.append(
            Page(
                path=page.path,
                template=TEMPLATE,
                title=page.title,
                description=page.summary or config.description or page.title,
                lang=page.lang,
                context=MappingProxyType({"standalone": page, "rendered": rendered[page.path]}),
                breadcrumbs=(*crumbs(page.lang, HOME_CRUMB), *above),
            )
        )
    return tuple(views)
