"""CURVE: key files, and clients talking to a real CURVE server with ZAP enrolment."""

from __future__ import annotations

import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocol.client import HallClient, ServerUnavailable
from protocol.keys import CurveClientKeys, generate_keypair, load_public_key, load_secret_keypair
from protocol.subscriber import CloneSubscriber
from tests.protocol.procs import ServerProcess
from tests.protocol.server_common import AUTHORIZED_DIR, SERVER_KEY_NAME
from tests.support.wait import wait_for


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """server key pair + enrolled kiosk + a stranger that is not enrolled."""
    base = tmp_path_factory.mktemp("curve")
    generate_keypair(base, SERVER_KEY_NAME)
    kiosk = generate_keypair(base / "devices", "kiosk01")
    generate_keypair(base / "devices", "stranger")
    (base / AUTHORIZED_DIR).mkdir()
    shutil.copy(kiosk.public, base / AUTHORIZED_DIR / "kiosk01.key")
    return base


@pytest.fixture(scope="module")
def curve_echo(keys: Path) -> Iterator[str]:
    with ServerProcess("echo_server", "--curve-dir", str(keys)) as server:
        yield server.ready["ready"]


def client_keys(keys: Path, device: str, server_public: Path | None = None) -> CurveClientKeys:
    return CurveClientKeys.from_files(server_public or keys / "server.key", keys / "devices" / f"{device}.key_secret")


def test_generate_keypair_files(tmp_path: Path) -> None:
    paths = generate_keypair(tmp_path / "k", "display07")
    assert paths.public == tmp_path / "k" / "display07.key"
    assert paths.secret == tmp_path / "k" / "display07.key_secret"
    assert stat.S_IMODE(paths.secret.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["display07.key", "display07.key_secret"]
    public, secret = load_secret_keypair(paths.secret)
    assert load_public_key(paths.public) == public and len(public) == len(secret) == 40
    assert secret not in paths.public.read_bytes()
    with pytest.raises(ValueError):
        load_secret_keypair(paths.public)  # the public file holds no secret
    again = generate_keypair(tmp_path / "k", "display07")
    assert load_public_key(again.public) != public  # a new pair replaces the old one


def test_enrolled_client_talks_to_curve_server(keys: Path, curve_echo: str) -> None:
    with HallClient(curve_echo, curve=client_keys(keys, "kiosk01"), timeout=2.0) as client:
        assert client.request("ticket.issue", {"item": "SI-1"})["echo"] == {"item": "SI-1"}


def test_client_with_wrong_server_key_gets_server_unavailable(keys: Path, curve_echo: str) -> None:
    wrong = client_keys(keys, "kiosk01", server_public=keys / "devices" / "stranger.key")
    with HallClient(curve_echo, curve=wrong, timeout=0.3, retries=2) as client:
        start = time.monotonic()
        with pytest.raises(ServerUnavailable):
            client.request("ticket.issue", {})
        assert time.monotonic() - start < 1.2  # never hangs


def test_client_without_curve_gets_server_unavailable(curve_echo: str) -> None:
    with HallClient(curve_echo, timeout=0.3, retries=1) as client, pytest.raises(ServerUnavailable):
        client.request("ticket.issue", {})


def test_unenrolled_client_is_refused(keys: Path, curve_echo: str) -> None:
    stranger = client_keys(keys, "stranger")
    with HallClient(curve_echo, curve=stranger, timeout=0.3, retries=2) as client, pytest.raises(ServerUnavailable):
        client.request("ticket.issue", {})


def test_subscriber_over_curve(keys: Path) -> None:
    curve = client_keys(keys, "kiosk01")
    tickets: list[str] = []
    with ServerProcess("hall_server", "--hall", "H01", "--curve-dir", str(keys)) as server:
        server.cmd("publish", n=2)
        with HallClient(server.ready["router"], curve=curve, timeout=1.0) as client, CloneSubscriber(
            server.ready["pub"], client, "H01", curve=curve, heartbeat_timeout=0.5,
            on_snapshot=lambda s: tickets.__setitem__(slice(None), s["state"]["tickets"]),
            on_event=lambda e: tickets.append(e["data"]["number"]),
        ) as sub:
            step = lambda: sub.poll_once(0.02)  # noqa: E731
            wait_for(lambda: sub.synced and sub.connected, step=step, message="snapshot over CURVE")
            state = server.cmd("publish", n=2)
            wait_for(lambda: sub.last_seq == 4, step=step, message="events over CURVE")
    assert tickets == state["tickets"] and sub.events_applied == 2


def test_subscriber_with_unenrolled_key_never_connects(keys: Path) -> None:
    stranger = client_keys(keys, "stranger")
    with ServerProcess("hall_server", "--hall", "H01", "--curve-dir", str(keys)) as server, HallClient(
        server.ready["router"], curve=stranger, timeout=0.2, retries=1
    ) as client, CloneSubscriber(
        server.ready["pub"], client, "H01", curve=stranger, heartbeat_timeout=0.5,
        on_snapshot=lambda s: None, on_event=lambda e: None,
    ) as sub:
        # Polled on purpose for a while: it must never connect (what is tested is that
        # nothing happens, so time has to pass).
        end = time.monotonic() + 0.8
        while time.monotonic() < end:
            sub.poll_once(0.05)
        assert not sub.connected and not sub.synced and sub.snapshot_failures >= 1
