"""Bits shared by the test server programs (run as ``python -m tests.protocol.<server>``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import zmq
from zmq.auth.thread import ThreadAuthenticator

from protocol.keys import apply_server

SERVER_KEY_NAME = "server"
AUTHORIZED_DIR = "authorized"


def setup_curve(ctx: zmq.Context, sockets: list[zmq.Socket], curve_dir: Path) -> ThreadAuthenticator:
    """CURVE server on ``sockets`` with ``curve_dir/server.key_secret``; ZAP lets in only the
    public keys in ``curve_dir/authorized/``."""
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.allow("127.0.0.1")
    auth.configure_curve(domain="*", location=str(curve_dir / AUTHORIZED_DIR))
    for sock in sockets:
        apply_server(sock, curve_dir / f"{SERVER_KEY_NAME}.key_secret")
    return auth


def bind(sock: zmq.Socket, endpoint: str) -> str:
    """Bind to ``tcp://127.0.0.1:PORT``; port 0 picks a free one. Returns the endpoint."""
    host, _, port = endpoint.rpartition(":")
    if port in ("0", "*"):
        return f"{host}:{sock.bind_to_random_port(host)}"
    sock.bind(endpoint)
    return endpoint


def say(**fields: Any) -> None:
    """One JSON line on stdout for the test that drives this process."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()
