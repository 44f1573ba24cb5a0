// messages.hpp: the words remit says things with: prefixes, glibc's texts for errors and signals.
#pragma once
#include <string.h>
#include <unistd.h>

#include "out.hpp"
#include "personality.hpp"

inline const char *g_argv0 = "remit";  // for %A and %B

// Appends `text` to o, expanding %N (name), %A (argv[0]), %B (its
// basename), %P (pid) and %L (the level's name).
inline Out &expand(Out &o, const Personality &who, const char *text,
                   Level level = kFatal, const char *arg1 = "",
                   const char *arg2 = "") {
  for (const char *p = text; *p; p++) {
    if (*p != '%' || !p[1]) { o << *p; continue; }
    switch (*++p) {
      case 'N': o << who.name; break;
      case 'A': o << g_argv0; break;
      case 'B': {
        const char *b = g_argv0;
        for (const char *q = g_argv0; *q; q++)
          if (*q == '/') b = q + 1;
        o << b;
        break;
      }
      case 'P': o << int(getpid()); break;
      case 'L': o << who.level_names[level]; break;
      case '1': o.quoted(arg1); break;
      case '2': o.quoted(arg2); break;
      default: o << '%' << *p;
    }
  }
  return o;
}

// What glibc's strsignal(3) says of a signal, as tini prints it in "Main
// child exited with signal (with signal 'Terminated')".  buf: 24 bytes.
// The words are in remap::kSigNames' order, which follows the target's
// numbering.
inline const char *describe_signal(int sig, char *buf) {
  static const char kText[] =
      "Hangup\0Interrupt\0Quit\0Illegal instruction\0Trace/breakpoint trap\0"
      "Aborted\0Bus error\0Floating point exception\0Killed\0User defined signal 1\0"
      "Segmentation fault\0User defined signal 2\0Broken pipe\0Alarm clock\0"
      "Terminated\0Child exited\0Continued\0Stopped (signal)\0Stopped\0"
      "Stopped (tty input)\0Stopped (tty output)\0Urgent I/O condition\0"
      "CPU time limit exceeded\0File size limit exceeded\0Virtual timer expired\0"
      "Profiling timer expired\0Window changed\0I/O possible\0Power failure\0"
      "Bad system call\0"
#ifdef SIGSTKFLT
      "Stack fault\0"
#endif
#ifdef SIGEMT
      "EMT trap\0"
#endif
      ;
  if (sig < 1 || sig > remap::kMaxSig) return "Unknown signal";
  int i = remap::name_index(sig);
  if (i < 0) {  // glibc: real-time signals counted from its SIGRTMIN, 34
    Out o(-1);
    bool rt = sig >= remap::kRtMin;
    o << (rt ? "Real-time signal " : "Unknown signal ") << (rt ? sig - remap::kRtMin : sig) << '\0';
    return (const char *)memcpy(buf, o.buf, size_t(o.n));
  }
  const char *p = kText;
  while (i--) p += strlen(p) + 1;
  return p;
}

// What glibc's strerror(3) says of the errors remit can meet (exec, vfork,
// prctl, the terminal ioctls, the report file), as the peers print them.
// musl's words differ for some ("Not a tty", "Symbolic link loop") and its
// table is 2 KB; an error not listed is shown by number.  buf: 24 bytes.
inline const char *describe_error(int e, char *buf) {
  static const uint8_t kCodes[] = {EPERM,  ENOENT,  EIO,    E2BIG,  ENOEXEC, EBADF,
                                   EAGAIN, ENOMEM,  EACCES, EFAULT, ENOTDIR, EISDIR,
                                   EINVAL, ENFILE,  EMFILE, ENOTTY, ETXTBSY, ENAMETOOLONG,
                                   ELOOP,  ELIBBAD, ENOSYS, ENXIO,  EROFS,   ENOSPC,
                                   EFBIG,  EPIPE};
  static const char kText[] =
      "Operation not permitted\0No such file or directory\0Input/output error\0"
      "Argument list too long\0Exec format error\0Bad file descriptor\0"
      "Resource temporarily unavailable\0Cannot allocate memory\0Permission denied\0"
      "Bad address\0Not a directory\0Is a directory\0Invalid argument\0"
      "Too many open files in system\0Too many open files\0Inappropriate ioctl for device\0"
      "Text file busy\0File name too long\0Too many levels of symbolic links\0"
      "Accessing a corrupted shared library\0Function not implemented\0"
      "No such device or address\0Read-only file system\0No space left on device\0"
      "File too large\0Broken pipe";
  const char *p = kText;
  for (uint8_t c : kCodes) {
    if (c == e) return p;
    p += strlen(p) + 1;
  }
  Out o(-1);
  o << "error " << e << '\0';
  return (const char *)memcpy(buf, o.buf, size_t(o.n));
}

// A number as text, for %1 and %2.
struct Num {
  Out o{-1};
  explicit Num(long v) { o << v << '\0'; }
  const char *str() const { return o.buf; }
};

// A message line, prefixed as the personality prefixes it.  Add to it,
// then flush().  Warnings and errors go to stderr, the rest to info_fd.
inline Out message(const Personality &who, Level level) {
  Out o(level <= kWarn ? 2 : who.info_fd);
  expand(o, who, who.prefix, level);
  return o;
}

// "bad rule in REMIT_MAP: unknown signal 'TREM' in '1@TREM=0'"
inline void say_bad(const Personality &who, const char *kind, const char *from,
                    const char *value, const remap::Error &e) {
  Out o = message(who, kFatal);
  o << "bad " << kind << " in " << from << ": " << e.what;
  if (e.part) (o << " '").quoted(e.part, e.part_len) << '\'';
  o << " in '";  // the item, or the whole value when the item is empty
  (e.item_len ? o.quoted(e.item, e.item_len) : o.quoted(value)) << "'\n";
  o.flush();
}
