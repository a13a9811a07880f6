"""`sitegen serve`: rebuilds on change, pushes reload or the error, keeps the last good site."""

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from sitegen.serve import EVENTS_PATH, SCRIPT_PATH, Preview

ROOT = Path(__file__).resolve().parent.parent


def wait_for(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def preview(tmp_path: Path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "sitegen" / "scaffold" / "content", site / "content")
    from sitegen.commands.init import default_config

    (site / "sitegen.toml").write_text(default_config(), encoding="utf-8")
    results = []
    p = Preview(site, site / "output", None, lambda r, s: results.append(r))
    assert p.rebuild().ok
    server = p.serve(0)
    p.base = f"http://127.0.0.1:{server.server_address[1]}"
    p.site = site
    p.results = results
    yield p
    p.stop()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_serves_with_live_script_and_rebuilds_on_change(preview):
    page = get(preview.base + "/index.html")
    assert f'<script src="{SCRIPT_PATH}"></script></body>' in page
    assert "EventSource" in get(preview.base + SCRIPT_PATH)
    assert SCRIPT_PATH not in (preview.site / "output" / "index.html").read_text(encoding="utf-8")

    budget = preview.site / "content" / "budget.md"
    budget.write_text(budget.read_text(encoding="utf-8").replace("部门预算", "部门预算（调整）"),
                      encoding="utf-8")
    wait_for(lambda: "部门预算（调整）" in get(preview.base + "/index.html"))
    wait_for(lambda: preview.live.generation >= 2)
    assert preview.live.error == ""


def test_failed_build_keeps_last_good_site_and_reports(preview):
    good = get(preview.base + "/index.html")
    bad = preview.site / "content" / "broken.md"
    bad.write_text("---\ntitle: 坏\ncategory: 不存在的分类\n---\n正文\n", encoding="utf-8")
    wait_for(lambda: preview.live.error != "")
    assert "content/broken.md" in preview.live.error and "不存在的分类" in preview.live.error
    assert get(preview.base + "/index.html") == good
    with urllib.request.urlopen(preview.base + EVENTS_PATH, timeout=10) as stream:
        assert stream.readline() == b"event: failed\n"
        assert "content/broken.md" in json.loads(stream.readline().decode()[len("data: "):])
    bad.unlink()
    wait_for(lambda: preview.live.error == "")
