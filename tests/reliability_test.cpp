// Issue 9: reliability.  PID 1 must never die, hang or lose the child's
// status.  Two suites:
//   reliability_unit  pure calls into remap.hpp / settings.hpp with hostile
//                     input, no processes; `make test` also runs them built
//                     with AddressSanitizer and UndefinedBehaviorSanitizer.
//   reliability       the real ./remit: every exit status and fatal signal,
//                     signal storms, byte-exact I/O, inherited descriptors,
//                     hostile settings, and the races around start and end.
// Random input comes from a fixed-seed PRNG, so a failure reproduces.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <set>

#include "harness.hpp"
#include "settings.hpp"

using t::Spec;

namespace rel {

// splitmix64: small, fast, and the same sequence everywhere.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return uint32_t(next() % n); }
};

// Values a setting might be given by mistake or by an attacker: empty,
// blank, separators alone, overflow, out of range, non-ASCII, control
// characters, format strings, 100 KB monsters, then `random` strings built
// from the grammar's own tokens and from arbitrary bytes (never NUL: argv
// and the environment cannot hold one).
inline std::vector<std::string> hostile_values(uint64_t seed, int random) {
  std::vector<std::string> v = {
      "", " ", "\t", "\n", ",", ",,", " , ", "=", "@", ":", "-", "+", ".", "*", "0", "00", "-1",
      "+1", "1=", "=1", "1@=0", "@TERM=0", "1@TERM=", "1@TERM=0,", ",1@TERM=0", "1@TERM=0,,2=0",
      "1@TERM=0", "1@TERM=0 143=0", "256=0", "1=256", "255=255", "0-255=0", "255-0=1", "*=0",
      "99999999999999999999", "99999999999999999999=0", "1=99999999999999999999",
      "1@99999999999999999999=0", "4294967296", "4294967297=0", "18446744073709551616",
      "-2147483648", "2147483647", "2147483648", "2147483648ms", "2147483647ms", "2147483.647s",
      "35791m", "35792m", "0x10", "1e3", "1.5", "1.", ".5", "1..5", "1.5.5", "10 s", "10S", "10sec",
      "5h", "1ms5", "0.0000000000000000000001s", "TERM", "SIGTERM", "sigterm", "SIG", "SIGSIGTERM",
      "TERM:", ":TERM", "TERM:INT", "TERM:0", "KILL:TERM", "CHLD:TERM", "STOP:CONT", "TERM:KILL",
      "TERM:65", "64", "65", "RTMIN", "RTMIN+30", "RTMIN+31", "RTMAX-30", "RTMAX-31", "RTMIN-1",
      "RTMAX+1", "RTMIN+", "RTMIN+99999999999999999999", "32", "33", "1@32=0", "1@TERM", "1@none",
      "SEGV@any", "yes", "no", "true", "off", "On", "2", "on ", " 1", "1\n", "1\r\n", "1=0\n2=0",
      "\x01", "\x1b[31mred\x1b[0m", "1=0\x1b]0;title\x07", "\x7f", "\xc3\xa9", "1@T\xc3\x89RM=0",
      "1@TER\xd0\x9c=0", "\xff\xfe", "\xc3", "\xe6\x97\xa5\xe6\x9c\xac", "1=0\xe2\x80\xa8" "2=0",
      "%s%n%x", "%N%P%L%1", "\\", "'", "\"", "--", "-m", "--help", "-h", "-V",
      std::string(100000, 'A'), std::string(100000, '9'), std::string(100000, '9') + "ms",
      std::string(100000, ' '), std::string(100000, ','), std::string(100000, '\x01'),
      "1@TERM=0" + std::string(100000, ' '), "1=" + std::string(100000, '0'),
      "1@TERM=" + std::string(248, '0'), "1@TERM=" + std::string(249, '0'),
  };
  std::string many_rules, many_rewrites;
  for (int i = 0; i < 25000; i++) many_rules += "1=0,";
  for (int i = 0; i < 12000; i++) many_rewrites += "TERM:INT,";
  v.push_back(many_rules);
  v.push_back(many_rewrites);
  std::string rules64;
  for (int i = 0; i < 64; i++) rules64 += std::to_string(i) + "=0,";
  v.push_back(rules64.substr(0, rules64.size() - 1));  // exactly 64: fine
  v.push_back(rules64 + "64=0");                        // 65: too many

  static const char *const kTokens[] = {
      "1", "0", "143", "255", "256", "9999999999", "@", "=", ",", " ", ":", "-", "+", ".", "*",
      "TERM", "INT", "SIGKILL", "rtmin", "RTMAX", "any", "none", "ms", "s", "m", "\n", "\t",
      "\xc3\xa9", "\x01", "\xff", "%n"};
  Rng rng(seed);
  for (int i = 0; i < random; i++) {
    std::string s;
    int n = int(rng.below(12));
    bool bytes = rng.below(4) == 0;
    for (int k = 0; k < n; k++) {
      if (bytes) s += char(1 + rng.below(255));
      else s += kTokens[rng.below(sizeof kTokens / sizeof *kTokens)];
    }
    v.push_back(s);
  }
  return v;
}

// A printable rendering of a value, for failure messages.
inline std::string show(const std::string &s) {
  std::string o;
  for (size_t i = 0; i < s.size() && i < 60; i++) {
    unsigned char c = s[i];
    char b[8];
    if (c < 0x20 || c >= 0x7f) snprintf(b, sizeof b, "\\x%02x", c), o += b;
    else o += char(c);
  }
  if (s.size() > 60) o += "...(" + std::to_string(s.size()) + " bytes)";
  return o;
}

}  // namespace rel

// ====================================================== reliability_unit
//
// No processes: these run again under ASan and UBSan (tests/runner-san).

namespace {

// An error must point into the text it came from.
void expect_error_inside(const remap::Error &e, const std::string &text, const char *what) {
  const char *b = text.c_str(), *end = b + text.size();
  cr_assert(e.what && *e.what, "%s('%s'): error without a reason", what, rel::show(text).c_str());
  cr_assert(e.item >= b && e.item_len >= 0 && e.item + e.item_len <= end,
            "%s('%s'): error item outside the text", what, rel::show(text).c_str());
  if (e.part)
    cr_assert(e.part >= e.item && e.part + e.part_len <= e.item + e.item_len,
              "%s('%s'): error part outside its item", what, rel::show(text).c_str());
}

}  // namespace

Test(reliability_unit, parsers_refuse_or_accept_hostile_text_with_errors_inside_it) {
  int accepted = 0, refused = 0;
  for (const std::string &v : rel::hostile_values(91, 2000)) {
    remap::Rules rules;
    remap::Error e = remap::parse_rules(v.c_str(), &rules, false);
    if (e) expect_error_inside(e, v, "parse_rules"), refused++;
    else accepted++;
    cr_assert(rules.count <= remap::kMaxRules, "parse_rules('%s'): %d rules", rel::show(v).c_str(), rules.count);
    for (int i = 0; i < rules.count; i++) {
      const remap::Rule &r = rules.rule[i];
      cr_assert(r.text >= v.c_str() && r.text + r.text_len <= v.c_str() + v.size(),
                "parse_rules('%s'): rule text outside the input", rel::show(v).c_str());
      cr_assert(r.lo <= r.hi, "parse_rules('%s'): range %d-%d", rel::show(v).c_str(), r.lo, r.hi);
    }
    remap::Rewrite rw;
    if ((e = remap::parse_rewrites(v.c_str(), &rw, false))) expect_error_inside(e, v, "parse_rewrites");
    for (int s = 0; s <= remap::kMaxSig; s++)
      cr_assert(rw.to[s] <= remap::kMaxSig, "parse_rewrites('%s'): to[%d]=%d", rel::show(v).c_str(), s, rw.to[s]);
    uint32_t ms = 4242;
    if ((e = remap::parse_duration(v.c_str(), &ms))) {
      expect_error_inside(e, v, "parse_duration");
      cr_assert(ms == 4242, "parse_duration('%s') refused it but changed the value", rel::show(v).c_str());
    } else {
      cr_assert(ms <= remap::kMaxDurationMs, "parse_duration('%s') = %u", rel::show(v).c_str(), ms);
    }
    remap::Ending end{};
    remap::SigSet got = 0;
    if ((e = remap::parse_case(v.c_str(), &end, &got))) expect_error_inside(e, v, "parse_case");
    else if (end.signaled)
      cr_assert(end.value >= 1 && end.value <= 64, "parse_case('%s'): signal %d", rel::show(v).c_str(), end.value);
    int sig = remap::signal_by_spec(v.data(), v.data() + v.size());
    cr_assert(sig >= 0 && sig <= 64, "signal_by_spec('%s') = %d", rel::show(v).c_str(), sig);
    if (sig) {
      char name[12];
      remap::signal_name(sig, name);
      cr_assert(remap::signal_by_spec(name, name + strlen(name)) == sig, "'%s' -> %d -> '%s' does not come back",
                rel::show(v).c_str(), sig, name);
    }
  }
  cr_assert(accepted > 5 && refused > 100, "the values should include both kinds: %d accepted, %d refused",
            accepted, refused);
}

Test(reliability_unit, every_signal_name_round_trips) {
  for (int sig = 1; sig <= 64; sig++) {
    char name[12];
    remap::signal_name(sig, name);
    int back = remap::signal_by_spec(name, name + strlen(name));
    cr_expect(back == sig, "signal %d is named '%s', which reads back as %d", sig, name, back);
    std::string with_sig = std::string("sig") + name;
    if (sig != 32 && sig != 33)
      cr_expect(remap::signal_by_name(with_sig.data(), with_sig.data() + with_sig.size()) == sig,
                "'%s' should name %d", with_sig.c_str(), sig);
  }
}

Test(reliability_unit, durations_grow_with_their_digits_and_units) {
  rel::Rng rng(7);
  for (int i = 0; i < 5000; i++) {
    uint32_t a = rng.below(3000000), b = a + rng.below(1000);
    for (const char *unit : {"ms", "s", "m", ""}) {
      uint32_t va = 0, vb = 0;
      bool oka = !remap::parse_duration((std::to_string(a) + unit).c_str(), &va);
      bool okb = !remap::parse_duration((std::to_string(b) + unit).c_str(), &vb);
      if (oka && okb) cr_assert(va <= vb, "%u%s = %u ms but %u%s = %u ms", a, unit, va, b, unit, vb);
      if (!oka) cr_assert(!okb, "%u%s refused but the longer %u%s accepted", a, unit, b, unit);
    }
    uint32_t ms = 0, s = 0, m = 0;
    std::string n = std::to_string(a % 40000);
    cr_assert(!remap::parse_duration((n + "ms").c_str(), &ms) && !remap::parse_duration((n + "s").c_str(), &s),
              "%s ms / s refused", n.c_str());
    cr_assert(ms <= s, "%sms = %u > %ss = %u", n.c_str(), ms, n.c_str(), s);
    if (!remap::parse_duration((n + "m").c_str(), &m)) cr_assert(s <= m, "%ss = %u > %sm = %u", n.c_str(), s, n.c_str(), m);
  }
}

// read_settings() on hostile option values and variables: a status or -1,
// never a crash; nothing half-applied is left for a run when it refuses.
Test(reliability_unit, read_settings_survives_hostile_argv_and_environment) {
  int devnull = open("/dev/null", O_WRONLY);
  int saved = dup(2), saved1 = dup(1);
  dup2(devnull, 2), dup2(devnull, 1);  // the refusals are the e2e tests' business
  static const char *const kOpts[] = {"-m", "-r", "-t", "--stop-delay", "-p", "--explain", "-e", "--map"};
  static const char *const kVars[] = {"REMIT_MAP", "REMIT_REWRITE", "REMIT_GRACE", "REMIT_STOP_DELAY",
                                      "REMIT_GROUP", "REMIT_SUBREAPER", "REMIT_WAIT_ALL", "REMIT_VERBOSE"};
  std::vector<std::string> values = rel::hostile_values(92, 300);
  std::map<std::string, int> statuses;
  for (const std::string &v : values) {
    for (const char *opt : kOpts) {
      std::vector<std::string> args = {"remit", opt, v, "--", "prog"};
      std::vector<char *> argv;
      for (std::string &a : args) argv.push_back(&a[0]);
      argv.push_back(nullptr);
      Settings set;
      int st = read_settings(&set, int(args.size()), argv.data());
      statuses[opt] += st < 0;
      if (st >= 0) cr_assert(st == 2 || st == 0, "%s '%s': status %d", opt, rel::show(v).c_str(), st);
      else cr_assert(set.child_argv && !strcmp(set.child_argv[0], "prog") && !set.child_argv[1],
                     "%s '%s': child argv", opt, rel::show(v).c_str());
    }
    for (const char *var : kVars) {
      setenv(var, v.c_str(), 1);
      std::vector<std::string> args = {"remit", "prog"};
      std::vector<char *> argv = {&args[0][0], &args[1][0], nullptr};
      Settings set;
      int st = read_settings(&set, 2, argv.data());
      unsetenv(var);
      if (st >= 0) cr_assert(st == 2, "%s='%s': status %d", var, rel::show(v).c_str(), st);
    }
  }
  dup2(saved, 2), dup2(saved1, 1);
  close(saved), close(saved1), close(devnull);
  cr_assert(statuses["-m"] > 0 && statuses["-t"] > 0, "some values should be accepted");
}

// ========================================================== reliability

// Tens of thousands of signals at PID 1 while the child ignores them: both
// stay up, and TERM afterwards still ends the child with its own code.
Test(reliability, signal_storm_leaves_pid1_and_child_up_and_term_still_works, .timeout = 120) {
  t::Proc p = t::start(Spec{{"remit", "--", "/bin/sh", "-c",
                             "trap '' USR1 USR2 HUP WINCH ALRM PIPE; trap 'exit 77' TERM; echo ready;"
                             " while :; do sleep 5 & wait $!; done"},
                            {}, true});
  cr_assert(p.wait_for("ready"), "the child never got ready: %s", p.err().c_str());
  pid_t init = p.init_pid(), child = p.child_pid();
  static const int kStorm[] = {SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH, SIGALRM, SIGPIPE, SIGCONT, SIGCHLD};
  int sent = 0, failed = 0;
  for (int i = 0; i < 40000; i++) {
    if (kill(init, kStorm[i % 8]) == 0) sent++;
    else failed++;
    if (i % 5000 == 4999) sched_yield();
  }
  cr_assert(failed == 0, "kill() to remit failed %d times during the storm (remit gone?)", failed);
  // Still there and still the same processes, not zombies.
  std::string state = t::status_field(init, "State"), cstate = t::status_field(child, "State");
  cr_assert(!state.empty() && state[0] != 'Z', "remit after %d signals: state '%s'", sent, state.c_str());
  cr_assert(!cstate.empty() && cstate[0] != 'Z', "the child after the storm: state '%s'", cstate.c_str());
  std::vector<pid_t> kids = t::children(init);
  cr_assert(std::find(kids.begin(), kids.end(), child) != kids.end(), "the child %d is no longer remit's", child);
  p.signal(SIGTERM);
  t::Result r = p.wait(30);
  cr_assert(r.exited && r.code == 77, "after the storm, TERM should end the child with 77; got status %d (%s)",
            r.status(), r.err.c_str());
}

// One mebibyte of random bytes (NULs included) through stdin->stdout and
// stdin->stderr, as a wrapper and as PID 1.
Test(reliability, stdio_passes_a_mebibyte_of_random_bytes_untouched, .timeout = 120) {
  rel::Rng rng(1234);
  std::string data(1 << 20, '\0');
  for (char &c : data) c = char(rng.next() >> 56);
  for (bool as_pid1 : {false, true}) {
    const char *mode = as_pid1 ? "as PID 1" : "as wrapper";
    t::Result r = t::run(Spec{{"remit", "--", "/bin/cat"}, {}, as_pid1, data}, 60);
    cr_assert(r.exited && r.code == 0, "%s: cat under remit: status %d", mode, r.status());
    cr_assert(r.out.size() == data.size() && r.out == data, "%s: stdout differs: %zu bytes out of %zu", mode,
              r.out.size(), data.size());
    r = t::run(Spec{{"remit", "--", "/bin/sh", "-c", "cat >&2"}, {}, as_pid1, data}, 60);
    cr_assert(r.exited && r.code == 0, "%s: cat >&2 under remit: status %d", mode, r.status());
    cr_assert(r.err.size() == data.size() && r.err == data, "%s: stderr differs: %zu bytes out of %zu", mode,
              r.err.size(), data.size());
  }
}

// The child sees the very descriptors remit was given: same numbers, same
// files, same flags (O_NONBLOCK, O_APPEND, ...) and offsets; none added,
// none closed.  Compared against the same probe run without remit.
Test(reliability, child_inherits_exactly_the_descriptors_remit_was_given, .timeout = 60) {
  std::string dir = t::scratch();
  std::ofstream(dir + "/probe.pl") <<
      "opendir(my $d, '/proc/self/fd') or die;\n"
      "my @fds = sort { $a <=> $b } grep { /^\\d+$/ } readdir($d);\n"
      "closedir($d);\n"
      "my $out = '';\n"
      "for my $fd (@fds) {\n"
      "  my $l = readlink(\"/proc/self/fd/$fd\");\n"
      "  next unless defined $l;\n"
      "  open(my $i, '<', \"/proc/self/fdinfo/$fd\") or next;\n"
      "  my %f; while (<$i>) { $f{$1} = $2 if /^(\\w+):\\s*(\\S+)/ } close $i;\n"
      "  $out .= \"$fd $l flags=$f{flags} pos=$f{pos}\\n\";\n"
      "}\n"
      "open(my $o, '>', $ARGV[0]) or die; print $o $out; close $o;\n";
  std::ofstream(dir + "/data") << "first line\nsecond line\n";
  std::string script =
      "cd " + dir + " && exec 4<data 5</dev/null 7>x 8>>y 9<>z 6<&0 && read skip <&4 &&"
      " perl probe.pl plain && $REMIT -- perl probe.pl wrapped &&"
      " unshare --pid --fork --mount-proc perl probe.pl plain1 &&"
      " unshare --pid --fork --mount-proc $REMIT -- perl probe.pl pid1";
  // stdin a pipe with O_NONBLOCK unset, stdout a file: whatever they are,
  // they must come through the same.
  t::Result r = t::run(Spec{{"/bin/sh", "-c", script}, {"REMIT=" + t::remit()}, false, "some input\n"}, 30);
  cr_assert(r.exited && r.code == 0, "probe script failed: status %d, stderr: %s", r.status(), r.err.c_str());
  std::string plain = t::slurp(dir + "/plain"), wrapped = t::slurp(dir + "/wrapped");
  std::string plain1 = t::slurp(dir + "/plain1"), as_pid1 = t::slurp(dir + "/pid1");
  cr_assert(plain.find("\n9 ") != std::string::npos, "the probe did not see fd 9:\n%s", plain.c_str());
  cr_assert(plain.find("flags=") != std::string::npos, "the probe saw no flags:\n%s", plain.c_str());
  cr_expect(wrapped == plain, "as wrapper, the child's descriptors differ.\nwithout remit:\n%swith remit:\n%s",
            plain.c_str(), wrapped.c_str());
  cr_expect(as_pid1 == plain1, "as PID 1, the child's descriptors differ.\nwithout remit:\n%swith remit:\n%s",
            plain1.c_str(), as_pid1.c_str());
}

// Runs `bin` with one setting, an option (NAME VALUE) or a variable
// (NAME=VALUE, added to `env`), and a child that leaves a marker file;
// *ran says whether the child ran.
static t::Result with_setting(const std::string &bin, const char *name, bool is_env, const std::string &value,
                              std::vector<std::string> env, const std::string &dir, const std::string &marker,
                             bool *ran) {
  unlink(marker.c_str());
  std::vector<std::string> argv = {bin};
  if (is_env) env.push_back(std::string(name) + "=" + value);
  else argv.insert(argv.end(), {name, value});
  argv.insert(argv.end(), {"--", "/usr/bin/touch", marker});
  t::Result r = t::run_within(Spec{argv, env, false, "", "", dir}, 20);
  *ran = access(marker.c_str(), F_OK) == 0;
  return r;
}

// Every setting remit reads, given hundreds of hostile values: accepted (the
// child runs and leaves its marker) or refused with exit 2, one line on
// stderr and no child; never a crash or a hang.
Test(reliability, hostile_values_for_every_setting_are_accepted_or_refused_cleanly, .timeout = 600) {
  struct Setting { const char *name; bool env; };
  static const Setting kSettings[] = {
      {"-m", false}, {"-r", false}, {"-t", false}, {"--stop-delay", false}, {"-p", false},
      {"--explain", false}, {"-e", false}, {"REMIT_MAP", true}, {"REMIT_REWRITE", true},
      {"REMIT_GRACE", true}, {"REMIT_STOP_DELAY", true}, {"REMIT_GROUP", true},
      {"REMIT_SUBREAPER", true}, {"REMIT_WAIT_ALL", true}, {"REMIT_VERBOSE", true}};
  std::vector<std::string> values = rel::hostile_values(2026, 150);
  std::string dir = t::scratch(), marker = dir + "/marker";
  std::string failures;
  int runs = 0, accepted = 0, refused = 0;
  for (const Setting &s : kSettings) {
    for (const std::string &v : values) {
      bool ran;
      t::Result r = with_setting(t::remit(), s.name, s.env, v, {}, dir, marker, &ran);
      runs++;
      bool explain = !strcmp(s.name, "--explain");
      std::string what;
      if (r.hung || !r.exited) {
        what = r.describe();
      } else if (r.code == 2) {
        refused++;
        if (ran) what = "refused (exit 2) but the child ran";
        else if (r.err.empty() || r.err.back() != '\n' || t::newlines(r.err) != 1)
          what = "refused with " + std::to_string(t::newlines(r.err)) + " stderr lines: '" + rel::show(r.err) + "'";
        else if (r.err.compare(0, 7, "remit: ") != 0)
          what = "refusal does not start with 'remit: ': '" + rel::show(r.err) + "'";
      } else if (r.code == 0) {
        accepted++;
        if (explain && ran) what = "--explain ran the child";
        else if (explain && (r.out.empty() || t::newlines(r.out) != 1)) what = "--explain printed '" + rel::show(r.out) + "'";
        else if (!explain && !ran) what = "accepted but the child did not run";
      } else {
        what = r.describe() + ", stderr '" + rel::show(r.err) + "'";
      }
      if (!what.empty() && failures.size() < 4000)
        failures += std::string("\n  ") + s.name + " '" + rel::show(v) + "': " + what;
    }
  }
  cr_assert(failures.empty(), "%d runs; bad outcomes:%s", runs, failures.c_str());
  cr_assert(accepted > 50 && refused > 500, "expected both outcomes: %d accepted, %d refused", accepted, refused);
}

// The child exits at once while remit is busy forwarding signals to it: the
// status is always the child's.  Default-ignored signals, so that status is
// exactly 3; remit is only stormed once it has blocked its signals.
Test(reliability, status_survives_signals_forwarded_as_the_child_exits, .timeout = 300) {
  std::string dir = t::scratch(), failures;
  static const int kSigs[] = {SIGWINCH, SIGCONT, SIGURG};
  int sent = 0;
  for (int i = 0; i < 300; i++) {
    t::Proc p = t::start(Spec{{"remit", "--", "/bin/sh", "-c", "exit 3"}, {}, false, "", "", dir});
    pid_t pid = p.pid;
    // Until remit has blocked its signals (or is already over: a zombie).
    for (double end = t::now() + 5; t::now() < end;) {
      std::string state = t::status_field(pid, "State");
      const uint64_t kill_stop = 1ULL << (SIGKILL - 1) | 1ULL << (SIGSTOP - 1);  // never blocked
      if (state.empty() || state[0] == 'Z' || t::waiting_for_signals(pid) ||
          (t::execd(pid) && (t::blocked(pid) | kill_stop) == ~0ULL))
        break;
    }
    for (int k = 0; kill(pid, kSigs[k % 3]) == 0 && k < 100000; k++) {
      sent++;
      int st;
      if (k % 16 == 15 && waitpid(pid, &st, WNOHANG) == pid) {
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
          failures += " #" + std::to_string(i) + ":" + std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        pid = -1;
        break;
      }
    }
    if (pid > 0) {
      t::Result r = p.wait(10, false);
      if (!r.exited || r.code != 3) failures += " #" + std::to_string(i) + ":" + r.describe();
    }
  }
  cr_assert(failures.empty(), "the child exits 3 but remit reported (run:status):%s", failures.c_str());
  cr_assert(sent > 300, "only %d signals reached remit", sent);
}

// Same as PID 1, with signals that would kill the child too: its status is
// then 128+N, still the child's own.
Test(reliability, status_survives_fatal_signals_forwarded_as_the_child_exits_as_pid1, .timeout = 300) {
  std::string dir = t::scratch(), failures;
  static const int kSigs[] = {SIGUSR1, SIGHUP, SIGWINCH, SIGCONT};
  std::map<int, int> seen;
  for (int i = 0; i < 150; i++) {
    t::Proc p = t::start(Spec{{"remit", "--", "/bin/sh", "-c", "exit 3"}, {}, true});
    pid_t init = -1;
    for (double end = t::now() + 5; t::now() < end && init < 0;) {
      std::vector<pid_t> c = t::children(p.pid);
      if (!c.empty()) init = c[0];
      int st;
      if (waitpid(p.pid, &st, WNOHANG) == p.pid) {  // over before we saw it
        p.reaped = true;
        p.result.exited = WIFEXITED(st), p.result.code = WEXITSTATUS(st), p.result.sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        break;
      }
    }
    for (int k = 0; init > 0 && k < 100000 && kill(init, kSigs[k % 4]) == 0; k++) {}
    t::Result r = p.wait(10);
    seen[r.status()]++;
    int st = r.status();
    if (st != 3 && st != 128 + SIGUSR1 && st != 128 + SIGHUP)
      failures += " #" + std::to_string(i) + ":" + std::to_string(st);
  }
  std::string counts;
  for (auto &kv : seen) counts += " " + std::to_string(kv.first) + "x" + std::to_string(kv.second);
  cr_assert(failures.empty(), "statuses other than 3, 138, 129 (run:status):%s (all:%s)", failures.c_str(), counts.c_str());
}

// SIGTERM at remit the moment its pid exists, before it has even started
// the child (or blocked its signals).  Every path must end in death by TERM:
// before exec or before remit blocks signals remit itself dies by it;
// afterwards it passes it on and dies the child's death.  A lost TERM would
// leave `sleep 30` running and the run would time out.
Test(reliability, term_before_the_child_starts_is_never_lost_as_wrapper, .timeout = 300) {
  std::string dir = t::scratch(), failures;
  for (int i = 0; i < 200; i++) {
    t::Proc p = t::start(Spec{{"remit", "--", "/bin/sleep", "30"}, {}, false, "", "", dir});
    for (int spin = 0; spin < (i % 20) * 2000; spin++) asm volatile("");
    kill(p.pid, SIGTERM);
    t::Result r = p.wait(15, false);
    if (r.exited || r.sig != SIGTERM) failures += " #" + std::to_string(i) + ":" + r.describe();
  }
  cr_assert(failures.empty(), "expected death by TERM every time (run:outcome):%s", failures.c_str());
}

// As PID 1: TERM sent to remit as soon as it exists in its namespace, from
// before its exec to a few hundred microseconds after, and (every third run)
// just after remit has blocked its signals.  The kernel drops a signal sent
// to a namespace's PID 1 that neither handles nor blocks it, and until
// remit's first instruction (which blocks everything) nothing can: so an
// early TERM may be lost, and the child, which traps TERM (exit 9), exits 5
// after a moment.  Status 143 (TERM before the trap), 9 or 5 then.  Once
// SigBlk shows TERM blocked it can no longer be lost, whatever the machine's
// speed (the sanitizer build takes milliseconds to reach main): those runs
// give the child 30 s instead, and must end in 143 or 9 well before that.
Test(reliability, term_before_the_child_starts_gives_the_childs_status_as_pid1, .timeout = 300) {
  std::string dir = t::scratch(), failures;
  std::map<int, int> seen;
  for (int i = 0; i < 99; i++) {
    const bool after_block = i % 3 == 2;
    t::leave_nothing_behind();
    pid_t middle = fork();
    if (middle == 0) {
      t::reset_signals();
      if (unshare(CLONE_NEWPID) != 0) _exit(240);
      pid_t init = fork();
      if (init == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        std::string r = t::remit();
        execl(r.c_str(), r.c_str(), "--", "/bin/sh", "-c",
              after_block ? "trap 'exit 9' TERM; sleep 30 & wait; exit 5"
                          : "trap 'exit 9' TERM; sleep 0.3 & wait; exit 5",
              (char *)nullptr);
        _exit(241);
      }
      // Runs 1, 4, 7... aim at the very start of remit: right after its exec.
      if (i % 3 == 1) {
        std::string exe = "/proc/" + std::to_string(init) + "/exe", want = t::remit();
        char buf[PATH_MAX];
        for (double end = t::now() + 2; t::now() < end;) {
          ssize_t n = readlink(exe.c_str(), buf, sizeof buf - 1);
          if (n > 0 && std::string(buf, size_t(n)) == want) break;
        }
      }
      // Runs 2, 5, 8...: wait (10 s at most, for a loaded machine) until
      // remit has TERM blocked; 242 if it never does.  (After its exec:
      // until fork returns in it, glibc 2.41 has every signal blocked.)
      if (after_block) {
        for (double end = t::now() + 10;; sched_yield()) {
          if (t::now() > end) kill(init, SIGKILL), _exit(242);
          if (t::execd(init) && (t::blocked(init) >> (SIGTERM - 1) & 1))
            break;  // in this order: SigBlk is read once the exec is seen
        }
      }
      for (double until = t::now() + (i % 30) * 20e-6; t::now() < until;) {}
      kill(init, SIGTERM);
      int st;
      waitpid(init, &st, 0);
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 250);
    }
    t::Result r = t::reap(middle, 15);
    seen[r.status()]++;
    bool lost_ok = !after_block;
    if (r.hung || !r.exited || (r.code != 143 && r.code != 9 && !(lost_ok && r.code == 5)))
      failures += std::string(" #") + std::to_string(i) + (after_block ? "(blocked)" : "") + ":" + r.describe();
  }
  std::string counts;
  for (auto &kv : seen) counts += " " + std::to_string(kv.first) + "x" + std::to_string(kv.second);
  cr_assert(failures.empty(), "expected 143, 9, or (before remit blocked TERM) 5 (run:outcome):%s (all:%s)",
            failures.c_str(), counts.c_str());
}

// As PID 1, the child leaves a crowd of orphans exiting (by code and by
// signal) just as it exits 7 itself: remit reaps them all and keeps 7.
Test(reliability, child_status_survives_orphans_exiting_at_the_same_time_as_pid1, .timeout = 300) {
  std::string dir = t::scratch(), failures;
  const std::string script =
      "i=0; while [ $i -lt 60 ]; do (exit 3) & sh -c 'kill -9 $$' & (exit 4) & i=$((i+1)); done;"
      " (sleep 0.2; exit 1) & exit 7";
  for (int i = 0; i < 30; i++) {
    t::Result r = t::run_within(Spec{{"remit", "--", "/bin/sh", "-c", script}, {}, true, "", "", dir}, 30);
    if (!r.exited || r.code != 7) failures += " #" + std::to_string(i) + ":" + r.describe();
  }
  cr_assert(failures.empty(), "expected 7 every time (run:outcome):%s", failures.c_str());
}

// The same for the values the drop-in names read (tini, dumb-init).  Their
// refusals follow the original's style (a usage text may follow, status 1),
// so only the essentials are checked: no crash, no hang, no child started
// by a refusal, and something said on stderr.
Test(reliability, hostile_values_under_the_drop_in_names_never_crash_or_half_start, .timeout = 600) {
  struct Setting { const char *as, *name; bool env; };
  static const Setting kSettings[] = {
      {"tini", "-e", false},          {"tini", "-p", false},
      {"tini", "TINI_VERBOSITY", true}, {"tini", "TINI_SUBREAPER", true},
      {"tini", "TINI_KILL_PROCESS_GROUP", true}, {"dumb-init", "-r", false},
      {"dumb-init", "DUMB_INIT_SETSID", true}, {"dumb-init", "DUMB_INIT_DEBUG", true}};
  std::vector<std::string> values = rel::hostile_values(77, 60);
  std::string dir = t::scratch(), marker = dir + "/marker", failures;
  std::map<std::string, std::string> bin;
  int runs = 0;
  for (const Setting &s : kSettings) {
    if (!bin.count(s.as)) bin[s.as] = t::as_name(s.as);
    for (const std::string &v : values) {
      bool ran;
      t::Result r = with_setting(bin[s.as], s.name, s.env, v,
                                {"TINI_SUBREAPER", "TINI_KILL_PROCESS_GROUP", "TINI_VERBOSITY",
                                 "DUMB_INIT_SETSID", "DUMB_INIT_DEBUG"},
                                dir, marker, &ran);
      runs++;
      std::string what;
      if (r.hung || !r.exited) what = r.describe();
      else if (r.code == 0 && !ran) what = "exit 0 but the child did not run";
      else if (r.code != 0 && ran) what = r.describe() + " but the child ran";
      else if (r.code != 0 && r.err.empty()) what = r.describe() + " without a word on stderr";
      if (!what.empty() && failures.size() < 4000)
        failures += std::string("\n  ") + s.as + " " + s.name + " '" + rel::show(v) + "': " + what;
    }
  }
  cr_assert(failures.empty(), "%d runs; bad outcomes:%s", runs, failures.c_str());
}

// remit's own message to a stderr pipe nobody reads raises SIGPIPE at remit.
// That one was not sent by anyone: it must neither reach the child nor count
// as a signal received (the rule 0@any=3 would then turn 0 into 3).
Test(reliability, sigpipe_from_remits_own_message_is_not_forwarded, .timeout = 60) {
  std::string dir = t::scratch(), marker = dir + "/marker";
  for (bool as_pid1 : {false, true}) {
    unlink(marker.c_str());
    std::vector<std::string> args = {t::remit(), "-v", "-m", "0@any=3", "--", "/bin/sh", "-c",
                                     "sleep 0.3; echo ok > " + marker};
    if (as_pid1) args = t::as_pid1(args);
    std::vector<char *> argv;
    for (std::string &a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    int p[2];
    cr_assert(pipe(p) == 0);
    t::leave_nothing_behind();
    pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      t::reset_signals();
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0), dup2(null, 1), dup2(p[1], 2);
      for (int fd = 3; fd < 1024; fd++) close(fd);
      execv(argv[0], argv.data());
      _exit(121);
    }
    close(p[0]), close(p[1]);  // nobody will ever read remit's stderr
    t::Result r = t::reap(pid, 20);
    const char *mode = as_pid1 ? "as PID 1" : "as wrapper";
    cr_expect(r.exited && r.code == 0, "%s: the child exits 0 but remit gave %s", mode, r.describe().c_str());
    cr_expect(access(marker.c_str(), F_OK) == 0, "%s: the child did not finish (killed by a forwarded SIGPIPE?)", mode);
  }
}
