"""Export of the current cohort as CSV (one column per selection criterion) or as a FHIR R4 Bundle
of pseudonymised resources (Patient, cancer Conditions, TNM and marker Observations, treatments,
specimens: the coded record, no text), both pseudonymous and redacted.

An export is the riskiest action (data leaves the screen), so it needs the export right and a
stated purpose, and it is written to the audit trail with the criteria, the number of rows and the
purpose before the file is handed over. Rows carry the pseudonymous id, never the real one; each
criterion column says which facts matched it for that patient (redacted snippets included), so a
reader can check why a patient is in the cohort without opening the record.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from assistant.core.results import PatientRow
from assistant.i18n import t
from query_compiler.criteria import All, AnyOf, Not, Sequence, iter_nodes
from query_compiler.render import render

EXPORT_PAGE = 500
MAX_EXPORT_ROWS = 100_000


def top_criteria(node: Any) -> list[Any]:
    """The criteria a reader would list: the items of a top-level 'all', else the node itself."""
    return list(node.items) if isinstance(node, All) else [node]


def _kinds(node: Any) -> set[str]:
    return {n.kind for n in iter_nodes(node) if not isinstance(n, (All, AnyOf, Not, Sequence))}


def _cell(row: PatientRow, node: Any, lang: str) -> str:
    if isinstance(node, Not):
        return t("export.absent", lang)
    kinds = _kinds(node)
    facts = [f for f in row.facts if f.kind in kinds]
    if not facts:
        if "sex" in kinds:
            return row.sex
        if "age" in kinds:
            return row.age_band
        if "vital_status" in kinds and row.vital_status:
            return t(f"vital.{row.vital_status}", lang)
        return t("export.yes", lang)
    parts = []
    for f in facts:
        text = f.label
        if f.snippet:
            snippet = " ".join(f.snippet.split())  # one line per cell, whatever the report's layout
            text += f" « {snippet} »" if lang == "fr" else f" “{snippet}”"
        parts.append(text)
    return " | ".join(parts)


def to_csv(rows: list[PatientRow], node: Any, lang: str) -> str:
    """CSV text: fixed columns, then one column per top-level criterion (header = its sentence)."""
    crits = top_criteria(node)
    buf = io.StringIO()
    writer = csv.writer(buf)
    header = [
        t("table.pseudo", lang),
        t("table.age_band", lang),
        t("table.sex", lang),
        t("table.vital", lang),
    ]
    header += [render(c, lang) for c in crits]
    writer.writerow(header)
    for r in rows:
        vital = t(f"vital.{r.vital_status}", lang) if r.vital_status else ""
        writer.writerow([r.pseudo_id, r.age_band, r.sex, vital, *(_cell(r, c, lang) for c in crits)])
    return buf.getvalue()


# -- FHIR R4 ------------------------------------------------------------------------------------------
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
METASTASIS_ICD10 = {
    "bone": "C79.5",
    "liver": "C78.7",
    "lung": "C78.0",
    "brain": "C79.3",
    "lymph_node": "C77.9",
    "peritoneum": "C78.6",
    "pleura": "C78.2",
    "adrenal": "C79.7",
    "skin": "C79.2",
    "other": "C79.8",
}
LATERALITY = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
}
PROCEDURE_CATEGORY = {
    "surgery": ("387713003", "Surgical procedure"),
    "radiotherapy": ("108290001", "Radiation oncology AND/OR radiotherapy"),
}


def _cc(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": str(code), **({"display": display} if display else {})}]}


def fhir_resources(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The FHIR resources of one exported patient: a Patient whose id is the pseudonymous id (no
    name, no identifier), then its coded record, every date already shifted by the privacy layer."""
    pseudo = row["pseudo_id"]
    rec = row.get("clinical") or {}
    p = rec.get("patient") or {}
    subject = {"reference": f"Patient/{pseudo}"}
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pseudo,
        "meta": {"security": [_SECURITY]},
        "gender": {"F": "female", "M": "male"}.get(row.get("sex") or p.get("sex") or "", "unknown"),
    }
    if p.get("birth_date"):
        patient["birthDate"] = p["birth_date"]
    if p.get("death_date"):
        patient["deceasedDateTime"] = p["death_date"]
    elif row.get("vital_status") == "deceased":
        patient["deceasedBoolean"] = True
    out = [patient]
    cond = {}
    for tu in rec.get("tumours", []):
        tid = f"{pseudo}-{tu['tumour']}"
        cond[tu["tumour"]] = {"reference": f"Condition/{tid}"}
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": tid,
            "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
            "code": _cc(ICD10, tu["icd10"]),
            "subject": subject,
            "onsetDateTime": tu["diagnosis_date"],
        }
        if tu.get("topography"):
            site = _cc(ICDO3, tu["topography"])
            if tu.get("laterality") in LATERALITY:
                site["extension"] = [
                    {
                        "url": MCODE + "mcode-laterality-qualifier",
                        "valueCodeableConcept": _cc(SNOMED, *LATERALITY[tu["laterality"]]),
                    }
                ]
            condition["bodySite"] = [site]
        if tu.get("morphology"):
            condition["extension"] = [
                {
                    "url": MCODE + "mcode-histology-morphology-behavior",
                    "valueCodeableConcept": _cc(ICDO3, tu["morphology"]),
                }
            ]
        if tu.get("stage"):
            condition["stage"] = [{"summary": {"text": tu["stage"]}}]
        out.append(condition)
        for axis, loinc in (("t", "21905-5"), ("n", "21906-3"), ("m", "21907-1")):
            if tu.get(axis):
                out.append(
                    {
                        "resourceType": "Observation",
                        "id": f"{tid}-{axis}",
                        "status": "final",
                        "code": _cc(LOINC, loinc),
                        "subject": subject,
                        "focus": [cond[tu["tumour"]]],
                        "effectiveDateTime": tu["diagnosis_date"],
                        "valueCodeableConcept": {"text": tu[axis]},
                    }
                )
    for k, e in enumerate(rec.get("events", []), start=1):
        focus = cond.get(e.get("tumour"))
        if e["type"] == "metastasis":
            resource: dict[str, Any] = {
                "resourceType": "Condition",
                "id": f"{pseudo}-E{k}",
                "meta": {"profile": [MCODE + "mcode-secondary-cancer-condition"]},
                "code": {
                    **_cc(ICD10, METASTASIS_ICD10.get(e.get("site") or "other", "C79.8")),
                    "text": e.get("site") or "other",
                },
                "subject": subject,
                "onsetDateTime": e["date"],
            }
            if focus:
                resource["extension"] = [
                    {"url": MCODE + "mcode-related-primary-cancer-condition", "valueReference": focus}
                ]
        else:
            resource = {
                "resourceType": "Observation",
                "id": f"{pseudo}-E{k}",
                "status": "final",
                "code": _cc(LOINC, "97509-4", "Cancer disease status"),
                "subject": subject,
                "effectiveDateTime": e["date"],
                "valueCodeableConcept": {"text": e["type"]},
                **({"focus": [focus]} if focus else {}),
            }
        out.append(resource)
    for k, tr in enumerate(rec.get("treatments", []), start=1):
        focus = cond.get(tr.get("tumour"))
        period = {"start": tr["start_date"], **({"end": tr["end_date"]} if tr.get("end_date") else {})}
        extension = [{"url": LINE_OF_THERAPY, "valuePositiveInt": tr["line"]}] if tr.get("line") else []
        common = {
            "subject": subject,
            **({"reasonReference": [focus]} if focus else {}),
            **({"extension": extension} if extension else {}),
        }
        if tr.get("atc"):
            out.append(
                {
                    "resourceType": "MedicationStatement",
                    "id": f"{pseudo}-R{k}",
                    "status": "active" if not tr.get("end_date") else "completed",
                    "medicationCodeableConcept": {
                        **_cc(ATC, tr["atc"], tr.get("name")),
                        "text": tr.get("name") or tr["class"],
                    },
                    "effectivePeriod": period,
                    **common,
                }
            )
        else:
            category = PROCEDURE_CATEGORY.get(tr["class"])
            out.append(
                {
                    "resourceType": "Procedure",
                    "id": f"{pseudo}-R{k}",
                    "status": "completed" if tr.get("end_date") else "in-progress",
                    **({"category": _cc(SNOMED, *category)} if category else {}),
                    "code": {"text": tr.get("name") or tr["class"]},
                    "performedPeriod": period,
                    **common,
                }
            )
    for k, b in enumerate(rec.get("biomarkers", []), start=1):
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"{pseudo}-B{k}",
            "status": "final",
            "code": {"text": b["marker"]},
            "subject": subject,
        }
        if b.get("date"):
            obs["effectiveDateTime"] = b["date"]
        if b.get("value") is not None:
            obs["valueQuantity"] = {"value": b["value"], **({"unit": b["unit"]} if b.get("unit") else {})}
            if b.get("status"):
                obs["interpretation"] = [{"text": b["status"]}]
        elif b.get("status"):
            obs["valueCodeableConcept"] = {"text": b["status"]}
        if b.get("alteration"):
            obs["component"] = [
                {
                    "code": _cc(LOINC, "48005-3", "Amino acid change (pHGVS)"),
                    "valueCodeableConcept": {"text": b["alteration"]},
                }
            ]
        if cond.get(b.get("tumour")):
            obs["focus"] = [cond[b["tumour"]]]
        out.append(obs)
    for k, s in enumerate(rec.get("samples", []), start=1):
        specimen: dict[str, Any] = {
            "resourceType": "Specimen",
            "id": f"{pseudo}-S{k}",
            "subject": subject,
            "status": "available" if s.get("available") else "unavailable",
            "type": {"text": s["type"]},
        }
        if s.get("date"):
            specimen["collection"] = {"collectedDateTime": s["date"]}
        if s.get("conservation"):
            specimen["processing"] = [{"description": s["conservation"]}]
        out.append(specimen)
    return out


LINE_OF_THERAPY = "https://cohort-assistant.example/fhir/StructureDefinition/line-of-therapy"
_SECURITY = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "PSEUDED",
    "display": "pseudonymized",
}


def to_fhir(rows: list[dict[str, Any]], *, purpose: str, audit_id: int | None, timestamp: str) -> str:
    """A FHIR R4 Bundle (type collection) of the exported patients' pseudonymised resources; every
    resource is validated by ``fhir.resources`` before it is written. The purpose and the audit entry
    travel with it (Bundle.identifier and meta), so a receiver can trace where it came from."""
    entries = []
    for row in rows:
        for resource in fhir_resources(row):
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            entries.append(
                {"fullUrl": f"urn:cohort:{resource['resourceType']}/{resource['id']}", "resource": resource}
            )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "meta": {
            "security": [_SECURITY],
            "tag": [{"system": "urn:cohort:export-purpose", "code": "purpose", "display": purpose[:200]}],
        },
        "identifier": {"system": "urn:cohort:audit", "value": str(audit_id or "")},
        "total": len(rows),
        "entry": entries,
    }
    Bundle.model_validate(bundle)
    return json.dumps(bundle, ensure_ascii=False, indent=1)
