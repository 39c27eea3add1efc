"""The compact form the LLM writes, and its expansion into criteria items.

Each output token costs ~0.1 s on 2 cores, so the model fills a short, flat JSON object (only the
fields the question mentions) instead of the full Criteria tree; code expands it. The JSON Schema
given to llama.cpp's grammar is derived from this model, with the controlled vocabularies as enums,
so the model cannot invent a treatment class or an event type. Nothing here can express SQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from query_compiler.parser.state import Item
from retrieval.vocab import BiomarkerStatus, EventType, MetastasisSite, TreatmentClass

HistologyGroup = str  # checked against the terminology's groups after generation


class _Compact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CTumour(_Compact):
    site: list[str] = Field(default_factory=list, description="ICD-10 codes such as C50")
    histology: list[HistologyGroup] = Field(default_factory=list)
    metastatic: bool | None = None
    metastatic_at_diagnosis: bool | None = None
    age_min: int | None = Field(None, description="age at diagnosis, completed years")
    age_max: int | None = None
    diagnosed_from: date | None = None
    diagnosed_to: date | None = None
    grade: list[int] = Field(default_factory=list)
    stage: list[str] = Field(default_factory=list)


class CTreatment(_Compact):
    kind: TreatmentClass | None = None
    drug: str | None = None
    ongoing: bool | None = None
    line: int | None = None
    exclude: bool | None = None


class CMarker(_Compact):
    marker: str
    status: BiomarkerStatus | None = None
    alteration: str | None = None
    op: Literal[">", ">=", "<", "<="] | None = None
    value: float | None = None


class CEvent(_Compact):
    type: EventType
    sites: list[MetastasisSite] = Field(default_factory=list)
    exclude: bool | None = None


class Compact(_Compact):
    refuse: bool | None = None
    sex: Literal["F", "M"] | None = None
    age_min: int | None = None
    age_max: int | None = None
    tumour: CTumour | None = None
    later_tumour: CTumour | None = None
    treatments: list[CTreatment] = Field(default_factory=list)
    markers: list[CMarker] = Field(default_factory=list)
    events: list[CEvent] = Field(default_factory=list)
    vital: Literal["alive", "deceased"] | None = None
    survival_min_months: float | None = None
    min_lines: int | None = None
    text: list[str] = Field(default_factory=list)
    biobank: bool | None = None


def _inline(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """Resolve $ref and drop titles/defaults: llama.cpp's grammar converter wants a plain schema."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].split("/")[-1]], defs)
        out = {}
        for k, v in schema.items():
            if k in ("title", "default", "description", "$defs"):
                continue
            out[k] = _inline(v, defs)
        if "anyOf" in out:  # Optional[X] → X (absent means null)
            options = [o for o in out["anyOf"] if o.get("type") != "null"]
            if len(options) == 1:
                rest = {k: v for k, v in out.items() if k != "anyOf"}
                return {**options[0], **rest}
        return out
    if isinstance(schema, list):
        return [_inline(s, defs) for s in schema]
    return schema


def llm_schema(groups: list[str]) -> dict[str, Any]:
    """The JSON Schema that constrains the model's output."""
    raw = Compact.model_json_schema()
    schema = _inline(raw, raw.get("$defs", {}))
    for tumour_key in ("tumour", "later_tumour"):
        schema["properties"][tumour_key]["properties"]["histology"]["items"] = {
            "type": "string",
            "enum": groups,
        }
        schema["properties"][tumour_key]["properties"]["grade"]["items"] = {
            "type": "integer",
            "enum": [1, 2, 3, 4],
        }
        for f in ("diagnosed_from", "diagnosed_to"):
            schema["properties"][tumour_key]["properties"][f] = {"type": "string", "format": "date"}
    return schema


def _tumour_fields(t: CTumour) -> dict[str, Any]:
    data = t.model_dump(exclude_none=True)
    data = {k: v for k, v in data.items() if v != []}
    if "histology" in data:
        data["histology_group"] = data.pop("histology")
    return data


def to_items(c: Compact, known_groups: set[str], drug_names: set[str]) -> list[Item]:
    """Compact → criteria items (same shape as the terminology's, so the two can be merged)."""
    items: list[Item] = []
    pos = 0

    def add(kind: str, fields: dict[str, Any], neg: bool = False) -> Item:
        nonlocal pos
        pos += 1
        item = Item(kind, fields=fields, pos=pos, neg=neg)
        items.append(item)
        return item

    if c.sex:
        add("sex", {"value": c.sex})
    if c.age_min is not None or c.age_max is not None:
        add("age", {k: v for k, v in (("min", c.age_min), ("max", c.age_max)) if v is not None})
    first = None
    if c.tumour:
        fields = _tumour_fields(c.tumour)
        fields["histology_group"] = [g for g in fields.get("histology_group", []) if g in known_groups]
        first = add("tumour", {k: v for k, v in fields.items() if v != []})
    if c.later_tumour:
        fields = _tumour_fields(c.later_tumour)
        fields["histology_group"] = [g for g in fields.get("histology_group", []) if g in known_groups]
        then = Item("tumour", fields={k: v for k, v in fields.items() if v != []})
        if first is not None:
            items.remove(first)
            add("sequence", {"first": first, "then": then})
        else:
            add("tumour", then.fields)
    for t in c.treatments:
        fields: dict[str, Any] = {}
        if t.drug:
            fields["drugs"] = [t.drug.strip().lower()]
        elif t.kind:
            fields["classes"] = [t.kind]
        if t.ongoing:
            fields["ongoing"] = True
        if t.line:
            fields["line_min"] = fields["line_max"] = t.line
        if fields:
            add("treatment", fields, neg=bool(t.exclude))
    for m in c.markers:
        add("biomarker", m.model_dump(exclude_none=True))
    for e in c.events:
        fields = {"type": e.type}
        if e.sites and e.type == "metastasis":
            fields["sites"] = list(e.sites)
        add("event", fields, neg=bool(e.exclude))
    if c.vital:
        add("vital_status", {"value": c.vital})
    if c.survival_min_months:
        add("survival", {"min_months": c.survival_min_months})
    if c.min_lines:
        add("treatment_lines", {"min": c.min_lines})
    if c.text:
        add("text", {"terms": list(c.text)})
    if c.biobank:
        add("biobank", {})
    return items


TREATMENT_CLASSES = list(get_args(TreatmentClass))
