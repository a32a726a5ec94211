"""Per-brief work on every core, with a time limit for each brief.

Python-Markdown is quadratic on some inputs (a run of 32,000 `[` takes minutes), and one
brief must never hang a build. So briefs are compiled in worker processes, one brief per
message: the parent knows which brief each worker is on and since when, and a worker past the
limit is killed and replaced, its brief reported, and every other brief still built. Results
come back in the order the briefs were given, so problems print exactly as in one process.

Workers are forked: they start in milliseconds and inherit the loaded code. A bug that raises
in a worker becomes a problem for that brief ("internal error ... please report it"), never a
traceback, and a worker that dies (killed by the system, out of memory) is replaced the same
way.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .compiled import BriefSettings, CompiledBrief, compile_brief
from .problems import error

if TYPE_CHECKING:  # multiprocessing loads sockets and more: only when there is work to share
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Progress = Callable[[int], None]  # called with the number of briefs done so far


@dataclass(frozen=True)
class Job:
    """One brief to compile: its display path and its bytes."""

    path: str
    data: bytes


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def compile_all(
    jobs: Sequence[Job],
    settings: BriefSettings,
    workers: int,
    time_limit: float,
    progress: Progress = lambda done: None,
) -> list[CompiledBrief]:
    """Compile every job in worker processes; results in the order of `jobs`."""
    if not jobs:
        return []
    # Load Markdown, Pygments and nh3 here, once, for every forked worker to inherit, rather
    # than in each worker within its first brief's time limit.
    from . import markup  # noqa: F401

    pool = _Pool(settings, min(max(1, workers), len(jobs)), time_limit)
    try:
        return pool.run(jobs, progress)
    finally:
        pool.close()


def _serve(connection: Connection, settings: BriefSettings) -> None:
    """A worker's loop: compile each brief it is sent until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            message = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        index, path, data = message
        try:
            result: object = compile_brief(path, data, settings)
        except Exception as exc:  # a bug in briefsite: report it against this brief
            result = _internal_error(path, exc)
        connection.send((index, result))


def _internal_error(path: str, exc: BaseException) -> CompiledBrief:
    """A bug shown as a problem with the brief that met it, not as a traceback."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
    problem = error(
        path,
        0,
        0,
        f"internal error while reading this brief: {type(exc).__name__}: {exc}{place}",
        "this is a bug in briefsite: please report it with the brief attached",
    )
    return CompiledBrief(path, None, None, (problem,), cacheable=False)


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    index: int = -1  # the job it is working on; -1 when idle
    started: float = 0.0


class _Pool:
    """Forked workers, each given one brief at a time."""

    def __init__(self, settings: BriefSettings, size: int, time_limit: float) -> None:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.settings = settings
        self.time_limit = time_limit
        self.workers = [self._start() for _ in range(size)]

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.settings), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, jobs: Sequence[Job], progress: Progress) -> list[CompiledBrief]:
        from multiprocessing.connection import wait

        results: list[CompiledBrief | None] = [None] * len(jobs)
        waiting = list(range(len(jobs) - 1, -1, -1))  # popped from the end: in order
        done = 0
        while done < len(jobs):
            for worker in self.workers:
                if worker.index < 0 and waiting:
                    index = waiting.pop()
                    worker.index, worker.started = index, time.monotonic()
                    worker.connection.send((index, jobs[index].path, jobs[index].data))
            busy = [w for w in self.workers if w.index >= 0]
            ready = wait([w.connection for w in busy], timeout=self._next_deadline(busy))
            for worker in busy:
                if worker.connection in ready:
                    result = self._receive(worker, jobs)
                elif self.time_limit and time.monotonic() - worker.started >= self.time_limit:
                    result = self._stopped(worker, jobs[worker.index].path)
                else:
                    continue
                results[worker.index] = result
                worker.index = -1
                done += 1
                progress(done)
        return [r for r in results if r is not None]

    def _next_deadline(self, busy: list[_Worker]) -> float | None:
        """Seconds until the first busy worker runs out of time (None: no limit)."""
        if not self.time_limit or not busy:
            return None
        first = min(w.started for w in busy)
        return max(0.0, first + self.time_limit - time.monotonic())

    def _receive(self, worker: _Worker, jobs: Sequence[Job]) -> CompiledBrief:
        """A worker's answer; a worker that died instead is replaced."""
        try:
            index, result = worker.connection.recv()
            if index == worker.index and isinstance(result, CompiledBrief):
                return result
        except (EOFError, OSError):
            pass
        path = jobs[worker.index].path
        self._replace(worker)
        problem = error(
            path,
            0,
            0,
            "the process reading this brief stopped unexpectedly",
            "this may be a lack of memory; if it happens again, please report it",
        )
        return CompiledBrief(path, None, None, (problem,), cacheable=False)

    def _stopped(self, worker: _Worker, path: str) -> CompiledBrief:
        """Kill a worker that ran out of time, and put a fresh one in its place."""
        self._replace(worker)
        problem = error(
            path,
            0,
            0,
            f"reading this brief took longer than {self.time_limit:g} s, so it was stopped",
            "Markdown slows down sharply on some text, such as thousands of '[' in a row or "
            "very many headings or empty paragraphs: look for such a run, or split the brief "
            "('brief_time_limit' in site.yml sets the limit)",
        )
        return CompiledBrief(path, None, None, (problem,), cacheable=False)

    def _replace(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
        fresh = self._start()
        worker.process, worker.connection = fresh.process, fresh.connection

    def close(self) -> None:
        """Stop every worker (politely when idle, at once when busy)."""
        for worker in self.workers:
            try:
                if worker.index < 0:
                    worker.connection.send(None)
                else:
                    worker.process.kill()
            except OSError:
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
