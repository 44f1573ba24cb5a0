// sys.hpp: the kernel calls remit makes raw, each for a reason libc cannot meet.
#pragma once
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "signals.hpp"

// Masks, dispositions and waits take the kernel's signal set (SigSet is laid
// out as it: 8 bytes, 16 on MIPS).  libc's sigset_t calls refuse or hide
// signals 32-34 (musl keeps them), and remit must handle every signal there is.
inline int set_mask(int how, const remap::SigSet *set, remap::SigSet *old) {
  return int(syscall(SYS_rt_sigprocmask, how, set, old, sizeof(remap::SigSet)));
}

// The kernel's struct sigaction, no flags.  MIPS puts the flags first;
// elsewhere a restorer field may follow them (not on riscv64, where the
// zero restorer is read as part of the zero mask).
#ifdef __mips__
struct KAction { unsigned int flags; void (*handler)(int); remap::SigSet mask; };
#else
struct KAction { void (*handler)(int); unsigned long flags, restorer; remap::SigSet mask; };
#endif
inline int set_action(int sig, void (*handler)(int), KAction *old = nullptr) {
  KAction act{};
  act.handler = handler;
  return int(syscall(SYS_rt_sigaction, sig, &act, old, sizeof(remap::SigSet)));
}

// rt_sigtimedwait with the kernel's original timespec, two longs: on 32-bit
// targets musl's timespec goes with the *_time64 calls, which Debian 12's
// qemu-user does not know.  remit only asks for what is already pending.
struct OldTimespec { long tv_sec, tv_nsec; };
constexpr OldTimespec kNoWait = {0, 0};  // only what is already pending

inline long wait_signal(const remap::SigSet *set, siginfo_t *info, const OldTimespec *timeout) {
  return syscall(SYS_rt_sigtimedwait, set, info, timeout, sizeof(remap::SigSet));
}

// A signalfd for every signal, 32-34 included, with the kernel's mask.
inline int open_signalfd(const remap::SigSet *set) {
  return int(syscall(SYS_signalfd4, -1, set, sizeof(remap::SigSet), O_CLOEXEC));
}

// fcntl(2), raw: remit asks only for F_DUPFD_CLOEXEC and F_GETFD, which
// every kernel it runs on has; musl's wrapper brings fallbacks for older
// ones and F_GETOWN's structure (400 bytes).
inline int fd_control(int fd, int cmd, long arg = 0) { return int(syscall(SYS_fcntl, fd, cmd, arg)); }

// A limit set to zero, for the calling process, raw: musl's prlimit()
// converts RLIM_INFINITY for 32-bit ABIs (300 bytes on MIPS), and zero
// needs no converting.  The kernel's rlimit64: two u64 on every target.
inline int zero_limit(int resource) {
  static const uint64_t zero[2] = {0, 0};
  return int(syscall(SYS_prlimit64, 0, resource, zero, nullptr));
}

// The clock, raw: musl's looks for the vDSO first and on 32-bit targets
// converts from time64 (1 KB on mips64el, 1.5 KB on mipsel), for a clock
// remit reads a few times a stop.  On 32-bit targets time64 where the
// kernel has it (Linux 5.1), else the old call (Debian 12's qemu-user),
// whose seconds last until 2038.
#ifdef SYS_clock_gettime32
constexpr long kClockGettime32 = SYS_clock_gettime32;  // musl's name for it
#elif __SIZEOF_LONG__ == 4
constexpr long kClockGettime32 = SYS_clock_gettime;    // glibc's
#endif
inline void read_clock(clockid_t clock, timespec *t) {
#if __SIZEOF_LONG__ == 8
  syscall(SYS_clock_gettime, clock, t);
#else
  struct { int64_t sec, nsec; } t64;
  OldTimespec old = {0, 0};
  if (syscall(SYS_clock_gettime64, clock, &t64) == 0) {
    t->tv_sec = time_t(t64.sec);
    t->tv_nsec = long(t64.nsec);
  } else {
    syscall(kClockGettime32, clock, &old);
    t->tv_sec = old.tv_sec;
    t->tv_nsec = old.tv_nsec;
  }
#endif
}

// The monotonic clock in ms: the loop's deadlines and the stop's duration.
inline int64_t now_ms() {
  timespec t;
  read_clock(CLOCK_MONOTONIC, &t);
  return int64_t(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

// Terminal ioctls: musl's ioctl() converts time64 structures on 32-bit
// targets (1.2 KB on mipsel, more than the 48 KiB bound leaves there), and
// the four requests remit makes (TIOC[GS]PGRP, TIOCNOTTY, TIOCSCTTY) carry none.
inline long term_ioctl(int fd, unsigned long request, void *arg = nullptr) {
  return syscall(SYS_ioctl, fd, request, arg);
}

// pwritev2(RWF_NOWAIT): a write that fails rather than waits; musl 1.2.3
// has no wrapper for it.  Offset -1: the file's own.
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif
inline ssize_t write_nowait(int fd, const iovec *v) {
  return syscall(SYS_pwritev2, fd, v, 1, -1L, -1L, RWF_NOWAIT);
}

// statx(2), raw: its structure is the same on every target, where musl's
// stat family converts the kernel's per-target ones (700 bytes; musl 1.2.3
// has no statx wrapper).  Only the fields remit reads are named.
struct FileId {
  uint32_t mask, blksize;
  uint64_t attributes;
  uint32_t nlink, uid, gid;
  uint16_t mode, spare;
  uint64_t ino;
  uint8_t more[96];  // size ... rdev: not read
  uint32_t dev_major, dev_minor;
  uint8_t rest[112];
};
static_assert(sizeof(FileId) == 256, "struct statx is 256 bytes");
inline int file_id(int dir, const char *path, int flags, FileId *id) {
  return int(syscall(SYS_statx, dir, path, flags, 0x101u, id));  // STATX_TYPE | STATX_INO
}
inline bool same_file(const FileId &a, const FileId &b) {
  return a.ino == b.ino && a.dev_major == b.dev_major && a.dev_minor == b.dev_minor;
}
