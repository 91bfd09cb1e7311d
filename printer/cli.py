"""``python -m printer``: print sample slips, read a printer's status, run the simulator.

python -m printer ticket --demo --png OUT.png          a sample ticket through the simulator
python -m printer ticket --number A012 --item-name 不动产登记 --hall-name 某某政务服务中心 --to /dev/ttyUSB0
python -m printer ticket --json REPLY.json|- --hall-name ...   a ticket.issue reply (QR: its page_url)
python -m printer slip notice --demo --png OUT.png     notice | receipt | checklist | ticket
python -m printer ticket --demo --to tcp://HOST:9100   ... or to a real printer
python -m printer status --port /dev/ttyUSB0 | --tcp HOST:PORT | --url URL
python -m printer simulate [--tcp PORT] [--out DIR]   an ESC/POS printer on a pty or TCP port
python -m printer simctl --control SOCKET paper end    set conditions on a running simulator
python -m printer certificate --demo --pdf OUT.pdf [--png OUT.png] [--cups QUEUE]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from printer import demo, layouts
from printer.device import EscPosPrinter
from printer.document import Document
from printer.profiles import load_profiles
from printer.simulator import PrinterSimulator, send_control
from printer.slips import TicketSlip
from printer.status import StatusLevel
from printer.transports import NetworkTransport, SerialTransport, Transport, open_transport

#: Said when an older script still passes --public-url (the slip still prints).
PUBLIC_URL_IGNORED = (
    "--public-url 已不再使用并被忽略：二维码为号票数据中服务器给出的 page_url / "
    "--public-url is ignored: the QR code is the page_url the server gave in the reply"
)

SLIPS = {
    "ticket": lambda lang: layouts.ticket(demo.TICKET, lang),
    "notice": lambda lang: layouts.one_time_notice(demo.NOTICE, lang),
    "receipt": lambda lang: layouts.acceptance_receipt(demo.RECEIPT, lang),
    "checklist": lambda lang: layouts.materials_checklist(demo.CHECKLIST, lang),
}


def _host_port(value: str, default_port: int = 9100) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host:
        return value, default_port
    return host, int(port)


class UsageError(Exception):
    """What the person typed cannot make a slip: said on stderr, exit 2."""


def _ticket_reply(source: str) -> dict[str, Any]:
    """A ``ticket.issue`` reply saved as JSON (``-``: standard input); the server's envelope
    (``{"ticket": {...}}`` or ``{"body": {...}}``) is unwrapped."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"无法读取号票数据 / cannot read the ticket reply {source}: {exc}") from exc
    for key in ("body", "ticket"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
    missing = [k for k in ("number", "issued_at") if not isinstance(data, dict) or k not in data]
    if missing:
        raise UsageError(f"号票数据缺少字段 / the ticket reply has no {', '.join(missing)}")
    return data


def _ticket_from_args(args: argparse.Namespace) -> TicketSlip:
    """The slip from a server's reply (``--json``) or from the fields given one by one."""
    try:
        tz = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"未知时区 / unknown time zone {args.timezone!r}") from exc
    if args.json:
        reply = _ticket_reply(args.json)
        if args.public_url:
            print(PUBLIC_URL_IGNORED, file=sys.stderr)
        # The QR code is the page the server gave (as the kiosk prints it); --url overrides.
        url = args.url or str(reply.get("page_url") or "")
        slip = TicketSlip.from_reply(reply, args.hall_name or "", url, tz, advice=args.advice or "")
    else:
        if not args.number:
            raise UsageError("给出 --number（或 --json、--demo）/ give --number (or --json, or --demo)")
        issued = dt.datetime.now(tz).replace(tzinfo=None, second=0, microsecond=0)
        if args.issued:
            try:
                issued = dt.datetime.fromisoformat(args.issued).replace(tzinfo=None)
            except ValueError as exc:
                raise UsageError(f"--issued: not a date and time like 2026-11-26T09:31: {args.issued!r}") from exc
        slip = TicketSlip(
            hall_name=args.hall_name or "",
            number=args.number,
            item_name=args.item_name or "",
            people_ahead=args.ahead,
            estimated_wait_min=args.wait_min,
            issued_at=issued,
            url=args.url or "",
            advice=args.advice or "",
        )
    overrides: dict[str, Any] = {}
    if args.priority:
        overrides["priority"] = args.priority
    if args.json and args.item_name:
        overrides["item_name"] = args.item_name
    return dataclasses.replace(slip, **overrides) if overrides else slip


def _print_slip(kind: str, args: argparse.Namespace) -> int:
    doc: Document
    if args.demo:
        doc = SLIPS[kind](args.lang)
    elif kind == "ticket":
        try:
            doc = layouts.ticket(_ticket_from_args(args), args.lang)
        except UsageError as exc:
            print(exc, file=sys.stderr)
            return 2
    else:
        print(f"only --demo {kind} slips can be printed from the command line", file=sys.stderr)
        return 2
    if args.to:
        with EscPosPrinter(open_transport(args.to), args.profile) as printer:
            st = printer.status()
            if printer.transport.bidirectional and not st.ready:
                print(f"printer not ready: {st.describe()}", file=sys.stderr)
                return 1
            printer.print_document(doc)
        print(f"sent {doc.title} to {args.to}")
        return 0
    # Through the simulator, over a real pseudo-terminal, with the real serial transport.
    with tempfile.TemporaryDirectory() as tmp, PrinterSimulator(args.profile, tmp) as sim:
        path = sim.start_pty()
        with EscPosPrinter(SerialTransport(path), args.profile) as printer:
            printer.print_document(doc)
            page = sim.wait_pages(1, timeout=10)[0]
        assert page.path is not None
        out = Path(args.png or f"{kind}.png")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page.path, out)
    print(page.text)
    print(f"\n{kind} ({args.profile}, {args.lang}) printed through the simulator on {path}: {out}")
    return 0


def _status(args: argparse.Namespace) -> int:
    transport: Transport
    if args.port:
        transport = SerialTransport(args.port, args.baud)
    elif args.tcp:
        transport = NetworkTransport(*_host_port(args.tcp))
    else:
        transport = open_transport(args.url)
    try:
        with EscPosPrinter(transport, status_timeout=args.timeout) as printer:
            st = printer.status()
    except OSError as exc:
        print(f"cannot reach the printer: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(st.as_dict(), ensure_ascii=False))
    else:
        print(f"{transport.description}: {st.level.value} ({st.describe()})")
        raw = " ".join("--" if b is None else f"{b:02X}" for b in st.raw())
        print(f"DLE EOT 1..4 replies: {raw}")
        for name, value in st.as_dict().items():
            if name not in ("level", "ready", "raw") and value:
                print(f"  {name}")
    if st.level is StatusLevel.UNKNOWN:
        return 2
    return 0 if st.ready else 1


def _simulate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    sim = PrinterSimulator(args.profile, out, kanji_default=args.kanji_default)
    stop = threading.Event()
    try:
        if args.tcp is not None:
            port = sim.start_tcp(args.tcp, args.host)
            print(f"printer simulator ({args.profile}): tcp {args.host}:{port}", flush=True)
        if args.tcp is None or args.pty:
            path = sim.start_pty(args.link)
            print(f"printer simulator ({args.profile}): serial {path}", flush=True)
        control = sim.start_control(args.control or out / "control.sock")
        print(f"pages: {out.resolve()}", flush=True)
        print(
            f"control: {control}  (python -m printer simctl --control {control} paper end|ok, cover open|close)"
        )
        print("signals: SIGUSR1 paper end on/off, SIGUSR2 cover open/closed; Ctrl-C to stop", flush=True)

        def toggle_paper(*_: object) -> None:
            sim.set_paper("ok" if sim.paper_end else "end")
            print(f"paper: {'end' if sim.paper_end else 'ok'}", flush=True)

        def toggle_cover(*_: object) -> None:
            sim.set_cover_open(not sim.cover_open)
            print(f"cover: {'open' if sim.cover_open else 'closed'}", flush=True)

        signal.signal(signal.SIGUSR1, toggle_paper)
        signal.signal(signal.SIGUSR2, toggle_cover)
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())  # also when started in the background
        sim.on_page = lambda page: print(
            f"page {page.index}: {page.path}" + (" (torn)" if page.torn else ""), flush=True
        )
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


def _simctl(args: argparse.Namespace) -> int:
    answer = send_control(args.control, " ".join(args.command))
    print(json.dumps(answer, ensure_ascii=False))
    return 1 if "failed" in answer else 0


def _certificate(args: argparse.Namespace) -> int:
    from printer.certificate import issue_certificate, preview_png, render_certificate_pdf

    if not args.demo:
        print("only --demo certificates can be made from the command line", file=sys.stderr)
        return 2
    if args.cups:
        with tempfile.TemporaryDirectory() as tmp:
            result = issue_certificate(
                demo.CERTIFICATE, tmp, cups_queue=args.cups, cups_server=args.cups_server, preview=False
            )
            if args.pdf:
                shutil.copyfile(result.pdf, args.pdf)
        print(
            f"printed through CUPS: job {result.cups_job}"
            if result.cups_job
            else f"not printed: {result.error}"
        )
        return 0 if result.cups_job else 1
    pdf = render_certificate_pdf(demo.CERTIFICATE, args.pdf)
    print(f"saved {pdf}")
    if args.png:
        print(f"preview {preview_png(pdf, args.png)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    profiles = sorted(load_profiles())
    parser = argparse.ArgumentParser(prog="python -m printer", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)

    def slip_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--demo", action="store_true", help="print the sample slip")
        p.add_argument("--png", help="where to save the page the simulator printed")
        p.add_argument("--profile", default="generic-80", choices=profiles)
        p.add_argument("--lang", default="zh", choices=layouts.LANGS)
        p.add_argument(
            "--to", help="a real printer instead: /dev/ttyUSB0, tcp://HOST:9100, usb://VID:PID, cups://QUEUE"
        )

    p = sub.add_parser(
        "ticket",
        help="print a queue ticket: --demo, a ticket reply (--json), or fields (--number ...)",
        description="A queue ticket from a ticket.issue reply as the server gives it (--json FILE, "
        "or - for standard input), or from the fields given one by one (--number and the rest). "
        "Printed through the simulator (--png) unless --to names a printer.",
    )
    slip_options(p)
    p.add_argument("--json", metavar="FILE", help="a ticket.issue reply (JSON); - reads standard input")
    p.add_argument("--number", help="the ticket number, e.g. A012")
    p.add_argument("--item-name", help="the service item, e.g. 不动产登记 (with --json: instead of the reply's)")
    p.add_argument("--hall-name", help="the hall's name, as config/hall.yaml's hall.name")
    p.add_argument("--ahead", type=int, default=0, help="people ahead (default 0)")
    p.add_argument("--wait-min", type=int, help="estimated wait in minutes (default: 以叫号为准)")
    p.add_argument("--priority", choices=sorted(layouts.LANE_LABELS), help="the lane: green 绿色通道, appointment 预约")
    p.add_argument("--issued", help="when issued, local time, e.g. 2026-11-26T09:31 (default now)")
    p.add_argument("--url", help="the ticket's live page for the QR code (none: no QR code)")
    p.add_argument("--public-url", help=argparse.SUPPRESS)  # older scripts pass it: ignored, with a warning
    p.add_argument("--advice", help="a line at the foot, e.g. 请留意叫号，过号需重新取号。")
    p.add_argument("--timezone", default="Asia/Shanghai", help="the hall's time zone, for --json's issued_at")
    p = sub.add_parser("slip", help="print a slip of another kind")
    p.add_argument("kind", choices=sorted(SLIPS))
    slip_options(p)

    p = sub.add_parser("status", help="read a printer's status (exit 0 ready, 1 not ready, 2 unknown)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0")
    where.add_argument("--tcp", help="HOST:PORT of a network printer")
    where.add_argument("--url", help="connection URL (see printer.transports)")
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--timeout", type=float, default=0.5, help="seconds to wait for an answer")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("simulate", help="run an ESC/POS printer simulator")
    p.add_argument("--tcp", type=int, help="listen on this TCP port (0: any) instead of a pty")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--pty", action="store_true", help="with --tcp: a pty as well")
    p.add_argument("--link", help="symlink to the pty, e.g. /tmp/printer0")
    p.add_argument("--out", default="var/printer-sim", help="folder for page PNGs")
    p.add_argument("--control", help="control socket path (default OUT/control.sock)")
    p.add_argument("--profile", default="generic-80", choices=profiles)
    p.add_argument("--kanji-default", action="store_true", help="start in Chinese mode, as some printers do")

    p = sub.add_parser("simctl", help="set conditions on a running simulator")
    p.add_argument("--control", required=True)
    p.add_argument(
        "command",
        nargs="+",
        help="paper ok|near|end, paper left MM, cover open|close, error KIND|none, power on|off, status",
    )

    p = sub.add_parser("certificate", help="make (and print) a sample e-certificate")
    p.add_argument("--demo", action="store_true")
    p.add_argument("--pdf", default="certificate.pdf")
    p.add_argument("--png")
    p.add_argument("--cups", help="CUPS queue to print to")
    p.add_argument("--cups-server", help="CUPS server HOST:PORT")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd == "ticket":
        return _print_slip("ticket", args)
    if args.cmd == "slip":
        return _print_slip(args.kind, args)
    if args.cmd == "status":
        return _status(args)
    if args.cmd == "simulate":
        return _simulate(args)
    if args.cmd == "simctl":
        return _simctl(args)
    if args.cmd == "certificate":
        return _certificate(args)
    return 2
