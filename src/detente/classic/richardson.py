"""Transitional: the names ``detente.model`` imports from here are
:mod:`detente.theory.richardson`'s (see :mod:`detente.classic`)."""

from detente.theory.richardson import euler_step

__all__ = ["euler_step"]
