"""Captured pages of a kiosk's self-service application (issue 5, item 10).

Requests (registered like the other case requests, so they run on the case desk):

- ``page.upload`` (kiosk) ``{sha256, mime, size, index, count, data}``: one chunk, ``data`` in
  base64; chunks are ``L = ceil(size / count)`` bytes (the last one shorter), at most 48 KiB
  so that a request fits the 64 KiB frame. The reply says whether the page is complete, else
  which chunk indexes are still missing. A chunk or a page sent again stores nothing twice.
- ``page.status`` (kiosk) ``{sha256}``: the same reply without sending anything, so a kiosk
  sends only what is missing (nothing for a page already here).
- ``case.submit_kiosk`` takes ``pages: [{material, sha256}]`` (see ``check_pages`` and
  ``link_pages``, called from ``case_handlers.case_submit_kiosk``).
- ``case.pages`` (clerk) ``{case}``: the case's pages without image data; the image itself is
  ``GET /api/v1/cases/<id>/pages/<n>`` (``http/pages.py``), read beside the hall loop so
  megabytes never pass through it. Both only for the staff handling the case
  (``check_page_reader``).

The rules of the bytes (types, sizes, hashes) live in ``store/pagestore.py``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from typing import TYPE_CHECKING, Any

from . import inputs
from .case_access import may_see_pages
from .case_handlers import _case_id, case_handler, case_store
from .engine.errors import EngineError, bad_request, not_found
from .handlers import _code, _int, _item_code
from .store.pagestore import MAX_CHUNK_BYTES, CasePage, PageStore, UploadState

if TYPE_CHECKING:
    from .catalogue.model import ServiceItem
    from .service import Actor, HallService

log = logging.getLogger("queue_server.pages")

MAX_PAGES_PER_SUBMIT = 60
MAX_DATA_CHARS = -(-MAX_CHUNK_BYTES // 3) * 4
#: A chunk's ``data``: standard base64, at most MAX_DATA_CHARS characters.
_BASE64 = inputs.pattern(
    r"[A-Za-z0-9+/]*={0,2}",
    f"base64 of at most {MAX_CHUNK_BYTES} bytes",
    f"不超过 {MAX_CHUNK_BYTES} 字节的 base64 数据",
    max_len=MAX_DATA_CHARS,
)
PRUNE_EVERY_S = 3600.0

_store_lock = threading.Lock()


def page_store(svc: HallService) -> PageStore:
    """The service's ``PageStore`` (same database engine as the hall), made once."""
    store = getattr(svc, "_page_store", None)
    if store is None:
        with _store_lock:
            store = getattr(svc, "_page_store", None)
            if store is None:
                store = PageStore(svc.store.engine, svc.privacy)
                svc._page_store = store  # type: ignore[attr-defined]
    return store


def _maybe_prune(svc: HallService, now: float) -> None:
    """Unfinished uploads and pages no case took are dropped after a day; checked at most
    hourly, from the upload requests themselves (no timer thread to look after)."""
    if now < getattr(svc, "_pages_prune_at", 0.0):
        return
    svc._pages_prune_at = now + PRUNE_EVERY_S  # type: ignore[attr-defined]
    uploads, pages = page_store(svc).prune(now)
    if uploads or pages:
        log.info("pruned %d unfinished page uploads and %d unclaimed pages", uploads, pages)


def _sha(body: dict[str, Any], name: str = "sha256") -> str:
    raw = body.get(name)
    if isinstance(raw, str) and raw.isascii():
        raw = raw.lower()  # hex digits in either case, stored in lower case
    sha = _code({name: raw}, name, inputs.SHA256)
    assert sha is not None
    return sha


def _reply(state: UploadState) -> dict[str, Any]:
    return state.as_dict()


# ------------------------------------------------------------------ kiosk: upload
@case_handler("page.upload", role="kiosk", mutates=True)
def page_upload(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    sha = _sha(body)
    mime = _code(body, "mime", inputs.MIME)
    # Whole numbers here; the page store says which sizes, counts and indexes it takes.
    size, count, index = _int(body, "size"), _int(body, "count"), _int(body, "index")
    raw = _code(body, "data", _BASE64)
    assert (
        mime is not None and size is not None and count is not None and index is not None and raw is not None
    )
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("data must be base64", "data 应为 base64 编码", field="data") from None
    _maybe_prune(svc, now)
    state = page_store(svc).put_chunk(
        sha, mime.strip().lower(), size, count, index, data, hall=svc.store.hall, kiosk=actor.name, now=now
    )
    return _reply(state)


@case_handler("page.status", role="kiosk")
def page_status(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    sha = _sha(body)
    state = page_store(svc).status(sha, now)
    if state is None:
        return {"sha256": sha, "complete": False, "missing": None, "count": None}
    return _reply(state)


# ------------------------------------------------------------------ kiosk: submit with pages
def _item(svc: HallService, body: dict[str, Any]) -> ServiceItem:
    code = _item_code(body)
    assert code is not None
    item = svc.catalogue.items.get(code)
    if item is None:
        raise not_found("service item", "事项", code)
    return item


def check_pages(svc: HallService, body: dict[str, Any]) -> list[tuple[str, str]]:
    """``pages`` of a submit as ``(material, sha256)``, each a material of the item and a
    complete page; raises naming every page that is not (nothing is created then)."""
    raw = body.get("pages")
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_PAGES_PER_SUBMIT:
        raise bad_request(
            f"pages must be a list of at most {MAX_PAGES_PER_SUBMIT} {{material, sha256}}",
            f"pages 应为最多 {MAX_PAGES_PER_SUBMIT} 项的 {{material, sha256}} 列表",
            field="pages",
        )
    pages: list[tuple[str, str]] = []
    for n, p in enumerate(raw, start=1):
        if not isinstance(p, dict):
            raise bad_request(f"page {n} must be {{material, sha256}}", f"第 {n} 页格式有误", field="pages")
        material = _code(p, "material", inputs.MATERIAL)
        assert material is not None
        pages.append((material, _sha(p)))
    item = _item(svc, body)
    known = {m.code for m in item.guide.materials}
    unknown = sorted({m for m, _ in pages if m not in known})
    if unknown:
        raise bad_request(
            f"pages show materials {unknown} that are not in the guide of item {item.code}",
            f"图片对应的材料 {'、'.join(unknown)} 不在事项 {item.code} 的申请材料清单中",
            field="pages",
            item=item.code,
            unknown=unknown,
        )
    shas = [sha for _, sha in pages]
    twice = sorted({s for s in shas if shas.count(s) > 1})
    if twice:
        raise bad_request(
            f"the same page is listed twice: {', '.join(s[:12] for s in twice)}",
            "同一张图片被重复列出",
            field="pages",
            sha256=twice,
        )
    store = page_store(svc)
    stored = store.stored(shas)
    absent = [(n, m, s) for n, (m, s) in enumerate(pages, start=1) if s not in stored]
    if absent:
        uploading = store.uploading([s for _, _, s in absent])
        en, zh, details = [], [], []
        for n, m, s in absent:
            up = uploading.get(s)
            if up is None:
                en.append(f"page {n} ({m}, {s[:12]}) was never uploaded")
                zh.append(f"第 {n} 页（{m}）尚未上传")
            else:
                en.append(f"page {n} ({m}, {s[:12]}) is missing {len(up.missing)} of {up.count} chunks")
                zh.append(f"第 {n} 页（{m}）尚未上传完整（缺 {len(up.missing)} 片）")
            details.append(
                {"page": n, "material": m, "sha256": s, "missing": list(up.missing) if up else None}
            )
        raise EngineError(
            "conflict" if uploading else "not_found",
            "; ".join(en) + "; upload the pages, then submit again",
            "；".join(zh) + "。请先上传完整后再提交",
            field="pages",
            pages=details,
        )
    return pages


def materials_with_pages(body: dict[str, Any], pages: list[tuple[str, str]]) -> Any:
    """The materials given: those listed in ``materials`` and those the pages show."""
    listed = body.get("materials")
    if listed is not None and not isinstance(listed, list):
        return listed  # the submit refuses it with its own message
    out = list(listed or [])
    return out + [m for m in dict.fromkeys(m for m, _ in pages) if m not in out]


def link_pages(
    svc: HallService, case_id: str, pages: list[tuple[str, str]], actor: Actor, now: float, item_code: str
) -> list[dict[str, Any]]:
    """Attach the checked pages to the new case; returns their views."""
    linked = page_store(svc).link(case_id, pages, hall=svc.store.hall, kiosk=actor.name, now=now)
    return [page_view(svc, p, item_code) for p in linked]


# ------------------------------------------------------------------ clerks
def page_view(svc: HallService, p: CasePage, item_code: str | None) -> dict[str, Any]:
    name = None
    item = svc.catalogue.items.get(item_code) if item_code else None
    if item is not None:
        m = next((m for m in item.guide.materials if m.code == p.material), None)
        name = {"zh": m.name.zh, "en": m.name.en} if m else None
    return {
        "number": p.number,
        "material": p.material,
        "material_name": name,
        "mime": p.mime,
        "size": p.size,
        "sha256": p.sha256,
        "captured_at": p.captured_at,
        "hall": p.hall,
        "kiosk": p.kiosk,
        "href": f"/api/v1/cases/{p.case_id}/pages/{p.number}",
    }


def check_page_reader(svc: HallService, actor: Actor, case_id: str) -> None:
    """Pages show ID cards: only the people handling the case see them (``case_access``);
    the list and every image read ask here."""
    k = case_store(svc).load(case_id)  # no such case: not_found
    if not may_see_pages(svc, actor, k):
        raise EngineError(
            "forbidden",
            f"the pages of case {case_id} are shown only to the staff handling it "
            "(its first-inquiry clerk, its departments, a clerk serving it at a window)",
            f"办件 {case_id} 的材料图片仅限经办人员查看（首问责任人、承办部门、当面办理的窗口工作人员）",
            case=case_id,
        )


@case_handler("case.pages", role="clerk")
def case_pages(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """The captured pages of a case, without image data."""
    case_id = _case_id(body)
    check_page_reader(svc, actor, case_id)
    item_code = case_store(svc).summary(case_id).item_code
    pages = page_store(svc).pages(case_id)
    return {"case": case_id, "pages": [page_view(svc, p, item_code) for p in pages]}


__all__ = ["check_pages", "link_pages", "materials_with_pages", "page_store"]
