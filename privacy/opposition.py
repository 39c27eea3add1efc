"""A patient's opposition to research use: recorded here, effective at once.

The flag lives on ``patients.opposition`` (with its date) because the query engine reads it at
every query (``Scope.exclude_opposed``): there is no cache to refresh, so a patient recorded as
opposed is out of the very next result. Every change is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from privacy.audit import AuditLog
from privacy.pseudonym import is_pseudo, pseudo_id, real_ids
from privacy.roles import Permission
from privacy.users import AccessDenied, UserProblem, system_actor
from retrieval.store import batches, bind_in


def resolve_patient(store: Any, ref: str | int) -> int:
    """A patient from a store id, an IPP or a pseudonymous id (``P-...``)."""
    text = str(ref).strip()
    if is_pseudo(text) and text.upper().startswith("P"):
        found = real_ids(store, text)
        if len(found) == 1:
            return found[0]
        raise UserProblem(f"No single patient has the pseudonymous id {text}.")
    rows = store.query("SELECT patient_id FROM identities WHERE ipp = :i", {"i": text})
    if rows:
        return int(rows[0]["patient_id"])
    if text.isdigit() and store.query("SELECT id FROM patients WHERE id = :p", {"p": int(text)}):
        return int(text)
    raise UserProblem(f"No patient found for {text!r} (give a store id, an IPP or a P-... id).")


def set_opposition(store: Any, patient_id: int, opposed: bool, *, by: Any = None,
                   note: str | None = None) -> None:
    """Record (or withdraw) a patient's opposition; ``by`` needs MANAGE_OPPOSITION (None = shell)."""
    audit = AuditLog(store)
    if by is not None and not isinstance(by, str) and not by.can(Permission.MANAGE_OPPOSITION):
        audit.record(by, "denied", details={"function": "manage_opposition",
                                            "patient": pseudo_id(patient_id)})
        raise AccessDenied(f"The role {by.role.value} cannot record a patient's opposition.")
    rows = store.query("SELECT centre_id FROM patients WHERE id = :p", {"p": patient_id})
    if not rows:
        raise UserProblem(f"No patient with id {patient_id}.")
    with store.transaction():
        store.execute(
            "UPDATE patients SET opposition = :o, opposition_date = :d WHERE id = :p",
            {"o": int(opposed), "d": date.today().isoformat() if opposed else None, "p": patient_id},
        )
        audit.record(by or system_actor(), "opposition_set" if opposed else "opposition_withdrawn",
                     centre_id=rows[0]["centre_id"],
                     details={"patient": pseudo_id(patient_id), **({"note": note} if note else {})})
    audit.anchor_now()  # committed: the entry written inside the transaction is anchored now


def opposed_patients(store: Any, centre_id: str | None = None) -> list[dict[str, Any]]:
    """Opposed patients (pseudonymous id, centre, date), for the DPO's review."""
    sql = "SELECT id, centre_id, opposition_date FROM patients WHERE opposition = 1"
    params: dict[str, Any] = {}
    if centre_id:
        sql += " AND centre_id = :c"
        params["c"] = centre_id
    return [{"patient": pseudo_id(r["id"]), "centre_id": r["centre_id"], "since": r["opposition_date"]}
            for r in store.query(sql + " ORDER BY centre_id, id", params)]


def is_opposed(store: Any, patient_ids: list[int]) -> set[int]:
    """Which of these patients are opposed (checked again on every page shown)."""
    found: set[int] = set()
    for chunk in batches(patient_ids):
        marks, params = bind_in(chunk)
        rows = store.query(f"SELECT id FROM patients WHERE opposition = 1 AND id IN ({marks})", params)
        found.update(int(r["id"]) for r in rows)
    return found
