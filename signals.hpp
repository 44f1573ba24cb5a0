// signals.hpp: signal numbers, names and sets, as the target and the kernel see them.
#pragma once
#include <signal.h>
#include <stdint.h>

namespace remap {

// Signal numbers are the target's own, from its <signal.h>: MIPS, for one,
// numbers USR1 16 and CHLD 18 where x86 and arm say 10 and 17, and has 127
// signals where the others have 64.  Real-time names follow glibc (RTMIN =
// 34, RTMAX = its SIGRTMAX), which is what bash, procps and every glibc
// program call them; musl's own SIGRTMIN (35) would surprise users who send
// `kill -s RTMIN+3` from a glibc shell.
constexpr int kMaxSig = _NSIG - 1;
// The kernel's last signal: kMaxSig, but on MIPS, whose _NSIG (128) is a
// signal too (it has no name, and no place in the rules).
constexpr int kLastSig = _NSIG == 128 ? 128 : kMaxSig;
constexpr int kRtMin = 34;
constexpr int kRtMax = kMaxSig;

// A set of signals, bit sig-1 each, laid out as the kernel's sigset_t so
// that it goes to the raw system calls as it is.  Where the target has 64
// signals that is one uint64_t (two little-endian words on 32-bit targets);
// MIPS needs 128 bits, kept as the kernel keeps them, in N words of
// unsigned long, with the operators remit uses on a uint64_t.  Built from
// an integer, bit n-1 of it is signal n (n <= 64).
template <int N> struct SigWords {
  static constexpr int kBits = 8 * sizeof(unsigned long);
  unsigned long w[N];

  constexpr SigWords(uint64_t low = 0) : w() {
    for (int i = 0; i < N && i * kBits < 64; i++) w[i] = (unsigned long)(low >> (i * kBits));
  }
  static constexpr SigWords one(int sig) {
    SigWords s;
    unsigned n = unsigned(sig - 1);
    if (n < unsigned(N * kBits)) s.w[n / kBits] = 1UL << (n % kBits);
    return s;
  }
  constexpr SigWords &operator|=(SigWords o) {
    for (int i = 0; i < N; i++) w[i] |= o.w[i];
    return *this;
  }
  constexpr SigWords &operator&=(SigWords o) {
    for (int i = 0; i < N; i++) w[i] &= o.w[i];
    return *this;
  }
  constexpr SigWords operator~() const {
    SigWords r;
    for (int i = 0; i < N; i++) r.w[i] = ~w[i];
    return r;
  }
  constexpr bool operator!() const {
    for (int i = 0; i < N; i++)
      if (w[i]) return false;
    return true;
  }
  constexpr explicit operator bool() const { return !!*this; }
  friend constexpr SigWords operator|(SigWords a, SigWords b) { return a |= b; }
  friend constexpr SigWords operator&(SigWords a, SigWords b) { return a &= b; }
  friend constexpr bool operator==(SigWords a, SigWords b) {
    for (int i = 0; i < N; i++)
      if (a.w[i] != b.w[i]) return false;
    return true;
  }
  friend constexpr bool operator!=(SigWords a, SigWords b) { return !(a == b); }
};

#if _NSIG > 65
using SigSet = SigWords<(kMaxSig + 8 * sizeof(long) - 1) / (8 * sizeof(long))>;
constexpr SigSet bit(int sig) { return SigSet::one(sig); }
#else
static_assert(sizeof(long) == 8 || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "a 32-bit big-endian kernel keeps the high word first: use SigWords<2>");
using SigSet = uint64_t;
constexpr SigSet bit(int sig) { return SigSet(1) << (sig - 1); }
#endif

// The target's signal names, {name, SIGxxx}.  A number's first name is the
// one remit prints, so aliases come last; the names a target lacks (STKFLT
// on MIPS, EMT elsewhere) come just before them.  messages.hpp's
// describe_signal() keeps glibc's words for them in this order.
struct SigName { char name[7]; uint8_t sig; };
inline constexpr SigName kSigNames[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},     {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
#ifdef SIGSTKFLT
    {"STKFLT", SIGSTKFLT},
#endif
#ifdef SIGEMT
    {"EMT", SIGEMT},
#endif
    {"IOT", SIGIOT},       {"CLD", SIGCHLD},    {"POLL", SIGPOLL}};

// The index in kSigNames of the signal's name, or -1 if it has none.
inline int name_index(int sig) {
  for (const SigName &n : kSigNames)
    if (n.sig == sig) return int(&n - kSigNames);
  return -1;
}

inline char upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 32) : c; }

// Case-insensitive comparison of [s, s+n) with the NUL-terminated word.
inline bool same_word(const char *s, int n, const char *word) {
  int i = 0;
  for (; i < n && word[i]; i++)
    if (upper(s[i]) != word[i]) return false;
  return i == n && !word[i];
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads decimal digits at [*p, end) into *out, refusing values above max.
// Leaves *p after the digits.  False if there were none or it overflowed.
inline bool take_uint(const char **p, const char *end, uint32_t max,
                      uint32_t *out) {
  const char *s = *p;
  uint64_t v = 0;
  if (s == end || !is_digit(*s)) return false;
  for (; s != end && is_digit(*s); s++) {
    v = v * 10 + uint32_t(*s - '0');
    if (v > max) return false;
  }
  *p = s;
  *out = uint32_t(v);
  return true;
}

// The whole of [s, end) as a number 0..max, or false.
inline bool whole_uint(const char *s, const char *end, uint32_t max,
                       uint32_t *out) {
  return take_uint(&s, end, max, out) && s == end;
}

// A signal name (TERM, SIGTERM, sigterm, RTMIN+3, RTMAX-1, IOT) to its
// number, or 0 when it names no signal.  Numbers are not names.
inline int signal_by_name(const char *s, const char *end) {
  if (end - s > 3 && same_word(s, 3, "SIG")) s += 3;
  int n = int(end - s);
  for (const SigName &name : kSigNames)
    if (same_word(s, n, name.name)) return name.sig;
  if (n < 5) return 0;
  bool min = same_word(s, 5, "RTMIN"), max = same_word(s, 5, "RTMAX");
  if (!min && !max) return 0;
  if (n == 5) return min ? kRtMin : kRtMax;
  char sign = s[5];
  uint32_t off;
  if (sign != (min ? '+' : '-') || !whole_uint(s + 6, end, kMaxSig, &off))
    return 0;
  int sig = min ? kRtMin + int(off) : kRtMax - int(off);
  return sig >= kRtMin && sig <= kRtMax ? sig : 0;
}

// A signal by name or number (1..kMaxSig), or 0.
inline int signal_by_spec(const char *s, const char *end) {
  uint32_t n;
  if (whole_uint(s, end, kMaxSig, &n)) return int(n);
  return signal_by_name(s, end);
}

// Writes the signal's name without SIG ("TERM", "RTMIN+3", or the number
// for 32 and 33, which glibc keeps for itself) into buf, NUL-terminated; returns buf.  buf: 12 bytes.
inline char *signal_name(int sig, char buf[12]) {
  // Real-time signals as bash names them: RTMIN+n up to half-way, then
  // RTMAX-n (RTMIN+15 and RTMAX-14 with 64 signals, RTMIN+46 and RTMAX-46
  // on MIPS).
  constexpr int kRtMid = kRtMin + (kRtMax - kRtMin) / 2;
  const char *base = nullptr;
  int off = -1, i = name_index(sig);
  if (i >= 0) base = kSigNames[i].name;
  else if (sig >= kRtMin && sig <= kRtMid) base = "RTMIN", off = sig - kRtMin;
  else if (sig > kRtMid && sig <= kRtMax) base = "RTMAX", off = kRtMax - sig;
  char *o = buf;
  if (base)
    while (*base) *o++ = *base++;
  if (off > 0) *o++ = sig <= kRtMid ? '+' : '-';
  if (!base || off > 0) {
    int v = base ? off : sig;  // up to 128, MIPS's last signal, which has no name
    if (v >= 100) *o++ = char('0' + v / 100);
    if (v >= 10) *o++ = char('0' + v / 10 % 10);
    *o++ = char('0' + v % 10);
  }
  *o = 0;
  return buf;
}

}  // namespace remap
