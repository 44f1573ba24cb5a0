#!/bin/sh
# bench/bench.sh: `make bench`.  remit against Debian's tini-static,
# catatonit and dumb-init on the same work, in one run; prints a Markdown
# table (with the date and the machine) on stdout.  Takes about 1-2 minutes.
#   BENCH_ROUNDS=20     rounds (start-up: 100 runs of each init per round)
#   BENCH_ORPHANS=N     orphans to reap as PID 1 (default: 10,000, or fewer
#                       where a bare fork is slow: bench.c measures it first)
#   BENCH_QUEUED=20000  SIGRTMIN+1 queued at each init, stopped, per round
#   REMIT=./remit       the binary to measure
#   BENCH_CPU=N         the CPU to run everything on (default: the last; none)
#   BENCH_DIST="FILE.." release binaries (dist/remit-VERSION-ARCH) whose size
#                       to show first, one row per architecture
set -e
cd "$(dirname "$0")/.."
REMIT=${REMIT:-./remit}
OUT=bench/build
TINI=/usr/bin/tini-static CATATONIT=/usr/bin/catatonit DUMB_INIT=/usr/bin/dumb-init

# The peers and the tools, from Debian (tini ships tini-static).
missing=""
for p in tini catatonit dumb-init util-linux gcc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v musl-gcc >/dev/null || missing="$missing musl-tools"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing:$missing" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "bench: needs these Debian packages:$missing (sudo apt-get install -y$missing)" >&2
    exit 1
  fi
fi
for f in "$REMIT" $TINI $CATATONIT $DUMB_INIT; do
  [ -x "$f" ] || { echo "bench: $f not found" >&2; exit 1; }
done

# The children, static so that they cost every init the same and little:
# `true` is the smallest static program musl makes.
mkdir -p $OUT
musl-gcc -static -Os -s -o $OUT/true bench/true.c
musl-gcc -static -O2 -s -Wall -o $OUT/work bench/work.c
gcc -O2 -Wall -o $OUT/bench bench/bench.c

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "remit $(git describe --always --dirty 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'),"\
  "Linux $(uname -r), $cpu, $(nproc) CPUs"
echo "peers: tini $(dpkg-query -W -f='${Version}' tini), catatonit $(dpkg-query -W -f='${Version}' catatonit),"\
  "dumb-init $(dpkg-query -W -f='${Version}' dumb-init) (Debian packages)"
# How busy the machine is without us: the figures mean little on a busy one.
cpu_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }
set -- $(cpu_busy); sleep 1; set -- "$@" $(cpu_busy)
echo "CPU busy in the second before: $(( ($3 - $1) * 100 / ($3 - $1 + $4 - $2 + 1) ))% (figures mean most on an otherwise idle machine)"
echo
if [ -n "$BENCH_DIST" ]; then
  # The bound is 40 KiB on amd64 and 48 KiB on every musl build; an
  # architecture the Debian release has no musl for (riscv64 on 12, mips on
  # 13) is glibc -static.  The Makefile's FLAGS_ARCH say what was done per target.
  echo "| architecture | file size (static, stripped) | within the bound |"
  echo "|---|---:|---|"
  for f in $BENCH_DIST; do
    size=$(stat -c %s "$f") arch=${f##*-}
    bound=49152; [ "$arch" = amd64 ] && bound=40960
    echo "| $arch | $size B | $(grep -q GLIBC "$f" && echo "(glibc)" || { [ "$size" -le $bound ] && echo yes || echo NO; }) |"
  done
  echo
fi
exec $OUT/bench $OUT "$REMIT" $TINI $CATATONIT $DUMB_INIT
