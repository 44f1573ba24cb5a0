// init.cpp: remit, the process: start the program, pass on signals, reap, end with its status.
//
// The shell around the Supervisor (supervise.hpp), which decides: this
// file waits for the events (a signal, a child's end, a deadline), hands
// each one to it, and does the actions it asks for, with the system calls.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.hpp"
#include "signal_source.hpp"
#include "sys.hpp"
#include "terminal.hpp"
#include "voice.hpp"

namespace {

using remap::SigSet;
using remap::bit;

constexpr SigSet kAllSignals = ~SigSet(0);
constexpr uint32_t kDefaultWaitAllMs = 5000;
// Signals taken after the program's end: every standard one and a queue of
// real-time ones (report.hpp counts them up to 2^32 - 1).
constexpr int kLate = 4096;

// The run: the Supervisor's state, and what the shell keeps beside it.
// Its members past the fields do what the Supervisor decides (supervise.hpp
// lists them), with the system calls; they are defined below.
struct Run : Supervisor<Run> {
  SigSet child_mask = 0;  // the mask remit was started with, for the child
  bool chld_ignored = false;  // and whether SIGCHLD was ignored, likewise
  bool follow_stops = false;  // stop when the child stops (a job in a shell)
  bool had_terminal = false;  // remit's group was the terminal's foreground
  int64_t deadline_at = 0;    // while timed(): when (monotonic ms)
  ReportFile report{};        // --report, opened at the start

  void take_handoff(int sig);
  void stamp_stop();
  void send(const Pass &p);
  void stop_self();
  void arm(uint32_t ms);
  void grace_over();
  void follow_stop();
  void child_ended();
};

pid_t g_self;  // remit's pid, read once
SignalSource g_signals;  // zeros until main opens it: in .bss

// ------------------------------------------------------------- start-up

// "WHAT: ERRNO'S TEXT" and a tail, as a warning (something remit does
// without, going on) or, before any child exists, fatal: then the status
// is the one that stands for a process that could not be created.
int say_errno(const Settings &set, Level level, const char *what, const char *tail = "") {
  char buf[24];
  if (shown(set, level)) (message(*set.who, level) << what << ": " << describe_error(errno, buf) << tail << '\n').flush();
  return set.who->fork_status;
}

void register_subreaper(const Settings &set) {
  const Personality &who = *set.who;
  if (g_self == 1) return;
  // Already one: the process that exec'd remit made itself a subreaper,
  // and that survives exec.  Orphans come here; nothing to do or warn of.
  int already = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &already) == 0 && already) return;
  // --wait-all waits for the child's descendants, which it can only do
  // if they come to remit when orphaned.
  if (set.subreaper || set.wait_all || who.subreaper_always) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) return;
    say_errno(set, kWarn, "cannot register as a child subreaper");
  }
  say_no_reaping(set);
}

// -------------------------------------------------------------- the child

// Runs in the vforked child: the signal state remit started with, then the
// program.  Returns only if it could not run, with errno saying why.
void exec_program(const Run &run, char **argv) {
  if (run.chld_ignored) set_action(SIGCHLD, SIG_IGN);
  // A line the child wrote ("setsid complete.") may have raised SIGPIPE or
  // SIGXFSZ at it: left pending, that would kill the program after exec.
  static const SigSet own = bit(SIGPIPE) | bit(SIGXFSZ);
  while (wait_signal(&own, nullptr, &kNoWait) > 0) {}
  set_mask(SIG_SETMASK, &run.child_mask, nullptr);
  execvp(argv[0], argv);
  if (errno != ENOEXEC) return;
  // A script without "#!".  glibc's execvp runs it with /bin/sh, so the
  // programs remit stands in for do; musl's gives up.  Let sh find it and
  // do that.
  // Its argv is built in .bss rather than on the stack this child shares
  // with remit: up to kMaxScriptArgs arguments (page-sized, untouched
  // unless used), past which the program's own error stands.
  constexpr int kMaxScriptArgs = 4096;
  static char *sh[kMaxScriptArgs + 4];  // zero-filled: in .bss, not in the file
  sh[0] = const_cast<char *>("sh");
  sh[1] = const_cast<char *>("-c");
  sh[2] = const_cast<char *>("exec \"$0\" \"$@\"");
  int n = 0;
  for (; argv[n] && n < kMaxScriptArgs; n++) sh[n + 3] = argv[n];
  if (argv[n]) return;
  sh[n + 3] = nullptr;
  execv("/bin/sh", sh);
  errno = ENOEXEC;  // no sh: the program's own error is the one to tell
}

// Starts the program: sets up, vforks, execs.  vfork keeps start-up cheap
// and lets the child report a failed exec through shared memory before
// remit goes on: it returns only once the child has exec'd or died, so its
// setpgid has happened, no race for the parent to close.  Returns the
// child's pid, or -1 if there is none (errno says why); *exec_errno is why
// the exec failed, the child then reaped, or 0.
pid_t spawn(const Run &run, int *exec_errno) {
  const Settings &set = run.set;
  char **argv = set.child_argv;
  volatile int err = 0;
  // Socket activation through an init (the personality's listen_pid): a
  // LISTEN_PID naming the init (as strtol reads it) becomes the child's, or
  // sd_listen_fds() in the program would refuse the sockets.  Only the
  // first entry, the one getenv() reads and setenv() changes.  It points at `listen` while
  // vfork runs, which the child completes with its pid; then it is put back.
  char listen[24] = "LISTEN_PID=";
  char **volatile entry = nullptr;  // volatile: read again after vfork
  char *volatile was = nullptr;
  for (char **e = environ; set.who->listen_pid && *e; e++)
    if (!strncmp(*e, listen, 11)) {
      const char *stop;
      if (remap::c_long(*e + 11, &stop) == g_self) {
        entry = e;
        was = *e;
        *e = listen;
      }
      break;
    }
  pid_t pid = vfork();
  if (pid == 0) {
    take_terminal(set, run.had_terminal);
    if (entry) {
      Num own(getpid());
      memcpy(listen + 11, own.str(), size_t(own.o.n));
    }
    exec_program(run, argv);
    err = errno;
    _exit(127);
  }
  if (entry) *entry = was;
  *exec_errno = err;
  if (pid > 0 && err) waitpid(pid, nullptr, 0);
  return pid;
}

// Starts the program, and says so; one that could not start is an end,
// said and handed to the Supervisor.
void start(Run &run) {
  const Settings &set = run.set;
  const Personality &who = *set.who;
  const char *program = set.child_argv[0];
  if (set.new_session) run.hup_to_come = run.cont_to_come = give_up_terminal(set);
  int err;
  pid_t pid = spawn(run, &err);
  if (pid < 0) err = errno;
  else if (who.spawned && shown(set, kInfo)) say_spawn(who, kInfo, who.spawned, program, nullptr, pid);
  run.started(pid);
  if (!err) {
    // A transparent wrapper that gave its program the terminal is a job in
    // an interactive shell: when Ctrl-Z stops the program, the shell must
    // see its job (remit) stop, or it would wait for it forever.
    run.follow_stops = run.had_terminal && !set.new_session && who.reraise && g_self != 1;
    return;
  }
  char buf[24];
  say_spawn(who, kFatal, pid < 0 ? who.fork_failed : who.exec_failed, program, describe_error(err, buf), 0);
  run.not_started(pid > 0, err);
  if (pid > 0) {
    // The child exits with the personality's status, and its parent hears
    // of it like any other end.
    narrate(set, &Narration::received, SIGCHLD);
    say_reaped(set, true, true, pid, run.wstatus);
  }
}

// --------------------------------------------------------------- signals

// The Supervisor's actions.

void Run::take_handoff(int sig) { narrate(set, &Narration::handoff, sig); }

// The first stop signal's time, for the report and -v.
void Run::stamp_stop() {
  timespec wall;
  read_clock(CLOCK_REALTIME, &wall);
  story.stop_at = now_ms();
  story.stop_wall_s = wall.tv_sec;
  story.stop_wall_ms = uint16_t(wall.tv_nsec / 1000000);
}

void Run::send(const Pass &p) {
  say_rewrite(set, p);
  if (p.send) kill(p.where, p.to);
  say_sent(set, p);
}

void Run::stop_self() {
  narrate(set, &Narration::suspending);
  kill(g_self, SIGSTOP);
}

void Run::arm(uint32_t ms) { deadline_at = now_ms() + ms; }

void Run::grace_over() {
  say_grace_over(set);
  kill(target, SIGKILL);
}

// The program was stopped (Ctrl-Z, SIGTTIN): stop as well, so that the
// shell sees its job stopped.  On `fg` the shell gives remit the terminal
// and SIGCONT; remit hands both on to the program's group.  (That SIGCONT
// also reaches the loop, which forwards it again: harmless.)
void Run::follow_stop() {
  kill(g_self, SIGSTOP);
  if (foreground() == getpgrp()) set_foreground(story.child);
  kill(-story.child, SIGCONT);
}

void Run::child_ended() { story.end_at = now_ms(); }

// Reaps every child that has ended, the program's own status kept.
void reap(Run &run) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG | (run.follow_stops ? WUNTRACED : 0))) > 0) {
    bool running = !run.done();
    run.ended(pid, st);
    if (!WIFSTOPPED(st)) say_reaped(run.set, running, pid == run.story.child, pid, st);
  }
}

// ----------------------------------------------------------------- finish

// --wait-all: stop whatever else is still running and wait for it, up to
// the grace period, then SIGKILL it.  As PID 1 that is every process in
// the namespace; as a wrapper, the child's process group (kill(-1) would be
// the whole machine), so a daemon that left it cannot hold remit up.  The
// program's status is already decided: a signal now is not forwarded and
// counts for no rule, but a stop signal means the sender will not wait, so
// the rest is killed at once.
void wait_for_the_rest(const Run &run) {
  bool pid1 = g_self == 1;
  pid_t everyone = pid1 ? -1 : -run.story.child;
  if (kill(everyone, SIGTERM) < 0 && errno == ESRCH && !pid1) return;
  int64_t give_up = now_ms() + (run.set.grace_ms ? run.set.grace_ms : kDefaultWaitAllMs);
  for (;;) {
    pid_t pid;
    while ((pid = waitpid(everyone, nullptr, WNOHANG)) > 0) {}
    if (pid < 0) break;  // ECHILD: nobody left to wait for
    int sig = g_signals.next(give_up);
    if (sig) narrate(run.set, &Narration::received, sig);
    if (sig == 0 || is_stop(run.set, sig, g_signals.code)) {
      if (sig && shown(run.set, kInfo))
        (message(*run.set.who, kInfo) << "a stop signal during --wait-all: sending SIGKILL\n").flush();
      kill(everyone, SIGKILL);
      while (waitpid(everyone, nullptr, 0) > 0) {}
      break;
    }
  }
}

// From the program's end to the verdict.  A signal taken after the end,
// before remit decided, was sent with it (systemd's KillMode, `kill 0` and
// pkill signal both at once), in the batch of its SIGCHLD or still
// pending: it was received, so it counts for the rules and the report.
// What is pending now, at most kLate: a storm that outlasts it is cut off.
void wind_up(Run &run) {
  const Settings &set = run.set;
  for (int sig, n = 0; n < kLate && (sig = g_signals.next(kPending)) != 0; n++) {
    if (sig != SIGCHLD) narrate(set, &Narration::received, sig);
    run.signal(sig, g_signals.code);
  }
  if (set.who->term_at_exit && run.story.child) run.send(run.farewell());
  reap(run);  // orphans that ended with it
  if (set.wait_all && run.story.child) wait_for_the_rest(run);
  if (g_self != 1) give_back_terminal(run.had_terminal, run.story.child);
}

// Outside PID 1, a wrapper that exited 143 where the program died by
// SIGTERM would change what the calling shell sees.  So remit dies the same
// way: default action, unblocked, raised.  No core file: the child's is the
// one that matters.
void die_by(int sig) {
  zero_limit(RLIMIT_CORE);  // not setrlimit: musl's syncs every thread
  set_action(sig, SIG_DFL);
  SigSet one = bit(sig);
  kill(g_self, sig);
  set_mask(SIG_UNBLOCK, &one, nullptr);
}

int finish(const Run &run) {
  int st = run.wstatus;
  remap::Ending end = WIFSIGNALED(st) ? remap::Ending{true, uint8_t(WTERMSIG(st))}
                                      : remap::Ending{false, uint8_t(WEXITSTATUS(st))};
  Verdict v = conclude(run.set, run.story, end, g_self == 1, run.report);
  if (v.die_by) die_by(v.die_by);
  return v.status;
}

// -P (set.pause): no program; sit as PID 1 until told to stop.
int pause_forever() {
  for (;;) {
    int sig = g_signals.next(kNever);
    if (sig == SIGINT || sig == SIGTERM) return 0;
    if (sig == SIGCHLD) while (waitpid(-1, nullptr, WNOHANG) > 0) {}
  }
}

}  // namespace

int main(int argc, char **argv) {
  // Block everything first: as PID 1, a signal that finds neither a handler
  // nor a block is dropped by the kernel, so a TERM sent while remit was
  // still reading its settings would be lost.  Blocked, it waits for the
  // child; the child gets back the mask remit started with.
  SigSet start_mask;
  bool blocked = set_mask(SIG_SETMASK, &kAllSignals, &start_mask) == 0;
  g_self = getpid();
  g_signals.self = g_self;
  open_twins();  // before the first message: remit never waits to write one
  Settings set;
  int status = read_settings(&set, argc, argv);
  if (status >= 0) return status;
  if (set.explain) return explain(set);
  // A personality may leave the fault signals unblocked, at their default,
  // and not wait for them: one sent from outside then kills remit as a
  // wrapper (not as PID 1: the kernel keeps such a signal from init).
  g_signals.awaited = kAllSignals;
  if (set.who->faults_kill) {
    g_signals.awaited = ~kFaults;
    set_mask(SIG_UNBLOCK, &kFaults, nullptr);
  }

  Run run{{set}};
  run.pid1 = g_self == 1;
  run.child_mask = start_mask;
  // An ignored SIGCHLD (inherited, like the mask) lets the kernel reap the
  // child behind remit's back: remit would wait forever for its status.
  // So remit takes the default, and the child gets SIG_IGN back.
  KAction chld;
  if (!blocked || set_action(SIGCHLD, SIG_DFL, &chld)) return say_errno(set, kFatal, "cannot set up its signals");
  run.chld_ignored = chld.handler == SIG_IGN;
  // The signal source, before there is a child whose end could be missed.
  g_signals.fd = above_stdio(open_signalfd(&g_signals.awaited));  // 0-2 may be closed
  if (g_signals.fd < 0) say_errno(set, kWarn, "cannot open a signalfd", "; waiting for signals with sigtimedwait");
  if (set.pdeath_signal && prctl(PR_SET_PDEATHSIG, set.pdeath_signal))
    say_errno(set, kWarn, "cannot set the parent-death signal");
  register_subreaper(set);
  // An init pins no directory (a volume can be unmounted, a directory
  // removed); the child keeps its own.
  if (set.pause) {
    if (chdir("/")) {}
    return pause_forever();
  }

  run.report = open_report(set);
  run.had_terminal = foreground() == getpgrp();
  start(run);
  if (chdir("/")) {}

  while (!run.done()) {
    int sig = g_signals.next(run.timed() ? run.deadline_at : kNever);
    if (sig) narrate(set, &Narration::received, sig);
    if (sig == SIGCHLD) reap(run);
    else if (sig) run.signal(sig, g_signals.code);
    if (run.timed() && now_ms() >= run.deadline_at) run.deadline();
  }
  wind_up(run);
  return finish(run);
}