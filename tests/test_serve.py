"""`sitegen serve`: rebuilds on change, pushes reload or the error, keeps the last good site."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

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


BROKEN = "---\ntitle: 坏\ncategory: 不存在的分类\n---\n正文\n"


def start(tmp_path: Path, broken: bool = False) -> Preview:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "sitegen" / "scaffold" / "content", site / "content")
    from sitegen.commands.init import default_config

    (site / "sitegen.toml").write_text(default_config(), encoding="utf-8")
    if broken:
        (site / "content" / "broken.md").write_text(BROKEN, encoding="utf-8")
    results = []
    p = Preview(site, site / "output", None, lambda r, s: results.append(r))
    assert p.rebuild().ok is not broken
    server = p.serve(0)
    p.base = f"http://127.0.0.1:{server.server_address[1]}"
    p.site = site
    p.results = results
    return p


@pytest.fixture
def preview(tmp_path: Path):
    p = start(tmp_path)
    yield p
    p.stop()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_serves_with_live_script_and_rebuilds_on_change(preview):
    page = get(preview.base + "/index.html")
    assert f'<script src="{SCRIPT_PATH}?since={preview.live.run}.1"></script></body>' in page
    assert "EventSource" in get(preview.base + SCRIPT_PATH)
    assert SCRIPT_PATH not in (preview.site / "output" / "index.html").read_text(encoding="utf-8")

    budget = preview.site / "content" / "budget.md"
    budget.write_text(budget.read_text(encoding="utf-8").replace("部门预算", "部门预算（调整）"),
                      encoding="utf-8")
    wait_for(lambda: "部门预算（调整）" in get(preview.base + "/index.html"))
    wait_for(lambda: preview.live.generation >= 2)
    assert preview.live.error == ""


def test_a_log_written_in_the_site_folder_is_no_change(preview):
    """Found by review: `sitegen serve . > serve.log` rebuilt the site on every line it wrote
    (each rebuild printing more). In the site folder only sitegen.toml, content/ and themes/
    are inputs; a sitegen.toml saved by renaming onto it still is one."""
    log = preview.site / "serve.log"
    for n in range(5):
        log.write_text("line\n" * n, encoding="utf-8")
        time.sleep(0.2)
    time.sleep(1.5)
    assert preview.live.generation == 1
    config = preview.site / "sitegen.toml"
    draft = preview.site / ".sitegen.toml.swp"
    draft.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    draft.replace(config)
    wait_for(lambda: preview.live.generation == 2)


def test_a_content_folder_made_anew_is_watched_anew(preview):
    """Found by review: a watch follows the folder it was made on, so after content/ was
    replaced (moved aside, another put in its place) edits of the new one rebuilt nothing,
    and edits of the old one, moved away, still did."""
    content, old = preview.site / "content", preview.site / "content.old"
    content.rename(old)
    shutil.copytree(old, content)
    wait_for(lambda: preview.live.generation >= 2)
    time.sleep(1)  # (the events of the copy)
    done = preview.live.generation
    budget = content / "budget.md"
    budget.write_text(budget.read_text(encoding="utf-8").replace("部门预算", "部门预算（新）"),
                      encoding="utf-8")
    wait_for(lambda: "部门预算（新）" in get(preview.base + "/index.html"))
    assert preview.live.generation == done + 1
    stale = old / "budget.md"
    stale.write_text(stale.read_text(encoding="utf-8") + "\n旧的。\n", encoding="utf-8")
    time.sleep(1.5)
    assert preview.live.generation == done + 1


def test_failed_build_keeps_last_good_site_and_reports(preview):
    good = get(preview.base + "/index.html")
    bad = preview.site / "content" / "broken.md"
    bad.write_text("---\ntitle: 坏\ncategory: 不存在的分类\n---\n正文\n", encoding="utf-8")
    wait_for(lambda: preview.live.error != "")
    assert "content/broken.md" in preview.live.error and "不存在的分类" in preview.live.error
    # the same page (served after another build: its script names that build)
    run = preview.live.run
    assert get(preview.base + "/index.html").replace(f"since={run}.2", f"since={run}.1") == good
    with urllib.request.urlopen(preview.base + EVENTS_PATH, timeout=10) as stream:
        assert stream.readline() == b"event: failed\n"
        assert "content/broken.md" in json.loads(stream.readline().decode()[len("data: "):])
    bad.unlink()
    wait_for(lambda: preview.live.error == "")


def test_a_failed_build_does_not_rebuild_again_by_itself(preview):
    """A failed build renames and removes its staging folder in the site folder: that was
    taken for an edit, and the preview rebuilt several times a second until the fix."""
    bad = preview.site / "themes" / "default" / "templates" / "item.html"
    bad.parent.mkdir(parents=True)
    bad.write_text('{% extends "base.html" %}{% block content %}{{ item.titel }}{% endblock %}',
                   encoding="utf-8")  # fails while pages are written
    wait_for(lambda: preview.live.error != "")
    assert "titel" in preview.live.error
    time.sleep(1)  # the edit's own events settle
    builds = preview.live.generation
    time.sleep(3)
    assert preview.live.generation == builds
    bad.unlink()
    wait_for(lambda: preview.live.error == "")
    time.sleep(1)
    builds = preview.live.generation
    time.sleep(3)
    assert preview.live.generation == builds  # nor after a good one


def test_a_missing_page_is_the_sites_404_page(preview):
    status, page = fetch(preview.base + "/fdzdgknr/no-such-page.html")
    assert status == 404 and "页面不存在" in page and SCRIPT_PATH in page
    # The preview serves the site at its root, not at base_url's path: the page's links too.
    assert '<base href="/">' in page and '<base href="/xxgk/">' not in page
    assert '<base href="/xxgk/">' in (preview.site / "output/404.html").read_text(encoding="utf-8")


def test_before_the_first_good_build_the_page_shows_the_errors(tmp_path):
    p = start(tmp_path, broken=True)
    try:
        status, page = fetch(p.base + "/index.html")
        assert status == 503 and "尚未生成成功" in page and "不存在的分类" in page
        assert SCRIPT_PATH in page  # it turns into the site after the fix
        (p.site / "content" / "broken.md").unlink()
        wait_for(lambda: p.live.error == "")
        status, page = fetch(p.base + "/index.html")
        assert status == 200 and "</html>" in page and "尚未生成成功" not in page
    finally:
        p.stop()


def first_event(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        for line in response:
            if line.startswith(b"event:"):
                return line.decode().strip()
    return ""


def test_a_build_that_ends_while_a_page_loads_still_reloads_it(preview):
    """The page says which build it was served from; a build that ends before its script
    connects (a slow script, or a save just after the last build) reloads it at once."""
    page = get(preview.base + "/index.html")
    since = page.split(SCRIPT_PATH + "?since=")[1].split('"')[0]
    assert since == f"{preview.live.run}.{preview.live.generation}"
    built = preview.live.generation
    budget = preview.site / "content" / "budget.md"
    budget.write_text(budget.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    wait_for(lambda: preview.live.generation > built)
    assert first_event(preview.base + EVENTS_PATH + "?since=" + since) == "event: reload"


def test_a_page_left_open_across_a_restart_reloads_once_the_new_run_has_built(preview):
    """A page served by the `sitegen serve` before a restart names that run's build count,
    which may equal this run's: it is older than any build of this run."""
    assert preview.live.generation == 1
    other_run = "0" * 8 if preview.live.run != "0" * 8 else "1" * 8
    assert first_event(preview.base + EVENTS_PATH + f"?since={other_run}.1") == "event: reload"


def test_stopping_waits_for_the_rebuild_under_way(tmp_path, monkeypatch):
    """Ctrl+C during a rebuild: the rebuild ends first (killed, it left its staging folder
    behind, and the spare copy of the output it had taken)."""
    from sitegen import serve

    p = start(tmp_path)
    real = serve.build
    started = []

    def slow_build(*args, **kwargs):
        started.append(time.monotonic())
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(serve, "build", slow_build)
    budget = p.site / "content" / "budget.md"
    budget.write_text(budget.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    wait_for(lambda: started)
    assert p.stop()
    assert not p._looping.is_alive()
    assert p.live.generation == 2  # the rebuild finished and was published
    assert [f.name for f in p.site.iterdir() if f.name.startswith(".sitegen-staging")] == []


def test_stopping_waits_a_bounded_time_for_a_rebuild_that_does_not_end(tmp_path, monkeypatch):
    from sitegen import serve

    p = start(tmp_path)
    started = []
    real = serve.build

    def endless_build(*args, **kwargs):  # (then a real one: the loop thread outlives the test)
        started.append(1)
        time.sleep(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(serve, "build", endless_build)
    budget = p.site / "content" / "budget.md"
    budget.write_text(budget.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    wait_for(lambda: started)
    begun = time.monotonic()
    assert p.stop(wait=0.5) is False
    assert time.monotonic() - begun < 3


# -- the command, as an operator runs it ---------------------------------------------------------

def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "sitegen" / "scaffold" / "content", site / "content")
    from sitegen.commands.init import default_config

    (site / "sitegen.toml").write_text(default_config(), encoding="utf-8")
    return site


def _serve(site: Path, *args: str, stderr: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sitegen", "serve", str(site), *args],
                            stdout=subprocess.PIPE, stderr=stderr, text=True,
                            env={**os.environ, "CI": "1"})


def _stopped(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return out, err


def test_a_port_in_use_is_said_before_building(tmp_path):
    """Found by review: the site was built, then a 25-line traceback."""
    site = _site(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(site), "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"端口 {port} 已被占用" in done.stderr and f"--port {port + 1}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (site / "output").exists()  # nothing built
    done = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(site), "--port", "70000"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


def test_a_preview_as_of_another_day_never_writes_the_published_output(tmp_path):
    """Found by review: `serve --now <a later day>` wrote items not yet due into output/,
    which a cron rsync publishes. It previews into .sitegen-preview/ instead."""
    site = _site(tmp_path)
    budget = site / "content" / "budget.md"
    text = budget.read_text(encoding="utf-8")
    published = next(line for line in text.splitlines() if line.startswith("date_published:"))
    (site / "content" / "future.md").write_text(
        text.replace(published, "date_published: 2099-03-01").replace(
            "title: ", "title: 还未到期的", 1).replace(
            next(line for line in text.splitlines() if line.startswith("index_no:")),
            "index_no: 12345678X/2099-00001"), encoding="utf-8")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    process = _serve(site, "--port", str(port), "--now", "2099-03-02")
    try:
        wait_for(lambda: (site / ".sitegen-preview" / "index.html").is_file(), 60)
        assert not (site / "output").exists()
        pages = "".join(p.read_text(encoding="utf-8") for p in (site / ".sitegen-preview").rglob("*.html"))
        assert "还未到期的" in pages
    finally:
        out, err = _stopped(process)
    assert ".sitegen-preview" in err and "不改动要发布的" in err


def test_a_preview_lists_the_items_it_holds_back(tmp_path):
    """Found by review: a good rebuild said nothing of the new item `sitegen new` made (its
    review is empty until filled in), which was missing from the preview."""
    site = _site(tmp_path)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    log = tmp_path / "serve.err"  # (a file, read while it runs: a slow rebuild took over 3 s)
    with log.open("w", encoding="utf-8") as stderr:
        process = _serve(site, "--port", str(port), stderr=stderr)
        try:
            wait_for(lambda: (site / "output" / "index.html").is_file(), 60)
            made = subprocess.run([sys.executable, "-m", "sitegen", "new", str(site), "--category",
                                   "政府采购", "--title", "测试新信息"],
                                  capture_output=True, text=True, timeout=60)
            assert made.returncode == 0, made.stderr
            wait_for(lambda: "测试新信息" in log.read_text(encoding="utf-8"), 60)  # the rebuild
        finally:
            _stopped(process)
    err = log.read_text(encoding="utf-8")
    assert "未发布的信息 1 条" in err and "测试新信息" in err, err


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as free:
        free.bind((host, 0))
        return free.getsockname()[1]


def test_another_host_serves_there_and_only_there(tmp_path):
    """--host: an officer previews on a phone on the office network (0.0.0.0), or on one
    address of the machine. 127.0.0.2 is a loopback address of its own on Linux."""
    site = _site(tmp_path)
    port = _free_port("127.0.0.2")
    process = _serve(site, "--port", str(port), "--host", "127.0.0.2")
    try:
        wait_for(lambda: (site / "output" / "index.html").is_file(), 60)
        wait_for(lambda: fetch(f"http://127.0.0.2:{port}/index.html")[0] == 200, 20)
        assert SCRIPT_PATH in fetch(f"http://127.0.0.2:{port}/index.html")[1]
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5)
    finally:
        out, err = _stopped(process)
    assert f"http://127.0.0.2:{port}/index.html" in out
    assert "注意" not in err  # a loopback address: nobody else can reach it

    port = _free_port()
    process = _serve(site, "--port", str(port), "--host", "0.0.0.0")
    try:
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/index.html")[0] == 200
                 if _listening(port) else False, 60)
    finally:
        out, err = _stopped(process)
    assert f"http://127.0.0.1:{port}/index.html" in out
    assert "注意：--host 0.0.0.0 让能连到本机的其他设备也能打开预览" in err


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize(("host", "said"), [("192.0.2.7", "本机没有这个地址"),
                                            ("no-such-host.invalid", "不是本机的地址")])
def test_a_host_this_machine_does_not_have_is_said_before_building(tmp_path, host, said):
    site = _site(tmp_path)
    done = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(site), "--host", host],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "--host 0.0.0.0" in done.stderr
    assert not (site / "output").exists()


def test_an_empty_host_is_refused_rather_than_listening_everywhere(tmp_path):
    """Found by review: `--host ""` listened on every address and printed http://:8000/."""
    site = _site(tmp_path)
    done = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(site), "--host", " "],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "不能为空" in done.stderr and "--host 0.0.0.0" not in done.stdout
    assert not (site / "output").exists()


def test_sigterm_stops_the_preview_as_ctrl_c_does(tmp_path):
    """Found by review: a service manager's SIGTERM ended the preview at once with 143 (the
    build's way), without waiting for the rebuild under way."""
    site = _site(tmp_path)
    process = _serve(site, "--port", str(_free_port()))
    wait_for(lambda: (site / "output" / "index.html").is_file(), 60)
    time.sleep(1)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0 and "正在退出" in err, (process.returncode, err)
