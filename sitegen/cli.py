"""Command line: `sitegen init | build | check | new`. One module per verb in commands/."""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from typing import Any

import click

from sitegen import __version__, parallel
from sitegen.commands import build, check, init, new, serve

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="sitegen %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="输出调试信息 / debug logging")
def cli(verbose: bool) -> None:
    """sitegen：政府信息公开目录静态网站生成器。

    Static site generator for government information disclosure catalogs.
    content/ 中的 Markdown 信息 → output/ 中可离线浏览的静态网站。
    """
    # (the module's name only for debugging: a warning is a sentence for the operator)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(name)s: %(message)s" if verbose else "%(message)s")


cli.add_command(init.command)
cli.add_command(build.command)
cli.add_command(check.command)
cli.add_command(new.command)
cli.add_command(serve.command)


def main() -> None:
    if sys.getfilesystemencoding().lower().replace("-", "") != "utf8":
        _again_in_utf8()
    # Ctrl+C, and SIGTERM (`kill`, a CI job cancelled): the workers end with the run (they
    # wrote tracebacks into a closed pipe), and the exit code says a signal ended it (`_stop`)
    for signum in parallel.STOP_SIGNALS:
        signal.signal(signum, _stop)
    sys.unraisablehook = _unraisable
    code = _run()
    if sys.getprofile() or sys.gettrace():  # a profiler or coverage writes its report at exit
        sys.exit(code)
    _exit_now(code)


def _run() -> object:
    """The command's exit code. Click's own handling but for an interrupted run, which it
    ends with "Aborted!" and 1, the code of a build with errors: a CI script could not tell
    a cancelled job from a broken commit. Here it says so in Chinese and ends with 128 + the
    signal's number (130 for Ctrl+C, 143 for SIGTERM), as a shell reports it."""
    try:
        return cli.main(prog_name="sitegen", standalone_mode=False)  # (the code of --help: 0)
    except click.Abort:
        if not parallel.stopping:  # (click's Abort for an EOFError too: not a stop)
            click.echo("Aborted!", err=True)
            return 1
        click.echo("已中止。", err=True)
        return 128 + parallel.stopping[0]
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return exc.code


def _stop(signum: int, frame: object) -> None:
    """Ctrl+C stops through the clean-up (see `parallel.stopping`). SIGTERM (a cancelled CI
    job, `kill`) may have reached the workers too, and a worker killed while it held the
    task queue's lock would hang the pool's own clean-up: the run ends as a SIGKILL would,
    which a build survives (the output as it was; the next build removes the staging
    folder), but with its workers ended first (no tracebacks of theirs), a word, and 143."""
    parallel.stopping.append(signum)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    for child in multiprocessing.active_children():
        with contextlib.suppress(OSError):
            child.kill()
    with contextlib.suppress(OSError, ValueError):
        if sys.stderr.isatty():  # the progress bar hid the cursor; nothing else will show it
            sys.stderr.write("\x1b[?25h")
        sys.stderr.write("\n已中止（收到终止信号）。\n")
        sys.stderr.flush()
    os._exit(128 + signum)


def _unraisable(unraisable: Any) -> None:
    """A stop raised where Python cannot propagate it is not the reader's business: the run
    stops at its next checkpoint (`parallel._checkpoint`)."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and parallel.stopping:
        return
    sys.__unraisablehook__(unraisable)


def _exit_now(code: object) -> None:
    """Exit as `sys.exit(code)` would, without freeing every object one by one: after a
    quick build at 10 000 items that took 0.09 s of its second. Files, the cache and worker
    pools are closed by then (context managers); what is registered with atexit still runs."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # logging's flush among them
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code or 0)


def _again_in_utf8() -> None:
    """File names are UTF-8 (git stores them so); under a locale that is not (LC_ALL=
    zh_CN.GB18030, or C with Python's coercion off) Python would read them in that locale's
    encoding and report files that are there as missing. Run again in Python's UTF-8 mode,
    with the arguments as UTF-8 (as this process read them) and the terminal's own encoding
    for what is printed."""
    if os.environ.get("PYTHONUTF8") == "1":  # (it did not help: say so rather than loop)
        sys.exit(f"sitegen: 文件名编码为 {sys.getfilesystemencoding()}，不是 UTF-8；"
                 "请设置 LANG=C.UTF-8 后再运行 / set a UTF-8 locale (LANG=C.UTF-8)")
    env = {**os.environ, "PYTHONUTF8": "1"}
    terminal = getattr(sys.stdout, "encoding", None)
    if terminal and "PYTHONIOENCODING" not in os.environ:
        env["PYTHONIOENCODING"] = f"{terminal}:backslashreplace"
    # sys.orig_argv: the interpreter's own options too, and `-m sitegen` or the entry point
    argv = [sys.executable.encode("utf-8", "surrogateescape"),
            *(a.encode("utf-8", "surrogateescape") for a in sys.orig_argv[1:])]
    os.execve(sys.executable, argv, env)
