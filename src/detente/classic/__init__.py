"""Former name of :mod:`detente.theory` (the reference kernels), kept only for the
three imports of ``detente.model`` until they name ``detente.theory``.

Remove this package when ``model/policies.py``, ``model/balance.py`` and
``model/war.py`` import from ``detente.theory`` (issue "The house re-laid").
"""
