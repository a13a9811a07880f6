"""Stage 4c, sitemap.xml and robots.txt, absolute from the configured base URL."""

from __future__ import annotations

from xml.sax.saxutils import escape

from sitegen.structure import Site


def sitemap(site: Site, page_urls: list[str]) -> str:
    """`page_urls`: every HTML page written, site-root relative (404 excluded by the caller)."""
    lastmod = {item.url: item.date_published.isoformat() for item in site.items}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url in sorted(page_urls):
        lines.append(f"  <url><loc>{escape(site.config.absolute_url(url))}</loc>"
                     + (f"<lastmod>{lastmod[url]}</lastmod>" if url in lastmod else "") + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(site: Site) -> str:
    return f"User-agent: *\nAllow: /\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
