// fuzz/remit_fuzz.cpp: libFuzzer target for remit as a whole, argv to exit status.
//
//   make fuzz                        # this for FUZZ_SECONDS, then remap_fuzz
//   fuzz/remit_fuzz CRASHFILE        # replay one input: says which promise broke
//   FUZZ_REPORT_DIR=D fuzz/remit_fuzz FILE...   # also keep each report as D/N.json
//   FUZZ_SHOW=1 fuzz/remit_fuzz FILE # and print what remit wrote
//   FUZZ_SKIP=dropped,rule-text fuzz/remit_fuzz  # not those checks (dropped,
//           rule-text, c1, date): a known defect would stop every run at once
//
// Each input is one run of remit, simulated in this process: no signal is
// sent and no child started.  argv and the environment, under one of the
// names remit answers to, go through read_settings(); then the run's facts
// (how the program ended, the signals remit received and who sent them,
// the grace kill, a failed exec) go through remit's own signal and ending
// code, which writes the -v lines, the peer's narration and the exit
// report to descriptors this fuzzer reads back.  Beyond "no ASan/UBSan
// finding", it checks what remit promises: the report is one line of
// valid JSON in UTF-8, at most 4096 bytes, telling the truth (how the
// program ended, the signals in order, how many did not fit, the exit
// status); the exit status is what a plain reading of the parsed rules
// gives; and every message is a prefixed line with no control byte.
//
// The input (short inputs read as zeros past their end):
//   byte 0   the name: bits 0-2 pick remit, tini, tini-static, docker-init,
//            dumb-init, catatonit, podman-init or init (remit's own under
//            another name); bit 3 puts it in /sbin/; bits 4-6, L: the last
//            L signal records come with the program's end (after its
//            SIGCHLD, before remit decides), each signal once, raised for
//            real and taken by remit's own wait (standard signals only)
//   byte 1   what happened: 0x01 remit is PID 1; 0x02 the program died by a
//            signal (else it exited); 0x04 the grace period ran out (if a
//            stop signal armed it); 0x08 the exec failed; 0x10 the terminal
//            hand-off happened (dumb-init's session: the kernel's HUP and
//            CONT follow); 0x20 the --stop-delay hold ran out; 0x40 the
//            fork failed (errno in byte 3; 0x08 then means nothing); 0x80 the
//            report goes to a FIFO of 4096 bytes that already holds bytes
//            6-7 % 4097 of them (a line fits whole or not at all)
//   byte 2   the exit code, or the signal: 1 + byte % 64
//   byte 3   the exec's or fork's errno when it failed (0: ENOENT, EAGAIN)
//   byte 4   N, the number of signal records after the header
//   byte 5   E, how many of the strings at the end are environment entries
//   6-7      ms from the first stop signal to the end (little-endian)
//   8-15     the wall clock at that stop, seconds since the epoch (LE), taken
//            modulo the kernel's last second + 1 (KTIME_MAX, in 2262)
//   then N records of two bytes: the signal (1 + byte % 64), and how it
//            came: bit 0 raised by remit itself (a write's SIGPIPE, SIGXFSZ),
//            bits 1-7 r, sent r+1 times (r < 120) or 2^(r-104) times (the
//            run stops at 65,600 signals: past what a 16-bit count holds).
//            SIGCHLD: that many orphans ended (bit 0: killed, else exited)
//   then the strings, cut at each NUL (none if nothing is left): argv[1..]
//            first, then the E environment entries.  An entry whose first
//            byte is below 0x20 sets kVars[byte % 21] to the rest; any
//            other is NAME=VALUE as it is.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

// remit's own code: the settings, the Supervisor's decisions, the signal
// source, the lines it says and the end.  The fuzzer stands in for
// init.cpp's shell: it sends no signal and starts no child, and the events
// are the input's.
#include "report.hpp"
#include "signal_source.hpp"
#include "voice.hpp"

using remap::SigSet;
using remap::bit;

extern "C" void __sanitizer_set_report_fd(void *fd);

namespace {

int g_err = 2;  // the fuzzer's own stderr, kept while remit's fds are captured
pid_t g_pid = 4242;  // what remit's getpid() says

void fail(const char *what, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dprintf(g_err, "invariant failed: %s: ", what);
  vdprintf(g_err, fmt, ap);
  dprintf(g_err, "\n");
  va_end(ap);
  abort();
}
#define CHECK(cond, ...) \
  do {                   \
    if (!(cond)) fail(#cond, __VA_ARGS__); \
  } while (0)

// A check named in FUZZ_SKIP is not made.
bool skipped(const char *check) {
  static const char *skip = getenv("FUZZ_SKIP");
  if (!skip) return false;
  size_t n = strlen(check);
  for (const char *p = skip; (p = strstr(p, check)); p += n)
    if ((p == skip || p[-1] == ',') && (p[n] == ',' || !p[n])) return true;
  return false;
}

std::string visible(const std::string &s, size_t max = 600) {
  std::string o;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') o += char(c);
    else {
      char b[5];
      snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    }
  }
  return s.size() > max ? o + "..." : o;
}

// ------------------------------------------------------------------ JSON

// A strict RFC 8259 reader: one value, nothing around it but whitespace,
// strings in valid UTF-8 (no overlong form, no surrogate, nothing past
// U+10FFFF, escaped surrogates only in pairs), no raw control character.
// It keeps the top-level object's members for the checks.
struct Json {
  enum Kind { kNull, kBool, kNum, kStr, kArr, kObj };
  struct Value {
    Kind kind = kNull;
    std::string text;            // kStr: decoded; kNum: as written
    std::vector<Value> items;    // kArr; kObj: the members' values
    std::vector<std::string> keys;  // kObj: the members' names
    const Value *get(const std::string &key) const {
      for (size_t i = 0; i < keys.size(); i++)
        if (keys[i] == key) return &items[i];
      return nullptr;
    }
  };
  const char *p, *end;
  const char *error = nullptr;

  bool bad(const char *why) {
    if (!error) error = why;
    return false;
  }
  void ws() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  }
  bool lit(const char *w) {
    size_t n = strlen(w);
    if (size_t(end - p) < n || memcmp(p, w, n)) return bad("bad literal");
    p += n;
    return true;
  }
  static void put_utf8(std::string &o, uint32_t cp) {
    if (cp < 0x80) o += char(cp);
    else if (cp < 0x800) o += char(0xc0 | cp >> 6), o += char(0x80 | (cp & 63));
    else if (cp < 0x10000)
      o += char(0xe0 | cp >> 12), o += char(0x80 | (cp >> 6 & 63)), o += char(0x80 | (cp & 63));
    else
      o += char(0xf0 | cp >> 18), o += char(0x80 | (cp >> 12 & 63)), o += char(0x80 | (cp >> 6 & 63)),
          o += char(0x80 | (cp & 63));
  }
  bool hex4(uint32_t *v) {
    if (end - p < 4) return bad("short \\u escape");
    *v = 0;
    for (int i = 0; i < 4; i++) {
      char c = *p++;
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return bad("bad hex digit in \\u escape");
      *v = *v << 4 | uint32_t(d);
    }
    return true;
  }
  bool string(std::string &o) {
    if (p == end || *p != '"') return bad("expected a string");
    p++;
    for (;;) {
      if (p == end) return bad("unterminated string");
      unsigned char c = (unsigned char)*p;
      if (c == '"') return p++, true;
      if (c < 0x20) return bad("raw control character in a string");
      if (c == '\\') {
        if (++p == end) return bad("unterminated escape");
        char e = *p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
          o += "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
          continue;
        }
        if (e != 'u') return bad("bad escape");
        uint32_t cp;
        if (!hex4(&cp)) return false;
        if (cp >= 0xdc00 && cp <= 0xdfff) return bad("lone low surrogate escape");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          uint32_t lo;
          if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return bad("lone high surrogate escape");
          p += 2;
          if (!hex4(&lo)) return false;
          if (lo < 0xdc00 || lo > 0xdfff) return bad("high surrogate without its low half");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        put_utf8(o, cp);
        continue;
      }
      if (c < 0x80) {
        o += char(c), p++;
        continue;
      }
      int len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      if (!len || end - p < len) return bad("invalid UTF-8 lead byte");
      uint32_t cp = c & (0x7f >> len);
      for (int k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80) return bad("invalid UTF-8 continuation");
        cp = cp << 6 | (p[k] & 0x3f);
      }
      static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kMin[len]) return bad("overlong UTF-8");
      if (cp >= 0xd800 && cp <= 0xdfff) return bad("UTF-8 surrogate");
      if (cp > 0x10ffff) return bad("UTF-8 past U+10FFFF");
      o.append(p, size_t(len));
      p += len;
    }
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool number(std::string &o) {
    const char *s = p;
    if (p < end && *p == '-') p++;
    if (p == end || !digit(*p)) return bad("bad number");
    if (*p == '0') p++;
    else while (p < end && digit(*p)) p++;
    if (p < end && *p == '.') {
      p++;
      if (p == end || !digit(*p)) return bad("bad fraction");
      while (p < end && digit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      p++;
      if (p < end && (*p == '+' || *p == '-')) p++;
      if (p == end || !digit(*p)) return bad("bad exponent");
      while (p < end && digit(*p)) p++;
    }
    o.assign(s, p);
    return true;
  }
  bool value(Value &v, int depth) {
    if (depth > 32) return bad("nested too deep");
    ws();
    if (p == end) return bad("expected a value");
    switch (*p) {
      case 'n': v.kind = kNull; return lit("null");
      case 't': v.kind = kBool, v.text = "true"; return lit("true");
      case 'f': v.kind = kBool, v.text = "false"; return lit("false");
      case '"': v.kind = kStr; return string(v.text);
      case '[':
      case '{': {
        // A list of values, or of "key": value members.
        bool obj = *p == '{';
        char close = obj ? '}' : ']';
        v.kind = obj ? kObj : kArr, p++, ws();
        if (p < end && *p == close) return p++, true;
        for (;;) {
          if (obj) {
            ws();
            v.keys.emplace_back();
            if (!string(v.keys.back())) return false;
            for (size_t i = 0; i + 1 < v.keys.size(); i++)
              if (v.keys[i] == v.keys.back()) return bad("duplicate key");
            ws();
            if (p == end || *p != ':') return bad("expected ':'");
            p++;
          }
          v.items.emplace_back();
          if (!value(v.items.back(), depth + 1)) return false;
          ws();
          if (p < end && *p == ',') { p++; continue; }
          if (p < end && *p == close) return p++, true;
          return bad(obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
      }
      default:
        v.kind = kNum;
        return number(v.text);
    }
  }
  // The whole text as one value; error says why not.
  bool parse(const std::string &text, Value &v) {
    p = text.data(), end = p + text.size();
    if (!value(v, 0)) return false;
    ws();
    return p == end || bad("text after the value");
  }
};

// ------------------------------------------------------------- the input

const char *const kArgv0s[] = {"remit", "tini", "tini-static", "docker-init",
                              "dumb-init", "catatonit", "podman-init", "init"};
const char *const kVars[] = {"REMIT_MAP", "REMIT_REWRITE", "REMIT_GRACE", "REMIT_STOP_DELAY",
                             "REMIT_GROUP", "REMIT_SUBREAPER", "REMIT_WAIT_ALL", "REMIT_VERBOSE",
                             "REMIT_REPORT", "TINI_SUBREAPER", "TINI_KILL_PROCESS_GROUP",
                             "TINI_VERBOSITY", "DUMB_INIT_DEBUG", "DUMB_INIT_SETSID",
                             "POSIXLY_CORRECT", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                             "REMIT_STOP_SIGNALS", "REMIT_REPORT_MAX", "REMIT_SIGNAL_ALL"};
constexpr int kNVars = sizeof kVars / sizeof *kVars;
constexpr uint32_t kMaxEvents = 65600;
constexpr uint64_t kLastSecond = 9223372036;  // CLOCK_REALTIME goes no further

enum : uint8_t {
  kPid1 = 1, kSignaled = 2, kGraceRanOut = 4, kExecFailed = 8, kHandoff = 16, kDelayRanOut = 32, kForkFailed = 64,
  kReportFifo = 128
};

struct Event {
  int sig;
  bool self;
  uint32_t count;
};

struct Input {
  std::string argv0;
  uint8_t flags = 0, value = 0, err = 0, late = 0;
  uint32_t stop_ms = 0;
  int64_t stop_wall = 0;
  std::vector<Event> events;
  std::vector<std::string> args, env;

  Input(const uint8_t *d, size_t n) {
    size_t at = 0;
    auto byte = [&] { return at < n ? d[at++] : uint8_t(0); };
    uint8_t name = byte();
    argv0 = std::string(name & 8 ? "/sbin/" : "") + kArgv0s[name & 7];
    late = (name >> 4) & 7;
    flags = byte(), value = byte(), err = byte();
    int nsig = byte(), nenv = byte();
    stop_ms = byte(), stop_ms |= uint32_t(byte()) << 8;
    uint64_t wall = 0;
    for (int i = 0; i < 8; i++) wall |= uint64_t(byte()) << (8 * i);
    stop_wall = int64_t(wall % (kLastSecond + 1));
    uint32_t total = 0;
    for (int i = 0; i < nsig; i++) {
      int sig = 1 + byte() % 64;
      uint8_t how = byte();
      uint32_t r = how >> 1, count = r < 120 ? r + 1 : 1u << (r - 104);
      if (count > kMaxEvents - total) count = kMaxEvents - total;
      total += count;
      if (count) events.push_back({sig, (how & 1) != 0, count});
    }
    if (late > events.size()) late = uint8_t(events.size());
    std::vector<std::string> pieces;
    for (size_t i = at; i < n;) {
      size_t j = i;
      while (j < n && d[j]) j++;
      pieces.emplace_back(reinterpret_cast<const char *>(d + i), j - i);
      if (j == n) break;
      i = j + 1;
      if (i == n) pieces.emplace_back();  // a trailing NUL: an empty last string
    }
    size_t e = size_t(nenv) < pieces.size() ? size_t(nenv) : pieces.size();
    args.assign(pieces.begin(), pieces.end() - long(e));
    for (size_t i = pieces.size() - e; i < pieces.size(); i++) {
      const std::string &p = pieces[i];
      if (!p.empty() && (unsigned char)p[0] < 0x20) env.push_back(std::string(kVars[p[0] % kNVars]) + "=" + p.substr(1));
      else env.push_back(p.find('=') == std::string::npos ? p + "=" : p);
    }
  }
};

// --------------------------------------------------------- what is true

// A string as the report must show it: each byte that does not begin a
// valid UTF-8 sequence is U+FFFD, the rest as it is.
std::string as_utf8(const std::string &s) {
  std::string o;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = (unsigned char)s[i];
    int len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    bool ok = len && i + size_t(len) <= s.size();
    uint32_t cp = len > 1 ? c & (0x7f >> len) : c;
    for (int k = 1; ok && k < len; k++) {
      ok = (s[i + k] & 0xc0) == 0x80;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (!ok) {
      o += "\xef\xbf\xbd", i++;
      continue;
    }
    o.append(s, i, size_t(len));
    i += size_t(len);
  }
  return o;
}

// The report may cut a string ("…" at the end), never change it.
bool shows(const std::string &got, const std::string &raw) {
  std::string want = as_utf8(raw);
  if (got == want) return true;
  static const std::string kCut = "\xe2\x80\xa6";
  if (got.size() < kCut.size() || got.compare(got.size() - kCut.size(), kCut.size(), kCut)) return false;
  return want.compare(0, got.size() - kCut.size(), got, 0, got.size() - kCut.size()) == 0;
}

std::string sig_name(int sig) {
  char b[12];
  return remap::signal_name(sig, b);
}

// The rules read plainly: the first whose status and condition hold.
// Without a child (the fork failed), tini's -e codes, its child's exit
// codes, do not apply.
// `stopped`: one of the signals received is a stop signal.
int first_rule(const remap::Rules &rules, remap::Ending end, const std::vector<int> &received, bool child = true,
               bool stopped = false) {
  int status = end.signaled ? 128 + end.value : end.value;
  for (int i = 0; i < rules.count; i++) {
    const remap::Rule &r = rules.rule[i];
    bool st;
    if (r.match == remap::Rule::kCodeSet) st = child && status < 256 && (rules.codes[status / 64] >> (status % 64) & 1);
    else if (r.match == remap::Rule::kSignal) st = end.signaled && end.value == r.lo;
    else st = status >= r.lo && status <= r.hi;
    bool got = false;
    for (int s : received) got |= s == r.cond_sig;
    bool cond = r.cond == remap::Rule::kAlways || (r.cond == remap::Rule::kNone && received.empty()) ||
                (r.cond == remap::Rule::kAny && !received.empty()) || (r.cond == remap::Rule::kGot && got) ||
                (r.cond == remap::Rule::kStop && stopped);
    if (st && cond) return i;
  }
  return -1;
}

// A rule as -vv names it: as written, or tini's -e codes as "-e 1-3,7".
std::string rule_text(const remap::Rules &rules, int i) {
  const remap::Rule &r = rules.rule[i];
  if (r.match != remap::Rule::kCodeSet) return std::string(r.text, r.text_len);
  std::string o = "-e ";
  for (int c = 0; c < 256; c++) {
    if (!(rules.codes[c / 64] >> (c % 64) & 1)) continue;
    int last = c;
    while (last < 255 && (rules.codes[(last + 1) / 64] >> ((last + 1) % 64) & 1)) last++;
    if (o.size() > 3) o += ',';
    o += std::to_string(c);
    if (last > c) o += "-" + std::to_string(last);
    c = last;
  }
  return o;
}

// ---------------------------------------------------- captured output

// A memfd standing in for a descriptor of remit's: emptied before a run,
// read back after.
struct Capture {
  int fd;
  explicit Capture(const char *name) : fd(memfd_create(name, MFD_CLOEXEC)) {}
  void clear() {
    if (ftruncate(fd, 0)) {}
    lseek(fd, 0, SEEK_SET);
  }
  std::string read_all() const {
    std::string s;
    char buf[8192];
    ssize_t r;
    for (off_t off = 0; (r = pread(fd, buf, sizeof buf, off)) > 0; off += r) s.append(buf, size_t(r));
    return s;
  }
};

// What messages may contain: no control byte but the newline, no DEL, no
// C1 control in UTF-8 (a terminal takes U+009B as CSI).
void check_text(const std::string &out, const char *what) {
  for (size_t i = 0; i < out.size(); i++) {
    unsigned char c = (unsigned char)out[i];
    CHECK((c >= 0x20 || c == '\n') && c != 0x7f, "%s: control byte 0x%02x at %zu: %s", what, c, i, visible(out).c_str());
    CHECK(skipped("c1") || !(c == 0xc2 && i + 1 < out.size() && (unsigned char)out[i + 1] >= 0x80 && (unsigned char)out[i + 1] <= 0x9f),
          "%s: C1 control at %zu: %s", what, i, visible(out).c_str());
  }
}

// Every line begins with the personality's prefix (for some level): user
// text cannot start a line of its own.  Returns the lines without it.
std::vector<std::string> check_lines(const std::string &out, const Personality &who, const char *what) {
  std::string prefixes[4];
  for (int l = 0; l < 4; l++) {
    Out o(-1);
    expand(o, who, who.prefix, Level(l));
    prefixes[l].assign(o.buf, size_t(o.n));
  }
  std::vector<std::string> lines;
  for (size_t at = 0; at < out.size();) {
    size_t nl = out.find('\n', at);
    CHECK(nl != std::string::npos, "%s: a message without its newline: %s", what, visible(out.substr(at)).c_str());
    std::string line = out.substr(at, nl - at);
    size_t cut = std::string::npos;
    for (auto &p : prefixes)
      if (line.compare(0, p.size(), p) == 0) cut = p.size();
    CHECK(cut != std::string::npos, "%s: a line without the prefix: %s", what, visible(line).c_str());
    lines.push_back(line.substr(cut));
    at = nl + 1;
  }
  return lines;
}

Capture *g_out, *g_errcap, *g_report;
int g_report_fd = -1;  // where this run's report goes: g_report's fd, or a FIFO's

// A FIFO with `fill` of its 4096 bytes taken, for the report: remit must
// write its line whole or not at all.  Returns the end to read from.
int open_fifo(int fill) {
  int ends[2];
  CHECK(pipe2(ends, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2");
  CHECK(fcntl(ends[1], F_SETPIPE_SZ, 4096) == 4096, "F_SETPIPE_SZ");
  std::string taken(size_t(fill), 'x');
  CHECK(write(ends[1], taken.data(), taken.size()) == fill, "filling the FIFO");
  g_report_fd = ends[1];
  return ends[0];
}

// What remit added to the FIFO, after the fill; both ends closed.
std::string drain_fifo(int from, int fill) {
  std::string s;
  char buf[8192];
  for (ssize_t r; (r = read(from, buf, sizeof buf)) > 0;) s.append(buf, size_t(r));
  close(from), close(g_report_fd);
  CHECK(s.size() >= size_t(fill) && s.find_first_not_of('x') >= size_t(fill), "the FIFO lost what it held");
  return s.substr(size_t(fill));
}
std::string g_report_dir;
unsigned g_reports;

}  // namespace

namespace {

// ------------------------------------------------------- the simulation

constexpr pid_t kChild = 0x40000123;  // no such process: past any pid_max

constexpr int64_t kStopAt = 1000000;  // the monotonic clock at the first stop

// Signals that can come with the end: the standard ones a process can
// block, but SIGCHLD (an orphan's end: reaped, not received).  Under tini's
// names the fault signals are not waited for (they kill remit instead).
constexpr SigSet kLateSignals = 0x7fffffffULL & ~(bit(SIGKILL) | bit(SIGSTOP) | bit(SIGCHLD));
bool raised_late(const Personality &who, int sig) {
  return (kLateSignals & bit(sig)) && !(who.faults_kill && (kFaults & bit(sig)));
}

// sig, pending at this thread as if sent by another process, or by remit
// itself (a write's SIGPIPE): a process may give any sender to its own.
void raise_as(int sig, bool by_remit) {
  siginfo_t si{};
  si.si_signo = sig;
  si.si_code = by_remit ? SI_USER : SI_QUEUE;
  si.si_pid = by_remit ? g_pid : 7;
  CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, &si) == 0, "rt_tgsigqueueinfo(%d)", sig);
}

struct Outcome {
  int status;         // the exit status, or 128 + the signal remit dies by
  bool reraise = false;
  Story story{};
  remap::Ending end{};
  bool concluded = false;  // false: remit was killed before the program ended
};

// What the Supervisor promises of each answer, beyond what the report
// shows: the fuzzer's own reading of --stop-delay and --grace.
struct Model {
  int stops = 0;           // stop signals it was given while the child ran, passed on or held
  int first = 0;           // the first of them
  bool released = false;   // the hold's deadline came
  bool grace = false;      // a stop went on (not dropped) since the last SIGKILL
};

// What init.cpp's Run does for what the Supervisor asked, but for the
// system calls, with the checks.
void perform(Recorded &sup, const Actions &a, Model &m) {
  const Settings &set = sup.set;
  if (a.handoff) narrate(set, &Narration::handoff, a.handoff);
  for (const Pass &p : a.pass) {
    if (!p.sig) continue;
    CHECK(p.where != 0 && (p.where != -1 || sup.pid1), "signal %d sent to %d", p.to, int(p.where));
    CHECK(p.send == (p.to != 0), "signal %d as %d: send %d", p.sig, p.to, p.send);
    say_rewrite(set, p);
    say_sent(set, p);
  }
  if (a.stop_self) narrate(set, &Narration::suspending);
  if (a.kill) {
    CHECK(set.grace_ms && m.grace, "SIGKILL with no grace period running");
    m.grace = false;
    say_grace_over(set);
  }
}

// The Supervisor's answer to a signal sent while the child runs, checked
// against --stop-delay: the first stop is held, a second releases both.
void signal_running(Recorded &sup, int sig, Model &m) {
  const Settings &set = sup.set;
  Phase was = sup.phase;
  Actions a = sup.signal(sig, SI_USER);
  bool stop = !a.handoff && is_stop(set, sig, SI_USER) && !(set.who->not_forwarded & bit(sig));
  if (stop && !m.stops++) m.first = sig;
  int passed = (a.pass[0].sig != 0) + (a.pass[1].sig != 0);
  if (stop && set.stop_delay_ms && !m.released) {
    if (m.stops == 1)
      CHECK(passed == 0 && a.arm_ms == set.stop_delay_ms && sup.phase == Phase::kHolding,
            "the first stop %d was not held for %u ms", sig, set.stop_delay_ms);
    else if (m.stops == 2)
      CHECK(passed == 2 && a.pass[0].sig == m.first && a.pass[1].sig == sig, "a second stop %d released %d signals",
            sig, passed);
  }
  for (const Pass &p : a.pass)
    if (p.sig && p.to && (set.stops & bit(p.sig)) && set.grace_ms && was != Phase::kDone) {
      CHECK(m.grace || a.arm_ms == set.grace_ms, "a stop went on and started no grace period");
      m.grace = true;
    }
  perform(sup, a, m);
}

// One run through remit's code, as init.cpp's main() would go, with the
// facts from the input in place of the kernel's and the clocks'.
Outcome simulate(const Settings &set, const Input &in) {
  const Personality &who = *set.who;
  Recorded sup{{set}};
  sup.pid1 = g_pid == 1;
  sup.started(kChild);
  Model m;
  if (in.flags & (kExecFailed | kForkFailed)) {
    // start() after a failed fork or exec: no child, or one that is gone.
    bool fork = in.flags & kForkFailed;
    int e = in.err ? in.err : fork ? EAGAIN : ENOENT;
    char buf[24];
    say_spawn(who, kFatal, fork ? who.fork_failed : who.exec_failed, set.child_argv[0], describe_error(e, buf), 0);
    sup.not_started(!fork, e);
    if (!fork) {
      narrate(set, &Narration::received, SIGCHLD);
      say_reaped(set, true, true, kChild, sup.wstatus);
    }
  } else {
    if (set.new_session && (in.flags & kHandoff)) {
      narrate(set, &Narration::detached);
      sup.hup_to_come = sup.cont_to_come = true;
    }
    if (who.spawned && shown(set, kInfo)) say_spawn(who, kInfo, who.spawned, set.child_argv[0], nullptr, kChild);
    pid_t orphan = kChild;
    for (size_t i = 0; i + in.late < in.events.size(); i++)
      for (uint32_t k = 0, n = in.events[i].count; k < n; k++) {
        const Event &ev = in.events[i];
        // tini's fault signals are not waited for: at their default, they
        // kill remit as a wrapper, and the kernel keeps them from PID 1.
        if (who.faults_kill && (kFaults & remap::bit(ev.sig))) {
          if (g_pid == 1) continue;
          return {128 + ev.sig, true, sup.story, {}, false};
        }
        // What the signal source drops: a signal remit raised at itself.
        if (ev.self && ev.sig != SIGHUP && ev.sig != SIGCONT && ev.sig != SIGCHLD) continue;
        // main()'s loop, one signal.
        narrate(set, &Narration::received, ev.sig);
        if (ev.sig == SIGCHLD) {
          // reap(): an orphan.
          int st = ev.self ? SIGKILL : int(k % 256) << 8;
          Actions a = sup.ended(++orphan, st);
          CHECK(!a.ended && !a.follow_stop && !sup.done(), "an orphan's end ended the run");
          say_reaped(set, true, false, orphan, st);
        } else {
          signal_running(sup, ev.sig, m);
        }
      }
    // The deadlines, as the input says they went: first the end of the
    // hold (which may start the grace period), then the grace period's.
    if ((in.flags & kDelayRanOut) && sup.phase == Phase::kHolding) {
      m.released = true;
      Actions a = sup.deadline();
      CHECK(a.pass[0].sig == m.first && !a.pass[1].sig, "the hold's end released %d, not %d", a.pass[0].sig, m.first);
      if (a.pass[0].to && set.grace_ms) {
        CHECK(m.grace || a.arm_ms == set.grace_ms, "the held stop went on and started no grace period");
        m.grace = true;
      }
      perform(sup, a, m);
    }
    CHECK(sup.phase != Phase::kGrace || m.grace, "a grace period with no stop passed on");
    if ((in.flags & kGraceRanOut) && sup.timed()) {
      Actions a = sup.deadline();
      CHECK(a.kill && sup.story.grace_kill, "the grace period ran out, and no SIGKILL");
      perform(sup, a, m);
    }
    // The program ends: SIGCHLD, and its status for reap().
    int sig = 1 + in.value % 64;
    int st = in.flags & kSignaled ? sig : in.value << 8;
    narrate(set, &Narration::received, SIGCHLD);
    Actions a = sup.ended(kChild, st);
    say_reaped(set, true, true, kChild, st);
    CHECK(a.ended && sup.done() && sup.wstatus == st, "remit did not reap its child");
  }
  // The signals that came with the end, pending at this thread (blocked)
  // for the real signal source to take as the kernel hands them out; then
  // the rest of wind_up(), as it goes.
  SigSet was;
  set_mask(SIG_BLOCK, &kLateSignals, &was);
  for (size_t i = in.events.size() - in.late; sup.story.child && !sup.story.exec_errno && i < in.events.size(); i++)
    if (raised_late(who, in.events[i].sig)) raise_as(in.events[i].sig, in.events[i].self);
  SignalSource source;
  source.fd = -1;  // no signalfd: one signal at a time, as without a spare descriptor
  source.self = g_pid;
  source.awaited = who.faults_kill ? ~kFaults : ~SigSet(0);
  for (int sig, n = 0; n < 4096 && (sig = source.next(kPending)) != 0; n++) {
    if (sig != SIGCHLD) narrate(set, &Narration::received, sig);
    Actions late = sup.signal(sig, source.code);
    CHECK(!late.pass[0].sig && !late.kill && !late.arm_ms, "signal %d after the end was passed on", sig);
    perform(sup, late, m);
  }
  if (who.term_at_exit && sup.story.child) {
    Pass p = sup.farewell();
    say_rewrite(set, p);
    say_sent(set, p);
  }
  SigSet left = 0;
  CHECK(syscall(SYS_rt_sigpending, &left, sizeof left) == 0 && !(left & kLateSignals), "remit left a signal pending");
  set_mask(SIG_SETMASK, &was, nullptr);
  if (sup.story.stop_sig) {
    sup.story.stop_at = kStopAt;
    sup.story.end_at = kStopAt + in.stop_ms;
    sup.story.stop_wall_s = in.stop_wall;
    sup.story.stop_wall_ms = uint16_t(in.stop_ms % 1000);
  }
  // finish(), but for die_by(): the fuzzer does not die.
  remap::Ending end = WIFSIGNALED(sup.wstatus) ? remap::Ending{true, uint8_t(WTERMSIG(sup.wstatus))}
                                               : remap::Ending{false, uint8_t(WEXITSTATUS(sup.wstatus))};
  Verdict v = conclude(set, sup.story, end, g_pid == 1, ReportFile{g_report_fd, false});
  return {v.die_by ? 128 + v.die_by : v.status, v.die_by != 0, sup.story, end, true};
}

// ---------------------------------------------------------- the checks

// Whether `got` names the moment secs.ms, as libc's gmtime_r reads it:
// YYYY-MM-DDTHH:MM:SS.mmmZ, the year with as many digits as it needs (and
// a '+' before five or more, as ISO 8601's expanded form has it).
bool names_moment(const std::string &got, int64_t secs, int ms) {
  time_t t = time_t(secs);
  struct tm tm;
  if (!gmtime_r(&t, &tm)) return true;  // past libc's years: any valid string
  char rest[40];
  snprintf(rest, sizeof rest, "-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
           tm.tm_sec, ms);
  size_t at = got[0] == '+' ? 1 : 0, dash = got.find('-', at);
  if (dash == std::string::npos || dash == at || dash - at > 18 || got.substr(dash) != rest) return false;
  long long year = 0;
  for (size_t i = at; i < dash; i++) {
    if (got[i] < '0' || got[i] > '9') return false;
    year = year * 10 + (got[i] - '0');
  }
  return year == (long long)tm.tm_year + 1900;
}

void check_report(const std::string &raw, const Settings &set, const Input &in, remap::Ending end, bool forked,
                  bool started, const std::vector<int> &received, int want_rule, int want_status) {
  CHECK(!raw.empty(), "no report written");
  CHECK(raw.size() <= set.report_max, "report of %zu bytes, past %u: %s", raw.size(), unsigned(set.report_max),
        visible(raw.substr(raw.size() - 200)).c_str());
  CHECK(raw.back() == '\n' && raw.find('\n') == raw.size() - 1, "report not one line: %s", visible(raw).c_str());
  Json json;
  Json::Value r;
  CHECK(json.parse(raw.substr(0, raw.size() - 1), r), "report is not JSON (%s at %zu): %s", json.error,
        size_t(json.p - raw.data()), visible(raw).c_str());
  CHECK(r.kind == Json::kObj, "report is not an object");
  auto num = [&](const char *key) -> long {
    const Json::Value *v = r.get(key);
    CHECK(v && v->kind == Json::kNum, "report has no number %s: %s", key, visible(raw).c_str());
    return strtol(v->text.c_str(), nullptr, 10);
  };
  auto str = [&](const char *key) -> std::string {
    const Json::Value *v = r.get(key);
    CHECK(v && v->kind == Json::kStr, "report has no string %s: %s", key, visible(raw).c_str());
    return v->text;
  };
  CHECK(shows(str("program"), set.child_argv[0]), "program %s for %s", visible(str("program")).c_str(),
        visible(set.child_argv[0]).c_str());
  if (forked) CHECK(num("pid") == kChild, "pid %ld", num("pid"));
  else CHECK(!r.get("pid"), "a pid, where the fork failed");
  const char *ended = !started ? "not started" : end.signaled ? "killed" : "exited";
  CHECK(str("ended") == ended, "ended '%s', not '%s'", str("ended").c_str(), ended);
  if (end.signaled) {
    CHECK(str("signal") == sig_name(end.value), "signal %s, not %s", str("signal").c_str(), sig_name(end.value).c_str());
    CHECK(!r.get("code"), "a code beside the signal");
  } else {
    CHECK(num("code") == end.value, "code %ld, not %d", num("code"), end.value);
    CHECK(!r.get("signal"), "a signal beside the code");
  }
  const Json::Value *sigs = r.get("signals");
  CHECK(sigs && sigs->kind == Json::kArr, "no signals list");
  size_t listed = sigs->items.size();
  CHECK(listed <= received.size(), "%zu signals listed, %zu received", listed, received.size());
  for (size_t i = 0; i < listed; i++)
    CHECK(sigs->items[i].kind == Json::kStr && sigs->items[i].text == sig_name(received[i]),
          "signal %zu is %s, not %s", i, visible(sigs->items[i].text).c_str(), sig_name(received[i]).c_str());
  long dropped = r.get("signals_dropped") ? num("signals_dropped") : 0;
  CHECK(skipped("dropped") || size_t(dropped) + listed == received.size(), "%zu listed + %ld dropped, but %zu received", listed, dropped,
        received.size());
  int stop = 0;
  for (int sig : received)
    if (!stop && (set.stops & remap::bit(sig))) stop = sig;
  if (stop) {
    CHECK(str("stop_signal") == sig_name(stop), "stop_signal %s, not %s", str("stop_signal").c_str(),
          sig_name(stop).c_str());
    CHECK(num("stop_ms") == long(in.stop_ms), "stop_ms %ld, not %u", num("stop_ms"), in.stop_ms);
    CHECK(skipped("date") || names_moment(str("stop_signal_at"), in.stop_wall, int(in.stop_ms % 1000)),
          "stop_signal_at %s for %lld s + %u ms", visible(str("stop_signal_at")).c_str(), (long long)in.stop_wall,
          in.stop_ms % 1000);
  } else {
    CHECK(!r.get("stop_signal") && !r.get("stop_signal_at") && !r.get("stop_ms"), "a stop without a stop signal");
  }
  const Json::Value *grace = r.get("grace_kill");
  CHECK(grace && grace->kind == Json::kBool, "no grace_kill");
  CHECK(grace->text == "false" || (in.flags & kGraceRanOut), "a grace kill that did not happen");
  CHECK(num("exit_status") == want_status, "exit_status %ld, the rules give %d", num("exit_status"), want_status);
  const Json::Value *rule = r.get("rule");
  CHECK(rule, "no rule member");
  if (want_rule < 0) {
    CHECK(rule->kind == Json::kNull, "a rule, where none applies");
  } else {
    CHECK(rule->kind == Json::kObj, "no rule, where rule %d applies", want_rule + 1);
    const Json::Value *pos = rule->get("position"), *text = rule->get("text");
    CHECK(pos && pos->text == std::to_string(want_rule + 1), "rule position %s, not %d",
          pos ? pos->text.c_str() : "none", want_rule + 1);
    std::string want = rule_text(set.rules, want_rule);
    CHECK(text && text->kind == Json::kStr && (skipped("rule-text") || shows(text->text, want)), "rule text '%s', -vv says '%s'",
          text ? visible(text->text).c_str() : "none", visible(want).c_str());
  }
  const Json::Value *args = r.get("args");
  CHECK(args && args->kind == Json::kArr, "no args list");
  int nargs = 0;
  while (set.child_argv[nargs + 1]) nargs++;
  CHECK(args->items.size() <= size_t(nargs), "%zu args for %d", args->items.size(), nargs);
  for (size_t i = 0; i < args->items.size(); i++)
    CHECK(args->items[i].kind == Json::kStr && shows(args->items[i].text, set.child_argv[i + 1]),
          "arg %zu '%s' is not '%s'", i, visible(args->items[i].text).c_str(), visible(set.child_argv[i + 1]).c_str());
}

void keep_report(const std::string &raw) {
  if (g_report_dir.empty()) return;
  std::string path = g_report_dir + "/" + std::to_string(g_reports++) + ".json";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0, "cannot write %s", path.c_str());
  CHECK(write(fd, raw.data(), raw.size()) == ssize_t(raw.size()), "short write to %s", path.c_str());
  close(fd);
}

// The -v line in remit's words ("child PID ..." or, without a child, "fork
// failed: STATUS ...") ends with the status the rules give.
void check_v_line(const std::vector<std::string> &lines, const Outcome &o, remap::Ending end) {
  std::string head = "child " + std::to_string(kChild) + " ", no_fork = "fork failed: ";
  std::string tail = o.reraise ? "; dying by " + sig_name(end.value) + " too" : "; exit " + std::to_string(o.status);
  // dumb-init says a failed exec as "PROGRAM: ERROR", and the program may
  // be named "child N ...": that line is not the -v line.
  char buf[24];
  std::string failed = o.story.exec_errno ? std::string(": ") + describe_error(o.story.exec_errno, buf) : "";
  auto ends_with = [](const std::string &line, const std::string &end) {
    return line.size() >= end.size() && line.compare(line.size() - end.size(), end.size(), end) == 0;
  };
  for (const std::string &line : lines) {
    bool v_line = line.compare(0, head.size(), head) == 0 ||
                  (line.compare(0, no_fork.size(), no_fork) == 0 && Json::digit(line[no_fork.size()]));
    if (v_line && (failed.empty() || !ends_with(line, failed)))
      CHECK(ends_with(line, tail), "-v line '%s' does not end with '%s'", visible(line).c_str(), tail.c_str());
  }
}

void run_one(const Input &in) {
  std::vector<std::string> args = in.args, env = in.env;
  std::vector<char *> argv, envp;
  argv.push_back(const_cast<char *>(in.argv0.c_str()));
  for (std::string &a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  for (std::string &e : env) envp.push_back(&e[0]);
  envp.push_back(nullptr);

  g_pid = in.flags & kPid1 ? 1 : 4242;
  g_out->clear(), g_errcap->clear(), g_report->clear();
  g_report_fd = g_report->fd;
  int fill = in.stop_ms % 4097, fifo = in.flags & kReportFifo ? open_fifo(fill) : -1;
  int saved_out = dup(1), saved_err = dup(2);
  dup2(g_out->fd, 1), dup2(g_errcap->fd, 2);
  char **saved_env = environ;
  environ = envp.data();

  Settings set;
  int status = read_settings(&set, int(argv.size() - 1), argv.data());
  bool ran = status < 0 && !set.explain && !set.pause;
  Outcome o{status};
  if (status < 0 && set.explain) o.status = explain(set);
  if (ran) o = simulate(set, in);

  environ = saved_env;
  dup2(saved_out, 1), dup2(saved_err, 2);
  close(saved_out), close(saved_err);

  std::string out = g_out->read_all(), err = g_errcap->read_all();
  std::string raw = fifo >= 0 ? drain_fifo(fifo, fill) : g_report->read_all();
  static bool show = getenv("FUZZ_SHOW");
  if (show)
    dprintf(g_err, "--- status %d\n--- stdout\n%s--- stderr\n%s--- report\n%s", o.status, out.c_str(), err.c_str(),
            raw.c_str());
  check_text(out, "stdout");
  check_text(err, "stderr");
  if (status >= 0) {
    CHECK(status <= 2, "read_settings gave %d", status);
    return;
  }
  if (set.explain) {
    CHECK(o.status == 0 || o.status == 2, "--explain gave %d", o.status);
    if (o.status) return;
    CHECK(out.find('\n') == out.size() - 1, "--explain said more than a line: %s", visible(out).c_str());
    // The status it gives is what the rules give that case.
    remap::Ending end{};
    remap::SigSet got = 0;
    CHECK(!remap::parse_case(set.explain, &end, &got, set.first_stop), "--explain took a case it cannot parse");
    std::vector<int> received;
    for (int sig = 1; sig <= remap::kMaxSig; sig++)
      if (got & remap::bit(sig)) received.push_back(sig);
    int rule = first_rule(set.rules, end, received, true, (got & set.stops) != 0);
    std::string want = std::string(set.explain) + " -> " +
                       std::to_string(rule >= 0 ? set.rules.rule[rule].result : end.status()) + " (";
    CHECK(out.compare(0, want.size(), want) == 0, "--explain says %s, the rules give %s", visible(out).c_str(),
          visible(want).c_str());
    return;
  }
  if (!ran) return;
  std::vector<std::string> lines = check_lines(out, *set.who, "stdout"), more = check_lines(err, *set.who, "stderr");
  lines.insert(lines.end(), more.begin(), more.end());

  // The truth, from the input alone: the signals remit heard, in order,
  // or the fault signal that killed it first (tini's, as a wrapper).
  const Personality &who = *set.who;
  bool forked = !(in.flags & kForkFailed), started = forked && !(in.flags & kExecFailed);
  std::vector<int> received;
  int killed_by = 0;
  bool hup = set.new_session && (in.flags & kHandoff), cont = hup;
  for (size_t i = 0; i + in.late < in.events.size(); i++)
    for (uint32_t k = 0, n = in.events[i].count; started && !killed_by && k < n; k++) {
      const Event &ev = in.events[i];
      if (who.faults_kill && (kFaults & remap::bit(ev.sig))) {
        if (!(in.flags & kPid1)) killed_by = ev.sig;
        continue;
      }
      if ((ev.self && ev.sig != SIGHUP && ev.sig != SIGCONT) || ev.sig == SIGCHLD) continue;
      bool *handoff = ev.sig == SIGHUP ? &hup : ev.sig == SIGCONT ? &cont : nullptr;
      if (handoff && *handoff) {
        *handoff = false;
        continue;
      }
      received.push_back(ev.sig);
    }
  // Those with the end, each once, as the kernel hands them out: the
  // synchronous ones (a fault's, which it would deliver first) lowest
  // first, then the rest lowest first.
  if (started && !killed_by && in.late) {
    // A standard signal pending already is not queued again: the first
    // sender is the one remit sees.  A stop signal sent discards a pending
    // SIGCONT, and SIGCONT the stop signals (the kernel's prepare_signal).
    const SigSet stops = remap::bit(SIGTSTP) | remap::bit(SIGTTIN) | remap::bit(SIGTTOU);
    SigSet late = 0, first = 0;
    for (size_t i = in.events.size() - in.late; i < in.events.size(); i++) {
      const Event &ev = in.events[i];
      if (!raised_late(who, ev.sig)) continue;
      SigSet flushed = ev.sig == SIGCONT ? stops : (stops & remap::bit(ev.sig)) ? remap::bit(SIGCONT) : SigSet(0);
      late &= ~flushed;
      first &= ~flushed;
      if (first & remap::bit(ev.sig)) continue;
      first |= remap::bit(ev.sig);
      if (!(ev.self && ev.sig != SIGHUP && ev.sig != SIGCONT)) late |= remap::bit(ev.sig);
    }
    const SigSet sync = remap::bit(SIGSEGV) | remap::bit(SIGBUS) | remap::bit(SIGILL) | remap::bit(SIGTRAP) |
                        remap::bit(SIGFPE) | remap::bit(SIGSYS);
    for (int k = 0; k < 62; k++) {
      int sig = 1 + k % 31;
      if (!(late & remap::bit(sig)) || (k < 31) != ((sync & remap::bit(sig)) != 0)) continue;
      bool *handoff = sig == SIGHUP ? &hup : sig == SIGCONT ? &cont : nullptr;
      if (handoff && *handoff) *handoff = false;
      else received.push_back(sig);
    }
  }
  if (killed_by) {
    CHECK(!o.concluded && o.status == 128 + killed_by, "remit outlived a SIG%s it does not wait for",
          sig_name(killed_by).c_str());
    CHECK(raw.empty(), "a report from a remit that was killed");
    return;
  }
  int e = in.err ? in.err : forked ? ENOENT : EAGAIN;
  uint8_t not_run = !forked ? who.fork_status : e == ENOENT ? who.missing_status
                                            : e == EACCES ? who.denied_status : who.exec_status;
  remap::Ending want_end = !started ? remap::Ending{false, not_run}
                           : in.flags & kSignaled ? remap::Ending{true, uint8_t(1 + in.value % 64)}
                                                  : remap::Ending{false, in.value};
  CHECK(o.end.signaled == want_end.signaled && o.end.value == want_end.value, "ended %d/%d, not %d/%d",
        o.end.signaled, o.end.value, want_end.signaled, want_end.value);
  bool stopped = false;
  for (int sig : received) stopped |= (set.stops & remap::bit(sig)) != 0;
  int rule = first_rule(set.rules, want_end, received, forked, stopped);
  int want = rule >= 0 ? set.rules.rule[rule].result : want_end.status();
  bool reraise = rule < 0 && want_end.signaled && who.reraise && !(in.flags & kPid1);
  CHECK(o.reraise == reraise, "remit %s by the signal", reraise ? "does not die" : "dies");
  CHECK(o.status == (reraise ? 128 + want_end.value : want), "exit status %d, the rules give %d", o.status, want);
  if (fifo >= 0 && raw.empty()) {
    // No room for the line: nothing of it, and a warning.
    CHECK(fill > 0, "no report in an empty FIFO");
    CHECK(set.verbosity < kWarn || err.find("cannot write the report file") != std::string::npos,
          "the report did not fit in the FIFO, and remit said nothing: %s", visible(err).c_str());
  } else {
    keep_report(raw);
    check_report(raw, set, in, want_end, forked, started, received, rule, want);
  }
  check_v_line(lines, o, want_end);
}

}  // namespace

namespace {
// The JSON reader on texts whose verdict is known: it must refuse what
// python3's json (or RFC 8259 and UTF-8) refuses, or its "valid" means little.
void check_json_reader() {
  static const struct { const char *text; bool valid; } kCases[] = {
      {"{\"a\":1,\"b\":[true,false,null,\"x\"],\"c\":{}}", true}, {"-0.5e+3", true},
      {"\"\\ud83d\\ude00\\u00e9\\n\"", true}, {"\"\xf0\x9f\x98\x80\"", true},
      {"{\"a\":1,}", false}, {"{\"a\":1}{}", false}, {"[1,2", false}, {"01", false}, {"1.", false},
      {"{\"a\":1,\"a\":2}", false}, {"\"\x01\"", false}, {"\"\\ud800\"", false},
      {"\"\\udc00\\ud800\"", false}, {"\"\xc0\xaf\"", false}, {"\"\xed\xa0\x80\"", false},
      {"\"\xf4\x90\x80\x80\"", false}, {"\"\xe2\x82\"", false}, {"\"\\x41\"", false},
      {"tru", false}, {"nulll", false}, {"{a:1}", false}, {"\"abc", false}, {"", false}};
  for (const auto &c : kCases) {
    Json json;
    Json::Value v;
    CHECK(json.parse(c.text, v) == c.valid, "the JSON reader %s '%s'", c.valid ? "refuses" : "takes",
          visible(c.text).c_str());
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  check_json_reader();
  // The fuzzer's own messages, and the sanitizers', go to a copy of
  // stderr: fds 1 and 2 are remit's, captured for each run.
  g_err = dup(2);
  __sanitizer_set_report_fd(reinterpret_cast<void *>(intptr_t(g_err)));
  static Capture out("stdout"), err("stderr"), report("report");
  g_out = &out, g_errcap = &err, g_report = &report;
  if (const char *dir = getenv("FUZZ_REPORT_DIR")) g_report_dir = dir;
  // libFuzzer's own lines (the crash's file name) to the copy too.
  static std::vector<char *> args(*argv, *argv + *argc);
  static char close_fds[] = "-close_fd_mask=3";
  args.push_back(close_fds);
  args.push_back(nullptr);
  *argc = int(args.size() - 1), *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 64 * 1024) return -1;
  Input in(data, size);
  run_one(in);
  return 0;
}
