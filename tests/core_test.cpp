// Issue 3: the init itself.  Each test names the behaviour it checks.
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <algorithm>

#include "harness.hpp"

using t::Spec;

namespace {

using t::child_bin;

// Waits for `needle` on stdout, failing the test (and killing the tree) if
// it does not come.
void expect_output(t::Proc &p, const std::string &needle, double limit = 20) {
  if (p.wait_for(needle, limit)) return;
  kill(-p.pid, SIGKILL);
  p.wait();
  cr_assert_fail("expected '%s' on stdout within %.0fs; stdout: %s; stderr: %s", needle.c_str(), limit,
                 p.out().c_str(), p.err().c_str());
}

// Polls until remit's direct children are just `child` (every other one,
// zombie or not, reaped).  Returns the last list seen.
std::vector<pid_t> wait_for_only_child(pid_t init, pid_t child, double limit = 20) {
  std::vector<pid_t> kids;
  for (double end = t::now() + limit; t::now() < end; t::sleep_s(0.02)) {
    kids = t::children(init);
    if (kids.size() == 1 && kids[0] == child) break;
  }
  return kids;
}

int zombies_among(const std::vector<pid_t> &pids) {
  int n = 0;
  for (pid_t p : pids)
    if (t::status_field(p, "State").compare(0, 1, "Z") == 0) n++;
  return n;
}

long counter(pid_t pid, const char *field) { return atol(t::status_field(pid, field).c_str()); }

int count_lines(const std::string &text, const std::string &line) {
  int n = 0;
  size_t at = 0;
  std::string needle = "\n" + line + "\n";
  while ((at = text.find(needle, at)) != std::string::npos) n++, at += needle.size() - 1;
  return n;
}

}  // namespace

// ------------------------------------------------------ 1. exit statuses

Test(core, every_exit_code_passes_through_as_wrapper, .timeout = 240) {
  for (int code = 0; code <= 255; code++) {
    t::Result r = t::run(Spec{{"remit", "--", "/bin/sh", "-c", "exit " + std::to_string(code)}});
    cr_expect(r.exited && r.code == code, "exit %d: remit gave status %d (%s)", code, r.status(), r.err.c_str());
  }
}

Test(core, every_exit_code_passes_through_as_pid1, .timeout = 240) {
  for (int code = 0; code <= 255; code++) {
    t::Result r = t::run(Spec{{"remit", "/bin/sh", "-c", "exit " + std::to_string(code)}, {}, true});
    cr_expect(r.exited && r.code == code, "exit %d as PID 1: remit gave status %d (%s)", code, r.status(),
              r.err.c_str());
  }
}

Test(core, program_is_found_on_path) {
  t::Result r = t::run(Spec{{"remit", "sh", "-c", "exit 7"}});
  cr_expect(r.exited && r.code == 7, "remit sh -c 'exit 7': expected 7, got status %d (%s)", r.status(),
            r.err.c_str());
}

// ------------------------------------------------------ 2. signal deaths

// The child (a glibc shell, SIGRTMIN = 34) kills itself with each signal
// whose default action is to end it; numbers, so 32 and 33 are covered too.
Test(core, signal_death_is_128_plus_n_as_pid1, .timeout = 240) {
  for (int sig : t::fatal_signals(true)) {
    std::string script = "ulimit -c 0; kill -" + std::to_string(sig) + " $$; exit 99";
    t::Result r = t::run(Spec{{"remit", "/bin/sh", "-c", script}, {}, true});
    cr_expect(r.exited && r.code == 128 + sig, "child killed by %d as PID 1: expected exit %d, got status %d (%s)",
              sig, 128 + sig, r.status(), r.err.c_str());
  }
}

// -------------------------------------------- 4. transparent outside PID 1

Test(core, signal_death_is_reraised_outside_pid1, .timeout = 240) {
  for (int sig : t::fatal_signals(true)) {
    std::string script = "ulimit -c 0; kill -" + std::to_string(sig) + " $$; exit 99";
    t::Result r = t::run(Spec{{"remit", "/bin/sh", "-c", script}});
    cr_expect(!r.exited && r.sig == sig, "child killed by %d: expected remit to die by %d, got exited=%d code=%d sig=%d",
              sig, sig, r.exited, r.code, r.sig);
  }
}

Test(core, reraise_does_not_leave_a_second_core_dump) {
  // Core dumps allowed (ulimit -c unlimited) for remit and the child; the
  // child dumps core on SIGQUIT, remit dies by SIGQUIT without dumping.
  std::string dir = t::scratch();
  std::string script = "ulimit -c unlimited && exec " + t::remit() + " -- /bin/sh -c 'kill -QUIT $$'";
  t::Proc p = t::start(Spec{{"/bin/sh", "-c", script}, {}, false, "", dir});
  int st = 0;
  for (double end = t::now() + 20; waitpid(p.pid, &st, WNOHANG) == 0;) {
    cr_assert(t::now() < end, "remit did not end");
    t::sleep_s(0.01);
  }
  p.reaped = true;
  cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGQUIT, "expected remit to die by QUIT, got status 0x%x", st);
  cr_expect(!WCOREDUMP(st), "remit dumped core too (status 0x%x); only the child should", st);
  // The environment does allow dumps, so the child's is there.
  std::string pattern = t::slurp("/proc/sys/kernel/core_pattern");
  if (pattern.compare(0, 4, "core") == 0) {
    std::string ls = "ls " + dir + " | grep -q '^core'";
    cr_expect(system(ls.c_str()) == 0, "the child's core file is missing from %s, so this test proves nothing",
              dir.c_str());
  }
}

// ----------------------------------------------------- 5. signal forwarding

static void burst_of_realtime_signals_arrives(bool pid1) {
  const int n = 500;
  t::Proc p = t::start(Spec{{"remit", child_bin(), "count", "36"}, {}, pid1});
  expect_output(p, "ready\n");
  pid_t init = p.init_pid();
  for (int i = 0; i < n; i++) cr_assert(kill(init, 35) == 0, "kill %d failed", i);
  kill(init, 36);  // higher number, so dequeued after every 35 by both
  expect_output(p, "end\n");
  t::Result r = p.wait();
  int got = count_lines(r.out, "35");
  cr_expect(got == n, "sent %d x signal 35 to remit, the child counted %d", n, got);
  cr_expect(r.exited && r.code == 0, "expected exit 0, got status %d", r.status());
}

Test(core, burst_of_queued_signals_each_reaches_the_child) { burst_of_realtime_signals_arrives(false); }
Test(core, burst_of_queued_signals_each_reaches_the_child_as_pid1) { burst_of_realtime_signals_arrives(true); }

Test(core, every_catchable_signal_is_forwarded) {
  t::Proc p = t::start(Spec{{"remit", child_bin(), "count", "0"}});
  expect_output(p, "ready\n");
  for (int sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD) continue;
    p.signal(sig);
    expect_output(p, "\n" + std::to_string(sig) + "\n", 10);
  }
  std::string out = p.out();
  cr_expect(count_lines(out, "17") == 0, "SIGCHLD was forwarded; stdout: %s", out.c_str());
  kill(p.child_pid(), SIGKILL);
  p.wait();
}

// ------------------------------------------------------------- 2/3. reaping

Test(core, thousands_of_orphans_are_reaped_as_pid1) {
  const int n = 3000;
  t::Proc p = t::start(Spec{{"remit", child_bin(), "orphans", std::to_string(n)}, {}, true});
  // Two forks and a wait per orphan: about 1 ms each on a slow VM, so a few
  // seconds; 240 s bounds a machine far slower than that.
  expect_output(p, "orphans " + std::to_string(n) + "\n", 240);
  pid_t init = p.init_pid(), child = p.child_pid();
  std::vector<pid_t> kids = wait_for_only_child(init, child);
  cr_expect(kids.size() == 1 && kids[0] == child, "after %d orphans, remit still has %zu children (expected only the program)",
            n, kids.size());
  int z = zombies_among(t::descendants(p.pid));
  cr_expect(z == 0, "%d zombies left in the namespace", z);
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(r.exited && r.code == 128 + SIGTERM, "expected 143 after TERM, got %d", r.status());
}

static void subreaper_adopts_orphans(const Spec &spec) {
  const int n = 20;
  t::Proc p = t::start(spec);
  expect_output(p, "orphans " + std::to_string(n) + "\n");
  pid_t init = p.init_pid(), child = p.child_pid();
  std::vector<pid_t> kids = t::children(init);
  std::vector<pid_t> orphans;
  for (pid_t k : kids)
    if (k != child) orphans.push_back(k);
  cr_expect(orphans.size() == size_t(n), "expected remit to adopt %d orphans, it has %zu children", n, kids.size());
  for (pid_t o : orphans) {
    std::string ppid = t::status_field(o, "PPid");
    cr_expect(atoi(ppid.c_str()) == init, "orphan %d: PPid %s, expected remit's pid %d", o, ppid.c_str(), init);
    kill(o, SIGKILL);
  }
  // Adopted orphans that end are reaped like the rest.
  kids = wait_for_only_child(init, child);
  cr_expect(kids.size() == 1 && kids[0] == child, "after the orphans were killed remit has %zu children", kids.size());
  kill(-child, SIGKILL);
  p.wait();
}

Test(core, subreaper_option_adopts_and_reaps_orphans) {
  subreaper_adopts_orphans(Spec{{"remit", "-s", child_bin(), "orphans", "20", "live"}});
}

Test(core, remit_subreaper_variable_adopts_and_reaps_orphans) {
  subreaper_adopts_orphans(Spec{{"remit", child_bin(), "orphans", "20", "live"}, {"REMIT_SUBREAPER=1"}});
}

Test(core, without_subreaper_orphans_leave_remit_outside_pid1) {
  // The contrast for the two tests above: remit adopts nothing by default.
  t::Proc p = t::start(Spec{{"remit", child_bin(), "orphans", "5", "live"}});
  expect_output(p, "orphans 5\n");
  pid_t init = p.init_pid(), child = p.child_pid();
  size_t kids = t::children(init).size();
  kill(-child, SIGKILL);  // the orphans are still in the child's group
  p.wait();
  cr_expect(kids == 1, "without -s remit should have only its child, it had %zu children", kids);
}

Test(core, zombies_that_reach_remit_are_reaped_without_subreaper) {
  // CLONE_PARENT makes processes whose parent is remit although remit is
  // neither PID 1 nor a subreaper; they exit at once.
  const int n = 200;
  t::Proc p = t::start(Spec{{"remit", child_bin(), "siblings", std::to_string(n)}});
  expect_output(p, "siblings " + std::to_string(n) + "\n");
  pid_t init = p.init_pid(), child = p.child_pid();
  std::vector<pid_t> kids = wait_for_only_child(init, child);
  cr_expect(kids.size() == 1 && kids[0] == child, "remit still has %zu children (%d zombies)", kids.size(),
            zombies_among(kids));
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(!r.exited && r.sig == SIGTERM, "expected death by TERM, got status %d", r.status());
}

// ------------------------------------------------- 6. mask and ignored set

static void child_gets_the_signal_state_remit_started_with(const std::string &blk, const std::string &ign,
                                                           bool remit_keeps_it = true) {
  t::Proc p = t::start(Spec{{child_bin(), "exec", blk, ign, t::remit(), "--", "sleep", "1000"}});
  pid_t init = p.init_pid(), child = p.child_pid();
  // The child has exec'd sleep once its name says so.
  bool exec_d = t::eventually([&] { return t::status_field(child, "Name") == "sleep"; });
  std::string got_blk = t::status_field(child, "SigBlk"), got_ign = t::status_field(child, "SigIgn");
  std::string remit_ign = t::status_field(init, "SigIgn");
  p.signal(SIGKILL);
  kill(child, SIGKILL);
  p.wait();
  cr_assert(exec_d, "the child %d never became sleep", child);
  cr_expect(got_blk == blk, "child SigBlk: expected %s (remit's at start), got %s", blk.c_str(), got_blk.c_str());
  cr_expect(got_ign == ign, "child SigIgn: expected %s (remit's at start), got %s", ign.c_str(), got_ign.c_str());
  if (remit_keeps_it) cr_expect(remit_ign == ign, "remit's SigIgn changed from %s to %s", ign.c_str(), remit_ign.c_str());
}

Test(core, child_inherits_empty_mask_not_remits_blocking) {
  child_gets_the_signal_state_remit_started_with("0000000000000000", "0000000000000000");
}

Test(core, child_inherits_the_mask_and_ignored_signals_remit_started_with) {
  // Blocked: HUP, USR1, 33, RTMIN+2 (36).  Ignored: USR2, PIPE, WINCH, 64.
  child_gets_the_signal_state_remit_started_with("0000000900000201", "8000000008001800");
}

Test(core, ignored_sigchld_still_gives_the_childs_status) {
  // With SIGCHLD ignored the kernel would reap the child itself and remit
  // would wait forever for a status it never gets.
  for (bool pid1 : {false, true}) {
    t::Result r = t::run(Spec{{child_bin(), "exec", "0", "10000", t::remit(), "--", "/bin/sh", "-c", "exit 3"},
                              {}, pid1},
                         20);
    cr_expect(r.exited && r.code == 3, "pid1=%d: expected exit 3, got status %d (%s)", pid1, r.status(),
              r.err.c_str());
  }
}

Test(core, ignored_sigchld_is_ignored_in_the_child_too) {
  // remit itself must not ignore it (see above), but the child still does.
  child_gets_the_signal_state_remit_started_with("0000000000000000", "0000000000010000", false);
}

// ------------------------------------------------------- 7. process group

Test(core, child_runs_in_its_own_process_group) {
  t::Proc p = t::start(Spec{{"remit", "sleep", "1000"}});
  pid_t init = p.init_pid(), child = p.child_pid();
  // (child_pid() returns once the child has exec'd: its setpgid is done.)
  pid_t pgid = getpgid(child), remit_pgid = getpgid(init);
  p.signal(SIGTERM);
  p.wait();
  cr_expect(pgid == child, "child %d is in process group %d, expected its own", child, pgid);
  cr_expect(pgid != remit_pgid, "child shares remit's process group %d", remit_pgid);
}

// ---------------------------------------------------------- 8. failures

Test(core, missing_program_exits_127_with_one_line_naming_it) {
  t::Result r = t::run(Spec{{"remit", "no-such-program-xyz", "arg"}});
  cr_expect(r.exited && r.code == 127, "expected 127, got status %d", r.status());
  cr_expect(t::newlines(r.err) == 1 && r.err.back() == '\n', "expected one line on stderr, got: %s", r.err.c_str());
  cr_expect(r.err.find("no-such-program-xyz") != std::string::npos && r.err.find("No such file") != std::string::npos,
            "message should name the program and the reason: %s", r.err.c_str());
}

Test(core, non_executable_program_exits_126_with_one_line_naming_it) {
  std::string dir = t::scratch();
  std::ofstream(dir + "/not-exec") << "#!/bin/sh\nexit 0\n";
  chmod((dir + "/not-exec").c_str(), 0644);
  for (const Spec &spec : {Spec{{"remit", dir + "/not-exec"}},
                           Spec{{"remit", "not-exec"}, {"PATH=" + dir + ":/usr/bin:/bin"}},
                           Spec{{"remit", dir}}}) {
    t::Result r = t::run(spec);
    cr_expect(r.exited && r.code == 126, "%s: expected 126, got status %d (%s)", spec.argv[1].c_str(), r.status(),
              r.err.c_str());
    cr_expect(t::newlines(r.err) == 1, "%s: expected one line on stderr, got: %s", spec.argv[1].c_str(), r.err.c_str());
    cr_expect(r.err.find(spec.argv[1]) != std::string::npos && r.err.find("ermission denied") != std::string::npos,
              "message should name the program and the reason: %s", r.err.c_str());
  }
}

Test(core, script_without_shebang_runs_with_sh_as_under_tini) {
  // glibc's execvp falls back to /bin/sh on ENOEXEC, so tini and dumb-init
  // run such a script; musl's execvp alone would make it a 126.
  std::string dir = t::scratch();
  std::ofstream(dir + "/no-shebang") << "echo \"ran $1\"\nexit 4\n";
  chmod((dir + "/no-shebang").c_str(), 0755);
  for (const Spec &spec : {Spec{{"remit", dir + "/no-shebang", "x"}},
                           Spec{{"remit", "no-shebang", "x"}, {"PATH=" + dir + ":/usr/bin:/bin"}},
                           Spec{{"/usr/bin/tini", "-s", "--", dir + "/no-shebang", "x"}}}) {
    t::Result r = t::run(spec);
    cr_expect(r.exited && r.code == 4 && r.out == "ran x\n", "%s %s: expected 'ran x' and exit 4, got %d, '%s' (%s)",
              spec.argv[0].c_str(), spec.argv[1].c_str(), r.status(), r.out.c_str(), r.err.c_str());
  }
}

// The sh fallback's argv has a bound (4096 arguments, man page): up to it
// every argument reaches the script, past it the program's own error
// stands (126, "Exec format error"), and remit neither crashes nor runs sh
// with a cut list.
Test(core, script_without_shebang_gets_up_to_4096_arguments) {
  std::string dir = t::scratch(), script = dir + "/no-shebang";
  std::ofstream(script) << "echo \"$# $1 ${4095}\"\n";
  chmod(script.c_str(), 0755);
  for (int n : {4095, 4096}) {
    std::vector<std::string> argv = {"remit", "--", script};
    for (int i = 1; i < n; i++) argv.push_back(std::to_string(i));  // with the script's name: n
    t::Result r = t::run(Spec{argv});
    std::string want = std::to_string(n - 1) + " 1 " + (n - 1 >= 4095 ? "4095" : "") + "\n";
    cr_expect(r.exited && r.code == 0 && r.out == want, "%d arguments: expected '%s', got %s, '%s' (%s)", n,
              want.c_str(), r.describe().c_str(), r.out.c_str(), r.err.c_str());
  }
  std::vector<std::string> argv = {"remit", "--", script};
  for (int i = 1; i <= 4096; i++) argv.push_back(std::to_string(i));
  t::Result r = t::run(Spec{argv});
  cr_expect(r.exited && r.code == 126 && r.out.empty() &&
                r.err == "remit: cannot run '" + script + "': Exec format error\n",
            "4097 arguments: expected 126 and the exec error, got %s, '%s' (%s)", r.describe().c_str(),
            r.out.c_str(), r.err.c_str());
}

Test(core, option_errors_exit_2_with_one_line_and_start_nothing) {
  std::string dir = t::scratch(), flag = dir + "/started";
  std::vector<std::vector<std::string>> cases = {
      {"remit", "-x", "touch", flag},           {"remit", "--bogus", "touch", flag},
      {"remit", "--version=1", "touch", flag},  {"remit", "-m"},
      {"remit", "--map"},                        {"remit", "-m", "touch", flag},
      {"remit", "-vx", "touch", flag},          {"remit"},
      {"remit", "--"},                           {"remit", "-v", "--"},
  };
  for (auto &argv : cases) {
    t::Result r = t::run(Spec{argv});
    std::string line;
    for (size_t i = 1; i < argv.size(); i++) line += argv[i] + " ";
    cr_expect(r.exited && r.code == 2, "remit %s: expected exit 2, got status %d", line.c_str(), r.status());
    cr_expect(t::newlines(r.err) == 1 && r.err.back() == '\n', "remit %s: expected one line on stderr, got: '%s'",
              line.c_str(), r.err.c_str());
    cr_expect(r.out.empty(), "remit %s: expected nothing on stdout, got: %s", line.c_str(), r.out.c_str());
    cr_expect(!t::exists(flag), "remit %s: the program was started", line.c_str());
  }
}

// ------------------------------------------------------------- 5. idle

Test(core, idle_remit_never_wakes_up) {
  t::Proc p = t::start(Spec{{"remit", "sleep", "1000"}});
  pid_t init = p.init_pid(), child = p.child_pid();
  // Start-up is over once the program is sleep and remit waits for signals.
  bool settled = t::eventually([&] { return t::status_field(child, "Name") == "sleep" && t::waiting_for_signals(init); });
  cr_assert(settled, "remit %d never sat waiting for signals with sleep started", init);
  long before = counter(init, "voluntary_ctxt_switches");
  t::sleep_s(3);
  long after = counter(init, "voluntary_ctxt_switches");
  p.signal(SIGTERM);
  p.wait();
  cr_expect(after == before, "idle remit woke up %ld times in 3 s (tini wakes every second)", after - before);
}

// ------------------------------------------------------- help and version

Test(core, help_goes_to_stdout_and_exits_0) {
  for (const char *opt : {"-h", "--help"}) {
    t::Result r = t::run(Spec{{"remit", opt}});
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0, got %d", opt, r.status());
    cr_expect(r.out.find("Usage: remit [OPTIONS] [--] PROGRAM [ARGS...]") != std::string::npos,
              "%s: usage not on stdout: %s", opt, r.out.c_str());
    cr_expect(r.out.find("--explain") != std::string::npos && r.out.find("REMIT_MAP") != std::string::npos,
              "%s: help should mention --explain and REMIT_MAP", opt);
    cr_expect(r.err.empty(), "%s: unexpected stderr: %s", opt, r.err.c_str());
  }
}

Test(core, version_goes_to_stdout_and_exits_0) {
  for (const char *opt : {"--version", "-V"}) {
    t::Result r = t::run(Spec{{"remit", opt}});
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0, got %d", opt, r.status());
    cr_expect(r.out.compare(0, 6, "remit ") == 0 && t::newlines(r.out) == 1, "%s: expected 'remit VERSION', got '%s'",
              opt, r.out.c_str());
  }
}

Test(core, options_after_the_program_belong_to_it) {
  t::Result r = t::run(Spec{{"remit", "/bin/sh", "-c", "echo \"$0 $1\"", "-v", "-x"}});
  cr_expect(r.exited && r.code == 0 && r.out == "-v -x\n", "expected the program to get '-v -x', got status %d, out '%s'",
            r.status(), r.out.c_str());
}

// ------------------------------------------------------- 7. the terminal

namespace {
// remit under script(1), so its stdin is a terminal; `keys` is typed on it
// once the program prints "ready".  Returns what the terminal showed.
t::Result on_a_terminal(const std::string &remit_args, const std::string &keys, bool *typed) {
  std::string dir = t::scratch(), fifo = dir + "/keys";
  cr_assert(mkfifo(fifo.c_str(), 0600) == 0, "mkfifo failed");
  int keys_fd = open(fifo.c_str(), O_RDWR);  // held open so script never sees EOF early
  std::string cmd = "exec script -qec \"" + t::remit() + " " + remit_args + "\" /dev/null < " + fifo;
  t::Proc p = t::start(Spec{{"/bin/sh", "-c", cmd}});
  *typed = p.wait_for("ready", 20);
  if (*typed && !keys.empty()) cr_assert(write(keys_fd, keys.data(), keys.size()) == ssize_t(keys.size()));
  t::Result r = p.wait(20);
  close(keys_fd);
  return r;
}
}  // namespace

Test(core, child_is_the_terminals_foreground_group) {
  bool typed;
  t::Result r = on_a_terminal("-- sh -c 'echo ready; ps -o pgid=,tpgid= -p \\$\\$'", "", &typed);
  cr_assert(typed, "the program did not start: %s", r.out.c_str());
  int pgid = 0, tpgid = 0;
  size_t at = r.out.find("ready");
  sscanf(r.out.c_str() + r.out.find('\n', at), "%d %d", &pgid, &tpgid);
  cr_expect(pgid > 0 && pgid == tpgid, "the program's group %d is not the terminal's foreground group %d (%s)", pgid,
            tpgid, r.out.c_str());
}

Test(core, ctrl_c_on_the_terminal_reaches_the_program_not_remit) {
  bool typed;
  t::Result r = on_a_terminal("-v -- sh -c 'trap \\\"exit 5\\\" INT; echo ready; while :; do sleep 0.05; done'",
                              "\x03", &typed);
  cr_assert(typed, "the program did not start: %s", r.out.c_str());
  cr_expect(r.exited && r.code == 5, "expected the program's 5 after Ctrl-C, got status %d: %s", r.status(),
            r.out.c_str());
  cr_expect(r.out.find("exited with 5; received no signal") != std::string::npos,
            "remit should have received no signal itself: %s", r.out.c_str());
}

namespace {
// A job-control shell in miniature: a session leader on a new terminal that
// runs `argv` as a job in its own process group, in the foreground, and on
// each byte read from `cmds` does what `fg` does: gives the job the
// terminal back and sends it SIGCONT.  Returns the shell's pid; *master is
// the terminal, *job the job's pid (its process group).
pid_t job_control_shell(const std::vector<std::string> &argv, int *master, int cmds, pid_t *job) {
  int slave;
  cr_assert(openpty(master, &slave, nullptr, nullptr, nullptr) == 0, "openpty failed");
  int report[2];
  cr_assert(pipe(report) == 0);
  t::leave_nothing_behind();
  pid_t shell = fork();
  cr_assert(shell >= 0);
  if (shell == 0) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    signal(SIGTTOU, SIG_IGN);  // as shells do, to hand the terminal around
    // Nothing of the test runner's: its pipes must not outlive the test.
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    for (int fd = 3; fd < 1024; fd++)
      if (fd != slave && fd != cmds && fd != report[1]) close(fd);
    pid_t j = fork();
    if (j == 0) {
      setpgid(0, 0);
      signal(SIGTTOU, SIG_DFL);
      for (double end = t::now() + 10; tcgetpgrp(slave) != getpid(); t::sleep_s(0.001))  // until fg
        if (t::now() > end) _exit(122);
      dup2(slave, 0), dup2(slave, 1), dup2(slave, 2);
      for (int fd = 3; fd < 1024; fd++) close(fd);
      std::vector<char *> args;
      for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(121);
    }
    setpgid(j, j);
    tcsetpgrp(slave, j);
    if (write(report[1], &j, sizeof j) != sizeof j) _exit(1);
    char c;
    while (read(cmds, &c, 1) == 1) tcsetpgrp(slave, j), kill(-j, SIGCONT);
    _exit(0);
  }
  close(slave);
  close(report[1]);
  cr_assert(read(report[0], job, sizeof *job) == sizeof *job, "the shell did not start its job");
  close(report[0]);
  return shell;
}

char state_of(pid_t pid) {
  std::string stat = t::slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

// Waits until every pid in `pids` is in `state` ('T' stopped, 'S' asleep).
bool all_in_state(std::vector<pid_t> pids, char state, double limit = 10) {
  for (double end = t::now() + limit; t::now() < end; t::sleep_s(0.01)) {
    bool all = true;
    for (pid_t p : pids) all = all && state_of(p) == state;
    if (all) return true;
  }
  return false;
}
}  // namespace

// As a wrapper in an interactive shell, Ctrl-Z stops the program (it has
// the terminal); remit then stops too, so the shell sees its job stopped
// and gets the terminal back.  `fg` resumes both, the program with the
// terminal again, as if remit were not there.
Test(core, ctrl_z_stops_the_wrapper_with_the_program_and_fg_resumes_both) {
  int cmds[2], master;
  pid_t job;
  cr_assert(pipe(cmds) == 0);
  pid_t shell = job_control_shell({t::remit(), "--", "/bin/sleep", "100"}, &master, cmds[0], &job);
  close(cmds[0]);
  pid_t program = -1;
  for (double end = t::now() + 10; t::now() < end && program < 0; t::sleep_s(0.01)) {
    std::vector<pid_t> c = t::children(job);
    if (!c.empty() && tcgetpgrp(master) == c[0]) program = c[0];
  }
  if (program < 0) {
    for (pid_t c : t::children(job)) kill(c, SIGKILL);
    kill(-job, SIGKILL), kill(shell, SIGKILL), waitpid(shell, nullptr, 0);
  }
  cr_assert(program > 0, "remit never gave its program the terminal");
  cr_assert(write(master, "\x1a", 1) == 1);  // Ctrl-Z
  bool stopped = all_in_state({program, job}, 'T');
  char program_stopped = state_of(program), remit_stopped = state_of(job);
  cr_assert(write(cmds[1], "f", 1) == 1);  // fg
  bool resumed = stopped && all_in_state({program, job}, 'S');
  pid_t foreground = tcgetpgrp(master);
  kill(-program, SIGKILL), kill(-job, SIGKILL), kill(shell, SIGKILL);
  close(cmds[1]), close(master);
  waitpid(shell, nullptr, 0);
  cr_expect(stopped, "after Ctrl-Z: program state %c, remit state %c (both should be T)", program_stopped,
            remit_stopped);
  cr_expect(resumed, "after fg: both should run again");
  cr_expect(!resumed || foreground == program, "after fg the terminal's foreground is %d, not the program %d",
            int(foreground), int(program));
}

// ------------------------------------------------------- 9. the binary

Test(core, binary_is_static_small_and_free_of_the_cxx_runtime) {
  std::string bin = t::slurp(t::remit());
  cr_assert(bin.size() > 64 && bin.compare(0, 4, "\x7f" "ELF") == 0, "%s is not an ELF file", t::remit().c_str());
  // The project's bound for amd64 (bench/RESULTS.md says where the bytes go).
  cr_expect(bin.size() <= 40960, "remit is %zu bytes, more than 40 KiB", bin.size());
  // Program headers: no interpreter (PT_INTERP) and no dynamic section.
  const unsigned char *b = reinterpret_cast<const unsigned char *>(bin.data());
  auto u16 = [&](size_t at) { return unsigned(b[at] | b[at + 1] << 8); };
  uint64_t phoff = 0;
  for (int i = 7; i >= 0; i--) phoff = phoff << 8 | b[0x20 + i];
  unsigned phentsize = u16(0x36), phnum = u16(0x38);
  cr_assert(b[4] == 2 && phoff + uint64_t(phentsize) * phnum <= bin.size(), "not a 64-bit ELF with program headers");
  for (unsigned i = 0; i < phnum; i++) {
    unsigned type = u16(size_t(phoff) + i * phentsize);
    cr_expect(type != 3 && type != 2, "remit has a %s program header: not static", type == 3 ? "PT_INTERP" : "PT_DYNAMIC");
  }
  // Exceptions, RTTI or libstdc++ would leave their names behind.
  for (const char *name : {"GLIBCXX", "libstdc++", "St9exception", "bad_alloc", "__gxx_personality", "St9type_info"})
    cr_expect(bin.find(name) == std::string::npos, "remit contains '%s'", name);
}

Test(core, no_memory_is_mapped_after_start) {
  // Forwarding hundreds of signals must not allocate: remit's memory map
  // (the stack aside, which the kernel may grow) stays exactly as it was.
  t::Proc p = t::start(Spec{{"remit", child_bin(), "count", "36"}});
  expect_output(p, "ready\n");
  pid_t init = p.init_pid();
  auto maps = [&] {
    std::string all = t::slurp("/proc/" + std::to_string(init) + "/maps"), kept;
    std::istringstream in(all);
    for (std::string line; std::getline(in, line);)
      if (line.find("[stack]") == std::string::npos) kept += line + "\n";
    return kept;
  };
  std::string before = maps();
  for (int i = 0; i < 300; i++) kill(init, 35);
  for (int sig : {SIGHUP, SIGUSR1, SIGWINCH, SIGCONT}) kill(init, sig);
  for (double end = t::now() + 20; t::now() < end && count_lines(p.out(), "35") < 300;) t::sleep_s(0.01);
  std::string after = maps();
  kill(init, 36);
  expect_output(p, "end\n");
  p.wait();
  cr_expect(count_lines(p.out(), "35") == 300, "the child counted %d of 300 signals", count_lines(p.out(), "35"));
  cr_expect(before == after, "remit's memory map changed:\nbefore:\n%s\nafter:\n%s", before.c_str(), after.c_str());
}
