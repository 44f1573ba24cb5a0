/* tests/child.c: a workload for the core tests, built by them at run time
 * (cc -o child tests/child.c).  It does what a test needs a real program
 * to do and no shell can do reliably:
 *
 *   child count STOPSIG [stamp]
 *                           block every signal, say "ready", then print each
 *                           signal as it is dequeued ("N\n"), queued real-time
 *                           signals once each; at STOPSIG print "end", exit 0.
 *                           With "stamp": "N SECONDS\n", the CLOCK_MONOTONIC
 *                           time it was dequeued
 *   child orphans N [live]  make N orphans (a middle process forks and exits):
 *                           they exit at once, or pause when "live"; say
 *                           "orphans N", then pause
 *   child siblings N        make N processes that share our parent
 *                           (CLONE_PARENT) and exit at once; say "siblings N",
 *                           then pause
 *   child exec BLK IGN PROGRAM [ARGS...]
 *                           start PROGRAM with signal mask BLK blocked and
 *                           the signals in IGN ignored (hex, as /proc shows)
 *   child subreaper PROGRAM [ARGS...]
 *                           become a child subreaper, then exec PROGRAM (which
 *                           inherits it: PR_SET_CHILD_SUBREAPER survives exec)
 *
 * Raw system calls with the kernel's 64-bit sets, so signals 32 and 33 are
 * treated like any other. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *fmt, long v) {
  char buf[64];
  int n = snprintf(buf, sizeof buf, fmt, v);
  if (write(1, buf, (size_t)n) < 0) _exit(3);
}

static int set_mask(uint64_t mask) {
  return (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, 8);
}

static int ignore(int sig) {
  struct { void (*handler)(int); unsigned long flags, restorer; uint64_t mask; } act = {SIG_IGN, 0, 0, 0};
  return (int)syscall(SYS_rt_sigaction, sig, &act, NULL, 8);
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "count")) {
    int stop = atoi(argv[2]);
    int stamp = argc >= 4 && !strcmp(argv[3], "stamp");
    uint64_t all = ~(uint64_t)0;
    set_mask(all);
    say("ready\n", 0);
    for (;;) {
      siginfo_t info;
      long sig = syscall(SYS_rt_sigtimedwait, &all, &info, NULL, 8);
      if (sig <= 0) continue;
      if (stamp) {
        struct timespec ts;
        char buf[64];
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int n = snprintf(buf, sizeof buf, "%ld %ld.%09ld\n", sig, (long)ts.tv_sec, ts.tv_nsec);
        if (write(1, buf, (size_t)n) < 0) return 3;
      } else {
        say("%ld\n", sig);
      }
      if (sig == stop) {
        say("end\n", 0);
        return 0;
      }
    }
  }
  if (argc >= 3 && !strcmp(argv[1], "orphans")) {
    long n = atol(argv[2]);
    int live = argc >= 4 && !strcmp(argv[3], "live");
    for (long i = 0; i < n; i++) {
      pid_t middle = fork();
      if (middle < 0) return 4;
      if (middle == 0) {
        pid_t orphan = fork();
        if (orphan == 0) {
          if (live)
            for (;;) pause();
          _exit(0);
        }
        _exit(orphan < 0 ? 4 : 0);
      }
      int st;
      if (waitpid(middle, &st, 0) != middle || !WIFEXITED(st) || WEXITSTATUS(st)) return 4;
    }
    say("orphans %ld\n", n);
    for (;;) pause();
  }
  if (argc >= 3 && !strcmp(argv[1], "siblings")) {
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) {
      long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
      if (pid < 0) return 4;
      if (pid == 0) syscall(SYS_exit_group, 0);
    }
    say("siblings %ld\n", n);
    for (;;) pause();
  }
  if (argc >= 5 && !strcmp(argv[1], "exec")) {
    uint64_t blk = strtoull(argv[2], NULL, 16), ign = strtoull(argv[3], NULL, 16);
    for (int sig = 1; sig <= 64; sig++)
      if ((ign >> (sig - 1) & 1) && ignore(sig) != 0) return 5;
    if (set_mask(blk) != 0) return 5;
    execvp(argv[4], argv + 4);
    return 6;
  }
  if (argc >= 3 && !strcmp(argv[1], "subreaper")) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return 5;
    execvp(argv[2], argv + 2);
    return 6;
  }
  fprintf(stderr, "usage: child count SIG | orphans N [live] | siblings N | exec BLK IGN PROGRAM... | subreaper PROGRAM...\n");
  return 2;
}
