// init.cpp: remit, the process: start the program, pass on signals, reap, end with its status.
//
// All signals stay blocked in remit and are read from a signalfd: no
// handlers, so nothing here runs in a signal context, and no timeout unless
// a stop is in progress, so an idle remit never wakes.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.hpp"
#include "sys.hpp"
#include "terminal.hpp"

namespace {

using remap::SigSet;
using remap::bit;

constexpr SigSet kAllSignals = ~SigSet(0);
constexpr uint32_t kDefaultWaitAllMs = 5000;
// Signals taken after the program's end: every standard one and a queue of
// real-time ones (report.hpp counts them up to 2^32 - 1).
constexpr int kLate = 4096;

// Everything about the run that changes as it goes.
struct Run {
  const Settings &set;
  SigSet child_mask = 0;  // the mask remit was started with, for the child
  bool chld_ignored = false;  // and whether SIGCHLD was ignored, likewise
  bool done = false;       // the child has ended and been reaped
  int wstatus = 0;
  int held = 0;            // a stop signal held back by --stop-delay
  int64_t release_at = -1; // when to forward it
  int64_t kill_at = -1;    // when the grace period runs out
  bool follow_stops = false;  // stop when the child stops (a job in a shell)
  bool had_terminal = false;  // remit's group was the terminal's foreground
  ReportFile report{};     // --report, opened at the start
  Story story{};           // what the report and -v tell; story.child: the child
  Handoff handoff{};        // dumb-init's terminal hand-off (terminal.hpp)
};

// ------------------------------------------------------- waiting for signals

pid_t g_self;  // remit's pid, read once (checked for every signal)

// SIGPIPE or SIGXFSZ from one of remit's own writes, or a kill at its own
// pid: nobody sent it, so it is neither forwarded, counted nor logged (a log
// line could raise another).  The kernel fills in the pid for these codes.
// The terminal hand-off's HUP and CONT come as from remit too, and are taken.
bool raised_by_self(int sig, int code, pid_t pid) {
  return (code == SI_USER || code == SI_TKILL) && pid == g_self && sig != SIGHUP && sig != SIGCONT;
}

// The signals remit waits for: all, but those main leaves unblocked.
SigSet g_awaited = kAllSignals;

// Where they are read from: a signalfd, opened before the child starts, or
// -1 when remit had no descriptor to spare for one (RLIMIT_NOFILE reached)
// and waits with rt_sigtimedwait, which needs none.
int g_sigfd = -1;

// A signalfd that fails to read (nothing but EINTR ever should) is
// given up for rt_sigtimedwait, rather than tried again and again.
void lose_signalfd() {
  close(g_sigfd);
  g_sigfd = -1;
}

// How the signal next_signal() returned last was sent (its si_code).
int g_code;

// A deadline long past: next_signal() then returns only what is pending.
constexpr int64_t kPending = 0;

// Waits for any signal, until deadline_ms (monotonic) if it is not -1.
// Returns the signal, or 0 when the deadline passed with none pending.
// From a signalfd signals come in batches, one read for all that are
// pending, so that passing one on costs little more than its kill().
int next_signal(int64_t deadline_ms) {
  static const SigSet chld = bit(SIGCHLD);
  static signalfd_siginfo batch[32];
  static int have = 0, at = 0;
  for (;;) {
    while (at < have) {
      const signalfd_siginfo &s = batch[at++];
      int sig = int(s.ssi_signo);
      g_code = s.ssi_code;
      if (sig && !raised_by_self(sig, s.ssi_code, pid_t(s.ssi_pid))) return sig;
    }
    int wait = -1;  // ms; -1: no deadline.  A deadline is under 2^31 ms away.
    if (deadline_ms >= 0) {
      int64_t left = deadline_ms - now_ms();
      wait = left > 0 ? int(left) : 0;
    }
    if (g_sigfd < 0 || wait >= 0) {
      // One at a time, with rt_sigtimedwait: for a deadline, or without
      // a signalfd.  SIGCHLD first, as below.  EINTR (a stop and
      // continue): again.
      siginfo_t info;
      OldTimespec left = {wait / 1000, wait % 1000 * 1000000L};
      long sig = wait_signal(&chld, &info, &kNoWait);
      if (sig < 0) sig = wait_signal(&g_awaited, &info, wait < 0 ? nullptr : &left);
      g_code = info.si_code;
      if (sig > 0 && !raised_by_self(int(sig), info.si_code, info.si_pid)) return int(sig);
      if (sig < 0 && errno == EAGAIN) return 0;
      continue;
    }
    ssize_t n = read(g_sigfd, batch, sizeof batch);
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

int64_t earliest(int64_t a, int64_t b) { return a < 0 ? b : b < 0 ? a : a < b ? a : b; }

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
  if (who.warn_no_reaping && shown(set, kWarn))
    (message(who, kWarn)
     << "Tini is not running as PID 1 and isn't registered as a child subreaper.\n"
        "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n"
        "To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER "
        "to register Tini as a child subreaper, or run Tini as PID 1.\n")
        .flush();
}

// Out of line, so that its buffers are not in spawn's frame: the vforked
// child runs on remit's stack, and every page it touches stays in remit's RSS.
[[gnu::noinline]] void say_spawn(const Personality &who, Level level, const char *text,
                                 const char *program, const char *detail, long pid) {
  Num n(pid);
  Out o = message(who, level);
  expand(o, who, text, level, program, detail ? detail : n.str()).flush();
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
  // A script without "#!".  glibc's execvp, and so tini and dumb-init, run
  // it with /bin/sh; musl's gives up.  Let sh find it and do that.
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

// Starts the program.  vfork keeps start-up cheap and lets the child report
// a failed exec through shared memory before remit goes on.  Returns the
// pid, 0 if fork failed; if the program could not run, *status is set and
// the run is over, after saying why.
pid_t spawn(Run &run, int *status) {
  const Settings &set = run.set;
  const Personality &who = *set.who;
  char **argv = set.child_argv;
  volatile int exec_errno = 0;
  if (set.new_session) give_up_terminal(set, &run.handoff);
  // catatonit's part in socket activation: a LISTEN_PID naming the init (as
  // strtol reads it) becomes the child's, or sd_listen_fds() in the program
  // would refuse the sockets.  Only the first entry, the one getenv()
  // reads and catatonit's setenv() changes.  It points at `listen` while
  // vfork runs, which the child completes with its pid; then it is put back.
  char listen[24] = "LISTEN_PID=", **entry = nullptr, *was = nullptr;
  for (char **e = environ; who.listen_pid && *e; e++)
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
    exec_errno = errno;
    _exit(127);
  }
  if (entry) *entry = was;
  if (pid < 0) exec_errno = errno;
  else if (who.spawned && shown(set, kInfo)) say_spawn(who, kInfo, who.spawned, argv[0], nullptr, pid);
  // vfork returns only once the child has exec'd or died, so its setpgid
  // has happened: no race for the parent to close.
  if (!exec_errno) {
    // A transparent wrapper that gave its program the terminal is a job in
    // an interactive shell: when Ctrl-Z stops the program, the shell must
    // see its job (remit) stop, or it would wait for it forever.
    run.follow_stops = run.had_terminal && !set.new_session && set.who->reraise && g_self != 1;
    return pid;
  }
  if (pid > 0) waitpid(pid, nullptr, 0);
  *status = pid < 0 ? who.fork_status
            : exec_errno == ENOENT ? who.missing_status
            : exec_errno == EACCES ? who.denied_status
                                   : who.exec_status;
  char buf[24];
  say_spawn(who, kFatal, pid < 0 ? who.fork_failed : who.exec_failed, argv[0], describe_error(exec_errno, buf), 0);
  if (pid > 0) {
    // dumb-init's child exits 2 and its parent hears of it like any other end.
    narrate(set, &Narration::received, SIGCHLD);
    narrate(set, &Narration::exited, pid, *status);
  }
  // For the peers, a failed exec is a child that exited with that status:
  // -v reports it and the rules apply to it (tini -e 127 makes it 0).  A
  // failed fork has no child (pid 0 here), and its status goes through the
  // rules as well, and into the report.
  run.done = true;
  run.wstatus = *status << 8;
  run.story.exec_errno = exec_errno;
  return pid < 0 ? 0 : pid;
}

// --------------------------------------------------------------- signals

// Where signals for the child go: the child, or its whole process group.
pid_t target(const Run &run) {
  return run.set.group || run.set.new_session ? -run.story.child : run.story.child;
}

// Whether sig asks for a stop.  A WINCH from the kernel is a terminal
// resize, even where WINCH is a stop signal (httpd's): a stop is sent.
bool is_stop(const Settings &set, int sig, int code) {
  return (set.stops & bit(sig)) && code != SI_KERNEL;
}

// Sends sig, as rewritten, to the child (or its group), unless the rewrite
// drops it; a stop with --signal-all to every process there is as PID 1,
// and to the child's group as a wrapper (-1 would be the whole machine).
// Returns what was sent, 0 for nothing.
int pass_on(const Run &run, int sig, bool send = true, bool stop = false) {
  int to = rewrite_for(run.set, sig);
  pid_t where = !(stop && run.set.signal_all) ? target(run) : g_self == 1 ? -1 : -run.story.child;
  if (to && send) kill(where, to);
  if (to) narrate(run.set, &Narration::forwarded, to);
  return to;
}

void forward(Run &run, int sig, bool stop) {
  if (run.done || !pass_on(run, sig, true, stop)) return;
  if (stop && run.set.grace_ms && run.kill_at < 0) run.kill_at = now_ms() + run.set.grace_ms;
}

void on_signal(Run &run, int sig, int code) {
  const Settings &set = run.set;
  if (run.handoff.take(set, sig)) return;
  bool stop = is_stop(set, sig, code);
  if (!run.done) note(run.story, sig, stop);
  if (set.who->not_forwarded & bit(sig)) return;
  if (stop && set.stop_delay_ms && !run.held) {
    // Hold the first stop so a load balancer can drain; a second one means
    // the sender is impatient, so both go at once.
    run.held = sig;
    run.release_at = now_ms() + set.stop_delay_ms;
    return;
  }
  if (stop && run.held > 0) {
    forward(run, run.held, true);
    run.held = -1, run.release_at = -1;  // -1: no more holding
  }
  forward(run, sig, stop);
  if (set.who->stop_with_child && is_terminal_stop(sig)) {
    narrate(set, &Narration::suspending);
    kill(g_self, SIGSTOP);  // as dumb-init: the child stopped, so do we
  }
}

// Deadlines that have passed: the held stop signal, then the grace period.
void on_time(Run &run) {
  int64_t now = now_ms();
  if (run.release_at >= 0 && now >= run.release_at) {
    forward(run, run.held, true);
    run.held = -1, run.release_at = -1;
  }
  if (run.kill_at >= 0 && now >= run.kill_at && !run.done) {
    if (shown(run.set, kInfo))
      (message(*run.set.who, kInfo) << "grace period over, sending SIGKILL\n").flush();
    kill(target(run), SIGKILL);
    run.kill_at = -1;
    run.story.grace_kill = true;
  }
}

// The program was stopped (Ctrl-Z, SIGTTIN): stop as well, so that the
// shell sees its job stopped.  On `fg` the shell gives remit the terminal
// and SIGCONT; remit hands both on to the program's group.  (That SIGCONT
// also reaches the loop, which forwards it again: harmless.)
void follow_child_stop(const Run &run) {
  kill(g_self, SIGSTOP);
  if (foreground() == getpgrp()) set_foreground(run.story.child);
  kill(-run.story.child, SIGCONT);
}

// Reaps every child that has ended, the program's own status kept.
void reap(Run &run) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG | (run.follow_stops ? WUNTRACED : 0))) > 0) {
    if (WIFSTOPPED(st)) {
      if (pid == run.story.child) follow_child_stop(run);
      continue;
    }
    // dumb-init tells of each, until its own child: then it is gone.
    if (!run.done)
      narrate(run.set, WIFSIGNALED(st) ? &Narration::killed : &Narration::exited, pid,
              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    if (pid == run.story.child) {
      run.done = true;
      run.wstatus = st;
      run.story.end_at = now_ms();
    } else if (run.set.warn_reap && shown(run.set, kWarn)) {
      (message(*run.set.who, kWarn) << "Reaped zombie process with pid=" << int(pid) << '\n').flush();
    }
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
    int sig = next_signal(give_up);
    if (sig) narrate(run.set, &Narration::received, sig);
    if (sig == 0 || is_stop(run.set, sig, g_code)) {
      if (sig && shown(run.set, kInfo))
        (message(*run.set.who, kInfo) << "a stop signal during --wait-all: sending SIGKILL\n").flush();
      kill(everyone, SIGKILL);
      while (waitpid(everyone, nullptr, 0) > 0) {}
      break;
    }
  }
}

// A signal taken after the program's end, before remit decided: one sent
// with it (systemd's KillMode, `kill 0` and pkill signal both at once), in
// the batch of its SIGCHLD or still pending.  It was received, so it counts
// for the rules and the report; there is no program left to forward it to.
// A SIGCHLD now is an orphan's end, reaped next and not told: dumb-init
// reads no signal once its child is gone.
void late_signal(Run &run, int sig) {
  if (sig == SIGCHLD) return;
  narrate(run.set, &Narration::received, sig);
  if (!run.handoff.take(run.set, sig)) note(run.story, sig, is_stop(run.set, sig, g_code));
}

// From the program's end to the verdict.
void wind_up(Run &run) {
  const Settings &set = run.set;
  // What is pending now, at most kLate: a storm that outlasts it is cut off.
  for (int sig, n = 0; n < kLate && (sig = next_signal(kPending)) != 0; n++) late_signal(run, sig);
  // dumb-init's farewell: TERM (as rewritten) to what is left of the
  // child's session, so its background jobs do not outlive it.  Without a
  // session, dumb-init signals the dead child alone: remit only says so.
  if (set.who->term_at_exit && run.story.child) pass_on(run, SIGTERM, set.new_session);
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
  remap::Ending end = WIFSIGNALED(run.wstatus)
                          ? remap::Ending{true, uint8_t(WTERMSIG(run.wstatus))}
                          : remap::Ending{false, uint8_t(WEXITSTATUS(run.wstatus))};
  Verdict v = conclude(run.set, run.story, end, g_self == 1, run.report);
  if (v.die_by) die_by(v.die_by);
  return v.status;
}

// catatonit -P: no program; sit as PID 1 until told to stop.
int pause_forever() {
  for (;;) {
    int sig = next_signal(-1);
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
  open_twins();  // before the first message: remit never waits to write one
  Settings set;
  int status = read_settings(&set, argc, argv);
  if (status >= 0) return status;
  if (set.explain) return explain(set);
  // tini leaves the fault signals unblocked, at their default, and does not
  // wait for them: one sent from outside kills it as a wrapper (not as PID
  // 1: the kernel keeps such a signal from init).
  if (set.who->faults_kill) g_awaited = ~kFaults, set_mask(SIG_UNBLOCK, &kFaults, nullptr);

  Run run{set};
  run.child_mask = start_mask;
  // An ignored SIGCHLD (inherited, like the mask) lets the kernel reap the
  // child behind remit's back: remit would wait forever for its status.
  // So remit takes the default, and the child gets SIG_IGN back.
  KAction chld;
  if (!blocked || set_action(SIGCHLD, SIG_DFL, &chld)) return say_errno(set, kFatal, "cannot set up its signals");
  run.chld_ignored = chld.handler == SIG_IGN;
  // The signal source, before there is a child whose end could be missed.
  g_sigfd = above_stdio(open_signalfd(&g_awaited));  // 0-2 may be closed
  if (g_sigfd < 0) say_errno(set, kWarn, "cannot open a signalfd", "; waiting for signals with sigtimedwait");
  if (set.pdeath_signal && prctl(PR_SET_PDEATHSIG, set.pdeath_signal))
    say_errno(set, kWarn, "cannot set the parent-death signal");
  register_subreaper(set);
  // An init pins no directory (a volume can be unmounted, a directory
  // removed), as dumb-init and catatonit -P do; the child keeps its own.
  if (set.pause) return chdir("/"), pause_forever();

  run.report = open_report(set);
  run.had_terminal = foreground() == getpgrp();
  run.story.child = spawn(run, &status);
  if (chdir("/")) {}

  while (!run.done) {
    int sig = next_signal(earliest(run.release_at, run.kill_at));
    if (sig) narrate(set, &Narration::received, sig);
    if (sig == SIGCHLD) reap(run);
    else if (sig) on_signal(run, sig, g_code);
    on_time(run);
  }
  wind_up(run);
  return finish(run);
}