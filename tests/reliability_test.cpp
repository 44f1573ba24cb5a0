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

// =========================================== reliability: 0.2.0's lost ends
//
// Four ways 0.2.0 hung, or lost a signal or a process, each as a wrapper and
// as PID 1: no descriptor left for the signalfd; a stop signal that came
// with the child's end; dumb-init -c with --wait-all; a stop signal during
// --wait-all.  A hang is a failure here, never a hung run: every wait has
// a limit well below the test's timeout.

namespace lost {

// The state letter of /proc/PID/status (R, S, T, Z...); 0 once pid is gone.
inline char state(pid_t pid) {
  std::string s = t::status_field(pid, "State");
  return s.empty() ? 0 : s[0];
}

// When pid started (field 22 of /proc/PID/stat, clock ticks since boot):
// with the pid it names one process, "" once that one is reaped.
inline std::string start_time(pid_t pid) {
  std::string stat = t::slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 > stat.size()) return "";
  std::istringstream in(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && in >> field; i++) {}
  return field;
}

inline uint64_t sig_bit(int sig) { return 1ULL << (sig - 1); }
inline uint64_t ignored(pid_t pid) { return strtoull(t::status_field(pid, "SigIgn").c_str(), nullptr, 16); }

// What pid is doing, for failure messages: its state and where it sleeps.
inline std::string doing(pid_t pid) {
  std::string wchan = t::slurp("/proc/" + std::to_string(pid) + "/wchan");
  return "state '" + t::status_field(pid, "State") + "', wchan '" + wchan + "'";
}

// The descriptors pid has open above 2, whether fd N (0-2) is open, and
// its soft RLIMIT_NOFILE.
inline int fds_above_stdio(pid_t pid) {
  int n = 0;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.' && atoi(e->d_name) > 2) n++;
    closedir(d);
  }
  return n;
}
inline bool fd_open(pid_t pid, int fd) { return t::exists("/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd)); }
inline long nofile_limit(pid_t pid) {
  std::istringstream in(t::slurp("/proc/" + std::to_string(pid) + "/limits"));
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, 14, "Max open files") == 0) return atol(line.c_str() + 14);
  return -1;
}

// The ways remit can be left with no descriptor to spare for a signalfd:
// RLIMIT_NOFILE (soft and hard) set by prlimit, which execs remit, to what
// is open.  busybox sh, static, sets up the descriptors before prlimit.
struct NoFds {
  const char *what;
  const char *shell;  // busybox sh -c SHELL sh prlimit ... remit ...
  int limit;
  bool stdin_closed;
};
inline const NoFds kNoFds[] = {
    {"0-2 open, RLIMIT_NOFILE 3", "exec \"$@\"", 3, false},
    // The signalfd gets fd 0 and must move above 2: no room there either.
    {"stdin closed, 1-2 open, RLIMIT_NOFILE 3", "exec \"$@\" 0<&-", 3, true},
    // A parent that leaked descriptors up to its limit.
    {"0-39 open (37 leaked by the parent), RLIMIT_NOFILE 40",
     "i=3; while [ $i -lt 40 ]; do eval \"exec $i</dev/null\"; i=$((i+1)); done; exec \"$@\"", 40, false},
};

// `bin` (remit, or a symlink to it) with args, short of descriptors as `c` says.
inline Spec without_fds(const NoFds &c, const std::string &bin, const std::vector<std::string> &args, bool pid1,
                        const std::string &dir = "") {
  std::string n = std::to_string(c.limit);
  Spec s;
  s.argv = {"/bin/busybox", "sh", "-c", c.shell, "sh", "/usr/bin/prlimit", "--nofile=" + n + ":" + n, bin};
  s.argv.insert(s.argv.end(), args.begin(), args.end());
  s.pid1 = pid1;
  s.dir = dir;
  return s;
}

// "" if remit (init) really has no descriptor to spare above stdio, as `c`
// meant; else what is wrong with the test's set-up.
inline std::string short_of_fds(pid_t init, const NoFds &c) {
  long limit = nofile_limit(init);
  int above = fds_above_stdio(init);
  if (limit != c.limit || above != c.limit - 3 || fd_open(init, 0) == c.stdin_closed || !fd_open(init, 1) ||
      !fd_open(init, 2))
    return "remit has RLIMIT_NOFILE " + std::to_string(limit) + ", " + std::to_string(above) +
           " descriptors above 2, fd 0 " + (fd_open(init, 0) ? "open" : "closed") + ": not what '" + c.what +
           "' means";
  return "";
}

// Waits until remit (init) waits for signals and its child has exec'd; ""
// or what did not happen.  0.2.0 short of descriptors never waits: it
// spins reading fd -1.
inline std::string until_remit_waits(t::Proc &p, pid_t *child = nullptr) {
  pid_t init = p.init_pid();
  pid_t c = p.child_pid();
  if (child) *child = c;
  if (!t::eventually([&] { return t::waiting_for_signals(init); }, 10))
    return "remit never waited for signals within 10 s (" + doing(init) + ")";
  return "";
}

// The sanitizer build is dynamic: with no descriptor to spare its loader
// cannot even open libasan, so the case is for the static remit alone.
inline void skip_unless_static() {
  if (!t::remit_is_static())
    cr_skip_test("%s is dynamically linked (the sanitizer build): its loader needs the descriptors this "
                 "test leaves none of", t::remit().c_str());
}

inline const char *kSignalfdWarning = "cannot open a signalfd: Too many open files; waiting for signals with sigtimedwait";

// "" if stderr is the one warning line, with `prefix`, that remit had no
// signalfd.  With stdin closed the reason may be another (the move above
// 2 failed): only the beginning and the end are checked then.
inline std::string one_signalfd_warning(const std::string &err, const std::string &prefix, bool any_reason) {
  size_t at = err.find("cannot open a signalfd");
  if (at == std::string::npos) return "no warning that the signalfd could not be opened";
  if (err.find("cannot open a signalfd", at + 1) != std::string::npos) return "the warning more than once";
  size_t bol = err.rfind('\n', at);
  bol = bol == std::string::npos ? 0 : bol + 1;
  size_t eol = err.find('\n', at);
  if (eol == std::string::npos) return "the warning without its newline";
  std::string line = err.substr(bol, eol - bol), head = line.substr(0, at - bol), body = line.substr(at - bol);
  if (head.compare(0, prefix.size(), prefix) != 0) return "the warning without the prefix '" + prefix + "'";
  if (any_reason) {
    static const std::string tail = "; waiting for signals with sigtimedwait";
    if (body.compare(0, 24, "cannot open a signalfd: ") != 0 || body.size() < tail.size() ||
        body.compare(body.size() - tail.size(), tail.size(), tail) != 0)
      return "the warning reads '" + line + "'";
  } else if (body != kSignalfdWarning) {
    return "the warning reads '" + line + "'";
  }
  return "";
}

}  // namespace lost

// 0.2.0 spun at 100% CPU reading fd -1 and never returned.
Test(reliability, without_a_descriptor_for_a_signalfd_remit_warns_once_and_returns_the_childs_status,
     .timeout = 300) {
  lost::skip_unless_static();
  for (const lost::NoFds &c : lost::kNoFds)
    for (bool pid1 : {false, true}) {
      const char *mode = pid1 ? "as PID 1" : "as wrapper";
      // With stdin closed, the child must not find the signalfd (or anything) on fd 0.
      std::string script = c.stdin_closed ? "[ -e /proc/self/fd/0 ] && exit 4; exit 3" : "exit 3";
      t::Result r = t::run_within(lost::without_fds(c, t::remit(), {"--", "/bin/busybox", "sh", "-c", script}, pid1), 20);
      cr_assert(r.exited && r.code == 3, "%s, %s: the child exits 3; remit gave %s; stderr: %s", mode, c.what,
                r.describe().c_str(), r.err.c_str());
      std::string bad = lost::one_signalfd_warning(r.err, "remit: ", c.stdin_closed);
      cr_assert(bad.empty() && t::newlines(r.err) == 1, "%s, %s: expected one line on stderr, 'remit: %s'; %s: '%s'",
                mode, c.what, lost::kSignalfdWarning, bad.c_str(), r.err.c_str());
    }
}

// TERM is still taken and passed on, and the rules still see it.
Test(reliability, without_a_descriptor_for_a_signalfd_term_reaches_the_child_and_the_rules, .timeout = 300) {
  lost::skip_unless_static();
  for (const lost::NoFds &c : lost::kNoFds)
    for (bool pid1 : {false, true})
      for (bool rule : {false, true}) {
        const char *mode = pid1 ? "as PID 1" : "as wrapper";
        std::vector<std::string> args = {"--", "/bin/busybox", "sleep", "30"};
        if (rule) args.insert(args.begin(), {"-m", "TERM@TERM=0"});
        t::Proc p = t::start(lost::without_fds(c, t::remit(), args, pid1));
        std::string bad = lost::until_remit_waits(p);
        cr_assert(bad.empty(), "%s, %s: %s", mode, c.what, bad.c_str());
        pid_t init = p.init_pid();
        bad = lost::short_of_fds(init, c);
        cr_assert(bad.empty(), "%s, %s: %s", mode, c.what, bad.c_str());
        kill(init, SIGTERM);
        t::Result r = p.wait(20, false);
        if (rule)
          cr_assert(r.exited && r.code == 0, "%s, %s, -m TERM@TERM=0: TERM should end sleep and the rule give 0; got %s",
                    mode, c.what, r.describe().c_str());
        else if (pid1)
          cr_assert(r.exited && r.code == 143, "%s, %s: TERM should end sleep and remit exit 143; got %s", mode,
                    c.what, r.describe().c_str());
        else
          cr_assert(!r.hung && !r.exited && r.sig == SIGTERM,
                    "%s, %s: TERM should end sleep and remit die by TERM like it; got %s", mode, c.what,
                    r.describe().c_str());
      }
}

// Deadlines without a signalfd: the grace period (-t) and --stop-delay
// still expire, not sooner than set and long before the run's limit.
Test(reliability, without_a_descriptor_for_a_signalfd_the_grace_period_and_the_stop_delay_expire, .timeout = 300) {
  lost::skip_unless_static();
  for (const lost::NoFds &c : lost::kNoFds)
    for (bool pid1 : {false, true})
      for (bool grace : {true, false}) {
        std::string mode = std::string(pid1 ? "as PID 1" : "as wrapper") + ", " + c.what +
                           (grace ? ", -t 1s, a child that ignores TERM" : ", --stop-delay 1s");
        std::vector<std::string> args =
            grace ? std::vector<std::string>{"-t", "1s", "--", "/bin/busybox", "sh", "-c",
                                             "trap '' TERM; exec /bin/busybox sleep 30"}
                  : std::vector<std::string>{"--stop-delay", "1s", "--", "/bin/busybox", "sleep", "30"};
        t::Proc p = t::start(lost::without_fds(c, t::remit(), args, pid1));
        pid_t child;
        std::string bad = lost::until_remit_waits(p, &child);
        cr_assert(bad.empty(), "%s: %s", mode.c_str(), bad.c_str());
        pid_t init = p.init_pid();
        bad = lost::short_of_fds(init, c);
        cr_assert(bad.empty(), "%s: %s", mode.c_str(), bad.c_str());
        if (grace)
          cr_assert(t::eventually([&] { return lost::ignored(child) & lost::sig_bit(SIGTERM); }),
                    "%s: the child never ignored TERM", mode.c_str());
        double sent = t::now();
        kill(init, SIGTERM);
        t::Result r = p.wait(20, false);
        double took = t::now() - sent;
        int want = grace ? 128 + SIGKILL : 128 + SIGTERM;
        cr_assert(!r.hung && r.status() == want, "%s: expected status %d (the child %s) after a TERM; got %s",
                  mode.c_str(), want, grace ? "KILLed after the grace period" : "TERMed after the delay",
                  r.describe().c_str());
        cr_assert(took >= 0.95, "%s: over %.3f s after the TERM, before the 1 s had passed", mode.c_str(), took);
      }
}

// The drop-in names share the path: tini's and dumb-init's prefix on the
// one warning, the child's status, TERM passed on.
Test(reliability, without_a_descriptor_for_a_signalfd_tini_and_dumb_init_warn_once_and_work, .timeout = 300) {
  lost::skip_unless_static();
  struct Name { const char *name, *prefix; };
  static const Name kNames[] = {{"tini", "[WARN  tini ("}, {"dumb-init", "[dumb-init] "}};
  for (const Name &n : kNames) {
    std::string bin = t::as_name(n.name);
    for (const lost::NoFds &c : lost::kNoFds)
      for (bool pid1 : {false, true}) {
        std::string mode = std::string(n.name) + (pid1 ? " as PID 1, " : " as wrapper, ") + c.what;
        t::Result r = t::run_within(lost::without_fds(c, bin, {"--", "/bin/busybox", "sh", "-c", "exit 3"}, pid1), 20);
        cr_assert(r.exited && r.code == 3, "%s: the child exits 3; got %s; stderr: %s", mode.c_str(),
                  r.describe().c_str(), r.err.c_str());
        std::string bad = lost::one_signalfd_warning(r.err, n.prefix, c.stdin_closed);
        cr_assert(bad.empty(), "%s: expected one warning '%s...%s'; %s: '%s'", mode.c_str(), n.prefix,
                  lost::kSignalfdWarning, bad.c_str(), r.err.c_str());
        t::Proc p = t::start(lost::without_fds(c, bin, {"--", "/bin/busybox", "sleep", "30"}, pid1));
        bad = lost::until_remit_waits(p);
        cr_assert(bad.empty(), "%s: %s", mode.c_str(), bad.c_str());
        kill(p.init_pid(), SIGTERM);
        r = p.wait(20, false);
        cr_assert(!r.hung && r.status() == 143, "%s: TERM should end sleep: status 143; got %s", mode.c_str(),
                  r.describe().c_str());
      }
  }
}

// ================================= a stop that comes with the child's end
//
// The child's end and a signal to remit pending together: remit, stopped
// (SIGSTOP) while the child is killed and the signal sent, finds both at
// once when continued.  It must take what is pending before it decides, so
// that the signal counts for the rules and the report (0.2.0 took SIGCHLD
// first and ended, the signal lost: "signals":[]).

namespace batch {

// The report's "signals" array, as written.
inline std::string signals_of(const std::string &report) {
  size_t at = report.find("\"signals\":[");
  if (at == std::string::npos) return "<no signals field>";
  size_t end = report.find(']', at);
  return report.substr(at + 11, end == std::string::npos ? std::string::npos : end - at - 11);
}

inline bool in(const std::string &list, const char *name) {
  return list.find(std::string("\"") + name + "\"") != std::string::npos;
}

// One run: remit -m RULE --report FILE -- busybox sleep 30; once it waits
// for signals, SIGSTOP remit, `kill_child` to the sleep until it is a
// zombie, `to_remit` to remit until they are pending there, SIGCONT.
// Returns what failed, "" if nothing.
inline std::string run_once(bool pid1, const std::string &rule, int kill_child, const std::vector<int> &to_remit,
                            int want_status, const char *want_stop, const std::string &dir) {
  std::string report = dir + "/report.json";
  unlink(report.c_str());
  t::Proc p = t::start(Spec{{"remit", "-m", rule, "--report", report, "--", "/bin/busybox", "sleep", "30"},
                            {"REMIT_STOP_DELAY", "REMIT_GRACE", "REMIT_WAIT_ALL", "REMIT_STOP_SIGNALS"}, pid1, "", "", dir});
  pid_t init = p.init_pid(), child = p.child_pid();
  if (!t::eventually([&] { return t::waiting_for_signals(init); }, 20)) return "remit never waited for signals";
  kill(init, SIGSTOP);
  if (!t::eventually([&] { return t::status_field(init, "State")[0] == 'T'; })) return "remit never stopped";
  kill(child, kill_child);
  if (!t::eventually([&] { return t::status_field(child, "State")[0] == 'Z'; }))
    return "the child did not die of signal " + std::to_string(kill_child) + " (state " + t::status_field(child, "State") + ")";
  uint64_t want = 1ULL << (SIGCHLD - 1);
  for (int s : to_remit) kill(init, s), want |= 1ULL << (s - 1);
  if (!t::eventually([&] { return (t::pending(init) & want) == want; }))
    return "the signals are not all pending at remit";
  kill(init, SIGCONT);
  // As PID 1, unshare (util-linux) stops itself when its child stops and
  // continues it only once continued itself.
  if (pid1) kill(p.pid, SIGCONT);
  t::Result r = p.wait(20, false);
  std::string json = t::slurp(report), sigs = signals_of(json);
  std::string what;
  if (r.hung || r.status() != want_status)
    what += " status " + (r.hung ? r.describe() : std::to_string(r.status())) + " (want " + std::to_string(want_status) + ")";
  for (int s : to_remit) {
    char name[12];
    remap::signal_name(s, name);
    if (!in(sigs, name)) what += std::string(" ") + name + " not in \"signals\":[" + sigs + "]";
  }
  if (want_stop && json.find(std::string("\"stop_signal\":\"") + want_stop + "\"") == std::string::npos)
    what += std::string(" no \"stop_signal\":\"") + want_stop + "\"";
  if (t::newlines(json) != 1) what += " report not one line";
  return what.empty() ? "" : what + "; report: " + json.substr(0, 400);
}

inline void repeat(int kill_child, const std::vector<int> &to_remit, const std::string &rule, int want_status,
                   const char *want_stop) {
  std::string dir = t::scratch(), failures;
  for (bool pid1 : {false, true})
    for (int i = 0; i < 10; i++) {
      std::string f = run_once(pid1, rule, kill_child, to_remit, want_status, want_stop, dir);
      if (!f.empty()) failures += std::string("\n  ") + (pid1 ? "as PID 1" : "as wrapper") + " #" + std::to_string(i) + ":" + f;
      if (failures.size() > 3000) break;
    }
  cr_assert(failures.empty(), "-m '%s': signals pending with the child's end must count:%s", rule.c_str(), failures.c_str());
}

}  // namespace batch

Test(reliability, a_term_pending_with_the_childs_end_counts_for_the_rules_and_the_report, .timeout = 300) {
  batch::repeat(SIGTERM, {SIGTERM}, "TERM@TERM=0", 0, "TERM");
}

Test(reliability, an_int_pending_with_the_childs_end_counts_for_the_rules_and_the_report, .timeout = 300) {
  batch::repeat(SIGINT, {SIGINT}, "INT@INT=0", 0, "INT");
}

Test(reliability, a_hup_pending_with_the_childs_end_counts_for_the_rules_and_the_report, .timeout = 300) {
  batch::repeat(SIGHUP, {SIGHUP}, "HUP@HUP=5", 5, nullptr);
}

Test(reliability, two_signals_pending_with_the_childs_end_both_reach_the_report, .timeout = 300) {
  batch::repeat(SIGTERM, {SIGTERM, SIGUSR1}, "TERM@TERM=0", 0, "TERM");
}

// =================================================== --wait-all's corners

namespace waitall {

inline pid_t read_pid(const std::string &path) { return pid_t(atoi(t::slurp(path).c_str())); }

// Gone for good (reaped), or at least dead (a zombie nobody reaped yet).
inline bool dead(pid_t pid) {
  std::string st = t::status_field(pid, "State");
  return st.empty() || st[0] == 'Z';
}

// pid as seen from here of the process below `init` that its namespace
// calls `inner` (NSpid's last field); -1 if there is none.
inline pid_t outer_pid(pid_t init, pid_t inner) {
  for (pid_t d : t::descendants(init)) {
    std::string ns = t::status_field(d, "NSpid");
    size_t sp = ns.find_last_of(" \t");
    if (atoi(ns.substr(sp == std::string::npos ? 0 : sp + 1).c_str()) == inner) return d;
  }
  return -1;
}

// Waiting for signals, or (0.2.0, with a deadline) polling its signalfd.
inline bool waiting(pid_t pid) {
  return t::waiting_for_signals(pid) ||
         t::slurp("/proc/" + std::to_string(pid) + "/wchan").compare(0, 21, "poll_schedule_timeout") == 0;
}

const std::vector<std::string> kClean = {"REMIT_STOP_DELAY", "REMIT_GRACE", "REMIT_WAIT_ALL", "REMIT_MAP",
                                         "REMIT_STOP_SIGNALS", "REMIT_GROUP", "DUMB_INIT_SETSID", "DUMB_INIT_DEBUG"};

inline std::vector<std::string> env_with(std::vector<std::string> more) {
  std::vector<std::string> env = kClean;
  env.insert(env.end(), more.begin(), more.end());
  return env;
}

}  // namespace waitall

// dumb-init -c leaves the program in remit's process group; with
// REMIT_WAIT_ALL=1 it needs one of its own, or the TERM to what it left
// behind fails and remit returns at once, the background sleep still up.
// As a wrapper remit is a subreaper then and reaps it; as PID 1 the
// background process must get the TERM (it says so in a marker file, a
// second late so that remit has to wait for it) before remit ends.
Test(reliability, wait_all_under_dumb_init_c_stops_and_reaps_what_the_program_left, .timeout = 120) {
  std::string dir = t::scratch(), pidfile = dir + "/bg.pid", marker = dir + "/got", ready = dir + "/ready";
  std::string bin = t::as_name("dumb-init");
  for (int i = 0; i < 5; i++) {
    unlink(pidfile.c_str());
    t::Result r = t::run_within(Spec{{bin, "-c", "/bin/busybox", "sh", "-c",
                                      "/bin/busybox sleep 30 & echo $! > " + pidfile + "; exit 0"},
                                     waitall::env_with({"REMIT_WAIT_ALL=1"}), false, "", "", dir},
                                20);
    pid_t bg = waitall::read_pid(pidfile);
    cr_assert(bg > 0, "as wrapper #%d: the program wrote no pid for its background sleep; remit: %s, stderr: %s", i,
              r.describe().c_str(), r.err.c_str());
    cr_assert(!r.hung && r.status() == 0 && r.secs < 10,
              "as wrapper #%d: dumb-init -c with REMIT_WAIT_ALL=1 should end with the program's 0 well before the"
              " sleep's 30 s; got %s after %.1fs; stderr: %s", i, r.describe().c_str(), r.secs, r.err.c_str());
    std::string state = t::status_field(bg, "State");
    cr_assert(state.empty(), "as wrapper #%d: remit returned but the background sleep %d is still there (state '%s'):"
              " it should have been TERMed and reaped", i, bg, state.c_str());
  }
  for (int i = 0; i < 5; i++) {
    unlink(marker.c_str()), unlink(ready.c_str());
    std::string bg = "trap '/bin/busybox sleep 1; echo TERM > " + marker + "; exit 0' TERM; echo > " + ready +
                     "; /bin/busybox sleep 30 & wait";
    t::Result r = t::run_within(
        Spec{{bin, "-c", "/bin/busybox", "sh", "-c",
              "/bin/busybox sh -c \"$0\" & while [ ! -e " + ready + " ]; do /bin/busybox sleep 0.01; done; exit 0", bg},
             waitall::env_with({"REMIT_WAIT_ALL=1"}), true, "", "", dir},
        20);
    cr_assert(!r.hung && r.status() == 0 && r.secs < 10,
              "as PID 1 #%d: dumb-init -c with REMIT_WAIT_ALL=1 should end with the program's 0 well before 30 s;"
              " got %s after %.1fs; stderr: %s", i, r.describe().c_str(), r.secs, r.err.c_str());
    cr_assert(t::slurp(marker) == "TERM\n", "as PID 1 #%d: remit ended before the background process had got TERM"
              " and finished (marker '%s')", i, t::slurp(marker).c_str());
  }
}

// After the program's end --wait-all TERMs the rest and waits up to the
// grace period.  A stop signal then ends the wait at once, with SIGKILL to
// the rest, and counts for no rule: the program's 1 stays 1 under 1@TERM=0.
static void stop_during_wait_all(bool pid1) {
  const char *mode = pid1 ? "as PID 1" : "as wrapper";
  // The program ends (1) once the test says so (a file named go): until
  // then it is remit's only child.
  std::string dir = t::scratch(), pidfile = dir + "/bg.pid", go = dir + "/go";
  std::string script = "/bin/busybox sh -c 'trap \"\" TERM; echo $$ > " + pidfile +
                       "; while :; do /bin/busybox sleep 1; done' & while [ ! -e " + go +
                       " ]; do /bin/busybox sleep 0.01; done; exit 1";
  t::Proc p = t::start(Spec{{"remit", "--wait-all", "-t", "60s", "-m", "1@TERM=0", "--", "/bin/busybox", "sh", "-c", script},
                            waitall::env_with({}), pid1, "", "", dir});
  pid_t init = p.init_pid(), program = p.child_pid();
  cr_assert(t::eventually([&] { return t::newlines(t::slurp(pidfile)) == 1; }, 20),
            "%s: the background process never said it ignores TERM", mode);
  std::ofstream(go) << "";
  // The program reaped (its /proc entry gone) and remit back to waiting:
  // remit is in --wait-all's wait, the TERM to the rest sent.
  if (!t::eventually([&] { return t::status_field(program, "State").empty() && waitall::waiting(init); }, 20)) {
    std::string tree;
    for (pid_t d : t::descendants(init))
      tree += "\n    " + std::to_string(d) + " " + t::status_field(d, "State") + " " +
              t::slurp("/proc/" + std::to_string(d) + "/wchan") + ": " + t::slurp("/proc/" + std::to_string(d) + "/cmdline");
    cr_assert_fail("%s: the program never ended or remit never waited after it (program state '%s', remit's wchan"
                   " '%s', pid file '%s'); below remit:%s", mode, t::status_field(program, "State").c_str(),
                   t::slurp("/proc/" + std::to_string(init) + "/wchan").c_str(), t::slurp(pidfile).c_str(), tree.c_str());
  }
  pid_t bg = waitall::read_pid(pidfile);
  if (pid1) bg = waitall::outer_pid(init, bg);
  cr_assert(bg > 0, "%s: the background process is not to be found", mode);
  std::string state = t::status_field(bg, "State");
  cr_assert(!state.empty() && state[0] != 'Z', "%s: the background process that ignores TERM is not running: '%s'",
            mode, state.c_str());
  double sent = t::now();
  kill(init, SIGTERM);
  t::Result r = p.wait(20, false);
  double after = t::now() - sent;
  cr_assert(!r.hung && after < 10 && r.status() == 1,
            "%s: TERM during --wait-all's 60 s wait should end it at once with the program's 1 (no rule);"
            " got %s %.1fs after the TERM; stderr: %s", mode, r.describe().c_str(), after, r.err.c_str());
  cr_assert(t::eventually([&] { return waitall::dead(bg); }, 5), "%s: the background process %d outlived remit: '%s'",
            mode, bg, t::status_field(bg, "State").c_str());
}

Test(reliability, a_stop_during_wait_all_ends_the_wait_at_once_and_counts_for_no_rule_as_wrapper, .timeout = 120) {
  for (int i = 0; i < 3; i++) stop_during_wait_all(false);
}

Test(reliability, a_stop_during_wait_all_ends_the_wait_at_once_and_counts_for_no_rule_as_pid1, .timeout = 120) {
  for (int i = 0; i < 3; i++) stop_during_wait_all(true);
}
