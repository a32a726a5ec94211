"""One brief file in, one value out: everything done to a brief on its own.

`compile_brief` decodes a file's bytes, splits and validates its front matter, and renders and
sanitises its body. Its result depends on nothing but those bytes, the file's name and a small
`BriefSettings` value, never on other briefs, the clock or the disk. That is what lets a
build keep results by content hash (`cache`) and run the work in worker processes: the same
inputs always give the same `CompiledBrief`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .brief import Brief
from .frontmatter import default_slug, load_brief, split
from .placeholders import placeholder_problems
from .problems import Problem
from .source import SourceFile, decode, invisible_characters

if TYPE_CHECKING:  # markup loads Markdown, Pygments and nh3: only when a brief is compiled
    from .markup import Body, Markup


@dataclass(frozen=True)
class BriefSettings:
    """The settings per-brief work depends on: small and hashable, part of every cache key."""

    language: str  # the site's default language, for briefs without `lang`
    raw_html: str  # sanitize, escape or allow
    # The site's languages, the default first, when site.yml lists them (`config.languages`):
    # a brief's language, and so its address, comes from its file and front matter with them.
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledBrief:
    """A brief file after the work that needs only itself: a valid brief and its body, or
    the problems that kept it from being one."""

    path: str  # as problems name it: "briefs/land-offer.md"
    brief: Brief | None
    body: Body | None
    problems: tuple[Problem, ...] = ()
    # False for a problem of the process that read it (a time-out, a crash), not of the
    # file: such a result is never cached, so the next build tries again.
    cacheable: bool = True
    # When the front matter failed but the body could be split off: a brief made from the
    # file name alone, whose `body` is rendered, so the links in the text are checked in the
    # same run as the front matter (all problems in one run). It is never published.
    stand_in: Brief | None = None


@functools.lru_cache(maxsize=8)
def renderer(raw_html: str, lang: str) -> Markup:
    """One Markdown renderer per mode and language, per process (each is costly to make),
    for briefs and standalone pages alike."""
    from .markup import Markup

    return Markup(raw_html, lang)


def forget_renderers() -> None:
    """Make the Markdown renderers afresh from now on: one was stopped mid-brief."""
    renderer.cache_clear()


# A small brief using what briefs use (front matter, headings, a list, a table, a footnote, a
# link, highlighted code), compiled once by `prepare`.
_WARM_UP = b"""---
title: Warm-up
date: 2020-04-07
summary: Compiled before workers start.
---
## Terms

- A list with a [link](other.md#terms) and a note.[^1]

| a | b |
| - | - |
| 1 | 2 |

```python
print("x")
```

[^1]: A note.
"""


@functools.lru_cache(maxsize=4)  # once per process and settings: later workers inherit it
def prepare(settings: BriefSettings) -> None:
    """Compile a small brief in this process before worker processes fork.

    Each worker then starts with the Markdown pipeline built and its lazily made parts (regular
    expressions, the YAML loader, Pygments' lexers) ready, instead of making them for itself:
    about a tenth of a second per worker, which a preview would pay on every save. It costs
    about a quarter of a second once, so a one-off build calls it only when each worker has
    several briefs to compile.
    """
    compile_brief("briefs/warm-up.md", _WARM_UP, settings)


def compile_brief(path: str, data: bytes, settings: BriefSettings) -> CompiledBrief:
    """Decode, validate and render one brief file."""
    source = decode(path, data)
    if isinstance(source, Problem):
        return CompiledBrief(path, None, None, (source,))
    loaded = load_brief(source, settings.language, settings.languages)
    if not isinstance(loaded, Brief):
        stand_in = _stand_in(source, settings)
        if stand_in is None:
            return CompiledBrief(path, None, None, tuple(loaded))
        body = renderer(settings.raw_html, stand_in.lang).body(stand_in)
        stand_in = dataclasses.replace(stand_in, body_markdown="")
        unseen = invisible_characters(source, stand_in.body_line)
        problems = (*loaded, *unseen, *body.problems)
        return CompiledBrief(path, None, body, problems, stand_in=stand_in)
    body = renderer(settings.raw_html, loaded.lang).body(loaded)
    # A brief ready for readers may keep none of the text `new` wrote for its editor.
    unfinished = () if loaded.draft else tuple(placeholder_problems(source, loaded.body_line))
    hidden = tuple(invisible_characters(source, loaded.body_line))
    # The Markdown text is not needed once rendered: kept, it would be carried through the
    # cache, the workers' messages and a large build's memory for nothing. The body's own
    # warnings (leftovers of other systems, a caption above no table) are the file's.
    kept = typeset_brief(dataclasses.replace(loaded, body_markdown=""))
    return CompiledBrief(path, kept, body, (*unfinished, *hidden, *body.problems))


def typeset_brief(brief: Brief) -> Brief:
    """The brief with the front-matter text readers see typeset as its body is (curly quotes,
    dashes, numbers bound to units: `typography.typeset`), once per file and cached with it,
    so no page, list or feed entry sets it again.

    Kept as written: what programs read or match (slug, report number, status, language,
    topic names, which are keys across briefs and make the topic's address, figure units,
    which the `unit` filter spells, addresses and dates).
    """
    from .typography import typeset  # loads Markdown, which this process has loaded already

    def each(texts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(typeset(text) for text in texts)

    def maybe(text: str | None) -> str | None:
        return None if text is None else typeset(text)

    return dataclasses.replace(
        brief,
        title=typeset(brief.title),
        summary=typeset(brief.summary),
        region=maybe(brief.region),
        issuing_body=maybe(brief.issuing_body),
        authors=each(brief.authors),
        figures=tuple(
            dataclasses.replace(
                f,
                label=typeset(f.label),
                source=typeset(f.source),
                qualifier=maybe(f.qualifier),
            )
            for f in brief.figures
        ),
        sources=tuple(dataclasses.replace(s, title=typeset(s.title)) for s in brief.sources),
        updates=tuple(dataclasses.replace(u, note=typeset(u.note)) for u in brief.updates),
        withdrawn=(
            None
            if brief.withdrawn is None
            else dataclasses.replace(brief.withdrawn, reason=typeset(brief.withdrawn.reason))
        ),
    )


def _stand_in(source: SourceFile, settings: BriefSettings) -> Brief | None:
    """A brief for a file whose front matter failed, to render its body: named after the
    file, in the site's language. None when the body cannot be told from the front matter."""
    part = split(source)
    if isinstance(part, Problem):
        return None
    return Brief(
        source_path=source.path,
        slug=default_slug(source.stem) or "brief",
        lang=settings.language,
        title="",
        date=dt.date(1970, 1, 1),
        summary="",
        body_markdown=part.body,
        body_line=part.body_line,
    )
