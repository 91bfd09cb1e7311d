"""Command line: ``python -m devices simulate scanner|evalpad|callpad`` and
``python -m devices check --config FILE``, ``python -m devices window-agent --config FILE``
(see ``devices/windowagent``).

``simulate`` opens a pseudo-terminal, prints its path on the first line of standard output,
and turns each line of standard input into a device action:

* scanner: the line is scanned as a code (``--suffix`` CR, LF, CRLF or none);
* evalpad: a key, e.g. ``5`` (非常满意) … ``1`` (非常不满意);
* callpad: ``next``, ``recall``, ``noshow``, ``pause``, ``resume``, ``transfer 7``;
* any of them: ``unplug`` / ``replug``.

``check`` builds the devices of a kiosk config, waits for them to settle, prints each one's
health and exits 0 if all are ok, 1 otherwise.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence

from devices.simulators import CallPadSimulator, EvalPadSimulator, KeypadSimulator, ScannerSimulator

SUFFIXES = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "NONE": b""}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_simulate(args: argparse.Namespace) -> int:
    sim: ScannerSimulator | KeypadSimulator
    if args.device == "scanner":
        sim = ScannerSimulator(
            args.link, baud=args.baud, time_scale=args.time_scale, suffix=SUFFIXES[args.suffix]
        )
    elif args.device == "evalpad":
        sim = EvalPadSimulator(args.link, baud=args.baud, time_scale=args.time_scale)
    else:
        sim = CallPadSimulator(args.link, baud=args.baud, time_scale=args.time_scale, window=args.window)
    path = sim.start()
    print(path, flush=True)
    _say(f"模拟{args.device} / simulated {args.device} on {path}, {args.baud} baud")
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())

    def console() -> None:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            try:
                if words[0] == "quit":
                    done.set()
                    return
                if words[0] == "unplug":
                    sim.unplug()
                elif words[0] == "replug":
                    sim.replug()
                elif isinstance(sim, ScannerSimulator):
                    sim.scan(line.rstrip("\r\n"))
                elif isinstance(sim, EvalPadSimulator):
                    _report(sim, sim.press(words[0]))
                elif isinstance(sim, CallPadSimulator):
                    _report(sim, sim.press(words[0], words[1] if len(words) > 1 else None))
            except Exception as exc:  # a console typo must not end the simulator
                _say(f"error: {exc}")

    threading.Thread(target=console, daemon=True).start()
    try:
        done.wait()
    finally:
        sim.stop()
    return 0


def _report(sim: KeypadSimulator, seq: int) -> None:
    reply = sim.wait_reply(seq, timeout=3.0)
    if reply is None:
        _say(f"#{seq}: 主机无应答 / no answer from the host")
    else:
        _say(f"#{seq}: {'ACK' if reply.ok else 'NAK'} {reply.text}")


def cmd_check(args: argparse.Namespace) -> int:
    from devices.config import ConfigError, load_config
    from devices.factory import build_manager
    from devices.health import Status

    try:
        config = load_config(args.config)
        manager = build_manager(config)
    except ConfigError as exc:
        _say(str(exc))
        return 2
    manager.start()
    try:
        time.sleep(args.wait)
        manager.check_now()
        health = manager.snapshot()
    finally:
        manager.stop()
    for name, h in health.items():
        kind = manager.devices[name].kind
        print(f"{name:<12} {kind:<8} {h.status.label:<18} {h.reason}")
    return 0 if all(h.status is Status.OK for h in health.values()) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devices", description="自助终端外设 / kiosk devices")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="a simulated device on a pseudo-terminal")
    sim.add_argument("device", choices=["scanner", "evalpad", "callpad"])
    sim.add_argument("--link", help="stable path (symlink) to the pty, kept across unplug/replug")
    sim.add_argument("--baud", type=int, default=9600)
    sim.add_argument("--time-scale", type=float, default=1.0, help="1 = real wire time, 0 = no pacing")
    sim.add_argument(
        "--suffix", choices=sorted(SUFFIXES), default="CR", type=str.upper, help="scanner suffix"
    )
    sim.add_argument("--window", default="1", help="call pad: window number")
    sim.set_defaults(func=cmd_simulate)
    check = sub.add_parser("check", help="print the health of a kiosk's devices")
    check.add_argument("--config", required=True)
    check.add_argument("--wait", type=float, default=1.5, help="seconds to let devices settle")
    check.set_defaults(func=cmd_check)
    from devices.windowagent.__main__ import add_parser as add_window_agent

    add_window_agent(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
