"""Problems found while reading, validating or writing a site.

Every stage appends to one `Report` instead of raising, so a build shows all problems of all
files at once (officers fix a batch of items in one go, not one error per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Level(Enum):
    ERROR = "错误"
    WARNING = "警告"


@dataclass(frozen=True)
class Diagnostic:
    level: Level
    file: str  # path relative to the site folder, "/"-separated
    message: str  # what was found and what was expected, in Chinese
    line: int | None = None
    field: str | None = None  # front-matter key, e.g. "date_published"
    label: str | None = None  # its Chinese label, e.g. "发布日期"

    def format(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = ""
        if self.field:
            what = f"[{self.label} {self.field}] " if self.label else f"[{self.field}] "
        return f"{where}: {self.level.value}: {what}{self.message}"


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # sitegen.toml was there but had errors, so no item was read (`config.load_config`)
    config_failed: bool = False

    def error(self, file: str, message: str, **where: object) -> None:
        self.diagnostics.append(Diagnostic(Level.ERROR, file, message, **where))  # type: ignore[arg-type]

    def warning(self, file: str, message: str, **where: object) -> None:
        self.diagnostics.append(Diagnostic(Level.WARNING, file, message, **where))  # type: ignore[arg-type]

    def extend(self, other: Report) -> None:
        self.diagnostics.extend(other.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.WARNING]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: (d.file, d.line or 0, d.level.value, d.message))

    def errors_first(self) -> list[Diagnostic]:
        """`sorted`, the errors before the warnings (a preview shows what stopped the build
        first, not under a page of old items' warnings)."""
        return sorted(self.sorted(), key=lambda d: d.level is not Level.ERROR)

    def escalate_warnings(self) -> None:
        """--strict: every warning becomes an error."""
        self.diagnostics = [
            Diagnostic(Level.ERROR, d.file, d.message, d.line, d.field, d.label)
            if d.level is Level.WARNING
            else d
            for d in self.diagnostics
        ]


def shortened(path: str) -> str:
    """A path for a message: one thousands of folders deep would fill the screen."""
    return path if len(path) <= 120 else f"{path[:60]}…{path[-40:]}"
