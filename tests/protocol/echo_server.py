"""A tiny real request server for the client tests (ROUTER; run as a subprocess).

    python -m tests.protocol.echo_server [--endpoint tcp://127.0.0.1:0] [--drop-first]
        [--silent] [--start-delay S] [--curve-dir DIR]

Prints ``{"ready": "<endpoint>"}`` once bound; exits when stdin closes. Answers are
remembered per idempotency key: a repeat of a key gets the first answer again.
With --drop-first the first copy of each key is dropped (so the client has to retry);
with --silent nothing is ever answered. Request types (besides plain echo):

    test.stats       {"seen": {key: [peer id hex of each copy]}}  (never dropped)
    test.fail        error reply {"code": .., "details": ..?} with the standard messages
    test.busy        `unavailable` for the first body["times"] copies of the key, then echo
    test.bad_reply   replies body["raw"] (a string) as it is: a malformed reply
    test.wrong_key   replies ok, but under another key
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import zmq

from protocol.messages import (
    ErrorCode,
    ProtocolError,
    Request,
    decode_request,
    encode_reply_error,
    encode_reply_ok,
    new_key,
)
from tests.protocol.server_common import bind, say, setup_curve


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", default="tcp://127.0.0.1:0")
    ap.add_argument("--drop-first", action="store_true")
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--start-delay", type=float, default=0.0)
    ap.add_argument("--curve-dir", type=Path)
    args = ap.parse_args()

    time.sleep(args.start_delay)
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    if args.curve_dir:
        setup_curve(ctx, [router], args.curve_dir)
    endpoint = bind(router, args.endpoint)
    say(ready=endpoint)

    answers: dict[str, bytes] = {}
    seen: dict[str, list[str]] = defaultdict(list)
    poller = zmq.Poller()
    poller.register(router, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    while True:
        ready = dict(poller.poll())
        if sys.stdin.fileno() in ready and not sys.stdin.readline():
            break  # the test ended
        if router not in ready:
            continue
        peer, empty, raw = router.recv_multipart()
        if args.silent:
            continue
        try:
            req = decode_request(raw)
        except ProtocolError as exc:
            router.send_multipart([peer, empty, exc.reply()])
            continue
        if req.type == "test.stats":
            router.send_multipart([peer, empty, encode_reply_ok(req.key, {"seen": seen})])
            continue
        seen[req.key].append(peer.hex())
        if req.key in answers:
            router.send_multipart([peer, empty, answers[req.key]])
            continue
        if args.drop_first and len(seen[req.key]) == 1:
            continue
        reply = answer(req, len(seen[req.key]), len(answers) + 1, peer)
        if reply is not None:
            router.send_multipart([peer, empty, reply])
            if req.type not in ("test.busy", "test.wrong_key") or b'"ok":true' in reply:
                answers[req.key] = reply
    ctx.destroy(linger=0)


def answer(req: Request, copies: int, answer_id: int, peer: bytes) -> bytes | None:
    body = req.body
    if req.type == "test.fail":
        return encode_reply_error(req.key, ErrorCode(body["code"]), details=body.get("details"))
    if req.type == "test.busy" and copies <= body.get("times", 1):
        return encode_reply_error(req.key, ErrorCode.UNAVAILABLE)
    if req.type == "test.bad_reply":
        return str(body["raw"]).encode()
    if req.type == "test.wrong_key":
        return encode_reply_ok(new_key(), {"echo": body})
    return encode_reply_ok(req.key, {"echo": body, "type": req.type, "answer_id": answer_id, "peer": peer.hex()})


if __name__ == "__main__":
    main()
