// report.hpp: everything said about how the run ended: the -v line, the JSON report, --explain.
//
// --report FILE keeps what really happened, for the operator, while the
// rules tell the orchestrator what it needs to hear (nats-server's 1 after
// a TERM is a 0): one JSON line, written once when the program has ended.
// Kubernetes shows /dev/termination-log (4096 bytes at most) as the
// container's termination message, so the line never exceeds that, and
// stays valid JSON and UTF-8 whatever bytes argv holds.
#pragma once
#include <fcntl.h>
#include <time.h>

#include "settings.hpp"

inline int64_t now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

// What happened while the program ran, recorded by init.cpp as it happens.
struct Story {
  pid_t child = 0;
  remap::SigSet received = 0;  // signals received while the child ran
  uint8_t sigs[16];        // the same, in order of arrival
  uint8_t nsigs = 0;
  uint16_t dropped = 0;    // those that did not fit in sigs
  uint8_t stop_sig = 0;    // the first stop signal (TERM, INT, QUIT)
  bool grace_kill = false; // the grace period ran out: SIGKILL sent
  int exec_errno = 0;      // the program could not be started
  int64_t stop_at = 0;     // when stop_sig came (monotonic ms)
  int64_t stop_wall_s = 0; // the same, wall clock: s since the epoch
  uint16_t stop_wall_ms = 0;  // and ms
  int64_t end_at = 0;      // when the program's end was seen (monotonic ms)
};

constexpr remap::SigSet kStopSignals = remap::bit(SIGTERM) | remap::bit(SIGINT) | remap::bit(SIGQUIT);

// Keeps a signal received while the child runs: for the rules, in order
// for the report, and when the first stop came.
inline void note(Story &st, int sig) {
  st.received |= remap::bit(sig);
  if (st.nsigs < sizeof st.sigs) st.sigs[st.nsigs++] = uint8_t(sig);
  else st.dropped++;
  if ((kStopSignals & remap::bit(sig)) && !st.stop_sig) {
    timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    st.stop_sig = uint8_t(sig), st.stop_at = now_ms();
    st.stop_wall_s = wall.tv_sec, st.stop_wall_ms = uint16_t(wall.tv_nsec / 1000000);
  }
}

// Says, once, that the report cannot go where it was asked to.
[[gnu::noinline]] inline void report_trouble(const Settings &set, const char *what) {
  int err = errno;
  if (set.verbosity < kWarn) return;
  char buf[24];
  Out o = message(*set.who, kWarn);
  ((o << "cannot " << what << " the report file '").quoted(set.report) << "': "
   << (err ? describe_error(err, buf) : "short write") << '\n').flush();
}

// Opened when remit starts, so that a path that cannot work is said before
// the program runs, and the end needs no more than a write.  Not truncated
// yet: the last run's report stays until there is one to replace it.
// Non-blocking: a FIFO with no reader fails now (ENXIO) rather than hang
// the start, and a full one cannot hold up the exit.  "-" is stderr, for
// log pipelines.
inline int open_report(const Settings &set) {
  const char *path = set.report;
  if (!path) return -1;
  if (!strcmp(path, "-") || !strcmp(path, "/dev/stderr")) return 2;
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) report_trouble(set, "open");
  return fd;
}

// One JSON line in a fixed buffer, built by the functions below.  Strings
// are cut to fit the space given them ("…" at the end), never the object.
// The buffer is on write_report's stack (4 KiB more of .bss would cost the
// file a page of padding); the calls find it here, not as an argument.
namespace json {
constexpr int kSize = 4096;  // Kubernetes reads no more of a termination message
inline char *buf;
inline int n;
inline bool cut;  // a string did not fit

inline void raw(const char *s) {
  while (*s) buf[n++] = *s++;
}
// Each value follows `pre`: its key, or a comma in a list.
inline void num(const char *pre, long v) {
  raw(pre);
  raw(Num(v).str());
}

// s as a JSON string ending before buf[end]: quotes, backslashes and
// control characters escaped, all as \u00XX (one way is less code); a
// byte that does not begin a valid UTF-8 sequence (stray, overlong,
// surrogate, past U+10FFFF) becomes U+FFFD, so the line is UTF-8 however
// the program was named.
[[gnu::noinline]] inline void str(const char *pre, const char *s, int end) {
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  raw(pre);
  buf[n++] = '"';
  while (*s) {
    unsigned char c = (unsigned char)*s;
    char unit[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
    int len = 1, out = 1;
    const char *from = s;
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      from = unit, out = 6;
    } else if (c >= 0x80) {
      len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      bool ok = c >= 0xc0 && c < 0xf8;
      uint32_t cp = c & (0x7f >> len);
      for (int k = 1; ok && k < len; k++) {
        ok = (s[k] & 0xc0) == 0x80;  // the NUL stops it, too
        cp = cp << 6 | (s[k] & 0x3f);
      }
      out = len;
      if (!ok || cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        from = "\xef\xbf\xbd", len = 1, out = 3;
    }
    if (n + out > end - 4) {  // room for "…" and the quote
      raw("\xe2\x80\xa6");
      cut = true;
      break;
    }
    memcpy(buf + n, from, size_t(out));
    n += out, s += len;
  }
  buf[n++] = '"';
}

inline void sig(const char *pre, int sig) {
  char name[12];
  str(pre, remap::signal_name(sig, name), kSize);
}

// "2026-11-25T06:05:13.123Z", the digits filled in from the right.  Not
// gmtime_r: on 32-bit targets its 64-bit divisions bring 3.5 KB of libgcc,
// more than MIPS has left under 48 KiB.  Right for every date from 1970 to
// the year 19,000 with 32-bit arithmetic; tests/report_test.cpp compares it
// with gmtime_r day by day.
[[gnu::noinline]] inline void when(int64_t secs, int ms) {
  // secs / 86400 as (secs / 128) / 675, so that no step needs 64 bits.
  uint32_t s7 = uint32_t(uint64_t(secs) >> 7), days = s7 / 675;
  uint32_t t = (s7 % 675) << 7 | uint32_t(secs & 127);
  // Days to a civil date (H. Hinnant's days_from_civil, inverted): years
  // of 400 (146,097 days), March first so that February ends the year.
  uint32_t z = days + 719468, era = z / 146097, doe = z % 146097;
  uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  uint32_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  uint32_t year = yoe + era * 400 + (month <= 2);
  uint32_t v[] = {uint32_t(ms), t % 60, t / 60 % 60, t / 3600, day, month, year};
  char text[] = "\"0000-00-00T00:00:00.000Z\"";
  for (int i = sizeof text - 2, k = 0; i >= 0; i--)
    if (text[i] == '0') text[i] = char('0' + v[k] % 10), v[k] /= 10;
    else if (text[i] != 'Z' && text[i] != '"') k++;
  raw(text);
}
}  // namespace json

// The report itself.  Strings have their share of the 4096 bytes: the
// program 1 KiB, the rule 512 bytes, the arguments whatever is left, so
// every other field always fits.
[[gnu::noinline]] inline void write_report(const Settings &set, int fd, const Story &st,
                                           remap::Ending end, int rule, int status) {
  using namespace json;
  char space[kSize];
  buf = space;
  char **argv = set.child_argv;
  str("{\"program\":", argv[0], n + 1024);
  num(",\"pid\":", st.child);
  raw(st.exec_errno ? ",\"ended\":\"not started\""
                    : end.signaled ? ",\"ended\":\"killed\"" : ",\"ended\":\"exited\"");
  char why[24];
  if (st.exec_errno) str(",\"error\":", describe_error(st.exec_errno, why), n + 128);
  if (end.signaled) sig(",\"signal\":", end.value);
  else num(",\"code\":", end.value);
  raw(",\"signals\":[");
  for (int i = 0; i < st.nsigs; i++) sig(i ? "," : "", st.sigs[i]);
  raw("]");
  if (st.dropped) num(",\"signals_dropped\":", st.dropped);
  if (st.stop_sig) {
    sig(",\"stop_signal\":", st.stop_sig);
    raw(",\"stop_signal_at\":"), when(st.stop_wall_s, st.stop_wall_ms);
    num(",\"stop_ms\":", long(st.end_at - st.stop_at));
  }
  raw(st.grace_kill ? ",\"grace_kill\":true,\"rule\":" : ",\"grace_kill\":false,\"rule\":");
  if (rule >= 0) {
    const remap::Rule &r = set.rules.rule[rule];
    char text[256];
    memcpy(text, r.text, r.text_len);
    text[r.text_len] = 0;
    str("{\"text\":", text, n + 512);
    num(",\"position\":", rule + 1);
    raw("}");
  } else {
    raw("null");
  }
  num(",\"exit_status\":", status);
  raw(",\"remit\":\"" REMIT_VERSION "\",\"args\":[");
  // Room left for "]}\n", and for a cut string's "…" and quote past its
  // end.  After a cut argument, no more: the list shows where it stops.
  cut = false;
  for (int i = 1; argv[i] && !cut; i++) str(i > 1 ? "," : "", argv[i], kSize - 8);
  raw("]}\n");
  // A file is emptied only now (stderr never: it is not remit's to empty),
  // so that a longer report from the last run cannot show through.
  if (fd != 2 && ftruncate(fd, 0)) {}  // a FIFO or a device has nothing to empty
  // Through send_line, as every message: never waits (a full pipe or a
  // stalled terminal must not hold up the exit), at most one warning.
  errno = 0;
  if (!send_line(fd, buf, n)) report_trouble(set, "write");
}

// A rule as the user wrote it; tini's -e codes, one entry, as "-e 1-3,7".
inline Out &put_rule(Out &o, const remap::Rules &rules, int i) {
  const remap::Rule &r = rules.rule[i];
  if (r.match != remap::Rule::kCodeSet) return o.put(r.text, r.text_len);
  o << "-e ";
  for (int c = 0, sep = 0; c < 256; c++) {
    if (!rules.has_code(c)) continue;
    int last = c;
    while (rules.has_code(last + 1)) last++;
    if (sep++) o << ',';
    o << c;
    if (last > c) o << '-' << last;
    c = last;
  }
  return o;
}

// The -v line: how the child ended, what remit received and which rule
// applied.  Out of line: inlined, its buffers would sit in main's frame.
[[gnu::noinline]] inline void exit_line(const Settings &set, const Story &st, remap::Ending end,
                                        int rule, int status, bool reraise) {
  const Personality &who = *set.who;
  char name[24];
  Out o = message(who, kInfo);
  if (const char *text = who.ended[end.signaled]) {
    // In the words of the init remit stands in for; remit's own line
    // follows at the next level (-vv), when a rule applied: tini's -e
    // codes are rules too, and tini -v says nothing of them.  REMIT_VERBOSE
    // asks for remit's line itself, at once.
    expand(o, who, text, kInfo, Num(end.status()).str(), describe_signal(end.value, name)).flush();
    Level mine = set.remit_line ? kInfo : kDebug;
    if ((rule < 0 && !set.remit_line) || !shown(set, mine)) return;
    o = message(who, mine);
  }
  o << "child " << int(st.child);
  if (end.signaled) o << " was killed by " << remap::signal_name(end.value, name);
  else o << " exited with " << int(end.value);
  o << "; received";
  if (!st.received) o << " no signal";
  for (int sig = 1; sig <= remap::kMaxSig; sig++)
    if (st.received & remap::bit(sig)) o << ' ' << remap::signal_name(sig, name);
  if (int stop = st.stop_sig) {
    long ms = long(st.end_at - st.stop_at);
    o << "; stopped " << ms / 1000 << '.' << int(ms % 1000 / 100) << " s after "
      << remap::signal_name(stop, name);
  }
  if (rule >= 0) {
    o << "; rule " << rule + 1 << " '";
    put_rule(o, set.rules, rule) << '\'';
  } else {
    o << "; no rule";
  }
  if (reraise) o << "; dying by " << remap::signal_name(end.value, name) << " too\n";
  else o << "; exit " << status << '\n';
  o.flush();
}

// --explain STATUS[@SIG]: what the rules make of a case, with no child.
inline int explain(const Settings &set) {
  remap::Ending end{};
  remap::SigSet received = 0;
  remap::Error err = remap::parse_case(set.explain, &end, &received);
  if (err) {
    say_bad(*set.who, "case", "--explain", set.explain, err);
    return 2;
  }
  int rule = remap::match(set.rules, end, received);
  Out o(1);
  char name[12];
  o << set.explain << " -> " << (rule >= 0 ? set.rules.rule[rule].result : end.status());
  if (rule >= 0) {
    o << " (rule " << rule + 1 << ": ";
    put_rule(o, set.rules, rule) << ")\n";
  } else if (end.signaled && set.who->reraise) {
    o << " (no rule matched; outside PID 1 remit dies by "
      << remap::signal_name(end.value, name) << ")\n";
  } else {
    o << " (no rule matched)\n";
  }
  o.flush();
  return 0;
}

// How the run ends: the status remit exits with, or the signal it dies by
// instead (outside PID 1, as the child did, when no rule applied).
struct Verdict {
  int status;
  int die_by;  // 0: none
};

// The end of the run, decided and said: the -v line, the report.  A pure
// function of the settings, what was recorded and how the child ended,
// apart from the lines it writes; the caller exits or dies by the verdict.
inline Verdict conclude(const Settings &set, const Story &st, remap::Ending end, bool pid1,
                        int report_fd) {
  int rule = remap::match(set.rules, end, st.received);
  int status = rule >= 0 ? set.rules.rule[rule].result : end.status();
  bool reraise = rule < 0 && end.signaled && set.who->reraise && !pid1;
  if (set.verbosity >= kInfo) exit_line(set, st, end, rule, status, reraise);
  if (report_fd >= 0) write_report(set, report_fd, st, end, rule, status);
  return {status, reraise ? int(end.value) : 0};
}
