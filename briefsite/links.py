"""Links between briefs, resolved once every brief's address is known.

`markup` renders each body from its own file alone, leaving a placeholder wherever a brief
links to another brief's Markdown file. Here, after the catalog exists, each placeholder
becomes the relative address of the page it names (or, when no published brief is there, the
link as written, for the link check to report). This is the one place that knows which page
a file becomes, so translations will resolve here too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown.serializers import to_html_string
from markdown.util import AMP_SUBSTITUTE

from . import urls
from .catalog import Catalog, nfc
from .frontmatter import Brief
from .markup import (
    PLACEHOLDER_PREFIX,
    Body,
    Link,
    RenderedBrief,
    restore_escapes,
    sanitize_fragment,
)

_PLACEHOLDER = re.compile(rf'href="(#{PLACEHOLDER_PREFIX}[0-9a-f]{{12}}-[0-9]+)"')
# Characters that every serializer writes as they are: no escaping can differ for these.
_PLAIN = re.compile(r"[A-Za-z0-9/._~%#:?=+,;@!$'()*\[\]-]*")


def resolve(brief: Brief, body: Body, catalog: Catalog, directory_urls: bool) -> RenderedBrief:
    """The brief's body with every link to a brief pointing at that brief's page."""
    targets: dict[str, str] = {}
    links = []
    for ref in body.links:
        target = catalog.by_source.get(nfc(ref.target_path))
        slug = target.slug if target is not None else None
        links.append(Link(ref.href, slug, ref.fragment, ref.line, ref.col, ref.target_path))
        if not ref.placeholder:
            continue
        if target is None:
            value = ref.value  # left as written; the link check names it
        else:
            site_path = target.path + ("#" + ref.fragment if ref.fragment else "")
            value = urls.relative(site_path, brief.path, directory_urls)
        targets[ref.placeholder] = _attribute(value, body.sanitized)

    def replace(match: re.Match[str]) -> str:
        # Only this body's own placeholders: one an editor typed is left as it stands.
        found = targets.get(match.group(1))
        return match.group(0) if found is None else f'href="{found}"'

    return RenderedBrief(
        brief=brief,
        body_html=_PLACEHOLDER.sub(replace, body.html) if targets else body.html,
        notes_html=_PLACEHOLDER.sub(replace, body.notes_html) if targets else body.notes_html,
        toc=body.toc,
        ids=body.ids,
        links=tuple(links),
    )


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
