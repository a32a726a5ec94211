"""`briefsite init`: a new repository of briefs, ready to commit, check and publish.

Editors keep their briefs in a repository of their own and install briefsite there; this
writes everything such a repository needs: `site.yml`, one example brief, an example About
page (linked from the footer menu), a `.gitignore` for
what builds leave, the pre-commit hook and the GitHub Actions workflow, both pinned to this
very version (the tag `v<version>`), so a team upgrades by changing one line in each on purpose.

It writes all of them or none: an existing file is never overwritten, and a failure half-way
removes what this run had written. `docs/github-actions.yml` is this module's `workflow()`
(a test keeps the two equal), so the workflow has one source.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from . import __version__
from .cache import CACHE_DIR
from .config import BRIEFS_DIR, CONFIG_NAME, PAGES_DIR
from .output import previous_path, spool_pattern

# Where briefsite's releases are tagged: what repositories of briefs install and hook.
SOURCE_REPOSITORY = "https://github.com/briefsite/briefsite"
OUTPUT_DIR = "site"  # the default output folder (config.load_config: root / "site")
EXAMPLE_BRIEF = f"{BRIEFS_DIR}/example-brief.md"
EXAMPLE_PAGE = f"{PAGES_DIR}/about.md"
WORKFLOW = ".github/workflows/briefsite.yml"


def tag(version: str = __version__) -> str:
    """The git tag a release is published under."""
    return f"v{version}"


def requirement(version: str = __version__) -> str:
    """What `pip install` is given: this release, straight from its tag (PEP 508 direct URL)."""
    return f"briefsite @ git+{SOURCE_REPOSITORY}@{tag(version)}"


SITE_YML = """\
# The site's settings. Every key is described in briefsite's README, "Site settings".
title: Example policy briefs
# Where the site is published. On GitHub Pages: https://<owner>.github.io/<repository>/
base_url: https://example.org/briefs/
description: An example site made by `briefsite init`. Replace this line and the title.
language: en
# repo_url: https://github.com/<owner>/<repository>  # adds "View source" and "Suggest a change"
# The menu in every page's footer: pages from pages/, and web addresses ({title, url}).
footer_links:
  - page: about.md
"""

EXAMPLE_TEXT = """\
---
# An example written by `briefsite init`, to show the shape of a brief. It states no policy:
# replace it with a real brief (`briefsite new "Title of the brief"`), then delete this file.
title: "Example brief: replace or delete this file"
date: {today}
summary: An example brief that shows the shape of a brief; it describes no real policy.
topics: [Examples]
---
## What this file is

This is an example brief, written by `briefsite init`. It is not about any real policy.
Each brief is one Markdown file in `briefs/`, with settings between the two `---` lines at
the top.

## What to do next

Write your first brief with `briefsite new "Title of the brief"`, preview the site with
`briefsite serve`, and delete this file when the site has a brief of its own.
"""


EXAMPLE_PAGE_TEXT = """\
---
# An example written by `briefsite init`: a page that is not a brief, at /about/, linked from
# every page's footer (`footer_links` in site.yml). Rewrite it for your site.
title: About these briefs
summary: Who publishes these policy briefs, and why.
---
This is an example page, written by `briefsite init`. Rewrite it in a few sentences
saying who publishes the briefs, what they cover, and how readers can get in touch.

Each page is one Markdown file in `pages/`: `pages/about.md` is this page, at `/about/`. A
page links to a brief by the brief's file, as briefs link to each other:
`[the land offer](../briefs/land-offer.md)`.
"""


def gitignore() -> str:
    """What builds leave beside the briefs, named as `output` and `cache` name them."""
    previous = previous_path(Path(OUTPUT_DIR)).name
    spools = spool_pattern(Path(OUTPUT_DIR))
    return (
        "# Left by briefsite: the built site, the build cache, the site a build replaced\n"
        "# (kept to assemble the next one) and a killed build's spool. None belongs in git.\n"
        f"/{OUTPUT_DIR}/\n/{CACHE_DIR}/\n/{previous}/\n/{spools}/\n"
    )


def pre_commit_config(version: str = __version__) -> str:
    """A .pre-commit-config.yaml running briefsite's own hook at this release."""
    return f"""\
# Runs `briefsite check` before each commit that changes briefs/, pages/, templates/ or
# site.yml.
# Set up once per clone: python -m pip install pre-commit && pre-commit install
repos:
  - repo: {SOURCE_REPOSITORY}
    rev: {tag(version)}
    hooks:
      - id: briefsite-check
"""


def workflow(version: str = __version__) -> str:
    """The GitHub Actions workflow of a repository of briefs, pinned to this release."""
    install = f'python -m pip install "{requirement(version)}"'
    cache_key = f"briefsite-{version}-${{{{ runner.os }}}}"
    return f"""\
# The GitHub Actions workflow of a repository of briefs, as `briefsite init` writes it to
# {WORKFLOW}.
# Pull requests: `briefsite check` annotates problems on the changed lines. Pushes to main,
# and every day: build the site and publish it with GitHub Pages (Settings > Pages > Source:
# GitHub Actions). briefsite is pinned to one release, {version}: to upgrade, change it
# everywhere below and `rev` in .pre-commit-config.yaml.
name: briefsite

on:
  pull_request:
  push:
    branches: [main]
  # Every day just after midnight UTC: briefs dated today go live, and briefs past their
  # `expires` date say so, without waiting for a push.
  schedule:
    - cron: "7 0 * * *"
  workflow_dispatch:

# One run at a time per branch, so two pushes never publish over each other; a newer pull
# request commit cancels the check of the older one.
concurrency:
  group: briefsite-${{{{ github.ref }}}}
  cancel-in-progress: ${{{{ github.event_name == 'pull_request' }}}}

# Nothing by default; each job asks for what it needs.
permissions: {{}}

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # full history: the missing-change-note check needs it
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      # A cache committed to the repository is never used: only the one builds on main saved.
      - run: rm -rf {CACHE_DIR}
      # Rendered briefs from main's last build (read only: a pull request saves nothing), and
      # the key they are signed with.
      - uses: actions/cache/restore@v4
        with:
          path: |
            {CACHE_DIR}
            ~/.cache/briefsite
          key: {cache_key}-${{{{ github.sha }}}}
          restore-keys: {cache_key}-
      - run: {install}
      - run: briefsite check --format github

  build:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4  # a build reads no history: the latest commit is enough
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: rm -rf {CACHE_DIR}
      # Keep rendered briefs between runs: only briefs that changed are rendered again. Both
      # folders: the cache, and the key its entries are signed with.
      - uses: actions/cache@v4
        with:
          path: |
            {CACHE_DIR}
            ~/.cache/briefsite
          key: {cache_key}-${{{{ github.sha }}}}
          restore-keys: {cache_key}-
      - run: {install}
      - run: briefsite build
      - uses: actions/upload-pages-artifact@v3
        with:
          path: {OUTPUT_DIR}

  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def starter_files(today: dt.date) -> dict[str, str]:
    """Every file `init` writes, by its path inside the new repository, in writing order."""
    return {
        CONFIG_NAME: SITE_YML,
        EXAMPLE_BRIEF: EXAMPLE_TEXT.format(today=today.isoformat()),
        EXAMPLE_PAGE: EXAMPLE_PAGE_TEXT,
        ".gitignore": gitignore(),
        ".pre-commit-config.yaml": pre_commit_config(),
        WORKFLOW: workflow(),
    }


def create_repository(folder: Path, today: dt.date) -> list[str]:
    """Write the starter files into `folder`; return why not (and write nothing), or [].

    Existing files are named all at once. Files are created exclusively (never through a link
    or over a file that appeared meanwhile); if one cannot be, the ones written are removed.
    """
    if folder.exists() and not folder.is_dir():
        return [f"'{folder}' is a file, not a folder: give a folder for the new repository"]
    files = starter_files(today)
    taken = [name for name in files if os.path.lexists(folder / name)]
    if taken:
        shown = ", ".join(taken)
        return [
            f"'{folder}' already has {shown}: nothing was written "
            "(init never overwrites a file; move them away or choose another folder)"
        ]
    written: list[Path] = []
    made: list[Path] = []
    try:
        for name, text in files.items():
            path = folder / name
            _make_folders(path.parent, made)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                written.append(path)
                handle.write(text)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for path in reversed(made):
            _remove_empty(path)
        return [f"cannot write {exc.filename or folder}: {exc.strerror or exc}; nothing was kept"]
    return []


def _make_folders(folder: Path, made: list[Path]) -> None:
    """Create `folder` and its missing parents, outermost first, adding each to `made` as it
    is created (so a failure part-way still leaves `made` listing what to remove)."""
    for path in [p for p in (folder, *folder.parents) if not os.path.lexists(p)][::-1]:
        path.mkdir()
        made.append(path)


def _remove_empty(folder: Path) -> None:
    """Remove a folder this run made, if it is still empty."""
    with contextlib.suppress(OSError):
        folder.rmdir()
