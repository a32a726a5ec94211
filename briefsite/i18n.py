"""Interface text in the page's language: gettext message catalogues read with Babel.

Every word of the site's own that a reader sees (the header, footer, labels, notices, page
titles, breadcrumbs) is an English message id, in the templates (`{% trans %}`, `_()`) and in
the Python that writes page text (`tr`, `ntr`, and `N_` for texts kept in tables). English is
the source text, so an English page needs no catalogue at all. Other languages have one
`.po` file each, `locales/<name>/LC_MESSAGES/messages.po`, extracted with `pybabel extract`
(`babel.cfg`) into `locales/messages.pot` and updated with `pybabel update` (README,
"Interface text and translations").

The `.po` is read at build time (`read_po`, once per process and language) and made into
Babel's `Translations` in memory, so no compiled `.mo` is kept beside it: the file a
translator edits is the file the build reads. The catalogues are part of
`cache.code_version`, so an edited translation renders every page again. Babel is imported
only when a page in a language with a catalogue is rendered (or a catalogue checked).

Which catalogue a page gets follows its language tag: `zh`, `zh-Hans`, `zh-CN` all use `zh`
(the primary subtag); every `en-*` is English; a language without a catalogue gets English,
which `check --strict` names once (`check_catalogues`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import Problem, warning

if TYPE_CHECKING:  # Babel is imported only where a catalogue is read
    from babel.messages.catalog import Catalog
    from babel.support import Translations

LOCALES = Path(__file__).resolve().parent / "locales"
TEMPLATE = LOCALES / "messages.pot"  # every message id, as `pybabel extract` wrote it
SOURCE_LANGUAGE = "en"  # the language of the message ids
UPDATE_HINT = (
    "run 'pybabel extract -F babel.cfg -o briefsite/locales/messages.pot .' and 'pybabel "
    "update -i briefsite/locales/messages.pot -d briefsite/locales', then write the "
    "translation as its msgstr (and remove a '#, fuzzy' line once the translation is right)"
)


def N_(message: str) -> str:
    """Marks a text kept in a table for `pybabel extract`; translated where it is shown
    (`tr(lang, kind.label)`)."""
    return message


def primary(lang: str) -> str:
    """A language tag's primary subtag, lower case: 'zh' for 'zh-Hans-CN', 'en' for 'en-GB'."""
    return lang.split("-", 1)[0].split("_", 1)[0].lower()


def po_path(name: str) -> Path:
    """Where the catalogue of a language is kept."""
    return LOCALES / name / "LC_MESSAGES" / "messages.po"


@functools.cache
def catalogue_names() -> frozenset[str]:
    """The languages with a catalogue in this release ('zh')."""
    if not LOCALES.is_dir():
        return frozenset()
    return frozenset(p.name for p in LOCALES.iterdir() if po_path(p.name).is_file())


@functools.lru_cache(maxsize=256)
def catalogue_for(lang: str) -> str | None:
    """The catalogue a page in `lang` reads: None for English (the source text) and for a
    language without one (shown in English)."""
    name = primary(lang)
    if name == SOURCE_LANGUAGE or name not in catalogue_names():
        return None
    return name


def is_english(lang: str) -> bool:
    """English in any region: 'en', 'en-GB', 'en-US'."""
    return primary(lang) == SOURCE_LANGUAGE


@functools.cache
def read_catalogue(name: str) -> Catalog:
    """The `.po` of one language, as Babel reads it (fuzzy entries flagged, kept)."""
    from babel.messages.pofile import read_po

    with po_path(name).open("rb") as f:
        return read_po(f, locale=name)


@functools.cache
def translations(name: str) -> Translations:
    """The catalogue as gettext reads it: made in memory (`write_mo`), fuzzy and empty
    translations left out, so those messages fall back to English rather than to nothing."""
    import io

    from babel.messages.mofile import write_mo
    from babel.support import Translations

    compiled = io.BytesIO()
    write_mo(compiled, read_catalogue(name), use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def tr(lang: str, message: str) -> str:
    """`message` (English) in `lang`, or as it is where `lang` has no translation for it."""
    name = catalogue_for(lang)
    return message if name is None else translations(name).gettext(message)


def ntr(lang: str, singular: str, plural: str, count: int) -> str:
    """The singular or plural of a message by `count`, in `lang` (its plural rules)."""
    name = catalogue_for(lang)
    if name is None:
        return singular if count == 1 else plural
    return translations(name).ngettext(singular, plural, count)


# ------------------------------------------------------------------------------ check --strict


@dataclass(frozen=True)
class Needed:
    """A message the site shows: its id (with its plural, if any) and where it is used."""

    msgid: str
    plural: str | None
    where: str  # "templates/brief.html:12", as the .pot or the template names it


def template_messages() -> tuple[Needed, ...]:
    """Every message of the built-in templates and of briefsite's Python, from the `.pot`."""
    from babel.messages.pofile import read_po

    with TEMPLATE.open("rb") as f:
        template = read_po(f)
    return tuple(_needed(message) for message in template if message.id)


def _needed(message: object) -> Needed:
    """A `.pot` entry as a `Needed`."""
    ids = message.id  # type: ignore[attr-defined]
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:1])  # type: ignore[attr-defined]
    if isinstance(ids, (tuple, list)):
        return Needed(ids[0], ids[1], where)
    return Needed(ids, None, where)


def site_template_messages(folders: Iterable[Path], root: Path) -> tuple[Needed, ...]:
    """The messages of a site's own templates (`templates/` in its folder), which the `.pot`
    of this release cannot know."""
    import jinja2

    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    found: list[Needed] = []
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            try:
                source = path.read_text(encoding="utf-8")
                extracted = list(env.extract_translations(source))  # type: ignore[attr-defined]
            except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
                continue  # the build reports a template it cannot read or parse
            try:
                shown = path.relative_to(root).as_posix()
            except ValueError:
                shown = path.as_posix()
            for line, function, message in extracted:
                if isinstance(message, str):
                    found.append(Needed(message, None, f"{shown}:{line}"))
                elif function == "ngettext" and len(message) >= 2 and message[0] and message[1]:
                    found.append(Needed(message[0], message[1], f"{shown}:{line}"))
    return tuple(found)


def check_catalogues(languages: Mapping[str, str], needed: Sequence[Needed]) -> list[Problem]:
    """Warnings (errors with `check --strict`) for every message a page in one of these
    languages would show in English: missing from its language's `.po`, untranslated or
    fuzzy, at the catalogue's file and line; and, once per language, a language with no
    catalogue at all. `languages` maps each language the site shows to the file that first
    asks for it (site.yml or a brief)."""
    problems: list[Problem] = []
    checked: set[str] = set()
    for lang, asked_by in languages.items():
        if is_english(lang):
            continue
        name = catalogue_for(lang)
        if name is None:
            if primary(lang) not in checked:
                checked.add(primary(lang))
                problems.append(
                    warning(
                        asked_by,
                        0,
                        0,
                        f"no interface translation for language {lang!r}: its pages show the "
                        "site's own words (headings, labels, dates' month names aside) in "
                        "English",
                        f"add briefsite/locales/{primary(lang)}/LC_MESSAGES/messages.po "
                        "('pybabel init -i briefsite/locales/messages.pot -d "
                        f"briefsite/locales -l {primary(lang)}') and translate it",
                    )
                )
            continue
        if name in checked:
            continue
        checked.add(name)
        problems += _untranslated(name, needed)
    return problems


def _untranslated(name: str, needed: Sequence[Needed]) -> list[Problem]:
    """The messages `name`'s catalogue does not translate, each at its line in the `.po`."""
    catalogue = read_catalogue(name)
    # In full, as problems name the built-in templates: it is outside the site's folder.
    shown = po_path(name).as_posix()
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in needed:
        if item.msgid in seen:
            continue
        seen.add(item.msgid)
        entry = catalogue.get(item.msgid)
        used = f" (used at {item.where})" if item.where else ""
        if entry is None:
            problems.append(
                warning(
                    shown,
                    0,
                    0,
                    f"interface text {item.msgid!r}{used} has no entry in the {name!r} catalogue",
                    UPDATE_HINT,
                )
            )
            continue
        strings = entry.string if isinstance(entry.string, (tuple, list)) else (entry.string,)
        line = entry.lineno or 0
        if entry.fuzzy:
            problems.append(
                warning(
                    shown,
                    line,
                    1 if line else 0,
                    f"interface text {item.msgid!r}{used} has a fuzzy (unchecked) translation, "
                    "which pages do not use",
                    "check the msgstr against the msgid and remove the '#, fuzzy' line",
                )
            )
        elif not all(strings):
            problems.append(
                warning(
                    shown,
                    line,
                    1 if line else 0,
                    f"interface text {item.msgid!r}{used} is not translated",
                    UPDATE_HINT,
                )
            )
    return problems
