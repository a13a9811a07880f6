"""Stage 3b, structure: the site's pages as data — category nodes, lists, archives, neighbours.

Built from validated items only; knows nothing of templates or files.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sitegen.config import Category, Organization, SiteConfig, Special
from sitegen.validate import Item

LATEST_COUNT = 10


@dataclass
class CategoryNode:
    category: Category
    children: list[CategoryNode] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # the whole subtree, newest first
    ranked: list[Item] | None = None  # 领导信息: the column's list page by rank (its feed by date)

    @property
    def listed(self) -> list[Item]:
        """The items in the order the column's list pages show them."""
        return self.ranked if self.ranked is not None else self.items

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def folder(self) -> str:
        return self.category.folder

    def page_url(self, number: int) -> str:
        name = "index.html" if number == 1 else f"index-{number}.html"
        return f"{self.folder}/{name}"

    @property
    def url(self) -> str:
        return self.page_url(1)

    @property
    def feed_url(self) -> str:
        return f"{self.folder}/rss.xml"


@dataclass
class Pagination:
    number: int
    total: int
    items: list[Item]
    urls: list[str]  # url of every page, index 0 = page 1

    @property
    def prev_url(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.urls[self.number] if self.number < self.total else None

    def window(self, around: int = 2) -> list[tuple[int, str] | None]:
        """The page links a pager shows: the first and last page, those within `around` of
        this one, and None where pages are left out. Listing every page would make each
        page of a 100 000-item column carry thousands of links (and the column's pages
        together grow with the square of their number)."""
        shown = sorted({1, self.total, *range(max(1, self.number - around),
                                               min(self.total, self.number + around) + 1)})
        out: list[tuple[int, str] | None] = []
        for i, n in enumerate(shown):
            if i and n - shown[i - 1] > 1:
                out.append(None)
            out.append((n, self.urls[n - 1]))
        return out


@dataclass
class Site:
    config: SiteConfig
    items: list[Item]  # newest first
    roots: list[CategoryNode]
    nodes: dict[str, CategoryNode]  # category path -> node
    years: dict[int, list[Item]]  # newest year first
    organizations: dict[str, list[Item]]  # org id -> items, in config order
    neighbours: dict[str, tuple[Item | None, Item | None]]  # index_no -> (newer, older)
    by_index_no: dict[str, Item]
    replacements: dict[str, list[Item]]  # index_no -> the repealed items it replaces
    latest: list[Item]  # valid (有效) items only
    updated: dt.date | None  # newest date_published: the kiosk's "信息更新至"
    # 限时公开 items past their 公开截止日期, newest first: listed apart, in no column, no
    # organisation's list and no feed (their pages, the year archives and search keep them)
    expired_items: list[Item] = field(default_factory=list)
    # index_no -> the items shown with it (相关信息): those it names in related_items and
    # those naming it, newest first
    related: dict[str, list[Item]] = field(default_factory=dict)
    # 专栏 name -> its items, newest first, in sitegen.toml's order (past their period: not
    # listed, as in the columns)
    specials: dict[str, list[Item]] = field(default_factory=dict)

    @property
    def current_items(self) -> list[Item]:
        """The items the columns list, newest first."""
        return [i for i in self.items if not i.expired] if self.expired_items else self.items

    def org(self, org_id: str) -> Organization:
        return self.config.organizations[org_id]

    def special(self, name: str) -> Special:
        return next(s for s in self.config.specials if s.name == name)

    def breadcrumbs(self, category: Category) -> list[CategoryNode]:
        return [self.nodes[c.path] for c in self.config.categories.ancestors(category)]

    def paginate(self, items: list[Item], urls_of: callable) -> list[Pagination]:  # type: ignore[valid-type]
        size = self.config.page_size
        total = max(1, -(-len(items) // size))
        urls = [urls_of(n) for n in range(1, total + 1)]
        return [Pagination(n, total, items[(n - 1) * size : n * size], urls)
                for n in range(1, total + 1)]


def build_site(config: SiteConfig, items: list[Item]) -> Site:
    """`items` must be sorted newest first (validate.validate does)."""
    tree = config.categories
    nodes = {c.path: CategoryNode(c) for c in tree.categories}
    for cat in tree.categories:
        parent = tree.parent(cat)
        if parent is not None:
            nodes[parent.path].children.append(nodes[cat.path])
    leaf_items: dict[str, list[Item]] = defaultdict(list)
    expired = [i for i in items if i.expired]
    current = [i for i in items if not i.expired] if expired else items
    chains: dict[str, list[CategoryNode]] = {}  # leaf path -> its nodes (a rebuild's tenth)
    for item in current:
        path = item.category.path
        chain = chains.get(path)
        if chain is None:
            chain = chains[path] = [nodes[a.path] for a in tree.ancestors(item.category)]
        for node in chain:
            node.items.append(item)
        leaf_items[path].append(item)
    for path, siblings in leaf_items.items():
        if any(i.rank is not None for i in siblings):  # 领导信息: listed by rank, not by date
            nodes[path].ranked = sorted(siblings, key=lambda i: (i.rank is None, i.rank or 0))

    neighbours: dict[str, tuple[Item | None, Item | None]] = {}
    for siblings in leaf_items.values():
        for i, item in enumerate(siblings):
            newer = siblings[i - 1] if i > 0 else None
            older = siblings[i + 1] if i + 1 < len(siblings) else None
            neighbours[item.index_no] = (newer, older)
    for item in expired:  # in no column: no 上一篇 / 下一篇
        neighbours[item.index_no] = (None, None)

    replacements: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.replaced_by:
            replacements[item.replaced_by].append(item)

    by_index_no = {i.index_no: i for i in items}
    related: dict[str, dict[str, Item]] = defaultdict(dict)
    for item in items:
        for number in item.related:
            other = by_index_no.get(number)
            if other is not None and other is not item:
                related[item.index_no][number] = other
                related[number][item.index_no] = item

    years: dict[int, list[Item]] = defaultdict(list)
    orgs: dict[str, list[Item]] = {org_id: [] for org_id in config.organizations}
    for item in items:
        years[item.date_published.year].append(item)
    specials: dict[str, list[Item]] = {special.name: [] for special in config.specials}
    for item in current:
        orgs[item.organization].append(item)
        for name in item.specials:
            specials[name].append(item)

    return Site(
        config=config,
        items=items,
        roots=[nodes[c.path] for c in tree.children(None)],
        nodes=nodes,
        years=dict(sorted(years.items(), reverse=True)),
        organizations=orgs,
        neighbours=neighbours,
        by_index_no=by_index_no,
        replacements=dict(replacements),
        latest=[i for i in current if i.is_valid][:LATEST_COUNT],
        updated=items[0].date_published if items else None,
        expired_items=expired,
        related={n: sorted(found.values(), key=lambda i: i.sort_key, reverse=True)
                 for n, found in sorted(related.items())},
        specials=specials,
    )
