"""The pipeline: read → validate → render → index → write.

Each stage is a module; `build()` runs them: it reads the config and lists the content, does
nothing at all when the last good build read the same inputs (`lastbuild.py`), else hands the
work to `generate.py` (which spreads the per-item work over all cores and reuses what the
cache proves unchanged) and decides from the report whether anything may be written. Errors
anywhere mean the previous output stays as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import lastbuild, workdays
from sitegen.cache import CACHE_DIR, Cache
from sitegen.config import load_config
from sitegen.content import scan
from sitegen.diagnostics import Report
from sitegen.output import AtomicOutput, OutputError, check_output_location, os_error_message
from sitegen.parallel import default_jobs
from sitegen.themes import check_theme
from sitegen.validate import HeldBack

if TYPE_CHECKING:
    from sitegen.generate import StageProgress

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    report: Report
    held_back: list[HeldBack] = field(default_factory=list)
    published: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0  # files of the previous output that are gone
    output: Path | None = None
    quick: bool = False  # only edited bodies were rendered (`quick.py`)

    @property
    def ok(self) -> bool:
        return not self.report.errors


def build(root: Path, output: Path | None = None, now: dt.date | None = None,
          strict: bool = False, jobs: int | None = None, use_cache: bool = True,
          progress: StageProgress | None = None, encoding: str = "utf-8",
          kiosk_idle_minutes: float | None = None) -> BuildResult:
    """Build the site in `root`; one build of a site, and into an output folder, at a time
    (`site_lock`). `kiosk_idle_minutes`: instead of the config's (the kiosk's copy and the
    web's from one site folder)."""
    try:
        with site_lock(root, output or root / "output"):
            return _build(root, output, now, strict, jobs, use_cache, progress, encoding,
                          kiosk_idle_minutes=kiosk_idle_minutes)
    except OSError as exc:  # also one a worker raised (the pool raises it again here)
        return _stopped_by_the_machine(exc, *os_error_message(exc, root, output or root / "output"))
    except sqlite3.OperationalError as exc:
        problem = _cache_problem(exc)
        if problem is None:
            raise
        return _stopped_by_the_machine(exc, f"{CACHE_DIR}/cache.sqlite", problem)


def _stopped_by_the_machine(exc: Exception, file: str, message: str) -> BuildResult:
    """A build the machine stopped, not the site: a full disk, a read-only file system, a
    folder the build user may not write. One error that says where and what to do, instead
    of a traceback; the previous output is as it was (`AtomicOutput`). The traceback stays
    for `sitegen -v` (a bug may raise an OSError too)."""
    log.debug("build stopped by %r", exc, exc_info=exc)
    report = Report()
    report.error(file, message)
    return BuildResult(report)


def _cache_problem(exc: sqlite3.OperationalError) -> str | None:
    """What to say when SQLite could not write the cache because of the machine (on a full
    disk it is the first to fail: it writes before the output); None for anything else (a
    damaged cache file is started afresh, in `_build`)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_FULL"):
        return "写入生成缓存失败：磁盘空间不足：请腾出空间后重新生成（.sitegen-cache/ 可以随时删除）"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        return ("无法写入生成缓存：请让构建用户能写站点目录中的 .sitegen-cache/（文件系统也须可写），"
                "或删除该文件夹后重新生成")
    if name.startswith("SQLITE_IOERR"):
        return (f"读写生成缓存出错（{exc}）：磁盘可能已满或有故障；请检查磁盘空间后重新生成"
                "（.sitegen-cache/ 可以随时删除）")
    return None


@contextlib.contextmanager
def site_lock(root: Path, output: Path | None = None) -> Iterator[None]:
    """Wait until no other build of this site, or into this output folder, runs. Two at once
    (`sitegen serve` rebuilding while an officer runs `sitegen build`, two CI jobs in one
    workspace, two checkouts publishing to one web folder) would swap each other's staging,
    spare and output folders, and write one cache. The locks are flocks on the site folder
    and on the folder the output is in (where the staging and spare folders are made): no
    file to git-ignore or leave behind, and the system releases them when the process ends,
    however it ends. (Where there is no flock, on Windows, none.)"""
    try:
        import fcntl
    except ImportError:
        yield
        return
    folders = {root.resolve()}
    if output is not None:
        parent = output.resolve().parent
        with contextlib.suppress(OSError):  # (the build makes it anyway; it says if it cannot)
            parent.mkdir(parents=True, exist_ok=True)
        folders.add(parent)
    fds: list[int] = []
    try:
        for folder in sorted(folders):  # always in one order: two builds never wait on each other
            try:
                fd = os.open(folder, os.O_RDONLY)
            except OSError:  # no such folder: the build says so
                continue
            fds.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("另一个 sitegen 正在生成此站点或写入同一输出目录（%s），等它完成后再开始……",
                            folder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:  # NFS without lockd, a folder flock cannot lock: go on
                log.warning("无法锁定 %s（%s）：请勿同时运行两个生成", folder, exc.strerror)
        yield
    finally:
        for fd in fds:
            os.close(fd)  # releases the lock


def _build(root: Path, output: Path | None = None, now: dt.date | None = None,
           strict: bool = False, jobs: int | None = None, use_cache: bool = True,
           progress: StageProgress | None = None, encoding: str = "utf-8",
           retried: bool = False, kiosk_idle_minutes: float | None = None) -> BuildResult:
    report = Report()
    now = now or workdays.today()
    output = output or root / "output"
    jobs = jobs or default_jobs()
    result = BuildResult(report)
    # Without a cache the build still needs one for itself (the search index reads the
    # documents back from it): a scratch one, gone with the build.
    keep = use_cache and (root / "sitegen.toml").is_file()  # no cache folder in a stray folder
    scratch = None if keep else tempfile.TemporaryDirectory(prefix="sitegen-cache-")
    cache = Cache(Path(scratch.name) if scratch else root / CACHE_DIR)
    walk = lastbuild.OutputWalk(output, start=False)
    try:
        # (without a cache there is no last build to compare the output with)
        walk = lastbuild.OutputWalk(output, start=keep)
        config = load_config(root, report)
        if config is None:
            return result
        if kiosk_idle_minutes is not None:  # (3, not 3.0: as the config file would say it)
            minutes = int(kiosk_idle_minutes) if kiosk_idle_minutes == int(kiosk_idle_minutes) \
                else kiosk_idle_minutes
            config = dataclasses.replace(config, kiosk_idle_minutes=minutes)
            if 0 < minutes < 1:  # as the config's own value is checked
                report.warning("--kiosk-idle-minutes", f"--kiosk-idle-minutes 为 {minutes} 分钟：读者稍一"
                               "停顿，查阅终端就会回到首页；一般设为 2 到 5 分钟")
        files, asset_files = scan(root, config.content_dir, report)
        try:
            check_output_location(root, output, [root / config.content_dir, root / "themes"])
        except OutputError as exc:
            report.error(str(output), str(exc))
        theme_safe = check_theme(config, report)
        # Warnings of the config, the content folder and the theme (an error stops the build
        # below) are inputs like the rest: the last build of the same inputs reported them too.
        early = list(report.diagnostics)
        rest = lastbuild.rest_key(config, now, strict, encoding, output, early)
        inputs = lastbuild.inputs_key(rest, files, asset_files)
        # (the last build's record of its 224 000 output files at 100 000 items: unpickled in
        # 0.11-0.16 s with the collector paused, 0.32-0.40 s with it running)
        with _long_lived(freeze=False):
            last = None if report.errors else lastbuild.unchanged(cache, inputs, walk)
        if last is not None:
            report.diagnostics = list(last.diagnostics)
            result.held_back, result.published = last.held_back, last.published
            result.written = result.unchanged = last.files
            result.output = output
            return result
        # Only now: Jinja, Markdown, the feeds and the index, which a build with nothing to do
        # never needs (importing them was a third of its time).
        import jinja2

        from sitegen import generate, quick
        from sitegen.pages import check_templates, template_error
        from sitegen.structure import build_site
        env = check_templates(config, report, root / CACHE_DIR / "templates" if keep else None) \
            if theme_safe else None
        with _long_lived(freeze=False):
            edit = None if report.errors else lastbuild.edited(cache, rest, files, asset_files,
                                                               output)
        if edit is not None:
            with _long_lived(freeze=False):  # nothing of it lives on
                done = quick.rebuild(config, edit, files, asset_files, rest, inputs, cache,
                                     output, encoding, jobs, now, strict, walk, env)
            if done is not None:
                report.diagnostics = list(done.diagnostics)
                result.held_back, result.published = done.held_back, done.published
                result.written, result.unchanged = done.written, done.unchanged
                result.removed = done.removed
                result.output, result.quick = output, True
                cache.commit()
                return result
        walk.close()  # (a whole build does not compare the output)
        with _long_lived():
            loaded = generate.load(root, now, strict, report, cache, jobs, progress, encoding,
                                   (config, files, asset_files), bodies=False,
                                   published=quick.published_numbers(cache))
        if loaded is None:
            return result
        config, catalog = loaded.config, loaded.catalog
        result.held_back = catalog.held_back
        result.published = len(catalog.items)
        if strict:
            report.escalate_warnings()
        if report.errors:
            return result
        with _long_lived():
            site = build_site(config, catalog.items)
        # Now, while the main process is at its smallest: pickling the model takes memory
        # for a while (at 100 000 items about 100 MB). A build that fails leaves it under its
        # own inputs key, which no quick build asks for.
        quick.remember_site(cache, site, inputs)
        try:
            with AtomicOutput(output) as out:
                generate.write_site(site, loaded, out, cache, jobs, report, progress, strict,
                                    env, inputs=inputs)
        except generate.Abandon:
            return result
        except OutputError as exc:
            report.error(str(output), str(exc))
            return result
        except jinja2.TemplateError as exc:
            name, message, line = template_error(exc, root=config.root)
            report.error(name, message, line=line)
            return result
        result.written = len(out.written)
        result.unchanged = out.reused
        result.removed = out.removed
        result.output = output
        lastbuild.remember(cache, rest, inputs, files, asset_files, output, out.files(),
                           result.published,
                           report.diagnostics, result.held_back)
        cache.commit()
        return result
    except sqlite3.DatabaseError as exc:  # a damaged cache file: start afresh, once
        if not use_cache or retried:
            raise
        log.warning("生成缓存无法读取（%s），已丢弃并重新生成（.sitegen-cache/ 可以随时删除）", exc)
        cache.close(commit=False)
        cache.discard()
        walk.close()
        return _build(root, output, now, strict, jobs, use_cache, progress, encoding, retried=True,
                      kiosk_idle_minutes=kiosk_idle_minutes)
    finally:
        walk.close()
        gc.unfreeze()  # `sitegen serve` builds again in this process
        # Page keys and the search record describe the output just swapped in; after a
        # failure they must not be kept, or the next build would trust them.
        cache.close(commit=result.output is not None)
        if scratch:
            scratch.cleanup()


@contextlib.contextmanager
def _long_lived(freeze: bool = True) -> Iterator[None]:
    """For making what lives until the end of the build (the catalog, the site model): no
    cyclic garbage collection meanwhile, and afterwards the collector leaves it alone. Every
    full collection walked all of it again: a fifth of a one-item rebuild's time at 10 000
    items. Forked workers inherit the exemption, which also keeps the collector from touching
    (and so copying) the memory they share with the parent; they collect their own garbage
    (`parallel.pmap`). Without `freeze`, only the pause (what was made is garbage soon)."""
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        gc.enable()
