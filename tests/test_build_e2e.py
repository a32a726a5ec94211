"""End to end: build real sites into temporary folders and read the HTML a reader gets."""

from __future__ import annotations

import itertools
import os
import posixpath
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import (
    GOOD_BRIEF,
    REPO,
    build_here,
    build_sample,
    copy_sample,
    copy_tracked,
    parse,
    published_asset,
    run_build,
    run_process,
    sample_briefs,
    sample_briefs_in_english,
    site_files,
    snapshot,
    write_site,
)

from briefsite import schema
from briefsite.assets import minified
from briefsite.config import SITE_FIELDS
from briefsite.typography import typeset

ASSETS = REPO / "templates" / "assets"
# The built-in stylesheet and icon under their published names (with a hash of their bytes).
SITE_CSS = published_asset("site.css")
FAVICON = published_asset("favicon.svg")


def _internal_targets(site: Path, page: Path) -> list[tuple[str, Path, str]]:
    """(href, file it leads to, fragment) for every relative link and asset on a page."""
    doc = parse(page)
    found = []
    for element in doc.find_all("a") + doc.find_all("link"):
        href = element["attrs"].get("href")  # type: ignore[union-attr]
        if not href or urlsplit(href).scheme:
            continue
        parts = urlsplit(href)
        target = page.parent if not parts.path else (page.parent / unquote(parts.path))
        target = Path(posixpath.normpath(target.as_posix()))
        if target.is_dir():
            target = target / "index.html"
        found.append((href, target, parts.fragment))
    return found


def test_land_offer_page_shows_the_key_figures(sample_site: Path) -> None:
    page = sample_site / "briefs" / "land-offer" / "index.html"
    html = page.read_text(encoding="utf-8")
    doc = parse(page)
    values = [doc.text(e) for e in doc.find_all("span", class_="key-figures__value")]
    assert values[0] == "37.3 km²"
    assert values[1] == "up to 100 million yuan"
    # The design asks for no-break spaces between number, scale word and unit.
    assert "37.3\u00a0km²" in html
    assert "100\u00a0million\u00a0yuan" in html
    assert [doc.text(h) for h in doc.find_all("h1")] == [
        "Qingdao offers 37.3 km² of net industrial land and an award of up to 100 million yuan"
    ]
    assert doc.find_all("time", datetime="2020-04-07")
    assert doc.find_all("section", class_="key-figures")


def test_the_chinese_briefs_show_their_key_figures_in_chinese(sample_site: Path) -> None:
    # Issue #15's forms: 37.3平方公里, 最高1亿元; and no English unit left in a Chinese page's
    # figures (the online signing brief once showed "近 300projects").
    values = {}
    for slug in ("land-offer", "online-investment-signing"):
        doc = parse(sample_site / "zh" / "briefs" / slug / "index.html")
        values[slug] = [doc.text(e) for e in doc.find_all("span", class_="key-figures__value")]
    assert values["land-offer"] == ["37.3平方公里", "最高1亿元"]
    assert values["online-investment-signing"] == ["近300个项目", "超过3900亿元"]
    assert not any(re.search("[A-Za-z]", v) for shown in values.values() for v in shown)


def test_every_internal_link_and_anchor_resolves(sample_site: Path) -> None:
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) >= 14
    checked = 0
    for page in pages:
        if page.name == "404.html":
            continue  # links from the site root, checked separately
        for href, target, fragment in _internal_targets(sample_site, page):
            assert target.is_file(), f"{page}: {href} leads nowhere"
            if fragment:
                ids = {e["attrs"].get("id") for e in parse(target).elements}  # type: ignore[union-attr]
                assert fragment in ids, f"{page}: {href} has no target #{fragment}"
            checked += 1
    assert checked > 100


def test_404_page_links_from_the_base_url_path(sample_site: Path) -> None:
    doc = parse(sample_site / "404.html")
    hrefs = {e["attrs"]["href"] for e in doc.find_all("a") + doc.find_all("link")}  # type: ignore[index]
    assert f"/briefs-site/assets/{SITE_CSS}" in hrefs
    assert f"/briefs-site/assets/{FAVICON}" in hrefs  # the icon too, never /favicon.ico
    assert "/briefs-site/topics/" in hrefs
    assert doc.find_all("meta", name="robots", content="noindex")


def test_every_topic_page_lists_its_briefs(sample_site: Path) -> None:
    expected: dict[str, set[str]] = {}
    for path in sample_briefs_in_english():  # (the Chinese ones are listed under /zh/)
        text = path.read_text(encoding="utf-8")
        head = text.split("---")[1]
        import yaml

        data = yaml.safe_load(head)
        for topic in data.get("topics", []):
            # Pages show titles typeset (curly quotes, no-break spaces); Page.text makes
            # every space a plain one.
            expected.setdefault(topic, set()).add(" ".join(typeset(data["title"]).split()))
    assert expected, "the sample briefs should have topics"
    index = parse(sample_site / "topics" / "index.html")
    listed = {index.text(a) for a in index.find_all("a")}
    for topic, titles in expected.items():
        assert topic in listed
        slug = "-".join(topic.lower().split())
        doc = parse(sample_site / "topics" / slug / "index.html")
        shown = {doc.text(a) for a in doc.find_all("a") if doc.text(a) in titles}
        assert shown == titles, topic


def test_archive_lists_every_brief_by_year(sample_site: Path) -> None:
    doc = parse(sample_site / "briefs" / "index.html")
    assert [doc.text(h) for h in doc.find_all("h2")] == ["Filter briefs", "2020"]
    titles = [doc.text(h) for h in doc.find_all("h3", class_="brief-list__title")]
    assert len(titles) == len(sample_briefs_in_english())


def test_brief_page_anatomy(sample_site: Path) -> None:
    doc = parse(sample_site / "briefs" / "land-offer" / "index.html")
    assert doc.elements[0]["tag"] == "html"
    assert doc.elements[0]["attrs"]["lang"] == "en"  # type: ignore[index]
    skip = doc.find_all("a", class_="skip-link")[0]
    assert skip["attrs"]["href"] == "#main-content"  # type: ignore[index]
    assert doc.find_all("main", id="main-content", tabindex="-1")
    assert doc.find_all("nav", **{"aria-label": "Breadcrumb"})
    assert len(doc.find_all("h1")) == 1
    headings = [doc.text(h) for h in doc.find_all("h2")]
    for expected in ("Key figures", "Contents", "Terms", "Notes", "Sources"):
        assert expected in headings
    assert headings.index("Key figures") < headings.index("Contents") < headings.index("Terms")
    assert "Updates to this page" in headings
    history = doc.find_all("ol", class_="history__list")[0]
    assert doc.text(history).endswith("First published.")
    # Heading levels never skip (h2 then h3, never h2 then h4).
    levels = [int(e["tag"][1]) for e in doc.elements if e["tag"] in {"h1", "h2", "h3", "h4"}]  # type: ignore[index]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    # Every id on the page is unique.
    ids = [e["attrs"]["id"] for e in doc.elements if "id" in e["attrs"]]  # type: ignore[operator, index]
    assert len(ids) == len(set(ids))


def test_the_sample_table_the_text_calls_table_1_has_its_caption(sample_site: Path) -> None:
    doc = parse(sample_site / "briefs" / "emerging-industry-investment" / "index.html")
    (caption,) = doc.find_all("caption")
    assert doc.text(caption) == "Table 1: Investment figures as the article gives them"
    (region,) = doc.find_all("div", class_="table-scroll")
    assert region["attrs"]["aria-labelledby"] == caption["attrs"]["id"]
    labels = [doc.text(th) for th in doc.find_all("th", scope="row")]
    assert len(labels) == 5 and labels[0].startswith("Strategic emerging industries: share")


def test_home_lists_latest_briefs_with_summaries(sample_site: Path) -> None:
    doc = parse(sample_site / "index.html")
    summaries = doc.find_all("p", class_="brief-list__summary")
    assert len(summaries) == len(sample_briefs_in_english())
    assert [doc.text(h) for h in doc.find_all("h1")] == ["Qingdao investment policy briefs"]


def test_pygments_css_is_generated_and_linked_only_where_code_is(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "code.md": GOOD_BRIEF + "\n```python\nprint('hi')\n```\n",
            "plain.md": GOOD_BRIEF.replace("Land offer", "Plain"),
        },
    )
    assert run_build("--source", site).returncode == 0
    [path] = (site / "site" / "assets").glob("pygments.*.css")  # its name: a hash of its text
    assert ".highlight .k" in path.read_text()
    assert path.name in (site / "site" / "briefs" / "code" / "index.html").read_text()
    assert "pygments." not in (site / "site" / "briefs" / "plain" / "index.html").read_text()


def test_sample_builds_leave_out_briefs_the_checkout_does_not_track(tmp_path: Path) -> None:
    # The README's own `new` step, taken in the checkout, adds a draft to its briefs/: the
    # sample the tests build and count must stay the tracked briefs.
    checkout = copy_tracked(tmp_path / "checkout", REPO, "site.yml", "briefs", "pages")
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "sample"]):
        subprocess.run(["git", "-c", "user.name=E", "-c", "user.email=e@example.org", *command],
                       cwd=checkout, check=True, capture_output=True, timeout=60)  # fmt: skip
    tried = run_build("new", "Trying the README", cwd=checkout)
    assert tried.returncode == 0, tried.stderr
    assert (checkout / "briefs" / "trying-the-readme.md").is_file()
    copied = copy_sample(tmp_path / "sample", checkout)
    names = sorted(p.name for p in (copied / "briefs").iterdir())
    assert names == [p.name for p in sample_briefs()]
    assert "trying-the-readme.md" not in names


def test_two_builds_are_byte_identical(sample_site: Path, tmp_path: Path) -> None:
    # The sample site was built once for the run, by another process: build it again.
    again = tmp_path / "again"
    assert build_sample(again).returncode == 0
    assert site_files(sample_site) == site_files(again)
    assert set(snapshot(sample_site)) == set(snapshot(again))


def test_removed_brief_disappears_and_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "land-offer.md": GOOD_BRIEF,
            # Between the two in the archive: the kept page's neighbour, which stays.
            "middle.md": GOOD_BRIEF.replace("Land offer", "Middle"),
            "other.md": GOOD_BRIEF.replace("Land offer", "Other"),
        },
    )
    build_here("--source", site, "--quiet")
    out = site / "site"
    kept = out / "briefs" / "land-offer" / "index.html"
    old = out / "briefs" / "other" / "index.html"
    assert old.is_file()
    past = 1_000_000_000
    os.utime(kept, (past, past))
    (site / "briefs" / "other.md").unlink()
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    assert not old.exists() and not old.parent.exists()
    assert kept.stat().st_mtime == past  # same bytes: left alone
    assert "removed" in result.stdout


def test_nothing_is_written_outside_the_output_folder_but_the_cache(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "elsewhere" / "out"
    assert run_build("--source", site, "--output", out).returncode == 0
    after = {p for p in tmp_path.rglob("*")}
    new = {p for p in after - before if out not in p.parents and p != out}
    cache = site / ".briefsite-cache"
    assert new == {tmp_path / "elsewhere", cache, cache / ".gitignore", cache / "cache.sqlite"}


def test_without_the_cache_nothing_is_written_outside_the_output_folder(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "elsewhere" / "out"
    assert run_build("--source", site, "--output", out, "--no-cache").returncode == 0
    after = {p for p in tmp_path.rglob("*")}
    new = {p for p in after - before if out not in p.parents and p != out}
    assert new == {tmp_path / "elsewhere"}


def test_source_without_templates_uses_the_built_in_ones(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    assert not (site / "templates").exists()
    assert run_build("--source", site).returncode == 0
    built_in = (REPO / "templates" / "assets" / "site.css").read_bytes()
    assert (site / "site" / "assets" / SITE_CSS).read_bytes() == minified("site.css", built_in)


def test_a_site_template_overrides_the_built_in_one(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    (site / "templates").mkdir()
    shutil.copy(REPO / "templates" / "404.html", site / "templates" / "404.html")
    text = (site / "templates" / "404.html").read_text().replace("Page not found", "Lost?")
    (site / "templates" / "404.html").write_text(text)
    assert run_build("--source", site).returncode == 0
    assert "<h1>Lost?</h1>" in (site / "site" / "404.html").read_text()
    assert "Skip to main content" in (site / "site" / "404.html").read_text()


def test_file_urls_make_links_work_without_a_server(tmp_path: Path) -> None:
    out = tmp_path / "local"
    assert build_sample(out, "--file-urls").returncode == 0
    page = out / "briefs" / "land-offer" / "index.html"
    hrefs = [href for href, _, _ in _internal_targets(out, page)]
    assert "../../index.html" in hrefs
    for href, target, _ in _internal_targets(out, page):
        path = urlsplit(href).path
        # Pages end in index.html; the files beside a brief (its Markdown copy, its
        # citations) are named as they are.
        assert not path or path.endswith(
            (".html", ".css", ".xml", ".svg", ".md", ".bib", ".ris")
        ), href
        assert target.is_file()


def test_sub_path_base_url_appears_only_in_absolute_links(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = build_sample(out, "--base-url", "https://x.test/a/b")
    assert result.returncode == 0, result.stderr
    doc = parse(out / "briefs" / "land-offer" / "index.html")
    canonical = doc.find_all("link", rel="canonical")[0]["attrs"]["href"]  # type: ignore[index]
    assert canonical == "https://x.test/a/b/briefs/land-offer/"
    assert f"/a/b/assets/{SITE_CSS}" in (out / "404.html").read_text()


def test_drafts_are_left_out_unless_asked_for(tmp_path: Path) -> None:
    draft = GOOD_BRIEF.replace("summary:", "draft: true\nsummary:").replace("Land offer", "Draft")
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF, "draft.md": draft})
    assert run_build("--source", site).returncode == 0
    assert not (site / "site" / "briefs" / "draft").exists()
    assert "Draft" not in (site / "site" / "index.html").read_text()
    assert run_build("--source", site, "--drafts").returncode == 0
    page = (site / "site" / "briefs" / "draft" / "index.html").read_text()
    assert "This brief is a draft" in page


def test_help_explains_every_build_option() -> None:
    top = run_build("--help")
    assert top.returncode == 0
    assert "build" in top.stdout
    sub = run_build("build", "--help")
    for option in ("--source", "--output", "--drafts", "--base-url", "--file-urls", "--quiet"):
        assert option in sub.stdout


def test_build_runs_from_the_repository_with_no_arguments(tmp_path: Path) -> None:
    # `python build.py` alone builds the folder it is run in.
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    result = run_process(cwd=site)
    assert result.returncode == 0, result.stderr
    assert (site / "site" / "briefs" / "land-offer" / "index.html").is_file()


def test_readme_field_tables_are_generated_from_the_schemas() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for fields in (
        schema.BRIEF_FIELDS,
        schema.FIGURE_FIELDS,
        schema.SOURCE_FIELDS,
        schema.UPDATE_FIELDS,
        schema.WITHDRAWN_FIELDS,
        SITE_FIELDS,
        schema.PAGE_FIELDS,
        schema.FOOTER_FIELDS,
    ):
        assert schema.field_table(fields) in readme
    commands = [line for line in readme.splitlines() if line.startswith("python -m pip")]
    assert commands[:2] == [
        "python -m pip install -r requirements.txt && python build.py",
        "python -m pip install -r requirements-dev.txt && python -m pytest",
    ]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_a_brief_with_a_front_matter_error_still_has_its_links_checked(tmp_path: Path) -> None:
    # All problems in one run: the editor fixes the status and the link together, instead of
    # learning of the link only after the front matter is fixed.
    bad = GOOD_BRIEF.replace("date:", "status: maybe\ndate:", 1)
    bad += "\nSee [the offer](missing-brief.md) and [terms](#nowhere).\n"
    site = write_site(
        tmp_path / "s",
        {"land-offer.md": bad, "other.md": GOOD_BRIEF.replace("Land offer", "Other")},
    )

    result = run_build("--source", site, "--quiet")

    assert result.returncode == 1
    lines = [
        line for line in result.stderr.splitlines() if line.startswith("briefs/land-offer.md:")
    ]
    assert any("status" in line for line in lines), result.stderr
    assert any("missing-brief.md" in line and "leads to no brief" in line for line in lines), (
        result.stderr
    )
    assert not (site / "site").exists()  # nothing written
