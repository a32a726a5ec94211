"""What the last successful build knew, so that the next one can redo only what an edit changed.

Most edits change one brief's body. Such an edit changes nothing any other page is made of:
listings, related briefs, the feed and the sitemap show views of a brief's front matter
(title, summary, date, topics), never its body. So when everything but the bodies of some
briefs is as it was in the last successful build, the next build needs only those briefs,
the briefs their links reach, and the record below; not the ten thousand others, which a build
of the whole site would load, index, check and key (seconds at that size).

`SiteRecord` is that record: for each brief file, the cache key of its result (whose `Brief`
the next build compares with the new one), its address, its own problems, the anchors its
links ask of other briefs, and what its page is made of besides its body (its topics and
related briefs); for the site, the problems no brief's own compiling gave, and the digest of
every file written. `pipeline` keeps
one, signed like every cache entry, and takes the edit path only when the build would be the
same build but for those bodies:

- the settings, this run's choices, today, the templates, git's HEAD, the code and the set of
  brief files are all as recorded (`setting`);
- each changed file is still a published brief whose front matter (its whole `Brief`) is
  equal to the recorded one, so the catalog, every listing and every other page are too;
- the recorded build found no problem with links, and none of the changed briefs' links, nor
  any recorded link to an anchor in them, would give one now;
- every other file the recorded build wrote is still in the output folder, as written.

Anything else (a title, a topic, a date, a new or deleted brief, a broken link) is built by
the full path, whose results these must equal byte for byte (tests/test_incremental.py
compares the two over random sequences of edits). A new output made from briefs' bodies
(a search index, say) must be made here too, or the edit path would leave it stale: each
brief's Markdown copy (`opendata`) is, with the other files beside its page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from .catalog import nfc
from .pages import TopicLink
from .problems import Problem
from .selection import HeldBack

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the type here
    from .links import RenderedBrief


class BriefState(NamedTuple):
    """One brief file as the last build left it (a tuple: ten thousand are read and written
    in every build of a large site, and tuples load several times faster than objects)."""

    key: str  # the cache key of its `CompiledBrief` (whose `Brief` is its front matter)
    slug: str | None  # its address, when it was published
    problems: tuple[Problem, ...]  # its own: from reading and compiling it
    fragments: tuple[tuple[str, str], ...]  # (target's source path, NFC; anchor) per link
    page: str = ""  # the cache key of its page, when published
    topics: tuple[TopicLink, ...] = ()  # its page's topics
    related: tuple[str, ...] = ()  # the slugs of the related briefs its page lists
    files: str = ""  # the cache key of the files beside its page (`opendata.brief_outputs`)


@dataclass(frozen=True)
class SiteRecord:
    """The last successful build whose links were all good, as the edit path needs it."""

    setting: bytes  # a digest of all it read but the brief files (see `pipeline.setting`)
    briefs: Mapping[str, BriefState]  # by display path: every brief file it compiled
    problems: tuple[Problem, ...]  # the rest: whole-site checks, found by no brief alone
    outputs: Mapping[str, str]  # path -> SHA-256 of every file it wrote
    brief_count: int
    page_count: int
    build_key: str = ""  # the cache key of its `BuildRecord`, replaced by the next build
    token: str = ""  # names this record as stored, for the `RecordChanges` made on top of it
    held: tuple[HeldBack, ...] = ()  # the valid briefs it left out: an edit leaves out the same

    def __getstate__(self) -> dict[str, object]:
        """Pickled with each brief's state as a plain tuple: a large site's record is read
        and written in every build, and plain tuples load several times faster."""
        state = dict(self.__dict__)
        state["briefs"] = {path: tuple(item) for path, item in self.briefs.items()}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        rows = state["briefs"]
        assert isinstance(rows, dict)
        state["briefs"] = {path: BriefState._make(row) for path, row in rows.items()}
        for name, value in state.items():
            object.__setattr__(self, name, value)


def fragment_links(item: RenderedBrief) -> tuple[tuple[str, str], ...]:
    """The links of a brief that ask a published brief for an anchor: (its source path in
    NFC, the anchor). Those are the links an edit of the target's body could break."""
    return tuple(
        (nfc(link.target_path), link.fragment)
        for link in item.links
        if link.fragment and link.target_slug is not None
    )


def wanted_anchors(
    record: SiteRecord, targets: frozenset[str], skip: frozenset[str]
) -> dict[str, set[str]]:
    """The anchors that recorded links from briefs not in `skip` ask of each of `targets`
    (source paths in NFC)."""
    wanted: dict[str, set[str]] = {}
    for path, state in record.briefs.items():
        if path in skip:
            continue
        for target, fragment in state.fragments:
            if target in targets:
                wanted.setdefault(target, set()).add(fragment)
    return wanted


@dataclass(frozen=True)
class RecordChanges:
    """What builds by the edit path changed in a stored `SiteRecord` (by its `token`): the
    record is kept as it is and only these are written, a few hundred bytes rather than the
    megabytes of ten thousand briefs' states, until they grow large (MAX_CHANGES)."""

    base: str  # the token of the record they apply to
    briefs: Mapping[str, BriefState]
    outputs: Mapping[str, str]
    setting: bytes
    build_key: str

    def apply(self, record: SiteRecord) -> SiteRecord:
        """The record with these changes made."""
        return replace(
            record,
            briefs={**record.briefs, **self.briefs},
            outputs={**record.outputs, **self.outputs},
            setting=self.setting,
            build_key=self.build_key,
        )


MAX_CHANGES = 256  # brief states kept as changes before the whole record is written again
