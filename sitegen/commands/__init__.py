"""One module per CLI verb; shared option types and report printing live here."""

from __future__ import annotations

import datetime as dt

import click

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


def print_report(report: Report, held_back: list[HeldBack] | None = None) -> None:
    for diagnostic in report.sorted():
        click.echo(diagnostic.format(), err=True)
    if held_back:
        click.echo(f"未发布的信息 {len(held_back)} 条：", err=True)
        for held in sorted(held_back, key=lambda h: h.source):
            click.echo(f"  {held.source}（{held.title or '无标题'}）：{held.reason}", err=True)
    errors, warnings = len(report.errors), len(report.warnings)
    if errors or warnings:
        click.echo(f"共 {errors} 个错误，{warnings} 个警告。", err=True)
