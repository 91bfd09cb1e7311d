"""Every public link the server builds (``queue_server.links``) opens a page the server
serves: a QR code printed today must never lead to a 404 after a page is renamed."""

from __future__ import annotations

import inspect
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine

from queue_server.http import create_app
from queue_server.links import PHONE_PREFIX, PublicLinks
from queue_server.live.fanout import STREAM_PATH

LINKS = PublicLinks("https://hall.example.gov.cn/zwfw", "https://hall.example.gov.cn/live-updates")
SAMPLE = {
    "ticket_id": "H01-20261202-A012",
    "token": "q2Vb1fQ0cZK9xT3e",
    "case_id": "NS-20261202-000001",
    "check_code": "7KQ2MD",
    "number": "PHYSICIAN_LICENCE-H01-20261202-000001",
    "code": "9F2KA1B2C3",
    "complaint_id": "TS-20261202-0001",
    "item_code": "C-SB-001",
}
PAGES = [name for name, _ in inspect.getmembers(PublicLinks, inspect.isfunction)
         if not name.startswith("_") and name not in ("configured", "ticket_stream")]


def build(name: str) -> str:
    fn = getattr(LINKS, name)
    args = [SAMPLE[p] for p in inspect.signature(fn).parameters]
    return fn(*args)


@pytest.mark.parametrize("name", PAGES)
def test_every_link_opens_a_phone_page_under_the_public_address(name: str) -> None:
    url = build(name)
    assert url.startswith("https://hall.example.gov.cn/zwfw" + PHONE_PREFIX + "/")
    app = create_app(None, create_engine("sqlite://"))  # type: ignore[arg-type]  # the URL map needs no hall
    path = urlsplit(url).path.removeprefix("/zwfw")
    endpoint, _ = app.url_map.bind("hall.example.gov.cn").match(path, method="GET")
    assert endpoint.startswith("phone."), (name, endpoint)


def test_the_ticket_stream_is_the_fan_out_s_path_under_its_own_address() -> None:
    url = LINKS.ticket_stream(SAMPLE["ticket_id"], SAMPLE["token"])
    assert url == f"https://hall.example.gov.cn/live-updates{STREAM_PATH}{SAMPLE['ticket_id']}?token={SAMPLE['token']}"
    assert PublicLinks("http://127.0.0.1:8080").ticket_stream("x", "y") is None


def test_a_link_quotes_what_it_carries() -> None:
    url = LINKS.certificate("A/B C", "x&y=z")
    assert "/m/certificate/A%2FB%20C?code=x%26y%3Dz" in url
