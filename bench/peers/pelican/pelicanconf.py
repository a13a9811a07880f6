"""Pelican settings for bench/build_bench.py: the same catalogue as sitegen's, equivalent output.

Item (article) pages with the metadata table, one paginated page per category (20 per page,
newest first), RSS per category and for the site (20 items, full body), search.json.
"""

import os

AUTHOR = "示例街道"
SITENAME = "示例街道政府信息公开"
SITEURL = "https://www.example.gov.cn/xxgk"
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

ARTICLE_URL = ARTICLE_SAVE_AS = "{category}/{slug}.html"
CATEGORY_URL = CATEGORY_SAVE_AS = "category/{slug}.html"
# Only what sitegen also makes: no tag, author or archive pages.
TAG_SAVE_AS = TAGS_SAVE_AS = AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
PAGE_PATHS = []
STATIC_PATHS = ["files"]  # the attachments, copied as sitegen copies them
ARTICLE_EXCLUDES = ["files"]

DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"category": None}  # the home page shows the latest 20 only
DIRECT_TEMPLATES = ["index", "categories", "search"]
SEARCH_SAVE_AS = "search.json"
THEME_TEMPLATES_OVERRIDES = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")]

FEED_DOMAIN = SITEURL
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_RSS = "feeds/{slug}.rss.xml"
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False  # full bodies, as sitegen's feeds

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.tables": {},
        "markdown.extensions.fenced_code": {},
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
        "markdown.extensions.toc": {},
        "markdown.extensions.footnotes": {},
        "markdown.extensions.attr_list": {},
        "markdown.extensions.meta": {},
    },
    "output_format": "html5",
}

LOAD_CONTENT_CACHE = True
CACHE_CONTENT = True
CACHE_PATH = "cache"
