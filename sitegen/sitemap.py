"""Stage 4c, sitemap.xml and robots.txt, absolute from the configured base URL.

The sitemap protocol allows 50 000 URLs in one file; a larger site gets `sitemap.xml` as a
sitemap index pointing to `sitemap-1.xml`, `sitemap-2.xml` … (so robots.txt and whatever
was given `sitemap.xml` keep working)."""

from __future__ import annotations

from html import escape as _html_escape

from sitegen.structure import Site


def escape(text: str) -> str:
    """&, < and > for XML text: what xml.sax.saxutils.escape does, without importing
    urllib.request with it (10 ms of every build, even one with nothing to do)."""
    return _html_escape(text, quote=False)


MAX_URLS = 50_000  # sitemaps.org: at most 50 000 URLs (and 50 MB) per file
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemaps(site: Site, page_urls: list[str]) -> list[tuple[str, str]]:
    """(file, text) of the sitemap files. `page_urls`: every HTML page written, site-root
    relative (404 excluded by the caller)."""
    lastmod = {item.url: f"<lastmod>{item.date_published.isoformat()}</lastmod></url>"
               for item in site.items}
    # Only the base URL may need escaping: the rest is percent-encoded (no &, < or >).
    absolute = site.config.absolute_url
    base = absolute("")
    start, prefix = len(base), "  <url><loc>" + escape(base)
    entries = [prefix + absolute(url)[start:] + "</loc>" + lastmod.get(url, "</url>")
               for url in sorted(page_urls)]
    parts = [entries[i : i + MAX_URLS] for i in range(0, len(entries), MAX_URLS)] or [[]]
    files = [(f"sitemap-{n}.xml" if len(parts) > 1 else "sitemap.xml",
              "\n".join([_HEAD, f'<urlset xmlns="{_NS}">', *part, "</urlset>"]) + "\n")
             for n, part in enumerate(parts, start=1)]
    if len(parts) > 1:
        index = [f"  <sitemap><loc>{escape(site.config.absolute_url(name))}</loc></sitemap>"
                 for name, _ in files]
        files.insert(0, ("sitemap.xml", "\n".join([_HEAD, f'<sitemapindex xmlns="{_NS}">', *index,
                                                  "</sitemapindex>"]) + "\n"))
    return files


def robots(site: Site) -> str:
    return f"User-agent: *\nAllow: /\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
