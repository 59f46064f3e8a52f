"""Analyses of simulated outcomes, as pure functions over arrays and sweep folders.

- :mod:`~detente.analysis.statistics`: intervals and paired differences;
- :mod:`~detente.analysis.peace`: the price of peace per package;
- :mod:`~detente.analysis.metrics`: forecast scores (CRPS, Brier, coverage);
- :mod:`~detente.analysis.sensitivity`: Sobol indices and Morris screening of a sweep;
- :mod:`~detente.analysis.discover`: scenario discovery with PRIM.

Nothing here runs the model: the runner (:mod:`detente.run`) uses these
functions for its summaries, and the analyses of a sweep read its folder
through :mod:`detente.io.store`.
"""
