"""Review of the incremental build: after each change, a build with the cache must give the same
bytes (and the same report) as a clean build into another folder."""

import datetime as dt
import errno
import hashlib
import shutil
from pathlib import Path

import pytest

from sitegen import cache as cache_module
from sitegen import generate, parallel
from sitegen.build import build

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.date(2026, 11, 27)
REPORT = "content/gknb/2010-zhaobaoshan-work-report.md"
PAGE = "gknb/2010-zhaobaoshan-work-report.html"


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 8)
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "sitegen.toml", site / "sitegen.toml")
    return site


def clean_build(site: Path, tmp_path: Path, now: dt.date = NOW):
    out = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
    result = build(site, output=out, now=now, jobs=1, use_cache=False)
    assert result.ok, [d.format() for d in result.report.errors]
    return out, result


def assert_same_as_clean(site: Path, tmp_path: Path, now: dt.date = NOW, jobs: int = 1):
    result = build(site, now=now, jobs=jobs)
    assert result.ok, [d.format() for d in result.report.errors]
    clean_out, clean = clean_build(site, tmp_path, now)
    got, want = digests(site / "output"), digests(clean_out)
    assert sorted(got) == sorted(want)
    assert [p for p in got if got[p] != want[p]] == []
    return result, clean


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# -- scenarios that work (kept as regression checks) ---------------------------------------------

def test_scenarios_that_already_match_clean_builds(site: Path, tmp_path: Path):
    assert_same_as_clean(site, tmp_path)
    # An attachment grows: its size on the item page.
    pdf = site / "content/fdzdgknr/czyjs/2011-budget-table.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\0" * 5000)
    assert_same_as_clean(site, tmp_path)
    # A body links to an item that is held back, then due (--now moves on).
    late = site / "content/gknb/late.md"
    text = (site / REPORT).read_text(encoding="utf-8")
    late.write_text(text.replace("31421567X/2010-00111", "31421567X/2027-00999")
                    .replace("date_created: 2010-12-07", "date_created: 2027-01-04")
                    .replace("date_published: 2010-12-09", "date_published: 2027-01-05")
                    .replace("2010年度", "2026年度"), encoding="utf-8")
    append(site / "content/fdzdgknr/czyjs/2011-budget.md", "\n见[后续报告](../../gknb/late.md)。\n")
    assert_same_as_clean(site, tmp_path, jobs=2)
    assert "gknb/late.html" not in digests(site / "output")
    assert_same_as_clean(site, tmp_path, now=dt.date(2027, 12, 31))
    budget = (site / "output/fdzdgknr/czyjs/2011-budget.html").read_text(encoding="utf-8")
    assert 'href="../../gknb/late.html"' in budget
    assert_same_as_clean(site, tmp_path)  # and back: the link is broken again
    # One output file deleted, then the whole output folder.
    (site / "output" / PAGE).unlink()
    assert_same_as_clean(site, tmp_path)
    shutil.rmtree(site / "output")
    assert_same_as_clean(site, tmp_path)


# -- bugs ----------------------------------------------------------------------------------------

def test_build_failing_late_does_not_leave_stale_pages(site: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    assert_same_as_clean(site, tmp_path)
    append(site / REPORT, "\n补充说明：第二版。\n")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:  # the disk fills up (or Ctrl-C) while feeds are written
        m.setattr(generate.feeds, "feeds", disk_full)
        failed = build(site, now=NOW, jobs=1)  # said in one line (build._stopped_by_the_machine)
        assert not failed.ok and "磁盘空间不足" in failed.report.errors[0].message
    assert "第二版" not in (site / "output" / PAGE).read_text(encoding="utf-8")  # old site kept

    assert_same_as_clean(site, tmp_path)  # fails: the item page and search index are stale


def test_edit_behind_a_symlinked_theme_file_is_noticed(site: Path, tmp_path: Path):
    shared = site / "branding/extra.css"
    shared.parent.mkdir()
    shared.write_text("body { color: black; }\n", encoding="utf-8")
    assets = site / "themes/default/assets"
    assets.mkdir(parents=True)
    (assets / "extra.css").symlink_to("../../../branding/extra.css")
    assert_same_as_clean(site, tmp_path)

    shared.write_text("body { color: darkred; background: white; }\n", encoding="utf-8")
    assert_same_as_clean(site, tmp_path)  # fails: output/assets/extra.css is the old one


def test_edit_of_an_included_non_html_template_rerenders_pages(site: Path, tmp_path: Path):
    templates = site / "themes/default/templates"
    templates.mkdir(parents=True)
    base = (ROOT / "themes/default/templates/base.html").read_text(encoding="utf-8")
    (templates / "base.html").write_text(
        base.replace('<a class="site-name"', '{% include "logo.svg" %}<a class="site-name"'),
        encoding="utf-8")
    (templates / "logo.svg").write_text('<svg class="logo" viewBox="0 0 1 1"></svg>\n',
                                        encoding="utf-8")
    assert_same_as_clean(site, tmp_path)

    (templates / "logo.svg").write_text('<svg class="logo" viewBox="0 0 2 2"><rect/></svg>\n',
                                        encoding="utf-8")
    assert_same_as_clean(site, tmp_path)  # fails: every page still has the old logo


def test_library_upgrade_is_not_skipped_as_nothing_changed(site: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    assert_same_as_clean(site, tmp_path)

    # `pip install -U pygments`: a new version string, and its CSS for the same style differs.
    from pygments.formatters import HtmlFormatter

    old = HtmlFormatter.get_style_defs
    monkeypatch.setattr(HtmlFormatter, "get_style_defs",
                        lambda self, arg=None: old(self, arg) + "\n.highlight .new { color: red }")
    monkeypatch.setattr(cache_module, "VERSION", cache_module.VERSION + "-pygments-upgraded")
    assert_same_as_clean(site, tmp_path)  # fails: assets/pygments.css is the old version's


def test_a_damaged_cache_file_does_not_break_the_build(site: Path, tmp_path: Path):
    assert_same_as_clean(site, tmp_path)
    db = site / ".sitegen-cache/cache.sqlite"
    data = bytearray(db.read_bytes())
    assert len(data) > 6 * 4096
    data[5 * 4096 : 6 * 4096] = bytes(4096)  # one torn page
    db.write_bytes(bytes(data))
    append(site / REPORT, "\n补充说明。\n")
    assert_same_as_clean(site, tmp_path)  # fails: DatabaseError: database disk image is malformed


def test_holiday_table_update_refreshes_deadline_warnings(site: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    import chinese_calendar

    def no_table(*args, **kwargs):
        raise NotImplementedError("no holiday table for that year")

    with monkeypatch.context() as m:  # the installed chinese_calendar lacks the year
        m.setattr(chinese_calendar, "get_workdays", no_table)
        build(site, now=NOW, jobs=1)
    # `pip install -U chinesecalendar`: now it has the table (and a new version number).
    monkeypatch.setattr(cache_module, "VERSION", cache_module.VERSION + "-calendar-upgraded")
    result, clean = assert_same_as_clean(site, tmp_path)
    assert [d.format() for d in result.report.sorted()] == \
        [d.format() for d in clean.report.sorted()]  # fails: "按周一至周五估算" warnings stay
