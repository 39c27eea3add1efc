"""The Criteria model: JSON round trip, published schema, normalised codes, readable errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from query_compiler import criteria as C
from tests.criteria_strategies import trees


@given(trees())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_json_round_trip(tree):
    assert C.parse_criteria(C.to_json(tree)) == tree
    assert C.parse_criteria(C.to_dict(tree)) == tree
    assert C.to_json(C.parse_criteria(C.to_json(tree))) == C.to_json(tree)


def test_schema_is_published_and_names_every_kind():
    schema = C.json_schema()
    text = json.dumps(schema)
    for model in C.NODE_TYPES:
        assert f'"{model.model_fields["kind"].default}"' in text
    assert "$defs" in schema and json.loads(text) == schema


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"kind": "planet"}, "unknown kind 'planet'"),
        (
            {"kind": "all", "items": [{"kind": "sex", "value": "F"}, {"kind": "comet"}]},
            "items → 1: unknown kind",
        ),
        ({"kind": "age", "min": 200}, "age → min: 200 is too large (at most 120)"),
        ({"kind": "age"}, "give a minimum, a maximum or both"),
        (
            {"kind": "tumour", "diagnosed_from": "2017-01-01", "diagnosed_to": "2011-01-01"},
            "diagnosis dates: the lower bound (2017-01-01) is above the upper bound (2011-01-01)",
        ),
        (
            {"kind": "text", "terms": ["x"], "date_from": "2020-01-01", "date_to": "2019-01-01"},
            "document dates",
        ),
        ({"kind": "all", "items": []}, "must hold at least one item"),
        ({"kind": "tumour", "site": ["sein"]}, "'sein' is not an ICD-10 or ICD-O-3 code"),
        ({"kind": "stay_diagnosis", "codes": ["C5O"]}, "'C5O' is not an ICD-10"),
        ({"kind": "stay_diagnosis", "codes": ["U99"]}, "unknown ICD-10 code 'U99'"),
        ({"kind": "tumour", "histology": ["adeno"]}, "not an ICD-O-3 morphology code"),
        ({"kind": "treatment", "atc": ["L0X"]}, "not an ATC code"),
        ({"kind": "tumour", "grade": [5]}, "grade 5 does not exist"),
        ({"kind": "text", "terms": ["***"]}, "has no letters or digits"),
        ({"kind": "text", "terms": ["a NEAR/99 b"]}, "NEAR distance 99 is above the limit"),
        (
            {
                "kind": "sequence",
                "first": {"kind": "sex", "value": "F"},
                "then": {"kind": "event", "type": "relapse"},
            },
            "'sex' has no date",
        ),
        (
            {
                "kind": "sequence",
                "first": {"kind": "event", "type": "relapse"},
                "then": {"kind": "event", "type": "relapse"},
                "relation": "within",
            },
            "needs max_months",
        ),
        ({"kind": "biomarker", "marker": "PD-L1", "op": ">="}, "give both a comparison"),
    ],
)
def test_validation_errors_are_sentences(data, says):
    with pytest.raises(C.CriteriaError) as err:
        C.parse_criteria(data)
    assert says in str(err.value)
    assert "Traceback" not in str(err.value)


def test_bad_json_and_non_objects():
    with pytest.raises(C.CriteriaError, match="not valid JSON"):
        C.parse_criteria('{"kind": "sex", ')
    with pytest.raises(C.CriteriaError, match='JSON object with a "kind"'):
        C.parse_criteria("[1, 2]")


def test_huge_and_deep_trees_are_refused_in_words():
    wide = {"kind": "any", "items": [{"kind": "sex", "value": "F"}] * (C.MAX_ATOMS + 1)}
    with pytest.raises(C.CriteriaError, match=f"the limit is {C.MAX_ATOMS}"):
        C.parse_criteria(wide)
    deep = '{"kind": "not", "item": ' * 5000 + '{"kind": "sex", "value": "F"}' + "}" * 5000
    with pytest.raises(C.CriteriaError, match="nested more than"):
        C.parse_criteria(deep)
    nested: dict = {"kind": "sex", "value": "F"}
    for _ in range(C.MAX_DEPTH + 1):
        nested = {"kind": "not", "item": nested}
    with pytest.raises(C.CriteriaError, match="nested more than"):
        C.parse_criteria(nested)


def test_codes_are_normalised_so_equal_criteria_compare_equal():
    a = C.parse_criteria({"kind": "tumour", "site": ["c504", " C34 "], "stage": ["iiia"]})
    assert a.site == ["C50.4", "C34"] and a.stage == ["IIIA"]
    assert C.Tumour(site=["c504"]) == C.Tumour(site=["C50.4"])
    b = C.parse_criteria({"kind": "biomarker", "marker": " her2 ", "alteration": "v600e"})
    assert (b.marker, b.alteration) == ("HER2", "V600E")
    t = C.parse_criteria({"kind": "treatment", "drugs": ["Pembrolizumab"], "atc": ["l01ff02"]})
    assert (t.drugs, t.atc) == (["pembrolizumab"], ["L01FF02"])
    assert C.parse_criteria({"kind": "tumour", "site": ["C42.1", "C0"]}).site == ["C42.1", "C0"]


def test_docstring_example_holds():
    c = C.All(items=[C.Sex(value="F"), C.Tumour(site=["C50"], metastatic=True, age_min=50, age_max=50)])
    assert C.parse_criteria(C.to_json(c)) == c
    assert C.to_dict(c) == {
        "kind": "all",
        "items": [
            {"kind": "sex", "value": "F"},
            {"kind": "tumour", "site": ["C50"], "metastatic": True, "age_min": 50, "age_max": 50},
        ],
    }
