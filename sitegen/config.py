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
from collections.abc import Iterable, Iterator
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

    def described(self) -> str:
        """The template in words an officer reads: 机构代码 31421567X/年份-5 位序号."""
        def sub(m: re.Match[str]) -> str:
            name, width = m.group(1), m.group(2)
            if name == "org_code":
                return f"机构代码 {self.org_code} "
            if name == "year":
                return "年份"
            return f"{width} 位序号" if width else "序号"

        return _PLACEHOLDER_RE.sub(sub, self.template).replace(" /", "/")

    def next_free(self, year: int, used: Iterable[str]) -> str:
        """The 索引号 after the highest of `year` among `used` (of any organisation)."""
        regex = self.regex()
        highest = 0
        for index_no in used:
            m = regex.match(index_no)
            if m and m.groupdict().get("year", str(year)) == str(year):
                highest = max(highest, int(m.group("seq")))
        return self.format(year, highest + 1)

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


# 机构层级. 省, 市, 县: a 地方人民政府 itself, whose annual report is due by 31 March; every
# other level (a department, a 乡镇街道) by 31 January (条例第四十九条, `annual.deadline`).
LEVELS = ("国务院部门", "省", "市", "县", "省级部门", "市级部门", "县级部门", "乡镇街道", "公共企事业单位")
# what an officer may write for a level of the list: the level it is
_LEVEL_HINTS = {"自治区": "省", "直辖市": "省", "地级市": "市", "自治州": "市", "盟": "市", "区": "县",
                "市辖区": "县", "县级市": "县", "旗": "县", "自治县": "县", "街道": "乡镇街道",
                "乡镇": "乡镇街道", "乡": "乡镇街道", "镇": "乡镇街道"}


def _level_hint(level: str) -> str:
    """"（区人民政府请写 “县”）" for a level written as the place calls itself."""
    word = level.strip().removesuffix("人民政府").removesuffix("政府").removesuffix("级")
    meant = _LEVEL_HINTS.get(word)
    if meant is None:
        return ""
    return f"（{word}{'人民政府' if meant in ('省', '市', '县') else ''}请写 “{meant}”）"


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
    # 规章 and 行政规范性文件: every item says whether it is in force (domain.md §c.2; the annual
    # report counts the ones 现行有效).
    validity_required: bool = False

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

    def final(self, among: list[Category]) -> list[Category]:
        """The final categories (which alone take items) among `among` and below them."""
        return [c for c in self.categories if self.is_leaf(c) and any(
            c.path == w.path or c.path.startswith(w.path + "/") for w in among)]

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


_URL_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")  # what quote(…, safe="/-._~") leaves as it is


@functools.lru_cache(maxsize=8)
def _url_prefix(base_url: str) -> str:
    """base_url with its path percent-encoded too (`https://x.gov.cn/政府/公开/`): the sitemap
    protocol and RSS readers want URLs, not IRIs; once, as base_path is."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" + quote(unquote(parts.path), safe="/-._~")



@dataclass(frozen=True)
class Special:
    """A 专栏/专题: items of several columns gathered under one theme (防汛防台, 社会救助),
    which the portal shows apart from the column tree (domain.md S7, "专栏姓专")."""

    name: str
    slug: str
    description: str = ""

    @property
    def url(self) -> str:
        return f"{SPECIAL_DIR}/{self.slug}.html"


SPECIAL_DIR = "special"  # (a reserved slug: no column may take it)

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
    kiosk_idle_minutes: float = 0  # a kiosk goes back to the home page after this long idle
    specials: tuple[Special, ...] = ()  # [[special]], in the order written

    def identity(self) -> str:
        """Everything that shapes the site, for cache keys: not where the site folder is."""
        return repr(dataclasses.replace(self, root=Path(".")))

    @property
    def default_org(self) -> Organization:
        return self.organizations[self.organization]

    def absolute_url(self, rel: str) -> str:
        # (for every page of the sitemap: the prefix once, and no quote() where none is due)
        return _url_prefix(self.base_url) + (rel if _URL_SAFE.fullmatch(rel) else quote(rel, safe="/-._~"))

    @property
    def base_path(self) -> str:
        """The path the site is published under ("/xxgk/"), percent-encoded; "" when no
        base_url is set."""
        if not self.base_url:
            return ""
        # One slash for several: `<base href="//evil.example/">` would load the 404 page's
        # scripts from another host.
        path = re.sub(r"/{2,}", "/", unquote(urlsplit(self.base_url).path) or "/")
        return quote(path, safe="/-._~")


def suggest_org(config: SiteConfig, value: str) -> list[str]:
    """The ids of the organisations whose id, full name or short name is close to `value`
    (河南省住建厅: henan-zjt, by its short name 省住建厅)."""
    names = {name: org.id for org in config.organizations.values()
             for name in (org.id, org.full_name, org.short_name) if name}
    close = difflib.get_close_matches(value, list(names), n=3, cutoff=0.4)
    return list(dict.fromkeys(names[name] for name in close))


def org_shown(org: Organization) -> str:
    """"henan-zjt（河南省住房和城乡建设厅，省住建厅）": an id with what it stands for."""
    names = dict.fromkeys(n for n in (org.full_name, org.short_name) if n)
    return f"{org.id}（{'，'.join(names)}）" if names else org.id


def load_config(root: Path, report: Report) -> SiteConfig | None:
    """Read and validate `root/sitegen.toml`; problems go to `report`, all of them at once,
    each with its line and the key's Chinese label."""
    path = root / CONFIG_FILE
    if not path.is_file():
        report.error(CONFIG_FILE, f"找不到站点配置文件 {path}；请先运行 `sitegen init 目录` 创建站点")
        return None
    config = _load(root, path, report)
    report.config_failed = config is None
    return config


def _load(root: Path, path: Path, report: Report) -> SiteConfig | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        report.error(CONFIG_FILE, f"配置文件不是 UTF-8 编码（第 {exc.start} 字节）；请用 UTF-8 保存")
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        report.error(CONFIG_FILE, _toml_error(str(exc)), line=_toml_error_line(str(exc)))
        return None
    except RecursionError:  # tomllib reads nested lists and tables recursively
        report.error(CONFIG_FILE, "配置文件嵌套过深（列表 [ ] 或内联表 { } 套了上千层），无法读取："
                     "请检查是否误写或误粘贴了大量 [ 或 {")
        return None
    return _parse(root, data, _Checker(report, text))


# What tomllib says, and what it usually means to someone editing the file by hand.
_TOML_HINTS = [
    ("Invalid value", "值的写法不对：文本要用英文双引号括起来（name = \"某某街道\"），数字不加引号，列表写作 [ ]"),
    ("Expected '=' after a key", "键后面缺少 =：每行应为 键 = 值"),
    ("Cannot overwrite a value", "同一个键写了两次"),
    ("Cannot declare", "同一个表（[名称]）写了两次"),
    ("Unclosed array", "列表缺少右方括号 ]"),
    ("Unterminated string", "文本缺少结尾的引号"),
    ("Illegal character", "文本中有不允许的字符（如制表符以外的控制字符）"),
    ("Invalid statement", "无法识别的一行：每行应为 键 = 值，或 [表名]"),
    ("Expected newline or end of document", "一行只能写一个 键 = 值"),
]


def _toml_error(message: str) -> str:
    detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    hint = next((h for prefix, h in _TOML_HINTS if detail.startswith(prefix)), "")
    at = re.search(r"line (\d+), column (\d+)", message)
    where = f"（第 {at[1]} 行第 {at[2]} 列）" if at else ""
    return f"TOML 语法错误{where}：{hint + '。' if hint else ''}原文：{detail}"


def _toml_error_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


# The Chinese label of each key of sitegen.toml, for messages.
CONFIG_LABELS = {
    "name": "站点名称", "base_url": "站点网址", "language": "语言", "organization": "默认发布机构",
    "page_size": "每页条数", "feed_length": "RSS 条数", "theme": "主题", "summary_max": "内容概述字数上限",
    "kiosk_idle_minutes": "查阅终端空闲返回首页分钟数",
    "id": "机构代号", "full_name": "机构全称", "short_name": "机构简称", "org_code": "组织机构代码",
    "level": "机构层级", "deadline_workdays": "公开时限工作日数", "index_no_pattern": "索引号格式",
    "address": "地址", "phone": "电话", "hours": "办公时间", "fax": "传真", "email": "电子邮箱",
    "path": "分类路径", "slug": "网址名", "aliases": "别名",
    "validity_required": "必须填写有效性",
    "holidays": "放假日", "workdays": "调休上班日",
    "site": "站点", "category": "信息分类", "calendar": "节假日安排",
    "description": "简介", "special": "专栏",
    # a key another table also has, in its own sense
    "special.name": "专栏名称", "special.slug": "网址名",
}


def _label(where: str, key: str | None) -> str | None:
    """The Chinese label of `key` in the table `where` ("special[0]": 专栏名称, not 站点名称)."""
    table = where.split("[")[0]
    return CONFIG_LABELS.get(f"{table}.{key}") or CONFIG_LABELS.get(key or "")
SITE_KEYS = ("name", "base_url", "language", "organization", "page_size", "feed_length", "theme",
             "summary_max", "kiosk_idle_minutes")
ORGANIZATION_KEYS = tuple(f.name for f in dataclasses.fields(Organization))
CATEGORY_KEYS = ("path", "slug", "aliases", "validity_required")
CALENDAR_KEYS = ("holidays", "workdays")
SPECIAL_KEYS = ("name", "slug", "description")
TABLES = {"site": SITE_KEYS, "organization": ORGANIZATION_KEYS, "category": CATEGORY_KEYS,
          "calendar": CALENDAR_KEYS, "special": SPECIAL_KEYS}
_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(?:#.*)?$")


def _open_string(line: str, quote: str) -> str:
    """The multi-line string (its quotes) still open at the end of `line`, given the one open
    at its start: quotes inside one-line strings and comments do not count."""
    i = 0
    while i < len(line):
        if quote:
            end = line.find(quote, i)
            if end < 0:
                return quote
            i, quote = end + 3, ""
            continue
        c = line[i]
        if c == "#":
            return ""
        if line.startswith(('"""', "'''"), i):
            quote, i = line[i:i + 3], i + 3
        elif c in "\"'":
            end = i + 1
            while end < len(line) and line[end] != c:
                end += 2 if c == '"' and line[end] == "\\" else 1
            i = end + 1
        else:
            i += 1
    return quote


class _Checker:
    """The report of one sitegen.toml, which knows where each table and key is written:
    `where` is "site", "organization[0]", "category[3]" or "calendar" (the tables of the file
    are simple enough to find by their header lines)."""

    def __init__(self, report: Report, text: str) -> None:
        self.report = report
        self.lines = text.splitlines()
        self.headers: dict[str, int] = {}  # where -> line (1-based)
        counts: dict[str, int] = {}
        self.in_string: set[int] = set()  # lines inside a multi-line string (1-based)
        quote = ""
        for number, line in enumerate(self.lines, start=1):
            if quote:
                self.in_string.add(number)
            quote = _open_string(line, quote)
            m = None if number in self.in_string else _HEADER_RE.match(line)
            if m:
                name = m[2]
                if m[1] == "[[":
                    name = f"{name}[{counts.get(name, 0)}]"
                    counts[m[2]] = counts.get(m[2], 0) + 1
                self.headers.setdefault(name, number)

    def line(self, where: str, key: str | None = None) -> int | None:
        start = self.headers.get(where)
        if start is None or key is None:
            return start
        key_re = re.compile(rf'^\s*(["\']?){re.escape(key)}\1\s*=')
        for number in range(start, len(self.lines)):
            if number + 1 in self.in_string:
                continue
            text = self.lines[number]
            if _HEADER_RE.match(text):
                break
            if key_re.match(text):
                return number + 1
        return start

    def error(self, where: str, key: str | None, message: str) -> None:
        self.report.error(CONFIG_FILE, message, line=self.line(where, key), field=key,
                          label=_label(where, key))

    def warning(self, where: str, key: str | None, message: str) -> None:
        self.report.warning(CONFIG_FILE, message, line=self.line(where, key), field=key,
                            label=_label(where, key))

    def tables(self, raw: list[object], name: str, known: tuple[str, ...]
               ) -> Iterator[tuple[str, dict[str, object]]]:
        """The [[name]] tables of the file, each with its place ("category[3]"): an entry that is
        not a table is reported and left out, and each table's unknown keys are named."""
        for i, entry in enumerate(raw):
            where = f"{name}[{i}]"
            if not isinstance(entry, dict):
                self.error(where, None, f"{where} 应为表")
                continue
            self.unknown_keys(entry, where, known)
            yield where, entry

    def unknown_keys(self, table: dict[str, object], where: str, known: tuple[str, ...]) -> None:
        """A key written wrong is otherwise silently ignored (`deadline_workday = 7` would
        leave the organisation's own limit at the default 20)."""
        for key in table:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
            hint = f"，是否应为 {close[0]}（{_label(where, close[0]) or close[0]}）" if close else ""
            section = where.split("[")[0]
            fields = "、".join(f"{k}（{_label(where, k) or k}）" for k in known)
            self.warning(where, key, f"[{section}] 中的未知字段“{key}”（sitegen 不读取它）{hint}；可用的字段：{fields}")

    def text(self, table: dict[str, object], key: str, where: str, default: str | None = None
             ) -> str:
        """A text value; `default` None: required and not blank."""
        value = table.get(key, default)
        if value is None:
            self.error(where, key, f"缺少 {where}.{key}（{CONFIG_LABELS.get(key, key)}），应为非空文本")
            return ""
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.error(where, key, f"{where}.{key} 应为用英文双引号括起来的非空文本，实际为 {_shown(value)}")
            return default or ""
        return value

    def number(self, table: dict[str, object], key: str, where: str, default: int) -> int:
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.error(where, key, f"{where}.{key} 应为正整数（不加引号，例如 {default}），实际为 {_shown(value)}")
            return default
        return value


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f"“{value}”（文本）"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return "列表" if isinstance(value, list) else "表"
    return str(value)


def _parse(root: Path, data: dict[str, object], check: _Checker) -> SiteConfig | None:
    report = check.report
    errors_before = len(report.errors)
    for key in data:
        if key not in TABLES:
            close = difflib.get_close_matches(key, list(TABLES), n=1, cutoff=0.6)
            hint = f"，是否应为 [{close[0]}]" if close else ""
            check.warning(key, None, f"未知的表或字段“{key}”（sitegen 不读取它）{hint}；可用的表："
                          "[site]、[[organization]]、[[category]]、[calendar]、[[special]]")
    site = data.get("site")
    if not isinstance(site, dict):
        check.error("site", None, "缺少 [site] 表（站点名称 name、网址 base_url 等）")
        site = {}
    else:
        check.unknown_keys(site, "site", SITE_KEYS)
    base_url = check.text(site, "base_url", "site")
    if base_url and not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
        check.error("site", "base_url", f"site.base_url 应为 http(s):// 开头的完整地址，实际为 {_shown(base_url)}")
    page = re.search(r"/[^/]+\.(?:s?html?|php|aspx?|jsp|do)$", urlsplit(base_url).path, re.I) \
        if base_url else None
    if page:  # (pasted from the address bar on the home page: every absolute URL goes below it)
        folder = base_url[: base_url.rindex(page.group(0)) + 1]
        check.error("site", "base_url", f"site.base_url 应为网站所在目录的地址（以 / 结尾），不是一个页面的地址："
                    f"实际为 {_shown(base_url)}，应为 {_shown(folder)}")
    if base_url and not base_url.endswith("/"):
        base_url += "/"

    orgs: dict[str, Organization] = {}
    raw_orgs = data.get("organization", [])
    if not isinstance(raw_orgs, list) or not raw_orgs:
        check.error("organization", None, "至少需要一个 [[organization]]（发布机构）")
        raw_orgs = []
    for where, raw in check.tables(raw_orgs, "organization", ORGANIZATION_KEYS):
        org = Organization(
            id=check.text(raw, "id", where),
            full_name=check.text(raw, "full_name", where),
            short_name=check.text(raw, "short_name", where, default=str(raw.get("full_name", ""))),
            org_code=check.text(raw, "org_code", where),
            level=check.text(raw, "level", where, default=""),
            deadline_workdays=check.number(raw, "deadline_workdays", where, 20),
            index_no_pattern=check.text(raw, "index_no_pattern", where,
                                        default="{org_code}/{year}-{seq:5}"),
            address=check.text(raw, "address", where, default=""),
            phone=check.text(raw, "phone", where, default=""),
            hours=check.text(raw, "hours", where, default=""),
            fax=check.text(raw, "fax", where, default=""),
            email=check.text(raw, "email", where, default=""),
        )
        if org.level and org.level not in LEVELS:
            # (a warning: a site that wrote its own word builds on after an upgrade, and is told)
            check.warning(where, "level", f"{where}.level（机构层级）应为 {'、'.join(LEVELS)} 之一"
                          f"{_level_hint(org.level)}，实际为 {_shown(org.level)}：它决定年度报告的公布期限"
                          "（省、市、县：本级人民政府，次年 3 月 31 日前；其余：次年 1 月 31 日前，条例第四十九条），"
                          "现按次年 1 月 31 日检查")
        if org.id and not SLUG_RE.match(org.id):
            check.error(where, "id", f"{where}.id 只能由小写字母、数字、-、_ 组成（用作网址），实际为 {_shown(org.id)}")
        if org.id in orgs:
            check.error(where, "id", f"发布机构 id 重复：{org.id}")
        elif org.id == "index" or re.search(r"-\d+$", org.id):
            # org/index.html lists the organisations, org/<id>-2.html is page 2 of one
            check.error(where, "id", f"{where}.id “{org.id}” 会与机构列表页或分页文件重名："
                        "不能是 index，也不能以 -数字 结尾")
        if "{seq" not in org.index_no_pattern:
            check.error(where, "index_no_pattern", f"{where}.index_no_pattern 必须包含 {{seq}} 或 {{seq:N}}，"
                        f"实际为 {_shown(org.index_no_pattern)}")
        orgs[org.id] = org

    default_org = check.text(site, "organization", "site", default=next(iter(orgs), ""))
    if orgs and default_org not in orgs:
        check.error("site", "organization", f"site.organization 应为已配置的发布机构 id（{', '.join(orgs)}），"
                    f"实际为 {_shown(default_org)}")

    theme = site.get("theme", "default")
    if not isinstance(theme, str) or not SLUG_RE.match(theme):
        check.error("site", "theme", f"site.theme 应为 themes/ 下的主题文件夹名（小写字母、数字、-、_），"
                    f"实际为 {_shown(theme)}")
        theme = "default"
    elif theme != "default" and not (root / "themes" / theme).is_dir():
        check.warning("site", "theme", f"主题文件夹 themes/{theme} 不存在，将使用内置的默认主题；"
                      f"请检查名称，或建立该文件夹")
    tree = _parse_categories(data.get("category", []), check)
    calendar = _parse_calendar(data.get("calendar"), check)
    specials = _parse_specials(data.get("special", []), check)
    name = check.text(site, "name", "site")
    language = check.text(site, "language", "site", default="zh-CN")
    page_size = check.number(site, "page_size", "site", 20)
    feed_length = check.number(site, "feed_length", "site", 20)
    summary_max = check.number(site, "summary_max", "site", 300)
    idle = site.get("kiosk_idle_minutes", 0)
    if isinstance(idle, bool) or not isinstance(idle, (int, float)) or not 0 <= idle <= 24 * 60:
        check.error("site", "kiosk_idle_minutes", f"site.kiosk_idle_minutes 应为 0（不返回）到 1440 之间的"
                    f"分钟数，例如 3，实际为 {_shown(idle)}")
        idle = 0
    elif 0 < idle < 1:
        check.warning("site", "kiosk_idle_minutes", f"site.kiosk_idle_minutes 为 {idle} 分钟：读者稍一停顿，"
                      "查阅终端就会回到首页；一般设为 2 到 5 分钟")
    if len(report.errors) > errors_before:
        return None
    return SiteConfig(
        root=root,
        name=name,
        base_url=base_url,
        language=language,
        organization=default_org,
        page_size=page_size,
        feed_length=feed_length,
        theme=theme,
        organizations=orgs,
        categories=tree,
        summary_max=summary_max,
        calendar=calendar,
        kiosk_idle_minutes=idle,
        specials=specials,
    )


_RANGE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:至|到|\.\.|~|～)\s*(\d{4}-\d{2}-\d{2})\s*$")
_WEEKDAYS = "一二三四五六日"


def _dates(raw: object, key: str, check: _Checker) -> list[dt.date]:
    """A [calendar] list: TOML dates, "2027-01-01" or "2027-02-06 至 2027-02-12"."""
    where = f"calendar.{key}"
    if not isinstance(raw, list):
        check.error("calendar", key, f"{where} 应为日期列表，例如 [\"2027-01-01\", \"2027-02-06 至 2027-02-12\"]，"
                    f"实际为 {_shown(raw)}")
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
            check.error("calendar", key, f"{where} 第 {i} 项应为日期（2027-01-01）或不超过一个月的日期范围"
                        f"（2027-02-06 至 2027-02-12），实际为 {entry!r}")
            continue
        found.extend(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return found


def _parse_calendar(raw: object, check: _Checker) -> Calendar:
    if raw is None:
        return Calendar()
    if not isinstance(raw, dict):
        check.error("calendar", None, f"[calendar] 应为表（holidays、workdays），实际为 {_shown(raw)}")
        return Calendar()
    check.unknown_keys(raw, "calendar", CALENDAR_KEYS)
    holidays = set(_dates(raw.get("holidays", []), "holidays", check))
    workdays = set(_dates(raw.get("workdays", []), "workdays", check))
    for day in sorted(holidays & workdays):
        check.error("calendar", "workdays", f"{day} 同时列在 calendar.holidays（放假）和 calendar.workdays（上班）中")
    for day in sorted(workdays):
        if day.weekday() < 5:
            check.error("calendar", "workdays", f"calendar.workdays 中的 {day} 是星期{_WEEKDAYS[day.weekday()]}："
                        f"调休上班日应为周六或周日")
    return Calendar(tuple(sorted(holidays)), tuple(sorted(workdays)))


RESERVED_SLUGS = {"assets", "archive", "org", "files", SPECIAL_DIR}  # the site's own top-level folders


def _parse_specials(raw: object, check: _Checker) -> tuple[Special, ...]:
    """[[special]]: the 专栏 an item may name in `special`."""
    if not isinstance(raw, list):
        check.error("special", None, "专栏要写成 [[special]]（两层方括号，每个专栏一个，各有 name、slug），"
                    f"不是 [special]，实际为 {_shown(raw)}")
        return ()
    found: dict[str, Special] = {}
    slugs: dict[str, str] = {}  # slug -> the name of the 专栏 that has it
    for where, entry in check.tables(raw, "special", SPECIAL_KEYS):
        special = Special(check.text(entry, "name", where, default="").strip(),
                          check.text(entry, "slug", where, default="").strip(),
                          check.text(entry, "description", where, default="").strip())
        for key, label in (("name", "专栏名称，如 \"社会救助\""), ("slug", "网址名，如 \"shjz\"")):
            if not getattr(special, key):
                check.error(where, key, f"缺少 {where}.{key}（{label}），应为非空文本")
        if special.slug and special.slug in slugs:
            check.error(where, "slug", f"专栏 slug 重复：{special.slug} 已是专栏“{slugs[special.slug]}”的网址名")
        slugs.setdefault(special.slug, special.name)
        if not special.name or not special.slug:
            continue
        if _SPECIAL_SEPARATORS.search(special.name):
            # an item names several 专栏 on one line with these: 防汛、防台 would be two
            check.error(where, "name", f"{where}.name（专栏名称）不能含有空格或 、，；等分隔符号，实际为 {_shown(special.name)}")
        if not SLUG_RE.match(special.slug):
            check.error(where, "slug", f"{where}.slug 只能由小写字母、数字、-、_ 组成（用作网址），"
                        f"实际为 {_shown(special.slug)}")
        elif special.slug == "index" or re.search(r"-\d+$", special.slug):
            # special/index.html lists the 专栏, special/<slug>-2.html is page 2 of one
            check.error(where, "slug", f"{where}.slug “{special.slug}” 会与专栏列表页或分页文件重名："
                        "不能是 index，也不能以 -数字 结尾")
        if special.name in found:
            check.error(where, "name", f"专栏名称重复：{special.name}")
        found.setdefault(special.name, special)
    for name, special in found.items():
        owner = slugs.get(name.lower())  # (a slug in capitals is that slug: SHJZ is shjz)
        if owner is not None and owner != special.name:  # special: [shjz] would be which?
            check.error("special", None, f"专栏名称“{special.name}”与专栏“{owner}”的网址名相同：信息的 special "
                        "字段可以写名称或网址名，两者不能混同")
    return tuple(found.values())


_SPECIAL_SEPARATORS = re.compile(r"[、，,；;\s]")  # (validate._SEPARATORS, which splits one line)


def _parse_categories(raw: object, check: _Checker) -> CategoryTree:
    tree = CategoryTree()
    if not isinstance(raw, list) or not raw:
        check.error("category", None, "至少需要一个 [[category]]（信息分类）")
        return tree
    by_path: dict[str, Category] = {}
    for where, entry in check.tables(raw, "category", CATEGORY_KEYS):
        path = check.text(entry, "path", where)
        slug = check.text(entry, "slug", where)
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            check.error(where, "aliases", f"{where}.aliases 应为文本列表，例如 [\"财政信息\"]")
            aliases = []
        names = tuple(p.strip() for p in path.split("/"))
        if not path:
            continue  # (reported as missing)
        if any(not n for n in names):
            check.error(where, "path", f"分类路径“{path}”中有空的一级：各级名称用一个 / 分隔，"
                        "开头和结尾不加 /")
            continue
        if not SLUG_RE.match(slug):
            check.error(where, "slug", f"分类“{path}”的 slug 只能由小写字母、数字、-、_ 组成，实际为 {_shown(slug)}")
            continue
        if re.match(r"^(con|prn|aux|nul|com\d|lpt\d)$", slug):
            check.error(where, "slug", f"分类“{path}”的 slug “{slug}”是 Windows 保留的设备名，"
                        "复制到 Windows 查阅终端时会失败；请换一个")
            continue
        parent = by_path.get("/".join(names[:-1])) if len(names) > 1 else None
        if len(names) > 1 and parent is None:
            check.error(where, "path", f"分类“{path}”的上级分类“{'/'.join(names[:-1])}”未定义（上级必须写在前面）")
            continue
        if path in by_path:
            check.error(where, "path", f"分类路径重复：{path}")
            continue
        slugs = (parent.slugs if parent else ()) + (slug,)
        if any(c.slugs == slugs for c in by_path.values()):
            check.error(where, "slug", f"分类“{path}”的 slug “{slug}”与同级分类重复")
            continue
        required = entry.get("validity_required", False)
        if not isinstance(required, bool):
            check.error(where, "validity_required",
                        f"{where}.validity_required 应为 true 或 false（不加引号），实际为 {_shown(required)}")
            required = False
        cat = Category(names=names, slugs=slugs, aliases=tuple(aliases), validity_required=required)
        by_path[path] = cat
        tree.categories.append(cat)
        if cat.depth == 1 and slug in RESERVED_SLUGS:
            check.error(where, "slug", f"顶级分类 slug “{slug}”与站点保留目录冲突：{sorted(RESERVED_SLUGS)}")
    return tree
