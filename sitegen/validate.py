"""Stage 2, validate: front-matter mappings become typed `Item`s, or clear messages.

Each rule of docs/content-model.md lives here. Messages name the file, the line, the field with
its Chinese label, what was found and what was expected. Items that fail the review rule are
held back (未经审查的信息绝不公开) rather than failing the build, unless --strict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import posixpath
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen import annual
from sitegen.annual import AnnualReport
from sitegen.config import Category, SiteConfig, org_shown, suggest_org
from sitegen.content import ContentSet, SourceItem, show
from sitegen.diagnostics import Diagnostic, Report
from sitegen.fields import (
    ATTACHMENT_ALIASES,
    ATTACHMENT_EXTENSIONS,
    CLASSIFIED_KEYS,
    COMMON_FIELDS,
    DISCLOSURE_PUBLIC,
    DISCLOSURE_VALUES,
    NOTICE_KINDS,
    PERIOD_LIMITED,
    PERIOD_VALUES,
    REVIEW_ALIASES,
    REVIEW_FIELDS,
    SCOPE_PARTICULAR,
    SCOPE_PUBLIC,
    TOPICS,
    TYPE_FIELDS,
    VALIDITY_VALUES,
    english_keys,
    label,
)
from sitegen.workdays import workdays_between

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A page name may hold what officers put in file names (spaces, Chinese and full-width
# punctuation: percent-encoded in links); not what breaks paths or URLs.
SLUG_BAD_RE = re.compile(r'[\x00-\x1f\x7f/\\?#%<>"|*:]|^[.\s]|\s$')
# The site's own page names, in any case (Windows, macOS and a USB stick ignore it), and the
# names Windows keeps for devices (a kiosk copy of `con.html` fails).
WINDOWS_DEVICE_RE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.I)
RESERVED_SLUG_RE = re.compile(r"^(index(-\d+)?|rss|search)$|" + WINDOWS_DEVICE_RE.pattern, re.I)
SLUG_MAX_BYTES = 200  # with ".html", and room below a file system's 255 bytes a name
DOC_NO_RE = re.compile(r"^.+〔\d{4}〕\d+号$")
_DOC_NO_PADDED = re.compile(r"(〔\d{4}〕)0+(\d+号)$")
# (﹝﹞ and 〖〗: Word's and input methods' look-alikes of 〔〕)
_DOC_NO_BRACKETS = re.compile(r"[\[\(（［【〔﹝〖]\s*(\d{4})\s*[\]\)）］】〕﹞〗]")
# Between the entries of a list written on one line (主题词: 财政，预算; 相关信息: A、B)
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_DOC_NO_DI = re.compile(r"(〔\d{4}〕)第(\d+号)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls
# The body `sitegen new` writes: published as it is, it would be the whole of the page.
BODY_PLACEHOLDER = "（请在此处填写正文。）"
FIELD_PLACEHOLDER = "（请填写）"  # and of each required field of its type
TITLE_WARN_LENGTH = 100
KEYWORD_MAX = 20
PHOTO_EXTENSIONS = frozenset({"jpg", "jpeg", "png"})


@dataclass(frozen=True)
class Attachment:
    file: str  # path relative to content/
    title: str
    ext: str  # lower case, no dot
    size: int  # bytes


@dataclass(frozen=True)
class Review:
    reviewer: str
    reviewed_on: dt.date
    approver: str
    approved_on: dt.date


@dataclass
class Item:
    """A validated, publishable disclosure item. Plain data: picklable, cacheable."""

    source: str  # path relative to the site folder
    content_rel: str  # path relative to content/
    digest: str
    title: str
    category: Category
    organization: str  # organisation id
    index_no: str
    date_created: dt.date
    date_published: dt.date
    review: Review
    url: str  # output path relative to the site root, e.g. "gknb/2010-report.html"
    body: str  # Markdown source (a build keeps it in the cache only: `build.item_sources`)
    body_line: int
    doc_no: str = ""
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    validity: str = "有效"
    date_invalid: dt.date | None = None
    replaced_by: str = ""
    related: list[str] = field(default_factory=list)  # related_items: 索引号 as written
    attachments: list[Attachment] = field(default_factory=list)
    type: str = "default"
    type_fields: list[tuple[str, str, str | list[str]]] = field(default_factory=list)
    genre: str = ""
    department: str = ""
    topic: str = ""  # 主题分类, "一级/二级"
    date_effective: dt.date | None = None
    period: str = ""  # 公开时限 as written ("" = 长期公开)
    expires: dt.date | None = None  # 限时公开: the last day
    rank: int | None = None  # 领导信息: the list's order, 1 first
    photo: str = ""  # 领导信息: the picture, content-relative
    annual: AnnualReport | None = None  # 年度报告: its three tables
    specials: list[str] = field(default_factory=list)  # 专栏: names of sitegen.toml's [[special]]
    # 失效/废止 as written while its date_invalid is still ahead of the build's today (`as_of`):
    # until then the item is 有效 and says when it will not be.
    validity_pending: str = ""
    # 限时公开 whose 公开截止日期 has passed by the build's today (`as_of`): it leaves the
    # columns for the listing of expired items (domain.md §c.2), its page stays.
    expired: bool = False

    @property
    def is_valid(self) -> bool:
        return self.validity == "有效"

    @property
    def files(self) -> list[str]:
        """The files of the content the item's page shows (content-relative)."""
        return [a.file for a in self.attachments] + ([self.photo] if self.photo else [])

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Newest first when sorted in reverse; index_no breaks ties so order is stable."""
        return (self.date_published.isoformat(), self.date_created.isoformat(), self.index_no)


@dataclass(frozen=True)
class HeldBack:
    source: str
    title: str
    reason: str
    review: bool  # held back for the review rule (an error under --strict), not for its date
    field: str = "review"  # what holds it back, for that error: its field ("" none) and line
    line: int | None = None


@dataclass
class Catalog:
    items: list[Item]
    held_back: list[HeldBack]


def _nearest(text: str, categories: list[Category]) -> list[Category]:
    """Those of `categories` whose path is about as near `text` as the nearest one (a typo in
    a full path: 法定主动公开内容/监督检察 matches every leaf of 法定主动公开内容 a little)."""
    ratios = {c.path: difflib.SequenceMatcher(None, text, c.path).ratio() for c in categories}
    best = max(ratios.values())
    if best < 0.6:
        return []
    return sorted((c for c in categories if ratios[c.path] >= best - 0.05),
                  key=lambda c: -ratios[c.path])[:3]


class _Checker:
    """Validates one SourceItem; collects its problems in the shared report."""

    def __init__(self, src: SourceItem, config: SiteConfig, assets: set[str], report: Report):
        self.src = src
        self.config = config
        self.assets = assets
        self.report = report
        self.failed = False
        # parts still holding `sitegen new`'s placeholders: (name, field or "", line)
        self.unfinished: list[tuple[str, str, int | None]] = []

    # -- reporting -------------------------------------------------------------------------
    def error(self, key: str, message: str, at: str | None = None) -> None:
        """`at`: a part of the field with a line of its own ("attachments[1]")."""
        self.failed = True
        line = self._line(at or key) or self.src.lines.get(key)
        self.report.error(self.src.rel, message, line=line,
                          field=key, label=label(key.split(".")[-1]) or label(key))

    def _line(self, at: str) -> int | None:
        """The line of `at` ("t2.granted[5]"), or of the nearest part of the field that has one
        (a number in a list written on one line: the line of its row)."""
        while True:
            line = self.src.lines.get(at)
            shorter = _LAST_PART_RE.sub("", at)
            if line or shorter == at:
                return line
            at = shorter

    def warning(self, key: str, message: str) -> None:
        self.report.warning(self.src.rel, message, line=self.src.lines.get(key),
                            field=key, label=label(key.split(".")[-1]) or label(key))

    # -- value readers ---------------------------------------------------------------------
    def text(self, key: str, value: Any, required: bool = False, one_line: bool = True) -> str:
        if value is None or value == "":
            if required:
                self.error(key, "缺少必填字段")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(key, f"应为文本，实际为 {show(value)}")
            return ""
        text = unicodedata.normalize("NFC", str(value)).strip()
        if not text:  # only spaces: as good as missing
            if required:
                self.error(key, f"缺少必填字段（只有空白：{show(value)}）")
            return ""
        if one_line and "\n" in text:
            self.error(key, "应为一行文本，实际包含换行")
            return ""
        if _CONTROL.search(text):
            self.error(key, f"包含不可见的控制字符：{show(text)}")
            return ""
        return text

    def date(self, key: str, value: Any, required: bool = False) -> dt.date | None:
        if value is None or value == "":
            if required:
                self.error(key, "缺少必填日期，应为 YYYY-MM-DD，例如 2010-12-07")
            return None
        if isinstance(value, dt.datetime):
            self.error(key, f"应为日期 YYYY-MM-DD，不带时间：实际为 {value.isoformat()}")
            return None
        if isinstance(value, dt.date):
            return value
        text = str(value).strip() if isinstance(value, str | int) else None
        if text is None or not DATE_RE.match(text):
            self.error(key, f"日期格式不正确：实际为 {show(value)}，应为 YYYY-MM-DD，例如 2010-12-07")
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.error(key, f"日期不存在：{text}（请检查月份和日期）")
            return None

    # -- the rules -------------------------------------------------------------------------
    def check(self) -> tuple[Item | None, HeldBack | None]:
        """The item, or why it is held back (review), or neither when it has errors.

        Publication dates are not compared with today here, so the result can be cached."""
        meta = self.src.meta
        for key in CLASSIFIED_KEYS:
            if key in meta:
                self.failed = True
                self.report.error(self.src.rel, f"含有密级字段“{key}”：涉密信息不得放入公开仓库，更不得公开",
                                  line=self.src.lines.get(key), field=key, label="密级")
        item_type = self.text("type", meta.get("type")) or "default"
        if item_type not in TYPE_FIELDS:
            self.error("type", f"未知的信息类型 {show(item_type)}，应为 {' / '.join(TYPE_FIELDS)}")
            item_type = "default"
        known = set(COMMON_FIELDS) | set(TYPE_FIELDS[item_type]) | set(CLASSIFIED_KEYS)
        for key in meta:
            if key not in known:
                written = self.src.raw_keys.get(key, key)
                self.warning(key, f"未知字段“{written}”：sitegen 不使用它，它不会出现在页面上"
                             f"{_did_you_mean(written, known - set(CLASSIFIED_KEYS))}"
                             "（字段表见 docs/content-model.md）")

        title = self.text("title", meta.get("title"), required=True)
        if len(title) > TITLE_WARN_LENGTH:
            self.warning("title", f"标题长 {len(title)} 字，超过 {TITLE_WARN_LENGTH} 字；应只写主标题")
        category = self.category(meta.get("category"))
        org_id = self.organization(meta.get("organization"))
        created = self.date("date_created", meta.get("date_created"), required=True)
        published = self.date("date_published", meta.get("date_published"), required=True)
        if created and published:
            self.dates(created, published, org_id)
        index_no = self.index_no(meta.get("index_no"), org_id, created, published)
        disclosure = self.text("disclosure", meta.get("disclosure"), required=True)
        if disclosure and disclosure not in DISCLOSURE_VALUES:
            self.error("disclosure", f"应为 {' / '.join(DISCLOSURE_VALUES)}，实际为 {show(disclosure)}")
        elif disclosure and disclosure != DISCLOSURE_PUBLIC:
            self.error("disclosure", f"公开方式为“{disclosure}”：只有“主动公开”的信息可以放入公开目录，"
                       "请将此文件移出内容仓库")
        review, review_problem = self.review(meta, created, published)
        doc_no = self.doc_no(meta.get("doc_no"))
        keywords = self.keywords(meta.get("keywords"))
        summary = self.text("summary", meta.get("summary"), one_line=False)
        if len(summary) > self.config.summary_max:
            self.warning("summary", f"内容概述 {len(summary)} 字，超过 {self.config.summary_max} 字")
        if summary and summary == title:
            self.warning("summary", "内容概述与标题相同，应概述正文内容")
        date_effective = self.date("date_effective", meta.get("date_effective"))
        if date_effective and created and date_effective < created:
            self.error("date_effective", f"实施日期 {date_effective} 早于生成日期 {created}")
        validity, date_invalid, replaced_by = self.validity(meta, created, date_effective, category)
        related = self.related(meta.get("related_items"), index_no)
        topic = self.topic(meta.get("topic"))
        particular = self.scope(meta.get("scope"))
        period, expires = self.period(meta, published)
        attachments = self.attachments(meta.get("attachments"))
        type_fields = self.type_fields(item_type)
        rank = self.rank(meta.get("rank")) if item_type == "leader" else None
        photo = self.photo(meta.get("photo")) if item_type == "leader" else ""
        report = self.annual_report(meta, published, org_id, title) \
            if item_type == "annual_report" else None
        if item_type == "notice":
            self.notice(meta)
        slug = self.slug(meta.get("slug"))
        if BODY_PLACEHOLDER in self.src.body:
            at = self.src.body_line + self.src.body.split(BODY_PLACEHOLDER)[0].count("\n")
            self.unfinished.append(("正文", "", at))
            self.report.warning(self.src.rel, f"正文还是新建时的占位文字“{BODY_PLACEHOLDER}”，请填写正文", line=at)
        genre = self.text("genre", meta.get("genre"))
        department = self.text("department", meta.get("department"))
        specials = self.specials(meta.get("special"))

        if self.failed or not (category and org_id and created and published and index_no):
            held = None
            if review_problem:
                held = HeldBack(self.src.rel, title, review_problem, review=True)
            return None, held
        if review is None:
            return None, HeldBack(self.src.rel, title, review_problem, review=True)
        if self.unfinished:  # (what `sitegen new` wrote for the officer to replace)
            _, key, at = self.unfinished[0]
            return None, HeldBack(self.src.rel, title, f"{'、'.join(u[0] for u in self.unfinished)}还是新建时的"
                                  "占位文字：填写后才发布", review=True, field=key, line=at)
        if particular:
            return None, HeldBack(self.src.rel, title, f"公开范围为“{particular}”：只向特定对象提供，"
                                  "不在公开网站发布", review=False)
        return Item(
            source=self.src.rel, content_rel=self.src.content_rel, digest=self.src.digest,
            title=title, category=category, organization=org_id, index_no=index_no,
            date_created=created, date_published=published, review=review,
            url=f"{category.folder}/{slug}.html", body=self.src.body, body_line=self.src.body_line,
            doc_no=doc_no, keywords=keywords, summary=summary, validity=validity,
            date_invalid=date_invalid, replaced_by=replaced_by, related=related,
            attachments=attachments,
            type=item_type, type_fields=type_fields, genre=genre, department=department,
            topic=topic, date_effective=date_effective, period=period, expires=expires, rank=rank,
            photo=photo, annual=report, specials=specials,
        ), None

    def category(self, value: Any) -> Category | None:
        text = self.text("category", value, required=True)
        if not text:
            return None
        tree = self.config.categories
        cat, candidates = tree.resolve(text)
        if cat is None:
            if candidates and all(c.name == text or text in c.aliases for c in candidates):
                paths = "、".join(c.path for c in candidates)
                self.error("category", f"分类名“{text}”不唯一，请写完整路径：{paths}")
            else:
                close = tree.final(candidates)
                if len(close) > 1:  # a column above the typo matched: its leaves nearest the text
                    close = _nearest(text, close) or close
                hint = f"；您是不是要写：{'、'.join(c.path for c in close)}" if close else ""
                self.error("category", f"分类“{text}”不在 sitegen.toml 的分类树中{hint}")
            return None
        if not tree.is_leaf(cat):
            leaves = "、".join(c.path for c in tree.final([cat]))
            self.error("category", f"“{cat.path}”下还有子分类，信息必须归入最终分类：{leaves}")
            return None
        return cat

    def organization(self, value: Any) -> str | None:
        org_id = self.text("organization", value) or self.config.organization
        if org_id not in self.config.organizations:
            by_name = [o.id for o in self.config.organizations.values()
                       if org_id in (o.full_name, o.short_name)]
            if len(by_name) == 1:
                return by_name[0]
            orgs = self.config.organizations
            close = suggest_org(self.config, org_id)
            hint = f"；您是不是要写：{'、'.join(org_shown(orgs[c]) for c in close)}" if close else ""
            self.error("organization", f"发布机构“{org_id}”未在 sitegen.toml 中配置"
                       f"（可用：{'；'.join(org_shown(o) for o in orgs.values())}）{hint}")
            return None
        return org_id

    def dates(self, created: dt.date, published: dt.date, org_id: str | None) -> None:
        if created > published:
            self.error("date_created", f"生成日期 {created} 晚于发布日期 {published}")
            return
        if org_id is None:
            return
        org = self.config.organizations[org_id]
        days, official = workdays_between(created, published, self.config.calendar)
        if days > org.deadline_workdays:
            how = "" if official else ("（该年份无官方节假日表，按周一至周五估算；可在 sitegen.toml 的 "
                                       "[calendar] 中补充国务院公布的节假日安排）")
            self.warning("date_published", f"自生成日期 {created} 起第 {days} 个工作日才发布{how}，"
                         f"超过{org.short_name}规定的 {org.deadline_workdays} 个工作日")

    def index_no(self, value: Any, org_id: str | None, created: dt.date | None,
                 published: dt.date | None) -> str:
        text = self.text("index_no", value, required=True)
        if not text or org_id is None:
            return text
        pattern = self.config.organizations[org_id].index_pattern
        match = pattern.regex().match(text)
        if not match:
            # (an input method's full-width ／－２０ look right to an officer)
            narrow = unicodedata.normalize("NFKC", text).replace("－", "-").replace("—", "-")
            hint = (f"；其中有全角字符，应写作 {narrow}" if narrow != text and pattern.regex().match(narrow)
                    else "")
            self.error("index_no", f"索引号 {show(text)} 不符合{self.config.organizations[org_id].short_name}"
                       f"的格式（{pattern.described()}），例如 {pattern.example()}{hint}")
            return ""
        year = match.groupdict().get("year")
        years = {d.year for d in (created, published) if d}
        if year and years and int(year) not in years:
            # 后段码 = the year the item was made (or published) + serial (domain.md §c.1)
            self.warning("index_no", f"索引号 {text} 中的年份 {year} 与生成日期、发布日期的年份"
                         f"（{'、'.join(str(y) for y in sorted(years))}）都不一致；索引号一经发布不再更改，"
                         "请在发布前核对")
        return text

    def review(self, meta: dict[str, Any], created: dt.date | None, published: dt.date | None,
               ) -> tuple[Review | None, str]:
        """The review record, or None and why the item is held back."""
        raw = meta.get("review")
        if raw is None or raw == "":
            return None, "缺少审查记录（review）：未经审查的信息绝不公开"
        if not isinstance(raw, dict):
            self.error("review", f"审查记录应包含 {', '.join(REVIEW_FIELDS)}，实际为 {show(raw)}")
            return None, "审查记录格式错误"
        # (in Chinese as the labels have it: 审查人, 审查日期 …)
        raw = english_keys(raw, REVIEW_ALIASES)
        for key in raw:
            if key not in REVIEW_FIELDS:
                self.warning(f"review.{key}",
                             f"审查记录中的未知字段“{key}”{_did_you_mean(str(key), set(REVIEW_FIELDS))}")
        if raw.get("secrecy_checked") not in (None, "", True):
            self.error("review.secrecy_checked",
                       f"保密审查应为 true（已通过保密审查），实际为 {show(raw['secrecy_checked'])}")
        empty = [k for k in REVIEW_FIELDS if raw.get(k) is None or raw.get(k) == ""]
        if empty:
            # (a key written without a value: its line, for a name typed after a "#")
            missing = [f"{REVIEW_FIELDS[k]}（{k}，第 {line} 行未填）"
                       if (line := self.src.lines.get(f"review.{k}")
                           or self.src.lines.get(f"review.{REVIEW_FIELDS[k]}"))
                       else f"{REVIEW_FIELDS[k]}（{k}）" for k in empty]
            comment = "；写在 # 后面的字是注释，不算填写" if any("行未填" in m for m in missing) else ""
            return None, f"审查记录不完整，缺少 {'、'.join(missing)}{comment}：未经审查的信息绝不公开"
        reviewer = self.text("review.reviewer", raw["reviewer"])
        approver = self.text("review.approver", raw["approver"])
        reviewed_on = self.date("review.reviewed_on", raw["reviewed_on"])
        approved_on = self.date("review.approved_on", raw["approved_on"])
        if not (reviewer and approver and reviewed_on and approved_on):
            return None, "审查记录有误"
        if raw["secrecy_checked"] is not True:
            return None, "未通过保密审查"
        if reviewed_on > approved_on:
            self.error("review.approved_on", f"审批日期 {approved_on} 早于审查日期 {reviewed_on}")
        if created and reviewed_on < created:
            self.warning("review.reviewed_on", f"审查日期 {reviewed_on} 早于生成日期 {created}："
                         "发布前审查的应是已形成的信息，请核对日期")
        if published and approved_on > published:
            self.error("review.approved_on", f"审批日期 {approved_on} 晚于发布日期 {published}：应先审批后发布")
        return Review(reviewer, reviewed_on, approver, approved_on), ""

    def doc_no(self, value: Any) -> str:
        """The 文号 as GB/T 9704-2012 writes it; what was fixed is one warning with the form
        published (three, each with a different intermediate form, confused officers)."""
        text = self.text("doc_no", value)
        if not text:
            return ""
        fixed, why = text, []
        bracketed = _DOC_NO_BRACKETS.sub(r"〔\1〕", fixed, count=1)
        if bracketed != fixed:
            fixed, why = bracketed, [*why, "年份应使用六角括号〔〕"]
        if _DOC_NO_DI.search(fixed):
            fixed, why = _DOC_NO_DI.sub(r"\1\2", fixed), [*why, "发文顺序号前不加“第”字"]
        if not DOC_NO_RE.match(fixed):
            self.warning("doc_no", f"文号 {show(fixed)} 不是“机关代字〔年份〕发文顺序号”的形式（年份用六角括号〔〕，"
                         "顺序号后加“号”），例如 招街办〔2010〕12号")
        elif _DOC_NO_PADDED.search(fixed):
            fixed, why = _DOC_NO_PADDED.sub(r"\1\2", fixed), [*why, "发文顺序号不编虚位（1 不编为 01）"]
        if why:
            self.warning("doc_no", f"文号 {show(text)} 的{'；'.join(why)}：发布时写作 {show(fixed)}"
                         "（GB/T 9704-2012 第 7.2.5 条）")
        return fixed

    def entries(self, key: str, value: Any, expected: str) -> list[Any]:
        """A field written as a list or on one line ("A、B"): its entries; anything else is an
        error saying what was `expected` ("主题词应为列表，例如 …"), and no entries."""
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [w for w in _SEPARATORS.split(value) if w]
        if not isinstance(value, list):
            self.error(key, f"{expected}，实际为 {show(value)}")
            return []
        # (a Chinese comma inside brackets is no separator to YAML: [财政，季度] is one entry)
        return [w for entry in value for w in
                (re.split(r"\s*[，、；]\s*", entry) if isinstance(entry, str) else [entry]) if w != ""]

    def keywords(self, value: Any) -> list[str]:
        value = self.entries("keywords", value, "主题词应为列表，例如 [信息公开, 年度报告]")
        words: list[str] = []
        for word in value:
            text = self.text("keywords", word)
            if not text:
                continue
            if len(text) > KEYWORD_MAX:
                self.warning("keywords", f"主题词 {show(text)} 超过 {KEYWORD_MAX} 字")
            if text not in words:
                words.append(text)
        return words

    def validity(self, meta: dict[str, Any], created: dt.date | None,
                 effective: dt.date | None, category: Category | None,
                 ) -> tuple[str, dt.date | None, str]:
        written = self.text("validity", meta.get("validity"))
        if not written and category is not None and category.validity_required \
                and meta.get("validity") in (None, ""):
            self.error("validity", f"“{category.name}”类信息必须填写有效性（有效 / 失效 / 废止）："
                       "现行有效件数要据此统计")
        validity = written or "有效"
        if validity not in VALIDITY_VALUES:
            self.error("validity", f"有效性应为 {' / '.join(VALIDITY_VALUES)}，实际为 {show(validity)}")
            validity = "有效"
        date_invalid = self.date("date_invalid", meta.get("date_invalid"))
        replaced_by = self.text("replaced_by", meta.get("replaced_by"))
        if validity != "有效" and date_invalid is None and meta.get("date_invalid") in (None, ""):
            self.error("validity", f"有效性为“{validity}”时必须填写失效日期（date_invalid）")
        if validity == "有效" and (date_invalid or replaced_by):
            self.warning("validity", "填写了失效日期或替代文件，但有效性仍为“有效”")
        if date_invalid and created and date_invalid < created:
            self.error("date_invalid", f"失效日期 {date_invalid} 早于生成日期 {created}")
        elif date_invalid and effective and date_invalid < effective:
            self.error("date_invalid", f"失效日期 {date_invalid} 早于实施日期 {effective}")
        return validity, date_invalid, replaced_by

    def specials(self, value: Any) -> list[str]:
        """专栏: names (or slugs) of sitegen.toml's [[special]], as a list or one line ("A、B")."""
        value = self.entries("special", value, "专栏应为列表，例如 [社会救助]")
        # a slug in capitals (caps lock on) is the slug; a name, written exactly, wins
        known = {s.slug.upper(): s.name for s in self.config.specials} | \
            {s.slug: s.name for s in self.config.specials} | \
            {s.name: s.name for s in self.config.specials}
        names: list[str] = []
        for entry in value:
            text = self.text("special", entry)
            if not text:
                continue
            if text in known:
                names.append(known[text])
                continue
            if not self.config.specials:
                self.error("special", f"专栏“{text}”：sitegen.toml 中没有配置任何专栏；"
                           "请先添加 [[special]]（name、slug），或删去本字段")
                continue
            close = difflib.get_close_matches(text, [s.name for s in self.config.specials], n=3, cutoff=0.4)
            # (the name in sitegen.toml may be the one written wrong: then every item says so)
            hint = f"；您是不是要写：{'、'.join(close)}（若是 sitegen.toml 中专栏的 name 写错了，请改正那里）" \
                if close else ""
            self.error("special", f"专栏“{text}”不在 sitegen.toml 的 [[special]] 中{hint}；已配置的专栏："
                       f"{'／'.join(s.name for s in self.config.specials)}")
        return list(dict.fromkeys(names))

    def related(self, value: Any, index_no: str | None) -> list[str]:
        """相关信息: 索引号, as a list or one line ("A、B")."""
        value = self.entries("related_items", value, "相关信息应为索引号列表，例如 [31421567X/2010-00055]")
        numbers: list[str] = []
        for entry in value:
            text = self.text("related_items", entry)
            if text and text == index_no:
                self.warning("related_items", f"相关信息中的 {text} 是本信息自己的索引号，已忽略")
            elif text and text not in numbers:
                numbers.append(text)
        return numbers

    def topic(self, value: Any) -> str:
        """主题分类, written "一级/二级" (gov.cn writes "一级\\二级")."""
        text = self.text("topic", value)
        if not text:
            return ""
        parts = [p.strip() for p in re.split(r"[/\\＼／]", text)]
        known = TOPICS.get(parts[0])
        # (the names are joined by ／: some have a 、 of their own, 城乡建设、环境保护)
        if known is None or len(parts) > 2:
            self.warning("topic", f"主题分类 {show(text)} 不在国务院主题分类表中（一级：{' ／ '.join(TOPICS)}；"
                         "二级写在 / 之后，例如 综合政务/政务公开）")
        elif len(parts) == 2 and parts[1] not in known:
            self.warning("topic", f"主题分类 {show(text)} 不在国务院主题分类表中：“{parts[0]}”的二级分类为 "
                         f"{' ／ '.join(known)}")
        return "/".join(p for p in parts if p)

    def scope(self, value: Any) -> str:
        """"" for 面向全社会; the value as written for an item for particular persons."""
        text = self.text("scope", value)
        if not text or text in SCOPE_PUBLIC:
            return ""
        if text in SCOPE_PARTICULAR:
            return text
        self.error("scope", f"公开范围应为 {' / '.join(SCOPE_PUBLIC + SCOPE_PARTICULAR)}，实际为 {show(text)}")
        return ""

    def period(self, meta: dict[str, Any], published: dt.date | None
               ) -> tuple[str, dt.date | None]:
        period = self.text("period", meta.get("period"))
        if period and period not in PERIOD_VALUES:
            self.error("period", f"公开时限应为 {' / '.join(PERIOD_VALUES)}，实际为 {show(period)}")
            period = ""
        expires = self.date("expires", meta.get("expires"))
        if period == PERIOD_LIMITED and expires is None and meta.get("expires") in (None, ""):
            self.error("period", "公开时限为“限时公开”时必须填写公开截止日期（expires）")
        elif expires and period != PERIOD_LIMITED:
            self.warning("expires", f"填写了公开截止日期，但公开时限是“{period or '长期公开'}”，"
                         "不是“限时公开”")
        if expires and published and expires <= published:
            self.error("expires", f"公开截止日期 {expires} 不晚于发布日期 {published}")
        return period, expires

    def rank(self, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error("rank", f"排序应为正整数（1 排在最前），实际为 {show(value)}")
            return None
        return value

    def photo(self, value: Any) -> str:
        ref = self.text("photo", value)
        if not ref:
            return ""
        target = self.asset_path(ref, key="photo")
        if target is None:
            return ""
        ext = posixpath.splitext(target)[1].lstrip(".").lower()
        if ext not in PHOTO_EXTENSIONS:
            self.error("photo", f"照片应为 {' / '.join(sorted(PHOTO_EXTENSIONS))} 图片，实际为 {show(ref)}")
            return ""
        return target

    def annual_report(self, meta: dict[str, Any], published: dt.date | None, org_id: str | None,
                      title: str) -> AnnualReport | None:
        def problem(where: str, message: str) -> None:
            top = where.split(".")[0]
            self.error(top, message if where == top else f"{annual.place(where)}：{message}", at=where)

        report = annual.read(meta, problem)
        if report and published and report.year >= published.year:
            # (the report covers 1 January to 31 December, and is published after it)
            self.error("year", f"报告年度 {report.year} 应早于发布日期的年份 {published.year}：年度报告公布的是"
                       "上一年 1 月 1 日至 12 月 31 日的工作情况")
        pasted = _pasted_section(self.src.body)
        if pasted:  # (pasted from Word: the sections are paragraphs, no headings)
            at, number = pasted
            self.report.warning(self.src.rel, f"正文的“{number}、”是普通段落，不是标题：三个统计表（二、三、四）"
                                f"要插在“{number}、”之前，请写成标题，在行首加 ## 和一个空格，例如 "
                                f"## {number}、存在的主要问题及改进情况；现在表格排在它之后",
                                line=self.src.body_line + at)
        named = sorted({int(y) for y in _TITLE_YEAR_RE.findall(title)})
        if report and named and report.year not in named:
            self.warning("year", f"报告年度 {report.year} 与标题中的 {'、'.join(map(str, named))} 年不一致，请核对")
        level = self.config.organizations[org_id].level if org_id else ""
        due, law = annual.deadline(report.year, level) if report else (None, "")
        if due and published and published > due:
            self.warning("date_published", f"{report.year} 年度报告应在 {due} 前公布（{law}），"
                         f"实际发布日期 {published}")
        return report

    def notice(self, meta: dict[str, Any]) -> None:
        kind = meta.get("notice_kind")
        if isinstance(kind, str) and kind.strip() not in ("", FIELD_PLACEHOLDER, *NOTICE_KINDS):
            self.warning("notice_kind", f"公示类型 {show(kind)} 不是 {' / '.join(NOTICE_KINDS)} 之一")
        start = self.date("period_start", meta.get("period_start"))
        end = self.date("period_end", meta.get("period_end"))
        if start and end and end < start:
            self.error("period_end", f"公示截止日期 {end} 早于公示开始日期 {start}")

    def attachments(self, value: Any) -> list[Attachment]:
        if value is None or value == "":
            return []
        if not isinstance(value, list):
            value = [value]
        result: list[Attachment] = []
        for i, entry in enumerate(value):
            at = f"attachments[{i}]"
            if isinstance(entry, str):
                entry = {"file": entry}
            if isinstance(entry, dict):  # (keys in Chinese, as the item's own may be)
                entry = english_keys(entry, ATTACHMENT_ALIASES)
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                self.error("attachments", f"附件应写成 {{file: 文件路径, title: 标题}}，实际为 {show(entry)}", at)
                continue
            target = self.asset_path(entry["file"], at)
            if target is None:
                continue
            ext = posixpath.splitext(target)[1].lstrip(".").lower()
            if ext not in ATTACHMENT_EXTENSIONS:
                self.error("attachments", f"附件类型 .{ext} 不允许，允许：{', '.join(sorted(ATTACHMENT_EXTENSIONS))}",
                           at)
                continue
            title = self.text("attachments", entry.get("title")) or posixpath.basename(target)
            size = (self.config.root / self.config.content_dir / target).stat().st_size
            result.append(Attachment(target, title, ext, size))
        return result

    def asset_path(self, ref: str, at: str | None = None, key: str = "attachments") -> str | None:
        """A path written in an item, resolved to a path relative to content/, or None
        (`at`: where it is written, for the line of an error; `key`: the field)."""
        noun = "照片" if key == "photo" else "附件"
        ref = ref.strip()
        if "\\" in ref or re.match(r"^[A-Za-z]:", ref) or ref.startswith("//") or "://" in ref:
            self.error(key, f"{noun}路径 {show(ref)} 应为内容目录中的相对路径，使用 / 分隔", at)
            return None
        base = "" if ref.startswith("/") else posixpath.dirname(self.src.content_rel)
        joined = posixpath.normpath(posixpath.join(base, ref.lstrip("/")))
        if joined.startswith("../") or joined == ".." or joined.startswith("/"):
            self.error(key, f"{noun}路径 {show(ref)} 指向内容目录之外，已拒绝", at)
            return None
        if any(WINDOWS_DEVICE_RE.match(part) for part in joined.split("/")):
            self.error(key, f"文件路径 {show(ref)} 含 Windows 保留的设备名（con、prn、aux、nul、com1、lpt1 等），"
                       "复制到 Windows 查阅终端时会失败；请改名", at)
            return None
        if joined not in self.assets:
            if joined.lower().endswith(".md"):
                self.error(key, f"{noun} {show(ref)} 是 Markdown 文件（一条信息），不能作为附件；"
                           "要指向另一条信息，请在正文中写链接", at)
            else:
                alike = sorted(a for a in self.assets if a.casefold() == joined.casefold())
                hint = (f"；content/{alike[0]} 与它只差大小写：Windows 上看是同一个文件，网站服务器上不是，"
                        "请把文件名写得完全一样") if alike else ""
                self.error(key, f"{noun}文件不存在（或不是文件）：{show(ref)}（应在 content/{joined}）{hint}", at)
            return None
        return joined

    def type_fields(self, item_type: str) -> list[tuple[str, str, str | list[str]]]:
        result: list[tuple[str, str, str | list[str]]] = []
        for key, (field_label, required) in TYPE_FIELDS[item_type].items():
            if key in _NOT_IN_TABLE:
                continue
            value = self.src.meta.get(key)
            if value is None or value == "" or value == []:
                if required:
                    self.error(key, f"信息类型为 {item_type} 时必须填写“{field_label}”（{key}）")
                continue
            shown = _flatten(value)
            if FIELD_PLACEHOLDER in str(shown):
                self.unfinished.append((f"“{field_label}”", key, self.src.lines.get(key)))
                self.warning(key, f"“{field_label}”还是新建时的占位文字“{FIELD_PLACEHOLDER}”，请填写")
            if key in _WEB_ADDRESSES and isinstance(shown, str) and not _WEB_RE.match(shown):
                self.error(key, f"“{field_label}”应为以 http:// 或 https:// 开头的网址，实际为 {show(shown)}")
                continue
            if shown is None:
                self.error(key, f"“{field_label}”应为文本或文本列表，实际为 {show(value)}")
                continue
            result.append((key, field_label, shown))
        return result

    def slug(self, value: Any) -> str:
        # (NFC as a `slug:` value is: a file name saved on a Mac comes decomposed)
        slug = self.text("slug", value) or unicodedata.normalize("NFC", Path(self.src.content_rel).stem)
        if len(slug.encode("utf-8")) > SLUG_MAX_BYTES:
            self.error("slug", f"页面文件名过长（{len(slug.encode('utf-8'))} 字节，最多 {SLUG_MAX_BYTES}）："
                       "请改短文件名或写较短的 slug")
        elif not slug or SLUG_BAD_RE.search(slug) or RESERVED_SLUG_RE.match(slug):
            self.error("slug", f"页面文件名 {show(slug)} 不可用：不能含 / \\ ? # % < > \" | * : 和控制字符，"
                       "不能以点或空格开头，也不能是 index、index-N、rss、search（不分大小写）或 Windows 的设备名"
                       "（con、prn、aux、nul、com1、lpt1 等）；请改文件名或写 slug 字段")
        return slug


_LAST_PART_RE = re.compile(r"(\[\d+\]|\.[^.\[]*)$")
# A 年度报告's sections 五、 and 六、 as a heading (the tables go before it), or as a paragraph
_REPORT_SECTION_HEADING_RE = re.compile(r" {0,3}#{1,6}[ \t]+(?:[*_]{1,2})?[五六][、．.]")
_REPORT_SECTION_TEXT_RE = re.compile(r"[ \t\u3000]*(?:[*_]{1,2})?([五六])[、．.]")
_SETEXT_UNDERLINE_RE = re.compile(r" {0,3}(?:=+|-+)[ \t]*")


def _pasted_section(body: str) -> tuple[int, str] | None:
    """(0-based line, 五 or 六) of a section 五、 or 六、 written as a paragraph before any
    heading of them: the page puts the tables before the first such heading
    (`pages.split_before_section`), so they would come after that paragraph."""
    lines = body.split("\n")
    for at, text in enumerate(lines):
        if _REPORT_SECTION_HEADING_RE.match(text):
            return None
        found = _REPORT_SECTION_TEXT_RE.match(text)
        if found:
            underline = lines[at + 1] if at + 1 < len(lines) else ""
            if _SETEXT_UNDERLINE_RE.fullmatch(underline) and text.strip():
                return None  # (a heading written with a line of = or - below it)
            return at, found.group(1)
    return None
_TITLE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=\s*年)")


def _did_you_mean(written: str, known: set[str]) -> str:
    """"；是不是要写 summary（内容概述）？" for a key close to a known one (or to its Chinese
    label); the two closest when they are as close (发布时间: 发布日期 or 发布机构); else ""."""
    names = {k: k for k in known} | {label(k): k for k in known if label(k)}
    # (two characters of four in common is close for a Chinese name)
    cutoff = 0.5 if any("\u4e00" <= c <= "\u9fff" for c in written) else 0.6
    scored = sorted(((difflib.SequenceMatcher(None, written, name).ratio(), name) for name in names),
                    key=lambda pair: (-pair[0], pair[1]))
    best = [name for score, name in scored if score >= cutoff and score == scored[0][0]][:2]
    if not best:
        return ""
    keys = list(dict.fromkeys(names[name] for name in best))
    shown = "或".join(f"{key}（{label(key)}）" if label(key) else key for key in keys)
    return f"；是不是要写 {shown}？"


# Type fields the page shows otherwise (the photo as a picture) or not at all (the rank orders
# the list of leaders).
_NOT_IN_TABLE = {"rank", "photo", "t1", "t2", "t3"}
# Type fields the page links to: only a web address (never javascript: or a file path)
_WEB_ADDRESSES = {"online_url", "web"}
_WEB_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")

_DICT_FORMATS = {"copies": "{}份", "workdays": "{}个工作日", "doc_no": "（{}）", "phone": "电话：{}",
                 "head": "负责人：{}", "duties": "职责：{}"}


def _describe(value: dict[str, Any]) -> str:
    """One line for a mapping such as {name: 申请表, copies: 1} → “申请表，1份”."""
    if isinstance(value.get("text"), str) and value["text"].strip():
        return value["text"].strip()  # e.g. time_limit {workdays: 30, text: 30个工作日}
    parts = []
    for key, v in value.items():
        if isinstance(v, bool):
            if key == "original" and v:
                parts.append("原件")
            continue
        if not isinstance(v, str | int | float) or str(v).strip() == "":
            continue
        parts.append(_DICT_FORMATS.get(str(key), "{}").format(str(v).strip()))
    return "，".join(parts).replace("，（", "（")


def _flatten(value: Any) -> str | list[str] | None:
    """Type fields as text or a list of text lines, for the page's field table."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str | int | float):
        return str(value).strip()
    if isinstance(value, dict):
        return _describe(value) or None
    if isinstance(value, list):
        lines = [_flatten(v) for v in value]
        if any(line is None or isinstance(line, list) for line in lines):
            return None
        return [line for line in lines if isinstance(line, str) and line]
    return None


@dataclass
class Checked:
    """What validating one file gives: plain data, cached between builds."""

    source: str
    item: Item | None
    held_back: HeldBack | None
    diagnostics: list[Diagnostic]
    index_no: str  # as written, also for files with errors (duplicates are checked on all)
    lines: dict[str, int]  # lines of the keys the site-wide checks report on


def check_item(src: SourceItem, config: SiteConfig, assets: set[str]) -> Checked:
    report = Report()
    item, held = _Checker(src, config, assets, report).check()
    lines = {k: v for k, v in src.lines.items()
             if k in ("index_no", "replaced_by", "slug", "related_items", "review")}
    return Checked(src.rel, item, held, report.diagnostics,
                   str(src.meta.get("index_no", "") or "").strip(), lines)


def validate(content: ContentSet, config: SiteConfig, now: dt.date, report: Report) -> Catalog:
    assets = set(content.assets)
    return finish([check_item(src, config, assets) for src in content.items], now, report)


def finish(checked: list[Checked], now: dt.date, report: Report) -> Catalog:
    """Site-wide rules and today's date over every file's result; newest items first."""
    items: list[Item] = []
    held: list[HeldBack] = []
    for c in checked:
        report.diagnostics.extend(c.diagnostics)
        if c.held_back is not None:
            held.append(c.held_back)
        if c.item is None:
            continue
        if c.item.date_published > now:
            held.append(HeldBack(c.source, c.item.title,
                                 f"发布日期 {c.item.date_published} 晚于今天（{now}），到期后再发布",
                                 review=False))
        else:
            items.append(as_of(c.item, now))
    _check_site(items, checked, report)
    items.sort(key=lambda i: i.sort_key, reverse=True)
    return Catalog(items, held)


def as_of(item: Item, now: dt.date) -> Item:
    """The item as it stands on `now`: a 失效 or 废止 whose date is still ahead is 有效 until
    then (and says so); a 限时公开 item past its 公开截止日期 is expired. Like an item held
    back until its 发布日期, it changes with the day."""
    if item.validity != "有效" and item.date_invalid and item.date_invalid > now:
        item = dataclasses.replace(item, validity="有效", validity_pending=item.validity)
    if item.period == PERIOD_LIMITED and item.expires and item.expires < now:
        item = dataclasses.replace(item, expired=True)
    return item


def _next_free(index_no: str, checked: list[Checked]) -> str:
    """"；改用下一个空号 X" for a 索引号 written twice (a copied file is the usual way to start a
    new item): the number after the highest with the same part before its serial."""
    m = _SERIAL_RE.match(index_no)
    if m is None:
        return ""
    prefix, width = m.group(1), len(m.group(2))
    highest = max(int(n[len(prefix):]) for n in (c.index_no for c in checked)
                  if n.startswith(prefix) and n[len(prefix):].isdigit() and n[len(prefix):].isascii())
    return f"；改用下一个空号 {prefix}{highest + 1:0{width}d}（或用 sitegen new 新建信息）"


_SERIAL_RE = re.compile(r"^(.*?)([0-9]+)$")


def _check_site(items: list[Item], checked: list[Checked], report: Report) -> None:
    """Rules that need all items: unique 索引号, unique output paths, valid replaced_by."""
    lines = {c.source: c.lines for c in checked}
    by_index: dict[str, list[str]] = defaultdict(list)
    for c in checked:
        if c.index_no:
            by_index[c.index_no].append(c.source)
    for index_no, files in by_index.items():
        if len(files) > 1:
            names = "、".join(files)
            free = _next_free(index_no, checked)
            for f in files:
                report.error(f, f"索引号 {index_no} 重复：{names}{free}", line=lines[f].get("index_no"),
                             field="index_no", label="索引号")
    by_url: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        # Names that differ only in case (or in Unicode normalisation) are one file on
        # Windows, macOS and an exFAT stick: a kiosk copy would keep one page of the two.
        by_url[unicodedata.normalize("NFC", item.url).casefold()].append(item)
    for dupes in by_url.values():
        if len(dupes) > 1:
            files = "、".join(d.source for d in dupes)
            urls = "、".join(sorted({d.url for d in dupes}))
            how = "" if len({d.url for d in dupes}) == 1 else \
                "（只差大小写，在 Windows、macOS 和 U 盘上是同一个文件）"
            for d in dupes:
                report.error(d.source, f"多个信息会写入同一个页面 {urls}{how}：{files}；请改文件名或 slug",
                             line=lines[d.source].get("slug"), field="slug", label="文件名")
    published = {item.index_no for item in items}
    due = {c.item.index_no: c.item.date_published for c in checked if c.item is not None}
    for item in items:
        if item.replaced_by and item.replaced_by == item.index_no:
            report.error(item.source, f"替代文件的索引号 {item.replaced_by} 是本信息自己的索引号；"
                         "应填写取代本信息的新文件的索引号",
                         line=lines[item.source].get("replaced_by"), field="replaced_by", label="替代文件")
        elif item.replaced_by and item.replaced_by not in published:
            coming = due.get(item.replaced_by)
            if item.validity_pending and item.date_invalid and coming and coming <= item.date_invalid:
                continue  # the successor is published by the day this one goes (linked then)
            state = "尚未发布" if item.replaced_by in by_index else "不存在"
            report.error(item.source, f"替代文件的索引号 {item.replaced_by} {state}",
                         line=lines[item.source].get("replaced_by"), field="replaced_by", label="替代文件")
    for item in items:
        for number in item.related:
            if number not in published:
                state = "尚未发布" if number in by_index else "不存在"
                report.warning(item.source, f"相关信息的索引号 {number} {state}，页面上暂不列出这一条"
                               "（请核对索引号）", line=lines[item.source].get("related_items"),
                               field="related_items", label="相关信息")
