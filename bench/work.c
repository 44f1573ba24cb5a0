/* work.c: the programs the benchmark runs UNDER each init (the same
 * static binary for every init, so only the init differs).
 *
 *   work pause            sleep forever (the idle child)
 *   work respond PID      answer every SIGUSR1 with a SIGUSR2 to PID
 *   work sink PID         ignore signal 35 (SIGRTMIN+1), say ready to PID
 *                         with a SIGUSR2, and wait for SIGTERM
 *   work orphans N        hand N zombies to PID 1 at once, print the
 *                         microseconds until the init has reaped them all
 *                         and the CPU time PID 1 took for it
 *   work forks N          fork, _exit and waitpid N times, print the
 *                         microseconds one took (how fast this machine
 *                         makes orphans: bench.c scales their count to it)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* CPU time a process has had so far (ns), from /proc/PID/schedstat. */
static long long cpu_ns(const char *pid) {
  char path[64];
  long long ns = -1;
  snprintf(path, sizeof path, "/proc/%s/schedstat", pid);
  FILE *f = fopen(path, "r");
  if (f) {
    if (fscanf(f, "%lld", &ns) != 1) ns = -1;
    fclose(f);
  }
  return ns;
}

/* Answers through the init: the driver sends SIGUSR1 to the init, the init
 * passes it on to us, we send SIGUSR2 straight back to the driver.  One
 * SIGUSR2 first says "ready". */
static int respond(pid_t driver) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  kill(driver, SIGUSR2);
  for (;;) {
    int sig = sigwaitinfo(&set, NULL);
    if (sig == SIGUSR1) kill(driver, SIGUSR2);
    else if (sig == SIGTERM) return 0;
  }
}

/* The end of the signals the init passes on: ignored here, so that what
 * the driver measures is the init's work. */
static int sink(pid_t driver) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(35, SIG_IGN);
  kill(driver, SIGUSR2);
  return sigwaitinfo(&set, NULL) == SIGTERM ? 0 : 1;
}

/* A middle process forks N children that exit at once, waits until all of
 * them have ended (their copies of a pipe's write end are closed), and then
 * exits itself without reaping them: the N zombies are handed to PID 1 in
 * one go, which is the reaping work, free of the noise of 10 000 processes
 * competing for the CPU while they exit.  We (the init's child, not their
 * parent) time from the middle's end until none of them exists any more:
 * kill(pid, 0) succeeds on a zombie, so "gone" means reaped by the init.
 * Also the CPU time PID 1 had meanwhile (its wait4 calls do the kernel's
 * work of releasing the zombies). */
static int orphans(int n) {
  pid_t *pids = mmap(NULL, sizeof(pid_t) * (size_t)n, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (pids == MAP_FAILED) return 1;
  pid_t middle = fork();
  if (middle == 0) {
    int p[2];
    char b;
    if (pipe(p) < 0) _exit(1);
    for (int i = 0; i < n; i++) {
      pid_t c = fork();
      if (c == 0) _exit(0);
      if (c < 0) _exit(1);
      pids[i] = c;
    }
    close(p[1]);
    while (read(p[0], &b, 1) > 0) {} /* EOF: every child has exited */
    _exit(0); /* the zombies go to PID 1 */
  }
  int st;
  if (waitpid(middle, &st, 0) < 0 || st != 0) return 1;
  long long c0 = cpu_ns("1"), t0 = now_us();
  /* Watch the last one only, napping, so that we take next to no CPU from
   * the init: an init reaping with wait4(-1) takes its children in the
   * order they joined it, so the last is reaped last.  Then check the rest,
   * and if one is still there after all, the clock runs until it is gone. */
  struct timespec nap = {0, 100000};
  while (kill(pids[n - 1], 0) == 0) nanosleep(&nap, NULL);
  long long t1 = now_us(), c1 = cpu_ns("1");
  int late = 0;
  for (int i = 0; i < n - 1; i++)
    while (kill(pids[i], 0) == 0) late = 1, nanosleep(&nap, NULL);
  if (late) t1 = now_us(), c1 = cpu_ns("1");
  printf("%lld %lld\n", t1 - t0, (c1 - c0) / 1000);
  return 0;
}
static int forks(int n) {
  long long t0 = now_us();
  for (int i = 0; i < n; i++) {
    pid_t c = fork();
    if (c == 0) _exit(0);
    if (c < 0 || waitpid(c, NULL, 0) != c) return 1;
  }
  printf("%.1f\n", (double)(now_us() - t0) / n);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "pause")) for (;;) pause();
  if (!strcmp(argv[1], "respond") && argc > 2) return respond(atoi(argv[2]));
  if (!strcmp(argv[1], "sink") && argc > 2) return sink(atoi(argv[2]));
  if (!strcmp(argv[1], "orphans") && argc > 2) return orphans(atoi(argv[2]));
  if (!strcmp(argv[1], "forks") && argc > 2 && atoi(argv[2]) > 0) return forks(atoi(argv[2]));
  fprintf(stderr, "work: bad arguments\n");
  return 2;
}
