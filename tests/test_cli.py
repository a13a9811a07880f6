"""The command-line contract: init, build, check, new, --help."""

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.validate import BODY_PLACEHOLDER, FIELD_PLACEHOLDER

NOW = ["--now", "2026-11-27"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    result = run("init", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    return tmp_path / "site"


def test_init_creates_site_and_build_publishes_it(site):
    assert (site / "sitegen.toml").is_file() and (site / "themes").is_dir()
    assert len(list((site / "content").glob("*.md"))) >= 4
    result = run("build", str(site), *NOW)
    assert result.exit_code == 0, result.output
    out = site / "output"
    for path in ("index.html", "search.json", "rss.xml", "sitemap.xml", "robots.txt", "404.html",
                 "gkzn/index.html", "fdzdgknr/czyjs/budget.html", "fdzdgknr/czyjs/rss.xml",
                 "archive/2025.html", "org/jiedao.html", "assets/style.css", "assets/pygments.css"):
        assert (out / path).is_file(), path
    assert "未发布的信息 1 条" in result.output and "notice-draft.md" in result.output


def test_init_refuses_existing_site(site):
    result = run("init", str(site))
    assert result.exit_code == 1 and "已存在" in result.output
    assert result.output.startswith("错误：") and "Error:" not in result.output  # one Chinese line


def test_build_is_deterministic_and_has_no_timestamps(site, tmp_path):
    assert run("build", str(site), "--output", str(tmp_path / "a"), *NOW).exit_code == 0
    assert run("build", str(site), "--output", str(tmp_path / "b"), "--now", "2026-12-31").exit_code == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    rss = (tmp_path / "a" / "rss.xml").read_text(encoding="utf-8")
    assert "2026" not in rss  # lastBuildDate is the newest item's date, not the build time


def test_rebuild_keeps_unchanged_files(site):
    assert run("build", str(site), *NOW).exit_code == 0
    index = site / "output" / "index.html"
    before = index.stat()
    result = run("build", str(site), *NOW)
    assert result.exit_code == 0 and "，0 个新写入或有改动，" in result.output, result.output
    assert index.stat().st_ino == before.st_ino and index.stat().st_mtime_ns == before.st_mtime_ns


@pytest.mark.parametrize("quick", [True, False])
def test_the_summary_counts_what_changed_and_what_went(site, quick):
    """Found by review: "写入 254 个文件（254 个未变）" when nothing was written, and files
    removed were not counted at all."""
    assert run("build", str(site), *NOW).exit_code == 0
    before = {p.relative_to(site / "output") for p in (site / "output").rglob("*") if p.is_file()}
    victim = next(p for p in sorted((site / "content").rglob("*.md")) if "review:" in p.read_text(encoding="utf-8"))
    victim.unlink()
    if not quick:
        (site / ".sitegen-cache").rename(site / "cache-gone")  # a whole build
    result = run("build", str(site), *NOW)
    assert result.exit_code == 0, result.output
    after = {p.relative_to(site / "output") for p in (site / "output").rglob("*") if p.is_file()}
    assert before - after and ("quick build" in result.output) == quick
    assert f"共 {len(after)} 个文件，" in result.output
    assert f"，删除 {len(before - after)} 个" in result.output, result.output


def test_a_build_with_nothing_to_do_imports_no_renderer(site):
    """`sitegen build` with nothing changed stops before Jinja, Markdown, the feeds and the
    index are imported (importing them was a third of its time)."""
    assert run("build", str(site), *NOW).exit_code == 0
    heavy = ("jinja2", "markdown", "pygments", "feedgen", "sitegen.generate", "sitegen.search",
             "importlib.metadata")
    probe = ("import sys\nfrom sitegen.cli import cli\n"
             f"try:\n    cli(['build', {str(site)!r}, '--now', '2026-11-27'])\n"
             "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
             f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    with open(site / "content" / "budget.md", "a", encoding="utf-8") as f:
        f.write("\n补充说明。\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "sitegen.generate" in done.stdout.strip().splitlines()[-1]  # with work, they are there



def test_the_command_exits_with_its_code_and_all_its_output(site, tmp_path):
    """`sitegen` ends without tearing its objects down one by one (os._exit): what it printed
    still reaches a pipe, and the exit code is click's."""
    def sitegen(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True,
                              text=True)

    done = sitegen("build", str(site), *NOW)
    assert done.returncode == 0 and "已发布" in done.stdout.splitlines()[-1], done
    (site / "content" / "budget.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    done = sitegen("build", str(site), *NOW)
    assert done.returncode == 1, done
    assert "budget.md" in done.stderr + done.stdout and "原有输出目录未改动" in done.stderr, done
    done = sitegen("no-such-command")
    assert done.returncode == 2 and "No such command" in done.stderr, done
    done = sitegen("--version")
    assert done.returncode == 0 and done.stdout.startswith("sitegen "), done


def test_a_profiler_still_gets_its_report(site, tmp_path):
    """Exiting without teardown must not take a profiler's (or coverage's) report with it."""
    report = tmp_path / "build.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(report), "-m", "sitegen",
                           "build", str(site), *NOW], capture_output=True, text=True)
    assert done.returncode == 0, done
    import pstats
    assert pstats.Stats(str(report)).total_calls > 0


def test_library_versions_are_those_importlib_metadata_gives():
    from importlib import metadata

    from sitegen.cache import library_versions

    names = ["markdown", "Jinja2", "pyyaml", "PyYAML", "chinesecalendar", "markdown-it-py",
             "no-such-distribution-here"]

    def reference(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    assert library_versions(names) == [reference(n) for n in names]
    assert library_versions(names)[-1] == "?"


def test_library_versions_read_an_egg_first_on_the_path_as_importlib_metadata_does(
        tmp_path, monkeypatch):
    from importlib import metadata

    from sitegen.cache import library_versions

    egg = tmp_path / "PyYAML-9.9-py3.11.egg-info"  # Debian's layout, an old editable install
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: PyYAML\nVersion: 9.9\n",
                                  encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert metadata.version("pyyaml") == "9.9"
    assert library_versions(["pyyaml", "PyYAML"]) == ["9.9", "9.9"]


def test_a_config_warning_is_reported_every_time_and_builds_stay_incremental(site):
    """A warning of sitegen.toml (or of the content folder) made every later build a whole
    one, and a build with nothing to do would have lost it from the report."""
    from sitegen.build import build

    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[site]\n", '[site]\ncolour = "red"\n', 1),
                      encoding="utf-8")
    day = dt.date(2026, 11, 27)

    def config_warnings(result) -> list[str]:
        return [d.message for d in result.report.diagnostics if d.file == "sitegen.toml"]

    first = build(site, now=day)
    assert first.ok and len(config_warnings(first)) == 1
    again = build(site, now=day)
    assert again.ok and again.written == again.unchanged and config_warnings(again) == config_warnings(first)
    with open(site / "content" / "budget.md", "a", encoding="utf-8") as f:
        f.write("\n补充说明。\n")
    edited = build(site, now=day)
    assert edited.ok and edited.quick and config_warnings(edited) == config_warnings(first)
    assert [d.format() for d in edited.report.sorted()] == \
        [d.format() for d in build(site, now=day, use_cache=False).report.sorted()]
    strict = build(site, now=day, strict=True)
    assert not strict.ok and any(d.file == "sitegen.toml" for d in strict.report.errors)


def test_the_site_named_from_inside_or_outside_is_the_same_site(site, monkeypatch):
    """A build from inside the site folder, after one that named its path, has nothing to do;
    and an edit after it is a quick build (the theme's files were named relative to where the
    site was given, so each way made the other's builds whole)."""
    from sitegen import lastbuild
    from sitegen.build import build

    now = dt.date(2026, 11, 27)
    (site / "themes" / "default" / "templates").mkdir(parents=True)  # a site with its own theme
    assert build(site, now=now).ok
    found = []
    unchanged = lastbuild.unchanged
    monkeypatch.setattr(lastbuild, "unchanged", lambda *a: found.append(unchanged(*a)) or found[-1])
    monkeypatch.chdir(site)
    assert build(Path("."), now=now).ok
    assert found and found[-1] is not None  # the last build's inputs, recognised
    with open(site / "content" / "budget.md", "a", encoding="utf-8") as f:
        f.write("\n补充说明。\n")
    assert build(Path("."), now=now).quick


def test_a_template_edited_in_a_linked_theme_folder_is_noticed(site):
    """themes/default/templates may be a link to a folder shared inside the site; a template
    edited there in place changes no size or mtime of the link (found by review: the build
    found nothing to do). A link back up does not make the walk endless."""
    from sitegen.build import build

    now = dt.date(2026, 11, 27)
    shared = site / "shared" / "templates"
    shared.mkdir(parents=True)
    builtin = Path(__file__).parent.parent / "themes" / "default" / "templates" / "base.html"
    (shared / "base.html").write_text(builtin.read_text(encoding="utf-8"), encoding="utf-8")
    (shared / "up").symlink_to("..")
    (site / "themes" / "default").mkdir(parents=True)
    (site / "themes" / "default" / "templates").symlink_to("../../shared/templates")
    assert build(site, now=now).ok
    text = (shared / "base.html").read_text(encoding="utf-8")
    with open(shared / "base.html", "r+", encoding="utf-8") as f:  # in place: same inode
        f.write(text.replace("</body>", "<!--改-->\n</body>", 1))
    assert build(site, now=now).ok
    assert "<!--改-->" in (site / "output" / "index.html").read_text(encoding="utf-8")

def test_a_second_build_of_a_site_waits_for_the_first(site, tmp_path):
    """Two builds of one site at once (`sitegen serve` rebuilding while an officer runs
    `sitegen build`) swapped each other's folders: the output lost most of its files and every
    later build was refused. The second now waits, says so, and then builds."""
    import fcntl
    import os
    import time

    assert run("build", str(site), *NOW).exit_code == 0
    before = tree_digest(site / "output")
    page = next((site / "content").rglob("budget.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    held = os.open(site, os.O_RDONLY)  # as a running build holds it
    fcntl.flock(held, fcntl.LOCK_EX)
    waiting = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(site), *NOW],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(3)
        assert waiting.poll() is None, waiting.communicate()[0]
        assert tree_digest(site / "output") == before
    finally:
        os.close(held)
    output = waiting.communicate(timeout=120)[0]
    assert waiting.returncode == 0, output
    assert "另一个 sitegen 正在生成此站点" in output and "已发布" in output
    assert "补充说明" in (site / "output/fdzdgknr/czyjs/budget.html").read_text(encoding="utf-8")
    assert run("build", str(site), "--output", str(tmp_path / "clean"), *NOW).exit_code == 0
    assert tree_digest(site / "output") == tree_digest(tmp_path / "clean")


def test_a_build_of_another_site_into_the_same_output_waits(site, tmp_path):
    """Two checkouts publishing into one web folder at once left it with 16 files and no
    index.html, both builds saying they succeeded, and every later build refused. The
    folder the output is in (where the staging and spare folders are made) is locked too."""
    import fcntl
    import os
    import shutil
    import time

    other = tmp_path / "other"
    shutil.copytree(site, other, ignore=shutil.ignore_patterns("output", ".sitegen-*"))
    published = tmp_path / "www" / "xxgk"
    published.parent.mkdir()
    held = os.open(published.parent, os.O_RDONLY)  # as a build of `site` into it holds it
    fcntl.flock(held, fcntl.LOCK_EX)
    waiting = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(other), "-o",
                                str(published), *NOW],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(3)
        assert waiting.poll() is None, waiting.communicate()[0]
        assert not published.exists()
    finally:
        os.close(held)
    output = waiting.communicate(timeout=120)[0]
    assert waiting.returncode == 0, output
    assert "同一输出目录" in output and (published / "index.html").is_file()


def test_new_scaffolds_next_free_index_no(site):
    result = run("new", str(site), "--category", "财政预决算", "--title", "2025年部门决算",
                 "--date", "2025-08-01")
    assert result.exit_code == 0, result.output
    path = site / "content" / "fdzdgknr" / "czyjs" / "2025-00006.md"
    post = frontmatter.load(path)
    # the sample items use 12345678X/2025-00001 … 00005
    assert post["index_no"] == "12345678X/2025-00006"
    assert post["category"] == "法定主动公开内容/财政预决算"
    assert post["title"] == "2025年部门决算"
    second = run("new", str(site), "-c", "财政预决算", "-t", "另一条", "--date", "2025-08-02")
    assert "12345678X/2025-00007" in second.output
    # A new item is held back until its review record is filled in.
    build = run("build", str(site), *NOW)
    assert build.exit_code == 0 and "2025-00006.md" in build.output


def reviewed(path: Path, body: str | None = "正文已填写。", day: str = "2025-08-01") -> None:
    """An item `sitegen new` made, its review record filled in as an officer does (after
    each colon), and its body written (None: the placeholder left)."""
    text = path.read_text(encoding="utf-8")
    for key, value in (("reviewer", "张三"), ("reviewed_on", day),
                       ("secrecy_checked", "true"), ("approver", "李四"), ("approved_on", day)):
        assert f"\n  {key}:\n" in text
        text = text.replace(f"\n  {key}:\n", f"\n  {key}: {value}\n", 1)
    if body is not None:
        text = text.replace(BODY_PLACEHOLDER, body)
    path.write_text(text, encoding="utf-8")


def test_new_items_build_once_reviewed_whatever_their_category_and_type(site):
    """Found by review: a new 行政规范性文件 failed for want of 有效性, which its file did not
    have; an annual report got none of its tables; a placeholder body was published as it
    stood."""
    made = run("new", str(site), "-c", "行政规范性文件", "-t", "关于试行的办法", "--date", "2025-08-01")
    rule = site / "content/fdzdgknr/zcwj/xzgfxwj/2025-00006.md"
    assert made.exit_code == 0 and frontmatter.load(rule)["validity"] == "有效"
    made = run("new", str(site), "-c", "政府信息公开年报", "-t", "2024年报", "--date", "2025-01-10",
               "--type", "annual_report")
    report = site / "content/gknb/2025-00007.md"
    assert made.exit_code == 0 and frontmatter.load(report)["year"] == 2024
    reviewed(rule)
    reviewed(report, body=None, day="2025-01-10")
    build = run("build", str(site), *NOW)
    assert build.exit_code == 0, build.output
    assert "共 0 个错误" in build.output and "2025-00006" not in build.output.split("未发布")[-1]
    # the placeholder body is named at its line, and keeps the report back until it is written
    # (found by review: a guide with every field （请填写） was published)
    assert "2025-00007.md:" in build.output and f"占位文字“{BODY_PLACEHOLDER}”" in build.output
    assert "2025-00007.md（2024年报）：正文还是新建时的占位文字：填写后才发布" in build.output
    assert not (site / "output/gknb/2025-00007.html").exists()
    strict = run("build", str(site), "--strict", *NOW)
    assert strict.exit_code == 1
    # named at the placeholder's line, not as a review problem (found by review)
    at = report.read_text(encoding="utf-8").split("\n").index(BODY_PLACEHOLDER) + 1
    assert f"content/gknb/2025-00007.md:{at}: 错误: 未发布：正文还是新建时的占位文字" in strict.output, strict.output
    report.write_text(report.read_text(encoding="utf-8").replace(BODY_PLACEHOLDER, "正文。"), encoding="utf-8")
    build = run("build", str(site), *NOW)
    assert build.exit_code == 0 and "2025-0000" not in build.output.split("未发布")[-1], build.output
    assert "一、本年新收政府信息公开申请数量" in (
        site / "output/gknb/2025-00007.html").read_text(encoding="utf-8")


def test_new_writes_the_fields_of_its_type_each_named_until_filled(site):
    """A new 办事指南's required fields hold a placeholder, a warning at each line until
    replaced (found by review: left empty, they were errors, and one officer's draft stopped
    everyone's builds); under --strict, errors."""
    made = run("new", str(site), "-c", "财政预决算", "-t", "办理指南", "--date", "2025-08-01",
               "--type", "guide")
    path = site / "content/fdzdgknr/czyjs/2025-00006.md"
    assert made.exit_code == 0
    text = path.read_text(encoding="utf-8")
    build = run("build", str(site), *NOW)
    assert build.exit_code == 0, build.output  # (held back for its review meanwhile)
    lines = text.splitlines()
    for key in ("item_name", "fees", "phone"):
        line = lines.index(f"{key}: {FIELD_PLACEHOLDER}") + 1
        assert f"2025-00006.md:{line}: 警告: [" in build.output and "还是新建时的占位文字" in build.output
    assert run("build", str(site), "--strict", *NOW).exit_code == 1
    # a notice's placeholder 公示类型: one warning, not a second for not being a kind
    run("new", str(site), "-c", "财政预决算", "-t", "公示", "--date", "2025-08-02", "--type", "notice")
    said = [line for line in run("build", str(site), *NOW).output.splitlines()
            if "2025-00007.md" in line and "notice_kind" in line]
    assert len(said) == 1 and "占位文字" in said[0], said


def test_new_rejects_unknown_or_non_leaf_category(site):
    result = run("new", str(site), "--category", "法定主动公开内容", "--title", "x")
    assert result.exit_code != 0 and "不是最终分类" in result.output
    # the final categories below it, never one that has its own (found by review)
    offered = result.output.split("可选：")[1].split("、")
    assert "法定主动公开内容/财政预决算" in [o.strip() for o in offered]
    assert not any(o.strip() in ("法定主动公开内容/政策文件", "法定主动公开内容/机构职能") for o in offered)


def test_new_rejects_an_empty_title(site):
    before = sorted(p.name for p in (site / "content").rglob("*"))
    result = run("new", str(site), "--category", "财政预决算", "--title", "  ")
    assert result.exit_code != 0 and "标题不能为空" in result.output
    assert sorted(p.name for p in (site / "content").rglob("*")) == before


def test_check_writes_nothing(site):
    result = run("check", str(site), *NOW)
    assert result.exit_code == 0 and "检查通过" in result.output
    assert not (site / "output").exists()


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["init"], ["new"]])
def test_help_is_chinese(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output)


def test_a_quick_build_copies_a_new_attachment_a_chunk_at_a_time(site, reads_only_chunks):
    """A quick build that publishes a new item with a new attachment read the attachment
    whole (to hand its bytes to the output); it now hands over the file, copied in chunks."""
    import filecmp
    import os

    from sitegen.build import build
    from sitegen.output import CHUNK

    day = dt.date(2026, 11, 27)
    assert build(site, now=day).ok
    (site / "content" / "big.pdf").write_bytes(os.urandom(2 * CHUNK + 1))
    budget = (site / "content" / "budget.md").read_text(encoding="utf-8")
    extra = budget.replace("2025-00003", "2025-00009").replace(
        "disclosure: 主动公开\n", "disclosure: 主动公开\nattachments: [{file: big.pdf, title: 大附件}]\n")
    (site / "content" / "extra.md").write_text(extra, encoding="utf-8")
    result = build(site, now=day)
    assert result.ok and result.quick, [d.format() for d in result.report.diagnostics]
    assert filecmp.cmp(site / "content" / "big.pdf", site / "output" / "files" / "big.pdf",
                       shallow=False)


def test_a_folder_that_cannot_be_locked_is_built_with_a_warning(site, monkeypatch, caplog):
    """On NFS without lockd flock fails with ENOLCK (or EBADF for a folder opened read-only):
    the build crashed. It goes on, and says so."""
    import errno
    import fcntl

    from sitegen.build import build

    real = fcntl.flock

    def refused(fd: int, op: int) -> None:
        if op & fcntl.LOCK_EX:
            raise OSError(errno.ENOLCK, "No locks available")
        real(fd, op)

    monkeypatch.setattr(fcntl, "flock", refused)
    result = build(site, now=dt.date(2026, 11, 27))
    assert result.ok and (site / "output" / "index.html").is_file()
    assert "无法锁定" in caplog.text
