// terminal.hpp: the controlling terminal: whose foreground it is, and its hand-off to the program.
#pragma once
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "settings.hpp"
#include "sys.hpp"

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
// from the kernel, which are not the user's: returns whether they will come
// (the Supervisor then takes the first of each).
inline bool give_up_terminal(const Settings &set) {
  if (term_ioctl(0, TIOCNOTTY) < 0) {
    int e = errno;
    char buf[24];
    narrate(set, &Narration::detach_failed, e, 0, describe_error(e, buf));
    return false;
  }
  bool leader = getsid(0) == getpid();
  narrate(set, leader ? &Narration::detached : &Narration::not_leader);
  return leader;
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
