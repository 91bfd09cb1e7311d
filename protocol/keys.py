"""CURVE keys of the hall: key pair files and the client side of a CURVE connection.

Key pairs are ZeroMQ certificate files made by ``zmq.auth.create_certificates``:
``<name>.key`` holds the public key (share it: the server enrols a device by copying its
public file into its directory of authorised keys) and ``<name>.key_secret`` holds both keys
(mode 0600, never leaves the machine). The server side (ZAP authentication) lives in
queue_server; :func:`apply_server` is the small socket-level part of it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth


@dataclass(frozen=True, slots=True)
class KeyPairPaths:
    public: Path
    secret: Path


def generate_keypair(directory: Path, name: str) -> KeyPairPaths:
    """Create ``directory/name.key`` and ``directory/name.key_secret`` (mode 0600).

    The files are made in a private temporary directory and moved in, so the secret is never
    readable by others, not even for a moment. Existing files of that name are replaced.
    """
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"invalid key name {name!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".keygen-") as tmp:  # mode 0700
        public_tmp, secret_tmp = zmq.auth.create_certificates(tmp, name)
        os.chmod(secret_tmp, 0o600)
        public, secret = directory / f"{name}.key", directory / f"{name}.key_secret"
        os.replace(secret_tmp, secret)
        os.replace(public_tmp, public)
    return KeyPairPaths(public, secret)


def load_public_key(path: Path | str) -> bytes:
    """The Z85 public key of a ``.key`` (or ``.key_secret``) file."""
    public, _ = zmq.auth.load_certificate(path)
    return public


def load_secret_keypair(path: Path | str) -> tuple[bytes, bytes]:
    """(public, secret) Z85 keys from a ``.key_secret`` file; ValueError if it has no secret."""
    public, secret = zmq.auth.load_certificate(path)
    if not secret:
        raise ValueError(f"{path} holds no secret key")
    return public, secret


@dataclass(frozen=True, slots=True)
class CurveClientKeys:
    """What a kiosk or display needs: the server's public key and its own key pair."""

    server_public: bytes
    public: bytes
    secret: bytes

    @classmethod
    def from_files(cls, server_public_path: Path | str, client_secret_path: Path | str) -> CurveClientKeys:
        public, secret = load_secret_keypair(client_secret_path)
        return cls(load_public_key(server_public_path), public, secret)


def apply_client(socket: zmq.Socket, keys: CurveClientKeys) -> None:
    """Make ``socket`` a CURVE client; call before connect()."""
    socket.curve_serverkey = keys.server_public
    socket.curve_publickey = keys.public
    socket.curve_secretkey = keys.secret


def apply_server(socket: zmq.Socket, secret_path: Path | str, zap_domain: str = "") -> None:
    """Make ``socket`` a CURVE server with the key pair in ``secret_path``; call before bind().

    Which clients are let in is decided by the ZAP handler, e.g. a ThreadAuthenticator with
    ``configure_curve(domain="*", location=<directory of enrolled public keys>)``. pyzmq's
    ``"*"`` is the domain of sockets whose ZAP domain is empty (the default here), not a
    wildcard: a socket with ``zap_domain="x"`` needs ``configure_curve(domain="x", ...)``.
    """
    public, secret = load_secret_keypair(secret_path)
    socket.curve_publickey = public
    socket.curve_secretkey = secret
    socket.curve_server = True
    if zap_domain:
        socket.zap_domain = zap_domain.encode()
