"""Work on every core, in forked processes we manage ourselves: per-brief work here, pages in
`pagework`.

Python-Markdown is quadratic on some inputs (a run of 32,000 `[` takes minutes), and one
brief must never hang a build. So briefs are compiled in worker processes, one brief per
message: the parent knows which brief each worker is on and since when, and a worker past the
limit is killed and replaced, its brief reported, and every other brief still built. Results
come back in the order the briefs were given, so problems print exactly as in one process.

A few briefs (an edit, a small site), or any number with one core to use (`--jobs 1`), are
compiled in this process instead (`here`), each under a timer signal that stops it past the
limit just as killing its worker would (`timed`): forking costs tens of milliseconds in a
large process, more than compiling a brief. What only a worker survives (a crash in a C
extension, the process killed for memory) then ends the build.

Workers are forked: they start in milliseconds and inherit the loaded code (and whatever the
parent built before forking them: `pagework` forks after the pages exist, so it sends only
numbers). A bug that raises in a worker becomes a problem for that brief ("internal error ...
please report it"), never a traceback, and a worker that dies (killed by the system, out of
memory) is replaced the same way. `Pool` is that machinery, shared by both kinds of work; what
a task is, and what its loss means, belongs to its `Tasks`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .compiled import BriefSettings, CompiledBrief, compile_brief, forget_renderers
from .problems import error

if TYPE_CHECKING:  # multiprocessing loads sockets and more: only when there is work to share
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Progress = Callable[[int], None]  # called with the number of items done so far
T = TypeVar("T")
# The exit status of a worker whose own loop failed: the parent sees a worker that stopped.
_LOOP_FAILED = 70
# At most this many briefs are compiled in this process (`here`), not in workers: a
# brief takes about 10 ms, forking a worker from a large process (a preview, a site of
# thousands of briefs) 20-40 ms of the parent's and the worker's time, and two cores gain
# nothing on so few.
HERE_AT_MOST = 4


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


def internal_error_text(exc: BaseException) -> str:
    """A bug's type, message and innermost place, for a problem that asks for a report."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{place}"


def compile_all(
    jobs: Sequence[Job],
    settings: BriefSettings,
    workers: int,
    time_limit: float,
    progress: Progress = lambda done: None,
    arrived: Callable[[Job, CompiledBrief], None] = lambda job, result: None,
) -> list[CompiledBrief]:
    """Compile every job, here or in worker processes (`run_tasks`); results in the order
    of `jobs`. Each result is also given to `arrived` as it comes in (in any order): what
    the parent does with it then (keeping it in the cache) is done while workers still
    compile, not after them with one core idle."""
    if not jobs:
        return []
    tasks = _Briefs(jobs, time_limit, progress, arrived)
    run_tasks(tasks, lambda message: _compile(message, settings), len(jobs), workers, time_limit)
    return [r for r in tasks.results if r is not None]


def run_tasks(
    tasks: Tasks[T], work: Callable[[Any], object], count: int, jobs: int, time_limit: float
) -> None:
    """Do `count` tasks: in this process, each `timed`, where `here` says so, else in a
    `Pool` of at most `jobs` workers. Either way each task's answer goes to `tasks.answer`, or
    `tasks.lost` says why there is none, as `Pool.run` does."""
    if not here(count, jobs):
        pool: Pool[T] = Pool(work, min(jobs, count))
        try:
            pool.run(tasks, time_limit)
        finally:
            pool.close()
        return
    while (task := tasks.next()) is not None:
        answer = timed(functools.partial(work, tasks.message(task)), time_limit)
        if answer is _STOPPED:
            tasks.lost(task, timed_out=True)
        elif not tasks.answer(task, answer):
            tasks.lost(task, timed_out=False)


R = TypeVar("R")


def shares(count: int, workers: int, most: int) -> list[range]:
    """`range(count)` cut into consecutive ranges of at most `most` items, about four per
    worker: messages stay few, and the last range handed out is short enough that no worker
    waits long for another at the end."""
    size = max(1, min(most, -(-count // (workers * 4))))
    return [range(i, min(i + size, count)) for i in range(0, count, size)]


RANGE_MOST = 64  # items per message of `map_in_order` at most: a brief's open-data files, a few KB


def map_in_order(work: Callable[[int], R], count: int, workers: int, at_least: int) -> list[R]:
    """`[work(i) for i in range(count)]`, on up to `workers` forked processes when there are
    at least `at_least` items (fewer would not pay for the forks). The workers inherit what
    `work` reads; they are sent ranges of numbers and answer with lists of results.

    For work that is plain Python over values the build made (no editor's text reaches a
    regular expression or a parser in it), so it has no time limit. A range whose worker
    died, or answered wrongly, is done again in this process: the results, and any
    exception `work` raises, are those of one process."""
    if workers <= 1 or count < at_least:
        return [work(i) for i in range(count)]
    tasks = _Ranges(shares(count, workers, RANGE_MOST))
    pool: Pool[int] = Pool(
        lambda task: [work(i) for i in tasks.ranges[task]], min(workers, len(tasks.ranges))
    )
    try:
        pool.run(tasks)
    finally:
        pool.close()
    results: list[R] = []
    for index, numbers in enumerate(tasks.ranges):
        answer = tasks.answers[index]
        results += [work(i) for i in numbers] if answer is None else answer
    return results


class _Ranges:
    """Ranges of item numbers as tasks for `Pool` (by their place in `ranges`)."""

    def __init__(self, ranges: Sequence[range]) -> None:
        self.ranges = ranges
        self.answers: list[list[Any] | None] = [None] * len(ranges)  # None: do it here
        self.waiting = list(range(len(ranges) - 1, -1, -1))  # popped from the end: in order

    def next(self) -> int | None:
        return self.waiting.pop() if self.waiting else None

    def message(self, task: int) -> object:
        return task

    def answer(self, task: int, answer: object) -> bool:
        if not (isinstance(answer, list) and len(answer) == len(self.ranges[task])):
            return False
        self.answers[task] = answer
        return True

    def lost(self, task: int, timed_out: bool) -> None:
        pass  # left None: `map_in_order` does it in this process


def here(count: int, workers: int) -> bool:
    """Whether `count` files (briefs, pages) are compiled in this process, each `timed`, and
    not in worker processes: when they are few (`HERE_AT_MOST`) or one core is to be used,
    and this thread may use the timer signal (only the main thread receives signals, and a
    real-time timer that something else set is left alone)."""
    return (
        (workers <= 1 or count <= HERE_AT_MOST)
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


class _OutOfTime(BaseException):
    """Work done in this process ran out of time. A BaseException, as KeyboardInterrupt is,
    so that no `except Exception` in the code reading a file can catch it."""


_STOPPED = object()  # what `timed` gives for work it stopped


def timed(call: Callable[[], T], time_limit: float) -> T | object:
    """`call()` in this process (the main thread, where `here` said so), stopped past
    `time_limit` seconds (0: none) as a worker would be: a timer signal raises `_OutOfTime`
    wherever the work is (Python code, or a regular expression: `re` looks for signals as it
    matches). Its result, or `_STOPPED`; the Markdown renderers are then made afresh, since
    one was stopped mid-way. The signal's handler is put back as it was."""
    armed = False

    def stop(signum: int, frame: object) -> None:
        if armed:  # (a signal that arrives as the timer is being disarmed is too late to act)
            raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, stop)
    try:
        armed = True
        if time_limit:
            signal.setitimer(signal.ITIMER_REAL, time_limit)
        result = call()
        armed = False
        return result
    except _OutOfTime:
        forget_renderers()
        return _STOPPED
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _stopped(path: str, time_limit: float) -> CompiledBrief:
    """The result of a brief stopped past the time limit: a problem that says what to do."""
    problem = error(
        path,
        0,
        0,
        f"reading this brief took longer than {time_limit:g} s, so it was stopped",
        "Markdown slows down sharply on some text, such as thousands of '[' in a row "
        "or very many headings or empty paragraphs: look for such a run, or split the "
        "brief ('brief_time_limit' in site.yml sets the limit)",
    )
    return CompiledBrief(path, None, None, (problem,), cacheable=False)


def _compile(message: tuple[int, str, bytes], settings: BriefSettings) -> tuple[int, object]:
    """One brief, in a worker or here: its result, or a bug in briefsite reported against it."""
    index, path, data = message
    try:
        result: object = compile_brief(path, data, settings)
    except Exception as exc:
        result = _internal_error(path, exc)
    return index, result


def _internal_error(path: str, exc: BaseException) -> CompiledBrief:
    """A bug shown as a problem with the brief that met it, not as a traceback."""
    problem = error(
        path,
        0,
        0,
        f"internal error while reading this brief: {internal_error_text(exc)}",
        "this is a bug in briefsite: please report it with the brief attached",
    )
    return CompiledBrief(path, None, None, (problem,), cacheable=False)


class _Briefs:
    """The briefs of `compile_all` as tasks for `Pool`: one brief (its index) per task."""

    def __init__(
        self,
        jobs: Sequence[Job],
        time_limit: float,
        progress: Progress,
        arrived: Callable[[Job, CompiledBrief], None],
    ) -> None:
        self.jobs, self.time_limit, self.progress = jobs, time_limit, progress
        self.arrived = arrived
        self.results: list[CompiledBrief | None] = [None] * len(jobs)
        self.waiting = list(range(len(jobs) - 1, -1, -1))  # popped from the end: in order
        self.done = 0

    def next(self) -> int | None:
        return self.waiting.pop() if self.waiting else None

    def message(self, task: int) -> object:
        return (task, self.jobs[task].path, self.jobs[task].data)

    def answer(self, task: int, answer: object) -> bool:
        if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] == task):
            return False
        if not isinstance(answer[1], CompiledBrief):
            return False
        self._finish(task, answer[1])
        return True

    def lost(self, task: int, timed_out: bool) -> None:
        path = self.jobs[task].path
        if timed_out:
            self._finish(task, _stopped(path, self.time_limit))
            return
        problem = error(
            path,
            0,
            0,
            "the process reading this brief stopped unexpectedly",
            "this may be a lack of memory; if it happens again, please report it",
        )
        self._finish(task, CompiledBrief(path, None, None, (problem,), cacheable=False))

    def _finish(self, task: int, result: CompiledBrief) -> None:
        self.results[task] = result
        self.done += 1
        self.arrived(self.jobs[task], result)
        self.progress(self.done)


class Tasks(Protocol[T]):
    """What `Pool.run` asks of a kind of work. Tasks are handed out one per idle worker, in
    the order `next` gives them; the answer to each comes back to `answer`, or `lost` is told
    why there will be none."""

    def next(self) -> T | None:
        """The next task to hand out, or None when there is none (now: `lost` may add some)."""

    def message(self, task: T) -> object:
        """What to send a worker for this task: small, since it is pickled through a pipe."""

    def answer(self, task: T, answer: object) -> bool:
        """Take a worker's answer; False when it is not an answer to this task."""

    def lost(self, task: T, timed_out: bool) -> None:
        """The task's worker died (or ran out of time, and was killed): it was replaced."""


@dataclass
class _Worker(Generic[T]):
    process: BaseProcess
    connection: Connection
    task: T | None = None  # the task it is working on; None when idle
    started: float = 0.0


class Pool(Generic[T]):
    """Forked workers, each given one task at a time. Each runs `work` on every message it is
    sent and sends back what it returns. `work` runs in the child, with everything the parent
    held when the pool was made (forking shares it: it is never pickled)."""

    def __init__(self, work: Callable[[Any], object], size: int) -> None:
        size = max(1, size)
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.work = work
        # Objects that exist now are shared with the workers page by page until written. A
        # collection in a worker would write to every one of them (its counts), copying the
        # parent's whole memory into each worker: frozen objects are never collected.
        gc.freeze()
        try:
            self.workers: list[_Worker[T]] = [self._start() for _ in range(size)]
        finally:
            gc.unfreeze()

    def _start(self) -> _Worker[T]:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.work), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, tasks: Tasks[T], time_limit: float = 0.0) -> None:
        """Hand out every task and take every answer (0: no time limit per task)."""
        from multiprocessing.connection import wait

        while True:
            for worker in self.workers:
                if worker.task is None and (task := tasks.next()) is not None:
                    worker.task, worker.started = task, time.monotonic()
                    # A worker that died before taking it: `wait` finds its pipe closed.
                    with contextlib.suppress(OSError):
                        worker.connection.send(tasks.message(task))
            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                return
            ready = wait([w.connection for w in busy], timeout=_deadline(busy, time_limit))
            for worker in busy:
                task = worker.task
                assert task is not None
                if worker.connection in ready:
                    answer = self._receive(worker)
                    worker.task = None
                    if answer is _DIED or not tasks.answer(task, answer):
                        self._replace(worker)
                        tasks.lost(task, timed_out=False)
                elif time_limit and time.monotonic() - worker.started >= time_limit:
                    worker.task = None
                    self._replace(worker)
                    tasks.lost(task, timed_out=True)

    @staticmethod
    def _receive(worker: _Worker[T]) -> object:
        """A worker's answer, or _DIED when the worker died instead."""
        try:
            return worker.connection.recv()
        except (EOFError, OSError):
            return _DIED

    def _replace(self, worker: _Worker[T]) -> None:
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
        fresh = self._start()
        worker.process, worker.connection = fresh.process, fresh.connection

    def close(self) -> None:
        """Stop every worker (politely when idle, at once when busy)."""
        for worker in self.workers:
            try:
                if worker.task is None:
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


_DIED = object()  # what `_receive` gives for a worker that died instead of answering


def _deadline(busy: Sequence[_Worker[Any]], time_limit: float) -> float | None:
    """Seconds until the first busy worker runs out of time (None: no limit)."""
    if not time_limit or not busy:
        return None
    first = min(w.started for w in busy)
    return max(0.0, first + time_limit - time.monotonic())


def _serve(connection: Connection, work: Callable[[Any], object]) -> None:
    """A worker's loop: answer each message it is sent until told to stop (None).

    `work` turns a task's own failures into answers; anything that still escapes (an answer
    that cannot be sent) ends the worker without a traceback, and the parent reports the
    task as lost."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        while True:
            try:
                message = connection.recv()
            except (EOFError, KeyboardInterrupt):
                return
            if message is None:
                return
            connection.send(work(message))
    except BaseException:
        os._exit(_LOOP_FAILED)
