// Issue 4 end to end: -m / REMIT_MAP / -e rewrite the real child's status,
// conditioned on the signal remit received; --explain and -v say what the
// rules do.  The headline case runs the real nats-server.
#include <algorithm>

#include "harness.hpp"

using t::Spec;

namespace {


// The first line of `text` that contains `needle`, or "".
std::string line_with(const std::string &text, const std::string &needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  size_t start = text.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  size_t end = text.find('\n', at);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// remit [options] -- nats-server on a port of 127.0.0.1 it picks itself
// (-p -1: no other test can take it first), once it says it is ready.
t::Proc start_nats(std::vector<std::string> options, std::vector<std::string> env = {}, bool pid1 = false) {
  std::vector<std::string> argv{"remit"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"--", t::nats_server(), "-a", "127.0.0.1", "-p", "-1"});
  env.push_back(t::kOneP);
  t::Proc p = t::start(Spec{argv, env, pid1});
  cr_assert(p.wait_for("Server is ready", 30, true), "nats-server did not say \"Server is ready\" within 30 s: %s",
            p.err().c_str());
  return p;
}

// Starts nats under remit, stops it with `sig` and returns remit's result.
t::Result nats_stopped_by(int sig, std::vector<std::string> options, std::vector<std::string> env = {},
                          bool pid1 = false) {
  t::Proc p = start_nats(options, env, pid1);
  p.signal(sig);
  return p.wait(30);
}

}  // namespace

// ------------------------------------------------- the reason remit exists

Test(rules, nats_server_exits_1_after_term_and_0_after_int_without_rules) {
  for (bool pid1 : {false, true}) {
    t::Result term = nats_stopped_by(SIGTERM, {}, {}, pid1);
    cr_expect(term.exited && term.code == 1, "pid1=%d: nats-server stopped by TERM: expected 1, got %d", pid1,
              term.status());
    t::Result intr = nats_stopped_by(SIGINT, {}, {}, pid1);
    cr_expect(intr.exited && intr.code == 0, "pid1=%d: nats-server stopped by INT: expected 0, got %d", pid1,
              intr.status());
  }
}

Test(rules, rule_on_the_command_line_makes_nats_term_a_success) {
  for (bool pid1 : {false, true}) {
    t::Result r = nats_stopped_by(SIGTERM, {"-m", "1@TERM=0"}, {}, pid1);
    cr_expect(r.exited && r.code == 0, "pid1=%d: -m 1@TERM=0, TERM: expected 0, got %d (%s)", pid1, r.status(),
              r.err.c_str());
  }
  t::Result intr = nats_stopped_by(SIGINT, {"-m", "1@TERM=0"});
  cr_expect(intr.exited && intr.code == 0, "-m 1@TERM=0, INT: expected 0, got %d", intr.status());
}

Test(rules, rule_in_remit_map_makes_nats_term_a_success) {
  for (bool pid1 : {false, true}) {
    t::Result r = nats_stopped_by(SIGTERM, {}, {"REMIT_MAP=1@TERM=0"}, pid1);
    cr_expect(r.exited && r.code == 0, "pid1=%d: REMIT_MAP=1@TERM=0, TERM: expected 0, got %d (%s)", pid1,
              r.status(), r.err.c_str());
  }
}

Test(rules, nats_failing_on_its_own_still_exits_1_under_the_rule) {
  std::string missing = t::scratch() + "/no-such.conf";
  for (bool pid1 : {false, true}) {
    t::Result m = t::run(Spec{{"remit", "-m", "1@TERM=0", "--", t::nats_server(), "-c", missing}, {}, pid1});
    cr_expect(m.exited && m.code == 1, "pid1=%d: -m 1@TERM=0, missing config: expected 1, got %d (%s)", pid1,
              m.status(), m.err.c_str());
    t::Result e = t::run(Spec{{"remit", "--", t::nats_server(), "-c", missing}, {"REMIT_MAP=1@TERM=0"}, pid1});
    cr_expect(e.exited && e.code == 1, "pid1=%d: REMIT_MAP=1@TERM=0, missing config: expected 1, got %d (%s)", pid1,
              e.status(), e.err.c_str());
  }
}

Test(rules, condition_is_the_signal_remit_received_before_rewriting) {
  // TERM reaches nats as INT (so it exits 0); the rule still sees TERM.
  t::Result r = nats_stopped_by(SIGTERM, {"-r", "TERM:INT", "-m", "0@INT=6,0@TERM=5"});
  cr_expect(r.exited && r.code == 5, "-r TERM:INT -m 0@INT=6,0@TERM=5, TERM: expected 5, got %d (%s)", r.status(),
            r.err.c_str());
}

Test(rules, verbose_line_says_how_the_child_ended_and_which_rule_applied) {
  t::Proc p = start_nats({"-v", "-m", "2=9,1@TERM=0"});
  p.signal(SIGTERM);
  t::Result r = p.wait(30);
  cr_expect(r.exited && r.code == 0, "expected 0, got %d", r.status());
  std::string line = line_with(r.err, "exited with 1");
  cr_expect(!line.empty(), "no line saying the child exited with 1 in stderr: %s", r.err.c_str());
  for (const char *part : {"remit", "TERM", "rule 2", "1@TERM=0", "exit 0"})
    cr_expect(line.find(part) != std::string::npos, "verbose line lacks '%s': %s", part, line.c_str());
}

// --------------------------------------------------- rules on real statuses

Test(rules, command_line_rules_come_before_remit_map) {
  t::Result r = t::run(Spec{{"remit", "-m", "3=7", "--", "/bin/sh", "-c", "exit 3"}, {"REMIT_MAP=3=8,4=8"}});
  cr_expect(r.exited && r.code == 7, "-m 3=7 with REMIT_MAP=3=8: expected 7, got %d", r.status());
  t::Result env = t::run(Spec{{"remit", "-m", "3=7", "--", "/bin/sh", "-c", "exit 4"}, {"REMIT_MAP=3=8,4=8"}});
  cr_expect(env.exited && env.code == 8, "exit 4 with REMIT_MAP=4=8: expected 8, got %d", env.status());
}

Test(rules, success_code_option_maps_it_to_0) {
  for (auto &argv : std::vector<std::vector<std::string>>{{"remit", "-e", "3", "/bin/sh", "-c", "exit 3"},
                                                          {"remit", "-e3", "/bin/sh", "-c", "exit 3"}}) {
    t::Result r = t::run(Spec{argv});
    cr_expect(r.exited && r.code == 0, "%s: exit 3: expected 0, got %d", argv[1].c_str(), r.status());
  }
  t::Result other = t::run(Spec{{"remit", "-e", "3", "/bin/sh", "-c", "exit 4"}});
  cr_expect(other.exited && other.code == 4, "-e 3, exit 4: expected 4, got %d", other.status());
}

Test(rules, number_matches_both_exit_and_death_name_only_death) {
  struct { const char *rule, *script; bool died; int status; } cases[] = {
      {"143=0", "exit 143", false, 0},     {"143=0", "kill -TERM $$", false, 0},
      {"TERM=0", "kill -TERM $$", false, 0}, {"SIGTERM=4", "kill -TERM $$", false, 4},
      {"TERM=0", "exit 143", false, 143},  {"RTMIN+3=0", "kill -37 $$", false, 0},
      {"RTMIN+3=0", "kill -36 $$", true, 36},  // no match: remit dies by it too
  };
  for (auto &c : cases) {
    t::Result r = t::run(Spec{{"remit", "-m", c.rule, "--", "/bin/sh", "-c", c.script}});
    bool ok = c.died ? !r.exited && r.sig == c.status : r.exited && r.code == c.status;
    cr_expect(ok, "-m %s, %s: expected %s %d, got exited=%d code=%d sig=%d", c.rule, c.script,
              c.died ? "death by" : "exit", c.status, r.exited, r.code, r.sig);
  }
}

Test(rules, any_and_none_conditions_on_a_real_run) {
  std::string script = "trap 'exit 3' HUP; echo ready; while :; do sleep 0.05; done";
  for (bool send : {false, true}) {
    t::Proc p = t::start(Spec{{"remit", "-m", "3@none=10,3@any=11", "--", "/bin/sh", "-c",
                               send ? script : "exit 3"}});
    if (send) {
      cr_assert(p.wait_for("ready"), "child did not start");
      p.signal(SIGHUP);
    }
    t::Result r = p.wait();
    int want = send ? 11 : 10;
    cr_expect(r.exited && r.code == want, "%s: expected %d, got %d", send ? "after HUP" : "on its own", want,
              r.status());
  }
}

Test(rules, remit_verbose_variable_gives_the_same_line) {
  t::Result r = t::run(Spec{{"remit", "-m", "9=0", "--", "/bin/sh", "-c", "kill -37 $$"}, {"REMIT_VERBOSE=1"}});
  cr_expect(!r.exited && r.sig == 37, "expected death by 37, got %d", r.status());
  std::string line = line_with(r.err, "RTMIN+3");
  cr_expect(!line.empty(), "REMIT_VERBOSE=1: no line naming RTMIN+3: %s", r.err.c_str());
  for (const char *part : {"killed", "no signal", "no rule"})
    cr_expect(line.find(part) != std::string::npos, "verbose line lacks '%s': %s", part, line.c_str());
  cr_expect(r.err == line + "\n", "-v should print exactly one line when the child ends, got: %s", r.err.c_str());
  t::Result quiet = t::run(Spec{{"remit", "--", "/bin/sh", "-c", "exit 3"}, {"REMIT_VERBOSE=0"}});
  cr_expect(quiet.err.empty(), "REMIT_VERBOSE=0 should print nothing, got: %s", quiet.err.c_str());
  t::Result none = t::run(Spec{{"remit", "--", "/bin/sh", "-c", "exit 3"}});
  cr_expect(none.err.empty(), "without -v remit should print nothing, got: %s", none.err.c_str());
}

// ------------------------------------------------------------ bad rules

namespace {
struct Bad { std::string rules, quoted; };

std::vector<Bad> bad_rules() {
  std::string many;
  for (int i = 0; i <= 64; i++) many += std::to_string(i) + "=0 ";
  return {{"1@TREM=0", "'1@TREM=0'"},  {"256=0", "'256=0'"},      {"1=300", "'1=300'"},
          {"0=0,9-2=0", "'9-2=0'"},    {"0=0 1", "'1'"},          {"1=0,,2=0", "'1=0,,2=0'"},
          {"1=0x", "'1=0x'"},          {"1=0,", "'1=0,'"},         {"TREM=0", "'TREM=0'"},
          {many, "'64=0'"}};
}

void expect_refused(const Spec &spec, const std::string &flag, const std::string &quoted, const char *source) {
  t::Result r = t::run(spec);
  cr_expect(r.exited && r.code == 2, "%s %s: expected exit 2, got %d", source, quoted.c_str(), r.status());
  cr_expect(t::newlines(r.err) == 1 && r.err.back() == '\n', "%s %s: expected one line on stderr, got: %s", source,
            quoted.c_str(), r.err.c_str());
  cr_expect(r.err.find(quoted) != std::string::npos, "%s: the message should quote %s: %s", source, quoted.c_str(),
            r.err.c_str());
  cr_expect(r.err.find(source) != std::string::npos, "the message should name %s: %s", source, r.err.c_str());
  cr_expect(!t::exists(flag), "%s %s: the program was started", source, quoted.c_str());
}
}  // namespace

Test(rules, bad_rule_on_command_line_exits_2_before_starting_anything) {
  std::string flag = t::scratch() + "/started";
  for (const Bad &b : bad_rules())
    expect_refused(Spec{{"remit", "-m", b.rules, "--", "touch", flag}}, flag, b.quoted, "-m");
  expect_refused(Spec{{"remit", "--map=9-2=0", "--", "touch", flag}}, flag, "'9-2=0'", "--map");
  expect_refused(Spec{{"remit", "-e", "300", "--", "touch", flag}}, flag, "'300'", "-e");
}

Test(rules, bad_rule_in_remit_map_exits_2_naming_it) {
  std::string flag = t::scratch() + "/started";
  for (const Bad &b : bad_rules())
    expect_refused(Spec{{"remit", "--", "touch", flag}, {"REMIT_MAP=" + b.rules}}, flag, b.quoted, "REMIT_MAP");
  // As PID 1 too, and with good rules on the command line.
  expect_refused(Spec{{"remit", "-m", "1=0", "--", "touch", flag}, {"REMIT_MAP=1@TREM=0"}, true}, flag,
                 "'1@TREM=0'", "REMIT_MAP");
}

Test(rules, empty_remit_map_is_no_rules) {
  t::Result r = t::run(Spec{{"remit", "--", "/bin/sh", "-c", "exit 3"}, {"REMIT_MAP="}});
  cr_expect(r.exited && r.code == 3, "REMIT_MAP='': expected 3, got %d (%s)", r.status(), r.err.c_str());
}

// -------------------------------------------------------------- --explain

Test(rules, explain_prints_the_result_and_the_rule) {
  struct { std::vector<std::string> args; std::string out; } cases[] = {
      {{"-m", "1@TERM=0", "--explain", "1@TERM"}, "1@TERM -> 0 (rule 1: 1@TERM=0)\n"},
      {{"--explain", "1@SIGTERM", "-m", "2=9,1@TERM=0"}, "1@SIGTERM -> 0 (rule 2: 1@TERM=0)\n"},
      {{"-m", "1@TERM=0", "--explain", "1@INT"}, "1@INT -> 1 (no rule matched)\n"},
      {{"-m", "1@TERM=0", "--explain", "1"}, "1 -> 1 (no rule matched)\n"},
      {{"-m", "143=0", "--explain", "TERM"}, "TERM -> 0 (rule 1: 143=0)\n"},
      {{"-e", "3", "--explain", "3"}, "3 -> 0 (rule 1: -e 3)\n"},
      // tini's -e codes are one set, one rule, where the first -e came
      {{"-m", "9=1", "-e", "4", "-e", "3", "-m", "5=6", "-e", "7", "-e", "255", "--explain", "7"},
       "7 -> 0 (rule 2: -e 3-4,7,255)\n"},
      {{"-e", "4", "-m", "5=6", "--explain", "5"}, "5 -> 6 (rule 2: 5=6)\n"},
      {{"-m", "1=0", "--explain=TERM"}, "TERM -> 143 (no rule matched; outside PID 1 remit dies by TERM)\n"},
      {{"-m", "RTMIN+3@RTMIN+3=4", "--explain", "RTMIN+3@RTMIN+3"}, "RTMIN+3@RTMIN+3 -> 4 (rule 1: RTMIN+3@RTMIN+3=4)\n"},
      {{"-m", "1@none=5", "--explain", "1@none"}, "1@none -> 5 (rule 1: 1@none=5)\n"},
  };
  for (auto &c : cases) {
    std::vector<std::string> argv{"remit"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    t::Result r = t::run(Spec{argv});
    cr_expect(r.exited && r.code == 0, "%s: expected exit 0, got %d (%s)", c.args.back().c_str(), r.status(),
              r.err.c_str());
    cr_expect(r.out == c.out, "expected '%s', got '%s'", c.out.c_str(), r.out.c_str());
  }
}

Test(rules, explain_uses_remit_map_and_runs_nothing) {
  std::string flag = t::scratch() + "/started";
  t::Result r = t::run(Spec{{"remit", "--explain", "1@TERM", "--", "touch", flag}, {"REMIT_MAP=1@TERM=0"}});
  cr_expect(r.exited && r.code == 0 && r.out == "1@TERM -> 0 (rule 1: 1@TERM=0)\n",
            "expected '1@TERM -> 0 (rule 1: 1@TERM=0)', got status %d, '%s'", r.status(), r.out.c_str());
  cr_expect(!t::exists(flag), "--explain started the program");
}

Test(rules, explain_validates_rules_and_the_case) {
  std::string flag = t::scratch() + "/started";
  expect_refused(Spec{{"remit", "-m", "1@TREM=0", "--explain", "1@TERM"}}, flag, "'1@TREM=0'", "-m");
  expect_refused(Spec{{"remit", "--explain", "1@TERM"}, {"REMIT_MAP=9-2=0"}}, flag, "'9-2=0'", "REMIT_MAP");
  for (const char *bad : {"TREM", "256", "1@TREM", "1@"}) {
    t::Result r = t::run(Spec{{"remit", "-m", "1=0", "--explain", bad}});
    cr_expect(r.exited && r.code == 2, "--explain %s: expected exit 2, got %d", bad, r.status());
    cr_expect(t::newlines(r.err) == 1 && r.err.find(bad) != std::string::npos,
              "--explain %s: expected one line quoting it, got: %s", bad, r.err.c_str());
    cr_expect(r.out.empty(), "--explain %s: nothing should go to stdout, got: %s", bad, r.out.c_str());
  }
}

Test(rules, signal_deaths_as_pid1_go_through_the_rules_as_128_plus_n) {
  struct { const char *rule; int status; } cases[] = {{"TERM=0", 0}, {"143=7", 7}, {"1=0", 143}, {"KILL=0", 143}};
  for (auto &c : cases) {
    t::Result r = t::run(Spec{{"remit", "-m", c.rule, "--", "/bin/sh", "-c", "kill -TERM $$"}, {}, true});
    cr_expect(r.exited && r.code == c.status, "as PID 1, -m %s, death by TERM: expected %d, got %d", c.rule, c.status,
              r.status());
  }
}
