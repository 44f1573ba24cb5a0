// signal_source.hpp: where remit's signals come from: a signalfd read in batches, or rt_sigtimedwait.
//
// All signals stay blocked in remit and are read from here: no handlers,
// so nothing runs in a signal context, and no timeout unless a deadline
// is armed, so an idle remit never wakes.
#pragma once
#include <errno.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sys.hpp"

// A deadline long past: next() then returns only what is pending.
constexpr int64_t kPending = 0;
// No deadline: next() waits as long as it takes.
constexpr int64_t kNever = -1;

struct SignalSource {
  pid_t self = 0;  // remit's pid: a signal it raised at itself is nobody's
  remap::SigSet awaited = 0;  // all, but those main leaves unblocked: main sets it
  // A signalfd, which main opens before the child starts, or -1 when
  // remit had no descriptor to spare for one (RLIMIT_NOFILE reached) and
  // waits with rt_sigtimedwait, which needs none.  0 until then: a source
  // of zeros only is in .bss, not in the file.
  int fd = 0;
  int code = 0;    // how the signal next() returned last was sent (its si_code)
  static inline signalfd_siginfo batch[32];  // 4 KiB, one for every source: read from one at a time
  int have = 0, at = 0;  // batch[at..have) not yet returned

  // SIGPIPE or SIGXFSZ from one of remit's own writes, or a kill at its
  // own pid: nobody sent it, so it is neither passed on, counted nor told
  // (a line could raise another).  The kernel fills in the pid for these
  // codes.  The terminal hand-off's HUP and CONT come as from remit too,
  // and are taken.
  bool raised_by_self(int sig, int sicode, pid_t pid) const {
    return (sicode == SI_USER || sicode == SI_TKILL) && pid == self && sig != SIGHUP && sig != SIGCONT;
  }

  // A signalfd that fails to read (nothing but EINTR ever should) is
  // given up for rt_sigtimedwait, rather than tried again and again.
  void lose_signalfd() {
    close(fd);
    fd = -1;
  }

  // Waits for any signal, until deadline_ms (monotonic) unless it is
  // kNever.  Returns the signal, or 0 when the deadline passed with none
  // pending.  From a signalfd signals come in batches, one read for all
  // that are pending, so that passing one on costs little more than its kill().
  int next(int64_t deadline_ms) {
    static const remap::SigSet chld = remap::bit(SIGCHLD);
    for (;;) {
      while (at < have) {
        const signalfd_siginfo &s = batch[at++];
        int sig = int(s.ssi_signo);
        code = s.ssi_code;
        if (sig && !raised_by_self(sig, s.ssi_code, pid_t(s.ssi_pid))) return sig;
      }
      int wait = -1;  // ms; -1: no deadline.  A deadline is under 2^31 ms away.
      if (deadline_ms >= 0) {
        int64_t left = deadline_ms - now_ms();
        wait = left > 0 ? int(left) : 0;
      }
      if (fd < 0 || wait >= 0) {
        // One at a time, with rt_sigtimedwait: for a deadline, or without
        // a signalfd.  SIGCHLD first, as below.  EINTR (a stop and
        // continue): again.
        siginfo_t info;
        OldTimespec left = {wait / 1000, wait % 1000 * 1000000L};
        long sig = wait_signal(&chld, &info, &kNoWait);
        if (sig < 0) sig = wait_signal(&awaited, &info, wait < 0 ? nullptr : &left);
        code = info.si_code;
        if (sig > 0 && !raised_by_self(int(sig), info.si_code, info.si_pid)) return int(sig);
        if (sig < 0 && errno == EAGAIN) return 0;
        continue;
      }
      ssize_t n = read(fd, batch, sizeof batch);
      if (n < 0 && errno != EINTR) lose_signalfd();
      have = n > 0 ? int(n / sizeof *batch) : 0;
      at = 0;
      // SIGCHLD before whatever came with it: the kernel hands out signals
      // sent to the thread, and low numbers, first, so a storm of either
      // would starve it.  A read that filled the batch may have left it
      // pending.  The rest of the batch is read next.
      for (int i = 0; i < have; i++)
        if (batch[i].ssi_signo == SIGCHLD) {
          batch[i].ssi_signo = 0;
          return SIGCHLD;
        }
      if (have == int(sizeof batch / sizeof *batch) && wait_signal(&chld, nullptr, &kNoWait) == SIGCHLD)
        return SIGCHLD;
    }
  }
};
