"""The Criteria model: the contract between the parser, the referent and the compiler.

A Criteria is a boolean tree (``all`` / ``any`` / ``not``) whose leaves are typed atoms. Atoms hold
data only, never SQL (the compiler owns SQL). Every atom matches a *patient*; an atom with several
fields matches a patient having at least one record satisfying all of them at once (one tumour
that is both C50 and metastatic; one treatment line that is both targeted therapy and ongoing).

Conventions that every part of the product relies on:

- Ages are completed years, bounds inclusive: "plus de 70 ans" is ``min=70`` (real age > 70 is
  floor(age) >= 70), "moins de 40 ans" is ``max=39``, "à 50 ans" is ``min=50, max=50``.
- Codes are prefixes along their hierarchy: site ``C50`` matches ``C50.4``; morphology ``850``
  matches ``8500/3``; stage ``III`` matches ``IIIA``; ``T1`` matches ``T1c``.
- Dates are inclusive ISO dates; a missing bound is open.
- Durations are months (a year is 12 months; a month is 30.4375 days when compared with dates).
- Text criteria count affirmed, present mentions only, unless ``include`` lists other qualifiers.

>>> c = All(items=[Sex(value="F"), Tumour(site=["C50"], metastatic=True, age_min=50, age_max=50)])
>>> parse_criteria(to_json(c)) == c
True
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from query_compiler.criteria.codes import (
    AtcCodes,
    HistologyGroups,
    IcdCodes,
    LowerNames,
    MorphologyCodes,
    UpperCodes,
    stripped,
)
from query_compiler.criteria.terms import parse_term
from retrieval.vocab import (
    BiomarkerStatus,
    Conservation,
    DocType,
    EventType,
    Laterality,
    MetastasisSite,
    Qualifier,
    SampleType,
    TreatmentClass,
)
from retrieval.vocab import (
    Sex as SexValue,
)
from retrieval.vocab import (
    VitalStatus as VitalValue,
)

AGE_LIMIT = 120
MAX_ATOMS = 200
MAX_DEPTH = 12

Comparator = Literal[">", ">=", "<", "<=", "="]


class CriteriaError(ValueError):
    """Criteria that cannot run, explained in words a referent understands."""


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _range(lo: Any, hi: Any, what: str) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"{what}: the lower bound ({lo}) is above the upper bound ({hi})")


# -- patient --------------------------------------------------------------------------------------
class Sex(Node):
    """The patient's sex."""

    kind: Literal["sex"] = "sex"
    value: SexValue


class Age(Node):
    """Age in completed years, at a tumour's diagnosis (any tumour), at an event, or today."""

    kind: Literal["age"] = "age"
    at: Literal["diagnosis", "event", "today"] = "diagnosis"
    event: EventType | None = Field(None, description="Which event, when at='event'.")
    min: int | None = Field(None, ge=0, le=AGE_LIMIT)
    max: int | None = Field(None, ge=0, le=AGE_LIMIT)

    @model_validator(mode="after")
    def _check(self) -> Age:
        if self.min is None and self.max is None:
            raise ValueError("age: give a minimum, a maximum or both")
        _range(self.min, self.max, "age")
        if self.at == "event" and self.event is None:
            raise ValueError("age at an event: say which event (e.g. 'metastasis')")
        if self.at != "event" and self.event is not None:
            raise ValueError("age: 'event' only makes sense with at='event'")
        return self


class VitalStatus(Node):
    """Alive or deceased at the last news."""

    kind: Literal["vital_status"] = "vital_status"
    value: VitalValue


class Survival(Node):
    """Months from the first diagnosis to death, or to the last news when alive (overall survival)."""

    kind: Literal["survival"] = "survival"
    min_months: float | None = Field(None, ge=0, le=1200)
    max_months: float | None = Field(None, ge=0, le=1200)

    @model_validator(mode="after")
    def _check(self) -> Survival:
        if self.min_months is None and self.max_months is None:
            raise ValueError("survival: give a minimum, a maximum or both (in months)")
        _range(self.min_months, self.max_months, "survival")
        return self


class Centre(Node):
    """Patients followed in one of these centres."""

    kind: Literal["centre"] = "centre"
    ids: Annotated[list[str], AfterValidator(stripped)] = Field(min_length=1)


# -- tumour ---------------------------------------------------------------------------------------
class Tumour(Node):
    """At least one tumour satisfying every given field.

    ``site`` takes ICD-10 codes (``C50``, ``C34.1``) or ICD-O-3 topographies (same letters);
    ``histology`` ICD-O-3 morphology codes or prefixes (``8500/3``, ``824``); ``histology_group``
    named groups from the terminology (``adenocarcinoma``, ``neuroendocrine``, ``aml``...).
    ``metastatic`` is true when the tumour was metastatic at diagnosis or later had a metastasis.
    """

    kind: Literal["tumour"] = "tumour"
    site: IcdCodes = Field(default_factory=list)
    histology: MorphologyCodes = Field(default_factory=list)
    histology_group: HistologyGroups = Field(default_factory=list)
    laterality: Laterality | None = None
    grade: list[int] = Field(default_factory=list)
    stage: UpperCodes = Field(default_factory=list)
    t: UpperCodes = Field(default_factory=list)
    n: UpperCodes = Field(default_factory=list)
    m: UpperCodes = Field(default_factory=list)
    metastatic_at_diagnosis: bool | None = None
    metastatic: bool | None = None
    age_min: int | None = Field(None, ge=0, le=AGE_LIMIT)
    age_max: int | None = Field(None, ge=0, le=AGE_LIMIT)
    diagnosed_from: date | None = None
    diagnosed_to: date | None = None
    rank: Literal["first", "subsequent"] | None = Field(
        None, description="'first' primary cancer, or a 'subsequent' (second or later) primary."
    )

    @model_validator(mode="after")
    def _check(self) -> Tumour:
        _range(self.age_min, self.age_max, "age at diagnosis")
        _range(self.diagnosed_from, self.diagnosed_to, "diagnosis dates")
        for g in self.grade:
            if not 1 <= g <= 4:
                raise ValueError(f"grade {g} does not exist (grades are 1 to 4)")
        return self


class Event(Node):
    """A disease event (recurrence, metastasis with its site, progression, relapse, second primary)."""

    kind: Literal["event"] = "event"
    type: EventType
    sites: list[MetastasisSite] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Event:
        _range(self.date_from, self.date_to, "event dates")
        if self.sites and self.type != "metastasis":
            raise ValueError("event sites only apply to metastases")
        return self


# -- biomarker ------------------------------------------------------------------------------------
class Biomarker(Node):
    """A gene or marker result: status (HER2 positive), alteration (BRAF V600E), or a value (PD-L1 >= 50)."""

    kind: Literal["biomarker"] = "biomarker"
    marker: Annotated[str, AfterValidator(lambda v: v.strip().upper())] = Field(min_length=1, max_length=40)
    status: BiomarkerStatus | None = None
    alteration: Annotated[str | None, AfterValidator(lambda v: v.strip().upper() if v else v)] = Field(
        None, max_length=60
    )
    op: Comparator | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Biomarker:
        if not self.marker:
            raise ValueError("biomarker: name the marker (e.g. HER2)")
        if (self.op is None) != (self.value is None):
            raise ValueError("biomarker value: give both a comparison (>=, <...) and a number")
        return self


# -- treatment ------------------------------------------------------------------------------------
class Treatment(Node):
    """At least one treatment record with every given field (class, drug, ATC, line, ongoing, dates)."""

    kind: Literal["treatment"] = "treatment"
    classes: list[TreatmentClass] = Field(default_factory=list)
    drugs: LowerNames = Field(default_factory=list, description="Normalised names (INN, lower case).")
    atc: AtcCodes = Field(default_factory=list, description="ATC codes or prefixes (L01F...).")
    line_min: int | None = Field(None, ge=1, le=20)
    line_max: int | None = Field(None, ge=1, le=20)
    ongoing: bool | None = None
    started_from: date | None = None
    started_to: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Treatment:
        _range(self.line_min, self.line_max, "treatment line")
        _range(self.started_from, self.started_to, "treatment start dates")
        return self


class TreatmentLines(Node):
    """How many distinct systemic treatment lines the patient received ("au moins 2 lignes")."""

    kind: Literal["treatment_lines"] = "treatment_lines"
    min: int | None = Field(None, ge=0, le=20)
    max: int | None = Field(None, ge=0, le=20)

    @model_validator(mode="after")
    def _check(self) -> TreatmentLines:
        if self.min is None and self.max is None:
            raise ValueError("number of lines: give a minimum, a maximum or both")
        _range(self.min, self.max, "number of lines")
        return self


# -- hospital stays (PMSI) ------------------------------------------------------------------------
class StayDiagnosis(Node):
    """A hospital stay coded (PMSI) with one of these ICD-10 codes or prefixes."""

    kind: Literal["stay_diagnosis"] = "stay_diagnosis"
    codes: IcdCodes = Field(min_length=1)
    date_from: date | None = None
    date_to: date | None = None

    @model_validator(mode="after")
    def _check(self) -> StayDiagnosis:
        _range(self.date_from, self.date_to, "stay dates")
        return self


# -- documents ------------------------------------------------------------------------------------
class Text(Node):
    """Reports mentioning any of ``terms``.

    A term is a word (``oncofertilité``), a prefix (``cryopréservation ov*``), an exact phrase
    (``"ovocytes congelés"``, quotes optional for several words), or a proximity
    (``préservation NEAR fertilité``, ``a NEAR/5 b``). Accents and case are ignored. Mentions that
    are negated, hypothetical, about a relative or past history do not count unless listed in
    ``include``.
    """

    kind: Literal["text"] = "text"
    terms: list[str] = Field(min_length=1, max_length=50)
    doc_types: list[DocType] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    include: list[Qualifier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Text:

        _range(self.date_from, self.date_to, "document dates")
        for term in self.terms:
            if len(term) > 200:
                raise ValueError("text: a term is limited to 200 characters")
            parse_term(term)  # raises a readable TermError (a ValueError) when it cannot be searched
        return self


# -- biobank --------------------------------------------------------------------------------------
class Biobank(Node):
    """At least one available biobank sample of these types and conservation modes."""

    kind: Literal["biobank"] = "biobank"
    sample_types: list[SampleType] = Field(default_factory=list)
    conservation: list[Conservation] = Field(default_factory=list)


# -- boolean structure and time relations ---------------------------------------------------------
DATED_KINDS = ("tumour", "event", "treatment", "biomarker", "text", "biobank", "stay_diagnosis")


class All(Node):
    """Every item holds."""

    kind: Literal["all"] = "all"
    items: list[Criteria] = Field(min_length=1)


class AnyOf(Node):
    """At least one item holds."""

    kind: Literal["any"] = "any"
    items: list[Criteria] = Field(min_length=1)


class Not(Node):
    """The item does not hold."""

    kind: Literal["not"] = "not"
    item: Criteria


class Sequence(Node):
    """``then`` happened after (or before, or within N months of) ``first`` for the same patient.

    Both sides are dated atoms: a tumour (its diagnosis date), an event, a treatment (start),
    a biomarker, a text mention (document date), a biobank sample or a stay. ``min_months`` and
    ``max_months`` bound the gap ``date(then) - date(first)``: with ``relation='after'`` the gap
    is >= 0, with ``'before'`` it is <= 0 (bounds apply to its absolute value), with ``'within'``
    the absolute gap is at most ``max_months`` whichever came first.
    """

    kind: Literal["sequence"] = "sequence"
    first: Atom
    then: Atom
    relation: Literal["after", "before", "within"] = "after"
    min_months: float | None = Field(None, ge=0, le=1200)
    max_months: float | None = Field(None, ge=0, le=1200)

    @model_validator(mode="after")
    def _check(self) -> Sequence:
        for side in (self.first, self.then):
            if side.kind not in DATED_KINDS:
                raise ValueError(
                    f"time relation: '{side.kind}' has no date; use a tumour, event, treatment, "
                    "biomarker, text, biobank or stay criterion"
                )
        if self.relation == "within" and self.max_months is None:
            raise ValueError("time relation 'within' needs max_months")
        _range(self.min_months, self.max_months, "time relation")
        return self


Atom = Annotated[
    Sex
    | Age
    | VitalStatus
    | Survival
    | Centre
    | Tumour
    | Event
    | Biomarker
    | Treatment
    | TreatmentLines
    | StayDiagnosis
    | Text
    | Biobank,
    Field(discriminator="kind"),
]

CriteriaNode = Annotated[
    All
    | AnyOf
    | Not
    | Sequence
    | Sex
    | Age
    | VitalStatus
    | Survival
    | Centre
    | Tumour
    | Event
    | Biomarker
    | Treatment
    | TreatmentLines
    | StayDiagnosis
    | Text
    | Biobank,
    Field(discriminator="kind"),
]
Criteria = CriteriaNode  # type alias used in annotations above

for _model in (All, AnyOf, Not, Sequence):
    _model.model_rebuild()

ATOM_TYPES: tuple[type[Node], ...] = (
    Sex,
    Age,
    VitalStatus,
    Survival,
    Centre,
    Tumour,
    Event,
    Biomarker,
    Treatment,
    TreatmentLines,
    StayDiagnosis,
    Text,
    Biobank,
)
NODE_TYPES: tuple[type[Node], ...] = (All, AnyOf, Not, Sequence, *ATOM_TYPES)

_ADAPTER: TypeAdapter[Any] = TypeAdapter(CriteriaNode)


def iter_nodes(node: Node) -> Any:
    """Depth-first walk over every node of a tree (boolean nodes and atoms)."""
    yield node
    if isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from iter_nodes(item)
    elif isinstance(node, Not):
        yield from iter_nodes(node.item)
    elif isinstance(node, Sequence):
        yield from iter_nodes(node.first)
        yield from iter_nodes(node.then)


def _depth(node: Node) -> int:
    if isinstance(node, (All, AnyOf)):
        return 1 + max(_depth(i) for i in node.items)
    if isinstance(node, Not):
        return 1 + _depth(node.item)
    if isinstance(node, Sequence):
        return 1 + max(_depth(node.first), _depth(node.then))
    return 1


def _check_size(node: Node) -> Node:
    atoms = sum(1 for n in iter_nodes(node) if isinstance(n, ATOM_TYPES))
    if atoms > MAX_ATOMS:
        raise CriteriaError(f"The criteria hold {atoms} conditions; the limit is {MAX_ATOMS}.")
    if _depth(node) > MAX_DEPTH:
        raise CriteriaError(f"The criteria are nested more than {MAX_DEPTH} levels deep.")
    return node


def _readable(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = " → ".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        ctx = err.get("ctx") or {}
        if err["type"] == "less_than_equal":
            msg = f"{err['input']} is too large (at most {ctx['le']})"
        elif err["type"] == "greater_than_equal":
            msg = f"{err['input']} is too small (at least {ctx['ge']})"
        elif err["type"] == "union_tag_invalid":
            msg = f"unknown kind {ctx.get('tag')!r}; the kinds are {ctx.get('expected_tags')}"
        elif err["type"] == "too_short" and ctx.get("min_length") == 1:
            msg = "must hold at least one item (an empty list matches nothing)"
        lines.append(f"{where}: {msg}" if where else msg)
    return "Invalid criteria:\n- " + "\n- ".join(lines)


def _nesting(data: Any) -> int:
    """How deeply JSON containers nest, computed without recursion (a hostile input can be deep)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if deepest > 4 * MAX_DEPTH:
                break
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return deepest


def parse_criteria(data: str | bytes | dict[str, Any] | Node) -> Node:
    """Validate JSON text or a dict into a Criteria tree, or raise CriteriaError with readable lines."""
    if isinstance(data, Node):
        return _check_size(data)
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except RecursionError:
            raise CriteriaError(f"The criteria are nested more than {MAX_DEPTH} levels deep.") from None
        except json.JSONDecodeError as exc:
            raise CriteriaError(f"The criteria are not valid JSON: {exc}") from None
    if _nesting(data) > 4 * MAX_DEPTH:  # each level is an object plus a list of items
        raise CriteriaError(f"The criteria are nested more than {MAX_DEPTH} levels deep.")
    if not isinstance(data, dict):
        raise CriteriaError('The criteria must be a JSON object with a "kind", e.g. {"kind": "all", ...}.')
    try:
        node = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise CriteriaError(_readable(exc)) from None
    return _check_size(node)


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def to_dict(node: Node) -> dict[str, Any]:
    """Plain data with empty fields omitted: the short form stored, hashed and shown as JSON."""
    return _prune(_ADAPTER.dump_python(node, mode="json"))


def to_json(node: Node, *, indent: int | None = None) -> str:
    """Canonical JSON, stable for storage and hashing (keys in model order, empties omitted)."""
    return json.dumps(to_dict(node), ensure_ascii=False, indent=indent)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of Criteria (the LLM's output is constrained by a form of it)."""
    return _ADAPTER.json_schema()
