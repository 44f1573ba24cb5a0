// The stop signals the platform names: --stop-signals / REMIT_STOP_SIGNALS
// (which signals start the stop delay and the grace period and fill the
// report's stop fields), the rule condition @stop, --report-max /
// REMIT_REPORT_MAX (the report line's bound) and --signal-all /
// REMIT_SIGNAL_ALL (a stop to every process as PID 1, to the program's
// group as a wrapper), end to end with real programs.
//
// Every report is read back by python3's json module, which refuses what
// is not JSON in valid UTF-8; the checks are Python expressions over it
// (`r`).  Waits are on events: the program says "ready", remit has taken a
// signal off its pending set (so a second one cannot be merged with or
// overtake the first), a file a child writes.  Timing: only lower bounds
// remit guarantees (a timer never fires early) and loose upper bounds far
// from what the broken behaviour would take.
#include <sys/ioctl.h>
#include <termios.h>

#include "harness.hpp"

using t::Spec;

namespace {

void write_file(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

void await_ready(t::Proc &p, const std::string &what, const std::string &needle = "ready") {
  if (p.wait_for(needle, 20)) return;
  p.signal(SIGKILL);
  p.wait();
  cr_assert_fail("%s: the program never said \"%s\"; stderr: %s", what.c_str(), needle.c_str(), p.err().c_str());
}

bool running(pid_t pid) {
  std::string state = t::status_field(pid, "State");
  return !state.empty() && state[0] != 'Z' && state[0] != 'X';
}

std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

// The report at `path`: one line, at most `max` bytes (newline included),
// JSON in UTF-8, for which the Python expression `check` holds.  python3
// says what is wrong.
const char kReader[] = R"(
import json, sys
raw = open(sys.argv[1], 'rb').read()
if not (raw.endswith(b'\n') and raw.count(b'\n') == 1):
    sys.exit('not one line: %r' % raw[:300])
if len(raw) > int(sys.argv[3]):
    sys.exit('%d bytes, more than %s' % (len(raw), sys.argv[3]))
r = json.loads(raw)
if not eval(sys.argv[2]):
    sys.exit('%s does not hold for %s' % (sys.argv[2], raw.decode()))
)";

void expect_report(const std::string &what, const std::string &path, const std::string &check, int max = 4096) {
  t::Result py = t::run(Spec{{"python3", "-c", kReader, path, check, std::to_string(max)}});
  cr_expect(py.exited && py.code == 0, "%s: the report in %s: %s", what.c_str(), path.c_str(), py.err.c_str());
}

// A program that ignores WINCH, TERM, INT and QUIT (SIG_IGN survives exec)
// and would otherwise run for 60 s: only the grace period's KILL ends it.
const std::vector<std::string> kStubborn = {"/bin/sh", "-c",
                                            "trap '' WINCH TERM INT QUIT; echo ready; exec sleep 60"};

// A program that exits 1 on `sig` (a dash trap, `wait` on a background
// sleep so the trap runs at once), after saying "ready".
std::vector<std::string> exits_1_on(const std::string &sig) {
  return {"/bin/sh", "-c",
          "trap 'kill $S; exit 1' " + sig + "\nsleep 1000 & S=$!\necho ready\nwhile :; do wait $S; done\n"};
}

Spec remit_with(std::vector<std::string> opts, const std::vector<std::string> &program,
                std::vector<std::string> env = {}) {
  opts.insert(opts.begin(), "remit");
  opts.push_back("--");
  opts.insert(opts.end(), program.begin(), program.end());
  return Spec{opts, env};
}

}  // namespace

TestSuite(stop, .timeout = 240);

// ------------------------------------------------------- the stop signals

Test(stop, a_signal_named_by_stop_signals_starts_the_grace_period) {
  struct Case { std::vector<std::string> opts, env; } cases[] = {
      {{"--stop-signals", "WINCH"}, {}},
      {{"--stop-signals=SIGWINCH"}, {}},
      {{"--stop-signals", "28"}, {}},
      {{"--stop-signals", "USR2,WINCH"}, {}},
      {{"--stop-signals", "usr2 winch"}, {}},
      {{}, {"REMIT_STOP_SIGNALS=WINCH"}},
      // The variable overrides the option.
      {{"--stop-signals", "USR2"}, {"REMIT_STOP_SIGNALS=WINCH"}},
      // An empty variable counts as unset: the option's list stays.
      {{"--stop-signals", "WINCH"}, {"REMIT_STOP_SIGNALS="}},
  };
  for (const Case &c : cases) {
    std::string what = join(c.opts) + " " + join(c.env);
    std::string report = t::scratch() + "/report";
    std::vector<std::string> opts = {"-t", "1", "--report", report};
    opts.insert(opts.end(), c.opts.begin(), c.opts.end());
    t::Proc p = t::start(remit_with(opts, kStubborn, c.env));
    await_ready(p, what);
    double t0 = t::now();
    p.signal(SIGWINCH);
    t::Result r = p.wait(30);
    double secs = t::now() - t0;
    cr_expect(r.status() == 137, "%s: WINCH should start the 1 s grace, then KILL: expected status 137, got %s; "
              "stderr: %s", what.c_str(), r.describe().c_str(), r.err.c_str());
    cr_expect(secs >= 0.99 && secs < 20, "%s: expected the KILL about 1 s after WINCH (60 s without), took %.2f s",
              what.c_str(), secs);
    expect_report(what, report,
                  "r['stop_signal'] == 'WINCH' and r['grace_kill'] is True and r['signals'] == ['WINCH'] and "
                  "r['stop_ms'] >= 990 and r['ended'] == 'killed' and r['signal'] == 'KILL'");
  }
}

// The default, as no list, an empty variable (unset) or the list itself.
Test(stop, the_default_stop_signals_are_term_int_and_quit_also_when_the_variable_is_empty) {
  for (int sig : {SIGTERM, SIGINT, SIGQUIT})
    for (int how : {0, 1, 2}) {
      std::string what = std::string(strsignal(sig)) +
                         (how == 1 ? " with REMIT_STOP_SIGNALS=''" : how == 2 ? " with --stop-signals TERM,INT,QUIT" : "");
      std::string report = t::scratch() + "/report";
      std::vector<std::string> env, opts = {"-t", "1", "--report", report};
      if (how == 1) env.push_back("REMIT_STOP_SIGNALS=");
      if (how == 2) opts.insert(opts.end(), {"--stop-signals", "TERM,INT,QUIT"});
      t::Proc p = t::start(remit_with(opts, kStubborn, env));
      await_ready(p, what);
      p.signal(sig);
      t::Result r = p.wait(30);
      cr_expect(r.status() == 137, "%s: expected the grace's KILL (status 137), got %s; stderr: %s", what.c_str(),
                r.describe().c_str(), r.err.c_str());
      const char *name = sig == SIGTERM ? "TERM" : sig == SIGINT ? "INT" : "QUIT";
      expect_report(what, report, std::string("r['stop_signal'] == '") + name + "' and r['grace_kill'] is True");
    }
}

// A signal left out of the list is passed on as any other: it neither
// starts the grace nor fills the stop fields; the listed one that comes
// after it does.
Test(stop, a_signal_left_out_of_the_list_is_passed_on_and_is_not_a_stop) {
  std::string child = t::child_bin(), report = t::scratch() + "/report";
  t::Proc p = t::start(remit_with({"--stop-signals", "WINCH", "-t", "60", "--report", report},
                                  {child, "count", std::to_string(SIGWINCH)}));
  await_ready(p, "--stop-signals WINCH");
  p.signal(SIGTERM);
  t::wait_taken(p, SIGTERM);
  cr_assert(p.wait_for("\n15\n", 20), "TERM (not a stop here) never reached the child; it logged: %s",
            p.out().c_str());
  p.signal(SIGWINCH);
  t::Result r = p.wait(30);
  cr_expect(r.exited && r.code == 0, "expected exit 0 (the child ends at WINCH), got %s; stderr: %s",
            r.describe().c_str(), r.err.c_str());
  expect_report("TERM then WINCH", report,
                "r['signals'] == ['TERM', 'WINCH'] and r['stop_signal'] == 'WINCH' and r['grace_kill'] is False "
                "and isinstance(r['stop_ms'], int) and len(r['stop_signal_at']) == 24 and "
                "r['stop_signal_at'].endswith('Z') and r['stop_signal_at'][10] == 'T'");
}

// The first listed signal is held by --stop-delay while others pass at
// once; a second listed one (another of the list) is impatience: both go
// at once.  The child ends at TERM, which is no stop here and is sent once
// both have reached it (in whichever order remit sends them).
Test(stop, a_second_listed_signal_during_the_delay_sends_both_at_once) {
  std::string child = t::child_bin(), report = t::scratch() + "/report";
  t::Proc p = t::start(remit_with({"--stop-signals", "WINCH,USR2", "--stop-delay", "60", "--report", report},
                                  {child, "count", std::to_string(SIGTERM)}));
  await_ready(p, "--stop-signals WINCH,USR2 --stop-delay 60");
  double t0 = t::now();
  p.signal(SIGWINCH);
  t::wait_taken(p, SIGWINCH);
  p.signal(SIGUSR1);  // not a stop: through at once, while WINCH is held
  cr_assert(p.wait_for("\n10\n", 20), "USR1 never reached the child; it logged: %s", p.out().c_str());
  std::string log = p.out();
  cr_expect(log.find("\n28\n") == std::string::npos, "WINCH was not held by the 60 s delay: the child logged %s",
            log.c_str());
  p.signal(SIGUSR2);
  bool both = t::eventually([&] {
    std::string l = p.out();
    return l.find("\n12\n") != std::string::npos && l.find("\n28\n") != std::string::npos;
  }, 30);
  double secs = t::now() - t0;
  p.signal(SIGTERM);
  t::Result r = p.wait(40);
  cr_expect(both && secs < 40, "the second listed signal (USR2) should send USR2 and the held WINCH at once "
            "(the delay is 60 s); after %.1f s the child had logged: %s", secs, r.out.c_str());
  cr_expect(r.exited && r.code == 0, "expected exit 0 (the child ends at TERM), got %s; stderr: %s",
            r.describe().c_str(), r.err.c_str());
  expect_report("WINCH, USR1, USR2, TERM", report,
                "r['stop_signal'] == 'WINCH' and r['signals'] == ['WINCH', 'USR1', 'USR2', 'TERM']");
}

Test(stop, bad_stop_signal_lists_are_refused_before_starting_anything) {
  struct Bad { const char *list, *item; } bad[] = {
      {"KILL", "KILL"}, {"STOP", "STOP"}, {"CHLD", "CHLD"}, {"SIGKILL", "SIGKILL"}, {"9", "9"},
      {"19", "19"},     {"17", "17"},     {"FOO", "FOO"},   {"0", "0"},           {"65", "65"},
      {"TERM,KILL", "KILL"}, {"TERM STOP", "STOP"}, {"WINCH,SIGCHLD", "SIGCHLD"},
  };
  std::string marker = t::scratch() + "/started";
  auto refused = [&](const std::string &bin, const std::string &where, const std::string &list,
                     const std::string &item) {
    Spec s{{bin}};
    if (where[0] == '-') s.argv.insert(s.argv.end(), {where, list});
    else s.env = {where + "=" + list};
    s.argv.insert(s.argv.end(), {"--", "/bin/touch", marker});
    std::string what = bin.substr(bin.rfind('/') + 1) + " " + where + " '" + list + "'";
    t::Result r = t::run(s);
    cr_expect(r.exited && r.code == 2, "%s: expected exit 2, got %s; stderr: %s", what.c_str(),
              r.describe().c_str(), r.err.c_str());
    cr_expect(t::newlines(r.err) == 1 && r.err.back() == '\n', "%s: expected one line on stderr, got: %s",
              what.c_str(), r.err.c_str());
    std::string named = "'" + item + "' in '" + list + "'";  // the bad item, and the list it is in
    cr_expect(r.err.find(where) != std::string::npos && r.err.find(named) != std::string::npos,
              "%s: the message should name %s and say %s: %s", what.c_str(), where.c_str(), named.c_str(),
              r.err.c_str());
    cr_expect(!t::exists(marker), "%s: the program was started", what.c_str());
    unlink(marker.c_str());
  };
  for (const char *where : {"--stop-signals", "REMIT_STOP_SIGNALS"})
    for (const Bad &b : bad) refused("remit", where, b.list, b.item);
  // Under tini's name the fault signals and TTIN/TTOU are never passed on.
  std::string tini = t::as_name("tini");
  for (const char *sig : {"SEGV", "ILL", "BUS", "FPE", "ABRT", "TRAP", "SYS", "TTIN", "TTOU", "KILL"})
    refused(tini, "REMIT_STOP_SIGNALS", sig, sig);
}

Test(stop, good_stop_signal_lists_are_accepted) {
  for (const char *list : {"TERM", "WINCH", "SIGUSR1", "usr1", "TERM,INT", "TERM INT QUIT", "28", "RTMIN+1", "34",
                           "HUP,WINCH,TERM"}) {
    t::Result r = t::run(Spec{{"remit", "--stop-signals", list, "--", "/bin/true"}});
    cr_expect(r.exited && r.code == 0 && r.err.empty(), "--stop-signals '%s': expected exit 0 and no message, "
              "got %s: %s", list, r.describe().c_str(), r.err.c_str());
    r = t::run(Spec{{"remit", "--", "/bin/true"}, {std::string("REMIT_STOP_SIGNALS=") + list}});
    cr_expect(r.exited && r.code == 0 && r.err.empty(), "REMIT_STOP_SIGNALS='%s': expected exit 0 and no message, "
              "got %s: %s", list, r.describe().c_str(), r.err.c_str());
  }
  // What tini passes on may be a stop under its name (its fault signals
  // are refused; a plain remit passes those on).
  std::string tini = t::as_name("tini");
  for (const char *list : {"WINCH", "TSTP", "USR1", "HUP"}) {
    t::Result r = t::run(Spec{{tini, "-s", "--", "/bin/true"}, {std::string("REMIT_STOP_SIGNALS=") + list}});
    cr_expect(r.exited && r.code == 0, "tini REMIT_STOP_SIGNALS='%s': expected exit 0, got %s: %s", list,
              r.describe().c_str(), r.err.c_str());
  }
  t::Result r = t::run(Spec{{"remit", "--stop-signals", "SEGV", "--", "/bin/true"}});
  cr_expect(r.exited && r.code == 0, "remit --stop-signals SEGV: expected exit 0, got %s: %s", r.describe().c_str(),
            r.err.c_str());
}

// Under tini's name WINCH is only passed on, as tini does; with
// REMIT_STOP_SIGNALS=WINCH it is the stop.
Test(stop, under_a_peers_name_nothing_changes_unless_the_variable_is_set) {
  std::string child = t::child_bin(), tini = t::as_name("tini");
  for (bool var : {false, true}) {
    std::string report = t::scratch() + "/report";
    std::vector<std::string> env = {"REMIT_REPORT=" + report};
    if (var) env.push_back("REMIT_STOP_SIGNALS=WINCH");
    const char *what = var ? "tini REMIT_STOP_SIGNALS=WINCH" : "tini";
    t::Proc p = t::start(Spec{{tini, "-s", "--", child, "count", std::to_string(SIGTERM)}, env});
    await_ready(p, what);
    p.signal(SIGWINCH);
    t::wait_taken(p, SIGWINCH);
    cr_assert(p.wait_for("\n28\n", 20), "%s: WINCH never reached the child; it logged: %s", what, p.out().c_str());
    p.signal(SIGTERM);
    t::Result r = p.wait(30);
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0 (the child ends at TERM), got %s; stderr: %s", what,
              r.describe().c_str(), r.err.c_str());
    expect_report(what, report,
                  std::string("r['signals'] == ['WINCH', 'TERM'] and r['stop_signal'] == '") +
                      (var ? "WINCH" : "TERM") + "'");
  }
}

// A WINCH the kernel sends (a terminal resize: si_code SI_KERNEL) is never
// a stop, even with WINCH in the list; one a process sends is.  remit runs
// as dumb-init -c, a session leader on a new pty whose foreground group is
// its own (the program stays in it), so TIOCSWINSZ on the master signals
// remit itself.
Test(stop, a_winch_from_the_kernel_for_a_resize_is_never_a_stop) {
  std::string child = t::child_bin(), dumb = t::as_name("dumb-init");
  t::leave_nothing_behind();
  for (bool from_kernel : {true, false}) {
    const char *what = from_kernel ? "a resize (kernel WINCH)" : "kill -WINCH";
    std::string dir = t::scratch(), report = dir + "/report";
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    cr_assert(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0, "no pty");
    std::string slave = ptsname(master);
    t::Proc p;
    p.dir = dir, p.out_path = dir + "/stdout", p.err_path = dir + "/stderr";
    p.what = dumb + " -c " + child;
    p.started = t::now();
    p.pid = fork();
    cr_assert(p.pid >= 0, "fork failed");
    if (p.pid == 0) {
      setsid();
      int tty = open(slave.c_str(), O_RDWR);
      if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) != 0) _exit(120);
      int out = open(p.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open(p.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(tty, 0), dup2(out, 1), dup2(err, 2);
      for (int fd = 3; fd < 1024; fd++) close(fd);
      setenv("REMIT_STOP_SIGNALS", "WINCH,TERM", 1);
      setenv("REMIT_REPORT", report.c_str(), 1);
      t::reset_signals();
      execl(dumb.c_str(), dumb.c_str(), "-c", child.c_str(), "count", "15", (char *)nullptr);
      _exit(121);
    }
    await_ready(p, what);
    pid_t fg = tcgetpgrp(master);
    cr_assert(fg == p.pid, "%s: the pty's foreground group is %d, not remit's (%d)", what, int(fg), int(p.pid));
    if (from_kernel) {
      winsize ws{40, 120, 0, 0};
      cr_assert(ioctl(master, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ failed: %s", strerror(errno));
    } else {
      p.signal(SIGWINCH);
    }
    t::wait_taken(p, SIGWINCH);
    p.signal(SIGTERM);
    t::Result r = p.wait(30);
    close(master);
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0 (the child ends at TERM), got %s; stderr: %s", what,
              r.describe().c_str(), r.err.c_str());
    expect_report(what, report,
                  std::string("r['signals'] == ['WINCH', 'TERM'] and r['stop_signal'] == '") +
                      (from_kernel ? "TERM" : "WINCH") + "'");
  }
}

// ----------------------------------------------------------------- @stop

Test(stop, the_stop_condition_matches_any_stop_signal_and_no_other) {
  struct Case { std::vector<std::string> opts; const char *sig; int want; } cases[] = {
      {{"--stop-signals", "WINCH"}, "WINCH", 0},
      {{"--stop-signals", "WINCH"}, "HUP", 1},
      {{"--stop-signals", "WINCH"}, "TERM", 1},  // TERM is not a stop here
      {{"--stop-signals", "HUP,WINCH"}, "WINCH", 0},
      {{}, "TERM", 0},
      {{}, "INT", 0},
      {{}, "HUP", 1},
  };
  for (const Case &c : cases) {
    std::string what = join(c.opts) + " then " + c.sig;
    std::vector<std::string> opts = {"-m", "1@stop=0"};
    opts.insert(opts.end(), c.opts.begin(), c.opts.end());
    t::Proc p = t::start(remit_with(opts, exits_1_on(c.sig)));
    await_ready(p, what);
    int sig = !strcmp(c.sig, "WINCH") ? SIGWINCH : !strcmp(c.sig, "HUP") ? SIGHUP
            : !strcmp(c.sig, "TERM") ? SIGTERM : SIGINT;
    p.signal(sig);
    t::Result r = p.wait(30);
    cr_expect(r.exited && r.code == c.want, "-m 1@stop=0 %s (the program exits 1): expected exit %d, got %s; "
              "stderr: %s", what.c_str(), c.want, r.describe().c_str(), r.err.c_str());
  }
  // The variable, and the grace's KILL after a stop.
  t::Proc p = t::start(remit_with({"-t", "1", "-m", "KILL@stop=0"}, kStubborn, {"REMIT_STOP_SIGNALS=WINCH"}));
  await_ready(p, "REMIT_STOP_SIGNALS=WINCH -t 1 -m KILL@stop=0");
  p.signal(SIGWINCH);
  t::Result r = p.wait(30);
  cr_expect(r.exited && r.code == 0, "REMIT_STOP_SIGNALS=WINCH -t 1 -m KILL@stop=0, WINCH to a program that "
            "ignores it: expected exit 0, got %s; stderr: %s", r.describe().c_str(), r.err.c_str());
}

Test(stop, explain_takes_stop_as_the_first_of_the_list) {
  struct Case { std::vector<std::string> args; std::string want; } cases[] = {
      {{"--explain", "1@stop", "-m", "1@stop=0"}, "1@stop -> 0 (rule 1: 1@stop=0)\n"},
      {{"--explain", "1@stop", "-m", "1@TERM=0"}, "1@stop -> 0 (rule 1: 1@TERM=0)\n"},
      {{"--explain", "1@stop", "-m", "1@INT=0"}, "1@stop -> 1 (no rule matched)\n"},
      {{"--explain", "1@stop", "--stop-signals", "WINCH", "-m", "1@WINCH=0"}, "1@stop -> 0 (rule 1: 1@WINCH=0)\n"},
      {{"--explain", "1@WINCH", "--stop-signals", "WINCH", "-m", "1@stop=0"}, "1@WINCH -> 0 (rule 1: 1@stop=0)\n"},
      {{"--explain", "1@TERM", "--stop-signals", "WINCH", "-m", "1@stop=0"}, "1@TERM -> 1 (no rule matched)\n"},
      {{"--explain", "1@INT", "-m", "1@stop=0"}, "1@INT -> 0 (rule 1: 1@stop=0)\n"},
      {{"--explain", "1", "-m", "1@stop=0"}, "1 -> 1 (no rule matched)\n"},
  };
  for (const Case &c : cases) {
    std::vector<std::string> argv = {"remit"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    t::Result r = t::run(Spec{argv});
    cr_expect(r.exited && r.code == 0 && r.out == c.want, "remit %s: expected exit 0 and '%s', got %s and "
              "'%s'; stderr: %s", join(c.args).c_str(), c.want.c_str(), r.describe().c_str(), r.out.c_str(),
              r.err.c_str());
  }
}

// ------------------------------------------------------------ report-max

// Arguments that grow when escaped (quotes, backslashes, control
// characters) and multi-byte UTF-8, so a cut in the wrong place would
// break an escape or a character.
std::vector<std::string> long_args() {
  std::string mixed;
  for (int i = 0; i < 400; i++) mixed += i % 5 == 0 ? "\"" : i % 5 == 1 ? "\\" : i % 5 == 2 ? "\xc3\xa9" : i % 5 == 3 ? "\x01" : "\xf0\x9f\x98\x80";
  return {std::string(3000, 'x'), mixed, "short", std::string(2000, 'y')};
}

Test(stop, report_max_bounds_the_line_and_cuts_the_arguments) {
  std::vector<std::string> args = long_args();
  // A program name of 200 bytes, within its share of even 1024 bytes.
  std::string dir = t::scratch() + "/" + std::string(180, 'p');
  t::mkdirs(dir);
  std::string prog = dir + "/true";
  cr_assert(symlink("/bin/true", prog.c_str()) == 0, "symlink %s", prog.c_str());
  std::string argv_py = "[";
  for (const std::string &a : args) {
    argv_py += "bytes.fromhex('";
    for (unsigned char ch : a) {
      char hex[3];
      snprintf(hex, sizeof hex, "%02x", ch);
      argv_py += hex;
    }
    argv_py += "').decode(), ";
  }
  argv_py += "]";
  struct Case { std::vector<std::string> opts, env; int max; } cases[] = {
      {{"--report-max", "1024"}, {}, 1024},
      {{"--report-max=1025"}, {}, 1025},
      {{"--report-max", "1500"}, {}, 1500},
      {{"--report-max", "2047"}, {}, 2047},
      {{"--report-max", "4096"}, {}, 4096},
      {{}, {}, 4096},
      {{}, {"REMIT_REPORT_MAX=1024"}, 1024},
      {{"--report-max", "4096"}, {"REMIT_REPORT_MAX=1100"}, 1100},  // the variable overrides
  };
  for (const Case &c : cases) {
    std::string what = join(c.opts) + " " + join(c.env);
    std::string report = t::scratch() + "/report";
    std::vector<std::string> opts = {"--report", report};
    opts.insert(opts.end(), c.opts.begin(), c.opts.end());
    std::vector<std::string> program = {prog};
    program.insert(program.end(), args.begin(), args.end());
    t::Result r = t::run(remit_with(opts, program, c.env));
    cr_expect(r.exited && r.code == 0 && r.err.empty(), "%s: expected exit 0 and no message, got %s: %s",
              what.c_str(), r.describe().c_str(), r.err.c_str());
    // Every field there; the program's name whole; each argument given a
    // prefix of the original (ending in an ellipsis where it was cut), in
    // order, some cut.
    expect_report(what, report,
                  "r['program'] == " + std::string("'") + prog + "' and r['ended'] == 'exited' and "
                  "r['code'] == 0 and r['exit_status'] == 0 and r['signals'] == [] and r['rule'] is None and "
                  "r['grace_kill'] is False and len(r['args']) <= 4 and "
                  "all(o.startswith(a[:-1] if a.endswith('\\u2026') else a) for a, o in zip(r['args'], " +
                      argv_py + ")) and r['args'] != " + argv_py,
                  c.max);
  }
}

Test(stop, report_max_outside_1024_to_4096_is_refused) {
  std::string marker = t::scratch() + "/started";
  for (const char *where : {"--report-max", "REMIT_REPORT_MAX"})
    for (const char *v : {"1023", "4097", "0", "-1", "1k", "", "99999999999999999999", "abc"}) {
      Spec s{{"remit"}};
      if (where[0] == '-') s.argv.insert(s.argv.end(), {where, v});
      else s.env = {std::string(where) + "=" + v};
      s.argv.insert(s.argv.end(), {"--report", "-", "--", "/bin/touch", marker});
      t::Result r = t::run(s);
      cr_expect(r.exited && r.code == 2, "%s '%s': expected exit 2, got %s", where, v, r.describe().c_str());
      cr_expect(t::newlines(r.err) == 1 && r.err.find(where) != std::string::npos,
                "%s '%s': expected one line naming %s, got: %s", where, v, where, r.err.c_str());
      cr_expect(!t::exists(marker), "%s '%s': the program was started", where, v);
      unlink(marker.c_str());
    }
  for (const char *v : {"1024", "4096", "2000"}) {
    t::Result r = t::run(Spec{{"remit", "--report-max", v, "--", "/bin/true"}});
    cr_expect(r.exited && r.code == 0, "--report-max %s: expected exit 0, got %s: %s", v, r.describe().c_str(),
              r.err.c_str());
    r = t::run(Spec{{"remit", "--", "/bin/true"}, {std::string("REMIT_REPORT_MAX=") + v}});
    cr_expect(r.exited && r.code == 0, "REMIT_REPORT_MAX=%s: expected exit 0, got %s: %s", v, r.describe().c_str(),
              r.err.c_str());
  }
}

// ------------------------------------------------------------ signal-all

// As PID 1: the program starts a daemon in its own session (setsid), which
// logs the signals it takes (tests/child.c's count mode: all blocked, the
// lowest pending first) and ends at WINCH.  On TERM the program runs an
// external command (its fork waits for any kill(-1) still under way, which
// holds the task list), then sends the daemon WINCH and waits for it to end:
// a TERM remit sent it is then logged before the WINCH.
const char kDaemonMain[] =
    "trap '/bin/true; kill -WINCH $(cat \"$D/dpid\"); "
    "while ! grep -q end \"$D/dlog\"; do sleep 0.01; done; exit 0' TERM\n"
    "setsid /bin/sh -c 'echo $$ > \"$D/dpid.tmp\"; mv \"$D/dpid.tmp\" \"$D/dpid\"; exec \"$C\" count 28' "
    "> \"$D/dlog\" &\n"
    "while ! grep -q ready \"$D/dlog\" 2>/dev/null || [ ! -e \"$D/dpid\" ]; do sleep 0.01; done\n"
    "sleep 1000 & S=$!\n"
    "echo ready\n"
    "while :; do wait $S; done\n";

Test(stop, signal_all_as_pid1_sends_the_stop_to_a_daemon_in_its_own_session) {
  std::string child = t::child_bin();
  struct Case { std::vector<std::string> opts, env; bool all; } cases[] = {
      {{"--signal-all"}, {}, true},
      {{}, {"REMIT_SIGNAL_ALL=1"}, true},
      {{"--stop-signals", "WINCH,TERM", "--signal-all"}, {}, true},
      {{}, {"REMIT_SIGNAL_ALL=yes"}, true},
      // 0 leaves it as the options set it.
      {{"--signal-all"}, {"REMIT_SIGNAL_ALL=0"}, true},
      {{}, {}, false},
      {{}, {"REMIT_SIGNAL_ALL=0"}, false},
  };
  for (const Case &c : cases) {
    std::string what = join(c.opts) + " " + join(c.env);
    std::string d = t::scratch();
    write_file(d + "/main.sh", kDaemonMain);
    std::vector<std::string> env = c.env;
    env.insert(env.end(), {"D=" + d, "C=" + child});
    Spec s = remit_with(c.opts, {"/bin/sh", d + "/main.sh"}, env);
    s.pid1 = true;
    t::Proc p = t::start(s);
    await_ready(p, what);
    p.signal(SIGTERM);
    t::Result r = p.wait(40);
    std::string log = t::slurp(d + "/dlog");
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0 (the program exits 0 on TERM), got %s; stderr: %s",
              what.c_str(), r.describe().c_str(), r.err.c_str());
    if (c.all)
      cr_expect(log == "ready\n15\n28\nend\n", "%s: the daemon should have got remit's TERM, then the program's "
                "WINCH; it logged: %s", what.c_str(), log.c_str());
    else
      cr_expect(log == "ready\n28\nend\n", "%s: without --signal-all the daemon should get only the program's "
                "WINCH; it logged: %s", what.c_str(), log.c_str());
  }
}

// As a wrapper: to the program's process group, which the program gets
// even under dumb-init -c (where it would stay in remit's).  The program
// starts a grandchild that answers TERM in $D/gc and WINCH in $D/ack (dash
// runs the traps of pending signals in number order: once a WINCH sent
// after remit ended is answered, no TERM trap is left to run).
Test(stop, signal_all_as_a_wrapper_signals_the_programs_group_even_under_dumb_init_c) {
  std::string dumb = t::as_name("dumb-init");
  struct Case { std::vector<std::string> argv, env; bool all; } cases[] = {
      {{"remit", "--signal-all", "--"}, {}, true},
      {{"remit", "--"}, {"REMIT_SIGNAL_ALL=1"}, true},
      {{dumb, "-c"}, {"REMIT_SIGNAL_ALL=1"}, true},
      {{dumb, "-c"}, {}, false},
  };
  for (const Case &c : cases) {
    std::string what = join(c.argv) + " " + join(c.env);
    std::string d = t::scratch();
    write_file(d + "/inner.sh",
               "trap 'echo TERM > \"$D/gc\"; kill $S; exit 0' TERM\n"
               "trap 'echo WINCH > \"$D/ack\"' WINCH\n"
               "sleep 1000 & S=$!\n"
               "echo $$ > \"$D/inner.tmp\" && mv \"$D/inner.tmp\" \"$D/inner\"\n"
               "while :; do wait $S; done\n");
    write_file(d + "/outer.sh", "/bin/sh \"$D/inner.sh\" &\n"
                                "while [ ! -e \"$D/inner\" ]; do sleep 0.01; done\necho ready\nwait\n");
    Spec s{c.argv, c.env};
    s.env.push_back("D=" + d);
    s.argv.insert(s.argv.end(), {"/bin/sh", d + "/outer.sh"});
    t::Proc p = t::start(s);
    await_ready(p, what);
    pid_t inner = pid_t(atoi(t::slurp(d + "/inner").c_str()));
    pid_t prog = p.child_pid();
    bool own_group = getpgid(prog) == prog;
    p.signal(SIGTERM);
    t::Result r = p.wait(30);
    cr_expect(r.status() == 128 + SIGTERM, "%s: expected status 143 (the program died by TERM), got %s; stderr: %s",
              what.c_str(), r.describe().c_str(), r.err.c_str());
    if (c.all) {
      bool got = t::wait_text(d + "/gc", "TERM");
      t::kill_ours(inner, d, true);
      cr_expect(own_group, "%s: the program %d should lead a process group of its own", what.c_str(), int(prog));
      cr_expect(got, "%s: the grandchild in the program's group never got TERM", what.c_str());
    } else {
      kill(inner, SIGWINCH);
      bool answered = t::wait_text(d + "/ack", "WINCH") || t::exists(d + "/gc");
      bool alive = running(inner);
      std::string gc = t::slurp(d + "/gc");
      t::kill_ours(inner, d, true);
      cr_expect(answered, "%s: the grandchild %d never answered WINCH", what.c_str(), int(inner));
      cr_expect(gc.empty() && alive, "%s: without REMIT_SIGNAL_ALL only the program should get TERM, but the "
                "grandchild got it (%s, %s)", what.c_str(), gc.c_str(), alive ? "alive" : "gone");
    }
  }
}
