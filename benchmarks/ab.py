"""Compare two revisions of briefsite build by build, in alternation: a ratio that holds when
the machine's speed does not.

    python benchmarks/ab.py 56d2328 --n 10000 --pairs 8 --only body title --keep /tmp/ab
    python benchmarks/ab.py main~3 HEAD --n 1000 --only no-change body

On a shared machine the same build can take half as long again from one hour to the next, so
two tables made an hour apart cannot tell a change of a tenth. Here each revision is taken
out of git (`git archive`, into its own folder), each gets its own copy of the same generated
corpus (a build's cache is keyed by the code, so the two cannot share one), both are built
once untimed, and then every scenario runs in pairs: the same edit made to both corpora,
then one build of each, the pair's order switched each time. It prints each side's median
and spread and median CPU time, and the medians of the per-pair ratios of wall and CPU time
(the second revision over the first): below 1 means the second is faster.

`--keep DIR --reuse` builds on checkouts and corpora already in DIR, as `run.py` does.
Scenarios are `run.py`'s that edit and build: cold, no-change, body, title, template,
settings, add.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from corpus import write_corpus
from run import EDITS, REPO, Sample, build

SCENARIOS = ("cold", "no-change", "body", "title", "template", "settings", "add")


def checkout(revision: str, folder: Path) -> Path:
    """The files of `revision` (as `git archive` gives them) in `folder`; reused if there."""
    if (folder / "build.py").is_file():
        return folder
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", revision],
        check=True,
        capture_output=True,
    ).stdout
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def commit_of(revision: str) -> str:
    """The abbreviated commit a revision names."""
    found = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", f"{revision}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout.strip()


def compare(
    sides: list[tuple[str, Path, Path]], count: int, pairs: int, only: tuple[str, ...]
) -> list[str]:
    """Table rows: for each scenario, each side's median and spread, and the per-pair ratio."""
    rows = []
    for name in only:
        samples: dict[str, list[Sample]] = {label: [] for label, _, _ in sides}
        for run in range(pairs):
            for _, _, site in sides:
                EDITS[name](site, count, run)
            order = sides if run % 2 == 0 else sides[::-1]
            for label, code, site in order:
                samples[label].append(build(site, code))
        (first, *_), (second, *_) = sides
        pairs_of = list(zip(samples[first], samples[second], strict=True))
        cells = []
        for taken in samples.values():
            times = [s.seconds for s in taken]
            cpu = statistics.median(s.cpu_seconds for s in taken)
            cells.append(
                f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f}), "
                f"CPU {cpu:.2f} s"
            )
        rows.append(
            f"| {count:,} | {name} | {cells[0]} | {cells[1]} | {_ratio(pairs_of, 'seconds')} "
            f"| {_ratio(pairs_of, 'cpu_seconds')} | {pairs} |"
        )
        print(rows[-1], flush=True)
    return rows


def _ratio(pairs: list[tuple[Sample, Sample]], of: str) -> str:
    """The median (and spread) of the second's `of` over the first's, pair by pair."""
    ratios = [getattr(b, of) / getattr(a, of) for a, b in pairs]
    return f"{statistics.median(ratios):.3f} ({min(ratios):.2f}-{max(ratios):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("first", help="the revision compared against (a commit, tag, branch)")
    parser.add_argument("second", nargs="?", default="HEAD", help="the other (default: HEAD)")
    parser.add_argument("--n", type=int, default=1000, help="corpus size (default: 1000)")
    parser.add_argument("--pairs", type=int, default=6, help="pairs of builds (default: 6)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=["body", "title"])
    parser.add_argument("--keep", type=Path, help="put the checkouts and corpora here")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: build on what is there already"
    )
    args = parser.parse_args()
    if args.reuse and args.keep is None:
        parser.error("--reuse needs --keep DIR")
    commits = [commit_of(args.first), commit_of(args.second)]
    if commits[0] == commits[1]:
        parser.error(f"both revisions are {commits[0]}")
    with tempfile.TemporaryDirectory(prefix="briefsite-ab-") as tmp:
        scratch = args.keep or Path(tmp)
        sides = []
        for commit in commits:
            code = checkout(commit, scratch / f"code-{commit}")
            site = scratch / f"site-{commit}-{args.n}"
            if not (args.reuse and (site / "briefs").is_dir()):
                shutil.rmtree(site, ignore_errors=True)
                write_corpus(site, args.n)
            build(site, code)  # untimed: every scenario starts from a built site
            sides.append((commit, code, site))
        header = [
            f"| briefs | scenario | {commits[0]} | {commits[1]} "
            f"| {commits[1]} / {commits[0]}, per pair | CPU, per pair | pairs |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        print(f"Python {sys.version.split()[0]}, pairs in alternating order")
        print("\n".join(header), flush=True)
        rows = compare(sides, args.n, args.pairs, tuple(args.only))
    print("\n" + "\n".join(header + rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
