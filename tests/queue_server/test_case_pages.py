"""Captured pages of a kiosk's self-service application through a real server process: an
enrolled kiosk uploads camera pages in chunks over ZeroMQ (CURVE) with the kiosk's own helper,
submits a case naming them, and a clerk lists and downloads them over REST."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
import pytest
import requests
from openapi_spec_validator import validate
from sqlalchemy import create_engine, func, select, text

from kiosk.upload import chunk_geometry, upload_page
from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from protocol.messages import MAX_REQUEST_BYTES
from queue_server.store.models import PageBlob, PageChunk, PageUpload
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

ITEM = "C-WJ-002"  # materials: id_card, physician_qualification, health_certificate, employment_letter, photo, application_form


def _valid(n: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return n[:17] + "10X98765432"[sum(int(c) * w for c, w in zip(n[:17], weights, strict=True)) % 11]


APPLICANT = _valid("110105199001010010")


def photo(seed: int, min_bytes: int = 0, ext: str = ".jpg") -> bytes:
    """A real camera-like image encoded by OpenCV, at least ``min_bytes`` long."""
    rng = np.random.default_rng(seed)
    side = 64
    while True:
        base = np.linspace(0, 255, side * side * 3).reshape(side, side, 3)
        img = np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(ext, img)
        assert ok
        if len(buf) >= min_bytes:
            return buf.tobytes()
        side = int(side * 1.25)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("pages")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.clerk = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]  # signed in at window 1
    h.health = h.token("clerk", clerk="d-health")  # type: ignore[attr-defined]  # C-WJ-002's department
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.kiosk = h.enroll("kiosk-pages", "kiosk")  # type: ignore[attr-defined]
    h.clerk2 = h.token("clerk", clerk="c02")  # type: ignore[attr-defined]  # signed in at window 2
    h.pad = h.enroll("pad-pages", "callpad", window=1)  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def kiosk(hall: HallProcess) -> HallClient:
    k = hall.kiosk  # type: ignore[attr-defined]
    return HallClient(
        hall.router, curve=CurveClientKeys.from_files(k["server_public"], k["secret"]), timeout=5
    )


def api(hall: HallProcess, path: str) -> str:
    return f"{hall.http}/api/v1{path}"


def clerk(hall: HallProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {hall.clerk}"}  # type: ignore[attr-defined]


def health(hall: HallProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {hall.health}"}  # type: ignore[attr-defined]


def count(hall: HallProcess, table: Any) -> int:
    eng = create_engine(hall.db)
    try:
        with eng.connect() as c:
            return c.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        eng.dispose()


def cases(hall: HallProcess) -> int:
    eng = create_engine(hall.db)
    try:
        with eng.connect() as c:
            return c.execute(text("SELECT count(*) FROM cases")).scalar_one()
    finally:
        eng.dispose()


def chunk_body(
    data: bytes, index: int, mime: str = "image/jpeg", chunk: bytes | None = None
) -> dict[str, Any]:
    n, length = chunk_geometry(len(data))
    part = data[index * length : (index + 1) * length] if chunk is None else chunk
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "mime": mime,
        "size": len(data),
        "count": n,
        "index": index,
        "data": base64.b64encode(part).decode(),
    }


def refused(fn: Any, *args: Any, **kw: Any) -> RequestFailed:
    with pytest.raises(RequestFailed) as err:
        fn(*args, **kw)
    assert err.value.message and err.value.message_zh
    return err.value


# ------------------------------------------------------------------ uploads
def test_a_page_in_chunks_again_and_a_chunk_twice(hall: HallProcess) -> None:
    page = photo(1, 200_000)
    n, _ = chunk_geometry(len(page))
    assert len(page) >= 180_000 and n >= 4
    # the biggest chunk's request fits the frame with room to spare (the client would refuse it)
    envelope = {"v": 1, "type": "page.upload", "key": "x" * 64, "body": chunk_body(page, 0)}
    assert len(json.dumps(envelope).encode()) < MAX_REQUEST_BYTES - 2000
    blobs = count(hall, PageBlob)
    with kiosk(hall) as k:
        sha = upload_page(k, page, "image/jpeg")
        assert sha == hashlib.sha256(page).hexdigest()
        assert count(hall, PageBlob) == blobs + 1 and count(hall, PageChunk) == 0
        # the same page again: the same hash, nothing stored twice
        assert upload_page(k, page, "image/jpeg") == sha
        assert count(hall, PageBlob) == blobs + 1
        assert k.request("page.status", {"sha256": sha})["complete"] is True

        # a chunk sent twice (a new key each time, and a retry with the same key)
        other = photo(2, 100_000)
        first = k.request("page.upload", chunk_body(other, 0))
        assert first["complete"] is False and first["missing"] == list(range(1, first["count"]))
        assert k.request("page.upload", chunk_body(other, 0)) == first
        assert k.request("page.upload", chunk_body(other, 0), key="chunk-twice-0001") == first
        assert k.request("page.upload", chunk_body(other, 0), key="chunk-twice-0001") == first
        assert count(hall, PageChunk) == 1 and count(hall, PageUpload) == 1
        # the helper sends only what is missing and finishes it
        assert upload_page(k, other, "image/jpeg") == hashlib.sha256(other).hexdigest()
        assert count(hall, PageChunk) == 0 and count(hall, PageUpload) == 0
        assert count(hall, PageBlob) == blobs + 2


def test_a_damaged_chunk_is_refused_then_a_clean_upload_works(hall: HallProcess) -> None:
    page = photo(3, 120_000)
    sha = hashlib.sha256(page).hexdigest()
    n, length = chunk_geometry(len(page))
    with kiosk(hall) as k:
        for i in range(n - 1):
            assert k.request("page.upload", chunk_body(page, i))["complete"] is False
        last = bytearray(page[(n - 1) * length :])
        last[5] ^= 0x55
        err = refused(k.request, "page.upload", chunk_body(page, n - 1, chunk=bytes(last)))
        assert err.code == "bad_request" and "sha256" in err.message and "SHA-256" in err.message_zh
        # its chunks were dropped: the kiosk starts again
        assert k.request("page.status", {"sha256": sha}) == {
            "sha256": sha,
            "complete": False,
            "missing": None,
            "count": None,
        }
        assert count(hall, PageChunk) == 0
        assert upload_page(k, page, "image/jpeg") == sha
        assert k.request("page.status", {"sha256": sha})["complete"] is True


def test_only_jpeg_and_png_pages_within_the_limits(hall: HallProcess) -> None:
    not_image = b"%PDF-1.7\n" + bytes(range(256)) * 40
    with kiosk(hall) as k:
        err = refused(upload_page, k, not_image, "image/png")
        assert err.code == "bad_request" and "JPEG" in err.message_zh
        assert k.request("page.status", {"sha256": hashlib.sha256(not_image).hexdigest()})["missing"] is None
        # a JPEG declared as PNG, a GIF, a chunk too big for the frame, a page over 4 MB
        refused(k.request, "page.upload", chunk_body(photo(4, 1000), 0, mime="image/png"))
        refused(k.request, "page.upload", {**chunk_body(photo(4, 1000), 0), "mime": "image/gif"})
        big = {**chunk_body(photo(5, 1000), 0), "size": 4 * 1024 * 1024 + 1, "count": 100}
        assert "4 MB" in refused(k.request, "page.upload", big).message_zh
        wrong_len = {**chunk_body(photo(5, 1000), 0), "size": 3}
        assert refused(k.request, "page.upload", wrong_len).code == "bad_request"
        bad_b64 = {**chunk_body(photo(5, 1000), 0), "data": "not base64!"}
        assert refused(k.request, "page.upload", bad_b64).details["field"] == "data"
        assert (
            refused(k.request, "page.upload", {**chunk_body(photo(5, 1000), 0), "index": 7}).code
            == "bad_request"
        )


# ------------------------------------------------------------------ a case with pages
def test_submit_with_pages_then_its_department_lists_and_downloads_them(hall: HallProcess) -> None:
    card = photo(6, 200_000)
    portrait = photo(7, 5_000, ".png")
    with kiosk(hall) as k:
        card_sha = upload_page(k, card, "image/jpeg")
        portrait_sha = upload_page(k, portrait, "image/png")
        body = {
            "item_code": ITEM,
            "id_number": APPLICANT,
            "name": "王五",
            "materials": ["application_form"],
            "pages": [
                {"material": "id_card", "sha256": card_sha},
                {"material": "photo", "sha256": portrait_sha},
            ],
        }
        case = k.request("case.submit_kiosk", body, key="submit-pages-0001")
        # a retry (same key) answers the same case and links nothing twice
        assert k.request("case.submit_kiosk", body, key="submit-pages-0001") == case
        # a kiosk may not read the pages
        assert refused(k.request, "case.pages", {"case": case["id"]}).code == "forbidden"
    cid = case["id"]
    assert case["materials_given"] == ["application_form", "id_card", "photo"]
    assert "id_card" not in case["materials_needed"] and "photo" not in case["materials_needed"]
    assert [(p["number"], p["material"], p["mime"]) for p in case["pages"]] == [
        (1, "id_card", "image/jpeg"),
        (2, "photo", "image/png"),
    ]
    assert APPLICANT not in str(case)

    # a self-service case has no first-inquiry clerk yet: its department's staff read the pages
    listed = requests.get(api(hall, f"/cases/{cid}/pages"), headers=health(hall), timeout=10)
    assert listed.status_code == 200, listed.text
    pages = listed.json()["pages"]
    assert [(p["number"], p["material"], p["mime"], p["size"]) for p in pages] == [
        (1, "id_card", "image/jpeg", len(card)),
        (2, "photo", "image/png", len(portrait)),
    ]
    assert pages[0]["material_name"]["zh"] and pages[0]["kiosk"] == "kiosk-pages"
    assert all("data" not in p for p in pages) and len(listed.content) < 2000

    one = requests.get(api(hall, f"/cases/{cid}/pages/1"), headers=health(hall), timeout=10)
    assert one.status_code == 200 and one.headers["Content-Type"] == "image/jpeg"
    assert one.content == card and one.headers["Cache-Control"] == "no-store"
    two = requests.get(api(hall, f"/cases/{cid}/pages/2"), headers=health(hall), timeout=10)
    assert two.content == portrait and two.headers["Content-Type"] == "image/png"
    assert requests.get(api(hall, f"/cases/{cid}/pages/1"), headers=health(hall), timeout=10).content == card
    missing = requests.get(api(hall, f"/cases/{cid}/pages/3"), headers=health(hall), timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["message_zh"]
    no_case = requests.get(api(hall, "/cases/NS-20000101-000001/pages"), headers=health(hall), timeout=10)
    assert no_case.status_code == 404

    # every image read is on the audit log (who, which case and page; no personal data)
    eng = create_engine(hall.db)
    try:
        with eng.connect() as c:
            reads = c.execute(
                text("SELECT actor, subject FROM audit_log WHERE action = 'case.page.read' ORDER BY id")
            ).all()
    finally:
        eng.dispose()
    assert [r.subject for r in reads][-3:] == [f"{cid}/1", f"{cid}/2", f"{cid}/1"]

    # no token, or a token that is not a clerk's: refused
    for path in (f"/cases/{cid}/pages", f"/cases/{cid}/pages/1"):
        anonymous = requests.get(api(hall, path), timeout=10)
        assert anonymous.status_code == 401 and anonymous.json()["error"]["message_zh"]
        forged = requests.get(api(hall, path), headers={"Authorization": "Bearer nope"}, timeout=10)
        assert forged.status_code == 401


def bearer(hall: HallProcess, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {getattr(hall, name)}"}


def pages_status(hall: HallProcess, cid: str, who: str) -> tuple[int, int]:
    """(list, first image) status codes for the holder of token ``who``."""
    listed = requests.get(api(hall, f"/cases/{cid}/pages"), headers=bearer(hall, who), timeout=10)
    image = requests.get(api(hall, f"/cases/{cid}/pages/1"), headers=bearer(hall, who), timeout=10)
    for r in (listed, image):
        assert r.status_code == 200 or r.json()["error"]["message_zh"]
    return listed.status_code, image.status_code


def serve(hall: HallProcess, window: int, who: str, ticket: str) -> None:
    """Call at the window until the visitor's ticket comes (others are completed)."""
    while True:
        r = requests.post(api(hall, f"/windows/{window}/call-next"), headers=bearer(hall, who), timeout=10)
        assert r.status_code == 200, r.text
        called = r.json()["ticket"]["id"]
        if called == ticket:
            return
        done = requests.post(api(hall, f"/tickets/{called}/complete"), headers=bearer(hall, who), timeout=10)
        assert done.status_code == 200


def test_pages_are_shown_only_to_the_staff_handling_the_case(hall: HallProcess) -> None:
    holder = _valid("110105199202020020")
    with kiosk(hall) as k:
        sha = upload_page(k, photo(11, 2_000), "image/jpeg")
        case = k.request(
            "case.submit_kiosk",
            {"item_code": ITEM, "id_number": holder, "name": "赵六", "pages": [{"material": "id_card", "sha256": sha}]},
        )
    cid = case["id"]
    # nobody has served the visitor yet: a clerk of another window, a manager, a call pad may not look
    assert pages_status(hall, cid, "clerk") == (403, 403)
    assert pages_status(hall, cid, "manager") == (403, 403)
    pad = hall.pad  # type: ignore[attr-defined]
    with HallClient(hall.router, curve=CurveClientKeys.from_files(pad["server_public"], pad["secret"]), timeout=5) as p:
        assert refused(p.request, "case.pages", {"case": cid}).code == "forbidden"
    # the visitor is called to window 1 with their ID card: its clerk may look, and issues the notice there
    first = requests.post(api(hall, "/tickets"), json={"item_code": ITEM, "id_number": holder}, timeout=10).json()
    serve(hall, 1, "clerk", first["id"])
    assert pages_status(hall, cid, "clerk") == (200, 200)
    r = requests.post(api(hall, f"/cases/{cid}/notice"), json={"materials": ["photo"]}, headers=bearer(hall, "clerk"), timeout=10)
    assert r.status_code == 200 and r.json()["first_inquiry_clerk"] == "c01"
    assert requests.post(api(hall, f"/tickets/{first['id']}/complete"), headers=bearer(hall, "clerk"), timeout=10).ok
    assert pages_status(hall, cid, "clerk2") == (403, 403)
    # c01 goes off duty; the visitor comes back and window 2 takes them (首问负责: the officer is away)
    assert requests.post(api(hall, "/windows/1/sign-out"), headers=bearer(hall, "clerk"), timeout=10).ok
    back = requests.post(api(hall, "/tickets"), json={"item_code": ITEM, "id_number": holder}, timeout=10).json()
    serve(hall, 2, "clerk2", back["id"])
    assert pages_status(hall, cid, "clerk2") == (200, 200)
    r = requests.post(api(hall, f"/cases/{cid}/supplement"), json={"materials": ["photo"]}, headers=bearer(hall, "clerk2"), timeout=10)
    assert r.status_code == 200 and r.json()["steps"][-1]["window"] == 2
    assert requests.post(api(hall, f"/tickets/{back['id']}/complete"), headers=bearer(hall, "clerk2"), timeout=10).ok
    # afterwards: the clerk who served it at their window, and the first-inquiry clerk off duty
    assert pages_status(hall, cid, "clerk2") == (200, 200)
    assert pages_status(hall, cid, "clerk") == (200, 200)
    assert pages_status(hall, cid, "manager") == (403, 403)
    assert requests.post(api(hall, "/windows/1/sign-in"), headers=bearer(hall, "clerk"), timeout=10).ok
    # only the reads that happened are on the audit log, each with its reader
    eng = create_engine(hall.db)
    try:
        with eng.connect() as c:
            readers = c.execute(
                text("SELECT detail FROM audit_log WHERE action = 'case.page.read' AND subject = :s ORDER BY id"),
                {"s": f"{cid}/1"},
            ).scalars().all()
    finally:
        eng.dispose()
    clerks = [json.loads(d)["clerk"] if isinstance(d, str) else d["clerk"] for d in readers]
    assert clerks == ["c01", "c02", "c02", "c01"]


def test_a_page_not_uploaded_or_unfinished_makes_no_case(hall: HallProcess) -> None:
    unfinished = photo(8, 100_000)
    with kiosk(hall) as k:
        k.request("page.upload", chunk_body(unfinished, 0))
        known = upload_page(k, photo(9, 1000), "image/jpeg")
        before = cases(hall)
        never = hashlib.sha256(b"never uploaded").hexdigest()
        base = {"item_code": ITEM, "id_number": APPLICANT, "name": "王五"}
        err = refused(
            k.request,
            "case.submit_kiosk",
            {
                **base,
                "pages": [{"material": "id_card", "sha256": known}, {"material": "photo", "sha256": never}],
            },
        )
        assert err.code == "not_found"
        assert "page 2 (photo" in err.message and "第 2 页（photo）尚未上传" in err.message_zh
        assert err.details["pages"][0]["sha256"] == never
        err = refused(
            k.request,
            "case.submit_kiosk",
            {**base, "pages": [{"material": "id_card", "sha256": hashlib.sha256(unfinished).hexdigest()}]},
        )
        assert err.code == "conflict" and "尚未上传完整" in err.message_zh
        assert err.details["pages"][0]["missing"]
        # a material code that is not the item's: refused, in pages or in materials
        err = refused(
            k.request, "case.submit_kiosk", {**base, "pages": [{"material": "passport", "sha256": known}]}
        )
        assert (
            err.code == "bad_request"
            and err.details["unknown"] == ["passport"]
            and "passport" in err.message_zh
        )
        err = refused(
            k.request,
            "case.submit_kiosk",
            {**base, "materials": ["passport"], "pages": [{"material": "id_card", "sha256": known}]},
        )
        assert err.code == "bad_request" and "passport" in err.message_zh
        # the same page twice, a malformed hash
        twice = [{"material": "id_card", "sha256": known}, {"material": "photo", "sha256": known}]
        assert refused(k.request, "case.submit_kiosk", {**base, "pages": twice}).code == "bad_request"
        bad = [{"material": "id_card", "sha256": "xyz"}]
        assert refused(k.request, "case.submit_kiosk", {**base, "pages": bad}).code == "bad_request"
        assert cases(hall) == before
        # without pages a kiosk submit still works as before
        plain = k.request("case.submit_kiosk", {**base, "materials": ["id_card"]})
        assert "pages" not in plain and cases(hall) == before + 1


def test_openapi_document_has_the_page_paths(hall: HallProcess) -> None:
    doc = requests.get(api(hall, "/openapi.json"), timeout=10).json()
    validate(doc)
    assert "/cases/{case_id}/pages" in doc["paths"] and "/cases/{case_id}/pages/{number}" in doc["paths"]
    image = doc["paths"]["/cases/{case_id}/pages/{number}"]["get"]
    assert set(image["responses"]["200"]["content"]) == {"image/jpeg", "image/png"}
    assert image["security"] == [{"bearer": []}]
