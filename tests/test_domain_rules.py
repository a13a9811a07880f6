"""The rules of domain.md §c.2–§c.3 beyond the required fields: 公开范围, 公开时限, 实施日期,
主题分类, a 失效/废止 announced ahead of its date, the order of 领导信息 and their photos, the
year of a 索引号, the order of the review dates, 文号 without padding, 有效性 required in
规章 and 行政规范性文件, and the 公示 dates. Seen from the command line, as officers meet them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from test_validation import (
    X,
    broken,
    build,
    contains,
    diagnostics,
    errors,
    good_build,
    item,
    make_site,
    one,
    snapshot,
    write,
)

from sitegen.build import build as build_site_folder


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path)


def page(site: Path, rel: str) -> str:
    return (site / "output" / rel).read_text(encoding="utf-8")


def same_as_clean(site: Path, clean: Path, day: str) -> None:
    """The site's output (after incremental builds) has the bytes of a clean build on `day`."""
    build_site_folder(site, output=clean, now=dt.date.fromisoformat(day), use_cache=False)
    assert {k: v[0] if v else None for k, v in snapshot(site / "output").items()} == \
        {k: v[0] if v else None for k, v in snapshot(clean).items()}


def search_record(site: Path, index_no: str) -> dict | None:
    records = json.loads((site / "output" / "search.json").read_text(encoding="utf-8"))
    return next((r for r in records if r["index_no"] == index_no), None)


# -- 公开范围 -------------------------------------------------------------------------------------

def test_an_item_for_particular_persons_is_held_back_and_appears_nowhere(site):
    good_build(site)
    write(site, X, item(title="仅向申请人提供的答复", index_no="12345678X/2025-00031",
                        extra=("scope: 面向特定对象",)))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert "content/x.md（仅向申请人提供的答复）：公开范围为“面向特定对象”：只向特定对象提供，不在公开网站发布" \
        in result.output
    for path in (site / "output").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert "仅向申请人提供的答复".encode() not in data, path
            assert b"12345678X/2025-00031" not in data, path
    # 面向全社会 (and its short form) is the default: published
    write(site, X, item(title="面向社会的通知", index_no="12345678X/2025-00031", extra=("公开范围: 面向社会",)))
    assert build(site).exit_code == 0
    assert search_record(site, "12345678X/2025-00031")["title"] == "面向社会的通知"


def test_an_unknown_scope_is_an_error(site):
    result = broken(site, item(extra=("scope: 内部",)))
    contains(one(result, X, "公开范围 scope"), "公开范围应为 面向全社会 / 面向社会 / 面向特定对象 / 面向申请人",
             "实际为 “内部”")


# -- 公开时限 -------------------------------------------------------------------------------------

def test_time_limited_disclosure_needs_its_last_day(site):
    result = broken(site, item(extra=("period: 限时公开",)))
    contains(one(result, X, "公开时限 period"), "公开时限为“限时公开”时必须填写公开截止日期（expires）")


def test_the_last_day_of_disclosure_comes_after_publication(site):
    result = broken(site, item(extra=("period: 限时公开", "expires: 2025-01-24")))
    contains(one(result, X, "公开截止日期 expires"), "公开截止日期 2025-01-24 不晚于发布日期 2025-01-24")


def test_an_unknown_period_is_an_error(site):
    result = broken(site, item(extra=("公开时限: 永久",)))
    contains(one(result, X, "公开时限 period"), "公开时限应为 长期公开 / 限时公开", "实际为 “永久”")


def test_the_period_and_its_last_day_are_shown_on_the_page(site):
    good_build(site)
    write(site, "content/x.md", item(extra=("period: 限时公开", "expires: 2025-03-01")))
    result = build(site)
    assert result.exit_code == 0 and errors(result) == [], result.output
    html = page(site, "fdzdgknr/czyjs/x.html")
    assert '<th scope="row">公开时限</th><td colspan="3">限时公开（至 2025-03-01）</td>' in html


LIMITED = item(title="示例街道2025年临时救助对象公示", index_no="12345678X/2025-00050",
               extra=("period: 限时公开", "expires: 2026-12-31"))
LIMITED_PAGE = "fdzdgknr/czyjs/limited.html"


def test_a_time_limited_item_past_its_last_day_moves_to_the_expired_list(site):
    """domain.md §c.2: 限时公开 items whose 公开截止日期 has passed move to an archive listing;
    their page stays (links and bookmarks to it keep working) and says so."""
    write(site, "content/limited.md", LIMITED)
    good_build(site, now="2026-12-31")  # the last day: still in its column
    assert "临时救助对象公示" in page(site, "fdzdgknr/czyjs/index.html")
    assert "临时救助对象公示" in page(site, "index.html")
    assert "临时救助对象公示" in page(site, "rss.xml")
    assert not (site / "output" / "archive" / "expired.html").exists()
    assert "已过公开期限" not in page(site, "index.html") + page(site, LIMITED_PAGE)

    good_build(site, now="2027-01-01")
    column = page(site, "fdzdgknr/czyjs/index.html")
    assert "临时救助对象公示" not in column and "（1 条）" in column  # the budget alone
    home = page(site, "index.html")
    assert "临时救助对象公示" not in home.split('class="expired-link"')[0]
    assert 'href="archive/expired.html">已过公开期限的信息 <span class="count">（1）</span>' in home
    assert "（共 2 条）" in home  # the report and the budget
    assert "临时救助对象公示" not in page(site, "rss.xml")
    assert "临时救助对象公示" not in page(site, "fdzdgknr/czyjs/rss.xml")
    listing = page(site, "archive/expired.html")
    assert "已过公开期限的信息 <span class=\"count\">（1 条）</span>" in listing
    assert 'href="../fdzdgknr/czyjs/limited.html">示例街道2025年临时救助对象公示</a>' in listing
    html = page(site, LIMITED_PAGE)
    assert "公开期限至 2026-12-31，已届满" in html
    assert 'href="../../archive/expired.html">已过公开期限的信息</a>' in html
    # kept where everything published is: its year, the sitemap, the search
    assert "公开期已满" in page(site, "archive/2025.html")
    assert "limited.html" in page(site, "sitemap.xml")
    assert search_record(site, "12345678X/2025-00050") is not None


def test_a_column_of_expired_items_keeps_its_place_in_the_search_filters(site):
    """The search keeps expired items, so their column stays a filter, where the config puts
    it (it went last: the filters were ordered by the columns' counts, which leave them out)."""
    write(site, "content/limited.md", LIMITED.replace("category: 财政预决算", "category: 规章")
          .replace("period: 限时公开", "validity: 有效\nperiod: 限时公开"))
    good_build(site, now="2027-01-01")
    config = re.findall(r'^path = "([^"]+)"', (site / "sitegen.toml").read_text(encoding="utf-8"),
                        re.M)
    manifest = (site / "output" / "assets" / "search" / "manifest.js").read_text(encoding="utf-8")
    listed = [c for c, *_ in json.loads(manifest.split(").m=", 1)[1].rstrip().rstrip(";"))["categories"]]
    assert "法定主动公开内容/政策文件/规章" in listed
    assert listed == [c for c in config if c in listed]


def test_the_day_a_disclosure_period_ends_gives_the_bytes_of_a_clean_build(site, tmp_path):
    write(site, "content/limited.md", LIMITED)
    good_build(site, now="2026-12-31")
    good_build(site, now="2027-01-01")  # incremental, from the day before
    same_as_clean(site, tmp_path / "clean", "2027-01-01")


def test_edits_of_expired_items_give_the_bytes_of_a_clean_build(site, tmp_path):
    """Quick builds: an expired item's body and title edited, an expired item added."""
    write(site, "content/limited.md", LIMITED)
    good_build(site, now="2027-01-01")
    steps = [
        ("content/limited.md", LIMITED.replace("正文。", "正文，补充说明。")),
        ("content/limited.md", LIMITED.replace("临时救助对象公示", "临时救助对象名单公示")),
        ("content/more.md", item(title="示例街道2025年低保对象公示", index_no="12345678X/2025-00051",
                                 extra=("period: 限时公开", "expires: 2026-06-30"))),
    ]
    for n, (rel, text) in enumerate(steps):
        write(site, rel, text)
        result = build(site, now="2027-01-01")
        assert result.exit_code == 0 and errors(result) == [], result.output
        same_as_clean(site, tmp_path / f"clean{n}", "2027-01-01")
    assert "（2 条）" in page(site, "archive/expired.html")


# -- 实施日期, 主题分类 ----------------------------------------------------------------------------

def test_date_effective_before_date_created_is_an_error(site):
    result = broken(site, item(extra=("date_effective: 2025-01-01",)))
    contains(one(result, X, "实施日期 date_effective"), "实施日期 2025-01-01 早于生成日期 2025-01-20")


def test_date_effective_must_be_a_date(site):
    result = broken(site, item(extra=("实施日期: 不是日期",)))
    contains(one(result, X, "实施日期 date_effective"), "日期格式不正确", "应为 YYYY-MM-DD")


def test_repeal_before_the_rule_took_effect_is_an_error(site):
    result = broken(site, item(extra=("date_effective: 2025-03-01", "validity: 废止",
                                      "date_invalid: 2025-02-01")))
    contains(one(result, X, "失效日期 date_invalid"), "失效日期 2025-02-01 早于实施日期 2025-03-01")


def test_topic_and_date_effective_are_shown_in_the_metadata_table(site):
    good_build(site)
    write(site, X, item(extra=("topic: 财政、金融、审计/财政", "date_effective: 2025-02-01")))
    result = build(site)
    assert result.exit_code == 0 and diagnostics(result) == [], result.output
    html = page(site, "fdzdgknr/czyjs/x.html")
    assert ('<th scope="row">主题分类</th><td>财政、金融、审计/财政</td>'
            '<th scope="row">实施日期</th><td>2025-02-01</td>') in html
    # an item without either has no such row
    assert "主题分类" not in page(site, "fdzdgknr/czyjs/budget.html")


def test_a_topic_outside_the_state_council_list_is_a_warning(site):
    good_build(site)
    write(site, X, item(extra=("主题分类: 综合政务\\政务宣传",)))
    result = build(site)
    assert result.exit_code == 0, result.output
    contains(one(result, X, "主题分类 topic", level="警告"), "主题分类 “综合政务\\政务宣传” 不在国务院主题分类表中",
             "“综合政务”的二级分类为 政务公开 ／ 政务督查 ／")
    # the first level's names apart, though some have a 、 of their own (found by review)
    write(site, X, item(extra=("主题分类: 城建",)))
    contains(one(build(site), X, "主题分类 topic", level="警告"), "城乡建设、环境保护 ／ ", "综合政务/政务公开")
    # gov.cn's own way of writing it (一级\二级) is understood
    write(site, X, item(extra=("主题分类: 综合政务\\政务公开",)))
    result = build(site)
    assert diagnostics(result) == [], result.output
    assert "<td>综合政务/政务公开</td>" in page(site, "fdzdgknr/czyjs/x.html")


# -- a repeal announced ahead of its date ---------------------------------------------------------

REPEALED = item(title="示例街道临时救助暂行办法", index_no="12345678X/2025-00040",
                category="行政规范性文件", extra=("validity: 废止", "date_invalid: 2026-12-31"))


def test_a_repeal_dated_ahead_is_in_force_until_that_day(site):
    good_build(site)
    write(site, "content/relief.md", REPEALED)
    result = build(site)
    assert result.exit_code == 0 and errors(result) == [], result.output
    html = page(site, "fdzdgknr/zcwj/xzgfxwj/relief.html")
    assert '<td class="validity">有效</td>' in html
    assert "本文件将于 2026-12-31 废止" in html and "已废止" not in html
    assert "示例街道临时救助暂行办法" in page(site, "index.html")  # still among the latest
    assert search_record(site, "12345678X/2025-00040")["validity"] == "有效"

    result = build(site, now="2026-12-31")
    assert result.exit_code == 0, result.output
    html = page(site, "fdzdgknr/zcwj/xzgfxwj/relief.html")
    assert '<td class="validity">废止</td>' in html and "本文件已于 2026-12-31 废止" in html
    assert "将于" not in html
    assert "示例街道临时救助暂行办法" not in page(site, "index.html")  # left out of the latest
    assert search_record(site, "12345678X/2025-00040")["validity"] == "废止"


def test_the_day_of_a_repeal_passing_gives_the_bytes_of_a_clean_build(site, tmp_path):
    write(site, "content/relief.md", REPEALED)
    good_build(site)
    good_build(site, now="2026-12-31")  # incremental, from the day before
    same_as_clean(site, tmp_path / "clean", "2026-12-31")


# -- 领导信息 -------------------------------------------------------------------------------------

LEADER_CONFIG_EXTRA = '''
[[category]]
path = "领导信息"
slug = "ldxx"
'''


def leader(name: str, rank: int | None, number: int, *extra: str) -> str:
    lines = ["type: leader", f"name: {name}", "post: 副主任"]
    if rank is not None:
        lines.append(f"rank: {rank}")
    return item(title=f"副主任 {name}", category="领导信息", index_no=f"12345678X/2025-0005{number}",
                date_published=f"2025-01-2{number + 4}", extra=(*lines, *extra))


def leader_site(site: Path) -> None:
    with (site / "sitegen.toml").open("a", encoding="utf-8") as f:
        f.write(LEADER_CONFIG_EXTRA)
    # the newest first by date would be 丙, 乙, 甲; by rank it is 甲, 乙, 丙
    write(site, "content/a.md", leader("甲", 1, 1))
    write(site, "content/b.md", leader("乙", 2, 2))
    write(site, "content/c.md", leader("丙", 3, 3))


def names_in_order(html: str) -> list[str]:
    return sorted("甲乙丙", key=lambda n: html.index(f"副主任 {n}"))


def test_leaders_are_listed_by_rank_and_the_rank_is_not_shown(site):
    leader_site(site)
    good_build(site)
    assert names_in_order(page(site, "ldxx/index.html")) == ["甲", "乙", "丙"]
    assert "排序" not in page(site, "ldxx/a.html")
    # the feed and the neighbour links (上一篇（较新）/下一篇（较早）) stay by date
    feed = page(site, "ldxx/rss.xml")
    assert feed.index("副主任 丙") < feed.index("副主任 乙") < feed.index("副主任 甲")
    assert "上一篇（较新）：<a href=\"b.html\">" in page(site, "ldxx/a.html")
    assert "下一篇（较早）：<a href=\"b.html\">" in page(site, "ldxx/c.html")


def test_a_new_rank_reorders_the_list_as_a_clean_build_does(site, tmp_path):
    leader_site(site)
    good_build(site)
    write(site, "content/c.md", leader("丙", 1, 3))
    write(site, "content/a.md", leader("甲", 4, 1))
    good_build(site)
    assert names_in_order(page(site, "ldxx/index.html")) == ["丙", "乙", "甲"]
    same_as_clean(site, tmp_path / "clean", "2026-11-27")


def test_a_rank_must_be_a_positive_whole_number(site):
    leader_site(site)
    result = broken(site, leader("丁", None, 4, "rank: 第一"))
    contains(one(result, X, "排序 rank"), "排序应为正整数（1 排在最前），实际为 “第一”")


# A 1 x 1 PNG: a real image file.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_a_leaders_photo_is_shown_as_a_picture_with_a_text_alternative(site):
    leader_site(site)
    write(site, "content/photos/jia.png", PNG)
    write(site, "content/a.md", leader("甲", 1, 1, "photo: photos/jia.png"))
    good_build(site)
    html = page(site, "ldxx/a.html")
    assert '<img class="leader-photo" src="../files/photos/jia.png" alt="照片：副主任 甲">' in html
    assert "jia.png</td>" not in html  # not the file name in the field table
    assert (site / "output" / "files" / "photos" / "jia.png").read_bytes() == PNG


def test_a_missing_or_non_image_photo_is_an_error(site):
    leader_site(site)
    result = broken(site, leader("丁", 4, 4, "photo: photos/none.png"))
    contains(one(result, X, "照片 photo"), "文件不存在", "photos/none.png")
    write(site, "content/photos/cv.pdf", b"%PDF-1.4\n")
    write(site, X, leader("丁", 4, 4, "photo: photos/cv.pdf"))
    result = build(site)
    assert result.exit_code == 1
    contains(one(result, X, "照片 photo"), "照片应为 jpeg / jpg / png 图片，实际为 “photos/cv.pdf”")


# -- 索引号, review dates, 文号 ---------------------------------------------------------------------

def test_an_index_number_of_another_year_is_a_warning(site):
    good_build(site)
    write(site, X, item(index_no="12345678X/2019-00010"))
    result = build(site)
    assert result.exit_code == 0, result.output
    contains(one(result, X, "索引号 index_no", level="警告"),
             "索引号 12345678X/2019-00010 中的年份 2019 与生成日期、发布日期的年份（2025）都不一致")
    # made at the end of one year, published in the next: either year is right (another
    # file: changing a published 索引号 is a warning of its own)
    (site / X).unlink()
    write(site, "content/y.md", item(index_no="12345678X/2024-00010", date_created="2024-12-30",
                        date_published="2025-01-03", review={"reviewed_on": "2024-12-31",
                                                             "approved_on": "2025-01-02"}))
    assert diagnostics(build(site)) == []


def test_a_review_before_the_item_was_made_is_a_warning(site):
    good_build(site)
    write(site, X, item(review={"reviewed_on": "2025-01-10"}))
    result = build(site)
    assert result.exit_code == 0, result.output
    contains(one(result, X, "审查日期 review.reviewed_on", level="警告"), "审查日期 2025-01-10 早于生成日期 2025-01-20")


def test_a_padded_document_number_is_a_warning(site):
    good_build(site)
    write(site, X, item(doc_no="招街〔2025〕012号"))
    result = build(site)
    contains(one(result, X, "文号 doc_no", level="警告"), "发文顺序号不编虚位", "发布时写作 “招街〔2025〕12号”")
    assert "招街〔2025〕12号" in (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")
    write(site, X, item(doc_no="招街〔2025〕120号"))
    assert diagnostics(build(site)) == []


# -- 有效性 in 规章 and 行政规范性文件 ----------------------------------------------------------------

def test_a_normative_document_must_say_whether_it_is_in_force(site):
    result = broken(site, item(category="行政规范性文件"))
    contains(one(result, X, "有效性 validity"), "“行政规范性文件”类信息必须填写有效性（有效 / 失效 / 废止）")
    # 财政预决算 does not require it
    write(site, X, item())
    assert build(site).exit_code == 0


def test_validity_required_in_the_config_must_be_true_or_false(site):
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "validity_required = true", 'validity_required = "是"', 1), encoding="utf-8")
    result = build(site)
    assert result.exit_code == 1
    assert "validity_required 应为 true 或 false（不加引号），实际为 “是”（文本）" in result.output


# -- 公示 ------------------------------------------------------------------------------------------

def notice(*extra: str) -> str:
    return item(extra=("type: notice", *extra))


def test_a_notice_period_that_ends_before_it_starts_is_an_error(site):
    result = broken(site, notice("notice_kind: 批前公示", "period_start: 2025-01-24", "period_end: 2025-01-20"))
    contains(one(result, X, "公示截止日期 period_end"), "公示截止日期 2025-01-20 早于公示开始日期 2025-01-24")


def test_an_unknown_notice_kind_is_a_warning(site):
    good_build(site)
    write(site, X, notice("notice_kind: 随便"))
    result = build(site)
    assert result.exit_code == 0
    contains(one(result, X, "公示类型 notice_kind", level="警告"), "公示类型 “随便” 不是 批前公示 / 批后公告 / 结果公示 / 公告 之一")


# -- 办事指南 ----------------------------------------------------------------------------------------

GUIDE = ("type: guide", "item_name: 最低生活保障审批", "legal_basis: 社会救助暂行办法",
         "conditions: 家庭人均收入低于标准", "materials: [申请书, 户口簿]", "accepting_unit: 社会事务办",
         "procedure: [申请, 审核, 公示, 审批]", "time_limit: 30个工作日", "fees: 不收费",
         "location: 便民服务中心", "hours: 工作日 9:00—17:00", "phone: 0574-86000000")


def test_a_guides_steps_are_numbered_and_its_online_address_is_a_link(site):
    good_build(site)
    write(site, X, item(extra=(*GUIDE, "online_url: https://zwfw.example.gov.cn/dibao?id=1&x=2")))
    result = build(site)
    assert result.exit_code == 0 and errors(result) == [], result.output
    html = page(site, "fdzdgknr/czyjs/x.html")
    assert "<ol><li>申请</li><li>审核</li><li>公示</li><li>审批</li></ol>" in html
    assert ('<a href="https://zwfw.example.gov.cn/dibao?id=1&amp;x=2" rel="external">'
            "https://zwfw.example.gov.cn/dibao?id=1&amp;x=2</a>") in html
    assert "<ul><li>申请书</li><li>户口簿</li></ul>" in html  # other lists stay lists


def test_an_online_address_that_is_not_a_web_address_is_an_error(site):
    result = broken(site, item(extra=(*GUIDE, "online_url: javascript:alert(1)")))
    contains(one(result, X, "网上办理 online_url"), "应为以 http:// 或 https:// 开头的网址", "javascript:alert(1)")


# -- a published 索引号 never changes (domain.md §c.1, §c.2) ------------------------------------------

def test_changing_a_published_index_number_is_a_warning_and_an_error_under_strict(site):
    budget = site / "content" / "budget.md"
    good_build(site)
    budget.write_text(budget.read_text(encoding="utf-8").replace("12345678X/2025-00002", "12345678X/2025-00099"),
                      encoding="utf-8")
    for _ in range(2):  # refused until the officer decides: the last good build still knows the old one
        strict = build(site, "--strict")
        assert strict.exit_code == 1
        contains(one(strict, "content/budget.md", "索引号 index_no"),
                 "索引号由已发布的 12345678X/2025-00002 改为 12345678X/2025-00099：索引号一经发布不再更改")
    result = build(site)
    assert result.exit_code == 0
    contains(one(result, "content/budget.md", "索引号 index_no", level="警告"), "索引号一经发布不再更改")
    # published so: from then on it is the number
    (site / "content" / "report.md").write_text((site / "content" / "report.md").read_text(encoding="utf-8")
                                                + "\n补充。\n", encoding="utf-8")
    assert diagnostics(build(site, "--strict")) == []


def test_a_new_item_after_a_quick_build_is_known_as_published_too(site):
    good_build(site)
    write(site, X, item(title="新条目", index_no="12345678X/2025-00050"))
    assert "quick build" in build(site).output
    write(site, X, item(title="新条目", index_no="12345678X/2025-00051"))
    result = build(site)
    contains(one(result, X, "索引号 index_no", level="警告"), "由已发布的 12345678X/2025-00050 改为 12345678X/2025-00051")


def test_a_repeal_ahead_may_name_a_successor_published_on_that_day(site):
    """The usual case: the new rules are published on the day the old ones are repealed. Until
    then the successor is held back, and naming it was an error ("尚未发布")."""
    good_build(site)
    write(site, "content/relief.md", REPEALED.replace("date_invalid: 2026-12-31",
                                                      "date_invalid: 2026-12-31\nreplaced_by: 12345678X/2026-00041"))
    write(site, "content/new-relief.md", item(title="示例街道临时救助办法", index_no="12345678X/2026-00041",
                                              category="行政规范性文件", date_created="2026-12-31",
                                              date_published="2026-12-31",
                                              review={"reviewed_on": "2026-12-31", "approved_on": "2026-12-31"},
                                              extra=("validity: 有效",)))
    result = build(site)
    assert result.exit_code == 0 and errors(result) == [], result.output
    html = page(site, "fdzdgknr/zcwj/xzgfxwj/relief.html")
    assert "本文件将于 2026-12-31 废止。" in html and "new-relief" not in html
    result = build(site, now="2026-12-31")
    assert result.exit_code == 0 and errors(result) == [], result.output
    html = page(site, "fdzdgknr/zcwj/xzgfxwj/relief.html")
    assert '现行文件：<a href="new-relief.html">示例街道临时救助办法</a>' in html
    # a successor due only after the repeal is still an error
    write(site, "content/new-relief.md", (site / "content/new-relief.md").read_text(encoding="utf-8")
          .replace("date_published: 2026-12-31", "date_published: 2027-01-05"))
    result = build(site, now="2026-12-01")
    assert result.exit_code == 1
    assert "替代文件的索引号 12345678X/2026-00041 尚未发布" in result.output
