"""`sitegen new`: scaffold an item with the next free 索引号 of its organisation and year."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import click

from sitegen import annual, workdays
from sitegen.commands import DateType, Refused, print_report
from sitegen.config import SiteConfig, load_config
from sitegen.content import discover
from sitegen.diagnostics import Report
from sitegen.fields import TYPE_FIELDS
from sitegen.validate import BODY_PLACEHOLDER, FIELD_PLACEHOLDER

TEMPLATE = """---
title: {title}
category: {category}
index_no: {index_no}
organization: {organization}
date_created: {today}
date_published: {today}
doc_no: ""
keywords: []
summary: ""
{validity}disclosure: 主动公开
{type_fields}# 审查记录：五项都填写后才会发布（未经审查的信息绝不公开）。在冒号后空一格填写；
# 写在 # 后面的字是注释，不算填写。
review:
  # 审查人姓名
  reviewer:
  # 审查日期，例如 2025-01-22
  reviewed_on:
  # 通过保密审查后填 true
  secrecy_checked:
  # 审批人姓名
  approver:
  # 审批日期，例如 2025-01-23
  approved_on:
---
{body}
"""


def type_lines(item_type: str, today: dt.date) -> str:
    """The fields of an item type, empty, each under its label (必填: the build says so
    until it is filled)."""
    if item_type == "default":
        return ""
    if item_type == "annual_report":
        return annual_lines(today.year - 1)
    lines = [f"type: {item_type}"]
    for key, (label, required) in TYPE_FIELDS[item_type].items():
        # (a placeholder, not nothing: an empty required field is an error, and one officer's
        # draft would stop everyone's builds; the placeholder is a warning until replaced)
        lines.append(f"# {label}（{'必填' if required else '选填'}）")
        lines.append(f"{key}: {FIELD_PLACEHOLDER}" if required else f"{key}:")
    return "\n".join(lines) + "\n"


def annual_lines(year: int) -> str:
    """A 年度报告's three tables with every row at 0, each under its label in the format."""
    lines = ["type: annual_report", "# 报告年度", f"year: {year}",
             "# 表格数字只填各行的数，合计和总计由系统计算并核对勾稽关系",
             "t1:  # 二、主动公开政府信息情况"]
    for row, columns in annual.T1_ROWS.items():
        zeros = ", ".join(f"{c}: 0" for c in columns)
        lines.append(f"  {row}: {{{zeros}}}  # {annual.T1_LABELS[row]}")
    lines.append("t2:  # 三、收到和处理政府信息公开申请情况；每行 6 个数：" + "、".join(annual.T2_COLUMNS))
    zeros6 = "[0, 0, 0, 0, 0, 0]"
    for row in annual.T2_SINGLE[:4]:
        lines.append(f"  {row}: {zeros6}  # {annual.T2_LABELS[row]}")
    for group, rows in annual.T2_GROUPS.items():
        lines.append(f"  {group}:  # {annual.T2_LABELS[group]}")
        lines.extend(f"    {row}: {zeros6}" for row in rows)
    lines.append(f"  carried_out: {zeros6}  # {annual.T2_LABELS['carried_out']}")
    lines.append("t3:  # 四、政府信息公开行政复议、行政诉讼情况")
    for group in annual.T3_GROUPS:
        zeros = ", ".join(f"{r}: 0" for r in annual.T3_RESULTS)
        lines.append(f"  {group}: {{{zeros}}}  # {annual.T3_LABELS[group]}")
    return "\n".join(lines) + "\n"


def next_index_no(config: SiteConfig, org_id: str, year: int, used: set[str]) -> str:
    return config.organizations[org_id].index_pattern.next_free(year, used)


@click.command("new")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--category", "-c", required=True, help="信息分类：完整路径或唯一的分类名 / category path")
@click.option("--title", "-t", required=True, help="标题 / title")
@click.option("--organization", "-o", help="发布机构 id（默认站点的发布机构）/ organisation id")
@click.option("--date", "today", type=DateType(), help="生成日期（默认今天）")
@click.option("--type", "item_type", type=click.Choice(list(TYPE_FIELDS)), default="default",
              show_default=True,
              help="信息类型：guide 办事指南、notice 公示公告、leader 领导信息、org 机构概况、"
                   "annual_report 年度报告；写入该类型的字段 / item type")
def command(directory: Path, category: str, title: str, organization: str | None,
            today: dt.date | None, item_type: str) -> None:
    """新建信息：在分类目录下创建一个 Markdown 文件，索引号取本机构本年度下一个空号。

    Scaffold an item with the next free 索引号 for the organisation and year. Its review
    record is empty, so it is held back until reviewed.
    """
    if not title.strip():
        raise Refused("标题不能为空：请用 --title 写上信息的标题")
    if "\n" in title.strip() or "\r" in title.strip():
        raise Refused("标题应为一行：不能含换行")
    if any(unicodedata.category(c) == "Cc" for c in title.strip()):
        raise Refused("标题含有不可见的控制字符，请删除后再试")
    report = Report()
    config = load_config(directory, report)
    if config is None:
        print_report(report)
        raise SystemExit(1)
    cat, candidates = config.categories.resolve(category)
    if cat is None or not config.categories.is_leaf(cat):
        # (only final categories can take an item: a column's own sub-columns are no answer)
        options = config.categories.final(candidates or ([cat] if cat else []))
        hint = "；可选：" + "、".join(c.path for c in options) if options else ""
        raise Refused(f"分类“{category}”不存在或不是最终分类{hint}")
    org_id = organization or config.organization
    if org_id not in config.organizations:
        raise Refused(f"发布机构“{org_id}”未配置；可用：{'、'.join(config.organizations)}")
    today = today or workdays.today()
    content = discover(directory, config.content_dir, Report())
    used = {str(s.meta.get("index_no", "")) for s in content.items}
    index_no = next_index_no(config, org_id, today.year, used)
    folder = directory / config.content_dir / Path(*cat.slugs)
    folder.mkdir(parents=True, exist_ok=True)
    stem = index_no.rsplit("/", 1)[-1].replace("/", "-")
    path = folder / f"{stem}.md"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.md"
        n += 1
    # A JSON string is a YAML double-quoted scalar: quotes, backslashes (C:\路径\) and every
    # other character written so that the file reads back as the title given.
    path.write_text(TEMPLATE.format(title=json.dumps(title.strip(), ensure_ascii=False),
                                    category=cat.path, index_no=index_no,
                                    organization=org_id, today=today.isoformat(),
                                    validity="validity: 有效\n" if cat.validity_required else "",
                                    type_fields=type_lines(item_type, today),
                                    body=BODY_PLACEHOLDER), encoding="utf-8")
    click.echo(f"已创建 {path}（索引号 {index_no}）。填写正文和审查记录后即可发布。")
