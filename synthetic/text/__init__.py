"""Report writers: one function per kind of encounter, a header per document type.

``write_document`` returns the text with the exact spans of every identifier and concept mention.
Authors are chosen per patient and specialty so that the same oncologist signs a patient's
consultations, as in a real file.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.records import CentreRecord, IdentifierSpan, MentionSpan, PhysicianRecord
from synthetic.model import Encounter, Patient
from synthetic.rng import Rng
from synthetic.text import clinical, letters, reports
from synthetic.text.builder import TextBuilder
from synthetic.text.common import Ctx, header, signature, state_at

HEADINGS = {
    "consultation": "COMPTE RENDU DE CONSULTATION",
    "pathology": "COMPTE RENDU ANATOMOPATHOLOGIQUE",
    "imaging": "COMPTE RENDU D'IMAGERIE",
    "operative": "COMPTE RENDU OPÉRATOIRE",
    "letter": "COURRIER",
    "mdt": "FICHE DE RÉUNION DE CONCERTATION PLURIDISCIPLINAIRE (RCP)",
}
TITLES = {
    "consultation": "Consultation",
    "pathology": "Compte rendu d'anatomopathologie",
    "imaging": "Compte rendu d'imagerie",
    "operative": "Compte rendu opératoire",
    "letter": "Courrier au médecin traitant",
    "mdt": "Fiche RCP",
}
HAEM_SITES = ("myeloma", "aml", "cll", "dlbcl", "follicular")


@dataclass
class Written:
    title: str
    author_id: int
    text: str
    identifiers: list[IdentifierSpan]
    mentions: list[MentionSpan]


def author_for(p: Patient, enc: Encounter, staff: dict[str, list[PhysicianRecord]]) -> PhysicianRecord:
    """The physician who signs: the patient's referent for visits, a specialist for technical reports."""
    tumour = p.tumour(enc.tumour_id) or (p.tumours[0] if p.tumours else None)
    haem = tumour is not None and tumour.site in HAEM_SITES
    specialty = {
        "pathology": "anatomie et cytologie pathologiques",
        "imaging": "radiologie",
        "operative": "chirurgie oncologique",
    }.get(enc.doc_type, "hématologie" if haem else "oncologie médicale")
    if enc.kind == "fertility":
        specialty = "médecine de la reproduction"
    elif enc.kind == "rt_consult":
        specialty = "oncologie radiothérapie"
    pool = staff[specialty]
    index = (p.id * 7 + (enc.date.toordinal() if enc.doc_type in ("pathology", "imaging") else 0)) % len(pool)
    return pool[index]


def write_document(
    p: Patient, enc: Encounter, centre: CentreRecord, staff: dict[str, list[PhysicianRecord]], rng: Rng
) -> Written:
    author = author_for(p, enc, staff)
    others = [d for spec, docs in staff.items() for d in docs[:1] if d.id != author.id]
    tumour = p.tumour(enc.tumour_id)
    if tumour is None and p.tumours:
        tumour = max(
            (t for t in p.tumours if t.diagnosis_date <= enc.date),
            key=lambda t: t.diagnosis_date,
            default=p.tumours[0],
        )
    ctx = Ctx(
        p=p,
        enc=enc,
        tumour=tumour,
        state=state_at(p, enc.date),
        author=author,
        centre=centre,
        colleagues=others,
        rng=rng,
    )
    b = TextBuilder(rng)
    if enc.doc_type == "letter":
        letters.letter_header(b, ctx)
        writer = letters.WRITERS.get(enc.kind, letters.followup_letter)
    else:
        heading = HEADINGS[enc.doc_type]
        header(b, ctx, heading.replace("COMPTE RENDU", "CR") if rng.chance(0.3) else heading)
        writer = (
            (clinical.WRITERS.get(enc.kind) if enc.doc_type == "consultation" else None)
            or reports.WRITERS.get(enc.kind)
            or clinical.WRITERS[enc.kind]
        )
    writer(b, ctx)
    signature(b, ctx)
    title = TITLES[enc.doc_type]
    if enc.kind == "fertility":
        title = "Consultation de médecine de la reproduction"
    return Written(title, author.id, b.text(), b.identifiers, b.mentions)
