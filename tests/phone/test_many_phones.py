"""More ticket pages open than a process gets descriptors by default: the phone fan-out's
sockets share the queue server's process, and past 1,024 of them the HTTP server's select()
once stopped the whole server. With 1,100 pages open the pages, the API and the live
updates all keep working."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from queue_server.cli import raise_open_files_limit
from queue_server.live.fanout import PER_TICKET
from tests.support.hall import HallProcess
from tests.web.support import new_hall

PAGES = 1100


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("hall"))
    yield h
    h.stop()


def open_stream(hall: HallProcess, ticket: dict[str, str]) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", hall.phone_port), timeout=10)
    s.sendall(f"GET /live/ticket/{ticket['id']}?token={ticket['token']} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200 "), head[:80]
    return s


def test_over_a_thousand_open_pages_leave_the_server_answering(hall: HallProcess) -> None:
    assert raise_open_files_limit() > PAGES + 100, "this test's own process needs the descriptors"
    tickets = []
    for _ in range(-(-PAGES // PER_TICKET)):
        r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": "C-SB-001"}, timeout=10)
        assert r.status_code == 201, r.text
        tickets.append(r.json())
    streams = [open_stream(hall, tickets[i // PER_TICKET]) for i in range(PAGES)]
    try:
        assert requests.get(f"{hall.phone_live}/live/health", timeout=10).json()["pages"] == PAGES
        # New connections to the pages and the API now get descriptors past 1,024.
        for t in tickets[:5]:
            page = requests.get(t["page_url"], timeout=10)
            assert page.status_code == 200 and t["number"] in page.text
        assert requests.get(f"{hall.http}/api/v1/health", timeout=10).status_code == 200
        # And a call still reaches the open pages: the last ticket's page sees one fewer ahead.
        last = streams[-1]
        last.settimeout(10)
        token = hall.token("clerk", clerk="c01")
        r = requests.post(f"{hall.http}/api/v1/windows/1/call-next", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)
        assert r.status_code == 200, r.text
        moved = f'"position":{len(tickets) - 2}'.encode()  # everyone before it, less the one called
        got = b""
        while moved not in got:
            got += last.recv(65536)
    finally:
        for s in streams:
            s.close()
