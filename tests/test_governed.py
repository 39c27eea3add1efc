"""The governed engine: scope from the user, rights per role, opposition, redaction, pseudonyms,
audit of every call, anonymous cross-centre counts that resist differencing."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.audit import AuditLog
from privacy.governed import GovernedEngine, UnknownPatient
from privacy.opposition import set_opposition
from privacy.pseudonym import real_ids
from privacy.roles import Permission, Role
from privacy.users import AccessDenied, UserProblem, add_user
from query_compiler import criteria as C
from query_compiler.engine import CohortEngine, Scope
from tests.privacy_helpers import make_store

ALL_FEMALE = C.Sex(value="F")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("gov") / "g.db", patients=90)
    for role in Role:
        for centre in ("C1", "C2", "C3"):
            add_user(store, f"{role.value}-{centre}", "password123", role, centre, by="test")
    return store


def user(store, role: str, centre: str = "C1"):
    from privacy.users import get_user

    return get_user(store, f"{role}-{centre}")


def truth(store, criteria, centre):
    """What a user of ``centre`` may see, computed without the governed layer."""
    everyone = CohortEngine(store).patient_ids(criteria, Scope(None, exclude_opposed=False))
    rows = store.query("SELECT id, centre_id, opposition FROM patients")
    ok = {r["id"] for r in rows if r["centre_id"] == centre and not r["opposition"]}
    return sorted(i for i in everyone if i in ok)


# -- property: no other centre, no opposed patient, ever ------------------------------------------
atoms = st.one_of(
    st.builds(C.Sex, value=st.sampled_from(["F", "M"])),
    st.builds(C.VitalStatus, value=st.sampled_from(["alive", "deceased"])),
    st.builds(C.Centre, ids=st.lists(st.sampled_from(["C1", "C2", "C3"]), min_size=1, max_size=3)),
    st.builds(lambda lo: C.Age(at="today", min=lo), st.integers(30, 95)),
    st.builds(lambda s, m: C.Tumour(site=[s], metastatic_at_diagnosis=m),
              st.sampled_from(["C50", "C34", "C18"]), st.sampled_from([None, True, False])),
    st.builds(lambda c: C.Treatment(classes=[c]), st.sampled_from(["chemotherapy", "hormone_therapy"])),
)
criteria_st = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda xs: C.All(items=xs), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: C.AnyOf(items=xs), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: C.Not(item=x), inner),
    ),
    max_leaves=5,
)
viewers = st.sampled_from(["clinician", "research_associate", "referent", "researcher"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(criteria=criteria_st, role=viewers, centre=st.sampled_from(["C1", "C2", "C3"]))
def test_no_other_centre_and_no_opposed_patient_ever(store, criteria, role, centre):
    gov = GovernedEngine(store, user(store, role, centre))
    expected = truth(store, criteria, centre)
    assert gov.count(criteria) == len(expected)
    assert sorted(gov.patient_ids(criteria)) == expected
    page = gov.list_patients(criteria, page=1, page_size=100)
    shown = sorted(real_ids(store, r["pseudo_id"])[0] for r in page.rows)
    assert shown == expected and page.total == len(expected)
    assert all("patient_id" not in r for r in page.rows)


# -- audit: every query, view and export ----------------------------------------------------------
def test_every_call_is_audited(store):
    u = user(store, "research_associate")
    gov = GovernedEngine(store, u)
    log = AuditLog(store)
    before = log.count(username=u.username)
    gov.count(ALL_FEMALE)
    page = gov.list_patients(ALL_FEMALE, page=1, page_size=5)
    gov.patient_ids(ALL_FEMALE)
    gov.view_document(page.rows[0]["pseudo_id"], _doc_of(store, page.rows[0]["pseudo_id"]))
    exp = gov.export(ALL_FEMALE, purpose="Étude oncofertilité, protocole 2024-017 (avis CPP)")
    entries = log.entries(username=u.username)[before:]
    assert [e.action for e in entries] == ["count", "list", "patient_ids", "view", "export"]
    assert entries[0].criteria == '{"kind":"sex","value":"F"}'
    assert entries[-1].purpose.startswith("Étude oncofertilité") and entries[-1].id == exp.audit_id
    assert entries[-1].result_size == len(exp.rows)
    assert log.verify().ok


def _doc_of(store, pseudo):
    pid = real_ids(store, pseudo)[0]
    return store.query("SELECT id FROM documents WHERE patient_id = :p", {"p": pid})[0]["id"]


def test_snippets_and_documents_are_redacted(store):
    gov = GovernedEngine(store, user(store, "clinician"))
    page = gov.list_patients(ALL_FEMALE, page=1, page_size=3)
    pseudo = page.rows[0]["pseudo_id"]
    doc = gov.view_document(pseudo, _doc_of(store, pseudo))
    pid = real_ids(store, pseudo)[0]
    ident = store.query("SELECT first_name, last_name, phone FROM identities WHERE patient_id = :p",
                        {"p": pid})[0]
    for value in ident.values():
        assert value.upper() not in doc.text.upper()
    assert "Carcinome canalaire infiltrant du sein gauche" in doc.text
    assert "Dr <NOM>" in doc.text


def test_export_needs_a_purpose_and_pseudonymises(store):
    gov = GovernedEngine(store, user(store, "referent"))
    with pytest.raises(UserProblem, match="purpose"):
        gov.export(ALL_FEMALE, purpose="")
    denied = AuditLog(store).entries(username="referent-C1", action="denied")
    assert denied and denied[-1].details_dict()["reason"] == "no stated purpose"
    out = gov.export(ALL_FEMALE, purpose="Revue de dossiers pour le registre régional")
    assert out.rows and all(r["pseudo_id"].startswith("P-") for r in out.rows)
    assert "patient_id" not in out.fields


# -- rights -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "call"), [
    ("researcher", lambda g: g.reidentify("P-0000000000")),
    ("researcher", lambda g: g.view_document("P-0000000000", 1)),
    ("admin", lambda g: g.list_patients(ALL_FEMALE)),
    ("dpo", lambda g: g.export(ALL_FEMALE, purpose="Contrôle de conformité RGPD")),
    ("clinician", lambda g: g.count_by_centre(ALL_FEMALE)),
    ("clinician", lambda g: g.compiled_sql(ALL_FEMALE)),
])
def test_roles_without_the_right_are_refused_and_logged(store, role, call):
    u = user(store, role)
    gov = GovernedEngine(store, u)
    before = AuditLog(store).count(username=u.username, action="denied")
    with pytest.raises(AccessDenied):
        call(gov)
    assert AuditLog(store).count(username=u.username, action="denied") == before + 1


def test_reidentification_own_centre_only_and_audited(store):
    clin = GovernedEngine(store, user(store, "clinician", "C2"))
    pseudo = clin.list_patients(ALL_FEMALE, page=1, page_size=1).rows[0]["pseudo_id"]
    who = clin.reidentify(pseudo, reason="appel de la patiente")
    assert who["pseudo"] == pseudo and who["ipp"].startswith("8")
    entry = AuditLog(store).entries(username="clinician-C2", action="reidentify")[-1]
    assert entry.details_dict() == {"pseudo": pseudo, "reason": "appel de la patiente"}
    other = GovernedEngine(store, user(store, "clinician", "C1"))
    with pytest.raises(UnknownPatient) as elsewhere:
        other.reidentify(pseudo)
    with pytest.raises(UnknownPatient) as nowhere:
        other.reidentify("P-0000000000")
    # the answer does not say whether the patient exists in another centre; only the audit trail does
    assert str(elsewhere.value).replace(pseudo, "?") == str(nowhere.value).replace("P-0000000000", "?")
    denied = AuditLog(store).entries(username="clinician-C1", action="denied")
    reasons = [e.details_dict().get("reason") for e in denied]
    assert reasons[-2:] == ["other centre", "unknown pseudonymous id"]
    assert user(store, "researcher").can(Permission.COUNT)


def test_referent_sees_the_sql_as_run_with_its_centre_restriction(store):
    q = GovernedEngine(store, user(store, "referent", "C2")).compiled_sql(ALL_FEMALE)
    assert "C2" in q.params.values() and "opposition" in q.sql
    assert AuditLog(store).entries(username="referent-C2", action="show_sql")


# -- opposition --------------------------------------------------------------------------------------
def test_opposition_takes_effect_at_once(tmp_path):
    store = make_store(tmp_path / "o.db", patients=12)
    clin = add_user(store, "clin", "password123", "clinician", "C1", by="test")
    dpo = add_user(store, "dpo", "password123", "dpo", "C1", by="test")
    gov = GovernedEngine(store, clin)
    before = gov.patient_ids(ALL_FEMALE)
    target = before[0]
    with pytest.raises(AccessDenied):
        set_opposition(store, target, True, by=clin)
    set_opposition(store, target, True, by=dpo)
    assert target not in gov.patient_ids(ALL_FEMALE)
    assert gov.count(ALL_FEMALE) == len(before) - 1
    set_opposition(store, target, False, by=dpo)
    assert target in gov.patient_ids(ALL_FEMALE)
    actions = [e.action for e in AuditLog(store).entries(username="dpo")]
    assert actions == ["opposition_set", "opposition_withdrawn"]


# -- cross-centre counts ------------------------------------------------------------------------------
def test_cross_centre_counts_are_noised_suppressed_and_rounded(tmp_path):
    store = make_store(tmp_path / "x.db", patients=90)
    ref = add_user(store, "ref", "password123", "referent", "C1", by="test")
    gov = GovernedEngine(store, ref, min_count=10)
    cells = {c.centre_id: c for c in gov.count_by_centre(C.Age(at="today", min=0))}
    assert cells["C1"].status == "exact" and cells["C1"].value == 27
    assert cells["C2"].status == "released" and cells["C2"].value % 5 == 0
    assert abs(cells["C2"].value - 27) <= 5 + 2  # noise within ±5, then rounded to 5
    males = {c.centre_id: c for c in gov.count_by_centre(C.Sex(value="M"))}
    assert males["C2"].display == "< 10" and males["C2"].value is None  # 4 patients: always hidden
    again = {c.centre_id: c for c in gov.count_by_centre(C.Age(at="today", min=0))}
    assert again["C2"].display == cells["C2"].display  # same criteria, same figure: nothing to average
    assert AuditLog(store).count(username="ref", action="count_by_centre") == 3


def test_a_centre_with_no_match_shows_as_small(tmp_path):
    """A centre where nobody matches is released as '< 10', not an error that hides every centre."""
    store = make_store(tmp_path / "z.db", patients=90)
    ref = add_user(store, "ref", "password123", "referent", "C1", by="test")
    nobody = C.Age(at="today", min=119)
    cells = {c.centre_id: c for c in GovernedEngine(store, ref, min_count=10).count_by_centre(nobody)}
    assert cells["C1"].value == 0
    assert cells["C2"].display == "< 10" and cells["C2"].value is None


def _displays(n: int, monkeypatch) -> Counter:  # noqa: ANN001
    """Every display the rule can give for a true count n, one per noise value (uniform)."""
    import privacy.release as release

    out: Counter = Counter()
    for e in range(-release.NOISE, release.NOISE + 1):
        monkeypatch.setattr(release, "noise", lambda centre, h, e=e: e)
        out[release.release("C2", n, "h", 10).display] += 1
    monkeypatch.undo()
    return out


def _tv(p: Counter, q: Counter) -> float:
    total = sum(p.values())
    return sum(abs(p[k] - q[k]) for k in set(p) | set(q)) / (2 * total)


def test_differencing_pair_carries_no_membership_signal(tmp_path, monkeypatch):
    """Issue 12, finding 6, first attack: A = breast, B = A and NOT melanoma. The old guard answered
    "withheld" for B exactly when one patient of the other centre had both, and a number otherwise.
    Now B's answer is a function of (count + noise of B's criteria) only: the same forms in both
    worlds, and their distributions differ by at most 1/11 whatever was asked before."""
    a = C.Tumour(site=["C50"])
    x = C.Tumour(site=["C34"])  # stands for "melanoma": held by one C2 patient in world 1 only
    b = C.All(items=[a, C.Not(item=x)])

    def world(path, with_x: bool):  # noqa: ANN001, ANN202
        store = make_store(path, patients=90)
        breast_c2 = [r["id"] for r in store.query(
            "SELECT p.id FROM patients p JOIN tumours t ON t.patient_id = p.id WHERE p.centre_id = 'C2'"
            " AND p.opposition = 0 AND t.icd10 = 'C50.4' ORDER BY p.id")]
        if with_x:  # the target also has the second tumour
            store.execute("INSERT INTO tumours (id, patient_id, icd10, topography, diagnosis_date,"
                          " age_at_diagnosis) VALUES (9999, :p, 'C34.1', 'C34.1', '2019-01-01', 60)",
                          {"p": breast_c2[0]})
        mallory = add_user(store, "mallory", "password123", "researcher", "C1", by="test")
        gov = GovernedEngine(store, mallory, min_count=10)
        first = {c.centre_id: c for c in gov.count_by_centre(a)}["C2"]
        second = {c.centre_id: c for c in gov.count_by_centre(b)}["C2"]
        n_b = len(truth(store, b, "C2"))
        return first, second, n_b

    a0, b0, n0 = world(tmp_path / "w0.db", with_x=False)
    a1, b1, n1 = world(tmp_path / "w1.db", with_x=True)
    assert n1 == n0 - 1 >= 10
    assert {a0.status, b0.status, a1.status, b1.status} <= {"released", "small"}  # no "withheld"
    assert a0.display == a1.display  # A is the same set in both worlds: the same answer
    # The best an attacker can do with the pair: tell the two distributions of B's answer apart.
    assert _tv(_displays(n0, monkeypatch), _displays(n1, monkeypatch)) <= 1 / 11 + 1e-9
    # The old rule's signal was total (withheld vs a number): TV 1.


def test_small_sets_after_an_empty_release_read_alike(tmp_path, monkeypatch):
    """Issue 12, finding 6, second attack: once an empty set had been released as "< 10", "< 10" meant
    exactly 0 and "withheld" meant 1-9. Now an empty set and a set of 1-4 patients give the same
    answer, "< 10", whatever was released before; 5-9 show "< 10" or a noisy number, never a refusal."""
    store = make_store(tmp_path / "e.db", patients=90)
    mallory = add_user(store, "mallory", "password123", "researcher", "C1", by="test")
    gov = GovernedEngine(store, mallory, min_count=10)
    empty = {c.centre_id: c for c in gov.count_by_centre(C.Age(at="today", min=119))}["C2"]
    assert empty.display == "< 10"
    few = C.Sex(value="M")  # 1-9 patients in C2
    assert 0 < len(truth(store, few, "C2")) <= 4
    after = {c.centre_id: c for c in gov.count_by_centre(few)}["C2"]
    assert after.display == empty.display == "< 10" and after.status == "small"
    for n in range(0, 10):
        shown = _displays(n, monkeypatch)
        assert set(shown) <= {"< 10", "10", "15"} and (n > 4 or set(shown) == {"< 10"})


def test_release_budget_caps_rephrasings(tmp_path, monkeypatch):
    """Averaging the noise needs many equivalent criteria: past the budget, other centres' counts
    stop (the refusal depends on the user's own questions only, and is audited)."""
    from retrieval.settings import get_settings

    monkeypatch.setenv("COHORT_RELEASE_BUDGET", "3")
    get_settings.cache_clear()
    store = make_store(tmp_path / "b.db", patients=30)
    mallory = add_user(store, "mallory", "password123", "researcher", "C1", by="test")
    gov = GovernedEngine(store, mallory, min_count=10)
    for lo in (30, 31, 32):
        gov.count_by_centre(C.Age(at="today", min=lo))
    gov.count_by_centre(C.Age(at="today", min=30))  # asking again is free
    with pytest.raises(AccessDenied, match="24 hours"):
        gov.count_by_centre(C.Age(at="today", min=33))
    assert AuditLog(store).entries(username="mallory", action="denied")
    get_settings.cache_clear()


# -- the same property on the generated, ingested corpus ---------------------------------------------
corpus_atoms = st.one_of(
    atoms,
    st.builds(lambda t: C.Text(terms=[t]), st.sampled_from(["métastase", "récidive", "chimiothérapie",
                                                            "carcinome", "progression"])),
    st.builds(lambda t: C.Event(type=t), st.sampled_from(["metastasis", "local_recurrence", "progression"])),
)
corpus_criteria = st.recursive(
    corpus_atoms,
    lambda inner: st.one_of(
        st.builds(lambda xs: C.All(items=xs), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: C.AnyOf(items=xs), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: C.Not(item=x), inner),
    ),
    max_leaves=4,
)


@pytest.fixture
def corpus_users(store_copy):
    centres = [r["id"] for r in store_copy.query("SELECT id FROM centres ORDER BY id")]
    store_copy.execute("UPDATE patients SET opposition = 1 WHERE id % 9 = 0")  # more opposed patients
    for role in ("clinician", "researcher"):
        for centre in centres:
            add_user(store_copy, f"{role}-{centre}", "password123", role, centre, by="test")
    return store_copy, centres


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_leak_on_the_generated_corpus(corpus_users, data):
    store, centres = corpus_users
    criteria = data.draw(corpus_criteria)
    role = data.draw(st.sampled_from(["clinician", "researcher"]))
    centre = data.draw(st.sampled_from(centres))
    gov = GovernedEngine(store, user(store, role, centre))
    expected = truth(store, criteria, centre)
    assert sorted(gov.patient_ids(criteria)) == expected
    page = gov.list_patients(criteria, page=1, page_size=50)
    shown = [real_ids(store, r["pseudo_id"])[0] for r in page.rows]
    assert set(shown) <= set(expected) and page.total == len(expected)
    info = {r["id"]: r for r in store.query("SELECT id, centre_id, opposition FROM patients")}
    assert all(info[p]["centre_id"] == centre and not info[p]["opposition"] for p in shown)
