"""A build that only re-renders edited bodies: the common edit, a sentence of an item fixed.

`lastbuild.edited` finds that this build's inputs differ from the last good build's only in
the bytes of a few item files, and that the output is as that build left it. If each of those
files still has the same front matter (it validates to the same `Checked` but for the item's
digest and body), nothing but those items' pages, their search documents and the feeds that
show them can change: every list, neighbour link, category page, archive, sitemap entry and
line of search.json is made from front matter. `rebuild` renders just those items, with the
site model the last whole build kept (`remember_site`), updates the index files their words
touch, writes the changed files with `AtomicOutput.patch` and leaves the cache as a whole
build would have. Whenever it cannot be sure, it returns None having written nothing, and
`generate.py` does the whole build. Tests compare its output with a clean build's.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sitegen import feeds, generate, lastbuild, search
from sitegen.cache import Cache
from sitegen.config import SiteConfig
from sitegen.content import ContentFile
from sitegen.diagnostics import Diagnostic, Level
from sitegen.markdown import LinkContext
from sitegen.output import AtomicOutput
from sitegen.pages import PageRenderer, make_environment
from sitegen.structure import Site
from sitegen.themes import theme_dirs
from sitegen.validate import Checked, Item

log = logging.getLogger(__name__)

SITE = "site"  # cache meta: the pickled Site of the last good whole build
SITE_FOR = "site_for"  # the inputs key of the last good build that Site is right for


def remember_site(cache: Cache, site: Site, inputs: str) -> None:
    """Keep the site model of a whole build (its items without bodies) for quick builds."""
    cache.set_meta(SITE, pickle.dumps(site, protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta(SITE_FOR, inputs)


@dataclass
class Done:
    diagnostics: list[Diagnostic]
    written: int  # files of the output
    unchanged: int  # of those, not rewritten


@dataclass
class _Edit:
    file: ContentFile
    digest: str
    checked: Checked
    item: Item  # the site model's, its digest updated
    body: str


def rebuild(config: SiteConfig, edit: lastbuild.Edited, files: list[ContentFile],
            asset_files: list[ContentFile], rest: str, cache: Cache, output: Path,
            encoding: str) -> Done | None:
    """Update the output for bodies edited in `edit.files`; None (nothing written) if this is
    not such an edit. `files`: every item file; `rest`: `lastbuild.rest_key` of this build."""
    assets = frozenset(a.content_rel for a in asset_files)
    fronts = _same_fronts(config, edit.files, assets, cache, encoding)
    if fronts is None:  # the cheap test first: most edits that are not quick fail it
        return None
    inodes: dict[str, int] = {}
    if lastbuild.output_files(output, inodes) != edit.output_files:
        return None  # edited by hand since: the whole build renders those files again
    site = _site(cache, edit.inputs)
    edits = None if site is None else _edits(fronts, site)
    if site is None or edits is None:
        return None
    renderer = PageRenderer(site, make_environment(theme_dirs(config)))
    item_urls = {i.content_rel: i.url for i in site.items}
    old_records = dict(map(generate.ItemRecord.from_row,
                           cache.item_records_of([e.item.url for e in edits])))
    out_files: dict[str, bytes | None] = {}
    done: dict[str, generate.RenderedItem] = {}  # url -> what rendering it gave
    for e in edits:
        item, old = e.item, old_records.get(e.item.url)
        if old is None:
            return None
        ctx = LinkContext(item.url, item.content_rel, item_urls, assets)
        cached = cache.bodies([generate.body_key(item)]).get(generate.body_key(item))
        rendered = generate.render_item(item, renderer, ctx, cached, lambda _, b=e.body: b)
        if isinstance(rendered, str):
            return None  # the whole build reports the error
        record = rendered.record
        # What other pages and the other files show of the item must be as it was.
        if record.search_line != old.search_line or set(record.assets) != set(old.assets):
            return None
        try:
            out_files[item.url] = renderer.item(item, rendered.body.html).encode("utf-8")
        except jinja2.TemplateError:
            return None
        done[item.url] = rendered
    feed_files = _feeds(site, cache, done, edits)
    if feed_files is None:
        return None
    out_files.update(feed_files)
    index = _index(cache, output, old_records, done)
    if index is None:
        return None
    old_state, new_index = index
    for rel, data in new_index.files:
        out_files[rel] = data
    for rel in old_state.digests.keys() - new_index.state.digests.keys():
        out_files[search.INDEX_DIR + rel] = None
    diagnostics = _diagnostics(edit.last.diagnostics, old_records, done)
    if diagnostics is None:
        return None
    out = AtomicOutput(output)
    written = out.patch(out_files, inodes)
    if written is None:
        return None
    output_files = {rel: stat for rel, stat in edit.output_files.items()
                    if out_files.get(rel, b"") is not None}
    output_files.update(written)

    env = generate.checked_env(config, encoding, asset_files)
    cache.put_checked((e.file.rel, e.file.stat, e.digest, env, *generate.pack_checked(e.checked))
                      for e in edits)
    cache.put_item_records(r.record.row(url) for url, r in done.items())
    cache.put_bodies((r.record.body_key, r.body) for r in done.values() if r.fresh)
    cache.put_search_docs((*r.record.search_id, Cache.pack(r.doc)) for r in done.values())
    cache.replace_pages({url: r.record.page_key for url, r in done.items()},
                        {url: old_records[url].page_key for url in done})
    cache.set_meta("search_index", new_index.state.to_json())
    lastbuild.remember(cache, rest, files, output, output_files, edit.last.published,
                       diagnostics, edit.last.held_back)
    cache.set_meta(SITE_FOR, lastbuild.inputs_key(rest, files))
    log.info("quick build: %d item(s), %d file(s) written", len(edits), len(written))
    return Done(diagnostics, len(out.written), out.reused)


def _site(cache: Cache, inputs: str) -> Site | None:
    if cache.get_meta(SITE_FOR) != inputs:
        return None
    data = cache.get_meta(SITE)
    return pickle.loads(data) if isinstance(data, bytes) else None


def _front(checked: Checked) -> Checked:
    """A validation result but for what the body decides (the item's digest and body)."""
    assert checked.item is not None
    return dataclasses.replace(checked, item=dataclasses.replace(checked.item, digest="", body=""))


def _same_fronts(config: SiteConfig, files: list[ContentFile], assets: frozenset[str],
                 cache: Cache, encoding: str
                 ) -> list[tuple[ContentFile, str, Checked]] | None:
    """Each edited file read and validated (with its digest), if each still validates as it
    did but for its item's digest and body."""
    before = cache.checked_of([f.rel for f in files])
    found = []
    for f in files:
        digest, checked = generate.check_file(f, config, assets, encoding)
        old = before.get(f.rel)
        if checked.item is None or old is None or old.item is None \
                or _front(checked) != _front(old):
            return None
        found.append((f, digest, checked))
    return found


def _edits(fronts: list[tuple[ContentFile, str, Checked]], site: Site) -> list[_Edit] | None:
    """The edits, if each file is a published item (not one held back until its date)."""
    edits = []
    for f, digest, checked in fronts:
        assert checked.item is not None
        item = site.by_index_no.get(checked.item.index_no)
        if item is None or item.source != f.rel:
            return None
        item.digest = checked.item.digest
        edits.append(_Edit(f, digest, checked, item, checked.item.body))
    return edits


def _feeds(site: Site, cache: Cache, done: dict[str, generate.RenderedItem],
           edits: list[_Edit]) -> dict[str, bytes] | None:
    """The feeds that show an edited item, with every body they show (None if one of those
    is not in the cache)."""
    shown = feeds.shown(site)
    edited = {e.item.index_no: e.item.url for e in edits}
    wanted = {feed for index_no in edited for feed in shown.get(index_no, [])}
    if not wanted:
        return {}
    items = {i.index_no: i for url, items, _, _ in feeds.feed_lists(site) if url in wanted
             for i in items[: site.config.feed_length] if i.index_no not in edited}
    records = dict(map(generate.ItemRecord.from_row,
                       cache.item_records_of([i.url for i in items.values()])))
    keys = {n: records[i.url].body_key for n, i in items.items() if i.url in records}
    found = cache.bodies(list(keys.values()))
    bodies = {n: found[k].html for n, k in keys.items() if k in found}
    if len(bodies) < len(items):
        return None
    bodies.update({n: done[url].body.html for n, url in edited.items()})
    return dict(feeds.feeds(site, bodies, only=wanted))


def _index(cache: Cache, output: Path, old_records: dict[str, generate.ItemRecord],
           done: dict[str, generate.RenderedItem]
           ) -> tuple[search.IndexState, search.Index] | None:
    old = search.IndexState.from_json(cache.get_meta("search_index"))
    if old is None:
        return None
    position = {index_no: n for n, (index_no, _) in enumerate(old.docs)}
    ids = list(old.docs)
    new_docs = {}
    for url, rendered in done.items():
        index_no, fingerprint = rendered.record.search_id
        n = position.get(index_no)
        if n is None or ids[n] != old_records[url].search_id:
            return None
        ids[n] = (index_no, fingerprint)
        new_docs[rendered.record.search_id] = rendered.doc
    folder = output / search.INDEX_DIR
    index = search.update_index(
        old, ids, search.restamped((folder / "manifest.js").read_bytes()),
        lambda n, f: new_docs.get((n, f)) or cache.search_doc(n, f),
        lambda rel: (folder / rel).read_bytes())
    return None if index is None else (old, index)


def _diagnostics(last: list[Diagnostic], old: dict[str, generate.ItemRecord],
                 done: dict[str, generate.RenderedItem]) -> list[Diagnostic] | None:
    """The last build's report with the edited bodies' warnings replaced (None if it does
    not hold them)."""
    kept = list(last)
    for url in done:
        for source, message, line in old[url].warnings:
            gone = Diagnostic(Level.WARNING, source, message, line)
            if gone not in kept:
                return None
            kept.remove(gone)
    return kept + [Diagnostic(Level.WARNING, source, message, line)
                   for r in done.values() for source, message, line in r.record.warnings]
