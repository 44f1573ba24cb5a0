// Issue 6: drop-in compatibility.  A differential test: every case runs
// twice, once with the real init (Debian's tini, dumb-init, catatonit) and
// once with ./remit installed under the same name, and the exit status,
// stdout and stderr must be the same, PIDs masked.  Both run from a scratch
// directory as "./NAME" (a symlink), so argv[0] is the same string.
//
// Deliberate differences, each masked by the case that meets it and nothing
// else (the rest of the output must still match):
//  - version strings (--version, -V, the first line of tini's and
//    dumb-init's help) carry remit's version after the peer's: a user must
//    be able to tell which init is running.          -> kStripVersion
//    The peer's version number itself is the installed one's: remit's must
//    be the same or newer (remit follows the newer where Debian 12 and 13
//    differ: catatonit 0.1.7 and 0.2.1), and the rest of the text the same.
//  - behaviour that changed in the peer version remit follows is compared
//    only where that version (or a newer one) is installed; an older peer
//    gets a note instead.                             -> kNewer
//  - tini -l and catatonit -L print remit's license (MIT), not the peer's
//    text: remit is not their code.  Status and stderr still compared.
//                                                     -> kLicense
//  - tini's debug chatter is not cloned: its -vv DEBUG and -vvv TRACE
//    lines ("Received SIGCHLD", "Reaped child with pid: ...", "Passing
//    signal") are dropped from both sides; the INFO lines users see with
//    -v ("Spawned child process ...", "Main child exited ...") are compared
//    as they are.  dumb-init's -v lines are all cloned and compared, with
//    one normalisation: dumb-init's child says "setsid complete." (and
//    "Unable to attach ...") while its parent goes on, so the two race;
//    those child lines are moved to just after "Child spawned with PID N."
//    on both sides (remit's vforked child always says them first).
//  - dumb-init -r S:S prints "Translating signal S to S." for a rewrite to
//    itself; remit's rewrite table cannot tell that from no rewrite.
//  - every name changes remit's directory to / once the child runs (the
//    child keeps its own), as dumb-init and catatonit 0.2.1 do: tini (and
//    catatonit 0.1.7) stay where they were started.  An init should pin no
//    directory.
//  - error texts are glibc's for the errors remit can meet (exec, vfork,
//    prctl, the terminal ioctls: ENOENT, EACCES, ENOTDIR, ELOOP, ENOTTY,
//    ...), as the peers print them; any other error is shown as "error N"
//    where glibc has a text for it (remit carries no full table).
//  - remit accepts more than the peers where the peers would refuse to
//    start: tini -p takes KILL or 9 as well as SIGKILL, dumb-init -r takes
//    signal names and real-time signals (32..64), and a list.  A command
//    line that works with the peer works the same with remit (dumb-init's
//    -r is read as its sscanf reads it first: a list is its first item),
//    so these are extensions, not compared here (bad values both refuse
//    are: tini_bad_values, dumb_init_bad_rewrites).
//  - an ambiguous long option (dumb-init --ver) is "unrecognized" for
//    remit, where glibc lists the possibilities; both exit 1.
//  - with REMIT_* rules, remit says which rule applied in a line of its
//    own, at DEBUG level (-vv for tini, -v plus DUMB_INIT_DEBUG=1 for
//    dumb-init), or at INFO when REMIT_VERBOSE asks for remit's report:
//    the peers have no such thing.
//  - the error for a malformed DUMB_INIT_* / TINI_* value is remit's:
//    dumb-init ignores anything but "0"/"1" exactly as remit does now, and
//    TINI_VERBOSITY is read with atoi into an unsigned level as tini does
//    (negative: everything), so there is none left.
//  - REMIT_MAP and -m rules apply under every name to the status remit
//    makes up when the program cannot be started (fork or exec failed):
//    the peers have no rules; tini's -e applies to a failed exec (its child
//    exits 127) and not to a failed fork (tini returns 1 itself), as in tini.
#include <poll.h>
#include <string.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <map>
#include <regex>

#include "harness.hpp"

using t::Spec;

namespace {

enum Mask : unsigned {
  kStripVersion = 1,  // remit's " - remit X" / " (remit X)" after the peer's version
  kLicense = 2,       // stdout is a license text: compared for being there only
  kNewer = 4,         // as the peer version remit follows: skipped for an older peer
};

// The real program behind each name, in /usr/bin or COMPAT_PEERS=DIR (to
// compare with another version of a peer, e.g. one taken from Debian 13).
std::string real_binary(const std::string &name) {
  const char *dir = getenv("COMPAT_PEERS");
  std::string at = std::string(dir && *dir ? dir : "/usr/bin") + "/";
  if (name == "tini" || name == "docker-init") return at + "tini";
  if (name == "podman-init") return at + "catatonit";
  return at + name;
}

struct Case {
  std::string name;               // tini, dumb-init, catatonit, ...
  std::vector<std::string> args;  // after argv[0]
  std::vector<std::string> env = {};
  bool pid1 = false;
  unsigned masks = 0;
  std::string drop = "";  // lines matching this regex are dropped (both sides)
  // Optional script for the run (send signals, look at /proc); what it
  // returns is compared too.
  std::string (*drive)(t::Proc &) = nullptr;
  std::vector<std::string> wrap = {};  // runs the init: e.g. a subreaper parent
};

// PIDs differ from run to run; everything else must not.
std::string mask_pids(const std::string &s) {
  static const std::regex pid(
      R"((\(|\(catatonit:|pid '|pid=|pid: '|PID |errno=|orphan=|bg=)[0-9]+)");
  return std::regex_replace(s, pid, "$1N");
}

std::string drop_lines(const std::string &s, const std::string &re) {
  if (re.empty()) return s;
  std::regex r(re);
  std::string out, line;
  std::istringstream in(s);
  while (std::getline(in, line))
    if (!std::regex_search(line, r)) out += line + "\n";
  return out;
}

// dumb-init's child lines, put right after the parent's "Child spawned":
// the child writes them while the parent goes on, so the real dumb-init
// shows them before or after it ("setsid complete.", "Unable to attach
// ...", and "PROGRAM: ERROR" when the exec fails).
std::string child_lines_after_spawn(const std::string &s) {
  static const std::regex child(R"(^\[dumb-init\] (setsid complete|Unable to attach|[^ :]+: ))");
  std::string rest, moved, line;
  std::istringstream in(s);
  while (std::getline(in, line)) (std::regex_search(line, child) ? moved : rest) += line + "\n";
  size_t at = rest.find("[dumb-init] Child spawned with PID");
  if (at == std::string::npos) return moved + rest;
  at = rest.find('\n', at) + 1;
  return rest.substr(0, at) + moved + rest.substr(at);
}

std::string strip_version(const std::string &s) {
  static const std::regex v(R"( - remit [0-9][0-9.]*| \(remit [0-9][0-9.]*\))");
  return std::regex_replace(s, v, "");
}

// One run of a case, by the real init or by remit, as comparable text.
std::string run_one(const Case &c, bool remit) {
  std::string dir = t::scratch();
  chmod(dir.c_str(), 0755);  // a case may run the init as another user
  // A case run as another user (setpriv) gets a copy of remit it can reach.
  bool other_user = !c.wrap.empty() && c.wrap[0] == "setpriv";
  std::string target = !remit ? real_binary(c.name) : other_user ? t::reachable_remit("remit") : t::remit();
  cr_assert(symlink(target.c_str(), (dir + "/" + c.name).c_str()) == 0, "symlink in %s", dir.c_str());
  Spec spec{c.wrap, c.env, c.pid1, "", dir};
  spec.argv.push_back("./" + c.name);
  for (const std::string &a : c.args) spec.argv.push_back(a);
  // POSIXLY_CORRECT would change getopt for tini and catatonit; only cases
  // that ask for it get it.
  bool posix = false;
  for (const std::string &e : c.env) posix |= e.compare(0, 15, "POSIXLY_CORRECT") == 0;
  if (!posix) spec.env.push_back("POSIXLY_CORRECT");
  t::Proc p = t::start(spec);
  std::string seen = c.drive ? c.drive(p) : "";
  t::Result r = p.wait(30);
  std::string out = r.out, err = child_lines_after_spawn(r.err);
  if (remit && (c.masks & kStripVersion)) out = strip_version(out), err = strip_version(err);
  if (c.masks & kLicense) out = out.empty() ? "<no license>\n" : "<license>\n";
  std::string text = "status " + std::to_string(r.status()) + "\n--- stdout\n" +
                     drop_lines(mask_pids(out), c.drop) + "--- stderr\n" +
                     drop_lines(mask_pids(err), c.drop);
  if (!seen.empty()) text += "--- seen\n" + seen;
  return text;
}

std::string describe(const Case &c) {
  std::string s;
  for (const std::string &e : c.env) s += e + " ";
  for (const std::string &w : c.wrap) s += w + " ";
  s += c.name;
  for (const std::string &a : c.args) s += " '" + a + "'";
  if (c.pid1) s += " (as PID 1)";
  return s;
}

const std::regex kVersionNumber(R"([0-9]+\.[0-9]+\.[0-9]+)");

// Version numbers (x.y.z) in text, in order.
std::vector<std::vector<long>> versions_in(const std::string &s) {
  std::vector<std::vector<long>> out;
  for (std::sregex_iterator i(s.begin(), s.end(), kVersionNumber), end; i != end; ++i) {
    long a = 0, b = 0, c = 0;
    sscanf(i->str().c_str(), "%ld.%ld.%ld", &a, &b, &c);
    out.push_back({a, b, c});
  }
  return out;
}

std::string dotted(const std::vector<long> &v) {
  std::string s;
  for (long n : v) s += (s.empty() ? "" : ".") + std::to_string(n);
  return s;
}

// The installed peer's version and the one remit claims under its name
// (--version, every peer has it), once per name.
std::pair<std::vector<long>, std::vector<long>> peer_versions(const std::string &name) {
  static std::map<std::string, std::pair<std::vector<long>, std::vector<long>>> seen;
  if (!seen.count(name)) {
    auto version = [](const std::string &bin) {
      t::Result r = t::start(Spec{{bin, "--version"}, {"POSIXLY_CORRECT"}}).wait(30);
      std::vector<std::vector<long>> v = versions_in(r.out + r.err);
      cr_assert(!v.empty(), "%s --version names no version: %s%s", bin.c_str(), r.out.c_str(), r.err.c_str());
      return v[0];
    };
    seen[name] = {version(real_binary(name)), version(t::as_name(name))};
  }
  return seen[name];
}

// kStripVersion: the peer's version numbers must be remit's or older; then
// both become "V" so that the rest of the text is compared.
void follow_versions(const Case &c, std::string &real, std::string &ours) {
  std::vector<std::vector<long>> theirs = versions_in(real), mine = versions_in(ours);
  for (size_t i = 0; i < theirs.size() && i < mine.size(); i++)
    cr_expect(mine[i] >= theirs[i], "%s: remit says version %s, older than the installed %s's %s",
              describe(c).c_str(), dotted(mine[i]).c_str(), c.name.c_str(), dotted(theirs[i]).c_str());
  real = std::regex_replace(real, kVersionNumber, "V"), ours = std::regex_replace(ours, kVersionNumber, "V");
}

// A case that follows a newer peer than the installed one is not compared:
// a note says so, and a test none of whose cases could be compared is a
// skip, with the reason, so that the counts show it.
void compare(const std::vector<Case> &cases) {
  std::string skipped;
  int compared = 0;
  for (const Case &c : cases) {
    if (c.masks & kNewer) {
      auto [installed, followed] = peer_versions(c.name);
      if (installed < followed) {
        skipped = "the installed " + c.name + " " + dotted(installed) + " is older than the " + dotted(followed) +
                  " remit follows";
        // A note, not cr_log_warn: Criterion exits 1 after any warning.
        fprintf(stderr, "[NOTE] %s: not compared: %s\n", describe(c).c_str(), skipped.c_str());
        continue;
      }
    }
    compared++;
    std::string real = run_one(c, false), ours = run_one(c, true);
    if (c.masks & kStripVersion) follow_versions(c, real, ours);
    cr_expect(real == ours, "%s\n===== real %s:\n%s===== remit as %s:\n%s", describe(c).c_str(),
              c.name.c_str(), real.c_str(), c.name.c_str(), ours.c_str());
  }
  if (!compared && !skipped.empty()) cr_skip_test("no case compared: %s", skipped.c_str());
}

// ------------------------------------------------------------- scripts

// A child that says where it stands: its process group and session, as
// "self" (it leads them), "init" (the init's) or "other".
const char kWhere[] =
    "read -r p c s pp pg sid r < /proc/$$/stat; "
    "read -r ip ic is ipp ipg isid ir < /proc/$pp/stat; "
    "rel() { if [ $1 = $p ]; then echo self; elif [ $1 = $2 ]; then echo init; else echo other; fi; }; "
    "echo pgid=$(rel $pg $ipg) sid=$(rel $sid $isid)";

// A child with a grandchild in its process group; which of them a TERM to
// the init reaches shows in "done 143" (the grandchild got it too) or
// "done 137" (only the child did; the script then kills the grandchild).
// (Its stderr is closed: whether the shell says "Terminated" there depends
// on which of the two wakes it first.)
const char kFamily[] =
    "exec 2>/dev/null; sleep 1000 & trap 'echo child got TERM' TERM; echo ready; wait $!; wait $!; echo done $?";

// The grandchild asleep with no signal pending, not exiting, running sleep
// (not the shell it was forked as): alive and never sent a signal.
bool untouched(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  std::string status = t::slurp(proc + "/status"), stat = t::slurp(proc + "/stat");
  auto field = [&](const char *name) {
    size_t at = status.find(std::string("\n") + name + ":\t");
    return at == std::string::npos ? std::string() : status.substr(at + strlen(name) + 3, 16);
  };
  // /proc/PID/stat: flags are the 9th field, the 7th after the ")" of comm
  size_t close = stat.rfind(')');
  unsigned long flags = ~0UL;
  if (close != std::string::npos)
    sscanf(stat.c_str() + close + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags);
  const unsigned long kExiting = 0x4, kSignaled = 0x400;  // PF_EXITING, PF_SIGNALED
  std::string exe = t::exe(pid);
  return field("State").compare(0, 1, "S") == 0 && field("SigPnd") == "0000000000000000" &&
         field("ShdPnd") == "0000000000000000" && !(flags & (kExiting | kSignaled)) &&
         exe.size() > 6 && exe.compare(exe.size() - 6, 6, "/sleep") == 0;
}

// Gone, or a zombie: it has died (of what, the child's "done" line says).
bool ended(pid_t pid) {
  std::string state = t::status_field(pid, "State");
  return state.empty() || state[0] == 'Z' || state[0] == 'X';
}

// The kill(2) the init makes to the child's process group queues the TERM
// on every member before it returns, so once the child's trap has run, the
// grandchild has the TERM too if the init sent it to the group.  But the
// kernel ends a process at once with a fatal signal (complete_signal's
// group-exit shortcut, which also fixes the exit code) only if the process
// can take the signal then (wants_signal): not when it is stopped, or
// waiting for a CPU with a signal already flagged.  Otherwise the TERM
// waits in its queue until the grandchild next runs, and a SIGKILL sent
// meanwhile takes the shortcut itself: the grandchild dies of KILL, "done
// 137", although the init did send it the TERM (a stopped sleep sent TERM
// then KILL: 137; running or asleep: 143).  So the script's KILL goes only
// to a grandchild seen untouched (asleep, nothing pending, not exiting):
// one the TERM never reached.  One that has it is left to die of it.
std::string term_the_family(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20), child = p.child_pid(20);
  pid_t grandchild = -1;
  for (double end = t::now() + 10; t::now() < end && grandchild < 0; t::sleep_s(0.01)) {
    std::vector<pid_t> c = t::children(child);
    if (!c.empty()) grandchild = c[0];
  }
  if (grandchild < 0) return "the child started no grandchild\n";
  kill(init, SIGTERM);
  if (!p.wait_for("child got TERM")) return "TERM never reached the child\n";
  bool dead = false, spared = false;
  if (!t::eventually([&] { return (dead = ended(grandchild)) || (spared = untouched(grandchild)); }))
    return "the grandchild neither ended nor sat asleep with nothing pending within 10 s\n";
  if (spared && !dead) kill(grandchild, SIGKILL);  // never kill(-1): that is everyone
  return "";
}

// The init is back waiting for signals (tini and dumb-init in
// rt_sigtimedwait, remit and catatonit reading a signalfd) with none
// pending: it has done all it had to do with the signals it was sent.
bool idle_now(pid_t init) {
  return t::waiting_for_signals(init) && t::status_field(init, "ShdPnd") == "0000000000000000" &&
         t::status_field(init, "SigPnd") == "0000000000000000";
}
bool init_idle(pid_t init, double limit = 10) {
  return t::eventually([&] { return idle_now(init); }, limit);
}

// The child reports signals; USR1 ends it.  Used to see which signals the
// init passes on, and as what: a dropped signal leaves no line.  It notes
// each one as its trap runs and prints them all at the end, in a fixed
// order (as often as each came): traps for signals that arrive together
// run in signal-number order, so printing as they ran would make the output
// depend on timing.  The USR1 trap only ends the loop, so the traps of the
// signals that came with it still run.
// (Its stderr is closed: the shell would say "Hangup" there when a signal
// sent to the whole group happens to find the sleep running.)
const char kReporter[] =
    "exec 2>/dev/null; sigs='HUP INT QUIT TERM USR2 TTIN TTOU WINCH'; "
    "for s in $sigs; do trap \"g_$s=\\\"\\$g_$s x\\\"\" $s; done; trap end=1 USR1; echo ready; "
    "while [ -z \"$end\" ]; do sleep 1 & wait $!; done; kill $!; "
    "for s in $sigs; do eval \"for x in \\$g_$s; do echo got $s; done\"; done; echo got USR1; exit 0";

// Every init passes signals on one at a time in the order it takes them,
// so once it has taken one (t::taken), whatever it makes of it reaches the
// child before anything sent after.
template <int... Sigs>
std::string send(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20);
  std::string seen;
  for (int sig : {Sigs...})
    // One at a time, each taken and acted on (the init back in its wait,
    // nothing pending) before the next: signals pending together are taken
    // lowest number first, which would change what the child sees (USR1
    // ends it) and the order of dumb-init -v's lines.
    if (kill(init, sig) != 0 || !t::taken(init, sig) || !init_idle(init))
      seen += "the init did not take signal " + std::to_string(sig) + "\n";
  kill(init, SIGUSR1);
  return seen;
}

std::string term(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  p.signal(SIGTERM);
  return "";
}

// An orphan's parent: the init (a subreaper, or PID 1) or someone else.
const char kOrphan[] = "sh -c 'sleep 1000 & echo orphan=$!'; echo ready; exec sleep 1000";

std::string adopted(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20), child = p.child_pid(20), orphan = -1;
  // The orphan is the sleep whose parent is neither the child nor in the
  // child's subtree any more: find it among the init's children, or by its
  // pid as printed when the init is not PID 1 of a new namespace.
  std::string out = p.out();
  size_t at = out.find("orphan=");
  if (!p.pid1 && at != std::string::npos) orphan = atoi(out.c_str() + at + 7);
  for (pid_t c : t::children(init))
    if (c != child) orphan = c;
  std::string ppid = orphan > 0 ? t::status_field(orphan, "PPid") : "";
  std::string seen = ppid == std::to_string(init) ? "orphan adopted by the init\n" : "orphan went elsewhere\n";
  if (orphan > 0) kill(orphan, SIGKILL);
  kill(init, SIGTERM);
  return seen;
}

// dumb-init: SIGTSTP stops the child (as SIGSTOP), then the init itself.
char state_of(pid_t pid) {
  std::string stat = t::slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

// After a TSTP to the init: waits until the child has stopped and the
// init has stopped too or, as PID 1 (whose SIGSTOP to itself the kernel
// drops), waits for signals again with none pending; then says which.
std::string after_tstp(pid_t init, pid_t child) {
  t::eventually([&] { return state_of(child) == 'T' && (state_of(init) == 'T' || idle_now(init)); });
  if (state_of(child) == 'T' && state_of(init) == 'T') return "child and init stopped\n";
  return std::string("child ") + state_of(child) + ", init " + state_of(init) + "\n";
}

std::string tstp(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20), child = p.child_pid(20);
  kill(init, SIGTSTP);
  std::string seen = after_tstp(init, child);
  kill(init, SIGCONT);
  kill(child, SIGCONT);
  // USR1 once both run again (USR1 sent to a stopped init would wait).
  bool resumed = false;
  for (double end = t::now() + 10; t::now() < end && !resumed; t::sleep_s(0.01))
    resumed = state_of(child) != 'T' && state_of(init) != 'T';
  if (!resumed) seen += "not resumed by SIGCONT\n";
  kill(init, SIGUSR1);
  return seen;
}

// As tstp, for -v, where the order of the init's lines counts: only the
// init is sent SIGCONT (it passes it on), and each step waits for the last
// to be over, so that no two signals are pending at the init together.
std::string tstp_then_cont(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20), child = p.child_pid(20);
  kill(init, SIGTSTP);
  std::string seen = after_tstp(init, child);
  kill(init, SIGCONT);
  bool resumed = false;
  for (double end = t::now() + 10; t::now() < end && !resumed; t::sleep_s(0.01)) resumed = state_of(child) != 'T';
  if (!resumed || !init_idle(init)) seen += "not resumed\n";
  kill(init, SIGUSR1);
  return seen;
}

// What becomes of a background job when the child exits: dumb-init (in
// its setsid mode) sends TERM to the child's session on the way out.
const char kLeaveBehind[] = "sleep 1000 & echo bg=$!";

std::string left_behind(t::Proc &p) {
  if (!p.wait_for("bg=")) return "no background job\n";
  std::string out = p.out();
  pid_t bg = atoi(out.c_str() + out.find("bg=") + 3);
  p.wait(30);
  // Whatever the init sent on its way out was sent before it ended: the
  // job is gone, a zombie, or has the fatal signal pending.  (It is ours
  // to reap, as the test is a subreaper: its pid cannot be reused.)
  char st = state_of(bg);
  bool gone = st == '?' || st == 'Z' || st == 'X' || (t::pending(bg) & (1ULL << (SIGTERM - 1) | 1ULL << (SIGKILL - 1)));
  if (bg > 0) kill(bg, SIGKILL);
  return gone ? "background job ended\n" : "background job still running\n";
}

// catatonit -P: HUP does nothing, INT ends it.
std::string pause_then_int(t::Proc &p) {
  pid_t init = p.init_pid(20);
  // Wait until it has blocked (or ignores) HUP, or the HUP would kill it.
  // (In sigtimedwait, /proc shows the awaited signals as unblocked.)
  bool ready = false;
  for (double end = t::now() + 10; t::now() < end && !ready; t::sleep_s(0.01))
    ready = (t::execd(init) && ((t::blocked(init) | strtoull(t::status_field(init, "SigIgn").c_str(), nullptr, 16)) & 1)) ||
            t::waiting_for_signals(init);
  kill(init, SIGHUP);
  // Once taken, HUP has done whatever it does.
  bool took = t::taken(init, SIGHUP);
  std::string state = t::status_field(init, "State");
  std::string seen = !ready || !took ? "HUP never blocked or never taken\n"
                     : !state.empty() && state[0] != 'Z' ? "alive after HUP\n" : "dead after HUP\n";
  kill(init, SIGINT);
  return seen;
}

std::string cwd_of(pid_t pid) {
  char buf[PATH_MAX] = "";
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), buf, sizeof buf - 1);
  return std::string(buf, n > 0 ? size_t(n) : 0);
}

// Where the init and its child stand: an init should pin no directory.
// The runs start in a scratch directory, never /.
std::string directories(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20), child = p.child_pid(20);
  // The child can say "ready" before its parent has gone on from fork: wait
  // until the init is back waiting for signals, after all it does at start.
  if (!init_idle(init)) return kill(init, SIGTERM), "the init never went back to waiting for signals\n";
  std::string seen = std::string("init in ") + (cwd_of(init) == "/" ? "/" : "its start directory") + ", child in " +
                     (cwd_of(child) == "/" ? "/" : "its start directory") + "\n";
  kill(init, SIGTERM);
  return seen;
}

// Where catatonit -P stands once it waits for signals; INT ends it.
std::string pause_directory(t::Proc &p) {
  pid_t init = p.init_pid(20);
  std::string seen = !init_idle(init) ? "never waited for signals\n"
                     : cwd_of(init) == "/" ? "init in /\n" : "init in its start directory\n";
  kill(init, SIGINT);
  return seen;
}

// argv on a new pseudo-terminal as its session leader and controlling
// terminal (as `docker run -it` starts an init), run from `dir`.  Returns
// everything the terminal showed (\r dropped) and the exit status.  The
// run ends when the terminal closes; bounded, and killed past the limit.
std::string on_a_pty(const std::vector<std::string> &argv, const std::vector<std::string> &env,
                     const std::string &dir, int *status, double limit = 20) {
  int master;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  cr_assert(pid >= 0, "forkpty failed");
  if (pid == 0) {
    for (const std::string &e : env) putenv(const_cast<char *>(e.c_str()));
    for (int fd = 3; fd < 1024; fd++) close(fd);
    uint64_t none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
    if (chdir(dir.c_str()) != 0) _exit(120);
    std::vector<char *> args;
    for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(121);
  }
  std::string seen;
  char buf[4096];
  for (double end = t::now() + limit; t::now() < end;) {
    pollfd pf = {master, POLLIN, 0};
    if (poll(&pf, 1, 100) <= 0) continue;
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: every holder of the terminal is gone
    seen.append(buf, size_t(n));
  }
  int st = 0;
  pid_t done = 0;  // the terminal closes a moment before its last holder is reapable
  for (double end = t::now() + limit; t::now() < end && (done = waitpid(pid, &st, WNOHANG)) == 0;) t::sleep_s(0.005);
  if (done != pid) {  // still there after the limit
    kill(-pid, SIGKILL), kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    close(master);
    cr_assert_fail("on a pty, %s did not end within %.0fs; it showed:\n%s", argv[0].c_str(), limit, seen.c_str());
  }
  close(master);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  std::string out;
  for (char c : seen)
    if (c != '\r') out += c;
  return out;
}

// `bash -m` under dumb-init on a terminal: job control on, the pty its
// controlling terminal (tty_nr, pts major 136), and no hand-off signal
// passed on.  WINCH (28), sent to the init once bash is ready, is
// forwarded after anything the init took before it (HUP 1, CONT 18), and
// bash runs its traps in signal order, so a HUP or CONT passed on shows as
// "got HUP"/"got CONT" before "got WINCH".
const char kJobShell[] =
    "trap 'echo got HUP' HUP; trap 'echo got CONT' CONT; trap 'echo got WINCH; w=1' WINCH; "
    "case $- in *m*) echo job control on;; *) echo job control off;; esac; "
    "read -r p c s pp pg sid tty rest < /proc/$$/stat; n=$(tty); n=${n#/dev/pts/}; "
    "if [ \"$tty\" = $((136 * 256 + n)) ]; then echo controlling terminal: the pty; "
    "else echo controlling terminal: $tty; fi; "
    "w=0; kill -WINCH $PPID; while [ $w = 0 ]; do sleep 0.01; done; echo alive";

// The pty's text, init's lines ([dumb-init] ...) apart from the child's
// (the two write to the same terminal at once), child lines normalised.
std::string pty_run(const std::string &target, const std::string &name, const std::vector<std::string> &args,
                    const std::vector<std::string> &env) {
  std::string dir = t::scratch();
  cr_assert(symlink(target.c_str(), (dir + "/" + name).c_str()) == 0, "symlink in %s", dir.c_str());
  std::vector<std::string> argv = {dir + "/" + name};
  argv.insert(argv.end(), args.begin(), args.end());
  int status;
  std::string all = on_a_pty(argv, env, dir, &status), init, child, line;
  std::istringstream in(all);
  while (std::getline(in, line)) (line.compare(0, 12, "[dumb-init] ") == 0 ? init : child) += line + "\n";
  return "status " + std::to_string(status) + "\n--- child\n" + child + "--- init\n" +
         mask_pids(child_lines_after_spawn(init));
}

}  // namespace

// ------------------------------------------------------------------ tini

Test(compat, tini_help_usage_and_version) {
  std::vector<Case> cases;
  for (const char *name : {"tini", "tini-static", "docker-init"}) {
    cases.push_back({name, {"-h"}, {}, false, kStripVersion});
    cases.push_back({name, {"--version"}, {}, false, kStripVersion});
    cases.push_back({name, {}, {}, false, kStripVersion});           // no program: usage, 1
    cases.push_back({name, {"-l"}, {}, false, kLicense});
  }
  compare(cases);
}

Test(compat, tini_option_errors) {
  compare({
      {"tini", {"-x", "true"}, {}, false, kStripVersion},
      {"tini", {"--bogus", "true"}, {}, false, kStripVersion},
      {"tini", {"-e"}, {}, false, kStripVersion},
      {"tini", {"-p"}, {}, false, kStripVersion},
      {"tini", {"-e", "300", "true"}},
      {"tini", {"-e", "abc", "true"}},
      {"tini", {"-e", "-1", "true"}},
      {"tini", {"-p", "FOO", "true"}},
      {"tini", {"-p", "SIGFOO", "true"}},
      // getopt(3): no long options; --version only as the one argument
      {"tini", {"-v", "--version"}, {}, false, kStripVersion},
      {"tini", {"--version", "-v"}, {}, false, kStripVersion},
      {"tini", {"--", "--version"}},
  });
}

// tini-static and docker-init are tini under other names.
Test(compat, tini_aliases_run_as_tini) {
  std::vector<Case> cases;
  for (const char *name : {"tini-static", "docker-init"}) {
    cases.push_back({name, {"-v", "--", "sh", "-c", "exit 3"}});
    cases.push_back({name, {"-e", "3", "--", "sh", "-c", "exit 3"}, {}, true});
    cases.push_back({name, {"-v", "--", "sh", "-c", "kill -TERM $$"}, {}, true});
    cases.push_back({name, {"--", "no-such-program"}, {}, true});
    cases.push_back({name, {"-e", "3", "sh", "-c", "exit 3"}, {}, false, kStripVersion});
    cases.push_back({name, {"--", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGHUP, SIGTTOU, SIGTERM>});
  }
  compare(cases);
}

// Without POSIXLY_CORRECT tini's getopt permutes: the child's -c is taken
// as tini's own and refused; with it (even empty), options stop at "sh".
Test(compat, tini_posixly_correct_and_permuted_options) {
  compare({
      {"tini", {"-e", "3", "sh", "-c", "exit 3"}, {}, false, kStripVersion},
      {"tini", {"-e", "3", "sh", "-c", "exit 3"}, {"POSIXLY_CORRECT="}},
      {"tini", {"-e", "3", "sh", "-c", "exit 3"}, {"POSIXLY_CORRECT=1"}},
      {"tini", {"-e", "3", "--", "sh", "-c", "exit 3"}},
      {"tini", {"true", "-s"}},  // -s after the program, permuted: subreaper, no warning
      {"tini", {"true", "-s"}, {"POSIXLY_CORRECT="}},
  });
}

// tini keeps a set of 256 codes: 255 -e options (and all 256) work, with
// and without POSIXLY_CORRECT, in any order, repeated.
Test(compat, tini_e_for_every_code) {
  std::vector<std::string> all, from0, backwards;
  for (int c = 1; c <= 255; c++) all.insert(all.end(), {"-e", std::to_string(c)});
  from0 = all;
  from0.insert(from0.end(), {"-e0", "-e", "7"});
  for (int c = 255; c >= 1; c--) backwards.insert(backwards.end(), {"-e", std::to_string(c)});
  std::vector<Case> cases;
  for (std::string code : {"0", "1", "64", "65", "200", "255"}) {
    std::vector<std::string> a = all;
    a.insert(a.end(), {"--", "sh", "-c", "exit " + code});
    cases.push_back({"tini", a});
    cases.push_back({"tini", a, {"POSIXLY_CORRECT=1"}, true});
    std::vector<std::string> b = backwards;
    b.insert(b.end(), {"sh", "-c", "exit " + code});  // no --: needs POSIXLY_CORRECT
    cases.push_back({"tini", b, {"POSIXLY_CORRECT="}});
  }
  from0.insert(from0.end(), {"--", "sh", "-c", "kill -TERM $$"});  // 143 -> 0
  cases.push_back({"tini", from0, {}, true});
  std::vector<std::string> v = all;
  v.insert(v.begin(), "-v");
  v.insert(v.end(), {"--", "sh", "-c", "exit 66"});
  cases.push_back({"tini", v});
  compare(cases);
}

// PR_SET_CHILD_SUBREAPER survives exec: started by a process that made
// itself a subreaper, tini is one already and does not warn.
Test(compat, tini_no_warning_when_already_a_subreaper) {
  std::vector<std::string> wrap = {t::child_bin(), "subreaper"};
  compare({
      {"tini", {"--", "sh", "-c", "exit 3"}, {}, false, 0, "", nullptr, wrap},
      {"tini", {"-v", "--", "sh", "-c", "exit 3"}, {}, false, 0, "", nullptr, wrap},
      {"tini", {"--", "sh", "-c", kOrphan}, {}, false, 0, "", adopted, wrap},
      {"docker-init", {"--", "true"}, {}, false, 0, "", nullptr, wrap},
      {"tini", {"--", "true"}},  // without the parent: the warning
  });
}

Test(compat, tini_exit_statuses) {
  std::vector<Case> cases;
  for (bool pid1 : {false, true}) {
    for (const char *code : {"0", "1", "3", "127", "255"})
      cases.push_back({"tini", {"--", "sh", "-c", std::string("exit ") + code}, {}, pid1});
    cases.push_back({"tini", {"-e", "3", "-e", "4", "--", "sh", "-c", "exit 4"}, {}, pid1});
    cases.push_back({"tini", {"-e", "4", "--", "sh", "-c", "exit 3"}, {}, pid1});
    // 128+N for a signal death, even outside PID 1; -e applies after.
    cases.push_back({"tini", {"--", "sh", "-c", "kill -USR1 $$"}, {}, pid1});
    cases.push_back({"tini", {"-s", "--", "sh", "-c", "kill -TERM $$"}, {}, pid1});
    cases.push_back({"tini", {"-e", "143", "--", "sh", "-c", "kill -TERM $$"}, {}, pid1});
    // exec failures: 127 not found, 126 not executable, 1 anything else
    cases.push_back({"tini", {"--", "no-such-program"}, {}, pid1});
    cases.push_back({"tini", {"--", "/etc/passwd"}, {}, pid1});
    cases.push_back({"tini", {"--", "/etc"}, {}, pid1});
    cases.push_back({"tini", {"--", "/etc/passwd/x"}, {}, pid1});  // ENOTDIR
    cases.push_back({"tini", {"-e", "127", "--", "no-such-program"}, {}, pid1});
  }
  compare(cases);
}

// An exec failure is told in glibc's words, as the peers tell it: here a
// symbolic link loop (ELOOP), where musl's own text differs.
Test(compat, exec_failures_in_glibc_words) {
  std::string dir = t::scratch(), loop = dir + "/loop";
  cr_assert(symlink(loop.c_str(), loop.c_str()) == 0, "symlink %s", loop.c_str());
  compare({
      {"tini", {"--", loop}},
      {"tini", {"--", loop + "/x"}, {}, true},
      {"dumb-init", {loop}},
      {"catatonit", {"--", loop}},
      {"podman-init", {"--", loop}},
  });
}

Test(compat, tini_verbosity_and_info_lines) {
  // -vv and -vvv add DEBUG/TRACE chatter that remit does not clone.
  const std::string debug = R"(^\[(DEBUG|TRACE) )";
  compare({
      {"tini", {"-v", "--", "sh", "-c", "exit 3"}},
      {"tini", {"-v", "-e", "3", "--", "sh", "-c", "exit 3"}},
      {"tini", {"-v", "-s", "--", "sh", "-c", "kill $$"}},
      {"tini", {"-v", "--", "sh", "-c", "kill -HUP $$"}, {}, true},
      {"tini", {"-v", "--", "sh", "-c", "kill -RTMIN+1 $$"}, {}, true},
      {"tini", {"-vv", "--", "sh", "-c", "exit 5"}, {}, false, 0, debug},
      {"tini", {"-vvv", "--", "sh", "-c", "exit 5"}, {}, true, 0, debug},
      {"tini", {"-v", "-v", "--", "no-such-program"}, {}, false, 0, debug},
      {"tini", {"--", "sh", "-c", "exit 2"}, {"TINI_VERBOSITY=2"}},
      {"tini", {"-v", "--", "sh", "-c", "exit 2"}, {"TINI_VERBOSITY=0"}},  // overrides -v; no warning
      {"tini", {"--", "sh", "-c", "exit 2"}, {"TINI_VERBOSITY=1"}},
      {"tini", {"--", "no-such-program"}, {"TINI_VERBOSITY=0"}},
  });
}

// Neither PID 1 nor subreaper: the three-line warning.  -s,
// TINI_SUBREAPER (even empty) or PID 1: none, and orphans come to the init.
Test(compat, tini_subreaper_warning_and_adoption) {
  compare({
      {"tini", {"--", "true"}},
      {"tini", {"-s", "--", "true"}},
      {"tini", {"--", "true"}, {"TINI_SUBREAPER="}},
      {"tini", {"--", "true"}, {"TINI_SUBREAPER=0"}},  // set: on, whatever it says
      {"tini", {"--", "true"}, {}, true},
      {"tini", {"-s", "--", "sh", "-c", kOrphan}, {}, false, 0, "", adopted},
      {"tini", {"--", "sh", "-c", kOrphan}, {"TINI_SUBREAPER="}, false, 0, "", adopted},
      {"tini", {"--", "sh", "-c", kOrphan}, {}, true, 0, "", adopted},
  });
}

// -w: "Reaped zombie process with pid=N" for each zombie that is not the
// child.  The child waits until the orphan has been reaped.
Test(compat, tini_w_warns_for_each_reaped_zombie) {
  const std::string script =
      "o=$(sh -c 'sleep 1 >/dev/null & echo $!'); while [ -e /proc/$o ]; do sleep 0.02; done; exit 4";
  compare({
      {"tini", {"-w", "-s", "--", "sh", "-c", script}},
      {"tini", {"-w", "--", "sh", "-c", script}, {}, true},
      {"tini", {"-w", "-v", "--", "sh", "-c", script}, {}, true},
      {"tini", {"--", "sh", "-c", script}, {}, true},  // no -w: silent
  });
}

// The child gets its own process group (not a session); -g and
// TINI_KILL_PROCESS_GROUP (even empty) send signals to that whole group.
Test(compat, tini_process_group_and_signal_targets) {
  compare({
      {"tini", {"-s", "--", "sh", "-c", kWhere}},
      {"tini", {"--", "sh", "-c", kWhere}, {}, true},
      {"tini", {"--", "sh", "-c", kFamily}, {}, true, 0, "", term_the_family},
      {"tini", {"-g", "--", "sh", "-c", kFamily}, {}, true, 0, "", term_the_family},
      {"tini", {"--", "sh", "-c", kFamily}, {"TINI_KILL_PROCESS_GROUP="}, true, 0, "", term_the_family},
      {"tini", {"-s", "-g", "--", "sh", "-c", kFamily}, {}, false, 0, "", term_the_family},
  });
}

// Forwarded as they are, except SIGTTIN and SIGTTOU, which tini ignores;
// the child gets them back at their defaults (SigIgn empty).
Test(compat, tini_signals_forwarded_and_ttin_ttou_kept) {
  compare({
      {"tini", {"--", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGHUP, SIGINT, SIGTERM, SIGUSR2, SIGWINCH>},
      {"tini", {"--", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGTTIN, SIGTTOU, SIGQUIT>},
      {"tini", {"-s", "--", "sh", "-c", kReporter}, {}, false, 0, "", send<SIGTTIN, SIGHUP>},
      {"tini", {"--", "grep", "-E", "Sig(Ign|Blk)", "/proc/self/status"}, {}, true},
      {"tini", {"-s", "--", "grep", "-E", "Sig(Ign|Blk)", "/proc/self/status"}},
  });
}

Test(compat, tini_parent_death_signal) {
  compare({
      {"tini", {"-p", "SIGKILL", "--", "sh", "-c", "grep -c . /proc/$$/status >/dev/null; exit 6"}},
      {"tini", {"-p", "SIGTERM", "-s", "--", "true"}},
  });
}

// ------------------------------------------------------------- dumb-init

Test(compat, dumb_init_help_usage_and_version) {
  compare({
      {"dumb-init", {"-h"}, {}, false, kStripVersion},
      {"dumb-init", {"--help"}, {}, false, kStripVersion},
      {"dumb-init", {"-V"}, {}, false, kStripVersion},
      {"dumb-init", {"--version"}, {}, false, kStripVersion},
      {"dumb-init", {}},
      {"dumb-init", {"-x", "true"}},
      {"dumb-init", {"--bogus", "true"}},
      {"dumb-init", {"--single", "sh", "-c", "exit 3"}},  // getopt_long: a unique prefix will do
      {"dumb-init", {"--verbose=1", "true"}},
      {"dumb-init", {"--rew"}},
      {"dumb-init", {"-r"}},
      {"dumb-init", {"-v"}},
  });
}

Test(compat, dumb_init_bad_rewrites) {
  compare({
      {"dumb-init", {"-r", "15", "true"}},
      {"dumb-init", {"-r", "0:1", "true"}},
      {"dumb-init", {"-r", "15:abc", "true"}},
      {"dumb-init", {"-r", "15:-1", "true"}},
      {"dumb-init", {"-r=15:3", "true"}},
      {"dumb-init", {"--rewrite", "", "true"}},
  });
}

Test(compat, dumb_init_exit_statuses) {
  std::vector<Case> cases;
  for (bool pid1 : {false, true}) {
    for (const char *code : {"0", "1", "7", "255"})
      cases.push_back({"dumb-init", {"sh", "-c", std::string("exit ") + code}, {}, pid1});
    cases.push_back({"dumb-init", {"sh", "-c", "kill -USR1 $$"}, {}, pid1});  // 138, no re-raise
    cases.push_back({"dumb-init", {"-c", "sh", "-c", "kill -TERM $$"}, {}, pid1});
    cases.push_back({"dumb-init", {"no-such-program"}, {}, pid1});  // exec failure: 2
    cases.push_back({"dumb-init", {"/etc/passwd"}, {}, pid1});
    cases.push_back({"dumb-init", {"/etc/passwd/x"}, {}, pid1});
  }
  // options stop at the first non-option, no -- needed
  cases.push_back({"dumb-init", {"sh", "-c", "exit 7", "-v"}});
  cases.push_back({"dumb-init", {"--", "sh", "-c", "exit 7"}});
  compare(cases);
}

// dumb-init's -v (or DUMB_INIT_DEBUG=1) lines, every one, at the moments
// dumb-init prints them, compared line by line (PIDs masked).
Test(compat, dumb_init_verbose_lines) {
  compare({
      {"dumb-init", {"-v", "sh", "-c", "exit 7"}},
      {"dumb-init", {"--verbose", "sh", "-c", "kill $$"}, {}, true},
      {"dumb-init", {"sh", "-c", "exit 7"}, {"DUMB_INIT_DEBUG=1"}},
      {"dumb-init", {"sh", "-c", "exit 7"}, {"DUMB_INIT_DEBUG=0"}},
      {"dumb-init", {"sh", "-c", "exit 7"}, {"DUMB_INIT_DEBUG="}},
      {"dumb-init", {"sh", "-c", "exit 7"}, {"DUMB_INIT_DEBUG=yes"}},
      {"dumb-init", {"-v", "-c", "sh", "-c", "exit 7"}, {}, true},
      {"dumb-init", {"-v", "sh", "-c", "exit 7"}, {"DUMB_INIT_SETSID=0"}},
      {"dumb-init", {"sh", "-c", "exit 7"}, {"DUMB_INIT_SETSID=0", "DUMB_INIT_DEBUG=1"}, true},
      {"dumb-init", {"-v", "sh", "-c", "kill -KILL $$"}},
      {"dumb-init", {"-v", "no-such-program"}},
      // a child that gets TERM, as it is, rewritten, dropped
      {"dumb-init", {"-v", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGTERM, SIGHUP>},
      {"dumb-init", {"-v", "-r", "15:2", "sh", "-c", kReporter}, {}, false, 0, "", send<SIGTERM>},
      {"dumb-init", {"-v", "-r", "15:0", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGTERM>},
      {"dumb-init", {"-v", "-c", "-r", "1:12", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGHUP>},
      {"dumb-init", {"-v", "sh", "-c", kFamily}, {}, true, 0, "", term_the_family},
  });
}

// SIGTSTP under -v: translated to SIGSTOP, forwarded, then "Suspending
// self due to TTY signal."
Test(compat, dumb_init_verbose_tstp) {
  const char spin[] = "trap 'echo got USR1; exit 0' USR1; echo ready; while :; do :; done";
  compare({
      {"dumb-init", {"-v", "sh", "-c", spin}, {}, false, 0, "", tstp_then_cont},
      {"dumb-init", {"-v", "sh", "-c", spin}, {}, true, 0, "", tstp_then_cont},
  });
}

// dumb-init changes its directory to / once the child runs; the child
// keeps the one it was started in.
Test(compat, dumb_init_leaves_its_directory) {
  const char wait[] = "echo ready; exec sleep 1000";
  compare({
      {"dumb-init", {"sh", "-c", wait}, {}, false, 0, "", directories},
      {"dumb-init", {"-c", "sh", "-c", wait}, {}, true, 0, "", directories},
  });
}

// On a terminal (docker run -it), dumb-init hands its controlling terminal
// to the child's session: `bash -m` has job control, the pty as its
// controlling terminal, and sees neither of the SIGHUP and SIGCONT that
// the hand-off makes the kernel send to dumb-init.
Test(compat, dumb_init_hands_the_terminal_to_the_child) {
  for (const std::vector<std::string> &env : {std::vector<std::string>{}, {"DUMB_INIT_DEBUG=1"}}) {
    std::vector<std::string> args = {"bash", "-m", "-c", kJobShell};
    std::string real = pty_run("/usr/bin/dumb-init", "dumb-init", args, env);
    std::string ours = pty_run(t::remit(), "dumb-init", args, env);
    cr_expect(real.find("job control on\ncontrolling terminal: the pty\ngot WINCH\nalive\n") != std::string::npos,
              "the real dumb-init did not hand over its terminal as expected:\n%s", real.c_str());
    cr_expect(real == ours, "dumb-init bash -m on a pty%s\n===== real dumb-init:\n%s===== remit as dumb-init:\n%s",
              env.empty() ? "" : " (DUMB_INIT_DEBUG=1)", real.c_str(), ours.c_str());
  }
  // The hand-off signals are not the user's: no @any rule sees them.
  std::string ours = pty_run(t::remit(), "dumb-init", {"sh", "-c", "exit 3"}, {"REMIT_MAP=3@any=9"});
  cr_expect(ours.compare(0, 9, "status 3\n") == 0, "REMIT_MAP=3@any=9 on a pty: expected 3, got:\n%s", ours.c_str());
}
// A session of its own by default (pid = pgid = sid), signals to the whole
// group; -c or DUMB_INIT_SETSID=0 keep it in the init's session and signal
// the child alone.  Only "0" counts, as in dumb-init.
Test(compat, dumb_init_sessions_and_signal_targets) {
  std::vector<Case> cases;
  for (bool pid1 : {false, true}) {
    cases.push_back({"dumb-init", {"sh", "-c", kWhere}, {}, pid1});
    cases.push_back({"dumb-init", {"-c", "sh", "-c", kWhere}, {}, pid1});
    cases.push_back({"dumb-init", {"--single-child", "sh", "-c", kWhere}, {}, pid1});
    cases.push_back({"dumb-init", {"sh", "-c", kWhere}, {"DUMB_INIT_SETSID=0"}, pid1});
    cases.push_back({"dumb-init", {"sh", "-c", kWhere}, {"DUMB_INIT_SETSID=1"}, pid1});
    cases.push_back({"dumb-init", {"sh", "-c", kWhere}, {"DUMB_INIT_SETSID=false"}, pid1});
    cases.push_back({"dumb-init", {"-c", "sh", "-c", kWhere}, {"DUMB_INIT_SETSID=1"}, pid1});
  }
  cases.push_back({"dumb-init", {"sh", "-c", kFamily}, {}, true, 0, "", term_the_family});
  cases.push_back({"dumb-init", {"-c", "sh", "-c", kFamily}, {}, true, 0, "", term_the_family});
  cases.push_back({"dumb-init", {"sh", "-c", kFamily}, {"DUMB_INIT_SETSID=0"}, false, 0, "", term_the_family});
  // on the way out: TERM to the child's session (as rewritten), not with -c
  cases.push_back({"dumb-init", {"sh", "-c", kLeaveBehind}, {}, false, 0, "", left_behind});
  cases.push_back({"dumb-init", {"-c", "sh", "-c", kLeaveBehind}, {}, false, 0, "", left_behind});
  cases.push_back({"dumb-init", {"-r", "15:0", "sh", "-c", kLeaveBehind}, {}, false, 0, "", left_behind});
  cases.push_back({"tini", {"-s", "-g", "--", "sh", "-c", kLeaveBehind}, {}, false, 0, "", left_behind});
  cases.push_back({"catatonit", {"-g", "--", "sh", "-c", kLeaveBehind}, {}, false, 0, "", left_behind});
  compare(cases);
}

Test(compat, dumb_init_signal_rewriting) {
  compare({
      {"dumb-init", {"sh", "-c", kReporter}, {}, true, 0, "", send<SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGWINCH>},
      {"dumb-init", {"-r", "15:2", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGTERM>},
      {"dumb-init", {"--rewrite", "15:0", "-r", "1:12", "sh", "-c", kReporter}, {}, false, 0, "", send<SIGTERM, SIGHUP>},
      {"dumb-init", {"--rewrite=2:15", "-c", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGINT>},
      {"dumb-init", {"-r", "15:10", "sh", "-c", kReporter}, {}, true, 0, "", term},
  });
}

// SIGTSTP: the child is stopped (SIGSTOP), then dumb-init stops itself.
// The child spins rather than sleeps: a shell stopped while it waits for a
// vfork'ed sleep to exec would show 'D', not 'T'.  It spins only until the
// stop, and again for the moment between SIGCONT and SIGUSR1.
Test(compat, dumb_init_tstp_stops_child_then_itself) {
  const char spin[] = "trap 'echo got USR1; exit 0' USR1; echo ready; while :; do :; done";
  compare({
      {"dumb-init", {"sh", "-c", spin}, {}, false, 0, "", tstp},
      {"dumb-init", {"sh", "-c", spin}, {}, true, 0, "", tstp},
  });
}

// ------------------------------------------------------------- catatonit

Test(compat, catatonit_help_usage_version_license) {
  compare({
      {"catatonit", {"-h"}},
      {"catatonit", {"-V"}, {}, false, kStripVersion},
      {"catatonit", {"--version"}, {}, false, kStripVersion},
      {"catatonit", {"-L"}, {}, false, kLicense},
      {"catatonit", {}},
      {"catatonit", {"-x", "true"}},
      {"catatonit", {"--bogus", "true"}},
      {"catatonit", {"--vers"}, {}, false, kStripVersion},
      {"catatonit", {"--version=3"}},
      {"catatonit", {"sh", "-c", "exit 7"}},  // permuted: -c is refused
      {"catatonit", {"sh", "-c", "exit 7"}, {"POSIXLY_CORRECT=1"}},
  });
}

Test(compat, catatonit_exit_statuses_and_groups) {
  std::vector<Case> cases;
  for (bool pid1 : {false, true}) {
    cases.push_back({"catatonit", {"--", "sh", "-c", "exit 7"}, {}, pid1});
    cases.push_back({"catatonit", {"--", "sh", "-c", "kill -USR1 $$"}, {}, pid1});
    cases.push_back({"catatonit", {"--", "no-such-program"}, {}, pid1});
    cases.push_back({"catatonit", {"--", "/etc/passwd"}, {}, pid1});
    cases.push_back({"catatonit", {"--", "sh", "-c", kWhere}, {}, pid1});
    cases.push_back({"catatonit", {"-g", "--", "sh", "-c", kWhere}, {}, pid1});
  }
  cases.push_back({"catatonit", {"--", "sh", "-c", kOrphan}, {}, false, 0, "", adopted});
  cases.push_back({"catatonit", {"--", "sh", "-c", kFamily}, {}, true, 0, "", term_the_family});
  cases.push_back({"catatonit", {"-g", "--", "sh", "-c", kFamily}, {}, true, 0, "", term_the_family});
  cases.push_back({"catatonit", {"--", "sh", "-c", kReporter}, {}, true, 0, "", send<SIGHUP, SIGTERM, SIGWINCH>});
  compare(cases);
}

Test(compat, catatonit_pause_mode) {
  compare({
      {"catatonit", {"-P"}, {}, false, 0, "", pause_then_int},
      {"catatonit", {"-P"}, {}, true, 0, "", pause_then_int},
  });
}

// catatonit 0.2.1 (Debian 13) changes its directory to / once the child
// runs, or in pause mode once it waits (podman's pause container pinned a
// directory); 0.1.7 (Debian 12) stays where it was started.
Test(compat, catatonit_leaves_its_directory) {
  const char wait[] = "echo ready; exec sleep 1000";
  compare({
      {"catatonit", {"--", "sh", "-c", wait}, {}, false, kNewer, "", directories},
      {"catatonit", {"-g", "--", "sh", "-c", wait}, {}, true, kNewer, "", directories},
      {"catatonit", {"-P"}, {}, true, kNewer, "", pause_directory},
  });
}

// `podman run --init` mounts its init at /run/podman-init and runs
// `/run/podman-init -- CMD`: under that name remit is catatonit.
Test(compat, podman_init_is_catatonit) {
  compare({
      {"podman-init", {}},
      {"podman-init", {"-V"}, {}, false, kStripVersion},
      {"podman-init", {"-x", "true"}},
      {"podman-init", {"--", "sh", "-c", "exit 7"}, {}, true},
      {"podman-init", {"--", "sh", "-c", kWhere}, {}, true},
      {"podman-init", {"--", "sh", "-c", kOrphan}, {}, false, 0, "", adopted},
      {"podman-init", {"-P"}, {}, true, 0, "", pause_then_int},
  });
}

// ------------------------------------------------------ REMIT_* everywhere

// Not differential: the peers know nothing of REMIT_*.  Under every name
// the variables apply on top of the personality.
Test(compat, remit_variables_apply_under_every_name) {
  for (const char *name : {"tini", "tini-static", "docker-init", "dumb-init", "catatonit"}) {
    std::string bin = t::as_name(name);
    std::vector<std::string> pre = {bin};
    if (std::string(name) != "dumb-init") pre.push_back("--");

    // REMIT_MAP: exit 1 after a TERM becomes 0.
    Spec s{pre, {"REMIT_MAP=1@TERM=0"}, true};
    s.argv.insert(s.argv.end(), {"sh", "-c", "trap 'exit 1' TERM; echo ready; while :; do sleep 0.05; done"});
    t::Proc p = t::start(s);
    cr_assert(p.wait_for("ready"), "%s: child never ready", name);
    p.signal(SIGTERM);
    t::Result r = p.wait();
    cr_expect(r.status() == 0, "%s with REMIT_MAP=1@TERM=0: expected 0 after TERM, got %d (%s)", name, r.status(),
              r.err.c_str());

    // REMIT_REWRITE: TERM reaches the child as USR2.
    Spec w{pre, {"REMIT_REWRITE=TERM:USR2"}, true};
    w.argv.insert(w.argv.end(), {"sh", "-c", "trap 'exit 12' USR2; trap 'exit 15' TERM; echo ready; while :; do sleep 0.05; done"});
    t::Proc q = t::start(w);
    cr_assert(q.wait_for("ready"), "%s: child never ready", name);
    q.signal(SIGTERM);
    r = q.wait();
    cr_expect(r.status() == 12, "%s with REMIT_REWRITE=TERM:USR2: expected 12 (USR2), got %d (%s)", name,
              r.status(), r.err.c_str());

    // REMIT_GRACE: a child that ignores TERM is killed after 1 s, well
    // before the 20 s it would otherwise sleep.
    Spec g{pre, {"REMIT_GRACE=1s"}, true};
    g.argv.insert(g.argv.end(), {"sh", "-c", "trap '' TERM; echo ready; sleep 20"});
    t::Proc k = t::start(g);
    cr_assert(k.wait_for("ready"), "%s: child never ready", name);
    double sent = t::now();
    k.signal(SIGTERM);
    r = k.wait();
    cr_expect(r.status() == 137 && t::now() - sent < 10,
              "%s with REMIT_GRACE=1s: expected 137 well under 10 s, got %d after %.1fs", name, r.status(),
              t::now() - sent);

    // A bad REMIT_MAP stops it before the child starts: 2, one line.
    Spec b{pre, {"REMIT_MAP=1@TREM=0"}};
    b.argv.insert(b.argv.end(), {"sh", "-c", "echo started"});
    r = t::run(b);
    cr_expect(r.status() == 2 && r.out.empty() && r.err.find("TREM") != std::string::npos,
              "%s with a bad REMIT_MAP: expected 2, no child, TREM named; got %d, out '%s', err '%s'", name,
              r.status(), r.out.c_str(), r.err.c_str());
  }
}

// With -vv, a rule that applied is reported after the peer's own line
// (with -v only the peer's line, as tini -v -e says nothing of -e).
Test(compat, rule_report_follows_the_peers_info_line) {
  std::string bin = t::as_name("tini");
  t::Result r = t::run(Spec{{bin, "-vv", "--", "sh", "-c", "exit 1"}, {"REMIT_MAP=1=0"}, true});
  cr_expect(r.status() == 0, "expected 0, got %d", r.status());
  cr_expect(r.out.find("[INFO  tini (1)] Main child exited normally (with status '1')") != std::string::npos &&
                r.out.find("[DEBUG tini (1)] child 2 exited with 1; received no signal; rule 1 '1=0'; exit 0") !=
                    std::string::npos,
            "expected tini's INFO line and remit's DEBUG rule line, got:\n%s", r.out.c_str());
  bin = t::as_name("dumb-init");
  r = t::run(Spec{{bin, "-v", "sh", "-c", "exit 1"}, {"REMIT_MAP=1=0", "DUMB_INIT_DEBUG=1"}, true});
  cr_expect(r.status() == 0 && r.err.find("[dumb-init] child 2 exited with 1; received no signal; rule 1 '1=0'; exit 0") !=
                                   std::string::npos,
            "dumb-init -v with DUMB_INIT_DEBUG=1: expected 0 and the rule line, got %d:\n%s", r.status(), r.err.c_str());
}

// REMIT_VERBOSE under a peer's name asks for remit's own report: its rule
// line shows at level 1 already, beside the peer's lines, whether or not a
// rule applied; a level (2, 3) is accepted; off words are off; garbage
// stops remit with 2 and one line.
Test(compat, remit_verbose_under_a_peers_name) {
  std::string tini = t::as_name("tini");
  t::Result r = t::run(Spec{{tini, "--", "sh", "-c", "exit 1"}, {"REMIT_MAP=1=0", "REMIT_VERBOSE=1"}, true});
  cr_expect(r.status() == 0 && r.out.find("[INFO  tini (1)] Main child exited normally (with status '1')") != std::string::npos &&
                r.out.find("[INFO  tini (1)] child 2 exited with 1; received no signal; rule 1 '1=0'; exit 0") !=
                    std::string::npos,
            "tini, REMIT_VERBOSE=1: expected 0, tini's line and remit's rule line, got %d:\n%s%s", r.status(),
            r.out.c_str(), r.err.c_str());
  r = t::run(Spec{{tini, "-e", "3", "-e", "4", "--", "sh", "-c", "exit 5"}, {"REMIT_VERBOSE=1"}, true});
  cr_expect(r.status() == 5 && r.out.find("child 2 exited with 5; received no signal; no rule; exit 5") != std::string::npos,
            "tini, REMIT_VERBOSE=1, no rule applies: expected 5 and remit's line, got %d:\n%s", r.status(), r.out.c_str());
  for (const char *level : {"2", "3", "on"}) {
    r = t::run(Spec{{tini, "--", "sh", "-c", "exit 1"}, {"REMIT_MAP=1=0", std::string("REMIT_VERBOSE=") + level}, true});
    cr_expect(r.status() == 0 && r.out.find("rule 1 '1=0'; exit 0") != std::string::npos,
              "tini, REMIT_VERBOSE=%s: expected 0 and the rule line, got %d:\n%s%s", level, r.status(), r.out.c_str(),
              r.err.c_str());
  }
  std::string dumb = t::as_name("dumb-init");
  r = t::run(Spec{{dumb, "sh", "-c", "exit 1"}, {"REMIT_MAP=1=0", "REMIT_VERBOSE=1"}, true});
  cr_expect(r.status() == 0 && r.err.find("[dumb-init] child 2 exited with 1; received no signal; rule 1 '1=0'; exit 0") !=
                                   std::string::npos,
            "dumb-init, REMIT_VERBOSE=1: expected 0 and the rule line, got %d:\n%s", r.status(), r.err.c_str());
  for (const char *off : {"0", "off", "no", "false", ""}) {
    r = t::run(Spec{{tini, "-s", "--", "sh", "-c", "exit 1"}, {"REMIT_MAP=1=0", std::string("REMIT_VERBOSE=") + off}});
    cr_expect(r.status() == 0 && r.out.empty() && r.err.empty(), "tini, REMIT_VERBOSE='%s': expected 0 and silence, got %d:\n%s%s",
              off, r.status(), r.out.c_str(), r.err.c_str());
  }
  for (const char *bad : {"loud", "-1", "10", "1x"}) {
    r = t::run(Spec{{tini, "--", "sh", "-c", "echo started"}, {std::string("REMIT_VERBOSE=") + bad}});
    int lines = t::newlines(r.err);
    cr_expect(r.status() == 2 && r.out.empty() && lines == 1 && r.err.find("REMIT_VERBOSE") != std::string::npos,
              "tini, REMIT_VERBOSE='%s': expected 2, no child, one line naming it; got %d, out '%s', err '%s'", bad,
              r.status(), r.out.c_str(), r.err.c_str());
  }
}

// Under every name, remit leaves its directory for / once the child runs;
// the child keeps its own.
Test(compat, every_name_leaves_its_directory) {
  for (const char *name : {"remit", "tini", "catatonit", "dumb-init"}) {
    std::vector<std::string> argv = {t::as_name(name), "--", "sh", "-c", "echo ready; exec sleep 1000"};
    if (std::string(name) == "tini") argv.insert(argv.begin() + 1, "-s");
    if (std::string(name) == "dumb-init") argv.erase(argv.begin() + 1);
    t::Proc p = t::start(Spec{argv, {}, false, "", t::scratch()});
    std::string seen = directories(p);
    p.wait();
    cr_expect(seen == "init in /, child in its start directory\n", "%s: %s", name, seen.c_str());
  }
}

// REMIT_GROUP asks for signals to the child's process group; under
// dumb-init -c, whose child would otherwise share the init's group, the
// child gets a group of its own so that there is one to signal.
Test(compat, remit_group_applies_under_dumb_init_single_child) {
  std::string bin = t::as_name("dumb-init");
  for (bool pid1 : {false, true}) {
    t::Proc p = t::start(Spec{{bin, "-c", "sh", "-c", kFamily}, {"REMIT_GROUP=1"}, pid1});
    std::string seen = term_the_family(p);
    t::Result r = p.wait();
    cr_expect(seen.empty() && r.out.find("done 143") != std::string::npos,
              "REMIT_GROUP=1 dumb-init -c%s: expected the grandchild to get TERM (done 143), got %s%s",
              pid1 ? " as PID 1" : "", seen.c_str(), r.out.c_str());
  }
}

// ------------------------------------------------- issue 20: fidelity edges

// tini reads -e with strtol(3) and checks only that it read to the end and
// got 0..255: an empty code is 0, leading blanks and a sign are fine.  A
// `tini -e "$CODE"` template with CODE unset must not stop the container.
Test(compat, tini_e_is_read_as_strtol_reads_it) {
  std::vector<Case> cases;
  for (const char *code : {"", " 1", "+1", "-0", "\t2", "0001", " ", "+", "-", "1 ", "0x1", "1.0",
                           "99999999999999999999", "-99999999999999999999"})
    cases.push_back({"tini", {"-s", "-e", code, "--", "sh", "-c", "exit 1"}});
  compare(cases);
}

// An empty program name: not found (execvp's ENOENT), under every name.
Test(compat, empty_program_name_is_not_found) {
  std::vector<Case> cases;
  for (bool pid1 : {false, true}) {
    cases.push_back({"tini", {"-s", "--", ""}, {}, pid1});
    cases.push_back({"dumb-init", {""}, {}, pid1});
    cases.push_back({"catatonit", {"--", ""}, {}, pid1});
  }
  compare(cases);
}

// TINI_VERBOSITY goes through atoi(3) into an unsigned level: a negative
// one is huge, and everything shows (remit's DEBUG and tini's DEBUG/TRACE
// chatter are not compared, as in tini_verbosity_and_info_lines).
Test(compat, tini_negative_verbosity_shows_everything) {
  const std::string debug = R"(^\[(DEBUG|TRACE) )";
  std::vector<Case> cases;
  for (const char *v : {"-5", "-1", " 2", "+2", "2x", "4294967297"}) {
    cases.push_back({"tini", {"-s", "--", "sh", "-c", "exit 3"}, {std::string("TINI_VERBOSITY=") + v}, false, 0, debug});
    cases.push_back({"tini", {"--", "no-such-program"}, {std::string("TINI_VERBOSITY=") + v}, true, 0, debug});
  }
  compare(cases);
}

// tini leaves the fault signals (SEGV, BUS, FPE, ILL, ABRT, TRAP, SYS)
// unblocked at their default: as a wrapper, one sent from outside kills
// it.  (As PID 1 the kernel ignores it.)  The drive waits for the init to
// end, bounded; the program, orphaned, is killed afterwards.
std::string external_fault(t::Proc &p, int sig) {
  if (!p.wait_for("ready")) return "never ready\n";
  pid_t init = p.init_pid(20), child = p.child_pid(20);
  kill(init, sig);
  bool ended = false;
  for (double end = t::now() + 10; t::now() < end && !ended; t::sleep_s(0.01)) ended = state_of(init) == 'Z';
  kill(child, SIGKILL);
  return ended ? "" : "the init lived on after the signal\n";
}
std::string external_segv(t::Proc &p) { return external_fault(p, SIGSEGV); }
std::string external_abrt(t::Proc &p) { return external_fault(p, SIGABRT); }

Test(compat, tini_wrapper_dies_by_an_external_sigsegv) {
  std::vector<std::string> no_core = {"prlimit", "--core=0"};
  // A sanitizer build of remit (make test-remit-san) would take the SEGV
  // sent here for a crash of its own and report it: not this test's.
  t::scratch();
  const char *asan = getenv("ASAN_OPTIONS");
  setenv("ASAN_OPTIONS", (std::string(asan ? asan : "") + ":handle_segv=0").c_str(), 1);
  compare({
      {"tini", {"-s", "--", "sh", "-c", "echo ready; exec sleep 1000"}, {}, false, 0, "", external_segv, no_core},
      {"tini", {"-s", "--", "sh", "-c", "echo ready; exec sleep 1000"}, {}, false, 0, "", external_abrt, no_core},
  });
}

// dumb-init reads -r with sscanf("%d:%d"): blanks before each number and a
// sign are fine, whatever follows the second number is ignored (so a list
// is its first item), and numbers out of int's range wrap as glibc stores
// them.  Which signal reaches the child, and -v's lines, tell the table.
const char kUsr[] =
    "exec 2>/dev/null; trap 'echo got USR1; exit 0' USR1; trap 'echo got USR2; exit 0' USR2; echo ready; "
    "while :; do sleep 1 & wait $!; done";

std::string usr1(t::Proc &p) {
  if (!p.wait_for("ready")) return "never ready\n";
  p.signal(SIGUSR1);
  return "";
}

Test(compat, dumb_init_r_is_read_as_sscanf_reads_it) {
  std::vector<Case> cases;
  for (const char *rw : {"10:12x", " 10: 12", "+10:+12", "12:2,10:12", "10:12,15:2", "10 :12", "4294967306:12",
                         "10:4294967308", "15:-0", "10:", ":12", "10:12:14"})
    cases.push_back({"dumb-init", {"-v", "-r", rw, "sh", "-c", kUsr}, {}, false, 0, "", usr1});
  compare(cases);
}

// catatonit gives the program LISTEN_PID=its pid when socket activation
// named catatonit (systemd's LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES), so
// that sd_listen_fds() in the program takes the sockets.  Here
// systemd-socket-activate listens on a Unix socket and starts the init on
// the first connection; and as PID 1, LISTEN_PID=1 set by hand.
const char kListener[] =
    "if [ \"$LISTEN_PID\" = $$ ]; then echo LISTEN_PID is the program\\'s; else echo LISTEN_PID is not the "
    "program\\'s; fi; echo LISTEN_FDS=$LISTEN_FDS LISTEN_FDNAMES=$LISTEN_FDNAMES; "
    "[ -S /proc/self/fd/3 ] && echo fd 3 is a socket; exit 0";

std::string connect_to_listener(t::Proc &p) {
  std::string err;
  for (double end = t::now() + 10; t::now() < end; t::sleep_s(0.01))
    if ((err = p.err()).find(" as 3.\n") != std::string::npos) break;
  size_t at = err.find("Listening on ");
  if (at == std::string::npos) return "systemd-socket-activate never listened\n";
  std::string path = err.substr(at + 13, err.find(" as 3.", at) - at - 13);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool ok = connect(s, (sockaddr *)&addr, sizeof addr) == 0;
  unlink(path.c_str());  // the next run listens on the same path
  p.wait(20);
  close(s);
  return ok ? "" : "could not connect to " + path + "\n";
}

Test(compat, catatonit_gives_socket_activation_to_the_program) {
  std::string sock = t::scratch() + "/sock";
  std::vector<std::string> activate = {"systemd-socket-activate", "-l", sock, "--fdname=web"};
  std::vector<std::string> by_hand = {"sh", "-c",
                                      "export LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web; exec \"$0\" \"$@\" 3</dev/null"};
  const std::string noise = "^(Listening on|Communication attempt|Execing) ";
  compare({
      {"catatonit", {"--", "sh", "-c", kListener}, {}, false, 0, noise, connect_to_listener, activate},
      {"podman-init", {"--", "sh", "-c", kListener}, {}, false, 0, noise, connect_to_listener, activate},
      {"catatonit", {"--", "sh", "-c", kListener}, {}, true, 0, "", nullptr, by_hand},
      {"catatonit", {"--", "sh", "-c", kListener}, {"LISTEN_PID=12345"}},  // not catatonit's: left alone
  });
}

// The user's processes cannot exceed one (RLIMIT_NPROC): fork fails, and
// each init says so in its words and exits 1 (tini before its -e codes).
Test(compat, fork_failure_as_each_peer) {
  std::vector<std::string> one = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "prlimit",
                                  "--nproc=1"};
  std::vector<Case> cases;
  for (bool pid1 : {false, true}) {
    cases.push_back({"tini", {"-s", "--", "true"}, {}, pid1, 0, "", nullptr, one});
    cases.push_back({"tini", {"-s", "-e", "1", "--", "true"}, {}, pid1, 0, "", nullptr, one});
    cases.push_back({"dumb-init", {"true"}, {}, pid1, 0, "", nullptr, one});
    cases.push_back({"catatonit", {"--", "true"}, {}, pid1, 0, "", nullptr, one});
  }
  compare(cases);
}
// ------------------------------------------- the terminal given back (wrapper)

namespace {

// Where a script that reads from its terminal stands: the leader of the
// terminal's session (setsid -c, docker exec -it), or a job that an
// interactive shell put in a process group of its own and made the
// foreground, the shell staying the session's leader (a script started
// from a login shell on a terminal).
enum class Script { kLeader, kJob };

const char *where_name(Script w) {
  return w == Script::kLeader ? "the terminal's session leader" : "a job of an interactive shell";
}

// What the script met at its `read`, once the command before it ended.
struct AtTheRead {
  std::string ended;  // "ended N": the status the script saw; "" if it never said
  std::string how;    // "read hello", "read '...'", "stopped at its read (State T)", ...
  pid_t fg = -1, script_group = -1;  // the terminal's foreground group and the script's then
  int status = -1;    // how the script's run ended (ours: the leader's), as a shell reports it
  std::string shown;  // everything the terminal showed, \r dropped
};

// The script `"$@"; echo "ended $?"; read x; echo "got:$x"` running the
// command `cmd`, on a new pty that is its controlling terminal, with the
// foreground.  Once it says "ended" (the command is over, the read comes
// next), "hello" is typed on the terminal (the line waits there for the
// read), and the script must echo it.  Every wait is bounded; a script
// stopped at its read (State T: SIGTTIN, it is a background job now) is
// told as soon as it stops.
AtTheRead read_after(const std::vector<std::string> &cmd, Script where, double limit = 20) {
  int master, slave;
  cr_assert(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0, "openpty failed: %s", strerror(errno));
  std::vector<std::string> args = {"/bin/sh", "-c", "\"$@\"; echo \"ended $?\"; read x; echo \"got:$x\"", "sh"};
  args.insert(args.end(), cmd.begin(), cmd.end());
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  t::leave_nothing_behind();
  pid_t pid = fork();
  cr_assert(pid >= 0, "fork failed");
  if (pid == 0) {
    t::reset_signals();
    close(master);
    // A session of its own with the pty as its controlling terminal: its
    // group, the session's, has the foreground.
    if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) _exit(122);
    if (where == Script::kJob) {
      pid_t script = fork();
      if (script < 0) _exit(123);
      if (script > 0) {  // the interactive shell: waits for its job, stays the leader
        close(slave);
        int st = 0;
        while (waitpid(script, &st, 0) < 0 && errno == EINTR) {}
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
      }
      // The job: a group of its own, made the foreground as a shell does
      // it (SIGTTOU blocked: it asks from the background).
      uint64_t ttou = 1ULL << (SIGTTOU - 1), none = 0;
      syscall(SYS_rt_sigprocmask, SIG_BLOCK, &ttou, nullptr, sizeof ttou);
      if (setpgid(0, 0) < 0 || tcsetpgrp(slave, getpid()) < 0) _exit(124);
      syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
    }
    dup2(slave, 0), dup2(slave, 1), dup2(slave, 2);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    execv(argv[0], argv.data());
    _exit(121);
  }
  close(slave);
  AtTheRead at;
  // Reads what the terminal shows until `done` holds; false past the limit.
  auto watch = [&](auto done) {
    char buf[4096];
    for (double end = t::now() + limit; t::now() < end;) {
      if (done()) return true;
      pollfd pf = {master, POLLIN, 0};
      if (poll(&pf, 1, 10) <= 0) continue;
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) return done();  // EIO: the terminal's last holder is gone
      for (ssize_t i = 0; i < n; i++)
        if (buf[i] != '\r') at.shown += buf[i];
    }
    return done();
  };
  // The whole line of what the terminal showed that starts with `mark`.
  auto line_from = [&](const std::string &mark, std::string *line) {
    size_t from = at.shown.find(mark), nl;
    if (from == std::string::npos || (nl = at.shown.find('\n', from)) == std::string::npos) return false;
    *line = at.shown.substr(from, nl - from);
    return true;
  };
  pid_t script = -1;
  if (!watch([&] { return line_from("ended ", &at.ended); })) {
    at.how = "the script never said \"ended\" within " + std::to_string(int(limit)) + "s";
  } else {
    // The script: the shell started here, or the job of the one started here.
    if (where == Script::kLeader) script = pid;
    else if (std::vector<pid_t> c = t::children(pid); !c.empty()) script = c[0];
    ioctl(master, TIOCGPGRP, &at.fg);  // on the master: the slave's foreground group
    at.script_group = getpgid(script);
    cr_assert(write(master, "hello\n", 6) == 6, "could not type on the pty: %s", strerror(errno));
    std::string got;
    bool stopped = false;
    watch([&] { return line_from("got:", &got) || (stopped = state_of(script) == 'T'); });
    at.how = !got.empty() ? (got == "got:hello" ? "read hello" : "read '" + got.substr(4) + "'")
             : stopped    ? "stopped at its read (State T)"
                          : "no line read within " + std::to_string(int(limit)) + "s";
  }
  // A script that read no line (stopped, or never there) is killed with
  // its leader; the end of the run is bounded.
  if (at.how.compare(0, 5, "read ") != 0) {
    if (script > 0) kill(script, SIGKILL);
    kill(pid, SIGKILL);
  }
  int st = 0;
  pid_t done = 0;
  for (double end = t::now() + limit; t::now() < end && (done = waitpid(pid, &st, WNOHANG)) == 0;) t::sleep_s(0.002);
  if (done != pid) kill(pid, SIGKILL), waitpid(pid, &st, 0);
  at.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  close(master);
  return at;
}

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

// A script on a terminal ran the init command `cmd`, which ended with the
// status `ended` ("ended 0"); the script must then read the line typed on
// the terminal, wherever it stands (leader or job), and end with 0.
void expect_terminal_back(const std::vector<std::string> &cmd, const std::string &ended) {
  for (Script where : {Script::kLeader, Script::kJob}) {
    AtTheRead at = read_after(cmd, where);
    cr_expect(at.ended == ended && at.how == "read hello" && at.status == 0,
              "a script (%s) ran `%s`, then read from its terminal: expected \"%s\", the line typed read "
              "(read hello) and the script's end 0; got \"%s\", %s, end %d.  (State T: stopped by SIGTTIN, a "
              "background job; read '': its read failed, as with EIO in an orphaned background group.)  The "
              "terminal's foreground group then was %d (0: a group now gone), the script's %d; the terminal "
              "showed:\n%s",
              where_name(where), joined(cmd).c_str(), ended.c_str(), at.ended.c_str(), at.how.c_str(), at.status,
              int(at.fg), int(at.script_group), at.shown.c_str());
  }
}

// What the real peer does in the same place, as a note (not a failure:
// the difference is deliberate, and a later peer may fix it).
void note_the_peer(const std::vector<std::string> &cmd, const std::string &remit_name) {
  for (Script where : {Script::kLeader, Script::kJob}) {
    AtTheRead at = read_after(cmd, where);
    if (at.how != "read hello")
      fprintf(stderr, "[NOTE] %s, as %s: %s, \"%s\"; remit as %s gives the terminal back\n", joined(cmd).c_str(),
              where_name(where), at.how.c_str(), at.ended.c_str(), remit_name.c_str());
  }
}

}  // namespace

// remit, a wrapper (not PID 1) on a terminal, puts its program in a process
// group of its own and gives it the terminal's foreground, so that Ctrl-C
// reaches the program.  When remit ends, the group that had the terminal
// when it started has it again: the script that ran it reads from the
// terminal next.  (remit 0.2.0 never took it back: the script, now a
// background group, was stopped by SIGTTIN at its read as a job of an
// interactive shell ("[1]+ Stopped"); as the session's leader, an orphaned
// group, its read failed with EIO and it read nothing.)
Test(compat, wrapper_gives_the_terminal_back_when_the_program_exits) {
  expect_terminal_back({t::remit(), "--", "true"}, "ended 0");
  expect_terminal_back({t::remit(), "--", "/bin/sh", "-c", "exit 3"}, "ended 3");
}

// A program that gave the foreground to a job of its own (a group of its
// child), which ended, and then ended itself without taking it back: the
// foreground is a group that no longer exists, and remit takes the
// terminal back from it, as a shell does when its job ends.  (perl, which
// every Debian has, for tcsetpgrp.)
Test(compat, wrapper_gives_the_terminal_back_from_a_group_that_has_ended) {
  // The job waits for its pipe to close, which its parent does once the job
  // has the foreground.
  const char *job = "use POSIX; $SIG{TTOU} = 'IGNORE'; pipe(my $r, my $w); my $pid = fork; if (!$pid) { "
                    "close $w; setpgid(0, 0); sysread($r, my $b, 1); POSIX::_exit(0) } close $r; "
                    "setpgid($pid, $pid); tcsetpgrp(0, $pid) or die; close $w; waitpid($pid, 0); exit 4";
  expect_terminal_back({t::remit(), "--", "/usr/bin/perl", "-e", job}, "ended 4");
}

// The same when the program is killed by a signal and remit, a wrapper,
// dies by the same signal: the terminal is given back first.
Test(compat, wrapper_gives_the_terminal_back_when_it_dies_by_the_programs_signal) {
  expect_terminal_back({t::remit(), "--", "/bin/sh", "-c", "kill -TERM $$"}, "ended 143");
  expect_terminal_back({t::remit(), "--", "/bin/sh", "-c", "kill -KILL $$"}, "ended 137");
}

// Under every name.  tini 0.19 has the defect itself: its child takes the
// terminal (tcsetpgrp in isolate_child) and tini never gives it back, so
// the real tini leaves the same script stopped at its read (a job) or
// reading nothing (the leader); remit as tini gives it back (a note shows
// the real tini's outcome on each run).
Test(compat, tini_gives_the_terminal_back_unlike_tini_0_19) {
  std::string tini = t::as_name("tini");
  expect_terminal_back({tini, "-s", "--", "true"}, "ended 0");
  expect_terminal_back({tini, "-s", "--", "/bin/sh", "-c", "kill -TERM $$"}, "ended 143");  // tini exits 128+15
  expect_terminal_back({tini, "--", "true"}, "ended 0");  // with the three-line warning on the terminal
  note_the_peer({real_binary("tini"), "-s", "--", "true"}, "tini");
}

// catatonit too gives its child a group of its own and the terminal, and
// (0.1.7) never takes it back: the real one leaves the script stopped.
Test(compat, catatonit_gives_the_terminal_back_unlike_catatonit) {
  std::string catatonit = t::as_name("catatonit");
  expect_terminal_back({catatonit, "--", "true"}, "ended 0");
  expect_terminal_back({catatonit, "-g", "--", "/bin/sh", "-c", "kill -TERM $$"}, "ended 143");
  note_the_peer({real_binary("catatonit"), "--", "true"}, "catatonit");
}

// dumb-init -c keeps its child in its own group, and the foreground stays
// where it was (as with the real dumb-init): nothing to give back.  With
// REMIT_GROUP=1 the -c child gets a group of its own and the terminal, and
// remit gives it back when it ends.  Without -c (a session for the child)
// the child cannot take a terminal that is another session's, and the
// script keeps it.
Test(compat, dumb_init_single_child_gives_the_terminal_back) {
  std::string dumb_init = t::as_name("dumb-init");
  expect_terminal_back({"/usr/bin/env", "REMIT_GROUP=1", dumb_init, "-c", "true"}, "ended 0");
  expect_terminal_back({"/usr/bin/env", "REMIT_GROUP=1", dumb_init, "-c", "/bin/sh", "-c", "kill -TERM $$"},
                       "ended 143");
  // what else gives the -c child a group: --wait-all (to find what it
  // leaves in it) and --signal-all (which signals it)
  expect_terminal_back({"/usr/bin/env", "REMIT_WAIT_ALL=1", dumb_init, "-c", "true"}, "ended 0");
  expect_terminal_back({"/usr/bin/env", "REMIT_SIGNAL_ALL=1", dumb_init, "-c", "true"}, "ended 0");
  expect_terminal_back({dumb_init, "-c", "true"}, "ended 0");
  expect_terminal_back({dumb_init, "true"}, "ended 0");
}

// ------------------------------------- LISTEN_PID, catatonit's rewrite

namespace {

// The init `init_argv` (PID 1 of a new PID namespace, or a wrapper) run
// with exactly the environment `envp`, duplicate entries and all (setenv,
// and so t::start and env(1), cannot make them), in the order given.  An
// entry "LISTEN_PID=@init" names the init: 1 as PID 1, else the pid of the
// process that execs it.  Its program prints its pid and the environment
// it was given (its own /proc/PID/environ, as execve passed it: the shell
// neither sorts nor merges that).  Returns, as comparable text, the
// status, the entries one a line (LISTEN_PID=<program> where the value is
// the program's pid, LISTEN_PID=<init> where the init's), and stderr.
std::string environment_given(const std::string &init, const std::vector<std::string> &envp, bool pid1) {
  std::vector<std::string> args = {init, "--", "/bin/sh", "-c", "echo pid=$$; cat /proc/$$/environ; exit 0"};
  if (pid1) args = t::as_pid1(args);
  std::string dir = t::scratch(), out_path = dir + "/stdout", err_path = dir + "/stderr";
  t::leave_nothing_behind();
  pid_t pid = fork();
  cr_assert(pid >= 0, "fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    t::reset_signals();
    std::vector<std::string> env = envp;
    for (std::string &e : env)
      if (e == "LISTEN_PID=@init") e = "LISTEN_PID=" + std::to_string(pid1 ? 1 : getpid());
    std::vector<char *> argv, envv;
    for (std::string &a : args) argv.push_back(&a[0]);
    for (std::string &e : env) envv.push_back(&e[0]);
    argv.push_back(nullptr), envv.push_back(nullptr);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    execve(argv[0], argv.data(), envv.data());
    _exit(121);
  }
  t::Result r = t::reap(pid, 20);
  std::string out = t::slurp(out_path), err = t::slurp(err_path);
  cr_assert(!r.hung, "%s did not end within 20s; stdout: %s; stderr: %s", joined(args).c_str(), out.c_str(),
            err.c_str());
  t::expect_no_sanitizer_report();
  std::string program, text = "status " + std::to_string(r.status()) + "\n--- the program's environment\n";
  size_t nl = out.find('\n');
  if (out.compare(0, 4, "pid=") == 0 && nl != std::string::npos) program = out.substr(4, nl - 4);
  else text += "(no pid line: " + out + ")\n";
  std::string init_value = pid1 ? "1" : std::to_string(pid);
  for (size_t at = nl == std::string::npos ? out.size() : nl + 1, end; at < out.size(); at = end + 1) {
    if ((end = out.find('\0', at)) == std::string::npos) end = out.size();
    std::string entry = out.substr(at, end - at);
    if (entry == "LISTEN_PID=" + program) entry = "LISTEN_PID=<program>";
    else if (entry == "LISTEN_PID=" + init_value) entry = "LISTEN_PID=<init>";
    text += entry + "\n";
  }
  return text + "--- stderr\n" + mask_pids(err);
}

}  // namespace

// catatonit's part in socket activation: a LISTEN_PID that names the init
// becomes the program's pid for the program, as catatonit does it in its
// child, with getenv("LISTEN_PID"), strtol and setenv(..., 1).  getenv
// reads the first LISTEN_PID entry and glibc's setenv replaces that one
// only, so with two entries only the first is ever looked at and
// changed: the second is passed on as it was, and a first entry that does
// not name the init (5, x) leaves both alone.  Checked against the real
// catatonit (0.1.7 here) run the same way, as PID 1 and as a wrapper.
// (remit 0.2.0 rewrote every LISTEN_PID entry naming it, and put back only
// the last in its own environment: the program got LISTEN_PID=<program>
// twice, or the second rewritten when the first named someone else.)
Test(compat, catatonit_rewrites_only_the_first_listen_pid) {
  struct {
    std::vector<std::string> listen;  // the LISTEN_PID entries, in order
    std::vector<std::string> seen;    // what the program must get
  } cases[] = {
      {{"LISTEN_PID=@init", "LISTEN_PID=@init"}, {"LISTEN_PID=<program>", "LISTEN_PID=<init>"}},
      {{"LISTEN_PID=@init", "LISTEN_PID=01"}, {"LISTEN_PID=<program>", "LISTEN_PID=01"}},
      {{"LISTEN_PID=5", "LISTEN_PID=@init"}, {"LISTEN_PID=5", "LISTEN_PID=<init>"}},
      {{"LISTEN_PID=x", "LISTEN_PID=@init"}, {"LISTEN_PID=x", "LISTEN_PID=<init>"}},
      // not LISTEN_PID entries, for getenv: the first LISTEN_PID= is the third
      {{"LISTEN_PID", "LISTEN_PIDS=1", "LISTEN_PID=@init", "LISTEN_PID=@init"},
       {"LISTEN_PID", "LISTEN_PIDS=1", "LISTEN_PID=<program>", "LISTEN_PID=<init>"}},
  };
  std::string ours = t::as_name("catatonit"), dir = t::scratch(), real = dir + "/catatonit";
  cr_assert(symlink(real_binary("catatonit").c_str(), real.c_str()) == 0, "symlink %s", real.c_str());
  for (bool pid1 : {true, false})
    for (auto &c : cases) {
      std::vector<std::string> envp = {"PATH=/usr/bin:/bin", "LISTEN_FDS=1"};
      envp.insert(envp.end(), c.listen.begin(), c.listen.end());
      envp.push_back("LISTEN_FDNAMES=web");
      std::string expected = "status 0\n--- the program's environment\nPATH=/usr/bin:/bin\nLISTEN_FDS=1\n";
      for (const std::string &e : c.seen) expected += e + "\n";
      expected += "LISTEN_FDNAMES=web\n--- stderr\n";
      std::string theirs = environment_given(real, envp, pid1), mine = environment_given(ours, envp, pid1);
      std::string given = std::regex_replace(joined(envp), std::regex("@init"), pid1 ? "1" : "<the init's pid>");
      cr_expect(mine == theirs, "catatonit%s with the environment %s\n===== real catatonit:\n%s===== remit as "
                "catatonit:\n%s", pid1 ? " as PID 1" : "", given.c_str(), theirs.c_str(), mine.c_str());
      cr_expect(mine == expected, "catatonit%s with the environment %s: expected\n%sgot\n%s",
                pid1 ? " as PID 1" : "", given.c_str(), expected.c_str(), mine.c_str());
    }
}

