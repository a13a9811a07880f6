"""The pipeline: read → validate → render → index → write.

Each stage is a module; this one only passes their plain data forward and decides, from the
report, whether anything may be written. Errors anywhere mean the previous output stays as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from sitegen import feeds, search, sitemap
from sitegen.config import SiteConfig, load_config
from sitegen.content import discover
from sitegen.diagnostics import Report
from sitegen.markdown import LinkContext, asset_url, plain_text, pygments_css, render_body
from sitegen.output import AtomicOutput, OutputError, check_output_location
from sitegen.pages import PageRenderer, make_environment, theme_assets, theme_dirs
from sitegen.structure import Site, build_site
from sitegen.validate import Catalog, HeldBack, validate

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    report: Report
    held_back: list[HeldBack] = field(default_factory=list)
    published: int = 0
    written: int = 0
    unchanged: int = 0
    output: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.report.errors


@dataclass
class Prepared:
    config: SiteConfig
    catalog: Catalog
    site: Site
    bodies: dict[str, str]
    assets: list[str]  # content assets published (attachments and body links)


def prepare(root: Path, now: dt.date, strict: bool, report: Report) -> Prepared | None:
    """Everything up to the bytes: read, validate, structure and render bodies."""
    config = load_config(root, report)
    if config is None:
        return None
    content = discover(root, config.content_dir, report)
    catalog = validate(content, config, now, report)
    for held in catalog.held_back:
        if strict and held.review:
            report.error(held.source, f"未发布：{held.reason}", field="review", label="审查记录")
    if strict:
        report.escalate_warnings()
    site = build_site(config, catalog.items)
    item_urls = {item.content_rel: item.url for item in catalog.items}
    asset_set = frozenset(content.assets)
    bodies: dict[str, str] = {}
    used_assets: set[str] = set()
    for item in catalog.items:
        rendered = render_body(item.body, LinkContext(item.url, item.content_rel, item_urls, asset_set))
        bodies[item.index_no] = rendered.html
        used_assets.update(rendered.assets)
        used_assets.update(a.file for a in item.attachments)
        for link in rendered.broken_links:
            report.warning(item.source, f"正文链接 {link} 指向的文件不存在或未发布，已改为纯文本",
                           line=_line_of(item.body, link, item.body_line))
    return Prepared(config, catalog, site, bodies, sorted(used_assets))


def _line_of(body: str, needle: str, first_line: int) -> int | None:
    """File line of the first body line containing `needle` (Markdown keeps no positions)."""
    for number, line in enumerate(body.split("\n")):
        if needle in line:
            return first_line + number
    return None


def build(root: Path, output: Path | None = None, now: dt.date | None = None,
          strict: bool = False) -> BuildResult:
    report = Report()
    now = now or dt.date.today()
    output = output or root / "output"
    result = BuildResult(report)
    prepared = prepare(root, now, strict, report)
    if prepared is None:
        return result
    result.held_back = prepared.catalog.held_back
    result.published = len(prepared.catalog.items)
    config = prepared.config
    try:
        check_output_location(root, output, [root / config.content_dir, root / "themes"])
    except OutputError as exc:
        report.error(str(output), str(exc))
    if report.errors:
        return result
    try:
        with AtomicOutput(output) as out:
            write_site(prepared, out)
    except OutputError as exc:
        report.error(str(output), str(exc))
        return result
    except jinja2.TemplateError as exc:
        report.error(_template_name(exc), f"主题模板出错：{exc.message or exc}",
                     line=getattr(exc, "lineno", None))
        return result
    result.written = len(out.written)
    result.unchanged = out.reused
    result.output = output
    return result


def write_site(prepared: Prepared, out: AtomicOutput) -> None:
    site, config = prepared.site, prepared.config
    dirs = theme_dirs(config)
    renderer = PageRenderer(site, make_environment(dirs), prepared.bodies)
    html_pages: list[str] = []
    for url, html in renderer.pages():
        out.write_text(url, html)
        html_pages.append(url)
    for rel, path in theme_assets(dirs).items():
        out.copy(rel, path)
    out.write_text("assets/pygments.css", pygments_css())
    for rel in prepared.assets:
        out.copy(asset_url(rel), config.root / config.content_dir / rel)
    texts = {index_no: plain_text(html) for index_no, html in prepared.bodies.items()}
    for rel, data in search.search_files(site, texts):
        out.write(rel, data)
    for url, data in feeds.feeds(site, prepared.bodies):
        out.write(url, data)
    out.write_text("sitemap.xml", sitemap.sitemap(site, [u for u in html_pages if u != "404.html"]))
    out.write_text("robots.txt", sitemap.robots(site))


def _template_name(exc: jinja2.TemplateError) -> str:
    """The theme file a template error comes from (syntax errors carry it; runtime errors
    are found in the traceback)."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if name:
        return str(name)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".html"):
            return f"{frame.filename}"
    return "themes"
