"""REST for the captured pages of a case (clerks): the list, and each page's image.

The list is the hall request ``case.pages``; the image is read here, beside the hall loop, so
that megabytes of image never pass through it. Pages show ID cards and other personal
documents: only the staff handling the case read them (its first-inquiry clerk, staff of its
lead and co-departments, a clerk who served it at their window or serves its visitor now:
``handlers.access.check_page_reader``; not managers, call pads or kiosks), every image read is
in the audit log, and nothing is cached by browsers or proxies.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g

from ..auth import Actor
from ..handlers.access import check_page_reader
from ..inputs import CASE_ID, checked_code
from .auth import requires
from .common import call, request_actor
from .document import documented
from .errors import ApiError

pages_api = Blueprint("pages", __name__)


@pages_api.get("/cases/<case_id>/pages")
@requires("clerk")
@documented(
    "The pages captured for the case at a kiosk: number, material, type and size (no image data)",
    "case.pages",
    path={"case_id": "case"},
    errors=(400, 404, 503),
)
def case_pages(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.pages", {"case": case_id}, request_actor())


@pages_api.get("/cases/<case_id>/pages/<int:number>")
@requires("clerk")
@documented(
    "One captured page's image (the staff handling the case; every read is audited)",
    "case.pages",  # read beside the hall loop: the path's checks are those of the page list
    path={"case_id": "case"},
    media=("image/jpeg", "image/png"),
    errors=(400, 404, 503),
)
def case_page(case_id: str, number: int):  # type: ignore[no-untyped-def]
    case_id = checked_code(case_id, "case", CASE_ID)  # refused without quoting it
    service = current_app.extensions["hall_loop"].service
    actor: Actor = g.actor
    check_page_reader(service.context, actor, case_id)  # before the page: nothing leaks to others
    found = service.context.pages.page_data(case_id, number)
    if found is None:
        raise ApiError(
            404,
            "not_found",
            f"case {case_id} has no page {number}",
            f"办件 {case_id} 没有第 {number} 页",
            {"case": case_id, "page": number},
        )
    page, data = found
    service.store.audit(
        actor.name, "case.page.read", f"{case_id}/{number}", clerk=actor.clerk, role=actor.role
    )
    ext = "png" if page.mime == "image/png" else "jpg"
    return Response(
        data,
        mimetype=page.mime,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{case_id}-{number}.{ext}"',
            "ETag": f'"{page.sha256}"',
        },
    )


# ------------------------------------------------------------------ OpenAPI
