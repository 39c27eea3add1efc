"""Roles and what each may do: the one table a data-protection officer reviews.

Principles: patient-level data never leaves the user's own centre; other centres only ever
answer with counts (and only for roles that need them); re-identification is for care and
trial pre-screening roles, in their own centre, each use audited; the people who manage users
and read the audit trail (admin, DPO) do not browse patient data.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    COUNT = "count"                        # count patients in one's own centre
    VIEW_ROWS = "view_rows"                # list matching patients (pseudonymous ids, facts)
    VIEW_SNIPPETS = "view_snippets"        # read redacted report excerpts and documents
    EXPORT = "export"                      # extract a cohort (pseudonymised), with a stated purpose
    REIDENTIFY = "reidentify"              # map a pseudonymous id back to the patient (own centre)
    CROSS_CENTRE_COUNTS = "cross_centre_counts"  # anonymous counts from every centre
    EDIT_CRITERIA = "edit_criteria"        # edit criteria, see the compiled SQL
    MANAGE_USERS = "manage_users"          # create users, change roles, deactivate
    READ_AUDIT = "read_audit"              # read and verify the audit trail
    MANAGE_OPPOSITION = "manage_opposition"  # record a patient's opposition to research use


class Role(StrEnum):
    CLINICIAN = "clinician"
    RESEARCH_ASSOCIATE = "research_associate"
    REFERENT = "referent"
    RESEARCHER = "researcher"
    DPO = "dpo"
    ADMIN = "admin"


P = Permission
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset({P.COUNT, P.VIEW_ROWS, P.VIEW_SNIPPETS, P.REIDENTIFY}),
    Role.RESEARCH_ASSOCIATE: frozenset({P.COUNT, P.VIEW_ROWS, P.VIEW_SNIPPETS, P.EXPORT, P.REIDENTIFY}),
    Role.REFERENT: frozenset({P.COUNT, P.VIEW_ROWS, P.VIEW_SNIPPETS, P.EXPORT, P.CROSS_CENTRE_COUNTS,
                              P.EDIT_CRITERIA}),
    Role.RESEARCHER: frozenset({P.COUNT, P.VIEW_ROWS, P.EXPORT, P.CROSS_CENTRE_COUNTS}),
    Role.DPO: frozenset({P.COUNT, P.READ_AUDIT, P.MANAGE_OPPOSITION}),
    Role.ADMIN: frozenset({P.MANAGE_USERS, P.READ_AUDIT, P.MANAGE_OPPOSITION}),
}

LABELS: dict[Role, tuple[str, str]] = {
    Role.CLINICIAN: ("clinicien", "clinician"),
    Role.RESEARCH_ASSOCIATE: ("attaché de recherche clinique (ARC)", "clinical research associate"),
    Role.REFERENT: ("référent", "referent"),
    Role.RESEARCHER: ("chercheur", "researcher"),
    Role.DPO: ("délégué à la protection des données (DPO)", "data protection officer"),
    Role.ADMIN: ("administrateur", "administrator"),
}
PERMISSION_LABELS: dict[Permission, tuple[str, str]] = {
    P.COUNT: ("compter les patients de son centre", "count patients in one's centre"),
    P.VIEW_ROWS: ("voir la liste des patients", "list patients"),
    P.VIEW_SNIPPETS: ("lire les extraits de comptes rendus", "read report excerpts"),
    P.EXPORT: ("exporter une cohorte", "export a cohort"),
    P.REIDENTIFY: ("ré-identifier un patient", "re-identify a patient"),
    P.CROSS_CENTRE_COUNTS: ("compter dans les autres centres", "count in other centres"),
    P.EDIT_CRITERIA: ("modifier les critères, voir le SQL", "edit criteria, see the SQL"),
    P.MANAGE_USERS: ("gérer les utilisateurs", "manage users"),
    P.READ_AUDIT: ("lire la trace d'audit", "read the audit trail"),
    P.MANAGE_OPPOSITION: ("enregistrer les oppositions", "record oppositions"),
}


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise ValueError(
            f"Unknown role {value!r}: choose one of {', '.join(r.value for r in Role)}.") from None


def allowed(role: Role | str, permission: Permission | str) -> bool:
    return Permission(permission) in PERMISSIONS[Role(role)]


def role_label(role: Role | str, lang: str = "fr") -> str:
    pair = LABELS[Role(role)]
    return pair[0] if lang == "fr" else pair[1]


def permission_label(permission: Permission | str, lang: str = "fr") -> str:
    pair = PERMISSION_LABELS[Permission(permission)]
    return pair[0] if lang == "fr" else pair[1]
