"""``page.*``: captured pages of a kiosk's self-service application.

Requests (run on the case desk, like the case requests):

- ``page.upload`` (kiosk) ``{sha256, mime, size, index, count, data}``: one chunk, ``data`` in
  base64; chunks are ``L = ceil(size / count)`` bytes (the last one shorter), at most 48 KiB
  so that a request fits the 64 KiB frame. The reply says whether the page is complete, else
  which chunk indexes are still missing. A chunk or a page sent again stores nothing twice.
- ``page.status`` (kiosk) ``{sha256}``: the same reply without sending anything, so a kiosk
  sends only what is missing (nothing for a page already here).
- ``case.submit_kiosk`` takes ``pages: [{material, sha256}]`` (see ``check_pages`` and
  ``link_pages``, called from ``case.case_submit_kiosk``).
- ``case.pages`` (clerk, in ``case.py``) ``{case}``: the case's pages without image data
  (``page_view``); the image itself is ``GET /api/v1/cases/<id>/pages/<n>`` (``http/pages.py``),
  read beside the hall loop so megabytes never pass through it. Both only for the staff
  handling the case (``access.check_page_reader``).

The rules of the bytes (types, sizes, hashes) live in ``store/pagestore.py``.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING, Any

from protocol.models.cases import MAX_PAGES
from protocol.models.pages import PageStatus, PageUpload

from .. import inputs
from ..auth import AccessRole
from ..engine.errors import EngineError, bad_request, not_found
from ..store.pagestore import CasePage, UploadState
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from ..catalogue.model import ServiceItem
    from .context import HallContext

log = logging.getLogger("queue_server.pages")

PRUNE_EVERY_S = 3600.0


def _maybe_prune(ctx: HallContext, now: float) -> None:
    """Unfinished uploads and pages no case took are dropped after a day; checked at most
    hourly, from the upload requests themselves (no timer thread to look after)."""
    if now < ctx.pages_prune_at:
        return
    ctx.pages_prune_at = now + PRUNE_EVERY_S
    uploads, pages = ctx.pages.prune(now)
    if uploads or pages:
        log.info("pruned %d unfinished page uploads and %d unclaimed pages", uploads, pages)


def _sha(raw: object, name: str = "sha256") -> str:
    """A page's SHA-256 named in a submit's ``pages`` (which its model leaves to this module):
    hex digits in either case, stored in lower case (as ``protocol.models.pages.Sha256``)."""
    if isinstance(raw, str) and raw.isascii():
        raw = raw.lower()
    sha = inputs.code({name: raw}, name, inputs.SHA256)
    assert sha is not None
    return sha


def _reply(state: UploadState) -> dict[str, Any]:
    return state.as_dict()


# ------------------------------------------------------------------ kiosk: upload
@handler("page.upload", role=AccessRole.KIOSK, mutates=True, desk=True)
def page_upload(ctx: HallContext, req: PageUpload, actor: Actor, now: float) -> dict[str, Any]:
    # The model took whole numbers and base64 characters; the page store says which sizes,
    # counts and indexes it takes, and the padding is checked by decoding.
    try:
        data = base64.b64decode(req.data, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("data must be base64", "data 应为 base64 编码", field="data") from None
    _maybe_prune(ctx, now)
    state = ctx.pages.put_chunk(
        req.sha256, req.mime, req.size, req.count, req.index, data, hall=ctx.hall, kiosk=actor.name, now=now
    )
    return _reply(state)


@handler("page.status", role=AccessRole.KIOSK, desk=True)
def page_status(ctx: HallContext, req: PageStatus, actor: Actor, now: float) -> dict[str, Any]:
    sha = req.sha256
    state = ctx.pages.status(sha, now)
    if state is None:
        return {"sha256": sha, "complete": False, "missing": None, "count": None}
    return _reply(state)


# ------------------------------------------------------------------ kiosk: submit with pages
def _item(ctx: HallContext, code: str) -> ServiceItem:
    item = ctx.catalogue.items.get(code)
    if item is None:
        raise not_found("service item", "事项", code)
    return item



def checked_pages(ctx: HallContext, raw: object, item_code: str) -> list[tuple[str, str]]:
    """A submit's ``pages`` (as sent: its model leaves them to this module) as ``(material,
    sha256)``, each a material of item ``item_code`` and a complete page; raises naming every
    page that is not (nothing is created then)."""
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_PAGES:
        raise bad_request(
            f"pages must be a list of at most {MAX_PAGES} {{material, sha256}}",
            f"pages 应为最多 {MAX_PAGES} 项的 {{material, sha256}} 列表",
            field="pages",
        )
    pages: list[tuple[str, str]] = []
    for n, p in enumerate(raw, start=1):
        if not isinstance(p, dict):
            raise bad_request(f"page {n} must be {{material, sha256}}", f"第 {n} 页格式有误", field="pages")
        material = inputs.code(p, "material", inputs.MATERIAL)
        assert material is not None
        pages.append((material, _sha(p.get("sha256"))))
    item = _item(ctx, item_code)
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
    store = ctx.pages
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



def with_page_materials(listed: list[str], pages: list[tuple[str, str]]) -> list[str]:
    """The material codes ``listed``, then those the pages show that are not listed."""
    return listed + [m for m in dict.fromkeys(m for m, _ in pages) if m not in listed]


def link_pages(
    ctx: HallContext, case_id: str, pages: list[tuple[str, str]], actor: Actor, now: float, item_code: str
) -> list[dict[str, Any]]:
    """Attach the checked pages to the new case; returns their views."""
    linked = ctx.pages.link(case_id, pages, hall=ctx.hall, kiosk=actor.name, now=now)
    return [page_view(ctx, p, item_code) for p in linked]


# ------------------------------------------------------------------ clerks
def page_view(ctx: HallContext, p: CasePage, item_code: str | None) -> dict[str, Any]:
    name = None
    item = ctx.catalogue.items.get(item_code) if item_code else None
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
