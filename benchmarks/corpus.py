"""A deterministic, realistic corpus of policy briefs for benchmarks.

Each brief is about 800 words: headings, a list, a pipe table, two footnotes, links to other
briefs (one to a heading), a fenced code block in one brief in five, and full front matter
(topics, figures, sources, change notes). The same N always gives the same bytes, so runs on
different days and machines build the same site.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOPICS = [
    "Land and planning", "Investment promotion", "Manufacturing", "Services", "Talent",
    "Innovation", "Finance", "Trade", "Ports and logistics", "Tourism", "Agriculture",
    "Energy", "Environment", "Housing", "Transport", "Health", "Education", "Culture",
    "Digital economy", "Marine economy", "Regional cooperation", "Tax", "Employment",
    "Urban renewal", "Industrial parks", "Artificial intelligence", "Biomedicine",
    "New materials", "Automotive", "Public services",
]  # fmt: skip
_TEXT = (
    "the city will offer net industrial land to investors in key sectors and award projects "
    "that meet the targets with funding of up to one hundred million yuan while districts "
    "report progress each quarter to the commission which reviews applications from companies "
    "in manufacturing services logistics and research under rules published in March covering "
    "eligibility timelines appraisal support measures and the use of land for new projects in "
    "designated zones along the coast and in the western districts where infrastructure is ready"
)
WORDS = _TEXT.split()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(12, 22)) for _ in range(sentences))


def brief_text(index: int, count: int, title: str | None = None) -> str:
    """The Markdown file of brief `index` in a corpus of `count`."""
    rng = random.Random(index)
    year = 2015 + index % 6
    month, day = 1 + index % 12, 1 + index % 28
    topics = rng.sample(TOPICS, 3)
    other = [(index + step) % count for step in (1, 7, 31)]
    # Drawn whether or not a title is given, so a retitled brief differs in its title alone.
    own_title = f"Brief {index}, " + _sentence(rng, 6).rstrip(".")
    lines = [
        "---",
        f"title: {title or own_title}",
        f"date: {year}-{month:02d}-{day:02d}",
        f"summary: {_sentence(rng, 24)}",
        f"number: QB-{year}-{index:05d}",
        f"topics: [{', '.join(topics)}]",
        "region: Qingdao",
        "issuing_body: Qingdao Municipal Government",
        "authors: [Policy desk]",
        "status: in-force",
        f"effective: {year}-{month:02d}-{day:02d}",
        "figures:",
        "  - label: net industrial land offered",
        f"    value: {rng.randint(10, 900) / 10}",
        "    unit: km²",
        "    source: Qingdao press release, 7 April 2020",
        "  - label: maximum award per project",
        f"    value: {rng.randint(1, 20) * 10_000_000}",
        "    unit: yuan",
        "    qualifier: up to",
        "    source: Qingdao press release, 7 April 2020",
        "sources:",
        "  - title: Qingdao press release",
        "    url: https://example.org/press/2020-04-07",
        f"    date: {year}-{month:02d}-{day:02d}",
        "  - title: Implementation rules",
        "updates:",
        f"  - date: {year + 1}-{month:02d}-{day:02d}",
        "    note: Added the implementation rules.",
        "---",
        "",
        "## What was announced",
        "",
        _paragraph(rng, 6) + "[^1]",
        "",
        _paragraph(rng, 5),
        "",
        "## Terms",
        "",
        f"See also [brief {other[0]}](brief-{other[0]:05d}.md) and the "
        f"[terms of brief {other[1]}](brief-{other[1]:05d}.md#terms).",
        "",
        *(f"- {_sentence(rng, 10)}" for _ in range(5)),
        "",
        "| measure | district | value |",
        "| --- | --- | ---: |",
        *(f"| {rng.choice(WORDS)} | West Coast | {rng.randint(1, 999)} |" for _ in range(6)),
        "",
        "### Eligibility",
        "",
        _paragraph(rng, 5),
        "",
        "## Context",
        "",
        _paragraph(rng, 6) + "[^2]",
        "",
        _paragraph(rng, 5),
        "",
        f"Earlier: [brief {other[2]}](brief-{other[2]:05d}.md).",
        "",
    ]
    if index % 5 == 0:
        lines += ["```python", "award = min(cost * 0.1, 100_000_000)", "```", ""]
    lines += [
        "## Outlook",
        "",
        _paragraph(rng, 6),
        "",
        _paragraph(rng, 3),
        "",
        "[^1]: Qingdao press release, 7 April 2020.",
        "[^2]: Implementation rules, article 3.",
        "",
    ]
    return "\n".join(lines)


def brief_name(index: int) -> str:
    """The file name of brief `index`."""
    return f"brief-{index:05d}.md"


def write_corpus(root: Path, count: int) -> Path:
    """Write a site folder with `count` briefs and its own copy of the built-in templates,
    with search off (`run.py` turns it on for the search scenarios)."""
    (root / "briefs").mkdir(parents=True)
    (root / "site.yml").write_text(
        "title: Benchmark briefs\nbase_url: https://example.org/briefs/\n"
        "description: A generated corpus.\n"
        # Pagefind's index is timed in scenarios of its own (run.py's `search ...`): it
        # re-indexes every brief page whenever one changes, which would hide briefsite's own
        # times in every other scenario.
        "search: false\n",
        encoding="utf-8",
    )
    shutil.copytree(REPO / "templates", root / "templates")
    for index in range(count):
        (root / "briefs" / brief_name(index)).write_text(brief_text(index, count), encoding="utf-8")
    return root
