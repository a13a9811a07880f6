"""Hostile input, part 3: paths, file names, encodings and duplicate outputs (issue 5 §3, §4, §6).

Seen from the command line, as in tests/test_validation.py: a good build first, its output
recorded (bytes and mtimes), then one hostile change and a build that must either work (odd but
legal names and encodings) or be refused: exit 1, a clear error naming the file, the previous
output byte-for-byte as it was, nothing deleted anywhere, no staging folder left.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner, Result
from conftest import Diag, leftovers
from conftest import diagnostics as parse_diagnostics

from sitegen.cli import cli
from sitegen.commands.init import default_config

NOW = "2026-11-27"
X = "content/x.md"

FIELDS = {
    "title": "示例街道2025年部门预算",
    "category": "财政预决算",
    "index_no": "12345678X/2025-00010",
    "date_created": "2025-01-20",
    "date_published": "2025-01-24",
    "disclosure": "主动公开",
}
REVIEW = ("review:\n  reviewer: 党政办负责人\n  reviewed_on: 2025-01-22\n  secrecy_checked: true\n"
          "  approver: 街道主任\n  approved_on: 2025-01-23")


def item(*extra: str, body: str = "正文。", **fields: str) -> str:
    values = {**FIELDS, **fields}
    lines = ["---", *(f"{k}: {v}" for k, v in values.items()), *extra, REVIEW, "---", body, ""]
    return "\n".join(lines)


def attachment(ref: str, title: str = "附件一", **fields: str) -> str:
    return item("attachments:", f"  - file: '{ref}'", f"    title: {title}", **fields)


KEPT = {"法定主动公开内容", "法定主动公开内容/财政预决算", "政府信息公开年报"}


def small_config() -> str:
    head, *blocks = re.split(r"^\[\[category\]\]$", default_config(), flags=re.M)
    kept = [b for b in blocks if re.search(r'^path = "([^"]+)"', b, re.M)[1] in KEPT]
    assert len(kept) == len(KEPT)
    return head + "".join("[[category]]" + b for b in kept)


def write(root: Path, rel: str, data: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "themes").mkdir(parents=True)
    write(root, "sitegen.toml", small_config())
    write(root, "content/report.md", item(title="示例街道2024年政府信息公开工作年度报告",
                                          category="政府信息公开年报", index_no="12345678X/2025-00001"))
    write(root, "content/budget.md", item(title="示例街道2024年部门决算", index_no="12345678X/2025-00002"))
    return root


# -- running builds and reading what they say --------------------------------------------------

def build(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["build", str(root), "--now", NOW, *args], catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result


Snapshot = dict[str, tuple[bytes, int] | None]


def snapshot(folder: Path, skip: tuple[str, ...] = (".sitegen-cache",)) -> Snapshot:
    result: Snapshot = {}
    if not folder.exists():
        return result
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.split("/")[0] in skip:
            continue
        if path.is_symlink():
            result[rel] = (str(path.readlink()).encode(), 0)
        elif path.is_file():
            result[rel] = (path.read_bytes(), path.stat().st_mtime_ns)
        else:
            result[rel] = None
    return result


def good_build(root: Path, *args: str) -> Snapshot:
    result = build(root, *args)
    assert result.exit_code == 0, result.output
    assert not errors(result), result.output
    return snapshot(root / "output")



def refused(result: Result, root: Path, before: Snapshot) -> None:
    assert result.exit_code == 1, result.output
    assert "生成失败，原有输出目录未改动" in result.output, result.output
    assert snapshot(root / "output") == before
    assert leftovers(root) == [] and leftovers(root.parent) == []


def diagnostics(result: Result) -> list[Diag]:
    return parse_diagnostics(result.output)


def errors(result: Result) -> list[Diag]:
    return [d for d in diagnostics(result) if d.level == "错误"]


def error_of(result: Result, file: str, *fragments: str) -> Diag:
    hits = [d for d in errors(result) if d.file == file and all(f in d.message for f in fragments)]
    assert hits, (file, fragments, result.output)
    return hits[0]


def page_links(page: Path) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page.read_text(encoding="utf-8"))]


def resolves(page: Path, href: str) -> Path:
    """The file a relative href of `page` points at (it must exist)."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href
    assert " " not in href and "（" not in href and not re.search(r"[^\x21-\x7e]", href), \
        f"not percent-encoded: {href!r}"
    target = (page.parent / unquote(parts.path)).resolve()
    assert target.is_file(), (page, href, target)
    return target


# -- attachment paths --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref, fragment", [
    ("../secret.pdf", "指向内容目录之外"),
    ("../../../../../../etc/passwd", "指向内容目录之外"),
    ("sub/../../secret.pdf", "指向内容目录之外"),
    ("/../secret.pdf", "指向内容目录之外"),
    ("/etc/passwd", "附件文件不存在"),  # "/" is the content folder: content/etc/passwd
    ("C:\\x.pdf", "应为内容目录中的相对路径"),
    ("C:/Windows/x.pdf", "应为内容目录中的相对路径"),
    ("c:x.pdf", "应为内容目录中的相对路径"),
    ("\\\\server\\share\\x.pdf", "应为内容目录中的相对路径"),
    ("//server/share/x.pdf", "应为内容目录中的相对路径"),
    ("..\\secret.pdf", "应为内容目录中的相对路径"),
    ("file:///etc/passwd", "应为内容目录中的相对路径"),
    ("https://example.com/x.pdf", "应为内容目录中的相对路径"),
])
def test_attachment_path_leaving_content_is_refused(site, ref, fragment):
    write(site, "secret.pdf", b"%PDF-1.4 outside content\n")
    before = good_build(site)
    sources = snapshot(site, skip=(".sitegen-cache", "output"))
    write(site, X, attachment(ref))
    result = build(site)
    refused(result, site, before)
    diag = error_of(result, X, fragment)
    assert diag.what == "附件 attachments" and diag.line is not None, diag
    assert "secret.pdf" not in {p.name for p in (site / "output").rglob("*")}
    sources[X] = snapshot(site, skip=(".sitegen-cache", "output"))[X]
    assert snapshot(site, skip=(".sitegen-cache", "output")) == sources


# -- symlinks ------------------------------------------------------------------------------------------

def test_symlinked_item_outside_content_is_refused(site, tmp_path):
    before = good_build(site)
    outside = write(tmp_path, "elsewhere/leak.md", item(title="外部文件", index_no="12345678X/2025-00077"))
    (site / "content/leak.md").symlink_to(outside)
    result = build(site)
    refused(result, site, before)
    error_of(result, "content/leak.md", "符号链接指向内容目录之外")


def test_symlinked_folder_outside_content_is_refused(site, tmp_path):
    before = good_build(site)
    write(tmp_path, "elsewhere/leak.md", item(title="外部文件", index_no="12345678X/2025-00077"))
    write(tmp_path, "elsewhere/secret.pdf", b"%PDF-1.4 secret\n")
    (site / "content/ext").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = build(site)
    refused(result, site, before)
    error_of(result, "content/ext", "符号链接指向内容目录之外")


def test_symlinked_attachment_outside_content_is_refused(site, tmp_path):
    before = good_build(site)
    secret = write(tmp_path, "secret.pdf", b"%PDF-1.4 outside content\n")
    (site / "content/plan.pdf").symlink_to(secret)
    write(site, X, attachment("plan.pdf"))
    result = build(site)
    refused(result, site, before)
    error_of(result, "content/plan.pdf", "符号链接指向内容目录之外")


def test_symlink_inside_content_is_fine(site):
    """The control: a link that stays inside content/ is an ordinary file."""
    good_build(site)
    write(site, "content/docs/plan.pdf", b"%PDF-1.4 inside\n")
    (site / "content/plan.pdf").symlink_to(site / "content/docs/plan.pdf")
    write(site, X, attachment("plan.pdf"))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert (site / "output/files/plan.pdf").read_bytes() == b"%PDF-1.4 inside\n"


@pytest.mark.parametrize("rel", ["themes/default/templates/item.html", "themes/default/templates/base.html",
                                 "themes/default/assets/style.css", "themes/default/assets/leak.txt"])
def test_theme_file_symlinked_outside_is_refused(site, tmp_path, rel):
    before = good_build(site)
    secret = write(tmp_path, "passwd", "root:x:0:0:root:/root:/bin/bash\n")
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(secret)
    result = build(site)
    refused(result, site, before)
    error_of(result, rel, "符号链接", "站点目录之外")
    assert "root:x:0:0" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                       for p in (site / "output").rglob("*") if p.is_file())


def test_theme_override_symlinked_to_etc_passwd_is_refused(site):
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd")
    before = good_build(site)
    target = site / "themes/default/templates/item.html"
    target.parent.mkdir(parents=True)
    target.symlink_to("/etc/passwd")
    result = build(site)
    refused(result, site, before)
    error_of(result, "themes/default/templates/item.html", "/etc/passwd")


def test_theme_subfolder_symlinked_outside_is_refused(site, tmp_path):
    before = good_build(site)
    write(tmp_path, "elsewhere/leak.txt", "SECRET\n")
    (site / "themes/default/assets").mkdir(parents=True)
    (site / "themes/default/assets/ext").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = build(site)
    refused(result, site, before)
    error_of(result, "themes/default/assets/ext", "符号链接")


def test_theme_folder_symlinked_outside_the_site_is_refused(site, tmp_path):
    before = good_build(site)
    write(tmp_path, "contractor/assets/leak.txt", "SECRET\n")
    (site / "themes/default").symlink_to(tmp_path / "contractor", target_is_directory=True)
    result = build(site)
    assert not (site / "output/assets/leak.txt").exists()
    refused(result, site, before)


def test_a_themes_folder_symlinked_outside_the_site_is_refused(site, tmp_path):
    """The check looked only at whether themes/<name> itself was a link: a linked themes/
    published the files of a folder outside the site."""
    before = good_build(site)
    write(tmp_path, "outside/default/assets/leak.txt", "TOP-SECRET\n")
    (site / "themes").rmdir()
    (site / "themes").symlink_to(tmp_path / "outside", target_is_directory=True)
    result = build(site)
    assert not (site / "output/assets/leak.txt").exists()
    refused(result, site, before)
    error_of(result, "themes/default", "符号链接")


@pytest.mark.parametrize("slug", ["Index", "INDEX-2", "Rss", "con", "AUX", "lpt1", "com9", "con.2011",
                                  "nul.plan", "com1.x"])
def test_page_names_windows_or_the_site_keeps_are_refused_in_any_case(site, slug):
    before = good_build(site)
    write(site, "content/x.md", item(f"slug: {slug}"))
    result = build(site)
    refused(result, site, before)
    assert "Windows 的设备名" in error_of(result, "content/x.md", "页面文件名").message


def test_a_category_slug_windows_keeps_is_an_error(site):
    before = good_build(site)
    write(site, "sitegen.toml", small_config().replace('slug = "gknb"', 'slug = "aux"', 1))
    result = build(site)
    refused(result, site, before)
    assert "是 Windows 保留的设备名" in result.output


def test_a_page_name_too_long_for_a_file_system_is_an_error(site):
    """Over 255 bytes: the build crashed in a worker with OSError, while check passed."""
    before = good_build(site)
    write(site, "content/x.md", item("slug: " + "长" * 90))
    result = build(site)
    refused(result, site, before)
    assert "页面文件名过长（270 字节，最多 200）" in error_of(result, "content/x.md", "页面文件名").message


def test_an_attachment_named_as_a_windows_device_is_an_error(site):
    before = good_build(site)
    write(site, "content/aux.pdf", b"%PDF-1.4\n")
    write(site, "content/x.md", attachment("aux.pdf"))
    result = build(site)
    refused(result, site, before)
    assert "Windows 保留的设备名" in error_of(result, "content/x.md", "aux.pdf").message


@pytest.mark.parametrize("theme", ["../../etc", "/etc", "..", "default/../../x", "C:\\\\themes"])
def test_configured_theme_outside_themes_is_refused(site, theme):
    before = good_build(site)
    text = small_config().replace('theme = "default"', f'theme = "{theme}"', 1)
    assert f'theme = "{theme}"' in text
    write(site, "sitegen.toml", text)
    result = build(site)
    refused(result, site, before)
    diag = error_of(result, "sitegen.toml", "site.theme")
    assert diag.what == "主题 theme"


# -- where the output goes ------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["content", ".", "themes", "content/sub", "..", "themes/default"])
def test_output_over_sources_is_refused_and_nothing_is_deleted(site, monkeypatch, output):
    write(site, "themes/default/assets/custom.css", "body{}\n")
    write(site, "content/plan.pdf", b"%PDF-1.4\n")
    before = good_build(site)
    everything = snapshot(site.parent, skip=())
    monkeypatch.chdir(site)
    result = build(site, "--output", output)
    assert result.exit_code == 1, result.output
    assert "拒绝写入" in result.output, result.output
    assert snapshot(site.parent, skip=()) == everything
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("absolute", [False, True])
def test_output_that_is_a_foreign_folder_is_refused_and_kept(site, tmp_path, monkeypatch, absolute):
    foreign = tmp_path / "www"
    write(foreign, "index.html", "<p>别人的网站</p>\n")
    write(foreign, "docs/readme.txt", "不要删除\n")
    before = snapshot(foreign)
    monkeypatch.chdir(tmp_path)
    result = build(site, "--output", str(foreign) if absolute else "www")
    assert result.exit_code == 1, result.output
    assert "不是 sitegen 生成的" in result.output and ".sitegen-output" in result.output, result.output
    assert snapshot(foreign) == before
    assert leftovers(tmp_path) == []


def test_output_that_is_a_file_is_refused(site, tmp_path):
    target = write(tmp_path, "out.html", "<p>x</p>\n")
    result = build(site, "--output", str(target))
    assert result.exit_code == 1, result.output
    assert "不是目录" in result.output
    assert target.read_text(encoding="utf-8") == "<p>x</p>\n"


def test_output_symlinked_into_content_is_refused(site, tmp_path):
    before = good_build(site)
    (tmp_path / "out-link").symlink_to(site / "content", target_is_directory=True)
    sources = snapshot(site / "content")
    result = build(site, "--output", str(tmp_path / "out-link"))
    assert result.exit_code == 1, result.output
    assert "拒绝写入" in result.output
    assert snapshot(site / "content") == sources and snapshot(site / "output") == before


def test_empty_existing_output_folder_is_used(site, tmp_path):
    (tmp_path / "public").mkdir()
    result = build(site, "--output", str(tmp_path / "public"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "public/.sitegen-output").is_file() and (tmp_path / "public/index.html").is_file()


def test_output_given_as_a_symlink_replaces_the_linked_folder_only(site, tmp_path):
    (tmp_path / "srv/real").mkdir(parents=True)
    write(tmp_path, "srv/public/keep.txt", "别人的文件\n")
    (site / "public").symlink_to(tmp_path / "srv/real", target_is_directory=True)
    result = build(site, "--output", str(site / "public"))
    assert (tmp_path / "srv/public/keep.txt").is_file(), "a folder outside the output was deleted"
    assert result.exit_code == 0, result.output
    assert (site / "public/index.html").is_file()


# -- odd but legal names ---------------------------------------------------------------------------------

ODD_ATTACHMENTS = ["预算 表（草案）.pdf", "附件 2011/通知（2011）第1号，附表.xls", "100%完成.pdf", "a&b=c?d.pdf",
                   "Ａ全角　空格.txt", "引号'单'.pdf"]


@pytest.mark.parametrize("name", ODD_ATTACHMENTS)
def test_odd_attachment_names_are_linked_percent_encoded(site, name):
    good_build(site)
    write(site, f"content/{name}", b"%PDF-1.4 odd name\n")
    body = f"正文链接：[附件](<{name.replace('%', '%25').replace('?', '%3F')}>)。"  # a URL: ? starts a query
    write(site, X, item("attachments:", f"  - file: \"{name}\"", "    title: 附件一", body=body))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert errors(result) == [] and "正文链接" not in result.output, result.output
    page = site / "output/fdzdgknr/czyjs/x.html"
    links = [h for h in page_links(page) if "files/" in h]
    assert len(links) == 2, links  # the attachment list and the body link
    for href in links:
        assert resolves(page, href) == (site / "output/files" / name).resolve()
    assert (site / "output/files" / name).read_bytes() == b"%PDF-1.4 odd name\n"


def test_attachment_name_with_a_hash_is_linked(site):
    good_build(site)
    name = "第1号#附件.pdf"
    write(site, f"content/{name}", b"%PDF-1.4\n")
    write(site, X, attachment(name))
    result = build(site)
    assert result.exit_code == 0, result.output
    page = site / "output/fdzdgknr/czyjs/x.html"
    href = next(h for h in page_links(page) if "files/" in h)
    assert "#" not in href, href
    resolves(page, href)


@pytest.mark.parametrize("rel", ["content/通知第1号.md", "content/二〇一一年/关于印发方案的通知.md"])
def test_chinese_item_file_names_are_linked_percent_encoded(site, rel):
    good_build(site)
    write(site, rel, item(title="中文文件名的信息"))
    write(site, "content/linker.md", item(title="链接到中文文件名", index_no="12345678X/2025-00011",
                                          body=f"见[该文件](<{Path(rel).relative_to('content').as_posix()}>)。"))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert errors(result) == [] and "正文链接" not in result.output, result.output
    target = site / "output/fdzdgknr/czyjs" / (Path(rel).stem + ".html")
    assert "中文文件名的信息" in target.read_text(encoding="utf-8")
    for page in (site / "output/fdzdgknr/czyjs/index.html", site / "output/fdzdgknr/czyjs/linker.html",
                 site / "output/index.html"):
        hrefs = [h for h in page_links(page) if Path(rel).stem in unquote(h)]
        assert hrefs, page
        for href in hrefs:
            assert resolves(page, href) == target.resolve()


def test_full_width_item_file_name_with_a_slug_is_published(site):
    good_build(site)
    write(site, "content/通知（2011）第1号.md", item("slug: tongzhi-2011-1", title="通知（2011）第1号"))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert (site / "output/fdzdgknr/czyjs/tongzhi-2011-1.html").is_file()


@pytest.mark.parametrize("rel", ["content/通知（2011）第1号.md", "content/工作 报告.md"])
def test_full_width_item_file_name_is_published_without_a_slug(site, rel):
    good_build(site)
    write(site, rel, item(title="全角标点文件名"))
    result = build(site)
    assert result.exit_code == 0, result.output
    page = site / "output/fdzdgknr/czyjs/index.html"
    hrefs = [h for h in page_links(page) if Path(rel).stem in unquote(h)]
    assert hrefs and all(resolves(page, h) for h in hrefs)


# -- encodings ---------------------------------------------------------------------------------------

GBK_TITLE = "关于印发《示例街道政府信息公开指南》的通知"


def test_utf8_with_bom_and_crlf_is_accepted(site):
    good_build(site)
    text = item(title=GBK_TITLE, body="第一段，中文。\n\n第二段，“引号”。")
    write(site, X, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = build(site)
    assert result.exit_code == 0, result.output
    assert diagnostics(result) == [], result.output
    page = (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")
    assert GBK_TITLE in page and "第二段，“引号”。" in page
    assert "\ufeff" not in page and "\r" not in page


def test_gbk_file_is_refused_with_a_hint(site):
    before = good_build(site)
    data = item(title=GBK_TITLE).encode("gbk")
    write(site, X, data)
    result = build(site)
    refused(result, site, before)
    diag = error_of(result, X, "不是有效的 UTF-8")
    offset = len(data.split(GBK_TITLE.encode("gbk"))[0])
    assert f"第 {offset} 字节" in diag.message, diag
    for fragment in ("GB18030", "iconv", "--input-encoding gb18030"):
        assert fragment in diag.message, diag
    assert diag.line == 2


def test_gbk_file_is_converted_with_input_encoding_gb18030(site):
    good_build(site)
    body = "正文：根据《条例》第二十条，现予公开。€ 与 𠀀 也能转换。"
    write(site, X, item(title=GBK_TITLE, body=body).encode("gb18030"))
    result = build(site, "--input-encoding", "gb18030")
    assert result.exit_code == 0, result.output
    warned = [d for d in diagnostics(result) if d.file == X and d.level == "警告"]
    assert len(warned) == 1 and "gb18030" in warned[0].message and "UTF-8" in warned[0].message, result.output
    page = (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")
    assert GBK_TITLE in page and body in page
    assert (site / "output/fdzdgknr/czyjs/budget.html").is_file()
    # the cache must not keep the conversion once the option is gone
    again = build(site)
    assert again.exit_code == 1 and "GB18030" in error_of(again, X, "不是有效的 UTF-8").message


def test_input_encoding_gb18030_leaves_utf8_files_alone(site):
    good_build(site)
    write(site, X, item(title=GBK_TITLE))
    result = build(site, "--input-encoding", "gb18030")
    assert result.exit_code == 0 and diagnostics(result) == [], result.output
    assert GBK_TITLE in (site / "output/fdzdgknr/czyjs/x.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad, where", [(b"\xff", "body"), (b"\xe6\xad", "end"), (b"\xc3\x28", "title")])
def test_invalid_utf8_reports_the_byte_offset(site, bad, where):
    before = good_build(site)
    data = item(title="标题ABC", body="正文。").encode("utf-8")
    marker = {"body": "正文。".encode(), "title": b"ABC", "end": None}[where]
    if marker is None:
        offset, data = len(data), data + bad
    else:
        offset = data.index(marker) + (len("正文".encode()) if where == "body" else 1)
        data = data[:offset] + bad + data[offset:]
    write(site, X, data)
    result = build(site)
    refused(result, site, before)
    diag = error_of(result, X, "不是有效的 UTF-8")
    assert f"第 {offset} 字节" in diag.message, (offset, diag)
    assert diag.line == data[:offset].count(b"\n") + 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_refused(site, encoding):
    before = good_build(site)
    write(site, X, item().encode(encoding))
    result = build(site, "--input-encoding", "gb18030")
    refused(result, site, before)
    assert [d for d in errors(result) if d.file == X], result.output


# -- duplicate outputs -------------------------------------------------------------------------------

def test_two_items_with_the_same_slug_name_both_files(site):
    before = good_build(site)
    write(site, "content/a/one.md", item("slug: same", title="第一条", index_no="12345678X/2025-00021"))
    write(site, "content/b/two.md", item("slug: same", title="第二条", index_no="12345678X/2025-00022"))
    result = build(site)
    refused(result, site, before)
    for rel in ("content/a/one.md", "content/b/two.md"):
        diag = error_of(result, rel, "fdzdgknr/czyjs/same.html", "content/a/one.md", "content/b/two.md")
        assert diag.line is not None


def test_slug_equal_to_a_file_name_in_another_folder(site):
    before = good_build(site)
    write(site, "content/2011/budget.md", item(title="另一份预算", index_no="12345678X/2025-00021"))
    result = build(site)
    refused(result, site, before)
    for rel in ("content/budget.md", "content/2011/budget.md"):
        error_of(result, rel, "fdzdgknr/czyjs/budget.html", "content/budget.md", "content/2011/budget.md")


@pytest.mark.parametrize("rel, slug", [("content/index.md", "index"), ("content/rss.md", "rss"),
                                       ("content/search.md", "search"), ("content/index-2.md", "index-2"),
                                       ("content/x.md", "index"), ("content/y.md", "rss")])
def test_item_colliding_with_a_category_page_is_refused(site, rel, slug):
    before = good_build(site)
    extra = (f"slug: {slug}",) if Path(rel).stem != slug else ()
    write(site, rel, item(*extra, index_no="12345678X/2025-00031"))
    result = build(site)
    refused(result, site, before)
    diag = error_of(result, rel, f"“{slug}” 不可用")
    assert diag.what == "文件名 slug", diag
    assert (site / "output/fdzdgknr/czyjs/index.html").read_bytes() == before["fdzdgknr/czyjs/index.html"][0]


@pytest.mark.parametrize("rel", ["themes/default/assets/pygments.css", "themes/default/assets/search/manifest.js",
                                 "themes/default/assets/last-published.js"])
def test_theme_asset_colliding_with_a_generated_file_names_the_theme_file(site, rel):
    before = good_build(site)
    write(site, rel, "/* 承包商的文件 */\n")
    result = build(site)
    refused(result, site, before)
    error_of(result, rel)


# -- folders nested deeper than a path can be ------------------------------------------------

@contextlib.contextmanager
def nested(folder: Path, depth: int, name: str = "a") -> Iterator[int]:
    """`depth` folders one in another below `folder`, made and removed a level at a time
    (their paths are longer than the system allows, and rmtree recurses too deep: pytest
    could not remove them); yields the deepest folder (a descriptor), for files."""
    fds = [os.open(folder, os.O_RDONLY)]
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fds[-1])
            fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
        yield fds[-1]
    finally:
        for entry in os.listdir(fds[-1]):  # what the test made there
            os.unlink(entry, dir_fd=fds[-1])
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir(name, dir_fd=fds[-1])
        os.close(fds[0])


def test_content_folders_nested_deeper_than_a_path_can_be_are_an_error(site):
    """About 2 100 folders one in another: the scanner stopped with OSError ENAMETOOLONG
    and a traceback. The folder is named (shortened) and the build refused."""
    before = good_build(site)
    with nested(site / "content", 2100):
        result = build(site)
    refused(result, site, before)
    [error] = [d for d in errors(result) if "路径过长" in d.message]
    assert error.file.startswith("content/a/a/") and "…" in error.file, error
    assert "内容目录下的文件夹套了" in error.message and "层" in error.message


def test_a_file_name_that_makes_its_path_too_long_is_an_error(site):
    """A folder whose path still fits, and a file in it whose name makes it too long."""
    before = good_build(site)
    name = "长" * 80 + ".md"  # 243 bytes
    depth = (os.pathconf(site, "PC_PATH_MAX") - len(str(site / "content")) - 100) // 2
    with nested(site / "content", depth) as deepest:
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY, dir_fd=deepest))
        result = build(site)
    refused(result, site, before)
    [error] = [d for d in errors(result) if "路径过长" in d.message]
    assert error.file.endswith("长长.md") and "加上文件名超过" in error.message, error
