/* bench.c: remit side by side with tini-static, catatonit and dumb-init.
 *
 *   bench DIR REMIT TINI CATATONIT DUMB-INIT
 *
 * DIR holds the two static helpers bench.sh builds: `true` (the start-up
 * child) and `work` (idle, signal and orphan workloads, see work.c).  Every
 * init runs the same work in the same run; timings are medians over rounds
 * in which the inits take turns (rotating who goes first), so a slow moment
 * of the machine hits all of them alike.  Prints one Markdown table.
 * Not a test: nothing here passes or fails on a time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kInits = 4, kMaxRuns = 20000 };

struct Init {
  const char *name;
  const char *path;
  const char *flag; /* tini: -s, so it reaps as a wrapper too (like catatonit) */
  /* results */
  long size;
  int dynamic;
  double start_us, idle_rss_kb, idle_switches, reap_ms, reap_cpu_ms, rt_per_s, sig_cpu_us, queued_cpu_us;
};

static struct Init inits[kInits] = {
    {.name = "remit"},
    {.name = "tini-static", .flag = "-s"},
    {.name = "catatonit"},
    {.name = "dumb-init"},
};
static char true_path[4096], work_path[4096];
static char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", 0};
static int devnull;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  if (n == 0) return 0;
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Starts argv with stdin and stderr on /dev/null and stdout on out_fd, the driver's signal mask cleared. */
static pid_t start(char **argv, int out_fd) {
  pid_t pid = vfork();
  if (pid == 0) {
    sigset_t empty; /* the child's own mask; ours keeps SIGUSR2 blocked */
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(devnull, 2);
    execve(argv[0], argv, env);
    _exit(127);
  }
  return pid;
}

/* argv for "INIT [flag] -- rest..." (init == NULL: rest alone). */
static char **command(const struct Init *init, char **rest, int pid1) {
  static char *argv[16];
  int n = 0;
  if (pid1) {
    argv[n++] = "/usr/bin/unshare";
    argv[n++] = "--pid";
    argv[n++] = "--fork";
    argv[n++] = "--mount-proc";
  }
  if (init) {
    argv[n++] = (char *)init->path;
    if (init->flag) argv[n++] = (char *)init->flag;
    argv[n++] = "--";
  }
  while (*rest) argv[n++] = *rest++;
  argv[n] = 0;
  return argv;
}

static int run(char **argv, int out_fd) {
  int st;
  pid_t pid = start(argv, out_fd < 0 ? devnull : out_fd);
  if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
  return st;
}

/* ------------------------------------------------------------ start-up */

static double times[kInits + 1][kMaxRuns];
static int ntimes[kInits + 1];

/* One spawn of `true`, bare (i == kInits) or under init i, in microseconds. */
static void time_one(int i) {
  char *rest[] = {true_path, 0};
  char **argv = command(i < kInits ? &inits[i] : NULL, rest, 0);
  double t0 = now_us();
  int st = run(argv, -1);
  double t1 = now_us();
  if (st != 0) {
    fprintf(stderr, "bench: %s -- true failed (status %d)\n", i < kInits ? inits[i].name : "bare", st);
    exit(1);
  }
  if (ntimes[i] < kMaxRuns) times[i][ntimes[i]++] = t1 - t0;
}

static double bare_us;

/* Runs of each init per round: 100, or fewer where the warm-up says that
 * 100 would take this phase past 40 s (slow fork: a run costs several).
 * Returns the number taken. */
static int startup(int rounds) {
  for (int i = 0; i <= kInits; i++) /* warm the page cache */
    for (int k = 0; k < 20; k++) time_one(i);
  double sum = 0;
  for (int i = 0; i <= kInits; i++)
    for (int k = 0; k < ntimes[i]; k++) sum += times[i][k];
  double per_run = sum / (20 * (kInits + 1));
  int batch = 100;
  while (batch > 10 && rounds * (kInits + 1) * batch * per_run > 40e6) batch /= 2;
  fprintf(stderr, "bench: start-up (%d rounds x %d runs each)...\n", rounds, batch);
  memset(ntimes, 0, sizeof ntimes);
  for (int r = 0; r < rounds; r++)
    for (int j = 0; j <= kInits; j++) {
      int i = (r + j) % (kInits + 1);
      for (int k = 0; k < batch; k++) time_one(i);
    }
  for (int i = 0; i < kInits; i++) inits[i].start_us = median(times[i], ntimes[i]);
  bare_us = median(times[kInits], ntimes[kInits]);
  return batch;
}

/* ----------------------------------------------------------------- idle */

/* A field of /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *field) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long v = -1;
  size_t len = strlen(field);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, field, len) && line[len] == ':') {
      v = atol(line + len + 1);
      break;
    }
  fclose(f);
  return v;
}

/* The first process whose parent is ppid (no /proc/PID/task/TID/children
 * on every kernel), or 0. */
static pid_t child_of(pid_t ppid) {
  DIR *d = opendir("/proc");
  struct dirent *e;
  pid_t found = 0;
  while (d && !found && (e = readdir(d)))
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && status_field(atoi(e->d_name), "PPid") == ppid)
      found = atoi(e->d_name);
  if (d) closedir(d);
  return found;
}

static long switches(pid_t pid) {
  return status_field(pid, "voluntary_ctxt_switches") + status_field(pid, "nonvoluntary_ctxt_switches");
}

/* Every init as PID 1 of its own namespace with a sleeping child, all at
 * once; RSS and context switches of each init over `seconds`. */
static void idle(double seconds) {
  char *rest[] = {work_path, "pause", 0};
  pid_t outer[kInits], init_pid[kInits];
  long before[kInits];
  for (int i = 0; i < kInits; i++) outer[i] = start(command(&inits[i], rest, 1), devnull);
  for (int i = 0; i < kInits; i++) {
    init_pid[i] = 0;
    /* wait until the init runs and has started its child */
    for (int tries = 0; tries < 500; tries++) {
      if (!init_pid[i]) init_pid[i] = child_of(outer[i]);
      if (init_pid[i] && child_of(init_pid[i])) break;
      usleep(10000);
    }
  }
  usleep(300000); /* let start-up settle */
  for (int i = 0; i < kInits; i++) before[i] = switches(init_pid[i]);
  usleep((useconds_t)(seconds * 1e6));
  for (int i = 0; i < kInits; i++) {
    inits[i].idle_switches = switches(init_pid[i]) - before[i];
    inits[i].idle_rss_kb = status_field(init_pid[i], "VmRSS");
    kill(init_pid[i], SIGKILL); /* PID 1 gone: the kernel ends its namespace */
    waitpid(outer[i], NULL, 0);
  }
}

/* -------------------------------------------------------------- reaping */

/* A bare fork + _exit + waitpid by `work` (as its orphans are made), in
 * microseconds: the median of 5 runs of 100.  It differs tenfold between
 * machines (about 1 ms on some VMs); -1 if `work forks` failed. */
static double fork_us(void) {
  double per[5];
  char *rest[] = {work_path, "forks", "100", 0};
  for (int b = 0; b < 5; b++) {
    int p[2];
    char buf[64] = "";
    if (pipe(p) < 0) return -1;
    int st = run(command(NULL, rest, 0), p[1]);
    close(p[1]);
    ssize_t got = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    if (st != 0 || got <= 0 || sscanf(buf, "%lf", &per[b]) != 1) return -1;
  }
  return median(per, 5);
}

/* The most orphans (10,000, 5,000, 2,000 or 1,000) for which making them
 * for every run, `runs` per init, takes under 90 s at this fork speed. */
static long orphans_for(double fork_cost, int runs) {
  static const long counts[] = {10000, 5000, 2000};
  for (int k = 0; k < 3; k++)
    if (counts[k] * kInits * runs * fork_cost < 90e6) return counts[k];
  return 1000;
}

/* One run of `work orphans N` under init i as PID 1: milliseconds until
 * all were reaped, and the CPU time the init spent meanwhile.  0 if ok. */
static int reap_once(int i, const char *n, double *wall_ms, double *cpu_ms) {
  char *rest[] = {work_path, "orphans", (char *)n, 0};
  int p[2];
  if (pipe(p) < 0) return -1;
  pid_t pid = start(command(&inits[i], rest, 1), p[1]);
  close(p[1]);
  char buf[64] = "";
  ssize_t got = 0, r;
  while ((r = read(p[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += r;
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  long long wall_us, cpu_us;
  if (st != 0 || sscanf(buf, "%lld %lld", &wall_us, &cpu_us) != 2) {
    fprintf(stderr, "bench: %s: orphan run failed (status %d)\n", inits[i].name, st);
    return -1;
  }
  *wall_ms = wall_us / 1e3, *cpu_ms = cpu_us / 1e3;
  return 0;
}

static void reaping(int rounds, const char *n) {
  double wall[kInits][64], cpu[kInits][64];
  int c[kInits] = {0};
  for (int r = 0; r < rounds; r++)
    for (int j = 0; j < kInits; j++) {
      int i = (r + j) % kInits;
      if (reap_once(i, n, &wall[i][c[i]], &cpu[i][c[i]]) == 0) c[i]++;
    }
  for (int i = 0; i < kInits; i++) {
    inits[i].reap_ms = median(wall[i], c[i]);
    inits[i].reap_cpu_ms = median(cpu[i], c[i]);
  }
}

/* -------------------------------------------------------------- signals */

/* CPU time a process has had so far, in ns (-1: unknown). */
static double cpu_ns(pid_t pid) {
  char path[64];
  double ns = -1;
  snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
  FILE *f = fopen(path, "r");
  if (f) {
    if (fscanf(f, "%lf", &ns) != 1) ns = -1;
    fclose(f);
  }
  return ns;
}

/* Starts init i as a wrapper of `work MODE OUR-PID` into *pid, and waits
 * for the SIGUSR2 with which the child says it is ready: 1 if it came. */
static int start_work(int i, const char *mode, pid_t *pid) {
  char me[16];
  snprintf(me, sizeof me, "%d", getpid());
  char *rest[] = {work_path, (char *)mode, me, 0};
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  struct timespec limit = {2, 0};
  *pid = start(command(&inits[i], rest, 0), devnull);
  return sigtimedwait(&usr2, NULL, &limit) == SIGUSR2;
}

/* Round trips per second: SIGUSR1 to the init, which passes it on to the
 * child, which sends SIGUSR2 straight back to us; and the init's CPU time
 * per signal passed on.  0 if ok. */
static int round_trips(int i, double seconds, double *rate, double *cpu_us) {
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  struct timespec limit = {2, 0};
  pid_t pid;
  int ok = -1;
  if (start_work(i, "respond", &pid)) {
    long n = 0;
    double c0 = cpu_ns(pid), t0 = now_us(), t1 = t0;
    while (t1 - t0 < seconds * 1e6) {
      kill(pid, SIGUSR1);
      if (sigtimedwait(&usr2, NULL, &limit) != SIGUSR2) break;
      n++;
      t1 = now_us();
    }
    double c1 = cpu_ns(pid);
    if (t1 - t0 >= seconds * 1e6) {
      *rate = n / ((t1 - t0) / 1e6);
      *cpu_us = c0 < 0 ? -1 : (c1 - c0) / 1e3 / n;
      ok = 0;
    }
  }
  kill(pid, SIGTERM); /* passed on; the child ends, and so does the init */
  waitpid(pid, NULL, 0);
  return ok;
}

static void signals(int rounds, double seconds) {
  double rate[kInits][64], cpu[kInits][64];
  int c[kInits] = {0};
  for (int r = 0; r < rounds; r++)
    for (int j = 0; j < kInits; j++) {
      int i = (r + j) % kInits;
      if (round_trips(i, seconds, &rate[i][c[i]], &cpu[i][c[i]]) == 0) c[i]++;
      else fprintf(stderr, "bench: %s: signal round trip failed\n", inits[i].name);
    }
  for (int i = 0; i < kInits; i++) {
    inits[i].rt_per_s = median(rate[i], c[i]);
    inits[i].sig_cpu_us = median(cpu[i], c[i]);
  }
}

/* The letter after the command in /proc/PID/stat: R, S, T, Z... */
static char proc_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  char *close = strrchr(buf, ')');
  return close && close[1] ? close[2] : '?';
}

/* No signal pending for pid (thread or process), read from /proc. */
static int nothing_pending(pid_t pid) {
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  int empty = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7))
      empty += strspn(line + 7, "\t0") == strlen(line + 7) - 1;
  if (f) fclose(f);
  return empty == 2;
}

/* CPU time of the init per signal passed on when they come queued: the
 * init (a wrapper) is stopped, n SIGRTMIN+1 (35) are queued at it, and it
 * is continued; measured until it has taken them all and sleeps again.
 * 0 if ok. */
static int queued_signals(int i, int n, double *cpu_us) {
  struct timespec nap = {0, 200000};
  pid_t pid;
  int ok = -1, queued = 0;
  if (start_work(i, "sink", &pid)) {
    kill(pid, SIGSTOP);
    for (int k = 0; k < 10000 && proc_state(pid) != 'T'; k++) nanosleep(&nap, NULL);
    for (int k = 0; k < n; k++) queued += sigqueue(pid, 35, (union sigval){0}) == 0;
    double c0 = cpu_ns(pid);
    kill(pid, SIGCONT);
    int k = 0;
    for (; k < 50000 && !(proc_state(pid) == 'S' && nothing_pending(pid)); k++) nanosleep(&nap, NULL);
    double c1 = cpu_ns(pid);
    if (k < 50000 && queued > 0 && c0 >= 0) {
      *cpu_us = (c1 - c0) / 1e3 / queued;
      ok = 0;
    }
  }
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  return ok;
}

static void queued(int rounds, int n) {
  double cpu[kInits][64];
  int c[kInits] = {0};
  for (int r = 0; r < rounds; r++)
    for (int j = 0; j < kInits; j++) {
      int i = (r + j) % kInits;
      if (queued_signals(i, n, &cpu[i][c[i]]) == 0) c[i]++;
      else fprintf(stderr, "bench: %s: queued signals failed\n", inits[i].name);
    }
  for (int i = 0; i < kInits; i++) inits[i].queued_cpu_us = median(cpu[i], c[i]);
}

/* ---------------------------------------------------------------- table */

static void sizes(void) {
  for (int i = 0; i < kInits; i++) {
    struct stat s;
    inits[i].size = stat(inits[i].path, &s) == 0 ? (long)s.st_size : -1;
    /* dynamic: an ELF with a PT_INTERP; read the program headers */
    int fd = open(inits[i].path, O_RDONLY);
    unsigned char h[64];
    if (fd >= 0 && read(fd, h, 64) == 64 && h[4] == 2) { /* ELFCLASS64 */
      unsigned long phoff;
      unsigned short phentsize, phnum;
      memcpy(&phoff, h + 32, 8), memcpy(&phentsize, h + 54, 2), memcpy(&phnum, h + 56, 2);
      for (int k = 0; k < phnum; k++) {
        unsigned int type;
        if (pread(fd, &type, 4, (off_t)(phoff + (unsigned long)k * phentsize)) == 4 && type == 3)
          inits[i].dynamic = 1;
      }
    }
    if (fd >= 0) close(fd);
  }
}

/* "1,234,567" */
static const char *grouped(long v) {
  static char bufs[8][32];
  static int k;
  char *b = bufs[k++ % 8], tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%ld", v), o = 0;
  for (int j = 0; j < n; j++) {
    if (j && (n - j) % 3 == 0) b[o++] = ',';
    b[o++] = tmp[j];
  }
  b[o] = 0;
  return b;
}

/* remit's figure over the peer's, "0.05×"; "n/a" when either is missing. */
static const char *ratio(double remit, double peer) {
  static char bufs[8][32];
  static int k;
  char *b = bufs[k++ % 8];
  if (peer == 0 && remit == 0) snprintf(b, 32, "same");
  else if (peer <= 0 || remit < 0) snprintf(b, 32, "n/a");
  else if (remit == 0) snprintf(b, 32, "0×");
  else snprintf(b, 32, remit / peer < 0.1 ? "%.3f×" : "%.2f×", remit / peer);
  return b;
}

typedef const char *(*Cell)(int i);
static const char *c_size(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%s B%s", grouped(inits[i].size), inits[i].dynamic ? " + libc (dynamic)" : "");
  return b[i];
}
static const char *c_start(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%.0f µs", inits[i].start_us);
  return b[i];
}
static const char *c_rss(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%s kB", grouped((long)inits[i].idle_rss_kb));
  return b[i];
}
static const char *c_sw(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%.0f", inits[i].idle_switches);
  return b[i];
}
static const char *c_reap(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%.1f ms", inits[i].reap_ms);
  return b[i];
}
static const char *c_reap_cpu(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%.1f ms", inits[i].reap_cpu_ms);
  return b[i];
}
static const char *c_sig_cpu(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%.2f µs", inits[i].sig_cpu_us);
  return b[i];
}
static const char *c_queued(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%.2f µs", inits[i].queued_cpu_us);
  return b[i];
}
static const char *c_sig(int i) {
  static char b[kInits][64];
  snprintf(b[i], 64, "%s /s", grouped((long)(inits[i].rt_per_s + 0.5)));
  return b[i];
}

static void row(const char *what, Cell cell, const char *remit_extra, double (*val)(int), int lower_better) {
  printf("| %s | **%s**%s |", what, cell(0), remit_extra);
  for (int i = 1; i < kInits; i++) printf(" %s (%s) |", cell(i), ratio(val(0), val(i)));
  printf(" %s |\n", lower_better ? "lower" : "higher");
}
static double v_size(int i) { return (double)inits[i].size; }
static double v_start(int i) { return inits[i].start_us; }
static double v_rss(int i) { return inits[i].idle_rss_kb; }
static double v_sw(int i) { return inits[i].idle_switches; }
static double v_reap(int i) { return inits[i].reap_ms; }
static double v_sig(int i) { return inits[i].rt_per_s; }
static double v_reap_cpu(int i) { return inits[i].reap_cpu_ms; }
static double v_sig_cpu(int i) { return inits[i].sig_cpu_us; }
static double v_queued(int i) { return inits[i].queued_cpu_us; }

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: bench DIR REMIT TINI-STATIC CATATONIT DUMB-INIT\n");
    return 2;
  }
  snprintf(true_path, sizeof true_path, "%s/true", argv[1]);
  snprintf(work_path, sizeof work_path, "%s/work", argv[1]);
  for (int i = 0; i < kInits; i++) inits[i].path = argv[2 + i];
  devnull = open("/dev/null", O_RDWR);

  /* SIGUSR2 is taken with sigtimedwait; SIGCHLD stays default. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, NULL);

  int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 20;
  if (rounds < 1) rounds = 1;
  if (rounds > 60) rounds = 60;
  const char *orphans_env = getenv("BENCH_ORPHANS");
  int pid1 = geteuid() == 0 && access("/usr/bin/unshare", X_OK) == 0;

  /* Everything on one CPU (inherited by the inits and their children):
   * wake-ups across CPUs, costly and erratic in a VM, would otherwise
   * decide the signal and reaping figures more than the inits do. */
  const char *cpu_env = getenv("BENCH_CPU");
  int cpu = cpu_env ? atoi(cpu_env) : (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
  if (cpu_env && !strcmp(cpu_env, "none")) cpu = -1;
  if (cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) < 0) cpu = -1;
  }

  sizes();
  double fork_cost = fork_us();
  if (fork_cost < 0) {
    fprintf(stderr, "bench: `work forks 100` failed\n");
    return 1;
  }
  long orphans = orphans_env ? atol(orphans_env) : orphans_for(fork_cost, rounds + 1);
  char orphans_arg[24];
  snprintf(orphans_arg, sizeof orphans_arg, "%ld", orphans);
  int batch = startup(rounds);
  fprintf(stderr, "bench: signal round trips...\n");
  signals(rounds / 2 + 1, 0.5);
  int nqueued = getenv("BENCH_QUEUED") ? atoi(getenv("BENCH_QUEUED")) : 20000;
  fprintf(stderr, "bench: %d queued signals...\n", nqueued);
  queued(rounds / 2 + 1, nqueued);
  if (pid1) {
    fprintf(stderr, "bench: idle, 3 s...\n");
    idle(3.0);
    fprintf(stderr, "bench: reaping %s orphans as PID 1...\n", grouped(orphans));
    reaping(rounds + 1, orphans_arg);
  } else {
    fprintf(stderr, "bench: not root (or no unshare): idle and reaping figures skipped\n");
  }

  char extra[128];
  printf("fork + waitpid here: %.0f µs; so start-up takes %d runs a round, reaping %s orphans%s\n\n", fork_cost,
         batch, grouped(orphans), orphans_env ? " (BENCH_ORPHANS)" : "");
  printf("| figure | remit | tini-static (remit ÷ it) | catatonit (remit ÷ it) | dumb-init (remit ÷ it) | better |\n");
  printf("|---|---|---|---|---|---|\n");
  row("binary size", c_size, "", v_size, 1);
  snprintf(extra, sizeof extra, " (%.2f× bare `true`, %.0f µs)", inits[0].start_us / bare_us, bare_us);
  row("start-up, `INIT -- true` (median)", c_start, extra, v_start, 1);
  if (pid1) {
    row("idle RSS, PID 1 with a sleeping child", c_rss, "", v_rss, 1);
    row("idle context switches in 3 s (wake-ups)", c_sw, "", v_sw, 1);
    snprintf(extra, sizeof extra, "reaping %s orphans as PID 1 (median)", grouped(orphans));
    row(extra, c_reap, "", v_reap, 1);
    row("- CPU time of the init for it (median)", c_reap_cpu, "", v_reap_cpu, 1);
  }
  row("signal round trips through the init (median)", c_sig, "", v_sig, 0);
  row("- CPU time of the init per signal passed on (median)", c_sig_cpu, "", v_sig_cpu, 1);
  snprintf(extra, sizeof extra, "CPU time per signal passed on, %s SIGRTMIN+1 queued (median)", grouped(nqueued));
  row(extra, c_queued, "", v_queued, 1);
  printf("\nstart-up: %d runs of each, bare `true` included; signals and queued signals: %d rounds, reaping: %d; "
         "the inits take turns within every round; %s.\n",
         ntimes[0], rounds / 2 + 1, rounds + 1, cpu >= 0 ? "all on one CPU (BENCH_CPU=none to let them roam)" : "CPUs unpinned");

  /* The targets of issue 8, said plainly; informative, not a verdict. */
  const struct Init *r = &inits[0];
  double fastest_peer = 1e18, reap_cat = inits[2].reap_ms;
  for (int i = 1; i < kInits; i++)
    if (inits[i].start_us < fastest_peer) fastest_peer = inits[i].start_us;
  printf("\nTargets:\n");
  printf("- binary <= 40 KiB (amd64): %s B: %s\n", grouped(r->size), r->size <= 40960 ? "met" : "MISSED");
  printf("- start-up <= 2.3x bare `true` and below every peer: %.2fx, %.0f µs vs fastest peer %.0f µs: %s\n",
         r->start_us / bare_us, r->start_us, fastest_peer,
         r->start_us <= 2.3 * bare_us && r->start_us < fastest_peer ? "met" : "MISSED");
  printf("- CPU per queued signal passed on <= catatonit's: %.2f µs vs %.2f µs: %s\n", r->queued_cpu_us,
         inits[2].queued_cpu_us, r->queued_cpu_us <= inits[2].queued_cpu_us ? "met" : "MISSED");
  if (pid1) {
    printf("- idle RSS <= 64 kB and zero wake-ups in 3 s: %.0f kB, %.0f: %s\n", r->idle_rss_kb,
           r->idle_switches, r->idle_rss_kb <= 64 && r->idle_switches == 0 ? "met" : "MISSED");
    printf("- reaping no slower than 1.1x catatonit: %.2fx: %s\n", r->reap_ms / reap_cat,
           r->reap_ms <= 1.1 * reap_cat ? "met" : "MISSED");
  }
  return 0;
}
