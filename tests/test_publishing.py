"""What gets published when: drafts, briefs scheduled for a later date, and expired policies.

"Today" is fixed with SOURCE_DATE_EPOCH in the build process's environment, so every date
below is exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Page, parse, position, run_build, write_site

EPOCH = {"2024-05-01": "1714564800", "2024-06-01": "1717243200"}  # noon UTC


def brief(title: str, date: str, extra: str = "", topics: str = "[Land]") -> str:
    return (
        f"---\ntitle: {title}\ndate: {date}\nsummary: About {title.lower()}.\n"
        f"topics: {topics}\n{extra}---\n## Terms\n\nText.\n"
    )


BRIEFS = {
    "published.md": brief("Published brief", "2024-04-01"),
    "today.md": brief("Dated today brief", "2024-05-01"),
    "future.md": brief("Scheduled brief", "2024-06-01", topics="[Land, Later]"),
    "draft.md": brief("Draft brief", "2024-04-02", "draft: true\n", topics="[Land, Hidden]"),
    "expired.md": brief("Lapsed brief", "2023-01-01", "status: in-force\nexpires: 2024-04-30\n"),
    "ends-today.md": brief(
        "Ends today brief", "2023-01-02", "status: in-force\nexpires: 2024-05-01\n"
    ),
    "ends-later.md": brief(
        "Ends tomorrow brief", "2023-01-03", "status: in-force\nexpires: 2024-05-02\n"
    ),
    "withdrawn.md": brief("Withdrawn brief", "2023-01-04", "status: expired\n"),
}
LISTINGS = ("index.html", "briefs/index.html", "topics/land/index.html")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "s", BRIEFS)


def build(
    site: Path, monkeypatch: pytest.MonkeyPatch, *args: str, today: str = "2024-05-01"
) -> Path:
    """Build with a fixed today; the output folder."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH[today])
    out = site / f"out-{today}-{'-'.join(a.strip('-') for a in args) or 'plain'}"
    result = run_build("--source", site, "--output", out, *args)
    assert result.returncode == 0, result.stderr
    return out


def where_listed(out: Path, slug: str, title: str) -> set[str]:
    """Every place of the built site that shows or lists the brief."""
    places = set()
    if (out / "briefs" / slug / "index.html").exists():
        places.add("page")
    for listing in LISTINGS:
        if title in (out / listing).read_text(encoding="utf-8"):
            places.add(listing)
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    if f"<title>{title}</title>" in feed:
        places.add("feed.xml")
    if f"/briefs/{slug}/</loc>" in (out / "sitemap.xml").read_text(encoding="utf-8"):
        places.add("sitemap.xml")
    return places


EVERYWHERE = {"page", *LISTINGS, "feed.xml", "sitemap.xml"}


def test_drafts_and_future_briefs_stay_out_of_the_published_site(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = build(site, monkeypatch)
    assert where_listed(out, "published", "Published brief") == EVERYWHERE
    assert where_listed(out, "today", "Dated today brief") == EVERYWHERE
    assert where_listed(out, "future", "Scheduled brief") == set()
    assert where_listed(out, "draft", "Draft brief") == set()
    # Their own topics do not exist yet either.
    for topic in ("later", "hidden"):
        assert not (out / "topics" / topic).exists()
        assert f"topics/{topic}/" not in (out / "topics" / "index.html").read_text()
        assert f"/topics/{topic}/" not in (out / "sitemap.xml").read_text()
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "2024-06-01" not in feed  # not even as the feed's newest date
    assert "<updated>2024-05-01T00:00:00Z</updated>" in feed.split("<entry>")[0]


def test_future_briefs_are_published_with_future_or_when_their_day_comes(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = build(site, monkeypatch, "--future")
    assert where_listed(out, "future", "Scheduled brief") == EVERYWHERE
    assert (out / "topics" / "later" / "index.html").is_file()
    assert where_listed(out, "draft", "Draft brief") == set()

    on_the_day = build(site, monkeypatch, today="2024-06-01")
    assert where_listed(on_the_day, "future", "Scheduled brief") == EVERYWHERE
    assert where_listed(on_the_day, "draft", "Draft brief") == set()


def test_drafts_are_published_with_drafts_and_carry_a_banner(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = build(site, monkeypatch, "--drafts")
    assert where_listed(out, "draft", "Draft brief") == EVERYWHERE
    assert (out / "topics" / "hidden" / "index.html").is_file()
    assert where_listed(out, "future", "Scheduled brief") == set()
    page = parse(out / "briefs" / "draft" / "index.html")
    [banner] = page.find_all("div", class_="notice--draft")
    assert "This brief is a draft" in Page.text(banner)
    published = parse(out / "briefs" / "published" / "index.html")
    assert published.find_all("div", class_="notice--draft") == []

    both = build(site, monkeypatch, "--drafts", "--future")
    for slug, title in (("draft", "Draft brief"), ("future", "Scheduled brief")):
        assert where_listed(both, slug, title) == EVERYWHERE


def test_check_counts_every_brief_it_checks(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Eight files, eight briefs checked: the draft and the scheduled one are checked too.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["2024-05-01"])
    for options in ((), ("--drafts", "--future")):
        result = run_build("check", "--source", site, *options)
        assert result.stdout == "Checked 8 briefs (1 draft, 1 scheduled): no problems.\n"
        assert result.stderr == ""


def test_build_says_which_briefs_it_held_back_and_why(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["2024-05-01"])
    result = run_build("--source", site)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "Held back briefs/draft.md: a draft (--drafts to include it).",
        "Held back briefs/future.md: scheduled for 2024-06-01 (--future to include it).",
    ]
    assert result.stdout.startswith("Built 6 briefs, ")
    # Again with nothing changed (the build is answered from its record): the same lines.
    again = run_build("--source", site)
    assert again.stderr == result.stderr
    assert "0 written" in again.stdout
    # Included, they are not mentioned; --quiet prints no such lines.
    assert "Held back" not in run_build("--source", site, "--drafts", "--future").stderr
    assert run_build("--source", site, "--quiet").stderr == ""


def test_many_held_back_briefs_are_summed_up_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["2024-05-01"])
    briefs = {"published.md": brief("Published brief", "2024-04-01")}
    briefs |= {f"d{i}.md": brief(f"Draft {i}", "2024-04-02", "draft: true\n") for i in range(4)}
    briefs |= {f"f{i}.md": brief(f"Future {i}", f"2024-0{9 - i}-01") for i in range(3)}
    result = run_build("--source", write_site(tmp_path / "s", briefs))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Held back 7 briefs: 4 drafts (--drafts to include) and 3 scheduled for later, the first "
        "for 2024-07-01 (--future to include)."
    ]


def test_check_checks_drafts_and_scheduled_briefs_as_their_day_will(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each link is checked as the build that first publishes its brief will check it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["2024-05-01"])
    link = "---\n## Terms\n\nText.\n"
    briefs = {
        "published.md": brief("Published brief", "2024-04-01"),
        # A draft's own mistake: a link to no brief (to a scheduled brief is fine: a draft's
        # day is unknown).
        "draft.md": brief("Draft brief", "2024-04-02", "draft: true\n").replace(
            link, "---\n## Terms\n\nSee [x](nowhere.md) and [y](later.md).\n"
        ),
        # Scheduled for 1 June, linking to a brief scheduled for 1 July: the build of 1 June
        # would fail. To one of 1 June or earlier, or published: fine.
        "june.md": brief("June brief", "2024-06-01").replace(
            link,
            "---\n## Terms\n\n[a](july.md) [b](june-too.md) [c](published.md#terms)\n",
        ),
        "june-too.md": brief("Also June", "2024-06-01"),
        "july.md": brief("July brief", "2024-07-01"),
        "later.md": brief("Later brief", "2024-08-01"),
    }
    site = write_site(tmp_path / "s", briefs)
    draft_text = (site / "briefs" / "draft.md").read_text()
    june_text = (site / "briefs" / "june.md").read_text()

    checked = run_build("check", "--source", site)
    assert checked.returncode == 1
    errors = [line for line in checked.stderr.splitlines() if ": error: " in line]
    nowhere = ":".join(map(str, position(draft_text, "nowhere.md")))
    july = ":".join(map(str, position(june_text, "july.md")))
    assert errors == [
        f"briefs/draft.md:{nowhere}: error: link 'nowhere.md' leads to no brief",
        f"briefs/june.md:{july}: error: link 'july.md' leads to a brief that will not be "
        "published on 2024-06-01, when this brief is: it is scheduled for 2024-07-01",
    ]
    assert "  hint: publish that brief on the same day or earlier, or link to it later" in (
        checked.stderr.splitlines()
    )
    # The build publishes none of them, so none of their problems stop it.
    built = run_build("--source", site)
    assert built.returncode == 0, built.stderr


def test_a_published_brief_may_not_link_to_a_draft_in_check_or_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["2024-05-01"])
    briefs = {
        "published.md": brief("Published brief", "2024-04-01").replace(
            "Text.", "See [the draft](draft.md)."
        ),
        "draft.md": brief("Draft brief", "2024-04-02", "draft: true\n"),
    }
    site = write_site(tmp_path / "s", briefs)
    line, col = position((site / "briefs" / "published.md").read_text(), "draft.md")
    message = (
        f"briefs/published.md:{line}:{col}: error: link 'draft.md' leads to a brief that is "
        "not published: it is a draft"
    )
    for command in ("check", "build"):
        result = run_build(command, "--source", site)
        assert result.returncode == 1
        assert result.stderr.splitlines()[0] == message
    # Published together (build --drafts, or check as it would check that build), it is fine.
    assert run_build("check", "--drafts", "--source", site).returncode == 0
    assert run_build("--drafts", "--source", site).returncode == 0


def _expired_notice(out: Path, slug: str) -> list[str]:
    page = parse(out / "briefs" / slug / "index.html")
    return [Page.text(n) for n in page.find_all("div", class_="notice--expired")]


def _status(out: Path, slug: str) -> str | None:
    """The 'Status' entry of a brief page's metadata."""
    page = parse(out / "briefs" / slug / "index.html")
    terms = [Page.text(e) for e in page.find_all("dt")]
    values = [Page.text(e) for e in page.find_all("dd")]
    return dict(zip(terms, values, strict=True)).get("Status")


def _tagged_in(out: Path, listing: str) -> set[str]:
    """Titles a list page marks 'No longer in force'."""
    page = parse(out / listing)
    return {
        Page.text(item).split(" About ")[0]  # the title, before the summary
        for item in page.find_all("li", class_="brief-list__item")
        if "No longer in force" in Page.text(item)
    }


def test_a_brief_past_its_expiry_date_says_it_is_no_longer_in_force(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = build(site, monkeypatch)
    [notice] = _expired_notice(out, "expired")
    assert notice.startswith("No longer in force")
    assert "it expired on 30 April 2024" in notice
    assert _status(out, "expired") == "No longer in force"  # although status says in-force

    [notice] = _expired_notice(out, "withdrawn")
    assert notice.startswith("No longer in force")
    assert _status(out, "withdrawn") == "No longer in force"

    for slug in ("ends-today", "ends-later", "published"):
        assert _expired_notice(out, slug) == [], slug
    assert _status(out, "ends-today") == "In force"
    assert _status(out, "ends-later") == "In force"

    for listing in LISTINGS:
        assert _tagged_in(out, listing) == {"Lapsed brief", "Withdrawn brief"}, listing


def test_expiry_follows_the_build_date(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = build(site, monkeypatch, today="2024-06-01")
    for slug in ("expired", "ends-today", "ends-later", "withdrawn"):
        assert _expired_notice(out, slug), slug
    assert _expired_notice(out, "published") == []
    assert _tagged_in(out, "briefs/index.html") == {
        "Lapsed brief",
        "Ends today brief",
        "Ends tomorrow brief",
        "Withdrawn brief",
    }
