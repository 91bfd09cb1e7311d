"""Command line: ``python -m idcard simulate ...`` and ``python -m idcard read ...``.

Exit codes of ``read``: 0 card read (an expired card too: its status is printed), 2 usage,
3 no reader (port missing, or nothing answering at that baud rate, or SAM failure),
4 no card (or card removed during the read), 5 bad card (failed checks or unreadable).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from idcard.card import CardKind, IdCard
from idcard.cardfile import SAMPLES_DIR, sample_cards
from idcard.errors import (
    CardDataError,
    CardRemovedError,
    IdCardError,
    InvalidCardError,
    NoCardError,
    PhotoError,
    ReaderTimeout,
    ReaderUnavailable,
    SamError,
)
from idcard.idnumber import mask_short
from idcard.protocol import BAUD_CODES

if TYPE_CHECKING:
    from idcard.simulator import IdCardReaderSimulator

EXIT_OK, EXIT_USAGE, EXIT_NO_READER, EXIT_NO_CARD, EXIT_BAD_CARD = 0, 2, 3, 4, 5

STATUS_TEXT = {
    "valid": "有效 / valid",
    "expired": "已过期 / EXPIRED",
    "not_yet_valid": "尚未生效 / not yet valid",
}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def format_card(card: IdCard, *, reveal: bool) -> str:
    number = card.id_number if reveal else card.masked_id
    rows: list[tuple[str, str]] = [("证件类型 Card type", card.kind.label)]
    if card.kind is CardKind.FOREIGN_PERMANENT:
        rows += [("英文姓名 English name", card.english_name), ("中文姓名 Chinese name", card.name)]
    else:
        rows.append(("姓名 Name", card.name))
    rows.append(("性别 Sex", f"{card.sex} / {card.sex_en}"))
    if card.kind is CardKind.RESIDENT:
        rows.append(("民族 Nation", card.nation))
    if card.kind is CardKind.FOREIGN_PERMANENT:
        rows.append(("国籍 Nationality", card.nationality))
    rows.append(("出生 Birth", card.birth.isoformat()))
    if card.address:
        rows.append(("住址 Address", card.address))
    rows.append(("证件号码 ID number", number))
    if card.kind is CardKind.HMT_PERMIT:
        pass_number = card.pass_number if reveal else mask_short(card.pass_number)
        rows += [("通行证号码 Pass number", pass_number), ("签发次数 Issue count", str(card.issue_count))]
    rows.append(("签发机关 Authority", card.authority))
    end = card.valid_to.isoformat() if card.valid_to else "长期 / long-term"
    rows.append(("有效期限 Valid", f"{card.valid_from.isoformat()} – {end}"))
    rows.append(("状态 Status", STATUS_TEXT[card.status()]))
    try:
        photo = card.photo.decode()
        photo_text = f"WLT 1024 B → {photo.width}×{photo.height}"
    except PhotoError as exc:
        photo_text = f"WLT 1024 B（{exc.zh} / {exc.en}）"
    rows.append(("照片 Photo", photo_text))
    if card.fingerprint is not None:
        rows.append(("指纹 Fingerprint", f"{len(card.fingerprint)} B"))
    width = max(_display_width(label) for label, _ in rows)
    return "\n".join(f"{label}{' ' * (width - _display_width(label))} : {value}" for label, value in rows)


def _display_width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cmd_read(args: argparse.Namespace) -> int:
    from idcard.reader import SamReader

    reader = SamReader(args.port, args.baud, timeout=args.timeout, retries=args.retries)
    try:
        reader.open()
    except ReaderUnavailable:
        _say(f"未找到读卡器：{args.port} / No ID card reader at {args.port}")
        return EXIT_NO_READER
    try:
        try:
            reader.sam_status()
        except ReaderTimeout:
            _say(
                f"读卡器无应答（波特率 {args.baud} 是否正确？）/ "
                f"No answer from a reader at {args.port} ({args.baud} baud: right rate?)"
            )
            return EXIT_NO_READER
        except SamError as exc:
            _say(f"读卡器故障 / Reader fault: {exc}")
            return EXIT_NO_READER
        deadline = time.monotonic() + args.wait
        while True:
            try:
                card = reader.read_card(fingerprint=args.fingerprint)
                break
            except NoCardError:
                if time.monotonic() >= deadline:
                    _say("未检测到证件，请将身份证放在读卡区 / No card on the reader")
                    return EXIT_NO_CARD
                time.sleep(0.2)
            except CardRemovedError:
                _say("读卡过程中证件被移开，请重新放置 / Card removed during the read, place it again")
                return EXIT_NO_CARD
        if args.json:
            print(json.dumps(card.to_dict(reveal=args.reveal), ensure_ascii=False, indent=2))
        else:
            print(format_card(card, reveal=args.reveal))
        return EXIT_OK
    except InvalidCardError as exc:
        _say("证件信息校验失败 / The card failed validation:")
        for problem in exc.problems:
            _say(f"  - {problem}")
        return EXIT_BAD_CARD
    except CardDataError as exc:
        _say(f"证件信息无法识别 / Unreadable card data: {exc}")
        return EXIT_BAD_CARD
    except ReaderUnavailable as exc:
        _say(f"读卡器已断开 / Reader disconnected: {exc}")
        return EXIT_NO_READER
    except IdCardError as exc:
        _say(f"读卡失败，请重新放置证件 / Read failed, place the card again: {exc}")
        return EXIT_BAD_CARD
    finally:
        reader.close()


SIM_HELP = """commands on standard input (the process ends when its input ends):
  list             show the numbered cards again
  place [N|FILE]   lay card N of the list (0 when no N) or a JSON card on the reader
  remove           lift the card
  unplug / replug  pull the USB cable out / plug it back (same path with --link)
  fault SPEC       inject a fault, e.g. checksum@read, slow=2, sam=66*0
  clear            remove all faults
  status           show the card, faults and commands served
  help             this text and the list
  quit"""


def card_list(sim: IdCardReaderSimulator) -> str:
    """The cards ``place N`` refers to, numbered as it counts them; the one on the reader marked.
    ID numbers masked: the list goes to a terminal others may see."""
    lines = ["证件列表 / cards (place N):"]
    for i, card in enumerate(sim.cards):
        mark = "  ← 在读卡区 / on the reader" if card is sim.card else ""
        kind = card.kind.label.split(" / ")[0]
        status = STATUS_TEXT[card.status()].split(" / ")[1]
        lines.append(f"  {i}  {kind}  {card.name}  {card.masked_id}  ({status}){mark}")
    if not sim.cards:
        lines.append("  （无 / none: place FILE lays a JSON card）")
    return "\n".join(lines)


def cmd_simulate(args: argparse.Namespace) -> int:
    from idcard.simulator import Fault, IdCardReaderSimulator

    first = SAMPLES_DIR / "resident_long_term.json"
    cards = args.card or [str(first), *(str(p) for p in sample_cards() if p != first)]
    try:
        faults = [Fault.parse(spec) for spec in args.fault]
        sim = IdCardReaderSimulator(
            cards,
            link=args.link,
            baud=args.baud,
            time_scale=args.time_scale,
            faults=faults,
            place_first=not args.empty,
            cycle=args.cycle,
        )
    except (ValueError, CardDataError) as exc:
        _say(str(exc))
        return EXIT_USAGE
    path = sim.start()
    print(path, flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    _say(f"模拟读卡器 / simulated reader on {path}, {args.baud} baud; cards: {len(sim.cards)}")
    _say(card_list(sim))
    if args.no_console:
        _say("no console (--no-console): stop with Ctrl-C or SIGTERM")
    else:
        _say(SIM_HELP)

        def console() -> None:
            # The end of input ends the simulator too: started from a script whose stdin is
            # closed, or by a test that closes it, it must not linger holding the pty.
            for line in sys.stdin:
                if not _sim_command(sim, line.split()):
                    break
            done.set()

        threading.Thread(target=console, daemon=True).start()
    try:
        done.wait()
    finally:
        sim.stop()
    return EXIT_OK


def _place(sim: IdCardReaderSimulator, target: str) -> None:
    if target.lstrip("-").isdigit():
        n = int(target)
        if not 0 <= n < len(sim.cards):
            last = f"0–{len(sim.cards) - 1}" if sim.cards else "none"
            _say(f"没有第 {n} 张证件 / no card {n}: the list has {last} (type list)")
            return
        card = sim.place(n)
    else:
        card = sim.place(target)
    _say(f"placed {card!r}")


def _sim_command(sim: IdCardReaderSimulator, words: list[str]) -> bool:
    if not words:
        return True
    verb, rest = words[0], words[1:]
    try:
        if verb == "quit":
            return False
        if verb == "place":
            _place(sim, rest[0] if rest else "0")
        elif verb == "list":
            _say(card_list(sim))
        elif verb == "remove":
            sim.remove()
        elif verb == "unplug":
            sim.unplug()
        elif verb == "replug":
            _say(f"back on {sim.replug()}")
        elif verb == "fault":
            _say(f"fault {sim.inject(rest[0])}")
        elif verb == "clear":
            sim.clear_faults()
        elif verb == "status":
            _say(f"card={sim.card!r} faults={sim.faults} commands={dict(sim.commands)}")
        else:
            _say(SIM_HELP)
            _say(card_list(sim))
    except (ValueError, IndexError, IdCardError, OSError) as exc:
        _say(f"error: {exc}")
    return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m idcard", description="身份证读卡器 / ID card reader")
    sub = parser.add_subparsers(dest="command", required=True)

    read = sub.add_parser("read", help="read one card and print its fields")
    read.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    read.add_argument("--baud", type=int, default=115200, choices=sorted(BAUD_CODES))
    read.add_argument("--json", action="store_true", help="print JSON")
    read.add_argument("--reveal", action="store_true", help="show the whole ID number (masked by default)")
    read.add_argument("--fingerprint", action="store_true", help="read with fingerprint (30 10)")
    read.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a card to be placed")
    read.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for the reader to answer")
    read.add_argument("--retries", type=int, default=2)
    read.set_defaults(func=cmd_read)

    sim = sub.add_parser(
        "simulate",
        help="simulated reader on a pseudo-terminal",
        epilog=SIM_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("--card", action="append", default=[], metavar="FILE", help="JSON card (repeatable)")
    sim.add_argument(
        "--fault", action="append", default=[], metavar="SPEC", help="KIND[=VALUE][@COMMAND][*COUNT]"
    )
    sim.add_argument("--baud", type=int, default=115200, choices=sorted(BAUD_CODES))
    sim.add_argument("--link", help="stable path (symlink) to the pty, kept across unplug/replug")
    sim.add_argument("--time-scale", type=float, default=1.0, help="1 = real wire time, 0 = no pacing")
    sim.add_argument("--cycle", type=float, help="seconds each card stays before the next is laid")
    sim.add_argument("--empty", action="store_true", help="start with no card on the reader")
    sim.add_argument(
        "--no-console",
        action="store_true",
        help="read no commands from standard input; run until Ctrl-C or SIGTERM (in the background)",
    )
    sim.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
