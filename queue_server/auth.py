"""Who may talk to the hall: enrolled devices (CURVE keys, checked by ZAP) and bearer tokens
(roles clerk, manager, admin) for HTTP; who they are once they talk (``Actor``) and what
their role allows (``AccessRole``, ``Actor.at_least``)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import zmq
from sqlalchemy import Connection, Engine, insert, or_, select, true, update
from sqlalchemy.orm import Session
from zmq.auth.thread import ThreadAuthenticator

from protocol.keys import generate_keypair, load_public_key

from .paths import Paths
from .store.models import ApiToken, AuditEntry, Clerk, Device


class AccessRole(StrEnum):
    """What a caller may ask of the hall: the public, a device (display, kiosk, call pad) or a
    member of staff. Not a case step's role (``cases.Role``: applicant, agent, clerk,
    department), which says in what capacity a step was taken."""

    PUBLIC = "public"
    DISPLAY = "display"
    KIOSK = "kiosk"
    CALLPAD = "callpad"
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"


#: Devices (rank 1) hold no authority of a person: a call pad or a kiosk is below every
#: member of staff, so ``at_least(CLERK)`` always means staff. Staff rank above every device
#: and may do what any device does (a clerk's console calls numbers like the window's pad).
ROLE_RANK: dict[str, int] = {
    AccessRole.PUBLIC: 0,
    AccessRole.DISPLAY: 0,
    AccessRole.KIOSK: 1,
    AccessRole.CALLPAD: 1,
    AccessRole.CLERK: 2,
    AccessRole.MANAGER: 3,
    AccessRole.ADMIN: 4,
}


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # device / token / anonymous / system
    name: str
    role: str
    clerk: str | None = None
    window: int | None = None
    #: The hall a token or device belongs to; None for a city admin (every hall), the public
    #: and the system.
    hall: str | None = None

    def at_least(self, role: AccessRole) -> bool:
        mine, need = ROLE_RANK.get(self.role, -1), ROLE_RANK[role]
        # Devices of one rank stand side by side, not in for each other: a call pad is no kiosk
        # (it reads no ID card and prints nothing), a kiosk no call pad (it calls nobody). At
        # rank 0 nothing is held, so a display and the public are alike.
        return mine > need or (mine == need and (self.role == role or need == 0))


#: Roles of API tokens, and kinds of enrolled devices (a device's kind is its role).
ROLES = (AccessRole.CLERK, AccessRole.MANAGER, AccessRole.ADMIN)
DEVICE_KINDS = (AccessRole.KIOSK, AccessRole.DISPLAY, AccessRole.CALLPAD)
ZAP_DOMAIN = "hall"


class AccessError(ValueError):
    """A token or device the operator asked for that cannot be made: the message is one
    line, Chinese first, for the command line."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"错误：{zh} / error: {en}")
        self.zh, self.en = zh, en  # for a page, which shows them apart


def ensure_server_keys(paths: Paths) -> None:
    if not paths.server_secret.exists():
        generate_keypair(paths.keys, "server")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(c: Connection, by: str, action: str, subject: str, **detail: Any) -> None:
    """``by``: who did it: ``cli`` on the command line, ``user:<name>`` in the browser."""
    c.execute(
        insert(AuditEntry).values(
            at=datetime.now(UTC).timestamp(), actor=by, action=action, subject=subject, detail=detail
        )
    )


# ------------------------------------------------------------------ tokens
def _check_token_request(c: Connection, role: str, hall: str | None, clerk: str | None) -> None:
    if role not in ROLES:
        raise AccessError(f"角色须为 {'、'.join(ROLES)} 之一", f"role must be one of {', '.join(ROLES)}")
    if hall is None and role != AccessRole.ADMIN:
        # Only a city admin acts across halls; a hall's staff work at their hall.
        raise AccessError(f"{role} 令牌须属于一个大厅", f"a {role} token belongs to one hall")
    if role == AccessRole.CLERK and not clerk:
        raise AccessError(
            "工作人员令牌须用 --clerk 指定工作人员编号", "a clerk token needs --clerk (the clerk's id, e.g. c01)"
        )
    if clerk is None:
        return
    at = c.execute(select(Clerk.hall).where(Clerk.id == clerk)).scalar_one_or_none()
    if at is None or (hall is not None and at != hall):
        where = f"大厅 {hall} " if hall else ""
        raise AccessError(
            f"{where}没有编号为 {clerk} 的工作人员（见大厅配置的 clerks）",
            f"hall {hall} has no clerk {clerk} (see the clerks of the hall configuration)"
            if hall
            else f"there is no clerk {clerk}",
        )


def create_token(
    db: Engine, role: str, name: str = "", clerk: str | None = None, *, hall: str | None, by: str = "cli"
) -> str:
    """A new bearer token for ``hall`` (None: a city admin's, for every hall). A clerk's token
    names a clerk of that hall. Returns the token; only its hash is stored."""
    token = "hall_" + secrets.token_urlsafe(24)
    with db.begin() as c:
        _check_token_request(c, role, hall, clerk)
        c.execute(
            insert(ApiToken).values(
                token_hash=_hash(token), role=role, name=name or role, clerk=clerk, hall=hall,
                created_at=datetime.now(UTC),
            )
        )
        _audit(c, by, "token.create", name or role, role=role, clerk=clerk, hall=hall)
    return token


def actor_for_token(db: Engine, token: str) -> Actor | None:
    with Session(db) as c:
        row = c.execute(
            select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
        ).scalar_one_or_none()
    if row is None:
        return None
    return Actor("token", row.name, row.role, clerk=row.clerk, hall=row.hall)


def _hall_or_city(column: Any, hall: str | None) -> Any:
    """Rows of ``hall`` and the city's (NULL hall), or every row when ``hall`` is None."""
    return true() if hall is None else or_(column == hall, column.is_(None))


def list_tokens(db: Engine, hall: str | None) -> list[ApiToken]:
    """The tokens that work at ``hall`` (its own and the city admins'), or all with None;
    oldest first. Rows carry hashes only: no token can be read back."""
    with Session(db) as c:
        return list(c.execute(select(ApiToken).where(_hall_or_city(ApiToken.hall, hall)).order_by(ApiToken.id)).scalars())


def revoke_token(db: Engine, token_id: int, hall: str | None, *, by: str = "cli") -> bool:
    """Refuse token ``token_id`` from now on (a running server within ``http.auth.CACHE_S``).
    False when no live token of that id works at ``hall``."""
    with db.begin() as c:
        r = c.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None), _hall_or_city(ApiToken.hall, hall))
            .values(revoked_at=datetime.now(UTC))
        )
        if r.rowcount:
            _audit(c, by, "token.revoke", str(token_id), hall=hall)
    return bool(r.rowcount)


# ------------------------------------------------------------------ devices
def _key_folder(c: Connection, paths: Paths, hall: str, name: str) -> Path:
    """Where ``hall``'s device ``name`` keeps its key pair: the usual ``keys/devices`` unless
    the files there are another hall's device of that name (then ``keys/devices/<hall>``)."""
    own = paths.hall_devices(hall)
    if (own / f"{name}.key").exists():
        return own
    flat = paths.devices / f"{name}.key"
    if flat.exists() and _another_halls_key(c, flat, hall):
        return own
    return paths.devices


def _another_halls_key(c: Connection, key_file: Path, hall: str) -> bool:
    public = load_public_key(key_file).decode()
    return c.execute(select(Device.id).where(Device.public_key == public, Device.hall != hall)).first() is not None


def enroll_device(  # type: ignore[no-untyped-def]
    db: Engine, paths: Paths, hall: str, name: str, kind: str, window: int | None = None, *, replace: bool = False,
    by: str = "cli",
):
    """Make a key pair for ``hall``'s device ``name`` and record its public key. A live device
    of that name is replaced (its old key refused from now on) only with ``replace``.
    Returns the key file paths."""
    if kind not in DEVICE_KINDS:
        raise AccessError(f"设备类型须为 {'、'.join(DEVICE_KINDS)} 之一", f"kind must be one of {', '.join(DEVICE_KINDS)}")
    with db.begin() as c:
        existing = c.execute(
            select(Device.id, Device.revoked_at).where(Device.hall == hall, Device.name == name)
        ).first()
        if existing is not None and existing.revoked_at is None and not replace:
            raise AccessError(
                f"大厅 {hall} 已有名为 {name} 的设备；如要换发新密钥（旧密钥作废），请加 --replace",
                f"hall {hall} already has a device named {name}; "
                "add --replace to give it a new key (the old one is refused from then on)",
            )
        pair = generate_keypair(_key_folder(c, paths, hall, name), name)
        values = {
            "kind": kind, "public_key": load_public_key(pair.public).decode(), "window": window,
            "revoked_at": None, "enrolled_at": datetime.now(UTC),
        }
        if existing is not None:
            c.execute(update(Device).where(Device.id == existing.id).values(**values))
        else:
            c.execute(insert(Device).values(hall=hall, name=name, **values))
        action = "device.replace" if existing is not None and existing.revoked_at is None else "device.enroll"
        _audit(c, by, action, name, hall=hall, kind=kind, window=window)
    return pair


def list_devices(db: Engine, hall: str) -> list[Device]:
    with Session(db) as c:
        return list(c.execute(select(Device).where(Device.hall == hall).order_by(Device.name)).scalars())


def revoke_device(db: Engine, hall: str, name: str, *, by: str = "cli") -> bool:
    """Refuse ``hall``'s device ``name`` from now on. False when it has no live device so named."""
    with db.begin() as c:
        r = c.execute(
            update(Device)
            .where(Device.hall == hall, Device.name == name, Device.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if r.rowcount:
            _audit(c, by, "device.revoke", name, hall=hall)
    return bool(r.rowcount)


class DeviceRegistry:
    """Enrolled devices by public key, refreshed from the store so an enrolment or a
    revocation takes effect without a restart. Also the ZAP credentials provider."""

    def __init__(self, db: Engine, hall: str) -> None:
        self.db = db
        self.hall = hall
        self._by_key: dict[str, Actor] = {}
        #: When each device last sent a request (time.time()), by name: since this server started.
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        with Session(self.db) as c:
            # Only this hall's devices: a kiosk of another hall is an unknown device here.
            rows = c.execute(
                select(Device).where(Device.hall == self.hall, Device.revoked_at.is_(None))
            ).scalars().all()
        by_key = {
            r.public_key: Actor("device", r.name, r.kind, window=r.window, hall=self.hall)
            for r in rows
        }
        with self._lock:
            self._by_key = by_key

    def callback(self, domain: str, key: bytes) -> bool:
        with self._lock:
            return key.decode("ascii", "replace") in self._by_key

    def actor(self, public_key_z85: str) -> Actor | None:
        """The enrolled device of this key, noted as seen now (it is asked once per request)."""
        with self._lock:
            actor = self._by_key.get(public_key_z85)
            if actor is not None:
                self._seen[actor.name] = time.time()
            return actor

    def last_seen(self) -> dict[str, float]:
        with self._lock:
            return dict(self._seen)


def start_authenticator(context: zmq.Context, registry: DeviceRegistry) -> ThreadAuthenticator:
    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve_callback(domain=ZAP_DOMAIN, credentials_provider=registry)
    return auth
