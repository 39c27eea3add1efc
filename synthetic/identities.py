"""Who is who: centres, physicians, patients' identities and relatives, from Faker ``fr_FR``.

Identifiers look and check like real ones (NIR with its key, Corsican departments included; French
phone formats; IPPs unique by construction) because the de-identification evaluation measures
recall on them. Faker is re-seeded per patient so a patient's identity does not depend on the
corpus size.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from faker import Faker

from retrieval.records import CentreRecord, Identity, PhysicianRecord, RelativeRecord
from synthetic.rng import Rng, stream

CENTRES: list[tuple[str, str, str]] = [
    ("CLB", "Centre Léon Bérard", "Lyon"),
    ("IGR", "Gustave Roussy", "Villejuif"),
    ("ICM", "Institut du Cancer de Montpellier", "Montpellier"),
    ("ICO", "Institut de Cancérologie de l'Ouest", "Angers"),
    ("IUCT", "IUCT-Oncopole", "Toulouse"),
    ("COL", "Centre Oscar Lambret", "Lille"),
    ("IPC", "Institut Paoli-Calmettes", "Marseille"),
    ("IB", "Institut Bergonié", "Bordeaux"),
    ("CFB", "Centre François Baclesse", "Caen"),
    ("ICL", "Institut de Cancérologie de Lorraine", "Nancy"),
    ("CGFL", "Centre Georges-François Leclerc", "Dijon"),
    ("CEM", "Centre Eugène Marquis", "Rennes"),
    ("CAL", "Centre Antoine Lacassagne", "Nice"),
    ("CJP", "Centre Jean Perrin", "Clermont-Ferrand"),
    ("ICANS", "Institut de Cancérologie Strasbourg Europe", "Strasbourg"),
    ("CHB", "Centre Henri Becquerel", "Rouen"),
    ("ICU", "Institut Curie", "Paris"),
    ("IJG", "Institut Godinot", "Reims"),
]

SPECIALTIES: dict[str, str] = {
    "oncology": "oncologie médicale",
    "haematology": "hématologie",
    "radiotherapy": "oncologie radiothérapie",
    "surgery": "chirurgie oncologique",
    "pathology": "anatomie et cytologie pathologiques",
    "radiology": "radiologie",
    "nuclear": "médecine nucléaire",
    "gynaecology": "médecine de la reproduction",
}
PER_SPECIALTY = {
    "oncology": 8,
    "haematology": 4,
    "radiotherapy": 3,
    "surgery": 6,
    "pathology": 4,
    "radiology": 4,
    "nuclear": 2,
    "gynaecology": 2,
}

DEPARTMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]


def make_centres(k: int, seed: int) -> list[CentreRecord]:
    """The first ``k`` centres of the list, then numbered ones in Faker cities."""
    out = [CentreRecord(id=c, name=n, city=city) for c, n, city in CENTRES[:k]]
    fake = Faker("fr_FR")
    for i in range(len(CENTRES), k):
        fake.seed_instance(seed * 7919 + i)
        city = fake.city()
        out.append(CentreRecord(id=f"C{i + 1:02d}", name=f"Centre de cancérologie de {city}", city=city))
    return out


def centre_weights(centres: list[CentreRecord]) -> list[tuple[str, float]]:
    """Unequal sizes, as real networks have: the first centres are the largest."""
    return [(c.id, 1.0 / (1.0 + 0.35 * i)) for i, c in enumerate(centres)]


def make_physicians(centres: list[CentreRecord], seed: int) -> list[PhysicianRecord]:
    fake = Faker("fr_FR")
    out: list[PhysicianRecord] = []
    for ci, centre in enumerate(centres, start=1):
        fake.seed_instance(seed * 104729 + ci)
        rng = stream(seed, "physicians", centre.id)
        n = 0
        for spec, count in PER_SPECIALTY.items():
            for _ in range(count):
                n += 1
                female = rng.chance(0.5)
                out.append(
                    PhysicianRecord(
                        id=ci * 1000 + n,
                        centre_id=centre.id,
                        title="Pr" if rng.chance(0.15) else "Dr",
                        first_name=fake.first_name_female() if female else fake.first_name_male(),
                        last_name=fake.last_name(),
                        specialty=SPECIALTIES[spec],
                    )
                )
    return out


def nir_key(body: str) -> int:
    """The NIR control key: 97 - (number mod 97), Corsica's 2A/2B counted as 19/18."""
    digits = body.replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97


def make_nir(rng: Rng, sex: str, birth: date) -> str:
    if rng.chance(0.06):
        dept, commune = "99", f"{rng.randint(100, 450):03d}"  # born abroad: country code
    else:
        dept, commune = rng.pick(DEPARTMENTS), f"{rng.randint(1, 900):03d}"
    order = f"{rng.randint(1, 999):03d}"
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{dept}{commune}{order}"
    return f"{body}{nir_key(body):02d}"


def format_nir(nir: str, spaced: bool) -> str:
    if not spaced:
        return nir
    return " ".join([nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:15]])


def make_ipp(pid: int, seed: int) -> str:
    """Unique 10-digit IPPs that look random: an affine permutation of the patient id."""
    return f"8{(pid * 48271 + seed * 7 + 1234567) % 10**9:09d}"


def make_phone(rng: Rng, mobile: bool | None = None) -> str:
    mobile = rng.chance(0.7) if mobile is None else mobile
    first = rng.pick(["06", "07"]) if mobile else rng.pick(["01", "02", "03", "04", "05", "09"])
    groups = [first] + [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    style = rng.weighted([("spaces", 0.7), ("dots", 0.15), ("plain", 0.1), ("intl", 0.05)])
    if style == "dots":
        return ".".join(groups)
    if style == "plain":
        return "".join(groups)
    if style == "intl":
        return "+33 " + groups[0][1] + " " + " ".join(groups[1:])
    return " ".join(groups)


def ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch in "-")


def make_identity(fake: Faker, rng: Rng, pid: int, seed: int, sex: str, birth: date) -> Identity:
    first = fake.first_name_female() if sex == "F" else fake.first_name_male()
    last = fake.last_name()
    birth_name = fake.last_name() if sex == "F" and rng.chance(0.45) else None
    email = None
    if rng.chance(0.55):
        domain = rng.pick(
            ["orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "yahoo.fr"]
        )
        email = f"{ascii_slug(first)}.{ascii_slug(last)}{rng.pick(['', '', str(birth.year % 100)])}@{domain}"
    return Identity(
        ipp=make_ipp(pid, seed),
        nir=make_nir(rng, sex, birth),
        first_name=first,
        last_name=last,
        birth_name=birth_name,
        address=fake.street_address(),
        postcode=fake.postcode(),
        city=fake.city(),
        phone=make_phone(rng),
        email=email,
    )


RELATIONS_BY_AGE = {
    "young": [("époux", 0.3), ("mère", 0.3), ("père", 0.15), ("sœur", 0.15), ("frère", 0.1)],
    "old": [("fille", 0.35), ("fils", 0.3), ("époux", 0.2), ("épouse", 0.15)],
}


def make_relatives(
    fake: Faker, rng: Rng, pid: int, sex: str, age: int, last_name: str
) -> list[RelativeRecord]:
    """Contacts recorded in the file: trusted person, next of kin (named in letters, with a phone)."""
    out: list[RelativeRecord] = []
    for k in range(rng.weighted([(0, 0.25), (1, 0.5), (2, 0.25)])):
        relation = rng.weighted(RELATIONS_BY_AGE["young" if age < 45 else "old"])
        if relation == "épouse" and sex == "F" or relation == "époux" and sex == "M":
            relation = "conjoint" if sex == "F" else "conjointe"  # same-sex partner
        female = relation in ("mère", "sœur", "fille", "épouse", "conjointe")
        first = fake.first_name_female() if female else fake.first_name_male()
        same_name = relation in ("fils", "père", "frère") or (relation == "fille" and rng.chance(0.5))
        out.append(
            RelativeRecord(
                id=pid * 1000 + k + 1,
                relation=relation,
                first_name=first,
                last_name=last_name if same_name else fake.last_name(),
                phone=make_phone(rng, mobile=True),
            )
        )
    return out
