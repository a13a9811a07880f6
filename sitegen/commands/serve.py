"""`sitegen serve`: live preview on 127.0.0.1 with incremental rebuilds."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from sitegen.build import BuildResult
from sitegen.commands import DateType, print_report
from sitegen.output import MARKER


@click.command("serve")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("-p", "--port", default=8000, show_default=True, help="端口 / port")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出目录（默认：站点目录/output）/ output folder")
@click.option("--now", type=DateType(), help="把这一天当作今天（默认今天）")
def command(directory: Path, port: int, output: Path | None, now: dt.date | None) -> None:
    """预览：在 127.0.0.1 上提供网站，修改内容或模板后自动重新生成并刷新浏览器。

    Live preview on 127.0.0.1: rebuilds incrementally on every change and reloads open
    pages; a failed build is shown in the page and here, the last good site stays served.
    """

    def on_build(result: BuildResult, seconds: float) -> None:
        stamp = time.strftime("%H:%M:%S")
        print_report(result.report, result.held_back if not result.ok else None)
        if result.ok:
            quick = "（只重新生成了改动的条目）" if result.quick else ""
            click.echo(f"[{stamp}] 已生成：{result.published} 条信息，{result.written - result.unchanged} "
                       f"个文件有变化，用时 {seconds:.2f} 秒{quick}")
        elif (preview_output / MARKER).is_file():
            click.echo(f"[{stamp}] 生成失败，浏览器中仍是上一次成功的版本；修改后会自动重新生成。", err=True)
        else:
            click.echo(f"[{stamp}] 生成失败，还没有可预览的版本（浏览器中显示以上错误）；修改后会自动重新生成。",
                       err=True)

    from sitegen.serve import Preview  # watchdog and the HTTP server: only for this command

    preview_output = output or directory / "output"
    preview = Preview(directory, preview_output, now, on_build)
    preview.rebuild()
    server = preview.serve(port)
    host, bound = server.server_address[:2]
    click.echo(f"预览地址 / preview: http://{host}:{bound}/index.html  （Ctrl+C 退出）")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("正在退出（先等当前的生成结束，最多 60 秒；再按 Ctrl+C 立即退出）……", err=True)
        if not preview.stop():
            click.echo("生成仍未结束，已退出；它留下的临时目录会在下次生成时清除。", err=True)
