"""Stage 4a, index: `search.json`, the public data file of the catalogue (schema in README).

The browser's offline search reads the same records from `assets/search-data.js`, a classic
script: `fetch()` of a JSON file is blocked on file://, a <script src> is not.
"""

from __future__ import annotations

import json
from typing import Any

from sitegen.structure import Site
from sitegen.validate import Item


def record(site: Site, item: Item) -> dict[str, Any]:
    return {
        "index_no": item.index_no,
        "title": item.title,
        "url": item.url,
        "category": item.category.path,
        "organization": site.org(item.organization).full_name,
        "date_published": item.date_published.isoformat(),
        "doc_no": item.doc_no,
        "keywords": item.keywords,
        "validity": item.validity,
        "summary": item.summary,
    }


def search_records(site: Site) -> list[dict[str, Any]]:
    return [record(site, item) for item in site.items]


def search_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def search_files(site: Site, texts: dict[str, str]) -> list[tuple[str, bytes]]:
    """Every file of the search feature: site-root relative path and bytes.

    `texts` holds each published item's body as plain text, by index_no."""
    records = search_records(site)
    return [
        ("search.json", search_json(records).encode("utf-8")),
        ("assets/search-data.js", search_script(records).encode("utf-8")),
    ]


def search_script(records: list[dict[str, Any]]) -> str:
    # "</" is escaped so that no value can close a <script> element early.
    data = json.dumps(records, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.SITEGEN_SEARCH_DATA = {data};\n"
