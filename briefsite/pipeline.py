"""The build recipe, stage after stage, to be read top to bottom.

Everything is gathered and validated first (MkDocs' `build` and Zola's `Site::load` are the
models); only a build without errors renders pages, and only a fully rendered site is handed to
`output.sync`. So one run reports every problem in every file, and a failed build writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from . import urls
from .brief import Brief
from .cache import CACHE_DIR, Cache, entry_key
from .catalog import Catalog, build_catalog, nfc
from .check import check_change_notes, check_consistency, check_links
from .compiled import BriefSettings, CompiledBrief, prepare
from .config import SiteConfig
from .feeds import build_feed
from .fingerprint import Fingerprints, Unfingerprintable, files_digest
from .frontmatter import check_update_dates
from .history import FileHistory, git_head, read_history
from .output import Output, OutputError, SyncReport, check_location, check_outputs, sync
from .pages import Page, build_pages, related_briefs, related_inputs
from .problems import Problem, Severity, has_errors, sort_problems, warning
from .sitemap import build_sitemap
from .source import (
    RACY_NS,
    FileIndex,
    Stamp,
    display_path,
    file_stamp,
    find_briefs,
    read_assets,
    read_brief_bytes,
)
from .workers import Job, compile_all, default_jobs

if TYPE_CHECKING:
    import jinja2

    from .links import RenderedBrief

# links, markup and render load Markdown, Pygments, nh3 and Jinja2 (half a second of start-up):
# they are imported where a build renders, so a build with nothing changed never loads them.

Progress = Callable[[str, int, int], None]  # (stage, done, total), for a progress bar


def _no_progress(stage: str, done: int, total: int) -> None:
    """The default progress reporter: silence."""


def today_for_build() -> dt.date:
    """The build's idea of today: SOURCE_DATE_EPOCH when set (reproducible builds), else now.

    It decides which briefs are scheduled for the future and which have expired.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


@dataclass(frozen=True)
class BuildOptions:
    """Choices made per run on the command line rather than in site.yml."""

    drafts: bool = False  # include briefs marked `draft: true`
    future: bool = False  # include briefs dated after `today`
    today: dt.date = field(default_factory=today_for_build)
    progress: Progress = _no_progress
    git: bool = True  # read commit dates for sitemap and feed when the briefs are in git
    jobs: int = field(default_factory=default_jobs)  # worker processes for per-brief work
    cache: bool = True  # keep per-brief results in .briefsite-cache/ between builds

    def publishes(self, brief: Brief) -> bool:
        """Whether a brief belongs in this build: not a draft, not scheduled for later."""
        return not self.held_back(brief)

    def held_back(self, brief: Brief) -> str:
        """Why a valid brief stays out of this build, or "" when it is published."""
        if brief.draft and not self.drafts:
            return "it is a draft"
        if brief.date > self.today and not self.future:
            return f"it is scheduled for {brief.date.isoformat()}"
        return ""


@dataclass(frozen=True)
class BuildResult:
    """The outcome of building in memory: files to write (none on error) and every problem."""

    outputs: tuple[Output, ...]
    problems: tuple[Problem, ...]
    catalog: Catalog = field(default_factory=lambda: build_catalog(())[0])
    rendered: Mapping[str, RenderedBrief] = field(default_factory=dict)
    history: Mapping[str, FileHistory] | None = None  # None: the build stopped before reading it
    page_count: int = 0
    brief_total: int = -1  # set when the catalog was not built again (nothing changed)
    # True when answered from the record of a build whose files the destination still holds
    # exactly: there is nothing to publish.
    unchanged: bool = False

    @property
    def brief_count(self) -> int:
        """How many briefs the site publishes."""
        return self.brief_total if self.brief_total >= 0 else len(self.catalog.briefs)

    @property
    def ok(self) -> bool:
        """True when the site may be written."""
        return not has_errors(self.problems)


def brief_settings(config: SiteConfig) -> BriefSettings:
    """The part of the settings that per-brief work depends on."""
    return BriefSettings(language=config.language, raw_html=config.raw_html)


@dataclass(frozen=True)
class BuildInputs:
    """What a build finds before any work: the brief files, their stamps and a digest of the
    templates. Taken once, for both the build's fingerprint and the build itself."""

    paths: tuple[Path, ...]
    problems: tuple[Problem, ...]  # from looking for the briefs (links, file names)
    templates: bytes  # files_digest of the template folders
    stamps: tuple[Stamp | None, ...] = ()  # of each path (None: it could not be looked at)
    taken_ns: int = 0  # the clock just before the stamps were taken

    @classmethod
    def find(cls, config: SiteConfig) -> BuildInputs:
        paths, problems = find_briefs(config.root, config.briefs_dir.name)
        taken = clock_ns()
        stamps = tuple(file_stamp(path) for path in paths)
        templates = files_digest(config.template_dirs)
        return cls(tuple(paths), tuple(problems), templates, stamps, taken)


def clock_ns() -> int:
    """The wall clock that file times are compared with (a seam for tests of that rule)."""
    return time.time_ns()


FILE_INDEX = "file-index"  # the cache entry of the `FileIndex` (one per site folder)


def compile_briefs(
    config: SiteConfig,
    options: BuildOptions,
    inputs: BuildInputs,
    cache: Cache | None = None,
) -> tuple[list[CompiledBrief], list[Problem], dict[str, str]]:
    """Stages `source`, `frontmatter` and `markup`: every brief file on its own.

    Also returns each file's cache key, which stands for everything its result holds.

    A file whose stamp is as the cache's `FileIndex` recorded it is not read: its bytes are
    known by their hash (ten thousand files cost a second to read and hash). Results come
    from the cache when the file, its name, the settings and the code are all as they were;
    the rest are read and compiled on every core, each brief within its time limit.
    """
    index_key = entry_key(FILE_INDEX)
    index = cache.get_many([index_key]).get(index_key) if cache else None
    if not isinstance(index, FileIndex):
        index = None
    problems = list(inputs.problems)
    settings = brief_settings(config)
    stamps = inputs.stamps or tuple(None for _ in inputs.paths)
    found: list[tuple[Path, str, bytes]] = []  # (path, display path, SHA-256 of its bytes)
    data: dict[str, bytes] = {}  # the bytes of files read so far, by display path
    recorded: dict[str, tuple[Stamp, bytes]] = {}  # the next index
    for done, (path, stamp) in enumerate(zip(inputs.paths, stamps, strict=True), 1):
        options.progress("reading", done, len(inputs.paths))
        shown = display_path(config.root, path)
        small = stamp is not None and stamp[0] <= config.max_brief_bytes
        digest = index.known(shown, stamp) if index and small else None
        if digest is None:
            read = read_brief_bytes(config.root, path, config.max_brief_bytes)
            if isinstance(read, Problem):
                problems.append(read)
                continue
            digest = hashlib.sha256(read).digest()
            data[shown] = read
        if stamp is not None:
            recorded[shown] = (stamp, digest)
        found.append((path, shown, digest))
    keys = [entry_key("brief", shown, digest, settings) for _, shown, digest in found]
    stored = cache.get_many(keys) if cache else {}
    jobs: list[Job] = []
    missing: list[str] = []  # the keys of `jobs`, in order
    for i, (path, shown, digest) in enumerate(found):
        if keys[i] in stored:
            continue
        if shown not in data:  # trusted by its stamp, but its result is not kept: read it
            read = read_brief_bytes(config.root, path, config.max_brief_bytes)
            if isinstance(read, Problem):
                problems.append(read)
                keys[i] = ""
                recorded.pop(shown, None)
                continue
            if hashlib.sha256(read).digest() != digest:  # changed after all: trust it no more
                recorded.pop(shown, None)
                keys[i] = entry_key("brief", shown, hashlib.sha256(read).digest(), settings)
            data[shown] = read
        jobs.append(Job(shown, data[shown]))
        missing.append(keys[i])
    if len(missing) > max(1, options.jobs):
        prepare(settings)  # pays for itself when each worker has several briefs
    fresh = compile_all(
        jobs,
        settings,
        options.jobs,
        config.brief_time_limit,
        lambda done: options.progress("rendering", done, len(missing)),
    )
    made = dict(zip(missing, fresh, strict=True))
    if cache:
        # Only results of the brief itself are kept: not a time-out or an internal error.
        kept: dict[str, object] = {k: v for k, v in made.items() if v.cacheable}
        cache.put_many({**kept, index_key: FileIndex(inputs.taken_ns, recorded)})
    compiled = [stored[key] if key in stored else made[key] for key in keys if key]
    shown_keys = {shown: key for (_, shown, _), key in zip(found, keys, strict=True) if key}
    return compiled, problems, shown_keys


def _cache_warning(config: SiteConfig, note: str) -> Problem:
    """A note about the cache, as a warning on the cache folder."""
    return warning(f"{CACHE_DIR}/", 0, 0, note, f"deleting {CACHE_DIR}/ is always safe")


def build(
    config: SiteConfig,
    options: BuildOptions | None = None,
    on_disk: Mapping[str, str] = MappingProxyType({}),
) -> BuildResult:
    """Build the whole site in memory: validate everything, then render, then list outputs.

    `on_disk` names files the destination already holds intact (path -> SHA-256): a page
    whose inputs are the same as when it was rendered to those bytes is not rendered again,
    and its `Output` carries only the hash. When nothing at all changed since a build that
    wrote exactly those files (`inputs_fingerprint`), that build's result is given again.
    Without `options`, the defaults of a build made now (today is the day it is called).
    """
    options = options or BuildOptions()
    cache = Cache.open(config.root) if options.cache else None
    try:
        inputs = BuildInputs.find(config)
        fingerprint = inputs_fingerprint(config, options, inputs) if cache else None
        key = entry_key("build", fingerprint) if fingerprint else ""
        if cache and key and on_disk:
            record = cache.get_many([key]).get(key)
            if isinstance(record, BuildRecord) and dict(record.outputs) == dict(on_disk):
                return record.result()
        result = _build(config, options, inputs, on_disk, cache)
        if cache is None:
            return result
        if key and result.ok:
            cache.put_many({key: BuildRecord.of(result)})
        if result.ok:
            # Entries for files and pages as they were: no build asks for them again. A build
            # stopped by an error never asked for its pages or git's history (the history
            # `check_site` keeps after it), which the next build still needs.
            cache.prune()
        notes = [_cache_warning(config, note) for note in cache.warnings()]
        return replace(result, problems=sort_problems((*result.problems, *notes)))
    finally:
        if cache is not None:
            cache.close()


@dataclass(frozen=True)
class BuildRecord:
    """What a successful build made, kept to answer the next build if nothing changed."""

    outputs: tuple[tuple[str, str], ...]  # (path, SHA-256) of every file written
    problems: tuple[Problem, ...]  # its warnings, to report again
    brief_count: int
    page_count: int

    @classmethod
    def of(cls, result: BuildResult) -> BuildRecord:
        outputs = tuple((o.path, o.digest) for o in result.outputs)
        return cls(outputs, result.problems, result.brief_count, result.page_count)

    def result(self) -> BuildResult:
        """The build again: every file as it is on disk, the same warnings."""
        outputs = tuple(Output(path, None, digest) for path, digest in self.outputs)
        return BuildResult(
            outputs,
            self.problems,
            page_count=self.page_count,
            brief_total=self.brief_count,
            unchanged=True,
        )


def inputs_fingerprint(
    config: SiteConfig, options: BuildOptions, inputs: BuildInputs
) -> str | None:
    """A digest of everything a build reads, cheap to take: the settings, the choices of this
    run (today included), each brief file's name and status, the templates' files, git's HEAD
    and the code's version. None when a brief changed so recently that a further change could
    keep its status (git's "racily clean" files), so such a build is never skipped.
    """
    fingerprints = Fingerprints()
    digest = hashlib.sha256(fingerprints.of(config))
    choices = (options.drafts, options.future, options.today, options.git)
    digest.update(fingerprints.of(choices))
    digest.update(fingerprints.of(inputs.problems))
    newest = 0
    for path, stamp in zip(inputs.paths, inputs.stamps, strict=True):
        if stamp is None:
            return None
        newest = max(newest, stamp[1])
        digest.update(f"{path}\0{stamp}\0".encode())
    if newest >= inputs.taken_ns - RACY_NS:
        return None
    digest.update(inputs.templates)
    if options.git:
        digest.update(git_head(config.root).encode())
    return digest.hexdigest()


def _build(
    config: SiteConfig,
    options: BuildOptions,
    inputs: BuildInputs,
    on_disk: Mapping[str, str],
    cache: Cache | None,
) -> BuildResult:
    """The stages, in order; see `build`."""
    from .links import resolve
    from .markup import pygments_css
    from .render import environment_for

    compiled, problems, brief_keys = compile_briefs(config, options, inputs, cache)
    problems += [p for item in compiled for p in item.problems]
    briefs = [item.brief for item in compiled if item.brief is not None]
    bodies = {
        item.brief.source_path: item.body
        for item in compiled
        if item.brief is not None and item.body is not None
    }
    problems += [p for brief in briefs for p in check_update_dates(brief, options.today)]
    published = [b for b in briefs if options.publishes(b)]
    catalog, found = build_catalog(published)
    problems += found
    if has_errors(found):
        # Links cannot be resolved while two briefs claim one address: stop here.
        return BuildResult((), sort_problems(problems), catalog)
    # Briefs with their own errors are left out, but every other brief is still rendered and
    # its links checked, so one run reports every problem in every file.
    unpublished = {nfc(p.path): "invalid" for p in problems}
    unpublished |= {nfc(b.source_path): reason for b in briefs if (reason := options.held_back(b))}
    rendered = {
        brief.slug: resolve(brief, bodies[brief.source_path], catalog, config.directory_urls)
        for brief in catalog.briefs
    }
    unlisted = [
        resolve(item.stand_in, item.body, catalog, config.directory_urls)
        for item in compiled
        if item.stand_in is not None and item.body is not None
    ]
    problems += check_links(rendered, Severity(config.broken_links), unpublished, unlisted)
    if has_errors(problems):
        return BuildResult((), sort_problems(problems), catalog, rendered)

    history = (
        read_history(config.root, config.briefs_dir.name, options.today, cache)
        if options.git
        else {}
    )
    modified = {
        catalog.by_source[nfc(path)].slug: item.date
        for path, item in history.items()
        if nfc(path) in catalog.by_source
    }
    env = environment_for(tuple(config.template_dirs), inputs.templates)
    pages = build_pages(config, catalog, rendered, _related(catalog, cache))
    fingerprints = _fingerprints(brief_keys, rendered)
    outputs, rendering_problems = render_pages(
        env, config, pages, options, on_disk, cache, fingerprints, inputs.templates
    )
    problems += rendering_problems
    outputs.append(build_feed(config, catalog, modified))
    outputs.extend(build_sitemap(config, catalog, pages, modified))
    outputs += [
        Output(urls.asset_path(name), data)
        for name, data in read_assets(config.template_dirs).items()
    ]
    outputs.append(Output(urls.asset_path("pygments.css"), pygments_css().encode("utf-8")))
    problems += check_outputs(outputs)
    if has_errors(problems):
        return BuildResult((), sort_problems(problems), catalog, rendered, history)
    ordered = tuple(sorted(outputs, key=lambda o: o.path))
    return BuildResult(ordered, sort_problems(problems), catalog, rendered, history, len(pages))


def _related(catalog: Catalog, cache: Cache | None) -> Mapping[str, tuple[str, ...]]:
    """Each brief's related briefs, kept while no brief's address, order or topics change
    (about a second at 10,000 briefs; a body edit changes none of them)."""
    key = entry_key("related", hashlib.sha256(related_inputs(catalog)).digest())
    found = cache.get_many([key]).get(key) if cache else None
    if isinstance(found, dict):
        return found
    related = related_briefs(catalog)
    if cache:
        cache.put_many({key: related})
    return related


def render_pages(
    env: jinja2.Environment,
    config: SiteConfig,
    pages: Sequence[Page],
    options: BuildOptions,
    on_disk: Mapping[str, str],
    cache: Cache | None,
    fingerprints: Fingerprints,
    templates: bytes,
) -> tuple[list[Output], list[Problem]]:
    """Stage `render`: each page through its template, on every core, unless the same inputs
    made the bytes the destination already holds (the page's key: its context, the templates,
    the code's version and today, which decides what has expired)."""
    from .pagework import render_all  # loads Jinja2: only when pages are rendered

    keys = _page_keys(config, pages, options.today, fingerprints, templates) if cache else {}
    known = cache.get_many(keys.values()) if cache else {}
    results: list[Output | Problem | None] = [None] * len(pages)
    todo: list[int] = []  # the pages to render; only these reach the workers
    for index, page in enumerate(pages):
        path, key = urls.output_file(page.path), keys.get(page.path)
        digest = known.get(key) if key else None
        if digest is not None and on_disk.get(path) == digest:
            results[index] = Output(path, None, digest)
        else:
            todo.append(index)
    skipped = len(pages) - len(todo)
    options.progress("writing pages", skipped, len(pages))
    fresh = render_all(
        env,
        config,
        [pages[i] for i in todo],
        options.today,
        options.jobs,
        lambda done: options.progress("writing pages", skipped + done, len(pages)),
    )
    for index, result in zip(todo, fresh, strict=True):
        results[index] = result
    outputs: list[Output] = []
    problems: list[Problem] = []
    made: dict[str, str] = {}
    for page, result in zip(pages, results, strict=True):
        if isinstance(result, Problem):
            problems.append(result)
        elif result is not None:  # None: not rendered, after a worker died (a problem says)
            outputs.append(result)
            key = keys.get(page.path)
            if key and result.data is not None:
                made[key] = result.digest
    if cache and not has_errors(problems):
        cache.put_many(made)
    return outputs, problems


def _fingerprints(
    brief_keys: Mapping[str, str], rendered: Mapping[str, RenderedBrief]
) -> Fingerprints:
    """Fingerprints that know each brief by its cache key, and each rendered brief by that key
    and where its links lead (all that resolving adds to its body)."""
    fingerprints = Fingerprints()
    for item in rendered.values():
        key = brief_keys[item.brief.source_path].encode()
        fingerprints.know(item.brief, key)
        targets = repr(tuple((link.target_slug, link.fragment) for link in item.links))
        fingerprints.know(item, key + targets.encode())
    return fingerprints


def _page_keys(
    config: SiteConfig,
    pages: Sequence[Page],
    today: dt.date,
    fingerprints: Fingerprints,
    templates: bytes,
) -> dict[str, str]:
    """Each page's cache key; a page whose context cannot be fingerprinted gets none."""
    common = templates + fingerprints.of(config) + fingerprints.of(today)
    keys = {}
    for page in pages:
        try:
            made_of = page if page.inputs is None else (page.template, page.inputs)
            keys[page.path] = entry_key("page", common, fingerprints.of(made_of))
        except Unfingerprintable:
            continue
    return keys


def check_site(config: SiteConfig, options: BuildOptions | None = None) -> BuildResult:
    """Everything a build validates, plus whole-site checks a build does not need to stop for:
    duplicate titles, figures that disagree across briefs, and missing change notes."""
    options = options or BuildOptions()
    result = build(config, options)
    briefs = result.catalog.briefs
    history = result.history
    if history is None:  # the build stopped early; the warnings still need git's view
        cache = Cache.open(config.root) if options.cache and options.git else None
        try:
            history = (
                read_history(config.root, config.briefs_dir.name, options.today, cache)
                if options.git
                else {}
            )
        finally:
            if cache is not None:
                cache.close()
    extra = check_consistency(briefs) + check_change_notes(briefs, history)
    return replace(result, outputs=(), problems=sort_problems((*result.problems, *extra)))


def output_problems(config: SiteConfig) -> list[Problem]:
    """Why the site may not be written to `config.output`: checked before building, so a
    mistaken `--output` (the site folder itself, `briefs/`, a symbolic link) costs nothing."""
    protected = (config.briefs_dir, *config.template_dirs)
    return check_location(config.output, config.root, protected)


def publish(result: BuildResult, config: SiteConfig) -> SyncReport:
    """Stage `output`: write a successful build into the output folder, in one atomic step."""
    if not result.ok:
        raise ValueError("refusing to publish a build with errors")
    problems = output_problems(config)
    if problems:
        raise OutputError("; ".join(p.message for p in problems))
    if result.unchanged:  # the folder holds exactly these files, checked just now
        return SyncReport((), len(result.outputs), ())
    return sync(result.outputs, config.output)
