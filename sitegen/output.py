"""Stage 5, write: the output folder is replaced atomically, never half-written.

The new site is built in a staging folder beside the output folder and swapped in with two
renames at the end. A file whose bytes did not change is hard-linked from the previous output,
so its mtime stays and rsync or a kiosk sync moves only what really changed.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

STAGING_PREFIX = ".sitegen-staging-"
RETIRED_PREFIX = ".sitegen-retired-"


class OutputError(Exception):
    pass


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


class AtomicOutput:
    """Context manager: `write()` files, and on a clean exit the result replaces `output`."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.parent = output.resolve().parent
        self.staging = self.parent / f"{STAGING_PREFIX}{output.name}-{os.getpid()}"
        self.written: set[str] = set()
        self.reused = 0

    def __enter__(self) -> AtomicOutput:
        self.parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        self._swap()

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

    def _claim(self, rel: str) -> Path:
        if rel in self.written:
            raise OutputError(f"两个页面写入同一个输出文件：{rel}")
        self.written.add(rel)
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, rel: str, data: bytes) -> bool:
        """Write `rel`; True if the previous output had the same bytes (hard-linked instead)."""
        target = self._claim(rel)
        previous = self.output / rel
        try:
            if previous.is_file() and not previous.is_symlink() \
                    and previous.stat().st_size == len(data) and previous.read_bytes() == data:
                os.link(previous, target)
                self.reused += 1
                return True
        except OSError:
            pass  # a filesystem without hard links: fall back to writing
        target.write_bytes(data)
        return False

    def reuse(self, rel: str) -> bool:
        """Take `rel` unchanged from the previous output, if it is there (the caller knows,
        from the page's input key, that it would render the same bytes)."""
        previous = self.output / rel
        if not previous.is_file() or previous.is_symlink():
            return False
        target = self._claim(rel)
        try:
            os.link(previous, target)
        except OSError:
            target.write_bytes(previous.read_bytes())
        self.reused += 1
        return True

    def child(self) -> AtomicOutput:
        """A writer into the same staging folder that tracks its own files, for a worker;
        the parent `absorb`s what it wrote."""
        clone = AtomicOutput.__new__(AtomicOutput)
        clone.output, clone.parent, clone.staging = self.output, self.parent, self.staging
        clone.written, clone.reused = set(), 0
        return clone

    def absorb(self, written: list[str], reused: int) -> None:
        """Files a worker process wrote into the staging folder on this writer's behalf."""
        for rel in written:
            if rel in self.written:
                raise OutputError(f"两个页面写入同一个输出文件：{rel}")
            self.written.add(rel)
        self.reused += reused

    def write_text(self, rel: str, text: str) -> None:
        self.write(rel, text.encode("utf-8"))

    def copy(self, rel: str, source: Path) -> None:
        self.write(rel, source.read_bytes())

    def _swap(self) -> None:
        retired = self.parent / f"{RETIRED_PREFIX}{self.output.name}-{os.getpid()}"
        out = self.parent / self.output.name
        if out.exists():
            out.rename(retired)
        self.staging.rename(out)
        shutil.rmtree(retired, ignore_errors=True)
        log.info("wrote %d files (%d unchanged)", len(self.written), self.reused)
