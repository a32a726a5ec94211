"""How numbers, units and dates are written for readers: "37.3 km²", "100 million yuan",
"7 April 2020", and their Chinese forms. One home for them, used by the templates' filters
(`render`) and by the checks that quote figures in messages (`check`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

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
