"""Command line: `sitegen init | build | check | new`. One module per verb in commands/."""

from __future__ import annotations

import logging

import click

from sitegen import __version__
from sitegen.commands import build, check, init, new, serve

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="sitegen %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="输出调试信息 / debug logging")
def cli(verbose: bool) -> None:
    """sitegen：政府信息公开目录静态网站生成器。

    Static site generator for government information disclosure catalogs.
    content/ 中的 Markdown 信息 → output/ 中可离线浏览的静态网站。
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(name)s: %(message)s")


cli.add_command(init.command)
cli.add_command(build.command)
cli.add_command(check.command)
cli.add_command(new.command)
cli.add_command(serve.command)


def main() -> None:
    cli(prog_name="sitegen")
