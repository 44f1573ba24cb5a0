// remap.hpp: remit's little languages, as pure functions.
//
// Exit-status rules (-m / REMIT_MAP), signal rewrites (-r / REMIT_REWRITE)
// and durations (-t / REMIT_GRACE).  Nothing here does I/O,
// allocates or keeps global state, so init.cpp can call it before the child
// exists and the unit tests can call it with no process at all.  Parsers
// report the exact item that is wrong; the caller decides how to say it.
#pragma once
#include <limits.h>
#include <stdint.h>

#include "signals.hpp"

namespace remap {

// ------------------------------------------------------------ list items

// KILL and STOP never reach a process, and remit keeps CHLD for itself: a
// rewrite of one of them, or a rule waiting for remit to receive one, could
// never apply, so both are refused.
constexpr SigSet kNeverForwarded = bit(SIGKILL) | bit(SIGCHLD) | bit(SIGSTOP);

// What went wrong in a rule, rewrite or duration: the whole item, the part
// of it at fault, and why.  what == nullptr means no error.
struct Error {
  const char *what = nullptr;  // "unknown signal", "missing '='", ...
  const char *item = nullptr;  // the offending item (not NUL-terminated)
  int item_len = 0;
  const char *part = nullptr;  // the offending part of it, if narrower
  int part_len = 0;
  explicit operator bool() const { return what != nullptr; }
};

inline Error fail(const char *what, const char *item, int item_len,
                  const char *part = nullptr, const char *part_end = nullptr) {
  Error e;
  e.what = what;
  e.item = item;
  e.item_len = item_len;
  e.part = part;
  e.part_len = part ? int(part_end - part) : 0;
  return e;
}

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

// Decimal text as strtol(3) reads it in the C locale: blanks, a sign,
// digits, held at long's range.  *stop is where it stopped: s itself when
// there were no digits.  The peers read their numbers so (tini's -e and
// TINI_VERBOSITY, dumb-init's -r through sscanf), and remit does under
// their names.
inline long c_long(const char *s, const char **stop) {
  const char *p = s;
  while (is_space(*p)) p++;
  bool minus = *p == '-';
  p += minus || *p == '+';
  unsigned long v = 0, max = LONG_MAX + (unsigned long)minus;  // -LONG_MIN when negative
  for (*stop = s; is_digit(*p); *stop = ++p) {
    unsigned long next = v * 10 + unsigned(*p - '0');
    v = v > LONG_MAX / 10 || next > max ? max : next;  // past LONG_MAX / 10, v * 10 is past max
  }
  return long(minus ? 0 - v : v);
}

// Walks a list of items separated by commas and/or whitespace.  Two commas
// in a row, or a comma at either end, make an empty item, which is an error:
// it is almost always a typo in a template that dropped a value.
struct Items {
  const char *p;
  bool after_comma = false;
  explicit Items(const char *text) : p(text) {}

  // Sets [*s, *e) to the next item.  Returns false at the end of the list,
  // or with *err set when an item is empty.
  bool next(const char **s, const char **e, Error *err) {
    while (is_space(*p)) p++;
    if (!*p || *p == ',') {
      if (*p == ',' || after_comma) {
        *err = fail("empty item", p, 0);
        return false;
      }
      return false;
    }
    *s = p;
    while (*p && *p != ',' && !is_space(*p)) p++;
    *e = p;
    while (is_space(*p)) p++;
    after_comma = *p == ',';
    if (after_comma) p++;
    return true;
  }
};

// ------------------------------------------------------------ exit rules

// How the child ended, as waitpid(2) told it.
struct Ending {
  bool signaled;  // died by a signal rather than exiting
  uint8_t value;  // the exit code, or the signal number
  // The status as a shell reports it: the code, or 128 + signal.
  int status() const { return signaled ? 128 + value : value; }
};

// One rule, STATUS[@COND]=RESULT.  8 bytes of data plus where it came from.
struct Rule {
  // status range / death by / one of the -e codes (Rules::codes)
  enum Match : uint8_t { kCodes, kSignal, kCodeSet } match;
  uint8_t lo, hi;  // kCodes: shell status range; kSignal: lo = the signal
  // kStop: any of remit's stop signals (--stop-signals) was received.
  enum Cond : uint8_t { kAlways, kNone, kAny, kGot, kStop } cond;
  uint8_t cond_sig;  // kGot: the signal remit must have received
  uint8_t result;
  const char *text;  // the item as written, for -v and --explain
  uint8_t text_len;
};

constexpr int kMaxRules = 64;

// tini keeps its -e codes as a set of 256, and a command line may give all
// of them.  So they are one entry here, a kCodeSet rule placed where the
// first -e came, not one rule each: the 64-rule limit is for -m and
// REMIT_MAP, which a user can reach only by writing 64 rules.
struct Rules {
  Rule rule[kMaxRules];
  int count = 0;
  uint64_t codes[4] = {};  // the -e codes, bit c%64 of codes[c/64]
  bool has_code(int st) const { return st < 256 && (codes[st >> 6] >> (st & 63) & 1); }
};

inline bool cond_holds(const Rule &r, SigSet received, bool stopped) {
  switch (r.cond) {
    case Rule::kNone: return received == 0;
    case Rule::kAny: return received != 0;
    case Rule::kGot: return (received & bit(r.cond_sig)) != 0;
    case Rule::kStop: return stopped;
    case Rule::kAlways: break;
  }
  return true;
}

inline bool status_matches(const Rule &r, Ending end) {
  if (r.match == Rule::kSignal) return end.signaled && end.value == r.lo;
  int st = end.status();
  return st >= r.lo && st <= r.hi;
}

// The index of the first rule that applies, or -1.  `received` holds the
// signals remit received while the child ran, as they arrived (before any
// rewriting), SIGCHLD excepted; `stopped`, whether one of them was a stop
// signal.  Without a child (fork failed), tini's -e codes, which are its
// child's exit codes, do not apply.
inline int match(const Rules &rules, Ending end, SigSet received, bool child = true, bool stopped = false) {
  for (int i = 0; i < rules.count; i++) {
    const Rule &r = rules.rule[i];
    if ((r.match == Rule::kCodeSet ? child && rules.has_code(end.status()) : status_matches(r, end)) &&
        cond_holds(r, received, stopped))
      return i;
  }
  return -1;
}

// Parses STATUS[@COND]=RESULT in [s, e) into *r.
inline Error parse_rule(const char *s, const char *e, Rule *r) {
  int len = int(e - s);
  const char *eq = nullptr, *cond = nullptr;
  for (const char *q = s; q != e; q++) {
    if (*q == '=' && !eq) eq = q;
    if (*q == '@' && !cond && !eq) cond = q;
  }
  if (!eq) return fail("missing '=RESULT'", s, len);
  const char *status_end = cond ? cond : eq;
  if (status_end == s) return fail("missing STATUS before '='", s, len);
  if (len > 255) return fail("item longer than 255 characters", s, len);
  *r = Rule{};
  r->text = s;
  r->text_len = uint8_t(len);

  // STATUS: *, N, A-B, or a signal name.
  uint32_t lo, hi;
  const char *dash = nullptr;
  for (const char *q = s; q != status_end; q++)
    if (*q == '-' && q != s && is_digit(s[0])) dash = q;
  if (status_end - s == 1 && *s == '*') {
    r->match = Rule::kCodes, r->lo = 0, r->hi = 255;
  } else if (is_digit(*s)) {
    const char *a_end = dash ? dash : status_end;
    if (!whole_uint(s, a_end, 255, &lo))
      return fail("status must be 0..255", s, len, s, a_end);
    hi = lo;
    if (dash && !whole_uint(dash + 1, status_end, 255, &hi))
      return fail("status must be 0..255", s, len, dash + 1, status_end);
    if (hi < lo) return fail("range is reversed", s, len, s, status_end);
    r->match = Rule::kCodes, r->lo = uint8_t(lo), r->hi = uint8_t(hi);
  } else {
    int sig = signal_by_name(s, status_end);
    if (!sig) return fail("unknown signal", s, len, s, status_end);
    r->match = Rule::kSignal, r->lo = r->hi = uint8_t(sig);
  }

  // @COND: any, none, stop, or a signal by name or number.  "stop" is free
  // to mean a stop signal: SIGSTOP itself never reaches a process.
  if (cond) {
    const char *c = cond + 1;
    if (c == eq) return fail("missing signal after '@'", s, len);
    if (same_word(c, int(eq - c), "ANY")) r->cond = Rule::kAny;
    else if (same_word(c, int(eq - c), "NONE")) r->cond = Rule::kNone;
    else if (same_word(c, int(eq - c), "STOP")) r->cond = Rule::kStop;
    else {
      int sig = signal_by_spec(c, eq);
      if (!sig) return fail("unknown signal", s, len, c, eq);
      if (kNeverForwarded & bit(sig))
        return fail("remit never receives", s, len, c, eq);
      r->cond = Rule::kGot, r->cond_sig = uint8_t(sig);
    }
  }

  // =RESULT
  if (eq + 1 == e) return fail("missing RESULT after '='", s, len);
  const char *q = eq + 1;
  uint32_t result;
  if (!take_uint(&q, e, 255, &result))
    return fail("result must be 0..255", s, len, eq + 1, e);
  if (q != e) return fail("unexpected text after the result", s, len, q, e);
  r->result = uint8_t(result);
  return Error{};
}

// Appends the rules in `text` to *rules.  An empty or blank text is an
// error only when `empty_ok` is false (an unset-looking variable is fine,
// `-m ''` is a mistake).
inline Error parse_rules(const char *text, Rules *rules, bool empty_ok) {
  Items items(text);
  const char *s, *e;
  Error err;
  bool any = false;
  while (items.next(&s, &e, &err)) {
    if (rules->count == kMaxRules)
      return fail("too many rules (64 at most)", s, int(e - s));
    if ((err = parse_rule(s, e, &rules->rule[rules->count]))) return err;
    rules->count++;
    any = true;
  }
  if (!err && !any && !empty_ok) err = fail("empty item", text, 0);
  return err;
}

// -e CODE, tini's option: CODE joins the set of codes that become 0.  The
// first -e adds the set's rule (its text is that first code).  `as_strtol`:
// as tini reads it, strtol(3) up to the end, so blanks, a sign and an empty
// text (0) pass.
inline Error parse_success_code(const char *text, Rules *rules, bool as_strtol = false) {
  const char *end = text, *stop;
  while (*end) end++;
  long v = c_long(text, &stop);
  if (*stop || v < 0 || v > 255 || !(as_strtol || is_digit(*text)))
    return fail("exit code must be 0..255", text, int(end - text));
  uint32_t code = uint32_t(v);
  int i = 0;
  while (i < rules->count && rules->rule[i].match != Rule::kCodeSet) i++;
  if (i == rules->count) {
    if (rules->count == kMaxRules)
      return fail("too many rules (64 at most)", text, int(end - text));
    Rule &r = rules->rule[rules->count++];
    r = Rule{};
    r.match = Rule::kCodeSet, r.result = 0;
    r.text = text, r.text_len = uint8_t(end - text > 255 ? 255 : end - text);
  }
  rules->codes[code >> 6] |= uint64_t(1) << (code & 63);
  return Error{};
}

// A case for --explain, STATUS[@SIG]: an exit code 0..255 or a signal
// name (death by it), then the signal remit received, if any (@none: none;
// @stop: `first_stop`, the first of its stop signals).
inline Error parse_case(const char *text, Ending *end, SigSet *received, int first_stop = SIGTERM) {
  const char *at = text, *e = text;
  while (*e) e++;
  while (at != e && *at != '@') at++;
  int len = int(e - text);
  uint32_t code;
  if (whole_uint(text, at, 255, &code)) {
    *end = Ending{false, uint8_t(code)};
  } else {
    int sig = signal_by_name(text, at);
    if (!sig) return fail("expected an exit code 0..255 or a signal name", text, len, text, at);
    *end = Ending{true, uint8_t(sig)};
  }
  *received = 0;
  if (at == e || same_word(at + 1, int(e - at - 1), "NONE")) return Error{};
  int sig = same_word(at + 1, int(e - at - 1), "STOP") ? first_stop : signal_by_spec(at + 1, e);
  if (!sig) return fail("unknown signal", text, len, at + 1, e);
  *received = bit(sig);
  return Error{};
}

// ------------------------------------------------------- signal rewrites

// What remit forwards for each signal it receives: to[sig] is the signal
// sent instead, 0 to drop it.
struct Rewrite {
  // One more than kMaxSig: MIPS's kernel takes signal 128 too, which no
  // wait status can report and glibc does not name, but which can still
  // be sent to remit; it is forwarded as it is.
  uint8_t to[kMaxSig + 2];
  Rewrite() {
    for (int i = 0; i <= kMaxSig + 1; i++) to[i] = uint8_t(i);
  }
};

// FROM:TO as dumb-init's sscanf(text, "%d:%d") reads it: each number as
// strtol reads it, kept in an int as glibc keeps it (wrapped), the ':'
// right after the first, anything after the second ignored.  True if it
// read two that dumb-init takes (1..31, 0..31), and set them.
inline bool scan_rewrite(const char *text, Rewrite *rw) {
  const char *colon, *stop;
  int from = int(c_long(text, &colon));
  if (colon == text || *colon != ':') return false;
  int to = int(c_long(colon + 1, &stop));
  if (stop == colon + 1 || from < 1 || from > 31 || to < 0 || to > 31) return false;
  rw->to[from] = uint8_t(to);
  return true;
}

// Parses FROM:TO[,FROM:TO...] into *rw; later entries win.
inline Error parse_rewrites(const char *text, Rewrite *rw, bool empty_ok) {
  Items items(text);
  const char *s, *e;
  Error err;
  bool any = false;
  while (items.next(&s, &e, &err)) {
    const char *colon = s;
    while (colon != e && *colon != ':') colon++;
    int len = int(e - s);
    if (colon == e) return fail("missing ':' (expected FROM:TO)", s, len);
    int from = signal_by_spec(s, colon);
    if (!from) return fail("unknown signal", s, len, s, colon);
    if (kNeverForwarded & bit(from))
      return fail("is never forwarded, so cannot be rewritten", s, len, s, colon);
    uint32_t n;
    int to;  // a number 0..kMaxSig (0 drops the signal) or a name
    if (whole_uint(colon + 1, e, kMaxSig, &n)) to = int(n);
    else if (!(to = signal_by_name(colon + 1, e)))
      return fail("unknown signal", s, len, colon + 1, e);
    rw->to[from] = uint8_t(to);
    any = true;
  }
  if (!err && !any && !empty_ok) err = fail("empty item", text, 0);
  return err;
}

// ------------------------------------------------------------ stop signals

// The signals that mean "stop" (--stop-signals TERM,INT,QUIT), by name or
// number, into *stops, replacing what it held, and the first of them into
// *first.  `refused`: those remit never passes on, which could not stop
// the program.  An empty text keeps *stops unless `empty_ok` is false.
inline Error parse_stop_signals(const char *text, SigSet refused, bool empty_ok, SigSet *stops, uint8_t *first) {
  Items items(text);
  const char *s, *e;
  Error err;
  SigSet got = 0;
  uint8_t head = 0;
  while (items.next(&s, &e, &err)) {
    int sig = signal_by_spec(s, e);
    const char *why = !sig ? "unknown signal" : (refused & bit(sig)) ? "remit never passes on" : nullptr;
    if (why) return fail(why, text, int(__builtin_strlen(text)), s, e);  // the item and the list it is in
    got |= bit(sig);
    if (!head) head = uint8_t(sig);
  }
  if (!err && !head && !empty_ok) err = fail("empty item", text, 0);
  if (!err && head) {
    *stops = got;
    *first = head;
  }
  return err;
}

// --------------------------------------------------------------- durations

constexpr uint32_t kMaxDurationMs = 0x7fffffff;  // about 24.8 days

// A duration such as 10, 1.5s, 250ms or 2m (a bare number is seconds) to
// milliseconds.  Fractions finer than a millisecond are dropped.
inline Error parse_duration(const char *text, uint32_t *ms) {
  static const struct { char name[3]; uint32_t ms; } kUnits[] = {
      {"", 1000}, {"S", 1000}, {"MS", 1}, {"M", 60000}};
  const char *p = text, *end = text;
  while (*end) end++;
  int len = int(end - text);
  if (!is_digit(*p)) return fail("expected a number with an optional unit ms, s or m", text, len);
  uint64_t whole = 0;
  for (; is_digit(*p); p++) {
    whole = whole * 10 + uint64_t(*p - '0');
    if (whole > kMaxDurationMs) return fail("duration is too long", text, len);
  }
  const char *frac = nullptr;
  if (*p == '.') {
    frac = ++p;
    if (!is_digit(*p)) return fail("expected digits after '.'", text, len);
    while (is_digit(*p)) p++;
  }
  const char *unit_at = p;
  uint32_t unit = 0;
  for (const auto &u : kUnits)
    if (same_word(p, int(end - p), u.name)) unit = u.ms;
  if (!unit) return fail("unknown unit (use ms, s or m)", text, len, p, end);
  // The fraction's first six digits, in µs, each digit worth a tenth of
  // the one before: exact for s and m, and 32-bit arithmetic (a 64-bit
  // division would bring libgcc's along on 32-bit targets).
  uint32_t frac_us = 0, scale = unit * 1000;
  for (int k = 0; frac && frac + k < unit_at && k < 6; k++)
    scale /= 10, frac_us += uint32_t(frac[k] - '0') * scale;
  uint64_t v = whole * unit + frac_us / 1000;
  if (v > kMaxDurationMs) return fail("duration is too long", text, len);
  *ms = uint32_t(v);
  return Error{};
}

}  // namespace remap
