"""The synthetic corpus as a hospital's FHIR R4 export (Bulk NDJSON, or one Bundle): test and
evaluation tooling for the importer (``retrieval/ingest/fhir.py``), never used by the product.

Written the way an mCODE-minded integration engine would: Patient (IPP, INS-NIR, names, address,
contacts), Practitioner, Consent (opposition to research), primary cancer Conditions (ICD-10 code,
ICD-O-3 topography as body site with laterality, ICD-O-3 morphology in the mCODE histology
extension, stage summary), secondary cancer Conditions (metastases, related to their primary), TNM /
grade / disease-status / vital-status Observations, tumour markers and genomic variants,
MedicationStatement (ATC) and Procedure (surgery, radiotherapy, transplant) with a line-of-therapy
extension, Specimen (biobank), DocumentReference (text as base64, scans as PDF/PNG attachments).
Stays (PMSI) are not exported. Every resource is built with ``fhir.resources`` so the export is valid.

``export_fhir(corpus_dir, out_dir, centre=None, bundle=False)`` → counts per resource type.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from retrieval.classifications import mappings as M
from retrieval.records import CentreRecord, DocumentRecord, PatientRecord, PhysicianRecord
from retrieval.vocab import DOC_TYPES
from synthetic.catalogue import METASTASIS_CODES

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
HGNC = "http://www.genenames.org/geneId"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
LINE_EXT = "https://cohort-assistant.example/fhir/StructureDefinition/line-of-therapy"
IPP_SYSTEM = "https://cohort-assistant.example/fhir/ipp"
NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
DOC_LOINC = {"consultation": "11488-4", "pathology": "11526-1", "imaging": "18748-4", "operative": "11504-8"}
MARKER_LOINC = {"ER": "85337-4", "PR": "85339-0", "HER2": "48676-1", "PSA": "2857-1"}
NOT_GENES = {"ER", "PR", "HER2", "PSA", "KI67", "PD-L1", "MSI", "DEL17P", "T(4;14)"}
LATERALITY = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
}
INTERPRETATION = {"positive": "POS", "negative": "NEG", "high": "H", "low": "L", "equivocal": "IND"}
STATUS_TEXT = {"wild_type": "wild type"}
EVENT_VALUES = {
    "progression": {
        "coding": [{"system": SNOMED, "code": "271299001", "display": "Patient's condition worsened"}],
        "text": "progression",
    },
    "relapse": {"text": "relapse"},
    "local_recurrence": {"text": "local recurrence"},
}
SPECIMEN_TYPES = {
    "tumour_tissue": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0487", "code": "TUMOR"}]
    },
    "normal_tissue": {"text": "normal tissue"},
    "blood": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0487", "code": "BLD"}]},
    "serum": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0487", "code": "SER"}]},
    "plasma": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0487", "code": "PLAS"}]},
    "dna": {"coding": [{"system": SNOMED, "code": "258566005", "display": "Deoxyribonucleic acid sample"}]},
    "bone_marrow": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0487", "code": "MAR"}]},
}


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for file in sorted(path.glob("*.jsonl")) if path.is_dir() else [path]:
        if file.exists():
            with file.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)


def _ref(kind: str, rid: Any) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def _cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding], **({"text": text} if text else {})}


def patient_resources(p: PatientRecord, physicians: set[int]) -> Iterator[dict[str, Any]]:
    """Every resource of one patient (documents apart)."""
    pid = f"p{p.id}"
    subject = _ref("Patient", pid)
    ident = p.identity
    names = [{"use": "official", "family": ident.last_name, "given": ident.first_name.split()}]
    if ident.birth_name:
        names.append({"use": "maiden", "family": ident.birth_name})
    telecom = [{"system": "phone", "value": ident.phone}]
    if ident.email:
        telecom.append({"system": "email", "value": ident.email})
    patient = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {
                "type": _cc("http://terminology.hl7.org/CodeSystem/v2-0203", "MR"),
                "system": IPP_SYSTEM,
                "value": ident.ipp,
            },
            {"system": NIR_SYSTEM, "value": ident.nir},
        ],
        "name": names,
        "telecom": telecom,
        "gender": {"F": "female", "M": "male"}[p.sex],
        "birthDate": p.birth_date.isoformat(),
        "address": [{"line": [ident.address], "postalCode": ident.postcode, "city": ident.city}],
        "contact": [
            {
                "relationship": [{"text": r.relation}],
                "name": {"family": r.last_name, "given": [r.first_name] if r.first_name else []},
                **({"telecom": [{"system": "phone", "value": r.phone}]} if r.phone else {}),
            }
            for r in p.relatives
            if r.last_name
        ],
    }
    if p.death_date:
        patient["deceasedDateTime"] = p.death_date.isoformat()
    yield patient
    if p.opposition:
        yield {
            "resourceType": "Consent",
            "id": f"c{p.id}",
            "status": "active",
            "scope": _cc("http://terminology.hl7.org/CodeSystem/consentscope", "research", "Research"),
            "category": [_cc(LOINC, "59284-0", "Patient Consent")],
            "patient": subject,
            "policyRule": {"text": "opposition à l'utilisation des données pour la recherche"},
            "provision": {"type": "deny"},
        }
    for t in p.tumours:
        tid = f"t{t.id}"
        codings = [{"system": ICD10, "code": t.icd10}]
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": tid,
            "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
            "category": [
                _cc("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")
            ],
            "code": {"coding": codings},
            "subject": subject,
            "onsetDateTime": t.diagnosis_date.isoformat(),
        }
        if t.topography:
            site: dict[str, Any] = _cc(ICDO3, t.topography)
            if t.laterality:
                code, display = LATERALITY[t.laterality]
                site["extension"] = [
                    {
                        "url": MCODE + "mcode-laterality-qualifier",
                        "valueCodeableConcept": _cc(SNOMED, code, display),
                    }
                ]
            condition["bodySite"] = [site]
        elif t.laterality:
            code, display = LATERALITY[t.laterality]
            condition["bodySite"] = [
                {
                    "extension": [
                        {
                            "url": MCODE + "mcode-laterality-qualifier",
                            "valueCodeableConcept": _cc(SNOMED, code, display),
                        }
                    ],
                    "text": t.laterality,
                }
            ]
        if t.morphology:
            condition["extension"] = [
                {
                    "url": MCODE + "mcode-histology-morphology-behavior",
                    "valueCodeableConcept": _cc(ICDO3, t.morphology),
                }
            ]
        if t.stage:
            condition["stage"] = [{"summary": {"text": t.stage}}]
        yield condition
        focus = [_ref("Condition", tid)]
        for axis, loinc, value in (("T", "21905-5", t.t), ("N", "21906-3", t.n), ("M", "21907-1", t.m)):
            if value:
                yield {
                    "resourceType": "Observation",
                    "id": f"{tid}-{axis.lower()}",
                    "status": "final",
                    "code": _cc(LOINC, loinc),
                    "subject": subject,
                    "focus": focus,
                    "effectiveDateTime": t.diagnosis_date.isoformat(),
                    "valueCodeableConcept": {"text": value},
                }
        if t.grade:
            yield {
                "resourceType": "Observation",
                "id": f"{tid}-grade",
                "status": "final",
                "code": _cc(SNOMED, "371469007", "Histologic grade of neoplasm", "Histologic grade"),
                "subject": subject,
                "focus": focus,
                "effectiveDateTime": t.diagnosis_date.isoformat(),
                "valueCodeableConcept": {"text": f"G{t.grade}"},
            }
    for e in p.events:
        eid = f"e{e.id}"
        focus = [_ref("Condition", f"t{e.tumour_id}")] if e.tumour_id else []
        if e.type == "metastasis":
            code, label = METASTASIS_CODES[e.site or "other"]
            condition = {
                "resourceType": "Condition",
                "id": eid,
                "meta": {"profile": [MCODE + "mcode-secondary-cancer-condition"]},
                "code": {"coding": [{"system": ICD10, "code": code}], "text": f"métastase {label}"},
                "subject": subject,
                "onsetDateTime": e.date.isoformat(),
            }
            if e.tumour_id:
                condition["extension"] = [
                    {
                        "url": MCODE + "mcode-related-primary-cancer-condition",
                        "valueReference": _ref("Condition", f"t{e.tumour_id}"),
                    }
                ]
            yield condition
        elif e.type in EVENT_VALUES:
            yield {
                "resourceType": "Observation",
                "id": eid,
                "status": "final",
                "code": _cc(LOINC, "97509-4", "Cancer disease status"),
                "subject": subject,
                "focus": focus,
                "effectiveDateTime": e.date.isoformat(),
                "valueCodeableConcept": EVENT_VALUES[e.type],
            }
        # second_primary events are what a later primary Condition says: not repeated
    table = M.drugs_by("name")
    for tr in p.treatments:
        rid = f"tr{tr.id}"
        reason = [_ref("Condition", f"t{tr.tumour_id}")] if tr.tumour_id else []
        line_ext = [{"url": LINE_EXT, "valuePositiveInt": tr.line}] if tr.line else []
        period = {
            "start": tr.start_date.isoformat(),
            **({"end": tr.end_date.isoformat()} if tr.end_date else {}),
        }
        drug = table.get(tr.name or "")
        if drug is not None and drug.inn == tr.name and tr.cls not in ("surgery",) and (tr.atc or drug.atc):
            yield {
                "resourceType": "MedicationStatement",
                "id": rid,
                **({"extension": line_ext} if line_ext else {}),
                "status": "active" if tr.end_date is None else "completed",
                "medicationCodeableConcept": _cc(ATC, tr.atc or drug.atc, tr.name, tr.name),
                "subject": subject,
                "effectivePeriod": period,
                "reasonReference": reason,
            }
        else:
            category = {
                "surgery": ("387713003", "Surgical procedure"),
                "radiotherapy": ("108290001", "Radiation oncology AND/OR radiotherapy"),
            }.get(tr.cls)
            yield {
                "resourceType": "Procedure",
                "id": rid,
                **({"extension": line_ext} if line_ext else {}),
                "status": "completed" if tr.end_date else "in-progress",
                **({"category": _cc(SNOMED, *category)} if category else {}),
                "code": {"text": tr.name or tr.cls},
                "subject": subject,
                "performedPeriod": period,
                "reasonReference": reason,
            }
    for b in p.biomarkers:
        yield _biomarker(b, subject)
    for s in p.samples:
        specimen: dict[str, Any] = {
            "resourceType": "Specimen",
            "id": f"s{s.id}",
            "status": "available" if s.available else "unavailable",
            "type": SPECIMEN_TYPES[s.type],
            "subject": subject,
        }
        if s.date:
            specimen["collection"] = {"collectedDateTime": s.date.isoformat()}
        if s.conservation == "frozen":
            specimen["condition"] = [_cc("http://terminology.hl7.org/CodeSystem/v2-0493", "FROZ", "Frozen")]
        elif s.conservation == "ffpe":
            specimen["processing"] = [{"description": "FFPE (fixé au formol, inclus en paraffine)"}]
        yield specimen
    last = p.death_date or p.last_news_date
    if last:
        status = ("419099009", "Dead") if p.death_date else ("438949009", "Alive")
        yield {
            "resourceType": "Observation",
            "id": f"v{p.id}",
            "status": "final",
            "code": _cc(LOINC, "75186-7", "Vital status"),
            "subject": subject,
            "effectiveDateTime": last.isoformat(),
            "valueCodeableConcept": _cc(SNOMED, *status),
        }


def _biomarker(b: Any, subject: dict[str, str]) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"b{b.id}",
        "status": "final",
        "category": [_cc("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
        "subject": subject,
    }
    if b.tumour_id:
        obs["focus"] = [_ref("Condition", f"t{b.tumour_id}")]
    if b.date:
        obs["effectiveDateTime"] = b.date.isoformat()
    components = []
    if b.marker in MARKER_LOINC:
        obs["code"] = _cc(LOINC, MARKER_LOINC[b.marker], None, b.marker)
    elif b.marker in NOT_GENES:
        obs["code"] = {"text": b.marker}
    else:
        obs["code"] = _cc(LOINC, "69548-6", "Genetic variant assessment")
        components.append(
            {
                "code": _cc(LOINC, "48018-6", "Gene studied [ID]"),
                "valueCodeableConcept": _cc(HGNC, b.marker, b.marker),
            }
        )
        if b.alteration:
            components.append(
                {
                    "code": _cc(LOINC, "48005-3", "Amino acid change (pHGVS)"),
                    "valueCodeableConcept": {"text": b.alteration},
                }
            )
    if b.alteration and b.marker in NOT_GENES:
        components.append({"code": {"text": "result detail"}, "valueString": b.alteration})
    if b.value is not None:
        obs["valueQuantity"] = {"value": b.value, **({"unit": b.unit} if b.unit else {})}
        if b.status:
            obs["interpretation"] = [
                _cc(
                    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    INTERPRETATION[b.status],
                )
            ]
    elif b.status:
        obs["valueCodeableConcept"] = {"text": STATUS_TEXT.get(b.status, b.status)}
    if components:
        obs["component"] = components
    return obs


def document_resource(d: DocumentRecord, corpus: Path, as_url: bool = False) -> dict[str, Any]:
    fr, _ = DOC_TYPES[d.type]
    dtype = _cc(LOINC, DOC_LOINC[d.type], None, fr) if d.type in DOC_LOINC else {"text": fr}
    if d.text is not None:
        attachment = {
            "contentType": "text/plain; charset=utf-8",
            "data": base64.b64encode(d.text.encode("utf-8")).decode("ascii"),
        }
    else:
        scan = corpus / (d.file or "")
        ctype = "application/pdf" if scan.suffix.lower() == ".pdf" else "image/png"
        attachment = (
            {"contentType": ctype, "url": d.file}
            if as_url
            else {"contentType": ctype, "data": base64.b64encode(scan.read_bytes()).decode("ascii")}
        )
    doc = {
        "resourceType": "DocumentReference",
        "id": f"d{d.id}",
        "status": "current",
        "type": dtype,
        "subject": _ref("Patient", f"p{d.patient_id}"),
        "date": f"{d.date.isoformat()}T00:00:00+00:00",
        "content": [{"attachment": attachment}],
    }
    if d.title:
        doc["description"] = d.title
    if d.author_id is not None:
        doc["author"] = [_ref("Practitioner", f"dr{d.author_id}")]
    return doc


def practitioner_resource(ph: PhysicianRecord) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": f"dr{ph.id}",
        "name": [{"family": ph.last_name, "given": [ph.first_name], "prefix": [ph.title]}],
        "qualification": [{"code": {"text": ph.specialty}}],
    }


def _valid(resource: dict[str, Any]) -> dict[str, Any]:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def export_fhir(
    corpus_dir: Path | str,
    out_dir: Path | str,
    centre: str | None = None,
    *,
    bundle: bool = False,
    validate: bool = True,
    scans_as_files: bool = False,
) -> Counter:
    """Write the corpus (one centre's patients, or all) as ``<Type>.ndjson`` files or one ``bundle.json``.
    ``scans_as_files`` copies scanned pages beside the export and points to them by relative url."""
    corpus, out = Path(corpus_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    files: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []

    def emit(resource: dict[str, Any]) -> None:
        if validate:
            _valid(resource)
        counts[resource["resourceType"]] += 1
        if bundle:
            entries.append(
                {"fullUrl": f"urn:uuid:{resource['resourceType']}-{resource['id']}", "resource": resource}
            )
            return
        rt = resource["resourceType"]
        if rt not in files:
            files[rt] = (out / f"{rt}.ndjson").open("w", encoding="utf-8")
        files[rt].write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")

    try:
        centres = [CentreRecord.model_validate(c) for c in _jsonl(corpus / "centres.jsonl")]
        kept = {c.id for c in centres if centre is None or c.id == centre}
        physicians = [PhysicianRecord.model_validate(p) for p in _jsonl(corpus / "physicians.jsonl")]
        for ph in physicians:
            if ph.centre_id in kept:
                emit(practitioner_resource(ph))
        ids: set[int] = set()
        for raw in _jsonl(corpus / "patients"):
            p = PatientRecord.model_validate(raw)
            if p.centre_id not in kept:
                continue
            ids.add(p.id)
            for resource in patient_resources(p, {ph.id for ph in physicians}):
                emit(resource)
        for raw in _jsonl(corpus / "documents"):
            d = DocumentRecord.model_validate(raw)
            if d.patient_id in ids:
                if d.file and scans_as_files:
                    target = out / d.file
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes((corpus / d.file).read_bytes())
                emit(document_resource(d, corpus, as_url=scans_as_files))
    finally:
        for fh in files.values():
            fh.close()
    if bundle:
        (out / "bundle.json").write_text(
            json.dumps(
                {"resourceType": "Bundle", "type": "collection", "entry": entries}, ensure_ascii=False
            ),
            encoding="utf-8",
        )
    return counts
