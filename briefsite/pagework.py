"""Pages rendered by Jinja on every core, with the same outputs and problems as one process.

The workers are forked after the pages and the Jinja environment exist, so each inherits
them (shared with the parent until written) and is sent only page numbers, a chunk at a time.
It answers with each page's `Output` or `Problem`; the parent puts them back in page order,
so a build gives the same bytes and the same problems in the same order on any number of
cores. Chunks keep messages few. A build that publishes has each worker write its pages'
bytes to the build's spool (`output.Spool.share`) and answer with their names and hashes;
without a spool, each chunk's HTML is held only until the parent has it.

Templates are trusted code, but may still fail: a template error comes back as the Problem
`render.render_page` makes of it, an exception that is not a template error as an "internal
error" problem, and a worker that dies (a template calling code that ends the process, or
memory running out) is found out without hanging. The pages of its chunk are then rendered
again one per worker to find the page that does it; that page is reported and no further
pages are started, since the build fails anyway, and a fault on every page would otherwise
cost a process per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import jinja2

from . import urls
from .config import SiteConfig
from .output import Keep, Output, Spool, held
from .pages import Page
from .problems import Problem, error
from .render import _template_position, render_page
from .workers import Pool, internal_error_text, shares

Progress = Callable[[int], None]  # called with the number of pages done so far
Result = Output | Problem

CHUNK = 32  # pages per message at most: about 32 x 20 KB of HTML in one answer
# Fewer pages than this are rendered in this process: starting workers would cost more than
# they save (a page takes about 3 ms; starting a worker, a few).
MIN_PAGES = 16


def render_one(env: jinja2.Environment, site: SiteConfig, page: Page, today: dt.date) -> Result:
    """One page's `Output`, or the Problem that stops it: the same in a worker as here."""
    try:
        return render_page(env, site, page, today)
    except Exception as exc:  # a bug in a filter or in briefsite: never a traceback
        path, line = _template_position(exc, env, site.root)
        return error(
            path,
            line,
            1 if line else 0,
            f"internal error while rendering this template: {internal_error_text(exc)}",
            "this is a bug in briefsite or in code the templates call: please report it",
        )


def render_all(
    env: jinja2.Environment,
    site: SiteConfig,
    pages: Sequence[Page],
    today: dt.date,
    workers: int,
    progress: Progress = lambda done: None,
    spool: Spool | None = None,
) -> list[Result | None]:
    """Every page's result, in the order of `pages`, on up to `workers` processes. With a
    `spool`, each page's bytes go to a file in it as soon as the page is made, by the process
    that made it (`Spool.share`), so that the pages' bytes are neither all held at once nor
    sent through a pipe; its `Output` carries the file's name.

    None marks a page that was not rendered because a worker died before it (a problem
    about that stands in the place of the page that killed it)."""
    if workers <= 1 or len(pages) < MIN_PAGES:
        kept: Keep = spool.put if spool else held
        results: list[Result | None] = []
        for done, page in enumerate(pages, 1):
            result = render_one(env, site, page, today)
            results.append(kept(result) if isinstance(result, Output) else result)
            progress(done)
        return results
    kept = spool.share() if spool else held
    chunks = [tuple(share) for share in shares(len(pages), workers, CHUNK)]
    tasks = _Chunks(pages, chunks, progress)

    def work(chunk: tuple[int, ...]) -> list[tuple[int, Result]]:
        made = [(i, render_one(env, site, pages[i], today)) for i in chunk]
        return [(i, kept(r) if isinstance(r, Output) else r) for i, r in made]

    pool: Pool[tuple[int, ...]] = Pool(work, min(workers, len(chunks)))
    try:
        pool.run(tasks)
    finally:
        pool.close()
    return tasks.finish()


class _Chunks:
    """Chunks of page numbers as tasks for `workers.Pool`."""

    def __init__(
        self,
        pages: Sequence[Page],
        chunks: Sequence[tuple[int, ...]],
        progress: Progress,
    ) -> None:
        self.pages, self.progress = pages, progress
        self.results: list[Result | None] = [None] * len(pages)
        self.waiting = list(reversed(chunks))  # popped from the end: in order
        self.done = 0
        self.fatal: int | None = None  # the page whose worker died on it alone

    def next(self) -> tuple[int, ...] | None:
        if self.fatal is not None or not self.waiting:
            return None
        return self.waiting.pop()

    def message(self, task: tuple[int, ...]) -> object:
        return task

    def answer(self, task: tuple[int, ...], answer: object) -> bool:
        if not isinstance(answer, list) or len(answer) != len(task):
            return False
        for index, item in zip(task, answer, strict=True):
            if not (isinstance(item, tuple) and len(item) == 2 and item[0] == index):
                return False
            if not isinstance(item[1], Output | Problem):
                return False
        for index, result in answer:
            self.results[index] = result
        self.done += len(task)
        self.progress(self.done)
        return True

    def lost(self, task: tuple[int, ...], timed_out: bool) -> None:
        if len(task) > 1:  # which page? each again on its own, first of all
            self.waiting.extend((index,) for index in reversed(task))
        elif self.fatal is None:
            self.fatal = task[0]

    def finish(self) -> list[Result | None]:
        """The results, with the page that stopped its worker reported in its place."""
        if self.fatal is not None:
            page = self.pages[self.fatal]
            self.results[self.fatal] = error(
                f"templates/{page.template}",
                0,
                0,
                f"the process rendering {urls.output_file(page.path)} stopped unexpectedly, "
                "so no further pages were rendered",
                "a template may call code that ends the process, or memory ran out; "
                "if it happens again, please report it",
            )
        return self.results
