"""Links between briefs, resolved once every brief's address is known.

`markup` renders each body from its own file alone, leaving a placeholder wherever a brief
links to another brief's Markdown file. Here, after the catalog exists, each placeholder
becomes the relative address of the page it names (or, when no published brief is there, the
link as written, for the link check to report). This is the one place that knows which page
a file becomes, and where a link to a brief that has a translation in the linking brief's
language leads to that translation.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from markdown.serializers import to_html_string
from markdown.util import AMP_SUBSTITUTE

from . import annexrefs, urls
from .brief import Brief
from .catalog import Catalog, nfc
from .markup import (
    PLACEHOLDER_PREFIX,
    Body,
    Heading,
    Link,
    Markup,
    restore_escapes,
    sanitize_fragment,
)

_PLACEHOLDER = re.compile(rf'href="(#{PLACEHOLDER_PREFIX}[0-9a-f]{{12}}-[0-9]+)"')
_MARKDOWN_PLACEHOLDER = re.compile(rf"#{PLACEHOLDER_PREFIX}[0-9a-f]{{12}}-[0-9]+")
# What a link target in Markdown may hold as it stands: anything else in an anchor is
# percent-encoded (a space or a parenthesis would end the target).
_FRAGMENT_SAFE = "-._~!$&'*+,;=:@/?"
# Characters that every serializer writes as they are: no escaping can differ for these.
_PLAIN = re.compile(r"[A-Za-z0-9/._~%#:?=+,;@!$'()*\[\]-]*")


@dataclass(frozen=True)
class RenderedBrief:
    """A `Brief` with its body and every link to a brief resolved: what the page shows.

    Which brief each link reaches is known at once (the link check needs it); the HTML with
    addresses written in is made only when a page is rendered, so a build that skips a
    brief's page never spends time on its body.
    """

    brief: Brief
    body: Body
    links: tuple[Link, ...]
    directory_urls: bool = True
    # The site's address: a link to another brief also carries its full address
    # (`data-url`), which the print stylesheet prints after it, as it does for lists.
    base_url: str = ""
    # The address of the page the body is shown on, when that is not the brief's own: a
    # standalone page (`standalone`) is rendered as a brief made of its file.
    address: str = ""
    # Its images and files as `annexes` resolved them: placeholder -> (the attributes written
    # in its place, the text after the element), see `annexrefs.fill`.
    annexes: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def toc(self) -> tuple[Heading, ...]:
        return self.body.toc

    @property
    def ids(self) -> frozenset[str]:
        """Every id in the body and notes, for anchor checks."""
        return self.body.ids

    @property
    def has_code(self) -> bool:
        """Whether the page needs the code-highlighting stylesheet."""
        return self.body.has_code

    @property
    def body_html(self) -> str:
        return self._resolved(self.body.html)

    @property
    def notes_html(self) -> str:
        return self._resolved(self.body.notes_html)

    def _resolved(self, html: str) -> str:
        """`html` with each placeholder replaced by its link's address. Not kept: a page is
        rendered once, and ten thousand kept bodies would double a large build's memory."""
        if self.annexes:
            html = annexrefs.fill(html, self.annexes)
        targets = self._targets()
        if not targets:
            return html

        def replace(match: re.Match[str]) -> str:
            # Only this body's own placeholders: one an editor typed is left as it stands.
            found = targets.get(match.group(1))
            return match.group(0) if found is None else found

        return _PLACEHOLDER.sub(replace, html)

    @property
    def markdown(self) -> str:
        """The body's Markdown as the editor wrote it, each link to a brief leading to that
        brief's public address (a link that reaches none is left as written). Not kept, as
        `body_html`: it is made only for the brief's Markdown copy."""
        text = self.body.markdown_text
        addresses: dict[str, str] = {}
        for ref, link in zip(self.body.links, self.links, strict=True):
            if not ref.placeholder:
                continue
            if link.target_slug is None:
                addresses[ref.placeholder] = ref.href
                continue
            address = urls.in_markdown(
                urls.absolute(urls.brief_path(link.target_slug), self.base_url)
            )
            if ref.fragment:
                address += "#" + quote(ref.fragment, safe=_FRAGMENT_SAFE)
            addresses[ref.placeholder] = address
        if addresses:
            text = _MARKDOWN_PLACEHOLDER.sub(lambda m: addresses.get(m.group(0), m.group(0)), text)
        return _annexes_beside(text, self.body.annexes)

    def _targets(self) -> dict[str, str]:
        """Each placeholder of the body, and the attributes written in its place: `href`,
        and `data-url` (the page's full address) for a link that reaches a brief."""
        body = self.body
        targets: dict[str, str] = {}
        for ref, link in zip(body.links, self.links, strict=True):
            if not ref.placeholder:
                continue
            if link.target_slug is not None:
                site_path = urls.brief_path(link.target_slug)
            elif link.target_page is not None:
                site_path = link.target_page
            else:
                # Left as written; the link check names it.
                targets[ref.placeholder] = f'href="{_attribute(ref.value, body.sanitized)}"'
                continue
            site_path += "#" + ref.fragment if ref.fragment else ""
            here = self.address or self.brief.path
            value = urls.relative(site_path, here, self.directory_urls)
            attributes = f'href="{_attribute(value, body.sanitized)}"'
            if self.base_url:
                full = urls.absolute(site_path, self.base_url)
                attributes += f' data-url="{_attribute(full, body.sanitized)}"'
            targets[ref.placeholder] = attributes
        return targets


def _no_page(path: str) -> str | None:
    """No standalone page anywhere: the default of `resolve`'s `page_at`."""
    return None


def render_brief(
    markup: Markup,
    brief: Brief,
    catalog: Catalog,
    directory_urls: bool = True,
    base_url: str = "",
) -> RenderedBrief:
    """Render one brief's body and resolve its links at once (for one-off use and tests;
    builds render bodies first and resolve them once the catalog is made)."""
    return resolve(brief, markup.body(brief), catalog, directory_urls, base_url)


def resolve(
    brief: Brief,
    body: Body,
    catalog: Catalog,
    directory_urls: bool,
    base_url: str = "",
    page_at: Callable[[str], str | None] = _no_page,
) -> RenderedBrief:
    """The brief with each link to a brief tied to the brief it reaches (or to none).

    `page_at` gives the address of the standalone page at a source path (NFC), if any: a link
    to a Markdown file that is no brief may name one (`../pages/about.md`)."""

    def slug_of(path: str) -> str | None:
        target = catalog.by_source.get(path)
        if target is None:
            return None
        # A link to a brief leads to its version in the linking brief's language, when it
        # has one: a Chinese brief that links land-offer.md sends its readers to the Chinese
        # land offer. (Editors link the file they know; the reader's language decides.)
        return catalog.translations_of(target).get(brief.lang, target).slug

    return resolve_with(brief, body, slug_of, directory_urls, base_url, page_at)


def resolve_with(
    brief: Brief,
    body: Body,
    slug_of: Callable[[str], str | None],
    directory_urls: bool,
    base_url: str = "",
    page_at: Callable[[str], str | None] = _no_page,
    address: str = "",
) -> RenderedBrief:
    """As `resolve`, with the published briefs known only by the slug at each source path
    (NFC): a build that redoes one brief need not have every other brief in hand. `address`:
    the page the body is shown on, when it is not the brief's (a standalone page)."""
    links = []
    for ref in body.links:
        target = nfc(ref.target_path)
        slug = slug_of(target)
        page = page_at(target) if slug is None else None
        links.append(Link(ref.href, slug, ref.fragment, ref.line, ref.col, ref.target_path, page))
    return RenderedBrief(brief, body, tuple(links), directory_urls, base_url, address)


def _attribute(value: str, sanitized: bool) -> str:
    """An href value written exactly as the body's own steps would have written it.

    The steps after the tree that `markup` records links from: Markdown restores backslash-
    escaped characters, its serializer escapes `&` (unless it starts an entity), `<`, `>` and
    `"`, a postprocessor turns its `&` placeholder back, and nh3 (`raw_html: sanitize`) writes
    the value its own way. Plain addresses go through all of them unchanged.
    """
    value = restore_escapes(value)
    if _PLAIN.fullmatch(value):
        return value
    html = to_html_string(ET.Element("a", {"href": value})).replace(AMP_SUBSTITUTE, "&")
    if sanitized:
        html = sanitize_fragment(html)
    match = re.search(r'href="([^"]*)"', html)
    return match.group(1) if match else ""


def _annexes_beside(text: str, annexes: Iterable[annexrefs.AnnexRef]) -> str:
    """The Markdown with each image and file it names at the address the copy finds it by:
    the copy lies beside the brief's page, where each file is published under its own name
    (`annexes`), so `land-offer/chart.png` as written is `chart.png` there."""
    for ref in annexes:
        name = ref.written.rsplit("/", 1)[-1]
        if not ref.placeholder or not ref.markdown or name == ref.written:
            continue
        target = re.compile(r"(\]\(\s*<?|\]:\s*<?)" + re.escape(ref.written) + r"(?=[\s)>\"']|$)")
        text = target.sub(lambda m, name=name: m.group(1) + name, text)  # type: ignore[misc]
    return text
