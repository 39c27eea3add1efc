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
