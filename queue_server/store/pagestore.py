"""Captured pages: a kiosk's camera pages, uploaded in chunks, kept by SHA-256.

A page is bigger than one ZeroMQ frame (64 KiB), so a kiosk sends it in ``count`` chunks of
equal length ``L = ceil(size / count)`` (the last one shorter), each request naming the page's
SHA-256, type, size and count. Everything is keyed by that hash, so a chunk sent twice, a
retry after a lost reply, or the same page sent again by another visit stores nothing twice:

- ``page_uploads``/``page_chunks``: pages on their way; the first chunk fixes the shape;
- ``page_blobs``: complete pages whose assembled bytes hashed to their key and are a JPEG or
  PNG; the chunks are dropped as the page is assembled, or when the hash does not match;
- ``case_pages``: the pages a case was submitted with, numbered from 1.

Chunks of uploads nobody finished, and complete pages no case took, are personal data
nobody needs: ``prune`` drops them after a day. Pages show ID cards and certificates, so every
chunk and page is sealed (AES-GCM under the city's data key, bound to the page's hash and the
chunk's index) before it is written; the hashes are of the plain bytes.

Cases are city-wide, so several halls' servers (and the case desk's workers within one) may
write at once: inserts are upserts, and two workers finishing the same page both succeed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from protocol.models.pages import MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_PAGE_BYTES

from ..engine.errors import bad_request, conflict, not_found
from .models import CasePageRow, PageBlob, PageChunk, PageUpload

# The limits are the protocol's (``protocol.models.pages``, which documents them):
# MAX_PAGE_BYTES per page, MAX_CHUNKS chunks, MAX_CHUNK_BYTES decoded bytes per chunk (base64
# of 48 KiB is 64 KiB, the whole frame, so real chunks are smaller: the kiosk sends 45 KiB;
# this only bounds what a chunk may claim).

#: Unfinished uploads one kiosk may have open: a broken kiosk cannot fill the disk.
MAX_OPEN_UPLOADS = 64
STALE_AFTER_S = 24 * 3600.0

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: How each image type of the protocol's ``MIME_TYPES`` starts (a test checks they agree).
MAGIC = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
MIME_TYPES = tuple(MAGIC)


def sniff(data: bytes) -> str | None:
    """The image type the bytes start with (JPEG or PNG), else None."""
    for mime, heads in MAGIC.items():
        if any(data.startswith(h) for h in heads):
            return mime
    return None


def chunk_length(size: int, count: int) -> int:
    return -(-size // count)


def check_shape(sha256: str, mime: str, size: int, count: int) -> None:
    """The page's description is sane (raises ``bad_request`` naming the field)."""
    if not SHA256_RE.match(sha256):
        raise bad_request(
            "sha256 must be 64 lower-case hex digits", "sha256 应为 64 位小写十六进制数字", field="sha256"
        )
    if mime not in MAGIC:
        raise bad_request(
            f"only {' and '.join(MIME_TYPES)} pages are accepted",
            "仅接受 JPEG 或 PNG 格式的图片",
            field="mime",
            accepted=list(MIME_TYPES),
        )
    if not 0 < size <= MAX_PAGE_BYTES:
        raise bad_request(
            f"a page has 1 to {MAX_PAGE_BYTES} bytes",
            f"单页图片须在 {MAX_PAGE_BYTES // (1024 * 1024)} MB 以内",
            field="size",
            max_bytes=MAX_PAGE_BYTES,
        )
    if not 0 < count <= MAX_CHUNKS:
        raise bad_request(
            f"count must be 1 to {MAX_CHUNKS}", f"分片数须在 1 到 {MAX_CHUNKS} 之间", field="count"
        )
    length = chunk_length(size, count)
    if length > MAX_CHUNK_BYTES:
        raise bad_request(
            f"chunks would be {length} bytes; at most {MAX_CHUNK_BYTES} (send more chunks)",
            f"分片过大（每片最多 {MAX_CHUNK_BYTES} 字节），请分更多片上传",
            field="count",
            max_chunk_bytes=MAX_CHUNK_BYTES,
        )
    if (count - 1) * length >= size:
        raise bad_request(
            f"{count} chunks of {length} bytes leave the last one empty",
            "分片数与图片大小不符",
            field="count",
        )


def chunk_span(size: int, count: int, index: int) -> tuple[int, int]:
    length = chunk_length(size, count)
    return index * length, min(size, (index + 1) * length)


@dataclass(frozen=True, slots=True)
class UploadState:
    """Where an upload stands: complete, or the chunk indexes still missing."""

    sha256: str
    mime: str
    size: int
    count: int
    complete: bool
    missing: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "mime": self.mime,
            "size": self.size,
            "count": self.count,
            "complete": self.complete,
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class StoredPage:
    sha256: str
    mime: str
    size: int
    stored_at: float
    hall: str | None
    kiosk: str


@dataclass(frozen=True, slots=True)
class CasePage:
    case_id: str
    number: int
    material: str
    sha256: str
    mime: str
    size: int
    captured_at: float
    hall: str | None
    kiosk: str


_UP = PageUpload.__table__
_CHUNK = PageChunk.__table__
_BLOB = PageBlob.__table__
_CP = CasePageRow.__table__


class Sealer(Protocol):
    """Encryption at rest (``privacy.Privacy``)."""

    def seal(self, data: bytes, context: bytes) -> bytes: ...

    def unseal(self, sealed: bytes, context: bytes) -> bytes: ...


def _chunk_context(sha256: str, index: int) -> bytes:
    return f"page-chunk:{sha256}:{index}".encode()


def _page_context(sha256: str) -> bytes:
    return f"page:{sha256}".encode()


class PageStore:
    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self.engine = engine
        self.sealer = sealer
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    # ------------------------------------------------------------------ uploads
    def status(self, sha256: str, now: float | None = None) -> UploadState | None:
        """Where the page stands, or None when nothing of it is here. Asking about a complete
        page counts as seeing it (it is about to be submitted: not pruned)."""
        with self.engine.begin() as c:
            done = self._complete(c, sha256, now)
            if done is not None:
                return done
            up = c.execute(select(_UP).where(_UP.c.sha256 == sha256)).first()
            if up is None:
                return None
            return self._missing(c, up.sha256, up.mime, up.size, up.count)

    def put_chunk(
        self,
        sha256: str,
        mime: str,
        size: int,
        count: int,
        index: int,
        data: bytes,
        *,
        hall: str | None,
        kiosk: str,
        now: float,
    ) -> UploadState:
        """Store one chunk; assemble the page when it was the last one missing.

        A complete page answers complete and stores nothing. A chunk again with the same
        index replaces the first (a resend after a bad copy). The assembled bytes must hash
        to ``sha256`` and be a JPEG or PNG of the type given: otherwise every chunk of the
        page is dropped (the kiosk starts again) and ``bad_request`` says why."""
        check_shape(sha256, mime, size, count)
        with self.engine.begin() as c:
            done = self._complete(c, sha256, now)
            if done is not None:
                return done
        if not 0 <= index < count:
            raise bad_request(
                f"index must be 0 to {count - 1}", f"分片序号须在 0 到 {count - 1} 之间", field="index"
            )
        start, end = chunk_span(size, count, index)
        if len(data) != end - start:
            raise bad_request(
                f"chunk {index} of {count} must have {end - start} bytes, not {len(data)}",
                f"第 {index + 1} 片应为 {end - start} 字节，实为 {len(data)} 字节",
                field="data",
                expected_bytes=end - start,
            )
        if index == 0 and sniff(data) != mime:
            self.drop_upload(sha256)
            raise bad_request(
                f"the page is not a {mime} image (only JPEG or PNG pages are accepted)",
                "上传的文件不是 JPEG 或 PNG 图片",
                field="data",
                accepted=list(MIME_TYPES),
            )
        with self.engine.begin() as c:
            up = self._upload_row(c, sha256, mime, size, count, hall=hall, kiosk=kiosk, now=now)
            if (up.mime, up.size, up.count) != (mime, size, count):
                raise conflict(
                    f"page {sha256[:12]} is being uploaded as {up.mime}, {up.size} bytes in {up.count} chunks",
                    "该图片正在以不同的分片方式上传，请使用相同的类型、大小和分片数",
                    sha256=sha256,
                    mime=up.mime,
                    size=up.size,
                    count=up.count,
                )
            sealed = self.sealer.seal(data, _chunk_context(sha256, index))
            ins = self._dialect.insert(PageChunk).values(sha256=sha256, idx=index, data=sealed, at=now)
            c.execute(
                ins.on_conflict_do_update(index_elements=["sha256", "idx"], set_={"data": sealed, "at": now})
            )
            done = self._complete(c, sha256, now)  # assembled by another worker meanwhile
            if done is not None:
                return done
            have = c.execute(
                select(func.count()).select_from(_CHUNK).where(_CHUNK.c.sha256 == sha256)
            ).scalar_one()
            if have < count:
                return self._missing(c, sha256, mime, size, count)
        return self._assemble(sha256, mime, size, count, hall=hall, kiosk=kiosk, now=now)

    def drop_upload(self, sha256: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(_CHUNK).where(_CHUNK.c.sha256 == sha256))
            c.execute(delete(_UP).where(_UP.c.sha256 == sha256))

    def _upload_row(
        self,
        c: Connection,
        sha256: str,
        mime: str,
        size: int,
        count: int,
        *,
        hall: str | None,
        kiosk: str,
        now: float,
    ) -> Any:
        up = c.execute(select(_UP).where(_UP.c.sha256 == sha256)).first()
        if up is not None:
            return up
        open_ = c.execute(select(func.count()).select_from(_UP).where(_UP.c.kiosk == kiosk)).scalar_one()
        if open_ >= MAX_OPEN_UPLOADS:
            raise conflict(
                f"this kiosk has {open_} unfinished page uploads; finish or wait for them to expire",
                "本终端未完成的图片上传过多，请稍后再试",
                open_uploads=open_,
            )
        ins = self._dialect.insert(PageUpload).values(
            sha256=sha256, mime=mime, size=size, count=count, started_at=now, hall=hall, kiosk=kiosk
        )
        c.execute(ins.on_conflict_do_nothing(index_elements=["sha256"]))
        return c.execute(select(_UP).where(_UP.c.sha256 == sha256)).one()

    def _assemble(
        self, sha256: str, mime: str, size: int, count: int, *, hall: str | None, kiosk: str, now: float
    ) -> UploadState:
        with self.engine.begin() as c:
            rows = c.execute(
                select(_CHUNK.c.idx, _CHUNK.c.data).where(_CHUNK.c.sha256 == sha256).order_by(_CHUNK.c.idx)
            ).all()
        if len(rows) < count:
            # Another worker assembled (or dropped) it meanwhile.
            done = self.status(sha256, now)
            if done is not None:
                return done
            raise conflict(
                f"the upload of page {sha256[:12]} was dropped; send it again", "图片上传已中断，请重新上传"
            )
        data = b"".join(self.sealer.unseal(bytes(r.data), _chunk_context(sha256, r.idx)) for r in rows)
        problem = None
        if len(data) != size:
            problem = (f"the chunks add up to {len(data)} bytes, not {size}", "分片拼接后的大小与声明不符")
        elif hashlib.sha256(data).hexdigest() != sha256:
            problem = (
                "the assembled page does not match its sha256 (a chunk was damaged); "
                "its chunks were dropped, send the page again",
                "图片校验失败（SHA-256 不符，可能有分片损坏），已丢弃已收分片，请重新上传整页",
            )
        elif sniff(data) != mime:
            problem = (f"the page is not a {mime} image", "上传的文件不是 JPEG 或 PNG 图片")
        if problem is not None:
            self.drop_upload(sha256)
            raise bad_request(problem[0], problem[1], field="data", sha256=sha256)
        with self.engine.begin() as c:
            ins = self._dialect.insert(PageBlob).values(
                sha256=sha256,
                mime=mime,
                size=size,
                data=self.sealer.seal(data, _page_context(sha256)),
                stored_at=now,
                seen_at=now,
                hall=hall,
                kiosk=kiosk,
            )
            c.execute(ins.on_conflict_do_nothing(index_elements=["sha256"]))
            c.execute(delete(_CHUNK).where(_CHUNK.c.sha256 == sha256))
            c.execute(delete(_UP).where(_UP.c.sha256 == sha256))
        return UploadState(sha256, mime, size, count, True)

    def _complete(self, c: Connection, sha256: str, now: float | None) -> UploadState | None:
        blob = c.execute(select(_BLOB.c.mime, _BLOB.c.size).where(_BLOB.c.sha256 == sha256)).first()
        if blob is None:
            return None
        # Chunks a concurrent sender wrote while another worker assembled the page.
        c.execute(delete(_CHUNK).where(_CHUNK.c.sha256 == sha256))
        c.execute(delete(_UP).where(_UP.c.sha256 == sha256))
        if now is not None:
            c.execute(
                update(_BLOB).where(_BLOB.c.sha256 == sha256, _BLOB.c.seen_at < now).values(seen_at=now)
            )
        return UploadState(sha256, blob.mime, blob.size, 0, True)

    @staticmethod
    def _missing(c: Connection, sha256: str, mime: str, size: int, count: int) -> UploadState:
        have = set(c.execute(select(_CHUNK.c.idx).where(_CHUNK.c.sha256 == sha256)).scalars())
        return UploadState(sha256, mime, size, count, False, tuple(i for i in range(count) if i not in have))

    # ------------------------------------------------------------------ complete pages
    def stored(self, shas: Sequence[str]) -> dict[str, StoredPage]:
        """The complete pages among ``shas`` (no image data)."""
        if not shas:
            return {}
        with self.engine.connect() as c:
            rows = c.execute(
                select(
                    _BLOB.c.sha256, _BLOB.c.mime, _BLOB.c.size, _BLOB.c.stored_at, _BLOB.c.hall, _BLOB.c.kiosk
                ).where(_BLOB.c.sha256.in_(set(shas)))
            ).all()
        return {r.sha256: StoredPage(r.sha256, r.mime, r.size, r.stored_at, r.hall, r.kiosk) for r in rows}

    def uploading(self, shas: Sequence[str]) -> dict[str, UploadState]:
        """Pages among ``shas`` still on their way, with their missing chunks."""
        out: dict[str, UploadState] = {}
        if not shas:
            return out
        with self.engine.connect() as c:
            for up in c.execute(select(_UP).where(_UP.c.sha256.in_(set(shas)))).all():
                out[up.sha256] = self._missing(c, up.sha256, up.mime, up.size, up.count)
        return out

    def link(
        self, case_id: str, pages: Sequence[tuple[str, str]], *, hall: str | None, kiosk: str, now: float
    ) -> list[CasePage]:
        """Attach complete pages ``(material, sha256)`` to a case, numbered after its last page,
        and return them. A page the case already has as that material is not added again (a
        retried submit). All or nothing: a page that is not complete raises ``not_found``."""
        with self.engine.begin() as c:
            blobs = {
                r.sha256: r
                for r in c.execute(
                    select(_BLOB.c.sha256, _BLOB.c.mime, _BLOB.c.size).where(
                        _BLOB.c.sha256.in_({sha for _, sha in pages})
                    )
                ).all()
            }
            for _, sha in pages:
                if sha not in blobs:
                    raise not_found("complete page", "完整上传的图片", sha)
            have = {
                (r.material, r.sha256): _case_page(r)
                for r in c.execute(select(_CP).where(_CP.c.case_id == case_id)).all()
            }
            last = max((p.number for p in have.values()), default=0)
            out: list[CasePage] = []
            new: list[CasePage] = []
            for material, sha in pages:
                page = have.get((material, sha))
                if page is None:
                    last += 1
                    b = blobs[sha]
                    page = CasePage(case_id, last, material, sha, b.mime, b.size, now, hall, kiosk)
                    have[(material, sha)] = page
                    new.append(page)
                out.append(page)
            if new:
                c.execute(
                    _CP.insert(),
                    [
                        {
                            "case_id": p.case_id,
                            "number": p.number,
                            "material": p.material,
                            "sha256": p.sha256,
                            "mime": p.mime,
                            "size": p.size,
                            "captured_at": p.captured_at,
                            "hall": p.hall,
                            "kiosk": p.kiosk,
                        }
                        for p in new
                    ],
                )
        return out

    def pages(self, case_id: str) -> list[CasePage]:
        with self.engine.connect() as c:
            rows = c.execute(select(_CP).where(_CP.c.case_id == case_id).order_by(_CP.c.number)).all()
        return [_case_page(r) for r in rows]

    def page_data(self, case_id: str, number: int) -> tuple[CasePage, bytes] | None:
        """One page of a case with its bytes, or None."""
        with self.engine.connect() as c:
            r = c.execute(
                select(_CP, _BLOB.c.data)
                .join(_BLOB, _BLOB.c.sha256 == _CP.c.sha256)
                .where(_CP.c.case_id == case_id, _CP.c.number == number)
            ).first()
        if r is None:
            return None
        page = _case_page(r)
        return page, self.sealer.unseal(bytes(r.data), _page_context(page.sha256))

    # ------------------------------------------------------------------ housekeeping
    def prune(self, now: float, max_age: float = STALE_AFTER_S) -> tuple[int, int]:
        """Drop uploads started more than ``max_age`` ago and never finished, and complete
        pages no case took and nobody named for that long. Returns (uploads, pages) dropped."""
        before = now - max_age
        with self.engine.begin() as c:
            stale = select(_UP.c.sha256).where(_UP.c.started_at < before)
            c.execute(delete(_CHUNK).where(_CHUNK.c.sha256.in_(stale)))
            uploads = c.execute(delete(_UP).where(_UP.c.started_at < before)).rowcount
            # Chunks whose upload row is gone (dropped by another worker mid-write).
            c.execute(
                delete(_CHUNK).where(_CHUNK.c.at < before, ~exists().where(_UP.c.sha256 == _CHUNK.c.sha256))
            )
            pages = c.execute(
                delete(_BLOB).where(_BLOB.c.seen_at < before, ~exists().where(_CP.c.sha256 == _BLOB.c.sha256))
            ).rowcount
        return uploads, pages


def _case_page(r: Any) -> CasePage:
    return CasePage(r.case_id, r.number, r.material, r.sha256, r.mime, r.size, r.captured_at, r.hall, r.kiosk)


__all__ = [
    "MAX_CHUNKS",
    "MAX_CHUNK_BYTES",
    "MAX_PAGE_BYTES",
    "CasePage",
    "PageStore",
    "StoredPage",
    "UploadState",
    "check_shape",
    "chunk_span",
    "sniff",
]
