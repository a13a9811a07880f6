"""Stage 5, write: the output folder is replaced atomically, never half-written.

The new site is built in a staging folder beside the output folder and swapped in at the end
with one atomic exchange of the two folders. A file whose bytes did not change is the previous
output's file (a hard link), so its mtime stays and rsync or a kiosk sync moves only what
really changed.

The staging folder does not start empty when it can help it: after each swap the folder that
held the previous site is brought up to date with the new one (the few files that changed are
linked in, the removed ones deleted) and kept beside the output as its spare
(`.sitegen-spare-<output>`). The next build starts from that spare, so a build that changes one
item touches a handful of files instead of linking tens of thousands. The spare is never
trusted blindly: a file in it counts as the output's only while it *is* the output's file (the
same inode) and that file is as the last build left it.

The files of the previous site that the new one replaced are not deleted but emptied and kept
in `.sitegen-recycled-<output>` (as many as the site has files), and the next build writes its
new files into them (renamed into place) rather than making new ones. On ext4 without a journal
(the benchmark machine's) a new file skips every inode freed in the last half minute, checking
each: after a build had deleted 1 355 replaced pages, making a file took 550-730 us of CPU in
the output's folders, against 20 us in a quiet folder; emptying one and renaming it, 35 us.
A replaced file that anything else links to (a `cp -al` backup) or has open (a web server
still sending it) is deleted as before, never emptied.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import logging
import os
import random
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from sitegen.diagnostics import shortened

try:
    import fcntl
except ImportError:  # (Windows: no leases, so nothing is recycled)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

STAGING_PREFIX = ".sitegen-staging-"
MARKER = ".sitegen-output"  # marks a folder this tool may replace
RETIRED_PREFIX = ".sitegen-retired-"
SPARE_PREFIX = ".sitegen-spare-"
RECYCLED_PREFIX = ".sitegen-recycled-"
RECYCLED_KEPT = 20_000  # empty files kept at least (or as many as the output has)
CHUNK = 1 << 20  # what a copy or a comparison holds of a file at a time
Source = bytes | Path  # a file's bytes, or the file to copy them from


class OutputError(Exception):
    pass


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE), so there is no
    moment without an output folder. False where the system cannot, and the caller falls
    back to two renames (a kill between them is repaired by the next build)."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def check_output_location(root: Path, output: Path, source_dirs: list[Path]) -> None:
    """Refuse output folders whose replacement would destroy sources."""
    out = output.resolve()
    site = root.resolve()
    if out == site or site.is_relative_to(out):
        raise OutputError(f"输出目录 {output} 是站点目录本身或其上级，拒绝写入（会删除源文件）")
    for src in source_dirs:
        s = src.resolve()
        if out == s or out.is_relative_to(s) or s.is_relative_to(out):
            raise OutputError(f"输出目录 {output} 与源目录 {src} 重叠，拒绝写入；请换一个输出目录")
    if out.exists() and not out.is_dir():
        raise OutputError(f"输出路径 {output} 已存在且不是目录")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputError(f"输出目录 {output} 已存在且不是 sitegen 生成的（没有 {MARKER} 标记）；"
                          "为防止误删其中的文件，拒绝覆盖。请指定新的输出目录，或先清空该目录")


class AtomicOutput:
    """Context manager: `write()` files, and on a clean exit the result replaces `output`."""

    def __init__(self, output: Path) -> None:
        # Resolved once: an output given as a symlink is the folder it points to, and that
        # folder is what gets replaced (never a sibling named like the link).
        self.output = output.resolve()
        self.parent = self.output.parent
        self.staging = self.parent / f"{STAGING_PREFIX}{output.name}-{os.getpid()}"
        self.spare = spare_of(self.output)
        self.recycled = self.parent / f"{RECYCLED_PREFIX}{self.output.name}"
        self.written: set[str] = set()  # every file of the new site
        self.fresh: set[str] = set()  # those not the previous output's file
        self.reused = 0
        self.removed = 0  # files of the output replaced that the new one does not have
        # rel -> [size, mtime_ns] of the files the last good build left in this output folder:
        # only such a file may be reused unread (a file edited by hand since is re-rendered).
        self.expected: dict[str, list[int]] = {}
        # rel -> (size, mtime_ns, inode) of the output's files now, and rel -> inode of the
        # files the staging folder started with (the spare's)
        self.current: dict[str, tuple[int, int, int]] = {}
        self.present: dict[str, int] = {}
        self._output, self._staging = str(self.output), str(self.staging)
        self._folders: set[str] = set()
        self._spare_dirs: set[str] = set()  # folders the staging folder started with
        # The permissions a new file and folder get here (the umask, and a default ACL of
        # the folder, say): a file kept from the previous output must have them too.
        self._mode, self._folder_mode = file_mode(), 0o777 & ~current_umask()
        self._gid = os.getegid()  # and the group (a setgid output folder's)
        self._recycled: _Recycled | None = None  # set once the permissions are known

    def __enter__(self) -> AtomicOutput:
        self.parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        from_spare = self.spare.is_dir() and not self.spare.is_symlink() and self.output.is_dir()
        if from_spare:
            self.spare.rename(self.staging)
        else:
            self._discard(self.spare)
            self.staging.mkdir()
        with self._removed_on_failure():  # (`__exit__` is not called when this fails)
            if self.output.is_dir():  # its group and setgid, before a file is made in it
                _keep_folder_attributes(self.output, self.staging)
            self._mode, self._folder_mode, self._gid = probe_modes(self._staging)
            self._recycled = _Recycled(str(self.recycled), self._mode, self._gid)
            if from_spare:
                self.present = {rel: ino for rel, ino in _walk(self._staging, folders=self._spare_dirs)}
                self._fix_folder_modes()
            self.write(MARKER, b"Generated by sitegen; this folder is replaced on every build.\n")
        return self

    @contextlib.contextmanager
    def _removed_on_failure(self) -> Iterator[None]:
        """The staging folder goes if anything fails (a full disk, a folder that cannot be
        written): it is no site, and it would be in the way beside the output."""
        try:
            yield
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise

    def _fix_folder_modes(self) -> None:
        """The spare's folders with the permissions this build's umask gives (a build under
        umask 077 would otherwise leave folders the web server cannot enter for good)."""
        try:
            for rel in self._spare_dirs:
                path = os.path.join(self._staging, rel)
                st = os.lstat(path)
                if st.st_gid != self._gid:
                    os.chown(path, -1, self._gid)
                if stat.S_IMODE(st.st_mode) != self._folder_mode or st.st_gid != self._gid:
                    os.chmod(path, self._folder_mode)
        except OSError as exc:  # folders of another user (two deploy users sharing a group)
            log.warning("不能修改上次生成留下的文件夹的权限（%s）：这次从空目录生成", exc)
            shutil.rmtree(self.staging)
            self.staging.mkdir()
            _keep_folder_attributes(self.output, self.staging)
            self.present, self._spare_dirs = {}, set()

    def prepare(self, expected: dict[str, list[int]]) -> None:
        """The files the last good build left in the output, which files may be reused; the
        output is looked at once here (one directory walk, not a stat per page)."""
        self.expected = expected
        if expected and os.path.isdir(self._output):
            self.current = _stats(self._output, self._mode, self._gid)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        with self._removed_on_failure():
            self._drop_unwritten()
        self._swap()

    def _discard(self, path: Path) -> None:
        """Remove a spare. Renamed first: what cannot be deleted (a read-only folder) is then
        a leftover the next build tries to remove again, never a spare it starts from."""
        if path.is_symlink():
            path.unlink()
        elif path.exists():
            # a staging leftover: removed by the next build, never put back as the output
            retired = self.parent / f"{STAGING_PREFIX}{self.output.name}-{os.getpid()}-spare"
            with contextlib.suppress(OSError):
                path.rename(retired)
                path = retired
            shutil.rmtree(path, ignore_errors=True)

    def _remove_leftovers(self) -> None:
        """Staging or retired folders of builds that were killed (only ours, by name).

        A build killed between the two renames of the swap leaves no output folder but a
        retired one: that is the previous site, so it is put back first."""
        out = self.parent / self.output.name
        retired = sorted(self.parent.glob(f"{RETIRED_PREFIX}{self.output.name}-*"))
        if not out.exists() and retired:
            retired[0].rename(out)
        for prefix in (STAGING_PREFIX, RETIRED_PREFIX):
            for path in self.parent.glob(f"{prefix}{self.output.name}-*"):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)

    # Paths below are plain strings and os calls: these run for every one of tens of
    # thousands of files on each build, where pathlib costs more than the system calls.
    def _claim(self, rel: str) -> str:
        if rel in self.written:
            raise OutputError(f"两个页面写入同一个输出文件：{rel}")
        self.written.add(rel)
        folder, _, _ = rel.rpartition("/")
        if folder not in self._folders:
            if self.present:
                self._clear_folder(folder)
            os.makedirs(os.path.join(self._staging, folder), exist_ok=True)
            self._folders.add(folder)
        if rel in self._spare_dirs:  # a folder of the spare where this site has a file
            shutil.rmtree(os.path.join(self._staging, rel), ignore_errors=True)
        return os.path.join(self._staging, rel)

    def _clear_folder(self, folder: str) -> None:
        """Remove a file of the spare where this site needs a folder."""
        parts = folder.split("/")
        for depth in range(1, len(parts) + 1):
            path = os.path.join(self._staging, *parts[:depth])
            if "/".join(parts[:depth]) in self.present and not os.path.isdir(path):
                _unlink(path)

    def _is_previous(self, rel: str) -> bool:
        """Whether the staging folder's `rel` is the previous output's file itself."""
        now = self.current.get(rel)
        return now is not None and self.present.get(rel) == now[2]

    def _link_previous(self, rel: str, target: str) -> None:
        if self._is_previous(rel):
            return
        if rel in self.present:
            _unlink(target)
        source = os.path.join(self._output, rel)
        try:
            os.link(source, target)
        except OSError:  # a filesystem without hard links (a FAT or exFAT stick)
            _new_file(target, Path(source))
            # the same bytes with the same time: a copy or rsync by size and time moves nothing
            st = os.stat(source)
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
            self.fresh.add(rel)

    def write(self, rel: str, data: bytes) -> bool:
        """Write `rel`; True if the previous output had the same bytes (its file is kept)."""
        return self._put(rel, data)

    def _put(self, rel: str, data: Source) -> bool:
        target = self._claim(rel)
        if self._keep_previous(rel, target, data):
            return True
        # Never into the file that is there: it may be the published output's own (a link).
        if self._recycled is None or not self._recycled.write(target, data):
            if rel in self.present:
                _unlink(target)
            _new_file(target, data)
        self.fresh.add(rel)
        return False

    def _keep_previous(self, rel: str, target: str, data: Source) -> bool:
        """Take the previous output's `rel` if it holds `data` (and has the permissions and
        group this build gives a file): its inode and mtime stay, and rsync moves nothing."""
        previous = os.path.join(self._output, rel)
        try:
            st = os.lstat(previous)
            if not (stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == self._mode
                    and st.st_gid == self._gid and st.st_size == _size(data)
                    and _same_bytes(previous, data)):
                return False
        except OSError:
            return False  # no previous file (or none readable): write
        self.current.setdefault(rel, (st.st_size, st.st_mtime_ns, st.st_ino))
        self._link_previous(rel, target)
        self.reused += 1
        return True

    def can_reuse(self, rel: str) -> bool:
        """Whether `rel` is in the previous output exactly as the last good build left it."""
        expected = self.expected.get(rel)
        now = self.current.get(rel)
        return expected is not None and now is not None and [now[0], now[1]] == expected

    def reuse(self, rel: str) -> bool:
        """Take `rel` unchanged from the previous output, if it is there (the caller knows,
        from the page's input key, that it would render the same bytes)."""
        if not self.can_reuse(rel):
            return False
        self._link_previous(rel, self._claim(rel))
        self.reused += 1
        return True

    def child(self) -> AtomicOutput:
        """A writer into the same staging folder that tracks its own files, for a worker;
        the parent `absorb`s what it wrote."""
        clone = AtomicOutput.__new__(AtomicOutput)
        clone.__dict__.update(self.__dict__)
        clone._folders, clone.written, clone.fresh, clone.reused = set(), set(), set(), 0
        return clone

    def report(self) -> tuple[list[str], list[str], int]:
        """What a worker's `child()` did, for the parent's `absorb`."""
        return sorted(self.written), sorted(self.fresh), self.reused

    def absorb(self, done: tuple[list[str], list[str], int]) -> None:
        """Files a worker process wrote into the staging folder on this writer's behalf."""
        written, fresh, reused = done
        for rel in written:
            if rel in self.written:
                raise OutputError(f"两个页面写入同一个输出文件：{rel}")
            self.written.add(rel)
        self.fresh.update(fresh)
        self.reused += reused

    def write_text(self, rel: str, text: str) -> None:
        self.write(rel, text.encode("utf-8"))

    def copy(self, rel: str, source: Path) -> bool:
        """Copy the file `source` to `rel`, as `write` writes bytes; a chunk at a time, and
        compared with the previous output's file so too: attachments may be hundreds of MB
        (read whole, with the previous copy for the comparison, a 600 MB one took 1.27 GB)."""
        return self._put(rel, source)

    def _drop_unwritten(self) -> None:
        """Files the spare had that the new site does not, and folders it has no file in."""
        for rel in self.present.keys() - self.written:
            _unlink(os.path.join(self._staging, rel))
        _remove_empty_folders(self._staging, {rel for rel in self.present} - self.written)
        _remove_stray_folders(self._staging, self._spare_dirs, self.written)

    def patch(self, files: dict[str, Source | None], inodes: dict[str, int],
              spare: SpareWalk | None = None) -> dict[str, list[int]] | None:
        """Replace a few files of the output (None: remove one; a Path: a file to copy), as
        atomically as a build does: the spare, which the last build left as a copy of the
        output made of hard links, gets the new files and is swapped in; the previous output
        becomes the spare.
        `inodes`: rel -> inode of every file of the output now; `spare`: `walk_spare` of the
        spare, if it was walked since the last build. A file whose bytes are the output's is
        left alone. Returns rel -> [size, mtime_ns] of the files written, or None,
        having done nothing, when the spare is not such a copy (then a whole build is due).
        Not a context manager: there is nothing to write before it is called."""
        self._remove_leftovers()
        if not self.spare.is_dir() or self.spare.is_symlink():
            return None
        spare_files, spare_dirs = spare or walk_spare(self.spare)
        if spare_files != inodes:
            return None
        try:  # a build under another umask: the whole build gives every file its permissions
            marker = os.stat(os.path.join(self._output, MARKER))
            mode, _, gid = probe_modes(str(self.spare))
            if stat.S_IMODE(marker.st_mode) != mode or marker.st_gid != gid:
                return None
        except OSError:
            return None
        recycled = _Recycled(str(self.recycled), mode, gid)
        changes: dict[str, Source | None] = {}
        folders: set[str] | None = None  # of the output now, made when first needed
        for rel, data in sorted(files.items()):
            if data is None:
                if rel not in inodes:
                    continue
            elif rel in inodes:
                path = os.path.join(self._output, rel)
                if os.stat(path).st_size == _size(data) and _same_bytes(path, data):
                    continue  # (a size that differs: unread)
            else:
                if folders is None:
                    folders = _parent_folders(inodes)
                if rel in folders:
                    return None  # a folder where this file goes: left to a whole build
            parts = rel.split("/")
            if any("/".join(parts[:depth]) in inodes for depth in range(1, len(parts))):
                return None  # a file where this one needs a folder: left to a whole build
            changes[rel] = data
        if not changes:
            self.written, self.reused = set(inodes), len(inodes)
            return {}
        self.spare.rename(self.staging)
        with self._removed_on_failure():
            for rel, data in changes.items():
                target = os.path.join(self._staging, rel)
                if data is None:
                    _unlink(target)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if not recycled.write(target, data):
                    if rel in inodes:
                        _unlink(target)
                    _new_file(target, data)
            removed = {rel for rel, data in changes.items() if data is None}
            _remove_empty_folders(self._staging, removed)
            _remove_stray_folders(self._staging, spare_dirs, inodes.keys() | changes.keys())
        self.fresh = set(changes) - removed
        self.written = (set(inodes) - removed) | self.fresh
        self.reused = len(self.written) - len(self.fresh)
        self._swap(previous=inodes)
        found = {}
        for rel in self.fresh:
            st = os.lstat(os.path.join(self._output, rel))
            found[rel] = [st.st_size, st.st_mtime_ns]
        return found

    def _swap(self, previous: dict[str, int] | None = None) -> None:
        """`previous`: the files of the output being replaced, when known (else listed)."""
        out = self.parent / self.output.name
        with self._removed_on_failure():  # until it is the output
            if out.exists():
                _keep_folder_attributes(out, self.staging)
            if not out.exists():
                self.staging.rename(out)
                old = None
            elif _exchange(self.staging, out):
                old = self.staging  # now holds the previous site
            else:
                old = self.parent / f"{RETIRED_PREFIX}{self.output.name}-{os.getpid()}"
                out.rename(old)
                try:
                    self.staging.rename(out)
                except BaseException:
                    old.rename(out)  # the previous site back in its place
                    raise
        log.info("wrote %d files (%d unchanged)", len(self.written), self.reused)
        try:
            self._make_spare(old, previous)
        except (OSError, OutputError) as exc:  # only a shortcut for the next build
            log.warning("未能保留输出目录的备用副本（%s）：网站已更新，下次生成会慢一些", exc)
            self._discard(self.spare)

    def _make_spare(self, old: Path | None, known: dict[str, int] | None = None) -> None:
        """Turn the previous site's folder into a copy of the new one made of hard links (or
        make one, after a first build), for the next build to start from. `known`: that
        folder's files, if known."""
        previous: dict[str, int]
        if old is None:
            self.spare.mkdir()
            previous = {}
        else:
            old.rename(self.spare)
            previous = known if known is not None else dict(_walk(str(self.spare)))
        spare = str(self.spare)
        gone = previous.keys() - self.written
        self.removed = len(gone)
        # (as many as the site has files: a template edit at 100 000 items retires 98 000)
        retire = _Retired(str(self.recycled), max(RECYCLED_KEPT, len(self.written)))
        for rel in gone:
            retire(os.path.join(spare, rel))
        _remove_empty_folders(spare, gone)
        # Every file but those the new output has as they were (most of them, after a patch).
        made: set[str] = set()  # (each folder once: after a first build, every file is linked)
        for rel in sorted((self.written - previous.keys()) | (self.fresh & previous.keys())):
            target = os.path.join(spare, rel)
            if rel in previous:
                retire(target)
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            os.link(os.path.join(self._output, rel), target)

    def files(self) -> dict[str, list[int]]:
        """rel -> [size, mtime_ns] of every file of the output just swapped in."""
        found = {}
        for rel in self.written:
            now = self.current.get(rel)
            if now is None or rel in self.fresh:
                st = os.lstat(os.path.join(self._output, rel))
                found[rel] = [st.st_size, st.st_mtime_ns]
            else:
                found[rel] = [now[0], now[1]]
        return found


def os_error_message(exc: OSError, root: Path, output: Path) -> tuple[str, str]:
    """Where and what, in Chinese, of an error of the machine rather than of the site: a
    full disk, a read-only file system, a folder the build user may not write, a path too
    long. One line that says what to do, instead of a traceback."""
    out = output.resolve()
    named = isinstance(exc.filename, (str, bytes, os.PathLike))  # (not a descriptor)
    name = os.fsdecode(exc.filename) if named else ""
    if not name:  # (a fork refused, say)
        return str(output), _source_problem(exc)
    path = Path(os.path.abspath(name))
    if _in_output_area(path, out):
        return str(output), _output_problem(exc, path, out, f"（{shortened(name)}）")
    site = root.resolve()
    return shortened(path.relative_to(site).as_posix() if path.is_relative_to(site) else name), \
        _source_problem(exc)


def _in_output_area(path: Path, out: Path) -> bool:
    """Whether `path` is the output, the staging folder or the spare (or in them), or the
    folder they are in or one above it (which the build makes when it is missing)."""
    if out.parent.is_relative_to(path):
        return True
    if not path.is_relative_to(out.parent):
        return False
    first = path.relative_to(out.parent).parts[0]
    return first == out.name or first.startswith((STAGING_PREFIX, SPARE_PREFIX, RETIRED_PREFIX,
                                                  RECYCLED_PREFIX))


def _output_problem(exc: OSError, path: Path, out: Path, where: str) -> str:
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        full = "磁盘空间不足" if code == errno.ENOSPC else "磁盘配额已用完"
        return f"写入输出目录失败：{full}{where}：请腾出空间，或把输出目录（-o）设在空间足够的磁盘上，然后重新生成"
    if code == errno.EROFS:
        return f"写入输出目录失败：文件系统是只读的{where}：请把输出目录（-o）设在可写的位置，或把该文件系统重新挂载为可写"
    if code in (errno.EACCES, errno.EPERM):
        # (a folder is made, renamed or removed in the folder above it: that one is refused)
        if path.parent == out.parent:
            return (f"没有写权限：{out.parent}。构建需要能在输出目录所在的文件夹中新建文件夹"
                    f"（{STAGING_PREFIX}{out.name}-…、{SPARE_PREFIX}{out.name}），再与输出目录交换："
                    "请给构建用户这个文件夹的写权限，或换一个它能写的输出目录（-o）")
        if out.parent.is_relative_to(path):
            return (f"没有写权限：{path.parent}，无法在其中新建输出目录所在的文件夹 {path.name}："
                    "请先建好该文件夹并给构建用户写权限，或换一个输出目录（-o）")
        return (f"没有写权限{where}：请恢复输出目录中各文件夹的写权限，或删除 "
                f"{out.parent / (SPARE_PREFIX + out.name)} 后重新生成")
    if code == errno.ENAMETOOLONG:
        if path.parent == out.parent:
            return (f"写入输出目录失败：文件名过长{where}：构建会在输出目录旁新建名为 {STAGING_PREFIX}"
                    "<输出目录名>-<进程号> 的文件夹；请换一个名称更短的输出目录（-o）")
        return (f"写入输出目录失败：路径过长{where}：请换一个路径更短的输出目录（-o），"
                "或缩短内容中文件夹和文件的名称")
    if code in (errno.EEXIST, errno.ENOTDIR) and not path.is_dir():
        # `-o afile/sub`: a plain file where the output's path needs a folder
        blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), path)
        return (f"写入输出目录失败：{blocking} 是一个文件，不是文件夹，输出目录的路径要经过它：请换一个"
                "输出目录（-o），或移走这个文件")
    return f"写入输出目录失败：{exc.strerror or exc}{where}"


def _source_problem(exc: OSError) -> str:
    """Of a file elsewhere: the site's (content, themes, the cache) or the system's."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足，无法写入：请腾出空间后重新生成"
    if code == errno.EROFS:
        return "文件系统是只读的，无法写入：请在可写的位置生成（生成缓存在站点目录的 .sitegen-cache/ 中）"
    if code in (errno.EACCES, errno.EPERM):
        return f"没有权限读写此文件或文件夹（{exc.strerror}）：请检查构建用户对它的权限"
    if code == errno.ENAMETOOLONG:
        return "路径过长：请减少文件夹的层数，或缩短文件夹名和文件名"
    return f"{'读写失败' if exc.filename is not None else '系统错误'}：{exc.strerror or exc}"


def _keep_folder_attributes(old: Path, new: Path) -> None:
    """The output folder's mode and group, which an operator may have set (`chmod 2750`,
    `chgrp www-data`), onto the folder replacing it: else they would hold every other build."""
    st = old.stat()
    if new.stat().st_gid != st.st_gid:
        try:
            os.chown(new, -1, st.st_gid)  # (first: a change of group may clear setgid)
        except PermissionError:  # a group the build user is not in: the mode is kept at least
            log.warning("无法把 %s 的用户组设为与 %s 相同（构建用户不在该组中）：只保留了权限位", new, old)
    os.chmod(new, stat.S_IMODE(st.st_mode))


def spare_of(output: Path) -> Path:
    """The spare of an output folder (resolved): beside it, see the module's docstring."""
    output = output.resolve()
    return output.parent / f"{SPARE_PREFIX}{output.name}"


SpareWalk = tuple[dict[str, int], set[str]]  # rel -> inode of every file, and the folders


def walk_spare(spare: Path) -> SpareWalk:
    folders: set[str] = set()
    return dict(_walk(str(spare), folders=folders)), folders


def _parent_folders(files: Iterable[str]) -> set[str]:
    """The folders (rel paths) the files `files` (rel paths) are in, and their parents."""
    found: set[str] = set()
    for rel in files:
        end = rel.rfind("/")
        while end > 0 and rel[:end] not in found:
            found.add(rel[:end])
            end = rel.rfind("/", 0, end)
    return found


def _walk(folder: str, prefix: str = "", folders: set[str] | None = None
          ) -> Iterator[tuple[str, int]]:
    """(rel, inode) of every file below `folder` (inodes come with the directory listing);
    the folders' rel paths are added to `folders` if given."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if folders is not None:
                    folders.add(prefix + entry.name)
                yield from _walk(entry.path, prefix + entry.name + "/", folders)
            else:
                yield prefix + entry.name, entry.inode()


def _unlink(path: str) -> None:
    """Remove a file of the spare, which a worker may already have replaced or removed (a
    file where this site has a folder). One that cannot be removed stops the build: writing
    anything in its place would write into the published file it shares."""
    try:
        os.unlink(path)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    except OSError as exc:
        raise OutputError(f"无法替换输出目录中的文件 {path}（{exc.strerror}）：请恢复该目录的写权限，"
                          f"或删除 {SPARE_PREFIX}* 目录后重新生成") from exc


def _create(path: str) -> BinaryIO:
    """A new file at `path`, never an existing one opened for writing (see `_unlink`)."""
    try:
        return open(path, "xb")  # noqa: SIM115 (the caller closes it)
    except FileExistsError as exc:
        raise OutputError(f"输出暂存目录中已有文件 {path}，未能替换：请删除 {SPARE_PREFIX}* 目录后重新生成") from exc


class _Retired:
    """Empties the files of the spare that the output no longer has and moves them into the
    recycled folder (the module's docstring), up to `keep` there; deletes the rest. Emptied
    at once: a page taken down (a name published by mistake) keeps no copy there."""

    def __init__(self, folder: str, keep: int) -> None:
        self.folder, self.keep = folder, keep
        self.room: int | None = None  # known when the first file comes
        self.tag = f"{os.getpid()}-{os.urandom(4).hex()}-"  # (names of earlier builds stay)
        self.count = 0

    def __call__(self, path: str) -> None:
        if self.room is None:
            self.room = self._room()
        if self.count < self.room and _emptied(path):
            try:
                os.rename(path, os.path.join(self.folder, f"{self.tag}{self.count}"))
                self.count += 1
                return
            except OSError:
                self.room = 0  # (a folder that cannot take it: deleted, as before)
        os.unlink(path)

    def _room(self) -> int:
        try:
            os.makedirs(self.folder, exist_ok=True)
            if not _ours(self.folder):
                return 0
            return max(0, self.keep - len(os.listdir(self.folder)))
        except OSError:
            return 0


def _ours(folder: str) -> bool:
    """Whether the recycled folder is a folder (not a link) of this build's user."""
    st = os.lstat(folder)
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()


_OPEN_QUIETLY = os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # (a FIFO: no wait)


def _emptied(path: str) -> bool:
    """Whether `path` is a file of ours that nothing else links to (never one that a backup
    of the output shares by a hard link) and nothing has open, now empty. Open: a web server
    may still be sending the page it was until the swap, or keep it open (nginx's
    `open_file_cache`); deleted, it keeps its bytes for them, and so must it here. A write
    lease is granted only to the one open of a file (Linux): held while it is emptied, it also
    makes an open from elsewhere wait until then."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, _OPEN_QUIETLY)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
            return False
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return True
    except (OSError, AttributeError):  # open elsewhere, or no leases here (NFS, FUSE, macOS)
        return False
    finally:
        os.close(fd)


class _Recycled:
    """The files `_Retired` kept, to write new files into. Worker processes take them at the
    same time: a file is taken by renaming it, which only one of them can do."""

    def __init__(self, folder: str, mode: int, gid: int) -> None:
        self.folder = folder
        self.mode, self.gid = mode, gid  # what a new file here gets
        self.names: list[str] = []
        self.pid = 0  # the process that listed `names` (a forked worker lists them again)

    def write(self, target: str, data: Source) -> bool:
        """`data` at `target`, replacing the file there, in a recycled file; False, having
        left `target` as it was or removed it, when there is none to take. Only bytes, and not
        none: an empty file written into an emptied one would keep the time of its emptying."""
        if not isinstance(data, bytes) or not data:
            return False
        if self.pid != os.getpid():
            self.pid, self.names = os.getpid(), self._listed()
        while self.names:
            try:
                os.rename(os.path.join(self.folder, self.names.pop()), target)
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue  # (another worker took it; something else than a file)
            except OSError:  # (another file system, say: new files, as before)
                self.names = []
                return False
            try:
                fd = os.open(target, _OPEN_QUIETLY)
            except OSError:
                _unlink(target)
                continue
            try:
                st = os.fstat(fd)
                if not (stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and st.st_gid == self.gid
                        and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) == self.mode):
                    _unlink(target)  # (only this link: a file linked elsewhere keeps its bytes)
                    continue
                os.ftruncate(fd, 0)
                with os.fdopen(fd, "wb", closefd=False) as file:
                    file.write(data)
            except OSError as exc:
                if exc.filename is None:  # (a full disk: see `_new_file`)
                    exc.filename = target
                raise
            finally:
                os.close(fd)
            return True
        return False

    def _listed(self) -> list[str]:
        try:
            if not _ours(self.folder):
                return []
            with os.scandir(self.folder) as entries:
                names = [e.name for e in entries if e.is_file(follow_symlinks=False)]
        except OSError:
            return []
        # Each worker from its own place in the list: two seldom try the same file.
        start = random.Random(os.getpid()).randrange(len(names)) if names else 0
        return names[start:] + names[:start]


def _new_file(path: str, data: Source) -> None:
    """A new file at `path` (`_create`) with `data`'s bytes."""
    try:
        with _create(path) as f:
            if isinstance(data, bytes):
                f.write(data)
            else:
                with open(data, "rb") as src:
                    shutil.copyfileobj(src, f, CHUNK)
    except OSError as exc:
        # A full disk says so at a write() or at the close() that flushes the buffer, which
        # name no file: name the one written.
        if exc.filename is None:
            exc.filename = path
        raise


def _size(data: Source) -> int:
    return len(data) if isinstance(data, bytes) else os.stat(data).st_size


def _same_bytes(path: str, data: Source) -> bool:
    """Whether the file `path` holds `data` (of its size), compared a chunk at a time."""
    with open(path, "rb") as f:
        if isinstance(data, bytes):
            if len(data) < CHUNK:  # a page: one read (of its size: a read allocates that)
                return f.read(len(data) + 1) == data
            view = memoryview(data)
            return all(f.read(CHUNK) == view[i:i + CHUNK] for i in range(0, len(data), CHUNK))
        with open(data, "rb") as src:
            return all(f.read(len(chunk)) == chunk for chunk in iter(functools.partial(
                src.read, CHUNK), b"")) and not f.read(1)  # (and not grown since)


def _stats(folder: str, mode: int, gid: int) -> dict[str, tuple[int, int, int]]:
    """rel -> (size, mtime_ns, inode) of every file below `folder` (one that vanishes while
    it is looked at is left out: it will not be reused; nor is one whose permissions are not
    what this build's umask gives a new file, which a file kept from a build under another
    umask would otherwise keep for ever: 600 files that the web server cannot read).
    `mode`, `gid`: the permissions and group a new file gets (`probe_modes`)."""
    found = {}
    for rel, _ in _walk(folder):
        try:
            st = os.lstat(os.path.join(folder, rel))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == mode and st.st_gid == gid:
            found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def current_umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def file_mode() -> int:
    """The permissions a file made now gets by the umask (0o644 under the usual umask 022)."""
    return 0o666 & ~current_umask()


def probe_modes(folder: str) -> tuple[int, int, int]:
    """The permissions a new file and a new folder really get in `folder`, and their group:
    the umask's, or a default ACL's, or what a file system without modes (vfat, CIFS, WSL's
    /mnt/c) shows; the group of a setgid folder."""
    probe = os.path.join(folder, f".sitegen-probe-{os.getpid()}")
    fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    try:
        st = os.fstat(fd)
        file_bits, gid = stat.S_IMODE(st.st_mode), st.st_gid
    finally:
        os.close(fd)
        os.unlink(probe)
    os.mkdir(probe, 0o777)
    try:
        folder_bits = stat.S_IMODE(os.stat(probe).st_mode)
    finally:
        os.rmdir(probe)
    return file_bits, folder_bits, gid


def _remove_stray_folders(root: str, folders: set[str], files: Iterable[str]) -> None:
    """Of `folders` (rel paths), those no file of `files` is in, deepest first: empty folders
    someone made in the output (`.well-known/`, what a `git init` there leaves) would
    otherwise go to the spare and come back with it every other build."""
    for folder in sorted(folders - _parent_folders(files), key=lambda f: -f.count("/")):
        with contextlib.suppress(OSError):  # not empty after all
            os.rmdir(os.path.join(root, folder))


def _remove_empty_folders(root: str, removed: set[str]) -> None:
    """The folders of `removed` files that are now empty, deepest first."""
    folders = set()
    for rel in removed:
        parts = rel.split("/")[:-1]
        for depth in range(len(parts), 0, -1):
            folders.add("/".join(parts[:depth]))
    for folder in sorted(folders, key=lambda f: -f.count("/")):
        with contextlib.suppress(OSError):  # not empty
            os.rmdir(os.path.join(root, folder))
