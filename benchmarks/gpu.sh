#!/usr/bin/env bash
# The GPU check of the compiled backend (docs/performance.md, "On a GPU").
#
# Run from the repository root on a machine with a CUDA build of JAX:
#
#     bash benchmarks/gpu.sh                 # 10^5 and 10^6 runs of ukraine-2022
#
# It needs numpy, scipy, pyyaml, pyarrow, typer, rich, pydantic and jax. On a
# machine that cannot reach a package index, put wheels of the missing ones in
# .whl/ (see docs/performance.md); they are installed into /tmp/site. detente
# itself is used from src/, uninstalled. Writes gpu.json into $OUT (or here):
# one JSON document, rewritten as it grows (so a run cut short keeps what it
# measured); the same document is printed.
# Finishes within 5 minutes on an H100 (the whole script is capped at 280 s).
set -euo pipefail
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="src:${PYTHONPATH:-}"
export PYTHONUNBUFFERED=1
export DETENTE_JAX_CACHE=""   # measure compilation as a first user would meet it
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
out="${OUT:-.}/gpu.json"
timeout 280 python3 benchmarks/gpu.py --out "$out" "$@"
