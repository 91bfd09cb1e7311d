"""The page store: captured pages uploaded in chunks, content-addressed by SHA-256, linked to
cases, pruned when abandoned. Every scenario runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import threading

import cv2
import numpy as np
import pytest
from alembic import command
from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine, func, inspect, select

from queue_server.engine.errors import EngineError
from queue_server.privacy import Privacy
from queue_server.store import make_engine, migrate
from queue_server.store.migrations import alembic_config
from queue_server.store.models import CasePageRow, PageBlob, PageChunk, PageUpload
from queue_server.store.pagestore import (
    MAX_CHUNK_BYTES,
    MAX_OPEN_UPLOADS,
    MAX_PAGE_BYTES,
    PageStore,
    chunk_span,
)

T0 = 1_740_000_000.0
KEY = Privacy(os.urandom(64))
DAY = 24 * 3600.0


def jpeg(seed: int = 1, side: int = 160) -> bytes:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def png(seed: int = 2) -> bytes:
    rng = np.random.default_rng(seed)
    ok, buf = cv2.imencode(".png", rng.integers(0, 256, (40, 40), dtype=np.uint8))
    assert ok
    return buf.tobytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunks(data: bytes, count: int) -> list[bytes]:
    return [data[slice(*chunk_span(len(data), count, i))] for i in range(count)]


def open_store(url: str, engines: list[Engine]) -> PageStore:
    eng = make_engine(url)
    engines.append(eng)
    migrate(eng)
    return PageStore(eng, KEY)


def rows(store: PageStore, model: type) -> int:
    with store.engine.connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar_one()


def put(store: PageStore, data: bytes, count: int, index: int, chunk: bytes | None = None, **kw: object):  # type: ignore[no-untyped-def]
    args = {"hall": "H01", "kiosk": "kiosk-1", "now": T0, **kw}
    part = chunks(data, count)[index] if chunk is None else chunk
    mime = str(args.pop("mime", "image/jpeg"))
    return store.put_chunk(sha(data), mime, len(data), count, index, part, **args)  # type: ignore[arg-type]


# ---------------------------------------------------------------- migration both ways
def test_migration_round_trip(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    tables = set(inspect(store.engine).get_table_names())
    assert {"page_uploads", "page_chunks", "page_blobs", "case_pages"} <= tables
    with store.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert not {"page_uploads", "page_chunks", "page_blobs", "case_pages"} & set(
        inspect(store.engine).get_table_names()
    )
    migrate(store.engine)
    assert {"page_uploads", "case_pages"} <= set(inspect(store.engine).get_table_names())


# ---------------------------------------------------------------- uploads
def test_uploads(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    data = jpeg()
    count = 4
    assert len(data) > 10_000
    assert store.status(sha(data)) is None
    # out of order, one chunk twice: nothing is stored twice, the reply says what is missing
    s = put(store, data, count, 2)
    assert not s.complete and s.missing == (0, 1, 3)
    s = put(store, data, count, 2)
    assert s.missing == (0, 1, 3) and rows(store, PageChunk) == 1
    put(store, data, count, 0)
    assert store.status(sha(data)).missing == (1, 3)  # type: ignore[union-attr]
    put(store, data, count, 3)
    s = put(store, data, count, 1)
    assert s.complete and s.size == len(data) and s.mime == "image/jpeg"
    assert (rows(store, PageBlob), rows(store, PageChunk), rows(store, PageUpload)) == (1, 0, 0)
    # the same page again (any chunking): complete at once, nothing stored
    assert put(store, data, 2, 1).complete and put(store, data, count, 0).complete
    assert rows(store, PageBlob) == 1 and rows(store, PageChunk) == 0
    stored = store.stored([sha(data), "0" * 64])
    assert list(stored) == [sha(data)] and stored[sha(data)].kiosk == "kiosk-1"
    # a PNG in one chunk
    p = png()
    assert put(store, p, 1, 0, mime="image/png").complete


def test_refusals(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    data = jpeg(3)
    count = 3

    def refused(code: str, fn, *args, **kw) -> EngineError:  # type: ignore[no-untyped-def]
        with pytest.raises(EngineError) as err:
            fn(*args, **kw)
        assert err.value.code == code and err.value.message and err.value.message_zh
        return err.value

    # a damaged chunk: the whole page is refused when assembled and its chunks dropped
    put(store, data, count, 0)
    put(store, data, count, 1)
    bad = bytearray(chunks(data, count)[2])
    bad[10] ^= 0xFF
    err = refused("bad_request", put, store, data, count, 2, bytes(bad))
    assert "sha256" in err.message and "SHA-256" in err.message_zh
    assert store.status(sha(data)) is None and rows(store, PageChunk) == 0 and rows(store, PageBlob) == 0
    # then a clean upload works
    assert [put(store, data, count, i).complete for i in range(count)] == [False, False, True]
    # a resent chunk replaces a damaged first copy before the page is assembled
    other = jpeg(4)
    put(store, other, 2, 0, chunks(other, 2)[0][:-1] + b"\x00")
    put(store, other, 2, 0)
    assert put(store, other, 2, 1).complete
    # not an image: refused on its first chunk, nothing kept
    text = b"%PDF-1.4 not an image" * 100
    err = refused("bad_request", put, store, text, 1, 0)
    assert "JPEG" in err.message_zh and store.status(sha(text)) is None
    # a PNG claimed as JPEG
    refused("bad_request", put, store, png(5), 1, 0)
    # shapes: size cap, chunk cap, empty last chunk, index, length, hash format, type
    page = jpeg(6, side=400)
    assert len(page) > MAX_CHUNK_BYTES
    h = sha(page)
    refused(
        "bad_request",
        store.put_chunk,
        h,
        "image/jpeg",
        MAX_PAGE_BYTES + 1,
        100,
        0,
        b"",
        hall="H",
        kiosk="k",
        now=T0,
    )
    refused(
        "bad_request", store.put_chunk, h, "image/jpeg", len(page), 1, 0, page, hall="H", kiosk="k", now=T0
    )
    refused(
        "bad_request", store.put_chunk, h, "image/jpeg", 9, 4, 0, b"\xff\xd8\xff", hall="H", kiosk="k", now=T0
    )
    refused("bad_request", put, store, page, 4, 4, b"x")
    refused("bad_request", put, store, page, 4, 1, chunks(page, 4)[1][:-1])
    refused("bad_request", store.put_chunk, "ABC", "image/jpeg", 3, 1, 0, b"abc", hall="H", kiosk="k", now=T0)
    refused("bad_request", store.put_chunk, h, "image/gif", len(page), 3, 0, b"", hall="H", kiosk="k", now=T0)
    # the first chunk fixes the shape: another chunking of an unfinished page is a conflict
    put(store, page, 4, 1)
    err = refused("conflict", put, store, page, 5, 1)
    assert err.details["count"] == 4
    assert rows(store, PageBlob) == 2


# ---------------------------------------------------------------- cases
def test_case_pages(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    a, b = jpeg(7), png(8)
    for i in range(3):
        put(store, a, 3, i)
    put(store, b, 1, 0, mime="image/png")
    # a page that is not complete links nothing
    with pytest.raises(EngineError) as err:
        store.link("K1", [("id_card", sha(a)), ("photo", "f" * 64)], hall="H01", kiosk="kiosk-1", now=T0)
    assert err.value.code == "not_found" and rows(store, CasePageRow) == 0
    linked = store.link("K1", [("id_card", sha(a)), ("photo", sha(b))], hall="H01", kiosk="kiosk-1", now=T0)
    assert [(p.number, p.material, p.mime, p.size) for p in linked] == [
        (1, "id_card", "image/jpeg", len(a)),
        (2, "photo", "image/png", len(b)),
    ]
    # a retried submit links nothing twice; a later page gets the next number
    again = store.link(
        "K1", [("id_card", sha(a)), ("photo", sha(b))], hall="H01", kiosk="kiosk-1", now=T0 + 5
    )
    assert again == linked and rows(store, CasePageRow) == 2
    assert [p.number for p in store.link("K1", [("form", sha(a))], hall="H01", kiosk="k", now=T0)] == [3]
    # another case may show the same page: one blob
    store.link("K2", [("id_card", sha(a))], hall="H02", kiosk="kiosk-9", now=T0)
    assert rows(store, PageBlob) == 2
    assert [p.number for p in store.pages("K1")] == [1, 2, 3] and store.pages("K3") == []
    page, data = store.page_data("K1", 2)  # type: ignore[misc]
    assert data == b and page.mime == "image/png"
    assert store.page_data("K1", 1)[1] == a  # type: ignore[index]
    assert store.page_data("K1", 9) is None
    # at rest every page and chunk is sealed: no image bytes, not even a JPEG's first bytes
    with store.engine.connect() as c:
        kept = [bytes(r[0]) for r in c.execute(select(PageBlob.data))]
    assert len(kept) == 2 and all(a[:64] not in k and b[:64] not in k and not k.startswith(b"\xff\xd8") for k in kept)
    # a database copied without the data key shows nothing
    with pytest.raises(InvalidTag):
        PageStore(store.engine, Privacy(os.urandom(64))).page_data("K1", 1)


def test_prune(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    linked, unclaimed, fresh_claim, stale, fresh = jpeg(10), jpeg(11), jpeg(12), jpeg(13), jpeg(14)
    for d in (linked, unclaimed, fresh_claim):
        for i in range(2):
            put(store, d, 2, i)
    store.link("K1", [("id_card", sha(linked))], hall="H01", kiosk="k", now=T0)
    put(store, stale, 2, 0)
    put(store, fresh, 2, 0, now=T0 + DAY)
    assert store.status(sha(fresh_claim), now=T0 + DAY - 60) is not None  # about to be submitted
    assert store.prune(T0 + DAY + 1) == (1, 1)
    assert store.status(sha(stale)) is None and store.status(sha(unclaimed)) is None
    assert store.status(sha(fresh)).missing == (1,)  # type: ignore[union-attr]
    assert store.status(sha(linked)).complete and store.status(sha(fresh_claim)).complete  # type: ignore[union-attr]
    assert store.page_data("K1", 1)[1] == linked  # type: ignore[index]
    assert rows(store, PageChunk) == 1


def test_concurrent(database_url: str, engines: list[Engine]) -> None:
    """Two workers (or two halls) sending the same chunks at once: one page, no error."""
    store = open_store(database_url, engines)
    other = PageStore(store.engine, KEY)
    data = jpeg(15, side=220)
    count = 6
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def send(s: PageStore, order: list[int]) -> None:
        try:
            barrier.wait()
            for i in order:
                put(s, data, count, i)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [
        threading.Thread(target=send, args=(store, list(range(count)))),
        threading.Thread(target=send, args=(other, list(reversed(range(count))))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.status(sha(data)).complete  # type: ignore[union-attr]
    assert (rows(store, PageBlob), rows(store, PageChunk), rows(store, PageUpload)) == (1, 0, 0)


def test_a_kiosk_cannot_pile_up_unfinished_uploads(sqlite_url: str, engines: list[Engine]) -> None:
    store = open_store(sqlite_url, engines)
    fake = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(MAX_OPEN_UPLOADS + 1)]
    for h in fake[:-1]:
        store.put_chunk(h, "image/jpeg", 2, 2, 1, b"x", hall="H01", kiosk="kiosk-1", now=T0)
    with pytest.raises(EngineError) as err:
        store.put_chunk(fake[-1], "image/jpeg", 2, 2, 1, b"x", hall="H01", kiosk="kiosk-1", now=T0)
    assert err.value.code == "conflict" and err.value.message_zh
    # another kiosk is not held up, and a day later the stale ones are gone
    assert not store.put_chunk(
        fake[-1], "image/jpeg", 2, 2, 1, b"x", hall="H01", kiosk="kiosk-2", now=T0
    ).complete
    assert store.prune(T0 + DAY + 1) == (MAX_OPEN_UPLOADS + 1, 0)
    assert rows(store, PageChunk) == 0
