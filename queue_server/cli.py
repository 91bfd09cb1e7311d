"""Command line: init, serve, token create/list/revoke, device enroll/list/revoke, catalogue
publish. Every command but ``init`` acts for one hall: ``--hall``, or the database's only hall."""

from __future__ import annotations

import argparse
import errno
import faulthandler
import gc
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from protocol import logmask

from .paths import DEFAULT_VAR, Paths

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DB = "sqlite:///var/hall.db"
#: HTTP connections besides the live streams' (waitress's own default): the keep-alive
#: connections of pages, REST clients and kiosks.
CONNECTIONS = 100


class CliError(Exception):
    """A one-line answer to the operator, printed instead of a traceback."""


def refuse(zh: str, en: str) -> CliError:
    """The answer in the CLI's form: Chinese first, then English."""
    return CliError(f"错误：{zh} / error: {en}")


def _db_arg(p: argparse.ArgumentParser, *, hall_help: str = "hall code (default: the database's only hall)") -> None:
    p.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default {DEFAULT_DB}; postgresql://… for PostgreSQL)")
    p.add_argument("--var", default=str(DEFAULT_VAR), type=Path, help="folder for keys and the default database")
    p.add_argument("--hall", default=None, help=hall_help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m queue_server", description="Queue server of a government service hall (政务服务大厅)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the database, load the catalogue, the hall's windows and clerks")
    _db_arg(p, hall_help="hall code; must be the configuration's hall.code (default: that code)")
    p.add_argument("--catalogue", type=Path, default=None, help="catalogue YAML (default: the demo district catalogue)")
    p.add_argument("--config", type=Path, default=None, help="hall configuration YAML (default: config/hall.yaml)")

    p = sub.add_parser("serve", help="run the hall: ZeroMQ requests and events, HTTP API")
    _db_arg(p)
    p.add_argument("--http", default="127.0.0.1:8080", help="HOST:PORT of the HTTP API (default 127.0.0.1:8080)")
    p.add_argument(
        "--phone-http", default="127.0.0.1:8081",
        help="HOST:PORT of the phones' live updates (the ticket pages' event streams; default 127.0.0.1:8081)",
    )
    p.add_argument("--public-url", default=None,
                   help="the address phones open (QR codes); default: public.url of the hall's configuration, else --http")
    p.add_argument("--router", default="tcp://127.0.0.1:5570", help="ZeroMQ request address")
    p.add_argument("--pub", default="tcp://127.0.0.1:5571", help="ZeroMQ event address")
    p.add_argument("--insecure", action="store_true", help="no CURVE encryption (development only)")
    p.add_argument("--threads", type=int, default=8, help="HTTP worker threads for requests and pages")
    p.add_argument(
        "--live-streams", type=int, default=None,
        help="live pages' event streams open at once, each on a thread of its own besides --threads "
        "(default 64: queue_server.web.events.LIVE_STREAMS)",
    )
    p.add_argument("--log-level", default="INFO")

    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    t = tsub.add_parser("create", help="create a token for one hall; prints it alone on stdout")
    _db_arg(t)
    t.add_argument("--role", required=True, choices=["clerk", "manager", "admin"])
    t.add_argument("--name", default="")
    t.add_argument("--clerk", default=None, help="the clerk of a clerk's token (required; a clerk of the hall, e.g. c01)")
    t.add_argument("--all-halls", action="store_true", help="a city admin's token: works at every hall (--role admin only)")
    t = tsub.add_parser("list", help="the hall's tokens (and the city admins'): id, role, name, clerk, hall, created, revoked")
    _db_arg(t)
    t.add_argument("--all-halls", action="store_true", help="the tokens of every hall")
    t = tsub.add_parser("revoke", help="refuse a token from now on (a running server within 30 s)")
    _db_arg(t)
    t.add_argument("id", type=int, help="the token's id (token list)")

    p = sub.add_parser("user", help="staff accounts of the web pages (clerk, reviewer, manager, admin)")
    usub = p.add_subparsers(dest="user_command", required=True)
    u = usub.add_parser("add", help="create an account of the hall; the password is read from stdin or prompted")
    _db_arg(u)
    _all_halls_arg(u)
    u.add_argument("username")
    u.add_argument("--role", required=True, choices=["clerk", "reviewer", "manager", "admin"])
    u.add_argument("--clerk", default=None, help="the clerk of a clerk's or reviewer's account (a clerk of the hall, e.g. c01)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    u = usub.add_parser("list", help="the hall's accounts: username, role, clerk, disabled, created")
    _db_arg(u)
    _all_halls_arg(u)
    for verb, what in (("disable", "disable an account: its sessions end at once"), ("enable", "enable it again")):
        u = usub.add_parser(verb, help=what)
        _db_arg(u)
        _all_halls_arg(u)
        u.add_argument("username")
    u = usub.add_parser("password", help="set a new password (read from stdin or prompted)")
    _db_arg(u)
    _all_halls_arg(u)
    u.add_argument("username")
    u.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")

    p = sub.add_parser("device", help="enrolled devices (CURVE keys)")
    dsub = p.add_subparsers(dest="device_command", required=True)
    d = dsub.add_parser("enroll", help="make a key pair for a device and enrol it; prints the key files' paths")
    _db_arg(d)
    d.add_argument("name")
    d.add_argument("--kind", default="kiosk", choices=["kiosk", "display", "callpad"])
    d.add_argument("--window", type=int, default=None, help="the window of a call pad")
    d.add_argument("--replace", action="store_true", help="give an enrolled device a new key pair (its old key is refused)")
    d = dsub.add_parser("list", help="the hall's devices: name, kind, window, enrolled, revoked")
    _db_arg(d)
    d = dsub.add_parser("revoke", help="refuse a device of the hall from now on")
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
    from .auth import AccessError

    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (CliError, AccessError) as e:
        print(str(e), file=sys.stderr)
        return 1
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
        return _init(args, paths)
    if args.command == "serve":
        return serve(args, paths)
    if args.command == "catalogue" and args.catalogue_command == "check":
        return _catalogue_check(args)
    from .store import make_engine

    db = make_engine(_url(args))
    if args.command == "token":
        return _token(args, db)
    if args.command == "user":
        return _user(args, db)
    if args.command == "device":
        return _device(args, db, paths)
    if args.command == "catalogue":
        return _catalogue_publish(args, db)
    return 2


# ------------------------------------------------------------------ which hall
def hall_codes(db: Engine) -> list[str]:
    """The halls in the database (none before ``init``)."""
    from sqlalchemy import inspect, select

    from .store.models import Hall

    if not inspect(db).has_table("halls"):
        return []
    with db.connect() as c:
        return list(c.execute(select(Hall.code).order_by(Hall.code)).scalars())


def resolve_hall(db: Engine, wanted: str | None) -> str:
    """``--hall`` when given (and in the database), else the database's only hall. Halls of a
    city share a database: with several, the operator must say which."""
    halls = hall_codes(db)
    if not halls:
        raise refuse(
            "数据库中还没有大厅，请先运行 python -m queue_server init",
            "there is no hall in the database; run `python -m queue_server init` first",
        )
    there = f"（现有：{'、'.join(halls)}）", f"(there are: {', '.join(halls)})"
    if wanted is None:
        if len(halls) == 1:
            return halls[0]
        raise refuse(f"数据库中有多个大厅{there[0]}，请用 --hall 指定", f"the database has several halls {there[1]}; say which with --hall")
    if wanted not in halls:
        raise refuse(f"数据库中没有大厅 {wanted}{there[0]}", f"hall {wanted} is not in the database {there[1]}")
    return wanted


# ------------------------------------------------------------------ commands
def _init(args: argparse.Namespace, paths: Paths) -> int:
    from .catalogue import CatalogueError
    from .hallconfig import DEFAULT_HALL_CONFIG, HallConfigError, load_hall_config
    from .runtime import DEFAULT_CATALOGUE, init_hall

    config_path = args.config or DEFAULT_HALL_CONFIG
    try:
        code = load_hall_config(config_path).hall.code
        if args.hall is not None and args.hall != code:
            raise refuse(
                f"--hall {args.hall} 与配置文件 {config_path} 的大厅 {code} 不一致",
                f"--hall {args.hall} is not the hall of {config_path} ({code})",
            )
        result = init_hall(_url(args), paths, config_path=config_path, catalogue_path=args.catalogue or DEFAULT_CATALOGUE)
    except (CatalogueError, HallConfigError) as e:
        print(str(e), file=sys.stderr)
        return 1
    hall = result["hall"]
    print(
        f"hall {hall} {'created' if result['new'] else 'updated'}: "
        f"catalogue v{result['catalogue_version']}, {result['windows']} windows"
    )
    if not result["new"]:
        # The server reads windows, clerks and rules when it starts; it is the hall's single
        # writer, so init does not change its live state under it.
        print(
            f"注意：大厅 {hall} 的服务如正在运行，须重启后才使用新的窗口、工作人员和规则（含 signed_in_at 签到） / "
            f"note: a running server of hall {hall} must be restarted to use the new windows, clerks and rules "
            "(and the signed_in_at sign-ins)"
        )
    return 0


def _token(args: argparse.Namespace, db: Engine) -> int:
    from .auth import create_token, list_tokens, revoke_token

    if args.token_command == "create":
        if args.all_halls and args.hall is not None:
            raise refuse("--all-halls 与 --hall 只能选一个", "give --all-halls or --hall, not both")
        if args.all_halls and args.role != "admin":
            raise refuse("只有市级管理员（--role admin）的令牌可用于所有大厅", "only a city admin's token (--role admin) works at every hall")
        hall = None if args.all_halls else resolve_hall(db, args.hall)
        print(create_token(db, args.role, args.name, args.clerk, hall=hall))
        return 0
    hall = None if getattr(args, "all_halls", False) else resolve_hall(db, args.hall)
    if args.token_command == "list":
        _print_table(
            ("id", "role", "name", "clerk", "hall", "created", "revoked"),
            [(t.id, t.role, t.name, t.clerk, t.hall or "(all halls)", t.created_at, t.revoked_at) for t in list_tokens(db, hall)],
        )
        return 0
    if not revoke_token(db, args.id, hall):
        raise refuse(f"大厅 {hall} 没有编号为 {args.id} 的有效令牌", f"hall {hall} has no live token with id {args.id}")
    print(f"token {args.id} revoked")
    return 0


def _all_halls_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--all-halls", action="store_true",
        help="a city admin's account: signs in at every hall of the database (--role admin only)",
    )


def _user(args: argparse.Namespace, db: Engine) -> int:
    from .users import create_user, list_users, set_disabled, set_password

    if args.all_halls and args.hall:
        raise refuse("--all-halls 与 --hall 不能同时使用", "--all-halls and --hall exclude each other")
    hall = None if args.all_halls else resolve_hall(db, args.hall)
    at = "every hall" if hall is None else f"hall {hall}"
    if args.user_command == "list":
        _print_table(
            ("username", "role", "clerk", "disabled", "created"),
            [(u.username, u.role, u.clerk, u.disabled, u.created_at) for u in list_users(db, hall)],
        )
        return 0
    if args.user_command in ("disable", "enable"):
        set_disabled(db, hall, args.username, args.user_command == "disable")
        print(f"user {args.username} {args.user_command}d at {at}")
        return 0
    password = _new_password(args.password_stdin)
    if args.user_command == "password":
        set_password(db, hall, args.username, password)
        print(f"user {args.username}: new password set at {at}")
        return 0
    account = create_user(db, hall, args.username, password, args.role, args.clerk)
    print(f"user {account.username} ({account.role}) created at {at}")
    return 0


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    # Asked twice: a typo would lock the person out of an account nobody else knows.
    password = getpass.getpass("密码 / password: ")
    if getpass.getpass("再次输入 / again: ") != password:
        raise refuse("两次输入的密码不一致", "the two passwords differ")
    return password


def _device(args: argparse.Namespace, db: Engine, paths: Paths) -> int:
    from .auth import enroll_device, list_devices, revoke_device

    hall = resolve_hall(db, args.hall)
    if args.device_command == "enroll":
        pair = enroll_device(db, paths, hall, args.name, args.kind, args.window, replace=args.replace)
        print(json.dumps({"hall": hall, "public": str(pair.public), "secret": str(pair.secret), "server_public": str(paths.server_public)}))
        return 0
    if args.device_command == "list":
        _print_table(
            ("name", "kind", "window", "hall", "enrolled", "revoked"),
            [(d.name, d.kind, d.window, d.hall, d.enrolled_at, d.revoked_at) for d in list_devices(db, hall)],
        )
        return 0
    if not revoke_device(db, hall, args.name):
        raise refuse(f"大厅 {hall} 没有名为 {args.name} 的有效设备", f"hall {hall} has no live device named {args.name}")
    print(f"device {args.name} of hall {hall} revoked")
    return 0


def _catalogue_check(args: argparse.Namespace) -> int:
    from .catalogue import CatalogueError, load_catalogue

    try:
        catalogue = load_catalogue(args.file)
    except CatalogueError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"{args.file}: {len(catalogue.items)} items, all fields valid")
    return 0


def _catalogue_publish(args: argparse.Namespace, db: Engine) -> int:
    from .catalogue import CatalogueError, load_catalogue
    from .store import HallStore

    hall = resolve_hall(db, args.hall)
    try:
        catalogue = load_catalogue(args.file)
    except CatalogueError as e:
        print(str(e), file=sys.stderr)
        return 1
    version, created = HallStore(db, hall).publish_catalogue(catalogue.to_document(), catalogue.content_hash(), "cli")
    state = "published" if created else "unchanged (same content as the newest version)"
    print(f"hall {hall} catalogue v{version} {state}")
    print("a running server picks it up on restart, or POST /api/v1/catalogue publishes it live")
    return 0


def _print_table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Columns padded to their widest cell; an empty cell is '-'."""
    cells = [header, *[tuple("-" if v is None else _cell(v) for v in row) for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def _cell(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


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


def raise_open_files_limit() -> int:
    """Every open phone page holds a socket in this process (the phone fan-out): take the
    hard limit of open files, where a stock system gives a process 1,024 by default. Returns
    the limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return soft


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


def check_addresses_free(args: argparse.Namespace) -> None:
    """Raise CliError naming the first of the HTTP, request and event addresses that cannot
    be listened on (a second server on the same ports, say), before anything starts."""
    import socket

    wanted = [(args.http, "HTTP", args.http)]
    if getattr(args, "phone_http", None):
        wanted.append((args.phone_http, "phone live updates", args.phone_http))
    for address, what in ((args.router, "ZeroMQ requests"), (args.pub, "ZeroMQ events")):
        if address.startswith("tcp://"):  # ipc:// and inproc:// hold no port
            wanted.append((address.removeprefix("tcp://"), what, address))
    for host_port, what, shown in wanted:
        host, _, port = host_port.rpartition(":")
        host = "0.0.0.0" if host in ("", "*") else host.strip("[]")
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                # As ZeroMQ and waitress bind: a port left in TIME_WAIT is free.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, int(port)))
        except OSError as e:
            raise CliError(_listen_error(e, shown, what)) from None
        except ValueError:
            raise refuse(f"地址 {shown} 无效（应为 HOST:PORT）", f"address {shown} is not HOST:PORT") from None


def _listen_error(e: OSError, shown: str, what: str) -> str:
    port = shown.rpartition(":")[2]
    if e.errno == errno.EADDRINUSE:
        return f"错误：端口 {port} 已被占用（{what} {shown}） / error: port {port} is in use ({what} {shown})"
    why = e.strerror or str(e)
    return f"错误：无法监听 {shown}（{what}：{why}） / error: cannot listen on {shown} ({what}): {why}"


def serve(args: argparse.Namespace, paths: Paths) -> int:
    import os

    limit_malloc_arenas()

    import waitress
    from sqlalchemy.exc import SQLAlchemyError

    from .auth import DeviceRegistry
    from .endpoint import EndpointConfig, HallLoop
    from .http import create_app
    from .live.fanout import PhoneFanout
    from .runtime import open_hall
    from .store import make_engine
    from .store.db import WalCheckpointer
    from .web.events import LIVE_STREAMS

    live_streams = LIVE_STREAMS if args.live_streams is None else args.live_streams
    if live_streams < 1:
        print("错误：--live-streams 至少为 1 / error: --live-streams must be at least 1", file=sys.stderr)
        return 2

    configure_logging(args.log_level)
    log = logging.getLogger("queue_server")
    # A fatal signal (SIGBUS from a database file that cannot be written through its memory
    # map, SIGSEGV in a driver) still leaves its traceback in the log.
    faulthandler.enable(sys.stderr, all_threads=True)
    db = make_engine(_url(args))
    try:
        args.hall = resolve_hall(db, args.hall)
        check_addresses_free(args)
        service = open_hall(
            db, args.hall, paths, serve_url=f"http://{args.http}", live_url=f"http://{args.phone_http}",
            public_url=args.public_url,
        )
        registry = None if args.insecure else DeviceRegistry(db, args.hall)
    except CliError as e:
        print(str(e), file=sys.stderr)
        return 1
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
    raise_open_files_limit()
    phones = PhoneFanout(loop, args.phone_http)
    try:
        phones.bind()
    except OSError as e:  # taken since the check above
        print(_listen_error(e, args.phone_http, "phone live updates"), file=sys.stderr)
        return 1
    wal = WalCheckpointer(db)
    wal.start()
    loop.start()
    phones.start()
    host, _, port = args.http.rpartition(":")
    try:
        app = create_app(loop, db, paths=paths, live_streams=live_streams)
        # An open stream holds its thread and its connection: both are added to the request
        # ones, so a hall full of open consoles never leaves a REST call or a page waiting.
        # poll(), not select(): the phone fan-out's sockets share this process, and once they
        # pass 1,024 a new connection's descriptor is beyond what select() takes (the server
        # stopped with "filedescriptor out of range in select()" at 2,000 open phone pages).
        server = waitress.create_server(
            app, host=host or "127.0.0.1", port=int(port), threads=args.threads + live_streams,
            connection_limit=CONNECTIONS + live_streams, asyncore_use_poll=True,
        )
    except OSError as e:  # taken since the check above
        phones.stop()
        loop.stop()
        wal.stop()
        print(_listen_error(e, args.http, "HTTP"), file=sys.stderr)
        return 1

    def stop(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("signal %s: stopping", signum)
            server.close()
            # With poll() the closed listener no longer ends the loop (select() failed on it), and
            # an open keep-alive connection would hold it for ever: close every connection too.
            server.asyncore.close_all(server._map)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "hall %s serving: HTTP http://%s  phones http://%s  requests %s  events %s  %s; %d live tickets, seq %d",
        args.hall,
        args.http,
        args.phone_http,
        args.router,
        args.pub,
        "insecure" if args.insecure else "CURVE",
        len(service.engine.tickets),
        service.engine.last_seq,
    )
    from .cases.workdays import calendar_warning

    # Deadlines count working days: a calendar that ends soon would count holidays as working days.
    ctx = service.context
    warning = calendar_warning(ctx.cases.calendar, ctx.today(service.clock()))
    if warning is not None:
        log.warning("%s", warning)
    print(f"READY http://{args.http}", flush=True)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise
    phones.stop()
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
