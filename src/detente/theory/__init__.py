"""Reference forms of the published models the engine is built from.

Each module is a set of pure typed functions that cite their source. The
engine calls these functions, so each idea has one source.
"""
