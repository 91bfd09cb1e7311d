"""The kiosk's cached catalogue: a fake server (a unit of the cache logic) and a real file."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalogue_cache import CACHE_FILE, CatalogueCache, Label, Refresh
from protocol.client import RequestFailed, ServerUnavailable


class FakeServer:
    """Answers ``catalogue.get`` like the queue server's handler; can be switched off."""

    def __init__(self, document: dict[str, Any], version: int = 1) -> None:
        self.document, self.version = document, version
        self.down = False
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.answer: dict[str, Any] | None = None  # when set, sent instead (a broken server)

    def request(self, type: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        self.requests.append((type, dict(body or {})))
        if self.down:
            raise ServerUnavailable()
        if self.answer is not None:
            return self.answer
        assert type == "catalogue.get"
        if (body or {}).get("have_version") == self.version:
            return {"version": self.version, "unchanged": True}
        return {"version": self.version, "unchanged": False, "catalogue": self.document}


@pytest.fixture
def server(demo_document: dict[str, Any]) -> FakeServer:
    return FakeServer(demo_document, version=7)


def fresh(tmp_path: Path) -> CatalogueCache:
    cache = CatalogueCache(tmp_path, clock=lambda: 1_000.0)
    cache.load()
    return cache


def test_first_refresh_fetches_and_saves(tmp_path: Path, server: FakeServer) -> None:
    cache = fresh(tmp_path)
    assert not cache.available and cache.stale and cache.items() == []
    assert cache.refresh(server) is Refresh.UPDATED
    assert server.requests == [("catalogue.get", {})]  # nothing held: no have_version
    assert cache.version == 7 and not cache.stale and cache.checked_at == 1_000.0
    saved = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))
    assert saved["version"] == 7 and saved["catalogue"] == server.document
    assert list(tmp_path.iterdir()) == [tmp_path / CACHE_FILE]  # no temp file left behind


def test_next_start_reads_the_file_and_asks_with_have_version(tmp_path: Path, server: FakeServer) -> None:
    fresh(tmp_path).refresh(server)
    cache = CatalogueCache(tmp_path)
    assert cache.load() and cache.version == 7 and cache.stale  # cached, not confirmed yet
    assert cache.item("C-SB-002") is not None
    before = (tmp_path / CACHE_FILE).stat().st_mtime_ns
    assert cache.refresh(server) is Refresh.UNCHANGED
    assert server.requests[-1] == ("catalogue.get", {"have_version": 7})
    assert not cache.stale and (tmp_path / CACHE_FILE).stat().st_mtime_ns == before  # not rewritten


def test_new_version_replaces_cache(tmp_path: Path, server: FakeServer) -> None:
    cache = fresh(tmp_path)
    cache.refresh(server)
    server.document = {**server.document, "items": server.document["items"][:3]}
    server.version = 8
    assert cache.refresh(server) is Refresh.UPDATED
    assert cache.version == 8 and len(cache.items()) == 3
    reread = fresh(tmp_path)
    assert reread.version == 8 and len(reread.items()) == 3


def test_server_down_keeps_cached_and_reports_stale(tmp_path: Path, server: FakeServer) -> None:
    fresh(tmp_path).refresh(server)
    server.down = True
    cache = fresh(tmp_path)
    assert cache.refresh(server) is Refresh.STALE
    assert cache.stale and cache.available and cache.version == 7
    assert cache.guide("C-SB-002") is not None  # guides still readable


def test_server_down_and_no_cache(tmp_path: Path, server: FakeServer) -> None:
    server.down = True
    cache = fresh(tmp_path)
    assert cache.refresh(server) is Refresh.STALE
    assert not cache.available and cache.themes() == [] and cache.guide("C-SB-002") is None
    assert not cache.allows_self_service("C-SB-002")


def test_error_reply_is_stale_not_a_crash(tmp_path: Path, server: FakeServer) -> None:
    class Refusing:
        def request(self, type: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
            raise RequestFailed("internal", "boom", "出错")

    cache = fresh(tmp_path)
    cache.refresh(server)
    assert cache.refresh(Refusing()) is Refresh.STALE and cache.version == 7


@pytest.mark.parametrize(
    "answer",
    [
        {"unchanged": False},  # no version
        {"version": 8, "unchanged": False, "catalogue": {"items": "nope"}},
        {"version": 8, "unchanged": False},  # no document
        {"version": 9, "unchanged": True},  # unchanged from a version the kiosk does not hold
    ],
)
def test_nonsense_answer_keeps_cache(tmp_path: Path, server: FakeServer, answer: dict[str, Any]) -> None:
    cache = fresh(tmp_path)
    cache.refresh(server)
    server.answer = answer
    assert cache.refresh(server) is Refresh.STALE
    assert cache.version == 7 and len(cache.items()) == len(server.document["items"])
    assert fresh(tmp_path).version == 7  # the file was not overwritten


@pytest.mark.parametrize(
    "content",
    [
        "",  # empty (crash before the first write finished, on a file system without rename)
        '{"format": 1, "version": 7, "catalogue": {"items": [',  # partial
        "\x00\x00\x00garbage",
        "[]",
        '{"format": 1, "version": "7", "catalogue": {"items": []}}',
        '{"format": 1, "version": 7, "catalogue": {"items": [{"name": {}}]}}',
        '{"format": 99, "version": 7, "catalogue": {"items": []}}',
    ],
)
def test_corrupt_cache_file_is_logged_and_ignored(
    tmp_path: Path, server: FakeServer, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / CACHE_FILE).write_text(content, encoding="utf-8")
    cache = CatalogueCache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="kiosk.catalogue_cache"):
        assert cache.load() is False
    assert "ignoring the cached catalogue" in caplog.text
    assert not cache.available
    assert cache.refresh(server) is Refresh.UPDATED  # and a good answer replaces the bad file
    assert fresh(tmp_path).version == 7


def test_unwritable_state_folder_keeps_catalogue_in_memory(tmp_path: Path, server: FakeServer) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = CatalogueCache(blocker / "state")  # a folder under a file cannot be made
    assert cache.refresh(server) is Refresh.UPDATED
    assert cache.version == 7 and cache.saved_at is None


def test_items_by_stream_and_theme(tmp_path: Path, server: FakeServer) -> None:
    cache = fresh(tmp_path)
    cache.refresh(server)
    enterprise = cache.items("enterprise")
    assert enterprise and all(i.stream == "enterprise" for i in enterprise)
    social = cache.items("citizen", "social_security")
    assert [i.code for i in social][:2] == ["C-SB-001", "C-SB-002"]
    card = cache.item("C-SB-002")
    assert card is not None and card.name == Label("社会保障卡申领", "Application for a social security card")
    assert card.wait_target_min and card.wait_target_min > 0


def test_themes_with_labels_in_catalogue_order(tmp_path: Path, server: FakeServer) -> None:
    cache = fresh(tmp_path)
    cache.refresh(server)
    citizen = cache.themes("citizen")
    assert [g.theme for g in citizen][:3] == ["public_education", "employment", "social_security"]
    assert citizen[2].label.get("zh") == "社会保障" and citizen[2].label.get("en") == "Social security"
    assert all(i.stream == "citizen" for g in citizen for i in g.items)
    keys = [g.theme for g in cache.themes("enterprise")]
    assert "business_registration" in keys and "public_education" not in keys  # empty themes left out
    assert cache.theme_label("employment") == Label("劳动就业", "Employment")
    assert cache.theme_label("nonexistent") == Label("nonexistent", "nonexistent")


def test_item_with_unlisted_theme_still_reachable(tmp_path: Path, server: FakeServer) -> None:
    server.document["items"][0]["theme"] = "brand_new"
    cache = fresh(tmp_path)
    cache.refresh(server)
    last = cache.themes("citizen")[-1]
    assert last.theme == "brand_new" and last.label == Label("brand_new", "brand_new")


def test_guide_self_service_and_certificates(tmp_path: Path, server: FakeServer) -> None:
    cache = fresh(tmp_path)
    cache.refresh(server)
    guide = cache.guide("C-SB-002")
    assert guide is not None and guide["materials"] and guide["process"]
    assert cache.allows_self_service("C-SB-002") and not cache.allows_self_service("C-JY-001")
    assert not cache.allows_self_service("X-NO-000") and cache.guide("X-NO-000") is None
    # Enterprise items: founding one (the founder's ID card) yes; one the enterprise applies
    # for by its credit code, which a kiosk cannot read from a card, no (issue 13).
    assert cache.allows_self_service("E-DJ-002") and not cache.allows_self_service("E-XY-001")
    doc_item = next(i for i in server.document["items"] if i["code"] == "C-SB-002")
    expected = [m["code"] for m in doc_item["guide"]["materials"] if m.get("e_certificate")]
    subs = cache.certificate_substitutes("C-SB-002")
    assert [s.material for s in subs] == expected and subs
    id_card = next(s for s in subs if s.certificate == "id_card")
    assert id_card.certificate_name == Label("居民身份证", "Resident identity card")
    assert cache.certificate_substitutes("X-NO-000") == []


def test_search_index_follows_the_catalogue(tmp_path: Path, server: FakeServer) -> None:
    cache = fresh(tmp_path)
    assert cache.search_index().search("shebao") == []
    cache.refresh(server)
    index = cache.search_index()
    assert index.search("shebao")[0].code == "C-SB-002"
    assert cache.search_index() is index  # built once
    assert cache.hall_name == Label("示范区政务服务中心", "Shifan District Government Service Centre")
