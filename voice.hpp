// voice.hpp: what remit says of the run as it goes (start, signals, ends), in the personality's words.
//
// init.cpp says these around what it does (a rewrite before the kill, the
// forward after it); the fuzzer says them too, so that it reads the lines
// remit writes.
#pragma once
#include "supervise.hpp"

// The program started, or could not: the personality's line, with its
// name and the pid or the error.  Out of line, so that its buffers are
// not in spawn's frame: the vforked child runs on remit's stack, and every
// page it touches stays in remit's RSS.
[[gnu::noinline]] inline void say_spawn(const Personality &who, Level level, const char *text,
                                        const char *program, const char *detail, long pid) {
  Num n(pid);
  Out o = message(who, level);
  expand(o, who, text, level, program, detail ? detail : n.str()).flush();
}

// A signal about to be passed on: its rewrite, as dumb-init says it;
// -vvv (DEBUG) says it in remit's words.
inline void say_rewrite(const Settings &set, const Pass &p) {
  if (p.to != p.sig) narrate(set, &Narration::translated, p.sig, p.to);
  if (p.to == 0) {
    narrate(set, &Narration::dropped, 0);
    return;
  }
  if (shown(set, kDebug)) {
    char name[12];
    (message(*set.who, kDebug) << "passing signal " << remap::signal_name(p.to, name) << '\n').flush();
  }
}

// A signal passed on, once sent.
inline void say_sent(const Settings &set, const Pass &p) {
  if (p.to) narrate(set, &Narration::forwarded, p.to);
}

// A process reaped, with wait status st: the peer's line for each one
// until its own child has ended (`running`), and -w's warning for one that
// was not the child.
inline void say_reaped(const Settings &set, bool running, bool child, pid_t pid, int st) {
  if (running)
    narrate(set, WIFSIGNALED(st) ? &Narration::killed : &Narration::exited, pid,
            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  if (!child && set.warn_reap && shown(set, kWarn))
    (message(*set.who, kWarn) << "Reaped zombie process with pid=" << int(pid) << '\n').flush();
}

// Outside PID 1 and not a subreaper, as the personality warns of it: tini's
// three lines, in its words.
inline void say_no_reaping(const Settings &set) {
  if (!set.who->warn_no_reaping || !shown(set, kWarn)) return;
  (message(*set.who, kWarn)
   << "Tini is not running as PID 1 and isn't registered as a child subreaper.\n"
      "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n"
      "To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER "
      "to register Tini as a child subreaper, or run Tini as PID 1.\n")
      .flush();
}

// The grace period is over: SIGKILL goes to the child.
inline void say_grace_over(const Settings &set) {
  if (shown(set, kInfo)) (message(*set.who, kInfo) << "grace period over, sending SIGKILL\n").flush();
}
