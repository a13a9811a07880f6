"""Shared test fixtures: the example catalog built once, Debian's headless Chromium and a static
HTTP server for a folder."""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


EXAMPLE_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_NOW = dt.date(2026, 11, 27)


def digests(folder: Path) -> dict[str, str]:
    """Every file below `folder` and its SHA-256: two sites are the same site if these are."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def mtimes(folder: Path) -> dict[str, int]:
    """Every file below `folder` and its mtime: what rsync and a kiosk sync look at."""
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example catalog built once for the tests that only read it."""
    from sitegen.build import build

    out = tmp_path_factory.mktemp("example") / "output"
    result = build(EXAMPLE_ROOT, output=out, now=EXAMPLE_NOW)
    assert result.ok, "\n".join(d.format() for d in result.report.errors)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must apt-get install chromium")
        pytest.skip(f"{CHROMIUM} not found: run `apt-get install chromium` (or `bash scripts/test.sh` "
                    "as root) to run the browser tests")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _ErrorPageHandler(_QuietHandler):
    """Answers a missing file with `page` and status 404, as nginx does with
    `error_page 404 /xxgk/404.html`."""

    page = b""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.page)


class _HeaderHandler(_QuietHandler):
    """Sends `extra` headers with every file, as a tuned nginx or a CDN does."""

    extra: dict[str, str] = {}  # noqa: RUF012 (set per server by `serve`)

    def end_headers(self) -> None:
        for name, value in self.extra.items():
            self.send_header(name, value)
        super().end_headers()


@contextlib.contextmanager
def serve(folder: Path, not_found: Path | None = None, cache_seconds: int = 0,
          headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) for the duration; yields http://127.0.0.1:PORT/.
    `not_found`: a page sent (with status 404) for any address with no file; `cache_seconds`:
    how long browsers may keep each file; `headers`: more headers for every response."""
    handler: type[_QuietHandler] = _QuietHandler
    if not_found is not None:
        handler = type("_Handler", (_ErrorPageHandler,), {"page": not_found.read_bytes()})
    elif cache_seconds or headers:
        extra = dict(headers or {})
        if cache_seconds:
            extra["Cache-Control"] = f"max-age={cache_seconds}"
        handler = type("_Handler", (_HeaderHandler,), {"extra": extra})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


REVIEW = """review:
  reviewer: 党政办负责人
  reviewed_on: {day}
  secrecy_checked: true
  approver: 街道主任
  approved_on: {day}"""


def item_text(title: str, category: str, index_no: str, day: str, body: str, extra: str = "") -> str:
    """A complete, publishable item file (reviewed, 主动公开), dated `day`."""
    return (f"---\ntitle: {title}\ncategory: {category}\nindex_no: {index_no}\n"
            f"date_created: {day}\ndate_published: {day}\ndisclosure: 主动公开\n"
            f"{REVIEW.format(day=day)}\n{extra}---\n{body}")


class _ChunkReader:
    """A file opened for reading whose every read asks for at most one chunk."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f

    def read(self, size: int = -1) -> bytes:
        from sitegen.output import CHUNK

        assert 0 <= size <= CHUNK, f"{self.f.name} read whole"
        return self.f.read(size)

    def __enter__(self) -> _ChunkReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)


@pytest.fixture
def reads_only_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The output module reads no file whole (an attachment may be hundreds of MB), and no
    file larger than a chunk is read whole anywhere (`Path.read_bytes`)."""
    from sitegen import output

    def chunked(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = builtins.open(path, mode, *args, **kwargs)  # noqa: SIM115 (the caller closes it)
        return _ChunkReader(f) if "r" in mode else f

    def read_bytes(self: Path) -> bytes:
        assert self.stat().st_size <= output.CHUNK, f"{self} read whole"
        return real_read_bytes(self)

    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(output, "open", chunked, raising=False)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def leftovers(folder: Path) -> list[str]:
    """Staging or retired output folders (output.py names them so) left in `folder`."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith((".sitegen-staging-", ".sitegen-retired-")))


# -- reading `sitegen build` output as diagnostics ---------------------------------------------

_DIAGNOSTIC = re.compile(
    r"^(?P<file>.+?)(?::(?P<line>\d+))?: (?P<level>错误|警告): (?:\[(?P<what>[^\]]+)\] )?(?P<message>.*)$")


@dataclass
class Diag:
    file: str
    line: int | None
    level: str
    what: str | None  # "发布日期 date_published"
    message: str


def diagnostics(output: str) -> list[Diag]:
    """Every "file:line: 错误/警告: [标签 field] message" line of a command's output."""
    found = []
    for text in output.splitlines():
        m = _DIAGNOSTIC.match(text)
        if m:
            found.append(Diag(m["file"], int(m["line"]) if m["line"] else None, m["level"],
                              m["what"], m["message"]))
    return found
