"""The bare floor: the least work any generator must do for these briefs, on every core.

    python benchmarks/floor.py SITE_FOLDER OUTPUT_FOLDER

Per brief: read the file, load its front matter with libyaml (CSafeLoader), convert the body
with one reused `markdown.Markdown` configured with briefsite's extensions, render one small
Jinja template, and write the page. No validation, no links, no listings. briefsite's times
are reported as ratios to this, so they survive a busy or slow machine.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jinja2
import markdown
import yaml

EXTENSIONS = [
    "tables", "footnotes", "toc", "fenced_code", "codehilite", "abbr", "def_list",
    "admonition", "smarty", "sane_lists",
]  # fmt: skip
TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{{ meta.title }}</title>"
    "</head><body><main><h1>{{ meta.title }}</h1><p>{{ meta.summary }}</p>{{ body | safe }}"
    "</main></body></html>\n"
)
_md: markdown.Markdown | None = None


def _render(job: tuple[str, str]) -> int:
    """One brief, start to finish, in a worker process."""
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    source, target = job
    text = Path(source).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.load(front, Loader=yaml.CSafeLoader)
    _md.reset()
    html = TEMPLATE.render(meta=meta, body=_md.convert(body))
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(html, encoding="utf-8")
    return len(html)


def main(site: Path, output: Path) -> int:
    """Render every brief of `site` into `output` on all cores."""
    jobs = [
        (str(path), str(output / path.stem / "index.html"))
        for path in sorted((site / "briefs").glob("*.md"))
    ]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        sum(pool.map(_render, jobs, chunksize=max(1, len(jobs) // 64)))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
