"""`site.yml` to a validated, frozen `SiteConfig`. Defaults live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from . import schema, urls
from .problems import Problem, error, warning
from .safeyaml import parse_yaml, problem_at
from .source import SourceFile, decode

CONFIG_NAME = "site.yml"
BRIEFS_DIR = "briefs"
PAGES_DIR = "pages"  # standalone pages (About, ...): `standalone`
TEMPLATES_DIR = "templates"


def _builtin_templates() -> Path:
    """The templates shipped with briefsite: a site without its own uses these.

    In an installed package (pip, pre-commit) they sit inside it as briefsite/templates; in a
    checkout they are the top-level templates/ folder beside the package.
    """
    package = Path(__file__).resolve().parent
    installed = package / TEMPLATES_DIR
    return installed if (installed / "base.html").is_file() else package.parent / TEMPLATES_DIR


BUILTIN_TEMPLATES = _builtin_templates()

MAX_BRIEF_BYTES = 100_000_000
MAX_PAGE_SIZE = 1000
MAX_LANGUAGES = 20  # each is a copy of every list page
RAW_HTML_CHOICES = ("sanitize", "escape", "allow")
SEVERITY_CHOICES = ("error", "warning")

SITE_FIELDS: tuple[schema.Field, ...] = (
    schema.Field(
        "title", schema.Text(), "the site's name, shown in every page header", required=True
    ),
    schema.Field(
        "base_url",
        schema.Url(),
        "where the site is published, e.g. "
        "https://example.org/briefs-site/; used for canonical links",
        required=True,
    ),
    schema.Field("description", schema.Text(), "one line under the home page heading", default=""),
    schema.Field(
        "language",
        schema.Pattern(schema.LANG_RE, "en", "e.g. 'en' or 'zh-Hans'", "language (en)"),
        "the default language of briefs",
        default="en",
    ),
    schema.Field(
        "languages",
        schema.ListOf(
            schema.Pattern(schema.LANG_RE, "zh-Hans", "e.g. 'en' or 'zh-Hans'", "language (en)"),
            "list of language tags, the default first (e.g. [en, zh-Hans])",
            MAX_LANGUAGES,
        ),
        "the languages the briefs are written in, the default first: its pages at the site's "
        "root, each other's under a folder named by its first part (zh-Hans: /zh/); briefs "
        "that translate each other are linked (README, 'Two languages')",
        default=(),
    ),
    schema.Field("publisher", schema.Text(), "the organisation publishing the briefs", default=""),
    schema.Field("licence", schema.Text(), "the licence line in the footer", default=""),
    schema.Field("licence_url", schema.Url(), "a link for the licence line"),
    schema.Field(
        "translations",
        schema.ByLanguage(
            schema.SITE_TEXT_FIELDS,
            schema.SiteTexts,
            "language tags, each to its texts: {title, description, publisher, licence}",
        ),
        "the site's texts above in the other languages of 'languages', by tag (zh-Hans: "
        "{title: ...}): that language's pages, feeds and citations use them; a text not given "
        "is the default language's (README, 'Two languages')",
        default=(),
    ),
    schema.Field(
        "latest_count", schema.Integer(1), "how many briefs the home page lists", default=10
    ),
    schema.Field(
        "main_topic_count",
        schema.Integer(0),
        "how many topics the home page lists: those with the most briefs (0: none); all of "
        "them are on the topics page",
        default=10,
    ),
    schema.Field(
        "page_size",
        # One list page of thousands of entries is what pages are for avoiding.
        schema.Integer(1, MAX_PAGE_SIZE, "whole number, at most 1,000"),
        "how many briefs one page of the archive or of a topic lists; the rest follow on "
        "further pages (.../page/2/)",
        default=50,
    ),
    schema.Field(
        "max_brief_bytes",
        # Each brief is read whole into memory: a limit of gigabytes is a mistake, not a plan.
        schema.Integer(1, MAX_BRIEF_BYTES, "whole number, at most 100,000,000"),
        "the largest brief file accepted, in bytes",
        default=2_000_000,
    ),
    schema.Field(
        "max_static_bytes",
        # Static files are held in memory until the site is published, like pages.
        schema.Integer(1, MAX_BRIEF_BYTES, "whole number, at most 100,000,000"),
        "the largest file accepted in static/ (copied as it is into the site), in bytes; "
        "20,000,000 (20 MB) by default",
        default=20_000_000,
    ),
    schema.Field(
        "max_annex_bytes",
        # Published files are held in memory until the site is published, like pages.
        schema.Integer(1, MAX_BRIEF_BYTES, "whole number, at most 100,000,000"),
        "the largest image or document a brief may refer to (published beside its page), in "
        "bytes; 20,000,000 (20 MB) by default",
        default=20_000_000,
    ),
    schema.Field(
        "brief_time_limit",
        schema.Integer(1, 3600, "whole number of seconds, at most 3600"),
        "how long one brief may take to read and render before the build stops it and says so",
        default=10,
    ),
    schema.Field(
        "raw_html",
        schema.Choice(RAW_HTML_CHOICES, " or ".join(RAW_HTML_CHOICES)),
        "what to do with HTML typed into a brief's text",
        default="sanitize",
    ),
    schema.Field(
        "broken_links",
        schema.Choice(SEVERITY_CHOICES, "error or warning"),
        "whether a link to a missing brief or anchor stops the build",
        default="error",
    ),
    schema.Field(
        "repo_url",
        schema.Url(),
        "the public repository holding the briefs (on GitHub, GitLab, Gitea or Forgejo); adds "
        "'View source' and 'Suggest a change' links to each brief",
    ),
    schema.Field("repo_branch", schema.Text(), "the branch the site is built from", default="main"),
    schema.Field(
        "repo_folder",
        schema.Text(),
        "where this site folder sits inside the repository, if not at its top",
        default="",
    ),
    schema.Field(
        "repo_kind",
        schema.Choice(urls.REPOSITORY_KINDS, "github, gitlab or gitea"),
        "the kind of host repo_url is on (gitea for Forgejo too), which decides the links' "
        "form; needed unless it is github.com, gitlab.com or codeberg.org",
    ),
    schema.Field(
        "directory_urls",
        schema.Bool(),
        "true: /briefs/slug/; false: links end in "
        "index.html, for opening the files without a server",
        default=True,
    ),
    schema.Field(
        "footer_links",
        schema.ListOf(
            schema.FooterEntry(),
            f"list of up to {schema.MAX_FOOTER_LINKS} {{title, page}} or {{title, url}}",
            schema.MAX_FOOTER_LINKS,
        ),
        "the footer menu on every page, in this order: standalone pages (page: about.md, "
        "titled by the page unless title is given) and web addresses (title and url)",
        default=(),
    ),
    schema.Field(
        "search",
        schema.Bool(),
        "true: a search page and a search box in the header, indexed by Pagefind at each "
        "build (needs the pagefind[extended] package); false: no search",
        default=True,
    ),
    schema.Field(
        "pdf",
        schema.Bool(),
        "true: each brief also as a tagged, print-ready PDF beside its page, made by WeasyPrint "
        "(needs requirements-pdf.txt; about a second a page); false: no PDFs",
        default=False,
    ),
)


def _check_overrides(overrides: dict[str, Any]) -> list[Problem]:
    """Command-line values get the same checks as site.yml (a --base-url of 'javascript:' too)."""
    by_name = {f.name: f for f in SITE_FIELDS}
    problems = []
    for name, value in overrides.items():
        node = yaml.ScalarNode("tag:yaml.org,2002:str", str(value))
        _, issues = by_name[name].kind.check(name, node, value)
        option = "--" + name.replace("_", "-")
        problems += [error(f"option {option}", 0, 0, i.message, i.hint) for i in issues]
    return problems


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know besides the briefs themselves."""

    root: Path  # the site folder: site.yml, briefs/, optional templates/
    output: Path
    template_dirs: tuple[Path, ...]  # searched in order: the site's own, then the built-in
    # The settings of site.yml, one field each; their defaults are SITE_FIELDS' (the one
    # place they are declared), filled in by `load_config`.
    title: str
    base_url: str  # always ends with "/"
    description: str
    language: str  # the default language: `languages[0]` when that is given
    # Every language of the site, the default first, as `languages` gives them; () when it is
    # not given (one language, `language`). See `folder_of`.
    languages: tuple[str, ...]
    publisher: str
    licence: str
    licence_url: str | None
    # The texts above (title, description, publisher, licence) in other languages, by tag of
    # `languages`; see `texts_in`.
    translations: tuple[schema.SiteTexts, ...]
    latest_count: int
    main_topic_count: int
    page_size: int
    max_brief_bytes: int
    max_static_bytes: int  # the largest file in static/ (`statics`)
    max_annex_bytes: int  # the largest image or document a brief refers to (`annexes`)
    brief_time_limit: int
    raw_html: str
    broken_links: str
    repo_url: str | None
    repo_branch: str
    repo_folder: str
    repo_kind: str | None  # as set, or known from repo_url's host; None: no repository links
    directory_urls: bool
    # The footer menu (`footer_links`), in the order written; see `standalone.footer`.
    footer_links: tuple[schema.FooterLink, ...]
    search: bool  # a search page and box, and Pagefind's index of the briefs (`search`)
    pdf: bool  # each brief also as a PDF, made by WeasyPrint (`pdf`)
    # Warnings about the settings (a repository host of unknown kind), reported by every build.
    warnings: tuple[Problem, ...] = ()

    @property
    def multilingual(self) -> bool:
        """Whether the site has briefs in more than one language, each under its folder."""
        return len(self.languages) > 1

    def folder_of(self, lang: str) -> str:
        """The folder of a language's part of the site: "" for the default language (the
        root) and for every language of a site with one; else `urls.language_folder`."""
        if not self.multilingual or lang == self.languages[0]:
            return ""
        return urls.language_folder(lang)

    def folder_at(self, path: str) -> str:
        """The language folder a site path is in ("" for the default language's part)."""
        first = path.split("/", 1)[0]
        return first if self.multilingual and first in self.language_folders else ""

    def language_at(self, path: str) -> str:
        """The language of the part of the site a site path is in (`folder_at`)."""
        folder = self.folder_at(path)
        if not folder:
            return self.language
        return self.languages[1:][self.language_folders.index(folder)]

    def texts_in(self, lang: str) -> SiteConfig:
        """The settings as a page in `lang` shows them: the site's title, description,
        publisher and licence line in that language (`translations`), each not given there
        the default language's. The default language's, and a one-language site's, are these
        settings themselves, so their pages are as they always were."""
        own = next((t for t in self.translations if t.lang == lang), None)
        if own is None:
            return self
        return replace(
            self,
            title=own.title or self.title,
            description=own.description or self.description,
            publisher=own.publisher or self.publisher,
            licence=own.licence or self.licence,
        )

    def texts_at(self, path: str) -> SiteConfig:
        """The settings as the page at a site path shows them: its folder's language's texts
        (`texts_in`, `language_at`)."""
        return self.texts_in(self.language_at(path)) if self.translations else self

    @property
    def language_folders(self) -> tuple[str, ...]:
        """The folders of the languages besides the default, in `languages`' order: reserved
        for the build (no standalone page, static file or alias may take one)."""
        return tuple(urls.language_folder(lang) for lang in self.languages[1:])

    @property
    def briefs_dir(self) -> Path:
        """Where the brief files live."""
        return self.root / BRIEFS_DIR

    @property
    def pages_dir(self) -> Path:
        """Where the standalone pages live (About, ...), when the site has any."""
        return self.root / PAGES_DIR


def load_config(
    root: Path, output: Path | None = None, overrides: dict[str, Any] | None = None
) -> SiteConfig | list[Problem]:
    """Read and validate `site.yml` in `root`; `overrides` come from command-line options."""
    path = root / CONFIG_NAME
    shown = CONFIG_NAME  # like every problem path, relative to the site folder
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [
            error(
                shown,
                0,
                0,
                f"site settings file not found in {root.resolve()}",
                f"run this in the site folder or give it with --source DIR; in a new site, "
                f"create {CONFIG_NAME} with at least 'title:' and 'base_url:' (or run 'init')",
            )
        ]
    except OSError as exc:
        return [error(shown, 0, 0, f"cannot read site settings: {exc.strerror or exc}")]
    source = decode(shown, data)
    if isinstance(source, Problem):
        return [source]
    node, values, problems = parse_yaml(source, source.text, 1, what=CONFIG_NAME)
    if problems:
        return problems
    if node is None:
        return [
            error(shown, 1, 1, f"{CONFIG_NAME} is empty", "add at least 'title:' and 'base_url:'")
        ]
    checked, issues = schema.check_mapping(SITE_FIELDS, node, values, what=CONFIG_NAME)
    problems = [problem_at(source, i.node.start_mark, 0, i.message, i.hint) for i in issues]
    if problems or checked is None:
        return problems
    problems = _check_overrides(overrides or {})
    if problems:
        return problems
    checked.update(overrides or {})
    problems = _language_problems(checked, node, source)
    problems += _translation_problems(checked, node, source)
    if problems:
        return problems
    if checked["languages"]:
        checked["language"] = checked["languages"][0]
    base = checked["base_url"]
    checked["base_url"] = base if base.endswith("/") else base + "/"
    warnings = _repository_warnings(checked, node, source)
    checked["footer_links"] = tuple(
        replace(link, line=line, col=col)
        for link in checked["footer_links"]
        for line, col in [source.position(link.offset)]
    )
    if checked["repo_url"] and not checked["repo_kind"]:
        checked["repo_kind"] = urls.repository_kind(checked["repo_url"])
    own_templates = root / TEMPLATES_DIR
    dirs = tuple(d for d in (own_templates, BUILTIN_TEMPLATES) if d.is_dir())
    return SiteConfig(
        root=root,
        output=output if output is not None else root / "site",
        template_dirs=tuple(dict.fromkeys(d.resolve() for d in dirs)),
        warnings=tuple(warnings),
        **checked,
    )


def _value_node(node: yaml.Node, name: str) -> yaml.Node | None:
    """The value of a top-level key of site.yml, or None."""
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return value  # type: ignore[no-any-return]  # PyYAML's stubs leave it as Any
    return None


def _language_problems(
    checked: dict[str, Any], node: yaml.Node, source: SourceFile
) -> list[Problem]:
    """`languages` that cannot be: one named twice, two sharing a folder (both would be
    published at /zh/), or a `language` that is not its first (which of them is the default?).
    Each at its value."""
    languages: tuple[str, ...] = checked["languages"]
    if not languages:
        return []
    listed = _value_node(node, "languages")
    items = listed.value if isinstance(listed, yaml.SequenceNode) else []
    problems = []
    seen: dict[str, str] = {}
    for index, tag in enumerate(languages):
        folder = urls.language_folder(tag)
        at = items[index] if index < len(items) else node
        if folder in seen:
            other = seen[folder]
            message = (
                f"language '{tag}' is listed twice"
                if other.lower() == tag.lower()
                else f"languages '{other}' and '{tag}' would share the folder /{folder}/"
            )
            problems.append(
                error(
                    CONFIG_NAME,
                    *source.position(at.start_mark.index),
                    message,
                    "list each language once; a site holds one variety of each language",
                )
            )
        seen.setdefault(folder, tag)
    given = _value_node(node, "language")
    if given is not None and checked["language"] != languages[0]:
        problems.append(
            error(
                CONFIG_NAME,
                *source.position(given.start_mark.index),
                f"'language' is '{checked['language']}' but 'languages' starts with "
                f"'{languages[0]}'",
                "the default language is the first of 'languages': make them agree, or remove "
                "'language'",
            )
        )
    return problems


def _translation_problems(
    checked: dict[str, Any], node: yaml.Node, source: SourceFile
) -> list[Problem]:
    """A language of `translations` that is not one of `languages` besides the default (its
    pages would never show the texts, or the default's would be given twice), at its key."""
    given: tuple[schema.SiteTexts, ...] = checked["translations"]
    if not given:
        return []
    mapping = _value_node(node, "translations")
    keys = {k.value: k for k, _ in mapping.value} if isinstance(mapping, yaml.MappingNode) else {}
    languages: tuple[str, ...] = checked["languages"]
    problems = []
    for texts in given:
        if texts.lang in languages[1:]:
            continue
        at = keys.get(texts.lang, node)
        if languages and texts.lang == languages[0]:
            message = f"'translations' gives texts for '{texts.lang}', the default language"
            hint = "the default language's texts are 'title', 'description', 'publisher' and "
            hint += "'licence' at the top of site.yml: move them there"
        elif len(languages) > 1:
            message = f"'translations' gives texts for '{texts.lang}', which is not in 'languages'"
            others = ", ".join(languages[1:])
            hint = f"use one of the other languages of 'languages' ({others}), or add it there"
        else:
            message = (
                f"'translations' gives texts for '{texts.lang}', but the site has one language"
            )
            hint = "list the site's languages first, e.g. 'languages: [en, zh-Hans]'"
        problems.append(error(CONFIG_NAME, *source.position(at.start_mark.index), message, hint))
    return problems


def _repository_warnings(
    checked: dict[str, Any], node: yaml.Node, source: SourceFile
) -> list[Problem]:
    """A warning at `repo_url` when neither its host nor `repo_kind` tells how the host
    addresses files: the links would be guesses, so they are left out until it is set."""
    url = checked["repo_url"]
    if not url or checked["repo_kind"] or urls.repository_kind(url):
        return []
    value = next(
        (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "repo_url"),
        node,
    )
    kinds = ", ".join(f"'repo_kind: {kind}'" for kind in urls.REPOSITORY_KINDS)
    return [
        warning(
            CONFIG_NAME,
            *source.position(value.start_mark.index),
            f"cannot tell what kind of host {url} is, so briefs get no 'View source' and "
            "'Suggest a change' links",
            f"add one of {kinds} to {CONFIG_NAME}",
        )
    ]
