// terminal.hpp: the controlling terminal: whose foreground it is, and dumb-init's hand-off.
#pragma once
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "settings.hpp"
#include "sys.hpp"

// The SIGHUP and SIGCONT the kernel sends when remit, a session leader,
// gives up its terminal.  Not the user's: neither forwarded nor counted.
struct Handoff {
  bool hup = false, cont = false;

  // Whether sig is the first of those: then it is said, as dumb-init does.
  bool take(const Settings &set, int sig) {
    bool *first = sig == SIGHUP ? &hup : sig == SIGCONT ? &cont : nullptr;
    if (!first || !*first) return false;
    *first = false;
    narrate(set, &Narration::handoff, sig);
    return true;
  }
};

// The terminal's foreground process group, -1 when stdin is no terminal.
inline pid_t foreground() {
  pid_t pgrp;
  return term_ioctl(0, TIOCGPGRP, &pgrp) ? -1 : pgrp;
}
inline void set_foreground(pid_t pgrp) { term_ioctl(0, TIOCSPGRP, &pgrp); }

// When remit ends as a wrapper, the terminal goes back to the group that
// had it when remit started (remit's own): a script that reads from it next
// would otherwise be stopped as a background job.  Only from the child's
// group, or from a group that no longer exists (the program gave the
// foreground to a job of its own that has ended), so as not to take it
// from whoever has it now: what a shell does when a job ends.
inline void give_back_terminal(bool had_terminal, pid_t child) {
  pid_t fg = foreground();
  bool gone = fg > 0 && kill(-fg, 0) < 0 && errno == ESRCH;
  if (had_terminal && child && (fg == child || gone)) set_foreground(getpgrp());
}

// dumb-init's hand-off, before the child starts: give up the terminal, so
// that the child's new session can take it (job control works on a pty,
// `docker run -it`).  A session leader that does so gets SIGHUP and SIGCONT
// from the kernel; the first of each is then not passed on (Handoff::take).
inline void give_up_terminal(const Settings &set, Handoff *handoff) {
  if (term_ioctl(0, TIOCNOTTY) < 0) {
    int e = errno;
    char buf[24];
    narrate(set, &Narration::detach_failed, e, 0, describe_error(e, buf));
  } else if (getsid(0) == getpid()) {
    narrate(set, &Narration::detached);
    handoff->hup = handoff->cont = true;
  } else {
    narrate(set, &Narration::not_leader);
  }
}

// In the child: its own session and the terminal (dumb-init), or its own
// process group and the foreground if remit had it, so that Ctrl-C reaches
// the program and not remit.  SIGTTOU is still blocked, so TIOCSPGRP works.
inline void take_terminal(const Settings &set, bool had_terminal) {
  if (set.new_session) {
    setsid();
    if (term_ioctl(0, TIOCSCTTY) < 0) {
      char buf[24];
      narrate(set, &Narration::attach_failed, errno, 0, describe_error(errno, buf));
    }
    narrate(set, &Narration::setsid_done);
  } else if (set.who->own_group || set.group || set.wait_all || set.signal_all) {
    // dumb-init -c leaves the child in remit's group, unless REMIT_GROUP
    // or, as a wrapper, --signal-all signals one, or --wait-all must find
    // what the program leaves.
    setpgid(0, 0);
    if (had_terminal) set_foreground(getpid());
  }
}
