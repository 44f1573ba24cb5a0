// fuzz/remap_fuzz.cpp: libFuzzer target for remit's parsers and matcher.
//
//   make fuzz                 # FUZZ_SECONDS=60 by default
//   fuzz/remap_fuzz CRASHFILE # replay one input: says which invariant broke
//
// Every input goes through all of remap.hpp (rules, rewrites, durations,
// --explain cases, signal names, the matcher) and through read_settings()
// on an argv cut from the input at its NUL bytes.  Beyond "no crash" under
// ASan/UBSan, each parser's promises are checked: what it parsed points
// inside the input, numbers stay in range, names round-trip, durations grow
// with their digits, and the matcher agrees with a plain reading of the rules.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.hpp"

using namespace remap;

#define CHECK(cond, ...)                                     \
  do {                                                       \
    if (!(cond)) {                                           \
      fprintf(stderr, "invariant failed: %s: ", #cond);      \
      fprintf(stderr, __VA_ARGS__);                          \
      fprintf(stderr, "\n");                                 \
      abort();                                               \
    }                                                        \
  } while (0)

namespace {

// The input as a C string, in a block exactly that long, so that reading a
// byte past the terminating NUL is an ASan report.
struct Text {
  char *s;
  size_t len;  // up to the first NUL
  Text(const uint8_t *d, size_t n) {
    s = static_cast<char *>(malloc(n + 1));
    memcpy(s, d, n);
    s[n] = 0;
    len = strlen(s);
  }
  ~Text() { free(s); }
  bool inside(const char *p, int n) const {
    return p >= s && n >= 0 && p + n <= s + len;
  }
};

// An error must point at the input: its item inside it, its part inside the item.
void check_error(const Error &e, const Text &t, const char *who) {
  CHECK(e.what && *e.what, "%s: error without a reason", who);
  CHECK(t.inside(e.item, e.item_len), "%s: error item outside the input", who);
  if (e.part) {
    CHECK(e.part >= e.item && e.part + e.part_len <= e.item + e.item_len,
          "%s: error part '%.*s' outside its item", who, e.part_len, e.part);
  }
}

bool is_sep(char c) { return c == ',' || is_space(c); }

void check_rules(const Text &t, bool empty_ok) {
  Rules rules;
  Error err = parse_rules(t.s, &rules, empty_ok);
  CHECK(rules.count >= 0 && rules.count <= kMaxRules, "count %d", rules.count);
  if (err) check_error(err, t, "parse_rules");
  for (int i = 0; i < rules.count; i++) {
    const Rule &r = rules.rule[i];
    CHECK(t.inside(r.text, r.text_len) && r.text_len > 0, "rule %d text outside the input", i);
    for (int k = 0; k < r.text_len; k++)
      CHECK(!is_sep(r.text[k]), "rule %d text '%.*s' spans a separator", i, r.text_len, r.text);
    CHECK(r.text_len == 255 || r.text + r.text_len == t.s + t.len || is_sep(r.text[r.text_len]),
          "rule %d text '%.*s' is not the whole item", i, r.text_len, r.text);
    CHECK(r.lo <= r.hi, "rule %d range %d-%d", i, r.lo, r.hi);
    if (r.match == Rule::kSignal) CHECK(r.lo >= 1 && r.lo <= kMaxSig, "rule %d signal %d", i, r.lo);
    if (r.cond == Rule::kGot) CHECK(r.cond_sig >= 1 && r.cond_sig <= kMaxSig, "rule %d cond %d", i, r.cond_sig);
    // The item alone parses to the same rule.
    Rule again;
    Error e2 = parse_rule(r.text, r.text + r.text_len, &again);
    CHECK(!e2 && again.match == r.match && again.lo == r.lo && again.hi == r.hi &&
              again.cond == r.cond && again.cond_sig == r.cond_sig && again.result == r.result,
          "rule '%.*s' parses differently alone", r.text_len, r.text);
  }
  // Only the last item may have failed: parsed rules are never half-written,
  // and without an error every item was taken.
  if (!err) {
    int items = 0;
    for (size_t i = 0; i < t.len; i++)
      if (!is_sep(t.s[i]) && (i == 0 || is_sep(t.s[i - 1]))) items++;
    CHECK(items == rules.count, "%d items but %d rules", items, rules.count);
  }

  // The matcher against a plain reading of the rules, for every ending.
  uint64_t received = 0;
  for (size_t i = 0; i < t.len && i < 8; i++) received = received << 8 | uint8_t(t.s[i]);
  if (t.len % 3 == 0) received = 0;
  if (t.len % 3 == 1 && received) received = bit(int(received % 64) + 1);
  for (int signaled = 0; signaled < 2; signaled++)
    for (int v = signaled; v < (signaled ? 65 : 256); v++) {
      Ending end{signaled != 0, uint8_t(v)};
      int want = -1;
      for (int i = 0; i < rules.count && want < 0; i++) {
        const Rule &r = rules.rule[i];
        bool status = r.match == Rule::kSignal ? end.signaled && end.value == r.lo
                                               : end.status() >= r.lo && end.status() <= r.hi;
        bool cond = r.cond == Rule::kAlways || (r.cond == Rule::kNone && !received) ||
                    (r.cond == Rule::kAny && received) ||
                    (r.cond == Rule::kGot && (received >> (r.cond_sig - 1) & 1));
        if (status && cond) want = i;
      }
      int got = match(rules, end, received);
      CHECK(got == want, "match(%d%s) = %d, expected %d", v, signaled ? " signaled" : "", got, want);
    }
}

void check_rewrites(const Text &t, bool empty_ok) {
  Rewrite rw;
  Error err = parse_rewrites(t.s, &rw, empty_ok);
  if (err) check_error(err, t, "parse_rewrites");
  for (int i = 0; i <= kMaxSig; i++) CHECK(rw.to[i] <= kMaxSig, "to[%d] = %d", i, rw.to[i]);
  CHECK(rw.to[0] == 0 && rw.to[SIGKILL] == SIGKILL && rw.to[SIGSTOP] == SIGSTOP && rw.to[SIGCHLD] == SIGCHLD,
        "a signal that is never forwarded was rewritten");
}

// Durations: in range, and more digits never make a shorter one.
void check_duration(const Text &t) {
  uint32_t ms = 12345;
  Error err = parse_duration(t.s, &ms);
  if (err) {
    check_error(err, t, "parse_duration");
    CHECK(ms == 12345, "a refused duration changed the value");
    return;
  }
  CHECK(ms <= kMaxDurationMs, "duration %u ms", ms);
  if (t.len > 200) return;
  char longer[256];
  size_t d = 0;
  while (is_digit(t.s[d])) d++;
  // One more digit in the whole part, or in the fraction, never shortens it.
  size_t f = d;
  if (t.s[f] == '.')
    for (f++; is_digit(t.s[f]); f++) {}
  size_t spots[2] = {d, f};
  for (size_t at : spots) {
    snprintf(longer, sizeof longer, "%.*s7%s", int(at), t.s, t.s + at);
    uint32_t more = 0;
    if (!parse_duration(longer, &more))
      CHECK(more >= ms, "'%s' = %u ms but '%s' = %u ms", t.s, ms, longer, more);
  }
  // The units keep their order: N ms <= N s <= N m.
  snprintf(longer, sizeof longer, "%.*s", int(d), t.s);
  uint32_t a = 0, b = 0, c = 0;
  char buf[3][256];
  snprintf(buf[0], 256, "%sms", longer), snprintf(buf[1], 256, "%ss", longer), snprintf(buf[2], 256, "%sm", longer);
  bool oka = !parse_duration(buf[0], &a), okb = !parse_duration(buf[1], &b), okc = !parse_duration(buf[2], &c);
  CHECK(oka, "'%s' refused though '%s' was taken", buf[0], t.s);
  if (okb) CHECK(a <= b && b == a * 1000u, "%s=%u %s=%u", buf[0], a, buf[1], b);
  if (okc) CHECK(okb && b <= c, "%s=%u %s=%u", buf[1], b, buf[2], c);
}

// Names: whatever names a signal names it the same way in any case, with
// or without SIG, and signal_name() gives a name that comes back to it.
void check_signal_names(const uint8_t *d, size_t n) {
  char *raw = static_cast<char *>(malloc(n ? n : 1));
  memcpy(raw, d, n);
  int sig = signal_by_name(raw, raw + n);
  int spec = signal_by_spec(raw, raw + n);
  CHECK(sig >= 0 && sig <= kMaxSig && spec >= 0 && spec <= kMaxSig, "signal %d / %d", sig, spec);
  if (sig) CHECK(spec == sig, "by name %d, by spec %d", sig, spec);
  if (sig) {
    char *name = static_cast<char *>(malloc(12));
    signal_name(sig, name);
    size_t len = strlen(name);
    CHECK(len < 12, "name too long");
    CHECK(signal_by_spec(name, name + len) == sig, "'%s' does not name %d", name, sig);
    free(name);
  }
  if (n < 200) {
    char low[256], with_sig[256];
    for (size_t i = 0; i < n; i++)
      low[i] = raw[i] >= 'A' && raw[i] <= 'Z' ? char(raw[i] + 32) : raw[i];
    CHECK(signal_by_name(low, low + n) == sig, "lower case changes the signal");
    memcpy(with_sig, "SIG", 3);
    memcpy(with_sig + 3, raw, n);
    if (!(n >= 3 && same_word(raw, 3, "SIG")))
      CHECK(signal_by_name(with_sig, with_sig + n + 3) == sig, "a SIG prefix changes the signal");
  }
  free(raw);
}

void check_case(const Text &t) {
  Ending end{false, 77};
  SigSet received = 99;
  Error err = parse_case(t.s, &end, &received);
  if (err) {
    check_error(err, t, "parse_case");
    return;
  }
  if (end.signaled) CHECK(end.value >= 1 && end.value <= kMaxSig, "case signal %d", end.value);
  CHECK((received & (received - 1)) == 0, "more than one signal received");
}

void check_success_code(const Text &t) {
  Rules rules;
  Error err = parse_success_code(t.s, &rules);
  if (err) {
    check_error(err, t, "parse_success_code");
    CHECK(rules.count == 0, "refused code added a rule");
    return;
  }
  CHECK(rules.count == 1 && rules.rule[0].result == 0 && rules.rule[0].match == Rule::kCodeSet &&
            rules.has_code(atoi(t.s)), "-e rule");
}

// read_settings on an argv made of the input's NUL-separated pieces, under
// one of the names; optionally one REMIT_* variable set to the last piece.
void check_settings(const uint8_t *d, size_t n) {
  if (n < 1 || n > 4096) return;
  static const char *const kArgv0[] = {"remit", "/usr/bin/tini", "dumb-init", "catatonit", "docker-init"};
  static const char *const kVars[] = {"REMIT_MAP", "REMIT_REWRITE", "REMIT_GRACE", "REMIT_STOP_DELAY",
                                      "REMIT_GROUP", "REMIT_SUBREAPER", "REMIT_WAIT_ALL", "REMIT_VERBOSE",
                                      "TINI_VERBOSITY", "DUMB_INIT_SETSID", "TINI_SUBREAPER"};
  uint8_t mode = d[0];
  // Each piece in its own exact-size block.
  char *pieces[130];
  int argc = 0;
  pieces[argc++] = strdup(kArgv0[mode % 5]);
  for (size_t i = 1; i <= n && argc < 128;) {
    size_t j = i;
    while (j < n && d[j]) j++;
    char *p = static_cast<char *>(malloc(j - i + 1));
    memcpy(p, d + i, j - i);
    p[j - i] = 0;
    pieces[argc++] = p;
    i = j + 1;
  }
  const char *var = (mode >> 3) % 12 ? kVars[(mode >> 3) % 12 - 1] : nullptr;
  // putenv with a buffer of our own: glibc's setenv keeps every value it
  // was ever given, which a fuzzer would soon fill memory with.
  static char env_entry[4200];
  if (var) {
    snprintf(env_entry, sizeof env_entry, "%s=%s", var, pieces[argc - 1]);
    putenv(env_entry);
  }
  char *argv[130];
  for (int i = 0; i < argc; i++) argv[i] = pieces[i];
  argv[argc] = nullptr;

  // Its messages (help, refusals) go to /dev/null; the fuzzer's own to stderr.
  static int null_fd = open("/dev/null", O_WRONLY), out_fd = dup(1), err_fd = dup(2);
  dup2(null_fd, 1), dup2(null_fd, 2);
  Settings set;
  int status = read_settings(&set, argc, argv);
  dup2(out_fd, 1), dup2(err_fd, 2);
  if (status < 0) {
    CHECK(set.child_argv == argv + 1, "child_argv");
    int k = 0;
    for (; set.child_argv[k]; k++) {
      bool known = false;
      for (int i = 1; i < argc; i++) known |= set.child_argv[k] == pieces[i];
      CHECK(known, "child argument %d is not one of the arguments", k);
    }
    CHECK(k < argc, "child argv not terminated");
  } else {
    CHECK(status <= 2, "exit status %d", status);
  }
  CHECK(set.rules.count <= kMaxRules, "rules");
  CHECK(set.grace_ms <= kMaxDurationMs && set.stop_delay_ms <= kMaxDurationMs, "durations");
  CHECK(set.pdeath_signal >= 0 && set.pdeath_signal <= kMaxSig, "pdeath %d", set.pdeath_signal);
  if (var) unsetenv(var);
  for (int i = 0; i < argc; i++) free(pieces[i]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool once = [] {
    // Every signal number has a name that comes back to it.
    for (int sig = 1; sig <= kMaxSig; sig++) {
      char name[12];
      signal_name(sig, name);
      CHECK(signal_by_spec(name, name + strlen(name)) == sig, "signal %d named '%s'", sig, name);
      if (sig != 32 && sig != 33)
        CHECK(signal_by_name(name, name + strlen(name)) == sig, "signal %d named '%s'", sig, name);
    }
    return true;
  }();
  (void)once;
  Text t(data, size);
  check_rules(t, false);
  check_rules(t, true);
  check_rewrites(t, false);
  check_duration(t);
  check_case(t);
  check_success_code(t);
  check_signal_names(data, size);
  check_settings(data, size);
  return 0;
}
