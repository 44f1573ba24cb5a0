// init.cpp: remit, the process.
//
// Start one program, pass on every signal remit receives, reap every zombie
// that reaches it, and when the program ends, exit with its status, passed
// through the rule table.  All signals stay blocked in remit and are taken
// one at a time with sigtimedwait(2): no handlers, so nothing here runs in
// a signal context, and no timeout unless a stop is in progress, so an idle
// remit never wakes up.
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.hpp"

namespace {

using remap::SigSet;
using remap::bit;

constexpr SigSet kAllSignals = ~SigSet(0);
constexpr SigSet kStopSignals = bit(SIGTERM) | bit(SIGINT) | bit(SIGQUIT);
constexpr uint32_t kDefaultWaitAllMs = 5000;

// The raw system calls take the kernel's mask (SigSet is laid out as it:
// 8 bytes, 16 on MIPS).  libc's sigset_t helpers would hide signals 32-34
// (musl keeps them for itself), and remit must block, wait for and pass on
// every signal there is.
int set_mask(int how, const SigSet *set, SigSet *old) {
  return int(syscall(SYS_rt_sigprocmask, how, set, old, sizeof(SigSet)));
}

// The same for dispositions: the kernel's struct sigaction, no flags.  MIPS
// puts the flags first; elsewhere a restorer field may follow them (not on
// riscv64, where the zero restorer is read as part of the zero mask).
#ifdef __mips__
struct KAction { unsigned int flags; void (*handler)(int); SigSet mask; };
#else
struct KAction { void (*handler)(int); unsigned long flags, restorer; SigSet mask; };
#endif
void set_action(int sig, void (*handler)(int), KAction *old = nullptr) {
  KAction act{};
  act.handler = handler;
  syscall(SYS_rt_sigaction, sig, &act, old, sizeof(SigSet));
}

// The kernel's original timespec: two longs.  On 32-bit targets musl's
// own has a 64-bit time_t (musl 1.2) and goes with the *_time64 calls,
// which qemu-user 7 (Debian 12's) does not know; the old calls take this
// one everywhere.  Relative waits (under 2^31 ms) always fit it.
struct OldTimespec { long tv_sec, tv_nsec; };
constexpr OldTimespec kNoWait = {0, 0};  // rt_sigtimedwait: only what is pending

// The raw call: musl's clock_gettime finds the vDSO's first, which takes
// 900 bytes of ELF parsing, to save a microsecond a few times per run.
// The 64-bit call first where there is one (the wall clock passes 2038).
#ifdef SYS_clock_gettime32  // musl's name for the old call there
#define SYS_clock_gettime SYS_clock_gettime32
#endif
OldTimespec read_clock(clockid_t clock) {
#ifdef SYS_clock_gettime64
  timespec ts;
  if (syscall(SYS_clock_gettime64, clock, &ts) == 0) return {long(ts.tv_sec), ts.tv_nsec};
#endif
  OldTimespec old;
  syscall(SYS_clock_gettime, clock, &old);
  return old;
}

int64_t now_ms() {
  OldTimespec t = read_clock(CLOCK_MONOTONIC);
  return int64_t(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
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
// The SIGHUP and SIGCONT the kernel sends when remit gives up its terminal
// (dumb-init's hand-off) come as from remit too: those are taken, and
// on_signal says and drops them as dumb-init does.
bool raised_by_self(const siginfo_t &info) {
  return (info.si_code == SI_USER || info.si_code == SI_TKILL) && info.si_pid == getpid() &&
         info.si_signo != SIGHUP && info.si_signo != SIGCONT;
}

// Waits for any signal, until deadline_ms (monotonic) if it is not -1.
// Returns the signal, or 0 when the deadline passed.
int next_signal(int64_t deadline_ms) {
  static const SigSet all = kAllSignals, chld = bit(SIGCHLD);
  siginfo_t info;
  for (;;) {
    // SIGCHLD first.  rt_sigtimedwait hands out the signals sent to the
    // thread before those sent to the process, the lowest number first:
    // a storm of tgkill()s at remit, or of signals below 17, would keep
    // SIGCHLD (sent to the process) waiting forever, and the child's status
    // with it.  Checked with no timeout, it costs a call per signal taken
    // and nothing while remit sleeps.
    if (syscall(SYS_rt_sigtimedwait, &chld, nullptr, &kNoWait, sizeof(SigSet)) == SIGCHLD) return SIGCHLD;
    OldTimespec ts, *tp = nullptr;
    if (deadline_ms >= 0) {
      int64_t left = deadline_ms - now_ms();
      if (left <= 0) return 0;
      // Deadlines are at most a duration (< 2^31 ms) away: 32-bit
      // arithmetic, so that 32-bit targets need no 64-bit division.
      uint32_t ms = uint32_t(left);
      ts.tv_sec = ms / 1000, ts.tv_nsec = long(ms % 1000 * 1000000);
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
  int report_fd = -1;      // --report, opened at the start
  Story story{};           // what the report and -v tell
  // dumb-init's terminal hand-off: the SIGHUP and SIGCONT the kernel sends
  // when remit, a session leader, gives up its terminal.  Not the user's:
  // neither forwarded nor counted as received.
  bool handoff_hup = false, handoff_cont = false;
};

// Messages below kFatal only show at the verbosity they need.
bool shown(const Settings &set, Level level) { return set.verbosity >= level; }

// ------------------------------------------------------------- start-up

void register_subreaper(const Settings &set) {
  const Personality &who = *set.who;
  if (getpid() == 1) return;
  // Already one: the process that exec'd remit made itself a subreaper,
  // and that survives exec.  Orphans come here; nothing to do or warn of.
  int already = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &already) == 0 && already) return;
  // --wait-all waits for the child's descendants, which it can only do
  // if they come to remit when orphaned.
  if (set.subreaper || set.wait_all || who.subreaper_always) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) return;
    char buf[24];
    if (shown(set, kWarn))
      (message(who, kWarn) << "cannot register as a child subreaper: " << describe_error(errno, buf) << '\n').flush();
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

// The terminal calls, raw: musl's ioctl() converts time64 structures on
// 32-bit targets (800 bytes on mipsel), and these carry none.  -1 when fd
// is no terminal (so no isatty() first: a process group is never -1).
long term_ioctl(unsigned long request, void *arg) { return syscall(SYS_ioctl, 0, request, arg); }
pid_t foreground() {
  pid_t pgrp;
  return term_ioctl(TIOCGPGRP, &pgrp) ? -1 : pgrp;
}
void set_foreground(pid_t pgrp) { term_ioctl(TIOCSPGRP, &pgrp); }

// dumb-init's hand-off: give up the terminal, so that the child's new
// session can take it as its controlling terminal (job control works on a
// pty, `docker run -it`).  A session leader that does so gets SIGHUP and
// SIGCONT from the kernel; the first of each is then not passed on.
void give_up_terminal(Run &run) {
  const Settings &set = run.set;
  if (term_ioctl(TIOCNOTTY, nullptr) < 0) {
    int e = errno;
    char buf[24];
    narrate(set, &Narration::detach_failed, e, 0, describe_error(e, buf));
  } else if (getsid(0) == getpid()) {
    narrate(set, &Narration::detached);
    run.handoff_hup = run.handoff_cont = true;
  } else {
    narrate(set, &Narration::not_leader);
  }
}

// Starts the program.  vfork keeps start-up cheap and lets the child report
// a failed exec through shared memory before remit goes on.  Returns the
// pid, or -1 with *status set after saying why the program could not run.
// execvp(3), as musl and glibc search: each PATH entry in turn (an empty
// one is the current directory), past those where the file is missing or
// not a directory; EACCES is kept if no other entry did better.  musl's
// own brings 750 bytes of string functions.
void exec_in_path(char **argv) {
  const char *file = argv[0], *path = getenv("PATH");
  if (strchr(file, '/')) return (void)execve(file, argv, environ);
  if (!path) path = "/usr/local/bin:/bin:/usr/bin";
  size_t len = strlen(file);
  if (len > NAME_MAX) return (void)(errno = ENAMETOOLONG);
  bool denied = false;
  for (const char *p = path, *end;; p = end + 1) {
    for (end = p; *end && *end != ':';) end++;
    size_t n = size_t(end - p);
    if (n < PATH_MAX) {  // a longer entry cannot name a directory: skipped
      char buf[PATH_MAX + NAME_MAX + 1];
      memcpy(buf, p, n);
      if (n) buf[n++] = '/';
      memcpy(buf + n, file, len + 1);
      execve(buf, argv, environ);
      if (errno == EACCES) denied = true;
      else if (errno != ENOENT && errno != ENOTDIR) return;
    }
    if (!*end) break;
  }
  if (denied) errno = EACCES;
}

pid_t spawn(Run &run, int *status) {
  const Settings &set = run.set;
  char **argv = set.child_argv;
  bool take_terminal = foreground() == getpgrp();
  volatile int exec_errno = 0;
  if (set.new_session) give_up_terminal(run);
  pid_t pid = vfork();
  if (pid == 0) {
    // Its own process group (or session), so that Ctrl-C on a terminal
    // reaches the program and not remit; and the terminal's foreground, if
    // remit had it.  SIGTTOU is still blocked here, so TIOCSPGRP works.
    if (set.new_session) {
      setsid();
      if (term_ioctl(TIOCSCTTY, nullptr) < 0) {
        char buf[24];
        narrate(set, &Narration::attach_failed, errno, 0, describe_error(errno, buf));
      }
      narrate(set, &Narration::setsid_done);
    } else if (set.who->own_group || set.group) {  // dumb-init -c: ours, unless
                                                   // REMIT_GROUP needs one
      setpgid(0, 0);
      if (take_terminal) set_foreground(getpid());
    }
    if (run.chld_ignored) set_action(SIGCHLD, SIG_IGN);
    // A line the child wrote ("setsid complete.", under dumb-init's name)
    // may have raised SIGPIPE or SIGXFSZ at it: left pending, that would
    // outlive the exec and kill the program once its mask is restored.
    static const SigSet own = bit(SIGPIPE) | bit(SIGXFSZ);
    while (syscall(SYS_rt_sigtimedwait, &own, nullptr, &kNoWait, sizeof(SigSet)) > 0) {}
    set_mask(SIG_SETMASK, &run.child_mask, nullptr);
    exec_in_path(argv);
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
  char buf[24];
  say_spawn(who, kFatal, who.exec_failed, argv[0], describe_error(exec_errno, buf), 0);
  if (pid < 0) return -1;
  // dumb-init's child exits 2 and its parent hears of it like any other end.
  narrate(set, &Narration::received, SIGCHLD);
  narrate(set, &Narration::exited, pid, *status);
  // For the peers, a failed exec is a child that exited with that status:
  // -v reports it and the rules apply to it (tini -e 127 makes it 0).
  run.done = true;
  run.wstatus = *status << 8;
  run.story.exec_errno = exec_errno;
  return pid;
}

// --------------------------------------------------------------- signals

// Where signals for the child go: the child, or its whole process group.
pid_t target(const Run &run) {
  return run.set.group || run.set.new_session ? -run.child : run.child;
}

// Sends sig, as rewritten, to the child (or its group), unless the rewrite
// drops it.  Returns what was sent, 0 for nothing.
int pass_on(const Run &run, int sig, bool send = true) {
  const Settings &set = run.set;
  int to = set.rewrite.to[sig];
  if (to != sig) narrate(set, &Narration::translated, sig, to);
  if (to == 0) {
    narrate(set, &Narration::dropped, 0);
    return 0;
  }
  if (shown(set, kDebug)) {
    char name[12];
    (message(*set.who, kDebug) << "passing signal " << remap::signal_name(to, name) << '\n').flush();
  }
  if (send) kill(target(run), to);
  narrate(set, &Narration::forwarded, to);
  return to;
}

void forward(Run &run, int sig) {
  if (run.done || !pass_on(run, sig)) return;
  if ((kStopSignals & bit(sig)) && run.set.grace_ms && run.kill_at < 0)
    run.kill_at = now_ms() + run.set.grace_ms;
}

// Keeps a signal for the report: in order, and when the first stop came.
void note(Story &st, int sig) {
  if (st.nsigs < sizeof st.sigs) st.sigs[st.nsigs++] = uint8_t(sig);
  else st.dropped++;
  if ((kStopSignals & bit(sig)) && !st.stop_sig) {
    // Seconds as unsigned 32 bits: right until 2106, even where long is
    // 32 bits.
    OldTimespec wall = read_clock(CLOCK_REALTIME);
    st.stop_sig = uint8_t(sig), st.stop_at = now_ms();
    st.stop_wall_s = uint32_t(wall.tv_sec), st.stop_wall_ms = uint16_t(wall.tv_nsec / 1000000);
  }
}

void on_signal(Run &run, int sig) {
  const Settings &set = run.set;
  bool *handoff = sig == SIGHUP ? &run.handoff_hup : sig == SIGCONT ? &run.handoff_cont : nullptr;
  if (handoff && *handoff) {
    *handoff = false;
    narrate(set, &Narration::handoff, sig);
    return;
  }
  if (!run.done) run.received |= bit(sig), note(run.story, sig);
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
  if (set.who->stop_with_child && is_terminal_stop(sig)) {
    narrate(set, &Narration::suspending);
    kill(getpid(), SIGSTOP);  // as dumb-init: the child stopped, so do we
  }
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
    run.story.grace_kill = true;
  }
}

// The program was stopped (Ctrl-Z, SIGTTIN): stop as well, so that the
// shell sees its job stopped.  On `fg` the shell gives remit the terminal
// and SIGCONT; remit hands both on to the program's group.  (That SIGCONT
// also reaches the loop, which forwards it again: harmless.)
void follow_child_stop(const Run &run) {
  kill(getpid(), SIGSTOP);
  if (foreground() == getpgrp()) set_foreground(run.child);
  kill(-run.child, SIGCONT);
}

// Reaps every child that has ended, the program's own status kept.
void reap(Run &run) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG | (run.follow_stops ? WUNTRACED : 0))) > 0) {
    if (WIFSTOPPED(st)) {
      if (pid == run.child) follow_child_stop(run);
      continue;
    }
    // dumb-init tells of each, until its own child: then it is gone.
    if (!run.done)
      narrate(run.set, WIFSIGNALED(st) ? &Narration::killed : &Narration::exited, pid,
              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    if (pid == run.child) {
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

// A rule as the user wrote it; tini's -e codes, one entry, as "-e 1-3,7".
Out &put_rule(Out &o, const remap::Rules &rules, int i) {
  const remap::Rule &r = rules.rule[i];
  if (r.match != remap::Rule::kCodeSet) return o.put(r.text, r.text_len);
  o << "-e ";
  for (int c = 0, sep = 0; c < 256; c++) {
    if (!rules.has_code(c)) continue;
    int last = c;
    while (rules.has_code(last + 1)) last++;
    if (sep++) o << ',';
    o << c;
    if (last > c) o << '-' << last;
    c = last;
  }
  return o;
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
    // codes are rules too, and tini -v says nothing of them.  REMIT_VERBOSE
    // asks for remit's line itself, at once.
    expand(o, who, text, kInfo, Num(end.status()).str(), describe_signal(end.value, name)).flush();
    Level mine = set.remit_line ? kInfo : kDebug;
    if ((rule < 0 && !set.remit_line) || !shown(set, mine)) return;
    o = message(who, mine);
  }
  o << "child " << int(run.child);
  if (end.signaled) o << " was killed by " << remap::signal_name(end.value, name);
  else o << " exited with " << int(end.value);
  o << "; received";
  if (!run.received) o << " no signal";
  for (int sig = 1; sig <= remap::kMaxSig; sig++)
    if (run.received & bit(sig)) o << ' ' << remap::signal_name(sig, name);
  if (int stop = run.story.stop_sig) {
    long ms = long(run.story.end_at - run.story.stop_at);
    o << "; stopped " << ms / 1000 << '.' << int(ms % 1000 / 100) << " s after "
      << remap::signal_name(stop, name);
  }
  if (rule >= 0) {
    o << "; rule " << rule + 1 << " '";
    put_rule(o, set.rules, rule) << '\'';
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
  if (run.report_fd >= 0) write_report(set, run.report_fd, run.story, run.child, end, rule, status);
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
    put_rule(o, set.rules, rule) << ")\n";
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
  // An init pins no directory (a volume can be unmounted, a directory
  // removed), as dumb-init and catatonit -P do; the child keeps its own.
  if (set.pause) return chdir("/"), pause_forever();

  run.report_fd = open_report(set);
  if ((run.child = spawn(run, &status)) < 0) return status;
  if (chdir("/")) {}

  while (!run.done) {
    int sig = next_signal(earliest(run.release_at, run.kill_at));
    if (sig) narrate(set, &Narration::received, sig);
    if (sig == SIGCHLD) reap(run);
    else if (sig) on_signal(run, sig);
    on_time(run);
  }
  // dumb-init's farewell: TERM (as rewritten) to what is left of the
  // child's session, so its background jobs do not outlive it.
  // (Without a session, dumb-init signals the dead child alone: remit only
  // says so.)
  if (set.who->term_at_exit) pass_on(run, SIGTERM, set.new_session);
  reap(run);  // orphans that ended with it
  if (set.wait_all) wait_for_the_rest(run);
  return finish(run);
}
