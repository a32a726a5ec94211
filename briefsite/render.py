"""The Jinja environment, the filters templates format with, and `Page` to bytes.

Autoescaping is on for every template and undefined names are errors (StrictUndefined), so a
typo in a template fails the build with the template's file and line instead of printing
nothing. Numbers, units and dates reach pages only through filters made from `formats`, so
every page writes "37.3 km²" and "7 April 2020" the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import CodeType, MappingProxyType, SimpleNamespace

import jinja2
from markupsafe import Markup, escape

from . import pageids, urls
from .assets import Assets, collect
from .citation import script_json
from .config import SiteConfig
from .fingerprint import files_digest
from .formats import (
    format_date,
    format_number,
    format_quantity,
    format_unit,
    is_zh,
    qualifier_text,
)
from .i18n import ntr, tr
from .output import Output
from .pages import Page, breadcrumb_list
from .problems import Problem, error
from .schema import Figure
from .social import describe, og_locale


def figure_html(figure: Figure, lang: str = "en") -> Markup:
    """A key figure's value: the qualifier in small type, then the quantity; in Chinese the
    qualifier in Chinese and against the number ("最高1亿元"), as `formats.qualifier_text`."""
    quantity = escape(format_quantity(figure.value, figure.unit, lang))
    if not figure.qualifier:
        return Markup(quantity)
    gap = "" if is_zh(lang) else " "
    return Markup('<span class="figure-qualifier">{}</span>{}{}').format(
        qualifier_text(figure.qualifier, lang), gap, quantity
    )


# The templates' `gettext`, `ngettext` and `_`, as Jinja's newstyle gettext makes them (the
# translation escaped as template text, `%(name)s` values as any value), in the page's
# language. `render_page` passes the page's own (`translators`: plain functions, made once per
# language) with the page's values: a function taking the context, as Jinja's are, is given a
# new copy of the context at every call made inside a block or loop that set a variable
# (`Context.call`), which more than doubled the time pages took to render. The environment's
# globals (taking the context) serve a template the page's values do not reach (a macro
# imported without context). Positional-only, as `{% trans count=n %}` passes its values by
# name (`count` among them).


@functools.lru_cache(maxsize=64)
def translators(lang: str) -> Mapping[str, Callable[..., str]]:
    """`gettext`, `ngettext` and `_` for the templates of a page in `lang` (autoescaped)."""

    def gettext(message: str, /, **values: object) -> str:
        text = Markup(tr(lang, message))
        if not values and "%" not in text:
            return text  # nothing to format: most messages (formatting one costs as much again)
        return text % values  # always a format string: %% is %

    def ngettext(singular: str, plural: str, count: int, /, **values: object) -> str:
        return Markup(ntr(lang, singular, plural, count)) % {"num": count, **values}

    return MappingProxyType({"gettext": gettext, "ngettext": ngettext, "_": gettext})


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str, /, **values: object) -> str:
    """`_()` and `{% trans %}`: `message` in the language of the page being rendered
    (`page.lang`), so a Chinese brief's page is Chinese around its text too."""
    text = tr(context["page"].lang, message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % values  # always a format string, as in Jinja's newstyle gettext: %% is %


@jinja2.pass_context
def _ngettext(
    context: jinja2.runtime.Context, singular: str, plural: str, count: int, /, **values: object
) -> str:
    """`{% trans count=n %}...{% pluralize %}...`: by the plural rules of the page's language."""
    text = ntr(context["page"].lang, singular, plural, count)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % {"num": count, **values}


def _json_ld(value: object) -> Markup:
    """Data as JSON for the whole content of a `<script type="application/ld+json">`:
    escaped so that no text in it can end the script (`citation.script_json`)."""
    return Markup(script_json(value))


@jinja2.pass_context
def _href(context: jinja2.runtime.Context, target: str) -> str:
    """A link from the page being rendered to a site path."""
    page: Page = context["page"]
    site: SiteConfig = context["site"]
    if page.root_relative:
        return urls.root_relative(target, site.base_url)
    return urls.relative(target, page.path, site.directory_urls)


@jinja2.pass_context
def _breadcrumb_list(context: jinja2.runtime.Context, page: Page) -> Markup:
    """A page's trail as schema.org JSON-LD (`pages.breadcrumb_list`), escaped as `json_ld`."""
    return _json_ld(breadcrumb_list(page, context["site"].base_url))


@jinja2.pass_context
def _absolute(context: jinja2.runtime.Context, target: str) -> str:
    """The public address of a site path (canonical links)."""
    return urls.absolute(target, context["site"].base_url)


def _asset(assets: Assets) -> Callable[[str], str]:
    """The templates' `asset(name)`: the site path a theme file is published under (with the
    hash of its content: `assets`), or a template error naming the missing file."""

    def asset(name: str) -> str:
        try:
            return assets.path(name)
        except KeyError:
            raise jinja2.TemplateRuntimeError(
                f"no file {name!r} in the templates' assets/ folder"
            ) from None

    return asset


# Compiled templates by name and source, for the life of the process (`TemplateCode`).
_CODE: dict[tuple[str, str], CodeType] = {}
_CODE_KEPT = 128  # sources at most: a preview whose templates are edited all day stays small
_CODE_LOCK = threading.Lock()


class TemplateCode(jinja2.BytecodeCache):
    """Jinja's compiled code for each template, kept by the template's name and source.

    Compiling costs about 10 ms a template. Jinja keys its code by the file's path too, yet
    the code of one name and source is the same wherever the file lies, except for the path
    it names in tracebacks (how a template error finds its file and line): so the code is
    kept once, in this process, and given the path of the file it is loaded for. A process that
    builds more than one site folder (a script, the tests) or whose environment is made again
    (an edited template) compiles each source once. `load` and `dump` reach a second store
    that outlives the process (the build cache), by a key of the same name and source.
    """

    def __init__(
        self,
        load: Callable[[str], bytes | None] = lambda key: None,
        dump: Callable[[str, bytes], None] = lambda key, code: None,
    ) -> None:
        self.load, self.dump = load, dump

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> jinja2.bccache.Bucket:
        bucket = jinja2.bccache.Bucket(environment, name, self.get_source_checksum(source))
        key = f"{name}\0{bucket.checksum}"
        with _CODE_LOCK:
            code = _CODE.get((name, bucket.checksum))
        stored = self.load(key)
        if code is None and stored is not None:
            bucket.bytecode_from_string(stored)  # (code of another Python: left empty)
            code = bucket.code
            if code is not None:
                _remember(name, bucket.checksum, code)
        elif code is not None and stored is None:  # compiled for another site: kept for this
            bucket.code = code
            self.dump(key, bucket.bytecode_to_string())
        if code is not None:
            bucket.code = _refiled(code, filename or "<template>")
        return bucket

    def set_bucket(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is not None:
            _remember(bucket.key, bucket.checksum, bucket.code)
            self.dump(f"{bucket.key}\0{bucket.checksum}", bucket.bytecode_to_string())

    # Jinja's own cache methods, unused: `get_bucket` and `set_bucket` do their work.
    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:  # pragma: no cover
        raise NotImplementedError

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:  # pragma: no cover
        raise NotImplementedError


def _remember(name: str, checksum: str, code: CodeType) -> None:
    """Keep a template's code for this process, the oldest forgotten past `_CODE_KEPT`."""
    with _CODE_LOCK:
        _CODE[(name, checksum)] = code
        while len(_CODE) > _CODE_KEPT:
            del _CODE[next(iter(_CODE))]


def _refiled(code: CodeType, filename: str) -> CodeType:
    """`code` (a template module's, and every function's in it) naming `filename` as its
    file, as compiling that file would have."""
    if code.co_filename == filename:
        return code
    consts = tuple(_refiled(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def make_environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """The one Jinja environment: the site's templates first, then the built-in ones."""
    dirs = tuple(template_dirs)
    return _environment(dirs, files_digest(dirs))


@functools.lru_cache(maxsize=2)
def environment_for(template_dirs: tuple[Path, ...], digest: bytes) -> jinja2.Environment:
    """The environment for templates whose files have this digest, made once per process.

    A preview builds on every save: compiling the templates again each time cost a third of a
    second. Keyed by the digest of the template files' contents, never by their times (which
    a file system may keep to a few milliseconds), so an edited template gets a new one.
    """
    return _environment(template_dirs, digest)


def _environment(template_dirs: tuple[Path, ...], digest: bytes) -> jinja2.Environment:
    """A new environment for template files whose `files_digest` is `digest`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Newstyle gettext (`{% trans %}` passes its values by name), with our callables.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(gettext=_gettext, ngettext=_ngettext, _=_gettext)
    env.tests["chinese"] = is_zh
    assets = collect(template_dirs, digest)
    env.globals["asset"] = _asset(assets)
    env.globals["paths"] = SimpleNamespace(
        home=urls.HOME,
        root=urls.HOME,  # the site's root in every language (Pagefind's addresses start there)
        archive=urls.ARCHIVE,
        topics=urls.TOPICS,
        stylesheet=assets.paths.get("site.css", urls.asset_path("site.css")),
        pygments=assets.paths.get("pygments.css", urls.asset_path("pygments.css")),
        feed=urls.FEED,
        search=urls.SEARCH,
        search_bundle=urls.SEARCH_BUNDLE,
    )
    env.filters.update(
        href=_href,
        absolute=_absolute,
        date_text=format_date,
        number=format_number,
        unit=format_unit,
        quantity=format_quantity,
        figure=figure_html,
        qualifier=qualifier_text,
        describe=describe,
        og_locale=og_locale,
        json_ld=_json_ld,
        breadcrumb_list=_breadcrumb_list,
    )
    return env


def _site_paths(env: jinja2.Environment) -> SimpleNamespace:
    """The templates' `paths` as `_environment` made them."""
    paths = env.globals["paths"]
    assert isinstance(paths, SimpleNamespace)
    return paths


def _paths_in(paths: SimpleNamespace, folder: str) -> SimpleNamespace:
    """The templates' `paths` of a language's part of the site (`folder`): its own home,
    archive, topics, feed and search page; the theme's files and the search index are the
    site's."""
    own = ("home", "archive", "topics", "feed", "search")
    return SimpleNamespace(
        **{
            name: urls.in_language(folder, value) if name in own else value
            for name, value in vars(paths).items()
        }
    )


def render_page(
    env: jinja2.Environment, site: SiteConfig, page: Page, today: dt.date | None = None
) -> Output | Problem:
    """Render one page to the bytes of its file, or a Problem naming the template line.

    `today` is the build's date (see `pipeline.today_for_build`): templates compare expiry
    dates with it, never with the clock.
    """
    try:
        template = env.get_template(page.template)
        folder = site.folder_at(page.path)
        html = template.render(
            # The site's name, description, publisher and licence in the page's part of the
            # site (`SiteConfig.texts_at`): a Chinese page's header is Chinese.
            site=site.texts_at(page.path),
            page=page,
            # A language's pages link its own home, lists, search page and feed.
            **({"paths": _paths_in(_site_paths(env), folder)} if folder else {}),
            today=today or dt.date.today(),
            ids=pageids.IDS,  # the ids of a page's own sections, declared there (read now)
            **translators(page.lang),
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
