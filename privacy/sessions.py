"""Signed-in sessions: how the command line knows who is acting, without trusting a name typed.

``cohort login NAME`` checks the password (``privacy.users.authenticate``: audited, same answer for
an unknown user and a wrong password, a pause after repeated failures) and opens a session: a
random 256-bit token handed to the person once, stored here only as its SHA-256, with the user,
its creation, its last use and an absolute expiry. Each command then presents the token
(``resolve``): it is refused when unknown, revoked (``cohort logout``), idle longer than
``COHORT_SESSION_IDLE_MINUTES`` (30), older than ``COHORT_SESSION_MAX_HOURS`` (12), or when the
account was deactivated meanwhile; every refusal is audited. A deactivation or a role change
therefore applies to the very next command.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from privacy.audit import AuditLog
from privacy.users import User, UserProblem, get_user
from retrieval.settings import get_settings


class NotSignedIn(UserProblem):
    """No valid session: the person must sign in (``cohort login NAME``)."""


@dataclass(frozen=True)
class Opened:
    token: str
    user: User
    expires_at: str
    idle_minutes: int


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(store: Any, user: User, *, via: str = "cli") -> Opened:
    """A new session for an authenticated user; returns the token (shown once, never stored)."""
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    now = _now()
    expires = now + timedelta(hours=settings.session_max_hours)
    store.execute(
        "INSERT INTO auth_sessions (token_hash, username, via, created_at, last_used, expires_at)"
        " VALUES (:h, :u, :v, :c, :c, :e)",
        {"h": token_hash(token), "u": user.username, "v": via, "c": _iso(now), "e": _iso(expires)})
    AuditLog(store).record(user, "session_open", details={"via": via, "expires": _iso(expires),
                                                          "idle_minutes": settings.session_idle_minutes})
    return Opened(token, user, _iso(expires), settings.session_idle_minutes)


def resolve(store: Any, token: str | None) -> User:
    """The user behind a valid token (its last use moves to now); NotSignedIn otherwise (audited)."""
    if not token:
        raise NotSignedIn("You are not signed in: run `cohort login NAME` first (every access is personal "
                          "and audited).")
    rows = store.query("SELECT * FROM auth_sessions WHERE token_hash = :h", {"h": token_hash(token)})
    if not rows:
        AuditLog(store).record("unknown", "denied",
                               details={"function": "session", "reason": "unknown token"})
        raise NotSignedIn("Your sign-in is not valid on this store: run `cohort login NAME` again.")
    row = rows[0]
    settings = get_settings()
    now = _now()
    reason = None
    if row["revoked_at"]:
        reason = "signed out"
    elif now >= datetime.fromisoformat(row["expires_at"]):
        reason = "expired"
    elif now - datetime.fromisoformat(row["last_used"]) > timedelta(minutes=settings.session_idle_minutes):
        reason = "idle"
    user = get_user(store, row["username"])
    if reason is None and (user is None or not user.active):
        reason = "account deactivated"
    if reason is not None:
        AuditLog(store).record(row["username"], "denied", centre_id=user.centre_id if user else None,
                               details={"function": "session", "reason": reason})
        if reason == "idle":
            raise NotSignedIn(f"Your sign-in ended after {settings.session_idle_minutes} minutes without "
                              "use: run `cohort login NAME` again.")
        if reason == "account deactivated":
            raise NotSignedIn(f"The account {row['username']!r} is deactivated.")
        raise NotSignedIn(f"Your sign-in has {'ended' if reason == 'signed out' else 'expired'}: run "
                          "`cohort login NAME` again.")
    store.execute("UPDATE auth_sessions SET last_used = :t WHERE id = :i", {"t": _iso(now), "i": row["id"]})
    assert user is not None
    return user


def revoke(store: Any, token: str) -> str | None:
    """End a session (``cohort logout``); returns its user, None when the token was not valid."""
    rows = store.query("SELECT id, username, revoked_at FROM auth_sessions WHERE token_hash = :h",
                       {"h": token_hash(token)})
    if not rows or rows[0]["revoked_at"]:
        return None
    store.execute("UPDATE auth_sessions SET revoked_at = :t WHERE id = :i",
                  {"t": _iso(_now()), "i": rows[0]["id"]})
    user = get_user(store, rows[0]["username"])
    AuditLog(store).record(user or rows[0]["username"], "session_close")
    return rows[0]["username"]

