"""One module per CLI verb; shared option types and report printing live here."""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import time
from types import TracebackType
from typing import IO, Any

import click

from sitegen.config import CONFIG_FILE
from sitegen.diagnostics import Report
from sitegen.validate import HeldBack


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"日期应为 YYYY-MM-DD，实际为 {value!r}", param, ctx)


class MinutesType(click.ParamType):
    """Minutes from 0 to a day, as `kiosk_idle_minutes` in sitegen.toml (FloatRange lets nan
    through: every comparison with it is false)."""

    name = "分钟"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            minutes = float(str(value))
        except ValueError:
            minutes = math.nan
        if not 0 <= minutes <= 24 * 60:  # (nan too)
            self.fail(f"应为 0 到 1440 之间的分钟数，例如 3，实际为 {value!r}", param, ctx)
        return minutes


def print_report(report: Report, held_back: list[HeldBack] | None = None,
                 errors_first: bool = False) -> None:
    for diagnostic in report.errors_first() if errors_first else report.sorted():
        click.echo(diagnostic.format(), err=True)
    if held_back:
        click.echo(f"未发布的信息 {len(held_back)} 条：", err=True)
        for held in sorted(held_back, key=lambda h: h.source):
            click.echo(f"  {held.source}（{held.title or '无标题'}）：{held.reason}", err=True)
    errors, warnings = len(report.errors), len(report.warnings)
    if errors or warnings:
        click.echo(f"共 {errors} 个错误，{warnings} 个警告。", err=True)
    if report.config_failed:
        # (the items are read against the configuration: its categories, organisations, 专栏)
        click.echo(f"{CONFIG_FILE} 有错误，信息文件还没有检查：改正后再运行一次，才会列出 content/ 中的问题。",
                   err=True)


class Refused(click.ClickException):
    """A command that cannot go on, said in one Chinese line (click's own says "Error:")."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def in_ci() -> bool:
    """CI services set CI=true (GitHub, GitLab) or CI=1; CI=false or 0 is a terminal's."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class BuildProgress:
    """Progress of a build: a rich bar on a terminal once the build has run for a second
    (short builds stay quiet), one plain line per finished stage in CI and in logs."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.interactive = sys.stderr.isatty() and not in_ci()
        self.bar: Any = None  # rich.progress.Progress, imported only when shown
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.interactive:
            if done == total and total > 1:
                click.echo(f"{stage}：{done}/{total} 批完成（{time.monotonic() - self.started:.1f} 秒）",
                           err=True)
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), transient=True,
                                console=Console(stderr=True))
            self.bar.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)
