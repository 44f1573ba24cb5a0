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
#include <limits.h>
#include <sys/stat.h>  // S_ISLNK
#include <time.h>

#include "supervise.hpp"

// From the stop signal to the program's end, in ms.  At most long's
// largest, 24.8 days on a 32-bit target, rather than a number wrapped.
inline unsigned long stop_ms(const Story &st) {
  int64_t ms = st.end_at - st.stop_at;
  return ms < 0 ? 0 : ms > LONG_MAX ? LONG_MAX : (unsigned long)ms;
}

// Says, once, that the report cannot go where it was asked to, and why:
// errno's text, or `why` when errno would mislead (ELOOP for a link that
// was refused, EAGAIN for a pipe that is full).
[[gnu::noinline]] inline void report_trouble(const Settings &set, const char *what) {
  int err = errno;
  if (set.verbosity < kWarn) return;
  char buf[24];
  const char *why = err == ELOOP   ? "a symbolic link is in the path (remit follows none)"
                    : err == EAGAIN ? "it is full (remit does not wait)"
                    : err           ? describe_error(err, buf)
                                    : "short write";
  Out o = message(*set.who, kWarn);
  ((o << "cannot " << what << " the report file '").quoted(set.report) << "': " << why << '\n').flush();
}

// Where the report goes: a file of remit's own, emptied and written whole
// at the end, or a stream remit shares with the program (stderr, its
// stdout), which the line is added to and which is never emptied.
struct ReportFile {
  int fd = -1;
  bool shared = false;
};

// The descriptor a path names when it is one remit already holds: "-",
// /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N, or any other name
// of the file on descriptor 1 or 2 (/proc/1/fd/1, the log file stdout was
// sent to).  -1: none.
inline int named_fd(const char *path) {
  if (!strcmp(path, "-") || !strcmp(path, "/dev/stderr")) return 2;
  if (!strcmp(path, "/dev/stdout")) return 1;
  const char *n = !strncmp(path, "/dev/fd/", 8) ? path + 8 : !strncmp(path, "/proc/self/fd/", 14) ? path + 14 : nullptr;
  uint32_t fd;
  if (n) return remap::whole_uint(n, n + strlen(n), INT32_MAX, &fd) ? int(fd) : -1;
  FileId file, std;
  if (file_id(AT_FDCWD, path, 0, &file)) return -1;
  for (int i = 1; i <= 2; i++)
    if (!file_id(i, "", AT_EMPTY_PATH, &std) && same_file(std, file)) return i;
  return -1;
}

// Opens path for writing, following no symbolic link in any part of it: a
// link there may have been put by someone else (the program, running as
// another user, in a volume the report is on) to have remit, as root,
// empty a file of its choosing.  ELOOP if there is one.
inline int open_without_links(const char *path) {
  int dir = openat(AT_FDCWD, *path == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (const char *p = path; dir >= 0;) {
    while (*p == '/') p++;
    size_t len = size_t(strchrnul(p, '/') - p);
    char name[NAME_MAX + 1] = ".";  // "/" and "dir/" end at the directory
    if (len > NAME_MAX) {
      close(dir);
      errno = ENAMETOOLONG;
      return -1;
    }
    if (len) {
      memcpy(name, p, len);
      name[len] = 0;
    }
    p += len;
    while (*p == '/') p++;
    // O_PATH with O_NOFOLLOW opens a link itself: O_DIRECTORY then refuses it.
    int flags = *p ? O_PATH | O_DIRECTORY : O_WRONLY | O_CREAT | O_NONBLOCK;
    int next = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
    int err = errno;
    FileId link;
    if (next < 0 && *p && err == ENOTDIR && !file_id(dir, name, AT_SYMLINK_NOFOLLOW, &link) && S_ISLNK(link.mode))
      err = ELOOP;
    close(dir);
    errno = err;
    if (!*p) return next;
    dir = next;
  }
  return -1;
}

// Opened when remit starts, so that a path that cannot work is said before
// the program runs, and the end needs no more than a write.  Not truncated
// yet: the last run's report stays until there is one to replace it.
// Non-blocking: a FIFO with no reader fails now (ENXIO) rather than hang
// the start, and a full one cannot hold up the exit.  A path to a stream
// remit holds is that stream: opened again, it would have an offset of its
// own, and the line would land on (and empty) the program's output.  A file
// of its own never takes 0-2, which were closed if it could: remit's lines
// would go into it.
inline ReportFile open_report(const Settings &set) {
  const char *path = set.report;
  if (!path) return {};
  int fd = named_fd(path);
  if (fd >= 0) {
    if (fd_control(fd, F_GETFD) >= 0) return {fd, true};  // else EBADF: not open
  } else if ((fd = above_stdio(open_without_links(path))) >= 0) {
    return {fd, false};
  }
  report_trouble(set, "open");
  return {};
}

// One JSON line in a fixed buffer, built by the functions below.  Every
// byte goes through put(), which writes a piece whole or not at all and
// never past `end`; no end passes limit - kTail, so "]}\n" always fits.
// Strings are cut to fit the space given them ("…" at the end), never the
// object: the fields before args take at most 13/32 of the bound and 500
// bytes (their budgets in write_report), so they always fit, and only
// args are cut or left out.  The buffer is on write_report's stack, used
// once at the end; the calls find it here.
namespace json {
constexpr int kSize = 4096;  // Kubernetes reads no more of a termination message
constexpr int kTail = 3;     // "]}\n": closes args and the object
inline char *buf;
inline int n;
inline int limit = kSize;    // --report-max: the line's length at most

inline bool put(const char *s, int len, int end = limit - kTail) {
  if (len > end - n) return false;
  memcpy(buf + n, s, size_t(len));
  n += len;
  return true;
}
inline bool raw(const char *s, int end = limit - kTail) { return put(s, int(strlen(s)), end); }

// A number after `pre` (its key), the two together or not at all.
inline void num(const char *pre, unsigned long v) {
  char text[48];
  int i = sizeof text, len = int(strlen(pre));
  do text[--i] = char('0' + v % 10); while (v /= 10);
  memcpy(text + i - len, pre, size_t(len));  // keys are short: 20 bytes at most
  put(text + i - len, int(sizeof text) - i + len);
}

// s as a JSON string after `pre`, ending before buf[end]: quotes,
// backslashes and control characters escaped, all as \u00XX (one way is
// less code); a byte that does not begin a valid UTF-8 sequence (stray,
// overlong, surrogate, past U+10FFFF) becomes U+FFFD, so the line is UTF-8
// however the program was named.  Nothing is written unless `pre`, the
// quotes and a "…" fit; the text stops, with "…", where the next character
// would not leave room for "…" and the quote.  Returns whether all of s
// went in.
[[gnu::noinline]] inline bool str(const char *pre, const char *s, int end) {
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  constexpr int kCut = 4;  // "…" and the closing quote
  if (end > limit - kTail) end = limit - kTail;
  if (!raw(pre, end - 1 - kCut)) return false;
  put("\"", 1, end - kCut);  // fits: room was kept for it
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
    if (!put(from, out, end - kCut)) return put("\xe2\x80\xa6\"", kCut, end), false;
    s += len;
  }
  return put("\"", 1, end);
}

inline void sig(const char *pre, int sig) {
  char name[12];
  str(pre, remap::signal_name(sig, name), limit);
}

// "2026-11-25T06:05:13.123Z", the digits filled in from the right.  Not
// gmtime_r: on 32-bit targets its 64-bit divisions bring 3.5 KB of libgcc,
// more than MIPS has left under 48 KiB.  Right in 32-bit arithmetic for
// every date the kernel's clock gives (it stops in 2262; the text holds
// years to 9999); tests/report_test.cpp compares it with gmtime_r day by day.
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

// The line goes in whole or not at all, and never waits (send_line, as
// every message).  A file of remit's own is emptied first, so that the last
// run's report cannot outlive this one, and emptied again when the line
// did not all go in (RLIMIT_FSIZE, a full disk): no half line stays.  A
// pipe, FIFO or terminal takes it whole or not.  One warning if it fails.
inline void deliver(const Settings &set, ReportFile to, const char *line, int len) {
  if (!to.shared && ftruncate(to.fd, 0)) {}
  errno = 0;
  if (send_line(to.fd, line, len)) return;
  int why = errno;
  if (!to.shared && ftruncate(to.fd, 0)) {}  // a device has nothing to empty
  errno = why;
  report_trouble(set, "write");
}

// The report itself.  Strings have their share of the bound (--report-max,
// 4096 bytes unless told): the program a quarter, the error a 32nd, the rule
// an 8th, the arguments whatever is left.  Every other field is a few
// dozen bytes at most, under 500 in all (16 signal names), so at the least
// bound, 1024 bytes, all of them fit with their strings' shares.
[[gnu::noinline]] inline void write_report(const Settings &set, ReportFile to, const Story &st,
                                           remap::Ending end, int rule, int status) {
  using namespace json;
  char space[kSize];
  buf = space;
  n = 0;
  limit = set.report_max;
  char **argv = set.child_argv;
  str("{\"program\":", argv[0], n + limit / 4);
  if (st.child) num(",\"pid\":", unsigned(st.child));  // none if fork failed
  raw(st.exec_errno ? ",\"ended\":\"not started\""
                    : end.signaled ? ",\"ended\":\"killed\"" : ",\"ended\":\"exited\"");
  char why[24];
  if (st.exec_errno) str(",\"error\":", describe_error(st.exec_errno, why), n + limit / 32);
  if (end.signaled) sig(",\"signal\":", end.value);
  else num(",\"code\":", end.value);
  raw(",\"signals\":[");
  for (int i = 0; i < st.nsigs; i++) sig(i ? "," : "", st.sigs[i]);
  raw("]");
  if (st.dropped) num(",\"signals_dropped\":", st.dropped);
  if (st.stop_sig) {
    sig(",\"stop_signal\":", st.stop_sig);
    raw(",\"stop_signal_at\":"), when(st.stop_wall_s, st.stop_wall_ms);
    num(",\"stop_ms\":", stop_ms(st));
  }
  raw(st.grace_kill ? ",\"grace_kill\":true,\"rule\":" : ",\"grace_kill\":false,\"rule\":");
  if (rule >= 0) {
    Out text(-1);  // as -v says it: tini's -e codes as "-e 1-2,5"
    put_rule(text, set.rules, rule).put("", 1);
    str("{\"text\":", text.buf, n + limit / 8);
    num(",\"position\":", unsigned(rule + 1));
    raw("}");
  } else {
    raw("null");
  }
  num(",\"exit_status\":", unsigned(status));
  raw(",\"remit\":\"" REMIT_VERSION "\",\"args\":[");
  // After an argument cut short or left out, no more: the list shows where
  // it stops.
  for (int i = 1; argv[i] && str(i > 1 ? "," : "", argv[i], limit);) i++;
  put("]}\n", kTail, limit);
  deliver(set, to, space, n);
}

// The -v line: how the child ended, what remit received and which rule
// applied.  Out of line: inlined, its buffers would sit in main's frame.
[[gnu::noinline]] inline void exit_line(const Settings &set, const Story &st, remap::Ending end,
                                        int rule, int status, bool reraise) {
  const Personality &who = *set.who;
  char name[24];
  Out o = message(who, kInfo);
  if (const char *text = who.ended[end.signaled]) {
    // In the words of the init remit stands in for (which has nothing to
    // say when it could not fork); remit's own line follows at the next
    // level (-vv), when a rule applied: tini's -e codes are rules too, and
    // tini -v says nothing of them.  REMIT_VERBOSE asks for remit's line
    // itself, at once.
    if (st.child) expand(o, who, text, kInfo, Num(end.status()).str(), describe_signal(end.value, name)).flush();
    Level mine = set.remit_line ? kInfo : kDebug;
    if ((rule < 0 && !set.remit_line) || !shown(set, mine)) return;
    o = message(who, mine);
  }
  if (st.child) o << "child " << int(st.child);
  if (end.signaled) o << " was killed by " << remap::signal_name(end.value, name);
  else o << (st.child ? " exited with " : "fork failed: ") << int(end.value);
  o << "; received";
  if (!st.received) o << " no signal";
  for (int sig = 1; sig <= remap::kLastSig; sig++)
    if (st.received & remap::bit(sig)) o << ' ' << remap::signal_name(sig, name);
  if (int stop = st.stop_sig) {
    long ms = long(stop_ms(st));
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
  remap::Error err = remap::parse_case(set.explain, &end, &received, set.first_stop);
  if (err) {
    say_bad(*set.who, "case", "--explain", set.explain, err);
    return 2;
  }
  int rule = remap::match(set.rules, end, received, true, (received & set.stops) != 0);
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

// The end of the run, decided and said: the status follows from the
// settings, what was recorded and how the child ended; it writes the -v
// line and the report; the caller exits or dies by the verdict.
inline Verdict conclude(const Settings &set, const Story &st, remap::Ending end, bool pid1,
                        ReportFile report) {
  int rule = remap::match(set.rules, end, st.received, st.child > 0, st.stop_sig != 0);
  int status = rule >= 0 ? set.rules.rule[rule].result : end.status();
  bool reraise = rule < 0 && end.signaled && set.who->reraise && !pid1;
  if (set.verbosity >= kInfo) exit_line(set, st, end, rule, status, reraise);
  if (report.fd >= 0) write_report(set, report, st, end, rule, status);
  return {status, reraise ? int(end.value) : 0};
}
