// out.hpp: one line of output, built on the stack and written with a single
// write(2).  No stdio: it would triple the size of the binary, and a line
// written in one call cannot interleave with the child's output.
//
// remit never waits for its own output.  Its stdout and stderr are shared
// with the child, and are often a pipe to a log driver that can stall, or a
// terminal that can be stopped (^S): blocked there, remit would reap
// nothing, forward nothing and lose the child's status.  Nor may it set
// O_NONBLOCK on them: that flag belongs to the open file, so the child,
// which may rely on blocking writes, would get EAGAIN.  So send_line()
// writes without waiting, and a line that cannot go out at once is dropped.
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys.hpp"

// A descriptor remit opened for itself, moved above 2 if it took 0, 1 or 2
// (closed when remit started): there, remit's own lines meant for the
// closed stdout or stderr would go into it, and the child would get it as
// its stdin, stdout or stderr.  Close-on-exec, as opened.
inline int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int high = fd_control(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return high;
}

// For fd 1 and 2, when they are a pipe, FIFO or terminal: a twin, a second
// open file of the same pipe or terminal (through /proc/self/fd), made
// non-blocking and close-on-exec, so the child never sees it.  -1: none.
inline int g_twin[3] = {-1, -1, -1};

// Called once at start, before anything is written.  Only a descriptor that
// cannot seek gets a twin (a pipe, FIFO, terminal; a socket cannot be
// opened so): a regular file's twin would have an offset of its own and
// write over the child's output, and a file never makes a write wait
// anyway.  Without /proc, or without permission to open the pipe again (a
// FIFO made by another user), send_line() falls back.
inline void open_twins() {
  for (int fd = 1; fd <= 2; fd++) {
    if (lseek(fd, 0, SEEK_CUR) >= 0 || errno != ESPIPE) continue;
    char path[] = "/proc/self/fd/0";
    path[14] = char('0' + fd);
    // O_NOCTTY: as a session leader with no terminal (PID 1), opening one
    // would make it remit's controlling terminal.
    g_twin[fd] = above_stdio(openat(AT_FDCWD, path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  }
}

// The one way remit writes: these n bytes to fd, at once or not at all,
// never waiting and never raising a signal that remit would then take for
// one sent to it.  Returns whether all of it was written.
//   - fd 1 or 2 with a twin: written to the twin, which cannot block.
//   - a socket: send() with MSG_DONTWAIT and MSG_NOSIGNAL.
//   - anything else: pwritev2(RWF_NOWAIT), which pipes take since Linux
//     6.x; where it fails (an older kernel, a terminal, a file system
//     without it), poll() with no timeout, then write().  A regular file is
//     always ready; a pipe could be filled by the child between the two
//     calls (a small window, only without a twin on an older kernel).
// Writing to a pipe with no reader raises SIGPIPE, writing past
// RLIMIT_FSIZE raises SIGXFSZ: remit drops the signals it raised itself
// when it takes them (init.cpp, next_signal).
inline bool send_line(int fd, const char *buf, int n) {
  bool twin = (fd == 1 || fd == 2) && g_twin[fd] >= 0;
  if (twin) fd = g_twin[fd];
  for (int off = 0; off < n;) {
    char *p = const_cast<char *>(buf) + off;
    size_t len = size_t(n - off);
    ssize_t w = twin ? write(fd, p, len) : send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) {
      iovec v = {p, len};
      w = write_nowait(fd, &v);
      if (w < 0) {
        pollfd ready = {fd, POLLOUT, 0};
        if (poll(&ready, 1, 0) == 1) {
          w = write(fd, p, len);
        } else {
          errno = EAGAIN;  // full: the reason to tell, not pwritev2's
          return false;
        }
      }
    }
    if (w <= 0) return false;
    off += int(w);
  }
  return true;
}

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
    // unsigned long, not uint64_t: 64-bit division on a 32-bit target
    // would bring libgcc's __udivdi3 along (2 KB on mipsel).
    unsigned long u = v < 0 ? (unsigned long)(-(v + 1)) + 1 : (unsigned long)v;
    do tmp[--i] = char('0' + u % 10); while (u /= 10);
    if (v < 0) tmp[--i] = '-';
    return put(tmp + i, int(sizeof tmp) - i);
  }
  Out &operator<<(int v) { return *this << long(v); }

  // Text from the user (a value, an argument) shown so that it can neither
  // break the one line nor drive the terminal: control characters as \xNN,
  // C1 ones in UTF-8 too (a terminal may take U+009B as CSI), and at most
  // 200 bytes of it.
  Out &quoted(const char *s, int len = -1) {
    bool c1 = false;  // this byte ends a C1 control (0xc2, then 0x80..0x9f)
    for (int i = 0; s && (len < 0 ? s[i] != 0 : i < len); i++) {
      unsigned char c = (unsigned char)s[i];
      if (i == 200) return *this << "...";
      // s[i + 1] is there to read: within len, or the terminating NUL.
      bool lead = c == 0xc2 && (len < 0 || i + 1 < len) && (unsigned char)(s[i + 1] + 0x80) < 0x20;
      if (c >= 0x20 && c != 0x7f && !lead && !c1) {
        *this << char(c);
      } else {
        char hex[5] = {'\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15], 0};
        *this << hex;
      }
      c1 = lead;
    }
    return *this;
  }

  // Writes what was built (and nothing if there is nothing).  Output is
  // best effort, never fatal: what cannot be written at once is dropped.
  void flush() {
    send_line(fd, buf, n);
    n = 0;
  }
};
