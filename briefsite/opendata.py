"""Open data: the published briefs as files programs read, beside the pages people read.

- `briefs.json`: every published brief's metadata and address, in a versioned format
  (`"version": 1`, `"site"`, `"briefs"`; `docs/briefs.schema.json` is its JSON Schema and
  `docs/open-data.md` its description), newest first as the archive lists them;
- `figures.csv`: one row per key figure (RFC 4180, UTF-8, a header row), each text cell that
  a spreadsheet would run as a formula disarmed with a leading `'` (`csv_cell`);
- `llms.txt` (https://llmstxt.org): the site's name and description, then a list of the
  briefs' plain-Markdown copies;
- beside each brief's page: `index.json` (its entry of `briefs.json`), `index.md` (title,
  summary, key figures and the body's Markdown as the editor wrote it, links to other briefs
  leading to their public addresses), and its citation as `cite.bib` and `cite.ris`
  (`citation`).

What they hold is exactly what the site publishes: drafts and briefs scheduled for later are
in none of them (unless a build asks for them, as it does for pages); withdrawn and replaced
briefs are, as their pages are, with `withdrawn` and `superseded_by` saying so.

Every value comes from the briefs and the settings, never from the clock or the templates:
rebuilding gives the same bytes. Each brief's own files are made from what its page is made
of (its result's cache key, where its links lead, the brief replacing it, the settings), so a
build keys them by that and skips the briefs whose files the output folder already holds, as
it skips pages (`brief_outputs`); the site-wide files are keyed by every published brief, in
order, and the settings. A build by the edit path (`incremental`) changes no front matter: it
keeps the site-wide files as recorded and makes only the edited briefs' files again (their
Markdown copy holds the body).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import citation, urls
from .brief import Brief
from .cache import Cache, entry_key
from .catalog import Catalog, link_target_path
from .config import SiteConfig
from .fingerprint import Fingerprints, Unfingerprintable
from .formats import format_quantity
from .output import Output, Spool, held
from .workers import map_in_order

if TYPE_CHECKING:  # links loads Markdown, Pygments and nh3: only for the type here
    from .links import RenderedBrief

FORMAT_VERSION = 1  # of briefs.json and index.json; a change that removes or renames bumps it
# The files beside each brief's page, by name.
BRIEF_FILES = (urls.BRIEF_JSON, urls.BRIEF_MARKDOWN, urls.BRIEF_BIBTEX, urls.BRIEF_RIS)
FIGURE_COLUMNS = (
    "brief_slug",
    "brief_url",
    "label",
    "qualifier",
    "value",
    "unit",
    "source",
    "date",
)


def replacement_of(brief: Brief, catalog: Catalog) -> Brief | None:
    """The published brief that replaces `brief` (`check` has made sure it exists)."""
    if brief.superseded_by is None:
        return None
    return catalog.by_source.get(link_target_path(brief.source_path, brief.superseded_by))


def plain_number(value: float) -> str:
    """A figure's value as data: the digits the editor wrote, no separators, no exponent
    (1e-09 is 0.000000001), no trailing zeros (100.0 is 100)."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = format(exact, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _site(config: SiteConfig) -> dict[str, Any]:
    """The site as `briefs.json` names it (empty settings as null)."""
    return {
        "title": config.title,
        "url": urls.absolute(urls.HOME, config.base_url),
        "description": config.description or None,
        "language": config.language,
        "publisher": config.publisher or None,
        "licence": config.licence or None,
        "licence_url": config.licence_url,
    }


def brief_record(brief: Brief, config: SiteConfig, replacement: Brief | None) -> dict[str, Any]:
    """One brief's entry in `briefs.json` (and its whole `index.json`): every key always
    present, in this order, absent values as null, dates as ISO 8601."""

    def day(value: Any) -> str | None:
        return None if value is None else str(value.isoformat())

    def address(name: str) -> str:
        return urls.absolute(urls.brief_file(brief.slug, name), config.base_url)

    return {
        "slug": brief.own_slug,  # (with "language": a key is the pair of them)
        "url": urls.absolute(brief.path, config.base_url),
        "title": brief.title,
        "summary": brief.summary,
        "number": brief.number,
        "date": brief.date.isoformat(),
        "last_updated": brief.last_updated.isoformat(),
        "language": brief.lang,
        "topics": list(brief.topics),
        "region": brief.region,
        "issuing_body": brief.issuing_body,
        "authors": list(brief.authors),
        "status": brief.status,
        "effective": day(brief.effective),
        "expires": day(brief.expires),
        "withdrawn": (
            None
            if brief.withdrawn is None
            else {"date": brief.withdrawn.date.isoformat(), "reason": brief.withdrawn.reason}
        ),
        "superseded_by": (
            None if replacement is None else urls.absolute(replacement.path, config.base_url)
        ),
        "figures": [
            {
                "label": f.label,
                "qualifier": f.qualifier,
                "value": f.value,
                "unit": f.unit,
                "source": f.source,
            }
            for f in brief.figures
        ],
        "sources": [{"title": s.title, "url": s.url, "date": day(s.date)} for s in brief.sources],
        "updates": [{"date": u.date.isoformat(), "note": u.note} for u in brief.updates],
        "files": {
            "json": address(urls.BRIEF_JSON),
            "markdown": address(urls.BRIEF_MARKDOWN),
            "bibtex": address(urls.BRIEF_BIBTEX),
            "ris": address(urls.BRIEF_RIS),
        },
    }


def record_json(record: Mapping[str, Any]) -> str:
    """A brief's entry on one line: readable, one line per brief in `briefs.json` (so a diff
    shows which briefs changed), and written by Python's C encoder, which an indented
    document would not use (ten times slower, at ten thousand briefs in every full build)."""
    return json.dumps(record, ensure_ascii=False)


def briefs_json(config: SiteConfig, entries: Iterable[str]) -> Output:
    """`briefs.json` from each brief's `record_json`, in listing order."""
    site = json.dumps(_site(config), ensure_ascii=False)
    rows = ",\n".join(f"    {entry}" for entry in entries)
    briefs = f"[\n{rows}\n  ]" if rows else "[]"
    text = f'{{\n  "version": {FORMAT_VERSION},\n  "site": {site},\n  "briefs": {briefs}\n}}\n'
    return Output(urls.BRIEFS_DATA, text.encode("utf-8"))


def briefs_json_again(
    config: SiteConfig, published: bytes, order: Sequence[str], changed: Mapping[str, str]
) -> Output | None:
    """`briefs.json` as `published` holds it (the briefs `order` names, in that order), with
    the entries of the briefs in `changed` (`record_json`s by slug) put in the place of theirs:
    an edit of a few titles changes a few lines of a file that holds every brief, which the
    edit path does not load. None when `published` is not that file exactly: its framing must
    be the one `briefs_json` writes, and each line an entry of the brief `order` names there."""
    if not order:
        return None
    lines = published.decode("utf-8", "surrogateescape").split("\n")
    frame = briefs_json(config, ["{}"]).content() or b""
    head, tail = frame.decode("utf-8").split("\n    {}\n")
    head_lines, tail_lines = head.split("\n"), tail.split("\n")
    start, end = len(head_lines), len(head_lines) + len(order)
    if lines[:start] != head_lines or lines[end:] != tail_lines:
        return None
    last = len(order) - 1
    for index, slug in enumerate(order):
        line = lines[start + index]
        prefix = '    {"slug": ' + json.dumps(slug, ensure_ascii=False) + ","
        if not line.startswith(prefix) or line.endswith(",") != (index < last):
            return None
        if slug in changed:
            lines[start + index] = "    " + changed[slug] + ("," if index < last else "")
    return Output(urls.BRIEFS_DATA, "\n".join(lines).encode("utf-8", "surrogateescape"))


# A cell a spreadsheet reads as a formula (OWASP's "CSV injection"): =, +, - and @ start
# one, and tab and carriage return are read past before it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell that no spreadsheet runs: one starting like a formula gets a leading `'`,
    which shows the text as it is (and which a program reading the file strips itself)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def figures_csv(config: SiteConfig, briefs: Sequence[Brief]) -> Output:
    """`figures.csv`: a header row, then every key figure of every brief, in listing order
    and in the order of each brief's figures."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: CRLF, quotes as needed
    writer.writerow(FIGURE_COLUMNS)
    for brief in briefs:
        url = urls.absolute(brief.path, config.base_url)
        for f in brief.figures:
            value = plain_number(f.value)
            row = [brief.own_slug, url, f.label, f.qualifier or "", value, f.unit, f.source]
            row.append(brief.date.isoformat())
            writer.writerow([csv_cell(cell) for cell in row])
    return Output(urls.FIGURES_DATA, buffer.getvalue().encode("utf-8"))


# Markdown: characters that make markup anywhere in a line, and what makes a line a heading,
# a list item or a quotation when it starts it. Front-matter text is plain text, so each is
# escaped with a backslash (CommonMark's escape for any ASCII punctuation).
_MARKDOWN_INLINE = re.compile(r"[\\`*_\[\]<>#|]|&(?=#?[0-9A-Za-z]+;)")
_MARKDOWN_LINE_START = re.compile(r"^(?:[-+=]|[0-9]{1,9}(?=[.)](?:\s|$)))")


def markdown_text(text: str) -> str:
    """Front-matter text for Markdown: on one line, every character that would make markup
    escaped, so the copy shows the text exactly as the page does."""
    text = _MARKDOWN_INLINE.sub(lambda m: "\\" + m.group(), citation.one_line(text))
    start = _MARKDOWN_LINE_START.match(text)
    if start is None:
        return text
    if start.group()[0].isdigit():  # "2020. A year" is no list: escape the full stop
        return start.group() + "\\" + text[start.end() :]
    return "\\" + text


def _link(title: str, address: str, note: str) -> str:
    """One entry of an llms.txt list: `- [title](address): note`."""
    return f"- [{markdown_text(title)}]({urls.in_markdown(address)}): {markdown_text(note)}"


def llms_txt(config: SiteConfig, catalog: Catalog) -> Output:
    """`llms.txt`: the site's name, its description, and a link to each brief's Markdown
    copy with its summary. Briefs still current are under "Briefs"; withdrawn and replaced
    ones under "Optional", the section the convention lets a reader skip."""

    lines = [f"# {markdown_text(config.title)}", ""]
    if config.description:
        lines += [f"> {markdown_text(config.description)}", ""]
    lines += [
        "Each link below leads to a brief's plain-Markdown copy; the brief's web page is the "
        "same address without `index.md`.",
        "",
        "## Briefs",
        "",
    ]
    lines += [llms_line(config, b) for b in catalog.briefs if not b.retired]
    lines += ["", "## Open data", ""]
    lines.append(
        _link(
            urls.BRIEFS_DATA,
            urls.absolute(urls.BRIEFS_DATA, config.base_url),
            "every published brief's metadata and address, as JSON",
        )
    )
    lines.append(
        _link(
            urls.FIGURES_DATA,
            urls.absolute(urls.FIGURES_DATA, config.base_url),
            "every key figure with its source, one row each, as CSV",
        )
    )
    retired = [b for b in catalog.briefs if b.retired]
    if retired:
        lines += ["", "## Optional", ""]
        lines += [llms_line(config, brief) for brief in retired]
    return Output(urls.LLMS, ("\n".join(lines) + "\n").encode("utf-8"))


def llms_line(config: SiteConfig, brief: Brief) -> str:
    """A brief's line in `llms.txt`: a link to its Markdown copy, with its summary (and, for
    a withdrawn or replaced brief, a word on that first)."""
    copy = urls.absolute(urls.brief_file(brief.slug, urls.BRIEF_MARKDOWN), config.base_url)
    note = brief.summary
    if brief.withdrawn is not None:
        note = f"Withdrawn on {brief.withdrawn.date.isoformat()}. {brief.summary}"
    elif brief.retired:
        note = f"Replaced by a newer brief. {brief.summary}"
    return _link(brief.title, copy, note)


def llms_txt_again(published: bytes, changed: Mapping[str, str]) -> Output | None:
    """`llms.txt` as `published` holds it, with each line in `changed` put in the place of
    its key: an edit of a few titles changes a few lines of a file that lists every brief.
    None when a line to replace is not in `published` exactly once (then the file is made
    whole)."""
    lines = published.decode("utf-8", "surrogateescape").split("\n")
    found = {line: index for index, line in enumerate(lines) if line in changed}
    if len(found) != len(changed) or sum(lines.count(line) for line in found) != len(found):
        return None
    for old, new in changed.items():
        lines[found[old]] = new
    return Output(urls.LLMS, "\n".join(lines).encode("utf-8", "surrogateescape"))


def markdown_copy(item: RenderedBrief, config: SiteConfig, replacement: Brief | None) -> str:
    """A brief as plain Markdown: its title as the heading, its summary, a line of facts with
    its address, a notice when it is withdrawn or replaced, its key figures as a list, then
    its body as the editor wrote it (links to briefs leading to their public addresses)."""
    brief = item.brief
    facts = [f"Policy brief {brief.number}" if brief.number else "Policy brief"]
    facts.append(f"published {brief.date.isoformat()}")
    if brief.last_updated != brief.date:
        facts.append(f"last updated {brief.last_updated.isoformat()}")
    if brief.issuing_body:
        facts.append(f"from {brief.issuing_body}")
    address = urls.absolute(brief.path, config.base_url)
    lines = [f"# {markdown_text(brief.title)}", "", markdown_text(brief.summary), ""]
    lines += [markdown_text(", ".join(facts)) + f": <{address}>", ""]
    if brief.withdrawn is not None:
        withdrawn = f"Withdrawn on {brief.withdrawn.date.isoformat()}: {brief.withdrawn.reason}"
        lines += [f"> {markdown_text(withdrawn)}", ""]
    if replacement is not None:
        newer = urls.in_markdown(urls.absolute(replacement.path, config.base_url))
        lines += [f"> Replaced by [{markdown_text(replacement.title)}]({newer}).", ""]
    if brief.figures:
        lines += ["## Key figures", ""]
        for f in brief.figures:
            value = format_quantity(f.value, f.unit, brief.lang)
            shown = f"{f.qualifier} {value}" if f.qualifier else value
            lines.append(f"- {markdown_text(f'{shown} {f.label}. Source: {f.source}')}")
        lines.append("")
    body = item.markdown.strip("\n")
    return "\n".join([*lines, body, ""] if body else lines)


def brief_files(
    item: RenderedBrief, config: SiteConfig, replacement: Brief | None, entry: str
) -> tuple[Output, ...]:
    """The files beside one brief's page; `entry` is its `record_json`."""
    brief = item.brief
    ref = citation.reference(brief, config)
    made = (
        (urls.BRIEF_JSON, entry + "\n"),
        (urls.BRIEF_MARKDOWN, markdown_copy(item, config, replacement)),
        (urls.BRIEF_BIBTEX, citation.bibtex(ref)),
        (urls.BRIEF_RIS, citation.ris(ref)),
    )
    return tuple(
        Output(urls.brief_file(brief.slug, name), text.encode("utf-8")) for name, text in made
    )


def files_key(
    item: RenderedBrief, replacement: Brief | None, config: SiteConfig, fingerprints: Fingerprints
) -> str:
    """The cache key of a brief's files: what they are made of. The rendered brief stands
    for its result's cache key and where its links lead (`pipeline._fingerprints`)."""
    replaced_by = None if replacement is None else (replacement.slug, replacement.title)
    return entry_key(
        "brief-files", fingerprints.of(item), fingerprints.of(config), repr(replaced_by)
    )


def _kept(key: str, known: Mapping[str, Any], on_disk: Mapping[str, str]) -> list[Output] | None:
    """The outputs a key's entry lists, when the output folder holds each of them exactly."""
    kept = known.get(key) if key else None
    if isinstance(kept, tuple) and kept and all(on_disk.get(p) == d for p, d in kept):
        return [Output(path, None, digest) for path, digest in kept]
    return None


# Briefs' files are made in worker processes when at least this many briefs need them: fewer
# take less time than forking (a brief's four files, about a millisecond).
IN_WORKERS_AT_LEAST = 64


def brief_outputs(
    config: SiteConfig,
    items: Sequence[tuple[RenderedBrief, Brief | None]],
    on_disk: Mapping[str, str],
    cache: Cache | None,
    fingerprints: Fingerprints | None,
    entries: Mapping[str, str] | None = None,
    spool: Spool | None = None,
    workers: int = 1,
) -> tuple[list[Output], dict[str, str]]:
    """The files beside each brief's page, for (rendered brief, its replacement) pairs;
    `entries`: their `record_json`s by slug, when the caller has them. With a `spool`, each
    file's bytes go to it as the file is made (`output.Spool`). Many briefs' files are made
    on up to `workers` processes (four small files a brief, a millisecond of Python: a
    second at a thousand briefs, which one core would spend alone after the pages).

    A brief whose files, made from the same inputs, the output folder holds as they were
    made is skipped: its `Output`s carry only the hashes, and publishing keeps the files (as
    `pipeline.render_pages` skips pages). Also each brief's key, by slug, for the record the
    edit path keeps (so it can drop the entry an edit made stale).
    """
    keys: dict[str, str] = {}
    if cache is not None and fingerprints is not None:
        for item, replacement in items:
            try:
                keys[item.brief.slug] = files_key(item, replacement, config, fingerprints)
            except Unfingerprintable:
                continue  # made in every build, as a page whose context cannot be keyed
    known = cache.get_many(keys.values()) if cache is not None else {}
    found: list[list[Output] | None] = [
        _kept(keys.get(item.brief.slug, ""), known, on_disk) for item, _ in items
    ]
    todo = [index for index, kept in enumerate(found) if kept is None]
    keep = spool.share() if spool is not None and todo else held

    def make(number: int) -> tuple[Output, ...]:
        item, replacement = items[todo[number]]
        entry = (entries or {}).get(item.brief.slug)
        if entry is None:
            entry = record_json(brief_record(item.brief, config, replacement))
        return tuple(map(keep, brief_files(item, config, replacement, entry)))

    made: dict[str, tuple[tuple[str, str], ...]] = {}
    for index, files in zip(
        todo, map_in_order(make, len(todo), workers, IN_WORKERS_AT_LEAST), strict=True
    ):
        found[index] = list(files)
        key = keys.get(items[index][0].brief.slug, "")
        if key:
            made[key] = tuple((o.path, o.digest) for o in files)
    if cache is not None and made:
        cache.put_many(made)
    return [output for files in found if files for output in files], keys


def build_open_data(
    config: SiteConfig,
    catalog: Catalog,
    rendered: Mapping[str, RenderedBrief],
    on_disk: Mapping[str, str],
    cache: Cache | None,
    fingerprints: Fingerprints | None,
    spool: Spool | None = None,
    workers: int = 1,
) -> tuple[list[Output], dict[str, str]]:
    """Every open-data file of the site (see the module's notes), and each brief's files'
    key, by slug. `config` as `pages.reader_settings` gives it: text as pages show it.
    `spool` and `workers`: where the files' bytes go, and on how many processes the
    briefs' own files are made (see `brief_outputs`).

    The site-wide files are made of every published brief, in order, and the settings (never
    of today's date): a build in which none of those changed (a template edit, the next
    day's build) keeps them, as it keeps pages, when the output folder holds them.
    """
    replaced = {b.slug: replacement_of(b, catalog) for b in catalog.briefs}
    items = [(rendered[b.slug], replaced[b.slug]) for b in catalog.briefs]
    key = ""
    if cache is not None and fingerprints is not None:
        try:
            made_of = (fingerprints.of(catalog.briefs), fingerprints.of(config))
            key = entry_key("open-data", *made_of)
        except Unfingerprintable:
            key = ""
    kept = _kept(key, cache.get_many([key]) if cache is not None and key else {}, on_disk)
    if kept is not None:
        files, keys = brief_outputs(
            config, items, on_disk, cache, fingerprints, spool=spool, workers=workers
        )
        return kept + files, keys
    entries = {
        b.slug: record_json(brief_record(b, config, replaced[b.slug])) for b in catalog.briefs
    }
    outputs = [
        briefs_json(config, entries.values()),
        figures_csv(config, catalog.briefs),
        llms_txt(config, catalog),
    ]
    if cache is not None and key:
        cache.put_many({key: tuple((o.path, o.digest) for o in outputs)})
    files, keys = brief_outputs(
        config, items, on_disk, cache, fingerprints, entries, spool, workers
    )
    return [*map(spool.put if spool else held, outputs), *files], keys
