"""detente: make international crises computable."""

__version__ = "0.1.0"
