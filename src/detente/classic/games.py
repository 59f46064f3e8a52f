"""Transitional: the names ``detente.model`` imports from here are
:mod:`detente.theory.reciprocity`'s (see :mod:`detente.classic`)."""

from detente.theory.reciprocity import generous_probability, reciprocate

__all__ = ["generous_probability", "reciprocate"]
