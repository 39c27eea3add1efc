"""Users: personal logins with a bcrypt password hash, one role, one centre.

``authenticate`` answers the same way for an unknown user and a wrong password (no user
enumeration) and logs both; after ``COHORT_LOGIN_MAX_FAILURES`` failures in 15 minutes an account
waits (refused without checking the password, audited). ``scope_for(user)`` is what the query
engine receives: the user's centre only, opposed patients excluded.

Accounts are administered by an authenticated administrator of the *same* centre: creating a user,
changing a role, (de)activating, resetting a password in another centre is refused, and nobody
changes their own role. The first administrator of a centre comes from ``bootstrap_admin`` (the
command ``cohort users bootstrap``), refused once the centre has one. Every change is audited, and
a deactivation or a password reset ends the person's open sign-ins.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import bcrypt

from privacy.audit import AuditLog
from privacy.roles import PERMISSIONS, Permission, Role, parse_role
from query_compiler.engine import Scope
from retrieval.settings import get_settings
from retrieval.store import now_iso

MIN_PASSWORD = 8
LOCKOUT_MINUTES = 15


class AccessDenied(PermissionError):
    """The user's role or centre does not allow this; the message says what and why."""


class UserProblem(ValueError):
    """A user cannot be created or changed as asked (duplicate name, unknown centre...)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    centre_id: str
    language: str = "fr"
    display_name: str | None = None
    active: bool = True

    @property
    def permissions(self) -> frozenset[Permission]:
        return PERMISSIONS[self.role] if self.active else frozenset()

    def can(self, permission: Permission | str) -> bool:
        return Permission(permission) in self.permissions

    @property
    def name(self) -> str:
        """What the chat calls the person."""
        return self.display_name or self.username

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(id=int(row["id"]), username=row["username"], role=Role(row["role"]),
                   centre_id=row["centre_id"], language=row.get("language") or "fr",
                   display_name=row.get("display_name"), active=bool(row["active"]))


def system_actor() -> str:
    """Who acts when a command is run from the server's shell without --user."""
    try:
        return f"local:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local:unknown"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserProblem(f"A password needs at least {MIN_PASSWORD} characters.")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=10)).decode("ascii")


def _check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt(rounds=10)).decode("ascii")


def get_user(store: Any, username: str) -> User | None:
    rows = store.query("SELECT * FROM users WHERE username = :u", {"u": username})
    return User.from_row(rows[0]) if rows else None


def require_user(store: Any, username: str) -> User:
    user = get_user(store, username)
    if user is None:
        raise UserProblem(f"No user named {username!r}. Create one with `cohort users add`.")
    if not user.active:
        raise AccessDenied(f"The account {username!r} is deactivated.")
    return user


def list_users(store: Any) -> list[User]:
    return [User.from_row(r) for r in store.query("SELECT * FROM users ORDER BY centre_id, username")]


def add_user(store: Any, username: str, password: str, role: Role | str, centre_id: str, *,
             language: str = "fr", display_name: str | None = None, by: Any = None) -> User:
    """Create a user; ``by`` is an administrator of ``centre_id`` (a User), or the name of a system
    step (``bootstrap:...``, the demo's seeding) that code alone can pass; audited."""
    _check_manager(store, by, "add a user", centre_id=centre_id)
    role = parse_role(str(role))
    username = username.strip()
    if not username or any(c.isspace() for c in username):
        raise UserProblem("A username is one word without spaces.")
    if language not in ("fr", "en"):
        raise UserProblem("Language must be 'fr' or 'en'.")
    if not store.query("SELECT id FROM centres WHERE id = :c", {"c": centre_id}):
        known = ", ".join(r["id"] for r in store.query("SELECT id FROM centres ORDER BY id")) or "none"
        raise UserProblem(f"Unknown centre {centre_id!r} (centres in this store: {known}).")
    if get_user(store, username) is not None:
        raise UserProblem(f"A user named {username!r} already exists.")
    store.execute(
        "INSERT INTO users (username, password_hash, role, centre_id, language, display_name, active,"
        " created_at) VALUES (:u, :h, :r, :c, :l, :d, 1, :t)",
        {"u": username, "h": hash_password(password), "r": role.value, "c": centre_id, "l": language,
         "d": display_name, "t": now_iso()},
    )
    AuditLog(store).record(by or system_actor(), "user_add", centre_id=centre_id,
                           details={"user": username, "role": role.value, "centre": centre_id})
    return require_user(store, username)


def bootstrap_admin(store: Any, username: str, password: str, centre_id: str) -> User:
    """The first administrator of a centre that has none: how a new store (or a new centre) gets the
    account that then creates all others. Refused once the centre has an active administrator."""
    admins = store.query("SELECT username FROM users WHERE centre_id = :c AND role = :r AND active = 1",
                         {"c": centre_id, "r": Role.ADMIN.value})
    if admins:
        AuditLog(store).record(system_actor(), "denied", centre_id=centre_id,
                               details={"function": "bootstrap_admin", "user": username})
        raise AccessDenied(f"Centre {centre_id} already has an administrator ({admins[0]['username']}): "
                           "ask them to create accounts.")
    return add_user(store, username, password, Role.ADMIN, centre_id, by=f"bootstrap:{system_actor()}")


def set_role(store: Any, username: str, role: Role | str, *, by: Any = None) -> User:
    role = parse_role(str(role))
    user = require_known(store, username)
    _check_manager(store, by, "change a role", centre_id=user.centre_id, target=username, own_ok=False)
    store.execute("UPDATE users SET role = :r WHERE username = :u", {"r": role.value, "u": username})
    AuditLog(store).record(by or system_actor(), "user_set_role", centre_id=user.centre_id,
                           details={"user": username, "from": user.role.value, "to": role.value})
    return require_known(store, username)


def set_active(store: Any, username: str, active: bool, *, by: Any = None) -> User:
    user = require_known(store, username)
    _check_manager(store, by, "deactivate or reactivate a user", centre_id=user.centre_id, target=username,
                   own_ok=not active)
    store.execute("UPDATE users SET active = :a WHERE username = :u", {"a": int(active), "u": username})
    if not active:
        end_sessions(store, username)
    AuditLog(store).record(by or system_actor(), "user_activate" if active else "user_deactivate",
                           centre_id=user.centre_id, details={"user": username})
    return require_known(store, username)


def set_password(store: Any, username: str, password: str, *, by: Any = None) -> None:
    user = require_known(store, username)
    _check_manager(store, by, "reset a password", centre_id=user.centre_id, target=username, own_ok=True)
    store.execute("UPDATE users SET password_hash = :h WHERE username = :u",
                  {"h": hash_password(password), "u": username})
    end_sessions(store, username)
    AuditLog(store).record(by or system_actor(), "user_password", centre_id=user.centre_id,
                           details={"user": username})


def require_known(store: Any, username: str) -> User:
    user = get_user(store, username)
    if user is None:
        raise UserProblem(f"No user named {username!r}.")
    return user


def end_sessions(store: Any, username: str) -> None:
    """Revoke every open sign-in of a user (table of ``privacy.sessions``)."""
    store.execute("UPDATE auth_sessions SET revoked_at = :t WHERE username = :u AND revoked_at IS NULL",
                  {"t": now_iso(), "u": username})


def _check_manager(store: Any, by: Any, what: str, *, centre_id: str, target: str | None = None,
                   own_ok: bool = True) -> None:
    """An authenticated administrator of the target's centre; never on their own role. A string
    ``by`` is a system step named in code (bootstrap, demo seeding): no person types it."""
    if isinstance(by, str) and by:
        return
    if by is None:
        AuditLog(store).record(system_actor(), "denied", centre_id=centre_id,
                               details={"function": "manage_users", "attempt": what,
                                        "reason": "nobody signed in"})
        raise AccessDenied(f"Only a signed-in administrator of centre {centre_id} can {what}.")
    reason = None
    if not by.can(Permission.MANAGE_USERS):
        reason, message = "role", f"The role {by.role.value} cannot {what}."
    elif by.centre_id != centre_id:
        reason, message = "other centre", (f"An administrator of centre {by.centre_id} cannot {what} in "
                                           f"centre {centre_id}: ask an administrator of {centre_id}.")
    elif target == by.username and not own_ok:
        reason, message = "own account", (f"Nobody can {what} on their own account: ask another "
                                          f"administrator of centre {centre_id}.")
    if reason is not None:
        AuditLog(store).record(by, "denied", details={"function": "manage_users", "attempt": what,
                                                      "target": target, "target_centre": centre_id,
                                                      "reason": reason})
        raise AccessDenied(message)


def recent_failures(store: Any, username: str) -> int:
    since = (datetime.now(UTC) - timedelta(minutes=LOCKOUT_MINUTES)).isoformat(timespec="microseconds")
    return int(store.scalar("SELECT COUNT(*) FROM audit_log WHERE username = :u AND action = 'login_failed'"
                            " AND ts >= :s", {"u": username, "s": since}) or 0)


def authenticate(store: Any, username: str, password: str) -> User | None:
    """The user when the password matches and the account is active; None otherwise (logged).
    After too many recent failures the password is not even checked (the attempt is logged)."""
    if recent_failures(store, username) >= get_settings().login_max_failures:
        _check_password(password, _dummy_hash())  # same cost: the answer does not tell it is locked
        AuditLog(store).record(username, "login_failed", details={"reason": "too many failures, waiting"})
        return None
    rows = store.query("SELECT * FROM users WHERE username = :u", {"u": username})
    if not rows:
        _check_password(password, _dummy_hash())  # same cost as a real check
        AuditLog(store).record(username, "login_failed", details={"reason": "unknown user"})
        return None
    row = rows[0]
    if not _check_password(password, row["password_hash"]) or not row["active"]:
        reason = "wrong password" if row["active"] else "account deactivated"
        AuditLog(store).record(username, "login_failed", centre_id=row["centre_id"],
                               details={"reason": reason})
        return None
    user = User.from_row(row)
    AuditLog(store).record(user, "login")
    return user


def scope_for(user: User) -> Any:
    """The engine scope of a user: own centre only, opposed patients excluded."""
    return Scope(centre_ids=(user.centre_id,), exclude_opposed=True)


# -- demo users -----------------------------------------------------------------------------------
DEMO_PASSWORD_SUFFIX = "-demo-2024"


def demo_username(role: Role, centre_id: str) -> str:
    return f"{role.value}.{centre_id.lower()}"


def demo_password(role: Role, centre_id: str) -> str:
    """Documented demo passwords: ``<role>-demo-2024`` (e.g. ``clinician-demo-2024``)."""
    return f"{role.value}{DEMO_PASSWORD_SUFFIX}"


def seed_demo_users(store: Any, *, language: str = "fr") -> list[tuple[str, str]]:
    """One user per role and per centre, named ``<role>.<centre>`` (``clinician.clb``), with the
    password ``<role>-demo-2024``. Existing users are left alone. Returns (username, password)."""
    created = []
    for centre in store.query("SELECT id FROM centres ORDER BY id"):
        for role in Role:
            name = demo_username(role, centre["id"])
            if get_user(store, name) is None:
                add_user(store, name, demo_password(role, centre["id"]), role, centre["id"],
                         language=language, display_name=f"{role.value} ({centre['id']})",
                         by="seed_demo_users")
            created.append((name, demo_password(role, centre["id"])))
    return created
