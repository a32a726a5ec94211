"""Template filters and rendering a page through a real Jinja environment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Page as Html
from conftest import published_asset, write_site
from markupsafe import Markup

from briefsite.brief import Brief
from briefsite.config import SiteConfig, load_config
from briefsite.formats import format_date, format_number, format_quantity, format_unit
from briefsite.frontmatter import load_brief
from briefsite.output import Output
from briefsite.pages import Page
from briefsite.problems import Problem, Severity
from briefsite.render import figure_html, make_environment, render_page
from briefsite.source import make_source

NBSP = "\u00a0"
# The built-in stylesheet under the name it is published under: with a hash of its content.
SITE_CSS = published_asset("site.css")


# ------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1250, "1,250"),
        (37.3, "37.3"),
        (12, "12"),
        (100_000_000, f"100{NBSP}million"),
        (100_000_000.0, f"100{NBSP}million"),
        (390_000_000_000, f"390{NBSP}billion"),
        (1_500_000, f"1.5{NBSP}million"),
        (2_000_000_000_000, f"2{NBSP}trillion"),
        (1_234_567, "1,234,567"),
        (1234.5, "1,234.5"),
        (-100_000_000, f"-100{NBSP}million"),
    ],
)
def test_format_number_in_english(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100_000_000, "1亿"),
        (390_000_000_000, "3900亿"),
        (15_000, "1.5万"),
        (37.3, "37.3"),
        (1250, "1,250"),
    ],
)
def test_format_number_in_chinese(value, expected):
    assert format_number(value, "zh") == expected


def test_format_number_treats_regional_chinese_as_chinese():
    assert format_number(100_000_000, "zh-Hans") == "1亿"


@pytest.mark.parametrize(
    ("unit", "lang", "expected"),
    [
        ("km2", "en", "km²"),
        ("km²", "en", "km²"),
        ("m2", "en", "m²"),
        ("percent", "en", "%"),
        ("per cent", "en", "%"),
        ("projects", "en", "projects"),
        (" yuan ", "en", "yuan"),
        ("km2", "zh", "平方公里"),
        ("yuan", "zh", "元"),
    ],
)
def test_format_unit(unit, lang, expected):
    assert format_unit(unit, lang) == expected


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (31.8, "%", "en", "31.8%"),
        (31.8, "percent", "en", "31.8%"),
        (37.3, "km²", "en", f"37.3{NBSP}km²"),
        (37.3, "km2", "en", f"37.3{NBSP}km²"),
        (100_000_000, "yuan", "en", f"100{NBSP}million{NBSP}yuan"),
        (12, "projects", "en", f"12{NBSP}projects"),
        (37.3, "km²", "zh", "37.3平方公里"),
        (100_000_000, "yuan", "zh", "1亿元"),
        (31.8, "%", "zh", "31.8%"),
    ],
)
def test_format_quantity(value, unit, lang, expected):
    assert format_quantity(value, unit, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "7 April 2020"), ("zh", "2020年4月7日"), ("zh-Hant", "2020年4月7日")],
)
def test_format_date(lang, expected):
    assert format_date(dt.date(2020, 4, 7), lang) == expected


def test_format_date_has_no_leading_zero():
    assert format_date(dt.date(2019, 12, 1)) == "1 December 2019"


# ------------------------------------------------------------------------------ figures


def figures_of(front: str):
    """The figures of a brief loaded through the real source and front-matter stages."""
    text = f"---\ntitle: T\ndate: 2020-04-07\nsummary: S.\nfigures:\n{front}---\nBody.\n"
    brief = load_brief(make_source("briefs/a.md", text), "en")
    assert isinstance(brief, Brief), brief
    return brief.figures


def test_figure_with_a_qualifier():
    (figure,) = figures_of(
        "  - label: award\n    value: 100000000\n    unit: yuan\n"
        "    qualifier: up to\n    source: press release\n"
    )

    html = figure_html(figure)

    assert isinstance(html, Markup)
    assert str(html) == (f'<span class="figure-qualifier">up to</span> 100{NBSP}million{NBSP}yuan')


def test_figure_without_a_qualifier_is_the_quantity():
    (figure,) = figures_of(
        "  - label: land\n    value: 37.3\n    unit: km2\n    source: press release\n"
    )

    assert str(figure_html(figure)) == f"37.3{NBSP}km²"
    assert str(figure_html(figure, "zh")) == "37.3平方公里"


def test_figure_escapes_a_hostile_qualifier():
    (figure,) = figures_of(
        "  - label: award\n    value: 5\n    unit: '<b>yuan</b>'\n"
        "    qualifier: '<script>alert(1)</script>'\n    source: press release\n"
    )

    html = str(figure_html(figure))

    page = Html(f"<p>{html}</p>")
    assert page.find_all("script") == []
    assert page.find_all("b") == []
    (qualifier,) = page.find_all("span", class_="figure-qualifier")
    assert Html.text(qualifier) == "<script>alert(1)</script>"
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;yuan&lt;/b&gt;" in html


# ---------------------------------------------------------------------------- templates


LINKS_TEMPLATE = (
    '<a href="{{ paths.stylesheet | href }}">s</a><a href="{{ paths.home | href }}">h</a>\n'
)


def page_at(path: str, template: str, title: str = "Land offer", **extra: object) -> Page:
    return Page(path=path, template=template, title=title, description="", lang="en", **extra)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A site folder with its own templates/, loaded through load_config; cwd is the site."""
    root = write_site(tmp_path / "site", {})
    templates = root / "templates"
    templates.mkdir()

    def make(templates_text: dict[str, str]) -> tuple[SiteConfig, object]:
        for name, text in templates_text.items():
            (templates / name).write_text(text, encoding="utf-8")
        config = load_config(root)
        assert isinstance(config, SiteConfig), config
        return config, make_environment(config.template_dirs)

    monkeypatch.chdir(root)
    return make


def test_render_page_returns_the_output_file_bytes(site):
    config, env = site({"plain.html": "<h1>{{ page.title }}</h1>\n<p>{{ site.title }}</p>\n"})

    result = render_page(env, config, page_at("briefs/land-offer/", "plain.html"))

    assert result == Output(
        "briefs/land-offer/index.html", b"<h1>Land offer</h1>\n<p>Test briefs</p>\n"
    )


def test_undefined_variable_is_a_problem_naming_template_and_line(site):
    config, env = site(
        {"undefined.html": "<p>ok</p>\n<p>{{ page.title }}</p>\n<p>{{ nope }}</p>\n"}
    )

    problem = render_page(env, config, page_at("", "undefined.html"))

    assert isinstance(problem, Problem)
    assert problem.severity is Severity.ERROR
    assert (problem.path, problem.line) == ("templates/undefined.html", 3)
    assert "'nope' is undefined" in problem.message


def test_undefined_attribute_is_a_problem_too(site):
    config, env = site({"attr.html": "{{ page.title }}\n{{ page.no_such_field }}\n"})

    problem = render_page(env, config, page_at("", "attr.html"))

    assert isinstance(problem, Problem)
    assert (problem.path, problem.line) == ("templates/attr.html", 2)
    assert "no_such_field" in problem.message


def test_error_in_a_base_template_names_the_base_template(site):
    config, env = site(
        {
            "layout.html": (
                "<html>\n<title>{{ missing_in_layout }}</title>\n{% block main %}{% endblock %}\n"
            ),
            "child.html": '{% extends "layout.html" %}\n{% block main %}ok{% endblock %}\n',
        }
    )

    problem = render_page(env, config, page_at("", "child.html"))

    assert isinstance(problem, Problem)
    assert (problem.path, problem.line) == ("templates/layout.html", 2)
    assert "missing_in_layout" in problem.message


def test_template_syntax_error_names_file_and_line(site):
    config, env = site({"syntax.html": "<p>ok</p>\n\n{% endfor %}\n<p>after</p>\n"})

    problem = render_page(env, config, page_at("", "syntax.html"))

    assert isinstance(problem, Problem)
    assert problem.severity is Severity.ERROR
    assert (problem.path, problem.line) == ("templates/syntax.html", 3)
    assert "endfor" in problem.message


def test_missing_template_is_a_problem(site):
    config, env = site({})

    problem = render_page(env, config, page_at("", "nowhere.html"))

    assert isinstance(problem, Problem)
    assert problem.path == "templates/nowhere.html"
    assert problem.message == "template not found"


def test_autoescape_escapes_markup_in_a_title(site):
    config, env = site({"title.html": "<h1>{{ page.title }}</h1>\n"})

    result = render_page(env, config, page_at("", "title.html", title="<script>alert(1)</script>"))

    assert isinstance(result, Output)
    html = result.data.decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = Html(html)
    assert page.find_all("script") == []
    assert Html.text(page.find_all("h1")[0]) == "<script>alert(1)</script>"


def test_href_filter_links_relative_to_the_page(site):
    config, env = site({"links.html": LINKS_TEMPLATE})

    result = render_page(env, config, page_at("briefs/land-offer/", "links.html"))

    assert isinstance(result, Output)
    hrefs = [a["attrs"]["href"] for a in Html(result.data.decode()).find_all("a")]
    assert hrefs == [f"../../assets/{SITE_CSS}", "../../"]


def test_href_filter_on_a_root_relative_page_uses_the_base_url_path(site):
    config, env = site({"links.html": LINKS_TEMPLATE})

    result = render_page(env, config, page_at("404.html", "links.html", root_relative=True))

    assert isinstance(result, Output)
    assert result.path == "404.html"
    hrefs = [a["attrs"]["href"] for a in Html(result.data.decode()).find_all("a")]
    assert hrefs == [f"/briefs-site/assets/{SITE_CSS}", "/briefs-site/"]


def test_absolute_filter_gives_the_public_address(site):
    config, env = site(
        {"canonical.html": '<link rel="canonical" href="{{ page.path | absolute }}">\n'}
    )

    result = render_page(env, config, page_at("briefs/land-offer/", "canonical.html"))

    assert isinstance(result, Output)
    (link,) = Html(result.data.decode()).find_all("link")
    assert link["attrs"]["href"] == "https://example.org/briefs-site/briefs/land-offer/"


def test_site_templates_override_the_built_in_ones(site):
    config, env = site({"404.html": "<p>Our own 404 for {{ site.title }}</p>\n"})

    result = render_page(env, config, page_at("404.html", "404.html", root_relative=True))

    assert result == Output("404.html", b"<p>Our own 404 for Test briefs</p>\n")


def test_an_edited_template_is_used_even_when_its_time_did_not_change(tmp_path):
    # Builds in one process (a preview) share the compiled templates; which ones is decided
    # by the files' contents, since a file system may give two quick saves one time.
    import os
    import shutil

    from briefsite.config import BUILTIN_TEMPLATES
    from briefsite.pipeline import BuildOptions, build

    site = write_site(
        tmp_path / "s", {"a.md": "---\ntitle: A\ndate: 2020-01-01\nsummary: S.\n---\nB.\n"}
    )
    shutil.copytree(BUILTIN_TEMPLATES, site / "templates")
    config = load_config(site, site / "site")
    assert isinstance(config, SiteConfig)
    home = site / "templates" / "home.html"
    stamp = home.stat().st_mtime_ns
    first = {o.path: o.data for o in build(config, BuildOptions(jobs=1)).outputs}

    home.write_text(home.read_text().replace("Latest briefs", "Newest briefs"))
    os.utime(home, ns=(stamp, stamp))
    second = {o.path: o.data for o in build(config, BuildOptions(jobs=1)).outputs}

    assert b"Latest briefs" in (first["index.html"] or b"")
    assert b"Newest briefs" in (second["index.html"] or b"")
