"""The build recipe, stage after stage, to be read top to bottom.

Everything is gathered and validated first (MkDocs' `build` and Zola's `Site::load` are the
models); only a build without errors renders pages, and only a fully rendered site is handed to
`output.sync`. So one run reports every problem in every file, and a failed build writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar, overload

from . import annexes, pdf, redirects, search, standalone, statics, urls
from .brief import Brief
from .cache import CACHE_DIR, Cache, code_version, entry_key
from .catalog import Catalog, build_catalog, link_target_path, nfc
from .check import (
    check_change_notes,
    check_consistency,
    check_interface_text,
    check_links,
    check_replacements,
)
from .compiled import BriefSettings, CompiledBrief, prepare
from .config import SiteConfig
from .feeds import FEED_SIZE, build_feeds, feed
from .fingerprint import Fingerprints, Unfingerprintable, files_digest
from .frontmatter import check_update_dates, check_withdrawal_date
from .history import FileHistory, read_history
from .incremental import (
    MAX_CHANGES,
    BriefState,
    ListedRow,
    Listing,
    RecordChanges,
    SiteRecord,
    fragment_links,
    relisted_pages,
    wanted_anchors,
)
from .output import (
    Output,
    OutputError,
    Spool,
    SyncReport,
    check_location,
    check_outputs,
    collection_paused,
    sync,
)
from .output import published as output_published
from .pages import (
    FACET_KINDS,
    NO_ADJACENT,
    BriefLink,
    BriefSummary,
    FacetKind,
    LanguageLink,
    Page,
    TopicLink,
    brief_page,
    brief_page_ids,
    build_pages,
    catalog_adjacent,
    facet_feed_title,
    neighbours,
    reader_settings,
    related_briefs,
    related_inputs,
    topic_feed_title,
    with_language_links,
    with_languages,
)
from .problems import Problem, Severity, has_errors, sort_problems, warning
from .selection import HeldBack, Selection
from .sitemap import build_sitemap
from .source import (
    RACY_NS,
    FileIndex,
    Stamp,
    display_path,
    file_stamp,
    read_brief_bytes,
    source_files,
)
from .statics import STATIC_DIR, StaticFiles
from .workers import Job, compile_all, default_jobs, here

if TYPE_CHECKING:
    import jinja2

    from .links import RenderedBrief

# links, markup and render load Markdown, Pygments, nh3 and Jinja2 (half a second of start-up):
# they are imported where a build renders, so a build with nothing changed never loads them;
# so is opendata, which only a build that goes through the stages needs.

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
    # `check` (`every_brief`): read git's history for its reminder of text changed without a
    # change note. A build that publishes never reads it: feeds and the sitemap date briefs by
    # their change notes alone.
    git: bool = True
    jobs: int = field(default_factory=default_jobs)  # worker processes for per-brief work
    cache: bool = True  # keep per-brief results in .briefsite-cache/ between builds
    # `check`: drafts and scheduled briefs are read, rendered and checked too, each link as the
    # build that first publishes its brief will check it (`selection`); nothing is published.
    every_brief: bool = False
    # Make the search index (when site.yml has search on) as part of the build; the preview
    # makes it in the background instead (`search.BackgroundIndex`), so no reload waits.
    search: bool = True

    @property
    def selection(self) -> Selection:
        """Which briefs this build publishes (drafts and later ones only when asked)."""
        return Selection(self.today, self.drafts, self.future)

    def publishes(self, brief: Brief) -> bool:
        """Whether a brief belongs in this build: not a draft, not scheduled for later."""
        return self.every_brief or not self.held_back(brief)

    def held_back(self, brief: Brief) -> str:
        """Why a valid brief stays out of a build of this selection, or "" when it is in."""
        return self.selection.held_back(brief)


@dataclass(frozen=True)
class BuildResult:
    """The outcome of building in memory: files to write (none on error) and every problem."""

    outputs: Sequence[Output]
    problems: tuple[Problem, ...]
    catalog: Catalog = field(default_factory=lambda: build_catalog(())[0])
    rendered: Mapping[str, RenderedBrief] = field(default_factory=dict)
    history: Mapping[str, FileHistory] | None = None  # git's, read for `check` only
    page_count: int = 0
    held_back: tuple[HeldBack, ...] = ()  # valid briefs this build left out, and why
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
    return BriefSettings(config.language, config.raw_html, config.languages)


@dataclass(frozen=True)
class BuildInputs:
    """What a build finds before any work: the brief files, their stamps and a digest of the
    templates. Taken once, for both the build's fingerprint and the build itself."""

    paths: tuple[str, ...]  # the brief files (absolute, or as the site folder was named)
    problems: tuple[Problem, ...]  # from looking for the briefs (links, file names)
    templates: bytes  # files_digest of the template folders
    stamps: tuple[Stamp | None, ...] = ()  # of each path (None: it could not be looked at)
    taken_ns: int = 0  # the clock just before the stamps were taken
    static: StaticFiles = field(default_factory=StaticFiles)  # static/'s files and stamps
    # The standalone pages (pages/), read: few, and part of `setting_digest` (`standalone`).
    pages: standalone.PageInputs = field(default_factory=standalone.PageInputs)
    # The other files in briefs/, which briefs may publish (`annexes`), and their stamps.
    annex_files: annexes.AnnexFiles = field(default_factory=annexes.AnnexFiles)

    @classmethod
    def find(cls, config: SiteConfig) -> BuildInputs:
        paths, others, problems = source_files(config.root, config.briefs_dir.name)
        static_paths, static_problems = statics.find(config)
        taken = clock_ns()
        stamps = tuple(file_stamp(path) for path in paths)
        static, oversized = statics.stamped(config, static_paths)
        problems += static_problems + oversized
        templates = files_digest(config.template_dirs)
        pages = standalone.find_pages(config)
        files = annexes.stamped(others)
        return cls(tuple(paths), tuple(problems), templates, stamps, taken, static, pages, files)


def clock_ns() -> int:
    """The wall clock that file times are compared with (a seam for tests of that rule)."""
    return time.time_ns()


FILE_INDEX = "file-index"  # the cache entry of the `FileIndex` (one per site folder)
# And the entries builds changed since it was stored, as a `FileIndex` of their own (with the
# clock of the build that wrote them): a few, instead of ten thousand written in every build.
FILE_CHANGES = "file-index-changes"


@dataclass
class Sources:
    """The brief files of a build, each known by the hash of its bytes (and its cache key)."""

    keys: dict[str, str]  # display path -> cache key of its result, for every file read
    paths: dict[str, str]  # display path -> the file
    data: dict[str, bytes]  # the bytes of the files read so far, by display path
    problems: list[Problem]  # from finding the files, and files that could not be read
    index: FileIndex  # for the next build: the stamps behind these hashes
    stored: FileIndex | None = None  # the index these were known by, as stored whole


def identify(
    config: SiteConfig, options: BuildOptions, inputs: BuildInputs, cache: Cache | None
) -> Sources:
    """Each brief file's cache key: from the hash of its bytes, which are read only when the
    cache's `FileIndex` cannot vouch for them by the file's stamp (ten thousand files cost
    a second to read and hash)."""
    settings = brief_settings(config)
    keyed = entry_key("brief", settings)  # what else goes into each key: settings and code
    stored = cache.get_many([entry_key(FILE_INDEX), entry_key(FILE_CHANGES)]) if cache else {}
    index, changes = stored.get(entry_key(FILE_INDEX)), stored.get(entry_key(FILE_CHANGES))
    if not isinstance(index, FileIndex) or index.keyed != keyed:
        index = None  # keys of other settings or code: none are known
    if index is None or not isinstance(changes, FileIndex) or changes.keyed != keyed:
        changes = FileIndex(0, {}, keyed)
    stamps = inputs.stamps or tuple(None for _ in inputs.paths)
    found = Sources({}, {}, {}, list(inputs.problems), FileIndex(inputs.taken_ns, {}, keyed))
    found.stored = index
    recorded: dict[str, tuple[Stamp, bytes, str]] = {}
    for done, (path, stamp) in enumerate(zip(inputs.paths, stamps, strict=True), 1):
        options.progress("reading", done, len(inputs.paths))
        shown = display_path(config.root, path)
        known = None
        if stamp is not None and stamp[0] <= config.max_brief_bytes:
            # An entry a later build changed is known by that build's clock, the rest by
            # the stored index's.
            vouching = changes if shown in changes.files else index
            known = vouching.known(shown, stamp) if vouching else None
        if known is None:
            read = read_brief_bytes(config.root, path, config.max_brief_bytes)
            if isinstance(read, Problem):
                found.problems.append(read)
                continue
            digest = hashlib.sha256(read).digest()
            known = digest, entry_key("brief", shown, digest, settings)
            found.data[shown] = read
        if stamp is not None:
            recorded[shown] = (stamp, *known)
        found.keys[shown] = known[1]
        found.paths[shown] = path
    found.index = FileIndex(inputs.taken_ns, recorded, keyed)
    return found


_COMPILED_HERE: set[BriefSettings] = set()  # the settings this process has compiled with


def compile_some(
    config: SiteConfig,
    options: BuildOptions,
    sources: Sources,
    wanted: Sequence[str],
    cache: Cache | None,
) -> dict[str, CompiledBrief]:
    """The results of some brief files (display paths), from the cache or compiled on every
    core, each brief within its time limit. A file that can no longer be read is left out,
    its problem added to `sources`; one that changed since it was identified is compiled as
    it is now, and not vouched for in the next index."""
    settings = brief_settings(config)
    stored = cache.get_many(sources.keys[shown] for shown in wanted) if cache else {}
    jobs: list[Job] = []
    for shown in wanted:
        key = sources.keys[shown]
        if key in stored:
            continue
        if shown not in sources.data:  # vouched for by its stamp, but its result is not kept
            read = read_brief_bytes(config.root, sources.paths[shown], config.max_brief_bytes)
            if isinstance(read, Problem):
                sources.problems.append(read)
                continue
            now = entry_key("brief", shown, hashlib.sha256(read).digest(), settings)
            if now != key:  # changed after all: compiled as it is, and trusted no more
                sources.keys[shown] = now
                sources.index = replace(
                    sources.index,
                    files={k: v for k, v in sources.index.files.items() if k != shown},
                )
            sources.data[shown] = read
        jobs.append(Job(shown, sources.data[shown]))
    # Preparing costs about a quarter of a second once per process and settings and saves
    # each worker about a tenth: worth it when each worker has several briefs, and in a process
    # that compiles again (a preview, a test run), where it is paid once for every later build.
    # Briefs compiled in this process (`workers.here`) warm it themselves.
    if (
        jobs
        and not here(len(jobs), options.jobs)
        and (len(jobs) > max(1, options.jobs) or settings in _COMPILED_HERE)
    ):
        prepare(settings)
    if jobs:
        _COMPILED_HERE.add(settings)

    def keep(job: Job, item: CompiledBrief) -> None:
        # Each result is kept as it arrives, while the workers compile the next briefs (after
        # them, storing 10,000 results took a core alone for nearly two seconds). Only results
        # of the brief itself are kept: not a time-out or an internal error.
        if cache and item.cacheable:
            cache.put_many({sources.keys[job.path]: item})

    fresh = compile_all(
        jobs,
        settings,
        options.jobs,
        config.brief_time_limit,
        lambda done: options.progress("rendering", done, len(jobs)),
        keep,
    )
    made = {sources.keys[job.path]: item for job, item in zip(jobs, fresh, strict=True)}
    for shown in wanted:  # ten thousand briefs' bytes are 80 MB: not kept while pages render
        sources.data.pop(shown, None)
    found = {**stored, **made}
    return {shown: found[sources.keys[shown]] for shown in wanted if sources.keys[shown] in found}


def _store_index(cache: Cache, sources: Sources) -> None:
    """Keep this build's `FileIndex` for the next build: the entries that differ from the
    stored one, when they are few (at most MAX_CHANGES), else the whole index.

    An entry the stored index could not vouch for (its file changed moments before that
    index was taken: a "racy" one) counts as different even when it is not, so that it is
    trusted from then on rather than read again in every build. A file left out of this
    build's index (read again, it had changed after all) has its stored entry replaced by
    writing the index whole: changes can replace entries, not remove them."""
    index, stored = sources.index, sources.stored
    if stored is not None and stored.files.keys() == index.files.keys():
        changed = {
            path: entry
            for path, entry in index.files.items()
            if stored.files[path] != entry or stored.known(path, entry[0]) is None
        }
        if len(changed) <= MAX_CHANGES:
            cache.put_many({entry_key(FILE_CHANGES): replace(index, files=changed)})
            return
    cache.put_many({entry_key(FILE_INDEX): index})
    cache.discard([entry_key(FILE_CHANGES)])


T = TypeVar("T")


def _get(cache: Cache | None, key: str, kind: type[T]) -> T | None:
    """One cache entry, when it is there and of the kind expected."""
    found = cache.get_many([key]).get(key) if cache else None
    return found if isinstance(found, kind) else None


def _cache_warning(config: SiteConfig, note: str) -> Problem:
    """A note about the cache, as a warning on the cache folder."""
    return warning(f"{CACHE_DIR}/", 0, 0, note, f"deleting {CACHE_DIR}/ is always safe")


def build(
    config: SiteConfig,
    options: BuildOptions | None = None,
    on_disk: Mapping[str, str] = MappingProxyType({}),
    spool: Spool | None = None,
) -> BuildResult:
    """Build the whole site in memory: validate everything, then render, then list outputs.

    `on_disk` names files the destination already holds intact (path -> SHA-256): a page
    whose inputs are the same as when it was rendered to those bytes is not rendered again,
    and its `Output` carries only the hash. When nothing at all changed since a build that
    wrote exactly those files (`inputs_fingerprint`), that build's result is given again;
    when only the bodies of some briefs changed since the last build, only they are built
    again (`incremental`). Without `options`, the defaults of a build made now (today is the
    day it is called). With a `spool` (`output.spooled`, for a build that publishes), the
    pages' and open data's bytes go to files as they are made instead of staying in memory.
    """
    options = options or BuildOptions()
    if not options.cache:
        return _build(config, options, BuildInputs.find(config), on_disk, None, spool=spool)[0]
    cache = Cache.open(config.root)
    try:
        with collection_paused():  # bookkeeping, and the edit path: see `collection_paused`
            inputs = BuildInputs.find(config)
            setting = setting_digest(config, options, inputs)
            fingerprint = inputs_fingerprint(inputs, setting)
            key = entry_key("build", fingerprint) if fingerprint else ""
            if key and on_disk:
                record = _get(cache, key, BuildRecord)
                if record is not None and record.hashes() == on_disk:
                    return record.result()
            site, changes = _load_record(cache) if on_disk else (None, None)
            sources = identify(config, options, inputs, cache)
            made = None
            if site is not None and site.setting == setting:
                made = _build_edit(config, options, inputs, sources, on_disk, cache, site)
        result, state = made or _build(config, options, inputs, on_disk, cache, sources, spool)
        if result.ok:
            if key:
                cache.put_many({key: BuildRecord.of(result)})
            if state is not None:
                state = replace(state, setting=setting, build_key=key)
                _store_record(cache, state, site if made else None, changes)
            else:  # a build the edit path cannot start from (its links had problems)
                cache.discard([entry_key(SITE_RECORD), entry_key(SITE_CHANGES)])
            if made is None:
                # Entries for files and pages as they were: no build asks for them again. A
                # build stopped by an error never asked for its pages or git's history (the
                # history `check_site` keeps after it), which the next build still needs.
                cache.prune()
            elif site is not None and state is not None:
                # The edit path used a few entries: it drops only those its edits replaced.
                stale = {site.build_key} - {key}
                for path, old in site.briefs.items():
                    now = state.briefs[path]
                    if now != old:
                        stale |= {old.key, old.page, old.files} - {now.key, now.page, now.files}
                cache.discard(stale - {""})
                cache.retain_recent()
        notes = [_cache_warning(config, note) for note in cache.warnings()]
        return replace(result, problems=sort_problems((*result.problems, *notes)))
    finally:
        cache.close()


SITE_RECORD = "site-record"  # the cache entry of the `SiteRecord` (one per site folder)
SITE_CHANGES = "site-record-changes"  # and of the `RecordChanges` made on top of it
SITE_LISTING = "site-listing"  # the kind of the entries of its `Listing`s (one in use)


def _load_record(cache: Cache) -> tuple[SiteRecord | None, RecordChanges | None]:
    """The last good build's record, with the changes edit builds made to it since."""
    base_key, changes_key = entry_key(SITE_RECORD), entry_key(SITE_CHANGES)
    found = cache.get_many([base_key, changes_key])
    base, changes = found.get(base_key), found.get(changes_key)
    if not isinstance(base, SiteRecord):
        return None, None
    if not isinstance(changes, RecordChanges) or changes.base != base.token:
        return base, None
    return changes.apply(base), changes


def _store_record(
    cache: Cache, record: SiteRecord, before: SiteRecord | None, changes: RecordChanges | None
) -> None:
    """Keep `record` for the next build: as changes to the stored one when it was made from
    `before` (the stored record with `changes` made) by the edit path, else whole."""
    base_key, changes_key = entry_key(SITE_RECORD), entry_key(SITE_CHANGES)
    if before is not None and before.token:
        briefs = {p: s for p, s in record.briefs.items() if before.briefs.get(p) is not s}
        outputs = {p: d for p, d in record.outputs.items() if before.outputs.get(p) != d}
        if changes is not None:
            briefs, outputs = {**changes.briefs, **briefs}, {**changes.outputs, **outputs}
        if len(briefs) <= MAX_CHANGES and record.outputs.keys() == before.outputs.keys():
            made = RecordChanges(
                before.token, briefs, outputs, record.setting, record.build_key, record.relisted
            )
            cache.put_many({changes_key: made})
            return
    cache.put_many({base_key: replace(record, token=secrets.token_hex(16))})
    cache.discard([changes_key])


@dataclass(frozen=True)
class BuildRecord:
    """What a successful build made, kept to answer the next build if nothing changed.

    Its files as a tuple of paths and one text of their hashes end to end, not as a pair
    per file: at 10,000 briefs a site has 51,674 files, and a build with nothing to do
    reads this in full (a pair each cost a tenth of a second to load and compare)."""

    paths: tuple[str, ...]  # every file written
    digests: str  # the SHA-256 of each, in hex, in the order of `paths`, end to end
    problems: tuple[Problem, ...]  # its warnings, to report again
    brief_count: int
    page_count: int
    held_back: tuple[HeldBack, ...] = ()

    @classmethod
    def of(cls, result: BuildResult) -> BuildRecord:
        paths = tuple(o.path for o in result.outputs)
        digests = "".join(o.digest for o in result.outputs)
        counts = (result.brief_count, result.page_count, result.held_back)
        return cls(paths, digests, result.problems, *counts)

    def hashes(self) -> dict[str, str]:
        """Each file's path and SHA-256."""
        digests = self.digests
        return dict(
            zip(self.paths, (digests[i : i + 64] for i in range(0, len(digests), 64)), strict=True)
        )

    def result(self) -> BuildResult:
        """The build again: every file as it is on disk, the same warnings."""
        return BuildResult(
            RecordedOutputs(self.paths, self.digests),
            self.problems,
            page_count=self.page_count,
            held_back=self.held_back,
            brief_total=self.brief_count,
            unchanged=True,
        )


class RecordedOutputs(Sequence[Output]):
    """The outputs of a recorded build, each made only when asked for: a build with nothing
    to do publishes nothing, and needs their number alone."""

    def __init__(self, paths: tuple[str, ...], digests: str) -> None:
        self._paths, self._digests = paths, digests

    def __len__(self) -> int:
        return len(self._paths)

    @overload
    def __getitem__(self, index: int) -> Output: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Output]: ...

    def __getitem__(self, index: int | slice) -> Output | Sequence[Output]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        path = self._paths[index]  # (raises IndexError past the end, as a tuple does)
        start = (index % len(self._paths)) * 64
        return Output(path, None, self._digests[start : start + 64])


def setting_digest(config: SiteConfig, options: BuildOptions, inputs: BuildInputs) -> bytes:
    """A digest of everything a build reads but the brief files: the settings, the choices of
    this run (today included), what finding the briefs reported, the templates' files, the
    standalone pages' files and the code's version. Not git's HEAD: a build reads nothing from
    git (`BuildOptions.git`), so a new commit that changes no file is a build with nothing to do."""
    fingerprints = Fingerprints()
    # The site's folders in one spelling: `--source .` and the same folder's full path are one
    # site, and a build from another folder (or an editor's script) is not a full rebuild.
    steady = replace(
        config,
        root=Path(os.path.abspath(config.root)),
        output=Path(os.path.abspath(config.output)),
    )
    digest = hashlib.sha256(fingerprints.of(steady))
    choices = (options.drafts, options.future, options.every_brief, options.today)
    digest.update(fingerprints.of((*choices, options.search)))
    digest.update(fingerprints.of(inputs.problems))
    digest.update(fingerprints.of(inputs.static.names))  # a static file added or removed
    digest.update(annexes.inputs_digest(inputs.annex_files, inputs.taken_ns))  # an image edited
    digest.update(inputs.templates)
    digest.update(inputs.pages.digest)  # a page edit takes the full path (`standalone`)
    digest.update(code_version().encode())
    digest.update(search.engine_identity(config).encode())  # upgraded or removed: not "unchanged"
    digest.update(pdf.engine_identity(config).encode())  # WeasyPrint installed or upgraded
    return digest.digest()


def inputs_fingerprint(inputs: BuildInputs, setting: bytes) -> str | None:
    """A digest of everything a build reads, cheap to take: the `setting_digest` and each
    brief file's name and stamp. None when a brief changed so recently that a further change
    could keep its stamp (git's "racily clean" files), so such a build is never skipped.
    """
    paths = (*inputs.paths, *inputs.static.paths)
    stamps = [stamp for stamp in (*inputs.stamps, *inputs.static.stamps) if stamp is not None]
    if len(stamps) != len(paths):
        return None  # a file could not be looked at
    if max((stamp[1] for stamp in stamps), default=0) >= inputs.taken_ns - RACY_NS:
        return None
    # One text of every name and stamp, made in one call: ten thousand lines cost a hundredth
    # of a second this way, several times more one by one.
    listed = repr(list(zip(paths, stamps, strict=True)))
    return hashlib.sha256(setting + listed.encode("utf-8", "surrogateescape")).hexdigest()


def _build(
    config: SiteConfig,
    options: BuildOptions,
    inputs: BuildInputs,
    on_disk: Mapping[str, str],
    cache: Cache | None,
    sources: Sources | None = None,
    spool: Spool | None = None,
) -> tuple[BuildResult, SiteRecord | None]:
    """The stages, in order; see `build`. Also the record the edit path starts from, when
    this build could be one (it kept results in a cache, and its links were all good).
    `sources`: the brief files as `identify` found them, if it was called already."""
    from .assets import collect, headers_file
    from .links import resolve
    from .opendata import build_open_data
    from .redirects import check_aliases, redirect_outputs
    from .render import environment_for

    sources = sources or identify(config, options, inputs, cache)
    by_path = compile_some(config, options, sources, list(sources.keys), cache)
    if cache:
        _store_index(cache, sources)
    compiled = list(by_path.values())
    problems = list(sources.problems)
    problems += [p for item in compiled for p in item.problems]
    mark = len(problems)  # the problems after this one are the whole site's
    problems += config.warnings
    problems += pdf.engine_problems(config)  # `pdf: true` without WeasyPrint stops the build
    # Standalone pages (`standalone`): compiled as briefs are, checked across the site.
    page_files = standalone.compile_pages(
        config, inputs.pages, brief_settings(config), options.jobs, cache
    )
    problems += [*inputs.pages.problems, *(p for item in page_files for p in item.problems)]
    standalones, found_pages = standalone.site_pages(config, page_files)
    problems += found_pages
    briefs = [item.brief for item in compiled if item.brief is not None]
    bodies = {
        item.brief.source_path: item.body
        for item in compiled
        if item.brief is not None and item.body is not None
    }
    problems += [p for brief in briefs for p in check_update_dates(brief, options.today)]
    problems += [p for brief in briefs for p in check_withdrawal_date(brief, options.today)]
    published = [b for b in briefs if options.publishes(b)]
    catalog, found = build_catalog(published)
    problems += found
    if has_errors(found):
        # Links cannot be resolved while two briefs claim one address: stop here.
        return BuildResult((), sort_problems(problems), catalog), None
    # Briefs with their own errors are left out, but every other brief is still rendered and
    # its links checked, so one run reports every problem in every file.
    unpublished = {nfc(p.path): "invalid" for p in problems if p.severity is Severity.ERROR}
    unpublished |= {nfc(b.source_path): reason for b in briefs if (reason := options.held_back(b))}
    page_at = standalones.page_at
    rendered = {
        brief.slug: resolve(
            brief,
            bodies[brief.source_path],
            catalog,
            config.directory_urls,
            config.base_url,
            page_at,
        )
        for brief in catalog.briefs
    }
    unlisted = [
        resolve(item.stand_in, item.body, catalog, config.directory_urls, config.base_url, page_at)
        for item in compiled
        if item.stand_in is not None and item.body is not None
    ]
    slug_at = _slug_at(catalog)
    page_bodies = standalone.resolve_pages(standalones, slug_at, config)
    unlisted_pages = standalone.unlisted_pages(page_files, standalones, slug_at, config)
    # Images and files: checked, measured and written into the bodies (`annexes`).
    files = annexes.resolve(
        config,
        inputs.annex_files,
        rendered,
        unlisted,
        taken_ns=inputs.taken_ns,
        cache=cache,
        on_disk=on_disk,
        need_bytes=not options.every_brief,
    )
    rendered = files.rendered
    problems += files.problems
    selection = options.selection
    link_problems = check_links(
        rendered,
        Severity(config.broken_links),
        unpublished,
        [*unlisted, *page_bodies.values(), *unlisted_pages],
        selection,
        standalones.ids,
    )
    link_problems += check_replacements(catalog, unpublished, selection)
    problems += link_problems
    if has_errors(problems):
        return BuildResult((), sort_problems(problems), catalog, rendered), None

    # Read here, in the build's own cache, so that its pruning keeps the history `check` reads.
    history = (
        read_history(config.root, config.briefs_dir.name, options.today, cache)
        if options.git and options.every_brief
        else None
    )
    env = environment_for(tuple(config.template_dirs), inputs.templates)
    _load_templates(env, cache)
    related = _related(catalog, cache)
    adjacent = catalog_adjacent(catalog)
    shown = reader_settings(config)  # the site's name and description typeset, as briefs are
    shown = standalone.with_footer(shown, standalones)  # the footer menu, resolved
    # On a site of several languages, each page then names its versions in the others.
    pages = tuple(
        with_languages(
            shown,
            catalog,
            (
                *build_pages(shown, catalog, rendered, related, adjacent),
                *standalone.page_views(standalones, page_bodies, shown),
                *search.search_page(shown, catalog),
            ),
        )
    )
    fingerprints = _fingerprints(sources.keys, rendered)
    theme = collect(tuple(config.template_dirs), inputs.templates)  # as the templates name them
    pdfs: list[Output] = []
    if shown.pdf and not options.every_brief:
        # Each brief's PDF, made from its page without the PDF's link, which the page then
        # gets with the PDF's size (`pdf`); kept while its page and the files it shows are.
        briefs_shown = [page for page in pages if page.template == "brief.html"]
        keys = (
            _page_keys(shown, briefs_shown, options.today, fingerprints, inputs.templates)
            if cache
            else {}
        )
        served = [*theme.outputs(), *files.outputs]
        made_pdfs = pdf.make_pdfs(env, shown, pages, keys, served, on_disk, cache, options)
        problems += made_pdfs.problems
        pages, pdfs = made_pdfs.pages, made_pdfs.outputs
    outputs, rendering_problems, page_keys = render_pages(
        env, shown, pages, options, on_disk, cache, fingerprints, inputs.templates, spool
    )
    problems += rendering_problems
    outputs.extend(build_feeds(shown, catalog))
    outputs.extend(build_sitemap(config, catalog, pages))
    data, file_keys = build_open_data(
        shown, catalog, rendered, on_disk, cache, fingerprints, spool, options.jobs
    )
    outputs += data
    # The theme's files and `_headers`: no brief's title or summary shapes them, so a title
    # edit keeps them as they are (`SiteRecord.fixed`, with the other such files below).
    fixed = [*theme.outputs(), headers_file(theme, config.base_url)]
    outputs += fixed
    outputs += pdfs  # before the checks below: no alias, annex or static file takes their place
    # Old addresses last: each is checked against every address made above.
    alias_problems = check_aliases(catalog, [o.path for o in outputs], config.language_folders)
    problems += alias_problems
    if not alias_problems:
        outputs += redirect_outputs(shown, catalog)
    problems += annexes.clashes(files.places, (o.path for o in outputs))
    outputs += files.outputs
    # Static files last: none may take the place of anything made above (redirects included).
    static = statics.collect(
        config, inputs.static, inputs.taken_ns, on_disk, cache, not options.every_brief
    )
    clashing = statics.clashes(static.shown, (o.path for o in outputs), config.language_folders)
    if shown.search:
        clashing += search.static_clashes(o.path for o in static.outputs)
    problems += static.problems + clashing
    outputs += [] if clashing else static.outputs  # (each clash is reported once, above)
    if _indexes(shown, options) and not has_errors(problems):
        # Pagefind reads the pages as published, so it runs once they all exist and are good.
        pages_found = [o for o in outputs if search.indexed(o.path)]
        bundle, search_problems = search.make_bundle(config, pages_found, on_disk, cache)
        problems += search_problems
        outputs += bundle
    problems += check_outputs(outputs)
    if has_errors(problems):
        return BuildResult((), sort_problems(problems), catalog, rendered, history), None
    ordered = tuple(sorted(outputs, key=lambda o: o.path))
    held = () if options.every_brief else selection.held(briefs)
    result = BuildResult(
        ordered, sort_problems(problems), catalog, rendered, history, len(pages), held
    )
    if cache is None or link_problems or unlisted or unlisted_pages or options.every_brief:
        # `check` asks each link of the day its brief is first published, which the edit
        # path does not know: it always takes the full path.
        return result, None
    from .typography import typeset  # topic names as pages show them (`build_pages`)

    # By address: a topic's slug is unique only within its language (`Land` in both).
    topic_links = {t.path: TopicLink(typeset(t.name), t.path) for t in catalog.topics}
    source_of = {brief.slug: nfc(brief.source_path) for brief in catalog.briefs}
    # On a site of several languages, each brief page's versions (`with_languages`), and
    # each brief's translations, for the edit path (`BriefState`).
    versions = {p.path: p.languages for p in pages if p.template == "brief.html"}
    states = {}
    for path, item in by_path.items():
        brief = catalog.by_source.get(nfc(path))
        if brief is None or brief.source_path != path:
            states[path] = BriefState(sources.keys[path], None, item.problems, ())
            continue
        states[path] = BriefState(
            sources.keys[path],
            brief.slug,
            item.problems,
            fragment_links(rendered[brief.slug], source_of),
            page_keys.get(brief.path, ""),
            tuple(topic_links[t.path] for t in catalog.topics_of(brief)),
            related.get(brief.slug, ()),
            file_keys.get(brief.slug, ""),
            adjacent.get(brief.slug, NO_ADJACENT),
            _translations(config, catalog, brief),
            versions.get(brief.path, ()),
        )
    # The search bundle is not in the record: the edit path makes it again whole, and its
    # files' names change with each edit, which would make every edit write the whole record.
    outputs_digests = {o.path: o.digest for o in ordered if not search.in_bundle(o.path)}
    listing = entry_key(SITE_LISTING, secrets.token_hex(16))
    cache.put_many({listing: Listing.of(catalog)})
    # Kept by a title edit too: pages no title shows in (a standalone page, the search page),
    # images and files, static files, the figures and the redirects' list (not their pages).
    fixed_paths = {o.path for o in (*fixed, *files.outputs, *static.outputs)}
    fixed_paths |= {urls.output_file(p.path) for p in pages if p.template not in _LISTS_TITLES}
    fixed_paths |= {urls.FIGURES_DATA, redirects.REDIRECTS}
    record = SiteRecord(
        b"",
        states,
        tuple(problems[mark:]),
        outputs_digests,
        result.brief_count,
        len(pages),
        held=held,
        listing=listing,
        fixed=frozenset(fixed_paths),
    )
    return result, record


# The templates of the pages that show briefs' titles, which a title edit makes again
# (`_reworded_pages`); every other page is one of the record's fixed files.
_LISTS_TITLES = frozenset({"home.html", "archive.html", "topics.html", "404.html", "topic.html",
                           "facet.html", "brief.html"})  # fmt: skip


def _build_edit(
    config: SiteConfig,
    options: BuildOptions,
    inputs: BuildInputs,
    sources: Sources,
    on_disk: Mapping[str, str],
    cache: Cache,
    site: SiteRecord,
) -> tuple[BuildResult, SiteRecord] | None:
    """The build when only the bodies or the titles of some briefs changed since `site` was
    recorded (see `incremental`): those briefs are compiled, their links and the anchors
    other briefs ask of them checked, and the pages that show what changed rendered;
    everything else is as recorded. None when the edit is of another kind, or anything is
    not as expected: then the full build runs."""
    from .links import resolve_with
    from .opendata import BRIEF_FILES, brief_outputs
    from .render import environment_for

    if len(sources.problems) != len(inputs.problems) or sources.keys.keys() != site.briefs.keys():
        return None  # a file could not be read, or files came or went
    if config.pdf:
        # A body edit changes the brief's PDF, whose size its page shows: the full path makes
        # both (`pdf`), and renders only that brief's page and PDF again.
        return None
    changed = [path for path, key in sources.keys.items() if site.briefs[path].key != key]
    states = {path: site.briefs[path] for path in changed}
    if any(state.slug is None for state in states.values()):
        return None  # an unpublished brief: it may now be published, or be invalid
    own_pages = {urls.output_file(urls.brief_path(s.slug)) for s in states.values() if s.slug}
    own_files = {
        urls.brief_file(s.slug, name) for s in states.values() if s.slug for name in BRIEF_FILES
    }
    for path, digest in site.outputs.items():
        if path not in own_pages and path not in own_files and on_disk.get(path) != digest:
            return None  # the output folder is not as that build left it
    new = compile_some(config, options, sources, changed, cache)
    old = cache.get_many(state.key for state in states.values())
    reworded: list[Brief] = []  # the changed briefs whose title or summary changed, as now
    for path in changed:
        item, before = new.get(path), old.get(states[path].key)
        if item is None or item.brief is None or item.body is None or item.stand_in:
            return None
        if not isinstance(before, CompiledBrief) or before.brief is None:
            return None  # the old one is not kept
        if before.body is None or _files_named(before) != _files_named(item):
            return None  # it publishes other files now: the record's outputs would be wrong
        if before.brief != item.brief:
            if replace(item.brief, title=before.brief.title, summary=before.brief.summary) != (
                before.brief
            ):
                return None  # more of its front matter changed than what lists show
            if config.multilingual:
                # Not yet on a site of several languages: the `Listing` and the pages it
                # makes do not know each language's own lists, feeds and neighbours. The
                # full path is always right, and renders only the pages whose keys moved.
                return None
            reworded.append(item.brief)
        if item.brief.superseded_by is not None:
            return None  # its page shows its replacement, which the record does not keep
        if has_errors(item.problems):
            return None  # a failed build: the full build reports all it finds
    by_nfc = {nfc(path): path for path in site.briefs}
    slug_at = {nfc(path): s.slug for path, s in site.briefs.items() if s.slug is not None}
    source_of = {slug: path for path, slug in slug_at.items() if slug is not None}
    versions = {nfc(path): dict(s.translations) for path, s in site.briefs.items()}

    def slug_in(lang: str) -> Callable[[str], str | None]:
        """The slug a link from a brief in `lang` to a file (NFC) leads to, as
        `links.resolve` finds it: that file's version in `lang`, when it has one."""

        def slug_of(path: str) -> str | None:
            slug = slug_at.get(path)
            return None if slug is None else versions[path].get(lang, slug)

        return slug_of

    # The standalone pages are as recorded (`setting`): from the cache, as the full path had.
    page_files = standalone.compile_pages(
        config, inputs.pages, brief_settings(config), options.jobs, cache
    )
    standalones, found_pages = standalone.site_pages(config, page_files)
    if has_errors((*found_pages, *(p for item in page_files for p in item.problems))):
        return None

    def shown_as_published(briefs: Mapping[str, CompiledBrief]) -> dict[str, RenderedBrief] | None:
        """Compiled briefs (by display path) as their pages show them: links resolved (to
        briefs and to standalone pages) and their images' and files' sizes written in, as
        the full build has them; None when a file is refused (the full build says why).
        Their files are the ones recorded (`_files_named`), unchanged since
        (`setting_digest`), so the record's outputs hold them; only the answers are needed."""
        resolved = {}
        for path, item in briefs.items():
            assert item.brief is not None and item.body is not None  # checked by the callers
            resolved[path] = resolve_with(
                item.brief,
                item.body,
                slug_in(item.brief.lang),
                config.directory_urls,
                config.base_url,
                standalones.page_at,
            )
        files = annexes.resolve(
            config,
            inputs.annex_files,
            {item.brief.slug: item for item in resolved.values()},
            taken_ns=inputs.taken_ns,
            cache=cache,
            on_disk=on_disk,
            need_bytes=False,
        )
        if files.problems:
            return None
        return {path: files.rendered[item.brief.slug] for path, item in resolved.items()}

    published_now = shown_as_published({path: new[path] for path in changed})
    if published_now is None:
        return None
    rendered = published_now
    # Links: every link of the changed briefs reaches a published brief (or page) and the
    # anchor it names, and every anchor that other briefs' and pages' links ask of them is
    # still there.
    targets = {nfc(path) for path in changed}
    asked = wanted_anchors(site, frozenset(targets), frozenset(changed))
    for target, fragment in standalones.fragments():
        if target in targets:
            asked.setdefault(target, set()).add(fragment)
    for done in rendered.values():
        for link in done.links:
            if link.target_page is not None:
                if link.fragment and link.fragment not in standalones.ids[link.target_page]:
                    return None
                continue
            if link.target_slug is None:
                return None
            if link.fragment:
                # (Asked of the page it leads to: a translation, maybe.)
                asked.setdefault(source_of[link.target_slug], set()).add(link.fragment)
    if not asked.keys() <= by_nfc.keys():
        return None
    others = {by_nfc[t]: site.briefs[by_nfc[t]].key for t in asked if by_nfc[t] not in rendered}
    loaded = cache.get_many(others.values())
    ids: dict[str, frozenset[str]] = {}
    for target, fragments in asked.items():
        path = by_nfc[target]
        if path in rendered:
            ids[target] = brief_page_ids(rendered[path])
        else:
            other = loaded.get(others[path])
            if not isinstance(other, CompiledBrief) or other.brief is None or other.body is None:
                return None
            ids[target] = brief_page_ids(
                resolve_with(
                    other.brief,
                    other.body,
                    slug_in(other.brief.lang),
                    config.directory_urls,
                    config.base_url,
                )
            )
        if not fragments <= ids[target]:
            return None
    shown = standalone.with_footer(reader_settings(config), standalones)
    if reworded:
        made = _reworded_pages(
            config, shown, site, cache, rendered, slug_at, reworded, on_disk, shown_as_published
        )
    else:
        made = _edited_pages(shown, site, cache, rendered, new, states)
    if made is None:
        return None
    env = environment_for(tuple(config.template_dirs), inputs.templates)
    _load_templates(env, cache)
    fingerprints = _fingerprints(sources.keys, made.rendered)
    done_pages, problems, page_keys = render_pages(
        env, shown, made.pages, options, on_disk, cache, fingerprints, inputs.templates
    )
    if problems or {o.path for o in done_pages} != {
        urls.output_file(page.path) for page in made.pages
    }:
        return None
    # The files beside the pages whose brief, or whose replacement, changed: each one's
    # Markdown copy holds its body and title; the rest are made again with it.
    beside, file_keys = brief_outputs(shown, made.beside, on_disk, cache, fingerprints)
    wanted_files = {
        urls.brief_file(item.brief.slug, name) for item, _ in made.beside for name in BRIEF_FILES
    }
    if {o.path for o in beside} != wanted_files:
        return None
    fresh = {o.path: o for o in (*done_pages, *made.outputs, *beside)}
    # Static files: the same names as recorded (`setting_digest`), so no new clash; those
    # whose stamp moved are read, the rest are the published files.
    static = statics.collect(config, inputs.static, inputs.taken_ns, on_disk, cache)
    if static.problems or not static.shown.keys() <= site.outputs.keys():
        return None
    fresh.update((o.path, o) for o in static.outputs)
    if not fresh.keys() <= site.outputs.keys():
        return None  # a file the recorded build did not write
    outputs = tuple(
        fresh.get(path) or Output(path, None, digest)
        for path, digest in sorted(site.outputs.items())
    )
    if _indexes(config, options):  # Pagefind has no incremental mode: the whole index again
        pages_found = [o for o in outputs if search.indexed(o.path)]
        bundle, search_problems = search.make_bundle(config, pages_found, on_disk, cache)
        if search_problems:
            return None  # the full build reports them
        outputs = tuple(sorted([*outputs, *bundle], key=lambda o: o.path))  # (none in the record)
    briefs = dict(site.briefs)
    for path, shows in made.rendered.items():
        state = briefs[path]._replace(page=page_keys.get(shows.brief.path, ""))
        if path in new:
            state = state._replace(
                key=sources.keys[path],
                problems=new[path].problems,
                fragments=fragment_links(shows, source_of),
            )
        if shows.brief.slug in file_keys:
            state = state._replace(files=file_keys[shows.brief.slug])
        briefs[path] = state
    own = [p for path, state in briefs.items() for p in state.problems]
    result = BuildResult(
        outputs,
        sort_problems((*sources.problems, *own, *site.problems)),
        rendered={shows.brief.slug: shows for shows in made.rendered.values()},
        page_count=site.page_count,
        held_back=site.held,
        brief_total=site.brief_count,
    )
    _store_index(cache, sources)
    digests = {**site.outputs, **{path: output.digest for path, output in fresh.items()}}
    relisted = {**site.relisted, **made.relisted}
    record = replace(site, briefs=briefs, outputs=digests, relisted=relisted)
    return result, record


@dataclass(frozen=True)
class _EditPages:
    """What an edit build renders and makes again, besides compiling its changed briefs."""

    pages: list[Page]  # the pages to render: what shows the changed briefs
    rendered: dict[str, RenderedBrief]  # by display path: the briefs whose pages are in `pages`
    # The briefs whose files beside their page are made again, each with its replacement.
    beside: list[tuple[RenderedBrief, Brief | None]]
    outputs: list[Output] = field(default_factory=list)  # other files made again (the feeds)
    relisted: dict[str, ListedRow] = field(default_factory=dict)  # the listing's changed rows


def _edited_pages(
    shown: SiteConfig,
    site: SiteRecord,
    cache: Cache,
    rendered: dict[str, RenderedBrief],
    new: Mapping[str, CompiledBrief],
    states: Mapping[str, BriefState],
) -> _EditPages | None:
    """The pages a body edit changes: each changed brief's own, with the topics, related
    briefs and neighbours it had (their titles and summaries from the cache). No other page:
    a neighbour shows its title, which a body edit leaves as it was."""
    path_of = {s.slug: path for path, s in site.briefs.items() if s.slug is not None}
    named = {slug for state in states.values() for slug in state.related}
    named |= {slug for state in states.values() for slug in state.adjacent if slug}
    if not named <= path_of.keys():
        return None
    wanted = {path_of[slug] for slug in named}
    kept = {path: site.briefs[path].key for path in wanted if path not in new}
    found = cache.get_many(kept.values())
    shown_briefs: dict[str, BriefSummary] = {}
    for path in wanted:
        item = new.get(path) or found.get(kept[path])
        if not isinstance(item, CompiledBrief) or item.brief is None:
            return None
        shown_briefs[path] = BriefSummary.of(item.brief)

    def summary(slug: str) -> BriefSummary:
        return shown_briefs[path_of[slug]]

    pages = [
        _with_versions(
            shown,
            brief_page(
                rendered[path],
                states[path].topics,
                tuple(summary(slug) for slug in states[path].related),
                shown,
                None,
                neighbours(states[path].adjacent, lambda slug: BriefLink.of(summary(slug))),
            ),
            states[path].languages,
        )
        for path in states
    ]
    # (A changed brief has no replacement: `_build_edit` sends one that has the full way.)
    return _EditPages(pages, rendered, [(rendered[path], None) for path in states])


def _with_versions(config: SiteConfig, page: Page, links: tuple[LanguageLink, ...]) -> Page:
    """A brief's page with its versions in the other languages as the full build gave it
    (`pages.with_languages`, recorded in `BriefState.languages`), on a site of several."""
    return with_language_links(page, links) if config.multilingual else page


def _reworded_pages(
    config: SiteConfig,
    shown: SiteConfig,
    site: SiteRecord,
    cache: Cache,
    rendered: dict[str, RenderedBrief],
    slug_at: Mapping[str, str | None],
    reworded: Sequence[Brief],
    on_disk: Mapping[str, str],
    shown_as_published: Callable[[Mapping[str, CompiledBrief]], dict[str, RenderedBrief] | None],
) -> _EditPages | None:
    """The pages and files an edit of some briefs' titles or summaries (and bodies) changes,
    worked out from the recorded `Listing`: the list pages that show those briefs, the pages
    of briefs that name them as related or as their replacement, the pages beside a retitled
    brief (in the archive and its series), each changed brief's own
    page and files (and those of the briefs it replaces), the feeds they are in,
    `briefs.json`, `llms.txt` and their redirect pages. An edit that moves a brief (a title
    is the order's last tie-break, within one day and report number) changes related briefs
    and the sitemap: it goes the full way. The other briefs whose pages it renders are
    loaded from the cache and made as the full build makes them (`shown_as_published`)."""
    from .opendata import (
        BRIEF_FILES,
        brief_record,
        briefs_json_again,
        llms_line,
        llms_txt_again,
        record_json,
    )
    from .redirects import redirect_page
    from .typography import typeset

    stored = _get(cache, site.listing, Listing) if site.listing else None
    if stored is None:
        return None
    before = stored.with_rows(site.relisted)
    after, rows = before.relisted(reworded)
    if after.slugs != before.slugs or after.topics != before.topics:
        return None  # the order moved
    edited = {brief.slug: brief for brief in reworded}
    slugs_edited = frozenset(edited)
    pages, summaries = relisted_pages(before, after, slugs_edited, shown)
    path_of = {s.slug: path for path, s in site.briefs.items() if s.slug is not None}
    # Which files it knows how to make (or keeps): any other sends the build the full way,
    # so a new kind of output is never left stale by a title edit.
    known = {urls.output_file(path) for path in after.list_pages(shown.page_size)}
    known |= {urls.output_file(urls.brief_path(slug)) for slug in path_of}
    known |= {urls.brief_file(slug, name) for slug in path_of for name in BRIEF_FILES}
    known |= {urls.feed_path(path) for path in (urls.HOME, *(t[1] for t in after.topics))}
    known |= {urls.feed_path(path) for _, _, path, _ in _facet_feeds(after)}
    known |= {urls.output_file(alias) for alias, _ in after.aliases()}
    known |= {urls.SITEMAP, urls.ROBOTS, urls.BRIEFS_DATA, urls.LLMS} | site.fixed
    if not site.outputs.keys() <= known:
        return None
    outputs = []
    # The feeds that show an edited brief (which briefs they show does not change).
    lists = [(urls.HOME, shown.title, after.slugs)]
    for name, path, slugs in after.topics:
        if not slugs_edited.isdisjoint(slugs):
            lists.append((path, topic_feed_title(shown.title, typeset(name)), slugs))
    for kind, name, path, slugs in _facet_feeds(after):
        if not slugs_edited.isdisjoint(slugs):
            lists.append((path, facet_feed_title(shown.title, kind, name, shown.language), slugs))
    for path, title, slugs in lists:
        entries = after.feed_entries(slugs, FEED_SIZE)
        if not slugs_edited.isdisjoint(entries):
            briefs = [after.brief(slug) for slug in entries]
            newest = max(b.last_modified for b in briefs)
            outputs.append(feed(shown, path, title, briefs, newest))
    # The open data that holds titles: each edited brief's line of briefs.json, and llms.txt.
    published = output_published(config.output, urls.BRIEFS_DATA, site.outputs[urls.BRIEFS_DATA])
    if published is None:
        return None
    lines = {slug: record_json(brief_record(brief, shown, None)) for slug, brief in edited.items()}
    data = briefs_json_again(shown, published, after.slugs, lines)
    if data is None:
        return None
    outputs.append(data)
    published_llms = output_published(config.output, urls.LLMS, site.outputs[urls.LLMS])
    retold = {
        llms_line(shown, before.brief(slug)): llms_line(shown, after.brief(slug)) for slug in edited
    }
    llms = llms_txt_again(published_llms, retold) if published_llms is not None else None
    if llms is None:
        return None
    outputs.append(llms)
    outputs += [redirect_page(shown, alias, edited[slug]) for alias, slug in after.aliases()
                if slug in edited]  # fmt: skip
    redo = set(rendered)
    for path in path_of.values():
        if not slugs_edited.isdisjoint(site.briefs[path].related):
            redo.add(path)
    replaced = {}  # the brief that replaces each brief that has one, by display path
    for slug, path in path_of.items():
        named = after.superseded_by(slug)
        if named is not None:
            replaced[path] = slug_at.get(link_target_path(path, named))
            if replaced[path] in edited:
                redo.add(path)
    # The pages beside a brief whose title changed, in the archive and in its series, show
    # that title. The order did not move (above), so each brief's neighbours are the
    # recorded ones: worked out again from the listing, and checked against the record.
    adjacent = after.adjacent()
    for slug, brief in edited.items():
        if brief.title != before.brief(slug).title:
            redo.update(path_of[other] for other in adjacent[slug] if other is not None)
    slug_of = {path: slug for slug, path in path_of.items()}
    if any(site.briefs[path].adjacent != adjacent[slug_of[path]] for path in redo):
        return None
    keys = {path: site.briefs[path].key for path in redo if path not in rendered}
    loaded = cache.get_many(keys.values())
    others: dict[str, CompiledBrief] = {}
    for path, key in keys.items():
        other = loaded.get(key)
        if not isinstance(other, CompiledBrief) or other.brief is None or other.body is None:
            return None
        others[path] = other
    # (Rendered from their cached body as the full build renders them: an image's size and a
    # link to a standalone page are written in after compiling, not kept in the cache.)
    made = shown_as_published(others)
    if made is None:
        return None
    items = {**rendered, **made}
    beside: list[tuple[RenderedBrief, Brief | None]] = [(item, None) for item in rendered.values()]
    for path in sorted(redo):
        state, replacement = site.briefs[path], replaced.get(path)
        pages.append(
            brief_page(
                items[path],
                state.topics,
                tuple(summaries[slug] for slug in state.related),
                shown,
                summaries[replacement] if replacement is not None else None,
                neighbours(state.adjacent, lambda slug: BriefLink.of(summaries[slug])),
            )
        )
        if replacement in edited:
            beside.append((items[path], edited[replacement]))
    return _EditPages(pages, items, beside, outputs, rows)


def _facet_feeds(listing: Listing) -> Iterator[tuple[FacetKind, str, str, tuple[str, ...]]]:
    """The values of facets that have feeds of their own (issuing bodies, regions, years), as
    `feeds.build_feeds` makes them: each one's kind, name, page and briefs."""
    for folder, name, path, slugs in listing.facets:
        kind = FACET_KINDS[folder]
        if kind.feed_scope is not None:
            yield kind, name, path, slugs


def _translations(
    config: SiteConfig, catalog: Catalog, brief: Brief
) -> tuple[tuple[str, str], ...]:
    """A brief's versions' slugs by language, itself included, on a site of several
    languages; none on a site of one (whose links never go to a translation)."""
    if not config.multilingual:
        return ()
    return tuple(sorted((lang, b.slug) for lang, b in catalog.translations_of(brief).items()))


def _slug_at(catalog: Catalog) -> Callable[[str], str | None]:
    """The slug of the published brief at a source path (NFC), as `links.resolve` asks it."""

    def slug_of(path: str) -> str | None:
        found = catalog.by_source.get(path)
        return found.slug if found is not None else None

    return slug_of


def _files_named(item: CompiledBrief) -> list[str]:
    """The addresses of the files a brief's body names (`annexes`), in order."""
    return [ref.written for ref in item.body.annexes if ref.placeholder] if item.body else []


def _indexes(config: SiteConfig, options: BuildOptions) -> bool:
    """Whether this build makes the search index: search is on, the build publishes (not
    `check`), and it is not the preview's (which indexes in the background)."""
    return config.search and options.search and not options.every_brief


def _load_templates(env: jinja2.Environment, cache: Cache | None) -> None:
    """Compile every template before pages are rendered, or take its code as compiled before
    (`render.TemplateCode`): in this process, or from the cache.

    Compiling a site's templates costs a tenth of a second or more in each process that
    renders a page; their code is kept in the cache under the hash of each template's name and
    source (and the code's version, Jinja's and Python's included), signed like every entry,
    so only code this machine compiled is ever loaded. It is used here, in this process, and
    not while pages render: worker processes must never use the parent's database connection.
    A template that fails to compile is left for rendering to report.
    """
    import jinja2

    from .render import TemplateCode

    def load(key: str) -> bytes | None:
        found = cache.get_many([entry_key("template-code", key)]) if cache else {}
        code = next(iter(found.values()), None)
        return code if isinstance(code, bytes) else None

    def dump(key: str, code: bytes) -> None:
        if cache:
            cache.put_many({entry_key("template-code", key): code})

    env.bytecode_cache = TemplateCode(load, dump)
    try:
        for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
            try:
                env.get_template(name)
            except jinja2.TemplateError:
                continue
    finally:
        env.bytecode_cache = None


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
    spool: Spool | None = None,
) -> tuple[list[Output], list[Problem], dict[str, str]]:
    """Stage `render`: each page through its template, on every core, unless the same inputs
    made the bytes the destination already holds (the page's key: its context, the templates,
    the code's version and today, which decides what has expired). Also each page's key, by
    its site path."""
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
        spool,
    )
    for index, result in zip(todo, fresh, strict=True):
        results[index] = result
    outputs: list[Output] = []
    problems: list[Problem] = []
    made: dict[str, str] = {}
    rendered_now = set(todo)
    for index, (page, result) in enumerate(zip(pages, results, strict=True)):
        if isinstance(result, Problem):
            problems.append(result)
        elif result is not None:  # None: not rendered, after a worker died (a problem says)
            outputs.append(result)
            key = keys.get(page.path)
            if key and index in rendered_now:  # (its bytes may be in the spool, or on disk)
                made[key] = result.digest
    if cache and not has_errors(problems):
        cache.put_many(made)
    return outputs, problems, keys


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
        files = repr(sorted(item.annexes.items()))  # an image's size, a document's
        fingerprints.know(item, key + targets.encode() + files.encode())
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
    duplicate titles, figures that disagree across briefs, and missing change notes.

    Drafts and scheduled briefs are checked too (`BuildOptions.every_brief`): `check` is the
    editor's tool, and a draft's mistakes are better found before it is published."""
    options = replace(options or BuildOptions(), every_brief=True)
    result = build(config, options)
    briefs = result.catalog.briefs
    history = result.history
    if history is None:  # the build stopped early, or was answered from its record
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
    extra += check_interface_text(config, briefs)
    return replace(result, outputs=(), problems=sort_problems((*result.problems, *extra)))


def output_problems(config: SiteConfig) -> list[Problem]:
    """Why the site may not be written to `config.output`: checked before building, so a
    mistaken `--output` (the site folder itself, `briefs/`, a symbolic link) costs nothing."""
    protected = (
        config.briefs_dir,
        config.root / STATIC_DIR,
        config.pages_dir,
        *config.template_dirs,
    )
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
