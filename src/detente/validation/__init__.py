"""Checks of the reference models against their published numbers.

:mod:`detente.validation.reproduce` recomputes every published target of
:mod:`detente.theory` (``detente reproduce``); the published inputs it reads
are in ``validation/data``. The kernels themselves never import this package.
"""
