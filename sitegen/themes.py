"""Theme folders: where templates and assets come from, and the checks on a site's own theme
that run before anything is read from it. No Jinja here: a build that finds nothing changed
needs these and nothing of the rendering."""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.diagnostics import Report

_PACKAGE_THEMES = Path(__file__).parent / "themes"
_REPO_THEMES = Path(__file__).parent.parent / "themes"


def builtin_theme_dir(name: str = "default") -> Path:
    """The default theme: inside the installed package, or at the repository root."""
    for base in (_PACKAGE_THEMES, _REPO_THEMES):
        if (base / name / "templates").is_dir():
            return base / name
    raise FileNotFoundError(f"找不到内置主题 {name}")


def theme_dirs(config: SiteConfig) -> list[Path]:
    """Theme folders, most specific first: the site's `themes/<theme>`, then the default."""
    dirs = []
    site_theme = config.root / "themes" / config.theme
    if site_theme.is_dir():
        dirs.append(site_theme)
    builtin = builtin_theme_dir()
    if not dirs or dirs[0].resolve() != builtin.resolve():
        dirs.append(builtin)
    return dirs


def unsafe_theme_files(config: SiteConfig) -> list[Path]:
    """The site's theme folder, or files in it, that are symlinks to outside the site folder
    (a careless contractor's theme must not publish /etc/passwd as a template or asset)."""
    site_theme = config.root / "themes" / config.theme
    site = config.root.resolve()
    # (themes/ itself may be the link)
    if site_theme.exists() and not site_theme.resolve().is_relative_to(site):
        return [site_theme]
    if not site_theme.is_dir():
        return []
    bad = []
    for folder, dirs, files in os.walk(site_theme):
        for name in dirs + files:
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(site):
                bad.append(path)
    return sorted(bad)


def theme_assets(dirs: list[Path]) -> dict[str, Path]:
    """assets/<rel> -> file; a site's file overrides the default theme's of the same name."""
    found: dict[str, Path] = {}
    for d in reversed(dirs):
        base = d / "assets"
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    found["assets/" + path.relative_to(base).as_posix()] = path
    return dict(sorted(found.items()))


GENERATED_ASSETS = ("assets/pygments.css", "assets/last-published.js")  # and a folder:
GENERATED_FOLDER = "assets/search/"


def check_theme_assets(config: SiteConfig, report: Report) -> None:
    """A theme may not ship a file the build generates (it would be silently replaced, or
    replace the generated one)."""
    for rel, path in theme_assets(theme_dirs(config)).items():
        if rel in GENERATED_ASSETS or rel.startswith(GENERATED_FOLDER):
            where = path.relative_to(config.root).as_posix() if path.is_relative_to(config.root) \
                else str(path)
            report.error(where, f"主题文件与 sitegen 生成的 {rel} 同名，请改名或删除")


def check_theme(config: SiteConfig, report: Report) -> bool:
    """Report a theme's files that link outside the site and files that would clash with
    generated ones; whether the theme's files may be read at all."""
    unsafe = unsafe_theme_files(config)
    for path in unsafe:
        report.error(path.relative_to(config.root).as_posix(),
                     f"主题文件是指向站点目录之外的符号链接（{path.resolve()}），已拒绝")
    if unsafe:  # reading an unsafe theme's files is what must not happen
        return False
    check_theme_assets(config, report)
    return True
