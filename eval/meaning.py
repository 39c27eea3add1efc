"""What a gold or predicted tumour criterion MEANS, so that two ways of writing the same criterion score
the same (``eval/parse.py`` and ``eval/cases.py`` use it; the rules are general, never per question):

- a histology (codes, prefixes, named groups) is the set of ICD-O-3 codes it covers in
  ``retrieval/classifications/icdo3_morphology.tsv``; the NOS code of an entity with a named group stands
  for the entity (``8890/3`` = every leiomyosarcoma; ``retrieval.classifications.expand_histology``);
- a tumour whose histology always arises in one organ and that names no site has that organ as its site
  (hepatocellular carcinoma → C22, thymoma → C37: ``site`` of the group in ``histology_groups.yaml``), so
  "CHC" scores the same with or without C22.
"""

from __future__ import annotations

from retrieval.classifications import expand_histology, histology_name, implied_site


def histology_set(codes: list[str], groups: list[str]) -> frozenset[str]:
    return expand_histology(codes, groups)


def histology_key(codes: list[str], groups: list[str]) -> str:
    return histology_name(codes, groups)


def tumour_sites(sites: list[str], codes: list[str], groups: list[str]) -> list[str]:
    return list(sites) if sites else implied_site(codes, groups)


# Marker families: a family name stands for its genes (a negative result holds for each gene, a positive
# one for any of them), and an old spelling of a cytogenetic marker for the marker and its status.
FAMILIES = {"RAS": ("KRAS", "NRAS")}
RENAMED = {"DEL17P": ("17P", "loss")}


def normalise(node):  # noqa: ANN001, ANN201 - a Criteria node in, a Criteria node out
    """The same criteria with marker families spelt out (``RAS sauvage`` = KRAS and NRAS wild type)."""
    from query_compiler.criteria import All, AnyOf, Biomarker, Not, Sequence

    if isinstance(node, (All, AnyOf)):
        return type(node)(items=[normalise(i) for i in node.items])
    if isinstance(node, Not):
        return Not(item=normalise(node.item))
    if isinstance(node, Sequence):
        return node
    if isinstance(node, Biomarker):
        if node.marker in RENAMED and node.status is None:
            name, status = RENAMED[node.marker]
            return node.model_copy(update={"marker": name, "status": status})
        if node.marker in FAMILIES:
            atoms = [node.model_copy(update={"marker": g}) for g in FAMILIES[node.marker]]
            return All(items=atoms) if node.status in ("wild_type", "negative") else AnyOf(items=atoms)
    return node
