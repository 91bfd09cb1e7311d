"""Command line: init, serve, token create, device enroll/revoke, catalogue publish."""

from __future__ import annotations

import argparse
import faulthandler
import gc
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from protocol import logmask

from .paths import DEFAULT_VAR, Paths

DEFAULT_DB = "sqlite:///var/hall.db"


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default {DEFAULT_DB}; postgresql://… for PostgreSQL)")
    p.add_argument("--var", default=str(DEFAULT_VAR), type=Path, help="folder for keys and the default database")
    p.add_argument("--hall", default="H01", help="hall code (default H01)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m queue_server", description="Queue server of a government service hall (政务服务大厅)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the database, load the catalogue, the hall's windows and clerks")
    _db_arg(p)
    p.add_argument("--catalogue", type=Path, default=None, help="catalogue YAML (default: the demo district catalogue)")
    p.add_argument("--config", type=Path, default=None, help="hall configuration YAML (default: config/hall.yaml)")

    p = sub.add_parser("serve", help="run the hall: ZeroMQ requests and events, HTTP API")
    _db_arg(p)
    p.add_argument("--http", default="127.0.0.1:8080", help="HOST:PORT of the HTTP API (default 127.0.0.1:8080)")
    p.add_argument("--router", default="tcp://127.0.0.1:5570", help="ZeroMQ request address")
    p.add_argument("--pub", default="tcp://127.0.0.1:5571", help="ZeroMQ event address")
    p.add_argument("--insecure", action="store_true", help="no CURVE encryption (development only)")
    p.add_argument("--threads", type=int, default=8, help="HTTP worker threads")
    p.add_argument("--log-level", default="INFO")

    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    t = tsub.add_parser("create", help="create a token; prints it alone on stdout")
    _db_arg(t)
    t.add_argument("--role", required=True, choices=["clerk", "manager", "admin"])
    t.add_argument("--name", default="")
    t.add_argument("--clerk", default=None, help="clerk id for a clerk's token (e.g. c01)")

    p = sub.add_parser("device", help="enrolled devices (CURVE keys)")
    dsub = p.add_subparsers(dest="device_command", required=True)
    d = dsub.add_parser("enroll", help="make a key pair for a device and enrol it; prints the key files' paths")
    _db_arg(d)
    d.add_argument("name")
    d.add_argument("--kind", default="kiosk", choices=["kiosk", "display", "callpad"])
    d.add_argument("--window", type=int, default=None, help="the window of a call pad")
    d = dsub.add_parser("revoke", help="refuse a device from now on")
    _db_arg(d)
    d.add_argument("name")

    p = sub.add_parser("catalogue", help="the service catalogue")
    csub = p.add_subparsers(dest="catalogue_command", required=True)
    c = csub.add_parser("publish", help="validate a catalogue file and publish it as a new version")
    _db_arg(c)
    c.add_argument("file", type=Path)
    c = csub.add_parser("check", help="validate a catalogue file; every problem is listed")
    c.add_argument("file", type=Path)
    return parser


def _url(args: argparse.Namespace) -> str:
    if args.db == DEFAULT_DB and args.var != DEFAULT_VAR:
        return f"sqlite:///{args.var / 'hall.db'}"
    return args.db


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except Exception as e:
        line = _storage_error(e)
        if line is None:
            raise
        # A folder or database that cannot be written is the operator's to fix: say which,
        # in one line, instead of a traceback.
        print(line, file=sys.stderr)
        return 1


def _storage_error(e: Exception) -> str | None:
    """One line for a file or database that cannot be opened or written, else None."""
    if isinstance(e, OSError):
        where = f" {e.filename}" if e.filename else ""
        why = e.strerror or str(e)
        return f"错误：无法写入{where}（{why}） / error: cannot write{where}: {why}"
    from sqlalchemy.exc import DBAPIError

    if isinstance(e, DBAPIError):
        why = str(e.orig).splitlines()[0] if e.orig is not None else type(e).__name__
        return f"错误：无法使用数据库（{why}） / error: the database cannot be used: {why}"
    return None


def _run(args: argparse.Namespace) -> int:
    paths = Paths(args.var) if hasattr(args, "var") else Paths()
    if args.command == "init":
        from .catalogue import CatalogueError
        from .hallconfig import DEFAULT_HALL_CONFIG, HallConfigError
        from .runtime import DEFAULT_CATALOGUE, init_hall

        try:
            result = init_hall(
                _url(args),
                paths,
                config_path=args.config or DEFAULT_HALL_CONFIG,
                catalogue_path=args.catalogue or DEFAULT_CATALOGUE,
            )
        except (CatalogueError, HallConfigError) as e:
            print(str(e), file=sys.stderr)
            return 1
        print(
            f"hall {result['hall']} {'created' if result['new'] else 'updated'}: "
            f"catalogue v{result['catalogue_version']}, {result['windows']} windows"
        )
        return 0
    if args.command == "serve":
        return serve(args, paths)
    if args.command == "token":
        from .auth import create_token
        from .store import make_engine

        print(create_token(make_engine(_url(args)), args.role, args.name, args.clerk))
        return 0
    if args.command == "device":
        from .auth import enroll_device, revoke_device
        from .store import make_engine

        db = make_engine(_url(args))
        if args.device_command == "enroll":
            pair = enroll_device(db, paths, args.hall, args.name, args.kind, args.window)
            print(json.dumps({"public": str(pair.public), "secret": str(pair.secret), "server_public": str(paths.server_public)}))
            return 0
        if not revoke_device(db, args.name):
            print(f"no device named {args.name}", file=sys.stderr)
            return 1
        return 0
    if args.command == "catalogue":
        from .catalogue import CatalogueError, load_catalogue

        try:
            catalogue = load_catalogue(args.file)
        except CatalogueError as e:
            print(str(e), file=sys.stderr)
            return 1
        if args.catalogue_command == "check":
            print(f"{args.file}: {len(catalogue.items)} items, all fields valid")
            return 0
        from .store import HallStore, make_engine

        version, created = HallStore(make_engine(_url(args)), args.hall).publish_catalogue(
            catalogue.to_document(), catalogue.content_hash(), "cli"
        )
        print(f"catalogue v{version} {'published' if created else 'unchanged (same content as the newest version)'}")
        print("a running server picks it up on restart, or POST /api/v1/catalogue publishes it live")
        return 0
    return 2


def tune_for_latency() -> None:
    """Garbage collector: the live queue is many long-lived objects; Python's full collections would walk all of
    them every so often and stall calls for tens of milliseconds. Our data has no reference
    cycles to speak of, so young collections run rarely and full ones practically never."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1_000)
    # The committer thread gives up the GIL for each fsync; by default it may then wait 5 ms
    # for the busy hall loop to hand it back, which would put 5 ms on every reply.
    sys.setswitchinterval(0.0005)


EXIT_FATAL = 70  # EX_SOFTWARE: the hall loop could not go on; a supervisor restarts the process
EXIT_NO_STORE = 75  # EX_TEMPFAIL: the database could not be opened; try again later


def configure_logging(level: str | int) -> None:
    """The server's log: one line a record on stderr, ID numbers masked in every line
    (waitress, the hall loop, tracebacks), as the privacy rules promise."""
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logmask.install()


#: glibc's mallopt parameter for the number of malloc arenas.
M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Fewer malloc arenas for the server's threads (hall loop, committer, case desk, HTTP):
    glibc gives each thread its own up to 8 x cores, and their free space stays resident.
    Measured with 100,000 waiting: 302 MB without, 274-280 MB with 2. Before any thread starts;
    a no-op (False) where the C library is not glibc."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def serve(args: argparse.Namespace, paths: Paths) -> int:
    import os

    limit_malloc_arenas()

    import waitress
    from sqlalchemy.exc import SQLAlchemyError

    from .auth import DeviceRegistry
    from .endpoint import EndpointConfig, HallLoop
    from .http import create_app
    from .runtime import open_hall
    from .store import make_engine
    from .store.db import WalCheckpointer

    configure_logging(args.log_level)
    log = logging.getLogger("queue_server")
    # A fatal signal (SIGBUS from a database file that cannot be written through its memory
    # map, SIGSEGV in a driver) still leaves its traceback in the log.
    faulthandler.enable(sys.stderr, all_threads=True)
    db = make_engine(_url(args))
    try:
        service = open_hall(db, args.hall, paths)
        registry = None if args.insecure else DeviceRegistry(db, args.hall)
    except SQLAlchemyError as e:
        log.critical("the database cannot be read, so the hall cannot open: %s", e)
        return EXIT_NO_STORE
    config = EndpointConfig(
        router=args.router,
        pub=args.pub,
        curve_secret=None if args.insecure else str(paths.server_secret),
    )
    stopping = threading.Event()
    fatal: list[BaseException] = []

    def on_fatal(e: BaseException) -> None:
        fatal.append(e)
        os.kill(os.getpid(), signal.SIGTERM)  # the main thread stops the HTTP server

    def thread_died(hook: threading.ExceptHookArgs) -> None:
        # Every thread of the server is part of the hall: one that dies would leave a process
        # that looks alive and answers nothing.
        log.critical("thread %s crashed", hook.thread.name if hook.thread else "?", exc_info=hook.exc_value)
        if hook.exc_value is not None:
            on_fatal(hook.exc_value)

    threading.excepthook = thread_died
    loop = HallLoop(service, config, registry, on_fatal=on_fatal)
    try:  # a database that opens but cannot be written (read-only files, a full disk)
        service.store.probe_write()
    except SQLAlchemyError as e:
        log.error("the database cannot be written: %s", e)
        loop.store_failed(e)
    tune_for_latency()
    wal = WalCheckpointer(db)
    wal.start()
    loop.start()
    host, _, port = args.http.rpartition(":")
    server = waitress.create_server(create_app(loop, db), host=host or "127.0.0.1", port=int(port), threads=args.threads)

    def stop(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("signal %s: stopping", signum)
            server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "hall %s serving: HTTP http://%s  requests %s  events %s  %s; %d live tickets, seq %d",
        args.hall,
        args.http,
        args.router,
        args.pub,
        "insecure" if args.insecure else "CURVE",
        len(service.engine.tickets),
        service.engine.last_seq,
    )
    print(f"READY http://{args.http}", flush=True)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise
    loop.stop()
    wal.stop()
    if fatal:
        log.critical("stopped after a fatal error (exit %d); no checkpoint taken", EXIT_FATAL)
        return EXIT_FATAL
    # Only state the store holds is checkpointed (HallService.checkpoint checks).
    saved = loop.fault is None and service.checkpoint()
    db.dispose()
    if saved:
        log.info("stopped cleanly")
    else:
        log.warning("stopped; no final checkpoint (the store was failing): the next start replays the events")
    return 0
