// supervise.hpp: the supervisor's decisions: what a signal, the child's end or a deadline calls for.
//
// init.cpp waits for events and hands each one to a Supervisor, which
// decides and asks its shell for each action as it is due: send a signal,
// arm the deadline, stop with the child.  Nothing here calls the kernel or
// reads a clock, so tests/supervise_test.cpp and fuzz/remit_fuzz.cpp drive
// these decisions with events they make up, and read what was asked.
#pragma once
#include <sys/wait.h>  // WIFSTOPPED: macros only

#include "settings.hpp"

// What happened while the program ran, for the rules and the report.
struct Story {
  pid_t child = 0;         // 0: never started (fork failed)
  remap::SigSet received = 0;  // signals received while the child ran
  uint8_t sigs[16];        // the same, in order of arrival
  uint8_t nsigs = 0;       // at most 16
  uint32_t dropped = 0;    // those that did not fit in sigs, up to 2^32 - 1
  uint8_t stop_sig = 0;    // the first stop signal (TERM, INT, QUIT)
  bool grace_kill = false; // the grace period ran out: SIGKILL sent
  int exec_errno = 0;      // the program could not be started
  int64_t stop_at = 0;     // when stop_sig came (monotonic ms)
  int64_t stop_wall_s = 0; // the same, wall clock: s since the epoch
  uint16_t stop_wall_ms = 0;  // and ms
  int64_t end_at = 0;      // when the program's end was seen (monotonic ms)
};

// Keeps a signal received: for the rules, in order for the report.  The
// count of those past the first 16 stops at 2^32 - 1 rather than wrap: a
// signal storm must not make the report say fewer came.  Returns whether
// it is the first stop signal, whose time the caller then records.
inline bool note(Story &st, int sig, bool stop) {
  st.received |= remap::bit(sig);
  if (st.nsigs < sizeof st.sigs) st.sigs[st.nsigs++] = uint8_t(sig);
  else if (st.dropped != UINT32_MAX) st.dropped++;
  if (!stop || st.stop_sig) return false;
  st.stop_sig = uint8_t(sig);
  return true;
}

// Where the run is.  A stop signal moves it on: held first if
// --stop-delay says so, then passed on, with SIGKILL due after --grace.
enum class Phase : uint8_t {
  kRunning,   // no stop signal has gone on, none is held
  kHolding,   // the first stop is held back until the deadline
  kStopping,  // a stop went on, or the hold is over: stops go straight on
  kGrace,     // a stop went on: SIGKILL to the child at the deadline
  kDone,      // the child has ended and been reaped
};

// One signal passed on: `sig` as received, `to` as rewritten (0: the
// rewrite drops it), sent to `where` (a pid, -pgid, or -1: every process)
// when `send`.
struct Pass {
  uint8_t sig = 0, to = 0;
  bool send = false;
  pid_t where = 0;
};

// Whether sig, sent with si_code `code`, asks for a stop.  A WINCH from
// the kernel is a terminal resize, even where WINCH is a stop signal
// (httpd's): a stop is sent.
inline bool is_stop(const Settings &set, int sig, int code) {
  return (set.stops & remap::bit(sig)) && code != SI_KERNEL;
}

// The status for a program that did not start, as the personality has it.
inline uint8_t not_run_status(const Personality &p, bool forked, int err) {
  return !forked ? p.fork_status : err == ENOENT ? p.missing_status : err == EACCES ? p.denied_status : p.exec_status;
}

// The decisions, for a Shell that does what they call for.  Shell derives
// from Supervisor<Shell> and has one member per action, each called when
// it is due, in the order it is to be done:
//   take_handoff(sig)   the terminal hand-off's HUP or CONT, taken and not counted
//   stamp_stop()        the first stop signal came: its time goes in the story
//   send(pass)          a signal passed on (or, rewritten to 0, only said)
//   stop_self()         stop, as the child was told to (dumb-init's TSTP)
//   arm(ms)             the deadline, ms from now
//   grace_over()        the grace period is over: SIGKILL to target
//   follow_stop()       the child stopped: stop too, then continue it
//   child_ended()       the child has ended: its status is in wstatus
// init.cpp's Run does them with system calls; Recorded (below) writes
// them down for the tests and the fuzzer.
template <class Shell>
struct Supervisor {
  const Settings &set;
  bool pid1 = false;
  Phase phase = Phase::kRunning;
  uint8_t held = 0;   // kHolding: the stop signal held back
  int wstatus = 0;    // kDone: how the child ended (wait status)
  // The kernel's SIGHUP and SIGCONT when remit, a session leader, gives up
  // its terminal (dumb-init's hand-off): the first of each is not the user's.
  bool hup_to_come = false, cont_to_come = false;
  Story story{};      // story.child: the child
  pid_t target = 0;   // where signals for the child go: see started()

  bool done() const { return phase == Phase::kDone; }
  // Whether a deadline is armed: the end of the hold, or of the grace period.
  bool timed() const { return phase == Phase::kHolding || phase == Phase::kGrace; }

  // The child has started: signals for it go to it, or to its whole
  // process group.
  void started(pid_t child) {
    story.child = child;
    target = set.group || set.new_session ? -child : child;
  }


  // Signal sig, sent with si_code `code`.  While the child runs: counted,
  // and passed on; the first stop held back with --stop-delay, a second
  // one releasing both at once (the sender is impatient).  After its end:
  // counted only, there is nobody to pass it to; a SIGCHLD then is an
  // orphan's end, not told (dumb-init reads no signal once its child is gone).
  void signal(int sig, int code) {
    if (done() && sig == SIGCHLD) return;
    bool *first = sig == SIGHUP ? &hup_to_come : sig == SIGCONT ? &cont_to_come : nullptr;
    if (first && *first) {
      *first = false;
      shell().take_handoff(sig);
      return;
    }
    bool stop = is_stop(set, sig, code);
    if (note(story, sig, stop)) shell().stamp_stop();
    if (done() || (set.who->not_forwarded & remap::bit(sig))) return;
    if (stop && set.stop_delay_ms && phase == Phase::kRunning) {
      phase = Phase::kHolding;
      held = uint8_t(sig);
      shell().arm(set.stop_delay_ms);
      return;
    }
    if (stop && phase == Phase::kHolding) release();
    pass(sig, stop);
    if (set.who->stop_with_child && is_terminal_stop(sig)) shell().stop_self();
  }

  // Process pid has ended (or stopped) with wait status `status`.
  void ended(pid_t pid, int status) {
    if (WIFSTOPPED(status)) {
      if (pid == story.child) shell().follow_stop();
    } else if (pid == story.child && !done()) {
      end(status);
    }
  }

  // The program could not be started: no child (!forked), or a child whose
  // exec failed with err.  For the peers that is a child that exited with
  // the personality's status: -v reports it and the rules apply to it.
  void not_started(bool forked, int err) {
    if (!forked) story.child = 0;
    story.exec_errno = err;
    end(not_run_status(*set.who, forked, err) << 8);
  }

  // The deadline has come: the held stop goes on, or the grace period is
  // over and the child, still running, gets SIGKILL.
  void deadline() {
    if (phase == Phase::kHolding) {
      release();
    } else if (phase == Phase::kGrace) {
      phase = Phase::kStopping;
      story.grace_kill = true;
      shell().grace_over();
    }
  }

  // dumb-init's farewell when its child ends: TERM (as rewritten) to what is
  // left of the child's session, so its background jobs do not outlive it.
  // Without a session dumb-init signals the dead child alone: only said.
  Pass farewell() const {
    Pass p;
    p.sig = SIGTERM;
    p.to = set.rewrite.to[SIGTERM];
    p.send = p.to && set.new_session;
    p.where = target;
    return p;
  }

 private:
  Shell &shell() { return static_cast<Shell &>(*this); }

  void end(int status) {
    phase = Phase::kDone;
    wstatus = status;
    shell().child_ended();
  }

  void release() {
    phase = Phase::kStopping;
    pass(held, true);
  }

  // sig, as rewritten, to the child (or its group); a stop with
  // --signal-all to every process there is as PID 1, and to the child's
  // group as a wrapper (-1 would be the whole machine).  A stop that goes
  // on starts the grace period, unless it is running already.
  void pass(int sig, bool stop) {
    Pass p;
    p.sig = uint8_t(sig);
    p.to = set.rewrite.to[sig];
    p.send = p.to != 0;
    p.where = !(stop && set.signal_all) ? target : pid1 ? -1 : -story.child;
    shell().send(p);
    if (!stop || !p.to || phase == Phase::kGrace) return;
    phase = set.grace_ms ? Phase::kGrace : Phase::kStopping;
    if (set.grace_ms) shell().arm(set.grace_ms);
  }
};

// What one event called for, as Recorded writes it down.
struct Actions {
  uint8_t handoff = 0;      // take_handoff's signal (0: none)
  bool first_stop = false;  // stamp_stop
  Pass pass[2];             // send, the held stop first (sig 0: none)
  bool stop_self = false;
  bool kill = false;        // grace_over
  uint32_t arm_ms = 0;      // the last arm (0: none)
  bool follow_stop = false;
  bool ended = false;       // child_ended
};

// A Supervisor whose shell writes down what each event calls for, and
// returns it: the tests and the fuzzer drive the decisions with it, and
// read the answer without a process.
struct Recorded : Supervisor<Recorded> {
  Actions got{};

  Actions signal(int sig, int code) { return answer(&Supervisor::signal, sig, code); }
  Actions ended(pid_t pid, int status) { return answer(&Supervisor::ended, pid, status); }
  Actions not_started(bool forked, int err) { return answer(&Supervisor::not_started, forked, err); }
  Actions deadline() { return answer(&Supervisor::deadline); }

  void take_handoff(int sig) { got.handoff = uint8_t(sig); }
  void stamp_stop() { got.first_stop = true; }
  void send(const Pass &p) { got.pass[got.pass[0].sig ? 1 : 0] = p; }
  void stop_self() { got.stop_self = true; }
  void arm(uint32_t ms) { got.arm_ms = ms; }
  void grace_over() { got.kill = true; }
  void follow_stop() { got.follow_stop = true; }
  void child_ended() { got.ended = true; }

 private:
  template <class... A, class... B>
  Actions answer(void (Supervisor::*event)(A...), B... args) {
    got = Actions{};
    (this->*event)(args...);
    return got;
  }
};
