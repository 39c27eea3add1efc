"""What every report shares: the context it is written in, dates in French, names, header, signature.

A report only knows what had happened by its date: ``State`` is the patient seen from that day
(tumours diagnosed, treatments started, events so far), so a consultation never mentions a
metastasis discovered a month later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from retrieval.records import CentreRecord, PhysicianRecord
from synthetic.catalogue import MONTHS_FR
from synthetic.identities import format_nir
from synthetic.model import Encounter, Event, Patient, Regimen, Tumour
from synthetic.rng import Rng, age_on
from synthetic.text.builder import TextBuilder


@dataclass
class State:
    tumours: list[Tumour]
    events: list[Event]
    regimens: list[Regimen]  # started on or before the date
    current: list[Regimen]  # running on the date

    def metastatic(self, tumour: Tumour) -> bool:
        return tumour.metastatic_at_diagnosis or any(
            e.type == "metastasis" and e.tumour_id == tumour.id for e in self.events
        )

    def met_sites(self, tumour: Tumour) -> list[str]:
        return sorted(
            {e.site for e in self.events if e.type == "metastasis" and e.tumour_id == tumour.id and e.site}
        )

    def had(self, tumour: Tumour, kind: str) -> bool:
        return any(e.type == kind and e.tumour_id == tumour.id for e in self.events)


@dataclass
class Ctx:
    p: Patient
    enc: Encounter
    tumour: Tumour | None
    state: State
    author: PhysicianRecord
    centre: CentreRecord
    colleagues: list[PhysicianRecord]
    rng: Rng
    data: dict = field(default_factory=dict)

    @property
    def date(self) -> date:
        return self.enc.date

    @property
    def age(self) -> int:
        return age_on(self.p.birth_date, self.enc.date)

    @property
    def female(self) -> bool:
        return self.p.sex == "F"

    def e(self, masc: str, fem: str) -> str:
        """Gender agreement: ``ctx.e("suivi", "suivie")``."""
        return fem if self.female else masc

    def regimen(self) -> Regimen | None:
        rid = self.enc.data.get("regimen_id")
        return next((r for r in self.p.regimens if r.id == rid), None)


def state_at(p: Patient, when: date) -> State:
    tumours = [t for t in p.tumours if t.diagnosis_date <= when]
    events = [e for e in p.events if e.date <= when]
    regimens = [r for r in p.regimens if r.start <= when]
    current = [r for r in regimens if r.end is None or r.end >= when]
    return State(tumours, events, regimens, current)


# -- dates ---------------------------------------------------------------------------------------
def fr_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def fr_long(d: date) -> str:
    return f"{'1er' if d.day == 1 else d.day} {MONTHS_FR[d.month - 1]} {d.year}"


def fr_month(d: date) -> str:
    return f"{MONTHS_FR[d.month - 1]} {d.year}"


def put_date(b: TextBuilder, d: date, rng: Rng, style: str | None = None) -> None:
    """A date identifier in one of the ways French reports write them."""
    style = style or rng.weighted([("num", 0.6), ("long", 0.3), ("month", 0.1)])
    text = {
        "num": fr_date(d),
        "long": fr_long(d),
        "month": fr_month(d),
        "short": f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
    }[style]
    b.ident("DATE", text)


def put_month(b: TextBuilder, d: date) -> None:
    """Month and year are a date identifier too (only a bare year is not)."""
    b.ident("DATE", fr_month(d))


# -- names ---------------------------------------------------------------------------------------
def title(ctx: Ctx, long: bool = False) -> str:
    if long:
        return "Madame" if ctx.female else "Monsieur"
    return "Mme" if ctx.female else "M."


def patient_name(b: TextBuilder, ctx: Ctx, style: str | None = None) -> None:
    ident = ctx.p.identity
    style = style or ctx.rng.weighted(
        [("title_upper", 0.4), ("upper_first", 0.25), ("title_full", 0.2), ("title_last", 0.15)]
    )
    if style == "title_upper":
        b.raw(f"{title(ctx)} ").ident("PERSON", f"{ident.first_name} {ident.last_name.upper()}")
    elif style == "upper_first":
        b.raw(f"{title(ctx)} ").ident("PERSON", f"{ident.last_name.upper()} {ident.first_name}")
    elif style == "title_full":
        b.raw(f"{title(ctx, long=True)} ").ident("PERSON", f"{ident.first_name} {ident.last_name}")
    else:
        b.raw(f"{title(ctx)} ").ident("PERSON", ident.last_name)


def doctor(b: TextBuilder, doc: PhysicianRecord | tuple[str, str], rng: Rng, title_: str = "Dr") -> None:
    if isinstance(doc, PhysicianRecord):
        first, last, title_ = doc.first_name, doc.last_name, doc.title
    else:
        first, last = doc
    b.raw(f"{title_} ")
    style = rng.weighted([("full", 0.5), ("upper", 0.3), ("last", 0.2)])
    b.ident(
        "PERSON", {"full": f"{first} {last}", "upper": f"{first} {last.upper()}", "last": last.upper()}[style]
    )


# -- header and signature ------------------------------------------------------------------------
SERVICES = {
    "consultation": "Département d'oncologie médicale",
    "pathology": "Département de biopathologie",
    "imaging": "Département d'imagerie médicale",
    "operative": "Département de chirurgie oncologique",
    "letter": "Département d'oncologie médicale",
    "mdt": "Réunion de concertation pluridisciplinaire",
}


def header(b: TextBuilder, ctx: Ctx, heading: str) -> None:
    """Centre, service, heading, and the patient identification block (identifiers in varying forms)."""
    rng, ident = ctx.rng, ctx.p.identity
    service = SERVICES[ctx.enc.doc_type]
    if ctx.p.tumours and ctx.p.tumours[0].site in ("myeloma", "aml", "cll", "dlbcl", "follicular"):
        service = service.replace("oncologie médicale", "hématologie")
    b.raw(f"{ctx.centre.name.upper()} - {ctx.centre.city}\n{service}\n\n{heading}\n\n")
    b.raw("Patient" + ("e" if ctx.female else "") + " : ")
    patient_name(b, ctx, rng.pick(["title_upper", "upper_first"]))
    if ident.birth_name and rng.chance(0.6):
        b.raw(" née ").ident("PERSON", ident.birth_name.upper())
    b.raw("\n")
    b.raw(rng.pick(["Date de naissance : ", "Né" + ("e" if ctx.female else "") + " le : ", "DDN : "]))
    b.ident("DATE_OF_BIRTH", fr_date(ctx.p.birth_date) if rng.chance(0.85) else fr_long(ctx.p.birth_date))
    b.raw(f" ({ctx.age} ans)\n" if rng.chance(0.5) else "\n")
    b.raw(rng.pick(["IPP : ", "N° IPP : ", "Identifiant patient : "])).ident("IPP", ident.ipp)
    if rng.chance(0.35):
        b.raw(rng.pick(["  N° SS : ", "  NIR : ", "  N° de sécurité sociale : "]))
        b.ident("NIR", format_nir(ident.nir, spaced=rng.chance(0.6)))
    b.raw("\n")
    if rng.chance(0.45):
        b.raw("Adresse : ").ident("ADDRESS", f"{ident.address}, {ident.postcode} {ident.city}").raw("\n")
    if rng.chance(0.4):
        b.raw(rng.pick(["Tél. : ", "Téléphone : ", "Tel : "])).ident("PHONE", ident.phone)
        if ident.email and rng.chance(0.3):
            b.raw("  Courriel : ").ident("EMAIL", ident.email)
        b.raw("\n")
    b.raw(
        {
            "consultation": "Date de consultation : ",
            "pathology": "Date de prélèvement : ",
            "imaging": "Date de l'examen : ",
            "operative": "Date d'intervention : ",
            "letter": "Date : ",
            "mdt": "Date de la RCP : ",
        }[ctx.enc.doc_type]
    )
    put_date(b, ctx.date, rng, "num")
    b.raw("\n")
    b.raw(rng.pick(["Médecin : ", "Rédigé par : ", "Praticien : "]))
    doctor(b, ctx.author, rng)
    if rng.chance(0.5):
        b.raw("\nMédecin traitant : ")
        doctor(b, ctx.p.gp, rng)
    b.raw("\n\n")


def signature(b: TextBuilder, ctx: Ctx) -> None:
    rng = ctx.rng
    b.raw("\n\n")
    if ctx.enc.doc_type in ("letter", "consultation"):
        b.raw(rng.pick(["", "Bien confraternellement,\n", "Je reste à votre disposition.\n"]))
    doctor(b, ctx.author, rng)
    b.raw(f"\n{ctx.author.specialty.capitalize()}\n")
    if rng.chance(0.4):
        b.raw("Copie : ")
        doctor(b, ctx.p.gp, rng)
        b.raw(" (médecin traitant)\n")
