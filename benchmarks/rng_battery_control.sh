#!/usr/bin/env bash
# Control for the lagged-sum results of rng_battery_rest.sh: the same test
# (rgb_lagged_sum, -t 1000000, lags 9-32, the same -p) on generators known
# to be good, dieharder's built-in mt19937 (-g 13) and AES_OFB (-g 205), seeded
# with -S. If their p-values lean the same way as detente's (many near 1 at
# small -p), the lean is the test's, not the generator's.
#
# Usage: nice -n 19 bash benchmarks/rng_battery_control.sh P SEED...
#        T=50000 nice -n 19 bash benchmarks/rng_battery_control.sh 100 SEED...
# Output: benchmarks/results/dieharder/control-g<G>-S<SEED>[-t<T>]-p<P>.txt
set -u
p=$1; shift
t=${T:-}
topt=(); tag=""
if [ -n "$t" ]; then topt=(-t "$t"); tag="-t$t"; fi
out=$(cd "$(dirname "$0")" && pwd)/results/dieharder
for seed in "$@"; do
  for g in 13 205; do
    file=$out/control-g$g-S$seed$tag-p$p.txt
    [ -s "$file" ] && continue
    { for lag in $(seq 9 32); do
        echo "# dieharder -g $g -S $seed -d 203 -n $lag ${topt[*]} -p $p"
        dieharder -g "$g" -S "$seed" -d 203 -n "$lag" "${topt[@]}" -p "$p" | grep rgb_lagged_sum
      done; } > "$file.part" && mv "$file.part" "$file"
  done
done
