"""How a brief is cited: one `Reference` per brief, written out in every form readers and
indexers ask for.

A policy brief is cited in papers, indexed by Google Scholar and imported into reference
managers, so its page carries schema.org JSON-LD (`linked_data`) and Highwire Press
`citation_*` meta tags (`highwire`, the tags Google Scholar reads), shows an APA and a Chicago
citation ("Cite this brief"), and has BibTeX and RIS files beside it (`bibtex`, `ris`). All
of them are made from one `Reference`, so they never disagree about who wrote a brief or
when it was published.

Who is named as the author: the brief's `authors` when it has them; otherwise the body that
issued it, as an organisation; otherwise the site's publisher (or, failing that, its name).
The publisher is the site's publisher, else the issuing body, else the site's name. Every
value is a function of the brief and the settings alone (no clock): a page's key covers them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import urls
from .brief import Brief
from .config import SiteConfig
from .formats import MONTHS

REPORT_TYPE = "Policy brief"  # what a brief is, in BibTeX's `type` and the citations


@dataclass(frozen=True)
class Reference:
    """What every citation of one brief says, decided once."""

    key: str  # the brief's key (`Brief.slug`): the BibTeX key, its '/' made '-' there
    title: str
    authors: tuple[str, ...]
    people: bool  # `authors` are the brief's own authors, not an organisation standing in
    publisher: str
    number: str | None
    published: dt.date
    modified: dt.date  # the newest change note's date, else `published`
    url: str  # the page's public address
    path: str  # the page's site path, for the files beside it
    lang: str
    summary: str
    topics: tuple[str, ...]
    licence_url: str | None = None
    pdf_url: str | None = None  # the brief's PDF (`pdf`), when the site makes them

    @property
    def markdown_path(self) -> str:
        """The brief's plain-Markdown copy, beside its page."""
        return urls.brief_file(self.key, urls.BRIEF_MARKDOWN)

    @property
    def bibtex_path(self) -> str:
        return urls.brief_file(self.key, urls.BRIEF_BIBTEX)

    @property
    def ris_path(self) -> str:
        return urls.brief_file(self.key, urls.BRIEF_RIS)

    @property
    def apa(self) -> Styled:
        return apa(self)

    @property
    def chicago(self) -> Styled:
        return chicago(self)

    @property
    def highwire(self) -> tuple[tuple[str, str], ...]:
        return highwire(self)

    @property
    def linked_data(self) -> dict[str, Any]:
        return linked_data(self)


# Line breaks of every kind (as `str.splitlines` knows them), tabs and spaces; not the
# no-break spaces typesetting put between a number and its unit.
_BREAKS = re.compile("[ \t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Text on one line, each run of spaces and line breaks one space: a title written over
    two lines of YAML must not end a RIS record or break a citation."""
    return _BREAKS.sub(" ", text).strip(" ")


def reference(brief: Brief, config: SiteConfig) -> Reference:
    """A brief's reference. `config` as `pages.reader_settings` gives it, so the publisher is
    named as every page names it, in the brief's part of the site (`SiteConfig.texts_at`)."""
    config = config.texts_at(brief.path)
    if brief.authors:
        authors, people = tuple(one_line(a) for a in brief.authors), True
    else:
        organisation = brief.issuing_body or config.publisher or config.title
        authors, people = (one_line(organisation),), False
    publisher = one_line(config.publisher or brief.issuing_body or config.title)
    return Reference(
        key=brief.slug,
        title=one_line(brief.title),
        authors=authors,
        people=people,
        publisher=publisher,
        number=one_line(brief.number) if brief.number else None,
        published=brief.date,
        modified=brief.last_updated,
        url=urls.absolute(brief.path, config.base_url),
        path=brief.path,
        lang=brief.lang,
        summary=one_line(brief.summary),
        topics=tuple(one_line(t) for t in brief.topics),
        licence_url=config.licence_url,
    )


@dataclass(frozen=True)
class Styled:
    """A citation as the text before its title, the title (set in italics) and the text
    after: templates escape each part and add the italics themselves."""

    before: str
    title: str
    after: str

    @property
    def text(self) -> str:
        """The citation as plain text, without the italics."""
        return self.before + self.title + self.after


def _closed(text: str) -> str:
    """`text` ending a sentence: a full stop added unless it ends with one, or with '?' or
    '!' (a title that asks a question keeps its own mark)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def _apa_names(names: Sequence[str]) -> str:
    """Authors as APA (7th edition) lists them: "A", "A & B", "A, B, & C"; from 21 on, the
    first 19, an ellipsis and the last. Names are given as written: they are not always a
    person's, so they are never inverted to "Surname, I."."""
    if len(names) > 20:
        return ", ".join(names[:19]) + ", . . . " + names[-1]
    if len(names) <= 2:
        return " & ".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _chicago_names(names: Sequence[str]) -> str:
    """Authors as a Chicago (17th edition) bibliography lists them: "A and B", "A, B, and C";
    more than ten: the first seven and "et al."."""
    if len(names) > 10:
        return ", ".join(names[:7]) + ", et al."
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def long_date(day: dt.date) -> str:
    """'April 7, 2020', as Chicago writes dates (the citation styles are English's)."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def slashed(day: dt.date) -> str:
    """'2020/04/07', as Highwire's tags and RIS write dates (not `strftime`, whose years
    before 1000 differ between C libraries)."""
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def apa(ref: Reference) -> Styled:
    """The APA reference of a report: Author. (Year). *Title* (Policy Brief No. X).
    Publisher. URL (the publisher left out when it is the author)."""
    author = _apa_names(ref.authors)
    number = f" ({REPORT_TYPE.title()} No. {ref.number})" if ref.number else ""
    after = _closed(number) if number else ("" if ref.title.endswith(("?", "!")) else ".")
    if ref.people or ref.publisher != author:
        after += " " + _closed(ref.publisher)
    return Styled(f"{_closed(author)} ({ref.published.year}). ", ref.title, f"{after} {ref.url}")


def chicago(ref: Reference) -> Styled:
    """The Chicago bibliography entry of a report: Author. *Title*. Policy Brief X.
    Publisher, Month Day, Year. URL."""
    number = f" {REPORT_TYPE.title()} {ref.number}." if ref.number else ""
    after = ("" if ref.title.endswith(("?", "!")) else ".") + number
    after += f" {ref.publisher}, {long_date(ref.published)}. {ref.url}."
    return Styled(_closed(_chicago_names(ref.authors)) + " ", ref.title, after)


def highwire(ref: Reference) -> tuple[tuple[str, str], ...]:
    """The Highwire Press meta tags Google Scholar reads, as (name, content) in order; the
    template escapes the content. `citation_pdf_url` when the brief has a PDF (`pdf`)."""
    tags = [("citation_title", ref.title)]
    tags += [("citation_author", name) for name in ref.authors]
    tags.append(("citation_publication_date", slashed(ref.published)))
    tags.append(("citation_technical_report_institution", ref.publisher))
    if ref.number:
        tags.append(("citation_technical_report_number", ref.number))
    tags += [("citation_language", ref.lang), ("citation_public_url", ref.url)]
    if ref.pdf_url:
        tags.append(("citation_pdf_url", ref.pdf_url))
    return tuple(tags)


def linked_data(ref: Reference) -> dict[str, Any]:
    """The schema.org `Report` describing the brief, as JSON-LD (keys in a fixed order)."""
    kind = "Person" if ref.people else "Organization"
    authors = [{"@type": kind, "name": name} for name in ref.authors]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Report",
        "name": ref.title,
        "description": ref.summary,
    }
    if ref.number:
        data["reportNumber"] = ref.number
    data |= {
        "datePublished": ref.published.isoformat(),
        "dateModified": ref.modified.isoformat(),
        "author": authors if len(authors) > 1 else authors[0],
        "publisher": {"@type": "Organization", "name": ref.publisher},
    }
    if ref.topics:
        data["about"] = [{"@type": "Thing", "name": topic} for topic in ref.topics]
    data |= {"inLanguage": ref.lang, "url": ref.url}
    if ref.licence_url:
        data["license"] = ref.licence_url
    return data


# Inside <script> the HTML parser ends the script at "</script" and reads "<!--" specially,
# whatever the JSON means; U+2028 and U+2029 end a line in older JavaScript. Each is written
# as a JSON escape, which every JSON reader decodes back (the OWASP rule for data in script).
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")


def script_json(value: Any) -> str:
    """`value` as JSON that is safe as the whole content of a `<script>` element: no
    character of it can end the element or start markup, and it decodes to `value`."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _SCRIPT_UNSAFE.sub(lambda m: _SCRIPT_ESCAPES[m.group()], text)


# BibTeX: LaTeX's special characters, each as the command that prints it. In a braced
# value, an unbalanced brace would end the field (or swallow the rest of the file).
_LATEX = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# A name BibTeX would split (" and " separates authors; a comma separates a surname), kept
# whole by braces.
_SPLITS_NAME = re.compile(r",|\band\b", re.IGNORECASE)


def latex(text: str) -> str:
    """Text as a LaTeX string that prints it: special characters as their commands, and
    everything else (quotes, Chinese, accents) as UTF-8, which biber and modern LaTeX read."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], text)


def _bibtex_name(name: str, person: bool) -> str:
    """One author for BibTeX: an organisation, or a name BibTeX would split, braced whole."""
    if not person or _SPLITS_NAME.search(name):
        return "{" + latex(name) + "}"
    return latex(name)


def _bibtex_url(url: str) -> str:
    """An address for the `url` field, which is read verbatim: only what would unbalance the
    braces (or start a command) is percent-encoded."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex(ref: Reference) -> str:
    """The brief as a BibTeX `@techreport` (for BibTeX and biblatex): the title double-braced
    so styles keep its capitals, the organisation as one name."""
    authors = " and ".join(_bibtex_name(name, ref.people) for name in ref.authors)
    fields = [
        ("author", "{" + authors + "}"),
        ("title", "{{" + latex(ref.title) + "}}"),
        ("institution", "{" + latex(ref.publisher) + "}"),
        ("type", "{" + REPORT_TYPE + "}"),
    ]
    if ref.number:
        fields.append(("number", "{" + latex(ref.number) + "}"))
    fields += [
        ("year", "{" + str(ref.published.year) + "}"),
        ("month", _MONTH_MACROS[ref.published.month - 1]),
        ("date", "{" + ref.published.isoformat() + "}"),
        ("url", "{" + _bibtex_url(ref.url) + "}"),
    ]
    # A key in a language's folder (zh/land-offer) becomes zh-land-offer: BibTeX keys hold
    # no '/' in every tool, and the two versions of a brief keep two keys.
    lines = [f"@techreport{{{ref.key.replace('/', '-')},"]
    lines += [f"  {name} = {value}," for name, value in fields]
    return "\n".join(lines) + "\n}\n"


def ris(ref: Reference) -> str:
    """The brief as a RIS record (type RPRT), lines ending in CR LF as the format asks. Every
    value is on one line (`one_line`), so no text can end the record early."""
    rows = [("TY", "RPRT"), ("TI", ref.title)]
    rows += [("AU", name) for name in ref.authors]
    rows += [
        ("PY", str(ref.published.year)),
        ("DA", slashed(ref.published) + "/"),
        ("PB", ref.publisher),
        ("M3", REPORT_TYPE),
    ]
    if ref.number:
        rows.append(("SN", ref.number))
    rows += [("UR", ref.url), ("AB", ref.summary)]
    rows += [("KW", topic) for topic in ref.topics]
    rows += [("LA", ref.lang), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in rows)
