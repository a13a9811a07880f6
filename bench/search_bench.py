"""Search benchmark (a script, not a test): index build time and size against catalog size,
bytes a query loads and keystroke-to-results time in headless Chromium over file://, and the
same built example site searched by Pagefind and by ours over HTTP.

    python3 bench/search_bench.py                 # N = 1 000, 10 000, 100 000; Pagefind
    python3 bench/search_bench.py --sizes 1000,10000 --no-pagefind
    python3 bench/search_bench.py --out /tmp/bench --keep

Budgets (issue 3): at 100 000 items a typical two-word query loads ≤ 300 KB (manifest, shards,
shown documents), no index file is over 1 MB, last keystroke → results painted ≤ 150 ms.
Needs /usr/bin/chromium and Playwright; the Pagefind part needs `pip install 'pagefind[extended]'`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_catalog import TYPICAL_QUERIES, catalog  # noqa: E402

from sitegen import search  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
ASSETS = ROOT / "themes" / "default" / "assets"
RELEVANCE = json.loads((ROOT / "tests" / "search_relevance.json").read_text(encoding="utf-8"))
SUB_PATH = "xxgk/zbs/"
BENCH_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>search bench</title></head><body>
<form id="search-page-form" role="search"><input id="search-input" type="search">
<button type="submit">搜索</button></form>
<p id="search-status" role="status" aria-live="polite"></p>
<ol id="search-results"></ol><button type="button" id="search-more" hidden>more</button>
<script src="assets/search/manifest.js"></script>
<script src="assets/search-tokenize.js"></script>
<script src="assets/search.js" data-index="assets/search/"></script>
</body></html>
"""


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def _width(s: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in s)


# --- 1. build time and size --------------------------------------------------------------------


def build_one(n: int, out: Path) -> dict:
    t0 = time.perf_counter()
    docs = catalog(n)
    t1 = time.perf_counter()
    files = search.build_index(docs)
    t2 = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    for rel, data in files:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (out / "search.html").write_text(BENCH_PAGE, encoding="utf-8")
    for name in ("search.js", "search-tokenize.js"):
        shutil.copy(ASSETS / name, out / "assets" / name)
    t3 = time.perf_counter()
    def total(kind: str) -> int:
        return sum(len(d) for r, d in files if f"/{kind}/" in r)
    shards = [len(d) for r, d in files if "/t/" in r]
    return {
        "n": n, "generate_s": t1 - t0, "index_s": t2 - t1, "write_s": t3 - t2,
        "bytes": sum(len(d) for _, d in files), "postings": total("t") + total("x"),
        "documents": total("d"), "files": len(files), "largest": max(len(d) for _, d in files),
        "largest_name": max(files, key=lambda f: len(f[1]))[0], "shards": len(shards),
        "shard_avg": statistics.mean(shards), "shard_max": max(shards),
        "own_files": sum(1 for r, _ in files if "/x/" in r),
        "body_chars": statistics.mean(len(d.body) for d in docs),
    }


# --- 2. in the browser, over file:// -----------------------------------------------------------


def _done(page, query: str) -> None:  # noqa: ANN001
    page.wait_for_function(
        "q => document.getElementById('search-results').dataset.query === q"
        " && document.getElementById('search-status').dataset.state === 'done'", arg=query,
        timeout=60_000)


STEPS = {"loaded": "postings loaded", "postings": "decoded", "ranked": "ranked",
         "documents": "documents loaded", "rendered": "results built", "ms": "painted"}


def _marks(page, query: str) -> dict:  # noqa: ANN001
    """Milliseconds from the last input event of `query` to the frame after its results (`ms`)
    and to each step on the way (search.js's marks: `loaded`, `postings`, `ranked`,
    `documents`, `rendered`)."""
    page.wait_for_function("q => SITEGEN_SEARCH.timings.some(t => t.query === q)", arg=query)
    return page.evaluate("q => SITEGEN_SEARCH.timings.filter(t => t.query === q).pop()", query)


def _timing(page, query: str) -> float:  # noqa: ANN001
    return _marks(page, query)["ms"]


# The page is ready once its first query and its warm-up have run; then the benchmark lets half
# a second pass, as a person's first keystroke comes well after the page has opened. Starting
# earlier timed the warm-up and the teardown of the previous page's browser context (on two
# CPUs: +20 to +60 ms), not the query.
_READY = ("['done', 'error'].includes(document.getElementById('search-status').dataset.state)"
          " && SITEGEN_SEARCH.ready")
_SETTLE_MS = 500


def _open_ready(page, url: str) -> None:  # noqa: ANN001
    page.goto(url)
    page.wait_for_function(_READY)
    if page.get_attribute("#search-status", "data-state") == "error":
        raise RuntimeError(f"{url}: {page.inner_text('#search-status')}")
    page.wait_for_timeout(_SETTLE_MS)


def loaded_index_bytes(page, site: Path) -> tuple[int, int, int]:  # noqa: ANN001
    """Bytes and number of the index files the page loaded (the manifest, by its own <script>;
    shards and documents, listed by search.js in SITEGEN_SEARCH.loaded), and the bytes of the
    search code (search.js, search-tokenize.js)."""
    loaded = page.evaluate("SITEGEN_SEARCH.loaded.slice()")
    index = [site / "assets/search/manifest.js", *(site / "assets/search" / rel for rel in loaded)]
    code = [site / "assets/search.js", site / "assets/search-tokenize.js"]
    return sum(p.stat().st_size for p in index), len(index), sum(p.stat().st_size for p in code)


def browser_queries(site: Path, queries: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        url = (site / "search.html").as_uri()
        # Warm the OS file cache once, as a kiosk that has been running would have it.
        warm = browser.new_page()
        warm.goto(url)
        warm.close()
        for q in queries:
            # Bytes: a fresh page opened as search.html?q=… (the header box's form does that).
            context = browser.new_context()
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(url + "?q=" + quote(q))
            _done(page, q)
            status = page.inner_text("#search-status")
            index, files, code = loaded_index_bytes(page, site)
            context.close()
            # Time: another fresh page, the query typed key by key into the box.
            context = browser.new_context()
            page = context.new_page()
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            _open_ready(page, url)
            page.focus("#search-input")
            page.keyboard.type(q)
            _done(page, q)
            ms = _timing(page, q)
            # The same query again in the same page: shards and documents already loaded.
            page.evaluate("document.getElementById('search-results').dataset.query = '';"
                          "SITEGEN_SEARCH.timings.length = 0")
            page.keyboard.type(" ")
            _done(page, q)
            again = _timing(page, q)
            context.close()
            # Pasted (one input event, as an IME commits a word): nothing loaded beforehand.
            context = browser.new_context()
            page = context.new_page()
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            _open_ready(page, url)
            page.fill("#search-input", q)
            _done(page, q)
            steps = _marks(page, q)
            pasted = steps["ms"]
            context.close()
            out.append({"q": q, "ms": ms, "again_ms": again, "pasted_ms": pasted, "steps": steps, "index": index,
                        "files": files, "code": code, "status": status, "errors": errors})
        browser.close()
    return out


# --- 3. Pagefind and ours on the example site, over HTTP ---------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def pagefind_comparison(work: Path) -> tuple[list[list[str]], dict] | None:
    from playwright.sync_api import sync_playwright

    from sitegen.build import build

    www = work / "www"
    site = www / SUB_PATH
    result = build(ROOT, output=site, now=dt.date(2026, 11, 27))
    if not result.ok:
        print("example catalog did not build:", [d.format() for d in result.report.errors][:3])
        return None
    try:
        run = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)],
                             capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"Pagefind did not run ({exc}); install it with: pip install 'pagefind[extended]'")
        return None
    if run.returncode != 0 or not (site / "pagefind" / "pagefind.js").exists():
        print("Pagefind failed:", run.stdout[-500:], run.stderr[-500:])
        return None
    indexed = next((line.strip() for line in run.stdout.splitlines() if "Indexed" in line and "page" in line), "")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}"

    def size_of(url: str) -> int:
        path = unquote(urlsplit(url).path)
        rel = path[len("/" + SUB_PATH) :] if path.startswith("/" + SUB_PATH) else ""
        f = site / rel
        return f.stat().st_size if rel and f.is_file() else 0

    rows, totals = [], {"ours_found": 0, "pf_found": 0, "expected": 0, "ours_kb": [], "pf_kb": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for case in RELEVANCE:
                q, expected = case["q"], set(case["expect"])
                # Ours: open search.html?q=…, count the search scripts it loaded.
                ctx = browser.new_context()
                page = ctx.new_page()
                seen: list[str] = []
                page.on("request", lambda r, seen=seen: seen.append(r.url))
                page.goto(root + "search.html?q=" + quote(q))
                _done(page, q)
                ours_bytes = sum(size_of(u) for u in seen if "/assets/search" in u)
                ours_all = set(page.evaluate("q => SITEGEN_SEARCH.all(q)", q))
                ctx.close()
                # Pagefind: its own API on a page of the same site; the first 10 results' data.
                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(root + "404.html")
                seen2: list[str] = []
                page.on("request", lambda r, seen2=seen2: seen2.append(r.url))
                urls = page.evaluate("""async q => {
                    const pf = await import("./pagefind/pagefind.js");
                    await pf.init();
                    const r = await pf.search(q);
                    const first = await Promise.all(r.results.slice(0, 10).map(x => x.data()));
                    window.__pfBytesMark = performance.now();
                    const rest = await Promise.all(r.results.slice(10).map(x => x.data()));
                    return [first.length, first.concat(rest).map(d => d.url)];
                }""", q)
                shown, pf_urls = urls
                # Bytes up to the first 10 results' data (the later fragments only serve recall).
                pf_bytes = sum(size_of(u) for u in seen2[: _requests_until_first_page(seen2, shown)])
                ctx.close()
                pf_all = {_site_rel(u) for u in pf_urls}
                o, p = len(expected & ours_all), len(expected & pf_all)
                totals["ours_found"] += o
                totals["pf_found"] += p
                totals["expected"] += len(expected)
                totals["ours_kb"].append(ours_bytes / 1024)
                totals["pf_kb"].append(pf_bytes / 1024)
                rows.append([q, str(len(expected)), f"{o}/{len(expected)}", kb(ours_bytes),
                             f"{p}/{len(expected)}", kb(pf_bytes)])
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    totals["indexed"] = indexed
    return rows, totals


def _requests_until_first_page(urls: list[str], shown: int) -> int:
    """Requests up to and including the `shown`-th fragment (Pagefind loads one per result)."""
    count = 0
    for i, u in enumerate(urls):
        if "/fragment/" in u:
            count += 1
            if count == shown:
                return i + 1
    return len(urls)


def _site_rel(url: str) -> str:
    path = unquote(urlsplit(url).path).lstrip("/")
    return path[len(SUB_PATH) :] if path.startswith(SUB_PATH) else path


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000", help="catalog sizes, comma-separated")
    ap.add_argument("--out", type=Path, help="where to write the indexes (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the output folder")
    ap.add_argument("--rounds", type=int, default=3, help="browser rounds (timings: median)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-pagefind", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.out or Path(tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"sitegen search benchmark — {os.cpu_count()} CPUs, output in {work}\n")

    results = [build_one(n, work / f"n{n}") for n in sizes]
    print("1. Index build (Python, one process) and size")
    print(table([[f"{r['n']:,}", f"{r['index_s']:.1f} s", f"{r['index_s'] / r['n'] * 1000:.2f} s",
                  kb(r["bytes"] / r["n"] * 1000), kb(r["postings"] / r["n"] * 1000),
                  kb(r["documents"] / r["n"] * 1000), f"{r['files']:,}", f"{r['shards']:,} × {kb(r['shard_avg'])}",
                  f"{r['own_files']:,}", kb(r["largest"])] for r in results],
                ["items", "build", "per 1 000", "size / 1 000", "postings / 1 000", "documents / 1 000",
                 "files", "shards × average", "own-file tokens", "largest file"]))
    print(f"   (bodies average {results[-1]['body_chars']:.0f} characters; generation and writing "
          f"not counted; largest file {results[-1]['largest_name']})\n")

    if not args.no_browser:
        biggest = results[-1]
        rounds = [browser_queries(work / f"n{biggest['n']}", TYPICAL_QUERIES) for _ in range(args.rounds)]
        runs = rounds[0]
        for i, r in enumerate(runs):  # timings: the median over the rounds
            for key in ("ms", "pasted_ms", "again_ms"):
                r[key] = statistics.median(rd[i][key] for rd in rounds)
            r["steps"] = {k: statistics.median(rd[i]["steps"].get(k, 0) for rd in rounds) for k in STEPS}
            r["errors"] = [e for rd in rounds for e in rd[i]["errors"]]
        print(f"2. Typical two-word queries, {biggest['n']:,} items, headless Chromium over file:// "
              f"(times: median of {args.rounds} rounds, each in a fresh page; load average now "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        print(table([[r["q"], r["status"].split("与")[0], str(r["files"]), kb(r["index"]),
                      f"{r['ms']:.0f} ms", f"{r['pasted_ms']:.0f} ms", f"{r['again_ms']:.0f} ms"]
                     for r in runs],
                    ["query", "status", "index files", "index bytes loaded", "typed: last key → painted",
                     "pasted → painted", "same query again"]))
        idx = [r["index"] for r in runs]
        ms = [r["ms"] for r in runs]
        pasted = [r["pasted_ms"] for r in runs]
        print(f"   index bytes median {kb(statistics.median(idx))}, max {kb(max(idx))} (budget 300 KB); "
              f"last keystroke → painted median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms; "
              f"pasted → painted median {statistics.median(pasted):.0f} ms, max {max(pasted):.0f} ms "
              f"(budget 150 ms); search code {kb(runs[0]['code'])} once, cached; "
              f"largest index file {kb(biggest['largest'])} (budget 1 MB)")
        over = [r["q"] for r in runs if max(r["ms"], r["pasted_ms"]) > 150 or r["index"] > 300 * 1024]
        print("   budgets " + ("met by every query" if not over else "missed by " + "、".join(over)))
        print("\n   Where a pasted query's time goes (ms from the input event, median of the rounds):")
        print(table([[r["q"], *(f"{r['steps'][k]:.0f}" for k in STEPS)] for r in runs],
                    ["query", *STEPS.values()]))
        errors = [e for r in runs for e in r["errors"]]
        if errors:
            print("   page errors:", errors[:3])
        print()

    if not args.no_pagefind:
        print("3. Example catalog over HTTP: Pagefind against ours, relevance set (tests/search_relevance.json)")
        compared = pagefind_comparison(work / "example")
        if compared:
            rows, t = compared
            print(table(rows, ["query", "expected", "ours found", "ours bytes", "Pagefind found",
                               "Pagefind bytes"]))
            print(f"   recall: ours {t['ours_found']}/{t['expected']} = {t['ours_found'] / t['expected']:.0%}, "
                  f"Pagefind {t['pf_found']}/{t['expected']} = {t['pf_found'] / t['expected']:.0%}; "
                  f"bytes per query (median): ours {statistics.median(t['ours_kb']):.1f} KB, "
                  f"Pagefind {statistics.median(t['pf_kb']):.1f} KB (both including their search code: "
                  f"search.js + search-tokenize.js, pagefind.js + WebAssembly); Pagefind: {t['indexed']}")
    if not args.keep and not args.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
