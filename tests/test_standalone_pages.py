"""Standalone pages (pages/*.md): addresses, the briefs' pipeline, the footer menu, problems
with their places, the cache and the edit path, all on real sites in temporary folders."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import (
    SEARCH_SITE_YML,
    SITE_YML,
    Page,
    parse,
    position,
    run_build,
    site_files,
    without_excerpts,
    write_site,
)

from briefsite import pipeline, standalone, urls
from briefsite.config import SiteConfig, load_config
from briefsite.output import published_hashes
from briefsite.pipeline import BuildOptions, build, publish

TODAY = dt.date(2021, 6, 1)
FOOTER = textwrap.dedent(
    """\
    footer_links:
      - page: about.md
      - title: Accessibility
        page: accessibility/statement.md
      - title: Contact us
        url: https://example.org/contact
    """
)
FOOTER_YML = SITE_YML + FOOTER
LAND_OFFER = """\
---
title: Land offer
date: 2020-04-07
summary: Qingdao offers land.
topics: [Land]
---
## Terms

The terms. Who writes this? See [about us](../pages/about.md#who-we-are).
"""
ABOUT = """\
---
title: About "these" briefs
summary: Who writes the briefs.
---
## Who we are

We write briefs -- read the [land offer](../briefs/land-offer.md#terms) and our
[statement](accessibility/statement.md).[^1]

<script>alert(1)</script>

[^1]: A note.
"""
STATEMENT = """\
---
title: Accessibility statement
---
The site aims for WCAG 2.2 AA. Back to [about](../about.md#who-we-are).
"""


def write_pages(root: Path, pages: Mapping[str, str]) -> None:
    """pages/<name> for each entry, its text dedented."""
    for name, text in pages.items():
        path = root / "pages" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def make(root: Path, pages: Mapping[str, str] | None = None, site_yml: str = FOOTER_YML) -> Path:
    """A site of one brief and the About and accessibility pages (or `pages`)."""
    site = write_site(root, {"land-offer.md": LAND_OFFER}, site_yml)
    write_pages(
        site, {"about.md": ABOUT, "accessibility/statement.md": STATEMENT} | dict(pages or {})
    )
    return site


def config_of(site: Path, output: Path) -> SiteConfig:
    config = load_config(site, output)
    assert isinstance(config, SiteConfig), config
    return config


def rebuild(site: Path, jobs: int = 1) -> pipeline.BuildResult:
    """A build into site/ with the cache, from what site/ holds, as `build.py build` does."""
    config = config_of(site, site / "site")
    options = BuildOptions(today=TODAY, jobs=jobs, git=False)
    result = build(config, options, published_hashes(config.output))
    assert result.ok, [p.format() for p in result.problems]
    publish(result, config)
    return result


def cold(site: Path, folder: Path, jobs: int = 1) -> dict[str, bytes]:
    """A clean build: no cache, an empty output folder."""
    config = config_of(site, folder)
    result = build(config, BuildOptions(today=TODAY, jobs=jobs, git=False, cache=False))
    assert result.ok, [p.format() for p in result.problems]
    publish(result, config)
    return site_files(folder)


def menu_html(path: Path) -> str:
    """The footer menu's HTML on a page (the parser keeps text, not children)."""
    html = path.read_text(encoding="utf-8")
    start = html.index('<nav class="site-footer__nav"')
    return html[start : html.index("</nav>", start)]


def hrefs(page: Page, **attrs: str) -> list[str]:
    return [str(a["attrs"]["href"]) for a in page.find_all("a", **attrs)]  # type: ignore[index]


@pytest.fixture
def compiled_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The page files each build compiled (rather than took from the cache), in order."""
    seen: list[str] = []
    real = standalone.compile_fresh

    def counting(files, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.extend(path for path, _ in files)
        return real(files, *args, **kwargs)

    monkeypatch.setattr(standalone, "compile_fresh", counting)
    return seen


# ------------------------------------------------------------------- rendering, addresses


def test_pages_are_rendered_at_their_addresses_through_the_briefs_pipeline(tmp_path):
    site = make(tmp_path / "s")
    rebuild(site)
    out = site / "site"

    about = parse(out / "about" / "index.html")
    # One h1, the page's title typeset as a brief's; the summary is the meta description.
    assert [Page.text(h) for h in about.find_all("h1")] == ["About “these” briefs"]
    (description,) = about.find_all("meta", name="description")
    assert description["attrs"]["content"] == "Who writes the briefs."  # type: ignore[index]
    (canonical,) = about.find_all("link", rel="canonical")
    assert canonical["attrs"]["href"] == "https://example.org/briefs-site/about/"  # type: ignore[index]
    assert len(about.find_all("main")) == 1 and len(about.find_all("header")) == 1
    (body,) = about.find_all("div", class_="body")
    assert "We write briefs \u2013 read the" in Page.text(body)  # the same typography
    # The same sanitiser: no script but the head's JSON-LD (the site's breadcrumb trail).
    scripts = about.find_all("script")
    assert [s["attrs"] for s in scripts] == [{"type": "application/ld+json"}]
    # Links to a brief and to a nested page are written as page addresses, with the full
    # address for print; the footnote has its Notes section.
    body_links = [a["attrs"] for a in about.find_all("a") if a["attrs"].get("data-url")]  # type: ignore[union-attr]
    terms = "briefs/land-offer/#terms"
    assert {"href": f"../{terms}", "data-url": f"https://example.org/briefs-site/{terms}"} in (
        body_links
    )
    assert "../accessibility/statement/" in hrefs(about)
    assert about.find_all("section", class_="notes")

    statement = parse(out / "accessibility" / "statement" / "index.html")
    assert [Page.text(h) for h in statement.find_all("h1")] == ["Accessibility statement"]
    assert "../../about/#who-we-are" in hrefs(statement)
    # No summary: the site's description, or the title when there is none.
    (description,) = statement.find_all("meta", name="description")
    assert description["attrs"]["content"] == "Accessibility statement"  # type: ignore[index]

    # A brief links to a page by its file too.
    brief = parse(out / "briefs" / "land-offer" / "index.html")
    assert "../../about/#who-we-are" in hrefs(brief)

    # In the sitemap; not in the feed, the archive, the home page or a topic.
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://example.org/briefs-site/about/</loc>" in sitemap
    assert "<loc>https://example.org/briefs-site/accessibility/statement/</loc>" in sitemap
    assert "about" not in (out / "feed.xml").read_text()
    for listing in ("index.html", "briefs/index.html", "topics/land/index.html"):
        (main,) = parse(out / listing).find_all("main")
        assert "About" not in Page.text(main), listing


def test_index_and_slug_decide_a_pages_address(tmp_path):
    pages = {
        "Help Desk/index.md": "---\ntitle: Help\n---\nHelp.\n",
        "Help Desk/faq.md": "---\ntitle: Questions\nslug: questions\n---\nAsk.\n",
        "contact.md": "---\ntitle: Contact\n---\n[Help](Help%20Desk/index.md).\n",
    }
    site = make(tmp_path / "s", pages, SITE_YML)
    rebuild(site)
    out = site / "site"

    assert parse(out / "help-desk" / "index.html").find_all("h1")
    faq = parse(out / "help-desk" / "questions" / "index.html")
    assert [Page.text(h) for h in faq.find_all("h1")] == ["Questions"]
    # A page at a parent address is a step of the breadcrumb trail.
    (trail,) = faq.find_all("nav", class_="breadcrumbs")
    assert Page.text(trail) == "Home Help"
    assert "../help-desk/" in hrefs(parse(out / "contact" / "index.html"))


# ---------------------------------------------------------------------------- the footer


def test_the_footer_menu_is_on_every_page_in_the_order_written(tmp_path):
    site = make(tmp_path / "s", site_yml=SEARCH_SITE_YML + FOOTER)
    rebuild(site)
    out = site / "site"

    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 13  # the search page too; years/ and status/, and 2020's and current's
    for path in pages:
        page = parse(path)
        (menu,) = page.find_all("nav", **{"aria-label": "Footer"})
        (footer,) = page.find_all("footer")
        assert Page.text(menu) in Page.text(footer)
        assert Page.text(menu) == "About “these” briefs Accessibility Contact us", path
    about = parse(out / "about" / "index.html")
    menu_links = [a for a in about.find_all("a") if a["attrs"].get("aria-current")]  # type: ignore[union-attr]
    assert [a["attrs"]["href"] for a in menu_links] == ["./"]  # type: ignore[index]
    assert hrefs(Page(menu_html(out / "briefs" / "land-offer" / "index.html"))) == [
        "../../about/",
        "../../accessibility/statement/",
        "https://example.org/contact",
    ]
    # The 404 page is served at any address: its menu links from the site's root.
    assert hrefs(Page(menu_html(out / "404.html")))[:2] == [
        "/briefs-site/about/",
        "/briefs-site/accessibility/statement/",
    ]


# ------------------------------------------------------------------- problems, all at once


def test_every_problem_with_pages_in_one_run_at_its_place(tmp_path):
    bad_link = (
        "---\ntitle: Links\n---\nSee [nothing](../briefs/nothing.md) and [x](about.md#nope).\n"
    )
    pages = {
        "unknown.md": "---\ntitle: Unknown\ncolour: red\n---\nText.\n",
        "unclosed.md": "---\ntitle: Unclosed\nText.\n",
        "links.md": bad_link,
        "briefs.md": "---\ntitle: Clash\n---\nText.\n",
        "news.md": "---\ntitle: News\nslug: topics\n---\nText.\n",
        "index.md": "---\ntitle: Home\n---\nText.\n",
        "about/index.md": "---\ntitle: Another about\n---\nText.\n",
    }
    footer = FOOTER_YML + "  - page: abuot.md\n"
    site = make(tmp_path / "s", pages, footer)
    brief = LAND_OFFER.replace("../pages/about.md#who-we-are", "../pages/contact.md")
    (site / "briefs" / "land-offer.md").write_text(brief)

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = without_excerpts(result.stderr)
    found = {re.sub(r": error: .*", "", line): line for line in lines if ": error: " in line}
    link_line, link_col = position(bad_link, "../briefs/nothing.md")
    anchor_col = position(bad_link, "about.md#nope")[1]
    brief_line, brief_col = position(brief, "../pages/contact.md")
    footer_line = footer.count("\n")
    expected = {
        "pages/unknown.md:3:1": "unknown field 'colour'",
        "pages/unclosed.md:1:1": "front matter opened on line 1 is never closed",
        f"pages/links.md:{link_line}:{link_col}": "link '../briefs/nothing.md' leads to no brief",
        f"pages/links.md:{link_line}:{anchor_col}": "there is no heading or anchor '#nope' in "
        "pages/about.md",
        "pages/briefs.md:1:1": "the address /briefs/, which is /briefs/, the list of all briefs",
        "pages/news.md:3:7": "the address /topics/, which is /topics/, the list of topics",
        "pages/index.md:1:1": "the address /, which is the home page: the site makes it",
        "pages/about.md:1:1": "/about/, is also that of pages/about/index.md",
        "pages/about/index.md:1:1": "/about/, is also that of pages/about.md",
        f"briefs/land-offer.md:{brief_line}:{brief_col}": "link '../pages/contact.md' leads to "
        "no page",
        f"site.yml:{footer_line}:11": "footer link to 'abuot.md': there is no pages/abuot.md",
    }
    assert sorted(found) == sorted(expected), result.stderr
    for place, message in expected.items():
        assert message in found[place], found[place]
    assert "did you mean 'about.md'?" in result.stderr  # the footer link's hint
    assert not (site / "site").exists()


@pytest.mark.parametrize(
    ("address", "taken"),
    [
        ("", ""),
        ("briefs/", "briefs/"),
        ("briefs/page/2/", "briefs/"),
        ("topics/land/", "topics/"),
        ("assets/x/", "assets/"),
        ("feed.xml/", "feed.xml"),
        ("404.html/", "404.html"),
        ("sitemap.xml/", "sitemap.xml"),
        ("robots.txt/", "robots.txt"),
        ("about/", None),
        ("briefsx/", None),
        ("help/topics/", None),
    ],
)
def test_the_addresses_the_site_makes_itself_are_taken(address, taken):
    assert urls.generated_address(address) == taken


def test_a_bad_footer_entry_is_an_error_at_its_place_in_site_yml(tmp_path):
    footer = SEARCH_SITE_YML + textwrap.dedent(
        """\
        footer_links:
          - title: Script
            url: javascript:alert(1)
          - title: Both
            page: about.md
            url: https://example.org/
          - page: ../briefs/land-offer.md
        """
    )
    site = make(tmp_path / "s", site_yml=footer)

    result = run_build("build", "--source", site)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in without_excerpts(result.stderr) if ": error: " in line]
    assert lines == [
        "site.yml:5:10: error: 'footer_links[1].url' must be a web address starting https://, "
        "got 'javascript:alert(1)'",
        "site.yml:6:5: error: 'footer_links[2]' needs either 'page' or 'url', not both",
        "site.yml:9:11: error: 'footer_links[3].page' must name a page's file in pages/, like "
        "about.md, got '../briefs/land-offer.md'",
    ]


def test_a_slow_page_is_stopped_and_reported(tmp_path, where, pools):
    # A few pages are compiled in the building process, more in workers: the same answer.
    site_yml = SITE_YML + "brief_time_limit: 1\n"
    # First: the pages after it are compiled as if it had never been.
    slow = {"a-slow.md": "---\ntitle: Slow\n---\n" + "[" * 40_000}
    site = make(tmp_path / "s", slow, site_yml)

    result = build(config_of(site, site / "site"), BuildOptions(today=TODAY, git=False, jobs=2))

    (problem,) = result.problems
    assert problem.path == "pages/a-slow.md"
    assert "took longer than 1 s, so it was stopped" in problem.message
    assert not result.ok
    assert bool(pools) == (where == "workers")
    # The page after the stopped one is compiled as it is alone.
    files = [
        (f"pages/{name}", (site / "pages" / name).read_bytes())
        for name in ("a-slow.md", "about.md")
    ]
    settings = pipeline.brief_settings(config_of(site, site / "site"))
    after = standalone.compile_fresh(files, settings, 2, 0.5)
    assert after[1] == standalone.compile_fresh(files[1:], settings, 2, 0.5)[0]
    assert after[1].page is not None and not after[1].problems


# -------------------------------------------------------------- the cache and the edit path


def test_a_build_with_no_page_changed_compiles_and_renders_no_page_again(
    tmp_path, compiled_pages, rendered_pages
):
    site = make(tmp_path / "s")
    rebuild(site)
    assert sorted(compiled_pages) == ["pages/about.md", "pages/accessibility/statement.md"]
    compiled_pages.clear()
    rendered_pages.clear()

    rebuild(site)  # nothing changed
    brief = (site / "briefs" / "land-offer.md").read_text()
    (site / "briefs" / "land-offer.md").write_text(brief.replace("[Land]", "[Land, Sea]"))
    rebuild(site)  # a change to the briefs alone: the full path, every page from the cache

    assert compiled_pages == []
    assert "about/" not in rendered_pages and "accessibility/statement/" not in rendered_pages
    assert site_files(site / "site") == cold(site, tmp_path / "cold")


def test_an_edited_page_is_built_again_with_every_link_and_menu_entry_to_it(
    tmp_path, compiled_pages, full_builds
):
    site = make(tmp_path / "s")
    rebuild(site)
    compiled_pages.clear()
    full_builds.clear()
    about = ABOUT.replace('About "these" briefs', "Who we are").replace(
        "summary:", "slug: who\nsummary:"
    )
    (site / "pages" / "about.md").write_text(about)

    rebuild(site)

    assert compiled_pages == ["pages/about.md"]  # the other page comes from the cache
    assert full_builds == ["full"]  # a page edit takes the full path
    out = site / "site"
    assert not (out / "about").exists()
    assert [Page.text(h) for h in parse(out / "who" / "index.html").find_all("h1")] == [
        "Who we are"
    ]
    brief = parse(out / "briefs" / "land-offer" / "index.html")
    assert "../../who/#who-we-are" in hrefs(brief)  # the brief's link follows the page
    assert "../../who/" in hrefs(brief)  # and so does the footer menu, on every page
    (menu,) = parse(out / "index.html").find_all("nav", **{"aria-label": "Footer"})
    assert Page.text(menu).startswith("Who we are")
    assert "../../who/#who-we-are" in hrefs(parse(out / "accessibility/statement/index.html"))
    assert site_files(out) == cold(site, tmp_path / "cold")


def test_a_brief_body_edit_keeps_the_edit_path_and_checks_what_pages_ask_of_it(
    tmp_path, full_builds, rendered_pages
):
    site = make(tmp_path / "s")
    rebuild(site)
    full_builds.clear()
    rendered_pages.clear()
    brief_file = site / "briefs" / "land-offer.md"

    # A new link to a page: the edit path, which renders the brief's page alone.
    brief_file.write_text(
        LAND_OFFER + "\nAlso [the statement](../pages/accessibility/statement.md).\n"
    )
    rebuild(site)
    assert full_builds == ["edit"]
    assert rendered_pages == ["briefs/land-offer/"]
    brief = parse(site / "site" / "briefs" / "land-offer" / "index.html")
    assert "../../accessibility/statement/" in hrefs(brief)
    assert site_files(site / "site") == cold(site, tmp_path / "cold")

    # Removing the heading the About page links to (#terms) breaks that page's link: the
    # build says so, at the link in the page.
    brief_file.write_text(LAND_OFFER.replace("## Terms", "## Conditions"))
    config = config_of(site, site / "site")
    result = build(
        config, BuildOptions(today=TODAY, jobs=1, git=False), published_hashes(config.output)
    )

    assert not result.ok
    (problem,) = [p for p in result.problems if p.severity == "error"]
    line, col = position(ABOUT, "../briefs/land-offer.md#terms")
    assert (problem.path, problem.line, problem.col) == ("pages/about.md", line, col)
    assert "there is no heading or anchor '#terms' in briefs/land-offer.md" in problem.message


def test_builds_are_deterministic_on_any_number_of_workers(tmp_path):
    site = make(
        tmp_path / "s", {f"p{n}.md": f"---\ntitle: Page {n}\n---\nText {n}.\n" for n in range(6)}
    )

    assert cold(site, tmp_path / "one", jobs=1) == cold(site, tmp_path / "two", jobs=2)


# ---------------------------------------------------------------------------- the preview


def test_the_preview_picks_up_an_edited_page(tmp_path):
    from test_serve import Preview, assert_stopped_cleanly, poll

    site = make(tmp_path / "s")
    server = Preview(site, tmp_path / "preview", "--port", "0")
    try:
        server.wait_until_serving()
        assert "About “these” briefs" in server.get("about/")[1]
        server.wait_until_watching()

        (site / "pages" / "about.md").write_text(ABOUT.replace('"these"', "our"))

        poll(lambda: "<h1>About our briefs</h1>" in server.get("about/")[1], "the edited page")
        poll(lambda: "About our briefs" in server.get("briefs/")[1], "the footer menu's entry")
        assert_stopped_cleanly(server)
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(timeout=10)


# ------------------------------------------------------------------------------ the folder


def test_pages_stay_inside_their_folder_and_out_of_the_output(tmp_path):
    site = make(tmp_path / "s")
    refused = run_build("build", "--source", site, "--output", site / "pages")
    assert refused.returncode == 1
    assert f"the output folder overlaps {site / 'pages'}, which the build reads" in refused.stderr

    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nNot for the site.\n")
    (site / "pages" / "secret.md").symlink_to(secret)
    linked = run_build("build", "--source", site)
    assert linked.returncode == 1
    assert "pages/secret.md: error: refusing to follow symbolic link" in linked.stderr
    assert "Secret" not in linked.stdout + linked.stderr.replace("secret.md", "")

    other = write_site(tmp_path / "other", {"land-offer.md": LAND_OFFER})
    (other / "pages").symlink_to(site / "pages", target_is_directory=True)
    whole = run_build("build", "--source", other)
    assert whole.returncode == 1
    assert "pages: error: the pages folder is a symbolic link" in whole.stderr
