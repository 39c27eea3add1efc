"""The registers a DPO or an administrator keeps, as ``GovernedEngine`` methods: the audit trail
(read, verify, re-anchor after a restore) and the opposition register, each restricted to the user's
own centre and each use audited. Kept apart from the patient-data queries of ``governed.py``."""

from __future__ import annotations

from typing import Any

from privacy.audit import AuditEntry, VerifyReport
from privacy.opposition import opposed_patients, resolve_patient, set_opposition
from privacy.pseudonym import pseudo_id
from privacy.roles import Permission
from privacy.users import AccessDenied, UserProblem

MIN_PURPOSE = 10  # characters: an export's purpose (or a re-anchoring's reason) is a sentence, not a word


class UnknownPatient(UserProblem):
    """No patient of the user's centre has this pseudonymous id."""


class Registers:
    """Audit trail and opposition register of the user's centre (mixed into ``GovernedEngine``)."""

    store: Any
    user: Any
    audit: Any

    def require(self, permission: Permission, function: str, **details: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    # -- audit trail and opposition register ------------------------------------------------
    def audit_entries(self, *, username: str | None = None, since: str | None = None,
                      action: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """Entries of the trail (reading it is itself audited)."""
        self.require(Permission.READ_AUDIT, "read_audit")
        entries = self.audit.entries(username=username, since=since, action=action, limit=limit,
                                     centre_id=self.user.centre_id)
        self.audit.record(self.user, "audit_read", details={"user": username, "since": since,
                                                            "action": action, "shown": len(entries)})
        return entries

    def verify_audit(self) -> VerifyReport:
        self.require(Permission.READ_AUDIT, "read_audit")
        report = self.audit.verify()
        self.audit.record(self.user, "audit_verify", details={"ok": report.ok, "checked": report.checked})
        return report

    def reanchor(self, *, reason: str) -> VerifyReport:
        """Accept the trail's current head as the reference (after restoring a backup, or moving the
        store): recorded with the reason and the report of the chain as it was."""
        self.require(Permission.READ_AUDIT, "audit_anchor")
        if not reason or len(reason.strip()) < MIN_PURPOSE:
            raise UserProblem("Re-anchoring the audit trail needs a reason (a sentence: which restore, "
                              "which ticket).")
        before = self.audit.verify()
        self.audit.record(self.user, "audit_anchor", details={"reason": reason.strip(), "was_ok": before.ok,
                                                             "was": before.sentence()})
        self.audit.anchor_now(force=True)
        return self.audit.verify()

    def set_opposition(self, patient: str, opposed: bool, *, note: str | None = None) -> str:
        """Record or withdraw a patient's opposition to research use; returns the pseudonymous id."""
        self.require(Permission.MANAGE_OPPOSITION, "manage_opposition")
        try:
            pid = resolve_patient(self.store, patient)
        except UserProblem:
            pid = None
        rows = self.store.query("SELECT centre_id FROM patients WHERE id = :p", {"p": pid}) if pid else []
        if not rows or rows[0]["centre_id"] != self.user.centre_id:
            self.audit.record(self.user, "denied", details={"function": "manage_opposition",
                                                            "reason": "other centre" if rows else "unknown"})
            raise UnknownPatient(f"No patient {patient!r} in your centre.")
        set_opposition(self.store, pid, opposed, by=self.user, note=note)
        return pseudo_id(pid)

    def opposed_patients(self, centre_id: str | None = None) -> list[dict[str, Any]]:
        """Opposed patients (pseudonymous ids), for the DPO's review."""
        self.require(Permission.MANAGE_OPPOSITION, "opposition_list")
        if centre_id not in (None, self.user.centre_id):
            self.audit.record(self.user, "denied",
                              details={"function": "opposition_list", "centre": centre_id})
            raise AccessDenied(f"You keep the opposition register of centre {self.user.centre_id} only.")
        rows = opposed_patients(self.store, self.user.centre_id)
        self.audit.record(self.user, "opposition_list", result_size=len(rows))
        return rows

