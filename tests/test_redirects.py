"""Addresses that last: theme files under names that carry a hash of their content (with
`_headers` marking them immutable) and the icon inside the site's folder; old addresses of
briefs (`aliases`) redirected by pages and by `_redirects`. Real builds in temporary folders."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, REPO, build_site, parse, run_build, write_site

from briefsite.assets import IMMUTABLE, fingerprinted, minified

SUB_PATH_SITE = "title: T\nbase_url: https://example.org/briefs-site/\n"
HASHED = re.compile(r"assets/[\w-]+\.[0-9a-f]{10}\.\w+")


def asset_links(page: Path) -> list[str]:
    """Every theme stylesheet and icon a page links (not Pagefind's own, in pagefind/, which
    Pagefind names: the search page's)."""
    return [
        link["attrs"]["href"]  # type: ignore[index]
        for link in parse(page).find_all("link")
        if link["attrs"].get("rel") in ("stylesheet", "icon")  # type: ignore[union-attr]
        and "pagefind/" not in link["attrs"]["href"]  # type: ignore[index,operator]
    ]


def pages_of(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


# ------------------------------------------------------------------------------ hashed assets


def test_every_asset_is_published_under_a_hash_of_its_content(tmp_path: Path) -> None:
    out = build_site(write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF}), tmp_path / "o")
    published = sorted(p.relative_to(out).as_posix() for p in (out / "assets").iterdir())
    assert [re.sub(r"\.[0-9a-f]{10}\.", ".#.", p) for p in published] == [
        "assets/favicon.#.svg",
        "assets/pygments.#.css",
        "assets/search.#.js",
        "assets/site.#.css",
    ]
    for name in ("site.css", "favicon.svg"):
        data = minified(name, (REPO / "templates" / "assets" / name).read_bytes())
        assert (out / "assets" / fingerprinted(name, data)).read_bytes() == data
    for page in pages_of(out):
        for href in asset_links(page):
            assert HASHED.search(href), (page, href)
            assert (page.parent / href).is_file() or href.startswith("/"), (page, href)


def test_the_icon_is_inside_the_sites_folder_on_every_page(tmp_path: Path) -> None:
    # Without a <link rel="icon">, browsers ask for /favicon.ico at the domain's root, which a
    # site published at https://example.org/briefs-site/ does not own.
    out = build_site(write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF}), tmp_path / "o")
    for page in pages_of(out):
        icons = [
            link["attrs"]  # type: ignore[index]
            for link in parse(page).find_all("link", rel="icon")
        ]
        assert len(icons) == 1, page
        href = icons[0]["href"]
        assert icons[0]["type"] == "image/svg+xml"
        assert "favicon.ico" not in href
        if page.name == "404.html":  # served at any address: from base_url's path
            assert href.startswith("/briefs-site/assets/favicon."), href
        else:
            assert not href.startswith("/"), href
            assert (page.parent / href).resolve().is_file(), (page, href)


def test_headers_mark_each_hashed_asset_immutable_under_the_base_path(tmp_path: Path) -> None:
    out = build_site(write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF}), tmp_path / "o")
    text = (out / "_headers").read_text(encoding="utf-8")
    rules = [line for line in text.splitlines() if line and not line.startswith("#")]
    paths = rules[0::2]
    assert rules[1::2] == [f"  {IMMUTABLE}"] * len(paths)
    assert IMMUTABLE == "Cache-Control: public, max-age=31536000, immutable"
    published = sorted(p.relative_to(out).as_posix() for p in (out / "assets").iterdir())
    assert paths == [f"/briefs-site/{p}" for p in published]


def test_a_changed_stylesheet_gets_a_new_name_and_the_old_one_is_removed(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    (site / "templates" / "assets").mkdir(parents=True)
    css = site / "templates" / "assets" / "site.css"
    shutil.copy(REPO / "templates" / "assets" / "site.css", css)
    out = site / "site"
    assert run_build("--source", site).returncode == 0
    [old] = (out / "assets").glob("site.*.css")

    css.write_text(css.read_text() + "\n.new-rule { color: red; }\n")
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    [new] = (out / "assets").glob("site.*.css")
    assert new != old and not old.exists()  # removed by publishing: a file it had written
    assert ".new-rule" in new.read_text()
    page = (out / "briefs" / "land-offer" / "index.html").read_text(encoding="utf-8")
    assert f"assets/{new.name}" in page and old.name not in page
    assert (
        old.name not in (out / "_headers").read_text()
        and new.name in (out / "_headers").read_text()
    )


def test_a_template_asking_for_a_missing_asset_fails_at_its_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    (site / "templates").mkdir()
    text = (REPO / "templates" / "404.html").read_text(encoding="utf-8")
    (site / "templates" / "404.html").write_text(
        text.replace(
            "{% block main %}", '{% block main %}\n<img src="{{ asset(\'logo.png\') }}" alt="">', 1
        )
    )
    result = run_build("--source", site)
    assert result.returncode == 1
    assert "templates/404.html:" in result.stderr
    assert "no file 'logo.png' in the templates' assets/ folder" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------------------- aliases


def brief(title: str, extra: str = "", slug: str = "") -> str:
    slug_line = f"slug: {slug}\n" if slug else ""
    return (
        f"---\ntitle: {title}\ndate: 2020-04-07\nsummary: About {title}.\ntopics: [Land]\n"
        f"{slug_line}{extra}---\n## Terms\n\nText.\n"
    )


ALIASED = brief(
    "Land offer",
    "aliases:\n  - /briefs/old-slug/\n  - /news/2020/04/land.html\n  - /Qingdao//offer/index.html\n"
    "  - /briefs/%E9%9D%92%E5%B2%9B\n",
    slug="land-offer",
)


@pytest.fixture(scope="module")
def aliased(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(
        tmp_path_factory.mktemp("aliases") / "s",
        {"land-offer.md": ALIASED, "other.md": brief("Other", "aliases: /other-old/\n")},
        SUB_PATH_SITE,
    )
    return build_site(site, site / "out")


@pytest.mark.parametrize(
    ("page", "href"),
    [
        ("briefs/old-slug/index.html", "../land-offer/"),
        ("news/2020/04/land.html", "../../../briefs/land-offer/"),
        ("Qingdao/offer/index.html", "../../briefs/land-offer/"),
        ("briefs/青岛/index.html", "../land-offer/"),
    ],
)
def test_each_old_address_has_a_page_that_leads_to_the_brief(
    aliased: Path, page: str, href: str
) -> None:
    doc = parse(aliased / page)
    [refresh] = doc.find_all("meta", **{"http-equiv": "refresh"})
    assert refresh["attrs"]["content"] == f"0; url={href}"  # type: ignore[index]
    [canonical] = doc.find_all("link", rel="canonical")
    assert canonical["attrs"]["href"] == "https://example.org/briefs-site/briefs/land-offer/"  # type: ignore[index]
    assert doc.find_all("meta", name="robots", content="noindex")
    [link] = doc.find_all("a")
    assert link["attrs"]["href"] == href  # type: ignore[index]
    assert doc.text(link) == "Land offer"
    assert (aliased / page).parent.joinpath(href, "index.html").resolve() == (
        aliased / "briefs" / "land-offer" / "index.html"
    )


def test_redirects_file_moves_each_old_address_permanently(aliased: Path) -> None:
    assert (aliased / "_redirects").read_text(encoding="utf-8").splitlines()[2:] == [
        "/briefs-site/Qingdao/offer/ /briefs-site/briefs/land-offer/ 301",
        "/briefs-site/briefs/old-slug/ /briefs-site/briefs/land-offer/ 301",
        "/briefs-site/briefs/%E9%9D%92%E5%B2%9B/ /briefs-site/briefs/land-offer/ 301",
        "/briefs-site/news/2020/04/land.html /briefs-site/briefs/land-offer/ 301",
        "/briefs-site/other-old/ /briefs-site/briefs/other/ 301",
    ]


def test_old_addresses_are_no_pages_of_the_sitemap_or_the_feed(aliased: Path) -> None:
    for name in ("sitemap.xml", "feed.xml"):
        text = (aliased / name).read_text(encoding="utf-8")
        assert "old-slug" not in text and "other-old" not in text, name


def test_a_site_without_aliases_has_no_redirects_file(tmp_path: Path) -> None:
    out = build_site(write_site(tmp_path / "s", {"a.md": brief("A")}), tmp_path / "o")
    assert not (out / "_redirects").exists()


def test_without_directory_urls_the_old_address_leads_to_the_file(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"a.md": brief("A", "aliases: /old/\n")})
    out = build_site(site, tmp_path / "o", "--file-urls")
    [refresh] = parse(out / "old" / "index.html").find_all("meta", **{"http-equiv": "refresh"})
    assert refresh["attrs"]["content"] == "0; url=../briefs/a/index.html"  # type: ignore[index]


def test_a_drafts_aliases_wait_for_it_and_a_removed_alias_goes(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "s",
        {
            "a.md": brief("A", "aliases: /a-old/\n"),
            "d.md": brief("D", "aliases: /d-old/\ndraft: true\n"),
        },
    )
    out = build_site(site, tmp_path / "o")
    assert (out / "a-old" / "index.html").is_file()
    assert not (out / "d-old").exists()
    (site / "briefs" / "a.md").write_text(brief("A"))
    build_site(site, tmp_path / "o")
    assert not (out / "a-old").exists()
    assert not (out / "_redirects").exists()


def github_errors(site: Path) -> list[str]:
    result = run_build("check", "--source", site, "--format", "github")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("::error")]


def test_each_clash_is_reported_at_its_alias(tmp_path: Path) -> None:
    a = brief(
        "A",
        "aliases:\n"
        "  - /briefs/\n"  # the archive
        "  - /briefs/b/\n"  # another brief
        "  - /briefs/a\n"  # its own address
        "  - /topics/land/\n"  # a topic's page
        "  - /sitemap.xml/\n"  # inside a file the site writes
        "  - /BRIEFS/B/\n"  # another brief, on a file system that ignores case
        "  - /moved/\n",
    )
    b = brief("B", "aliases: [/moved/, /fine/]\n")
    site = write_site(tmp_path / "s", {"a.md": a, "b.md": b})
    errors = github_errors(site)
    hint = "(remove it: an old address can lead to one page only, and never replaces one)"
    assert errors == [
        f"::error file=briefs/a.md,line=7,col=5::alias '/briefs/' is an address this site "
        f"already has (briefs/index.html) {hint}",
        f"::error file=briefs/a.md,line=8,col=5::alias '/briefs/b/' is the address of "
        f"briefs/b.md {hint}",
        f"::error file=briefs/a.md,line=9,col=5::alias '/briefs/a/' is its own address {hint}",
        f"::error file=briefs/a.md,line=10,col=5::alias '/topics/land/' is an address this "
        f"site already has (topics/land/index.html) {hint}",
        f"::error file=briefs/a.md,line=11,col=5::alias '/sitemap.xml/' is a folder or file of "
        f"an address this site already has {hint}",
        f"::error file=briefs/a.md,line=12,col=5::alias '/BRIEFS/B/' is the address of "
        f"briefs/b.md {hint}",
        f"::error file=briefs/b.md,line=6,col=11::alias '/moved/' is also an alias in "
        f"briefs/a.md (/moved/) {hint}",
    ]


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("https://example.org/old/", "must be an address on this site starting with /"),
        ("briefs/old/", "must be an address on this site starting with /"),
        ("/old/?id=3", "cannot hold a query (?) or a fragment (#)"),
        ("/old/../x/", "must not contain . or .. parts"),
        ("/old report/", "contains ' '"),
        ("/report.pdf", "ends in 'report.pdf', which is not a page"),
        ("/.git/", "has a part starting with a dot"),
    ],
)
def test_an_alias_that_is_no_address_of_this_site_is_refused(
    tmp_path: Path, alias: str, message: str
) -> None:
    site = write_site(tmp_path / "s", {"a.md": brief("A", f"aliases:\n  - '{alias}'\n")})
    [problem] = github_errors(site)
    assert problem.startswith("::error file=briefs/a.md,line=7,col=5::'aliases[1]' "), problem
    assert message in problem
