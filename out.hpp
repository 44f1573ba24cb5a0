// out.hpp: one line of output, built on the stack and written with a single
// write(2).  No stdio: it would triple the size of the binary, and a line
// written in one call cannot interleave with the child's output.
#pragma once
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct Out {
  int fd;
  int n = 0;
  char buf[1024];
  explicit Out(int fd_) : fd(fd_) {}

  // A text longer than the buffer (--help) goes out in several writes
  // rather than being cut short; a message line never gets that long.
  Out &put(const char *s, int len) {
    for (int i = 0; i < len; i++) {
      if (n == int(sizeof buf)) flush();
      buf[n++] = s[i];
    }
    return *this;
  }
  Out &operator<<(const char *s) {
    while (s && *s) {
      if (n == int(sizeof buf)) flush();
      buf[n++] = *s++;
    }
    return *this;
  }
  Out &operator<<(char c) { return put(&c, 1); }
  Out &operator<<(long v) {
    char tmp[24];
    int i = sizeof tmp;
    uint64_t u = v < 0 ? uint64_t(-(v + 1)) + 1 : uint64_t(v);
    do tmp[--i] = char('0' + u % 10); while (u /= 10);
    if (v < 0) tmp[--i] = '-';
    return put(tmp + i, int(sizeof tmp) - i);
  }
  Out &operator<<(int v) { return *this << long(v); }

  // Text from the user (a value, an argument) shown so that it can neither
  // break the one line nor drive the terminal: control characters as \xNN,
  // and at most 200 bytes of it.
  Out &quoted(const char *s, int len = -1) {
    for (int i = 0; s && (len < 0 ? s[i] != 0 : i < len); i++) {
      unsigned char c = (unsigned char)s[i];
      if (i == 200) return *this << "...";
      if (c >= 0x20 && c != 0x7f) {
        *this << char(c);
      } else {
        char hex[5] = {'\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15], 0};
        *this << hex;
      }
    }
    return *this;
  }

  // Writes what was built (and nothing if there is nothing), retrying a
  // short or interrupted write; output is best effort, never fatal.
  void flush() {
    for (int off = 0; off < n;) {
      ssize_t w = write(fd, buf + off, size_t(n - off));
      if (w < 0 && errno == EPIPE) {
        // The write raised SIGPIPE at remit itself.  Blocked, it would be
        // taken for one sent from outside: forwarded to the child, and
        // counted by @any rules.  Take it back.
        uint64_t pipe = uint64_t(1) << (SIGPIPE - 1);
        timespec now = {0, 0};
        syscall(SYS_rt_sigtimedwait, &pipe, nullptr, &now, sizeof pipe);
      }
      if (w <= 0) break;
      off += int(w);
    }
    n = 0;
  }
};
