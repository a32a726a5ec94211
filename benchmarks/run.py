"""Benchmark briefsite's builds on generated sites: medians, spread and ratios to a bare floor.

    python benchmarks/run.py --n 1000 10000 [--runs 3] [--only cold no-change ...]
    python benchmarks/run.py --n 10000 --keep /tmp/corpora --reuse --no-floor --only body

For each N it generates a deterministic corpus (benchmarks/corpus.py), then times real
`python build.py` processes for each scenario below, several runs each, and prints one
Markdown table: the median, the spread (min-max), the median CPU time (user + system, the
build's worker processes included), the peak memory (RSS) of the build process and the load
average when the scenario started. In the same run it times the bare floor
(benchmarks/floor.py) on the same briefs, so the ratios survive a noisy machine. Quote medians
and ratios, never single runs; on a shared machine the CPU column says what the wall-clock
column cannot.

Builds run with Python's bytecode cache on, as an installed briefsite has it, kept in a
temporary folder (PYTHONPYCACHEPREFIX) so the checkout stays clean even where the
environment turns the cache off (PYTHONDONTWRITEBYTECODE).

`--keep DIR --reuse` builds on the corpus already in DIR (and its cache and site) instead of
writing and cold-building a new one, which takes minutes at 10,000 briefs; the edits of
earlier runs stay in it. `--no-floor` skips the floor (the ratio column is then empty).

Scenarios, each starting from a site already built by the previous step:
  cold        no output folder and no cache: everything from scratch
  no-change   nothing changed since the last build
  body        one brief's body edited
  title       one brief's title edited (its listings change too)
  template    one template edited (base.html: every page changes)
  settings    site.yml edited (the description)
  add         one brief added
  delete      one brief deleted (one no other brief links to)
  serve       `build.py serve` running: one brief's body saved, until the page has the edit,
              as a browser gets it: the preview's event stream announces the build, then the
              page is fetched (what an editor waits for between the save and the reloaded page)
  serve rebuild   the same saves' rebuilds alone, as the preview prints them ("Changed: ..."
              to "Rebuilt."): the rest of `serve` is the watcher, the event and the fetch
  search cold     `cold` with search on: Pagefind indexes every brief page
  search body     `body` with search on: Pagefind has no incremental mode, so one changed
              brief page means the whole index again

The corpus has search off (`search: false`) for every other scenario, so that they time
briefsite's own work; the two search scenarios turn it on (the build that does so is not
timed) and say what Pagefind adds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from corpus import brief_name, brief_text, write_corpus

REPO = Path(__file__).resolve().parent.parent
CACHE = ".briefsite-cache"
SCENARIOS = (
    "cold", "no-change", "body", "title", "template", "settings", "add", "delete", "serve",
    "search cold", "search body",
)  # fmt: skip
SERVE_DEADLINE = 120.0  # seconds to wait for the preview to start or to show an edit


@dataclass(frozen=True)
class Sample:
    """One timed process."""

    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system, with the children it waited for


def _environment() -> dict[str, str]:
    """The builds' environment: bytecode cached as an installed package has it (start-up
    would otherwise compile every module on every run), in a folder outside the checkout."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "briefsite-bench-pycache")
    return env


ENV = _environment()


def timed(command: list[str]) -> Sample:
    """Run a command; its wall time, CPU time and peak resident memory (wait4's ru_maxrss:
    the largest of the process and the children it waited for, such as build workers; not
    their sum)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, usage.ru_maxrss / 1024, cpu)  # Linux reports KiB


def load_average() -> float:
    """The one-minute load average: how many others want the cores right now."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def build(site: Path, code: Path = REPO) -> Sample:
    """One `python build.py` of the site, as an editor runs it (with the checkout `code`)."""
    return timed([sys.executable, str(code / "build.py"), "--source", str(site), "--quiet"])


def floor(site: Path, scratch: Path) -> Sample:
    """One run of the bare floor into a fresh folder."""
    target = scratch / "floor-out"
    shutil.rmtree(target, ignore_errors=True)
    script = Path(__file__).with_name("floor.py")
    return timed([sys.executable, str(script), str(site), str(target)])


def _edit_body(site: Path, count: int, run: int) -> None:
    path = site / "briefs" / brief_name(run % count)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\nEdited in run {run} ({EDIT_TAG}).\n", "utf-8")


# Marks this invocation's edits, so that a corpus reused from an earlier invocation (--reuse)
# is edited all the same, not given the title an earlier run gave it already.
EDIT_TAG = f"{time.time_ns():x}"


def _edit_title(site: Path, count: int, run: int) -> None:
    index = (run * 37) % count
    text = brief_text(index, count, title=f"Retitled brief {index}, run {run} ({EDIT_TAG})")
    (site / "briefs" / brief_name(index)).write_text(text, encoding="utf-8")


def _edit_template(site: Path, count: int, run: int) -> None:
    path = site / "templates" / "base.html"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</body>", f"<!-- edit {run} -->\n</body>", 1), "utf-8")


def _edit_settings(site: Path, count: int, run: int) -> None:
    path = site / "site.yml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("description:")]
    path.write_text("\n".join([*lines, f"description: Edited in run {run}.", ""]), "utf-8")


def _add(site: Path, count: int, run: int) -> None:
    index = count + run
    text = brief_text(index, count)
    (site / "briefs" / brief_name(index)).write_text(text, encoding="utf-8")


def _delete(site: Path, count: int, run: int) -> None:
    # Every brief of the corpus is linked from others; one added for the purpose is not.
    extra = site / "briefs" / brief_name(count + 1000 + run)
    extra.write_text(brief_text(count + 1000 + run, count), encoding="utf-8")
    build(site)  # untimed: the site with the extra brief
    extra.unlink()


def _cold(site: Path, count: int, run: int) -> None:
    shutil.rmtree(site / "site", ignore_errors=True)
    shutil.rmtree(site / CACHE, ignore_errors=True)


def _search(site: Path, on: bool) -> bool:
    """Turn search on or off in site.yml; whether that changed it."""
    path = site / "site.yml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("search:")]
    changed = "\n".join([*lines, f"search: {'true' if on else 'false'}", ""])
    path.write_text(changed, "utf-8")
    return changed != text


EDITS: dict[str, Callable[[Path, int, int], None]] = {
    "cold": _cold,
    "no-change": lambda site, count, run: None,
    "body": _edit_body,
    "title": _edit_title,
    "template": _edit_template,
    "settings": _edit_settings,
    "add": _add,
    "delete": _delete,
    "search cold": _cold,
    "search body": _edit_body,
}


def serve_samples(site: Path, count: int, runs: int) -> tuple[list[Sample], list[Sample]]:
    """Save-to-page times of a running preview, and its rebuilds alone: each run appends a
    marker to one brief, waits for the event stream to announce a newer good build, and
    fetches the page (again after each further build until it holds the marker: a save may be
    built in two steps). Peak RSS: the server's."""
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--source", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    try:
        assert process.stdout is not None
        address = _serving_at(process.stdout.readline())
        printed = _timed_lines(process.stdout)
        events = _events(address)
        version = next(events)["version"]
        samples, rebuilds = [], []
        for run in range(runs):
            index = (run * 53 + 7) % count
            marker = f"serve-edit-{run}-{time.time_ns()}"
            path = site / "briefs" / brief_name(index)
            text = path.read_text(encoding="utf-8") + f"\n{marker}\n"
            page = f"{address}briefs/{brief_name(index).removesuffix('.md')}/"
            started = time.perf_counter()
            path.write_text(text, "utf-8")
            while True:
                status = next(events)
                if status["version"] > version and not status["problems"]:
                    version = status["version"]
                    if _holds(page, marker):
                        break
            samples.append(Sample(time.perf_counter() - started, _peak_rss_mb(process.pid)))
            rebuilds.append(Sample(_rebuild_seconds(printed, started), samples[-1].peak_rss_mb))
        return samples, rebuilds
    finally:
        process.terminate()
        process.wait(timeout=30)


def _serving_at(line: str) -> str:
    """The preview's address from its first line: 'Serving a preview at http://... (...)'."""
    if "Serving a preview at " not in line:
        raise SystemExit(f"the preview did not start: {line!r}")
    return line.split("Serving a preview at ", 1)[1].split(" ", 1)[0]


def _events(address: str) -> Iterator[dict[str, Any]]:
    """The statuses the preview's event stream sends, as a browser's EventSource reads them."""
    host, port = address.removeprefix("http://").rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=SERVE_DEADLINE)
    conn.request("GET", "/__briefsite/events")
    response = conn.getresponse()
    for line in response:
        if line.startswith(b"data: "):
            yield json.loads(line[len(b"data: ") :])
    raise SystemExit("the preview ended its event stream")


def _holds(url: str, marker: str) -> bool:
    """Whether the page at `url` holds `marker`."""
    with urllib.request.urlopen(url, timeout=SERVE_DEADLINE) as response:
        return marker.encode() in response.read()


def _timed_lines(stream: IO[str]) -> list[tuple[float, str]]:
    """The lines a process prints, each with when it arrived, collected by a thread."""
    lines: list[tuple[float, str]] = []

    def collect() -> None:
        for line in stream:
            lines.append((time.perf_counter(), line))

    threading.Thread(target=collect, daemon=True).start()
    return lines


def _rebuild_seconds(printed: list[tuple[float, str]], since: float) -> float:
    """From the first "Changed: ..." after `since` to the "Rebuilt." after it."""
    deadline = time.monotonic() + SERVE_DEADLINE
    while time.monotonic() < deadline:
        changed = [at for at, line in printed if at >= since and line.startswith("Changed:")]
        rebuilt = [
            at for at, line in printed if changed and at >= changed[0] and line == "Rebuilt.\n"
        ]
        if rebuilt:
            return rebuilt[0] - changed[0]
        time.sleep(0.005)  # waiting for a line the server prints right after the event
    raise SystemExit(f"the preview did not print 'Rebuilt.' within {SERVE_DEADLINE} s")


def _peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(
    count: int, runs: int, only: tuple[str, ...], scratch: Path, reuse: bool, with_floor: bool
) -> list[str]:
    """Table rows for one corpus size."""
    site = scratch / f"site-{count}"
    reused = reuse and (site / "briefs").is_dir()
    if not reused:
        shutil.rmtree(site, ignore_errors=True)
        write_corpus(site, count)
    rows = []
    floor_median = float("nan")
    if with_floor:
        load = load_average()
        floors = [floor(site, scratch) for _ in range(runs)]
        floor_median = statistics.median(s.seconds for s in floors)
        rows.append(_row(count, "floor (both cores)", floors, floor_median, load))
        print(rows[-1], flush=True)
    build(site)  # every scenario starts from a built site
    for name in only:
        if _search(site, name.startswith("search ")):
            build(site)  # untimed: every page shows the search box now, or no longer
        load = load_average()
        if name == "serve":
            samples, rebuilds = serve_samples(site, count, runs)
            rows.append(_row(count, name, samples, floor_median, load))
            rows.append(_row(count, "serve rebuild", rebuilds, floor_median, load))
            print("\n".join(rows[-2:]), flush=True)
            continue
        samples = []
        for run in range(runs):
            EDITS[name](site, count, run)
            samples.append(build(site))
        rows.append(_row(count, name, samples, floor_median, load))
        print(rows[-1], flush=True)
    return rows


def _row(count: int, name: str, samples: list[Sample], floor_median: float, load: float) -> str:
    times = [s.seconds for s in samples]
    median = statistics.median(times)
    cpu = statistics.median(s.cpu_seconds for s in samples)
    ratio = f"{median / floor_median:.2f}" if floor_median == floor_median else "-"
    return (
        f"| {count:,} | {name} | {median:.2f} s | {min(times):.2f}-{max(times):.2f} s "
        f"| {cpu:.2f} s | {ratio} | {max(s.peak_rss_mb for s in samples):.0f} MB | {load:.1f} |"
    )


def main() -> int:
    """Parse options, run every size, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[1000], help="corpus sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (default: 3)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--keep", type=Path, help="generate the corpora here and keep them")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: build on the corpus already there"
    )
    parser.add_argument("--no-floor", action="store_true", help="do not time the bare floor")
    args = parser.parse_args()
    if args.reuse and args.keep is None:
        parser.error("--reuse needs --keep DIR")
    header = [
        "| briefs | scenario | median | spread | CPU | ratio to floor | peak RSS | load |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each")
    print("\n".join(header), flush=True)
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="briefsite-bench-") as tmp:
        scratch = args.keep or Path(tmp)
        for count in args.n:
            only = tuple(args.only)
            rows += measure(count, args.runs, only, scratch, args.reuse, not args.no_floor)
    print("\n" + "\n".join(header + rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
