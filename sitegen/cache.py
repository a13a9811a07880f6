"""The persistent build cache: `.sitegen-cache/cache.sqlite` in the site folder.

It holds what is expensive to compute again — validated items, rendered Markdown bodies, and
the input key of every page written — keyed by content, never trusted blindly: a body is reused
only if every link it made still resolves the same way, a page only if its key and its
previous output file are both there. Deleting the folder is always safe; a build without it
produces the same bytes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import sqlite3
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sitegen import __version__

log = logging.getLogger(__name__)

CACHE_DIR = ".sitegen-cache"
SCRATCH_PREFIX = "scratch-"  # a build's scratch folders in the cache folder (`Cache.scratch`)
SCHEMA = 26  # 26: 专栏 (Item.specials, Site.specials); 25: local addresses written with entities; 24: held back with its field and line; 23: annual report sections as paragraphs; 22: the review line kept for --strict; 21: placeholders hold an item back; 20: lines of every part of a field, annual report places in Chinese; 19: text in angle brackets stays text; 18: tags only not published are no unsafe HTML; 17: YAML numbers as written; 16: warnings say 发布时…; 15: 8:30 is text; 14: local-file links, bare images; 13: Item.related
_LIBRARIES = ("markdown", "jinja2", "pygments", "nh3", "feedgen", "chinesecalendar", "pyyaml")


def library_versions(names: Iterable[str]) -> list[str]:
    """The installed version of each distribution ("?" if none), as importlib.metadata gives
    it, but read first from the names of the `<name>-<version>.dist-info` folders on sys.path:
    importing importlib.metadata (with email, zipfile, csv …) took 45 ms, a tenth of a build
    with nothing to do. A name found no such way (an egg, a zip) is asked of it after all."""
    found: dict[str, str | None] = {}  # None: an egg's, which importlib.metadata reads
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for name in listing:
            if name.endswith(".dist-info") and "-" in name:
                project, _, version = name[: -len(".dist-info")].partition("-")
                found.setdefault(_normalised(project), version)
            elif name.endswith(".egg-info"):
                found.setdefault(_normalised(name[: -len(".egg-info")].partition("-")[0]), None)
    out = []
    for name in names:
        key = _normalised(name)
        if found.get(key) is None:
            from importlib import metadata
            try:
                found[key] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[key] = "?"
        out.append(found[key] or "?")
    return out


def _normalised(project: str) -> str:
    return "".join("_" if c in "-." else c for c in project.lower())


# Anything cached was computed by these versions (an upgraded holiday table changes deadline
# warnings, an upgraded Pygments its CSS …): a change of any of them starts the cache afresh.
VERSION = "|".join([str(SCHEMA), __version__, *library_versions(_LIBRARIES)])


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def text_digest(text: str) -> str:
    """A fingerprint of one long text (a page body): no repr, which would copy it escaped."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class Cache:
    """A thin store; `None` folder means no cache (every lookup misses, nothing is written)."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "cache.sqlite" if folder else None
        self.db: sqlite3.Connection | None = None
        if self.path is None:
            return
        folder.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        # a killed build's scratch (one site's builds never run at once: `build.site_lock`)
        for left in folder.glob(SCRATCH_PREFIX + "*"):  # type: ignore[union-attr]
            shutil.rmtree(left, ignore_errors=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            log.warning("生成缓存 %s 无法读取，已丢弃，这次完整生成", self.path)
            self.discard()
            self.db = self._open()

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None

    def scratch(self) -> tempfile.TemporaryDirectory[str]:
        """A folder for scratch files, removed when its `with` ends (or, if the build is
        killed, when the next one opens the cache): in the cache folder, on disk beside the
        site, since the system's temporary folder may be memory. (A build without a cache
        of its own, `--no-cache`, has its cache and scratch there.)"""
        return tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=self.folder)

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        db = sqlite3.connect(self.path)
        # (for a new file only) A cold build at 10 000 items writes 85 MB here, most of it
        # blobs of 2 to 15 KB: in 16 KB pages SQLite wrote them in 0.33 s of CPU, in its
        # default 4 KB pages in 0.50-0.61 s (measured on the benchmark catalog's rows).
        db.execute("PRAGMA page_size=16384")
        # Write-ahead log: the workers read cached bodies while the parent stores new ones
        # (a rollback journal would lock the readers out once the writer spills to disk).
        db.execute("PRAGMA journal_mode=WAL")
        # No fsync per commit: a power cut may lose the last commits, never the file's
        # consistency, and a cache older than the output is one the build already distrusts
        # (a build killed between its swap and its commit leaves the same).
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        if row is None or row[0] != VERSION:
            for table in ("checked", "bodies", "pages", "search_docs", "items"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute("DELETE FROM meta WHERE key LIKE 'x:%'")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (VERSION,))
        # An item's Markdown apart from its pickle: every build reads all the pickles, and only
        # the few items it renders need their text.
        db.execute("CREATE TABLE IF NOT EXISTS checked "
                   "(path TEXT PRIMARY KEY, stat TEXT, digest TEXT, env TEXT, data BLOB, body TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, data BLOB)")
        db.execute("CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, key TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS items (url TEXT PRIMARY KEY, inputs TEXT, "
                   "page_key TEXT, body_key TEXT, index_no TEXT, search_fp TEXT, search_line TEXT, "
                   "extra BLOB)")
        db.execute("CREATE TABLE IF NOT EXISTS search_docs "
                   "(index_no TEXT, fingerprint TEXT, data BLOB, PRIMARY KEY (index_no, fingerprint))")
        db.commit()
        return db

    # -- validated items ---------------------------------------------------------------------
    def checked(self) -> Iterator[tuple[str, str, str, str, bytes]]:
        """(path, stat, digest, env, pickled Checked without its item's body), one row at a
        time: a site's worth of pickles is not held at once."""
        if self.db is None:
            return iter(())
        return self.db.execute("SELECT path, stat, digest, env, data FROM checked")

    def _where_in(self, query: str, values: list[str]) -> Iterator[tuple[Any, ...]]:
        """Rows of `query` (ending in `IN ({marks})`) for `values`, a batch per statement:
        SQLite limits the parameters of one."""
        if self.db is None:
            return
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            yield from self.db.execute(query.format(marks=",".join("?" * len(chunk))), chunk)

    def checked_of(self, paths: list[str]) -> dict[str, Any]:
        """path -> Checked, its item's body included, for those `paths` that are here."""
        found = {}
        for path, data, body in self._where_in(
                "SELECT path, data, body FROM checked WHERE path IN ({marks})", paths):
            found[path] = checked = pickle.loads(data)
            if checked.item is not None:
                checked.item.body = body
        return found

    def put_checked(self, rows: Iterable[tuple[str, str, str, str, bytes, str]],
                    keep: set[str] | None = None) -> None:
        """Store rows (path, stat, digest, env, pickled Checked without the body, body); then,
        if given, only the paths in `keep` are kept."""
        if self.db is None:
            return
        self.db.executemany("INSERT OR REPLACE INTO checked VALUES (?, ?, ?, ?, ?, ?)", rows)
        if keep is None:
            return
        gone = [(p,) for (p,) in self.db.execute("SELECT path FROM checked") if p not in keep]
        self.db.executemany("DELETE FROM checked WHERE path=?", gone)

    # -- rendered bodies -----------------------------------------------------------------------
    def bodies(self, keys: list[str]) -> dict[str, Any]:
        """The cached bodies of those `keys` that have one (one query for a batch of items)."""
        return {key: self.unpack(data) for key, data in
                self._where_in("SELECT key, data FROM bodies WHERE key IN ({marks})", keys)}

    def put_bodies(self, rows: Iterable[tuple[str, bytes]]) -> None:
        """(key, `pack`ed body): packed by the worker that rendered it, so that the build's
        main process, which stores every body of a cold build, neither pickles them nor
        writes them whole (a tenth of a cold build's size, in a quarter of the bytes)."""
        if self.db is None:
            return
        self.db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?)", rows)

    def prune_bodies(self, keep: set[str]) -> None:
        if self.db is None:
            return
        gone = [(k,) for (k,) in self.db.execute("SELECT key FROM bodies") if k not in keep]
        self.db.executemany("DELETE FROM bodies WHERE key=?", gone)

    # -- small named values --------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        if self.db is None:
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (f"x:{key}",)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | bytes) -> None:
        if self.db is not None:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"x:{key}", value))

    # -- page keys -----------------------------------------------------------------------------
    def pages(self) -> dict[str, str]:
        if self.db is None:
            return {}
        return dict(self.db.execute("SELECT url, key FROM pages"))

    def page_keys(self, urls: list[str]) -> dict[str, str]:
        """The keys of those `urls` that have one."""
        return dict(self._where_in("SELECT url, key FROM pages WHERE url IN ({marks})", urls))

    def replace_pages(self, keys: dict[str, str], old: dict[str, str] | None = None) -> None:
        """Make the page keys `keys`; `old`, if given, is what the table holds now (then
        only the differences are written: most pages keep their key)."""
        if self.db is None:
            return
        if old is None:
            self.db.execute("DELETE FROM pages")
            old = {}
        self.db.executemany("DELETE FROM pages WHERE url=?", ((u,) for u in old if u not in keys))
        self.db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)",
                            sorted((u, k) for u, k in keys.items() if old.get(u) != k))

    # -- what rendering each item page produced (see build.ItemRecord) -----------------------
    def item_records(self) -> Iterator[tuple[str, str, str, str, str, str, str, bytes]]:
        """(url, inputs, page key, body key, index_no, search fingerprint, search.json line,
        pickled rest)."""
        if self.db is None:
            return iter(())
        return self.db.execute("SELECT * FROM items")

    def record_keys(self) -> Iterator[tuple[str, str, str]]:
        """(url, inputs, page key) of every item record: what tells whether a record can count,
        without reading them all (178 MB at 100 000 items, where a template edit uses none)."""
        if self.db is None:
            return iter(())
        return self.db.execute("SELECT url, inputs, page_key FROM items")

    def item_records_naming(self, needles: list[bytes]
                            ) -> Iterator[tuple[str, str, str, str, str, str, str, bytes]]:
        """The item records whose pickled rest holds one of `needles` (bytes), found by SQLite
        (`instr` on the blobs): a move looks for the pages linking to the item's old address;
        reading every record into Python to look took 0.05–0.08 s at 10 000 items, this 0.008 s."""
        if self.db is None or not needles:
            return
        for start in range(0, len(needles), 100):
            chunk = needles[start : start + 100]
            test = " OR ".join(["instr(extra, ?) > 0"] * len(chunk))
            yield from self.db.execute(f"SELECT * FROM items WHERE {test}", chunk)

    def item_records_of(self, urls: list[str]) -> list[tuple[str, str, str, str, str, str, str, bytes]]:
        """The records of those `urls` that have one."""
        return list(self._where_in("SELECT * FROM items WHERE url IN ({marks})", urls))

    def put_item_records(self, rows: Iterable[tuple[str, str, str, str, str, str, str, bytes]]) -> None:
        """Store rows as `item_records` gives them."""
        if self.db is not None:
            self.db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def drop_item_records(self, urls: list[str]) -> None:
        if self.db is not None:
            self.db.executemany("DELETE FROM items WHERE url=?", ((u,) for u in urls))

    def keep_item_records(self, keep: set[str]) -> None:
        """Only the records of the urls in `keep` stay."""
        if self.db is None:
            return
        gone = [(u,) for (u,) in self.db.execute("SELECT url FROM items") if u not in keep]
        self.db.executemany("DELETE FROM items WHERE url=?", gone)

    # -- documents as the search index holds them --------------------------------------------
    # Keyed by index number and fingerprint: while a build updates the index, an edited
    # document is here as it was indexed last time and as it is now.
    def search_doc(self, index_no: str, fingerprint: str) -> Any | None:
        found = self.search_docs([(index_no, fingerprint)])
        return found.get((index_no, fingerprint))

    def search_docs(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """The documents of those (index_no, fingerprint) `keys` that are here."""
        wanted = set(keys)
        rows = self._where_in("SELECT index_no, fingerprint, data FROM search_docs "
                              "WHERE index_no IN ({marks})", sorted({n for n, _ in keys}))
        return {(n, fp): self.unpack(data) for n, fp, data in rows if (n, fp) in wanted}

    def search_doc_keys(self) -> set[tuple[str, str]]:
        if self.db is None:
            return set()
        return set(self.db.execute("SELECT index_no, fingerprint FROM search_docs"))

    @staticmethod
    def pack(value: Any) -> bytes:
        """What `put_search_docs` and `put_bodies` store (made by the worker that has the
        value at hand)."""
        return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)

    @staticmethod
    def unpack(data: bytes) -> Any:
        return pickle.loads(zlib.decompress(data))

    def put_search_docs(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """(index_no, fingerprint, packed document)."""
        if self.db is not None:
            self.db.executemany("INSERT OR REPLACE INTO search_docs VALUES (?, ?, ?)", rows)

    def prune_search_docs(self, keep: set[tuple[str, str]]) -> None:
        if self.db is None:
            return
        gone = [key for key in self.db.execute("SELECT index_no, fingerprint FROM search_docs")
                if key not in keep]
        self.db.executemany("DELETE FROM search_docs WHERE index_no=? AND fingerprint=?", gone)

    def discard(self) -> None:
        """Delete the cache file (it is only ever a shortcut)."""
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)

    def reader(self) -> Cache:
        """A separate connection for a worker process (sqlite connections don't survive fork)."""
        clone = Cache.__new__(Cache)
        clone.path = self.path
        clone.db = sqlite3.connect(self.path) if self.path else None
        return clone

    def commit(self) -> None:
        if self.db is not None:
            self.db.commit()

    def close(self, commit: bool = True) -> None:
        if self.db is not None:
            if commit:
                self.db.commit()
            else:
                self.db.rollback()
            self.db.close()
            self.db = None
