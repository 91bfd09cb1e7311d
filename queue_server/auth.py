"""Who may talk to the hall: enrolled devices (CURVE keys, checked by ZAP) and bearer tokens
(roles clerk, manager, admin) for HTTP; who they are once they talk (``Actor``) and what
their role allows (``AccessRole``, ``Actor.at_least``)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import zmq
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session
from zmq.auth.thread import ThreadAuthenticator

from protocol.keys import generate_keypair, load_public_key

from .paths import Paths
from .store.models import ApiToken, AuditEntry, Device


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


def ensure_server_keys(paths: Paths) -> None:
    if not paths.server_secret.exists():
        generate_keypair(paths.keys, "server")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Engine, role: str, name: str = "", clerk: str | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token = "hall_" + secrets.token_urlsafe(24)
    with db.begin() as c:
        c.execute(
            insert(ApiToken).values(
                token_hash=_hash(token), role=role, name=name or role, clerk=clerk, created_at=datetime.now(UTC)
            )
        )
        c.execute(
            insert(AuditEntry).values(
                at=datetime.now(UTC).timestamp(), actor="cli", action="token.create", subject=name or role,
                detail={"role": role, "clerk": clerk},
            )
        )
    return token


def actor_for_token(db: Engine, token: str) -> Actor | None:
    with Session(db) as c:
        row = c.execute(
            select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
        ).scalar_one_or_none()
    if row is None:
        return None
    return Actor("token", row.name, row.role, clerk=row.clerk)


def enroll_device(db: Engine, paths: Paths, hall: str, name: str, kind: str, window: int | None = None):  # type: ignore[no-untyped-def]
    """Make a key pair for a device and record its public key. Returns the key file paths."""
    if kind not in DEVICE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DEVICE_KINDS)}")
    pair = generate_keypair(paths.devices, name)
    public = load_public_key(pair.public).decode()
    with db.begin() as c:
        existing = c.execute(select(Device).where(Device.name == name)).scalar_one_or_none()
        if existing is not None:
            c.execute(
                update(Device)
                .where(Device.name == name)
                .values(public_key=public, kind=kind, window=window, revoked_at=None, enrolled_at=datetime.now(UTC))
            )
        else:
            c.execute(
                insert(Device).values(
                    hall=hall, name=name, kind=kind, public_key=public, window=window, enrolled_at=datetime.now(UTC)
                )
            )
    return pair


def revoke_device(db: Engine, name: str) -> bool:
    with db.begin() as c:
        r = c.execute(update(Device).where(Device.name == name).values(revoked_at=datetime.now(UTC)))
    return bool(r.rowcount)


class DeviceRegistry:
    """Enrolled devices by public key, refreshed from the store so an enrolment or a
    revocation takes effect without a restart. Also the ZAP credentials provider."""

    def __init__(self, db: Engine, hall: str) -> None:
        self.db = db
        self.hall = hall
        self._by_key: dict[str, Actor] = {}
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        with Session(self.db) as c:
            rows = c.execute(select(Device).where(Device.revoked_at.is_(None))).scalars().all()
        by_key = {
            r.public_key: Actor("device", r.name, r.kind, window=r.window)
            for r in rows
        }
        with self._lock:
            self._by_key = by_key

    def callback(self, domain: str, key: bytes) -> bool:
        with self._lock:
            return key.decode("ascii", "replace") in self._by_key

    def actor(self, public_key_z85: str) -> Actor | None:
        with self._lock:
            return self._by_key.get(public_key_z85)


def start_authenticator(context: zmq.Context, registry: DeviceRegistry) -> ThreadAuthenticator:
    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve_callback(domain=ZAP_DOMAIN, credentials_provider=registry)
    return auth
