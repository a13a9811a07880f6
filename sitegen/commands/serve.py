"""`sitegen serve`: live preview on 127.0.0.1 with incremental rebuilds."""

from __future__ import annotations

import datetime as dt
import errno
import ipaddress
import signal
import socket
import time
from pathlib import Path

import click

from sitegen.build import BuildResult
from sitegen.commands import DateType, MinutesType, Refused, print_report
from sitegen.output import MARKER

# Where a preview "as of" another day goes: output/ is what gets published (an rsync in cron,
# a kiosk sync), and items not yet due must never reach it by way of a preview.
PREVIEW_DIR = ".sitegen-preview"


@click.command("serve")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("-p", "--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="端口（0：任选一个空闲的）/ port")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help=f"输出目录（默认：站点目录/output；指定 --now 时为 站点目录/{PREVIEW_DIR}）/ output folder")
# (sitegen.serve.LOOPBACK; that module, with watchdog, is imported for this command only)
@click.option("--host", default="127.0.0.1", show_default=True, callback=lambda _c, _p, v: _host(v),
              help="监听的地址；0.0.0.0：局域网内的其他设备（如手机）也能打开预览 / address to listen on")
@click.option("--now", type=DateType(),
              help=f"把这一天当作今天（默认：北京时间的今天）；预览写入 {PREVIEW_DIR}/，不改动要发布的 output/")
@click.option("--kiosk-idle-minutes", type=MinutesType(),
              help="按查阅终端的副本预览：空闲这么多分钟后回到首页（代替 sitegen.toml 中的设置）")
def command(directory: Path, port: int, host: str, output: Path | None, now: dt.date | None,
            kiosk_idle_minutes: float | None) -> None:
    """预览：在本机（127.0.0.1，或 --host）上提供网站，修改内容或模板后自动重新生成并刷新浏览器。

    Live preview on 127.0.0.1 (or --host): rebuilds incrementally on every change and reloads
    open pages; a failed build is shown in the page and here, the last good site stays served.
    """

    def on_build(result: BuildResult, seconds: float) -> None:
        stamp = time.strftime("%H:%M:%S")
        # (held back: an item made by `sitegen new` is, until its review is filled in)
        print_report(result.report, result.held_back, errors_first=True)
        if result.ok:
            quick = "（只重新生成了改动的条目）" if result.quick else ""
            removed = f"，删除 {result.removed} 个" if result.removed else ""
            click.echo(f"[{stamp}] 已生成：{result.published} 条信息，{result.written - result.unchanged} "
                       f"个文件有变化{removed}，用时 {seconds:.2f} 秒{quick}")
        elif (preview_output / MARKER).is_file():
            click.echo(f"[{stamp}] 生成失败，浏览器中仍是上一次成功的版本；修改后会自动重新生成。", err=True)
        else:
            click.echo(f"[{stamp}] 生成失败，还没有可预览的版本（浏览器中显示以上错误）；修改后会自动重新生成。",
                       err=True)

    from sitegen.serve import Preview  # watchdog and the HTTP server: only for this command

    if output is None and now is not None:
        preview_output = directory / PREVIEW_DIR
        click.echo(f"指定了 --now {now.isoformat()}：预览写入 {preview_output}，不改动要发布的 "
                   f"{directory / 'output'}", err=True)
    else:
        preview_output = output or directory / "output"
    preview = Preview(directory, preview_output, now, on_build, kiosk_idle_minutes)
    try:  # before building: a port in use is said at once, not after the build
        preview.bind(port, host)
    except socket.gaierror:
        raise Refused(f"--host {host}：不是本机的地址，也不是能解析的主机名；只在本机预览请省略 --host，"
                      "让局域网内的设备也能打开请用 --host 0.0.0.0") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise Refused(
                f"端口 {port} 已被占用（另一个 sitegen serve 或其他程序）：请换一个端口，例如 "
                f"sitegen serve --port {port + 1 if port < 65535 else port - 1}") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise Refused(f"--host {host}：本机没有这个地址；只在本机预览请省略 --host，"
                          "让局域网内的设备也能打开请用 --host 0.0.0.0") from None
        if host != "127.0.0.1":
            raise Refused(f"无法在 {_url_host(host)}:{port} 上提供预览：{exc.strerror}；请检查 --host "
                          f"（本机的地址，或 0.0.0.0 表示所有地址），或省略它只在本机预览") from None
        raise Refused(f"无法在 {_url_host(host)}:{port} 上提供预览：{exc.strerror}；"
                      "请用 --port 换一个端口（1024 以上）") from None
    if not _loopback(host):
        # (held-back items are never built, but a preview shows edits nobody has reviewed yet)
        click.echo(f"注意：--host {host} 让能连到本机的其他设备也能打开预览，包括还没审查完的改动；"
                   "只在可信的内部网络中使用。", err=True)
    # A service manager stops the preview with SIGTERM: the same graceful stop as Ctrl+C
    # (the rebuild under way ends first), not the build's immediate exit (cli._stop)
    signal.signal(signal.SIGTERM, _interrupt)
    preview.rebuild()
    server = preview.start()
    bound = server.server_address[1]
    if _unspecified(host):
        lan = _lan_address()
        others = f"；其他设备 / other devices: http://{lan}:{bound}/index.html" if lan else ""
        click.echo(f"预览地址 / preview: http://127.0.0.1:{bound}/index.html{others}  （Ctrl+C 退出）")
    else:
        click.echo(f"预览地址 / preview: http://{_url_host(host)}:{bound}/index.html  （Ctrl+C 退出）")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("正在退出（先等当前的生成结束，最多 60 秒；再按 Ctrl+C 立即退出）……", err=True)
        if not preview.stop():
            click.echo("生成仍未结束，已退出；它留下的临时目录会在下次生成时清除。", err=True)


def _host(value: str) -> str:
    """--host as written, or as copied from an address bar ([::1]); never empty, which
    would listen on every address of the machine without saying so."""
    host = value.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise click.BadParameter("不能为空：只在本机预览请省略 --host，让局域网内的设备也能打开请写 0.0.0.0")
    return host


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (then the preview needs no warning)."""
    address = _address(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def _unspecified(host: str) -> bool:
    """Every address of the machine (0.0.0.0, ::)."""
    address = _address(host)
    return address is not None and address.is_unspecified


def _url_host(host: str) -> str:
    """The host as a URL writes it (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


def _lan_address() -> str | None:
    """This machine's address on its network, for the devices that open the preview: the
    one a packet to another network would leave from (a UDP socket sends nothing to connect)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never a real host
            return str(probe.getsockname()[0])
        except OSError:
            return None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
