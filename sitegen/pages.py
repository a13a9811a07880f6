"""Stage 3c, pages: the Site model through the theme's Jinja templates into HTML files.

Every link a template makes goes through `url()`, which turns a site-root path into a path
relative to the page being rendered: the output then works from any sub-path of a server and
from file:// on a kiosk.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import pickle
import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, NamedTuple, TypeVar

import jinja2
import jinja2.meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from sitegen.cache import Cache, fingerprint, text_digest
from sitegen.config import SPECIAL_DIR, SiteConfig
from sitegen.diagnostics import Report
from sitegen.markdown import asset_url, relative
from sitegen.structure import CategoryNode, Pagination, Site
from sitegen.themes import builtin_theme_dir, theme_dirs
from sitegen.validate import Item


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@jinja2.pass_context
def _url(context: jinja2.runtime.Context, target: str) -> str:
    page_url: str = context["page_url"]
    return _relative_from(target, page_url[: page_url.rfind("/") + 1])


@functools.lru_cache(maxsize=1 << 16)
def _relative_from(target: str, folder: str) -> str:
    # The navigation's and the footer's links are most of a page's, and the same on every
    # page of a folder.
    return relative(target, folder)


class _ThemeSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, and no path either: `config.root` is a `pathlib.Path`, whose methods
    (`read_text`, `write_text`, `joinpath`…) would read and write any file of the machine.

    Whether an attribute is safe depends on the object's type and the name alone (Jinja's
    checks are `isinstance` tests, against ABCs too, and tests of the name): the answer is
    kept for each pair: on the benchmark's pages the checks took half the time rendering
    took, kept a quarter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = not isinstance(obj, PurePath) and super().is_safe_attribute(obj, attr, value)
            self._safe[key] = safe
        return safe

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(getattr(obj, "__self__", None), PurePath):
            return False
        return super().is_safe_callable(obj)


def make_environment(dirs: list[Path]) -> jinja2.Environment:
    # A site's own templates are code that runs on the build machine (in CI, beside its
    # secrets): with them, the sandbox (`{{ cycler.__init__.__globals__.os.system(…) }}`
    # runs nothing; templates read, never change, what they are given). The default theme
    # alone is ours: it renders about a third faster without the sandbox's checks.
    builtin = builtin_theme_dir().resolve()
    own = any((d / "templates").is_dir() and d.resolve() != builtin for d in dirs)
    kind = _ThemeSandbox if own else jinja2.Environment
    env = kind(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # One environment a build (`sitegen serve` makes a new one for each): Jinja's check
        # that a template's file is unchanged, a stat per template of every page, finds
        # nothing (a tenth of rendering the benchmark's pages).
        auto_reload=False,
    )
    env.globals["url"] = _url
    env.globals["asset_url"] = asset_url
    env.filters["filesize"] = filesize
    env.filters["split_before_section"] = split_before_section
    return env


_SECTION_RE = re.compile(r"<h[1-6][^>]*>\s*(?:<[^>]+>\s*)*([一二三四五六七八九十]+)[、．.]")


def split_before_section(html: str, numbers: str) -> tuple[str, str]:
    """A body's HTML cut before its first heading numbered with one of `numbers` ("五六":
    五、存在的主要问题 …): a 年度报告's tables go between its sections 一 and 五. (Of any
    level: an officer may write # or ### for the report's sections.)"""
    for m in _SECTION_RE.finditer(html):
        if m.group(1) in numbers:
            return html[: m.start()], html[m.start():]
    return html, ""


def check_templates(config: SiteConfig, report: Report, compiled: Path | None = None
                    ) -> jinja2.Environment:
    """Every template of the theme compiles: a syntax error, or a file that is not UTF-8, is
    reported with its file (and line) before any page is made, with the content's errors
    (and by `sitegen check`). Returns the environment, its templates compiled, for the pages.
    `compiled`: a folder that keeps the compiled templates between builds (Jinja compiles
    one again when its source changes): a quick build spent a tenth of its time compiling."""
    dirs = theme_dirs(config)
    env = make_environment(dirs)
    if compiled is not None:  # (the sandbox compiles otherwise: apart)
        folder = compiled / ("sandboxed" if isinstance(env, ImmutableSandboxedEnvironment) else "plain")
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            file, message, line = template_error(exc, root=config.root)
            report.error(file, message, line=line)
        except UnicodeDecodeError as exc:  # Notepad's "ANSI" on a Chinese Windows: GBK
            path = next(d / "templates" / name for d in dirs if (d / "templates" / name).is_file())
            report.error(theme_file(str(path), config.root),
                         f"主题模板不是 UTF-8 编码（第 {exc.start} 字节）；请另存为 UTF-8")
        except jinja2.TemplateError:
            continue  # not a template the build reads as one
    _check_404_base(env, config, report)
    return env


def _check_404_base(env: jinja2.Environment, config: SiteConfig, report: Report) -> None:
    """A site's own base.html without the blocks 404.html fills: its <base> (and the skip
    link that goes with it) would be lost, and the page a server shows at a deep address
    would have dead links."""
    if not config.base_path:
        return
    try:
        page, base = env.get_template("404.html"), env.get_template("base.html")
    except (jinja2.TemplateError, UnicodeDecodeError):
        return
    missing = [b for b in ("head", "skip") if b in page.blocks and b not in base.blocks]
    if missing:
        blocks = "、".join(f"{{% block {b} %}}" for b in missing)
        report.warning(theme_file(base.filename or "base.html", config.root),
                       f"base.html 缺少 {blocks}：404.html 的 <base> 不会输出，服务器在深层地址显示"
                       f"“页面不存在”时其链接会失效；请照默认主题的 base.html 加上")


def theme_file(name: str, root: Path) -> str:
    """A theme file as messages name it: relative to the site folder when inside it."""
    path = Path(name)
    if path.is_absolute() and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return name


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost frame of a template in the traceback (Jinja rewrites those to the
    template's file and line): (file, line)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def from_template(exc: BaseException) -> bool:
    """Whether an exception comes from a theme's template (a filter given the wrong kind of
    value, a file it includes that is not UTF-8, …), not from sitegen itself."""
    return isinstance(exc, jinja2.TemplateError) or _template_frame(exc) is not None


def template_error(exc: BaseException, page: str | None = None, root: Path | None = None
                   ) -> tuple[str, str, int | None]:
    """(theme file, message, line) of a template error: syntax errors carry their file and
    line; a runtime error's are found in the traceback (Jinja maps its frames to template
    lines). `page`: the output page being made when it happened."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None)
    if not name:
        name, line = _template_frame(exc) or (None, None)
    detail = str(getattr(exc, "message", None) or exc)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message = f"主题模板语法错误：{detail}"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"主题模板用到了不存在的变量或字段：{detail}"
    elif isinstance(exc, SecurityError):
        message = (f"主题模板做了沙箱不允许的事：{detail}（站点自己的模板只能读取传入的数据：不能修改列表和字典"
                   "（append 等），不能访问以下划线开头的属性和文件路径）")
    elif isinstance(exc, jinja2.TemplateError):
        message = f"主题模板出错：{detail}"
    elif isinstance(exc, UnicodeDecodeError):
        message = f"主题模板引用的文件不是 UTF-8 编码（{detail}）；请另存为 UTF-8"
    else:
        message = f"主题模板出错：{type(exc).__name__}: {detail}"
    if page:
        message += f"（生成 {page} 时）"
    file = str(name or "themes")
    return (theme_file(file, root) if root else file), message, line


def _references(templates: list[Template]) -> dict[str, set[str]]:
    """Per template, the templates it extends, imports or includes itself."""
    deps: dict[str, set[str | None]] = {
        # a file that does not parse is not a template itself (or broken: rendering says so)
        t.name: set(jinja2.meta.find_referenced_templates(t.tree)) if t.tree else set()
        for t in templates}
    every = {t.name for t in templates}
    # a name made at render time ({% include part ~ ".html" %}): any
    return {name: every if None in found else {n for n in found if n is not None}
            for name, found in deps.items()}


def _closure(deps: dict[str, set[str]], name: str) -> set[str]:
    """`name` and every template it uses, directly or through another."""
    seen, todo = {name}, [name]
    while todo:
        for dep in deps.get(todo.pop(), set()) - seen:
            seen.add(dep)
            todo.append(dep)
    return seen


def template_keys(templates: list[Template]) -> dict[str, str]:
    """Per template: a hash of its source and of every template it extends, imports or
    includes — so editing item.html re-renders item pages only, base.html everything."""
    sources = {t.name: t.source for t in templates}
    deps = _references(templates)
    return {name: fingerprint(*(sources.get(n, "") for n in sorted(_closure(deps, name))))
            for name in sources}


LISTS = ("category.html", "archive.html", "org.html", "special.html", "expired.html")


def counts_everywhere(templates: list[Template]) -> frozenset[str]:
    """The list templates whose later pages may show counts: the list's own and (a column's)
    its sub-columns'. The built-in ones show them on the first page only (the page keys of
    `PageRenderer.category` and the others), but a site's own template among those a list is
    made of may show them anywhere, and in more ways than an analysis can follow
    (`category_tree([node])` in base.html, `{{ node }}`)."""
    deps = _references(templates)
    doubtful = {t.name for t in templates if t.own or t.tree is None}
    return frozenset(name for name in LISTS if not doubtful.isdisjoint(_closure(deps, name)))


def brief(item: Item | None) -> tuple[object, ...] | None:
    """What a list, link or neighbour shows of an item: part of other pages' keys."""
    if item is None:
        return None
    return (item.index_no, item.title, item.url, item.date_published, item.doc_no,
            item.validity, item.category.path, item.expired)


_BRIEF_FIELDS = {"index_no", "title", "url", "date_published", "doc_no", "validity", "category",
                 "expired", "body"}  # and the body, which no page but the item's has


class Template(NamedTuple):
    """A template of the theme, as the analyses below read it."""

    name: str
    source: str
    tree: jinja2.nodes.Template | None  # None: it does not parse
    own: bool  # the site's own, not the built-in template this analysis was checked on


def read_templates(env: jinja2.Environment) -> list[Template]:
    """Every file of the theme's templates, parsed once for all the analyses."""
    return [Template(name, source, _parse(env, source), own) for name, source, own in _sources(env)]


def _sources(env: jinja2.Environment) -> Iterator[tuple[str, str, bool]]:
    """Every file of the theme's templates: its name, its text, and whether it is the site's
    own (not the built-in file)."""
    loader = env.loader
    assert loader is not None
    builtin = builtin_theme_dir() / "templates"
    for template in env.list_templates():
        try:
            source = loader.get_source(env, template)[0]
        except (jinja2.TemplateNotFound, UnicodeDecodeError):
            continue
        try:
            own = (builtin / template).read_text(encoding="utf-8") != source
        except (OSError, UnicodeDecodeError):
            own = True
        yield template, source, own


def _parse(env: jinja2.Environment, source: str) -> jinja2.nodes.Template | None:
    try:
        return env.parse(source)
    except jinja2.TemplateSyntaxError:
        return None


@dataclass(frozen=True)
class ThemeAnalysis:
    """What the page keys need to know of the theme's templates (the analyses above and
    below), a function of their sources only."""

    templates: dict[str, str]  # `template_keys`
    listed: tuple[str, ...]  # `listed_fields`
    whole_site: bool  # `reads_whole_site`
    counts_everywhere: frozenset[str]  # `counts_everywhere`


def analyse_theme(env: jinja2.Environment) -> ThemeAnalysis:
    theme = read_templates(env)
    return ThemeAnalysis(template_keys(theme), listed_fields(theme), reads_whole_site(theme),
                         counts_everywhere(theme))


_THEME_ANALYSIS = "theme_analysis"
_BRIEFS = "briefs"  # cache meta: (listed fields, index_no -> brief_key)
_BRIEFS_FOR = "briefs_for"  # and the inputs key of the site model they are right for
_BRIEF_CHANGES = "brief_changes"  # index_no -> brief_key, or None, since `_BRIEFS` was kept
BRIEF_CHANGES_KEPT = 1000  # more, and the briefs are kept whole again


def cached_theme_analysis(env: jinja2.Environment, cache: Cache) -> ThemeAnalysis:
    """`analyse_theme`, kept in the cache under the templates' sources (and the analysing
    code, Jinja's version and the item's fields, which an upgrade may change): parsing every
    template again took a tenth of a one-item rebuild."""
    key = fingerprint(_analysis_code(), jinja2.__version__,
                      [f.name for f in dataclasses.fields(Item)], list(_sources(env)))
    stored = cache.get_meta(_THEME_ANALYSIS)
    if isinstance(stored, bytes):
        try:
            found_key, found = pickle.loads(stored)
        except Exception:  # noqa: BLE001 (a damaged entry: analysed again)
            found_key = found = None
        if found_key == key and isinstance(found, ThemeAnalysis):
            return found
    analysis = analyse_theme(env)
    cache.set_meta(_THEME_ANALYSIS, pickle.dumps((key, analysis), protocol=pickle.HIGHEST_PROTOCOL))
    return analysis


@functools.cache
def _analysis_code() -> str:
    return text_digest(Path(__file__).read_text(encoding="utf-8"))


def _field(node: jinja2.nodes.Node) -> tuple[jinja2.nodes.Node, str | None] | None:
    """For a read of a field (`x.f`, `x['f']`, `x|attr('f')`): what it is read off and the
    field's name (None: not a constant, any field); else None."""
    nodes = jinja2.nodes
    if isinstance(node, nodes.Getattr):
        return node.node, node.attr
    if isinstance(node, nodes.Getitem):
        if isinstance(node.arg, nodes.Const):
            return (node.node, node.arg.value) if isinstance(node.arg.value, str) else None
        return node.node, None
    if isinstance(node, nodes.Filter) and node.name == "attr":
        arg = node.args[0] if node.args else None
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
            return node.node, arg.value
        return node.node, None
    return None


def _root(node: jinja2.nodes.Node) -> str | None:
    """The variable a chain of reads starts from (`older` of `older.category.path`)."""
    while True:
        if isinstance(node, jinja2.nodes.Name):
            return node.name
        read = _field(node)
        if read is None:
            return None
        node = read[0]


# Ways a site's own template may show every field of an item at once.
_WHOLE_ITEM_WORDS = ("__", "pprint", "tojson", "dictsort", "sort_key", "attr(")
_WHOLE_ITEM_FILTERS = {"pprint", "tojson", "string", "dictsort", "list", "items"}
# Names the default templates print whole that are text, not items (`value` and `v`: the
# metadata values `field_value` prints of the page's own item; `label`: a step of `trail`)
_SCALARS = {"title", "page_url", "canonical", "body", "feed", "feed_title", "year", "count",
            "loop", "value", "v", "label"}


def _shows_whole(source: str, tree: jinja2.nodes.Template) -> bool:
    """Whether a site's own template may print an item whole: `{{ i }}`, `{{ i|pprint }}`,
    `i.__dict__`, a property made of several fields."""
    if any(word in source for word in _WHOLE_ITEM_WORDS) or any(
            f.name in _WHOLE_ITEM_FILTERS for f in tree.find_all(jinja2.nodes.Filter)):
        return True
    for output in tree.find_all(jinja2.nodes.Output):
        for expr in output.nodes:
            while isinstance(expr, jinja2.nodes.Filter) and expr.node is not None:
                expr = expr.node
            if isinstance(expr, jinja2.nodes.Name) and expr.name not in _SCALARS:
                return True
    return False


# What leads from a page's context to other items or to counts: in a site's own template any
# read of these reaches what no page key but the whole site's covers, except those reads the
# page keys were made for.
_COLLECTIONS = {"items", "children", "latest", "roots", "nodes", "years", "organizations",
                "replacements", "by_index_no", "neighbours", "parent", "count", "expired_items",
                "current_items", "related", "specials", "listed"}
_KEYED_READS = {("page", "items"), ("node", "children"), ("node", "count")}


# Built-in macros that show other columns' counts, whatever nodes they are given
_COUNTING_MACROS = {"category_tree"}
N = TypeVar("N", bound=jinja2.nodes.Node)


def _outside_counting_macros(node: jinja2.nodes.Node, kind: type[N]) -> Iterator[N]:
    """Every `kind` node of `node` but those inside the definition of `category_tree` (whose
    loop binds `node` to each column it is given, and which calls itself): a site's copy of
    macros.html keeps it, and what it shows is its callers' to answer for
    (`_reaches_other_items`)."""
    for child in node.iter_child_nodes():
        if isinstance(child, jinja2.nodes.Macro) and child.name in _COUNTING_MACROS:
            continue
        if isinstance(child, kind):
            yield child
        yield from _outside_counting_macros(child, kind)


def _keyed_reads(tree: jinja2.nodes.Template) -> set[tuple[str, str]]:
    """`_KEYED_READS`, and the count of each sub-column in `{% for child in node.children %}`
    (a column page's key covers them), where the loop's name is bound nowhere else."""
    nodes = jinja2.nodes
    bound: dict[str, int] = {}
    for name in _outside_counting_macros(tree, jinja2.nodes.Name):
        if name.ctx != "load":
            bound[name.name] = bound.get(name.name, 0) + 1
    # `node` and `page` are the column page's own only where nothing binds them anew (a
    # macro's parameter, a loop: `{% macro crumb(node) %}{{ node.count }}`)
    keyed = {(name, attr) for name, attr in _KEYED_READS if name not in bound}
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.target, nodes.Name) and bound.get(loop.target.name) == 1 \
                and isinstance(loop.iter, nodes.Getattr) and loop.iter.attr == "children" \
                and isinstance(loop.iter.node, nodes.Name) and loop.iter.node.name == "node" \
                and "node" not in bound:
            keyed.add((loop.target.name, "count"))
    return keyed




def _reaches_other_items(tree: jinja2.nodes.Template, counts_all: bool = False) -> bool:
    """`counts_all`: the template's pages are keyed on every column's count (the home page)."""
    nodes = jinja2.nodes
    if not counts_all and any(isinstance(call.node, nodes.Name) and call.node.name in _COUNTING_MACROS
                              for call in _outside_counting_macros(tree, nodes.Call)):
        return True  # {{ category_tree(breadcrumbs) }} in a site's own base.html
    keyed = _keyed_reads(tree)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Const)):
        if isinstance(node, nodes.Const):
            if isinstance(node.value, str) and node.value in _COLLECTIONS:
                return True  # map(attribute='items'), x['children'] …
            continue
        read = _field(node)
        if read is None or (read[1] is not None and read[1] not in _COLLECTIONS):
            continue
        if read[1] is not None and isinstance(read[0], nodes.Name) \
                and (read[0].name, read[1]) in keyed:
            continue
        return True
    return False


# What a page's context holds of other items, printed whole (`{{ node }}`: a column with its
# sub-columns and every item in them)
_WHOLE_NAMES = {"node", "breadcrumbs", "page"}


def _prints_collections(tree: jinja2.nodes.Template) -> bool:
    """Whether a site's own template prints a column, a page or a list of items whole
    (`{{ node }}`, `{{ node.children }}`, `{{ breadcrumbs|join }}`): its text shows every field
    of every item in it, which no page key covers."""
    nodes = jinja2.nodes
    for output in tree.find_all(nodes.Output):
        for expr in output.nodes:
            while isinstance(expr, nodes.Filter) and expr.node is not None:
                expr = expr.node
            if isinstance(expr, nodes.Name) and expr.name in _WHOLE_NAMES:
                return True
            read = _field(expr)
            if read is not None and (read[1] is None or read[1] in _COLLECTIONS - {"count"}):
                return True
    return False


# An Item's properties shown as fields, and the fields each is made of (`sort_key`, which
# names the brief's dates and the 索引号, counts as the whole item: `_WHOLE_ITEM_WORDS`)
_PROPERTY_FIELDS = {"files": ("attachments", "photo")}


def listed_fields(templates: list[Template]) -> tuple[str, ...]:
    """The item fields beyond `brief` that a page may show of an item other than its own: any
    such field named in a template other than item.html (a site's theme may show 内容概述 or
    主题词 in its lists), and in item.html any field read off anything but the page's own
    `item` (its neighbours, `replaced_by`, `replaces`, however written: `older.summary`,
    `older['summary']`, `older|attr('summary')`, a loop that names another item `item`).
    Those pages then depend on them too. It errs towards more: a word in a comment counts,
    and a field read by a name not written out counts as every field."""
    names = {f.name for f in dataclasses.fields(Item)} - _BRIEF_FIELDS
    found: set[str] = set()
    for template, source, tree, own in templates:
        if tree is None or (own and template == "item.html") or (own and _shows_whole(source, tree)):
            # the build will report a broken template; a site's own item page may show its
            # neighbours in more ways than this reads (map(attribute=…), {{ older }}, …)
            return tuple(sorted(names))
        if template != "item.html":
            found.update(name for name in names if name in source)
            found.update(name for prop, made_of in _PROPERTY_FIELDS.items() if prop in source
                         for name in made_of)
            if any(read[1] is None for read in map(_field, tree.find_all(
                    (jinja2.nodes.Getitem, jinja2.nodes.Filter))) if read is not None):
                return tuple(sorted(names))
            continue
        # `item` bound anew anywhere (a loop, a set, a macro's parameter): no read of an
        # `item` is surely the page's own
        rebound = any(n.name == "item" and n.ctx != "load"
                      for n in tree.find_all(jinja2.nodes.Name))
        for node in tree.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem,
                                   jinja2.nodes.Filter)):
            read = _field(node)
            if read is None or (_root(read[0]) == "item" and not rebound):
                continue
            if read[1] is None:
                found.update(names)
            elif read[1] in names:
                found.add(read[1])
            elif read[1] in _PROPERTY_FIELDS:
                found.update(_PROPERTY_FIELDS[read[1]])
    return tuple(sorted(found))


# What of the site model each template may read besides its page's own context, because its
# pages' keys cover it (home: the newest items and the counts; the indexes of years and
# organisations: their counts). Every page's navigation gets `nav_columns` (the first-level
# columns' names and addresses, in the site key) rather than `site.roots`, whose counts
# no page key but the home page's covers.
_SITE_ALWAYS = {"config", "org", "breadcrumbs", "paginate"}
_SITE_FOR = {"home.html": {"latest", "items", "current_items", "expired_items", "nodes", "roots",
                           "specials", "special"},
             "archive_index.html": {"years", "expired_items"}, "org_index.html": {"organizations"},
             "special_index.html": {"specials", "special"}}


def reads_whole_site(templates: list[Template]) -> bool:
    """Whether a template may show what no key of its pages covers: the newest date
    (`site.updated`, or `site.items[0]`), or other items reached through `site` (a "latest"
    list in every page's footer). Then every page's key covers every item's brief and the
    newest date. It errs towards yes: `site` used in any other way than reading one of the
    allowed fields off it (given to a macro, `{% set s = site %}`) counts. The default theme
    shows the newest date through `last_published_js` instead, so that a newer 发布日期 is
    one file, not every page."""
    for template, source, tree, own in templates:
        if "updated" in source or tree is None or (own and (
                _reaches_other_items(tree, counts_all=template == "home.html")
                or _prints_collections(tree))):
            return True
        allowed = _SITE_ALWAYS | _SITE_FOR.get(template, set())
        for node in tree.find_all(jinja2.nodes.Node):
            for child in node.iter_child_nodes():
                if not (isinstance(child, jinja2.nodes.Name) and child.name == "site"
                        and child.ctx == "load"):
                    continue
                read = _field(node)
                if read is None or read[0] is not child or read[1] not in allowed:
                    return True
    return False


LAST_PUBLISHED_JS = "assets/last-published.js"


def last_published_js(site: Site) -> str:
    """The footer's "信息更新至" (the newest 发布日期; no build time: same input, same bytes),
    for the element `#last-published` of every page. The kiosk shows how fresh its copy is."""
    text = f" · 信息更新至 {site.updated.isoformat()}" if site.updated else ""
    return ("// sitegen：最新发布日期，显示在每页页脚。\n"
            "(function () {\n"
            # the last one: the footer's, after any a body may carry (ids in bodies are kept)
            '  var all = document.querySelectorAll("#last-published");\n'
            "  var el = all[all.length - 1];\n"
            f"  if (el) el.textContent = {json.dumps(text, ensure_ascii=False)};\n"
            "})();\n")


PageJob = tuple[str, str, Callable[[], str]]  # url, input key, render


class NavColumn(NamedTuple):
    """A first-level column as every page's navigation shows it."""

    name: str
    url: str


@dataclass
class PageRenderer:
    """Renders every page; each page also has an input key, so a build can skip a page whose
    inputs did not change and keep its previous file."""

    site: Site
    env: jinja2.Environment
    templates: dict[str, str] = field(default_factory=dict)
    site_key: str = ""
    listed: tuple[str, ...] = ()  # `listed_fields`
    whole_site: bool = False  # `reads_whole_site`
    # The list templates a site's own template may make show counts on every page; the
    # built-in ones show them on the first (`category`).
    counts_everywhere: frozenset[str] = frozenset(LISTS)
    # The analysis of the theme, if the caller has it (`cached_theme_analysis`).
    analysis: ThemeAnalysis | None = None
    # An item appears in up to five other pages' keys (neighbours, lists): its brief is
    # turned into text once per build, not once per page.
    _briefs: dict[str, str] = field(default_factory=dict)
    # What `take_briefs` took besides the kept whole: the changes since (None: not kept).
    _taken_changes: dict[str, str | None] | None = None
    _orgs: dict[str, str] = field(default_factory=dict)
    _nav: list[NavColumn] = field(default_factory=list)

    def __post_init__(self) -> None:
        theme = self.analysis or analyse_theme(self.env)
        self.templates = theme.templates
        self.listed = theme.listed
        self.whole_site = theme.whole_site
        self.counts_everywhere = theme.counts_everywhere
        self.site_key = self.make_site_key()

    def for_site(self, site: Site) -> PageRenderer:
        """This renderer, its theme read once, for another model of the same site."""
        other = copy.copy(self)
        other.site, other._briefs, other._orgs = site, {}, {}
        other._taken_changes = None
        other.site_key = other.make_site_key()
        return other

    def make_site_key(self) -> str:
        site = self.site
        everything = (site.updated, self.briefs(site.items)) if self.whole_site else None
        return fingerprint(site.config.identity(), everything,
                           [(n.category.name, n.url) for n in site.roots])

    def key(self, template: str, *parts: object) -> str:
        return fingerprint(self.templates.get(template, ""), self.site_key, *parts)

    def brief_key(self, item: Item | None) -> str:
        if item is None:
            return ""
        found = self._briefs.get(item.index_no)
        if found is None:
            shown = brief(item)
            if self.listed:
                shown = (*shown, *(getattr(item, name) for name in self.listed))
            found = self._briefs[item.index_no] = repr(shown)
        return found

    def briefs(self, items: list[Item]) -> str:
        # A digest: a page key's parts are turned into text with repr, which escapes (and so
        # copies) a long text character by character.
        return text_digest("\n".join(self.brief_key(i) for i in items))

    def keep_briefs(self, cache: Cache, inputs: str, changed: set[str] | None = None) -> None:
        """Keep the briefs made so far for the next build of the same site model (`inputs`:
        the inputs key it is kept under): the lists of a one-item move cover every item,
        and turning them all into text again was a tenth of the build. After `take_briefs`
        (`changed`: the items it left out) only the changes since the whole were kept are
        written (the whole is 3 MB at 10 000 items), until they are many."""
        taken = self._taken_changes
        if changed is not None and taken is not None:
            changes = {**taken, **{n: self._briefs.get(n) for n in changed}}
            if len(changes) <= BRIEF_CHANGES_KEPT:
                cache.set_meta(_BRIEF_CHANGES,
                               pickle.dumps(changes, protocol=pickle.HIGHEST_PROTOCOL))
                cache.set_meta(_BRIEFS_FOR, inputs)
                return
        cache.set_meta(_BRIEFS, pickle.dumps((self.listed, self._briefs),
                                             protocol=pickle.HIGHEST_PROTOCOL))
        cache.set_meta(_BRIEF_CHANGES, pickle.dumps({}))
        cache.set_meta(_BRIEFS_FOR, inputs)

    def take_briefs(self, cache: Cache, inputs: str, changed: set[str]) -> None:
        """Add the briefs `keep_briefs` kept under `inputs` (the site model this renderer's
        is made from), but those of the items `changed` since (by 索引号)."""
        if cache.get_meta(_BRIEFS_FOR) != inputs:
            return
        try:
            listed, briefs = pickle.loads(cache.get_meta(_BRIEFS))
            data = cache.get_meta(_BRIEF_CHANGES)
            changes = pickle.loads(data) if data else {}  # (none kept: a cache of before them)
        except Exception:  # noqa: BLE001 (a damaged entry: made again)
            return
        if listed == self.listed and isinstance(briefs, dict) and isinstance(changes, dict):
            briefs.update(changes)
            kept = {n: b for n, b in briefs.items() if b is not None and n not in changed}
            self._briefs = {**kept, **self._briefs}
            self._taken_changes = changes

    def org_key(self, org_id: str) -> str:
        found = self._orgs.get(org_id)
        if found is None:
            found = self._orgs[org_id] = repr(self.site.org(org_id))
        return found

    def render(self, template: str, page_url: str, **context: Any) -> str:
        site = self.site
        return self.env.get_template(template).render(
            site=site, config=site.config, page_url=page_url, nav_columns=self.nav_columns(),
            canonical=site.config.absolute_url(page_url), **context)

    def nav_columns(self) -> list[NavColumn]:
        if not self._nav:
            self._nav = [NavColumn(n.category.name, n.url) for n in self.site.roots]
        return self._nav

    # -- item pages: rendered in worker processes ------------------------------------------
    def item_context(self, item: Item) -> dict[str, Any]:
        site = self.site
        newer, older = site.neighbours[item.index_no]
        return dict(title=item.title, item=item, org=site.org(item.organization),
                    breadcrumbs=site.breadcrumbs(item.category), newer=newer, older=older,
                    replaced_by=site.by_index_no.get(item.replaced_by),
                    replaces=site.replacements.get(item.index_no, []),
                    related=site.related.get(item.index_no, []),
                    # (past its period it leaves its 专栏's list, as it leaves its column's)
                    specials=[] if item.expired else [site.special(name) for name in item.specials],
                    feed=site.nodes[item.category.path].feed_url, feed_title=item.category.path)

    def item_inputs(self, item: Item) -> str:
        """The input key of an item page, all but its body (whose key is `body_key`, and
        which is the same while every link in it resolves the same way)."""
        site = self.site
        newer, older = site.neighbours[item.index_no]
        # An Item is a function of its file's bytes and the config (in site_key), except the
        # attachment sizes, which come from other files.
        # `validity`, `validity_pending` and `expired` change with the build's today
        # (`validate.as_of`).
        return self.key("item.html", item.digest, item.url, item.content_rel, item.attachments,
                        item.validity, item.validity_pending, item.expired,
                        self.org_key(item.organization), self.brief_key(newer),
                        self.brief_key(older), self.brief_key(site.by_index_no.get(item.replaced_by)),
                        self.briefs(site.replacements.get(item.index_no, [])),
                        self.briefs(site.related.get(item.index_no, [])))

    def item(self, item: Item, body_html: str) -> str:
        return self.render("item.html", item.url, body=body_html, **self.item_context(item))

    # -- every other page --------------------------------------------------------------------
    def site_pages(self, only: Container[str] | None = None, keyed: bool = True
                   ) -> Iterator[PageJob]:
        """Every page but the items'; or the pages of the lists named in `only`
        (`list_names`: a build that moved a few items makes those lists only). Not `keyed`:
        their addresses, their keys left empty (listing a site as it was)."""
        site = self.site
        if only is None or "home" in only:
            counts = [(n.category.path, n.count) for n in site.nodes.values()] + \
                [(name, len(items)) for name, items in site.specials.items()]
            yield ("index.html", self.key("home.html", self.briefs(site.latest), counts,
                                          len(site.items), len(site.expired_items)),
                   lambda: self.render("home.html", "index.html", title=site.config.name))
        for node in site.nodes.values():
            if only is None or f"category/{node.category.path}" in only:
                yield from self.category(node, keyed)
        yield from self.archives(only, keyed)
        yield from self.organizations(only, keyed)
        yield from self.specials(only, keyed)
        if only is None or "expired" in only:
            yield from self.expired(keyed)
        for url, template, title in (("search.html", "search.html", "站内搜索"),
                                     (VIEWER, VIEWER, "查看附件"),
                                     ("404.html", "404.html", "页面不存在")):
            if only is None or url in only:
                yield (url, self.key(template, url),
                       lambda u=url, t=template, ti=title: self.render(t, u, title=ti))

    def _count(self, template: str, page: Pagination, count: int) -> int | None:
        """A list's count, as far as its page shows it (the built-in lists: the first)."""
        return count if page.number == 1 or template in self.counts_everywhere else None

    def category(self, node: CategoryNode, keyed: bool = True) -> Iterator[PageJob]:
        crumbs = self.site.breadcrumbs(node.category)
        children = [(c.category.name, c.url, c.count) for c in node.children]
        # (what the built-in category.html shows of them after the first page)
        everywhere = "category.html" in self.counts_everywhere
        later_children = children if everywhere else [c[:2] for c in children]
        for page in self.site.paginate(node.listed, node.page_url):
            url = page.urls[page.number - 1]
            key = self.key("category.html", node.category, page.number, page.total,
                           self.briefs(page.items),
                           children if page.number == 1 else later_children,
                           self._count("category.html", page, node.count)) if keyed else ""
            yield (url, key, lambda u=url, p=page: self.render(
                "category.html", u, title=node.category.name, node=node, page=p,
                breadcrumbs=crumbs, feed=node.feed_url, feed_title=node.category.path))

    def archives(self, only: Container[str] | None = None, keyed: bool = True
                 ) -> Iterator[PageJob]:
        years = [(y, len(items)) for y, items in self.site.years.items()]
        if only is None or "archive" in only:
            yield ("archive/index.html", self.key("archive_index.html", years,
                                                  len(self.site.expired_items)),
                   lambda: self.render("archive_index.html", "archive/index.html",
                                       title="按年份浏览"))
        for year, items in self.site.years.items():
            if only is not None and f"archive/{year}" not in only:
                continue
            count = len(items)
            for page in self.site.paginate(items, lambda n, y=year: _numbered(f"archive/{y}", n)):
                url = page.urls[page.number - 1]
                key = self.key("archive.html", year, page.number, page.total,
                               self._count("archive.html", page, count),
                               self.briefs(page.items)) if keyed else ""
                yield (url, key,
                       lambda u=url, y=year, p=page, c=count: self.render(
                           "archive.html", u, title=f"{y}年发布的信息", year=y, page=p, count=c))

    def expired(self, keyed: bool = True) -> Iterator[PageJob]:
        """The list of 限时公开 items past their 公开截止日期 (none: no page)."""
        items = self.site.expired_items
        if not items:
            return
        count = len(items)
        for page in self.site.paginate(items, lambda n: _numbered(EXPIRED_STEM, n)):
            url = page.urls[page.number - 1]
            key = self.key("expired.html", page.number, page.total,
                           self._count("expired.html", page, count),
                           self.briefs(page.items)) if keyed else ""
            yield (url, key, lambda u=url, p=page, c=count: self.render(
                "expired.html", u, title="已过公开期限的信息", page=p, count=c))

    def organizations(self, only: Container[str] | None = None, keyed: bool = True
                      ) -> Iterator[PageJob]:
        orgs = [(o, len(items)) for o, items in self.site.organizations.items()]
        if only is None or "org" in only:
            yield ("org/index.html", self.key("org_index.html", orgs),
                   lambda: self.render("org_index.html", "org/index.html", title="按发布机构浏览"))
        for org_id, items in self.site.organizations.items():
            if only is not None and f"org/{org_id}" not in only:
                continue
            org, count = self.site.org(org_id), len(items)
            for page in self.site.paginate(items, lambda n, o=org_id: _numbered(f"org/{o}", n)):
                url = page.urls[page.number - 1]
                key = self.key("org.html", self.org_key(org_id), page.number, page.total,
                               self._count("org.html", page, count),
                               self.briefs(page.items)) if keyed else ""
                yield (url, key,
                       lambda u=url, o=org, p=page, c=count: self.render(
                           "org.html", u, title=o.full_name, org=o, page=p, count=c))


    def specials(self, only: Container[str] | None = None, keyed: bool = True
                 ) -> Iterator[PageJob]:
        """专题专栏: the list of 专栏 and each one's pages (none without [[special]])."""
        if not self.site.specials:
            return
        counts = [(name, len(items)) for name, items in self.site.specials.items()]
        if only is None or SPECIAL_DIR in only:
            index = f"{SPECIAL_DIR}/index.html"
            yield (index, self.key("special_index.html", self.site.config.specials, counts),
                   lambda: self.render("special_index.html", index, title="专题专栏"))
        for name, items in self.site.specials.items():
            special = self.site.special(name)
            if only is not None and f"{SPECIAL_DIR}/{special.slug}" not in only:
                continue
            count = len(items)
            for page in self.site.paginate(items, lambda n, s=special.slug: _numbered(f"{SPECIAL_DIR}/{s}", n)):
                url = page.urls[page.number - 1]
                key = self.key("special.html", special, page.number, page.total,
                               self._count("special.html", page, count),
                               self.briefs(page.items)) if keyed else ""
                yield (url, key, lambda u=url, s=special, p=page, c=count: self.render(
                    "special.html", u, title=s.name, special=s, page=p, count=c))


def move_briefs(cache: Cache, was: str, inputs: str) -> None:
    """The briefs kept under the inputs key `was` are right for the model of the build of
    `inputs` too: a quick build that changed nothing any list shows (no brief, and none of the
    fields a theme lists: `quick.py` checks that) and so rendered no list."""
    if cache.get_meta(_BRIEFS_FOR) == was:
        cache.set_meta(_BRIEFS_FOR, inputs)


def list_names(site: Site, item: Item) -> set[str]:
    """The names (for `PageRenderer.site_pages`) of the pages that list `item` or count
    what it is filed under: the home page, the indexes of years and organisations, and its
    column, the columns above it, its year and its organisation. No other page of the site
    shows it (while the theme shows other items only through the lists)."""
    return {"home", "archive", "org", "expired", f"archive/{item.date_published.year}",
            f"org/{item.organization}", SPECIAL_DIR,
            *(f"{SPECIAL_DIR}/{site.special(name).slug}" for name in item.specials),
            *(f"category/{c.path}" for c in site.config.categories.ancestors(item.category))}


EXPIRED_STEM = "archive/expired"  # (archive/: a reserved slug, and years are numbers)
# A PDF attachment on a kiosk (from disk, or with kiosk_idle_minutes) opens in this page, with a
# way back and the idle reset, instead of in the browser's viewer, which has neither (site.js).
VIEWER = "viewer.html"
NOT_IN_SITEMAP = ("404.html", VIEWER)  # pages for the browser, not for a search engine


def _numbered(stem: str, number: int) -> str:
    """Page 1 keeps the plain name (links and bookmarks to it stay valid), then -2, -3 …"""
    return f"{stem}.html" if number == 1 else f"{stem}-{number}.html"
