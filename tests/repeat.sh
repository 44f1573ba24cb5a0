#!/bin/sh
# tests/repeat.sh N: the suites `make test` runs, N times in a row, with
# both CPUs kept busy by stress-ng; then, per test, how often it failed.
# A test that fails by chance blocks good changes, and one that passes by
# chance hides regressions: the goal is 0 failures.  `make test-repeat`
# (N=20 by default) builds what it needs and runs this.  Criterion writes a
# TAP report per run (--tap); a test missing from a report (the runner died
# or hung) counts as failed in that run.
set -u
cd "$(dirname "$0")/.." || exit 1
n=${1:-20}
# The suites make test runs against remit's sanitizer build: the Makefile's
# REMIT_SAN_SUITES, which make test-repeat passes.
suites=${REMIT_SAN_SUITES:-report|rules|compat|output|reliability|shutdown}
case $n in '' | *[!0-9]* | 0) echo "usage: tests/repeat.sh N (N >= 1)" >&2; exit 2 ;; esac
for f in remit tests/runner tests/runner-san tests/remit-san; do
  [ -x "$f" ] || { echo "tests/repeat.sh: no $f: run make test-repeat" >&2; exit 1; }
done
command -v stress-ng >/dev/null || { echo "tests/repeat.sh: stress-ng is not installed" >&2; exit 1; }

dir=$(mktemp -d /tmp/remit-repeat.XXXXXX) || exit 1
load=""
cleanup() {
  [ -n "$load" ] && kill "$load" 2>/dev/null && wait "$load" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One CPU-bound worker per CPU for the whole run.
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
stress-ng --cpu "$cpus" --quiet >/dev/null 2>&1 &
load=$!
echo "test-repeat: $n runs of make test's suites, $cpus CPUs kept busy by stress-ng (pid $load)"

i=1
while [ "$i" -le "$n" ]; do
  # As make test runs them: the unit suites under ASan/UBSan, every suite,
  # then the end-to-end suites again against remit built with ASan/UBSan
  # (slower to start: the build whose timing CI once caught out).  An hour
  # is far beyond a run; past it the run counts as hung.
  timeout -k 10 3600 tests/runner-san --jobs 2 --filter '@(remap|reliability_unit)/*' \
    --tap="$dir/san.$i.tap" >"$dir/san.$i.log" 2>&1
  timeout -k 10 3600 tests/runner --jobs 2 --tap="$dir/all.$i.tap" >"$dir/all.$i.log" 2>&1
  rc=$?
  REMIT_BIN=$PWD/tests/remit-san ASAN_OPTIONS=detect_leaks=0 timeout -k 10 3600 tests/runner --jobs 2 \
    --filter "@($suites)/*" \
    --tap="$dir/rsan.$i.tap" >"$dir/rsan.$i.log" 2>&1
  bad=$(cat "$dir/san.$i.tap" "$dir/all.$i.tap" "$dir/rsan.$i.tap" 2>/dev/null | grep -c '^not ok')
  echo "  run $i/$n: runner exit $rc, $bad failed$(tail -n 1 "$dir/all.$i.log" | sed -n 's/.*Synthesis:/;/p')"
  # Keep the failure messages of failed runs.
  [ "$bad" = 0 ] || grep -h -A12 '^not ok' "$dir/san.$i.tap" "$dir/all.$i.tap" "$dir/rsan.$i.tap" |
    sed 's/^/      /' | head -n 60
  i=$((i + 1))
done

# Every test any run names, with the runs that did not report it as ok.
# (san: marks the sanitizer build of a unit test, rsan: a suite run against
# the sanitizer build of remit.)
for i in $(seq "$n"); do
  sed -n 's/^\(not ok\|ok\) - \([^ ]*\).*/\1 san:\2/p' "$dir/san.$i.tap" 2>/dev/null
  sed -n 's/^\(not ok\|ok\) - \([^ ]*\).*/\1 \2/p' "$dir/all.$i.tap" 2>/dev/null
  sed -n 's/^\(not ok\|ok\) - \([^ ]*\).*/\1 rsan:\2/p' "$dir/rsan.$i.tap" 2>/dev/null
done | awk -v n="$n" '
  { name = $NF; seen[name]++; if ($1 == "not") failed[name]++ }
  END {
    tests = 0; total = 0; flaky = 0
    for (t in seen) {
      tests++
      f = failed[t] + (n - seen[t])   # missing from a report: failed
      total += f
      if (f) flaky++
      printf "%5d/%d  %s\n", f, n, t | "sort -k1,1nr -k2"
    }
    close("sort -k1,1nr -k2")
    printf "test-repeat: %d runs x %d tests under load: %d failures in %d tests\n", n, tests, total, flaky
    exit total > 0
  }'
