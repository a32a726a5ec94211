"""Each brief as a tagged, print-ready PDF (`pdf: true` in site.yml), made by WeasyPrint.

The PDF is the brief's own page as printed: the same HTML and the same stylesheet, laid out
for `@media print` (site.css has the print rules), so the PDF and the page never disagree.
It is tagged (PDF/UA-1: a structure tree, `/MarkInfo /Marked true`, the document's language
and title) so screen readers read it as they read the page.

The page links the PDF with its size ("Download this brief (PDF, 180 KB)"), and the size is
known only once the PDF is made, from the page: a cycle. So the PDF is made from the page as
it is *without* its PDF (`pdf` is None in its context: no download link, no
`citation_pdf_url`); then the page is rendered with the link. Both are pure functions of the
same inputs, so the cycle is cut without a fixed point to search for.

WeasyPrint takes about a second a page, so a PDF is made again only when what it is made of
changed. Two keys, both kept in the cache with the PDF's SHA-256 and size (the bytes stay in
the output folder, as pages' do):
- the page's key (`pipeline._page_keys` of the page without its PDF) with the files it shows:
  a build that renders no page again renders no PDF, and not even the HTML for one;
- the SHA-256 of that HTML with the files it shows: a page whose inputs changed but whose
  bytes did not (a template edit elsewhere) keeps its PDF.
A PDF is given as a hash only (`Output(path, None, sha256)`) when the output folder still
holds those bytes; otherwise the PDFs still to make are made in forked workers
(`workers.Pool`), one brief per task, each within `PDF_TIME_LIMIT`.

WeasyPrint fetches nothing by itself: `SiteFetcher` serves only files of this build (the
theme's stylesheets and the images beside briefs), from memory or from the output folder
checked against their hash, and refuses every other address, so a brief cannot make the build
read a local file or reach the network.

Determinism: WeasyPrint writes the creation and modification dates into the PDF's info and
XMP metadata; they are set from the brief (its date, and its last change) instead of the
clock. It writes no file identifier (`/ID`) unless asked, and no random value (checked by the
tests, which build twice and compare bytes). Fonts are the machine's (fontconfig): another
machine with other fonts gives other bytes, as it gives other glyphs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from . import urls
from .annexes import label
from .cache import Cache, entry_key, library_release
from .config import CONFIG_NAME, SiteConfig
from .output import Output
from .pages import Deferred, Page
from .problems import Problem, error, has_errors, warning
from .workers import Pool, internal_error_text

if TYPE_CHECKING:
    import jinja2

REQUIREMENTS = "requirements-pdf.txt"
INSTALL = f"python -m pip install -r {REQUIREMENTS}"
# A PDF takes about a second a page; a brief of a hundred pages is the most a build waits for.
PDF_TIME_LIMIT = 120.0
# The media types of the files WeasyPrint may be given (`SiteFetcher`), by extension.
MEDIA_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


@dataclass(frozen=True)
class PdfFile:
    """A brief's PDF as its page links it: its site path and its size in bytes."""

    path: str
    size: int
    lang: str = "en"

    @property
    def label(self) -> str:
        """Type and size, as every file link on the site gives them: "(PDF, 180 KB)"."""
        return label("pdf", self.size, self.lang)


@dataclass(frozen=True)
class Made:
    """A PDF as the cache keeps it: its SHA-256 and size (its bytes are in the output)."""

    sha256: str
    size: int
    refused: tuple[str, ...] = ()  # the addresses WeasyPrint asked for and was refused


@dataclass
class PdfResult:
    """What `make_pdfs` gives: the pages with their PDF links, the PDFs, and problems."""

    pages: tuple[Page, ...]
    outputs: list[Output]
    problems: list[Problem]
    made: int = 0  # PDFs WeasyPrint made in this build (the others were kept)


def pdf_path(slug: str) -> str:
    """Where a brief's PDF is published: beside its page, named after the brief, so a
    downloaded copy keeps a name that says what it is. `slug`: the brief's key
    (`Brief.slug`, in its language's folder); the file is named by the slug alone."""
    return urls.brief_file(slug, f"{urls.key_parts(slug)[1]}.pdf")


def engine_identity(config: SiteConfig) -> str:
    """What the PDFs owe to the engine: "" with PDFs off, else WeasyPrint's and pydyf's
    releases ("" for one not installed). Part of the settings' digest, so installing or
    upgrading WeasyPrint is not a build with nothing to do; found without importing it."""
    if not config.pdf:
        return ""
    listings: dict[str, list[str]] = {}
    releases = (library_release(name, name, listings) for name in ("weasyprint", "pydyf"))
    return "\0".join(releases)


def setting_position(root: Path) -> tuple[int, int]:
    """The line and column of the top-level `pdf:` key in site.yml, (0, 0) if not found.

    Read again only for the error of a build that asked for PDFs and cannot make them."""
    try:
        text = (root / CONFIG_NAME).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0, 0
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"pdf\s*:", line):
            return number, 1
    return 0, 0


def engine_problems(config: SiteConfig) -> list[Problem]:
    """The error of a build with `pdf: true` and no working WeasyPrint (not installed, or
    its system libraries, Pango and HarfBuzz, missing); none with PDFs off."""
    if not config.pdf:
        return []
    try:
        import weasyprint  # type: ignore[import-untyped]  # noqa: F401  (loads Pango: may raise OSError)
    except (ImportError, OSError) as exc:
        reason = "is not installed" if isinstance(exc, ImportError) else f"cannot start ({exc})"
        return [
            error(
                CONFIG_NAME,
                *setting_position(config.root),
                f"'pdf: true' asks for a PDF of each brief, but WeasyPrint, which makes them, "
                f"{reason}",
                f"install it with `{INSTALL}` (on Debian it also needs "
                "`apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`), "
                "or set 'pdf: false' to build without PDFs",
            )
        ]
    return []


class Refused(Exception):
    """An address WeasyPrint asked for that is not a file of this build."""


def site_file(url: str, base_url: str) -> str:
    """The site path an address names when it is inside the site (`base_url`), without its
    query and fragment and percent-decoded; raises `Refused` for any other address."""
    if not url.startswith(base_url):
        raise Refused(f"not a file of this site: {url}")
    path = unquote(urlsplit(url[len(base_url) :]).path)
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Refused(f"not a file of this site: {url}")
    return path


def read_output(output: Output, folder: Path) -> bytes:
    """An output's bytes: in memory, or read from the output folder when the build kept the
    published file (checked against the hash the build has for it)."""
    if output.data is not None:
        return output.data
    data = (folder / output.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != output.digest:
        raise Refused(f"{output.path} in the output folder is not the file this build made")
    return data


def make_fetcher(
    base_url: str, files: Mapping[str, Output], folder: Path, refused: list[str] | None = None
) -> Any:
    """A WeasyPrint URL fetcher that serves only `files` (site path -> Output) under
    `base_url`, and refuses every other address: no network, no `file:`, no `data:`. Each
    address refused is added to `refused` (WeasyPrint leaves that image out and goes on)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class SiteFetcher(URLFetcher):  # type: ignore[misc]
        """Serves the build's own files, and nothing else."""

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            try:
                path = site_file(url, base_url)
                output = files.get(path)
                suffix = Path(path).suffix.lower()
                if output is None or suffix not in MEDIA_TYPES:
                    raise Refused(f"not a file WeasyPrint may read: {url}")
                body = read_output(output, folder)
            except (Refused, OSError):
                if refused is not None:
                    refused.append(url)
                raise
            return URLFetcherResponse(url, body, {"Content-Type": MEDIA_TYPES[suffix]})

    return SiteFetcher(allowed_protocols=())


@dataclass(frozen=True)
class Job:
    """One PDF to make: the page's HTML, its address, and the dates it carries."""

    html: bytes
    url: str  # the page's public address: its relative links resolve against it
    source: str  # the brief's file, for problems
    created: str  # ISO dates: the brief's date and its last change
    modified: str


def render_pdf(job: Job, fetcher: Any) -> bytes:
    """One page's HTML as a tagged PDF (PDF/UA-1), laid out for print, dated by the brief."""
    from weasyprint import HTML

    document = HTML(
        string=job.html.decode("utf-8"), base_url=job.url, url_fetcher=fetcher, media_type="print"
    ).render()
    document.metadata.created = job.created
    document.metadata.modified = job.modified
    data = document.write_pdf(pdf_variant="pdf/ua-1")
    assert isinstance(data, bytes)
    return data


def make_pdfs(
    env: jinja2.Environment,
    site: SiteConfig,
    pages: Sequence[Page],
    page_keys: Mapping[str, str],
    served: Sequence[Output],
    on_disk: Mapping[str, str],
    cache: Cache | None,
    options: Any,
) -> PdfResult:
    """The PDF of every brief page in `pages` (rendered without its PDF), and `pages` with
    each brief page linking its PDF. `page_keys` are the pages' keys (empty without a cache);
    `served` the files WeasyPrint may read; `options` the build's `BuildOptions`."""
    from .pagework import render_all  # loads Jinja2: only when a page is rendered

    briefs = [i for i, page in enumerate(pages) if page.template == "brief.html" and page.inputs]
    files = {o.path: o for o in served}
    engine = engine_identity(site)
    found: dict[int, Made] = {}
    keys: dict[int, list[str]] = {}
    for index in briefs:
        page = pages[index]
        shown = _shown_digest(page.path, files)
        key = page_keys.get(page.path)
        keys[index] = [entry_key("pdf-page", key, shown, engine)] if key else []
    known = cache.get_many(k for ks in keys.values() for k in ks) if cache else {}
    outputs: dict[int, Output] = {}
    for index in briefs:
        _keep(index, pages, keys[index], known, on_disk, found, outputs)
    todo = [i for i in briefs if i not in found]
    rendered = render_all(
        env, site, [pages[i] for i in todo], options.today, options.jobs
    )  # the pages without their PDF, as the PDF shows them
    problems = [r for r in rendered if isinstance(r, Problem)]
    if problems or any(r is None for r in rendered):
        return PdfResult(tuple(pages), [], problems)
    html: dict[int, bytes] = {}
    for index, result in zip(todo, rendered, strict=True):
        assert isinstance(result, Output) and result.data is not None
        html[index] = result.data
        shown = _shown_digest(pages[index].path, files)
        digest = hashlib.sha256(result.data).hexdigest()
        keys[index].append(entry_key("pdf-html", digest, shown, engine))
    known = {**known, **(cache.get_many(keys[i][-1] for i in todo) if cache else {})}
    for index in todo:
        _keep(index, pages, keys[index][-1:], known, on_disk, found, outputs)
    jobs = {
        index: Job(
            html[index],
            urls.absolute(urls.output_file(pages[index].path), site.base_url),
            _source(pages[index]),
            (pages[index].published or options.today).isoformat(),
            (pages[index].modified or pages[index].published or options.today).isoformat(),
        )
        for index in todo
        if index not in found
    }
    made, problems = _render_all(
        jobs, site, files, options.jobs, lambda done: options.progress("PDFs", done, len(jobs))
    )
    fresh: dict[str, Made] = {}
    for index, (data, refused) in made.items():
        found[index] = Made(hashlib.sha256(data).hexdigest(), len(data), refused)
        outputs[index] = Output(_pdf_of(pages[index]), data)
        fresh.update(dict.fromkeys(keys[index], found[index]))
    for index in todo:  # kept by its HTML's key: known now by its page's key too
        if index not in made and index in found:
            fresh.update(dict.fromkeys(keys[index], found[index]))
    if cache and not has_errors(problems):
        cache.put_many(fresh)
    linked = list(pages)
    for index in briefs:
        if index in found:
            item = found[index]
            problems += [left_out(_source(pages[index]), url) for url in item.refused]
            linked[index] = with_pdf(
                pages[index], PdfFile(_pdf_of(pages[index]), item.size, pages[index].lang), site
            )
    return PdfResult(
        tuple(linked), [outputs[i] for i in briefs if i in outputs], problems, len(made)
    )


def left_out(source: str, url: str) -> Problem:
    """The warning for an address a brief's PDF could not show (given again by every build
    that publishes the PDF, made or kept)."""
    return warning(
        source,
        0,
        0,
        f"the PDF of this brief leaves out {url}: a PDF shows only files published with the site",
        "put the file beside the brief and name it by its path",
    )


def _source(page: Page) -> str:
    """The file of the brief a page shows (its first input is its `RenderedBrief`)."""
    item = (page.inputs or (None,))[0]
    brief = getattr(item, "brief", None)
    return str(getattr(brief, "source_path", "")) or f"templates/{page.template}"


def _pdf_of(page: Page) -> str:
    """The PDF's site path for a brief's page (`briefs/<slug>/`, `zh/briefs/<slug>/`)."""
    slug = page.path.rstrip("/").rsplit("/", 1)[-1]
    return page.path + f"{slug}.pdf"


def _shown_digest(page_path: str, files: Mapping[str, Output]) -> str:
    """A digest of the files a brief's PDF may show: the theme's and those beside the page
    (its images), so an image edited in place makes its PDF again."""
    folder = urls.output_file(page_path).rsplit("/", 1)[0] + "/"
    digest = hashlib.sha256()
    for path in sorted(files):
        in_briefs = path.startswith(urls.brief_path("")) or "/" + urls.brief_path("") in path
        if path.startswith(folder) or not in_briefs:
            digest.update(f"{path}\0{files[path].digest}\0".encode())
    return digest.hexdigest()


def _keep(
    index: int,
    pages: Sequence[Page],
    keys: Sequence[str],
    known: Mapping[str, object],
    on_disk: Mapping[str, str],
    found: dict[int, Made],
    outputs: dict[int, Output],
) -> None:
    """Take a PDF from the output folder when one of its keys made the bytes it holds."""
    path = _pdf_of(pages[index])
    for key in keys:
        item = known.get(key)
        if isinstance(item, Made) and on_disk.get(path) == item.sha256:
            found[index], outputs[index] = item, Output(path, None, item.sha256)
            return


def with_pdf(page: Page, pdf: PdfFile, site: SiteConfig) -> Page:
    """A brief's page that links its PDF: in its text and in `citation_pdf_url`. The PDF is
    one of the page's inputs, so its key changes with the PDF's size."""
    from .citation import Reference

    inner = page.context

    def context() -> dict[str, Any]:
        values = dict(inner)
        citation = values["citation"]
        assert isinstance(citation, Reference)
        values["citation"] = replace(citation, pdf_url=urls.absolute(pdf.path, site.base_url))
        values["pdf"] = pdf
        return values

    return replace(page, inputs=(*(page.inputs or ()), pdf), context=Deferred(context))


def _render_all(
    jobs: Mapping[int, Job],
    site: SiteConfig,
    files: Mapping[str, Output],
    workers: int,
    progress: Callable[[int], None],
) -> tuple[dict[int, tuple[bytes, tuple[str, ...]]], list[Problem]]:
    """Every job's PDF, on up to `workers` forked processes (one PDF per task, each within
    `PDF_TIME_LIMIT`); a PDF that fails is a problem against its page's template."""
    if not jobs:
        return {}, []
    refused: list[str] = []
    fetcher = make_fetcher(site.base_url, files, site.output, refused)
    tasks = _Tasks(jobs, progress)

    def work(index: int) -> tuple[int, bytes | str, tuple[str, ...]]:
        import logging

        # WeasyPrint logs each address refused and each CSS rule it ignores; what an editor
        # needs to know comes back as problems instead (nothing but `reporting` prints).
        logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
        refused.clear()
        try:
            return index, render_pdf(jobs[index], fetcher), tuple(dict.fromkeys(refused))
        except Exception as exc:  # WeasyPrint's own failure: reported against the brief
            return index, internal_error_text(exc), ()

    # Always in workers, even one: a PDF past its time limit, or a crash in Pango, costs a
    # process, never the build (forking takes milliseconds; a PDF about a second a page).
    pool: Pool[int] = Pool(work, min(workers, len(jobs)))
    try:
        pool.run(tasks, PDF_TIME_LIMIT)
    finally:
        pool.close()
    return tasks.made, tasks.problems


class _Tasks:
    """The PDFs to make as tasks for `workers.Pool`: one page (its index) per task."""

    def __init__(self, jobs: Mapping[int, Job], progress: Callable[[int], None]) -> None:
        self.jobs, self.progress = jobs, progress
        self.waiting = sorted(jobs, reverse=True)  # popped from the end: in page order
        self.made: dict[int, tuple[bytes, tuple[str, ...]]] = {}
        self.problems: list[Problem] = []
        self.failed = 0

    def next(self) -> int | None:
        return self.waiting.pop() if self.waiting else None

    def message(self, task: int) -> object:
        return task

    def answer(self, task: int, answer: object) -> bool:
        if not (isinstance(answer, tuple) and len(answer) == 3 and answer[0] == task):
            return False
        if isinstance(answer[1], bytes):
            self.made[task] = answer[1], answer[2]
            self.progress(len(self.made) + self.failed)
        elif isinstance(answer[1], str):
            self._failed(task, f"WeasyPrint could not make this brief's PDF: {answer[1]}")
        else:
            return False
        return True

    def lost(self, task: int, timed_out: bool) -> None:
        why = (
            f"took longer than {PDF_TIME_LIMIT:g} s, so it was stopped"
            if timed_out
            else "stopped unexpectedly (this may be a lack of memory)"
        )
        self._failed(task, f"making this brief's PDF {why}")

    def _failed(self, task: int, message: str) -> None:
        self.failed += 1
        self.problems.append(
            error(
                self.jobs[task].source,
                0,
                0,
                message,
                "set 'pdf: false' in site.yml to publish without PDFs; "
                "if it happens again, please report it",
            )
        )
        self.progress(len(self.made) + self.failed)
