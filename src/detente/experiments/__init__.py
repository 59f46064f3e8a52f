"""Ensembles and comparisons of policy packages."""
