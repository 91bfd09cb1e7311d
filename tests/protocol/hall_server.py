"""A tiny real hall server for the subscriber tests: PUB events + ROUTER snapshots.

    python -m tests.protocol.hall_server --hall H01 [--pub tcp://127.0.0.1:0]
        [--router tcp://127.0.0.1:0] [--state-file F] [--heartbeat 0.1] [--curve-dir DIR]

Prints ``{"ready": true, "pub": .., "router": .., "epoch": .., "seq": ..}`` once bound. The
state (``{"seq": n, "tickets": [...]}``) is kept in --state-file, so a restarted server
continues the sequence under a new epoch, as the real one does. Driven by JSON lines on
stdin, each answered by one JSON line on stdout:

    {"cmd": "publish", "n": 3, "drop": false}   issue n tickets (events ticket.issued);
                                                with drop, state and seq change but the
                                                events are not sent (a lost message)
    {"cmd": "heartbeats", "on": false}
    {"cmd": "hold_snapshots", "on": true, "capture": "arrival" | "release"}
                                                hold snapshot replies until "on": false;
                                                the state is taken when the request
                                                arrives or when it is released
    {"cmd": "raw", "topic": "hall.H010", "payload": "..."}   publish two raw frames
    {"cmd": "stats"}                            {"seq", "snapshots", "held", "epoch"}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import zmq

from protocol.messages import (
    SNAPSHOT_TYPE,
    ErrorCode,
    ProtocolError,
    decode_request,
    encode_event,
    encode_reply_error,
    encode_reply_ok,
    make_event,
    make_heartbeat,
    new_key,
)
from tests.protocol.server_common import bind, say, setup_curve


class Hall:
    def __init__(self, code: str, state_file: Path | None) -> None:
        self.code = code
        self.epoch = new_key()[:12]
        self.state_file = state_file
        self.seq = 0
        self.tickets: list[str] = []
        if state_file and state_file.exists():
            saved = json.loads(state_file.read_text())
            self.seq, self.tickets = saved["seq"], saved["tickets"]

    def issue(self) -> dict[str, Any]:
        self.seq += 1
        number = f"A{self.seq:03d}"
        self.tickets.append(number)
        if self.state_file:  # persisted before it is published, as the real server does
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"seq": self.seq, "tickets": self.tickets}))
            os.replace(tmp, self.state_file)
        return {"number": number}

    def snapshot(self) -> dict[str, Any]:
        return {"hall": self.code, "epoch": self.epoch, "seq": self.seq, "state": {"tickets": list(self.tickets)}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hall", default="H01")
    ap.add_argument("--pub", default="tcp://127.0.0.1:0")
    ap.add_argument("--router", default="tcp://127.0.0.1:0")
    ap.add_argument("--state-file", type=Path)
    ap.add_argument("--heartbeat", type=float, default=0.1)
    ap.add_argument("--curve-dir", type=Path)
    args = ap.parse_args()

    hall = Hall(args.hall, args.state_file)
    ctx = zmq.Context()
    pub, router = ctx.socket(zmq.PUB), ctx.socket(zmq.ROUTER)
    for sock in (pub, router):
        sock.setsockopt(zmq.LINGER, 0)
    if args.curve_dir:
        setup_curve(ctx, [pub, router], args.curve_dir)
    pub_ep, router_ep = bind(pub, args.pub), bind(router, args.router)
    say(ready=True, pub=pub_ep, router=router_ep, epoch=hall.epoch, seq=hall.seq)

    heartbeats, hold, capture_at_arrival = True, False, True
    held: list[tuple[bytes, str, dict[str, Any] | None]] = []
    snapshots = 0
    next_beat = time.monotonic()
    poller = zmq.Poller()
    poller.register(router, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)

    def send_snapshot(peer: bytes, key: str, body: dict[str, Any] | None) -> None:
        router.send_multipart([peer, b"", encode_reply_ok(key, body or hall.snapshot())])

    while True:
        now = time.monotonic()
        if heartbeats and now >= next_beat:
            pub.send_multipart(encode_event(make_heartbeat(hall.code, hall.epoch, hall.seq)))
            next_beat = now + args.heartbeat
        ready = dict(poller.poll(max(0, int((next_beat - time.monotonic()) * 1000)) if heartbeats else 1000))
        if router in ready:
            peer, empty, raw = router.recv_multipart()
            try:
                req = decode_request(raw)
            except ProtocolError as exc:
                router.send_multipart([peer, empty, exc.reply()])
                continue
            if req.type != SNAPSHOT_TYPE:
                router.send_multipart([peer, empty, encode_reply_error(req.key, ErrorCode.UNKNOWN_TYPE)])
                continue
            snapshots += 1
            if hold:
                held.append((peer, req.key, hall.snapshot() if capture_at_arrival else None))
            else:
                send_snapshot(peer, req.key, None)
        if sys.stdin.fileno() in ready:
            line = sys.stdin.readline()
            if not line:
                break  # the test ended
            cmd = json.loads(line)
            if cmd["cmd"] == "publish":
                for _ in range(cmd.get("n", 1)):
                    event = make_event(hall.code, hall.epoch, hall.seq + 1, "ticket.issued", {})
                    event.data = hall.issue()
                    if not cmd.get("drop"):
                        pub.send_multipart(encode_event(event))
            elif cmd["cmd"] == "heartbeats":
                heartbeats = cmd["on"]
                next_beat = time.monotonic()
            elif cmd["cmd"] == "hold_snapshots":
                hold, capture_at_arrival = cmd["on"], cmd.get("capture", "arrival") == "arrival"
                if not hold:
                    for item in held:
                        send_snapshot(*item)
                    held.clear()
            elif cmd["cmd"] == "raw":
                pub.send_multipart([cmd["topic"].encode(), cmd["payload"].encode()])
            say(seq=hall.seq, snapshots=snapshots, held=len(held), epoch=hall.epoch,
                tickets=hall.tickets)
    ctx.destroy(linger=0)


if __name__ == "__main__":
    main()
