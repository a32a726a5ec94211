"""Addresses: relative links between pages, root-relative links, public addresses, file names."""

from __future__ import annotations

import posixpath
from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefsite import urls

BASE = "https://example.org/briefs-site/"
HOME = urls.HOME
ARCHIVE = urls.ARCHIVE
BRIEF = urls.brief_path("land-offer")
OTHER_BRIEF = urls.brief_path("haier")
TOPIC = urls.topic_path("land")
STYLESHEET = urls.asset_path("site.css")


def test_site_paths_are_folders_or_files():
    assert (HOME, ARCHIVE, urls.TOPICS) == ("", "briefs/", "topics/")
    assert BRIEF == "briefs/land-offer/"
    assert TOPIC == "topics/land/"
    assert STYLESHEET == "assets/site.css"
    assert urls.NOT_FOUND == "404.html"


@pytest.mark.parametrize(
    ("target", "pretty", "files"),
    [
        (HOME, "./", "index.html"),
        (ARCHIVE, "briefs/", "briefs/index.html"),
        (BRIEF, "briefs/land-offer/", "briefs/land-offer/index.html"),
        (TOPIC, "topics/land/", "topics/land/index.html"),
        (STYLESHEET, "assets/site.css", "assets/site.css"),
        (BRIEF + "#terms", "briefs/land-offer/#terms", "briefs/land-offer/index.html#terms"),
    ],
)
def test_relative_from_home(target, pretty, files):
    assert urls.relative(target, HOME) == pretty
    assert urls.relative(target, HOME, directory_urls=False) == files


@pytest.mark.parametrize(
    ("target", "pretty", "files"),
    [
        (HOME, "../../", "../../index.html"),
        (ARCHIVE, "../", "../index.html"),
        (OTHER_BRIEF, "../haier/", "../haier/index.html"),
        (TOPIC, "../../topics/land/", "../../topics/land/index.html"),
        (STYLESHEET, "../../assets/site.css", "../../assets/site.css"),
        (OTHER_BRIEF + "#terms", "../haier/#terms", "../haier/index.html#terms"),
        (BRIEF, "./", "index.html"),
    ],
)
def test_relative_from_a_brief(target, pretty, files):
    assert urls.relative(target, BRIEF) == pretty
    assert urls.relative(target, BRIEF, directory_urls=False) == files


@pytest.mark.parametrize(
    ("target", "pretty", "files"),
    [
        (HOME, "../../", "../../index.html"),
        (urls.TOPICS, "../", "../index.html"),
        (BRIEF, "../../briefs/land-offer/", "../../briefs/land-offer/index.html"),
        (STYLESHEET, "../../assets/site.css", "../../assets/site.css"),
        (
            BRIEF + "#key-figures",
            "../../briefs/land-offer/#key-figures",
            "../../briefs/land-offer/index.html#key-figures",
        ),
    ],
)
def test_relative_from_a_topic(target, pretty, files):
    assert urls.relative(target, TOPIC) == pretty
    assert urls.relative(target, TOPIC, directory_urls=False) == files


@pytest.mark.parametrize("directory_urls", [True, False])
def test_fragment_on_the_same_page_is_only_the_fragment(directory_urls):
    assert urls.relative(BRIEF + "#terms", BRIEF, directory_urls) == "#terms"
    assert urls.relative(HOME + "#latest", HOME, directory_urls) == "#latest"


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize("current", [HOME, ARCHIVE, BRIEF, TOPIC, urls.NOT_FOUND])
@pytest.mark.parametrize("target", [HOME, ARCHIVE, BRIEF, OTHER_BRIEF, TOPIC, STYLESHEET])
def test_relative_links_resolve_to_the_target_from_the_current_page(
    target, current, directory_urls
):
    page_address = urljoin(BASE, urls.output_file(current) if not directory_urls else current)
    href = urls.relative(target, current, directory_urls)
    expected = target if directory_urls else urls.output_file(target)
    assert urljoin(page_address, href) == BASE + expected


def test_links_without_directory_urls_always_name_a_file():
    for current in (HOME, BRIEF, TOPIC):
        for target in (HOME, ARCHIVE, BRIEF, TOPIC):
            assert urls.relative(target, current, directory_urls=False).endswith("index.html")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (HOME, "/briefs-site/"),
        (STYLESHEET, "/briefs-site/assets/site.css"),
        (BRIEF, "/briefs-site/briefs/land-offer/"),
        (ARCHIVE, "/briefs-site/briefs/"),
    ],
)
def test_root_relative_starts_at_the_base_url_path(target, expected):
    assert urls.root_relative(target, BASE) == expected


def test_root_relative_adds_the_missing_slash_of_a_sub_path():
    assert urls.root_relative(STYLESHEET, "https://example.org/briefs-site") == (
        "/briefs-site/assets/site.css"
    )


def test_root_relative_at_a_domain_root():
    assert urls.root_relative(ARCHIVE, "https://example.org/") == "/briefs/"
    assert urls.root_relative(ARCHIVE, "https://example.org") == "/briefs/"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (HOME, "https://example.org/briefs-site/"),
        (BRIEF, "https://example.org/briefs-site/briefs/land-offer/"),
        (STYLESHEET, "https://example.org/briefs-site/assets/site.css"),
    ],
)
def test_absolute_is_the_public_address(target, expected):
    assert urls.absolute(target, BASE) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (HOME, "index.html"),
        (ARCHIVE, "briefs/index.html"),
        (BRIEF, "briefs/land-offer/index.html"),
        (TOPIC, "topics/land/index.html"),
        (urls.NOT_FOUND, "404.html"),
        (STYLESHEET, "assets/site.css"),
    ],
)
def test_output_file_gives_folders_their_index(path, expected):
    assert urls.output_file(path) == expected


SEGMENT = st.sampled_from(["a", "b", "briefs", "x.html", "index.html", "topics", "", "."])


@given(st.lists(SEGMENT, max_size=5), st.lists(SEGMENT, max_size=5))
def test_relative_path_agrees_with_posixpath_relpath(to, start):
    # Site paths are relative: never "/a" (what a first empty segment would make).
    path, base = "/".join(to).lstrip("/") or ".", "/".join(start).lstrip("/") or "."

    assert urls.relative_path(path, base) == posixpath.relpath(path, base)


@pytest.mark.parametrize(
    ("kind", "view", "edit"),
    [
        ("github", "https://h.org/t/b/blob/main/briefs/a.md",
         "https://h.org/t/b/edit/main/briefs/a.md"),
        ("gitlab", "https://h.org/t/b/-/blob/main/briefs/a.md",
         "https://h.org/t/b/-/edit/main/briefs/a.md"),
        ("gitea", "https://h.org/t/b/src/branch/main/briefs/a.md",
         "https://h.org/t/b/_edit/main/briefs/a.md"),
    ],
)  # fmt: skip
def test_repository_file_in_each_kind_of_host(kind: str, view: str, edit: str) -> None:
    parts = ("https://h.org/t/b/", "main", "", "briefs/a.md")
    assert urls.repository_file(*parts, edit=False, kind=kind) == view
    assert urls.repository_file(*parts, edit=True, kind=kind) == edit


def test_repository_file_is_percent_encoded() -> None:
    href = urls.repository_file(
        "https://gitlab.com/t/b", "release/2024", "sites/q r", "briefs/土地 offer#1?.md", True,
        kind="gitlab",
    )  # fmt: skip
    assert href == (
        "https://gitlab.com/t/b/-/edit/release/2024/sites/q%20r/briefs/"
        "%E5%9C%9F%E5%9C%B0%20offer%231%3F.md"
    )


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/t/b", "github"),
        ("https://www.github.com/t/b", "github"),
        ("https://gitlab.com/group/sub/b", "gitlab"),
        ("https://codeberg.org/t/b", "gitea"),
        ("https://git.example.org/t/b", None),
        ("https://github.com.example.org/t/b", None),
    ],
)
def test_repository_kind_is_known_only_for_known_hosts(url: str, kind: str | None) -> None:
    assert urls.repository_kind(url) == kind
