"""Transitional: the names ``detente.model`` imports from here are
:mod:`detente.theory.lanchester`'s (see :mod:`detente.classic`)."""

from detente.theory.lanchester import square_law_losses

__all__ = ["square_law_losses"]
