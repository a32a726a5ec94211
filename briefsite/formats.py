"""How numbers, units and dates are written for readers: "37.3 km²", "100 million yuan",
"7 April 2020", and their Chinese forms. One home for them, used by the templates' filters
(`render`) and by the checks that quote figures in messages (`check`).

Dates, digits and the names of units CLDR knows come from Babel, for the page's language:
'7 April 2020' and '2020年4月7日', '1,250', '平方公里'. What Babel does not give as the site
writes it stays here: GOV.UK's scale words ("100 million", where CLDR's compact forms round)
and Chinese 万 and 亿 with at most three decimals, "yuan" as 元, and English unit symbols
(CLDR's English short name of m² is "meters²"). Every language but Chinese is written the
English way, as before Babel.

Babel costs tens of microseconds a call and a site formats a date many times over (each list
it is in), so each result is kept per (value, language) for the process (`lru_cache`). Babel
is imported by the first call, never by importing this module: a build with nothing to do
formats nothing and so loads none of it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal

from .i18n import N_, is_english, tr

NBSP = "\u00a0"
# The citations' month names (`citation`: Chicago's dates), which stay English in every language.
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
# Units CLDR names (Babel's `get_unit_name`), for languages whose names differ from ours.
CLDR_UNITS = {
    "km²": "area-square-kilometer",
    "m²": "area-square-meter",
    "ha": "area-hectare",
    "hectares": "area-hectare",
    "km": "length-kilometer",
}
ZH_UNITS = {"yuan": "元", "%": "%"}  # what CLDR has no unit for
TIGHT_UNITS = frozenset({"%"})  # written against the number: 31.8%
# Qualifiers an editor may write in English in any brief ("up to"): a Chinese page shows them
# in Chinese (`qualifier_text`), from the interface catalogue. Anything else is shown as
# written, so a Chinese brief writes its own ("最高").
QUALIFIERS = {
    text: text
    for text in (
        N_("up to"),
        N_("over"),
        N_("more than"),
        N_("under"),
        N_("less than"),
        N_("about"),
        N_("around"),
        N_("approximately"),
        N_("at least"),
        N_("nearly"),
        N_("almost"),
    )
}


def is_zh(lang: str) -> bool:
    """Chinese in any script or region."""
    return lang == "zh" or lang.startswith("zh-")


def _locale(lang: str) -> str:
    """The Babel locale a language's numbers and dates are written in: Chinese or English
    (every other language, as the site wrote them before Babel)."""
    return "zh" if is_zh(lang) else "en"


@functools.lru_cache(maxsize=16384)
def format_date(value: dt.date, lang: str = "en") -> str:
    """'7 April 2020' (GOV.UK's order in every English), or '2020年4月7日' in Chinese."""
    from babel.dates import format_date as babel_date

    if is_zh(lang):
        return babel_date(value, "long", locale="zh")
    return babel_date(value, "d MMMM y", locale="en")


def _exact(value: float | Decimal) -> Decimal:
    """A number as a Decimal with exactly the digits it was written with.

    A float's `repr` is its shortest round-tripping form, which for the numbers figures accept
    (at most 15 significant digits, see `schema.Number`) is exactly what the editor typed:
    37.3 stays 37.3, never 37.299999999999997.
    """
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _plain_number(value: Decimal, lang: str = "en", grouped: bool = True) -> str:
    """A number with the language's separators (thousands grouped unless `grouped` is off),
    no trailing zeros and never an exponent: 0.0000001 is '0.0000001', not '1e-07'."""
    if value.is_zero():
        return "0"  # never "-0" or "0.0"
    from babel.numbers import format_decimal

    return format_decimal(
        value.normalize(), locale=_locale(lang), decimal_quantization=False, group_separator=grouped
    )


def _scaled(
    value: Decimal, scales: Sequence[tuple[int, str]], lang: str, grouped: bool
) -> tuple[str, str] | None:
    """(number, scale word) when the value is a round amount of a scale: 390 and 'billion'."""
    for size, word in scales:
        if abs(value) >= size:
            amount = value / size  # exact: a power of ten only moves the decimal point
            exponent = amount.normalize().as_tuple().exponent
            if isinstance(exponent, int) and exponent >= -3:  # at most three decimals
                return _plain_number(amount, lang, grouped), word
            return None
    return None


@functools.lru_cache(maxsize=16384)
def format_number(value: float | Decimal, lang: str = "en") -> str:
    """Numbers as readers read them: '1,250', '37.3', '100 million'; '1亿', '3900亿' in Chinese."""
    exact = _exact(value)
    if is_zh(lang):
        scaled = _scaled(exact, ZH_SCALES, lang, grouped=False)
        return "".join(scaled) if scaled else _plain_number(exact, lang)
    scaled = _scaled(exact, EN_SCALES, lang, grouped=True)
    return NBSP.join(scaled) if scaled else _plain_number(exact, lang)


@functools.lru_cache(maxsize=1024)
def format_unit(unit: str, lang: str = "en") -> str:
    """The unit as typeset: 'km2' becomes 'km²'; Chinese gets its own unit names (CLDR's
    where it has one: 平方公里)."""
    spelled = UNIT_SPELLING.get(unit.strip(), unit.strip())
    if not is_zh(lang):
        return spelled
    if spelled in CLDR_UNITS:
        from babel.units import get_unit_name

        return get_unit_name(CLDR_UNITS[spelled], length="short", locale="zh") or spelled
    return ZH_UNITS.get(spelled, spelled)


def format_quantity(value: float, unit: str, lang: str = "en") -> str:
    """Number and unit joined as the style guides ask: '37.3 km²' with a no-break space."""
    number = format_number(value, lang)
    shown = format_unit(unit, lang)
    if not shown:
        return number
    if is_zh(lang) or shown in TIGHT_UNITS:
        return number + shown
    return number + NBSP + shown


def qualifier_text(qualifier: str | None, lang: str = "en") -> str:
    """A figure's qualifier as the page shows it: as written, except that an English one
    `QUALIFIERS` knows ("up to", "Over") is given in the page's language where its catalogue
    has it ("最高"). '' for none. Chinese writes it against the number (`render.figure_html`)."""
    if not qualifier:
        return ""
    known = QUALIFIERS.get(qualifier.strip().lower())
    if known is None or is_english(lang):
        return qualifier
    translated = tr(lang, known)
    return qualifier if translated == known else translated
