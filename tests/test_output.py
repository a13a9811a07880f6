"""Stage 5: the output folder is swapped in atomically; unchanged files keep their inode."""

import errno
import os
import threading
import time

import pytest

from sitegen import output
from sitegen.output import AtomicOutput, OutputError, check_output_location

RECYCLED = ".sitegen-recycled-output"


def test_swap_replaces_output_and_reuses_unchanged_files(tmp_path):
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "甲")
        w.write_text("b/c.html", "乙")
    first_a = os.stat(out / "a.html")
    with AtomicOutput(out) as w:
        w.write_text("a.html", "甲")
        w.write_text("d.html", "丁")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        [".sitegen-output", "a.html", "d.html"]
    assert os.stat(out / "a.html").st_ino == first_a.st_ino
    assert os.stat(out / "a.html").st_mtime_ns == first_a.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".sitegen-recycled-output", ".sitegen-spare-output", "output"]
    assert _inodes(tmp_path / ".sitegen-spare-output") == _inodes(out)
    # b/c.html's file, emptied, waits for the next build to write into
    assert [p.stat().st_size for p in (tmp_path / ".sitegen-recycled-output").iterdir()] == [0]


def _inodes(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_ino
            for p in folder.rglob("*") if p.is_file()}


def _texts(folder):
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in folder.rglob("*") if p.is_file()}


def _expected(folder):
    return {rel: [os.stat(folder / rel).st_size, os.stat(folder / rel).st_mtime_ns]
            for rel in _inodes(folder)}


def test_next_build_starts_from_the_spare_and_touches_only_what_changed(tmp_path):
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        for name in ("a", "b", "c/d"):
            w.write_text(f"{name}.html", name)
    before = _inodes(out)
    with AtomicOutput(out) as w:
        w.prepare(_expected(out))
        assert w.reuse("a.html") and w.reuse("c/d.html")
        w.write_text("b.html", "新")
        w.write_text("e/f.html", "f")
    assert _texts(out) == {".sitegen-output": _texts(out)[".sitegen-output"], "a.html": "a",
                           "b.html": "新", "c/d.html": "c/d", "e/f.html": "f"}
    after = _inodes(out)
    assert after["a.html"] == before["a.html"] and after["c/d.html"] == before["c/d.html"]
    assert after["b.html"] != before["b.html"]
    assert w.fresh == {"b.html", "e/f.html"}
    assert _inodes(tmp_path / ".sitegen-spare-output") == after
    # a removed folder goes from the output and from the spare
    with AtomicOutput(out) as w:
        w.prepare(_expected(out))
        w.reuse("a.html")
    assert sorted(_texts(out)) == [".sitegen-output", "a.html"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                  if not p.relative_to(tmp_path).as_posix().startswith(RECYCLED)) == [
        ".sitegen-spare-output", ".sitegen-spare-output/.sitegen-output",
        ".sitegen-spare-output/a.html", "output", "output/.sitegen-output", "output/a.html"]


def test_a_tampered_spare_is_not_trusted(tmp_path):
    """A spare file counts only while it is the output's own file: one replaced, added or
    missing in the spare changes nothing in the result."""
    out = tmp_path / "output"
    spare = tmp_path / ".sitegen-spare-output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "甲")
        w.write_text("b/c.html", "乙")
    (spare / "a.html").unlink()
    (spare / "a.html").write_text("假", encoding="utf-8")  # a new inode, other bytes
    (spare / "b/c.html").unlink()
    (spare / "x.html").write_text("多余", encoding="utf-8")
    with AtomicOutput(out) as w:
        w.prepare(_expected(out))
        assert w.reuse("a.html")
        w.write_text("b/c.html", "乙")
    assert {k: v for k, v in _texts(out).items() if k != ".sitegen-output"} == \
        {"a.html": "甲", "b/c.html": "乙"}
    assert _inodes(spare) == _inodes(out)


def test_a_failed_build_never_writes_into_the_published_files(tmp_path):
    """The spare's files are the output's (hard links): a failed build that had begun to
    replace one must leave the published one as it was."""
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "旧")
    with pytest.raises(RuntimeError), AtomicOutput(out) as w:
        w.prepare(_expected(out))
        w.write_text("a.html", "新")
        raise RuntimeError("模板出错")
    assert (out / "a.html").read_text(encoding="utf-8") == "旧"
    assert [p.name for p in tmp_path.iterdir()] == ["output"]


def test_failure_leaves_previous_output_and_no_staging(tmp_path):
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "旧")
    with pytest.raises(RuntimeError), AtomicOutput(out) as w:
        w.write_text("a.html", "新")
        raise RuntimeError("模板出错")
    assert (out / "a.html").read_text(encoding="utf-8") == "旧"
    assert [p.name for p in tmp_path.iterdir()] == ["output"]


def test_killed_swap_is_recovered_by_next_build(tmp_path):
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "旧")
    # A build killed between its two renames leaves only the retired folder.
    out.rename(tmp_path / ".sitegen-retired-output-99999")
    (tmp_path / ".sitegen-staging-output-99999").mkdir()
    w = AtomicOutput(out)
    w.__enter__()
    assert (out / "a.html").read_text(encoding="utf-8") == "旧"
    w.__exit__(RuntimeError, RuntimeError(), None)
    assert [p.name for p in tmp_path.iterdir()] == ["output"]


def test_output_may_not_overlap_sources(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for bad in (tmp_path, content, content / "x", tmp_path.parent):
        with pytest.raises(OutputError):
            check_output_location(tmp_path, bad, [content])
    check_output_location(tmp_path, tmp_path / "output", [content])


def test_same_path_twice_is_an_error(tmp_path):
    with pytest.raises(OutputError), AtomicOutput(tmp_path / "o") as w:
        w.write_text("a.html", "1")
        w.write_text("a.html", "2")


def test_foreign_folder_is_never_replaced(tmp_path):
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "年终总结.docx").write_bytes(b"x")
    with pytest.raises(OutputError, match="不是 sitegen 生成的"):
        check_output_location(tmp_path / "site", documents, [])
    (tmp_path / "empty").mkdir()
    check_output_location(tmp_path / "site", tmp_path / "empty", [])


def test_a_file_where_a_folder_was_and_the_reverse(tmp_path):
    """A page named like a former folder (or a folder like a former page): the spare the next
    build starts from holds the old kind, and must give way."""
    out = tmp_path / "output"
    spare = tmp_path / ".sitegen-spare-output"
    with AtomicOutput(out) as w:
        w.write_text("x/y.html", "旧页")
        w.write_text("z", "旧文件")
    for first in ("x", "z/w.html"), ("x/y.html", "z"):
        with AtomicOutput(out) as w:
            w.prepare(_expected(out))
            for rel in first:
                w.write_text(rel, "新" + rel)
        assert {k: v for k, v in _texts(out).items() if k != ".sitegen-output"} == \
            {rel: "新" + rel for rel in first}
        assert _inodes(spare) == _inodes(out)


def test_a_spare_file_that_cannot_be_removed_stops_the_build_untouched(tmp_path, monkeypatch):
    """A spare file is the published file (a hard link): if it cannot be removed (a folder
    made read-only), writing in its place would change the live site. The build stops with an
    error instead, and the published file stays as it was."""
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "旧")
    real_unlink = os.unlink

    def refuse(path, *args, **kwargs):
        if str(path).endswith("a.html") and ".sitegen-staging-" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.raises(OutputError, match="无法替换"), AtomicOutput(out) as w:
        w.prepare(_expected(out))
        w.write_text("a.html", "新")
    monkeypatch.setattr(os, "unlink", real_unlink)
    assert (out / "a.html").read_text(encoding="utf-8") == "旧"


def test_attachments_are_copied_and_compared_a_chunk_at_a_time(tmp_path, reads_only_chunks):
    """An attachment of hundreds of MB was read whole, and the previous output's copy too
    for the comparison (a 600 MB one took 1.27 GB of memory). Copied and compared in chunks,
    it is as before: equal to its source, an unchanged one keeps its inode and mtime, a
    changed one is a new file and the published one is never written into."""
    import filecmp

    from sitegen.output import CHUNK

    out, source = tmp_path / "output", tmp_path / "big.pdf"
    data = bytearray(os.urandom(3 * CHUNK + 5))
    source.write_bytes(data)
    with AtomicOutput(out) as w:
        assert not w.copy("files/big.pdf", source)
    assert filecmp.cmp(source, out / "files/big.pdf", shallow=False)
    first = os.stat(out / "files/big.pdf")
    source.unlink()
    source.write_bytes(data)  # the same bytes, a new file
    with AtomicOutput(out) as w:
        assert w.copy("files/big.pdf", source)
    now = os.stat(out / "files/big.pdf")
    assert (now.st_ino, now.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    os.link(source, tmp_path / "before.pdf")
    os.link(out / "files/big.pdf", tmp_path / "published")  # what a web server has open
    source.unlink()
    data[-2] ^= 1  # the same size, one byte in the last chunk changed
    source.write_bytes(data)
    with AtomicOutput(out) as w:
        assert not w.copy("files/big.pdf", source)
    assert filecmp.cmp(source, out / "files/big.pdf", shallow=False)
    assert os.stat(out / "files/big.pdf").st_ino != first.st_ino
    assert filecmp.cmp(tmp_path / "published", tmp_path / "before.pdf", shallow=False)



def test_a_build_that_fails_entering_or_swapping_leaves_the_output_and_nothing_else(
        tmp_path, monkeypatch):
    """An error while the staging folder is set up (raised before the `with` body, so no
    `__exit__`), or a rename refused in the two-rename swap, left the staging folder beside
    the output, and in the second case no output folder at all."""
    import errno

    from sitegen import output

    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "旧")

    def too_many_open_files(folder, *args, **kwargs):
        raise OSError(errno.EMFILE, os.strerror(errno.EMFILE), folder)

    monkeypatch.setattr(output, "_walk", too_many_open_files)  # listing the spare
    with pytest.raises(OSError), AtomicOutput(out):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["output"]
    assert _texts(out)["a.html"] == "旧"
    monkeypatch.undo()

    real_rename = os.rename

    def refuse_into_output(src, dst, *args, **kwargs):
        if ".sitegen-staging-" in str(src) and str(dst) == str(out):
            raise PermissionError(13, "Permission denied", str(src))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(output, "_exchange", lambda a, b: False)  # (as off Linux)
    monkeypatch.setattr(os, "rename", refuse_into_output)
    with pytest.raises(PermissionError), AtomicOutput(out) as w:
        w.write_text("a.html", "新")
    assert [p.name for p in tmp_path.iterdir()] == ["output"]
    assert _texts(out)["a.html"] == "旧"


def test_an_empty_folder_made_in_the_output_does_not_come_and_go(tmp_path):
    """A folder with no file of the site (`mkdir output/.well-known`) went to the spare and
    came back with it every other build: a deploy by `rsync --delete` saw it flip."""
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a/b.html", "乙")
    (out / ".well-known" / "acme-challenge").mkdir(parents=True)
    (out / "a" / "empty").mkdir()
    for n in range(4):  # whole builds: from the spare, alternately
        with AtomicOutput(out) as w:
            w.prepare(_expected(out))
            w.reuse("a/b.html")
            w.write_text("c.html", str(n))
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == \
            [".sitegen-output", "a", "a/b.html", "c.html"], n
    (out / ".well-known").mkdir()
    for n in range(4):  # quick builds (patches)
        assert AtomicOutput(out).patch({"c.html": f"新{n}".encode()}, _inodes(out)) is not None
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == \
            [".sitegen-output", "a", "a/b.html", "c.html"], n


def test_without_hard_links_a_kept_file_keeps_its_time(tmp_path, monkeypatch):
    """On a file system without hard links (a FAT or exFAT stick) a file the build keeps is
    copied: with its modification time, so that a copy by size and time moves nothing."""
    def no_links(src, dst, *args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "output"
    with AtomicOutput(out) as w:
        w.write_text("a.html", "甲")
        w.write_text("b.html", "乙")
    assert not (tmp_path / ".sitegen-spare-output").exists()  # (made of hard links)
    os.utime(out / "a.html", ns=(1_000_000_000, 1_000_000_000))
    before = _expected(out)
    with AtomicOutput(out) as w:
        w.prepare(before)
        w.reuse("a.html")
        w.write_text("b.html", "新")
    after = _expected(out)
    assert after["a.html"] == before["a.html"] == [3, 1_000_000_000]
    assert after["b.html"] != before["b.html"]


def _build(out, files, expected=True):
    with AtomicOutput(out) as w:
        if expected:
            w.prepare(_expected(out) if out.is_dir() else {})
        for rel, text in files.items():
            w.write_text(rel, text)
    return w


def _patch(out, files):
    """A quick build's write: `files` (rel -> text, or None to remove) into the output."""
    w = AtomicOutput(out)
    inodes = {rel: os.stat(out / rel).st_ino for rel in _inodes(out)}
    data = {rel: None if text is None else text.encode("utf-8") for rel, text in files.items()}
    assert w.patch(data, inodes) is not None
    return w


def _pool(tmp_path):
    folder = tmp_path / RECYCLED
    return {p.name: p.stat() for p in folder.iterdir()} if folder.is_dir() else {}


@pytest.mark.parametrize("second", ["whole", "quick"])
def test_a_replaced_file_is_emptied_and_written_into_by_the_next_build(tmp_path, second):
    """Its inode, not a new one: making a file is what costs on a file system that skips the
    inodes it freed in the last minute (output.py)."""
    out = tmp_path / "output"
    _build(out, {"a.html": "甲" * 100, "b/c.html": "乙" * 100})
    _build(out, {"a.html": "丙", "b/c.html": "乙" * 100})  # the first a.html is retired
    pool = _pool(tmp_path)
    assert [st.st_size for st in pool.values()] == [0]  # (its bytes gone at once)
    retired = next(iter(pool.values())).st_ino
    os.utime(next((tmp_path / RECYCLED).iterdir()), ns=(0, 0))
    before = time.time_ns() - 2_000_000_000  # (a file system's clock may be coarser)
    if second == "whole":
        _build(out, {"a.html": "丙", "b/c.html": "丁丁"})
    else:
        _patch(out, {"b/c.html": "丁丁"})
    assert (out / "b/c.html").read_text(encoding="utf-8") == "丁丁"
    assert os.stat(out / "b/c.html").st_ino == retired
    assert os.stat(out / "b/c.html").st_mtime_ns > before  # (rsync compares size and time)
    assert (out / "a.html").read_text(encoding="utf-8") == "丙"
    # the c.html it replaced took that file's place in the pool, empty
    assert [st.st_size for st in _pool(tmp_path).values()] == [0]
    assert _inodes(tmp_path / ".sitegen-spare-output") == _inodes(out)


def test_a_file_linked_from_elsewhere_is_never_emptied_nor_written_into(tmp_path):
    """A backup made with hard links (`cp -al output backup`) shares the output's inodes: the
    build leaves their bytes alone, whether the file is being retired or waiting in the pool."""
    out = tmp_path / "output"
    _build(out, {"a.html": "原来的甲", "b.html": "原来的乙"})
    backup = tmp_path / "backup"
    backup.mkdir()
    os.link(out / "a.html", backup / "a.html")
    _build(out, {"a.html": "新甲", "b.html": "新乙"})  # b's old file is retired, a's is not
    assert (backup / "a.html").read_text(encoding="utf-8") == "原来的甲"
    assert len(_pool(tmp_path)) == 1
    pooled = next((tmp_path / RECYCLED).iterdir())
    os.link(pooled, backup / "pooled")  # linked while it waits
    _patch(out, {"c.html": "丙"})
    assert (out / "c.html").read_text(encoding="utf-8") == "丙"
    assert os.stat(out / "c.html").st_ino != os.stat(backup / "pooled").st_ino
    assert (backup / "pooled").read_bytes() == b""
    assert _pool(tmp_path) == {}  # (only the pool's link to it went)


def test_a_pooled_file_with_other_permissions_is_not_used(tmp_path):
    out = tmp_path / "output"
    _build(out, {"a.html": "甲", "b.html": "乙"})
    _build(out, {"a.html": "甲"})
    os.chmod(next((tmp_path / RECYCLED).iterdir()), 0o600)
    _build(out, {"a.html": "甲", "c.html": "丙"})
    assert os.stat(out / "c.html").st_mode == os.stat(out / "a.html").st_mode
    assert (out / "c.html").read_text(encoding="utf-8") == "丙"


def test_the_pool_keeps_at_most_recycled_kept_files(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "RECYCLED_KEPT", 2)
    out = tmp_path / "output"
    _build(out, {f"{n}.html": str(n) for n in range(5)})
    _build(out, {})
    assert len(_pool(tmp_path)) == 2
    assert sorted(_texts(out)) == [".sitegen-output"]


def test_a_full_disk_while_writing_into_a_pooled_file_names_the_file(tmp_path, monkeypatch):
    out = tmp_path / "output"
    _build(out, {"a.html": "甲", "b.html": "乙"})
    _build(out, {"a.html": "甲"})
    assert len(_pool(tmp_path)) == 1
    before = _texts(out)

    class Full:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fdopen", Full)
    with pytest.raises(OSError) as failed:
        _build(out, {"a.html": "甲", "c.html": "丙"})
    assert failed.value.filename.endswith("/c.html")
    monkeypatch.undo()
    assert _texts(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".sitegen-staging"))\
        == []


def test_a_file_something_has_open_is_never_emptied(tmp_path):
    """A web server may still be sending a page the swap replaced, or keep it open (nginx's
    open_file_cache): it must go on reading that page's bytes, never none or another page's."""
    out = tmp_path / "output"
    _build(out, {"a.html": "甲" * 100, "b.html": "乙" * 100})
    with open(out / "a.html", "rb") as reader:
        _build(out, {"a.html": "新甲", "b.html": "乙" * 100})
        _build(out, {"a.html": "新甲", "b.html": "丙" * 50, "c.html": "丁" * 80})
        assert reader.read() == ("甲" * 100).encode("utf-8")
    assert _texts(out)["c.html"] == "丁" * 80


def _within(seconds, func):
    done = []
    worker = threading.Thread(target=lambda: done.append(func()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, f"still running after {seconds} s (or failed)"
    return done[0]


def test_odd_things_in_the_pool_or_the_output_neither_stop_nor_hang_a_build(tmp_path):
    """A FIFO opened for writing waits for a reader: one in the pool, or one someone made in
    the output that the next build drops, must not hang the build; a folder or a link in the
    pool is no file to write into."""
    out = tmp_path / "output"
    _build(out, {"a.html": "甲"})
    os.mkfifo(out / "pipe")
    pool = tmp_path / RECYCLED
    pool.mkdir()
    os.mkfifo(pool / "fifo")
    (pool / "folder").mkdir()
    (pool / "link").symlink_to(out / "a.html")
    for n in range(3):
        _within(30, lambda n=n: _build(out, {"a.html": "甲", f"b{n}.html": "乙" * (n + 1)}))
    assert _texts(out) == {".sitegen-output": _texts(out)[".sitegen-output"], "a.html": "甲",
                           "b2.html": "乙乙乙"}
    assert os.readlink(pool / "link") == str(out / "a.html") and (pool / "folder").is_dir()
