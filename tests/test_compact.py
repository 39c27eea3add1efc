"""The compact form round-trips exactly and says where it cannot be read."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from query_compiler import criteria as C
from query_compiler.criteria.compact import CompactError, from_compact, to_compact
from tests.criteria_strategies import atoms, trees

FLAGSHIP = C.All(items=[C.Sex(value="F"), C.Tumour(site=["C50"], metastatic=True, age_min=50, age_max=50)])

EXAMPLES = [
    ("ALL(sex=F; tumour(site=C50, metastatic=yes, age=50..50))", FLAGSHIP),
    ('NOT text("pas de")', C.Not(item=C.Text(terms=["pas de"]))),
    ("vital_status=alive", C.VitalStatus(value="alive")),
    ("centre=[C1, C2]", C.Centre(ids=["C1", "C2"])),
    ("biomarker(marker=PD-L1, value>=50)", C.Biomarker(marker="PD-L1", op=">=", value=50)),
    ("age(at=today, years=70..)", C.Age(at="today", min=70)),
    ("treatment_lines(count=2..)", C.TreatmentLines(min=2)),
    (
        "SEQ(first=tumour(histology_group=myeloma), then=tumour(histology_group=aml), months=..120)",
        C.Sequence(
            first=C.Tumour(histology_group=["myeloma"]),
            then=C.Tumour(histology_group=["aml"]),
            max_months=120,
        ),
    ),
    (
        'text("ovocytes congelés", "cryopréservation ov*", dates=2011-01-01.., include=[negated, family])',
        C.Text(
            terms=["ovocytes congelés", "cryopréservation ov*"],
            include=["negated", "family"],
            date_from="2011-01-01",
        ),
    ),
    (
        'treatment(drugs="lutetium (177lu) oxodotreotide", ongoing=no)',
        C.Treatment(drugs=["lutetium (177lu) oxodotreotide"], ongoing=False),
    ),
]


@pytest.mark.parametrize(("text", "node"), EXAMPLES)
def test_examples_read_and_write_the_same(text, node):
    assert from_compact(text) == node
    assert to_compact(node, pretty=False) == text


def test_whitespace_comments_and_line_breaks_are_free():
    text = """
    ALL(   # the flagship question
        sex = F ;
        tumour( site = C50 ,metastatic=yes, age=50..50 ) ;
    )"""
    assert from_compact(text) == FLAGSHIP


def test_quoting_rules_protect_any_string():
    node = C.Text(terms=['a "b" \\ c', "yes", "C50", "x, y; z)", "é à ç"])
    text = to_compact(node)
    assert '"a \\"b\\" \\\\ c"' in text and '"é à ç"' in text
    assert from_compact(text) == node


def test_long_trees_are_indented_and_still_parse():
    node = C.All(
        items=[
            FLAGSHIP,
            C.AnyOf(
                items=[
                    C.Text(terms=["préservation NEAR fertilité"] * 3),
                    C.Treatment(classes=["chemotherapy"], line_min=2),
                ]
            ),
        ]
    )
    text = to_compact(node)
    assert "\n  " in text
    assert from_compact(text) == node


@given(trees())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_trees_round_trip(tree):
    assert from_compact(to_compact(tree)) == tree
    assert from_compact(to_compact(tree, pretty=False)) == tree
    assert to_compact(from_compact(to_compact(tree))) == to_compact(tree)


@given(atoms)
@settings(max_examples=200, deadline=None)
def test_random_atoms_round_trip(atom):
    assert from_compact(to_compact(atom)) == atom


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ('ALL(sex=F; NOT text("pas de")', (1, 30), "')' to close ALL("),
        ("tumour(sites=C50)", (1, 8), "no field 'sites'"),
        ("tumour(site=sein)", (1, 1), "not an ICD-10"),
        ("ALL(sex=F tumour())", (1, 11), "expected ';'"),
        ('text("abc)', (1, 6), "never closed"),
        ("age(years=200..)", (1, 1), "200 is too large"),
        ("foo(x=1)", (1, 1), "unknown criterion 'foo'"),
        ("tumour(site=C50) sex=F", (1, 18), "after the end"),
        ("tumour(age=60..50)", (1, 1), "lower bound (60) is above"),
        ("ALL(\n  sex=F;\n  tumour(grade=7)\n)", (3, 3), "grade 7 does not exist"),
        ("tumour(site=C50 €)", (1, 17), "unexpected character"),
        ("", (1, 1), "empty"),
    ],
)
def test_errors_name_the_place(text, where, says):
    with pytest.raises(CompactError) as err:
        from_compact(text)
    assert (err.value.line, err.value.column) == where
    assert says in str(err.value)
    assert "^" in str(err.value)
