"""Speed of a build with little to do: it loads no Markdown, Pygments, nh3 or Jinja2.

Importing them is about half of a no-change build's time, so they load only where a build
compiles a brief or renders a page. These tests run real builds in real processes and list
the modules each one loaded; and they check that the cache key's library versions, now read
without `importlib.metadata`, are still the installed ones.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, REPO, site_files, write_site

from briefsite.cache import _LIBRARIES, library_release
from briefsite.config import SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish

# Modules a build with nothing to do has no use for, each with what it loads.
HEAVY = (
    "markdown",
    "pygments",
    "nh3",
    "jinja2",
    "importlib.metadata",
    "multiprocessing",
    "urllib.request",
    "babel",  # dates, numbers and translations (`formats`, `i18n`): only where pages are made
)

# Runs `briefsite.cli.main` on its arguments, then prints its exit status and which of HEAVY
# it loaded (modules already loaded when Python started, e.g. by a .pth file, do not count).
AUDIT = f"""
import json, sys
before = set(sys.modules)
from briefsite.cli import main
status = main(sys.argv[1:])
loaded = set(sys.modules) - before
heavy = sorted(
    name for name in {HEAVY!r}
    if any(m == name or m.startswith(name + ".") for m in loaded)
)
print(json.dumps({{"status": status, "heavy": heavy}}))
"""

CODE_BRIEF = GOOD_BRIEF + "\n```python\nprint('highlighted')\n```\n"


def audited_build(site: Path) -> tuple[int, list[str], str]:
    """A real build of `site` in a fresh process: (exit status, heavy modules it loaded, stdout
    before the audit line)."""
    result = subprocess.run(
        [sys.executable, "-c", AUDIT, "build", "--source", str(site)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    *said, last = result.stdout.strip().splitlines()
    audit = json.loads(last)
    assert result.stderr == "", result.stderr
    return audit["status"], audit["heavy"], "\n".join(said)


def settle(site: Path) -> None:
    """Date the briefs a minute back: a file changed in the last moments is never trusted to be
    unchanged, so a no-change build needs briefs that are not brand new."""
    past = time.time() - 60
    for path in (site / "briefs").glob("*.md"):
        os.utime(path, (past, past))


def test_a_build_with_nothing_changed_loads_no_markdown_pygments_nh3_or_jinja(
    tmp_path: Path,
) -> None:
    site = write_site(
        tmp_path / "s", {"a.md": CODE_BRIEF, "b.md": GOOD_BRIEF.replace("Land", "Sea")}
    )
    settle(site)

    status, heavy, said = audited_build(site)
    assert status == 0, said
    # The cold build compiles and renders: every library loads (so the audit sees them) ...
    assert set(heavy) >= {"markdown", "pygments", "nh3", "jinja2"}
    page = (site / "site" / "briefs" / "a" / "index.html").read_text(encoding="utf-8")
    assert "highlighted" in page and 'class="highlight"' in page
    built = site_files(site / "site")

    status, heavy, said = audited_build(site)
    assert status == 0
    assert heavy == []  # ... and the build with nothing changed loads none of them.
    assert ": 0 written" in said, said
    assert site_files(site / "site") == built

    # An edit goes through the stages again, loading what it needs.
    (site / "briefs" / "b.md").write_text(CODE_BRIEF.replace("Land", "Lake"), encoding="utf-8")
    settle(site)
    status, heavy, said = audited_build(site)
    assert status == 0
    assert set(heavy) >= {"markdown", "pygments", "nh3", "jinja2"}
    page = (site / "site" / "briefs" / "b" / "index.html").read_text(encoding="utf-8")
    assert "Lake offer" in page and 'class="highlight"' in page


@pytest.mark.parametrize(("distribution", "module"), _LIBRARIES)
def test_library_releases_name_the_installed_versions(distribution: str, module: str) -> None:
    found = library_release(distribution, module, {})
    assert f"-{metadata.version(distribution)}." in found, found


def _package(folder: Path, module: str, *, single_file: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if single_file:
        (folder / f"{module}.py").write_text("")
    else:
        (folder / module).mkdir()
        (folder / module / "__init__.py").write_text("")


def _dist_info(folder: Path, name: str, version: str) -> Path:
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return info


@pytest.mark.parametrize("single_file", [False, True])
def test_a_new_release_of_a_library_is_a_new_release_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_file: bool
) -> None:
    """The cache key changes when a library is upgraded: the folder beside it says so."""
    site_packages = tmp_path / "site-packages"
    _package(site_packages, "briefsite_fake_lib", single_file=single_file)
    info = _dist_info(site_packages, "briefsite_fake_lib", "1.0")
    _dist_info(site_packages, "briefsite_fake_lib_extras", "9.9")  # another library's folder
    monkeypatch.syspath_prepend(str(site_packages))
    importlib.invalidate_caches()

    old = library_release("Briefsite-Fake.Lib", "briefsite_fake_lib", {})
    assert old == "briefsite_fake_lib-1.0.dist-info"
    info.rename(site_packages / "briefsite_fake_lib-1.1.dist-info")
    new = library_release("Briefsite-Fake.Lib", "briefsite_fake_lib", {})
    assert new == "briefsite_fake_lib-1.1.dist-info"
    assert "briefsite_fake_lib" not in sys.modules  # found without importing it


def test_without_a_folder_beside_it_importlib_metadata_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install keeps its code in the checkout and its record elsewhere on the
    path: the version still comes from that record, and a library not installed is ""."""
    checkout, records = tmp_path / "checkout", tmp_path / "records"
    _package(checkout, "briefsite_fake_editable")
    _dist_info(records, "briefsite_fake_editable", "2.5")
    monkeypatch.syspath_prepend(str(records))
    monkeypatch.syspath_prepend(str(checkout))
    importlib.invalidate_caches()

    assert library_release("briefsite-fake-editable", "briefsite_fake_editable", {}) == "2.5"
    assert library_release("briefsite-not-there", "briefsite_not_there", {}) == ""


def test_a_build_stopped_by_an_error_keeps_what_the_next_build_needs(
    tmp_path: Path, rendered_pages: list[str]
) -> None:
    """The cache is pruned only after a build that succeeds: one stopped by an error never
    asked for its pages, and throwing their entries away would render every page again."""
    rendered = rendered_pages
    good = {f"b{i}.md": GOOD_BRIEF.replace("Land offer", f"Brief {i}") for i in range(3)}
    site = write_site(tmp_path / "s", good)
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig)

    def build_once() -> bool:
        result = build(config, BuildOptions(jobs=1), published_hashes(config.output))
        if result.ok:
            publish(result, config)
        return result.ok

    assert build_once()
    first = len(rendered)
    (site / "briefs" / "b1.md").write_text("---\ntitle: Broken\n---\n", encoding="utf-8")
    assert not build_once()
    (site / "briefs" / "b1.md").write_text(good["b1.md"], encoding="utf-8")
    rendered.clear()
    assert build_once()
    assert first > 0 and rendered == []  # every page was still known


def test_a_markdown_renderer_reads_no_installed_distributions_metadata() -> None:
    """Extensions named by a string are looked up among every installed distribution's entry
    points (`importlib.metadata`, a tenth of a second): the worker an edit build forks makes
    a renderer, so they are given as objects."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from briefsite.markup import Markup\n"
        "Markup().body\n"
        "print('importlib.metadata' in set(sys.modules) - before)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.stdout.strip() == "False", result.stderr


def test_the_command_leaves_what_it_made_to_the_end_of_the_process() -> None:
    """A full collection when the process ends would look at every object the build made
    (a tenth of a second at 10,000 briefs): the entry point freezes them when it returns."""
    code = (
        "import gc, sys\n"
        "from briefsite.__main__ import main\n"
        "status = main(prog='briefsite')\n"
        "print(status, gc.get_freeze_count() > 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "0 True", result.stdout + result.stderr
