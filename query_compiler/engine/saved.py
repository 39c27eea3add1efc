"""Saved queries (criteria a referent can re-run) and saved cohorts (frozen patient sets).

A saved query keeps Criteria and reruns them on today's data; a saved cohort keeps the patient
ids found at the time it was saved, so a study population does not drift. Cohorts combine by
union, intersection and difference into a new saved cohort that records its origin. Tables come
from migration 0002. Ownership and sharing rules belong to the privacy layer, which wraps these
methods; here ``owner`` is only recorded and used as a filter.

Who sees a saved query is one rule, written once here (``VISIBLE``): its owner, the owner's centre
when it is shared, and the novice whose referent request it answers. A cohort is seen by its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from query_compiler import criteria as C
from retrieval.store import now_iso

if TYPE_CHECKING:
    from query_compiler.engine import Scope
    from retrieval.store import Store

SetOperation = Literal["union", "intersection", "difference"]

VISIBLE = (
    "(q.owner = :u OR (q.shared = 1 AND q.centre_id = :c) OR q.id IN "
    "(SELECT saved_query_id FROM referent_requests WHERE from_user = :u AND saved_query_id IS NOT NULL))"
)


def reference(ref: str | int) -> str:
    """What a person types to name a saved item: '#3', 'n°3', '3' or its name."""
    return str(ref).strip().lstrip("#").removeprefix("n°").removeprefix("no.").strip()


@dataclass(frozen=True)
class SavedQuery:
    id: int
    name: str
    owner: str
    criteria: C.Node
    question: str | None
    centre_id: str | None
    created_at: str
    last_run_at: str | None
    shared: bool


@dataclass(frozen=True)
class SavedCohort:
    id: int
    name: str
    owner: str
    centre_id: str | None
    criteria: C.Node | None
    origin: str | None  # 'query', or 'union of #3 and #5'...
    size: int
    created_at: str


def _query_row(r: dict[str, Any]) -> SavedQuery:
    return SavedQuery(
        int(r["id"]),
        r["name"],
        r["owner"],
        C.parse_criteria(r["criteria"]),
        r["question"],
        r["centre_id"],
        r["created_at"],
        r["last_run_at"],
        bool(r["shared"]),
    )


def _cohort_row(r: dict[str, Any]) -> SavedCohort:
    crit = C.parse_criteria(r["criteria"]) if r["criteria"] else None
    return SavedCohort(
        int(r["id"]),
        r["name"],
        r["owner"],
        r["centre_id"],
        crit,
        r["origin"],
        int(r["size"]),
        r["created_at"],
    )


class SavedMixin:
    """Saved queries and cohorts, mixed into CohortEngine (needs ``self.store`` and ``patient_ids``)."""

    store: Store

    def patient_ids(self, c: C.Node | dict | str, scope: Scope) -> list[int]:  # pragma: no cover
        raise NotImplementedError

    def _insert(self, sql: str, params: dict[str, Any]) -> int:
        if self.store.dialect == "postgres":
            return int(self.store.scalar(sql + " RETURNING id", params))
        with self.store.transaction():
            self.store.execute(sql, params)
            return int(self.store.scalar("SELECT last_insert_rowid()"))

    # -- saved queries -----------------------------------------------------------------------
    def save_query(
        self,
        name: str,
        criteria: C.Node | dict | str,
        owner: str,
        *,
        question: str | None = None,
        centre_id: str | None = None,
        shared: bool = False,
    ) -> SavedQuery:
        tree = C.parse_criteria(criteria)
        if not name.strip():
            raise ValueError("A saved query needs a name.")
        qid = self._insert(
            "INSERT INTO saved_queries (name, owner, centre_id, question, criteria, created_at, shared)"
            " VALUES (:name, :owner, :centre, :question, :criteria, :at, :shared)",
            {
                "name": name.strip(),
                "owner": owner,
                "centre": centre_id,
                "question": question,
                "criteria": C.to_json(tree),
                "at": now_iso(),
                "shared": int(shared),
            },
        )
        return self.saved_query(qid)

    def saved_query(self, query_id: int) -> SavedQuery:
        rows = self.store.query("SELECT * FROM saved_queries WHERE id = :id", {"id": query_id})
        if not rows:
            raise LookupError(f"There is no saved query #{query_id}.")
        return _query_row(rows[0])

    def saved_queries(self, username: str, centre_id: str) -> list[SavedQuery]:
        """The queries ``username`` of ``centre_id`` may see and run (the ``VISIBLE`` rule)."""
        rows = self.store.query(
            f"SELECT q.* FROM saved_queries q WHERE {VISIBLE} ORDER BY q.id", {"u": username, "c": centre_id}
        )
        return [_query_row(r) for r in rows]

    def find_saved_query(self, ref: str | int, username: str, centre_id: str) -> SavedQuery | None:
        """A visible query by number or by exact name (the most recent of that name)."""
        key = reference(ref)
        params: dict[str, Any] = {"u": username, "c": centre_id, "r": int(key) if key.isdigit() else key}
        where = "q.id = :r" if key.isdigit() else "q.name = :r"
        rows = self.store.query(
            f"SELECT q.* FROM saved_queries q WHERE {where} AND {VISIBLE} ORDER BY q.id DESC", params
        )
        return _query_row(rows[0]) if rows else None

    def mark_run(self, query_id: int) -> None:
        """Record that a saved query was just run (``last_run_at``)."""
        self.store.execute(
            "UPDATE saved_queries SET last_run_at = :at WHERE id = :id", {"at": now_iso(), "id": query_id}
        )

    def delete_saved_query(self, query_id: int) -> None:
        self.store.execute("DELETE FROM saved_queries WHERE id = :id", {"id": query_id})

    # -- saved cohorts -----------------------------------------------------------------------
    def _store_cohort(
        self,
        name: str,
        owner: str,
        ids: list[int],
        *,
        criteria: C.Node | None,
        origin: str,
        centre_id: str | None,
    ) -> SavedCohort:
        if not name.strip():
            raise ValueError("A saved cohort needs a name.")
        with self.store.transaction():
            cid = self._insert(
                "INSERT INTO saved_cohorts (name, owner, centre_id, criteria, origin, size, created_at)"
                " VALUES (:name, :owner, :centre, :criteria, :origin, :size, :at)",
                {
                    "name": name.strip(),
                    "owner": owner,
                    "centre": centre_id,
                    "criteria": C.to_json(criteria) if criteria is not None else None,
                    "origin": origin,
                    "size": len(ids),
                    "at": now_iso(),
                },
            )
            self.store.executemany(
                "INSERT INTO cohort_members (cohort_id, patient_id) VALUES (:c, :p)",
                [{"c": cid, "p": p} for p in sorted(set(ids))],
            )
        return self.saved_cohort(cid)

    def save_cohort(self, name: str, criteria: C.Node | dict | str, owner: str, scope: Scope) -> SavedCohort:
        """Freeze the patients matching ``criteria`` within ``scope`` as a named cohort."""
        tree = C.parse_criteria(criteria)
        ids = self.patient_ids(tree, scope)
        centre = scope.centre_ids[0] if scope.centre_ids and len(scope.centre_ids) == 1 else None
        return self._store_cohort(name, owner, ids, criteria=tree, origin="query", centre_id=centre)

    def saved_cohort(self, cohort_id: int) -> SavedCohort:
        rows = self.store.query("SELECT * FROM saved_cohorts WHERE id = :id", {"id": cohort_id})
        if not rows:
            raise LookupError(f"There is no saved cohort #{cohort_id}.")
        return _cohort_row(rows[0])

    def saved_cohorts(self, owner: str | None = None) -> list[SavedCohort]:
        sql, params = "SELECT * FROM saved_cohorts", {}
        if owner is not None:
            sql, params = sql + " WHERE owner = :o", {"o": owner}
        return [_cohort_row(r) for r in self.store.query(sql + " ORDER BY id", params)]

    def find_saved_cohort(self, ref: str | int, owner: str) -> SavedCohort | None:
        """One of ``owner``'s cohorts by number or by exact name (the most recent of that name)."""
        key = reference(ref)
        mine = self.saved_cohorts(owner)
        found = [c for c in mine if (key.isdigit() and c.id == int(key)) or c.name == key]
        return found[-1] if found else None

    def cohort_members(self, cohort_id: int) -> list[int]:
        self.saved_cohort(cohort_id)
        rows = self.store.query(
            "SELECT patient_id FROM cohort_members WHERE cohort_id = :c ORDER BY patient_id", {"c": cohort_id}
        )
        return [int(r["patient_id"]) for r in rows]

    def combine_cohorts(
        self, op: SetOperation, first: int, second: int, name: str, owner: str
    ) -> SavedCohort:
        """A new cohort from two saved ones: ``union``, ``intersection`` or ``difference``
        (first minus second)."""
        a, b = set(self.cohort_members(first)), set(self.cohort_members(second))
        if op == "union":
            ids = a | b
        elif op == "intersection":
            ids = a & b
        elif op == "difference":
            ids = a - b
        else:
            raise ValueError(f"Unknown operation {op!r}: use union, intersection or difference.")
        ca, cb = self.saved_cohort(first), self.saved_cohort(second)
        centre = ca.centre_id if ca.centre_id == cb.centre_id else None
        return self._store_cohort(
            name,
            owner,
            sorted(ids),
            criteria=None,
            origin=f"{op} of #{first} and #{second}",
            centre_id=centre,
        )

    def delete_cohort(self, cohort_id: int) -> None:
        with self.store.transaction():
            self.store.execute("DELETE FROM cohort_members WHERE cohort_id = :c", {"c": cohort_id})
            self.store.execute("DELETE FROM saved_cohorts WHERE id = :c", {"c": cohort_id})
