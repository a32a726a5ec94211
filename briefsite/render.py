"""The Jinja environment, the filters templates format with, and `Page` to bytes.

Autoescaping is on for every template and undefined names are errors (StrictUndefined), so a
typo in a template fails the build with the template's file and line instead of printing
nothing. Numbers, units and dates are formatted only here, by filters, so every page writes
"37.3 km²" and "7 April 2020" the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import traceback
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import jinja2
from markupsafe import Markup, escape

from . import pageids, urls
from .config import SiteConfig
from .output import Output
from .pages import Page
from .problems import Problem, error
from .schema import Figure

NBSP = "\u00a0"
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
# Scale words for large amounts, as GOV.UK's style guide writes them ("390 billion yuan").
EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))
# Chinese counts large amounts in 亿 (10^8) and 万 (10^4): 1亿元, 3900亿元.
ZH_SCALES = ((10**8, "亿"), (10**4, "万"))
# How units are written; keys are what editors type. Chinese units follow without a space.
UNIT_SPELLING = {"km2": "km²", "m2": "m²", "percent": "%", "per cent": "%"}
ZH_UNITS = {"km²": "平方公里", "yuan": "元", "%": "%"}
TIGHT_UNITS = frozenset({"%"})  # written against the number: 31.8%


def is_zh(lang: str) -> bool:
    """Chinese in any script or region."""
    return lang == "zh" or lang.startswith("zh-")


def format_date(value: dt.date, lang: str = "en") -> str:
    """'7 April 2020', or '2020年4月7日' in Chinese."""
    if is_zh(lang):
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _exact(value: float | Decimal) -> Decimal:
    """A number as a Decimal with exactly the digits it was written with.

    A float's `repr` is its shortest round-tripping form, which for the numbers figures accept
    (at most 15 significant digits, see `schema.Number`) is exactly what the editor typed:
    37.3 stays 37.3, never 37.299999999999997.
    """
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _plain_number(value: Decimal) -> str:
    """A number with thousands separators, no trailing zeros and never an exponent:
    0.0000001 is '0.0000001', not '1e-07'."""
    if value.is_zero():
        return "0"  # never "-0" or "0.0"
    return f"{value.normalize():,f}"


def _scaled(value: Decimal, scales: Sequence[tuple[int, str]]) -> tuple[str, str] | None:
    """(number, scale word) when the value is a round amount of a scale: 390 and 'billion'."""
    for size, word in scales:
        if abs(value) >= size:
            amount = value / size  # exact: a power of ten only moves the decimal point
            exponent = amount.normalize().as_tuple().exponent
            if isinstance(exponent, int) and exponent >= -3:  # at most three decimals
                return _plain_number(amount), word
            return None
    return None


def format_number(value: float | Decimal, lang: str = "en") -> str:
    """Numbers as readers read them: '1,250', '37.3', '100 million'; '1亿', '3900亿' in Chinese."""
    exact = _exact(value)
    if is_zh(lang):
        scaled = _scaled(exact, ZH_SCALES)
        return "".join(scaled).replace(",", "") if scaled else _plain_number(exact)
    scaled = _scaled(exact, EN_SCALES)
    return NBSP.join(scaled) if scaled else _plain_number(exact)


def format_unit(unit: str, lang: str = "en") -> str:
    """The unit as typeset: 'km2' becomes 'km²'; Chinese gets its own unit names."""
    spelled = UNIT_SPELLING.get(unit.strip(), unit.strip())
    return ZH_UNITS.get(spelled, spelled) if is_zh(lang) else spelled


def format_quantity(value: float, unit: str, lang: str = "en") -> str:
    """Number and unit joined as the style guides ask: '37.3 km²' with a no-break space."""
    number = format_number(value, lang)
    shown = format_unit(unit, lang)
    if not shown:
        return number
    if is_zh(lang) or shown in TIGHT_UNITS:
        return number + shown
    return number + NBSP + shown


def figure_html(figure: Figure, lang: str = "en") -> Markup:
    """A key figure's value: the qualifier in small type, then the quantity."""
    quantity = escape(format_quantity(figure.value, figure.unit, lang))
    if not figure.qualifier:
        return Markup(quantity)
    return Markup('<span class="figure-qualifier">{}</span> {}').format(figure.qualifier, quantity)


@jinja2.pass_context
def _href(context: jinja2.runtime.Context, target: str) -> str:
    """A link from the page being rendered to a site path."""
    page: Page = context["page"]
    site: SiteConfig = context["site"]
    if page.root_relative:
        return urls.root_relative(target, site.base_url)
    return urls.relative(target, page.path, site.directory_urls)


@jinja2.pass_context
def _absolute(context: jinja2.runtime.Context, target: str) -> str:
    """The public address of a site path (canonical links)."""
    return urls.absolute(target, context["site"].base_url)


def make_environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """The one Jinja environment: the site's templates first, then the built-in ones."""
    return _environment(tuple(template_dirs))


@functools.lru_cache(maxsize=2)
def environment_for(template_dirs: tuple[Path, ...], digest: bytes) -> jinja2.Environment:
    """The environment for templates whose files have this digest, made once per process.

    A preview builds on every save: compiling the templates again each time cost a third of a
    second. Keyed by the digest of the template files' contents, never by their times (which
    a file system may keep to a few milliseconds), so an edited template gets a new one.
    """
    return _environment(template_dirs)


def _environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    """A new environment."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["paths"] = SimpleNamespace(
        home=urls.HOME,
        archive=urls.ARCHIVE,
        topics=urls.TOPICS,
        stylesheet=urls.asset_path("site.css"),
        pygments=urls.asset_path("pygments.css"),
        feed=urls.FEED,
    )
    env.filters.update(
        href=_href,
        absolute=_absolute,
        date_text=format_date,
        number=format_number,
        unit=format_unit,
        quantity=format_quantity,
        figure=figure_html,
    )
    return env


def render_page(
    env: jinja2.Environment, site: SiteConfig, page: Page, today: dt.date | None = None
) -> Output | Problem:
    """Render one page to the bytes of its file, or a Problem naming the template line.

    `today` is the build's date (see `pipeline.today_for_build`): templates compare expiry
    dates with it, never with the clock.
    """
    try:
        template = env.get_template(page.template)
        html = template.render(
            site=site,
            page=page,
            today=today or dt.date.today(),
            ids=pageids.IDS,  # the ids of a page's own sections, declared there (read now)
            **page.context,
        )
    except jinja2.TemplateSyntaxError as exc:
        return error(
            _template_name(exc.filename, exc.name, site.root),
            exc.lineno or 0,
            1,
            f"template error: {exc.message}",
        )
    except jinja2.TemplateNotFound as exc:
        return error(
            f"templates/{exc.name}",
            0,
            0,
            "template not found",
            "the template folder is missing a file the site needs",
        )
    except jinja2.TemplateError as exc:
        path, line = _template_position(exc, env, site.root)
        # No page name in the message: one template bug on every page is reported once.
        return error(path, line, 1 if line else 0, f"template error: {exc.message or exc}")
    return Output(urls.output_file(page.path), html.encode("utf-8"))


def _template_position(exc: BaseException, env: jinja2.Environment, root: Path) -> tuple[str, int]:
    """The innermost template file and line in a runtime error's traceback."""
    dirs = _search_dirs(env)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = frame.filename or ""
        if any(filename.startswith(d) for d in dirs):
            return _template_name(filename, None, root), frame.lineno or 0
    return "templates", 0


def _search_dirs(env: jinja2.Environment) -> list[str]:
    """The template folders, as strings, for matching traceback file names."""
    loader = env.loader
    return list(getattr(loader, "searchpath", [])) if loader else []


def _template_name(filename: str | None, name: str | None, root: Path) -> str:
    """A template's path as problems name files: relative to the site folder when inside it
    (like briefs), else in full (the built-in templates of another checkout)."""
    if filename:
        path = Path(filename).resolve()
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
    return f"templates/{name}" if name else "templates"
