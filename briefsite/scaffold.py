"""`build.py new`: the text of a new brief, with every front-matter field explained.

Generated from `schema.BRIEF_FIELDS`, so a field added to the schema appears in new briefs with
its help text. The brief is valid as created (a draft with placeholder text), so it builds and
passes `check` at once, and `serve` shows it with its "Draft" banner. Its placeholder text
comes from `placeholders`, which also finds any left once the brief is no longer a draft.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import yaml

from . import placeholders, schema
from .brief import Brief
from .config import SiteConfig
from .frontmatter import default_slug, load_brief
from .problems import Problem
from .source import find_briefs, make_source, read_brief

# Example entries shown, commented out, under the list-of-records fields.
EXAMPLES = {
    "figures": (
        "  - label: net industrial land offered",
        "    value: 37.3",
        "    unit: km²",
        f"    source: {placeholders.FIGURE_SOURCE}",
    ),
    "sources": (
        f"  - title: {placeholders.SOURCE_TITLE}",
        f"    url: {placeholders.SOURCE_URL}",
        "    date: 2020-04-07",
    ),
    "updates": ("  - date: 2020-04-08", f"    note: {placeholders.UPDATE_NOTE}"),
    "withdrawn": ("  date: 2021-05-01", f"  reason: {placeholders.WITHDRAWAL_REASON}"),
    "superseded_by": ("superseded_by: land-offer-2021.md",),
}


def _quoted(text: str) -> str:
    """A YAML double-quoted string (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def create(
    config: SiteConfig, title: str, topics: Sequence[str], slug: str | None, today: dt.date
) -> Path | list[str]:
    """Write a new draft brief and return its path, or say why nothing was written.

    It writes a brief that builds, or nothing: the title and topics are checked as front matter
    is, the address must be free, the text is loaded back before writing, and the file is
    written whole in one go, never over an existing one.
    """
    refused = argument_problems(title, topics)
    if refused:
        return refused
    chosen = slug or default_slug(title)
    if not schema.SLUG_RE.fullmatch(chosen) or len(chosen) > schema.MAX_SLUG:
        problem = (
            f"--slug '{slug}' is not a valid address"
            if slug
            else f"cannot make an address from '{title}'"
        )
        return [
            f"{problem}; use at most {schema.MAX_SLUG} lowercase letters, digits and hyphens, "
            "e.g. --slug land-offer"
        ]
    target = config.briefs_dir / f"{chosen}.md"
    shown = target.relative_to(config.root).as_posix()
    taken = _slugs_in_use(config, chosen)
    if target.exists() or taken:
        where = taken[0] if taken else shown
        return [
            f"a brief with the address '{chosen}' already exists: {where}; "
            "choose another title or --slug"
        ]
    text = new_brief(title, chosen, topics, today)
    refused = round_trip_problems(text, shown, config.language, title, chosen, topics)
    if refused:
        return refused
    config.briefs_dir.mkdir(parents=True, exist_ok=True)
    write_new(target, text)
    return target


def _slugs_in_use(config: SiteConfig, slug: str) -> list[str]:
    """The briefs (valid ones: others have no address yet) whose address is `slug`."""
    paths, _ = find_briefs(config.root, config.briefs_dir.name)
    found = []
    for path in paths:
        source = read_brief(config.root, path, config.max_brief_bytes)
        loaded = load_brief(source, config.language) if not isinstance(source, Problem) else None
        if isinstance(loaded, Brief) and loaded.slug == slug:
            found.append(loaded.source_path)
    return found


def argument_problems(title: str, topics: Sequence[str]) -> list[str]:
    """What is wrong with a title or topic typed on the command line, checked as the schema
    checks front matter: a control character, or a byte that was not UTF-8 (which arrives as a
    lone surrogate), could not be written into a brief that builds."""
    node = yaml.ScalarNode("tag:yaml.org,2002:str", "")
    messages = []
    for name, value in (("title", title), *(("--topic", topic) for topic in topics)):
        _, issues = schema.Text().check(name, node, value)
        messages += [issue.message for issue in issues]
    return messages


def round_trip_problems(
    text: str, path: str, lang: str, title: str, slug: str, topics: Sequence[str]
) -> list[str]:
    """Why `text` would not load back as the brief asked for, or [] when it does.

    The last guard before `new` writes: what it writes must pass every check a build makes
    and read back with exactly the title, slug and topics given.
    """
    loaded = load_brief(make_source(path, text), lang)
    if not isinstance(loaded, Brief):
        return [problem.message for problem in loaded]
    wanted = (title.strip(), slug, tuple(topic.strip() for topic in topics))
    if (loaded.title, loaded.slug, loaded.topics) != wanted:
        return ["the title or a topic would not read back as typed"]
    return []


def write_new(target: Path, text: str) -> None:
    """Write a new file whole or not at all; never over an existing one ("x" mode).

    The text is encoded before the file is created, and the file is removed if writing fails,
    so no empty or half-written brief is left to break the next build.
    """
    data = text.encode("utf-8")
    with open(target, "xb") as handle:
        try:
            handle.write(data)
        except BaseException:
            handle.close()
            target.unlink(missing_ok=True)
            raise


def new_brief(title: str, slug: str, topics: Sequence[str], today: dt.date) -> str:
    """The full text of a new draft brief."""
    values = {
        "title": _quoted(title),
        "date": today.isoformat(),
        "summary": _quoted(placeholders.SUMMARY),
        "slug": slug,
        "topics": "[" + ", ".join(_quoted(t) for t in topics) + "]",
        "authors": "[]",
        "updates": "[]",
        "figures": "[]",
        "sources": "[]",
        "draft": "true",
    }
    lines = ["---"]
    for field in schema.BRIEF_FIELDS:
        need = "required" if field.required else "optional"
        lines.append(f"# {field.name}: {field.help} ({need}; {field.kind.description})")
        if field.name in EXAMPLES:
            lines.append("#   for example:")
            lines.extend(f"#   {line}" for line in EXAMPLES[field.name])
        if field.name == "draft":
            lines.append("#   set to false (or delete this line) when the brief is ready")
        lines.append(f"{field.name}: {values.get(field.name, '')}".rstrip())
    lines += ["---", ""]
    for heading, placeholder in placeholders.SECTIONS:
        lines += [f"## {heading}", "", placeholder, ""]
    return "\n".join(lines)
