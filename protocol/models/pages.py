"""Request and reply models: the pages a kiosk captures for a self-service application
(``page.upload``, ``page.status``) and a case's pages as its clerks list them (``case.pages``).

A page is sent in chunks of ``ceil(size / count)`` bytes (the last one shorter), each base64
in one request that fits the 64 KiB frame; the page store checks the sizes, counts and
indexes (with its own words) once the fields are whole numbers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from protocol.fields import MIME, SHA256, Bilingual, CaseId, code, integer, pattern
from protocol.models.base import Answer, Body, Part, Spec

#: The limits the page store (``queue_server/store/pagestore.py``) enforces, which imports them
#: from here: decoded bytes per chunk, bytes per page, chunks per page, and the image types it
#: takes (its ``MAGIC`` knows how each starts; a test checks the two agree).
MAX_CHUNK_BYTES = 48 * 1024
MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_CHUNKS = 1024
MIME_TYPES = ["image/jpeg", "image/png"]
#: base64 characters of a chunk of at most MAX_CHUNK_BYTES bytes.
MAX_DATA_CHARS = -(-MAX_CHUNK_BYTES // 3) * 4

#: A chunk's ``data``: standard base64 characters (the handler decodes it, refusing bad padding).
BASE64 = pattern(
    r"[A-Za-z0-9+/]*={0,2}",
    f"base64 of at most {MAX_CHUNK_BYTES} bytes",
    f"不超过 {MAX_CHUNK_BYTES} 字节的 base64 数据",
    max_len=MAX_DATA_CHARS,
)


def _lower_hex(v: object) -> object:
    """Hex digits are taken in either case and stored in lower case (as ``handlers.page`` reads
    the pages named in a submit)."""
    return v.lower() if isinstance(v, str) and v.isascii() else v


#: A page's SHA-256: 64 hex digits, either case, lower-cased.
Sha256 = Annotated[
    code(SHA256),
    BeforeValidator(_lower_hex),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{64}$",
            "maxLength": SHA256.max_len,
            "description": "SHA-256 of the page's bytes, 64 hex digits (stored in lower case)",
        }
    ),
]
Chunk = code(BASE64, description=f"the chunk's bytes in standard base64 (at most {MAX_CHUNK_BYTES} bytes)")
Mime = code(MIME, enum=MIME_TYPES)
# Whole numbers here; the page store says which sizes, counts and indexes it takes, in its words.
Size = integer(description=f"the page's bytes: 1 to {MAX_PAGE_BYTES}")
Count = integer(description=f"how many chunks: 1 to {MAX_CHUNKS}, of at most {MAX_CHUNK_BYTES} bytes each")
Index = integer(description="this chunk's index, 0 to count - 1")


# ------------------------------------------------------------------ page.upload, page.status
class PageUpload(Body):
    """One chunk of a captured page. A chunk or a page sent again stores nothing twice."""

    sha256: Sha256
    mime: Mime
    size: Size
    count: Count
    index: Index
    data: Chunk


class PageUploadState(Answer):
    """Where a page's upload stands: complete, or the chunk indexes still missing."""

    sha256: str
    mime: Literal["image/jpeg", "image/png"]
    size: int
    count: int
    complete: bool
    missing: list[int] = Field(description="chunk indexes not received yet (empty once complete)")


class PageStatus(Body):
    """Where a page's upload stands, without sending anything: a kiosk sends only what is
    missing (nothing for a page already here)."""

    sha256: Sha256


class PageState(Answer):
    """As ``page.upload`` answers; for a page the hall has never heard of: not complete, with
    ``missing`` and ``count`` null and no ``mime`` or ``size`` (send every chunk)."""

    sha256: str
    mime: Literal["image/jpeg", "image/png"] | None = None
    size: int | None = None
    count: int | None
    complete: bool
    missing: list[int] | None = Field(description="chunk indexes not received yet; null: no upload begun")


# ------------------------------------------------------------------ case.pages
class CasePages(Body):
    """The captured pages of a case, without image data (only for the staff handling it)."""

    case: CaseId


class CasePage(Part):
    """A captured page; the image itself is at ``href``."""

    number: int = Field(description="the page's number in the case, from 1")
    material: str = Field(description="the material of the item's guide it shows", examples=["id_card"])
    material_name: Bilingual | None = Field(description="null when the guide no longer lists the material")
    mime: Literal["image/jpeg", "image/png"]
    size: int
    sha256: str
    captured_at: float
    hall: str | None
    kiosk: str
    href: str = Field(examples=["/api/v1/cases/NS-20261126-000001/pages/1"])


class CasePageList(Answer):
    """A case's pages, in order."""

    case: str = Field(examples=["NS-20261126-000001"])
    pages: list[CasePage]


REQUESTS: dict[str, Spec] = {
    "page.upload": Spec(PageUpload, PageUploadState),
    "page.status": Spec(PageStatus, PageState),
    "case.pages": Spec(CasePages, CasePageList),
}
