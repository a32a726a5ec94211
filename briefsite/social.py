"""What a page says about itself to search engines and to sites a link is shared on.

Meta descriptions and Open Graph descriptions are cut near 160 characters, which is about what
search results and link previews show: cut by us at a word, rather than by them in the middle
of one. Open Graph names a page's language as `language_TERRITORY`, not as a language tag.
Pure functions of text, with no imports of ours, so templates (through `render`'s filters) and
tests share them.
"""

from __future__ import annotations

import re
import unicodedata

DESCRIPTION_LIMIT = 160  # characters, the ellipsis included
ELLIPSIS = "\u2026"

# Where a line may break in running text: spaces, but none of the no-break ones (U+00A0, the
# figure space U+2007, the narrow no-break space U+202F), which typesetting puts between a
# number and its unit ("37.3 km²") precisely so that nothing splits them.
_BREAKABLE = frozenset("\t\n\v\f\r \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009"
                       "\u200a\u2028\u2029\u205f\u3000")  # fmt: skip
_RUNS_OF_SPACE = re.compile("[\t\n\v\f\r ]+")
# Left off the end of a cut text before the ellipsis: a comma, colon, dash or opening bracket
# would read oddly before "…", and a full stop would make ".…".
_TRAILING = (
    " \t,;:.-\u2013\u2014([{\u201c\u2018\u3001\u3002\uff0c\uff1b\uff1a\uff08\u300c\u300e\u300a"
)
# A digit this close before a cut between two wide characters may be a number whose unit (in
# Chinese, up to four characters: 平方公里, 个百分点) would be split from it.
_CJK_UNIT_REACH = 4


def _wide(char: str) -> bool:
    """Chinese, Japanese and Korean characters (and full-width forms): text written without
    spaces, where a line may break between any two of them."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _cuts(text: str) -> list[int]:
    """Every place `text` may be cut (the length kept), in order.

    At a breakable space, except after a word holding a digit and after the word that follows
    it: "70 per cent", "100 million yuan" (or "2020 the city") stay together, so a number is
    never cut from a unit of up to two words, whatever the unit. Between two wide characters,
    unless a digit is among the last few kept: "投资100亿元" keeps its unit.
    """
    cuts = []
    word_has_digit = False
    glued = False  # the word after a number: the space after it is no place to cut either
    for index in range(1, len(text)):
        before, here = text[index - 1], text[index]
        if before.isdigit():
            word_has_digit = True
        if here in _BREAKABLE and before not in _BREAKABLE:
            if word_has_digit:
                glued = True
            elif glued:
                glued = False
            else:
                cuts.append(index)
            word_has_digit = False
        elif _wide(before) and _wide(here):
            recent = text[max(0, index - _CJK_UNIT_REACH) : index]
            if not any(char.isdigit() for char in recent):
                cuts.append(index)
    return cuts


def describe(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` as a page's description: at most `limit` characters, cut at a word (between two
    characters in Chinese, Japanese or Korean) and ended with an ellipsis when it is longer.

    Never cut inside a word, nor between a number and its unit. A text that cannot be cut
    within the limit (its first word is longer) is cut at the first place it can be after it,
    and one that cannot be cut at all is given whole.
    """
    text = _RUNS_OF_SPACE.sub(" ", text).strip(" ")
    if len(text) <= limit:
        return text
    best = ""
    for cut in _cuts(text):
        kept = text[:cut].rstrip(_TRAILING)
        if len(kept) < limit and kept:
            best = kept
        elif len(kept) >= limit:
            return (best or kept) + ELLIPSIS
    return best + ELLIPSIS if best else text


# The territory a language is most often written in (CLDR's likely subtags), for tags that
# name none; Open Graph has no form for a language alone.
_LIKELY_TERRITORY = {
    "ar": "EG", "bn": "BD", "de": "DE", "en": "US", "es": "ES", "fa": "IR", "fr": "FR",
    "hi": "IN", "id": "ID", "it": "IT", "ja": "JP", "ko": "KR", "ms": "MY", "nl": "NL",
    "pl": "PL", "pt": "BR", "ru": "RU", "th": "TH", "tr": "TR", "uk": "UA", "vi": "VN",
    "zh": "CN",
}  # fmt: skip
_SCRIPT_TERRITORY = {"hans": "CN", "hant": "TW"}  # zh-Hans is written in China, zh-Hant in Taiwan


def og_locale(lang: str) -> str:
    """Open Graph's `og:locale` (language_TERRITORY) for a language tag: 'en-GB' is en_GB,
    'zh-Hans' zh_CN, 'en' en_US (set `language: en-GB` in site.yml for en_GB); a language
    with no likely territory known here is given alone."""
    language, *rest = lang.replace("_", "-").split("-")
    language = language.lower()
    territory = ""
    for part in rest:
        if len(part) == 2 and part.isalpha():
            territory = part.upper()
            break
        territory = territory or _SCRIPT_TERRITORY.get(part.lower(), "")
    territory = territory or _LIKELY_TERRITORY.get(language, "")
    return f"{language}_{territory}" if territory else language
