"""SHA-256 fingerprints of the built-in scenarios' runs, to check that a change
leaves their numbers the same to the bit.

Every outcome column and every recorded series of 60 runs of every package,
seed 3, hashed per scenario and package. Run it on two checkouts and compare
the lines; ``ukraine-2022`` is taken without its hindcast (its pre-war
parameters), so that a change to the war mechanisms can be checked against
the engine before them. Usage::

    python benchmarks/fingerprint.py > before.txt   # on one checkout
    python benchmarks/fingerprint.py | diff before.txt -
"""

from __future__ import annotations

import hashlib

import numpy as np

from detente.model.simulate import compile_model, run_chunk
from detente.scenario.loading import load_scenario

SERIES = (
    "rung",
    "deaths",
    "displaced",
    "idps",
    "military_deaths",
    "civilian_deaths",
    "at_war",
    "territory",
    "posture",
)


def main() -> None:
    for name in ("ukraine-2022", "two-state-textbook", "donbas-2014"):
        try:
            sc = load_scenario(name, hindcast=False)
        except TypeError:  # a checkout from before the hindcast switch
            sc = load_scenario(name)
        for package in sc.packages:
            out, ser = run_chunk(sc, compile_model(sc, package), 3, np.arange(60), record=True)
            h = hashlib.sha256()
            for k in sorted(out):
                h.update(k.encode())
                h.update(np.ascontiguousarray(out[k]).tobytes())
            for k in SERIES:
                h.update(np.ascontiguousarray(ser[k]).tobytes())
            print(name, package, h.hexdigest()[:16])


if __name__ == "__main__":
    main()
