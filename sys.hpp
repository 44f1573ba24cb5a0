// sys.hpp: the kernel calls remit makes raw, each for a reason libc cannot meet.
#pragma once
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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
inline void set_action(int sig, void (*handler)(int), KAction *old = nullptr) {
  KAction act{};
  act.handler = handler;
  syscall(SYS_rt_sigaction, sig, &act, old, sizeof(remap::SigSet));
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
