#!/usr/bin/env bash
# The dieharder tests of `-a` that the first battery run (docs/reliability.md)
# did not reach, one dieharder call per test, raw output kept in
# benchmarks/results/dieharder/<stream>-<test>.txt (its first line is the
# exact command).
#
#   runs stream:            rgb_lagged_sum lags 9-32
#   steps/purposes streams: rgb_kstest_test and the five DAB tests at -a's
#                           defaults, rgb_lagged_sum lags 10-32
#
# -a runs rgb_lagged_sum with -t 1000000 -p 100: lag n reads (n+1) x 400 MB,
# ~200 GB per stream for lags 9-32, more than a shared 2-core machine gives
# in a session at nice 19. So each lag is run with -t 1000000 and a smaller
# -p (P, the number of p-values dieharder's final KS test combines), given
# per stream and recorded in each file.
#
# Usage: nice -n 19 bash benchmarks/rng_battery_rest.sh STREAM [P] [FIRST_LAG] [T]
#   STREAM runs|steps|purposes; P default 100 (as -a); FIRST_LAG default 9
#   (runs) or 10; T (tsamples) default 1000000 (as -a). With T given, the
#   lagged-sum files are named ...-t<T>-p<P>.txt. A test whose result file
#   exists is skipped, so the script can be stopped and run again.
#
# Prefer a smaller T to a smaller P: dieharder's final Kolmogorov-Smirnov
# p-value is not reliable for a handful of p-values (with -p 5 it gave
# 1.00000000, "FAILED", for five p-values whose exact KS p-value is 0.84;
# docs/reliability.md), while a lagged sum of 50,000 uniforms is as normal
# as one of 1,000,000.
# Each call reads the stream from its start (no test reuses another's data
# within a call; different calls see the same words).
set -u
stream=$1
p=${2:-100}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results/dieharder
mkdir -p "$out"
export PYTHONPATH=$here/../src
if [ "$stream" = runs ]; then first=${3:-9}; else first=${3:-10}; fi
t=${4:-}
suffix=""; topt=()
if [ -n "$t" ]; then suffix="-t$t-p$p"; topt=(-t "$t"); fi

one() {  # name, dieharder arguments...
  local name=$1; shift
  local file=$out/$stream-$name.txt
  [ -s "$file" ] && grep -q -E 'PASSED|WEAK|FAILED' "$file" && return 0
  { echo "# python benchmarks/rng_battery.py --stream $stream | dieharder -g 200 $*"
    python "$here/rng_battery.py" --stream "$stream" | dieharder -g 200 "$@"
  } > "$file.part" 2>&1 && mv "$file.part" "$file"
}

if [ "$stream" != runs ] && [ -z "$t" ]; then
  one kstest -d 204
  for d in 205 206 207 208 209; do one "d$d" -d "$d"; done
fi
for lag in $(seq "$first" 32); do
  one "lagged-sum-$lag$suffix" -d 203 -n "$lag" "${topt[@]}" -p "$p"
done
