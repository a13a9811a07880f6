"""One fixture per validation rule of docs/content-model.md, seen from the command line.

Every test builds a small site in tmp_path, does a good build first and records the output folder
(bytes and mtimes), then adds or edits one broken item and builds again. A refused build must exit
1, name the file, the field with its Chinese label, what was found and what was expected, and leave
the previous output byte-for-byte as it was, with no staging folder beside it.

Line numbers are checked in one place (`test_reported_line_is_the_line_of_the_key`): the rule tests
only require that a line is given, so that a wrong line does not hide which rules still work.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import Diag, leftovers
from conftest import diagnostics as parse_diagnostics

from sitegen.cli import cli
from sitegen.commands.init import default_config

NOW = "2026-11-27"
X = "content/x.md"  # the broken item of each test

# The item every test starts from, key by key (raw YAML values, in file order).
FIELDS = {
    "title": "示例街道2025年部门预算",
    "category": "财政预决算",
    "index_no": "12345678X/2025-00010",
    "date_created": "2025-01-20",
    "date_published": "2025-01-24",
    "disclosure": "主动公开",
}
REVIEW = {
    "reviewer": "党政办负责人",
    "reviewed_on": "2025-01-22",
    "secrecy_checked": "true",
    "approver": "街道主任",
    "approved_on": "2025-01-23",
}
DROP = object()  # a value that removes the key


def item(*, extra: tuple[str, ...] = (), review: dict | None | object = None,
         body: str = "正文。", **fields: object) -> str:
    """An item file: FIELDS updated by `fields` (DROP removes a key), then the `extra` lines, then
    the review record (REVIEW updated by `review`; `review=DROP` leaves it out), then the body."""
    values = {**FIELDS, **fields}
    lines = ["---"]
    lines += [f"{key}: {value}" for key, value in values.items() if value is not DROP]
    lines += list(extra)
    if review is not DROP:
        lines.append("review:")
        record = {**REVIEW, **(review or {})}  # type: ignore[dict-item]
        lines += [f"  {key}: {value}" for key, value in record.items() if value is not DROP]
    lines += ["---", body, ""]
    return "\n".join(lines)


def line_of(text: str, prefix: str) -> int:
    """1-based number of the first line of `text` that starts with `prefix`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starts with {prefix!r}")


def write(site: Path, rel: str, data: str | bytes) -> Path:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


# -- the site -----------------------------------------------------------------------------------

KEPT_CATEGORIES = {"法定主动公开内容", "法定主动公开内容/政策文件", "法定主动公开内容/政策文件/规章",
                   "法定主动公开内容/政策文件/行政规范性文件", "法定主动公开内容/财政预决算", "政府信息公开年报"}


def small_config() -> str:
    """default_config() with only the categories these tests use: the same [site] and
    [[organization]], fewer pages to render per build."""
    head, *blocks = re.split(r"^\[\[category\]\]$", default_config(), flags=re.M)
    kept = [b for b in blocks if re.search(r'^path = "([^"]+)"', b, re.M)[1] in KEPT_CATEGORIES]
    assert len(kept) == len(KEPT_CATEGORIES)
    return head + "".join("[[category]]" + b for b in kept)


REPORT_TITLE = "示例街道2024年政府信息公开工作年度报告"
BUDGET_TITLE = "示例街道2024年部门决算"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path)


def make_site(tmp_path: Path) -> Path:
    """small_config(), an empty themes/, and two good items (one in 财政预决算)."""
    root = tmp_path / "site"
    (root / "themes").mkdir(parents=True)
    write(root, "sitegen.toml", small_config())
    write(root, "content/report.md", item(title=REPORT_TITLE, category="政府信息公开年报",
                                          index_no="12345678X/2025-00001"))
    write(root, "content/budget.md", item(title=BUDGET_TITLE, index_no="12345678X/2025-00002"))
    return root


def run(command: str, site: Path, *args: str, now: str = NOW) -> Result:
    result = CliRunner().invoke(cli, [command, str(site), "--now", now, *args],
                                catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result


def build(site: Path, *args: str, now: str = NOW) -> Result:
    return run("build", site, *args, now=now)


Snapshot = dict[str, tuple[bytes, int] | None]


CACHE = ".sitegen-cache"  # the build cache: an implementation detail, safe to delete, not compared


def snapshot(folder: Path) -> Snapshot:
    """Every file (bytes, mtime) and every folder (None) below `folder`, the build cache aside."""
    result: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.split("/")[0] == CACHE:
            continue
        result[rel] = (path.read_bytes(), path.stat().st_mtime_ns) if path.is_file() else None
    return result


def good_build(site: Path, *args: str, now: str = NOW) -> Snapshot:
    result = build(site, *args, now=now)
    assert result.exit_code == 0, result.output
    assert errors(result) == [], result.output
    return snapshot(site / "output")



def refused(result: Result, site: Path, before: Snapshot) -> None:
    """Exit 1, the failure said, the previous output unchanged and no staging folder left."""
    assert result.exit_code == 1, result.output
    assert "生成失败，原有输出目录未改动" in result.output, result.output
    assert "已发布" not in result.output, result.output
    assert snapshot(site / "output") == before
    assert leftovers(site) == []


# -- reading the messages ------------------------------------------------------------------------

def diagnostics(result: Result) -> list[Diag]:
    return parse_diagnostics(result.output)


def errors(result: Result) -> list[Diag]:
    return [d for d in diagnostics(result) if d.level == "错误"]


def one(result: Result, file: str, what: str | None, level: str = "错误") -> Diag:
    """The single diagnostic of `file` about `what` ("标签 field"), at `level`."""
    hits = [d for d in diagnostics(result) if d.file == file and d.what == what and d.level == level]
    assert len(hits) == 1, result.output
    return hits[0]


def contains(diag: Diag, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in diag.message, f"{fragment!r} not in {diag.message!r}"


def broken(site: Path, text: str | bytes, *args: str, rel: str = X) -> Result:
    """Good build, then `rel` written with `text`, then a build that must be refused."""
    before = good_build(site)
    write(site, rel, text)
    result = build(site, *args)
    refused(result, site, before)
    return result


# -- required fields ----------------------------------------------------------------------------

REQUIRED = [
    ("title", "标题 title", "缺少必填字段"),
    ("category", "信息分类 category", "缺少必填字段"),
    ("index_no", "索引号 index_no", "缺少必填字段"),
    ("date_created", "生成日期 date_created", "缺少必填日期，应为 YYYY-MM-DD，例如 2010-12-07"),
    ("date_published", "发布日期 date_published", "缺少必填日期，应为 YYYY-MM-DD，例如 2010-12-07"),
    ("disclosure", "公开方式 disclosure", "缺少必填字段"),
]


@pytest.mark.parametrize("key, what, expected", REQUIRED, ids=[r[0] for r in REQUIRED])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_missing_required_field(site, key, what, expected, how):
    text = item(**{key: DROP if how == "absent" else '""'})
    result = broken(site, text)
    diag = one(result, X, what)
    contains(diag, expected)
    assert len(errors(result)) == 1, result.output
    if how == "empty":
        assert diag.line is not None


@pytest.mark.parametrize("key, what", [("title", "标题 title"), ("disclosure", "公开方式 disclosure")])
def test_a_required_field_of_spaces_is_missing(site, key, what):
    result = broken(site, item(**{key: "'  　 '"}))  # spaces, and an ideographic one
    contains(one(result, X, what), "缺少必填字段", "只有空白")


# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2025/01/24", "2025-1-24", "2025年1月24日"])
def test_bad_date_format(site, value):
    result = broken(site, item(date_published=value))
    diag = one(result, X, "发布日期 date_published")
    contains(diag, "日期格式不正确", f"实际为 “{value}”", "应为 YYYY-MM-DD，例如 2010-12-07")
    assert diag.line is not None


def test_impossible_date(site):
    result = broken(site, item(date_created="2010-02-30"))
    diag = one(result, X, "生成日期 date_created")
    contains(diag, "日期不存在：2010-02-30", "请检查月份和日期")
    assert diag.line is not None


def test_date_created_after_date_published(site):
    result = broken(site, item(date_created="2025-01-25"))
    diag = one(result, X, "生成日期 date_created")
    contains(diag, "生成日期 2025-01-25 晚于发布日期 2025-01-24")
    assert diag.line is not None


# -- category -----------------------------------------------------------------------------------

def test_unknown_category_suggests_the_close_one(site):
    result = broken(site, item(category="财政预算"))
    diag = one(result, X, "信息分类 category")
    contains(diag, "分类“财政预算”不在 sitegen.toml 的分类树中", "您是不是要写：法定主动公开内容/财政预决算")
    assert diag.line is not None


@pytest.mark.parametrize("value, path, leaf", [
    ("法定主动公开内容", "法定主动公开内容", "法定主动公开内容/财政预决算"),
    ("政策文件", "法定主动公开内容/政策文件", "法定主动公开内容/政策文件/规章"),
    ("法规公文", "法定主动公开内容/政策文件", "法定主动公开内容/政策文件/行政规范性文件"),  # alias
])
def test_category_that_is_not_a_leaf(site, value, path, leaf):
    result = broken(site, item(category=value))
    diag = one(result, X, "信息分类 category")
    contains(diag, f"“{path}”下还有子分类，信息必须归入最终分类：", leaf)
    assert diag.line is not None


def test_ambiguous_leaf_name(site):
    write(site, "sitegen.toml", default_config() + '\n[[category]]\npath = "专题"\nslug = "zt"\n'
          '\n[[category]]\npath = "专题/财政预决算"\nslug = "czyjs"\n')
    write(site, "content/budget.md", item(title=BUDGET_TITLE, index_no="12345678X/2025-00002",
                                          category="法定主动公开内容/财政预决算"))
    result = broken(site, item(category="财政预决算"))
    diag = one(result, X, "信息分类 category")
    contains(diag, "分类名“财政预决算”不唯一，请写完整路径：", "法定主动公开内容/财政预决算", "专题/财政预决算")
    assert diag.line is not None


# -- organisation and 索引号 ---------------------------------------------------------------------

def test_unknown_organization_suggests_the_close_one(site):
    result = broken(site, item(extra=("organization: jiedo",)))
    diag = one(result, X, "发布机构 organization")
    contains(diag, "发布机构“jiedo”未在 sitegen.toml 中配置", "可用：jiedao（示例市示例区人民政府示例街道办事处，示例街道）",
             "您是不是要写：jiedao（")
    assert diag.line is not None


def test_an_organisation_written_near_its_name_suggests_its_id(site):
    """Found by review: 河南省住建厅 got a list of ids only, none said which was 省住建厅."""
    result = broken(site, item(extra=("organization: 示例街道办",)))
    contains(one(result, X, "发布机构 organization"),
             "您是不是要写：jiedao（示例市示例区人民政府示例街道办事处，示例街道）")


@pytest.mark.parametrize("value", ["12345678X-2025-00010", "12345678X/2025-10", "99999999X/2025-00010",
                                   "12345678X/25-00010"])
def test_index_no_not_matching_the_pattern(site, value):
    result = broken(site, item(index_no=value))
    diag = one(result, X, "索引号 index_no")
    contains(diag, f"索引号 “{value}” 不符合示例街道的格式（机构代码 12345678X/年份-5 位序号）",
             "例如 12345678X/2010-00001")
    assert diag.line is not None


def test_index_no_typed_with_full_width_characters_says_how_to_write_it(site):
    """Found by review: 12345678X／2025－00010 looks right to an officer; the message showed
    the template's placeholders and nothing about the full-width ／ and －."""
    result = broken(site, item(index_no="12345678X／2025－00010"))
    contains(one(result, X, "索引号 index_no"), "其中有全角字符，应写作 12345678X/2025-00010")


def test_duplicate_index_no_names_both_files(site):
    before = good_build(site)
    write(site, "content/sub/y.md", item(title="另一条信息", index_no="12345678X/2025-00002"))
    result = build(site)
    refused(result, site, before)
    for file in ("content/budget.md", "content/sub/y.md"):
        diag = one(result, file, "索引号 index_no")
        contains(diag, "索引号 12345678X/2025-00002 重复：content/budget.md、content/sub/y.md",
                 "改用下一个空号 12345678X/2025-00003")  # (the highest used is 00002)
        assert diag.line is not None


# -- what may be published at all ----------------------------------------------------------------

@pytest.mark.parametrize("value", ["依申请公开", "不予公开"])
def test_disclosure_other_than_active_is_an_error(site, value):
    result = broken(site, item(disclosure=value))
    diag = one(result, X, "公开方式 disclosure")
    contains(diag, f"公开方式为“{value}”", "只有“主动公开”的信息可以放入公开目录", "请将此文件移出内容仓库")
    assert diag.line is not None


def test_unknown_disclosure_value(site):
    result = broken(site, item(disclosure="公开"))
    contains(one(result, X, "公开方式 disclosure"), "应为 主动公开 / 依申请公开 / 不予公开", "实际为 “公开”")


SECRECY = [
    # id, command and options, secrecy_checked, as shown in the message, review otherwise complete
    ("build", "build", (), "false", "False", True),
    ("build-strict", "build", ("--strict",), "false", "False", True),
    ("check", "check", (), "false", "False", True),
    ("check-strict", "check", ("--strict",), "false", "False", True),
    ("build-text", "build", (), "否", "“否”", True),
    ("build-incomplete-review", "build", (), "false", "False", False),
]


@pytest.mark.parametrize("command, args, value, shown, complete", [s[1:] for s in SECRECY],
                         ids=[s[0] for s in SECRECY])
def test_secrecy_checked_not_true_is_an_error_in_every_mode(site, command, args, value, shown, complete):
    before = good_build(site)
    review = {"secrecy_checked": value, **({} if complete else {"approver": DROP})}
    write(site, X, item(review=review))
    result = run(command, site, *args)
    assert result.exit_code == 1, result.output
    assert snapshot(site / "output") == before and leftovers(site) == []
    diag = one(result, X, "保密审查 review.secrecy_checked")
    contains(diag, "保密审查应为 true（已通过保密审查）", f"实际为 {shown}")
    assert diag.line is not None


@pytest.mark.parametrize("key, value", [("密级", "秘密"), ("classification", "内部"),
                                        ("secret_level", "机密"), ("密级", '""')])
def test_classification_key_present_is_an_error(site, key, value):
    result = broken(site, item(extra=(f"{key}: {value}",)))
    diag = one(result, X, f"密级 {key}")
    contains(diag, f"含有密级字段“{key}”", "涉密信息不得放入公开仓库")
    assert diag.line is not None


def test_approved_on_after_date_published(site):
    result = broken(site, item(review={"approved_on": "2025-01-25"}))
    diag = one(result, X, "审批日期 review.approved_on")
    contains(diag, "审批日期 2025-01-25 晚于发布日期 2025-01-24", "应先审批后发布")
    assert diag.line is not None


def test_approved_on_before_reviewed_on(site):
    result = broken(site, item(review={"reviewed_on": "2025-01-23", "approved_on": "2025-01-22"}))
    contains(one(result, X, "审批日期 review.approved_on"), "审批日期 2025-01-22 早于审查日期 2025-01-23")


# -- held back: 未经审查的信息绝不公开 -----------------------------------------------------------

HELD_TITLE = "关于征收补偿方案的请示（未审查）"
HELD_INDEX = "12345678X/2025-00077"
HELD_SLUG = "heldback-item"


def assert_nowhere(site: Path, *needles: str) -> None:
    """No file of the output names or contains any of `needles`."""
    out = site / "output"
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        assert not any(n in rel for n in needles), rel
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle.encode("utf-8") not in data, (rel, needle)


def assert_published(site: Path, title: str, index_no: str, slug: str) -> None:
    """The item's page, category index, search.json, rss.xml and sitemap.xml all show it."""
    out = site / "output"
    page = out / "fdzdgknr" / "czyjs" / f"{slug}.html"
    assert page.is_file() and title in page.read_text(encoding="utf-8")
    assert title in (out / "fdzdgknr" / "czyjs" / "index.html").read_text(encoding="utf-8")
    assert title in (out / "fdzdgknr" / "czyjs" / "rss.xml").read_text(encoding="utf-8")
    assert title in (out / "rss.xml").read_text(encoding="utf-8")
    records = json.loads((out / "search.json").read_text(encoding="utf-8"))
    assert [r["title"] for r in records if r["index_no"] == index_no] == [title]
    assert f"fdzdgknr/czyjs/{slug}.html" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_published_item_check_is_meaningful(site):
    """The presence check used by the held-back tests sees an ordinary item."""
    good_build(site)
    assert_published(site, BUDGET_TITLE, "12345678X/2025-00002", "budget")


# A published item whose body links to the held-back one: the link must not lead anywhere.
LINKING_BUDGET = item(title=BUDGET_TITLE, index_no="12345678X/2025-00002",
                      body=f"详见[补偿方案]({HELD_SLUG}.md)。")

HELD = [
    ("no-review", {"review": DROP}, "缺少审查记录（review）：未经审查的信息绝不公开"),
    ("empty-review", {"review": DROP, "extra": ("review:",)}, "缺少审查记录（review）"),
    ("no-approver", {"review": {"approver": DROP}}, "审查记录不完整，缺少 审批人（approver）：未经审查的信息绝不公开"),
    ("null-approver", {"review": {"approver": ""}},
     "行未填）；写在 # 后面的字是注释，不算填写"),
    ("no-secrecy-check", {"review": {"secrecy_checked": DROP}}, "缺少 保密审查（secrecy_checked）"),
    ("only-reviewer", {"review": {"reviewed_on": DROP, "secrecy_checked": DROP, "approver": DROP,
                                  "approved_on": DROP}},
     "缺少 审查日期（reviewed_on）、保密审查（secrecy_checked）、审批人（approver）、审批日期（approved_on）"),
]


@pytest.mark.parametrize("kwargs, reason", [h[1:] for h in HELD], ids=[h[0] for h in HELD])
def test_unreviewed_item_is_held_back_and_strict_refuses_it(site, kwargs, reason):
    write(site, "content/budget.md", LINKING_BUDGET)
    before = good_build(site)
    write(site, "content/plan.pdf", b"%PDF-1.4 unreviewed attachment\n")
    text = item(title=HELD_TITLE, index_no=HELD_INDEX,
                extra=("attachments:", "  - file: plan.pdf", "    title: 方案全文",
                       *kwargs.get("extra", ())), review=kwargs.get("review"))
    write(site, f"content/{HELD_SLUG}.md", text)

    result = build(site)
    assert result.exit_code == 0, result.output
    assert errors(result) == [], result.output
    assert "未发布的信息 1 条" in result.output
    assert f"content/{HELD_SLUG}.md（{HELD_TITLE}）：" in result.output
    assert reason in result.output
    # Written nowhere: no page, no index entry, no search record, no feed item, no sitemap url,
    # no attachment — the output is exactly what it was without the item.
    assert not (site / "output" / "fdzdgknr" / "czyjs" / f"{HELD_SLUG}.html").exists()
    assert_nowhere(site, HELD_TITLE, HELD_INDEX, HELD_SLUG, "plan.pdf", "unreviewed attachment")
    after = snapshot(site / "output")
    assert after == before  # unchanged files are hard-linked: even the mtimes are the same

    strict = build(site, "--strict")
    refused(strict, site, after)
    diag = one(strict, f"content/{HELD_SLUG}.md", "审查记录 review")
    contains(diag, "未发布：", reason)
    # at the review's line, where there is one (found by review: it had none)
    if "review:" in text:
        assert diag.line == line_of(text, "review:"), strict.output


def test_item_dated_after_now_is_held_back_until_that_day(site):
    write(site, "content/budget.md", LINKING_BUDGET)
    before = good_build(site)
    # (a 索引号 of the year it is made: one of 2025 for an item of 2026 is a warning)
    index_no = "12345678X/2026-00077"
    text = item(title=HELD_TITLE, index_no=index_no, date_created="2026-11-30",
                date_published="2026-12-01", review={"reviewed_on": "2026-11-30", "approved_on": "2026-11-30"})
    write(site, f"content/{HELD_SLUG}.md", text)

    for args in ((), ("--strict",)):  # a date is not a review problem: not an error under --strict
        result = build(site, *args)
        assert result.exit_code == 0, result.output
        assert errors(result) == [], result.output
        assert f"content/{HELD_SLUG}.md（{HELD_TITLE}）：发布日期 2026-12-01 晚于今天（2026-11-27），到期后再发布" \
            in result.output
        assert_nowhere(site, HELD_TITLE, index_no, HELD_SLUG)
        assert snapshot(site / "output") == before

    early = build(site, now="2026-11-30")
    assert early.exit_code == 0 and "2026-12-01 晚于今天（2026-11-30）" in early.output
    assert_nowhere(site, HELD_TITLE)

    due = build(site, now="2026-12-01")
    assert due.exit_code == 0, due.output
    assert "未发布的信息" not in due.output
    assert_published(site, HELD_TITLE, index_no, HELD_SLUG)
    budget = (site / "output" / "fdzdgknr" / "czyjs" / "budget.html").read_text(encoding="utf-8")
    assert f'href="{HELD_SLUG}.html"' in budget


# -- validity and replacement -------------------------------------------------------------------

@pytest.mark.parametrize("validity", ["废止", "失效"])
def test_repealed_without_date_invalid(site, validity):
    result = broken(site, item(extra=(f"validity: {validity}",)))
    diag = one(result, X, "有效性 validity")
    contains(diag, f"有效性为“{validity}”时必须填写失效日期（date_invalid）")
    assert diag.line is not None


@pytest.mark.parametrize("empty", ['""', ""], ids=["quoted", "null"])
def test_repealed_with_empty_date_invalid(site, empty):
    result = broken(site, item(extra=("validity: 废止", f"date_invalid: {empty}")))
    contains(one(result, X, "有效性 validity"), "有效性为“废止”时必须填写失效日期（date_invalid）")


def test_date_invalid_before_date_created(site):
    result = broken(site, item(extra=("validity: 废止", "date_invalid: 2025-01-01")))
    contains(one(result, X, "失效日期 date_invalid"), "失效日期 2025-01-01 早于生成日期 2025-01-20")


def test_replaced_by_a_missing_index_no(site):
    result = broken(site, item(extra=("validity: 废止", "date_invalid: 2025-06-01",
                                      "replaced_by: 12345678X/2025-00099")))
    diag = one(result, X, "替代文件 replaced_by")
    contains(diag, "替代文件的索引号 12345678X/2025-00099 不存在")
    assert diag.line is not None


@pytest.mark.parametrize("rel", [X, "content/budget.md"], ids=["new-file", "edited-file"])
def test_replaced_by_its_own_index_no(site, rel):
    """An item naming itself as its replacement linked to itself; a new file and an edit
    (which a quick build would take) alike."""
    own = FIELDS["index_no"] if rel == X else "12345678X/2025-00002"
    text = item(title=BUDGET_TITLE if rel != X else FIELDS["title"], index_no=own,
                extra=("validity: 失效", "date_invalid: 2025-06-01", f"replaced_by: {own}"))
    result = broken(site, text, rel=rel)
    diag = one(result, rel, "替代文件 replaced_by")
    contains(diag, f"替代文件的索引号 {own} 是本信息自己的索引号")
    assert diag.line == line_of(text, "replaced_by:")


def test_attachment_error_points_at_its_entry(site):
    write(site, "content/plan.pdf", b"%PDF-1.4\n")
    text = item(extra=("attachments:", "  - file: plan.pdf", "    title: 附件一",
                       "  - file: missing.pdf", "    title: 附件二"))
    result = broken(site, text)
    assert one(result, X, "附件 attachments").line == line_of(text, "  - file: missing.pdf")


def test_an_attachment_may_be_written_with_chinese_keys(site):
    """Found by review: 附件 was accepted, but its 文件 and 标题 were refused."""
    write(site, "content/plan.pdf", b"%PDF-1.4\n")
    write(site, X, item(extra=("附件:", "  - 文件: plan.pdf", "    标题: 实施方案全文")))
    result = build(site)
    assert result.exit_code == 0, result.output
    page = (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")
    assert "实施方案全文" in page and "plan.pdf" in page


def test_attachment_that_is_an_item_file(site):
    result = broken(site, attachment("budget.md"))
    contains(one(result, X, "附件 attachments"), "附件 “budget.md” 是 Markdown 文件（一条信息），不能作为附件")


def test_replaced_by_a_held_back_item(site):
    write(site, "content/draft.md", item(title="新版预算（待审查）", index_no="12345678X/2025-00099",
                                         review=DROP))
    result = broken(site, item(extra=("validity: 废止", "date_invalid: 2025-06-01",
                                      "replaced_by: 12345678X/2025-00099")))
    contains(one(result, X, "替代文件 replaced_by"), "替代文件的索引号 12345678X/2025-00099 尚未发布")


# -- attachments --------------------------------------------------------------------------------

def attachment(ref: str) -> str:
    return item(extra=("attachments:", f"  - file: {ref}", "    title: 附件一"))


@pytest.mark.parametrize("rel, ref", [("content/x.md", "plan.pdf"), ("content/sub/x.md", "../plan.pdf"),
                                      ("content/sub/x.md", "/plan.pdf"), ("content/x.md", "Plan.PDF")])
def test_attachment_inside_content_is_published(site, rel, ref):
    """The control of the attachment rules: a path that stays inside content/ is fine."""
    good_build(site)
    write(site, f"content/{ref.lstrip('/').replace('../', '')}", b"%PDF-1.4 attachment\n")
    write(site, rel, attachment(ref))
    result = build(site)
    assert diagnostics(result) == [], result.output
    copied = site / "output" / "files" / ref.lstrip("/").replace("../", "")
    assert copied.read_bytes() == b"%PDF-1.4 attachment\n"


def test_attachment_missing(site):
    result = broken(site, attachment("missing.pdf"))
    diag = one(result, X, "附件 attachments")
    contains(diag, "附件文件不存在（或不是文件）：“missing.pdf”", "应在 content/missing.pdf")
    assert diag.line is not None


def test_attachment_written_in_other_case_names_the_file_there(site):
    """Found by review: Q3.PDF for q3.pdf opens on the officer's Windows and not on the server."""
    write(site, "content/q3.pdf", b"%PDF-1.4 attachment\n")
    result = broken(site, attachment("Q3.PDF"))
    contains(one(result, X, "附件 attachments"), "content/q3.pdf 与它只差大小写")


@pytest.mark.parametrize("ref", ["../../etc/passwd", "../secret.pdf", "/../secret.pdf",
                                 "sub/../../secret.pdf"])
def test_attachment_path_escaping_content(site, ref):
    write(site, "secret.pdf", b"%PDF-1.4 outside content\n")
    result = broken(site, attachment(ref))
    diag = one(result, X, "附件 attachments")
    contains(diag, f"附件路径 “{ref}” 指向内容目录之外，已拒绝")
    assert diag.line is not None


def test_attachment_symlink_leaving_content(site):
    before = good_build(site)
    write(site, "secret.pdf", b"%PDF-1.4 outside content\n")
    (site / "content" / "link.pdf").symlink_to(site / "secret.pdf")
    write(site, X, attachment("link.pdf"))
    result = build(site)
    refused(result, site, before)
    assert any(d.file == "content/link.pdf" and "符号链接指向内容目录之外" in d.message
               for d in diagnostics(result)), result.output


@pytest.mark.parametrize("name, ext", [("setup.exe", "exe"), ("run.SH", "sh")])
def test_attachment_with_disallowed_extension(site, name, ext):
    write(site, f"content/{name}", b"MZ\x90\x00")
    result = broken(site, attachment(name))
    diag = one(result, X, "附件 attachments")
    contains(diag, f"附件类型 .{ext} 不允许", "允许：doc, docx, jpeg, jpg, ofd, pdf, png, txt, wps, xls, xlsx, zip")
    assert diag.line is not None


# -- warnings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["招街办[2010]8号", "招街办(2010)8号", "招街办（2010）8号", "招街办［2010］8号",
                                     "招街办﹝2010﹞8号", "招街办〖2010〗8号"])
def test_doc_no_brackets_normalised_with_a_warning(site, written):
    good_build(site)
    write(site, X, item(extra=(f"doc_no: {written}",)))
    result = build(site)
    assert result.exit_code == 0, result.output
    diag = one(result, X, "文号 doc_no", level="警告")
    contains(diag, f"文号 “{written}” 的年份应使用六角括号〔〕：发布时写作 “招街办〔2010〕8号”")
    assert diag.line is not None
    assert "共 0 个错误，1 个警告" in result.output
    page = (site / "output" / "fdzdgknr" / "czyjs" / "x.html").read_text(encoding="utf-8")
    assert "招街办〔2010〕8号" in page and written not in page
    records = json.loads((site / "output" / "search.json").read_text(encoding="utf-8"))
    assert [r["doc_no"] for r in records if r["index_no"] == FIELDS["index_no"]] == ["招街办〔2010〕8号"]


def test_doc_no_with_di_before_its_number_is_published_without_it(site):
    write(site, X, item(extra=("doc_no: 招街办〔2010〕第8号",)))
    result = build(site)
    diag = one(result, X, "文号 doc_no", level="警告")
    contains(diag, "发文顺序号前不加“第”字：发布时写作 “招街办〔2010〕8号”")
    assert "招街办〔2010〕8号" in (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")


def test_a_doc_no_with_every_slip_gets_one_warning_with_the_form_published(site):
    """Found by review: 示街办[2024]第04号 had three warnings, each with another intermediate
    form, and the page kept the 0 of 04."""
    write(site, X, item(extra=("doc_no: 招街办[2010]第08号",)))
    result = build(site)
    diag = one(result, X, "文号 doc_no", level="警告")
    contains(diag, "文号 “招街办[2010]第08号” 的年份应使用六角括号〔〕；发文顺序号前不加“第”字；"
             "发文顺序号不编虚位（1 不编为 01）：发布时写作 “招街办〔2010〕8号”")
    assert "招街办〔2010〕8号" in (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")


def test_a_misspelt_key_names_the_one_meant(site):
    """Found by review: sumary, 发布时间, reviwer were unknown fields with no hint, and the
    summary was dropped from the page without a word of why."""
    write(site, X, item(extra=("sumary: 概述", "发布时间: 2025-01-24"), review={"reviwer": "张三"}))
    result = build(site)
    contains(one(result, X, "sumary", level="警告"), "是不是要写 summary（内容概述）？")
    contains(one(result, X, "发布时间", level="警告"), "date_published（发布日期）")
    contains(one(result, X, "review.reviwer", level="警告"), "是不是要写 reviewer（审查人）？")


def test_a_time_of_day_is_text_not_a_base_60_number(site):
    """Found by review: YAML 1.1 read 工作时间 8:30 as 510."""
    write(site, X, item(extra=("type: org", "hours: 8:30", "phone: 0574-86000000")))
    result = build(site)
    assert result.exit_code == 0, result.output
    page = (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")
    assert "<td>8:30" in page and "510" not in page


def test_numbers_yaml_1_1_would_change_are_kept_as_written(site):
    """批次 010 is not 8, 12.30 not 12.3, 1_000 not 1000 (found by review)."""
    from sitegen.content import parse_yaml
    data = parse_yaml("a: 010\nb: 12.30\nc: 1_000\nd: 0x10\ne: 12\nf: -3\n")[0]
    assert data == {"a": "010", "b": "12.30", "c": "1_000", "d": "0x10", "e": 12, "f": -3}


def test_a_chinese_review_key_left_empty_names_its_line(site):
    text = item(review={"approver": DROP})
    text = text.replace("review:\n", "review:\n  审批人:\n")
    write(site, X, text)
    result = build(site)
    assert f"审批人（approver，第 {line_of(text, '  审批人:')} 行未填）" in result.output, result.output


def test_review_keys_may_be_written_in_chinese_and_keywords_with_chinese_commas(site):
    text = item(review={"reviewer": DROP, "approver": DROP}, extra=("keywords: [财政，季度、预算]",))
    text = text.replace("review:\n", "review:\n  审查人: 张三\n  审批人: 李四\n")
    write(site, X, text)
    result = build(site)
    assert result.exit_code == 0 and "未发布" not in result.output, result.output
    records = json.loads((site / "output" / "search.json").read_text(encoding="utf-8"))
    assert [r["keywords"] for r in records if r["index_no"] == FIELDS["index_no"]] == [
        ["财政", "季度", "预算"]]


@pytest.mark.parametrize("chinese, english, value, message", [
    ("保密审查", "secrecy_checked", "是", "保密审查应为 true"),
    ("审批日期", "approved_on", "2024-3-7", ""),
])
def test_a_wrong_review_value_under_its_chinese_key_names_its_line(site, chinese, english, value,
                                                                   message):
    """Found by review: the error named the line under the English key only (保密审查 lost it)."""
    text = item(review={english: DROP})
    text = text.replace("review:\n", f"review:\n  {chinese}: {value}\n")
    write(site, X, text)
    result = build(site)
    diag = one(result, X, f"{chinese} review.{english}")
    assert diag.line == line_of(text, f"  {chinese}:"), result.output
    contains(diag, message)


@pytest.mark.parametrize("key", ["colour", "备注"])
def test_unknown_key_is_a_warning_and_an_error_under_strict(site, key):
    good_build(site)
    write(site, X, item(extra=(f"{key}: 红",)))
    result = build(site)
    assert result.exit_code == 0, result.output
    diag = one(result, X, key, level="警告")
    contains(diag, f"未知字段“{key}”：sitegen 不使用它，它不会出现在页面上", "docs/content-model.md")
    assert diag.line is not None
    assert (site / "output" / "fdzdgknr" / "czyjs" / "x.html").is_file()

    after = snapshot(site / "output")
    strict = build(site, "--strict")
    refused(strict, site, after)
    contains(one(strict, X, key), f"未知字段“{key}”")


# -- reading the file ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, problem, explained, at", [
    (item(title="关于: 通知"), "mapping values are not allowed", "这样的值请用英文引号括起来", "title:"),
    # (PyYAML errs at the next key; found by review: the line of the [ is the one to fix)
    (item(extra=("keywords: [预算, 决算",)), "expected ',' or ']'", "这一行的 [ 没有对应的 ]", "keywords:"),
    (item(extra=("keywords: [预算, 决算", "summary: 说明")), "expected ',' or ']'",
     "请在这一行末尾补上 ]", "keywords:"),
    (item(review={"reviewer": '"党政办'}), "found unexpected end of stream",
     "这一行开始的引号没有闭合", "  reviewer:"),  # not the end of the front matter
    (item(title='"示例街道预算'), "found unexpected end of stream", "这一行开始的引号没有闭合", "title:"),
    (item(extra=("\tdoc_no: 示街办〔2025〕1号",)), "", "YAML 不能用 Tab 缩进，请改用空格", "\tdoc_no:"),
    # keys typed with the input method's colon (PyYAML errs on the line after)
    (item().replace("title: ", "title：", 1), "", "“title”后面是中文冒号“：”，请改为英文冒号加空格", "title："),
    (item().replace("summary: ", "summary：", 1) if "summary: " in item() else
     item(extra=("summary：季度报告",)), "", "“summary”后面是中文冒号“：”", "summary："),
    (item(review={"approver": DROP}).replace("  approved_on:", "  approver：街道主任\n  approved_on:"),
     "", "“approver”后面是中文冒号“：”", "  approver："),
    # a colon of the input method inside a block of text is not the error's cause
    (item(extra=("summary: |", "  目的：规范依申请公开工作", "doc_no: [2010]8号")), "",
     "“doc_no”的值以 [ 开头", "doc_no:"),
    # a list on the line above is no culprit; the last key of review typed with "："
    (item(extra=("keywords: [预算, 决算]", "summary: 说明: 全年")), "mapping values are not allowed",
     "这样的值请用英文引号括起来", "summary:"),
    (item().replace("  approved_on: ", "  approved_on：", 1), "", "“approved_on”后面是中文冒号“：”",
     "  approved_on："),
    # found by review: these got the advice for a colon in a value, or none
    (item(title="[转发]关于开展检查的通知"), "", "“title”的值以 [ 开头", "title:"),
    (item(review={"approver": "街道主任"}).replace("  approver: 街道主任", "   approver: 街道主任"),
     "", "与上一个键“secrecy_checked”缩进不同（3 个和 2 个空格）", "   approver:"),
    # found by review: slips of the input method were named at the next line, with the advice
    # for a missing colon or an indentation, though the colon is there
    (item().replace("date_created: 2025", "date_created:\u30002025", 1), "",
     "“date_created”的冒号后面是全角空格“　”：冒号后要跟一个半角空格，请写成 date_created: 2025-01-20",
     "date_created:"),
    (item().replace("disclosure: ", "公开方式:", 1), "",
     "“公开方式”的冒号后面没有空格：冒号后要跟一个半角空格，请写成 公开方式: 主动公开", "公开方式:"),
    (item().replace("  approver: ", "\u3000审批人: ", 1), "", "这一行用全角空格“　”缩进", "\u3000审批人:"),
    # ... but not in a block of text or a list above the error (found by review)
    (item(extra=("summary: |", "  \u3000\u3000本办法共五章。", "doc_no: 关于: 通知")),
     "mapping values are not allowed", "这样的值请用英文引号括起来", "doc_no:"),
    (item(extra=("keywords:", "  - http://www.example.gov.cn/a.html", "doc_no: 关于: 通知")),
     "mapping values are not allowed", "这样的值请用英文引号括起来", "doc_no:"),
], ids=["colon-in-value", "unclosed-list", "unclosed-list-before-a-key", "unclosed-quote", "unclosed-quote-in-title", "tab",
        "wide-colon-title", "wide-colon-summary", "wide-colon-in-review", "wide-colon-in-text",
        "list-above", "wide-colon-last-in-review", "bracket-title",
        "review-key-out-of-line", "wide-space-after-colon", "no-space-after-colon", "wide-space-indent",
        "wide-space-in-text", "url-in-list"])
def test_yaml_syntax_error_reports_a_line(site, text, problem, explained, at):
    result = broken(site, text)
    diag = one(result, X, None)
    contains(diag, "front matter 的 YAML 无法解析", problem, explained)
    assert diag.line is not None
    if at is not None:
        assert diag.line == line_of(text, at), result.output


def test_duplicate_yaml_key_reports_its_line(site):
    result = broken(site, item(extra=("title: 重复的标题",)))
    diag = one(result, X, None)
    contains(diag, "键“title”重复出现（YAML 中同一个键只能写一次）")
    assert diag.line is not None


def test_duplicate_key_inside_review(site):
    result = broken(site, item(review={"approver": "街道主任\n  approver: 副主任"}))
    diag = one(result, X, None)
    contains(diag, "键“approver”重复出现")
    assert diag.line is not None


def test_key_and_its_chinese_alias_both_written(site):
    result = broken(site, item(extra=("标题: 又一个标题",)))
    diag = one(result, X, "标题 title")
    contains(diag, "“title”与“标题”是同一字段，只能写一个")
    assert diag.line is not None


@pytest.mark.parametrize("text, message, line", [
    ("# 标题\n\n正文。\n", "缺少 front matter：文件应以一行 --- 开头", 1),
    ("", "缺少 front matter", 1),
    ("---\ntitle: 标题\n\n正文。\n", "front matter 没有结束：元数据写完后要有一行三个半角减号 ---", 1),
    # the input method's dashes (found by review: "缺少 front matter" only, for a line that is there)
    ("———\ntitle: 标题\n———\n\n正文。\n", "开头一行应为三个半角减号 ---（在英文输入法下输入），实际为“———”", 1),
    ("－－－\ntitle: 标题\n", "实际为“－－－”", 1),
    ("--\ntitle: 标题\n---\n", "实际为“--”", 1),
    ("---\ntitle: 标题\n——————\n\n正文。\n", "结束行应为三个半角减号 ---（在英文输入法下输入），这一行实际为“——————”", 3),
    ("\n\n---\ntitle: 标题\n---\n", "文件开头有 2 行空行：front matter 的 --- 必须在第 1 行", 3),
    # found by review: these were said wrong (an indented ---, a line before it, a list's "-")
    (" ---\ntitle: 标题\n---\n", "开头的 --- 前面不能有空格、Tab 或看不见的字符", 1),
    ("---\ntitle: 标题\n\t---\n正文\n", "结束的 --- 前面不能有空格、Tab 或看不见的字符", 3),
    ("—— 通知 ——\n---\ntitle: 标题\n---\n", "--- 之前有 1 行（第 1 行：“—— 通知 ——”）", 2),
    ("---\ntitle: 标题\nkeywords:\n-\n\n- - -\n正文\n", "front matter 没有结束", 1),
    # found by the second review: the fence found was the closing one, and the advice was to
    # delete the metadata; a file without front matter was told the same of its heading
    ("— — —\ntitle: 标题\n---\n正文\n", "开头一行应为三个半角减号 ---（在英文输入法下输入），实际为“— — —”", 1),
    ("===\ntitle: 标题\n---\n正文\n", "实际为“===”", 1),
    ("关于开展检查的通知\n---\n\n正文。\n", "缺少 front matter：文件应以一行 --- 开头", 1),
    ("\n\n----\ntitle: 标题\n----\n", "文件开头有 2 行空行：front matter 的 --- 必须在第 1 行", 3),
    ("\xa0---\ntitle: 标题\n---\n", "--- 前面不能有空格、Tab 或看不见的字符", 1),
], ids=["no-front-matter", "empty-file", "unterminated", "em-dashes", "full-width", "two",
        "em-dashes-closing", "blank-lines-first", "indented", "indented-closing", "line-before",
        "dash-lines-of-yaml-and-markdown", "spaced-dashes", "equals", "setext-heading",
        "long-fence-after-blank-lines", "no-break-space"])
def test_missing_front_matter(site, text, message, line):
    result = broken(site, text)
    diag = one(result, X, None)
    contains(diag, message)
    assert diag.line == line


def test_gbk_file_is_refused_with_iconv_hint(site):
    data = item().encode("gb18030")
    result = broken(site, data)
    diag = one(result, X, None)
    with pytest.raises(UnicodeDecodeError) as exc:
        data.decode("utf-8")
    offset = exc.value.start
    contains(diag, "文件不是有效的 UTF-8", f"第 {offset} 字节", "GB18030",
             "iconv -f GB18030 -t UTF-8")
    assert diag.line == 2  # the title, the first line with non-ASCII bytes


def test_utf16_file_is_refused_with_a_hint(site):
    result = broken(site, item().encode("utf-16"))  # Windows Notepad's "Unicode"
    contains(one(result, X, None), "文件不是有效的 UTF-8", "文件是 UTF-16 编码", "请另存为 UTF-8")


def _bad_utf8(bom: bool) -> tuple[bytes, int, int]:
    data = (b"\xef\xbb\xbf" if bom else b"") + item(body="正文\xff。").encode("utf-8").replace(
        "\xff".encode(), b"\xff")
    return data, data.index(b"\xff"), data[: data.index(b"\xff")].count(b"\n") + 1


def test_invalid_utf8_gives_byte_offset_and_line(site):
    data, offset, line = _bad_utf8(bom=False)
    result = broken(site, data)
    diag = one(result, X, None)
    contains(diag, f"文件不是有效的 UTF-8：第 {offset} 字节处出现无效字节 b'\\xff'")
    assert "GB18030" not in diag.message
    assert diag.line == line


def test_invalid_utf8_offset_counts_the_bom(site):
    data, offset, _ = _bad_utf8(bom=True)
    result = broken(site, data)
    contains(one(result, X, None), f"第 {offset} 字节处")


def test_nul_byte_is_refused(site):
    result = broken(site, item(body="正文\x00。").encode("utf-8"))
    contains(one(result, X, None), "NUL")


def test_utf8_bom_and_crlf_are_accepted(site):
    good_build(site)
    title = "示例街道2025年部门预算（Windows 记事本保存）"
    write(site, X, b"\xef\xbb\xbf" + item(title=title, body="第一段。\n\n第二段。").replace(
        "\n", "\r\n").encode("utf-8"))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert diagnostics(result) == [], result.output
    assert_published(site, title, FIELDS["index_no"], "x")
    page = (site / "output" / "fdzdgknr" / "czyjs" / "x.html").read_text(encoding="utf-8")
    assert "\ufeff" not in page and "\r" not in page
    assert "第一段。" in page and "第二段。" in page


# -- the site as a whole ------------------------------------------------------------------------

@pytest.mark.parametrize("first, second, extra, page", [
    ("content/a/one.md", "content/b/two.md", ("slug: same",), "same"),
    ("content/a/same.md", "content/b/same.md", (), "same"),
], ids=["slug", "file-name"])
def test_two_items_writing_the_same_page(site, first, second, extra, page):
    before = good_build(site)
    write(site, first, item(title="第一条", extra=extra))
    write(site, second, item(title="第二条", index_no="12345678X/2025-00011", extra=extra))
    result = build(site)
    refused(result, site, before)
    for file in (first, second):
        contains(one(result, file, "文件名 slug"), f"多个信息会写入同一个页面 fdzdgknr/czyjs/{page}.html：",
                 f"{first}、{second}", "请改文件名或 slug")


def test_slug_equal_to_another_items_file_name(site):
    result = broken(site, item(extra=("slug: budget",)))
    for file in ("content/budget.md", X):
        contains(one(result, file, "文件名 slug"), "fdzdgknr/czyjs/budget.html",
                 "content/budget.md、content/x.md")


def test_unusable_file_name_is_reported_as_the_slug(site):
    result = broken(site, item(), rel="content/第1号#附件.md")
    diag = one(result, "content/第1号#附件.md", "文件名 slug")
    contains(diag, "页面文件名 “第1号#附件” 不可用", "请改文件名或写 slug 字段")


def test_all_errors_of_a_build_are_reported_together(site):
    before = good_build(site)
    write(site, "content/a.md", item(date_created="2010-02-30", index_no="12345678X/2025-00021"))
    write(site, "content/b.md", item(category="不存在的分类", index_no="12345678X/2025-00022",
                                     disclosure="不予公开"))
    write(site, "content/c.md", item(index_no="12345678X/2025-00023").encode("gb18030"))
    result = build(site)
    refused(result, site, before)
    contains(one(result, "content/a.md", "生成日期 date_created"), "日期不存在")
    contains(one(result, "content/b.md", "信息分类 category"), "不存在的分类")
    contains(one(result, "content/b.md", "公开方式 disclosure"), "不予公开")
    contains(one(result, "content/c.md", None), "GB18030")
    assert "共 4 个错误，0 个警告。" in result.output


# -- sitegen.toml -------------------------------------------------------------------------------

def broken_config(site: Path, text: str) -> Result:
    before = good_build(site)
    write(site, "sitegen.toml", text)
    result = build(site)
    refused(result, site, before)
    return result


def test_config_toml_syntax_error_reports_its_line(site):
    text = default_config().replace("page_size = 20", "page_size = = 20", 1)
    result = broken_config(site, text)
    diag = one(result, "sitegen.toml", None)
    contains(diag, "TOML 语法错误")
    assert diag.line == line_of(text, "page_size")


def test_config_unknown_default_organization(site):
    text = default_config().replace('organization = "jiedao"', 'organization = "jiedo"', 1)
    result = broken_config(site, text)
    contains(one(result, "sitegen.toml", "默认发布机构 organization"),
             "site.organization 应为已配置的发布机构 id（jiedao）", "实际为 “jiedo”（文本）")


def test_config_category_whose_parent_is_missing(site):
    text = default_config() + '\n[[category]]\npath = "不存在/子分类"\nslug = "zfl"\n'
    result = broken_config(site, text)
    contains(one(result, "sitegen.toml", "分类路径 path"), "分类“不存在/子分类”的上级分类“不存在”未定义",
             "上级必须写在前面")


def test_config_errors_are_reported_together(site):
    text = default_config().replace('organization = "jiedao"', 'organization = "jiedo"', 1) + \
        '\n[[category]]\npath = "不存在/子分类"\nslug = "zfl"\n'
    result = broken_config(site, text)
    assert one(result, "sitegen.toml", "默认发布机构 organization").line == line_of(text, "organization =")
    assert one(result, "sitegen.toml", "分类路径 path").line == len(text.splitlines()) - 1
    assert "共 2 个错误" in result.output


# -- where the output may go ---------------------------------------------------------------------

@pytest.mark.parametrize("output, message, absolute", [
    ("content", "与源目录", False), ("content", "与源目录", True), ("content/out", "与源目录", False),
    ("themes", "与源目录", False), (".", "是站点目录本身或其上级", False),
    ("..", "是站点目录本身或其上级", False),
])
def test_output_over_sources_is_refused(site, monkeypatch, output, message, absolute):
    before = good_build(site)
    write(site, "content/plan.pdf", b"%PDF-1.4\n")
    sources = snapshot(site)
    monkeypatch.chdir(site)
    target = str((site / output).resolve()) if absolute else output
    result = build(site, "--output", target)
    assert result.exit_code == 1, result.output
    assert "拒绝写入" in result.output and message in result.output, result.output
    assert snapshot(site) == sources  # content, themes, config and output untouched
    assert snapshot(site / "output") == before
    assert leftovers(site) == [] and leftovers(site.parent) == [] and leftovers(site / "content") == []


# -- sitegen check ------------------------------------------------------------------------------

def test_check_on_a_good_site_exits_0_and_writes_nothing(site):
    before = snapshot(site)
    result = run("check", site)
    assert result.exit_code == 0, result.output
    assert "检查通过：2 条信息可以发布。" in result.output
    assert snapshot(site) == before and not (site / "output").exists()


def test_check_on_a_broken_site_exits_1_and_writes_nothing(site):
    good_build(site)
    write(site, X, item(date_created="2010-02-30"))
    before = snapshot(site)
    result = run("check", site)
    assert result.exit_code == 1, result.output
    contains(one(result, X, "生成日期 date_created"), "日期不存在：2010-02-30")
    assert "检查通过" not in result.output
    assert snapshot(site) == before and leftovers(site) == []


def test_check_strict_refuses_held_back_items(site):
    write(site, X, item(review=DROP))
    assert run("check", site).exit_code == 0
    result = run("check", site, "--strict")
    assert result.exit_code == 1, result.output
    contains(one(result, X, "审查记录 review"), "未发布：缺少审查记录")
    assert not (site / "output").exists()


@pytest.mark.parametrize("extra, body, what", [
    (("doc_no: 示街办[2025]8号",), "正文。", "文号 doc_no"),  # a validation warning
    ((), "正文。\n\n<script>alert(1)</script>\n", None),  # unsafe HTML the body loses
], ids=["normalised-doc-no", "unsafe-html-removed"])
def test_check_strict_refuses_what_build_strict_refuses(site, extra, body, what):
    """`check --strict` is a CI gate: it must fail where `build --strict` fails."""
    write(site, X, item(extra=extra, body=body))
    assert run("check", site).exit_code == 0
    result = run("check", site, "--strict")
    assert result.exit_code == 1, result.output
    assert [d.file for d in errors(result)] == [X], result.output
    assert [d.what for d in errors(result)] == [what], result.output
    built = build(site, "--strict")
    assert built.exit_code == 1, built.output
    assert [(d.file, d.what) for d in errors(built)] == [(X, what)], built.output


def test_build_strict_refuses_unsafe_html_added_by_an_edit(site):
    """An edited body, which a quick build would take, under --strict as in a whole build."""
    before = good_build(site, "--strict")
    write(site, "content/budget.md", item(title=BUDGET_TITLE, index_no="12345678X/2025-00002",
                                          body="正文。\n\n<iframe src=x></iframe>\n"))
    result = build(site, "--strict")
    refused(result, site, before)
    [diag] = errors(result)
    assert diag.file == "content/budget.md" and diag.line is not None
    contains(diag, "<iframe> 标签 不安全，发布时删去")


def test_word_formatting_is_no_unsafe_html(site):
    """Found by review: a paste from Word leaves <o:p> in every paragraph, and each was
    "不安全", an error under --strict. Such tags are removed with their text kept: one warning a
    tag, with its first line and its count, never an error; a real <iframe> still is one."""
    body = ("第一段<o:p></o:p>\n\n<p class=MsoNormal>第二段<o:p></o:p></p>\n\n"
            "<font color=red>重要</font>\n")
    write(site, "content/budget.md", item(title=BUDGET_TITLE, index_no="12345678X/2025-00002",
                                          body=body))
    result = build(site, "--strict")
    assert result.exit_code == 0, result.output
    warned = [d for d in diagnostics(result) if d.file == "content/budget.md"]
    assert len(warned) == 2 and all(d.level == "警告" for d in warned), result.output
    o_p, font = sorted(warned, key=lambda d: d.line or 0)
    contains(o_p, "<o:p> 标签（Word 等软件的排版标记）", "共 2 处", "保留其中的文字")
    contains(font, "<font> 标签", "保留其中的文字")
    assert "不安全" not in o_p.message + font.message
    assert (o_p.line, font.line) == (o_p.line, o_p.line + 4)
    page = (site / "output").rglob("*.html")
    html = next(p for p in page if BUDGET_TITLE in p.read_text(encoding="utf-8")
                and "第二段" in p.read_text(encoding="utf-8")).read_text(encoding="utf-8")
    assert "<o:p>" not in html and "<font" not in html and "重要" in html


BROKEN_TEMPLATE = ('{% extends "base.html" %}\n{% block content %}\n<h1>{{ title }}</h1>\n'
                   '{% if item.summary %}{{ item.summary }}\n{% endblock %}\n')


def test_template_syntax_error_is_found_by_check_and_build_with_its_line(site):
    write(site, "themes/default/templates/item.html", BROKEN_TEMPLATE)
    write(site, X, item(date_created="2010-02-30"))  # and an error of the content
    for command in ("check", "build"):
        result = run(command, site)
        assert result.exit_code == 1, result.output
        theme = [d for d in errors(result) if d.file == "themes/default/templates/item.html"]
        assert len(theme) == 1, result.output  # once, not once per page or stage
        contains(theme[0], "主题模板语法错误", "endblock")
        assert theme[0].line == 5, result.output
        contains(one(result, X, "生成日期 date_created"), "日期不存在")


def test_template_runtime_error_names_its_line_and_the_page(site):
    """Found by check too (which makes every page in memory), reported once, at the
    template's line, with the page being made."""
    before = good_build(site)
    write(site, "themes/default/templates/item.html",
          '{% extends "base.html" %}\n{% block content %}\n<h1>{{ item.titel }}</h1>\n{% endblock %}\n')
    checked = run("check", site)
    assert checked.exit_code == 1, checked.output
    result = build(site)
    refused(result, site, before)
    for output in (checked, result):
        [diag] = errors(output)
        assert diag.file == "themes/default/templates/item.html" and diag.line == 3, output.output
        contains(diag, "主题模板用到了不存在的变量或字段", "titel", "（生成 ")


@pytest.mark.parametrize("template, extra, message", [
    ('{% extends "base.html" %}\n{% block content %}\n<h1>{{ "%d"|format(item.title) }}</h1>\n'
     '{% endblock %}\n', None, "主题模板出错：TypeError"),
    ('{% extends "base.html" %}\n{% block content %}\n{% include "notice.txt" %}\n{% endblock %}\n',
     "本页说明".encode("gb18030"), "主题模板引用的文件不是 UTF-8 编码"),
], ids=["filter-type-error", "included-file-in-gbk"])
def test_template_failures_that_are_not_jinja_errors(site, template, extra, message):
    """A filter given the wrong kind of value, or an included file in GBK: an error at the
    template's line, not a traceback (in the workers, or in check)."""
    before = good_build(site)
    write(site, "themes/default/templates/item.html", template)
    if extra is not None:
        write(site, "themes/default/templates/notice.txt", extra)
    for command in ("check", "build"):
        result = run(command, site)
        assert result.exit_code == 1, result.output
        [diag] = errors(result)
        assert diag.file == "themes/default/templates/item.html" and diag.line == 3, result.output
        contains(diag, message)
    refused(result, site, before)


def test_own_base_template_without_the_blocks_404_needs_is_a_warning(site):
    source = (Path(__file__).resolve().parent.parent / "themes/default/templates/base.html")
    text = source.read_text(encoding="utf-8").replace("{% block head %}{% endblock %}\n", "", 1)
    write(site, "themes/default/templates/base.html", text)
    result = build(site)
    assert result.exit_code == 0, result.output
    contains(one(result, "themes/default/templates/base.html", None, level="警告"),
             "base.html 缺少 {% block head %}", "404.html 的 <base> 不会输出")


def test_template_not_in_utf8_is_an_error_not_a_crash(site):
    before = good_build(site)
    source = (Path(__file__).resolve().parent.parent / "themes/default/templates/home.html")
    write(site, "themes/default/templates/home.html",
          source.read_text(encoding="utf-8").replace("</h1>", "（首页）</h1>").encode("gb18030"))
    for command in ("check", "build"):
        result = run(command, site)
        assert result.exit_code == 1, result.output
        contains(one(result, "themes/default/templates/home.html", None), "主题模板不是 UTF-8 编码")
    refused(result, site, before)


# -- line numbers -------------------------------------------------------------------------------

LINES = [
    # id, file text, the line it must point at (prefix), "标签 field" or None, level
    ("date-format", item(date_published="2025/01/24"), "date_published:", "发布日期 date_published", "错误"),
    ("impossible-date", item(date_created="2010-02-30"), "date_created:", "生成日期 date_created", "错误"),
    ("created-after-published", item(date_created="2025-01-25"), "date_created:", "生成日期 date_created",
     "错误"),
    ("unknown-category", item(category="财政预算"), "category:", "信息分类 category", "错误"),
    ("non-leaf-category", item(category="政策文件"), "category:", "信息分类 category", "错误"),
    ("unknown-organization", item(extra=("organization: jiedo",)), "organization:", "发布机构 organization",
     "错误"),
    ("index-no-pattern", item(index_no="12345678X-2025-00010"), "index_no:", "索引号 index_no", "错误"),
    ("duplicate-index-no", item(index_no="12345678X/2025-00002"), "index_no:", "索引号 index_no", "错误"),
    ("disclosure", item(disclosure="依申请公开"), "disclosure:", "公开方式 disclosure", "错误"),
    ("secrecy-checked", item(review={"secrecy_checked": "false"}), "  secrecy_checked:",
     "保密审查 review.secrecy_checked", "错误"),
    ("approved-on", item(review={"approved_on": "2025-01-25"}), "  approved_on:", "审批日期 review.approved_on",
     "错误"),
    ("classification", item(extra=("密级: 秘密",)), "密级:", "密级 密级", "错误"),
    ("repealed", item(extra=("validity: 废止",)), "validity:", "有效性 validity", "错误"),
    ("replaced-by", item(extra=("validity: 废止", "date_invalid: 2025-06-01", "replaced_by: 12345678X/2025-00099")),
     "replaced_by:", "替代文件 replaced_by", "错误"),
    ("attachment", attachment("missing.pdf"), "  - file: missing.pdf", "附件 attachments", "错误"),
    ("slug-collision", item(extra=("slug: budget",)), "slug:", "文件名 slug", "错误"),
    ("doc-no", item(extra=("doc_no: 招街办[2010]8号",)), "doc_no:", "文号 doc_no", "警告"),
    ("unknown-key", item(extra=("colour: 红",)), "colour:", "colour", "警告"),
    ("chinese-alias-key", item(date_published=DROP, extra=("发布日期: 2025/01/24",)), "发布日期:",
     "发布日期 date_published", "错误"),
    ("yaml-syntax", item(title="关于: 通知"), "title:", None, "错误"),
    ("duplicate-key", item(extra=("title: 重复的标题",)), "title: 重复的标题", None, "错误"),
    ("duplicate-review-key", item(review={"approver": "街道主任\n  approver: 副主任"}), "  approver: 副主任",
     None, "错误"),
    ("crlf", item(date_published="2025/01/24").replace("\n", "\r\n"), "date_published:",
     "发布日期 date_published", "错误"),
]


@pytest.mark.parametrize("text, prefix, what, level", [c[1:] for c in LINES], ids=[c[0] for c in LINES])
def test_reported_line_is_the_line_of_the_key(site, text, prefix, what, level):
    write(site, X, text)
    result = build(site)
    assert one(result, X, what, level=level).line == line_of(text, prefix)


# -- the publication deadline (条例 第二十六条: 20 个工作日) ---------------------------------------

DEADLINE = "发布日期 date_published"


def late(result: Result) -> list[Diag]:
    return [d for d in diagnostics(result) if d.file == X and d.what == DEADLINE and d.level == "警告"]


@pytest.mark.parametrize("published, warned", [
    ("2025-10-30", None),  # 20 working days: 国庆 8 days off, 9-28 and 10-11 worked (调休)
    ("2025-10-31", "第 21 个工作日"),  # Monday to Friday would count 25
])
def test_deadline_counts_working_days_of_the_holiday_table(site, published, warned):
    write(site, X, item(date_created="2025-09-26", date_published=published,
                        review={"reviewed_on": "2025-10-29", "approved_on": "2025-10-29"}))
    result = build(site)
    assert result.exit_code == 0, result.output
    if warned is None:
        assert late(result) == [], result.output
    else:
        [diag] = late(result)
        contains(diag, f"自生成日期 2025-09-26 起{warned}才发布", "超过示例街道规定的 20 个工作日")
        assert "估算" not in diag.message


CALENDAR_2031 = """
[calendar]
holidays = ["2031-01-22 至 2031-01-28"]
workdays = [2031-02-08]
"""


def test_site_calendar_covers_a_year_the_holiday_table_lacks(site):
    """A year chinesecalendar has no table for (each release adds the next year once the
    State Council publishes it; 2031 is far enough): the count falls back to Monday to
    Friday and says so, until the site enters the year's arrangement in [calendar]."""
    write(site, X, item(title="示例街道2031年部门预算", index_no="12345678X/2031-00001",
                        date_created="2031-01-10", date_published="2031-02-14",
                        review={"reviewed_on": "2031-02-10", "approved_on": "2031-02-11"}))
    result = build(site, now="2031-06-01")
    assert result.exit_code == 0, result.output
    [diag] = late(result)
    contains(diag, "第 25 个工作日", "按周一至周五估算", "[calendar]")

    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8") + CALENDAR_2031, encoding="utf-8")
    result = build(site, now="2031-06-01")
    assert result.exit_code == 0, result.output
    [diag] = late(result)  # five weekdays off, one Saturday worked: 25 - 5 + 1
    contains(diag, "第 21 个工作日")
    assert "估算" not in diag.message


def test_related_items_are_links_both_ways_and_a_wrong_number_is_named(site: Path) -> None:
    """相关信息 (related_items): 索引号 as a list or on one line; the number of the item itself,
    or of none published, is a warning at its line (the page lists the others)."""
    text = item(title="关于2024年部门决算的解读", index_no="12345678X/2025-00003",
                extra=("related_items: 12345678X/2025-00002、12345678X/2025-00003，12345678X/2025-00999",))
    write(site, "content/explained.md", text)
    result = build(site)
    assert result.exit_code == 0, result.output
    line = line_of(text, "related_items:")
    said = [(d.line, d.level, d.message) for d in diagnostics(result)
            if d.file == "content/explained.md" and d.what == "相关信息 related_items"]
    assert len(said) == 2 and all(d[:2] == (line, "警告") for d in said), result.output
    assert "12345678X/2025-00003 是本信息自己的索引号" in said[0][2]
    assert "12345678X/2025-00999 不存在" in said[1][2]
    page = (site / "output/fdzdgknr/czyjs/explained.html").read_text(encoding="utf-8")
    budget = (site / "output/fdzdgknr/czyjs/budget.html").read_text(encoding="utf-8")
    assert f'<a href="budget.html">{BUDGET_TITLE}</a>' in page
    assert '<a href="explained.html">关于2024年部门决算的解读</a>' in budget
    write(site, "content/explained.md", text.replace("related_items: 12345678X", "related_items: {a: 1}\n#"))
    result = build(site)
    assert result.exit_code == 1
    assert "相关信息应为索引号列表" in one(result, "content/explained.md", "相关信息 related_items").message


def test_a_body_link_that_leads_nowhere_says_why(site: Path) -> None:
    """One warning said "不存在、未发布、地址无效或类型不能发布" of every broken link: a web address
    without https://, a file on the author's computer and a file type that cannot be
    published are named as such."""
    body = ("见[网站](www.example.gov.cn)。\n\n![图](C:\\Users\\admin\\Desktop\\图2.jpg)\n\n"
            "[程序](setup.exe)\n\n[附表](附表.pdf)\n")
    text = item(title="链接", index_no="12345678X/2025-00003", body=body)
    write(site, "content/links.md", text)
    result = build(site)
    assert result.exit_code == 0, result.output
    said = {d.line: d.message for d in diagnostics(result) if d.file == "content/links.md"}
    start = line_of(text, "见[网站]")
    assert "缺少 https://" in said[start] and "https://www.example.gov.cn" in said[start]
    assert "作者电脑上的文件" in said[start + 2] and "相对路径" in said[start + 2]
    assert "是 .exe 文件，不能发布" in said[start + 4]
    assert "不存在或未发布" in said[start + 6] and "大小写" in said[start + 6]


@pytest.mark.parametrize("name", ["notice.md.txt", "notice.markdown"])
def test_an_item_saved_under_another_ending_is_named(site, name):
    """Found by review: Notepad's "q3.md.txt" was passed over without a word."""
    write(site, f"content/{name}", item(index_no="12345678X/2025-00003"))
    result = build(site)
    assert result.exit_code == 0
    contains(one(result, f"content/{name}", None, level="警告"), "不会作为信息发布", "应以 .md 结尾")


SPECIALS = '\n[[special]]\nname = "社会救助"\nslug = "shjz"\ndescription = "最低生活保障、临时救助。"\n' \
           '\n[[special]]\nname = "防汛防台"\nslug = "fxft"\n'


def test_an_item_joins_a_special_by_name_slug_or_chinese_key_and_its_pages_list_it(site: Path) -> None:
    """专栏 (`special`, domain.md S7): the item is listed on the 专栏's pages besides its column,
    its page links there, the home page and special/index.html count it."""
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8") + SPECIALS, encoding="utf-8")
    write(site, "content/budget.md", item(title=BUDGET_TITLE, index_no="12345678X/2025-00002",
                                          extra=("special: 社会救助、fxft",)))
    # (a Chinese comma inside the brackets separates too, and a slug in capitals is the slug)
    write(site, "content/report.md", item(title=REPORT_TITLE, category="政府信息公开年报",
                                          index_no="12345678X/2025-00001", extra=("专栏: [SHJZ，]",)))
    good_build(site)
    out = site / "output"
    shjz = (out / "special/shjz.html").read_text(encoding="utf-8")
    assert "社会救助 <span class=\"count\">（2 条）</span>" in shjz
    assert f'<a href="../fdzdgknr/czyjs/budget.html">{BUDGET_TITLE}</a>' in shjz
    assert f'<a href="../gknb/report.html">{REPORT_TITLE}</a>' in shjz
    assert "最低生活保障、临时救助。" in shjz
    fxft = (out / "special/fxft.html").read_text(encoding="utf-8")
    assert BUDGET_TITLE in fxft and REPORT_TITLE not in fxft
    budget = (out / "fdzdgknr/czyjs/budget.html").read_text(encoding="utf-8")
    assert ('所属专栏</th><td colspan="3"><a href="../../special/shjz.html">社会救助</a>、'
            '<a href="../../special/fxft.html">防汛防台</a></td>') in budget
    index = (out / "special/index.html").read_text(encoding="utf-8")
    assert "社会救助 <span class=\"count\">（2）</span>" in index and "防汛防台 <span class=\"count\">（1）</span>" in index
    home = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="special/index.html">专题专栏</a>' in home and '<a href="special/fxft.html">防汛防台' in home
    # on a kiosk's first screen: before the long column tree (found by review: below it)
    assert home.index('<a href="special/fxft.html">') < home.index('class="category-tree"')
    assert '<a href="../../special/index.html">专题专栏</a>' in budget  # in every page's footer
    assert "special/shjz.html" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_a_site_without_specials_has_no_special_pages(site: Path) -> None:
    good_build(site)
    assert not (site / "output/special").exists()
    assert "专题专栏" not in (site / "output/index.html").read_text(encoding="utf-8")


def test_an_unknown_special_is_an_error_naming_the_configured_ones(site: Path) -> None:
    config = site / "sitegen.toml"
    before = config.read_text(encoding="utf-8")
    result = broken(site, item(index_no="12345678X/2025-00003", extra=("special: [防汛防台]",)))
    contains(one(result, X, "专栏 special"), "sitegen.toml 中没有配置任何专栏", "[[special]]")
    config.write_text(before + SPECIALS, encoding="utf-8")
    text = item(index_no="12345678X/2025-00003", extra=("special: [社会求助]",))
    result = broken(site, text)
    diag = one(result, X, "专栏 special")
    contains(diag, "专栏“社会求助”不在 sitegen.toml 的 [[special]] 中", "您是不是要写：社会救助",
             "已配置的专栏：社会救助／防汛防台")
    assert diag.line == line_of(text, "special:")


def test_a_typo_in_a_full_category_path_suggests_the_leaf_it_is_near(site):
    """Found by review: 法定主动公开内容/监督检察 suggested every leaf of 法定主动公开内容."""
    result = broken(site, item(category="法定主动公开内容/财政预决suan"))
    diag = one(result, X, "信息分类 category")
    contains(diag, "您是不是要写：法定主动公开内容/财政预决算")
    assert "规章" not in diag.message


def test_an_error_in_sitegen_toml_says_the_items_are_not_checked_yet(site):
    """Found by review: with a mistake in sitegen.toml only that was reported, and an item's
    own error came to light in the next CI round, unannounced."""
    before = good_build(site)
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size = 20", 'page_size = "20"'),
                      encoding="utf-8")
    write(site, X, item(category="不存在的分类", index_no="12345678X/2025-00003"))
    result = build(site)
    refused(result, site, before)
    assert [d.file for d in errors(result)] == ["sitegen.toml"]
    assert "sitegen.toml 有错误，信息文件还没有检查" in result.output
    config.write_text(config.read_text(encoding="utf-8").replace('page_size = "20"', "page_size = 20"),
                      encoding="utf-8")
    result = build(site)
    assert [d.file for d in errors(result)] == [X] and "信息文件还没有检查" not in result.output
    # (found by review) a warning of sitegen.toml made an error by --strict: the items were read
    config.write_text(config.read_text(encoding="utf-8").replace("page_size = 20", "page_size = 20\npage_sise = 5"),
                      encoding="utf-8")
    result = build(site, "--strict")
    assert X in {d.file for d in errors(result)} and "信息文件还没有检查" not in result.output
    result = run("build", site.parent / "no-site-here")  # no sitegen.toml at all: nothing to correct
    assert "找不到站点配置文件" in result.output and "信息文件还没有检查" not in result.output
