"""FHIR R4 resources (parsed by ``fhir.resources``) → facts of an ``Assembly``: one reader per
resource type, in ``READERS``. mCODE profiles are read where they add meaning (histology extension,
secondary cancer's related primary, TNM and disease-status observations, genomic variants).

What a reader cannot map becomes a note (``Assembly.note``) naming the code, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from retrieval.ingest.assemble import (
    Where,
    treatment_fact,
)
from retrieval.ingest.fhir_context import Context
from retrieval.ingest.fhir_documents import read_diagnostic_report, read_document_reference, read_specimen
from retrieval.ingest.fhir_observations import read_observation
from retrieval.ingest.fhir_patients import read_condition, read_consent, read_patient, read_practitioner
from retrieval.ingest.fhir_treatments import read_binary, read_medication, read_medication_use, read_procedure


# -- end of the export ---------------------------------------------------------------------------------
def finish(ctx: Context) -> None:
    """Administrations become courses; consents set opposition."""
    for (patient, inn, tumour), c in sorted(ctx.administrations.items(), key=lambda kv: kv[1]["key"]):
        if (patient, inn) in ctx.prescribed:
            continue
        hit = c["hit"]
        ctx.assembly.add_fact(
            patient,
            treatment_fact(
                f"{c['key']}#course",
                c["where"],
                cls=hit.cls,
                name=hit.inn,
                atc=hit.atc,
                line=c["line"],
                start=c["start"],
                end=c["end"],
                tumour_key=tumour,
            ),
        )
    for patient in ctx.opposed:
        if patient in ctx.assembly.patients:
            ctx.assembly.patients[patient].opposition = True


READERS: dict[str, Callable[[Context, Any, str, Where], None]] = {
    "Patient": read_patient,
    "Practitioner": read_practitioner,
    "Consent": read_consent,
    "Condition": read_condition,
    "Observation": read_observation,
    "Medication": read_medication,
    "Binary": read_binary,
    "MedicationRequest": read_medication_use,
    "MedicationStatement": read_medication_use,
    "MedicationAdministration": read_medication_use,
    "Procedure": read_procedure,
    "DocumentReference": read_document_reference,
    "DiagnosticReport": read_diagnostic_report,
    "Specimen": read_specimen,
}
