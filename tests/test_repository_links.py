"""'View source' and 'Suggest a change' on each brief page: the form each kind of host uses,
valid addresses for any file name, and a warning in site.yml when the host's kind is unknown.
Real builds through the command line, real HTML parsed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import GOOD_BRIEF, parse, run_build, without_excerpts, write_site

SITE = "title: T\nbase_url: https://example.org/\n"
BRIEF = GOOD_BRIEF.replace("summary:", "slug: land-offer\nsummary:")


def repository_links(site: Path) -> tuple[str, str]:
    """The built brief page's two repository links: (view, edit)."""
    page = parse(site / "site" / "briefs" / "land-offer" / "index.html")
    links = {page.text(a): a["attrs"]["href"] for a in page.find_all("a")}  # type: ignore[index]
    return links["View source of this brief"], links["Suggest a change"]  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("settings", "view", "edit"),
    [
        ("repo_url: https://gitlab.com/team/briefs\n",
         "https://gitlab.com/team/briefs/-/blob/main/briefs/land-offer.md",
         "https://gitlab.com/team/briefs/-/edit/main/briefs/land-offer.md"),
        ("repo_url: https://git.example.org/team/briefs\nrepo_kind: gitlab\n",
         "https://git.example.org/team/briefs/-/blob/main/briefs/land-offer.md",
         "https://git.example.org/team/briefs/-/edit/main/briefs/land-offer.md"),
        ("repo_url: https://codeberg.org/team/briefs\n",
         "https://codeberg.org/team/briefs/src/branch/main/briefs/land-offer.md",
         "https://codeberg.org/team/briefs/_edit/main/briefs/land-offer.md"),
        ("repo_url: https://git.example.org/team/briefs\nrepo_kind: github\n",
         "https://git.example.org/team/briefs/blob/main/briefs/land-offer.md",
         "https://git.example.org/team/briefs/edit/main/briefs/land-offer.md"),
    ],
)  # fmt: skip
def test_each_kind_of_host_gets_its_own_link_form(
    tmp_path: Path, settings: str, view: str, edit: str
) -> None:
    site = write_site(tmp_path / "s", {"land-offer.md": BRIEF}, site_yml=SITE + settings)
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the kind is known: no warning
    assert repository_links(site) == (view, edit)


def test_a_host_of_unknown_kind_is_warned_about_in_site_yml_and_gets_no_links(
    tmp_path: Path,
) -> None:
    settings = SITE + "repo_url: https://git.example.org/team/briefs\n"
    site = write_site(tmp_path / "s", {"land-offer.md": BRIEF}, site_yml=settings)
    for command in ("build", "check"):
        result = run_build(command, "--source", site)
        assert result.returncode == 0, result.stderr
        lines = without_excerpts(result.stderr)
        assert lines[:2] == [
            "site.yml:3:11: warning: cannot tell what kind of host "
            "https://git.example.org/team/briefs is, so briefs get no 'View source' and "
            "'Suggest a change' links",
            "  hint: add one of 'repo_kind: github', 'repo_kind: gitlab', 'repo_kind: gitea' "
            "to site.yml",
        ]
    page = parse(site / "site" / "briefs" / "land-offer" / "index.html")
    assert page.find_all("p", class_="repository-links") == []
    assert run_build("check", "--strict", "--source", site).returncode == 1


def test_a_file_name_with_spaces_and_chinese_gives_valid_addresses(tmp_path: Path) -> None:
    settings = SITE + "repo_url: https://github.com/team/briefs\nrepo_folder: sites/q r\n"
    name = "土地 offer #1.md"
    site = write_site(tmp_path / "s", {name: BRIEF}, site_yml=settings)
    result = run_build("--source", site)
    assert result.returncode == 0, result.stderr
    for href, action in zip(repository_links(site), ("blob", "edit"), strict=True):
        parts = urlsplit(href)
        assert href.isascii() and " " not in href
        assert (parts.query, parts.fragment) == ("", "")  # '#' and '?' stay in the path
        assert unquote(parts.path) == f"/team/briefs/{action}/main/sites/q r/briefs/{name}"
