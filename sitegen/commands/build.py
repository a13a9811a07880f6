"""`sitegen build`: the whole pipeline, written atomically to the output folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sitegen.build import build
from sitegen.commands import BuildProgress, DateType, MinutesType, print_report
from sitegen.content import INPUT_ENCODINGS


@click.command("build")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出目录（默认：站点目录/output）/ output folder")
@click.option("--strict", is_flag=True,
              help="警告和未经审查而未发布的信息都按错误处理 / warnings and held-back items are errors")
@click.option("--input-encoding", type=click.Choice(INPUT_ENCODINGS), default="utf-8",
              show_default=True,
              help="非 UTF-8 文件按此编码转换（gb18030 兼容 GBK），并逐个警告 / convert non-UTF-8 files")
@click.option("--now", type=DateType(), help="把这一天当作今天（默认：北京时间的今天）；发布日期晚于它的信息暂不发布")
@click.option("-j", "--jobs", type=click.IntRange(1), help="并行进程数（默认：CPU 核数）/ worker processes")
@click.option("--kiosk-idle-minutes", type=MinutesType(),
              help="查阅终端的副本：空闲这么多分钟后回到首页（代替 sitegen.toml 中的设置；0：不返回），"
                   "与网站副本从同一站点目录生成，例如 -o dist/kiosk --kiosk-idle-minutes 3")
def command(directory: Path, output: Path | None, strict: bool, input_encoding: str,
            now: dt.date | None, jobs: int | None, kiosk_idle_minutes: float | None) -> None:
    """生成网站：把 DIR/content 生成到 DIR/output（默认当前目录）。

    Build the site in DIR into DIR/output. On any error nothing is written and the
    previous output stays as it was; the exit code is 1.
    """
    with BuildProgress() as progress:
        result = build(directory, output=output, now=now, strict=strict, jobs=jobs,
                       progress=progress.update, encoding=input_encoding,
                       kiosk_idle_minutes=kiosk_idle_minutes)
    print_report(result.report, result.held_back)
    if not result.ok:
        click.echo("生成失败，原有输出目录未改动。/ Build failed; previous output left intact.", err=True)
        raise SystemExit(1)
    quick = "；只重新生成了改动的条目（quick build）" if result.quick else ""
    changed = result.written - result.unchanged
    click.echo(f"已发布 {result.published} 条信息；输出 {result.output}：共 {result.written} 个文件，"
               f"{changed} 个新写入或有改动，{result.unchanged} 个未变，删除 {result.removed} 个{quick}")
