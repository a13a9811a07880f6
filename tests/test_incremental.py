"""Incremental builds give the same bytes as a clean build, and touch nothing else."""

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from conftest import digests, mtimes

from sitegen import parallel, search
from sitegen.build import build
from sitegen.output import AtomicOutput

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.date(2026, 11, 27)


@pytest.fixture(params=[1, 2], ids=["serial", "forked"])
def site(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 8)  # make the example use worker processes
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "sitegen.toml", site / "sitegen.toml")
    site.joinpath("jobs").write_text(str(request.param))
    return site


def incremental_equals_clean(site: Path, tmp_path: Path) -> dict[str, str]:
    jobs = int(site.joinpath("jobs").read_text())
    result = build(site, now=NOW, jobs=jobs)
    assert result.ok, [d.format() for d in result.report.errors]
    clean_out = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
    clean = build(site, output=clean_out, now=NOW, jobs=1, use_cache=False)
    assert clean.ok
    got, want = digests(site / "output"), digests(clean_out)
    assert sorted(got) == sorted(want)
    assert [p for p in got if got[p] != want[p]] == []
    return got


def test_incremental_builds_match_clean_builds(site: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    before = incremental_equals_clean(site, tmp_path)
    assert (site / ".sitegen-cache" / "cache.sqlite").is_file()

    # Nothing changed: no output file rewritten.
    times = mtimes(site / "output")
    result = build(site, now=NOW, jobs=int(site.joinpath("jobs").read_text()))
    assert result.unchanged == result.written
    assert mtimes(site / "output") == times

    # Edit one item's body.
    budget = site / "content/fdzdgknr/czyjs/2011-budget.md"
    budget.write_text(budget.read_text(encoding="utf-8") + "\n补充说明：本预算经街道党工委会议审议。\n",
                      encoding="utf-8")
    after = incremental_equals_clean(site, tmp_path)
    changed = {p for p in after if after.get(p) != before.get(p)}
    assert "fdzdgknr/czyjs/2011-budget.html" in changed
    assert "fdzdgknr/zcwj/gz/index.html" not in changed

    # Change an item's category: it moves.
    text = budget.read_text(encoding="utf-8").replace("category: 法定主动公开内容/财政预决算",
                                                       "category: 法定主动公开内容/统计信息")
    text = text.replace("category: 财政预决算", "category: 统计信息")
    budget.write_text(text, encoding="utf-8")
    after = incremental_equals_clean(site, tmp_path)
    assert "fdzdgknr/tjxx/2011-budget.html" in after
    assert "fdzdgknr/czyjs/2011-budget.html" not in after

    # Delete an item: gone everywhere.
    budget.unlink()
    after = incremental_equals_clean(site, tmp_path)
    assert not any("2011-budget.html" in p for p in after)

    # A back-dated item (published before most others) renumbers the search index, which is
    # updated, not built again: no token file is made from scratch.
    made = []
    monkeypatch.setattr(search, "written_token_files",
                        lambda *a, f=search.written_token_files: made.append(1) or f(*a))
    source = (site / "content/fdzdgknr/czyjs/2010-budget.md").read_text(encoding="utf-8")
    source = re.sub(r"index_no: .*", "index_no: 31421567X/2009-00099", source)
    source = re.sub(r"title: (.*)", r"title: \1（补录）", source, count=1)
    source = re.sub(r"(date_\w+|\w+_on): 2010-", r"\1: 2009-", source)
    (site / "content/fdzdgknr/czyjs/2009-budget.md").write_text(source, encoding="utf-8")
    result = build(site, now=NOW, jobs=int(site.joinpath("jobs").read_text()))
    assert result.ok and made == []
    after = incremental_equals_clean(site, tmp_path)
    assert "fdzdgknr/czyjs/2009-budget.html" in after

    # Touch a file without changing it: nothing changes.
    report = site / "content/gknb/2010-zhaobaoshan-work-report.md"
    report.write_bytes(report.read_bytes())
    incremental_equals_clean(site, tmp_path)

    # An attachment replaced by one of the same size (a re-scanned PDF): its copy follows;
    # the other attachments are taken over by size and mtime, not read again.
    pdf = site / "content/fdzdgknr/zfcg/2011-procurement-plan.pdf"
    kept = site / "output/files/fdzdgknr/rsxx/2011-recruitment-registration-form.pdf"
    kept_time = kept.stat().st_mtime_ns
    pdf.write_bytes(pdf.read_bytes()[::-1])
    copied, copy = [], AtomicOutput.copy
    monkeypatch.setattr(AtomicOutput, "copy", lambda self, rel, source:
                        copied.append(rel) or copy(self, rel, source))
    assert build(site, now=NOW, jobs=int(site.joinpath("jobs").read_text())).ok
    monkeypatch.setattr(AtomicOutput, "copy", copy)
    assert [rel for rel in copied if rel.startswith("files/")] == ["files/fdzdgknr/zfcg/2011-procurement-plan.pdf"]
    incremental_equals_clean(site, tmp_path)
    assert (site / "output/files/fdzdgknr/zfcg/2011-procurement-plan.pdf").read_bytes() == pdf.read_bytes()
    assert kept.stat().st_mtime_ns == kept_time

    # A template override re-renders what uses it.
    override = site / "themes/default/templates"
    override.mkdir(parents=True)
    item_tpl = (ROOT / "themes/default/templates/item.html").read_text(encoding="utf-8")
    (override / "item.html").write_text(item_tpl.replace("下一篇（较早）", "下一篇"), encoding="utf-8")
    after = incremental_equals_clean(site, tmp_path)
    page = (site / "output/gknb/2010-zhaobaoshan-work-report.html").read_text(encoding="utf-8")
    assert "下一篇（较早）" not in page

    # A config change (page size) re-paginates.
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size = 20", "page_size = 2"),
                      encoding="utf-8")
    after = incremental_equals_clean(site, tmp_path)
    assert "gkzd/index-2.html" in after

    # Deleting the cache is safe.
    shutil.rmtree(site / ".sitegen-cache")
    incremental_equals_clean(site, tmp_path)


def test_page_keys_count_only_for_the_output_they_describe(site: Path, tmp_path: Path):
    """The cache is per site, outputs may differ: keys written for one output folder must not
    let another (older) folder's files through, nor files edited by hand."""
    jobs = int(site.joinpath("jobs").read_text())
    other = tmp_path / "other"
    assert build(site, output=other, now=NOW, jobs=jobs).ok  # an old build elsewhere
    override = site / "themes/default/templates"
    override.mkdir(parents=True)
    base = (ROOT / "themes/default/templates/base.html").read_text(encoding="utf-8")
    (override / "base.html").write_text(base.replace("跳到正文", "跳到正文内容"), encoding="utf-8")
    incremental_equals_clean(site, tmp_path)  # keys now describe site/output
    result = build(site, output=other, now=NOW, jobs=jobs)
    assert result.ok
    clean = tmp_path / "clean-other"
    assert build(site, output=clean, now=NOW, jobs=1, use_cache=False).ok
    assert digests(other) == digests(clean)

    page = site / "output" / "index.html"
    page.write_text("手工改过", encoding="utf-8")
    got = incremental_equals_clean(site, tmp_path)
    assert "index.html" in got and "跳到正文内容" in page.read_text(encoding="utf-8")


def _publish(site: Path, name: str, index_no: str, day: str) -> None:
    """A new item (the 2011 budget's text) published on `day` (2026-02-…), newer than any."""
    text = (site / "content/fdzdgknr/czyjs/2011-budget.md").read_text(encoding="utf-8")
    for old, new in (("31421567X/2011-00018", index_no), ("date_published: 2011-03-03", f"date_published: {day}"),
                     ("date_created: 2011-02-28", "date_created: 2026-02-01"),
                     ("reviewed_on: 2011-03-01", "reviewed_on: 2026-02-01"),
                     ("approved_on: 2011-03-02", "approved_on: 2026-02-01"),
                     ("title: 招宝山街道2011年", f"title: {name}招宝山街道2011年")):
        assert old in text
        text = text.replace(old, new)
    (site / "content/fdzdgknr/czyjs" / f"{index_no[-5:]}.md").write_text(text, encoding="utf-8")


def test_a_newer_date_rewrites_one_script_not_every_page(site: Path, tmp_path: Path):
    """Every page shows "信息更新至" (the newest 发布日期): from assets/last-published.js, so
    that publishing on a new day does not make every page of the site new."""
    incremental_equals_clean(site, tmp_path)
    report = site / "output/gknb/2010-zhaobaoshan-work-report.html"
    before, times = digests(site / "output"), mtimes(site / "output")
    assert '<span id="last-published"></span>' in report.read_text(encoding="utf-8")
    _publish(site, "（新）", "31421567X/2026-00901", "2026-02-03")
    after = incremental_equals_clean(site, tmp_path)
    script = (site / "output/assets/last-published.js").read_text(encoding="utf-8")
    assert "信息更新至 2026-02-03" in script and after["assets/last-published.js"] != before["assets/last-published.js"]
    unchanged = [p for p in before if p.endswith(".html") and after.get(p) == before[p]]
    assert "gknb/2010-zhaobaoshan-work-report.html" in unchanged and len(unchanged) > 40
    assert mtimes(site / "output")["gknb/2010-zhaobaoshan-work-report.html"] == \
        times["gknb/2010-zhaobaoshan-work-report.html"]
    # A theme that shows the date itself still gets it on every page, from then on.
    override = site / "themes/default/templates"
    override.mkdir(parents=True)
    base = (ROOT / "themes/default/templates/base.html").read_text(encoding="utf-8")
    (override / "base.html").write_text(
        base.replace('<span id="last-published"></span>', "（{{ site.updated }}）"), encoding="utf-8")
    incremental_equals_clean(site, tmp_path)
    _publish(site, "（又一条）", "31421567X/2026-00902", "2026-02-05")
    incremental_equals_clean(site, tmp_path)
    assert "（2026-02-05）" in report.read_text(encoding="utf-8")
    # Or shows the newest item through the site model, without naming the date.
    (override / "base.html").write_text(base.replace(
        '<span id="last-published"></span>',
        "（最新：{{ site.items[0].title }}，{{ site.items[0].date_published }}）"), encoding="utf-8")
    incremental_equals_clean(site, tmp_path)
    _publish(site, "（第三条）", "31421567X/2026-00903", "2026-02-07")
    incremental_equals_clean(site, tmp_path)
    assert "（第三条）招宝山" in report.read_text(encoding="utf-8")


def test_the_inputs_key_tells_every_list_of_files_apart():
    from sitegen.content import ContentFile
    from sitegen.lastbuild import inputs_key

    def f(name: str, stat: str = "1:2:3") -> ContentFile:
        return ContentFile(content_rel=name, rel=f"content/{name}", stat=stat)

    cases = [
        ("r", [f("a.md"), f("b.md")], [f("x.pdf")]),
        ("r2", [f("a.md"), f("b.md")], [f("x.pdf")]),  # another config, theme or --now
        ("r", [f("a.md"), f("b.md", "1:2:4")], [f("x.pdf")]),  # one file touched
        ("r", [f("a.md")], [f("b.md"), f("x.pdf")]),  # a file in the other list
        ("r", [f("a.md"), f("b.md")], []),  # an attachment gone
        ("r", [f("a.md\n1:2:3\ncontent/b.md")], [f("x.pdf")]),  # (no name holds a NUL)
        ("r", [f("a.md\udcb1"), f("b.md")], [f("x.pdf")]),  # a name not in UTF-8
    ]
    keys = [inputs_key(*case) for case in cases]
    assert len(set(keys)) == len(keys)
    assert inputs_key(*cases[0]) == keys[0]  # and the same again
