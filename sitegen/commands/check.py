"""`sitegen check`: validate everything, write nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sitegen import workdays
from sitegen.commands import DateType, print_report
from sitegen.content import INPUT_ENCODINGS
from sitegen.diagnostics import Report


@click.command("check")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="警告和未发布的信息都按错误处理 / treat warnings as errors")
@click.option("--input-encoding", type=click.Choice(INPUT_ENCODINGS), default="utf-8",
              show_default=True,
              help="非 UTF-8 文件按此编码转换（gb18030 兼容 GBK），并逐个警告 / convert non-UTF-8 files")
@click.option("--now", type=DateType(), help="把这一天当作今天（默认：北京时间的今天）")
def command(directory: Path, strict: bool, input_encoding: str, now: dt.date | None) -> None:
    """检查站点：校验配置和全部信息，不写任何文件；有错误时退出码为 1。

    Validate the config and every item without writing anything; exit 1 on any error.
    """
    from sitegen.generate import check  # not at start-up: `sitegen build` would import it too

    report = Report()
    catalog = check(directory, now or workdays.today(), strict, report, encoding=input_encoding)
    print_report(report, catalog.held_back if catalog else None)
    if report.errors:
        raise SystemExit(1)
    count = len(catalog.items) if catalog else 0
    click.echo(f"检查通过：{count} 条信息可以发布。")
