"""A small hand-made store for the privacy tests: three centres, patients with identities,
relatives, physicians and reports that carry identifiers, a few opposed patients."""

from __future__ import annotations

from pathlib import Path

from retrieval.store import Store

CENTRES = [("C1", "Centre Un", "Lyon"), ("C2", "Centre Deux", "Paris"), ("C3", "Centre Trois", "Nantes")]
FIRST = ["Jeanne", "Claire", "Odette", "Bernadette", "Louise", "Paul", "Gérard", "Yves", "Hélène", "Rose"]
LAST = ["Vasseur", "Lemaitre", "Carpentier", "Guillot", "Le Gall", "Masse", "Petit", "Barbier",
        "Da Silva", "Cousin"]


def report(pid: int, first: str, last: str, phone: str) -> str:
    return (
        f"Compte rendu de consultation. Patiente vue ce jour, {first} {last.upper()}, née le "
        f"{(pid % 27) + 1:02d}/0{(pid % 9) + 1}/19{50 + pid % 40}. Tél {phone}. "
        "Carcinome canalaire infiltrant du sein gauche, TNM pT2N1M0. Pas de métastase hépatique. "
        f"Dossier discuté en RCP le 12 mars 2021 avec le Dr Morvan. {last} reviendra en juin."
    )


def make_store(path: Path, patients: int = 30) -> Store:
    store = Store(str(path))
    store.executemany("INSERT INTO centres (id, name, city) VALUES (:id, :n, :c)",
                      [{"id": i, "n": n, "c": c} for i, n, c in CENTRES])
    store.execute("INSERT INTO physicians (id, centre_id, title, first_name, last_name, specialty)"
                  " VALUES (1, 'C1', 'Dr', 'Anne', 'Morvan', 'oncologie')")
    for pid in range(1, patients + 1):
        centre = CENTRES[(pid - 1) % 3][0]
        first, last = FIRST[pid % len(FIRST)], LAST[(pid * 7) % len(LAST)]
        phone = f"06 {pid:02d} 34 56 78"
        birth_year = 1930 + pid % 60
        store.execute(
            "INSERT INTO patients (id, centre_id, sex, birth_date, death_date, last_news_date, opposition)"
            " VALUES (:p, :c, :s, :b, :d, '2023-06-01', :o)",
            {"p": pid, "c": centre, "s": "M" if pid % 7 == 0 else "F",
             "b": f"{birth_year}-0{(pid % 9) + 1}-{(pid % 27) + 1:02d}",
             "d": "2022-01-15" if pid % 4 == 0 else None, "o": int(pid % 10 == 0)})
        dx_year = 2005 + pid % 15
        store.execute(
            "INSERT INTO tumours (id, patient_id, icd10, topography, metastatic_at_diagnosis, diagnosis_date,"
            " age_at_diagnosis) VALUES (:t, :p, :c, :c, :m, :d, :a)",
            {"t": pid, "p": pid, "c": "C50.4" if pid % 2 else "C34.1", "m": int(pid % 5 == 0),
             "d": f"{dx_year}-05-01", "a": dx_year - birth_year - 1})
        store.execute(
            "INSERT INTO treatments (id, patient_id, tumour_id, class, name, line, start_date) VALUES"
            " (:t, :p, :t, :c, :n, 1, :d)",
            {"t": pid, "p": pid, "c": "chemotherapy" if pid % 3 else "hormone_therapy",
             "n": "docetaxel" if pid % 3 else "tamoxifene", "d": f"{dx_year}-06-01"})
        store.execute(
            "INSERT INTO identities (patient_id, ipp, nir, first_name, last_name, address, postcode, city,"
            " phone) VALUES (:p, :ipp, :nir, :f, :l, :a, '69003', 'Lyon', :ph)",
            {"p": pid, "ipp": f"8{pid:09d}", "nir": None, "f": first, "l": last,
             "a": f"{pid} rue des Tanneurs", "ph": phone})
        store.execute(
            "INSERT INTO relatives (id, patient_id, relation, first_name, last_name, phone)"
            " VALUES (:i, :p, 'fille', 'Ophélie', :l, '07 11 22 33 44')", {"i": pid, "p": pid, "l": last})
        store.execute(
            "INSERT INTO documents (id, patient_id, type, date, author_id, text) VALUES (:d, :p,"
            " 'consultation', '2021-03-15', 1, :t)",
            {"d": 1000 + pid, "p": pid, "t": report(pid, first, last, phone)})
    return store
