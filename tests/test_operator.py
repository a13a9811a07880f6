"""What an operator meets publishing the site: file permissions across builds, the output
folder's own mode, the time zone of "today", a locale that is not UTF-8, checkouts that convert
line endings, and page names a case-blind file system takes for one."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from test_validation import (
    X,
    broken,
    build,
    contains,
    diagnostics,
    good_build,
    item,
    make_site,
    one,
    write,
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path)


def sitegen(site: Path, *args: str, umask: int | None = None, env: dict[str, str] | None = None,
            now: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", "build", str(site), *(["--now", "2026-11-27"] if now else []),
         *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})},
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None, check=False)


def modes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode)
            for p in [folder, *folder.rglob("*")]}


def test_files_kept_from_a_build_under_another_umask_get_this_builds_permissions(site):
    """A build under umask 077 left every file 600 and every folder 700 for good: the files
    that did not change keep their inode, so a later build under 022 left the web server
    unable to read 242 of 247 files."""
    assert sitegen(site, umask=0o077).returncode == 0
    inner = modes(site / "output")
    assert inner["index.html"] == 0o600 and inner["fdzdgknr"] == 0o700
    page = site / "content" / "budget.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    done = sitegen(site, umask=0o022)
    assert done.returncode == 0, done.stderr
    wrong = {rel: oct(mode) for rel, mode in modes(site / "output").items()
             if mode != (0o755 if (site / "output" / rel).is_dir() else 0o644)}
    # The output folder itself keeps the mode it has (an operator's `chmod 2750` must hold,
    # below): after a build under the wrong umask it takes one chmod, said in the README.
    assert wrong == {".": "0o700"}
    # and unchanged files are kept again from then on
    inode = (site / "output" / "index.html").stat().st_ino
    assert sitegen(site, "--strict", umask=0o022).returncode == 0
    assert (site / "output" / "index.html").stat().st_ino == inode


def test_the_output_folders_own_mode_is_kept_from_build_to_build(site):
    """The output folder is exchanged with the spare on every build: a mode an operator gave
    it held only every other build."""
    assert sitegen(site).returncode == 0
    os.chmod(site / "output", 0o2750)
    for _ in range(3):
        page = site / "content" / "budget.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n再补充。\n", encoding="utf-8")
        assert sitegen(site).returncode == 0
        assert stat.S_IMODE((site / "output").stat().st_mode) == 0o2750


def test_today_is_the_date_in_beijing_whatever_the_machines_zone(site):
    """A CI runner on UTC held back an item dated today until 08:00 北京时间. In a zone 20 hours
    behind Beijing the machine's date is a day earlier for 20 hours of every 24."""
    beijing = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    write(site, "content/today.md", item(title="今天发布的通知", index_no=f"12345678X/{beijing.year}-00090",
                                         date_created=beijing.isoformat(), date_published=beijing.isoformat(),
                                         review={"reviewed_on": beijing.isoformat(),
                                                 "approved_on": beijing.isoformat()}))
    done = sitegen(site, env={"TZ": "Etc/GMT+12"}, now=False)
    assert done.returncode == 0, done.stderr
    assert "今天发布的通知" in (site / "output" / "index.html").read_text(encoding="utf-8"), done.stderr


def test_a_locale_that_is_not_utf8_still_reads_chinese_file_names(site):
    """Under LC_ALL=C (or zh_CN.GB18030) Python read file names in that encoding, and an
    attachment that was there was reported missing."""
    write(site, "content/附件/预算表.pdf", b"%PDF-1.4\n%%EOF\n")
    write(site, X, item(extra=("attachments:", "  - {file: 附件/预算表.pdf, title: 预算表}")))
    done = sitegen(site, env={"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"})
    assert done.returncode == 0, done.stderr
    assert (site / "output" / "files" / "附件" / "预算表.pdf").is_file()


def test_init_writes_gitattributes_that_keep_line_endings(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sitegen", "init", str(tmp_path / "s")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s" / ".gitattributes").read_text(encoding="utf-8") == "* -text\n"
    # and git honours it: with core.autocrlf a PDF of text lines is checked out as committed
    repo = tmp_path / "s"
    write(repo, "content/a.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "x"], check=True)
    clone = tmp_path / "clone"
    subprocess.run([*git, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone)], check=True)
    assert (clone / "content" / "a.pdf").read_bytes() == (repo / "content" / "a.pdf").read_bytes()


@pytest.mark.parametrize("other", ["Budget.md", "BUDGET.md"])
def test_pages_that_differ_only_in_case_are_an_error(site, other):
    """Both pages were written: on Windows, macOS or an exFAT stick one overwrites the other."""
    result = broken(site, item(title="另一条", index_no="12345678X/2025-00070"), rel=f"content/{other}")
    diag = one(result, f"content/{other}", "文件名 slug")
    contains(diag, "只差大小写", "content/budget.md", f"content/{other}")


def test_pages_that_differ_only_in_unicode_normalisation_are_an_error(site):
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    good_build(site)
    write(site, f"content/{nfc}.md", item(title="甲", index_no="12345678X/2025-00071"))
    write(site, f"content/{nfd}.md", item(title="乙", index_no="12345678X/2025-00072"))
    result = build(site)
    assert result.exit_code == 1
    assert result.output.count("多个信息会写入同一个页面") == 2, result.output


def test_a_new_page_that_differs_only_in_case_is_refused_after_a_quick_build_too(site):
    good_build(site)
    write(site, "content/x.md", item(title="甲", index_no="12345678X/2025-00073"))
    good_build(site)  # (a quick build: one new item)
    write(site, "content/X.md", item(title="乙", index_no="12345678X/2025-00074"))
    result = build(site)
    assert result.exit_code == 1
    assert result.output.count("只差大小写") == 2, result.output


# -- found by a security review --------------------------------------------------------------

def test_a_body_cannot_publish_a_page_or_an_svg_from_the_content_folder(site):
    """A body link to content/evil.html (or an image evil.svg) copied it into the site and
    linked it: script on the site's own origin."""
    good_build(site)
    write(site, "content/evil.html", "<script>alert(document.domain)</script>")
    write(site, "content/evil.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    write(site, X, item(body="[查看原文](evil.html) ![图](evil.svg) [表](evil.HTM)\n"))
    result = build(site)
    assert result.exit_code == 0, result.output
    published = {p.name.lower() for p in (site / "output").rglob("*")}
    assert not {"evil.html", "evil.svg"} & published
    page = (site / "output" / "fdzdgknr" / "czyjs" / "x.html").read_text(encoding="utf-8")
    assert "evil" not in page
    warnings = [d.message for d in diagnostics(result) if d.file == X]
    assert len(warnings) == 3 and all("类型不能发布" in w for w in warnings), result.output


def test_characters_xml_cannot_carry_do_not_break_the_feeds(site):
    """Word's manual line break (\\x0b) in a body and U+FFFE in a title made every build fail
    with a traceback from the feed writer, while `check` passed."""
    import feedparser

    good_build(site)
    write(site, X, item(title='"通知\\ufffe全文"', body="第一行\x0b第二行\x0c第三行\n"))
    result = build(site)
    assert result.exit_code == 0, result.output
    feed = feedparser.parse((site / "output" / "rss.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert any(e.title == "通知全文" for e in feed.entries)
    assert any("第一行第二行第三行" in e.description for e in feed.entries)


def test_a_sites_own_template_cannot_run_commands_on_the_build_machine(site, tmp_path):
    """Jinja unsandboxed: a theme's template ran `os.system` at build, check and serve (in CI,
    beside its secrets). A site's own templates now render in Jinja's sandbox."""
    proof = tmp_path / "PWNED"
    write(site, "themes/default/templates/404.html",
          '{% extends "base.html" %}{% block content %}'
          f'{{{{ cycler.__init__.__globals__.os.system("touch {proof}") }}}}{{% endblock %}}')
    for command in ("build", "check"):
        result = subprocess.run([sys.executable, "-m", "sitegen", command, str(site), "--now", "2026-11-27"],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 1
        assert "themes/default/templates/404.html:1: 错误: 主题模板出错" in result.stderr, result.stderr
        assert "unsafe" in result.stderr
    assert not proof.exists()
    # an ordinary override still renders (the sandbox only refuses what is unsafe)
    write(site, "themes/default/templates/404.html",
          '{% extends "base.html" %}{% block content %}<h1>{{ config.name|upper }} 找不到页面'
          '{{ "，".join(["a", "b"]) }}</h1>{% endblock %}')
    assert sitegen(site).returncode == 0
    assert "找不到页面a，b" in (site / "output" / "404.html").read_text(encoding="utf-8")


def test_sitegen_new_writes_any_title_so_that_it_reads_back(site):
    for title in ('C:\\路径\\', '引号"内"\\"', "冒号: 和 # 号"):
        result = subprocess.run([sys.executable, "-m", "sitegen", "new", str(site), "-c", "财政预决算",
                                 "-t", title, "--date", "2025-08-01"], capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stderr
        path = Path(result.stdout.split("已创建 ")[1].split("（")[0])
        import frontmatter
        assert frontmatter.load(path)["title"] == title
    lines = subprocess.run([sys.executable, "-m", "sitegen", "new", str(site), "-c", "财政预决算",
                            "-t", "一行\n\"x\": y"], capture_output=True, text=True, check=False)
    assert lines.returncode != 0 and "标题应为一行" in lines.stderr


@pytest.mark.parametrize("org_id", ["index", "jiedao-2"])
def test_an_organisation_id_that_names_an_organisation_page_is_an_error(site, org_id):
    config = site / "sitegen.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('id = "', f'id = "{org_id}"\n_old_id = "', 1), encoding="utf-8")
    result = sitegen(site)
    assert result.returncode == 1
    assert f"“{org_id}” 会与机构列表页或分页文件重名" in result.stderr, result.stderr


def test_base_url_is_written_as_a_url_and_with_one_slash_for_several(site):
    config = site / "sitegen.toml"
    text = config.read_text(encoding="utf-8")
    import re

    current = re.search(r'(?m)^base_url = "([^"]+)"', text)[1]
    config.write_text(text.replace(current, "https://www.example.gov.cn//政府/公开/"), encoding="utf-8")
    result = sitegen(site)
    assert result.returncode == 0, result.stderr
    out = site / "output"
    assert '<base href="/%E6%94%BF%E5%BA%9C/%E5%85%AC%E5%BC%80/">' in (out / "404.html").read_text(encoding="utf-8")
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://www.example.gov.cn//%E6%94%BF%E5%BA%9C/%E5%85%AC%E5%BC%80/index.html</loc>" in sitemap
    assert "政府" not in sitemap
    assert "https://www.example.gov.cn//%E6%94%BF" in (out / "index.html").read_text(encoding="utf-8")
