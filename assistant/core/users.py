"""Who is asking: the signed-in user as the assistant sees it, and sign-in itself.

The privacy area owns users, roles and rights (``privacy.users``); this module is the thin adapter
the chat and the CLI share, so that both sign people in the same way and read the same rights.
When the privacy module is not installed yet, sign-in checks the ``users`` table's bcrypt hash
directly and rights follow the role table below (the same rules the privacy area documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.i18n import Lang, normalise_lang

# The assistant's rights, derived from the privacy area's permission table (privacy/roles.py):
# one table reviewed by the data-protection officer decides everything; the names below are only
# what the chat and the CLI check before showing a button or running an operation.
RIGHTS_FROM_PERMISSION: dict[str, tuple[str, ...]] = {
    "count": ("count",),
    "view_rows": ("list_patients",),
    "view_snippets": ("snippets",),
    "export": ("export",),
    "reidentify": ("reidentify",),
    "cross_centre_counts": ("cross_centre",),
    "edit_criteria": ("edit_criteria", "show_sql", "answer_requests"),
    "read_audit": ("read_audit",),
}
# Used only when the privacy area is not installed (same rules as privacy/roles.py).
ROLE_RIGHTS: dict[str, frozenset[str]] = {
    "clinician": frozenset({"count", "list_patients", "snippets", "reidentify"}),
    "research_associate": frozenset({"count", "list_patients", "snippets", "export", "reidentify"}),
    "referent": frozenset(
        {
            "count",
            "list_patients",
            "snippets",
            "export",
            "cross_centre",
            "edit_criteria",
            "show_sql",
            "answer_requests",
        }
    ),
    "researcher": frozenset({"count", "list_patients", "export", "cross_centre"}),
    "dpo": frozenset({"count", "read_audit"}),
    "admin": frozenset({"read_audit"}),
}


@dataclass(frozen=True)
class UserInfo:
    """The signed-in person: identity, role, centre, language, and what the role allows."""

    username: str
    role: str
    centre_id: str
    language: Lang = "fr"
    display_name: str | None = None
    rights: frozenset[str] = field(default_factory=frozenset)
    raw: Any = field(default=None, compare=False, repr=False)

    def can(self, right: str) -> bool:
        return right in self.rights

    @property
    def name(self) -> str:
        return self.display_name or self.username


def _privacy_users() -> Any | None:
    try:
        from privacy import users  # type: ignore[attr-defined]
    except ImportError:
        return None
    return users


def rights_for(role: str, raw_user: Any = None) -> frozenset[str]:
    """Rights of a role from the privacy area's permission table (``ROLE_RIGHTS`` without it)."""
    try:
        from privacy.roles import PERMISSIONS, Role
    except ImportError:
        return ROLE_RIGHTS.get(role, frozenset())
    try:
        granted = PERMISSIONS[Role(role)]
    except (ValueError, KeyError):
        return frozenset()
    return frozenset(r for p in granted for r in RIGHTS_FROM_PERMISSION.get(str(p.value), ()))


def _from_row(row: dict[str, Any], raw: Any = None) -> UserInfo:
    role = str(row["role"])
    return UserInfo(
        username=str(row["username"]),
        role=role,
        centre_id=str(row["centre_id"]),
        language=normalise_lang(row.get("language")),
        display_name=row.get("display_name"),
        rights=rights_for(role, raw),
        raw=raw,
    )


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return {k: getattr(obj, k, None) for k in ("username", "role", "centre_id", "language", "display_name")}


def authenticate(store: Any, username: str, password: str) -> UserInfo | None:
    """The user when the password is right and the account active; None otherwise (no detail why)."""
    users = _privacy_users()
    if users is not None and hasattr(users, "authenticate"):
        raw = users.authenticate(store, username, password)
        return _from_row(_as_dict(raw), raw) if raw else None
    import bcrypt

    rows = store.query("SELECT * FROM users WHERE username = :u AND active = 1", {"u": username})
    if not rows:
        return None
    stored = str(rows[0]["password_hash"]).encode()
    try:
        ok = bcrypt.checkpw(password.encode(), stored)
    except ValueError:
        ok = False
    return _from_row(rows[0]) if ok else None


def load_user(store: Any, username: str) -> UserInfo | None:
    """An active user by name, without a password: the CLI acts as ``--user`` on the local machine."""
    users = _privacy_users()
    if users is not None and hasattr(users, "get_user"):
        raw = users.get_user(store, username)
        return _from_row(_as_dict(raw), raw) if raw and getattr(raw, "active", True) else None
    rows = store.query("SELECT * FROM users WHERE username = :u AND active = 1", {"u": username})
    return _from_row(rows[0]) if rows else None
