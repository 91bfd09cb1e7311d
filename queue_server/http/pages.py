"""REST for the captured pages of a case (clerks): the list, and each page's image.

The list is the hall request ``case.pages``; the image is read here, beside the hall loop, so
that megabytes of image never pass through it. Pages show ID cards and other personal
documents: only the staff handling the case read them (its first-inquiry clerk, staff of its
lead and co-departments, a clerk who served it at their window or serves its visitor now:
``handlers.access.check_page_reader``; not managers, call pads or kiosks), every image read is
in the audit log, and nothing is cached by browsers or proxies. ``page_paths()`` is their part of the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g

from .. import inputs
from ..auth import Actor
from ..handlers.access import check_page_reader
from ..inputs import CASE_ID, checked_code
from .auth import requires
from .common import call, request_actor
from .docs import code_schema, operation, path_param
from .errors import ApiError

pages_api = Blueprint("pages", __name__)


@pages_api.get("/cases/<case_id>/pages")
@requires("clerk")
def case_pages(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.pages", {"case": case_id}, request_actor())


@pages_api.get("/cases/<case_id>/pages/<int:number>")
@requires("clerk")
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
def page_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the page endpoints for ``openapi_document()``."""
    case_id = path_param("case_id", code_schema(inputs.CASE_ID, examples=["NS-20261126-000001"]))
    number = path_param("number", {"type": "integer", "minimum": 1, "maximum": 999_999_999})
    page = {"$ref": "#/components/schemas/CasePage"}
    schemas = {
        "CasePage": {
            "type": "object",
            "required": ["number", "material", "mime", "size", "sha256", "href"],
            "description": "a page captured by a kiosk's camera for a self-service application",
            "properties": {
                "number": {"type": "integer", "minimum": 1},
                "material": {"type": "string", "description": "material code of the item's guide"},
                "material_name": {
                    "type": ["object", "null"],
                    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                },
                "mime": {"type": "string", "enum": ["image/jpeg", "image/png"]},
                "size": {"type": "integer", "description": "bytes"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "captured_at": {"type": "number", "description": "POSIX seconds"},
                "hall": {"type": ["string", "null"]},
                "kiosk": {"type": "string"},
                "href": {"type": "string", "description": "the image: GET it with the same token"},
            },
        },
        "CasePages": {
            "type": "object",
            "required": ["case", "pages"],
            "properties": {"case": {"type": "string"}, "pages": {"type": "array", "items": page}},
        },
    }
    image = operation(
        "One captured page's image (the staff handling the case; every read is audited)",
        {},
        auth=True,
        errors=(400, 404, 503),
        params=[case_id, number],
    )
    image["responses"]["200"] = {
        "description": "the image as captured",
        "content": {
            "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
            "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
        },
    }
    paths = {
        "/cases/{case_id}/pages": {
            "get": operation(
                "The pages captured for the case at a kiosk: number, material, type and size (no image data)",
                {"$ref": "#/components/schemas/CasePages"},
                auth=True,
                errors=(400, 404, 503),
                params=[case_id],
            )
        },
        "/cases/{case_id}/pages/{number}": {"get": image},
    }
    return paths, schemas
