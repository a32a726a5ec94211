"""Benchmark: full builds of a generated site, reported as medians over several runs.

    python benchmarks/build_time.py --briefs 1000 --runs 5

Generates N briefs (front matter with figures and topics, a few sections, a table, links
between briefs) in a temporary folder, then times `python build.py` as a separate process:
the first build into an empty folder and repeated builds with nothing changed. Speed claims in
docs and notes quote the medians this prints, never a single run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_site(root: Path, count: int) -> None:
    """Write site.yml and `count` briefs."""
    (root / "briefs").mkdir(parents=True)
    (root / "site.yml").write_text("title: Benchmark\nbase_url: https://example.org/\n")
    for i in range(count):
        (root / "briefs" / f"brief-{i}.md").write_text(
            f"---\ntitle: Brief {i}\ndate: 2020-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
            f"summary: Summary of brief {i}.\ntopics: [Topic {i % 20}, All briefs]\n"
            "figures:\n  - label: net industrial land offered\n"
            f"    value: {i}.5\n    unit: km²\n    source: generated\n---\n"
            "## What was announced\n\nText with a [link](brief-0.md#terms) and a note.[^1]\n\n"
            "## Terms\n\n| measure | value |\n| --- | ---: |\n| land | 37.3 |\n\n"
            "## Context\n\nMore text, 100 million yuan.\n\n[^1]: A footnote.\n",
            encoding="utf-8",
        )


def timed_build(root: Path) -> float:
    """Seconds for one build process."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--source", str(root), "--quiet"], check=True
    )
    return time.perf_counter() - started


def main() -> int:
    """Run the benchmark and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cold = []
        for run in range(args.runs):
            root = Path(tmp) / f"run{run}"
            make_site(root, args.briefs)
            cold.append(timed_build(root))
        warm = [timed_build(Path(tmp) / "run0") for _ in range(args.runs)]
    print(f"{args.briefs} briefs, {args.runs} runs each")
    print(f"first build:       median {statistics.median(cold):.2f} s")
    print(f"unchanged rebuild: median {statistics.median(warm):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
