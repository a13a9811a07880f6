"""Stage 3c, pages: the Site model through the theme's Jinja templates into HTML files.

Every link a template makes goes through `url()`, which turns a site-root path into a path
relative to the page being rendered: the output then works from any sub-path of a server and
from file:// on a kiosk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from sitegen.config import SiteConfig
from sitegen.markdown import asset_url, relative
from sitegen.structure import Site
from sitegen.validate import Item

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


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@jinja2.pass_context
def _url(context: jinja2.runtime.Context, target: str) -> str:
    return relative(target, context["page_url"])


def make_environment(dirs: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["url"] = _url
    env.globals["asset_url"] = asset_url
    env.filters["filesize"] = filesize
    return env


@dataclass
class PageRenderer:
    site: Site
    env: jinja2.Environment
    bodies: dict[str, str]  # index_no -> rendered body HTML

    def render(self, template: str, page_url: str, **context: Any) -> str:
        site = self.site
        return self.env.get_template(template).render(
            site=site, config=site.config, page_url=page_url,
            canonical=site.config.absolute_url(page_url), **context)

    def pages(self) -> Iterator[tuple[str, str]]:
        yield from self.home()
        for node in self.site.nodes.values():
            yield from self.category(node)
        for item in self.site.items:
            yield item.url, self.item(item)
        yield from self.archives()
        yield from self.organizations()
        yield "search.html", self.render("search.html", "search.html", title="站内搜索")
        yield "404.html", self.render("404.html", "404.html", title="页面不存在")

    def home(self) -> Iterator[tuple[str, str]]:
        yield "index.html", self.render("home.html", "index.html", title=self.site.config.name)

    def category(self, node: Any) -> Iterator[tuple[str, str]]:
        crumbs = self.site.breadcrumbs(node.category)
        for page in self.site.paginate(node.items, node.page_url):
            url = page.urls[page.number - 1]
            yield url, self.render("category.html", url, title=node.category.name, node=node,
                                   page=page, breadcrumbs=crumbs, feed=node.feed_url)

    def item(self, item: Item) -> str:
        site = self.site
        newer, older = site.neighbours[item.index_no]
        replaces = site.replacements.get(item.index_no, [])
        return self.render(
            "item.html", item.url, title=item.title, item=item, body=self.bodies[item.index_no],
            org=site.org(item.organization), breadcrumbs=site.breadcrumbs(item.category),
            newer=newer, older=older, replaced_by=site.by_index_no.get(item.replaced_by),
            replaces=replaces, feed=site.nodes[item.category.path].feed_url)

    def archives(self) -> Iterator[tuple[str, str]]:
        yield "archive/index.html", self.render("archive_index.html", "archive/index.html",
                                                title="按年份浏览")
        for year, items in self.site.years.items():
            url = f"archive/{year}.html"
            yield url, self.render("archive.html", url, title=f"{year}年发布的信息",
                                   year=year, items=items)

    def organizations(self) -> Iterator[tuple[str, str]]:
        yield "org/index.html", self.render("org_index.html", "org/index.html", title="按发布机构浏览")
        for org_id, items in self.site.organizations.items():
            url = f"org/{org_id}.html"
            yield url, self.render("org.html", url, title=self.site.org(org_id).full_name,
                                   org=self.site.org(org_id), items=items)
