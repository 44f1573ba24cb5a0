// report.hpp: --report FILE, the exit report.  The rules tell the
// orchestrator what it needs to hear (nats-server's 1 after a TERM is a 0);
// the report keeps what really happened, for the operator: one JSON line,
// written once when the program has ended.  Kubernetes shows the content of
// /dev/termination-log (4096 bytes at most) as the container's termination
// message, so the line never exceeds that, and stays valid JSON and UTF-8
// whatever bytes argv holds.
#pragma once
#include <fcntl.h>

#include "settings.hpp"

// What happened while the program ran, recorded by init.cpp as it happens.
struct Story {
  uint8_t sigs[16];        // signals remit received, in order of arrival
  uint8_t nsigs = 0;
  uint16_t dropped = 0;    // those that did not fit in sigs
  uint8_t stop_sig = 0;    // the first stop signal (TERM, INT, QUIT)
  bool grace_kill = false; // the grace period ran out: SIGKILL sent
  int exec_errno = 0;      // the program could not be started
  int64_t stop_at = 0;     // when stop_sig came (monotonic ms)
  uint32_t stop_wall_s = 0;   // the same, wall clock: s since the epoch
  uint16_t stop_wall_ms = 0;  // and ms
  int64_t end_at = 0;      // when the program's end was seen (monotonic ms)
};

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
  // The raw call: musl's open(3) adds 200 bytes of fallbacks.
  int fd = int(syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644));
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

// "2026-11-25T06:05:13.123Z" from seconds since the epoch and ms, the
// digits filled in from the right.  Every fourth year is a leap year:
// true from 1901 to 2099, and smaller than the general rule.
[[gnu::noinline]] inline void when(uint32_t secs, int ms) {
  static const uint8_t kMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = int(secs / 86400), t = int(secs % 86400) * 1000 + ms, year = 1970, month = 0;
  for (int len; days >= (len = 365 + (year % 4 == 0)); year++) days -= len;
  for (int len; days >= (len = kMonth[month] + (month == 1 && year % 4 == 0)); month++) days -= len;
  int v[] = {t % 1000, t / 1000 % 60, t / 60000 % 60, t / 3600000, days + 1, month + 1, year};
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
                                           pid_t pid, remap::Ending end, int rule, int status) {
  using namespace json;
  char space[kSize];
  buf = space;
  char **argv = set.child_argv;
  str("{\"program\":", argv[0], n + 1024);
  num(",\"pid\":", pid);
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
