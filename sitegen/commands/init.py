"""`sitegen init DIR`: a new site with the default category tree and sample items."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from sitegen.commands import Refused

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"
GITATTRIBUTES = "* -text\n"


def default_config() -> str:
    """The new site's sitegen.toml: site and organisation, then the default category tree."""
    return (SCAFFOLD / "site.toml").read_text(encoding="utf-8") + \
        (SCAFFOLD / "categories.toml").read_text(encoding="utf-8")


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def command(directory: Path) -> None:
    """新建站点：在 DIR 中创建 sitegen.toml、content/（示例信息）和空的 themes/。

    Create a new site in DIR: sitegen.toml with the default category tree (the 2019 条例
    and 国办公开办函〔2019〕61号), a few sample items in content/, and an empty themes/ for
    overrides.
    """
    config = directory / "sitegen.toml"
    if config.exists():
        raise Refused(f"{config} 已存在，不覆盖已有站点 / refusing to overwrite")
    if (directory / "content").exists():
        raise Refused(f"{directory / 'content'} 已存在，不覆盖已有内容")
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(default_config(), encoding="utf-8")
    shutil.copytree(SCAFFOLD / "content", directory / "content")
    (directory / "themes").mkdir(exist_ok=True)
    # .sitegen-*/: the cache, and the spare copy of the output kept beside it (output.py)
    (directory / ".gitignore").write_text("output/\n.sitegen-cache/\n.sitegen-*/\n",
                                          encoding="utf-8")
    # Line endings as committed, on every checkout (core.autocrlf on Windows would convert
    # PDFs and the theme's files, and so change the output's bytes).
    (directory / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    click.echo(f"已创建站点 {directory}。下一步：编辑 sitegen.toml，然后运行 sitegen build {directory}")
