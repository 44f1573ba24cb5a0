// Issue 4: the rule language of remap.hpp, as pure functions (no process).
// Every syntax form, every error, and how rules are chosen.
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "remap.hpp"
#include "settings.hpp"

using remap::Ending;
using remap::Error;
using remap::Rules;
using remap::SigSet;
using remap::bit;

namespace {

const Ending kExit(int code) { return Ending{false, uint8_t(code)}; }
const Ending kDeath(int sig) { return Ending{true, uint8_t(sig)}; }

std::string item_of(const Error &e) { return std::string(e.item, size_t(e.item_len)); }
std::string part_of(const Error &e) { return e.part ? std::string(e.part, size_t(e.part_len)) : ""; }

int sig(const char *name) { return remap::signal_by_name(name, name + strlen(name)); }

// Parses rules that must be valid.
Rules parsed(const char *text) {
  Rules r;
  Error e = remap::parse_rules(text, &r, false);
  cr_assert(!e, "rules '%s' should parse, got error '%s' in '%s'", text, e.what, item_of(e).c_str());
  return r;
}

// What remit exits with for this ending: the matching rule's result, or the
// status as a shell reports it.
int outcome(const Rules &r, Ending end, SigSet received) {
  int i = remap::match(r, end, received);
  return i >= 0 ? r.rule[i].result : end.status();
}

// Parses rules that must be refused; checks the reason and the quoted parts.
void refused(const char *text, const char *what, const char *item, const char *part = nullptr) {
  Rules r;
  Error e = remap::parse_rules(text, &r, false);
  cr_assert(e, "rules '%s' should be refused (%s), but were accepted", text, what);
  cr_expect(strstr(e.what, what), "rules '%s': expected error '%s', got '%s'", text, what, e.what);
  cr_expect(item_of(e) == item, "rules '%s': expected the bad item '%s', got '%s'", text, item,
            item_of(e).c_str());
  if (part)
    cr_expect(part_of(e) == part, "rules '%s': expected the bad part '%s', got '%s'", text, part,
              part_of(e).c_str());
}

}  // namespace

// ------------------------------------------------------------- signal names

Test(remap, signal_names_with_or_without_sig_any_case) {
  struct { const char *name; int sig; } cases[] = {
      {"TERM", 15},   {"SIGTERM", 15},  {"sigterm", 15},   {"SigTerm", 15}, {"term", 15},
      {"HUP", 1},     {"KILL", 9},      {"SIGKILL", 9},    {"USR1", 10},    {"SIGUSR2", 12},
      {"CHLD", 17},   {"WINCH", 28},    {"SYS", 31},       {"IOT", 6},      {"CLD", 17},
      {"POLL", 29},   {"RTMIN", 34},    {"RTMIN+3", 37},   {"sigrtmin+3", 37},
      {"RTMIN+30", 64}, {"RTMAX", 64},  {"RTMAX-1", 63},   {"SIGRTMAX-30", 34},
  };
  for (auto &c : cases)
    cr_expect(sig(c.name) == c.sig, "signal '%s': expected %d, got %d", c.name, c.sig, sig(c.name));
}

Test(remap, non_signals_are_refused) {
  for (const char *name : {"", "SIG", "TREM", "SIGSIGTERM", "TERMX", "15", "RTMIN+31", "RTMAX-31",
                           "RTMIN-1", "RTMAX+1", "RTMIN+", "RTMIN3", "ANY", "NONE"})
    cr_expect(sig(name) == 0, "'%s' should name no signal, got %d", name, sig(name));
}

Test(remap, signal_specs_take_numbers_1_to_64) {
  auto spec = [](const char *s) { return remap::signal_by_spec(s, s + strlen(s)); };
  cr_expect(spec("15") == 15 && spec("1") == 1 && spec("64") == 64 && spec("TERM") == 15,
            "15, 1, 64, TERM gave %d %d %d %d", spec("15"), spec("1"), spec("64"), spec("TERM"));
  cr_expect(spec("0") == 0 && spec("65") == 0 && spec("-1") == 0, "0, 65, -1 gave %d %d %d", spec("0"),
            spec("65"), spec("-1"));
}

Test(remap, signal_names_follow_glibc_realtime_numbering) {
  char buf[12];
  struct { int sig; const char *name; } cases[] = {
      {15, "TERM"}, {1, "HUP"}, {34, "RTMIN"}, {37, "RTMIN+3"}, {49, "RTMIN+15"},
      {50, "RTMAX-14"}, {63, "RTMAX-1"}, {64, "RTMAX"}, {32, "32"}, {33, "33"}};
  for (auto &c : cases)
    cr_expect(strcmp(remap::signal_name(c.sig, buf), c.name) == 0, "signal %d: expected '%s', got '%s'", c.sig,
              c.name, remap::signal_name(c.sig, buf));
  // Every name remit prints reads back as the same signal.
  for (int s = 1; s <= 64; s++) {
    if (s == 32 || s == 33) continue;
    remap::signal_name(s, buf);
    cr_expect(sig(buf) == s, "signal %d is printed '%s', which reads back as %d", s, buf, sig(buf));
  }
}

// Issue 15: names and numbers come from the compiler's <signal.h>, so that a
// MIPS build says USR1 16 where x86 says 10.  On the host these check the
// table against the host's macros; make test-arch checks the other targets.
Test(remap, signal_names_are_the_hosts_signal_h_macros) {
  struct { const char *name; int sig; } macros[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},    {"TRAP", SIGTRAP},
      {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},    {"KILL", SIGKILL},
      {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},  {"ALRM", SIGALRM},
      {"TERM", SIGTERM}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},    {"CONT", SIGCONT},  {"STOP", SIGSTOP},
      {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},    {"XCPU", SIGXCPU},
      {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
      {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
#ifdef SIGSTKFLT
      {"STKFLT", SIGSTKFLT},
#endif
  };
  for (auto &m : macros)
    cr_expect(sig(m.name) == m.sig, "'%s': <signal.h> says %d, remit %d", m.name, m.sig, sig(m.name));
  // Each classic signal has one printed name, and it is one of its own.
  for (int s = 1; s < SIGRTMIN; s++) {
    char buf[12];
    remap::signal_name(s, buf);
    if (s == 32 || s == 33) continue;
    cr_expect(sig(buf) == s, "signal %d is printed '%s', which is %d", s, buf, sig(buf));
  }
  cr_expect(remap::kRtMin == SIGRTMIN && remap::kRtMax == SIGRTMAX && remap::kMaxSig == SIGRTMAX,
            "RTMIN/RTMAX/kMaxSig %d/%d/%d, glibc says %d/%d", remap::kRtMin, remap::kRtMax, remap::kMaxSig,
            int(SIGRTMIN), int(SIGRTMAX));
}

Test(remap, tini_describes_signals_as_the_hosts_strsignal) {
  for (int s = 1; s <= remap::kMaxSig; s++) {
    char buf[24];
    const char *mine = describe_signal(s, buf);
    cr_expect(strcmp(mine, strsignal(s)) == 0, "signal %d: strsignal says '%s', remit '%s'", s, strsignal(s), mine);
  }
}

// MIPS's 128-signal set, tested here on the host: the same operators as a
// uint64_t, and the kernel's layout (signal n is bit (n-1) % 64 of word
// (n-1) / 64 on a 64-bit host).
Test(remap, wide_signal_sets_work_like_the_kernels) {
  using Wide = remap::SigWords<2>;
  Wide none = 0, all = ~Wide(0), usr1 = Wide::one(16), high = Wide::one(127);
  cr_expect(!none && !(none != 0) && none == 0 && bool(all) && !!usr1, "empty / full / one-signal tests");
  cr_expect(high.w[0] == 0 && high.w[1] == 1UL << 62 && usr1.w[0] == 1UL << 15 && usr1.w[1] == 0,
            "signal 127 in word 1 bit 62, signal 16 in word 0 bit 15: got %lx %lx / %lx %lx", high.w[0],
            high.w[1], usr1.w[0], usr1.w[1]);
  Wide both = usr1 | high;
  cr_expect((both & high) != 0 && (both & usr1) == usr1 && !(both & Wide::one(65)) && (both & all) == both,
            "and / or across words");
  Wide grown = none;
  grown |= Wide::one(65);
  cr_expect(grown.w[1] == 1 && grown.w[0] == 0 && Wide(uint64_t(1) << 40) == Wide::one(41),
            "signal 65 is word 1 bit 0; an integer fills word 0");
  cr_expect(!Wide::one(0) && !Wide::one(129), "a number that is no signal gives the empty set");
  cr_expect(sizeof(remap::SigWords<4>) == 4 * sizeof(long), "no padding: the kernel takes it as it is");
}

// ------------------------------------------------------------ rule syntax

Test(remap, exit_code_rule_matches_that_code_only) {
  Rules r = parsed("3=0");
  cr_expect(outcome(r, kExit(3), 0) == 0, "3=0 on exit 3: got %d", outcome(r, kExit(3), 0));
  cr_expect(outcome(r, kExit(4), 0) == 4, "3=0 on exit 4: got %d", outcome(r, kExit(4), 0));
  cr_expect(outcome(r, kExit(0), 0) == 0, "3=0 on exit 0: got %d", outcome(r, kExit(0), 0));
  Rules edge = parsed("0=7,255=8");
  cr_expect(outcome(edge, kExit(0), 0) == 7 && outcome(edge, kExit(255), 0) == 8,
            "0=7,255=8: exit 0 gave %d, exit 255 gave %d", outcome(edge, kExit(0), 0), outcome(edge, kExit(255), 0));
}

Test(remap, range_rule_includes_both_ends) {
  Rules r = parsed("2-5=9");
  for (int code = 0; code <= 7; code++) {
    int want = code >= 2 && code <= 5 ? 9 : code;
    cr_expect(outcome(r, kExit(code), 0) == want, "2-5=9 on exit %d: expected %d, got %d", code, want,
              outcome(r, kExit(code), 0));
  }
  Rules one = parsed("4-4=1");
  cr_expect(outcome(one, kExit(4), 0) == 1, "4-4=1 on exit 4: got %d", outcome(one, kExit(4), 0));
}

Test(remap, star_matches_every_exit_and_every_death) {
  Rules r = parsed("*=3");
  for (Ending e : {kExit(0), kExit(1), kExit(255), kDeath(9), kDeath(15), kDeath(64)})
    cr_expect(outcome(r, e, 0) == 3, "*=3 on status %d: got %d", e.status(), outcome(r, e, 0));
}

Test(remap, signal_name_matches_only_a_real_death_by_it) {
  for (const char *text : {"TERM=0", "SIGTERM=0", "sigterm=0"}) {
    Rules r = parsed(text);
    cr_expect(outcome(r, kDeath(15), 0) == 0, "%s on death by TERM: got %d", text, outcome(r, kDeath(15), 0));
    cr_expect(outcome(r, kExit(143), 0) == 143, "%s on exit 143 (no death): expected 143, got %d", text,
              outcome(r, kExit(143), 0));
    cr_expect(outcome(r, kDeath(2), 0) == 130, "%s on death by INT: expected 130, got %d", text,
              outcome(r, kDeath(2), 0));
  }
}

Test(remap, number_matches_exit_code_and_signal_death_alike) {
  Rules r = parsed("143=0");
  cr_expect(outcome(r, kExit(143), 0) == 0, "143=0 on exit 143: got %d", outcome(r, kExit(143), 0));
  cr_expect(outcome(r, kDeath(15), 0) == 0, "143=0 on death by TERM: got %d", outcome(r, kDeath(15), 0));
  cr_expect(outcome(r, kDeath(9), 0) == 137, "143=0 on death by KILL: expected 137, got %d",
            outcome(r, kDeath(9), 0));
  Rules range = parsed("129-159=5");
  cr_expect(outcome(range, kDeath(9), 0) == 5, "129-159=5 on death by KILL: got %d", outcome(range, kDeath(9), 0));
}

Test(remap, realtime_signal_names_in_status_and_condition) {
  Rules r = parsed("RTMIN+3@RTMIN+3=4");
  cr_expect(outcome(r, kDeath(37), bit(37)) == 4, "RTMIN+3@RTMIN+3=4 on death by 37 after 37: got %d",
            outcome(r, kDeath(37), bit(37)));
  cr_expect(outcome(r, kDeath(36), bit(37)) == 128 + 36, "on death by 36: expected 164, got %d",
            outcome(r, kDeath(36), bit(37)));
  cr_expect(outcome(r, kDeath(37), bit(36)) == 128 + 37, "after 36 only: expected 165, got %d",
            outcome(r, kDeath(37), bit(36)));
}

Test(remap, condition_on_the_signal_remit_received) {
  for (const char *text : {"1@TERM=0", "1@SIGTERM=0", "1@term=0", "1@15=0"}) {
    Rules r = parsed(text);
    cr_expect(outcome(r, kExit(1), bit(15)) == 0, "%s, exit 1 after TERM: got %d", text, outcome(r, kExit(1), bit(15)));
    cr_expect(outcome(r, kExit(1), bit(15) | bit(2)) == 0, "%s, exit 1 after TERM and INT: got %d", text,
              outcome(r, kExit(1), bit(15) | bit(2)));
    cr_expect(outcome(r, kExit(1), bit(2)) == 1, "%s, exit 1 after INT: expected 1, got %d", text,
              outcome(r, kExit(1), bit(2)));
    cr_expect(outcome(r, kExit(1), 0) == 1, "%s, exit 1 with no signal: expected 1, got %d", text,
              outcome(r, kExit(1), 0));
  }
}

Test(remap, condition_any_and_none) {
  for (const char *any : {"1@any=0", "1@ANY=0", "1@Any=0"}) {
    Rules r = parsed(any);
    cr_expect(outcome(r, kExit(1), bit(15)) == 0 && outcome(r, kExit(1), bit(10)) == 0,
              "%s after TERM / USR1: got %d / %d", any, outcome(r, kExit(1), bit(15)), outcome(r, kExit(1), bit(10)));
    cr_expect(outcome(r, kExit(1), 0) == 1, "%s with no signal: expected 1, got %d", any, outcome(r, kExit(1), 0));
  }
  for (const char *none : {"1@none=0", "1@NONE=0"}) {
    Rules r = parsed(none);
    cr_expect(outcome(r, kExit(1), 0) == 0, "%s with no signal: got %d", none, outcome(r, kExit(1), 0));
    cr_expect(outcome(r, kExit(1), bit(15)) == 1, "%s after TERM: expected 1, got %d", none,
              outcome(r, kExit(1), bit(15)));
  }
}

Test(remap, items_separated_by_commas_and_or_whitespace) {
  for (const char *text : {"1=2,3=4", "1=2 3=4", "1=2 , 3=4", "\t1=2\n3=4 ", " 1=2,\n 3=4"}) {
    Rules r = parsed(text);
    cr_expect(r.count == 2, "'%s': expected 2 rules, got %d", text, r.count);
    cr_expect(outcome(r, kExit(1), 0) == 2 && outcome(r, kExit(3), 0) == 4, "'%s': 1 -> %d, 3 -> %d", text,
              outcome(r, kExit(1), 0), outcome(r, kExit(3), 0));
  }
}

Test(remap, rule_keeps_its_text_for_messages) {
  Rules r = parsed("0=0, 1@TERM=0");
  std::string text(r.rule[1].text, r.rule[1].text_len);
  cr_expect(text == "1@TERM=0", "expected rule 2 text '1@TERM=0', got '%s'", text.c_str());
}

Test(remap, first_matching_rule_wins) {
  Rules r = parsed("1@TERM=0,1=5,*=9");
  cr_expect(outcome(r, kExit(1), bit(15)) == 0, "exit 1 after TERM: expected 0, got %d", outcome(r, kExit(1), bit(15)));
  cr_expect(outcome(r, kExit(1), 0) == 5, "exit 1 on its own: expected 5, got %d", outcome(r, kExit(1), 0));
  cr_expect(outcome(r, kExit(2), 0) == 9, "exit 2: expected 9, got %d", outcome(r, kExit(2), 0));
  cr_expect(remap::match(r, kExit(1), 0) == 1, "exit 1 on its own: expected rule index 1, got %d",
            remap::match(r, kExit(1), 0));
  Rules star_first = parsed("*=9,1@TERM=0");
  cr_expect(outcome(star_first, kExit(1), bit(15)) == 9, "'*=9,1@TERM=0' exit 1 after TERM: expected 9, got %d",
            outcome(star_first, kExit(1), bit(15)));
}

Test(remap, no_match_leaves_the_status) {
  Rules r = parsed("1@TERM=0");
  cr_expect(remap::match(r, kExit(2), bit(15)) == -1, "exit 2 should match nothing");
  cr_expect(outcome(r, kDeath(15), bit(15)) == 143, "death by TERM: expected 143, got %d",
            outcome(r, kDeath(15), bit(15)));
  Rules none;
  cr_expect(outcome(none, kExit(77), 0) == 77, "no rules, exit 77: got %d", outcome(none, kExit(77), 0));
}

Test(remap, success_code_is_shorthand_for_code_eq_0) {
  Rules r;
  Error e = remap::parse_success_code("3", &r);
  cr_assert(!e, "-e 3 refused: %s", e.what);
  cr_expect(outcome(r, kExit(3), 0) == 0 && outcome(r, kExit(4), 0) == 4 && outcome(r, kExit(3), bit(15)) == 0,
            "-e 3: exit 3 -> %d, exit 4 -> %d, exit 3 after TERM -> %d", outcome(r, kExit(3), 0),
            outcome(r, kExit(4), 0), outcome(r, kExit(3), bit(15)));
  for (const char *bad : {"256", "x", "", "-1", "3=0", "1 "}) {
    Rules b;
    cr_expect(remap::parse_success_code(bad, &b), "-e '%s' should be refused", bad);
  }
}

// tini keeps its -e codes as a set of 256: every code can be given, and
// they take one rule, at the place of the first -e, however many there are.
Test(remap, success_codes_are_one_set_of_256) {
  Rules r = parsed("9=1");
  std::vector<std::string> codes;
  for (int c = 255; c >= 0; c--) codes.push_back(std::to_string(c));
  for (const std::string &c : codes) {
    Error e = remap::parse_success_code(c.c_str(), &r);
    cr_assert(!e, "-e %s refused after %d codes: %s", c.c_str(), 255 - atoi(c.c_str()), e.what);
  }
  cr_expect(r.count == 2, "256 -e codes after one rule: expected 2 rules, got %d", r.count);
  cr_expect(outcome(r, kExit(9), 0) == 1, "the rule before the set still comes first: 9 -> %d", outcome(r, kExit(9), 0));
  for (int c : {0, 1, 64, 65, 128, 200, 255})
    cr_expect(remap::match(r, kExit(uint8_t(c)), 0) == 1 && outcome(r, kExit(uint8_t(c)), 0) == 0,
              "exit %d: expected rule index 1 and 0, got %d and %d", c, remap::match(r, kExit(uint8_t(c)), 0),
              outcome(r, kExit(uint8_t(c)), 0));
  cr_expect(outcome(r, kDeath(15), 0) == 0, "death by TERM (143) is in the set: got %d", outcome(r, kDeath(15), 0));
  // 64 rules, then -e: the limit is for rules, and says so.
  Rules full;
  for (int i = 0; i < 64; i++) cr_assert(!remap::parse_rules("1=2", &full, false));
  Error e = remap::parse_success_code("3", &full);
  cr_expect(e && strstr(e.what, "too many rules (64 at most)"), "-e after 64 rules: expected the limit named, got '%s'",
            e ? e.what : "(accepted)");
}

// ------------------------------------------------------------------ errors

Test(remap, unknown_signal_is_refused) {
  refused("1@TREM=0", "unknown signal", "1@TREM=0", "TREM");
  refused("TREM=0", "unknown signal", "TREM=0", "TREM");
  refused("1@RTMIN+40=0", "unknown signal", "1@RTMIN+40=0", "RTMIN+40");
  refused("1@65=0", "unknown signal", "1@65=0", "65");
  refused("1@0=0", "unknown signal", "1@0=0", "0");
}

Test(remap, condition_on_a_signal_remit_never_receives_is_refused) {
  // SIGKILL and SIGSTOP act on remit itself; SIGCHLD is remit's own.
  refused("1@KILL=0", "remit never receives", "1@KILL=0", "KILL");
  refused("137@SIGSTOP=0", "remit never receives", "137@SIGSTOP=0", "SIGSTOP");
  refused("1@CHLD=0", "remit never receives", "1@CHLD=0", "CHLD");
  refused("1@9=0", "remit never receives", "1@9=0", "9");
  Rules r = parsed("KILL=0,137=0,1@TERM=0");  // a death by KILL is fine to match
  cr_expect(outcome(r, kDeath(9), 0) == 0, "KILL=0 on death by KILL: got %d", outcome(r, kDeath(9), 0));
}

Test(remap, status_above_255_is_refused) {
  refused("256=0", "status must be 0..255", "256=0", "256");
  refused("1-256=0", "status must be 0..255", "1-256=0", "256");
  refused("99999999999=0", "status must be 0..255", "99999999999=0");
}

Test(remap, result_above_255_is_refused) {
  refused("1=300", "result must be 0..255", "1=300", "300");
  refused("1=256", "result must be 0..255", "1=256", "256");
  refused("1=-1", "result must be 0..255", "1=-1");
  refused("1=TERM", "result must be 0..255", "1=TERM");
}

Test(remap, reversed_range_is_refused) { refused("9-2=0", "range is reversed", "9-2=0", "9-2"); }

Test(remap, missing_equals_is_refused) {
  refused("1", "missing '=RESULT'", "1");
  refused("1@TERM", "missing '=RESULT'", "1@TERM");
  refused("1=0,2", "missing '=RESULT'", "2");
}

Test(remap, missing_parts_are_refused) {
  refused("=0", "missing STATUS", "=0");
  refused("@TERM=0", "missing STATUS", "@TERM=0");
  refused("1@=0", "missing signal after '@'", "1@=0");
  refused("1=", "missing RESULT", "1=");
}

Test(remap, trailing_junk_is_refused) {
  refused("1=0x", "unexpected text after the result", "1=0x", "x");
  refused("1=0=0", "unexpected text after the result", "1=0=0", "=0");
  refused("1x=0", "status must be 0..255", "1x=0");
  refused("1-2-3=0", "status must be 0..255", "1-2-3=0");
}

Test(remap, empty_item_is_refused) {
  const char *cases[] = {"", "   ", "1=0,", ",1=0", "1=0,,2=0", "1=0, ,2=0", ","};
  for (const char *text : cases) {
    Rules r;
    Error e = remap::parse_rules(text, &r, false);
    cr_expect(e && strstr(e.what, "empty item"), "'%s': expected 'empty item', got '%s'", text,
              e ? e.what : "(accepted)");
  }
  // An empty variable is as good as unset; a stray comma in it is not.
  Rules r;
  cr_expect(!remap::parse_rules("", &r, true) && !remap::parse_rules("  ", &r, true),
            "an empty REMIT_MAP should be accepted");
  cr_expect(remap::parse_rules(",", &r, true), "REMIT_MAP=',' should be refused");
}

Test(remap, bad_item_is_quoted_among_good_ones) {
  refused("0=0, 1@TREM=0, 2=0", "unknown signal", "1@TREM=0", "TREM");
  refused("0=0 9-2=1", "range is reversed", "9-2=1");
}

Test(remap, more_than_64_rules_are_refused) {
  std::string text;
  for (int i = 0; i < 64; i++) text += std::to_string(i) + "=0,";
  text.pop_back();
  Rules r;
  cr_expect(!remap::parse_rules(text.c_str(), &r, false) && r.count == 64, "64 rules should be accepted");
  text += ",64=0";
  Rules r2;
  Error e = remap::parse_rules(text.c_str(), &r2, false);
  cr_expect(e && strstr(e.what, "too many rules"), "65 rules: expected 'too many rules', got '%s'",
            e ? e.what : "(accepted)");
  cr_expect(item_of(e) == "64=0", "65 rules: expected the 65th item quoted, got '%s'", item_of(e).c_str());
  // The limit counts -m, -e and REMIT_MAP together.
  Rules r3;
  cr_assert(!remap::parse_rules(text.substr(0, text.rfind(',')).c_str(), &r3, false));
  cr_expect(remap::parse_success_code("3", &r3), "-e after 64 rules should be refused");
}

// ------------------------------------------------------------ --explain cases

Test(remap, explain_cases_parse) {
  struct { const char *text; Ending end; SigSet received; } cases[] = {
      {"1", kExit(1), 0},          {"1@TERM", kExit(1), bit(15)},   {"1@SIGINT", kExit(1), bit(2)},
      {"143", kExit(143), 0},      {"TERM", kDeath(15), 0},         {"KILL@TERM", kDeath(9), bit(15)},
      {"1@15", kExit(1), bit(15)}, {"1@none", kExit(1), 0},         {"RTMIN+3@RTMIN+3", kDeath(37), bit(37)},
  };
  for (auto &c : cases) {
    Ending end{};
    SigSet got = 0;
    Error e = remap::parse_case(c.text, &end, &got);
    cr_expect(!e, "case '%s' refused: %s", c.text, e.what);
    cr_expect(end.signaled == c.end.signaled && end.value == c.end.value && got == c.received,
              "case '%s': got signaled=%d value=%d received=%llx", c.text, end.signaled, end.value,
              (unsigned long long)got);
  }
  for (const char *bad : {"", "256", "TREM", "1@TREM", "1@", "x@TERM", "1@any"}) {
    Ending end{};
    SigSet got = 0;
    cr_expect(remap::parse_case(bad, &end, &got), "case '%s' should be refused", bad);
  }
}

// ------------------------------------------------- where rules come from

namespace {
// Reads settings as remit would from this argv (and the environment).
int settings_from(std::initializer_list<const char *> args, Settings *set) {
  static char storage[16][64];
  static char *argv[17];
  int argc = 0;
  for (const char *a : args) {
    strncpy(storage[argc], a, sizeof storage[argc] - 1);
    argv[argc] = storage[argc];
    argc++;
  }
  argv[argc] = nullptr;
  return read_settings(set, argc, argv);
}
}  // namespace

Test(remap, command_line_rules_come_before_remit_map) {
  setenv("REMIT_MAP", "1=8,2=8", 1);
  Settings set;
  int st = settings_from({"remit", "-m", "1=7", "--map", "3=7", "true"}, &set);
  cr_assert(st < 0, "settings refused (status %d)", st);
  cr_expect(set.rules.count == 4, "expected 4 rules (-m, --map, then REMIT_MAP's 2), got %d", set.rules.count);
  cr_expect(outcome(set.rules, kExit(1), 0) == 7, "exit 1: -m 1=7 should win over REMIT_MAP 1=8, got %d",
            outcome(set.rules, kExit(1), 0));
  cr_expect(outcome(set.rules, kExit(2), 0) == 8, "exit 2: REMIT_MAP's 2=8 should apply, got %d",
            outcome(set.rules, kExit(2), 0));
}

Test(remap, success_option_takes_its_place_among_rules) {
  unsetenv("REMIT_MAP");
  Settings set;
  int st = settings_from({"remit", "-m", "3=7", "-e", "3", "-e4", "true"}, &set);
  cr_assert(st < 0, "settings refused (status %d)", st);
  cr_expect(outcome(set.rules, kExit(3), 0) == 7, "exit 3: the earlier -m 3=7 should win, got %d",
            outcome(set.rules, kExit(3), 0));
  cr_expect(outcome(set.rules, kExit(4), 0) == 0, "exit 4: -e4 should make it 0, got %d",
            outcome(set.rules, kExit(4), 0));
}

// Durations to the millisecond: a parser that read every value as 0 (or
// dropped the unit, or the fraction) fails here, not only at the CLI.
Test(remap, durations_parse_to_exact_milliseconds) {
  static const struct { const char *text; uint32_t ms; } kCases[] = {
      {"0", 0},           {"1", 1000},         {"1.5", 1500},      {"0.5m", 30000},
      {"250ms", 250},     {"2s", 2000},        {"007", 7000},      {"1MS", 1},
      {"2m", 120000},     {"1.25s", 1250},     {"0.001", 1},       {"1.0005", 1000},
      {"10S", 10000},     {"1.5ms", 1},        {"2147483647ms", 2147483647u},
      {"2147483.647s", 2147483647u},           {"35791m", 2147460000u}};
  for (const auto &c : kCases) {
    uint32_t ms = 12345;
    Error e = remap::parse_duration(c.text, &ms);
    cr_expect(!e, "'%s': refused (%s)", c.text, e.what ? e.what : "");
    cr_expect(ms == c.ms, "'%s': %u ms, expected %u", c.text, ms, c.ms);
  }
}

Test(remap, bad_durations_are_refused_and_leave_the_value_alone) {
  for (const char *text : {"", "-1", "+1", "soon", "10x", "1.5.5", "1.", ".5", " 1", "1 s", "s", "ms", "1e3",
                           "0x10", "5h", "1ms5", "10sec", "99999999999999999999", "2147483648ms",
                           "2147483.648s", "35792m"}) {
    uint32_t ms = 12345;
    Error e = remap::parse_duration(text, &ms);
    cr_expect(e, "'%s' was accepted as %u ms", text, ms);
    cr_expect(ms == 12345, "'%s': refused, but the value became %u", text, ms);
  }
}

// Every number without a name, 1 to 128 (MIPS's last signal), is printed
// as its decimal digits and nothing else: within the 12 bytes, NUL-ended,
// nothing written after the NUL.  On the host those are 32, 33 and 65 to
// 128 (the real-time signals 34..64 have names); 0.2.0 printed 100 to 128
// as two characters (100 ":0", 110 ";0", 128 "<8").
Test(remap, signal_name_prints_every_unnamed_number_in_decimal) {
  for (int s = 1; s <= 128; s++) {
    char buf[32];
    memset(buf, 'x', sizeof buf);
    remap::signal_name(s, buf);
    size_t len = strnlen(buf, sizeof buf);
    bool named = remap::name_index(s) >= 0 || (s >= remap::kRtMin && s <= remap::kRtMax);
    if (named) continue;
    cr_expect(len < 12 && std::string(buf, len) == std::to_string(s), "signal %d: expected '%d', got '%.31s'", s,
              s, buf);
    cr_expect(std::string(buf + len + 1, sizeof buf - len - 1) == std::string(sizeof buf - len - 1, 'x'),
              "signal %d: '%s' and then more written after its NUL", s, buf);
  }
}
