// init.cpp: remit, the process.
//
// Start one program, pass on every signal remit receives, reap every zombie
// that reaches it, and when the program ends, exit with its status, passed
// through the rule table.  All signals stay blocked in remit and are taken
// one at a time with sigtimedwait(2): no handlers, so nothing here runs in
// a signal context, and no timeout unless a stop is in progress, so an idle
// remit never wakes up.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "settings.hpp"

namespace {

using remap::SigSet;
using remap::bit;

constexpr SigSet kAllSignals = ~SigSet(0);
constexpr SigSet kStopSignals = bit(SIGTERM) | bit(SIGINT) | bit(SIGQUIT);
constexpr uint32_t kDefaultWaitAllMs = 5000;

// The raw system calls take the kernel's 64-bit mask.  libc's sigset_t
// helpers would hide signals 32-34 (musl keeps them for itself), and remit
// must block, wait for and pass on every signal there is.
int set_mask(int how, const SigSet *set, SigSet *old) {
  return int(syscall(SYS_rt_sigprocmask, how, set, old, sizeof(SigSet)));
}

// The same for dispositions: the kernel's struct sigaction, no flags.
struct KAction { void (*handler)(int); unsigned long flags, restorer; SigSet mask; };
void set_action(int sig, void (*handler)(int), KAction *old = nullptr) {
  KAction act = {handler, 0, 0, 0};
  syscall(SYS_rt_sigaction, sig, &act, old, sizeof(SigSet));
}

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A signal remit raised at itself: SIGPIPE or SIGXFSZ from one of its own
// writes (the kernel sends those as kill(getpid(), sig) would: SI_USER,
// with remit's own pid, 1 as PID 1), or a kill or tgkill at its own pid.
// Nobody sent it, so it is not forwarded, not counted for the rules and not
// logged (a log line could raise another: at RLIMIT_FSIZE that was a loop).
// A signal from any other process has another pid, or 0 when it comes from
// outside remit's pid namespace, and still counts.  Only SI_USER and
// SI_TKILL: for those the kernel fills in the pid, nobody can forge it.
// (The kernel raises SIGPIPE and SIGXFSZ at the writing thread, and kill()
// from outside queues at the process, so the two stay apart.  Only the same
// standard signal sent by tgkill() at remit's thread in the moment between
// its failed write and its next wait merges with the self-raised one, which
// is pending at most once, and is dropped with it.)
bool raised_by_self(const siginfo_t &info) {
  return (info.si_code == SI_USER || info.si_code == SI_TKILL) && info.si_pid == getpid();
}

// Waits for any signal, until deadline_ms (monotonic) if it is not -1.
// Returns the signal, or 0 when the deadline passed.
int next_signal(int64_t deadline_ms) {
  static const SigSet all = kAllSignals, chld = bit(SIGCHLD);
  static const timespec now = {0, 0};
  siginfo_t info;
  for (;;) {
    // SIGCHLD first.  rt_sigtimedwait hands out the signals sent to the
    // thread before those sent to the process, the lowest number first:
    // a storm of tgkill()s at remit, or of signals below 17, would keep
    // SIGCHLD (sent to the process) waiting forever, and the child's status
    // with it.  Checked with no timeout, it costs a call per signal taken
    // and nothing while remit sleeps.
    if (syscall(SYS_rt_sigtimedwait, &chld, nullptr, &now, sizeof(SigSet)) == SIGCHLD) return SIGCHLD;
    timespec ts, *tp = nullptr;
    if (deadline_ms >= 0) {
      int64_t left = deadline_ms - now_ms();
      if (left <= 0) return 0;
      ts.tv_sec = left / 1000, ts.tv_nsec = left % 1000 * 1000000;
      tp = &ts;
    }
    long sig = syscall(SYS_rt_sigtimedwait, &all, &info, tp, sizeof(SigSet));
    if (sig > 0 && !raised_by_self(info)) return int(sig);
    if (sig < 0 && errno == EAGAIN) return 0;
    // EINTR: a stop and continue (SIGSTOP, then SIGCONT) interrupts the wait.
  }
}

int64_t earliest(int64_t a, int64_t b) { return a < 0 ? b : b < 0 ? a : a < b ? a : b; }

// Everything about the run that changes as it goes.
struct Run {
  const Settings &set;
  SigSet child_mask = 0;  // the mask remit was started with, for the child
  bool chld_ignored = false;  // and whether SIGCHLD was ignored, likewise
  pid_t child = 0;
  bool done = false;       // the child has ended and been reaped
  int wstatus = 0;
  SigSet received = 0;     // signals received while the child ran
  int held = 0;            // a stop signal held back by --stop-delay
  int64_t release_at = -1; // when to forward it
  int64_t kill_at = -1;    // when the grace period runs out
  bool follow_stops = false;  // stop when the child stops (a job in a shell)
};

// Messages below kFatal only show at the verbosity they need.
bool shown(const Settings &set, Level level) { return set.verbosity >= level; }

// ------------------------------------------------------------- start-up

void register_subreaper(const Settings &set) {
  const Personality &who = *set.who;
  if (getpid() == 1) return;
  // --wait-all waits for the child's descendants, which it can only do
  // if they come to remit when orphaned.
  if (set.subreaper || set.wait_all || who.subreaper_always) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) return;
    if (shown(set, kWarn))
      (message(who, kWarn) << "cannot register as a child subreaper: " << strerror(errno) << '\n').flush();
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

// Starts the program.  vfork keeps start-up cheap and lets the child report
// a failed exec through shared memory before remit goes on.  Returns the
// pid, or -1 with *status set after saying why the program could not run.
pid_t spawn(Run &run, int *status) {
  const Settings &set = run.set;
  char **argv = set.child_argv;
  bool take_terminal = isatty(0) && tcgetpgrp(0) == getpgrp();
  volatile int exec_errno = 0;
  pid_t pid = vfork();
  if (pid == 0) {
    // Its own process group (or session), so that Ctrl-C on a terminal
    // reaches the program and not remit; and the terminal's foreground, if
    // remit had it.  SIGTTOU is still blocked here, so tcsetpgrp works.
    if (set.new_session) {
      setsid();
      ioctl(0, TIOCSCTTY, 0);
    } else if (set.who->own_group || set.group) {  // dumb-init -c: ours, unless
                                                   // REMIT_GROUP needs one
      setpgid(0, 0);
      if (take_terminal) tcsetpgrp(0, getpid());
    }
    if (run.chld_ignored) set_action(SIGCHLD, SIG_IGN);
    set_mask(SIG_SETMASK, &run.child_mask, nullptr);
    execvp(argv[0], argv);
    if (errno == ENOEXEC) {
      // A script without "#!".  glibc's execvp, and so tini and dumb-init,
      // run it with /bin/sh; musl's gives up.  Let sh find it and do that.
      int n = 0;
      while (argv[n]) n++;
      char *sh[n + 4];
      sh[0] = const_cast<char *>("sh"), sh[1] = const_cast<char *>("-c");
      sh[2] = const_cast<char *>("exec \"$0\" \"$@\"");
      for (int i = 0; i <= n; i++) sh[i + 3] = argv[i];
      execv("/bin/sh", sh);
      errno = ENOEXEC;  // no sh: the program's own error is the one to tell
    }
    exec_errno = errno;
    _exit(127);
  }
  const Personality &who = *set.who;
  if (pid < 0) exec_errno = errno;
  else if (who.spawned && shown(set, kInfo)) say_spawn(who, kInfo, who.spawned, argv[0], nullptr, pid);
  // vfork returns only once the child has exec'd or died, so its setpgid
  // has happened: no race for the parent to close.
  if (!exec_errno) {
    // A transparent wrapper that gave its program the terminal is a job in
    // an interactive shell: when Ctrl-Z stops the program, the shell must
    // see its job (remit) stop, or it would wait for it forever.
    run.follow_stops = take_terminal && !set.new_session && set.who->reraise && getpid() != 1;
    return pid;
  }
  if (pid > 0) waitpid(pid, nullptr, 0);
  *status = exec_errno == ENOENT ? who.missing_status
            : exec_errno == EACCES ? who.denied_status
                                   : who.exec_status;
  say_spawn(who, kFatal, who.exec_failed, argv[0], strerror(exec_errno), 0);
  if (pid < 0) return -1;
  // For the peers, a failed exec is a child that exited with that status:
  // -v reports it and the rules apply to it (tini -e 127 makes it 0).
  run.done = true;
  run.wstatus = *status << 8;
  return pid;
}

// --------------------------------------------------------------- signals

// Where signals for the child go: the child, or its whole process group.
pid_t target(const Run &run) {
  return run.set.group || run.set.new_session ? -run.child : run.child;
}

void forward(Run &run, int sig) {
  int to = run.set.rewrite.to[sig];
  if (to == 0 || run.done) return;
  if (shown(run.set, kDebug)) {
    char name[12];
    (message(*run.set.who, kDebug) << "passing signal " << remap::signal_name(to, name) << '\n').flush();
  }
  kill(target(run), to);
  if ((kStopSignals & bit(sig)) && run.set.grace_ms && run.kill_at < 0)
    run.kill_at = now_ms() + run.set.grace_ms;
}

void on_signal(Run &run, int sig) {
  const Settings &set = run.set;
  if (!run.done) run.received |= bit(sig);
  if (set.who->not_forwarded & bit(sig)) return;
  bool stop = (kStopSignals & bit(sig)) != 0;
  if (stop && set.stop_delay_ms && !run.held) {
    // Hold the first stop so a load balancer can drain; a second one means
    // the sender is impatient, so both go at once.
    run.held = sig;
    run.release_at = now_ms() + set.stop_delay_ms;
    return;
  }
  if (stop && run.held > 0) {
    forward(run, run.held);
    run.held = -1, run.release_at = -1;  // -1: no more holding
  }
  forward(run, sig);
  if (set.who->stop_with_child && is_terminal_stop(sig))
    kill(getpid(), SIGSTOP);  // as dumb-init: the child stopped, so do we
}

// Deadlines that have passed: the held stop signal, then the grace period.
void on_time(Run &run) {
  int64_t now = now_ms();
  if (run.release_at >= 0 && now >= run.release_at) {
    forward(run, run.held);
    run.held = -1, run.release_at = -1;
  }
  if (run.kill_at >= 0 && now >= run.kill_at && !run.done) {
    if (shown(run.set, kInfo))
      (message(*run.set.who, kInfo) << "grace period over, sending SIGKILL\n").flush();
    kill(target(run), SIGKILL);
    run.kill_at = -1;
  }
}

// The program was stopped (Ctrl-Z, SIGTTIN): stop as well, so that the
// shell sees its job stopped.  On `fg` the shell gives remit the terminal
// and SIGCONT; remit hands both on to the program's group.  (That SIGCONT
// also reaches the loop, which forwards it again: harmless.)
void follow_child_stop(const Run &run) {
  kill(getpid(), SIGSTOP);
  if (tcgetpgrp(0) == getpgrp()) tcsetpgrp(0, run.child);
  kill(-run.child, SIGCONT);
}

// Reaps every child that has ended, the program's own status kept.
void reap(Run &run) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG | (run.follow_stops ? WUNTRACED : 0))) > 0) {
    if (WIFSTOPPED(st)) {
      if (pid == run.child) follow_child_stop(run);
    } else if (pid == run.child) {
      run.done = true;
      run.wstatus = st;
    } else if (run.set.warn_reap && shown(run.set, kWarn)) {
      (message(*run.set.who, kWarn) << "Reaped zombie process with pid=" << int(pid) << '\n').flush();
    }
  }
}

// ----------------------------------------------------------------- finish

// --wait-all: stop whatever else is still running and wait for it, up to
// the grace period, then SIGKILL it.  As PID 1 that is every process in
// the namespace.  As a wrapper, "everyone" cannot mean kill(-1): that is
// the whole machine.  It is the child's process group, whose members
// (a subreaper's orphans) remit waits for; only them, so that a daemon
// which left the group (setsid) and was never signalled cannot hold remit
// up, least of all after the SIGKILL, where the wait has no deadline.
void wait_for_the_rest(const Run &run) {
  bool pid1 = getpid() == 1;
  pid_t everyone = pid1 ? -1 : -run.child;
  if (kill(everyone, SIGTERM) < 0 && errno == ESRCH && !pid1) return;
  int64_t give_up = now_ms() + (run.set.grace_ms ? run.set.grace_ms : kDefaultWaitAllMs);
  for (;;) {
    pid_t pid;
    while ((pid = waitpid(everyone, nullptr, WNOHANG)) > 0) {}
    if (pid < 0) break;  // ECHILD: nobody left to wait for
    if (next_signal(give_up) == 0) {
      kill(everyone, SIGKILL);
      while (waitpid(everyone, nullptr, 0) > 0) {}
      break;
    }
  }
}

// Says how the child ended, what remit received and which rule applied.
// Out of line: inlined, its buffers would sit in main's frame all along.
[[gnu::noinline]] void report(const Run &run, remap::Ending end, int rule, int status, bool reraise) {
  const Settings &set = run.set;
  const Personality &who = *set.who;
  char name[24];
  Out o = message(who, kInfo);
  if (const char *text = who.ended[end.signaled]) {
    // In the words of the init remit stands in for; remit's own line
    // follows at the next level (-vv), when a rule applied: tini's -e
    // codes are rules too, and tini -v says nothing of them.
    expand(o, who, text, kInfo, Num(end.status()).str(), describe_signal(end.value, name)).flush();
    if (rule < 0 || !shown(set, kDebug)) return;
    o = message(who, kDebug);
  }
  o << "child " << int(run.child);
  if (end.signaled) o << " was killed by " << remap::signal_name(end.value, name);
  else o << " exited with " << int(end.value);
  o << "; received";
  if (!run.received) o << " no signal";
  for (int sig = 1; sig <= remap::kMaxSig; sig++)
    if (run.received & bit(sig)) o << ' ' << remap::signal_name(sig, name);
  if (rule >= 0) {
    o << "; rule " << rule + 1 << " '";
    o.put(set.rules.rule[rule].text, set.rules.rule[rule].text_len) << '\'';
  } else {
    o << "; no rule";
  }
  if (reraise) o << "; dying by " << remap::signal_name(end.value, name) << " too\n";
  else o << "; exit " << status << '\n';
  o.flush();
}

// Outside PID 1, a wrapper that exited 143 where the program died by
// SIGTERM would change what the calling shell sees.  So remit dies the same
// way: default action, unblocked, raised.  No core file: the child's is the
// one that matters.
void die_by(int sig) {
  // Raw calls: libc's setrlimit and signal drag in thread machinery and
  // refuse signals 32-34, and remit needs neither.
  struct rlimit no_core = {0, 0};
  syscall(SYS_prlimit64, 0, RLIMIT_CORE, &no_core, nullptr);
  set_action(sig, SIG_DFL);
  SigSet one = bit(sig);
  kill(getpid(), sig);
  set_mask(SIG_UNBLOCK, &one, nullptr);
}

int finish(const Run &run) {
  const Settings &set = run.set;
  remap::Ending end = WIFSIGNALED(run.wstatus)
                          ? remap::Ending{true, uint8_t(WTERMSIG(run.wstatus))}
                          : remap::Ending{false, uint8_t(WEXITSTATUS(run.wstatus))};
  int rule = remap::match(set.rules, end, run.received);
  int status = rule >= 0 ? set.rules.rule[rule].result : end.status();
  bool reraise = rule < 0 && end.signaled && set.who->reraise && getpid() != 1;
  if (shown(set, kInfo)) report(run, end, rule, status, reraise);
  if (reraise) die_by(end.value);
  return status;
}

// --explain STATUS[@SIG]: what the rules make of a case, with no child.
int explain(const Settings &set) {
  remap::Ending end{};
  SigSet received = 0;
  remap::Error err = remap::parse_case(set.explain, &end, &received);
  if (err) {
    say_bad(*set.who, "case", "--explain", set.explain, err);
    return 2;
  }
  int rule = remap::match(set.rules, end, received);
  Out o(1);
  char name[12];
  o << set.explain << " -> " << (rule >= 0 ? set.rules.rule[rule].result : end.status());
  if (rule >= 0) {
    o << " (rule " << rule + 1 << ": ";
    o.put(set.rules.rule[rule].text, set.rules.rule[rule].text_len) << ")\n";
  } else if (end.signaled && set.who->reraise) {
    o << " (no rule matched; outside PID 1 remit dies by "
      << remap::signal_name(end.value, name) << ")\n";
  } else {
    o << " (no rule matched)\n";
  }
  o.flush();
  return 0;
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
  set_mask(SIG_SETMASK, &kAllSignals, &start_mask);
  open_twins();  // before the first message: remit never waits to write one
  Settings set;
  int status = read_settings(&set, argc, argv);
  if (status >= 0) return status;
  if (set.explain) return explain(set);

  Run run{set};
  run.child_mask = start_mask;
  // An ignored SIGCHLD (inherited, like the mask) lets the kernel reap the
  // child behind remit's back: remit would wait forever for its status.
  // So remit takes the default, and the child gets SIG_IGN back.
  KAction chld;
  set_action(SIGCHLD, SIG_DFL, &chld);
  run.chld_ignored = chld.handler == SIG_IGN;
  if (set.pdeath_signal) prctl(PR_SET_PDEATHSIG, set.pdeath_signal);
  register_subreaper(set);
  if (set.pause) return pause_forever();

  if ((run.child = spawn(run, &status)) < 0) return status;

  while (!run.done) {
    int sig = next_signal(earliest(run.release_at, run.kill_at));
    if (sig == SIGCHLD) reap(run);
    else if (sig) on_signal(run, sig);
    on_time(run);
  }
  // dumb-init's farewell: TERM (as rewritten) to what is left of the
  // child's session, so its background jobs do not outlive it.
  int farewell = set.rewrite.to[SIGTERM];
  if (set.who->term_at_exit && set.new_session && farewell) kill(-run.child, farewell);
  reap(run);  // orphans that ended with it
  if (set.wait_all) wait_for_the_rest(run);
  return finish(run);
}
