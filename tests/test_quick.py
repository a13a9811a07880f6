"""Quick builds (`sitegen/quick.py`): an edit of item bodies only re-renders those items, and
gives the same bytes and the same report as a clean build; anything else is left to the
whole pipeline."""

import datetime as dt
import json
import multiprocessing
import os
import pickle
import random
import re
import shutil
import sqlite3
import time
import traceback
from pathlib import Path

import pytest
from conftest import digests, mtimes

from sitegen import lastbuild, output, pages, parallel, quick
from sitegen.build import build
from sitegen.cache import Cache
from sitegen.config import load_config
from sitegen.diagnostics import Report
from sitegen.output import SPARE_PREFIX, AtomicOutput
from sitegen.pages import analyse_theme, cached_theme_analysis, make_environment
from sitegen.themes import theme_dirs

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.date(2026, 11, 27)
BUDGET = "content/fdzdgknr/czyjs/2011-budget.md"  # among the newest: in its feeds
REPORT = "content/gknb/2010-zhaobaoshan-work-report.md"
COLUMNS = ["法定主动公开内容/规划计划", "法定主动公开内容/统计信息", "法定主动公开内容/财政预决算",
           "法定主动公开内容/政策文件/规章", "政府信息公开年报", "法定主动公开内容/人事信息"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "sitegen.toml", site / "sitegen.toml")
    assert build(site, now=NOW, jobs=1).ok
    return site


def published(site: Path) -> int:
    """How many items the site's output publishes (one line of search.json each)."""
    return len(json.loads((site / "output/search.json").read_text(encoding="utf-8")))


def same_as_clean(site: Path, tmp_path: Path, strict: bool = False):
    """Build with the cache, then clean into another folder: same files, same bytes, same
    report."""
    result = build(site, now=NOW, jobs=1, strict=strict)
    out = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
    clean = build(site, output=out, now=NOW, jobs=1, use_cache=False, strict=strict)
    assert [d.format() for d in result.report.sorted()] == [d.format() for d in clean.report.sorted()]
    assert result.ok == clean.ok
    if result.ok:
        got, want = digests(site / "output"), digests(out)
        assert sorted(got) == sorted(want)
        assert [p for p in got if got[p] != want[p]] == []
    return result


def edit(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def override(site: Path, template: str, old: str, new: str) -> None:
    """The site's own copy of a default template, with `old` replaced."""
    source = (ROOT / "themes/default/templates" / template).read_text(encoding="utf-8")
    assert old in source
    folder = site / "themes/default/templates"
    folder.mkdir(parents=True, exist_ok=True)
    folder.joinpath(template).write_text(source.replace(old, new), encoding="utf-8")


def changed_since(site: Path, before: dict[str, str]) -> set[str]:
    """The output files whose bytes are not those of `before` (`digests` of the output)."""
    after = digests(site / "output")
    return {p for p in after if after[p] != before.get(p)}


def append(site: Path, rel: str, text: str) -> None:
    path = site / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_body_edit_rewrites_only_the_files_it_changes(site: Path, tmp_path: Path):
    before, times = digests(site / "output"), mtimes(site / "output")
    append(site, BUDGET, "\n补充说明：台风“梅花”过境后追加防汛物资预算。\n")
    result = same_as_clean(site, tmp_path)
    assert result.quick
    changed, new_times = changed_since(site, before), mtimes(site / "output")
    assert {p for p in new_times if new_times[p] != times.get(p)} == changed
    assert "fdzdgknr/czyjs/2011-budget.html" in changed
    assert "fdzdgknr/czyjs/rss.xml" in changed  # its column's feed shows its body
    assert {p for p in changed if not p.startswith("assets/search/")} == {
        "fdzdgknr/czyjs/2011-budget.html", "fdzdgknr/czyjs/rss.xml"}
    assert "assets/search/manifest.js" in changed and any("/search/t/" in p for p in changed)
    assert "梅花" in (site / "output/fdzdgknr/czyjs/2011-budget.html").read_text(encoding="utf-8")

    # The cache is left as a whole build leaves it: nothing to do, then whole builds on top.
    again = build(site, now=NOW, jobs=1)
    assert again.written == again.unchanged and mtimes(site / "output") == new_times
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")
    moved = same_as_clean(site, tmp_path)
    assert moved.quick and "fdzdgknr/tjxx/2011-budget.html" in digests(site / "output")
    append(site, REPORT, "\n附：本报告电子版可在政府信息公开查阅点查阅。\n")
    assert same_as_clean(site, tmp_path).quick


def test_a_body_warning_comes_and_goes_as_in_a_clean_build(site: Path, tmp_path: Path):
    append(site, REPORT, "\n详见[已删除的通知](missing-notice.md)。\n")
    result = same_as_clean(site, tmp_path)
    assert result.quick
    assert any("missing-notice.md" in d.message for d in result.report.warnings)
    edit(site, REPORT, "\n详见[已删除的通知](missing-notice.md)。\n", "\n")
    result = same_as_clean(site, tmp_path)
    assert result.quick and not any("missing-notice.md" in d.message for d in result.report.warnings)
    # Under --strict too. A broken link stays a warning there (a link to an item held back
    # until its date is not the author's error), unsafe HTML removed is an error; the
    # example's items held back for review, errors under --strict, are taken out first.
    for d in build(site, output=tmp_path / "strict", now=NOW, strict=True, use_cache=False).report.errors:
        (site / d.file).unlink()
    assert same_as_clean(site, tmp_path, strict=True).ok
    append(site, REPORT, "\n详见[已删除的通知](missing-notice.md)。\n")
    result = same_as_clean(site, tmp_path, strict=True)
    assert result.ok and result.quick and any("missing-notice.md" in d.message for d in result.report.warnings)
    before = digests(site / "output")
    append(site, REPORT, "\n<script>alert(1)</script>\n")
    result = same_as_clean(site, tmp_path, strict=True)
    assert not result.ok and any("<script>" in d.message for d in result.report.errors)
    assert digests(site / "output") == before


def test_an_edit_of_fields_only_its_page_shows_is_quick(site: Path, tmp_path: Path):
    before = digests(site / "output")
    edit(site, BUDGET, "summary: 公开街道2011年", "summary: 更正后公开街道2011年")
    edit(site, BUDGET, "keywords: [财政预算,", "keywords: [防汛经费, 财政预算,")
    edit(site, BUDGET, "reviewer: 俞海波", "reviewer: 俞海涛")
    result = same_as_clean(site, tmp_path)
    assert result.quick
    changed = changed_since(site, before)
    assert {p for p in changed if not p.startswith("assets/search/")} == {
        "fdzdgknr/czyjs/2011-budget.html", "fdzdgknr/czyjs/rss.xml", "search.json"}
    # A later quick build of another item in the same feed shows the first one's new
    # summary there: the kept site model was brought up to date.
    append(site, "content/fdzdgknr/czyjs/2010-budget.md", "\n补充一句。\n")
    assert same_as_clean(site, tmp_path).quick
    assert "更正后公开" in (site / "output/fdzdgknr/czyjs/rss.xml").read_text(encoding="utf-8")


def test_a_corrected_title_is_quick_and_reaches_every_page_that_shows_it(site: Path, tmp_path: Path):
    before = digests(site / "output")
    edit(site, BUDGET, "title: 招宝山街道2011年财政预算", "title: 招宝山街道2011年度财政预算")
    edit(site, BUDGET, "keywords: [财政预算,", "keywords: [年度预算, 财政预算,")
    result = same_as_clean(site, tmp_path)
    assert result.quick
    changed = changed_since(site, before)
    assert {"fdzdgknr/czyjs/2011-budget.html", "fdzdgknr/czyjs/index.html", "search.json",
            "fdzdgknr/czyjs/2010-budget.html"} <= changed  # its page, its list, its neighbour's
    assert "2011年度财政预算" in (site / "output/fdzdgknr/czyjs/2010-budget.html").read_text(encoding="utf-8")
    # Moving it (a new date) is not such an edit.
    edit(site, BUDGET, "date_published: 2011-03-03", "date_published: 2011-03-04")
    assert not same_as_clean(site, tmp_path).quick


def test_a_move_to_another_column_is_quick_and_leaves_nothing_behind(site: Path, tmp_path: Path):
    # The annual report links to the budget: after the move, its page links to the new address.
    append(site, REPORT, "\n另见[2011年财政预算](../fdzdgknr/czyjs/2011-budget.md)。\n")
    assert same_as_clean(site, tmp_path).quick
    first = digests(site / "output")
    assert 'href="../fdzdgknr/czyjs/2011-budget.html"' in (
        site / "output/gknb/2010-zhaobaoshan-work-report.html").read_text(encoding="utf-8")
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")
    result = same_as_clean(site, tmp_path)
    assert result.quick
    after = digests(site / "output")
    assert "fdzdgknr/czyjs/2011-budget.html" not in after and "fdzdgknr/tjxx/2011-budget.html" in after
    changed = changed_since(site, first)
    assert {"fdzdgknr/czyjs/index.html", "fdzdgknr/tjxx/index.html",  # both columns' lists
            "fdzdgknr/czyjs/rss.xml", "fdzdgknr/tjxx/rss.xml",  # both columns' feeds
            "fdzdgknr/czyjs/2010-budget.html",  # its neighbour before the move
            "gknb/2010-zhaobaoshan-work-report.html",  # the page linking to it
            "sitemap.xml", "search.json", "assets/search/manifest.js", "index.html"} <= changed
    assert 'href="../fdzdgknr/tjxx/2011-budget.html"' in (
        site / "output/gknb/2010-zhaobaoshan-work-report.html").read_text(encoding="utf-8")
    # Moved back, every file is as it was, and nothing else is left over.
    edit(site, BUDGET, "category: 统计信息", "category: 财政预决算")
    assert same_as_clean(site, tmp_path).quick
    assert digests(site / "output") == first
    # A move onto an address another item has is the whole build's error to report.
    shutil.copy(site / BUDGET, site / "content/fdzdgknr/tjxx/2011-budget.md")
    shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", site / "content/fdzdgknr/tjxx")
    edit(site, "content/fdzdgknr/tjxx/2011-budget.md", "2011-00018", "2011-00903")
    edit(site, "content/fdzdgknr/tjxx/2011-budget.md", "category: 财政预决算", "category: 规划计划")
    assert same_as_clean(site, tmp_path).quick  # a new item, with a new attachment
    edit(site, BUDGET, "category: 财政预决算", "category: 规划计划")
    result = same_as_clean(site, tmp_path)
    assert not result.quick and not result.ok
    assert any("多个信息会写入同一个页面" in d.message for d in result.report.errors)


def new_item(site: Path, rel: str, index_no: str, day: str | None = None, title: str = "（新）") -> None:
    """A new item file: the budget's text under another 索引号 (published on `day`)."""
    text = (site / BUDGET).read_text(encoding="utf-8").replace("31421567X/2011-00018", index_no)
    text = text.replace("title: 招宝山街道", f"title: {title}招宝山街道", 1)
    if day is not None:
        for key in ("date_created", "date_published", "  reviewed_on", "  approved_on"):
            text = re.sub(f"(?m)^{key}: .*$", f"{key}: {day}", text, count=1)
    (site / rel).write_text(text, encoding="utf-8")


def test_a_new_item_is_quick_and_reaches_every_page_that_shows_it(site: Path, tmp_path: Path):
    # The annual report links to the item before it exists: a broken link, a warning.
    append(site, REPORT, "\n另见[2012年财政预算](../fdzdgknr/czyjs/2012-budget.md)。\n")
    result = same_as_clean(site, tmp_path)
    assert any("2012-budget.md" in d.message for d in result.report.warnings)
    before, count = digests(site / "output"), published(site)
    # (published after every other item: the newest of the site)
    new_item(site, "content/fdzdgknr/czyjs/2012-budget.md", "31421567X/2026-00901", "2026-03-02")
    result = same_as_clean(site, tmp_path)
    assert result.quick and result.published == count + 1
    assert not any("2012-budget.md" in d.message for d in result.report.warnings)
    changed = changed_since(site, before)
    assert {"fdzdgknr/czyjs/2012-budget.html", "fdzdgknr/czyjs/index.html", "index.html",
            "fdzdgknr/czyjs/rss.xml", "rss.xml", "sitemap.xml", "search.json",
            "assets/last-published.js",  # the newest date of the site now
            "gknb/2010-zhaobaoshan-work-report.html"} <= changed  # the link now resolves
    page = (site / "output/fdzdgknr/czyjs/2012-budget.html").read_text(encoding="utf-8")
    older = re.search(r'下一篇（较早）：<a href="([^"]+)"', page)
    assert older is not None and f"fdzdgknr/czyjs/{older.group(1)}" in changed  # its neighbour
    assert 'href="../fdzdgknr/czyjs/2012-budget.html"' in (
        site / "output/gknb/2010-zhaobaoshan-work-report.html").read_text(encoding="utf-8")
    # Another new one, older: it takes its place among the others (no newest date).
    new_item(site, "content/fdzdgknr/czyjs/2010-copy.md", "31421567X/2010-00902", "2010-06-01")
    assert same_as_clean(site, tmp_path).quick
    # Then an edit of the first (quick, on the kept model with both), its removal (quick: the
    # link to it is broken again) and an edit of the other on the model with both changes.
    append(site, "content/fdzdgknr/czyjs/2012-budget.md", "\n补充一句。\n")
    assert same_as_clean(site, tmp_path).quick
    (site / "content/fdzdgknr/czyjs/2012-budget.md").unlink()
    result = same_as_clean(site, tmp_path)
    assert result.quick and any("2012-budget.md" in d.message for d in result.report.warnings)
    append(site, "content/fdzdgknr/czyjs/2010-copy.md", "\n补充一句。\n")
    assert same_as_clean(site, tmp_path).quick
    # The same 索引号 given to a new file, on another day: it takes its place in time.
    new_item(site, "content/fdzdgknr/czyjs/2012-again.md", "31421567X/2012-00901", "2010-03-01")
    assert same_as_clean(site, tmp_path).quick
    append(site, BUDGET, "\n补充一句。\n")
    assert same_as_clean(site, tmp_path).quick


FINAL_ACCOUNTS = "content/fdzdgknr/czyjs/2010-final-accounts.md"  # with an attachment of its own
ACCOUNTABILITY = "content/gkzd/accountability-system.md"  # two other items link to it


def test_a_deletion_is_quick_and_leaves_nothing_behind(site: Path, tmp_path: Path):
    before, count = digests(site / "output"), published(site)
    assert "files/fdzdgknr/czyjs/2010-final-accounts-table.pdf" in before
    (site / FINAL_ACCOUNTS).unlink()  # taken down with its attachment
    (site / FINAL_ACCOUNTS).with_name("2010-final-accounts-table.pdf").unlink()
    result = same_as_clean(site, tmp_path)
    assert result.quick and result.published == count - 1
    after = digests(site / "output")
    assert "fdzdgknr/czyjs/2010-final-accounts.html" not in after
    assert "files/fdzdgknr/czyjs/2010-final-accounts-table.pdf" not in after  # no page uses it
    changed = changed_since(site, before)
    assert {"fdzdgknr/czyjs/index.html", "fdzdgknr/czyjs/rss.xml", "sitemap.xml", "search.json",
            "assets/search/manifest.js", "index.html"} <= changed
    assert not any(p.startswith("assets/search/d/") for p in changed)  # documents keep their files
    # The pages linking to a deleted item: their links are broken, a warning each.
    (site / ACCOUNTABILITY).unlink()
    result = same_as_clean(site, tmp_path)
    assert result.quick
    assert {d.file for d in result.report.warnings if "accountability-system.md" in d.message} == {
        "content/gkzd/review-system.md", "content/gkzd/task-breakdown-2010.md"}
    # Back again: a new item, every file as it was.
    shutil.copy(ROOT / FINAL_ACCOUNTS, site / FINAL_ACCOUNTS)
    shutil.copy(ROOT / ACCOUNTABILITY, site / ACCOUNTABILITY)
    pdf = "content/fdzdgknr/czyjs/2010-final-accounts-table.pdf"
    shutil.copy(ROOT / pdf, site / pdf)
    same_as_clean(site, tmp_path)
    assert digests(site / "output") == before


def test_deleting_an_item_another_replaces_is_quick(site: Path, tmp_path: Path):
    # The 2011 measures replace the 2009 ones, and their page says so.
    (site / "content/fdzdgknr/zcwj/xzgfxwj/2009-temporary-relief-measures.md").unlink()
    assert same_as_clean(site, tmp_path).quick


def test_deleting_what_replaces_another_is_the_whole_builds_error(site: Path, tmp_path: Path):
    (site / "content/fdzdgknr/zcwj/xzgfxwj/2011-temporary-relief-measures.md").unlink()
    result = same_as_clean(site, tmp_path)
    assert not result.quick and not result.ok
    assert any("31421567X/2011-00024" in d.message for d in result.report.errors)


def test_deleting_a_file_held_back_is_quick(site: Path, tmp_path: Path):
    held = build(site, now=NOW, jobs=1).held_back
    before = digests(site / "output")
    (site / held[0].source).unlink()
    result = same_as_clean(site, tmp_path)
    assert result.quick and result.held_back == held[1:]
    assert not any(d.file == held[0].source for d in result.report.diagnostics)
    assert digests(site / "output") == before


def test_a_deletion_with_an_edit_goes_the_whole_way(site: Path, tmp_path: Path):
    (site / FINAL_ACCOUNTS).unlink()
    append(site, BUDGET, "\n补充一句。\n")
    assert not same_as_clean(site, tmp_path).quick


def test_a_new_item_with_a_new_attachment_is_quick(site: Path, tmp_path: Path):
    count = published(site)
    pdf = site / "content/fdzdgknr/czyjs/2012-budget-table.pdf"
    pdf.write_bytes((site / "content/fdzdgknr/czyjs/2011-budget-table.pdf").read_bytes() + b"\n%2012\n")
    rel = "content/fdzdgknr/czyjs/2012-budget.md"
    new_item(site, rel, "31421567X/2012-00901", "2012-02-20")
    edit(site, rel, "file: 2011-budget-table.pdf", "file: 2012-budget-table.pdf")
    result = same_as_clean(site, tmp_path)
    assert result.quick and result.published == count + 1
    assert (site / "output/files/fdzdgknr/czyjs/2012-budget-table.pdf").read_bytes() == pdf.read_bytes()
    # A file no page uses is not copied, in a quick build as in a clean one.
    shutil.copy(pdf, site / "content/fdzdgknr/tjxx/2010-statistics.pdf")
    assert same_as_clean(site, tmp_path).quick
    assert "files/fdzdgknr/tjxx/2010-statistics.pdf" not in digests(site / "output")


def test_a_file_a_body_links_to_published_later_is_quick(site: Path, tmp_path: Path):
    # The report links to a table not there yet: a broken link (a warning), then the table
    # comes in a commit of its own: the link resolves, the file is copied.
    append(site, REPORT, "\n附表见[统计表](2010-tables.pdf)。\n")
    result = same_as_clean(site, tmp_path)
    assert any("2010-tables.pdf" in d.message for d in result.report.warnings)
    shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", site / "content/gknb/2010-tables.pdf")
    result = same_as_clean(site, tmp_path)
    assert result.quick and not any("2010-tables.pdf" in d.message for d in result.report.warnings)
    assert "files/gknb/2010-tables.pdf" in digests(site / "output")
    assert 'href="../files/gknb/2010-tables.pdf"' in (
        site / "output/gknb/2010-zhaobaoshan-work-report.html").read_text(encoding="utf-8")


def test_a_file_no_page_uses_removed_is_quick(site: Path, tmp_path: Path):
    shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", site / "content/gknb/draft.pdf")
    assert same_as_clean(site, tmp_path).quick
    before = digests(site / "output")
    (site / "content/gknb/draft.pdf").unlink()
    assert same_as_clean(site, tmp_path).quick
    assert digests(site / "output") == before


def test_a_file_removed_that_an_item_held_back_names_is_the_whole_builds_error(site: Path,
                                                                               tmp_path: Path):
    # No page shows the draft, but a whole build validates it: its attachment is missing.
    draft = site / build(site, now=NOW, jobs=1).held_back[0].source
    edit(site, draft.relative_to(site).as_posix(), "\nreview:",
         "\nattachments:\n  - file: list.pdf\n    title: 名单\nreview:")
    shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", draft.with_name("list.pdf"))
    assert same_as_clean(site, tmp_path).ok
    draft.with_name("list.pdf").unlink()
    result = same_as_clean(site, tmp_path)
    assert not result.quick and not result.ok


def test_a_new_file_where_a_folder_of_the_output_was_goes_the_whole_way(site: Path, tmp_path: Path):
    # An item taken down with its attachment att.pdf/a.pdf, and a new file att.pdf in the same
    # commit (the report linked to "att.pdf"): files/gknb/att.pdf is a folder of the output
    # until the swap. (A name a body may publish: a pdf.)
    rel = "content/gknb/2010-zhaobaoshan-work-report.md"
    (site / "content/gknb/att.pdf").mkdir()
    shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", site / "content/gknb/att.pdf/a.pdf")
    new_item(site, "content/gknb/with-att.md", "31421567X/2012-00901", "2012-02-20")
    edit(site, "content/gknb/with-att.md", "file: 2011-budget-table.pdf", "file: att.pdf/a.pdf")
    edit(site, "content/gknb/with-att.md", "category: 财政预决算", "category: 政府信息公开年报")
    append(site, rel, "\n附表见[附表](att.pdf)。\n")
    assert same_as_clean(site, tmp_path).ok
    (site / "content/gknb/with-att.md").unlink()
    shutil.rmtree(site / "content/gknb/att.pdf")
    shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", site / "content/gknb/att.pdf")
    result = same_as_clean(site, tmp_path)
    assert result.ok and not result.quick


@pytest.mark.parametrize("change", ["grown", "removed"])
def test_an_attachment_changed_or_removed_goes_the_whole_way(site: Path, tmp_path: Path, change: str):
    pdf = site / "content/fdzdgknr/czyjs/2011-budget-table.pdf"
    if change == "grown":  # its size shows on the item's page
        pdf.write_bytes(pdf.read_bytes() * 3)
    else:
        pdf.unlink()
    result = same_as_clean(site, tmp_path)
    assert not result.quick
    assert result.ok == (change == "grown")


def test_an_empty_catalog_builds_and_takes_its_first_item(site: Path, tmp_path: Path):
    # A new 街道's catalog before its first item (this crashed in the search index stage).
    budget = (site / BUDGET).read_text(encoding="utf-8")
    for path in (site / "content").rglob("*.md"):
        if path.name != "_index.md":
            path.unlink()
    result = same_as_clean(site, tmp_path)
    assert result.ok and result.published == 0
    assert '"docs":0' in (site / "output/assets/search/manifest.js").read_text(encoding="utf-8")
    (site / BUDGET).write_text(budget, encoding="utf-8")
    assert same_as_clean(site, tmp_path).published == 1
    (site / BUDGET).unlink()
    assert same_as_clean(site, tmp_path).published == 0


@pytest.mark.parametrize("case", ["invalid", "held back", "same index_no", "held back index_no",
                                  "same address", "unknown replaced_by"])
def test_a_new_file_that_is_not_simply_a_new_item_goes_the_whole_way(site: Path, tmp_path: Path,
                                                                    case: str):
    rel = "content/fdzdgknr/czyjs/2012-budget.md"
    if case == "invalid":
        new_item(site, rel, "31421567X/2012-00901", "2012-02-20", title="")
        edit(site, rel, "title: 招宝山", "titel: 招宝山")  # no title
    elif case == "held back":  # published after today: held back until then
        new_item(site, rel, "31421567X/2027-00901", "2027-01-04")
    elif case == "same index_no":
        new_item(site, rel, "31421567X/2010-00111", "2012-02-20")
    elif case == "held back index_no":  # the 索引号 of a file held back for review
        held = build(site, now=NOW, jobs=1).held_back[0].source
        number = re.search(r"(?m)^index_no: (.*)$", (site / held).read_text(encoding="utf-8"))
        assert number is not None
        new_item(site, rel, number.group(1).strip(), "2012-02-20")
    elif case == "same address":  # the page another item writes
        new_item(site, "content/fdzdgknr/czyjs/2012-budget.md", "31421567X/2012-00901", "2012-02-20")
        edit(site, "content/fdzdgknr/czyjs/2012-budget.md", "category: 财政预决算", "category: 政府信息公开年报")
        (site / rel).rename(site / "content/fdzdgknr/czyjs/2010-zhaobaoshan-work-report.md")
    else:
        new_item(site, rel, "31421567X/2012-00901", "2012-02-20")
        edit(site, rel, "\nreview:", "\nvalidity: 废止\nreplaced_by: 31421567X/2099-00001\nreview:")
    result = same_as_clean(site, tmp_path)
    assert not result.quick


def test_a_new_item_with_a_warning_is_the_whole_builds_error_under_strict(site: Path, tmp_path: Path):
    for d in build(site, output=tmp_path / "strict", now=NOW, strict=True, use_cache=False).report.errors:
        (site / d.file).unlink()  # the items held back for review: errors under --strict
    assert same_as_clean(site, tmp_path, strict=True).ok
    new_item(site, "content/fdzdgknr/czyjs/2012-budget.md", "31421567X/2012-00901", "2012-02-20")
    edit(site, "content/fdzdgknr/czyjs/2012-budget.md", "date_created: 2012-02-20",
         "date_created: 2011-06-01")  # published long after: a warning, an error under --strict
    result = same_as_clean(site, tmp_path, strict=True)
    assert not result.ok and not result.quick


def test_a_theme_showing_the_columns_counts_in_every_pages_navigation(site: Path, tmp_path: Path):
    # Through `site.roots` (the counts no page key but the home page's covers), not the
    # `nav_columns` the default theme uses: then every page's key covers every item.
    override(site, "base.html", "{% for column in nav_columns %}\n"
             '      <li><a href="{{ url(column.url) }}">{{ column.name }}</a></li>',
             "{% for column in site.roots %}\n"
             '      <li><a href="{{ url(column.url) }}">{{ column.category.name }}（{{ column.count }}）</a></li>')
    same_as_clean(site, tmp_path)
    new_item(site, "content/fdzdgknr/czyjs/2012-budget.md", "31421567X/2012-00901", "2012-02-20")
    same_as_clean(site, tmp_path)  # every page shows the new count


def test_two_items_moved_onto_one_address_is_the_whole_builds_error(site: Path, tmp_path: Path):
    # Two files of the same name in two columns, both moved into a third in one build. (A
    # feed of one item: neither is then in the new column's feed, which would send the build
    # the whole way for another reason.)
    edit(site, "sitegen.toml", "feed_length = 20", "feed_length = 1")
    shutil.copy(site / REPORT, site / "content/gknb/dup.md")
    shutil.copy(site / BUDGET, site / "content/fdzdgknr/czyjs/dup.md")
    edit(site, "content/gknb/dup.md", "2010-00111", "2010-00901")
    edit(site, "content/fdzdgknr/czyjs/dup.md", "2011-00018", "2011-00902")
    assert same_as_clean(site, tmp_path).ok
    edit(site, "content/gknb/dup.md", "category: 政府信息公开年报", "category: 统计信息")
    edit(site, "content/fdzdgknr/czyjs/dup.md", "category: 财政预决算", "category: 统计信息")
    result = same_as_clean(site, tmp_path)
    assert not result.quick and not result.ok
    assert any("多个信息会写入同一个页面" in d.message for d in result.report.errors)


@pytest.mark.parametrize("shown", [
    "{{ item.summary }}",
    "{% set f = 'sum' ~ 'mary' %}{{ item[f] }}",  # a field not written out: any field
])
def test_a_theme_that_lists_an_own_field_elsewhere_remakes_the_lists_on_its_edits(
        site: Path, tmp_path: Path, shown: str):
    override(site, "macros.html", "{{ item.title }}</a>", "{{ item.title }}</a>（" + shown + "）")
    assert not same_as_clean(site, tmp_path).quick  # the theme changed: a whole build
    edit(site, BUDGET, "summary: 公开街道2011年", "summary: 更正后公开街道2011年")
    # quick, as a corrected title is: the lists showing the item are made again (but where
    # the theme may read any field: then the whole site, `reads_whole_site`)
    assert same_as_clean(site, tmp_path).quick == ("item[f]" not in shown)
    assert "更正后公开" in (site / "output/fdzdgknr/czyjs/index.html").read_text(encoding="utf-8")
    append(site, BUDGET, "\n补充一句。\n")
    # the body alone still is quick, unless the theme may show any field (its digest too)
    assert same_as_clean(site, tmp_path).quick == ("item[f]" not in shown)


def test_a_list_showing_a_pending_validity_is_made_again_when_it_changes(site: Path,
                                                                        tmp_path: Path):
    """Found by review: a 失效 turned 废止 ahead of its date changes only `validity_pending`,
    which `validate.as_of` makes; the quick build compared the items as written, saw no
    change, and left every list showing （将失效）."""
    override(site, "macros.html", "{{ item.title }}</a>", "{{ item.title }}</a>"
             "{% if item.validity_pending %}（将{{ item.validity_pending }}）{% endif %}")
    plan = "content/fdzdgknr/zcwj/fzhsxwj/2010-medical-insurance-enrolment-plan.md"
    edit(site, plan, "date_invalid: 2010-12-31", "date_invalid: 2027-12-31")
    same_as_clean(site, tmp_path)
    edit(site, plan, "validity: 失效", "validity: 废止")
    assert same_as_clean(site, tmp_path).quick
    assert "（将废止）" in (site / "output/fdzdgknr/zcwj/fzhsxwj/index.html").read_text(encoding="utf-8")


def test_a_list_showing_an_items_files_is_made_again_when_they_change(site: Path, tmp_path: Path):
    """`item.files` is a property (the attachments and the photo), not a field: a list
    template naming it read no field, and a removed attachment left the list stale."""
    override(site, "macros.html", "{{ item.title }}</a>", "{{ item.title }}</a>（{{ item.files|length }} 个文件）")
    same_as_clean(site, tmp_path)
    rel = "content/fdzdgknr/xzxk/bszn/minimum-living-allowance.md"
    edit(site, rel, "attachments:\n  - file: minimum-living-allowance-application.pdf\n"
                    "    title: 城镇居民最低生活保障申请表\n", "")
    same_as_clean(site, tmp_path)


@pytest.mark.parametrize("change", ["validity", "attachment link", "unrenderable", "two items"])
def test_what_is_not_a_body_edit_goes_the_whole_way(site: Path, tmp_path: Path, change: str):
    if change == "validity":  # it leaves the lists of valid items
        edit(site, REPORT, "title: ", "validity: 失效\ntitle: ")
    elif change == "attachment link":  # the body stops linking to a file (no page may use it)
        text = (site / REPORT).read_text(encoding="utf-8")
        append(site, REPORT, "\n[采购计划](../fdzdgknr/zfcg/2011-procurement-plan.pdf)\n")
        assert same_as_clean(site, tmp_path).quick  # a file the output has: quick
        (site / REPORT).write_text(text, encoding="utf-8")
    elif change == "unrenderable":
        append(site, REPORT, "\n" + ">" * 80 + " 过深的引用\n")
    else:
        append(site, REPORT, "\n补充一句。\n")
        edit(site, BUDGET, "date_published: 2011-03-03", "date_published: 2011-03-04")
    before = digests(site / "output")
    result = same_as_clean(site, tmp_path)
    assert not result.quick
    if change == "unrenderable":
        assert not result.ok and digests(site / "output") == before


def test_an_output_or_spare_touched_since_is_not_patched(site: Path, tmp_path: Path):
    page = site / "output/gknb/2010-zhaobaoshan-work-report.html"
    page.write_text("手工改过", encoding="utf-8")
    append(site, BUDGET, "\n补充一句。\n")
    assert not same_as_clean(site, tmp_path).quick
    spare = site / f"{SPARE_PREFIX}output"
    stale = spare / "gknb/2010-zhaobaoshan-work-report.html"
    stale.unlink()
    stale.write_text("不是输出目录中的那个文件", encoding="utf-8")
    append(site, BUDGET, "\n再补充一句。\n")
    assert not same_as_clean(site, tmp_path).quick
    shutil.rmtree(spare)
    append(site, BUDGET, "\n第三句。\n")
    assert not same_as_clean(site, tmp_path).quick
    append(site, BUDGET, "\n第四句。\n")
    assert same_as_clean(site, tmp_path).quick


@pytest.mark.parametrize("seed", [20261127, 7, 3, 11])
def test_a_run_of_edits_matches_clean_builds(site: Path, tmp_path: Path, seed: int):
    """Quick and whole builds in any order, with failed builds (also into another folder) in
    between: after each, the output and the report are a clean build's."""
    items = sorted(p.relative_to(site).as_posix() for p in (site / "content").rglob("*.md")
                   if p.name != "_index.md")
    rng = random.Random(seed)
    quick_builds = 0
    for step in range(12):
        rel = rng.choice(items)
        kind = rng.choice(["append", "append", "cut", "title", "summary", "keywords", "fail",
                           "category", "new", "delete", "file"])
        path = site / rel
        text = path.read_text(encoding="utf-8")
        if kind == "append":
            path.write_text(text + f"\n第{step}次补充：防汛“梅花”。\n", encoding="utf-8")
        elif kind == "cut":
            path.write_text(text[: len(text) - 20] + "\n", encoding="utf-8")
        elif kind == "title":
            path.write_text(text.replace("title: ", f"title: 第{step}版 ", 1), encoding="utf-8")
        elif kind == "new":  # a copy under a new name and 索引号, sometimes the newest item
            copy = path.with_name(f"new-{step}.md")
            number = re.search(r"(?m)^index_no: (\S+)-\d+$", text)
            day = rng.choice([None, "2012-02-20", "2012-02-21"])
            if number is None:
                continue
            text = text.replace(number.group(0), f"index_no: {number.group(1)}-9{step:04d}")
            if day is not None:
                for key in ("date_created", "date_published", "  reviewed_on", "  approved_on"):
                    text = re.sub(f"(?m)^{key}: .*$", f"{key}: {day}", text, count=1)
            copy.write_text(text, encoding="utf-8")
            items.append(copy.relative_to(site).as_posix())
        elif kind == "file":  # a new file, linked from the body (or, sometimes, not yet)
            name = f"附表{step}.pdf"
            shutil.copy(site / "content/fdzdgknr/czyjs/2011-budget-table.pdf", path.with_name(name))
            if rng.random() < 0.7:
                path.write_text(text + f"\n见[附表]({name})。\n", encoding="utf-8")
        elif kind == "delete":  # (not one another item replaces: that error would stay)
            number = re.search(r"(?m)^index_no: (.*)$", text)
            if number is None or any(f"replaced_by: {number.group(1)}" in p.read_text(encoding="utf-8")
                                     for p in (site / "content").rglob("*.md")):
                continue
            path.unlink()
            items.remove(rel)
        elif kind == "category":  # to another column (sometimes onto another item's address)
            line = next(x for x in text.split("\n") if x.startswith("category: "))
            path.write_text(text.replace(line, f"category: {rng.choice(COLUMNS)}", 1),
                            encoding="utf-8")
        elif kind in ("summary", "keywords"):
            path.write_text(text.replace("\ntitle: ", f"\n{kind}: 第{step}次修订\ntitle: ", 1)
                            if f"\n{kind}:" not in text else
                            text.replace(f"\n{kind}: ", f"\n{kind}: 第{step}次修订", 1), encoding="utf-8")
        else:  # a build that fails (here or elsewhere), then the body is fixed again
            path.write_text(text + "\n" + ">" * 80 + " 过深\n", encoding="utf-8")
            folder = site / "output" if step % 2 else tmp_path / f"elsewhere-{step}"
            failed = build(site, output=folder, now=NOW, jobs=1)
            assert not failed.ok or rel in {h.source for h in failed.held_back}  # not rendered
            path.write_text(text + f"\n第{step}次改好。\n", encoding="utf-8")
        result = same_as_clean(site, tmp_path)
        quick_builds += result.quick
    assert quick_builds >= 3


def test_a_quick_build_needs_the_site_of_the_last_build(site: Path, tmp_path: Path):
    db = sqlite3.connect(site / ".sitegen-cache/cache.sqlite")
    with db:
        db.execute("DELETE FROM meta WHERE key=?", (f"x:{quick.SITE}",))
    db.close()
    append(site, BUDGET, "\n补充一句。\n")
    assert not same_as_clean(site, tmp_path).quick
    append(site, BUDGET, "\n再补充一句。\n")
    assert same_as_clean(site, tmp_path).quick


def test_a_failed_build_elsewhere_does_not_pass_for_the_last_good_one(site: Path, tmp_path: Path):
    # A build into another folder that fails after validating leaves its validation results
    # in the cache (they are a memo of those bytes); the next quick build must compare with
    # what the last good build of this output published, not with those.
    edit(site, REPORT, "title: ", "title: （修订）")
    append(site, REPORT, "\n" + ">" * 80 + " 过深的引用\n")
    assert not build(site, output=tmp_path / "preview", now=NOW, jobs=1).ok
    edit(site, REPORT, "\n" + ">" * 80 + " 过深的引用\n", "\n")
    assert not same_as_clean(site, tmp_path).quick
    assert "（修订）" in (site / "output/gknb/2010-zhaobaoshan-work-report.html").read_text(encoding="utf-8")
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")
    same_as_clean(site, tmp_path)


@pytest.mark.parametrize("shown, quick", [
    ("{{ older.summary }}", True), ("{{ older['summary'] }}", True),
    ("{{ older|attr('summary') }}", True),
    # a field named at render time: any page may show anything (`reads_whole_site`)
    ("{% set f = 'summary' %}{{ older[f] }}", False),
    # the page's own `item` name bound anew to another item (found by review)
    ("{% for item in [older] %}{{ item.summary }}{% endfor %}", True),
])
def test_an_item_template_showing_a_neighbours_field_makes_it_listed(site: Path, tmp_path: Path,
                                                                    shown: str, quick: bool):
    override(site, "item.html", "{{ older.title }}</a>", "{{ older.title }}</a>（" + shown + "）")
    same_as_clean(site, tmp_path)
    older = "content/fdzdgknr/czyjs/2010-budget.md"  # 2011-budget's page shows its summary
    edit(site, older, "summary: 公开街道2010年", "summary: 更正：公开街道2010年")
    # a quick build, making the pages that show the item again, as for a corrected title
    assert same_as_clean(site, tmp_path).quick == quick
    assert "更正：" in (site / "output/fdzdgknr/czyjs/2011-budget.html").read_text(encoding="utf-8")


def test_a_body_edit_under_a_sites_own_item_template_stays_quick(site: Path, tmp_path: Path):
    """A site's own item.html may show any field of the neighbours, so every field counts as
    listed, `digest` too, which every edit of a body changes: each such edit was a whole
    build (29 s instead of 5 s at 100 000 items). Now the pages that may show the item are
    made again with it (its neighbours', the list pages showing it), and only its own
    changes."""
    override(site, "item.html", "<th scope=\"row\">名称</th>", "<th scope=\"row\">名目</th>")
    same_as_clean(site, tmp_path)
    before = digests(site / "output")
    append(site, BUDGET, "\n补充说明：追加防汛物资预算。\n")
    assert same_as_clean(site, tmp_path).quick
    changed = changed_since(site, before)
    assert {p for p in changed if p.endswith(".html")} == {"fdzdgknr/czyjs/2011-budget.html"}


_TOOLS = '<p class="tools">'


# Found by review: a site's own templates reach other items' fields and other items in more
# ways than any reading of their text can follow; each must leave no page stale.
@pytest.mark.parametrize("template, old, new, rel, field_old, field_new", [
    ("item.html", _TOOLS, "{{ [older, newer]|select|map(attribute='summary')|join('；') }}" + _TOOLS,
     "content/gkzd/request-system.md", "summary: 规定", "summary: 改了规定"),
    ("item.html", _TOOLS, "{% if older %}<!-- {{ older }} -->{% endif %}" + _TOOLS,
     "content/gkzd/request-system.md", "summary: 规定", "summary: 改了规定"),
    ("item.html", _TOOLS, "{% if newer %}{{ newer.sort_key[1] }}{% endif %}" + _TOOLS,
     "content/gkzd/task-breakdown-2010.md", "date_created: 2010-05-10", "date_created: 2010-05-11"),
    ("item.html", _TOOLS, "{{ breadcrumbs[-1].items[0].title }}" + _TOOLS,
     "content/gkzd/task-breakdown-2010.md", "title: ", "title: 改"),
    ("home.html", "{{ category_tree(site.roots) }}", "{{ category_tree(site.roots) }}"
     "{% for n in site.roots %}{% if n.items %}<p>{{ n.items[-1].title }}</p>{% endif %}{% endfor %}",
     "content/gkzd/review-system.md", "title: ", "title: 改"),
    ("category.html", "{{ pager(page) }}",
     "{{ pager(page) }}{% if node.items %}<p>最早：{{ node.items[-1].title }}</p>{% endif %}",
     "content/fdzdgknr/zcwj/flfg/open-government-information-regulation.md", "title: ", "title: 改"),
])
@pytest.mark.parametrize("quick", [True, False])
def test_a_sites_own_template_reaching_other_items_leaves_no_page_stale(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str, old: str,
        new: str, rel: str, field_old: str, field_new: str, quick: bool):
    override(site, template, old, new)
    same_as_clean(site, tmp_path)
    if not quick:  # the whole pipeline, deciding by page keys alone
        monkeypatch.setattr("sitegen.quick.rebuild", lambda *a, **k: None)
    edit(site, rel, field_old, field_new)
    same_as_clean(site, tmp_path)


def test_a_sites_own_column_page_showing_its_sub_columns_counts_keeps_quick_builds(
        site: Path, tmp_path: Path):
    """A site's own category.html reading only what its pages are keyed on (its list, its
    sub-columns and their counts) is not taken to read the whole site."""
    override(site, "category.html", "{{ pager(page) }}", "{{ pager(page) }}<!-- 本站 -->")
    same_as_clean(site, tmp_path)
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")  # counts change on both sides
    assert same_as_clean(site, tmp_path).quick


def _later_pages(digested: dict[str, str], column: str) -> set[str]:
    return {p for p in digested if re.fullmatch(rf"{column}/index-\d+\.html", p)}


def test_a_move_between_sub_columns_leaves_the_later_pages_above_them_alone(
        site: Path, tmp_path: Path):
    """The sub-columns' counts are on a column's first page only: a move between two of them
    rewrites that page of the column above, and of its later pages only the one that lists
    the item (its row names the column), not every one (433 pages at 10 000 items)."""
    edit(site, "sitegen.toml", "page_size = 20", "page_size = 2")
    same_as_clean(site, tmp_path)
    before = digests(site / "output")
    later = _later_pages(before, "fdzdgknr")
    assert len(later) > 5
    first = (site / "output/fdzdgknr/index.html").read_text(encoding="utf-8")
    second = (site / "output/fdzdgknr/index-2.html").read_text(encoding="utf-8")
    assert re.search(r"财政预决算 <span class=\"count\">（\d+）</span>", first)
    assert ">财政预决算</a>" in second and "财政预决算 <span" not in second
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")
    assert same_as_clean(site, tmp_path).quick
    changed = changed_since(site, before)
    assert "fdzdgknr/index.html" in changed
    listing = {p for p in later if "tjxx/2011-budget.html" in (site / "output" / p).read_text(encoding="utf-8")}
    assert changed & later <= listing and len(listing) <= 1


def _org_pages(output: Path) -> list[str]:
    """The organisation list's pages, first to last (rel paths)."""
    later = sorted(output.glob("org/zhaobaoshan-*.html"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return ["org/zhaobaoshan.html", *(p.relative_to(output).as_posix() for p in later)]


def _holding(output: Path, pages: list[str], url: str) -> int:
    name = url.rsplit("/", 1)[1]
    return next(n for n, p in enumerate(pages) if f'{name}"' in (output / p).read_text(encoding="utf-8"))


def test_no_built_in_list_shows_its_count_after_its_first_page(site: Path, tmp_path: Path):
    """The later pages' keys leave the counts out (`PageRenderer._count`): a built-in list
    page showing one there would go stale on a quick build. Every kind of list, one item a
    page."""
    edit(site, "sitegen.toml", "page_size = 20", "page_size = 1")
    edit(site, "content/fdzdgknr/xzxk/pqgs/2011-minimum-living-allowance-batch-3.md",
         "period_end: 2011-08-29", "period_end: 2011-08-29\nperiod: 限时公开\nexpires: 2011-12-31")
    assert build(site, now=NOW, jobs=1).ok  # (two items past their period: two pages)
    kinds: set[str] = set()
    for page in (site / "output").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if '<span class="page-number">' not in html:
            continue
        heading = html.split("<h1>")[1].split("</h1>")[0]
        assert "条）" not in heading and "count" not in heading, page
        if 'class="subcategories"' in html:  # (nor the sub-columns')
            assert "count" not in html.split('class="subcategories"')[1].split("</ul>")[0], page
        rel = page.relative_to(site / "output").as_posix()
        kinds.add("expired" if rel.startswith("archive/expired") else rel.split("/")[0]
                  if rel.startswith(("org/", "archive/", "special/")) else "category")
    assert kinds == {"category", "archive", "org", "special", "expired"}, kinds


@pytest.mark.parametrize("own", [False, True])
def test_a_deletion_leaves_the_list_pages_before_it_alone(site: Path, tmp_path: Path, own: bool,
                                                          monkeypatch: pytest.MonkeyPatch):
    """A list's count is on its first page only: a deletion rewrites that page and the pages
    from the item's on (they shift), not the ones between (at 10 000 items, half of the 493
    pages of an organisation's list on average). A site's own org.html may show the count on
    every page: then every page is keyed on it."""
    # pages of a size that one item fewer keeps as many (else every pager changes)
    first = (site / "output/org/zhaobaoshan.html").read_text(encoding="utf-8")
    count = int(re.search(r"（(\d+) 条）", first).group(1))
    size = next(n for n in (2, 3, 4) if -(-count // n) == -(-(count - 1) // n))
    edit(site, "sitegen.toml", "page_size = 20", f"page_size = {size}")
    if own:
        override(site, "org.html", '{% if page.number == 1 %}<span class="count">',
                 '<span class="count">（共 {{ count }} 条）</span>{% if page.number == 1 %}'
                 '<span class="count">')
    same_as_clean(site, tmp_path)
    output = site / "output"
    before, pages = digests(output), _org_pages(output)
    hole = _holding(output, pages, "fdzdgknr/czyjs/2010-final-accounts.html")
    assert hole > 3, hole
    rendered: list[str] = []

    class Rendering(quick._Rendering):
        def __init__(self, urls, renders, jobs):
            super().__init__(urls, renders, jobs)
            rendered.extend(urls)

    monkeypatch.setattr(quick, "_Rendering", Rendering)
    (site / FINAL_ACCOUNTS).unlink()
    (site / FINAL_ACCOUNTS).with_name("2010-final-accounts-table.pdf").unlink()
    assert same_as_clean(site, tmp_path).quick
    changed = changed_since(site, before)
    between = set(pages[1:hole])
    assert pages[0] in changed and set(pages[hole:]) & changed
    assert (between <= changed) if own else not (between & changed)
    assert (between <= set(rendered)) if own else not (between & set(rendered))  # (keyed so)


def test_a_sites_own_column_page_with_sub_column_counts_on_every_page_stays_right(
        site: Path, tmp_path: Path):
    """A site's own category.html may show the sub-columns' counts on every page: then every
    page is keyed on them, and a move reaches them all."""
    edit(site, "sitegen.toml", "page_size = 20", "page_size = 2")
    override(site, "category.html", "{% if page.number == 1 %} <span class=\"count\">（{{ child.count }}）</span>{% endif %}",
             " <span class=\"count\">（{{ child.count }}）</span>")
    same_as_clean(site, tmp_path)
    before = digests(site / "output")
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")
    assert same_as_clean(site, tmp_path).quick
    assert _later_pages(before, "fdzdgknr") <= changed_since(site, before)


def test_a_template_included_by_a_name_made_at_render_time_is_a_dependency(site: Path,
                                                                         tmp_path: Path):
    """`{% include part ~ ".html" %}` names no template Jinja can find before rendering: the
    page then depends on every template (an edit of the part left the item pages stale)."""
    override(site, "item.html", "{{ older.title }}</a>",
             "{{ older.title }}</a>{% set part = 'extra' %}{% include part ~ '.html' %}")
    (site / "themes/default/templates/extra.html").write_text("<!--一-->", encoding="utf-8")
    same_as_clean(site, tmp_path)
    (site / "themes/default/templates/extra.html").write_text("<!--二-->", encoding="utf-8")
    same_as_clean(site, tmp_path)
    assert "<!--二-->" in (site / "output/fdzdgknr/czyjs/2011-budget.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("shown", [
    "{% set s = site %}（最新：{{ s.items[0].title }}）",
    "{% macro newest(of) %}{{ of.items[0].title }}{% endmacro %}（最新：{{ newest(site) }}）",
])
def test_a_theme_reading_the_site_under_another_name_shows_the_newest_everywhere(
        site: Path, tmp_path: Path, shown: str):
    """Found by review: `site` read through another name passed as not reading the whole site,
    and a new item left every other page showing the previous newest title."""
    override(site, "base.html", '<span id="last-published"></span>', shown)
    same_as_clean(site, tmp_path)
    new_item(site, "content/fdzdgknr/czyjs/2012-budget.md", "31421567X/2026-00901", "2026-03-02",
             title="（新）最新的一条")
    same_as_clean(site, tmp_path)
    assert "（新）最新的一条" in (site / "output/404.html").read_text(encoding="utf-8")
    # the newest item's title corrected: every page shows it (a quick build missed them all,
    # its items being updated in place)
    edit(site, "content/fdzdgknr/czyjs/2012-budget.md", "title: （新）最新的一条", "title: （新）更正")
    same_as_clean(site, tmp_path)
    assert "（新）更正" in (site / "output/404.html").read_text(encoding="utf-8")


def test_a_bytecode_folder_in_a_theme_still_counts(site: Path, tmp_path: Path):
    assets = site / "themes/default/assets/__pycache__"
    assets.mkdir(parents=True)
    (assets / "x.js").write_text("var a = 1;\n", encoding="utf-8")
    same_as_clean(site, tmp_path)
    (assets / "x.js").write_text("var a = 22;\n", encoding="utf-8")
    same_as_clean(site, tmp_path)
    assert (site / "output/assets/__pycache__/x.js").read_text(encoding="utf-8") == "var a = 22;\n"


def test_an_edit_that_changes_no_output_file_reports_every_file_unchanged(site: Path, tmp_path: Path):
    edit(site, REPORT, "reviewer: ", "reviewer:  ")  # the same value, other bytes
    result = same_as_clean(site, tmp_path)
    assert result.quick and result.written == result.unchanged == len(digests(site / "output"))


@pytest.mark.parametrize("what", ["body", "title"])
@pytest.mark.parametrize("where", ["writing", "swapping", "making the spare"])
def test_a_quick_build_stopped_midway_leaves_the_old_or_the_new_site(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, what: str):
    before = digests(site / "output")
    if what == "body":
        append(site, BUDGET, "\n补充说明：台风“梅花”过境后追加防汛物资预算。\n")
    else:  # its page, its neighbours', its lists, feeds and index files: more files at once
        edit(site, BUDGET, "title: 招宝山街道2011年财政预算", "title: 招宝山街道2011年度财政预算")

    def stop(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as if killed there (no cleanup of the build's own)

    if where == "writing":  # a new file, or one of the last build's put back to use
        monkeypatch.setattr(output, "_create", stop)
        monkeypatch.setattr(output._Recycled, "write", stop)
    elif where == "swapping":
        monkeypatch.setattr(output, "_exchange", stop)
    else:
        monkeypatch.setattr(AtomicOutput, "_make_spare", stop)
    with pytest.raises(KeyboardInterrupt) as stopped_in:
        build(site, now=NOW, jobs=1)
    assert any(frame.filename.endswith("quick.py") for frame in traceback.extract_tb(stopped_in.tb))
    monkeypatch.undo()
    stopped = digests(site / "output")
    if where == "making the spare":  # after the swap: the new site is out, complete
        assert build(site, output=tmp_path / "new", now=NOW, jobs=1, use_cache=False).ok
        assert stopped == digests(tmp_path / "new") != before
    else:
        assert stopped == before
    result = same_as_clean(site, tmp_path)  # and the next build makes it right
    assert digests(site / "output") == digests(site / f"{SPARE_PREFIX}output")
    ours = sorted(p.name for p in site.iterdir() if p.name.startswith(".sitegen-"))
    assert [name for name in ours if name != ".sitegen-recycled-output"] == [
        ".sitegen-cache", f"{SPARE_PREFIX}output"]
    assert {p.stat().st_size for p in site.glob(".sitegen-recycled-output/*")} <= {0}
    assert result.ok


NOTICE = "content/fdzdgknr/xzxk/pqgs/2010-low-rent-housing-batch-2.md"  # 批前公示 (expired)
RESULT = "content/fdzdgknr/xzxk/phgg/2010-low-rent-housing-batch-2-result.md"  # names it


def test_an_item_past_its_period_moved_keeps_the_search_filters_counts_right(site: Path,
                                                                            tmp_path: Path):
    """The search filters count the items past their 公开截止日期 apart (批前公示（2，含公开期已满
    1）): a quick build that moves one updates both counts, as a clean build makes them."""
    edit(site, NOTICE, "category: 批前公示", "category: 批后公告")
    assert same_as_clean(site, tmp_path).quick
    manifest = (site / "output/assets/search/manifest.js").read_text(encoding="utf-8")
    column = "法定主动公开内容/行政许可和政务服务/"
    assert f'"{column}批后公告",3,1]' in manifest and f'"{column}批前公示",1]' in manifest, manifest


def related_links(site: Path, rel: str) -> list[str]:
    """The titles a page lists under 相关信息."""
    page = (site / "output" / rel).read_text(encoding="utf-8")
    section = re.search(r'<section class="related".*?</section>', page, re.S)
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', section.group(0)) if section else []


def test_related_items_link_both_ways_and_follow_every_edit(site: Path, tmp_path: Path):
    """相关信息: the 批后公告 names its 批前公示; both pages link to each other, and a corrected
    title, a move, a new item named before it existed and a deletion reach the other page
    as a clean build would make it."""
    notice, result = "fdzdgknr/xzxk/pqgs/2010-low-rent-housing-batch-2.html", \
        "fdzdgknr/xzxk/phgg/2010-low-rent-housing-batch-2-result.html"
    assert related_links(site, notice) == ["招宝山街道2010年第2批廉租住房保障审批结果公告"]
    assert related_links(site, result) == ["招宝山街道2010年第2批廉租住房保障拟准予对象公示"]
    # the 公示 is past its 公开截止日期: marked so where it is listed (found by review)
    listed = (site / "output" / result).read_text(encoding="utf-8").split('class="related"')[1]
    assert '<span class="badge badge-period">公开期已满</span>' in listed.split("</section>")[0]
    # a corrected title: the other page shows it (a quick build)
    edit(site, NOTICE, "title: 招宝山街道2010年第2批", "title: 招宝山街道2010年第二批")
    assert same_as_clean(site, tmp_path).quick
    assert related_links(site, result) == ["招宝山街道2010年第二批廉租住房保障拟准予对象公示"]
    # moved to another column: the other page links to its new address
    edit(site, RESULT, "category: 办理结果", "category: 批前公示")
    assert same_as_clean(site, tmp_path).quick
    assert 'href="2010-low-rent-housing-batch-2-result.html"' in (
        site / "output" / notice).read_text(encoding="utf-8")
    # an item named before it is published: a warning, then a link both ways
    edit(site, RESULT, "related_items: [31421567X/2010-00055]",
         "related_items: [31421567X/2010-00055, 31421567X/2026-00901]")
    warned = same_as_clean(site, tmp_path)
    assert any("31421567X/2026-00901 不存在" in d.message for d in warned.report.warnings)
    new_item(site, "content/fdzdgknr/czyjs/2026-budget.md", "31421567X/2026-00901", "2026-03-02")
    added = same_as_clean(site, tmp_path)
    assert not any("2026-00901" in d.message for d in added.report.warnings)
    assert related_links(site, "fdzdgknr/czyjs/2026-budget.html") == [
        "招宝山街道2010年第2批廉租住房保障审批结果公告"]
    assert len(related_links(site, "fdzdgknr/xzxk/pqgs/2010-low-rent-housing-batch-2-result.html")) == 2
    # deleted: the page naming it warns again, the other loses the link
    (site / "content/fdzdgknr/czyjs/2026-budget.md").unlink()
    gone = same_as_clean(site, tmp_path)
    assert any("31421567X/2026-00901 不存在" in d.message for d in gone.report.warnings)
    # an item held back for review named, then its file deleted (a quick build kept the
    # warning's 尚未发布, a clean one says 不存在: found by review)
    edit(site, RESULT, "related_items: [31421567X/2010-00055, 31421567X/2026-00901]",
         "related_items: [31421567X/2010-00055, 31421567X/2011-00091]")
    held = same_as_clean(site, tmp_path)
    assert any("31421567X/2011-00091 尚未发布" in d.message for d in held.report.warnings)
    (site / "content/fdzdgknr/xzxk/pqgs/pending-review-notice.md").unlink()
    gone = same_as_clean(site, tmp_path)
    assert any("31421567X/2011-00091 不存在" in d.message for d in gone.report.warnings)
    (site / NOTICE).unlink()
    same_as_clean(site, tmp_path)
    assert related_links(site, "fdzdgknr/xzxk/pqgs/2010-low-rent-housing-batch-2-result.html") == []


def test_deleting_a_held_back_item_that_another_will_be_replaced_by_goes_the_whole_way(
        site: Path, tmp_path: Path):
    """Found by review: a 替代文件 published later (held back until its date) was deleted in a
    quick build, which succeeded; a clean build reports the replaced_by it leaves broken."""
    measures = "content/fdzdgknr/zcwj/xzgfxwj/2011-temporary-relief-measures.md"
    text = (site / measures).read_text(encoding="utf-8")
    for old, new in (("31421567X/2011-00024", "31421567X/2026-00950"),
                     ("date_created: 2011-03-14", "date_created: 2026-11-20"),
                     ("date_published: 2011-03-17", "date_published: 2026-12-10")):
        assert old in text, old
        text = text.replace(old, new)
    text = re.sub(r"(?m)^  (reviewed_on|approved_on): .*$", r"  \1: 2026-11-25", text)
    coming = site / "content/fdzdgknr/zcwj/xzgfxwj/2026-new-measures.md"
    coming.write_text(text, encoding="utf-8")
    edit(site, "content/fdzdgknr/zcwj/xzgfxwj/2009-temporary-relief-measures.md",
         "replaced_by: 31421567X/2011-00024\n", "replaced_by: 31421567X/2026-00950\n")
    edit(site, "content/fdzdgknr/zcwj/xzgfxwj/2009-temporary-relief-measures.md",
         "date_invalid: 2011-04-01", "date_invalid: 2026-12-20")
    assert same_as_clean(site, tmp_path).ok  # the successor comes before the day it takes over
    coming.unlink()
    result = same_as_clean(site, tmp_path)
    assert not result.ok and not result.quick
    assert any("31421567X/2026-00950 不存在" in d.message for d in result.report.errors)


def test_a_site_that_overrides_base_and_macros_keeps_building_with_new_default_pages(
        site: Path, tmp_path: Path):
    """Found by review: the year and organisation pages imported a macro new in macros.html
    and relied on a block new in base.html, so a site with its own copies of those two (made
    before) failed to build, or lost the pages' way up. The trail is in a file of its own and
    at the top of each page's content."""
    override(site, "macros.html", "{% macro item_list(", "{# 本站改过 #}\n{% macro item_list(")
    own = site / "themes/default/templates/macros.html"
    kept = re.findall(r"{% macro .*?{% endmacro %}", own.read_text(encoding="utf-8"), re.S)
    made_before = ("item_list", "category_tree", "pager", "field_value")  # its macros at 5cb3049
    own.write_text("\n\n".join(m for m in kept if m.split("(")[0].split()[-1] in made_before)
                   + "\n", encoding="utf-8")
    override(site, "base.html", "<main id=\"main\" class=\"wrap\">", "<main id=\"main\" class=\"wrap own\">")
    result = same_as_clean(site, tmp_path)
    assert result.ok, result.report.diagnostics
    for rel, last in (("archive/2011.html", "2011年"), ("org/zhaobaoshan.html", "招宝山街道办事处"),
                      ("archive/index.html", "按年份浏览")):
        page = (site / "output" / rel).read_text(encoding="utf-8")
        assert 'class="wrap own"' in page and '<nav class="breadcrumbs"' in page, rel
        assert re.search(r'<nav class="breadcrumbs"[^>]*>\s*<a href="\.\./index\.html">首页</a>', page), rel
        assert last in page.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0], rel


TYPHOON = "content/fdzdgknr/yjgl/2011-typhoon-muifa-response.md"  # in the 专栏 防汛防台


def test_the_pages_of_a_special_follow_quick_builds(site: Path, tmp_path: Path):
    """专栏 pages list items of several columns: a retitled, new or deleted item of a 专栏 reaches
    them in a quick build; a change of an item's 专栏 goes the whole way. Always the bytes of a
    clean build."""
    fxft = site / "output/special/fxft.html"
    edit(site, TYPHOON, "title: 招宝山街道防御第9号台风“梅花”工作情况", "title: 招宝山街道防御第9号台风梅花工作情况")
    assert same_as_clean(site, tmp_path).quick
    assert "防御第9号台风梅花工作情况" in fxft.read_text(encoding="utf-8")
    new_item(site, "content/fdzdgknr/czyjs/new.md", "31421567X/2026-00911", day="2026-02-03")
    edit(site, "content/fdzdgknr/czyjs/new.md", "category: 财政预决算", "category: 财政预决算\nspecial: [防汛防台]")
    assert same_as_clean(site, tmp_path).quick
    assert "（新）招宝山街道" in fxft.read_text(encoding="utf-8")
    assert "防汛防台 <span class=\"count\">（3）</span>" in (site / "output/index.html").read_text(encoding="utf-8")
    (site / "content/fdzdgknr/czyjs/new.md").unlink()
    assert same_as_clean(site, tmp_path).quick
    assert "（新）招宝山街道" not in fxft.read_text(encoding="utf-8")
    edit(site, TYPHOON, "special: [防汛防台]", "special: [社会救助]")
    assert not same_as_clean(site, tmp_path).quick
    assert "梅花" not in fxft.read_text(encoding="utf-8")
    assert "梅花" in (site / "output/special/shjz.html").read_text(encoding="utf-8")


_MACROS = '{% from "macros.html" import item_list, pager, category_tree with context %}'


@pytest.mark.parametrize("shown", [
    _MACROS + "{{ category_tree([node]) }}",  # the built-in macro, given the page's own column
    _MACROS + "{{ category_tree(breadcrumbs) }}",
    "{% for g in node.listed|groupby('category.name') %}{{ g.grouper }}（{{ g.list|length }}）{% endfor %}",
    "<!-- {{ node }} -->",  # printed whole
], ids=["category_tree-node", "category_tree-breadcrumbs", "groupby-listed", "whole-node"])
def test_a_sites_own_base_showing_other_columns_counts_leaves_no_page_stale(
        site: Path, tmp_path: Path, shown: str):
    """Found by review: a site's own base.html can show sub-columns' counts (or other items of
    the column) on a column's later pages without naming `children`; those pages must follow."""
    edit(site, "sitegen.toml", "page_size = 20", "page_size = 2")
    override(site, "base.html", "{% block content %}{% endblock %}",
             "{% block content %}{% endblock %}{% if node is defined %}" + shown + "{% endif %}")
    assert "children" not in (site / "themes/default/templates/base.html").read_text(encoding="utf-8")
    same_as_clean(site, tmp_path)
    edit(site, BUDGET, "category: 财政预决算", "category: 统计信息")
    same_as_clean(site, tmp_path)


def test_a_macro_parameter_named_node_is_not_the_column_page_s_own(site: Path, tmp_path: Path):
    """Found by review: `node.count` was taken for the column page's own count (which its key
    covers) in any template, whatever bound `node` there."""
    override(site, "item.html", "{{ older.title }}</a>",
             "{{ older.title }}</a>{% macro crumb(node) %}{{ node.category.name }}（{{ node.count }}）"
             "{% endmacro %}{% for c in breadcrumbs %}{{ crumb(c) }}{% endfor %}")
    same_as_clean(site, tmp_path)
    edit(site, BUDGET, "category: 财政预决算", "category: 政府信息公开年报")
    same_as_clean(site, tmp_path)


def test_a_columns_listed_items_read_in_a_sites_own_base_follow_edits(site: Path, tmp_path: Path):
    """Found by review: `node.listed` (every item of the column) was not among the reads that
    reach other items."""
    override(site, "base.html", "{% block content %}{% endblock %}",
             "{% block content %}{% endblock %}{% if node is defined and node.listed %}"
             "<p>最早：{{ (node.listed|last).title }}</p>{% endif %}")
    same_as_clean(site, tmp_path)
    edit(site, "content/fdzdgknr/zcwj/flfg/open-government-information-regulation.md", "title: ", "title: 改")
    same_as_clean(site, tmp_path)


def test_an_item_past_its_period_keeps_no_link_to_the_special_that_no_longer_lists_it(site: Path):
    """Found by review: it linked under 所属专栏 to a 专栏 page that does not list it (as its
    column does not)."""
    page = (site / "output/fdzdgknr/xzxk/pqgs/2010-low-rent-housing-batch-2.html").read_text(encoding="utf-8")
    assert "公开期已满" in page and "所属专栏" not in page
    assert "所属专栏" in (site / "output/fdzdgknr/xzxk/phgg/2010-low-rent-housing-batch-2-result.html"
                      ).read_text(encoding="utf-8")


def test_a_damaged_site_model_in_the_cache_means_a_whole_build(site: Path, tmp_path: Path):
    """Found by review: an empty pickle in the cache stopped the build with click's Abort (an
    EOFError), then reported as a stop by the user."""
    db = sqlite3.connect(site / ".sitegen-cache" / "cache.sqlite")
    names = [r[0] for r in db.execute("SELECT key FROM meta") if str(r[0]).endswith(quick.SITE_PATCHES)]
    assert names, list(db.execute("SELECT key FROM meta"))
    db.executemany("UPDATE meta SET value = ? WHERE key = ?", [(b"", n) for n in names])
    db.commit()
    db.close()
    append(site, BUDGET, "\n补充一句。\n")
    result = same_as_clean(site, tmp_path)
    assert result.ok and not result.quick


def test_the_output_walked_in_another_process_is_the_output_as_it_is(site: Path, monkeypatch):
    out = site / "output"
    inodes: dict[str, int] = {}
    spare = output.walk_spare(site / f"{SPARE_PREFIX}output")
    assert spare[0] and spare[1]  # (the spare's files and folders)
    want = (lastbuild.output_files(out, inodes), inodes, spare)
    walk = lastbuild.OutputWalk(out)
    assert walk._process is not None  # (forked: the point of it)
    assert walk.files() == want[0]
    assert walk._process is not None  # (still to send the rest)
    assert walk.more() == want[1:]
    assert walk._process is None and not multiprocessing.active_children()
    # Where no process can be forked, or the child fails, it is walked here.
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    walk = lastbuild.OutputWalk(out)
    assert walk._process is None and (walk.files(), *walk.more()) == want
    monkeypatch.undo()
    parent = os.getpid()
    real = lastbuild.output_files

    def failing(*args, **kwargs):
        if os.getpid() != parent:
            raise PermissionError("a folder the child may not read")
        return real(*args, **kwargs)
    monkeypatch.setattr(lastbuild, "output_files", failing)
    walk = lastbuild.OutputWalk(out)
    assert walk._process is not None and (walk.files(), *walk.more()) == want
    # A walk whose result no one wants (a whole build) ends with the build: no child left.
    walk = lastbuild.OutputWalk(out)
    walk.close()
    assert walk._process is None and not multiprocessing.active_children()


def test_a_build_that_does_not_want_the_walk_ends_it(site: Path, tmp_path: Path):
    """A whole build does not read the walk: its child, with more to send than a pipe holds,
    does not outlive the build (it would hold the site's lock)."""
    _many_files(site / "output" / "stray")  # (by hand: the whole build removes them)
    append(site, BUDGET, "\n补充一句。\n")
    result = same_as_clean(site, tmp_path)
    assert result.ok and not result.quick and not (site / "output" / "stray").exists()
    assert not multiprocessing.active_children()


def test_the_analysis_of_the_theme_is_kept_and_follows_its_templates(site: Path, monkeypatch):
    config = load_config(site, Report())
    cache = Cache(site / ".sitegen-cache")

    def analysis():
        return cached_theme_analysis(make_environment(theme_dirs(config)), cache)
    first = analysis()
    assert first == analyse_theme(make_environment(theme_dirs(config)))
    assert "summary" not in first.listed
    # kept: not analysed again
    monkeypatch.setattr(pages, "analyse_theme", lambda env: pytest.fail("analysed again"))
    assert analysis() == first
    monkeypatch.undo()
    # a site's own template: analysed again, and what it shows in lists counts
    override(site, "macros.html", "{{ item.title }}</a>",
             "{{ item.title }}</a>（{{ item.summary }}）")
    changed = analysis()
    assert "summary" in changed.listed and changed.templates != first.templates
    assert changed == analyse_theme(make_environment(theme_dirs(config)))
    # a damaged entry: analysed again
    cache.set_meta("theme_analysis", b"\x80damaged")
    assert analysis() == changed
    cache.close(commit=False)


def test_a_new_file_named_in_another_encoding_keeps_quick_builds(site: Path, tmp_path: Path):
    """Found by review: a file name that is not UTF-8 (GBK, from an archive made on Windows)
    stopped every build with a UnicodeEncodeError while looking for the bodies linking to it."""
    folder = site / "content/fdzdgknr/czyjs"
    name = os.fsdecode("附表".encode("gbk") + b".pdf")
    shutil.copy(folder / "2011-budget-table.pdf", folder / name)
    result = same_as_clean(site, tmp_path)
    assert result.ok and result.quick


def _many_files(folder: Path, count: int = 3000) -> None:
    """An output folder whose walk is more than a pipe holds (64 KiB)."""
    for n in range(count):
        part = folder / f"part-{n % 30}"
        part.mkdir(parents=True, exist_ok=True)
        (part / f"page-{n}.html").write_bytes(b"x")


def test_the_walk_is_the_childs_and_ends_when_no_one_reads_it(tmp_path: Path, monkeypatch):
    out = tmp_path / "output"
    _many_files(out)
    inodes: dict[str, int] = {}
    want = (lastbuild.output_files(out, inodes), inodes, None)
    assert len(pickle.dumps(want[0])) > 1 << 16
    # the child's walk is the one used: here, walking fails
    parent = os.getpid()
    real = lastbuild.output_files

    def not_here(*args, **kwargs):
        if os.getpid() == parent:
            raise AssertionError("walked in the build's own process")
        return real(*args, **kwargs)
    monkeypatch.setattr(lastbuild, "output_files", not_here)
    walk = lastbuild.OutputWalk(out)
    assert (walk.files(), *walk.more()) == want
    # The build's process gone before it read the result (killed): the child does not wait
    # for a reader for ever (it held the lock on the site folder meanwhile).
    walk = lastbuild.OutputWalk(out)
    process = walk._process
    assert process is not None
    time.sleep(0.5)  # (the child waits to send what the pipe cannot hold)
    walk._receiver.close()
    walk._receiver = None
    process.join(timeout=20)
    assert process.exitcode is not None, "the walk waited for a reader that is gone"
    walk._process = None
    # and close() ends a child that waits to send
    walk = lastbuild.OutputWalk(out)
    pid = walk._process.pid
    time.sleep(0.5)
    assert walk._process.is_alive()
    walk.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("pool_from", [2, quick.RENDER_POOL_FROM])
def test_list_pages_render_in_workers_only_when_there_are_many(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_from: int):
    monkeypatch.setattr(quick, "RENDER_POOL_FROM", pool_from)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 2)  # (the example's lists are short)
    calls: list[tuple[int, int]] = []  # (pages, processes) of each list rendering
    pooled: list[int] = []  # pages rendered in the workers, of each

    def spy(func, tasks, state, jobs, progress=None):
        if func is quick._render_slice:
            pooled.append(len(state["renders"]))
        return parallel.pmap(func, tasks, state, jobs, progress)

    class Rendering(quick._Rendering):
        def __init__(self, urls, renders, jobs):
            super().__init__(urls, renders, jobs)
            calls.append((len(renders), self._jobs))

    monkeypatch.setattr(quick, "pmap", spy)
    monkeypatch.setattr(quick, "_Rendering", Rendering)
    changes = [  # a move, a deletion (the index renumbered first), a new newest item
        lambda: edit(site, BUDGET, "category: 财政预决算", "category: 统计信息"),
        lambda: (site / REPORT).unlink(),
        lambda: new_item(site, "content/fdzdgknr/czyjs/2026-budget.md", "31421567X/2026-00001",
                         "2026-11-20")]
    for change in changes:
        calls.clear()
        pooled.clear()
        change()
        assert build(site, now=NOW, jobs=2).quick
        [(pages_rendered, jobs)] = calls
        assert pages_rendered > 2
        assert jobs == (2 if pages_rendered >= pool_from else 1)
        assert pooled == ([pages_rendered] if jobs == 2 else [])
        out = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
        assert build(site, output=out, now=NOW, jobs=1, use_cache=False).ok
        assert digests(site / "output") == digests(out)
    # A list page failing in a worker: the whole build reports it, the output stays.
    page = (site / "output/fdzdgknr/czyjs/index.html").read_text(encoding="utf-8")
    count = int(re.search(r"（(\d+) 条）", page).group(1))
    override(site, "category.html", "{% block content %}",
             "{% block content %}{% if node.category.name == '财政预决算' and node.count == "
             f"{count + 1} %}}{{{{ 1 // 0 }}}}{{% endif %}}")
    assert build(site, now=NOW, jobs=2).ok
    before = digests(site / "output")
    calls.clear()
    pooled.clear()
    edit(site, BUDGET, "category: 统计信息", "category: 财政预决算")  # one more there
    result = build(site, now=NOW, jobs=2)
    assert not result.ok and not result.quick
    [(pages_rendered, jobs)] = calls  # (tried quick)
    assert pooled == ([pages_rendered] if jobs == 2 else [])
    assert any("category.html" in d.file for d in result.report.errors)
    assert digests(site / "output") == before


def test_the_kept_site_model_shares_equal_values(site: Path):
    """Each checked item arrives pickled on its own; the model the quick builds load holds
    one object for each column, date, review and organisation id (a third less memory)."""
    for now in (NOW, NOW + dt.timedelta(days=1)):  # from the checks, then from the cache
        assert build(site, now=now, jobs=1).ok
        cache = Cache(site / ".sitegen-cache")
        model = pickle.loads(cache.get_meta(quick.SITE))
        cache.close()
        items = model.items
        columns = model.config.categories.by_path()
        assert all(i.category is columns[i.category.path] for i in items)
        for values in ([i.date_published for i in items], [i.review for i in items],
                       [i.organization for i in items], [k for i in items for k in i.keywords]):
            assert len(set(values)) < len(values)  # (some repeat in the example)
            assert len({id(v) for v in values}) == len(set(values))


def test_a_quick_build_keeps_the_changed_briefs_apart(site: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    """The briefs of every item (3 MB at 10 000 items) are kept whole by a whole build; a
    quick build that makes lists keeps only what changed since, until that is much."""
    def meta(key: str):
        cache = Cache(site / ".sitegen-cache")
        try:
            return cache.get_meta(key)
        finally:
            cache.close()

    whole = meta("briefs")
    edit(site, BUDGET, "title: 招宝山街道", "title: （更正）招宝山街道")
    assert same_as_clean(site, tmp_path).quick
    assert meta("briefs") == whole
    assert set(pickle.loads(meta("brief_changes"))) == {"31421567X/2011-00018"}
    edit(site, REPORT, "category: 政府信息公开年报", "category: 统计信息")  # taken with the change
    assert same_as_clean(site, tmp_path).quick
    assert meta("briefs") == whole
    assert len(pickle.loads(meta("brief_changes"))) == 2
    edit(site, BUDGET, "title: （更正）招宝山街道", "title: 招宝山街道")
    assert same_as_clean(site, tmp_path).quick  # (the title back: its brief from the changes)
    monkeypatch.setattr(pages, "BRIEF_CHANGES_KEPT", 1)  # too many: kept whole again
    edit(site, REPORT, "category: 统计信息", "category: 政府信息公开年报")
    assert same_as_clean(site, tmp_path).quick
    assert meta("briefs") != whole and pickle.loads(meta("brief_changes")) == {}


def test_shared_values_leave_a_search_documents_fingerprint_alone(site: Path):
    """The fingerprint is a digest of the document's pickle, which writes an object met twice
    once: a keyword made one object with the item's 有效性 would tell a whole build's
    document (values shared) from a quick build's (checked on its own), equal as they are."""
    from sitegen import generate, search
    from sitegen.content import scan
    from sitegen.structure import build_site

    edit(site, BUDGET, "keywords: [财政预算,", "keywords: [有效, 财政所, 其他, 财政预算,")
    cache = Cache(site / ".sitegen-cache")
    loaded = generate.load(site, NOW, False, Report(), cache, 1, bodies=False)
    cache.close()
    assert loaded is not None
    shared = next(i for i in loaded.catalog.items if i.source == BUDGET)
    files, assets = scan(site, loaded.config.content_dir, Report())
    own = generate.check_file(next(f for f in files if f.rel == BUDGET), loaded.config,
                              {a.content_rel for a in assets}, "utf-8")[1].item
    model = build_site(loaded.config, loaded.catalog.items)
    docs = [search.search_doc(model, item, "正文") for item in (shared, own)]
    assert docs[0] == docs[1]
    assert search.doc_fingerprint(docs[0]) == search.doc_fingerprint(docs[1])


def test_the_records_naming_an_address_are_found_by_the_cache(tmp_path: Path):
    """`Cache.item_records_naming` (SQLite's instr on the pickled part) finds the records a
    scan of all of them in Python finds, whatever the number of needles (asked 100 at a
    time: SQLite limits the parameters of a statement)."""
    cache = Cache(tmp_path / "cache")
    rows = [(f"p/{n}.html", "i", "k", "b", f"no{n}", "fp", "line",
             pickle.dumps({"links": {f"../a/{n}.md": f"a/{n}.html"}, "g": f"<{n % 7}>",
                           "n": "名" * n}))
            for n in range(300)]
    cache.put_item_records(rows)
    for needles in ([b"<3>"], [f"a/{k}.html".encode() for k in range(250)],
                    ["名名名".encode()], [b"nowhere"], []):
        want = {r[0] for r in rows if any(n in r[-1] for n in needles)}
        assert {r[0] for r in cache.item_records_naming(needles)} == want
