"""Live preview: serve the output folder on 127.0.0.1 (or `--host`), rebuild on changes, reload open pages.

Only in this mode a small script is injected into HTML responses; it listens to a
Server-Sent Events stream and reloads the page after a good build, or shows the build's errors
over the page after a bad one (the last good site stays on disk and is still served).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import json
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sitegen.build import BuildResult, build
from sitegen.cache import CACHE_DIR
from sitegen.config import CONFIG_FILE
from sitegen.output import MARKER

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        # `::` for IPv4 too, as http.server's own DualStackServer does: Windows (and Linux
        # with bindv6only) would otherwise leave out the 127.0.0.1 and LAN addresses printed
        with contextlib.suppress(OSError, AttributeError):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


EVENTS_PATH = "/__sitegen__/events"
SCRIPT_PATH = "/__sitegen__/live.js"
LIVE_SCRIPT = """(function () {
  var box = null;
  // The build the page was served from: a build that ends while the page loads still counts.
  var since = (document.currentScript && document.currentScript.src.split("?since=")[1]) || "";
  var source = new EventSource("EVENTS_PATH" + (since ? "?since=" + since : ""));
  source.addEventListener("reload", function () { window.location.reload(); });
  source.addEventListener("failed", function (ev) {
    if (!box) {
      box = document.createElement("pre");
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;" +
        "margin:0;padding:1em;background:#fff3f3;color:#8a1c1c;border-top:3px solid #8a1c1c;" +
        "font:15px/1.5 monospace;white-space:pre-wrap;z-index:99999";
      document.body.appendChild(box);
    }
    box.textContent = "生成失败（仍显示上一次成功的版本）：\\n" + JSON.parse(ev.data);
  });
})();
""".replace("EVENTS_PATH", EVENTS_PATH)


_BASE_RE = re.compile(r'<base href="[^"]*">')
NO_SITE_YET = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>sitegen 预览：尚未生成成功</title></head>
<body style="font:18px/1.6 sans-serif;margin:2em">
<h1>尚未生成成功</h1>
<p>站点还没有一次成功的生成，所以没有可预览的页面。请按下面的提示修改，保存后会自动重新生成，本页随之刷新。</p>
<pre style="white-space:pre-wrap;color:#8a1c1c">ERRORS</pre>
</body>
</html>
"""


class LiveState:
    """The latest build's outcome, shared between the rebuild thread and request threads."""

    def __init__(self) -> None:
        self.generation = 0
        self.error = ""
        self.changed = threading.Condition()
        # Which run of `sitegen serve` counted the builds: a page left open across a restart
        # names a count of the run before, which may equal this run's.
        self.run = secrets.token_hex(4)

    def mark(self, generation: int) -> str:
        """What a page served after build `generation` of this run says it was served from."""
        return f"{self.run}.{generation}"

    def seen(self, mark: str) -> int | None:
        """The build a page's `mark` names in this run's count; None: no mark. A page of
        another run counts as older than any build of this one (once there is one)."""
        if not mark:
            return None
        run, _, count = mark.partition(".")
        if run == self.run and count.isdigit():
            return int(count)
        return -1 if self.generation else 0

    def publish(self, error: str) -> None:
        with self.changed:
            self.generation += 1
            self.error = error
            self.changed.notify_all()


class PreviewHandler(SimpleHTTPRequestHandler):
    live: LiveState

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug(format, *args)

    def do_GET(self) -> None:  # noqa: N802
        address, _, query = self.path.partition("?")
        if address == EVENTS_PATH:
            return self.events(self.live.seen(query.removeprefix("since=")))
        if address == SCRIPT_PATH:
            return self.send_bytes(LIVE_SCRIPT.encode("utf-8"), "text/javascript; charset=utf-8")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            generation = self.live.generation  # (before the page is read)
            return self.send_page(path.read_text(encoding="utf-8"), generation=generation)
        if not path.exists() and (path.suffix in ("", ".html")):
            return self.not_found()
        return super().do_GET()

    def send_page(self, page: str, status: HTTPStatus = HTTPStatus.OK,
                  generation: int | None = None) -> None:
        """An HTML page with the live script, which reloads it after the next good build
        (`generation`: the build count when the page was read)."""
        since = self.live.mark(self.live.generation if generation is None else generation)
        tag = f'<script src="{SCRIPT_PATH}?since={since}"></script>'
        page = page.replace("</body>", tag + "</body>", 1) if "</body>" in page else page + tag
        self.send_bytes(page.encode("utf-8"), "text/html; charset=utf-8", status)

    def not_found(self) -> None:
        """The site's own 404 page, as a server would show it; before the first good build,
        a page that says so and shows the build's errors (and turns into the site once the
        errors are fixed)."""
        page = Path(self.directory) / "404.html"
        if page.is_file():
            # The preview serves the site at its root, not at base_url's path (its <base>)
            shown = _BASE_RE.sub('<base href="/">', page.read_text(encoding="utf-8"), count=1)
            return self.send_page(shown, HTTPStatus.NOT_FOUND)
        if (Path(self.directory) / MARKER).is_file():  # a site, but a theme without 404.html
            return super().do_GET()
        errors = html.escape(self.live.error or "正在生成……")
        self.send_page(NO_SITE_YET.replace("ERRORS", errors), HTTPStatus.SERVICE_UNAVAILABLE)

    def send_bytes(self, data: bytes, content_type: str,
                   status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def events(self, since: int | None = None) -> None:
        """Server-sent events: `reload` after each good build since the page's (`since`), and
        `failed` with the errors after a failed one."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        live = self.live
        seen = live.generation if since is None else since
        try:
            if live.error and live.generation == seen:
                self.wfile.write(f"event: failed\ndata: {json.dumps(live.error)}\n\n".encode())
                self.wfile.flush()
            while True:
                with live.changed:
                    live.changed.wait_for(lambda s=seen: live.generation != s, timeout=15)
                if live.generation == seen:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    seen = live.generation
                    event = ("event: failed\ndata: " + json.dumps(live.error) if live.error
                             else "event: reload\ndata: {}")
                    self.wfile.write(event.encode() + b"\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


# In the site folder itself only these are inputs: a log written there (`sitegen serve . >
# serve.log`, nohup.out) rebuilt the site on every line it printed.
_ROOT_INPUTS = {CONFIG_FILE, "content", "themes"}


class _Changes(FileSystemEventHandler):
    def __init__(self, root: Path, ignore: list[Path], notify: Callable[[], None]) -> None:
        self.root = root.resolve()
        self.ignore = [p.resolve() for p in ignore]
        self.notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            # A folder's entries changed: the event of the entry itself says which. The site
            # folder's come from the build's own staging folders, and rebuilt forever after
            # a build that failed.
            return
        paths = [event.src_path, *([event.dest_path] if getattr(event, "dest_path", "") else [])]
        if any(self._input(Path(os.fsdecode(p)).resolve()) for p in paths):
            self.notify()

    def _input(self, path: Path) -> bool:
        if path.parent == self.root:  # (an editor saves sitegen.toml by renaming onto it)
            return path.name in _ROOT_INPUTS
        if any(path == p or path.is_relative_to(p) for p in self.ignore):
            return False
        return not any(part.startswith(".sitegen-") for part in path.parts)


def report_text(result: BuildResult) -> str:
    """The page's error box: the errors, which stopped the build, before the warnings."""
    return "\n".join(d.format() for d in result.report.errors_first())


class Preview:
    """Rebuild loop + server. `on_build` gets every result (for the terminal)."""

    def __init__(self, root: Path, output: Path, now: dt.date | None,
                 on_build: Callable[[BuildResult, float], None],
                 kiosk_idle_minutes: float | None = None) -> None:
        self.root, self.output, self.now = root, output, now
        self.kiosk_idle_minutes = kiosk_idle_minutes
        self.on_build = on_build
        self.live = LiveState()
        self.dirty = threading.Event()
        self.stopping = threading.Event()
        # of content/ and themes/, those watched: folder -> (its watch, the folder's inode)
        self._watched: dict[str, tuple[Any, int]] = {}

    def rebuild(self) -> BuildResult:
        started = time.perf_counter()
        result = build(self.root, output=self.output, now=self.now,
                       kiosk_idle_minutes=self.kiosk_idle_minutes)
        self.on_build(result, time.perf_counter() - started)
        self.live.publish("" if result.ok else report_text(result))
        return result

    def _loop(self) -> None:
        while not self.stopping.is_set():
            if self.dirty.wait(timeout=0.5):
                time.sleep(0.2)  # an editor's save often is several events
                if self.stopping.is_set():
                    break
                self.dirty.clear()
                self._watch_sources()  # themes/ may have been made since
                self.rebuild()

    def _watch_sources(self) -> None:
        # Only the sources: watching output/ and the staging folders would cost thousands of
        # inotify watches and wake us for our own writes. A folder made anew (themes/ deleted
        # and made again, content/ replaced by another) is watched anew: a watch follows the
        # folder it was made on, wherever that was moved to.
        for folder in ("content", "themes"):
            path = self.root / folder
            known = self._watched.get(folder)
            try:
                inode = path.stat().st_ino if path.is_dir() else None
            except OSError:
                inode = None
            if known is not None and known[1] == inode:
                continue
            if known is not None:
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(known[0])
                del self._watched[folder]
            if inode is not None:
                watch = self._observer.schedule(self._changes, str(path), recursive=True)
                self._watched[folder] = (watch, inode)

    def serve(self, port: int, host: str = LOOPBACK) -> ThreadingHTTPServer:
        """Start watching and serving; returns the server (its `server_address` has the port)."""
        self.bind(port, host)
        return self.start()

    def bind(self, port: int, host: str = LOOPBACK) -> ThreadingHTTPServer:
        """Take the port (an OSError if it cannot: `sitegen serve` says so before building)."""
        handler = functools.partial(type("Handler", (PreviewHandler,), {"live": self.live}),
                                    directory=str(self.output))
        server = _IPv6Server if ":" in host else ThreadingHTTPServer
        self._server = server((host, port), handler)
        self._server.daemon_threads = True
        return self._server

    def start(self) -> ThreadingHTTPServer:
        """Start watching and serving on the port `bind` took."""
        server = self._server
        observer = Observer()
        changes = _Changes(self.root, [self.output, self.root / CACHE_DIR], self.dirty.set)
        self._observer, self._changes = observer, changes
        observer.schedule(changes, str(self.root), recursive=False)  # sitegen.toml, new folders
        self._watch_sources()
        observer.daemon = True
        observer.start()
        self._looping = threading.Thread(target=self._loop, daemon=True)
        self._looping.start()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def stop(self, wait: float = 60.0) -> bool:
        """After the rebuild under way, if any, for up to `wait` seconds: killed in the middle,
        it leaves its staging folder (which the next build removes) and the spare copy of the
        output it had taken (the next build then copies every file once). Whether it ended."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._observer.stop()
        self._looping.join(timeout=wait)
        return not self._looping.is_alive()
