// Issue 14: remit's own output must never hang it, spin it or cost the
// child's status.  Each case runs under the remit, tini and dumb-init names,
// as a wrapper and as PID 1 (unshare --pid), with remit's stdout and stderr
// set up the hostile way: closed, at RLIMIT_FSIZE, a full pipe nobody
// reads, a terminal whose output is stopped (as by ^S); then a flood of
// signals while the child exits.
//
// The child is a shell that records the signals it is given in a file,
// says it is ready, and exits 3 once told to.  In between, the test sends
// remit a SIGHUP from outside: remit must forward it (with -v -v it also
// logs "passing signal HUP", a write that fails), and then end with the
// child's 3.  REMIT_MAP turns 3 into 10 or 11 if remit counted a SIGPIPE or
// SIGXFSZ that its own writes raised.
//
// Every wait is bounded and says what it waited for; each run cleans up
// every process it started before anything is asserted.
#include <pty.h>
#include <sys/resource.h>
#include <termios.h>

#include <functional>

#include "harness.hpp"

namespace {

// How remit's stdout and stderr are given to it.
struct Outputs {
  int out = -1, err = -1;           // descriptors to pass as 1 and 2; -1: closed
  rlim_t fsize = RLIM_INFINITY;     // RLIMIT_FSIZE for remit and its child
  bool nobody = false;              // remit runs as uid 65534: it cannot open
                                    // root's pipe or terminal again (no twin)
  rlim_t sigpending = 0;            // RLIMIT_SIGPENDING when not 0 (flood)
};

struct Run {
  pid_t pid = -1;        // what we forked: remit, or unshare
  bool pid1 = false;
  std::string dir;       // scratch: ready, go, got
  bool ended = false;
  int status = -1;       // as a shell would show it
};

std::string mode(bool pid1) { return pid1 ? "as PID 1" : "as a wrapper"; }

// Kills what the run started (remit's child may be in another group or
// session) and reaps remit.
void cleanup(Run &r) {
  if (r.ended) return t::expect_no_sanitizer_report();
  std::vector<pid_t> all = t::descendants(r.pid);
  kill(r.pid, SIGKILL);
  for (pid_t p : all) kill(p, SIGKILL);
  waitpid(r.pid, nullptr, 0);
  r.ended = true;
  t::expect_no_sanitizer_report();
}

// Whether remit (or unshare) has ended, now.
bool has_ended(Run &r) {
  int st;
  if (r.ended || waitpid(r.pid, &st, WNOHANG) != r.pid) return r.ended;
  r.ended = true;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return true;
}

// Whether it ends within `limit` seconds.
bool wait_end(Run &r, double limit) {
  for (double end = t::now() + limit; t::now() < end; t::sleep_s(0.002))
    if (has_ended(r)) return true;
  return false;
}

bool wait_file(const std::string &path, const std::string &needle, double limit = 10) {
  for (double end = t::now() + limit; t::now() < end; t::sleep_s(0.005))
    if (access(path.c_str(), F_OK) == 0 && t::slurp(path).find(needle) != std::string::npos) return true;
  return false;
}

// What the child recorded in `got` (one signal a line) on one line, cut
// short for a failure message: a remit that loops forwards thousands, and
// a message that large would crash Criterion's report.
std::string signals(const std::string &got) {
  std::string all = t::slurp(got);
  for (char &c : all)
    if (c == '\n') c = ' ';
  return all.size() <= 100 ? all : all.substr(0, 100) + "... (" + std::to_string(all.size()) + " bytes)";
}

// The child waits for the file `go` to exit 3.
void tell_child_to_exit(const Run &r) { close(open((r.dir + "/go").c_str(), O_WRONLY | O_CREAT, 0644)); }

// Whether /proc says pid is in state `state` (T: stopped, Z: a zombie)
// within 10s.
bool wait_state(pid_t pid, char state) {
  for (double end = t::now() + 10; t::now() < end; t::sleep_s(0.002))
    if (t::status_field(pid, "State")[0] == state) return true;
  return false;
}
bool wait_zombie(pid_t pid) { return wait_state(pid, 'Z'); }

// Stops remit with SIGSTOP, so that signals can be lined up for it to find
// all at once when continued.  Returns what went wrong, empty if nothing.
std::string stop(pid_t init) {
  if (kill(init, SIGSTOP) != 0) return "could not send remit SIGSTOP";
  if (!wait_state(init, 'T')) return "remit did not stop within 10s of SIGSTOP";
  return "";
}

// remit's pid as seen from here: under unshare, unshare's only child.
pid_t init_pid(const Run &r) {
  if (!r.pid1) return r.pid;
  for (double end = t::now() + 10; t::now() < end; t::sleep_s(0.005)) {
    std::vector<pid_t> c = t::children(r.pid);
    if (!c.empty()) return c[0];
  }
  return -1;
}

// Starts `bin` (remit under some name) with args, then `--` and child.
Run start(const std::string &bin, bool pid1, const Outputs &o, const std::vector<std::string> &args,
          const std::vector<std::string> &child, const std::vector<std::string> &env = {}) {
  Run r;
  r.pid1 = pid1;
  r.dir = t::scratch();
  chmod(r.dir.c_str(), 0777);  // the child may run as nobody
  std::vector<std::string> argv;
  if (pid1) argv = {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc"};
  if (o.nobody) argv.insert(argv.end(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  argv.push_back(bin);
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--");
  argv.insert(argv.end(), child.begin(), child.end());
  std::vector<char *> cargv;
  for (std::string &a : argv) cargv.push_back(&a[0]);
  cargv.push_back(nullptr);
  r.pid = fork();
  cr_assert(r.pid >= 0, "fork failed");
  if (r.pid == 0) {
    setpgid(0, 0);
    // A clean signal state (raw calls: glibc refuses 32 and 33).
    struct { void (*handler)(int); unsigned long flags, restorer; uint64_t mask; } dfl = {SIG_DFL, 0, 0, 0};
    uint64_t none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
    for (int s = 1; s <= 64; s++)
      if (s != SIGKILL && s != SIGSTOP) syscall(SYS_rt_sigaction, s, &dfl, nullptr, sizeof none);
    for (const std::string &e : env) putenv(strdup(e.c_str()));
    int in = open("/dev/null", O_RDONLY);
    int out = o.out >= 0 ? dup(o.out) : -1, err = o.err >= 0 ? dup(o.err) : -1;
    dup2(in, 0);
    if (out >= 0) dup2(out, 1); else close(1);
    if (err >= 0) dup2(err, 2); else close(2);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    if (chdir(r.dir.c_str()) != 0) _exit(120);
    if (o.fsize != RLIM_INFINITY) {
      rlimit l = {o.fsize, o.fsize};
      setrlimit(RLIMIT_FSIZE, &l);
    }
    if (o.sigpending) {
      rlimit l = {o.sigpending, o.sigpending};
      setrlimit(RLIMIT_SIGPENDING, &l);
    }
    execv(cargv[0], cargv.data());
    _exit(121);
  }
  return r;
}

std::string binary(const std::string &name) { return t::reachable_remit(name); }

// The child for most cases: records HUP, PIPE and XFSZ in `got`, says
// "ready", waits for `go`, exits 3.  It writes nothing to the outputs
// under test: its own writes would block or raise SIGXFSZ at it.
std::vector<std::string> recording_child() {
  return t::sh(
      "exec 2>/dev/null;"  // sh says "Hangup" when dumb-init's HUP kills its sleep
      "trap 'echo HUP >> got' HUP; trap 'echo PIPE >> got' PIPE; trap 'echo XFSZ >> got' XFSZ;"
      "touch ready; while [ ! -e go ]; do sleep 0.02; done; exit 3");
}

// Rules that give away a self-raised signal counted as received.
const std::vector<std::string> kTellTale = {"REMIT_MAP=3@PIPE=10,3@XFSZ=11"};

// The common story: ready, HUP from outside forwarded, go, remit ends with
// the child's 3 and the child got nothing but HUP.  Returns what went wrong,
// empty if nothing; every process is gone by then.
std::string hup_then_exit(const std::string &name, bool pid1, const Outputs &o) {
  Run r = start(binary(name), pid1, o, {"-v", "-v"}, recording_child(), kTellTale);
  std::string what = name + " " + mode(pid1) + ": ", got = r.dir + "/got";
  std::string problem;
  pid_t init = -1;
  if (!wait_file(r.dir + "/ready", ""))
    problem = "the child never said ready (remit stuck before starting it?)";
  else if ((init = init_pid(r)) < 0 || kill(init, SIGHUP) != 0)
    problem = "could not find remit to send it SIGHUP";
  else if (!wait_file(got, "HUP"))
    problem = "the SIGHUP sent to remit never reached the child within 10s (remit stuck in a write?); child got: '" +
              signals(got) + "'";
  else if (tell_child_to_exit(r), !wait_end(r, 20))
    problem = "remit did not end within 20s of the child's exit (blocked, or spinning without reaping)";
  else if (r.status != 3)
    problem = "remit ended with " + std::to_string(r.status) + ", not the child's 3 (10: counted a SIGPIPE, 11: a SIGXFSZ)";
  else if (t::slurp(got) != "HUP\n")
    problem = "the child should have got SIGHUP alone, got: '" + signals(got) + "'";
  cleanup(r);
  return problem.empty() ? "" : what + problem + "\n";
}

const char *const kNames[] = {"remit", "tini", "dumb-init"};

// Runs hup_then_exit under every name, both ways; fails with every problem.
void every_way(const char *what, const std::function<Outputs()> &make, const std::function<void()> &undo = {}) {
  std::string problems;
  for (const char *name : kNames)
    for (bool pid1 : {false, true}) {
      Outputs o = make();
      problems += hup_then_exit(name, pid1, o);
      if (undo) undo();
    }
  cr_assert(problems.empty(), "%s:\n%s", what, problems.c_str());
}

// A pipe whose reader never reads, filled to the brim.  The write end is
// blocking again when remit gets it, as a log driver's pipe would be.
struct FullPipe {
  int fd[2] = {-1, -1};
  FullPipe() {
    cr_assert(pipe(fd) == 0, "pipe failed");
    fcntl(fd[1], F_SETFL, O_NONBLOCK);
    char buf[4096] = {};
    while (write(fd[1], buf, sizeof buf) > 0) {}
    fcntl(fd[1], F_SETFL, 0);
  }
  void close_both() { close(fd[0]), close(fd[1]); }
};

}  // namespace

// A guard (main passes: it wrote to closed descriptors without trouble).
// remit now opens a twin of a pipe on 1 or 2 at start, and with the other
// closed the twin would get its number: this checks that what remit writes
// to the closed one does not appear on the other (it did when the twin was
// not moved up), and that the child still finds them closed.
Test(output, closed_stdout_or_stderr_cost_nothing) {
  std::string problems;
  for (const char *name : kNames)
    for (bool pid1 : {false, true})
      for (int closed : {0, 1, 2}) {  // 0: both
        // The same run with the closed one on /dev/null is the reference
        // for what belongs on the open one.
        std::string seen[2];
        for (int pass = 0; pass < 2; pass++) {
          int p[2] = {-1, -1};
          cr_assert(pipe(p) == 0);
          int null = open("/dev/null", O_WRONLY);
          Outputs o;
          if (closed == 2) o.out = p[1];
          if (closed == 1) o.err = p[1];
          if (pass == 0 && closed == 1) o.out = null;
          if (pass == 0 && closed == 2) o.err = null;
          Run r = start(binary(name), pid1, o, {"-v", "-v"},
                        t::sh("[ -e /proc/$$/fd/1 ] && echo fd1 >> got; [ -e /proc/$$/fd/2 ] && echo fd2 >> got;"
                              "exit 3"),
                        kTellTale);
          close(p[1]), close(null);
          std::string what = std::string(name) + " " + mode(pid1) + " with " +
                             (closed == 0 ? "both" : closed == 1 ? "stdout" : "stderr") + " closed: ";
          if (!wait_end(r, 20)) problems += what + "did not end within 20s\n";
          else if (r.status != 3) problems += what + "ended with " + std::to_string(r.status) + ", not 3\n";
          std::string got = t::slurp(r.dir + "/got");
          if (pass == 1 && got != (closed == 0 ? "" : closed == 1 ? "fd2\n" : "fd1\n"))
            problems += what + "the child found these of its 1 and 2 open: '" + got + "'\n";
          cleanup(r);
          char buf[65536];
          ssize_t n = read(p[0], buf, sizeof buf);  // remit has ended: no more is coming
          close(p[0]);
          // pids differ between the runs
          for (char c : std::string(buf, size_t(n > 0 ? n : 0)))
            if (c < '0' || c > '9') seen[pass] += c;
        }
        if (closed != 0 && seen[0] != seen[1])
          problems += std::string(name) + " " + mode(pid1) + ": with fd " + std::to_string(closed) +
                      " closed, the other one got '" + seen[1] + "' instead of '" + seen[0] + "'\n";
      }
  cr_assert(problems.empty(), "%s", problems.c_str());
}

// The first case: every write fails with EFBIG and raises SIGXFSZ
// at remit.  main forwarded it, logged that, raised another: 100% CPU, the
// child a zombie never reaped.
Test(output, file_size_limit_reached_neither_spins_nor_costs_the_status, .timeout = 300) {
  std::string path = t::scratch() + "/log";
  every_way("stdout and stderr a file at RLIMIT_FSIZE", [&] {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    char buf[1024] = {};
    cr_assert(write(fd, buf, sizeof buf) == 1024);
    Outputs o;
    o.out = o.err = fd;
    o.fsize = 1024;
    return o;
  });
}

// The second case: a log driver that stopped reading.  main blocked
// in its first message: nothing reaped, nothing forwarded, no exit.
Test(output, full_pipe_neither_blocks_nor_costs_the_status, .timeout = 300) {
  FullPipe *p = nullptr;
  every_way("stdout and stderr a full pipe nobody reads", [&] {
    p = new FullPipe;
    Outputs o;
    o.out = o.err = p->fd[1];
    return o;
  }, [&] { p->close_both(); delete p; });
}

// The same as a user who cannot open the pipe again (root made it, remit
// runs as nobody, as in an image with USER): no twin, so remit writes with
// RWF_NOWAIT, or polls first on kernels without it.
Test(output, full_pipe_of_another_user_neither_blocks_nor_costs_the_status, .timeout = 300) {
  FullPipe *p = nullptr;
  every_way("stdout and stderr root's full pipe, remit as nobody", [&] {
    p = new FullPipe;
    Outputs o;
    o.out = o.err = p->fd[1];
    o.nobody = true;
    return o;
  }, [&] { p->close_both(); delete p; });
}

// A terminal whose output is stopped (tcflow TCOOFF: what ^S does with
// IXON).  main blocked on it until someone pressed ^Q.
Test(output, stopped_terminal_neither_blocks_nor_costs_the_status, .timeout = 300) {
  for (bool nobody : {false, true}) {
    int master = -1, slave = -1;
    every_way(nobody ? "stdout and stderr a stopped terminal, remit as nobody"
                     : "stdout and stderr a stopped terminal", [&] {
      cr_assert(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0, "openpty failed");
      cr_assert(tcflow(slave, TCOOFF) == 0, "tcflow(TCOOFF) failed");
      Outputs o;
      o.out = o.err = slave;
      o.nobody = nobody;
      return o;
    }, [&] { tcflow(slave, TCOON); close(slave), close(master); });
  }
}

// A guard: a SIGPIPE sent from outside is still the user's, even while
// remit's own writes to a pipe with no reader raise SIGPIPE too.  remit now
// drops every signal it raised itself, told apart by the sender's pid: this
// checks that the user's is not dropped with them.  (main passes: the
// kernel raises SIGPIPE at the writing thread, kill() queues the user's at
// the process, so main's take-back after EPIPE never ate the user's.)  To
// have both pending at once, remit is stopped while SIGHUP and SIGPIPE are
// sent, then continued: it takes SIGHUP first (the lowest), logs it (EPIPE,
// SIGPIPE raised), and must still forward the user's SIGPIPE, counted:
// 3@PIPE=10 applies.
Test(output, sigpipe_from_outside_is_forwarded_while_remits_writes_raise_their_own, .timeout = 300) {
  std::string problems;
  for (const char *name : kNames)
    for (bool pid1 : {false, true}) {
      int p[2];
      cr_assert(pipe(p) == 0);
      close(p[0]);  // no reader: every write is EPIPE and raises SIGPIPE
      Outputs o;
      o.out = o.err = p[1];
      Run r = start(binary(name), pid1, o, {"-v", "-v"}, recording_child(), kTellTale);
      close(p[1]);
      std::string what = std::string(name) + " " + mode(pid1) + ": ", got = r.dir + "/got", problem;
      pid_t init = -1;
      if (!wait_file(r.dir + "/ready", "")) {
        problem = "the child never said ready";
      } else if ((init = init_pid(r)) < 0) {
        problem = "could not find remit";
      } else if ((problem = stop(init)).empty()) {
        kill(init, SIGPIPE), kill(init, SIGHUP), kill(init, SIGCONT);
        if (!(wait_file(got, "HUP") && wait_file(got, "PIPE")))
          problem = "the child should get SIGHUP and the SIGPIPE sent from outside within 10s, got: '" +
                    signals(got) + "'";
        else if (tell_child_to_exit(r), !wait_end(r, 20))
          problem = "remit did not end within 20s of the child's exit";
        else if (r.status != 10)
          problem = "remit ended with " + std::to_string(r.status) + ", not 10 (3@PIPE=10: a SIGPIPE was received)";
      }
      cleanup(r);
      if (!problem.empty()) problems += what + problem + "\n";
    }
  cr_assert(problems.empty(), "%s", problems.c_str());
}

// rt_sigtimedwait hands out the signals sent to the thread (tgkill) before
// those sent to the process, the lowest number first; SIGCHLD is sent to
// the process.  So in main a steady stream of tgkill()s at remit starved
// SIGCHLD: the child ended and was never reaped.  To make that a fact
// rather than a race, remit is stopped, thousands of signals are queued at
// its thread (real-time ones, queued each, and USR1 and USR2) and a few at
// the process, the child exits (awaited as a zombie), and remit is
// continued while the flood goes on until it ends, for at most 30s.  It must
// take SIGCHLD first and end: starved, it would go on taking the flood.
// What was queued before the end was received before remit decided, so
// it counts (REMIT_MAP 3@any=10 gives 10), as a TERM sent with the end does.
// remit runs as nobody with RLIMIT_SIGPENDING 20000: queued signals count
// against the receiver's user, so the flood cannot use up root's allowance,
// which the rest of the machine shares.
Test(output, signal_flood_cannot_starve_sigchld, .timeout = 400) {
  std::string problems;
  for (const char *name : kNames)
    for (bool pid1 : {false, true}) {
      Outputs o;
      o.nobody = true;
      o.sigpending = 20000;
      int null = open("/dev/null", O_WRONLY);
      o.out = o.err = null;
      Run r = start(binary(name), pid1, o, {}, t::sh("touch ready; while [ ! -e go ]; do sleep 0.02; done; exit 3"),
                    {"REMIT_MAP=3@any=10"});
      close(null);
      std::string what = std::string(name) + " " + mode(pid1) + ": ", problem;
      pid_t init = -1, child = -1;
      std::vector<pid_t> c;
      if (!wait_file(r.dir + "/ready", "")) {
        problem = "the child never said ready";
      } else if ((init = init_pid(r)) < 0 || (c = t::children(init)).size() != 1) {
        problem = "could not find remit and its one child";
      } else if (!(problem = stop(init)).empty()) {
      } else {
        child = c[0];
        int queued = 0;
        for (int i = 0; i < 20000; i++)
          queued += syscall(SYS_tgkill, init, init, 34 + i % 16) == 0;
        syscall(SYS_tgkill, init, init, SIGUSR1), syscall(SYS_tgkill, init, init, SIGUSR2);
        kill(init, SIGHUP), sigqueue(init, 50, sigval{});
        tell_child_to_exit(r);
        if (!wait_zombie(child)) {
          problem = "the child did not end within 10s of being told to";
        } else {
          kill(init, SIGCONT);
          bool ended = false;
          for (double end = t::now() + 30; !ended && t::now() < end; ended = has_ended(r))
            for (int i = 0; i < 256; i++) {
              syscall(SYS_tgkill, init, init, 34 + i % 16);
              syscall(SYS_tgkill, init, init, i % 2 ? SIGUSR1 : SIGUSR2);
              sigqueue(init, 50 + i % 8, sigval{});
            }
          if (!ended)
            problem = "remit did not end within 30s of being continued with its child a zombie, under the flood (" +
                      std::to_string(queued) + " queued at its thread before): SIGCHLD starved";
          else if (r.status != 10)
            problem = "remit ended with " + std::to_string(r.status) +
                      ", not 10 (3@any=10: the flood queued before the child's end counts)";
        }
      }
      cleanup(r);
      if (!problem.empty()) problems += what + problem + "\n";
    }
  cr_assert(problems.empty(), "%s", problems.c_str());
}
