"""The cohort engine: run Criteria on a store, always inside a scope, and page through patients.

Everything that reads patients goes through here (CLI, chat, privacy layer), so the scope rule
lives in one place: a ``Scope`` is required on every call and is applied INSIDE the SQL
(``p.centre_id IN (...)`` and ``p.opposition = 0``), never by filtering rows afterwards. There is
no default scope: ``Scope(None)`` (all centres) must be asked for explicitly, and is meant for
anonymous counts only. The engine knows nothing of users or roles: the privacy layer builds the
Scope from a user and wraps this API.

>>> engine = CohortEngine(store)                                  # doctest: +SKIP
>>> engine.count({"kind": "sex", "value": "F"}, Scope(("C1",)))   # doctest: +SKIP
812

Stable API: ``compile``, ``count``, ``count_by_centre``, ``patient_ids``, ``list_patients``,
the saved queries / cohorts methods (``query_compiler.engine.saved``), and the dataclasses below.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlglot import exp

from query_compiler import criteria as C
from query_compiler.compiler import CompiledQuery, Compiler
from query_compiler.compiler.atoms import col
from query_compiler.engine.facts import Fact, matched_facts
from query_compiler.engine.saved import SavedMixin
from retrieval.labels import code_with_label, site_label
from retrieval.store import Store

MAX_PAGE_SIZE = 100_000  # exports read one big page; rows are fetched in chunks
CHUNK = 500
SORTS = ("id", "age", "age_at_diagnosis", "diagnosis_date", "centre", "vital_status")


@dataclass(frozen=True)
class Scope:
    """Which patients a call may see: centres (None = all centres, anonymous counts only) and
    whether patients who opposed research use are excluded (they are, unless care requires it)."""

    centre_ids: tuple[str, ...] | None
    exclude_opposed: bool = True

    def __post_init__(self) -> None:
        if self.centre_ids is not None and not isinstance(self.centre_ids, tuple):
            object.__setattr__(self, "centre_ids", tuple(self.centre_ids))


@dataclass(frozen=True)
class MatchedPatient:
    patient_id: int
    centre_id: str
    sex: str
    age: int  # completed years today (or at death)
    age_at_diagnosis: int | None  # at the diagnosis of the tumour that matched (else the first one)
    vital_status: str  # 'alive' | 'deceased'
    first_diagnosis: dict[str, Any] | None  # code, label, date, morphology, histology_group
    matched: list[Fact] = field(default_factory=list)
    # the tumour the criteria matched (the first one when no tumour criterion matched): code, label
    diagnosis: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Page:
    rows: list[MatchedPatient]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "rows": [r.to_dict() for r in self.rows],
        }


def _criteria(c: C.Node | dict | str) -> C.Node:
    return C.parse_criteria(c)


def _require(scope: Scope) -> Scope:
    if not isinstance(scope, Scope):
        raise TypeError("A Scope is required (e.g. Scope(('C1',)) for one centre); there is no default.")
    return scope


class CohortEngine(SavedMixin):
    """Counts and lists patients matching Criteria on ``store``; ``reference_date`` is 'today'
    (ages today, and nothing else), fixed for reproducible results on a synthetic corpus."""

    def __init__(self, store: Store, reference_date: date | None = None) -> None:
        self.store = store
        self.reference_date = reference_date

    # -- compiling ---------------------------------------------------------------------------
    def compiler(self) -> Compiler:
        return Compiler(self.store.dialect, self.reference_date)

    def compile(self, c: C.Node | dict | str) -> CompiledQuery:
        """The SQL a referent sees (without the scope, which the engine adds at run time)."""
        comp = self.compiler()
        return comp.render(comp.select(_criteria(c)))

    def _scoped(self, comp: Compiler, tree: C.Node, scope: Scope) -> exp.Select:
        return comp.select(tree).where(self._scope_condition(comp, _require(scope)), copy=False)

    @staticmethod
    def _scope_condition(comp: Compiler, scope: Scope) -> exp.Expression:
        conds: list[exp.Expression] = []
        if scope.exclude_opposed:
            conds.append(exp.EQ(this=col("opposition", "p"), expression=exp.Literal.number(0)))
        if scope.centre_ids is not None:
            if not scope.centre_ids:
                conds.append(exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0)))
            else:
                conds.append(
                    col("centre_id", "p").isin(*[comp.param(c) for c in scope.centre_ids], copy=False)
                )
        return (
            exp.and_(*conds, copy=False)
            if conds
            else exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(1))
        )

    def scoped_query(self, c: C.Node | dict | str, scope: Scope) -> CompiledQuery:
        """The exact SQL run for ``patient_ids`` (for audit and display)."""
        comp = self.compiler()
        return comp.render(self._scoped(comp, _criteria(c), scope))

    # -- running -----------------------------------------------------------------------------
    def count(self, c: C.Node | dict | str, scope: Scope) -> int:
        comp = self.compiler()
        q = exp.select(exp.Count(this=exp.Star())).from_(
            self._scoped(comp, _criteria(c), scope).subquery("q"), copy=False
        )
        sql = comp.render(q)
        return int(self.store.scalar(sql.sql, sql.params) or 0)

    def count_by_centre(self, c: C.Node | dict | str, scope: Scope) -> dict[str, int]:
        """Patients per centre (centres with none are absent)."""
        comp = self.compiler()
        q = self._scoped(comp, _criteria(c), scope)
        q.set("expressions", [col("centre_id", "p"), exp.alias_(exp.Count(this=exp.Star()), "n", copy=False)])
        q = q.group_by(col("centre_id", "p"), copy=False).order_by(col("centre_id", "p"), copy=False)
        sql = comp.render(q)
        return {r["centre_id"]: int(r["n"]) for r in self.store.query(sql.sql, sql.params)}

    def patient_ids(self, c: C.Node | dict | str, scope: Scope) -> list[int]:
        comp = self.compiler()
        sql = comp.render(self._scoped(comp, _criteria(c), scope).order_by(col("id", "p"), copy=False))
        return [int(r["id"]) for r in self.store.query(sql.sql, sql.params)]

    def list_patients(
        self,
        c: C.Node | dict | str,
        scope: Scope,
        page: int = 1,
        page_size: int = 20,
        sort: str = "id",
        lang: str = "fr",
        facts: bool = True,
    ) -> Page:
        """One page of matching patients with what matched. ``sort`` is one of SORTS, '-' for
        descending (``-age``); ties are broken by patient id."""
        tree = _criteria(c)
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page starts at 1 and page_size is between 1 and {MAX_PAGE_SIZE}")
        desc = sort.startswith("-")
        key = sort.lstrip("-")
        if key not in SORTS:
            raise ValueError(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)} (prefix '-' to reverse).")
        # One query gives the total and the page: every matching id, in order (ids are small;
        # running the cohort query twice, for a count and for a page, would cost twice as much).
        comp = self.compiler()
        q = self._scoped(comp, tree, scope)
        order: list[exp.Expression] = [col("id", "p")]
        if key != "id":  # the key is projected, then sorted on: Spark sorts on subqueries only so
            q = q.select(exp.alias_(self._sort_key(comp, key), "sort_key", copy=False), copy=False)
            order = [exp.Ordered(this=exp.column("sort_key"), desc=desc, nulls_first=False), col("id", "p")]
        elif desc:
            order = [exp.Ordered(this=col("id", "p"), desc=True)]
        sql = comp.render(q.order_by(*order, copy=False))
        cur = self.store.execute(sql.sql, sql.params)
        ids = [int(r[0] if self.store.dialect == "sqlite" else r["id"]) for r in cur.fetchall()]
        total = len(ids)
        page_ids = ids[(page - 1) * page_size : page * page_size]
        rows = self._rows(page_ids, tree if facts else None, lang)
        return Page(rows, total, page, page_size)

    # -- helpers -----------------------------------------------------------------------------
    def _sort_key(self, comp: Compiler, key: str) -> exp.Expression:
        first_dx = (
            exp.select(exp.func("MIN", col("diagnosis_date", "t")))
            .from_(exp.to_table("tumours").as_("t"), copy=False)
            .where(exp.EQ(this=col("patient_id", "t"), expression=col("id", "p")), copy=False)
        )
        if key == "age":
            at = exp.func("COALESCE", col("death_date", "p"), comp.param(self._today()))
            return comp.dialect.completed_years(at, col("birth_date", "p"))
        if key == "diagnosis_date":
            return first_dx.subquery()
        if key == "age_at_diagnosis":
            return (
                exp.select(col("age_at_diagnosis", "t"))
                .from_(exp.to_table("tumours").as_("t"), copy=False)
                .where(exp.EQ(this=col("patient_id", "t"), expression=col("id", "p")), copy=False)
                .order_by(col("diagnosis_date", "t"), col("id", "t"), copy=False)
                .limit(1, copy=False)
                .subquery()
            )
        if key == "centre":
            return col("centre_id", "p")
        if key == "vital_status":
            return exp.Case(
                ifs=[exp.If(this=col("death_date", "p").is_(exp.Null()), true=exp.Literal.number(0))],
                default=exp.Literal.number(1),
            )
        return col("id", "p")

    def _today(self) -> date:
        return self.reference_date or date.today()

    def _rows(self, ids: list[int], tree: C.Node | None, lang: str) -> list[MatchedPatient]:
        out: list[MatchedPatient] = []
        for k in range(0, len(ids), CHUNK):
            out += self._chunk(ids[k : k + CHUNK], tree, lang)
        return out

    def _chunk(self, ids: list[int], tree: C.Node | None, lang: str) -> list[MatchedPatient]:
        if not ids:
            return []
        marks = ", ".join(f":i{k}" for k in range(len(ids)))
        params = {f"i{k}": v for k, v in enumerate(ids)}
        patients = {
            r["id"]: r
            for r in self.store.query(
                f"SELECT id, centre_id, sex, birth_date, death_date FROM patients WHERE id IN ({marks})",
                params,
            )
        }
        tumours: dict[int, list[dict[str, Any]]] = {}
        for t in self.store.query(
            "SELECT patient_id, icd10, morphology, histology_group, diagnosis_date, age_at_diagnosis"
            f" FROM tumours WHERE patient_id IN ({marks}) ORDER BY diagnosis_date, id",
            params,
        ):
            tumours.setdefault(t["patient_id"], []).append(t)
        firsts = {pid: ts[0] for pid, ts in tumours.items()}
        facts = matched_facts(self, tree, ids, lang) if tree is not None else {}
        today = self._today()
        out = []
        for pid in ids:
            p = patients[pid]
            t = firsts.get(pid)
            m = _matched_tumour(tumours.get(pid, []), facts.get(pid, [])) or t
            out.append(
                MatchedPatient(
                    patient_id=pid,
                    centre_id=p["centre_id"],
                    sex=p["sex"],
                    age=completed_years(p["death_date"] or today, p["birth_date"]),
                    age_at_diagnosis=m["age_at_diagnosis"] if m else None,
                    vital_status="deceased" if p["death_date"] else "alive",
                    first_diagnosis=None
                    if t is None
                    else {
                        "code": t["icd10"],
                        "label": site_label(t["icd10"], lang),
                        "date": t["diagnosis_date"],
                        "morphology": t["morphology"],
                        "histology_group": t["histology_group"],
                    },
                    matched=facts.get(pid, []),
                    diagnosis=None
                    if m is None
                    else {"code": m["icd10"], "label": code_with_label(m["icd10"], lang)},
                )
            )
        return out


def _matched_tumour(tumours: list[dict[str, Any]], facts: list[Fact]) -> dict[str, Any] | None:
    """The first of the patient's tumours that a tumour criterion matched (a fact carries its
    diagnosis date and code): a woman matched on a breast cancer at 50 is shown at 50, not at the
    age of an earlier, unrelated cancer."""
    dates = {str(f.date)[:10] for f in facts if f.kind == "tumour" and f.date}
    return next((t for t in tumours if str(t["diagnosis_date"])[:10] in dates), None)


def completed_years(at: date | str, birth: date | str) -> int:
    """Age in completed years (the convention of the whole product)."""
    a = date.fromisoformat(at) if isinstance(at, str) else at
    b = date.fromisoformat(birth) if isinstance(birth, str) else birth
    return a.year - b.year - ((a.month, a.day) < (b.month, b.day))

