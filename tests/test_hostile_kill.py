"""Hostile conditions, part 4: builds killed with SIGKILL at random moments (issue 5 §5).

A catalogue of 300 generated items (bench/generate.py) is built once; then, many times, one
item is changed, `python -m sitegen build` is started as a subprocess and SIGKILLed after a
seeded random delay spread over one build's duration. After every kill the output folder must
exist and be exactly the previous site or exactly the new complete site (never a mix, never
missing), and nothing outside the output and its staging folder may have changed. Some kills
hit the whole process group (systemd, Ctrl-C of a CI job), the others only the main process
(the OOM killer), whose worker processes must then go away by themselves. A normal build
afterwards leaves no staging or retired folder, writes exactly what a clean build writes, and
leaves the spare (output.py) equal to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.commands.init import default_config

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-27"
ITEMS = 300
RUNS = 24
LOOP_BUDGET = 30.0  # seconds for the kill loop: a loaded machine runs fewer (at least MIN_RUNS)
MIN_RUNS = 10
SEED = 20261127
OUTPUT = "output"
OURS = (".sitegen-staging-", ".sitegen-retired-", ".sitegen-spare-", ".sitegen-recycled-")


def _generator():
    spec = importlib.util.spec_from_file_location("sitegen_bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


Tree = dict[str, str | None]  # path -> sha256 of the file, None for a folder


def tree(folder: Path, skip: tuple[str, ...] = ()) -> Tree:
    result: Tree = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.split("/")[0] in skip:
            continue
        result[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return result


def sources(site: Path) -> Tree:
    """Everything of the site that no build may touch: all but the output, its staging and
    retired folders and the cache."""
    return {rel: h for rel, h in tree(site).items()
            if rel.split("/")[0] not in (OUTPUT, ".sitegen-cache") and not rel.startswith(OURS)}


def start(site: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(site), "--now", NOW],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "CI": "1"})


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_group(pgid: int, timeout: float) -> float | None:
    """Wait until no process of the group is left; the seconds it took, or None (then kill)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not group_alive(pgid):
            return time.monotonic() - started
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    return None


def clean_build(site: Path, into: Path) -> Tree:
    """What a build from scratch writes: a copy of the sources (no cache, no previous output)
    built by a fresh interpreter (no state left by other tests in this process)."""
    copy = into / "site"
    shutil.copytree(site / "content", copy / "content")
    shutil.copy2(site / "sitegen.toml", copy / "sitegen.toml")
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", str(copy), "--now", NOW],
                          capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    return tree(copy / OUTPUT)


_TITLE = re.compile(r"^title: .*$", re.M)


_CREATED = re.compile(r"^date_created: (\d{4})-", re.M)


def edit(path: Path, run: int, body_only: bool) -> None:
    text = path.read_text(encoding="utf-8")
    if not body_only:  # a new title and an earlier 生成日期: a whole build (not a quick one)
        text = _TITLE.sub(f"title: 第{run}次修改后的标题", text, count=1)
        text = _CREATED.sub(lambda m: f"date_created: {int(m.group(1)) - 1}-", text, count=1)
    path.write_text(text + f"\n第{run}次修改追加的段落。\n", encoding="utf-8")


QUICK = "quick build"  # what `sitegen build` says after a quick build (sitegen/quick.py)


@pytest.mark.parametrize("body_only", [False, True], ids=["whole builds", "quick builds"])
def test_sigkill_at_random_moments_never_leaves_a_mixed_or_missing_site(tmp_path, body_only):
    site = tmp_path / "site"
    _generator().write_sitegen(ITEMS, site)
    items = sorted((site / "content").rglob("*.md"))
    out = site / OUTPUT

    first = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site), "--now", NOW],
                           capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert first.returncode == 0, first.stderr
    # one incremental build (one item changed), timed: the kills are spread over it
    edit(items[0], 0, body_only)
    began = time.monotonic()
    second = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site), "--now", NOW],
                            capture_output=True, text=True, env={**os.environ, "CI": "1"})
    duration = time.monotonic() - began
    assert second.returncode == 0, second.stderr
    assert (QUICK in second.stdout) == body_only, second.stdout
    previous = tree(out)
    assert len(previous) > ITEMS

    rng = random.Random(SEED)
    outcomes = {"old": 0, "new": 0, "finished": 0}
    loop_started = time.monotonic()
    for run in range(1, RUNS + 1):
        if run > MIN_RUNS and time.monotonic() - loop_started > LOOP_BUDGET:
            break
        edit(items[rng.randrange(len(items))], run, body_only)
        untouchable = sources(site)
        # two kills in three anywhere in the build, one in three around its end (the swap)
        # (a killed quick build leaves no spare: the next one is a whole build, and longer)
        late = 2.0 if body_only else 1.3
        delay = rng.uniform(0.05, duration) if run % 3 else rng.uniform(0.8 * duration, late * duration)
        whole_group = run % 2 == 1
        proc = start(site)
        time.sleep(delay)
        finished = proc.poll() is not None
        with contextlib.suppress(ProcessLookupError):
            if whole_group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
        proc.wait()
        waited = reap_group(proc.pid, timeout=20)
        assert waited is not None, f"run {run}: worker processes still running 20 s after their build was killed"

        where = f"run {run}, killed after {delay:.2f} s of ~{duration:.2f} s"
        assert out.is_dir(), f"{where}: the output folder is missing"
        now = tree(out)
        if finished:  # the build ended before the kill: it must have succeeded
            assert proc.returncode == 0 and now != previous, where
            outcomes["finished"] += 1
            previous = now
        elif now == previous:
            outcomes["old"] += 1
        else:
            expected = clean_build(site, tmp_path / f"reference-{run}")
            assert now == expected, f"{where}: the output is neither the previous nor the new site: " + \
                f"{sorted(k for k in set(now) | set(expected) if now.get(k) != expected.get(k))[:10]}"
            outcomes["new"] += 1
            previous = now
        assert sources(site) == untouchable, f"{where}: files outside the output changed"
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("reference-")) == ["site"]
        extra = [p.name for p in site.iterdir()
                 if p.name not in ("content", "sitegen.toml", OUTPUT, ".sitegen-cache") and not p.name.startswith(OURS)]
        assert extra == [], f"{where}: {extra}"
        # files the builds replaced wait there emptied, whenever the build is killed
        kept = {p.name: p.stat().st_size for p in site.glob(".sitegen-recycled-output/*")}
        assert set(kept.values()) <= {0}, f"{where}: {kept}"

    print(f"{sum(outcomes.values())} runs in {time.monotonic() - loop_started:.1f} s, one build ~{duration:.2f} s: {outcomes}")
    assert outcomes["old"] >= MIN_RUNS // 2, outcomes  # most kills land before the swap

    final = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site), "--now", NOW],
                           capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert final.returncode == 0, final.stderr
    # no staging or retired folder; the spare the next build starts from is the site again
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(OURS)
                  and p.name != ".sitegen-recycled-output") == [".sitegen-spare-output"]
    assert tree(out) == clean_build(site, tmp_path / "reference-final")
    assert tree(site / ".sitegen-spare-output") == tree(out)


# -- a build that fails late ------------------------------------------------------------------------

KEPT = {"法定主动公开内容", "法定主动公开内容/财政预决算"}
ITEM = """---
title: 示例街道2025年部门预算
category: 财政预决算
index_no: 12345678X/2025-00010
date_created: 2025-01-20
date_published: 2025-01-24
disclosure: 主动公开
review:
  reviewer: 党政办负责人
  reviewed_on: 2025-01-22
  secrecy_checked: true
  approver: 街道主任
  approved_on: 2025-01-23
---
{body}
"""


def small_site(root: Path) -> Path:
    head, *blocks = re.split(r"^\[\[category\]\]$", default_config(), flags=re.M)
    kept = [b for b in blocks if re.search(r'^path = "([^"]+)"', b, re.M)[1] in KEPT]
    (root / "content").mkdir(parents=True)
    (root / "sitegen.toml").write_text(head + "".join("[[category]]" + b for b in kept), encoding="utf-8")
    (root / "content/x.md").write_text(ITEM.format(body="正文第一版。"), encoding="utf-8")
    return root


def cli_build(root: Path):
    return CliRunner().invoke(cli, ["build", str(root), "--now", NOW], catch_exceptions=False)


def test_a_build_failing_late_does_not_leave_stale_pages(tmp_path):
    root = small_site(tmp_path / "site")
    assert cli_build(root).exit_code == 0
    page = root / "output/fdzdgknr/czyjs/x.html"
    assert "正文第一版" in page.read_text(encoding="utf-8")

    (root / "content/x.md").write_text(ITEM.format(body="正文第二版。"), encoding="utf-8")
    clash = root / "themes/default/assets/pygments.css"
    clash.parent.mkdir(parents=True)
    clash.write_text("/* 承包商的样式 */\n", encoding="utf-8")
    failed = cli_build(root)
    assert failed.exit_code == 1, failed.output
    assert "正文第一版" in page.read_text(encoding="utf-8")  # the previous site, untouched

    clash.unlink()
    assert cli_build(root).exit_code == 0
    assert "正文第二版" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(("signum", "whole_group"), [(signal.SIGTERM, False), (signal.SIGTERM, True),
                                                    (signal.SIGINT, True)],
                         ids=["SIGTERM to the main process", "SIGTERM to the group", "Ctrl+C"])
def test_a_terminated_build_stops_cleanly_and_says_nothing_of_its_workers(tmp_path, signum, whole_group):
    """Found by review: SIGTERM to the main process alone (`kill`, a cancelled CI job) left its
    workers writing into a closed pipe: 69 lines of BrokenPipeError tracebacks, and a staging
    folder for the next build to remove; Ctrl+C ended with click's "Aborted!" and 1. Now the
    workers end with it, the output is as it was (here: none yet), no traceback, "已中止" and
    128 + the signal's number; after Ctrl+C the staging folder is removed, after SIGTERM (as
    after SIGKILL) the next build removes it."""
    site = tmp_path / "site"
    _generator().write_sitegen(ITEMS, site)
    for delay in (1.0, 0.6, 0.3):  # until the signal comes before the build's end
        proc = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(site), "--now", NOW],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, env={**os.environ, "CI": "1"})
        time.sleep(delay)
        if proc.poll() is None:
            break
        proc.communicate()
        shutil.rmtree(site / OUTPUT, ignore_errors=True)
        shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
        for leftover in site.glob(".sitegen-*"):
            shutil.rmtree(leftover)
    else:
        pytest.skip("every build ended before the signal")
    if whole_group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert reap_group(proc.pid, timeout=20) is not None, "workers left running"
    # as a shell reports a command its signal ended (not 1, the code of a broken commit)
    assert proc.returncode == 128 + signum and "已中止" in err, (proc.returncode, err[-2000:])
    assert "Traceback" not in err and "BrokenPipeError" not in err, err[-3000:]
    assert not (site / OUTPUT).exists()
    staging = [p.name for p in site.iterdir() if p.name.startswith((".sitegen-staging-", ".sitegen-retired-"))]
    if signum == signal.SIGINT:  # (after SIGTERM as after SIGKILL: the next build's to remove)
        assert staging == []
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site), "--now", NOW],
                          capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert done.returncode == 0 and (site / OUTPUT / "index.html").is_file(), done.stderr[-2000:]
    assert [p.name for p in site.iterdir() if p.name.startswith((".sitegen-staging-", ".sitegen-retired-"))] == []
