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
