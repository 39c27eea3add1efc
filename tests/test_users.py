"""Users, roles and centres: password hashes, refusals, audit of every change and login."""

from __future__ import annotations

import pytest

from privacy.audit import AuditLog
from privacy.roles import PERMISSIONS, Permission, Role, allowed, parse_role
from privacy.users import (
    AccessDenied,
    UserProblem,
    add_user,
    authenticate,
    demo_password,
    get_user,
    list_users,
    seed_demo_users,
    set_active,
    set_role,
)
from tests.privacy_helpers import make_store


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "u.db", patients=3)


def test_role_table_is_complete_and_separates_duties():
    assert set(PERMISSIONS) == set(Role)
    assert not allowed("admin", Permission.VIEW_ROWS)           # administrators do not browse patients
    assert not allowed("dpo", Permission.VIEW_SNIPPETS)
    assert allowed("dpo", Permission.READ_AUDIT)
    assert not allowed("researcher", Permission.REIDENTIFY)
    assert not allowed("researcher", Permission.VIEW_SNIPPETS)
    assert allowed("referent", Permission.EDIT_CRITERIA)
    assert not allowed("clinician", Permission.CROSS_CENTRE_COUNTS)
    assert parse_role("Research-Associate") is Role.RESEARCH_ASSOCIATE
    with pytest.raises(ValueError, match="Unknown role"):
        parse_role("superuser")


def test_add_and_authenticate(store):
    user = add_user(store, "alice", "correct horse", "clinician", "C1", by="test")
    row = store.query("SELECT password_hash FROM users WHERE username = 'alice'")[0]
    assert row["password_hash"].startswith("$2") and "correct horse" not in row["password_hash"]
    assert authenticate(store, "alice", "correct horse") == user
    assert authenticate(store, "alice", "wrong password") is None
    assert authenticate(store, "nobody", "whatever1") is None
    actions = [(e.username, e.action) for e in AuditLog(store).entries()]
    assert ("alice", "login") in actions and ("nobody", "login_failed") in actions
    assert sum(1 for a in actions if a == ("alice", "login_failed")) == 1


def test_deactivated_user_cannot_log_in(store):
    add_user(store, "bob", "password123", "researcher", "C2", by="test")
    set_active(store, "bob", False, by="test")
    assert authenticate(store, "bob", "password123") is None
    assert not get_user(store, "bob").permissions


def test_bad_input_is_explained(store):
    add_user(store, "alice", "password123", "clinician", "C1", by="test")
    with pytest.raises(UserProblem, match="already exists"):
        add_user(store, "alice", "password123", "clinician", "C1", by="test")
    with pytest.raises(UserProblem, match="Unknown centre 'C9'.*C1, C2, C3"):
        add_user(store, "carol", "password123", "clinician", "C9", by="test")
    with pytest.raises(UserProblem, match="at least 8"):
        add_user(store, "dave", "short", "clinician", "C1", by="test")


def test_only_managers_manage_users_and_refusals_are_logged(store):
    admin = add_user(store, "root", "password123", "admin", "C1", by="test")
    clin = add_user(store, "clin", "password123", "clinician", "C1", by=admin)
    with pytest.raises(AccessDenied):
        add_user(store, "eve", "password123", "admin", "C1", by=clin)
    with pytest.raises(AccessDenied):
        set_role(store, "clin", "admin", by=clin)
    assert get_user(store, "clin").role is Role.CLINICIAN
    denied = AuditLog(store).entries(username="clin", action="denied")
    assert len(denied) == 2
    set_role(store, "clin", "referent", by=admin)
    assert get_user(store, "clin").role is Role.REFERENT
    changes = AuditLog(store).entries(username="root")
    assert [e.action for e in changes] == ["user_add", "user_set_role"]


def test_seed_demo_users(store):
    created = seed_demo_users(store)
    assert len(created) == 3 * len(Role)
    assert len(list_users(store)) == 3 * len(Role)
    assert authenticate(store, "clinician.c2", demo_password(Role.CLINICIAN, "C2")).centre_id == "C2"
    assert seed_demo_users(store) == created  # idempotent


def test_scope_is_own_centre_without_opposed(store):
    from privacy.users import scope_for

    scope = scope_for(add_user(store, "alice", "password123", "clinician", "C3", by="test"))
    assert tuple(scope.centre_ids) == ("C3",) and scope.exclude_opposed
