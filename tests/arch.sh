#!/bin/bash
# tests/arch.sh VERSION ARCH...: `make test-arch`.  Runs each architecture's
# release binary (dist/remit-VERSION-ARCH) under its qemu-user binary
# (qemu-ARCH-static), with build/arch_child-ARCH (tests/arch_child.c) as the
# program, and checks the core cases end to end with the target's own signal
# numbers.
#   ARCH_DIST=dir   where the remit binaries are (default: dist)
# Every architecture, the host's own included, runs the same way: through
# qemu-user named on the command line, never through binfmt_misc or the
# kernel's native support, which differ from host to host (Debian registers
# no binfmt entry for i386 on amd64; some kernels run no i386 binaries).
# Waits are on events (the child's "ready", its "got N"), each bounded by
# 60 s; every process started here is under `timeout -s KILL 60`.
version=$1; shift
dist=${ARCH_DIST:-dist}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0 start=$SECONDS

ok() { echo "ok    $arch: $1"; }
bad() { echo "FAIL  $arch: $1"; fails=$((fails + 1)); }
check() {  # check WHAT EXPECTED GOT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected $2, got $3"; fi
}

qemu_name() {
  case $1 in amd64) echo x86_64;; arm64) echo aarch64;; armhf|armel) echo arm;;
    ppc64el) echo ppc64le;; *) echo "$1";; esac
}

# Runs remit with stdout in $out, stderr in $err, status in $st.
run() {
  out=$(timeout -s KILL 60 "$@" 2>"$tmp/err"); st=$?; err=$(cat "$tmp/err")
}

# signal_case SIG ARGS...: remit ARGS -- child wait 3; when the child says
# ready, send SIG (by name, in the host's numbering: qemu-user translates it
# to the target's) to remit.  Sets $got (the number the child received) and $st.
signal_case() {
  local sig=$1; shift
  rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
  timeout -s KILL 60 "${R[@]}" "$@" -- "${C[@]}" wait 3 >"$tmp/fifo" 2>"$tmp/err" &
  local job=$! word pid child orphan=
  exec 3<"$tmp/fifo"
  got="no 'ready' from the child within 60 s"
  if read -r -t 60 word pid child <&3 && [ "$word" = ready ]; then
    kill -s "$sig" "$pid"
    if read -r -t 60 word got <&3 && [ "$word" = got ]; then :; else
      got="no 'got N' from the child within 60 s" orphan=$child
    fi
  fi
  exec 3<&-
  wait $job 2>/dev/null; st=$?
  # A remit that died early leaves its child waiting: it goes too.
  [ -n "$orphan" ] && kill -KILL "$orphan" 2>/dev/null
}

for arch in "$@"; do
  # remit and its child each under qemu: remit (emulated) execs the host's
  # qemu, which runs the child in the same process, as binfmt_misc would.
  Q=$(command -v "qemu-$(qemu_name $arch)-static") ||
    { bad "no qemu-$(qemu_name $arch)-static (install qemu-user-static)"; continue; }
  bin=$dist/remit-$version-$arch
  R=("$Q" "$bin") C=("$Q" build/arch_child-$arch)
  "${C[@]}" exit 0 || { bad "cannot run build/arch_child-$arch under $Q"; continue; }
  # The target's numbers as its kernel ABI has them (MIPS differs), checked
  # against the child's own <signal.h>.
  case $arch in
    mips*) USR1=16 USR2=17 CHLD=18 RTMAX=127;;
    *) USR1=10 USR2=12 CHLD=17 RTMAX=64;;
  esac
  check "USR1/USR2/CHLD are $USR1/$USR2/$CHLD in the target's <signal.h>" "$USR1 $USR2 $CHLD" \
    "$("${C[@]}" num USR1) $("${C[@]}" num USR2) $("${C[@]}" num CHLD)"

  run "${R[@]}" -- "${C[@]}" exit 7
  check "exit status passes through" 7 "$st"

  signal_case TERM
  check "TERM reaches the child" "15 3" "$got $st"
  signal_case TERM -m 3@TERM=0
  check "3@TERM=0 after TERM" "15 0" "$got $st"
  run "${R[@]}" -m 3@TERM=0 -- "${C[@]}" exit 3
  check "3@TERM=0 without TERM" 3 "$st"
  signal_case USR1 -m 3@USR1=0
  check "USR1 reaches the child as $USR1, 3@USR1=0 applies" "$USR1 0" "$got $st"

  run unshare --pid --fork --mount-proc "${R[@]}" -- "${C[@]}" die USR1
  check "as PID 1, death by USR1 gives 128+$USR1" $((128 + USR1)) "$st"
  run "${R[@]}" -- "${C[@]}" die USR1
  # qemu-user turns the target's death by USR1 into the host's.
  check "as a wrapper, remit dies by USR1 too" $((128 + $(kill -l USR1))) "$st"

  # As tini: its -v words for the signal are glibc's for the target's number.
  ln -sf "$(realpath "$bin")" "$tmp/tini"
  run "$Q" "$tmp/tini" -v -- "${C[@]}" die USR1
  check "as tini -v, death by USR1" "$((128 + USR1)) (with signal 'User defined signal 1')" \
    "$st $(printf '%s\n' "$out" | sed -n 's/.*Main child exited with signal //p')"

  # A wait of under a second is a wait.  32-bit targets once gave the old
  # rt_sigtimedwait musl's 64-bit timespec, which it read as 0 ns: remit
  # spun through the grace period (23,675 calls in 1.4 s on i386).  remit
  # now waits with poll on its signalfd (ppoll where the kernel has no
  # poll); both are counted, with rt_sigtimedwait, in system calls
  # (qemu-user's -strace), not in time: 2 here, a few per event whatever
  # the load.
  rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
  timeout -s KILL 60 "$Q" -strace "$bin" -m KILL=0 -t 0.5s -- "${C[@]}" hold 0 \
    >"$tmp/fifo" 2>"$tmp/strace" &
  job=$!
  exec 3<"$tmp/fifo"
  if read -r -t 60 word pid child <&3 && [ "$word" = ready ]; then kill -s TERM "$pid"; fi
  cat <&3 >/dev/null; exec 3<&-  # until the child is gone (killed at the grace's end)
  wait $job; st=$?
  waits=$(grep -cE '^[0-9]+ (p?poll|rt_sigtimedwait(_time64)?)\(' "$tmp/strace")
  check "-t 0.5s after TERM: KILL=0 applies, remit waited (under 50 calls)" "0 yes" \
    "$st $([ "$waits" -lt 50 ] && echo yes || echo "no: $waits waits (poll, rt_sigtimedwait)")"

  run "${R[@]}" --explain USR1
  check "--explain USR1" "USR1 -> $((128 + USR1))" "${out%% (*}"
  run "${R[@]}" --explain CHLD
  check "--explain CHLD" "CHLD -> $((128 + CHLD))" "${out%% (*}"
  run "${R[@]}" --explain RTMAX
  check "--explain RTMAX" "RTMAX -> $((128 + RTMAX))" "${out%% (*}"
  run "${R[@]}" -m 1@USR2=0 --explain 1@$USR2
  check "1@USR2=0 --explain 1@$USR2" "1@$USR2 -> 0" "${out%% (*}"

  run "${R[@]}" -m 1@TREM=0 -- "${C[@]}" say started
  check "a bad rule gives 2, one line naming it, and no child" "2 1 yes" \
    "$st $(printf '%s\n' "$err" | wc -l) $([ -z "$out" ] && case $err in *TREM*) echo yes;; esac)"

  # Real-time signals, where the emulator can carry them: qemu-user keeps
  # some host real-time signals for itself, so the target's highest ones
  # cannot be delivered at all under it (on real hardware they can).
  signal_case TERM -r TERM:RTMIN+3
  check "TERM rewritten to RTMIN+3 reaches the child as 37" "37 3" "$got $st"
  if [ "$("${C[@]}" probe $RTMAX)" = yes ]; then
    signal_case TERM -r TERM:RTMAX
    check "TERM rewritten to RTMAX reaches the child as $RTMAX" "$RTMAX 3" "$got $st"
  else
    n=$((RTMAX - 1)); while [ $n -gt 34 ] && [ "$("${C[@]}" probe $n)" != yes ]; do n=$((n - 1)); done
    echo "note  $arch: qemu-user delivers target signals up to $n only, not $((n + 1))..$RTMAX: RTMAX forwarding not checked here"
  fi
done
echo "test-arch: $# architectures, $fails failed, $((SECONDS - start)) s"
[ $fails = 0 ]
