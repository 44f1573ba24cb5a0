// Issue 5: shutdown control.  Signal rewriting (-r, REMIT_REWRITE), the
// grace period ending in SIGKILL (-t, --grace, REMIT_GRACE), the process
// group (-g), the stop delay (--stop-delay, REMIT_STOP_DELAY) and
// --wait-all, end to end with real programs: nats-server, dash scripts that
// trap signals and write what they saw to files.
//
// Timing: only lower bounds that remit guarantees (a timer never fires
// early) and loose upper bounds far from what the broken behaviour would
// take.  Ordering is checked through the files the children write, and a
// second signal is only sent once remit has taken the first off its
// pending set (/proc/PID/status ShdPnd), so the kernel cannot merge them.
#include <algorithm>

#include "harness.hpp"

using t::Spec;

namespace {

void write_file(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}


bool wait_file(const std::string &path, double limit = 10) {
  for (double end = t::now() + limit; t::now() < end; t::sleep_s(0.01))
    if (t::exists(path)) return true;
  return t::exists(path);
}

// A process that is still running (not gone, not a zombie).
bool running(pid_t pid) {
  std::string state = t::status_field(pid, "State");
  return !state.empty() && state[0] != 'Z' && state[0] != 'X';
}

pid_t read_pid(const std::string &path) { return pid_t(atoi(t::slurp(path).c_str())); }

// The time a child wrote after `tag` ("15 12345.678"), or -1.
double stamp(const std::string &log, const std::string &tag) {
  size_t at = log.find(tag + " ");
  return at == std::string::npos ? -1 : atof(log.c_str() + at + tag.size() + 1);
}

// A child that logs TERM to $D/log, exits 0 on TERM, and says "ready"
// once its trap is set.  `wait` on a background sleep, so the trap runs as
// soon as the signal comes.  (One trap only: with two, a signal arriving
// while the other's trap runs can overtake it; tests that need the order
// of signals use tests/child.c's count mode.)
const char kLogger[] =
    "trap 'echo TERM >> \"$D/log\"; kill $S; exit 0' TERM\n"
    "sleep 1000 & S=$!\n"
    "echo $S > \"$D/sleep\"\n"
    "echo ready\n"
    "while :; do wait $S; done\n";

// A scratch directory with the logger script in it.
std::string logger_dir() {
  std::string d = t::scratch();
  write_file(d + "/logger.sh", kLogger);
  return d;
}

// nats-server under remit with `opts` on a port it picks (-p -1: no other
// test can take it first), stopped by SIGTERM once it is ready.
t::Result stop_nats(std::vector<std::string> opts, std::vector<std::string> env = {}) {
  std::vector<std::string> argv = {"remit"};
  argv.insert(argv.end(), opts.begin(), opts.end());
  argv.insert(argv.end(), {"--", t::nats_server(), "-a", "127.0.0.1", "-p", "-1"});
  env.push_back(t::kOneP);
  t::Proc p = t::start(Spec{argv, env});
  cr_assert(p.wait_for("Server is ready", 20, true), "nats-server did not say \"Server is ready\" within 20 s: %s",
            p.err().c_str());
  p.signal(SIGTERM);
  return p.wait(30);
}

std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

// ------------------------------------------------------------- rewriting

Test(shutdown, nats_exits_1_after_sigterm_without_a_rewrite) {
  // The baseline that makes the rewrite tests mean something.
  t::Result r = stop_nats({});
  cr_expect(r.exited && r.code == 1, "expected exit 1, got status %d; stderr: %s", r.status(), r.err.c_str());
}

Test(shutdown, rewrite_term_to_int_makes_nats_exit_0) {
  for (std::vector<std::string> opts : std::vector<std::vector<std::string>>{
           {"-r", "TERM:INT"}, {"-r", "15:2"}, {"--rewrite", "SIGTERM:SIGINT"}, {"--rewrite=TERM:INT"}}) {
    t::Result r = stop_nats(opts);
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0, got status %d; stderr: %s", join(opts).c_str(),
              r.status(), r.err.c_str());
  }
}

Test(shutdown, remit_rewrite_variable_makes_nats_exit_0) {
  t::Result r = stop_nats({}, {"REMIT_REWRITE=TERM:INT"});
  cr_expect(r.exited && r.code == 0, "expected exit 0, got status %d; stderr: %s", r.status(), r.err.c_str());
}

Test(shutdown, rule_conditions_see_the_signal_as_received_not_as_rewritten) {
  // nats exits 0 (it got INT), remit received TERM: 0@TERM applies, 0@INT not.
  t::Result r = stop_nats({"-r", "TERM:INT", "-m", "0@TERM=5"});
  cr_expect(r.exited && r.code == 5, "0@TERM=5: expected exit 5, got status %d; stderr: %s", r.status(),
            r.err.c_str());
  r = stop_nats({"-r", "TERM:INT", "-m", "0@INT=9"});
  cr_expect(r.exited && r.code == 0, "0@INT=9: expected exit 0 (INT never received), got status %d", r.status());
}

Test(shutdown, signal_rewritten_to_0_never_reaches_the_child) {
  // tests/child.c's count mode blocks every signal and logs each one it
  // dequeues, lowest number first when several are pending: a USR1 (10)
  // that reached it before TERM (15) is always logged before "end".  (A
  // shell's traps were racy here: a TERM during the USR1 trap's command
  // substitution could exit before the USR1 line was written.)
  std::string child = t::child_bin();
  for (bool drop : {false, true}) {
    std::vector<std::string> argv = {"remit"};
    if (drop) argv.insert(argv.end(), {"-r", "USR1:0"});
    argv.insert(argv.end(), {"--", child, "count", std::to_string(SIGTERM)});
    t::Proc p = t::start(Spec{argv});
    cr_assert(p.wait_for("ready\n"), "drop=%d: the child never said ready; stderr: %s", drop, p.err().c_str());
    p.signal(SIGUSR1);
    t::wait_taken(p, SIGUSR1);
    // remit acts on a signal as it takes it, so a forwarded USR1 is
    // pending at the child before this TERM is.
    p.signal(SIGTERM);
    t::Result r = p.wait();
    cr_expect(r.exited && r.code == 0, "drop=%d: expected exit 0, got status %d; stderr: %s", drop, r.status(),
              r.err.c_str());
    cr_expect(r.out.find("\n15\nend\n") != std::string::npos, "drop=%d: child never got TERM; it logged: %s", drop,
              r.out.c_str());
    bool usr1 = r.out.find("\n10\n") != std::string::npos;
    if (drop) cr_expect(!usr1, "-r USR1:0: child saw USR1 anyway; it logged: %s", r.out.c_str());
    else cr_expect(usr1, "without -r: child never saw USR1; it logged: %s", r.out.c_str());
  }
}

// ---------------------------------------------------------- grace period

// A child that ignores SIGTERM (the disposition survives exec) and would
// otherwise run for 60 s.
const std::vector<std::string> kStubborn = {"/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 60"};

Test(shutdown, child_ignoring_sigterm_is_killed_after_the_grace) {
  struct Case { std::vector<std::string> opts, env; } cases[] = {
      {{"-t", "1"}, {}},
      {{"-t", "1s"}, {}},
      {{"--grace", "1000ms"}, {}},
      {{"--grace=0.02m"}, {}},  // 1.2 s
      {{}, {"REMIT_GRACE=1"}},
  };
  for (const Case &c : cases) {
    std::vector<std::string> argv = {"remit"};
    argv.insert(argv.end(), c.opts.begin(), c.opts.end());
    argv.push_back("--");
    argv.insert(argv.end(), kStubborn.begin(), kStubborn.end());
    std::string what = join(c.opts) + join(c.env);
    t::Proc p = t::start(Spec{argv, c.env});
    cr_assert(p.wait_for("ready"), "%s: child not ready", what.c_str());
    double t0 = t::now();
    p.signal(SIGTERM);
    t::Result r = p.wait(40);
    double secs = t::now() - t0;
    // Outside PID 1 remit dies by the child's KILL, as the shell sees 137.
    cr_expect(r.status() == 137, "%s: expected status 137 (KILL), got %d; stderr: %s", what.c_str(), r.status(),
              r.err.c_str());
    cr_expect(secs >= 0.99 && secs < 20, "%s: expected the KILL after about 1 s (60 s without), took %.2f s",
              what.c_str(), secs);
  }
}

Test(shutdown, kill_after_grace_is_137_as_pid1_and_a_rule_can_map_it) {
  for (bool rule : {false, true}) {
    std::vector<std::string> argv = {"remit", "-t", "1"};
    if (rule) argv.insert(argv.end(), {"-m", "KILL@TERM=0"});
    argv.push_back("--");
    argv.insert(argv.end(), kStubborn.begin(), kStubborn.end());
    t::Proc p = t::start(Spec{argv, {}, true});
    cr_assert(p.wait_for("ready"), "child not ready; stderr: %s", p.err().c_str());
    double t0 = t::now();
    p.signal(SIGTERM);
    t::Result r = p.wait(40);
    double secs = t::now() - t0;
    int want = rule ? 0 : 137;
    cr_expect(r.exited && r.code == want, "rule=%d: expected exit %d, got status %d; stderr: %s", rule, want,
              r.status(), r.err.c_str());
    cr_expect(secs >= 0.99 && secs < 20, "rule=%d: expected about 1 s (60 s without the grace), took %.2f s", rule,
              secs);
  }
}

Test(shutdown, child_that_stops_quickly_is_not_held_back_by_a_long_grace) {
  std::string d = logger_dir();
  t::Proc p = t::start(Spec{{"remit", "-t", "60", "--", "/bin/sh", d + "/logger.sh"}, {"D=" + d}});
  cr_assert(p.wait_for("ready"), "child not ready");
  double t0 = t::now();
  p.signal(SIGTERM);
  t::Result r = p.wait(90);
  double secs = t::now() - t0;
  t::kill_ours(read_pid(d + "/sleep"), d);
  cr_expect(r.exited && r.code == 0, "expected exit 0, got status %d", r.status());
  cr_expect(secs < 20, "a child that ended at once held remit for %.1f s (grace 60 s)", secs);

  // And nats-server, stopped the way it likes, with a long grace.
  t::Result n = stop_nats({"-r", "TERM:INT", "-t", "60"});
  cr_expect(n.exited && n.code == 0, "nats: expected exit 0, got status %d", n.status());
  cr_expect(n.secs < 40, "nats: remit took %.1f s in all with a 60 s grace", n.secs);
}

Test(shutdown, bad_durations_are_refused_before_starting_anything) {
  const char *bad[] = {"-1", "soon", "10x", "", "1.5.5", "99999999999999999999", " 1", "1 s", "s", "1e3"};
  const char *where[] = {"-t", "--grace", "--stop-delay", "REMIT_GRACE", "REMIT_STOP_DELAY"};
  std::string d = t::scratch();
  std::string marker = d + "/started";
  for (const char *w : where)
    for (const char *v : bad) {
      Spec s{{"remit"}};
      if (w[0] == '-') s.argv.insert(s.argv.end(), {w, v});
      else s.env = {std::string(w) + "=" + v};
      s.argv.insert(s.argv.end(), {"--", "/bin/touch", marker});
      t::Result r = t::run(s);
      int lines = t::newlines(r.err);
      cr_expect(r.exited && r.code == 2, "%s '%s': expected exit 2, got status %d", w, v, r.status());
      cr_expect(lines == 1 && r.err.back() == '\n', "%s '%s': expected one line on stderr, got: %s", w, v,
                r.err.c_str());
      cr_expect(r.err.find(w) != std::string::npos, "%s '%s': message does not name %s: %s", w, v, w,
                r.err.c_str());
      cr_expect(!t::exists(marker), "%s '%s': the child was started", w, v);
      unlink(marker.c_str());
    }
}

Test(shutdown, good_durations_are_accepted) {
  for (const char *v : {"0", "1", "1.5", "2s", "250ms", "0.5m", "1MS", "007"}) {
    t::Result r = t::run(Spec{{"remit", "-t", v, "--stop-delay", v, "--", "/bin/true"}});
    cr_expect(r.exited && r.code == 0, "-t/--stop-delay '%s': expected exit 0, got %d: %s", v, r.status(),
              r.err.c_str());
  }
}

// ------------------------------------------------------- process group

// The program is a shell that starts a grandchild trapping TERM (and
// writing $D/gc when it gets it), then waits.  The grandchild answers
// WINCH in $D/ack: dash runs the traps of pending signals in number order,
// so once a WINCH sent after a TERM is answered, the TERM's trap has run.
void grandchild_scripts(const std::string &d) {
  write_file(d + "/inner.sh",
             "trap 'echo TERM > \"$D/gc\"; kill $S; exit 0' TERM\n"
             "trap 'echo WINCH > \"$D/ack\"' WINCH\n"
             "sleep 1000 & S=$!\n"
             "echo $$ > \"$D/inner.tmp\" && mv \"$D/inner.tmp\" \"$D/inner\"\n"
             "while :; do wait $S; done\n");
  write_file(d + "/outer.sh", "/bin/sh \"$D/inner.sh\" &\nwait\n");
}

Test(shutdown, group_option_signals_the_grandchild) {
  for (const char *how : {"-g", "--group", "REMIT_GROUP=1"}) {
    std::string d = t::scratch();
    grandchild_scripts(d);
    Spec s{{"remit"}, {"D=" + d}};
    if (how[0] == '-') s.argv.push_back(how);
    else s.env.push_back(how);
    s.argv.insert(s.argv.end(), {"--", "/bin/sh", d + "/outer.sh"});
    t::Proc p = t::start(s);
    cr_assert(wait_file(d + "/inner"), "%s: grandchild not ready", how);
    p.signal(SIGTERM);
    t::Result r = p.wait();
    // The shell itself died by TERM; remit, outside PID 1, likewise.
    cr_expect(r.status() == 128 + SIGTERM, "%s: expected status 143, got %d", how, r.status());
    bool got = t::wait_text(d + "/gc", "TERM");
    t::kill_ours(read_pid(d + "/inner"), d, true);
    cr_expect(got, "%s: the grandchild never got TERM", how);
  }
}

Test(shutdown, without_group_the_grandchild_is_not_signalled) {
  std::string d = t::scratch();
  grandchild_scripts(d);
  t::Proc p = t::start(Spec{{"remit", "--", "/bin/sh", d + "/outer.sh"}, {"D=" + d}});
  cr_assert(wait_file(d + "/inner"), "grandchild not ready");
  pid_t inner = read_pid(d + "/inner");
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(r.status() == 128 + SIGTERM, "expected status 143, got %d", r.status());
  // remit has ended, so any TERM it sent is at the grandchild already:
  // answered WINCH means no TERM trap is left to run.
  kill(inner, SIGWINCH);
  bool answered = wait_file(d + "/ack") || t::exists(d + "/gc");
  bool alive = running(inner);
  std::string gc = t::slurp(d + "/gc");
  t::kill_ours(inner, d, true);  // the grandchild and its sleep
  cr_expect(answered, "the grandchild %d never answered WINCH (in $D/ack)", int(inner));
  cr_expect(gc.empty(), "without -g the grandchild got TERM: %s", gc.c_str());
  cr_expect(alive, "without -g the grandchild %d should still be running", int(inner));
}

Test(shutdown, grace_kill_reaches_the_whole_group_with_g) {
  // The shell ignores TERM, and so does its background sleep (SIG_IGN is
  // inherited): only the KILL at the end of the grace ends them.
  for (bool group : {false, true}) {
    std::string d = t::scratch();
    std::vector<std::string> argv = {"remit", "-t", "1"};
    if (group) argv.push_back("-g");
    argv.insert(argv.end(), {"--", "/bin/sh", "-c",
                             "trap '' TERM; sleep 60 & echo $! > \"$D/gc\"; echo ready; wait"});
    t::Proc p = t::start(Spec{argv, {"D=" + d}});
    cr_assert(p.wait_for("ready"), "group=%d: child not ready", group);
    pid_t gc = read_pid(d + "/gc");
    p.signal(SIGTERM);
    t::Result r = p.wait(40);
    // remit has ended, so a KILL it sent to the group is at the grandchild
    // already: it is gone, or has KILL pending.
    bool gone = !running(gc) || (t::pending(gc) & (1ULL << (SIGKILL - 1)));
    t::kill_ours(gc, d);
    cr_expect(r.status() == 137, "group=%d: expected status 137, got %d", group, r.status());
    if (group) cr_expect(gone, "-g: the grandchild %d survived the KILL", int(gc));
    else cr_expect(!gone, "without -g the KILL should reach the child only, but grandchild %d died", int(gc));
  }
}

// ------------------------------------------------------------ stop delay

// The hold is shown with a delay no machine can outlast (60 s): USR1 comes
// through while TERM stays held; a second TERM then ends it (as the next
// test shows, it is not held).  The delay's length is shown with 3 s: TERM
// comes no sooner.
Test(shutdown, stop_delay_holds_term_while_usr1_passes_at_once) {
  struct Case { std::vector<std::string> opts, env; } cases[] = {
      {{"--stop-delay", "60"}, {}},
      {{}, {"REMIT_STOP_DELAY=60000ms"}},
  };
  // The child logs each signal with the time it took it (CLOCK_MONOTONIC,
  // t::now()'s clock), and ends at TERM.
  auto start = [](const Case &c, const std::string &what) {
    std::vector<std::string> argv = {"remit"};
    argv.insert(argv.end(), c.opts.begin(), c.opts.end());
    argv.insert(argv.end(), {"--", t::child_bin(), "count", std::to_string(SIGTERM), "stamp"});
    t::Proc p = t::start(Spec{argv, c.env});
    cr_assert(p.wait_for("ready\n"), "%s: the child never said ready", what.c_str());
    return p;
  };
  for (const Case &c : cases) {
    std::string what = join(c.opts) + join(c.env);
    t::Proc p = start(c, what);
    p.signal(SIGTERM);
    t::wait_taken(p, SIGTERM);
    p.signal(SIGUSR1);
    cr_assert(p.wait_for("\n10 ", 20), "%s: USR1 never reached the child", what.c_str());
    std::string log = p.out();
    cr_expect(log.find("\n15 ") == std::string::npos, "%s: TERM was not held: it came with or before USR1: %s",
              what.c_str(), log.c_str());
    p.signal(SIGTERM);
    t::Result r = p.wait(30);
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0, got status %d", what.c_str(), r.status());
    double usr1 = stamp(r.out, "\n10"), term = stamp(r.out, "\n15");
    cr_expect(usr1 > 0 && term > usr1, "%s: expected USR1 then TERM in the child's log: %s", what.c_str(),
              r.out.c_str());
  }
  for (const Case &c : {Case{{"--stop-delay", "3"}, {}}, Case{{}, {"REMIT_STOP_DELAY=3000ms"}}}) {
    std::string what = join(c.opts) + join(c.env);
    t::Proc p = start(c, what);
    double sent = t::now();
    p.signal(SIGTERM);
    t::Result r = p.wait(30);
    double term = stamp(r.out, "\n15");
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0, got status %d", what.c_str(), r.status());
    cr_expect(term - sent >= 2.95, "%s: TERM reached the child %.2f s after it was sent (delay 3 s)", what.c_str(),
              term - sent);
  }
}

Test(shutdown, second_stop_signal_during_the_delay_forwards_at_once) {
  std::string d = logger_dir();
  t::Proc p = t::start(Spec{{"remit", "--stop-delay", "60", "--", "/bin/sh", d + "/logger.sh"}, {"D=" + d}});
  cr_assert(p.wait_for("ready"), "child not ready");
  double t0 = t::now();
  p.signal(SIGTERM);
  t::wait_taken(p, SIGTERM);
  p.signal(SIGTERM);  // the impatient second one
  t::Result r = p.wait(90);
  double secs = t::now() - t0;
  t::kill_ours(read_pid(d + "/sleep"), d);
  std::string log = t::slurp(d + "/log");
  cr_expect(r.exited && r.code == 0, "expected exit 0 (child trapped TERM), got status %d", r.status());
  cr_expect(log.find("TERM") != std::string::npos, "the child never got TERM: %s", log.c_str());
  cr_expect(secs < 30, "remit waited %.1f s: the second stop signal did not cut the 60 s delay", secs);
}

Test(shutdown, grace_starts_when_the_held_signal_is_forwarded) {
  // 1 s delay then 1 s grace: the KILL comes no sooner than 2 s.
  t::Proc p = t::start(Spec{{"remit", "--stop-delay", "1", "-t", "1", "--", "/bin/sh", "-c",
                             "trap '' TERM; echo ready; exec sleep 60"}});
  cr_assert(p.wait_for("ready"), "child not ready");
  double t0 = t::now();
  p.signal(SIGTERM);
  t::Result r = p.wait(40);
  double secs = t::now() - t0;
  cr_expect(r.status() == 137, "expected status 137, got %d", r.status());
  cr_expect(secs >= 1.98 && secs < 20, "expected delay + grace, about 2 s; took %.2f s", secs);
}

// -------------------------------------------------------------- wait-all

// The program starts a background shell (bg.sh), waits until it is ready,
// then exits 3.
// main.sh exits once $D/GATE exists: "ready", which bg.sh writes, or a
// file the test makes.
void wait_all_scripts(const std::string &d, const std::string &bg, const char *gate = "ready") {
  write_file(d + "/bg.sh", bg);
  write_file(d + "/main.sh",
             "/bin/sh \"$D/bg.sh\" &\n"
             "while [ ! -e \"$D/" + std::string(gate) + "\" ]; do sleep 0.01; done\n"
             "exit 3\n");
}

// A background process that, on TERM, takes a second to finish its work.
// The runs that wait for it give it -t 60, not the default 5 s grace, so a
// slow machine cannot turn its second into a KILL.
const char kDiligent[] =
    "trap 'sleep 1; echo finished > \"$D/done\"; exit 0' TERM\n"
    "echo $$ > \"$D/ready\"\n"
    "while :; do sleep 0.05; done\n";

Test(shutdown, wait_all_as_pid1_lets_a_background_process_finish) {
  for (bool wait_all : {false, true}) {
    std::string d = t::scratch();
    wait_all_scripts(d, kDiligent);
    std::vector<std::string> argv = {"remit", "-m", "3=7", "-t", "60"};
    if (wait_all) argv.push_back("--wait-all");
    argv.insert(argv.end(), {"--", "/bin/sh", d + "/main.sh"});
    t::Result r = t::run(Spec{argv, {"D=" + d}, true}, 40);
    std::string done = t::slurp(d + "/done");
    cr_expect(r.exited && r.code == 7, "wait_all=%d: expected exit 7 (3 through 3=7), got status %d; stderr: %s",
              wait_all, r.status(), r.err.c_str());
    if (wait_all)
      cr_expect(done == "finished\n", "--wait-all: the background process did not finish its work: '%s'",
                done.c_str());
    else
      cr_expect(done.empty(), "without --wait-all the background process should die at once, but wrote '%s'",
                done.c_str());
  }
}

Test(shutdown, wait_all_variable_lets_a_background_process_finish) {
  std::string d = t::scratch();
  wait_all_scripts(d, kDiligent);
  t::Result r = t::run(Spec{{"remit", "-t", "60", "--", "/bin/sh", d + "/main.sh"}, {"D=" + d, "REMIT_WAIT_ALL=1"}, true}, 40);
  cr_expect(r.exited && r.code == 3, "expected exit 3, got status %d", r.status());
  cr_expect(t::slurp(d + "/done") == "finished\n", "REMIT_WAIT_ALL=1: the background process did not finish");
}

Test(shutdown, wait_all_as_pid1_kills_what_ignores_term_after_the_grace) {
  struct Case { std::vector<std::string> opts; double lo; } cases[] = {
      {{"-t", "1"}, 0.99},
      {{}, 4.99},  // the default: 5 s
  };
  for (const Case &c : cases) {
    std::string d = t::scratch();
    // The program ends when the test says "go", after t0: remit's grace
    // starts once it has ended, so the KILL cannot come before t0 + grace.
    wait_all_scripts(d, "trap '' TERM\necho $$ > \"$D/ready\"\nexec sleep 60\n", "go");
    std::vector<std::string> argv = {"remit", "--wait-all", "-m", "3=7"};
    argv.insert(argv.end(), c.opts.begin(), c.opts.end());
    argv.insert(argv.end(), {"--", "/bin/sh", d + "/main.sh"});
    t::Proc p = t::start(Spec{argv, {"D=" + d}, true});
    cr_assert(wait_file(d + "/ready"), "background process not ready");
    double t0 = t::now();
    write_file(d + "/go", "");
    t::Result r = p.wait(60);
    double secs = t::now() - t0;
    cr_expect(r.exited && r.code == 7, "%s: expected exit 7, got status %d", join(c.opts).c_str(), r.status());
    cr_expect(secs >= c.lo && secs < 30, "%s: expected the KILL after %.0f s (60 s without), took %.2f s",
              join(c.opts).c_str(), c.lo, secs);
  }
}

// Outside PID 1 --wait-all stops the child's process group and waits for
// those of its members that remit reaps (it makes remit a subreaper, so
// the child's orphans come to it).  Processes that left the group (setsid
// daemons) are neither signalled nor waited for: remit cannot signal
// "everyone" outside its own PID namespace.
Test(shutdown, wait_all_outside_pid1_waits_for_the_childs_group) {
  std::string d = t::scratch();
  wait_all_scripts(d, kDiligent);
  t::Result r = t::run(Spec{{"remit", "--wait-all", "-t", "60", "-m", "3=7", "--", "/bin/sh", d + "/main.sh"}, {"D=" + d}}, 40);
  std::string done = t::slurp(d + "/done");
  t::kill_ours(read_pid(d + "/ready"), d);
  cr_expect(r.exited && r.code == 7, "expected exit 7, got status %d; stderr: %s", r.status(), r.err.c_str());
  cr_expect(done == "finished\n", "remit exited before the background process finished its work: '%s'",
            done.c_str());
}

Test(shutdown, wait_all_outside_pid1_does_not_wait_for_a_daemon_outside_the_group) {
  std::string d = t::scratch();
  write_file(d + "/bg.sh", "trap '' TERM\necho $$ > \"$D/ready\"\nexec sleep 60\n");
  write_file(d + "/main.sh",
             "setsid /bin/sh -c 'echo $$ > \"$D/d.tmp\" && mv \"$D/d.tmp\" \"$D/daemon\"; exec sleep 60' &\n"
             "/bin/sh \"$D/bg.sh\" &\n"
             "while [ ! -e \"$D/ready\" ] || [ ! -e \"$D/daemon\" ]; do sleep 0.01; done\n"
             "exit 3\n");
  t::Proc p = t::start(Spec{{"remit", "-s", "--wait-all", "-t", "1", "-m", "3=7", "--", "/bin/sh", d + "/main.sh"},
                            {"D=" + d}});
  cr_assert(wait_file(d + "/daemon"), "daemon not started");
  double t0 = t::now();
  t::Result r = p.wait(50);
  double secs = t::now() - t0;
  pid_t daemon = read_pid(d + "/daemon");
  bool alive = running(daemon);
  t::kill_ours(daemon, d);
  t::kill_ours(read_pid(d + "/ready"), d);
  cr_expect(r.exited && r.code == 7, "expected exit 7, got status %d", r.status());
  cr_expect(secs < 30, "remit waited %.1f s: it should give up on the group after the 1 s grace", secs);
  cr_expect(alive, "the daemon in its own session should have been left alone");
}
