"""Stage 5: the output folder is swapped in atomically; unchanged files keep their inode."""

import os

import pytest

from sitegen.output import AtomicOutput, OutputError, check_output_location


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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sitegen-spare-output", "output"]
    assert _inodes(tmp_path / ".sitegen-spare-output") == _inodes(out)


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
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
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
