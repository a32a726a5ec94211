"""Addresses that last: theme files under names that carry a hash of their content (with
`_headers` marking them immutable) and the icon inside the site's folder; old addresses of
briefs (`aliases`) redirected by pages and by `_redirects`. Real builds in temporary folders."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import GOOD_BRIEF, REPO, parse, run_build, write_site

from briefsite.assets import IMMUTABLE, fingerprinted

SUB_PATH_SITE = "title: T\nbase_url: https://example.org/briefs-site/\n"
HASHED = re.compile(r"assets/[\w-]+\.[0-9a-f]{10}\.\w+")


def build_site(site: Path, out: Path, *args: str) -> Path:
    result = run_build("--source", site, "--output", out, "--quiet", *args)
    assert result.returncode == 0, result.stderr
    return out


def asset_links(page: Path) -> list[str]:
    """Every stylesheet and icon a page links."""
    return [
        link["attrs"]["href"]  # type: ignore[index]
        for link in parse(page).find_all("link")
        if link["attrs"].get("rel") in ("stylesheet", "icon")  # type: ignore[union-attr]
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
        "assets/site.#.css",
    ]
    for name in ("site.css", "favicon.svg"):
        data = (REPO / "templates" / "assets" / name).read_bytes()
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
