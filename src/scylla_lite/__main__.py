"""``python -m scylla_lite``: run the server in the foreground until SIGTERM/SIGINT.

Prints one line on stdout once it accepts connections; errors are one line on
stderr (exit 2 for bad arguments, 1 when it cannot start).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import ssl
import sys
from typing import NoReturn

SWITCH_INTERVAL = 0.001
"""How long (s) a worker thread keeps the GIL while the event loop waits for it. Long
statements are parsed and freed on worker threads and the log is written by another;
at the end of a 20,000-statement batch all three take turns. Measured at 200k rows as
`nox -s reliability` does, four runs each: the longest wait of a small read was 58-119 ms
at Python's 5 ms, 40-68 ms at 1 ms (the bench's worst of three: 50 ms). The interval
only counts while threads compete: a lone loop never gives the GIL away."""


def _version() -> str:
    try:
        from scylla_lite import __version__  # type: ignore[attr-defined,unused-ignore]

        return str(__version__)
    except ImportError:
        pass
    try:
        from importlib.metadata import version

        return version("scylla_lite")
    except Exception:
        return "0.1.0"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is not in 0..65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scylla_lite", description="An embedded CQL server that drivers see as ScyllaDB.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=9042, help="CQL port (default 9042; 0 picks a free one)")
    p.add_argument("--data-dir", help="keep data in this directory (default: in memory only)")
    p.add_argument("--auth", action="store_true", help="require PasswordAuthenticator logins")
    p.add_argument("--tls-cert", help="PEM certificate: serve CQL over TLS")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert")
    p.add_argument("--tls-ca", help="PEM CA bundle: require client certificates it signed")
    p.add_argument(
        "--admin-port",
        type=_port,
        help="also serve the admin HTTP interface (GET /clock, POST /clock/advance) on this port; off by default",
    )
    p.add_argument(
        "--admin-host",
        default="127.0.0.1",
        help="address of the admin interface (default 127.0.0.1: it can move the clock; with --auth it wants "
        "a superuser's credentials)",
    )
    p.add_argument(
        "--auth-timeout",
        type=float,
        default=10.0,
        help="with --auth, close a connection not logged in after this many seconds (default 10)",
    )
    return p


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _run(args: argparse.Namespace, ssl_context: ssl.SSLContext | None) -> int:
    from .garbage import Collector
    from .server import start_server

    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        server = await start_server(
            args.host,
            args.port,
            data_dir=args.data_dir,
            auth=args.auth,
            ssl_context=ssl_context,
            admin_port=args.admin_port,
            admin_host=args.admin_host,
            auth_timeout=args.auth_timeout,
        )
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"scylla_lite: cannot listen on {_address(args.host, args.port)}: {reason}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"scylla_lite: cannot start: {exc}", file=sys.stderr)
        return 1

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    where = f"data dir {args.data_dir}" if args.data_dir else "memory"
    admin = f", admin {server.admin_url}" if server.admin_url else ""
    print(
        f"scylla_lite {_version()} listening on {_address(server.host, server.port)} ({where}{admin})",
        flush=True,
    )
    collector = Collector(server.idle_for)
    collector.start()
    try:
        await stop.wait()
    finally:
        collector.stop()
        await server.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_ca is not None and args.tls_cert is None:
        parser.error("--tls-ca needs --tls-cert and --tls-key")
    if args.data_dir is not None and os.path.exists(args.data_dir) and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir {args.data_dir} is not a directory")
    ssl_context = None
    if args.tls_cert is not None:
        from .server import make_ssl_context

        try:
            ssl_context = make_ssl_context(args.tls_cert, args.tls_key, args.tls_ca)
        except (OSError, ssl.SSLError) as exc:
            parser.error(f"cannot load TLS files: {exc}")
    try:
        status = asyncio.run(_run(args, ssl_context))
    except KeyboardInterrupt:  # a second Ctrl-C while closing
        return 130
    # Everything is durable now (the snapshot is written and fsynced): skip freeing every
    # object one by one at interpreter exit, which takes seconds with a large data set.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
