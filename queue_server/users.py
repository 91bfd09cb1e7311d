"""Staff accounts of the web pages: create, check a password, find.

Roles of a person signing in (not of a token): clerk (a window), reviewer (a department's
back office: decides that department's tasks), manager, admin. What they may ask of the hall
is the hall's own role (``AccessRole``): a reviewer is a clerk of their department there, so
the department rules of the case handlers apply to them unchanged.

Passwords are hashed with argon2id (argon2-cffi, its default parameters); a hash made with
older parameters is re-hashed at the next good sign-in.
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from .auth import AccessError, AccessRole, Actor
from .store.models import AuditEntry, Clerk, User, WebSession

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """An argon2 hash to verify against when the username is unknown, so that a wrong name
    takes as long as a wrong password (no learning which names exist from the timing). Made
    at the first unknown name, not at import: hashing costs a noticeable fraction of a second, and
    every command line run and every start of the server imports this module."""
    return _hasher.hash("no such user")


MIN_PASSWORD = 8

#: The ``hall`` of a city admin's account, who signs in at every hall of the database (as a
#: city admin's token has no hall). A sentinel rather than NULL: NULLs never collide in the
#: (hall, username) unique constraint, and two city admins must not share a name. No hall
#: code can be it (``hallconfig``: ``[A-Z0-9]{2,16}``).
CITY = "*"


class UserRole(StrEnum):
    CLERK = "clerk"
    REVIEWER = "reviewer"
    MANAGER = "manager"
    ADMIN = "admin"


#: The roles as every page names them (中文, English).
ROLE_NAMES: dict[str, tuple[str, str]] = {
    UserRole.CLERK: ("窗口工作人员", "Clerk"),
    UserRole.REVIEWER: ("部门审核人员", "Reviewer"),
    UserRole.MANAGER: ("大厅管理员", "Manager"),
    UserRole.ADMIN: ("系统管理员", "Admin"),
}

#: The hall role each account role acts with.
HALL_ROLE: dict[str, AccessRole] = {
    UserRole.CLERK: AccessRole.CLERK,
    UserRole.REVIEWER: AccessRole.CLERK,
    UserRole.MANAGER: AccessRole.MANAGER,
    UserRole.ADMIN: AccessRole.ADMIN,
}


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in user as the web pages see them (no hash)."""

    id: int
    #: None: a city admin, at every hall of the database.
    hall: str | None
    username: str
    role: str
    clerk: str | None

    def actor(self) -> Actor:
        """Who the hall sees: the user's name, their hall role and clerk."""
        return Actor("user", self.username, HALL_ROLE[self.role], clerk=self.clerk, hall=self.hall)


def _account(u: User) -> Account:
    return Account(u.id, None if u.hall == CITY else u.hall, u.username, u.role, u.clerk)


def _stored(hall: str | None) -> str:
    return CITY if hall is None else hall


def _where(hall: str | None) -> tuple[str, str]:
    return "本市所有大厅" if hall is None else f"大厅 {hall} ", "the city" if hall is None else f"hall {hall}"


def create_user(
    db: Engine, hall: str | None, username: str, password: str, role: str, clerk: str | None = None, *, by: str = "cli"
) -> Account:
    """A new account of ``hall`` (None: a city admin's, who signs in at every hall). Clerks
    and reviewers name a clerk of that hall. ``by``: who made it, for the audit log (``cli``,
    or the admin's ``user:NAME``). A city admin's name is nobody else's, at any hall: signing
    in at a hall must find one account for a name."""
    if hall is None and (role != UserRole.ADMIN or clerk is not None):
        raise AccessError(
            "只有系统管理员（admin，不关联工作人员）的账号可用于所有大厅",
            "only an admin's account (with no clerk) works at every hall",
        )
    if role not in set(UserRole):
        raise AccessError(f"角色须为 {'、'.join(UserRole)} 之一", f"role must be one of {', '.join(UserRole)}")
    if not username or len(username) > 64 or not username.isprintable() or username.strip() != username:
        raise AccessError("用户名须为 1 至 64 个可见字符", "the username must be 1 to 64 printable characters")
    check_password(password)
    if role in (UserRole.CLERK, UserRole.REVIEWER) and not clerk:
        raise AccessError("工作人员账号须用 --clerk 指定工作人员编号", f"a {role} account needs --clerk (e.g. c01)")
    password_hash = _hasher.hash(password)
    with db.begin() as c:
        if clerk is not None:
            at = c.execute(select(Clerk.hall).where(Clerk.id == clerk)).scalar_one_or_none()
            if at != hall:
                raise AccessError(
                    f"大厅 {hall} 没有编号为 {clerk} 的工作人员（见大厅配置的 clerks）",
                    f"hall {hall} has no clerk {clerk} (see the clerks of the hall configuration)",
                )
        same_name = select(User.hall).where(User.username == username)
        if hall is not None:
            same_name = same_name.where(User.hall.in_((hall, CITY)))
        taken = c.execute(same_name).scalars().first()
        if taken is not None:
            zh, en = _where(None if taken == CITY else taken)
            raise AccessError(f"{zh}已有用户 {username}", f"{en} already has a user {username}")
        new_id = c.execute(
            insert(User)
            .values(
                hall=_stored(hall), username=username, password_hash=password_hash, role=role, clerk=clerk,
                disabled=False, created_at=datetime.now(UTC),
            )
            .returning(User.id)
        ).scalar_one()
        c.execute(
            insert(AuditEntry).values(
                at=datetime.now(UTC).timestamp(), actor=by, action="user.create", subject=username,
                detail={"hall": hall, "role": role, "clerk": clerk},
            )
        )
    return Account(new_id, hall, username, role, clerk)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"密码至少 {MIN_PASSWORD} 个字符", f"the password needs at least {MIN_PASSWORD} characters")


def set_disabled(db: Engine, hall: str | None, username: str, disabled: bool, *, by: str = "cli") -> None:
    """Disable an account (its sessions end at their next request) or enable it again."""
    _change(db, hall, username, {"disabled": disabled}, "user.disable" if disabled else "user.enable", by)


def set_password(db: Engine, hall: str | None, username: str, password: str, *, by: str = "cli") -> None:
    """A new password for an account (e.g. one its owner forgot)."""
    check_password(password)
    _change(db, hall, username, {"password_hash": _hasher.hash(password)}, "user.password", by)


def _change(db: Engine, hall: str | None, username: str, values: dict[str, object], action: str, by: str) -> None:
    stored = _stored(hall)
    with db.begin() as c:
        done = c.execute(update(User).where(User.hall == stored, User.username == username).values(**values))
        if done.rowcount != 1:
            zh, en = _where(hall)
            raise AccessError(f"{zh}没有用户 {username}", f"{en} has no user {username}")
        # Disabled, or a new password: the account's open sessions end (whoever knew the old
        # password is signed out too).
        user_id = select(User.id).where(User.hall == stored, User.username == username).scalar_subquery()
        c.execute(
            update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            .values(ended_at=time.time())
        )
        c.execute(
            insert(AuditEntry).values(
                at=datetime.now(UTC).timestamp(), actor=by, action=action, subject=username, detail={"hall": hall}
            )
        )


def authenticate(db: Engine, hall: str, username: str, password: str) -> Account | None:
    """The live account of ``hall`` with this name and password, or a city admin's, else None
    (``create_user`` keeps a city admin's name everyone else's too: one account per name)."""
    with Session(db) as s:
        u = s.execute(
            select(User).where(User.hall.in_((hall, CITY)), User.username == username)
        ).scalars().first()
    try:
        _hasher.verify(u.password_hash if u is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if u is None or u.disabled:
        return None
    if _hasher.check_needs_rehash(u.password_hash):
        with db.begin() as c:
            c.execute(update(User).where(User.id == u.id).values(password_hash=_hasher.hash(password)))
    return _account(u)


#: A session row is kept a day at most: cookies last a working day (web.SESSION_HOURS).
SESSION_ROW_S = 86_400


def start_session(db: Engine, account: Account) -> str:
    """A new session of the account: its id goes in the signed cookie; the row says whether
    it still holds (a signed cookie cannot be taken back, so sign-out ends the row)."""
    sid = secrets.token_urlsafe(32)
    now = time.time()
    with db.begin() as c:
        c.execute(delete(WebSession).where(WebSession.created_at < now - SESSION_ROW_S))
        c.execute(insert(WebSession).values(sid=sid, user_id=account.id, created_at=now, ended_at=None))
    return sid


def session_account(db: Engine, sid: str) -> Account | None:
    """The account of a session that still holds: not signed out, not older than a day, the
    account not disabled or given a new password since (checked on every request)."""
    with Session(db) as s:
        u = s.execute(
            select(User)
            .join(WebSession, WebSession.user_id == User.id)
            .where(
                WebSession.sid == sid,
                WebSession.ended_at.is_(None),
                WebSession.created_at >= time.time() - SESSION_ROW_S,
            )
        ).scalar_one_or_none()
    return None if u is None or u.disabled else _account(u)


def end_session(db: Engine, sid: str) -> None:
    """Sign-out: this session is over, a copy of its cookie too."""
    with db.begin() as c:
        c.execute(update(WebSession).where(WebSession.sid == sid).values(ended_at=time.time()))


def list_users(db: Engine, hall: str | None) -> list[User]:
    """The hall's accounts, or the city admins' with None."""
    with Session(db) as s:
        return list(s.execute(select(User).where(User.hall == _stored(hall)).order_by(User.username)).scalars())


def list_clerks(db: Engine, hall: str) -> list[Clerk]:
    """The hall's clerks (from its configuration), whom a clerk's or reviewer's account names."""
    with Session(db) as s:
        return list(s.execute(select(Clerk).where(Clerk.hall == hall).order_by(Clerk.id)).scalars())
