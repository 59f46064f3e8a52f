#!/usr/bin/env bash
# Control for the lagged-sum results of rng_battery_rest.sh: the same test
# (rgb_lagged_sum, -t 1000000, lags 9-32, the same -p) on generators known
# to be good, dieharder's built-in mt19937 (-g 13) and AES_OFB (-g 205), seeded
# with -S. If their p-values lean the same way as detente's (many near 1 at
# small -p), the lean is the test's, not the generator's.
#
# Usage: nice -n 19 bash benchmarks/rng_battery_control.sh P SEED...
# Output: benchmarks/results/dieharder/control-g<G>-S<SEED>-p<P>.txt
set -u
p=$1; shift
out=$(cd "$(dirname "$0")" && pwd)/results/dieharder
for seed in "$@"; do
  for g in 13 205; do
    file=$out/control-g$g-S$seed-p$p.txt
    [ -s "$file" ] && continue
    { for lag in $(seq 9 32); do
        echo "# dieharder -g $g -S $seed -d 203 -n $lag -p $p"
        dieharder -g "$g" -S "$seed" -d 203 -n "$lag" -p "$p" | grep rgb_lagged_sum
      done; } > "$file.part" && mv "$file.part" "$file"
  done
done
