"""`sitegen.toml`: a typed, validated site configuration.

The category tree and the organisations are configuration, not code (domain.md S2): each
publishing organ chooses its own tree, and one catalogue may host several organisations (S1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from sitegen.diagnostics import Report

CONFIG_FILE = "sitegen.toml"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PLACEHOLDER_RE = re.compile(r"\{(org_code|year|seq)(?::(\d+))?\}")


@dataclass(frozen=True)
class IndexNoPattern:
    """A 索引号 template such as `{org_code}/{year}-{seq:5}` (national format, domain.md §c.1)."""

    template: str
    org_code: str

    def regex(self) -> re.Pattern[str]:
        parts: list[str] = []
        pos = 0
        for m in _PLACEHOLDER_RE.finditer(self.template):
            parts.append(re.escape(self.template[pos : m.start()]))
            name, width = m.group(1), m.group(2)
            if name == "org_code":
                parts.append(re.escape(self.org_code))
            elif name == "year":
                parts.append(r"(?P<year>\d{4})")
            else:
                parts.append(rf"(?P<seq>\d{{{width}}})" if width else r"(?P<seq>\d+)")
            pos = m.end()
        parts.append(re.escape(self.template[pos:]))
        return re.compile("^" + "".join(parts) + "$")

    def example(self, year: int = 2010, seq: int = 1) -> str:
        return self.format(year, seq)

    def format(self, year: int, seq: int) -> str:
        def sub(m: re.Match[str]) -> str:
            name, width = m.group(1), m.group(2)
            if name == "org_code":
                return self.org_code
            if name == "year":
                return f"{year:04d}"
            return f"{seq:0{int(width)}d}" if width else str(seq)

        return _PLACEHOLDER_RE.sub(sub, self.template)


@dataclass(frozen=True)
class Calendar:
    """The site's own entries in the holiday table (`[calendar]`): the State Council's
    arrangement for a year the chinesecalendar release lacks (it is published each November;
    the release follows later), entered from 国务院办公厅 的节假日安排通知. Sorted, for a
    stable config identity."""

    holidays: tuple[dt.date, ...] = ()  # 放假 days (weekdays among them are not 工作日)
    workdays: tuple[dt.date, ...] = ()  # 调休上班: weekend days that are 工作日

    @property
    def years(self) -> frozenset[int]:
        """The years the site's entries describe."""
        return frozenset(d.year for d in (*self.holidays, *self.workdays))


@dataclass(frozen=True)
class Organization:
    id: str
    full_name: str
    short_name: str
    org_code: str
    level: str = ""
    deadline_workdays: int = 20
    index_no_pattern: str = "{org_code}/{year}-{seq:5}"
    address: str = ""
    phone: str = ""
    hours: str = ""
    fax: str = ""
    email: str = ""

    @property
    def index_pattern(self) -> IndexNoPattern:
        return IndexNoPattern(self.index_no_pattern, self.org_code)


@dataclass(frozen=True)
class Category:
    names: tuple[str, ...]  # ("法定主动公开内容", "财政预决算")
    slugs: tuple[str, ...]  # ("fdzdgknr", "czyjs")
    aliases: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.names[-1]

    @functools.cached_property  # asked for each item, many times a build
    def path(self) -> str:
        return "/".join(self.names)

    @functools.cached_property
    def folder(self) -> str:
        """Output folder of this category, "/"-separated, no trailing slash."""
        return "/".join(self.slugs)

    @property
    def depth(self) -> int:
        return len(self.names)


@dataclass
class CategoryTree:
    categories: list[Category] = field(default_factory=list)  # in configured order

    _paths: tuple[int, dict[str, Category]] = field(default=(-1, {}), repr=False, compare=False)

    def by_path(self) -> dict[str, Category]:
        # Asked for every item's breadcrumbs: built again only when a category was added.
        if self._paths[0] != len(self.categories):
            self._paths = (len(self.categories), {c.path: c for c in self.categories})
        return self._paths[1]

    def children(self, parent: Category | None) -> list[Category]:
        depth = 1 if parent is None else parent.depth + 1
        prefix = () if parent is None else parent.names
        return [c for c in self.categories if c.depth == depth and c.names[: depth - 1] == prefix]

    def is_leaf(self, cat: Category) -> bool:
        return not self.children(cat)

    def parent(self, cat: Category) -> Category | None:
        return self.by_path().get("/".join(cat.names[:-1])) if cat.depth > 1 else None

    def ancestors(self, cat: Category) -> list[Category]:
        """From the top-level category down to `cat` itself."""
        paths = self.by_path()
        return [paths["/".join(cat.names[: i + 1])] for i in range(cat.depth)]

    def resolve(self, value: str) -> tuple[Category | None, list[Category]]:
        """Find a category by full path, unique leaf name or alias.

        Returns the category (or None) and, when none or several match, the candidates to
        suggest."""
        value = value.strip().strip("/")
        paths = self.by_path()
        if value in paths:
            return paths[value], []
        hits = [c for c in self.categories if c.name == value or value in c.aliases]
        if len(hits) == 1:
            return hits[0], []
        if hits:
            return None, hits
        words = {c.path: c for c in self.categories}
        words.update({c.name: c for c in self.categories})
        close = difflib.get_close_matches(value, list(words), n=3, cutoff=0.5)
        return None, list(dict.fromkeys(words[w] for w in close))


@dataclass
class SiteConfig:
    root: Path
    name: str
    base_url: str
    language: str
    organization: str
    page_size: int
    feed_length: int
    theme: str
    organizations: dict[str, Organization]
    categories: CategoryTree
    content_dir: str = "content"
    summary_max: int = 300
    calendar: Calendar = Calendar()

    def identity(self) -> str:
        """Everything that shapes the site, for cache keys: not where the site folder is."""
        return repr(dataclasses.replace(self, root=Path(".")))

    @property
    def default_org(self) -> Organization:
        return self.organizations[self.organization]

    def absolute_url(self, rel: str) -> str:
        return self.base_url + quote(rel, safe="/-._~")

    @property
    def base_path(self) -> str:
        """The path the site is published under ("/xxgk/"), percent-encoded; "" when no
        base_url is set."""
        if not self.base_url:
            return ""
        return quote(unquote(urlsplit(self.base_url).path) or "/", safe="/-._~")


def suggest_org(config: SiteConfig, value: str) -> list[str]:
    return difflib.get_close_matches(value, list(config.organizations), n=3, cutoff=0.4)


def load_config(root: Path, report: Report) -> SiteConfig | None:
    """Read and validate `root/sitegen.toml`; problems go to `report`."""
    path = root / CONFIG_FILE
    if not path.is_file():
        report.error(CONFIG_FILE, f"找不到站点配置文件 {path}；请先运行 `sitegen init 目录` 创建站点")
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        report.error(CONFIG_FILE, f"配置文件不是 UTF-8 编码（第 {exc.start} 字节）")
        return None
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        report.error(CONFIG_FILE, f"TOML 语法错误：{exc}", line=line)
        return None
    return _parse(root, data, report)


def _toml_error_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def _str(table: dict[str, object], key: str, where: str, report: Report, default: str | None = None,
         ) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        report.error(CONFIG_FILE, f"{where}.{key} 应为非空文本，实际为 {value!r}", field=key)
        return default or ""
    return value


def _int(table: dict[str, object], key: str, where: str, report: Report, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        report.error(CONFIG_FILE, f"{where}.{key} 应为正整数，实际为 {value!r}", field=key)
        return default
    return value


def _parse(root: Path, data: dict[str, object], report: Report) -> SiteConfig | None:
    site = data.get("site")
    if not isinstance(site, dict):
        report.error(CONFIG_FILE, "缺少 [site] 段（站点名称、base_url 等）")
        return None
    errors_before = len(report.errors)
    base_url = _str(site, "base_url", "site", report)
    if base_url and not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
        report.error(CONFIG_FILE, f"site.base_url 应为 http(s):// 开头的完整地址，实际为 {base_url!r}",
                     field="base_url")
    if base_url and not base_url.endswith("/"):
        base_url += "/"

    orgs: dict[str, Organization] = {}
    raw_orgs = data.get("organization", [])
    if not isinstance(raw_orgs, list) or not raw_orgs:
        report.error(CONFIG_FILE, "至少需要一个 [[organization]]（发布机构）")
        raw_orgs = []
    for i, raw in enumerate(raw_orgs):
        where = f"organization[{i}]"
        if not isinstance(raw, dict):
            report.error(CONFIG_FILE, f"{where} 应为表")
            continue
        org = Organization(
            id=_str(raw, "id", where, report),
            full_name=_str(raw, "full_name", where, report),
            short_name=_str(raw, "short_name", where, report, default=str(raw.get("full_name", ""))),
            org_code=_str(raw, "org_code", where, report),
            level=_str(raw, "level", where, report, default=""),
            deadline_workdays=_int(raw, "deadline_workdays", where, report, 20),
            index_no_pattern=_str(raw, "index_no_pattern", where, report,
                                  default="{org_code}/{year}-{seq:5}"),
            address=_str(raw, "address", where, report, default=""),
            phone=_str(raw, "phone", where, report, default=""),
            hours=_str(raw, "hours", where, report, default=""),
            fax=_str(raw, "fax", where, report, default=""),
            email=_str(raw, "email", where, report, default=""),
        )
        if org.id and not SLUG_RE.match(org.id):
            report.error(CONFIG_FILE, f"{where}.id 只能由小写字母、数字、-、_ 组成（用作网址），实际为 {org.id!r}",
                         field="id")
        if org.id in orgs:
            report.error(CONFIG_FILE, f"发布机构 id 重复：{org.id}", field="id")
        if "{seq" not in org.index_no_pattern:
            report.error(CONFIG_FILE, f"{where}.index_no_pattern 必须包含 {{seq}} 或 {{seq:N}}，"
                         f"实际为 {org.index_no_pattern!r}", field="index_no_pattern")
        orgs[org.id] = org

    default_org = _str(site, "organization", "site", report,
                       default=next(iter(orgs), ""))
    if orgs and default_org not in orgs:
        report.error(CONFIG_FILE, f"site.organization 应为已配置的发布机构 id（{', '.join(orgs)}），"
                     f"实际为 {default_org!r}", field="organization")

    theme = site.get("theme", "default")
    if not isinstance(theme, str) or not SLUG_RE.match(theme):
        report.error(CONFIG_FILE, f"site.theme 应为 themes/ 下的主题文件夹名（小写字母、数字、-、_），"
                     f"实际为 {theme!r}", field="theme")
    tree = _parse_categories(data.get("category", []), report)
    calendar = _parse_calendar(data.get("calendar"), report)
    if len(report.errors) > errors_before:
        return None
    return SiteConfig(
        root=root,
        name=_str(site, "name", "site", report),
        base_url=base_url,
        language=_str(site, "language", "site", report, default="zh-CN"),
        organization=default_org,
        page_size=_int(site, "page_size", "site", report, 20),
        feed_length=_int(site, "feed_length", "site", report, 20),
        theme=_str(site, "theme", "site", report, default="default"),
        organizations=orgs,
        categories=tree,
        summary_max=_int(site, "summary_max", "site", report, 300),
        calendar=calendar,
    )


_RANGE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:至|到|\.\.|~|～)\s*(\d{4}-\d{2}-\d{2})\s*$")
_WEEKDAYS = "一二三四五六日"


def _dates(raw: object, where: str, report: Report) -> list[dt.date]:
    """A [calendar] list: TOML dates, "2027-01-01" or "2027-02-06 至 2027-02-12"."""
    if not isinstance(raw, list):
        report.error(CONFIG_FILE, f"{where} 应为日期列表，例如 [\"2027-01-01\", \"2027-02-06 至 2027-02-12\"]，"
                     f"实际为 {raw!r}", field=where.split(".")[-1])
        return []
    found: list[dt.date] = []
    for i, entry in enumerate(raw, start=1):
        first = last = None
        if isinstance(entry, dt.date) and not isinstance(entry, dt.datetime):
            first = last = entry
        elif isinstance(entry, str):
            m = _RANGE_RE.match(entry)
            texts = m.groups() if m else (entry.strip(), entry.strip())
            try:
                first, last = (dt.date.fromisoformat(t) for t in texts)
            except ValueError:
                first = last = None
        if first is None or last is None or last < first or (last - first).days > 31:
            report.error(CONFIG_FILE, f"{where} 第 {i} 项应为日期（2027-01-01）或不超过一个月的日期范围"
                         f"（2027-02-06 至 2027-02-12），实际为 {entry!r}", field=where.split(".")[-1])
            continue
        found.extend(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return found


def _parse_calendar(raw: object, report: Report) -> Calendar:
    if raw is None:
        return Calendar()
    if not isinstance(raw, dict):
        report.error(CONFIG_FILE, f"[calendar] 应为表（holidays、workdays），实际为 {raw!r}")
        return Calendar()
    for key in raw.keys() - {"holidays", "workdays"}:
        report.warning(CONFIG_FILE, f"[calendar] 中的未知字段“{key}”（只有 holidays 放假日、"
                       f"workdays 调休上班日）", field=key)
    holidays = set(_dates(raw.get("holidays", []), "calendar.holidays", report))
    workdays = set(_dates(raw.get("workdays", []), "calendar.workdays", report))
    for day in sorted(holidays & workdays):
        report.error(CONFIG_FILE, f"{day} 同时列在 calendar.holidays（放假）和 calendar.workdays（上班）中",
                     field="workdays")
    for day in sorted(workdays):
        if day.weekday() < 5:
            report.error(CONFIG_FILE, f"calendar.workdays 中的 {day} 是星期{_WEEKDAYS[day.weekday()]}："
                         f"调休上班日应为周六或周日", field="workdays")
    return Calendar(tuple(sorted(holidays)), tuple(sorted(workdays)))


def _parse_categories(raw: object, report: Report) -> CategoryTree:
    tree = CategoryTree()
    if not isinstance(raw, list) or not raw:
        report.error(CONFIG_FILE, "至少需要一个 [[category]]（信息分类）")
        return tree
    by_path: dict[str, Category] = {}
    for i, entry in enumerate(raw):
        where = f"category[{i}]"
        if not isinstance(entry, dict):
            report.error(CONFIG_FILE, f"{where} 应为表")
            continue
        path = _str(entry, "path", where, report)
        slug = _str(entry, "slug", where, report)
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            report.error(CONFIG_FILE, f"{where}.aliases 应为文本列表", field="aliases")
            aliases = []
        names = tuple(p.strip() for p in path.split("/"))
        if not path or any(not n for n in names):
            continue
        if not SLUG_RE.match(slug):
            report.error(CONFIG_FILE, f"分类“{path}”的 slug 只能由小写字母、数字、-、_ 组成，实际为 {slug!r}",
                         field="slug")
            continue
        parent = by_path.get("/".join(names[:-1])) if len(names) > 1 else None
        if len(names) > 1 and parent is None:
            report.error(CONFIG_FILE, f"分类“{path}”的上级分类“{'/'.join(names[:-1])}”未定义（上级必须写在前面）",
                         field="path")
            continue
        if path in by_path:
            report.error(CONFIG_FILE, f"分类路径重复：{path}", field="path")
            continue
        slugs = (parent.slugs if parent else ()) + (slug,)
        if any(c.slugs == slugs for c in by_path.values()):
            report.error(CONFIG_FILE, f"分类“{path}”的 slug “{slug}”与同级分类重复", field="slug")
            continue
        cat = Category(names=names, slugs=slugs, aliases=tuple(aliases))
        by_path[path] = cat
        tree.categories.append(cat)
    reserved = {"assets", "archive", "org", "files"}
    for cat in tree.categories:
        if cat.depth == 1 and cat.slugs[0] in reserved:
            report.error(CONFIG_FILE, f"顶级分类 slug “{cat.slugs[0]}”与站点保留目录冲突：{sorted(reserved)}",
                         field="slug")
    return tree
