"""Criteria read back as sentences, in French or English, so a referent can check what will run."""

from query_compiler.render.sentences import ATOM_RENDERERS, describe, render

__all__ = ["ATOM_RENDERERS", "describe", "render"]
