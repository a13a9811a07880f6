"""The record of the last good build: what it read (a key over every input, and each item
file's size and mtime) and what it left in the output folder (each file's size and mtime),
kept in the build cache.

A build whose inputs key matches, with the output as that build left it, has nothing to do
and repeats that build's report without touching a file. One whose inputs differ only in a
few item files (edited, new or deleted) may be quick (`edited`, then `quick.py`). The file list also
tells a build which files of the previous output it may take over unread
(`output.AtomicOutput.prepare`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import sitegen.cache
from sitegen import parallel
from sitegen.cache import Cache, fingerprint
from sitegen.config import SiteConfig
from sitegen.content import ContentFile
from sitegen.diagnostics import Diagnostic, Level
from sitegen.output import SpareWalk, current_umask, spare_of, walk_spare
from sitegen.themes import theme_dirs
from sitegen.validate import HeldBack

_PACKAGE = Path(__file__).resolve().parent


@dataclass
class LastBuild:
    """What the last good build reported, to repeat when nothing changed."""

    published: int
    diagnostics: list[Diagnostic]
    held_back: list[HeldBack]
    files: int


def _stats(paths: list[Path], bytecode: bool = True) -> list[tuple[str, int, int, str]]:
    """Every entry below `paths` with size and mtime; a symlink by its target and by the
    size and mtime of what it points to. Without `bytecode`, Python's bytecode caches are
    left out (the first run after an install writes them into the package)."""
    found = []
    for base in paths:
        seen: set[str] = set()  # folders walked, by real path: a link back up is not a loop
        # resolved: `sitegen build` in the site folder and `sitegen build /path/to/site` read
        # the same theme (named relative to the site, it made each other's builds whole).
        # Into linked folders too: a theme's templates may be a link to a shared folder, and
        # a template edited there changes no size or mtime of the link.
        for folder, dirs, files in os.walk(Path(base).resolve(), followlinks=True):
            seen.add(os.path.realpath(folder))
            if not bytecode and "__pycache__" in dirs:
                dirs.remove("__pycache__")
            entries = sorted(dirs + files)
            dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(folder, d)) not in seen]
            for name in entries:
                p = os.path.join(folder, name)
                link = os.readlink(p) if os.path.islink(p) else ""
                try:
                    st = os.stat(p)
                except OSError:  # a dangling link
                    st = os.lstat(p)
                found.append((p, st.st_size, st.st_mtime_ns, link))
    return sorted(found)


def rest_key(config: SiteConfig, now: dt.date, strict: bool, encoding: str, output: Path,
             notes: Sequence[Diagnostic] = ()) -> str:
    """Everything a build reads but the item files and the other files of the content;
    `notes`: what reading the config and listing the content warned of. And the umask: the
    permissions of the files written (a build under a corrected umask mends them)."""
    return fingerprint(sitegen.cache.VERSION, config.identity(), now, strict, encoding,
                       str(output.resolve()), _stats(theme_dirs(config)),
                       _stats([_PACKAGE], bytecode=False), [d.format() for d in notes], current_umask())


def inputs_key(rest: str, files: list[ContentFile], assets: list[ContentFile]) -> str:
    """Everything a build reads: if this is what the last good build read, and its output is
    untouched, the build would write the same bytes."""
    # (joined, not `repr`-ed: a third of the time, on every build; no name holds a NUL)
    key = hashlib.sha256(rest.encode("utf-8"))
    for group in (files, assets):
        key.update(b"\1")
        joined = "\0".join([f"{f.rel}\0{f.stat}" for f in group])
        key.update(joined.encode("utf-8", "surrogatepass"))
    return key.hexdigest()[:32]


def output_files(output: Path, inodes: dict[str, int] | None = None) -> dict[str, list[int]]:
    """rel path -> [size, mtime_ns] of every file in the output (os.scandir: this runs on
    every build over tens of thousands of files, where pathlib costs more than the stat);
    each file's inode goes into `inodes` if given."""
    found: dict[str, list[int]] = {}
    stack = [("", str(output))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((prefix + entry.name + "/", entry.path))
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = [st.st_size, st.st_mtime_ns]
                    if inodes is not None:
                        inodes[prefix + entry.name] = st.st_ino
    return found


class OutputWalk:
    """`output_files` of an output folder, then the inodes of its files and the walk of its
    spare (`walk_spare`), made in a forked process from the start of a build: a build with
    nothing to do, or a quick one, compares the output with what the last build left there
    before it touches it, and the walk (a stat of every file, a tenth of such a build at
    10 000 items) runs on another core meanwhile, beside the listing of the content and the
    loading of the site model. Where processes cannot be forked, or the child fails, the
    folder is walked here when the result is asked for."""

    def __init__(self, output: Path, start: bool = True) -> None:
        self.output = output
        self._files: dict[str, list[int]] | None = None
        self._more: tuple[dict[str, int], SpareWalk | None] | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receiver: Connection | None = None
        if not start or "fork" not in multiprocessing.get_all_start_methods() \
                or not output.is_dir():
            return
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        # (no stop while forking: see `parallel.pmap`)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, parallel.STOP_SIGNALS)
        try:
            process = context.Process(target=_walk_into, args=(output, sender, receiver),
                                      daemon=True)
            process.start()
        except OSError:  # (no process to spare: walked here)
            receiver.close()
            return
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            sender.close()
        self._process, self._receiver = process, receiver

    def files(self) -> dict[str, list[int]]:
        """rel -> [size, mtime_ns] of every file of the output (`output_files`)."""
        if self._files is None:
            self._files = self._receive()
            if self._files is None:  # (the child failed: walked here, which reports an error)
                self._walk_here()
        assert self._files is not None
        return self._files

    def more(self) -> tuple[dict[str, int], SpareWalk | None]:
        """rel -> inode of every file of the output, and `walk_spare` of its spare (None: it
        has none)."""
        self.files()
        if self._more is None:
            self._more = self._receive()
            self.close()
            if self._more is None:
                self._walk_here()
        assert self._more is not None
        return self._more

    def _walk_here(self) -> None:
        inodes: dict[str, int] = {}
        files = output_files(self.output, inodes)
        self._files = self._files if self._files is not None else files
        self._more = inodes, _spare_walk(self.output)

    def _receive(self) -> Any:
        if self._receiver is None:
            return None
        try:
            return pickle.loads(self._receiver.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            self.close()
            return None

    def close(self) -> None:
        """End the child if its results are not wanted (it waits to send them)."""
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process = None


def _spare_walk(output: Path) -> SpareWalk | None:
    spare = spare_of(output)
    return walk_spare(spare) if spare.is_dir() and not spare.is_symlink() else None


def _walk_into(output: Path, sender: Connection, receiver: Connection) -> None:
    parallel.worker_started()
    # Its own copy of the reading end closed: a build killed before it read the result must
    # not leave this process waiting for a reader for ever (it gets a broken pipe).
    receiver.close()
    try:
        inodes: dict[str, int] = {}
        # the files first: all a build with nothing to do waits for
        for part in (output_files(output, inodes), (inodes, _spare_walk(output))):
            sender.send_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 (the parent walks again, and reports what it finds)
        pass
    finally:
        sender.close()


def remember(cache: Cache, rest: str, inputs: str, sources: list[ContentFile],
             assets: list[ContentFile], output: Path, files: dict[str, list[int]], published: int,
             diagnostics: list[Diagnostic], held_back: list[HeldBack]) -> None:
    # The output's files go apart, pickled: JSON of 100 000 entries costs a second a build.
    cache.set_meta("last_files", pickle.dumps(files, protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta("last_sources", pickle.dumps({f.rel: f.stat for f in sources},
                                                protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta("last_assets", pickle.dumps({a.rel: (a.content_rel, a.stat) for a in assets},
                                               protocol=pickle.HIGHEST_PROTOCOL))
    record = {
        "inputs": inputs, "rest": rest, "published": published,
        "output": str(output.resolve()),
        "diagnostics": [[d.level.name, d.file, d.message, d.line, d.field, d.label]
                        for d in diagnostics],
        "held_back": [[h.source, h.title, h.reason, h.review] for h in held_back],
    }
    cache.set_meta("last_build", json.dumps(record, ensure_ascii=False))


def last_inputs(cache: Cache) -> str | None:
    """The inputs key of the last good build."""
    return json.loads(cache.get_meta("last_build") or "{}").get("inputs")


def last_output(cache: Cache) -> str | None:
    """The output folder the last good build wrote (resolved)."""
    return json.loads(cache.get_meta("last_build") or "{}").get("output")


def last_files(cache: Cache) -> dict[str, list[int]]:
    """rel -> [size, mtime_ns] of the files the last good build left in its output."""
    data = cache.get_meta("last_files")
    return pickle.loads(data) if isinstance(data, bytes) else {}


def _last_build(record: dict, files: int) -> LastBuild:
    return LastBuild(
        record["published"],
        [Diagnostic(Level[level], file, message, line, field_name, label)
         for level, file, message, line, field_name, label in record["diagnostics"]],
        [HeldBack(*h) for h in record["held_back"]], files)


def unchanged(cache: Cache, inputs: str, walk: OutputWalk) -> LastBuild | None:
    """The last build's report when nothing needs doing (no output file is touched, not even
    re-linked), else None."""
    record = json.loads(cache.get_meta("last_build") or "{}")
    if record.get("inputs") != inputs or not walk.output.is_dir():
        return None
    files = last_files(cache)
    if walk.files() != files:
        return None
    return _last_build(record, len(files))


EDIT_LIMIT = 20  # item files beyond which `edited` leaves a build to the whole pipeline


@dataclass
class Edited:
    """The last good build, when this build's inputs differ from its inputs only in the bytes
    of a few item files (whether its output is as it left it is for the caller to check,
    with `output_files`)."""

    files: list[ContentFile]  # the item files that changed or are new
    inputs: str  # the last build's inputs key
    last: LastBuild
    output_files: dict[str, list[int]]  # rel -> [size, mtime_ns], as the last build left them
    added: frozenset[str] = frozenset()  # of `files`, those new since (their rel)
    removed: frozenset[str] = frozenset()  # item files gone since (their rel)
    new_assets: frozenset[str] = frozenset()  # other files of the content new since (content_rel)
    removed_assets: frozenset[str] = frozenset()  # and those gone since (content_rel)


def edited(cache: Cache, rest: str, files: list[ContentFile], assets: list[ContentFile],
           output: Path) -> Edited | None:
    """The last good build of `output` and the item files changed, added or removed since, if
    nothing else changed (`rest`: this build's `rest_key`) but for new or removed files among
    the other files of the content (`assets`: an attachment is mostly published or taken
    down with its item), and no more than EDIT_LIMIT item files did."""
    record = json.loads(cache.get_meta("last_build") or "{}")
    if record.get("rest") != rest or record.get("output") != str(output.resolve()) \
            or not output.is_dir():
        return None
    data = cache.get_meta("last_assets")
    if not isinstance(data, bytes):
        return None
    known: dict[str, tuple[str, str]] = pickle.loads(data)
    new_assets = frozenset(a.content_rel for a in assets if a.rel not in known)
    if any(known[a.rel][1] != a.stat for a in assets if a.rel in known):
        return None  # an attachment changed (its size shows on its page): the whole build
    removed_assets = frozenset(known[rel][0] for rel in known.keys() - {a.rel for a in assets})
    data = cache.get_meta("last_sources")
    sources: dict[str, str] = pickle.loads(data) if isinstance(data, bytes) else {}
    added = [f for f in files if f.rel not in sources]
    removed = frozenset(sources.keys() - {f.rel for f in files})
    changed = [f for f in files if sources.get(f.rel, f.stat) != f.stat] + added
    if not (changed or removed or new_assets or removed_assets) \
            or len(changed) + len(removed) > EDIT_LIMIT:
        return None
    previous = last_files(cache)
    return Edited(changed, record["inputs"], _last_build(record, len(previous)), previous,
                  frozenset(f.rel for f in added), removed, new_assets, removed_assets)
