// settings.hpp: what remit is told to do, from argv and the environment.
//
// remit answers to several names.  Each name selects a personality: a table
// of options, a table of environment variables and a few conventions (exit
// codes, message style).  All of them fill the same Settings, so the loop in
// init.cpp never asks which personality it is running as.  The REMIT_*
// variables apply under every name.
#pragma once
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#include "out.hpp"
#include "remap.hpp"

#define REMIT_VERSION "0.1.0"

// What an option or a variable does.
enum Act : uint8_t {
  kMap,          // -m RULES: append exit-status rules
  kSuccess,      // -e CODE: CODE=0
  kRewrite,      // -r FROM:TO
  kGrace,        // -t DURATION
  kStopDelay,    // --stop-delay DURATION
  kGroup,        // -g: signal the child's process group
  kSubreaper,    // -s
  kWaitAll,      // --wait-all
  kVerbose,      // -v: one more level of messages
  kVerboseLevel, // REMIT_VERBOSE=LEVEL: LEVEL more, and remit's own line
  kVerbosity,    // TINI_VERBOSITY=N
  kWarnReap,     // tini -w: warn for every zombie reaped
  kPdeath,       // -p SIGNAL: signal to get when remit's parent dies
  kExplain,      // --explain STATUS[@SIG]
  kSingleChild,  // dumb-init -c: no new session, signal the child alone
  kSetsid,       // DUMB_INIT_SETSID=0|1
  kPause,        // catatonit -P: no child, wait for a signal
  kReport,       // --report FILE: the exit report (report.hpp)
  kHelp, kVersion, kLicense,
};

// Packed: the tables hold some forty entries, and padding would make each
// 24 bytes instead of 11.
struct __attribute__((packed)) Option {
  char short_name;        // 0: long only
  const char *long_name;  // nullptr: short only
  bool takes_value;
  Act act;
};

// How a variable's value is read.
enum EnvKind : uint8_t {
  kValue,       // passed to the action as it is
  kSetMeansOn,  // on when set at all, even empty (tini's convention)
  kFlag,        // 1/0, true/false, yes/no, on/off; empty counts as unset
  kOneOrZero,   // "1" on, "0" off, anything else ignored (dumb-init's strcmp)
};

struct EnvVar {
  const char *name;
  Act act;
  EnvKind kind;
};

// Levels of messages, tini's.  Fatal ones always show; the others when
// verbosity (default 1, one more for each -v) reaches their level.
enum Level : uint8_t { kFatal = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// dumb-init's -v lines, which people read and scripts match: one format
// for each moment it speaks of, shown at INFO (its -v).  %1 and %2 are
// numbers, or %2 an error's text.  A personality without them has none.
struct Narration {
  const char *debug_mode;      // DUMB_INIT_DEBUG=1
  const char *no_setsid;       // DUMB_INIT_SETSID=0
  const char *detached;        // TIOCNOTTY as session leader: HUP, CONT to come
  const char *not_leader;      // TIOCNOTTY, not session leader
  const char *detach_failed;   // %1 errno, %2 its text
  const char *attach_failed;   // by the child, TIOCSCTTY: %1 errno, %2 text
  const char *setsid_done;     // by the child
  const char *received;        // %1 signal, every one (SIGCHLD too)
  const char *handoff;         // %1 signal: the hand-off HUP or CONT, ignored
  const char *exited;          // %1 pid, %2 its exit code
  const char *killed;          // %1 pid, %2 the signal
  const char *translated;      // %1 signal, %2 what it is rewritten to
  const char *forwarded;       // %1 signal sent
  const char *dropped;         // %1 is 0: what -r S:0 leaves of S
  const char *suspending;      // TSTP/TTIN/TTOU: stopping itself
};

struct Personality {
  const char *name;            // how it names itself in messages
  const Option *options;       // ends with a zero entry
  const EnvVar *env;           // ends with a zero entry; REMIT_* come after
  const char *help;            // -h text, on help_fd
  const char *usage_hint;      // after an option error, on stderr
  const char *no_program;      // when there is nothing to run, on stderr,
                               // then usage_hint
  const char *bad_value;       // a bad option value (%1 option, %2 value);
                               // nullptr: remit's own "bad ..." line
  const char *version;         // --version text
  const char *exec_failed;     // after the prefix: %1 program, %2 reason
  const char *spawned;         // INFO: %1 program, %2 pid (nullptr: remit
                               // says nothing until the child ends: -v is one line)
  const char *ended[2];        // INFO: exited, killed (%1 status as a shell
                               // sees it, %2 strsignal's words for the signal);
                               // nullptr: remit's report of the rule applied
  uint8_t help_fd, version_fd;
  const char *prefix;          // message prefix: %L level, %P pid, %N name
                               // (texts may also use %A argv[0], %B its basename)
  const char *level_names[4];  // for %L, indexed by Level
  int info_fd;                 // where INFO and DEBUG go
  uint8_t usage_status;        // exit status for a bad option
  uint8_t missing_status;      // program not found
  uint8_t denied_status;       // program found but not executable
  uint8_t exec_status;         // exec failed for another reason
  bool permute;                // GNU getopt: options may follow the program
  bool reraise;                // outside PID 1, die by the child's signal
  bool new_session;            // the child gets its own session (dumb-init)
  bool own_group;              // without a session, a process group of its
                               // own (all but dumb-init, whose -c child stays
                               // in the init's group)
  bool stop_with_child;        // dumb-init: TSTP/TTIN/TTOU stop child, then init
  bool term_at_exit;           // dumb-init: TERM the child's session when it ends
  bool subreaper_always;       // catatonit: subreaper whenever not PID 1
  bool warn_no_reaping;        // tini's three-line warning outside PID 1
  bool short_only;             // tini: getopt(3), --version only alone
  remap::SigSet not_forwarded; // signals the init keeps to itself
  const char *option_prefix;   // before an option error: glibc's getopt
                               // says "%A: ", remit its usual "%N: "
  const Narration *narration;  // the peer's -v lines (nullptr: none)
};

// Everything the process needs to know, filled from argv and environment.
struct Settings {
  const Personality *who = nullptr;
  char **child_argv = nullptr;  // program and arguments, NULL-terminated
  remap::Rules rules;
  remap::Rewrite rewrite;
  uint32_t grace_ms = 0;        // 0: no grace timer
  uint32_t stop_delay_ms = 0;
  bool group = false, subreaper = false, wait_all = false;
  bool new_session = false, pause = false, warn_reap = false;
  int verbosity = 1;
  bool remit_line = false;      // REMIT_VERBOSE: remit's line, under any name
  int pdeath_signal = 0;
  const char *explain = nullptr;
  const char *report = nullptr;  // --report FILE
};

// ------------------------------------------------------------ the tables

// tini never forwards the fault signals, nor SIGTTIN/SIGTTOU (it ignores
// them so that handing the terminal to the child cannot stop it).
constexpr remap::SigSet kTiniKeeps =
    remap::bit(SIGILL) | remap::bit(SIGTRAP) | remap::bit(SIGABRT) | remap::bit(SIGBUS) |
    remap::bit(SIGFPE) | remap::bit(SIGSEGV) | remap::bit(SIGSYS) | remap::bit(SIGTTIN) |
    remap::bit(SIGTTOU);

inline const Option kRemitOptions[] = {
    {'m', "map", true, kMap},          {'e', nullptr, true, kSuccess},
    {'r', "rewrite", true, kRewrite},  {'t', "grace", true, kGrace},
    {0, "stop-delay", true, kStopDelay}, {'g', "group", false, kGroup},
    {'s', "subreaper", false, kSubreaper}, {0, "wait-all", false, kWaitAll},
    {'p', "pdeath-signal", true, kPdeath}, {'v', "verbose", false, kVerbose},
    {0, "explain", true, kExplain},    {0, "report", true, kReport},
    {'h', "help", false, kHelp},
    {'V', "version", false, kVersion}, {}};

// The REMIT_* variables, read under every name after the personality's own.
inline const EnvVar kRemitEnv[] = {
    {"REMIT_MAP", kMap, kValue},          {"REMIT_REWRITE", kRewrite, kValue},
    {"REMIT_GRACE", kGrace, kValue},      {"REMIT_STOP_DELAY", kStopDelay, kValue},
    {"REMIT_GROUP", kGroup, kFlag},       {"REMIT_SUBREAPER", kSubreaper, kFlag},
    {"REMIT_WAIT_ALL", kWaitAll, kFlag},  {"REMIT_VERBOSE", kVerboseLevel, kValue},
    {"REMIT_REPORT", kReport, kValue},    {}};

inline const EnvVar kNoEnv[] = {{}};

inline const char kRemitHelp[] =
    "Usage: remit [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM as the only child of a minimal init: reap zombies, forward\n"
    "signals, and exit with the child's status, rewritten by rules.\n"
    "\n"
    "  -m, --map RULES         rewrite the exit status: STATUS[@SIG]=RESULT,...\n"
    "                          e.g. '1@TERM=0' (repeatable; then REMIT_MAP)\n"
    "  -e CODE                 treat exit status CODE as success (CODE=0)\n"
    "  -r, --rewrite FROM:TO   forward signal FROM as TO; TO 0 drops it\n"
    "  -t, --grace DURATION    SIGKILL the child DURATION after a stop signal\n"
    "      --stop-delay DURATION  hold TERM/INT/QUIT for DURATION first\n"
    "  -g, --group             signal the child's whole process group\n"
    "  -s, --subreaper         reap orphans even when not PID 1\n"
    "      --wait-all          after the child ends, stop the other processes\n"
    "                          and wait for them (up to the grace period)\n"
    "  -p, --pdeath-signal SIG signal to receive when remit's parent dies\n"
    "  -v, --verbose           say how the child ended and which rule applied\n"
    "      --explain STATUS[@SIG]  show what the rules make of STATUS; run nothing\n"
    "      --report FILE       at the end, write what happened to FILE as JSON\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "STATUS is 0..255, A-B, *, or a signal name (death by it); @SIG is a signal\n"
    "remit received, @any or @none.  DURATION: 10, 1.5s, 500ms, 2m.\n"
    "Environment: REMIT_MAP, REMIT_REWRITE, REMIT_GRACE, REMIT_STOP_DELAY,\n"
    "REMIT_GROUP, REMIT_SUBREAPER, REMIT_WAIT_ALL, REMIT_VERBOSE (level, 0 off),\n"
    "REMIT_REPORT.\n";

inline const Personality kRemit = {
    "remit", kRemitOptions, kNoEnv, kRemitHelp, "",
    "remit: no program to run (see remit --help)\n", nullptr,
    "remit " REMIT_VERSION "\n", "cannot run '%1': %2\n",
    /*spawned*/ nullptr, {nullptr, nullptr}, /*help_fd*/ 1, /*version_fd*/ 1,
    "%N: ", {"", "", "", ""}, 2,
    /*usage*/ 2, /*missing*/ 127, /*denied*/ 126, /*exec*/ 126,
    /*permute*/ false, /*reraise*/ true,
    /*new_session*/ false, /*own_group*/ true, /*stop_with_child*/ false, /*term_at_exit*/ false,
    /*subreaper_always*/ false, /*warn_no_reaping*/ false, /*short_only*/ false, 0, "%N: ", nullptr};

// tini 0.19, also installed as docker-init (Docker's --init).
inline const Option kTiniOptions[] = {
    {'h', nullptr, false, kHelp},    {'s', nullptr, false, kSubreaper},
    {'p', nullptr, true, kPdeath},   {'v', nullptr, false, kVerbose},
    {'w', nullptr, false, kWarnReap}, {'g', nullptr, false, kGroup},
    {'e', nullptr, true, kSuccess},  {'l', nullptr, false, kLicense},
    {0, "version", false, kVersion}, {}};

inline const EnvVar kTiniEnv[] = {
    {"TINI_SUBREAPER", kSubreaper, kSetMeansOn},
    {"TINI_KILL_PROCESS_GROUP", kGroup, kSetMeansOn},
    {"TINI_VERBOSITY", kVerbosity, kValue},
    {}};

inline const char kTiniHelp[] =
    "%B (tini version 0.19.0 - remit " REMIT_VERSION ")\n"
    "Usage: %B [OPTIONS] PROGRAM -- [ARGS] | --version\n"
    "\n"
    "Execute a program under the supervision of a valid init process (%B)\n"
    "\n"
    "Command line options:\n"
    "\n"
    "  --version: Show version and exit.\n"
    "  -h: Show this help message and exit.\n"
    "  -s: Register as a process subreaper (requires Linux >= 3.4).\n"
    "  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".\n"
    "  -v: Generate more verbose output. Repeat up to 3 times.\n"
    "  -w: Print a warning when processes are getting reaped.\n"
    "  -g: Send signals to the child's process group.\n"
    "  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.\n"
    "  -l: Show license and exit.\n"
    "\n"
    "Environment variables:\n"
    "\n"
    "  TINI_SUBREAPER: Register as a process subreaper (requires Linux >= 3.4).\n"
    "  TINI_VERBOSITY: Set the verbosity level (default: 1).\n"
    "  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n"
    "\n";

inline const Personality kTini = {
    "tini", kTiniOptions, kTiniEnv, kTiniHelp, kTiniHelp, "",
    "[FATAL %N (%P)] Not a valid option for %1: %2\n",
    "tini version 0.19.0 - remit " REMIT_VERSION "\n", "exec %1 failed: %2\n",
    "Spawned child process '%1' with pid '%2'\n",
    {"Main child exited normally (with status '%1')\n",
     "Main child exited with signal (with signal '%2')\n"},
    /*help_fd*/ 1, /*version_fd*/ 1,
    "[%L %N (%P)] ", {"FATAL", "WARN ", "INFO ", "DEBUG"}, 1,
    /*usage*/ 1, /*missing*/ 127, /*denied*/ 126, /*exec*/ 1,
    /*permute*/ true, /*reraise*/ false,
    /*new_session*/ false, /*own_group*/ true, /*stop_with_child*/ false, /*term_at_exit*/ false,
    /*subreaper_always*/ false, /*warn_no_reaping*/ true, /*short_only*/ true, kTiniKeeps, "%A: ", nullptr};

// dumb-init 1.2.5.
inline const Option kDumbInitOptions[] = {
    {'c', "single-child", false, kSingleChild}, {'r', "rewrite", true, kRewrite},
    {'v', "verbose", false, kVerbose},          {'V', "version", false, kVersion},
    {'h', "help", false, kHelp},                {}};

inline const EnvVar kDumbInitEnv[] = {
    {"DUMB_INIT_DEBUG", kVerbose, kOneOrZero},  // first: it narrates the next
    {"DUMB_INIT_SETSID", kSetsid, kOneOrZero},
    {}};

inline const char kDumbInitHelp[] =
    "dumb-init v1.2.5 (remit " REMIT_VERSION ")\n"
    "Usage: %A [option] command [[arg] ...]\n"
    "\n"
    "dumb-init is a simple process supervisor that forwards signals to children.\n"
    "It is designed to run as PID1 in minimal container environments.\n"
    "\n"
    "Optional arguments:\n"
    "   -c, --single-child   Run in single-child mode.\n"
    "                        In this mode, signals are only proxied to the\n"
    "                        direct child and not any of its descendants.\n"
    "   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.\n"
    "                        To ignore (not proxy) a signal, rewrite it to 0.\n"
    "                        This option can be specified multiple times.\n"
    "   -v, --verbose        Print debugging information to stderr.\n"
    "   -h, --help           Print this help message and exit.\n"
    "   -V, --version        Print the current version and exit.\n"
    "\n"
    "Full help is available online at https://github.com/Yelp/dumb-init\n";

inline const Narration kDumbInitNarration = {
    "Running in debug mode.\n", "Not running in setsid mode.\n",
    "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.\n",
    "Detached from controlling tty, but was not session leader.\n",
    "Unable to detach from controlling tty (errno=%1 %2).\n",
    "Unable to attach to controlling tty (errno=%1 %2).\n",
    "setsid complete.\n", "Received signal %1.\n", "Ignoring tty hand-off signal %1.\n",
    "A child with PID %1 exited with exit status %2.\n", "A child with PID %1 was terminated by signal %2.\n",
    "Translating signal %1 to %2.\n", "Forwarded signal %1 to children.\n",
    "Not forwarding signal %1 to children (ignored).\n", "Suspending self due to TTY signal.\n"};

// Its messages: getopt's line alone after a bad option; usage when there
// is no program; -h and -V on stderr; debug lines on stderr.
inline const Personality kDumbInit = {
    "dumb-init", kDumbInitOptions, kDumbInitEnv, kDumbInitHelp, "",
    "Usage: %A [option] program [args]\nTry %A --help for full usage.\n",
    "Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n"
    "This option can be specified multiple times.\nUse --help for full usage.\n",
    "dumb-init v1.2.5 (remit " REMIT_VERSION ")\n", "%1: %2\n",
    "Child spawned with PID %2.\n",
    {"Child exited with status %1. Goodbye.\n", "Child exited with status %1. Goodbye.\n"},
    /*help_fd*/ 2, /*version_fd*/ 2,
    "[%N] ", {"", "", "", ""}, 2,
    /*usage*/ 1, /*missing*/ 2, /*denied*/ 2, /*exec*/ 2,
    /*permute*/ false, /*reraise*/ false,
    /*new_session*/ true, /*own_group*/ false, /*stop_with_child*/ true, /*term_at_exit*/ true,
    /*subreaper_always*/ false, /*warn_no_reaping*/ false, /*short_only*/ false, 0, "%A: ",
    &kDumbInitNarration};

// catatonit 0.1.7, Podman's init: `podman run --init` mounts it at
// /run/podman-init and runs `/run/podman-init -- CMD`.
inline const Option kCatatonitOptions[] = {
    {'g', nullptr, false, kGroup},   {'h', nullptr, false, kHelp},
    {'L', nullptr, false, kLicense}, {'P', nullptr, false, kPause},
    {'V', "version", false, kVersion}, {}};

inline const char kCatatonitUsage[] =
    "usage: %N [-ghLPV] [--] <progname> [<arguments>...]\n";
inline const char kCatatonitHelp[] =
    "usage: %N [-ghLPV] [--] <progname> [<arguments>...]\n"
    "\n"
    "options:\n"
    "  -g              Forward signals to pid1's process group.\n"
    "  -h              Print this help page.\n"
    "  -L              Print license information.\n"
    "  -P              Run in pause mode (no program is run and quit on SIGINT).\n"
    "  -V, --version   Print version information.\n"
    "\n"
    "The source code can be found at <https://github.com/openSUSE/catatonit/>.\n"
    "For bug reporting instructions, please see: <https://bugs.opensuse.org/>.\n";

inline const Personality kCatatonit = {
    "catatonit", kCatatonitOptions, kNoEnv, kCatatonitHelp, kCatatonitUsage,
    "ERROR (%N:%P): missing program name\n", nullptr,
    "tini version 0.1.7_catatonit (remit " REMIT_VERSION ")\n",
    "failed to exec pid1: %2\n", "started '%1' as pid %2\n", {nullptr, nullptr},
    /*help_fd*/ 2, /*version_fd*/ 1,
    "%L (%N:%P): ", {"ERROR", "WARN", "INFO", "DEBUG"}, 2,
    /*usage*/ 1, /*missing*/ 1, /*denied*/ 1, /*exec*/ 1,
    /*permute*/ true, /*reraise*/ false,
    /*new_session*/ false, /*own_group*/ true, /*stop_with_child*/ false, /*term_at_exit*/ false,
    /*subreaper_always*/ true, /*warn_no_reaping*/ false, /*short_only*/ false, 0, "%A: ", nullptr};

struct Name { const char *argv0; const Personality *who; };
inline const Name kNames[] = {
    {"tini", &kTini},           {"tini-static", &kTini},
    {"docker-init", &kTini},    {"dumb-init", &kDumbInit},
    {"catatonit", &kCatatonit}, {"podman-init", &kCatatonit}, {}};

// The personality for a program name (argv[0], any directory ignored).
inline const Personality *personality_for(const char *argv0) {
  const char *base = argv0 ? argv0 : "";
  for (const char *p = base; *p; p++)
    if (*p == '/') base = p + 1;
  for (const Name *n = kNames; n->argv0; n++)
    if (!strcmp(base, n->argv0)) return n->who;
  return &kRemit;
}

// -------------------------------------------------------------- messages

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

// One of the peer's -v lines (Narration), when it has that line and -v is
// on.  Out of line: the vforked child says "setsid complete." on remit's
// stack, and its pages would stay in remit's RSS.
[[gnu::noinline]] inline void narrate(const Settings &set, const char *Narration::*line,
                                      long a = 0, long b = 0, const char *text = nullptr) {
  const Narration *n = set.who->narration;
  if (!n || set.verbosity < kInfo) return;
  Num x(a), y(b);
  Out o = message(*set.who, kInfo);
  expand(o, *set.who, n->*line, kInfo, x.str(), text ? text : y.str()).flush();
}

// ---------------------------------------------------------------- parsing

inline bool parse_flag(const char *v, bool *on) {
  static const char *const kOn[] = {"1", "TRUE", "YES", "ON"};
  static const char *const kOff[] = {"0", "FALSE", "NO", "OFF", ""};
  int n = int(strlen(v));
  for (const char *w : kOn)
    if (remap::same_word(v, n, w)) return *on = true;
  for (const char *w : kOff)
    if (remap::same_word(v, n, w)) return !(*on = false);
  return false;
}

// Applies one setting.  `from` says where it came from ("-m", "REMIT_MAP")
// for messages; `on` is false for a variable switched off.  Returns false
// after saying what is wrong.
inline bool apply(Settings *set, Act act, const char *value, const char *from,
                  bool on, bool from_env) {
  const Personality &who = *set->who;
  remap::Error err;
  const char *kind = nullptr;
  switch (act) {
    case kMap: err = remap::parse_rules(value, &set->rules, from_env), kind = "rule"; break;
    case kSuccess: err = remap::parse_success_code(value, &set->rules), kind = "exit code"; break;
    case kRewrite: err = remap::parse_rewrites(value, &set->rewrite, from_env), kind = "signal rewrite"; break;
    case kGrace: err = remap::parse_duration(value, &set->grace_ms), kind = "duration"; break;
    case kStopDelay: err = remap::parse_duration(value, &set->stop_delay_ms), kind = "duration"; break;
    case kPdeath:
      if (!(set->pdeath_signal = remap::signal_by_spec(value, value + strlen(value))))
        err = remap::fail("unknown signal", value, int(strlen(value))), kind = "signal";
      break;
    case kGroup: set->group |= on; break;
    case kSubreaper: set->subreaper |= on; break;
    case kWaitAll: set->wait_all |= on; break;
    case kVerbose:
      set->verbosity += on;
      if (from_env && on) narrate(*set, &Narration::debug_mode);
      break;
    case kVerboseLevel: {  // a level 0..9, or a flag's word (off: 0, on: 1)
      int n = value[0] - '0';
      if (n >= 0 && n <= 9 && !value[1]) {}
      else if (parse_flag(value, &on)) n = on;
      else err = remap::fail("expected a level 0..9, or on/off", value, int(strlen(value))), kind = "level", n = 0;
      set->verbosity += n;
      set->remit_line |= n > 0;
      break;
    }
    case kVerbosity: set->verbosity = atoi(value); break;
    case kWarnReap: set->warn_reap = true; break;
    case kExplain: set->explain = value; break;
    case kSingleChild: set->new_session = false; break;
    case kSetsid:
      if (!on) narrate(*set, &Narration::no_setsid);
      set->new_session &= on;  // never undoes -c
      break;
    case kPause: set->pause = true; break;
    case kReport:
      if (!*value) err = remap::fail("no file name", value, 0), kind = "report file";
      set->report = value;
      break;
    case kHelp: case kVersion: case kLicense: break;  // handled by the caller
  }
  if (!err) return true;
  if (who.bad_value && !from_env) {
    Out o(2);
    expand(o, who, who.bad_value, kFatal, from, value).flush();
  } else {
    say_bad(who, kind, from, value, err);
  }
  return false;
}

inline const Option *find_short(const Option *t, char c) {
  for (; t->short_name || t->long_name; t++)
    if (t->short_name == c) return t;
  return nullptr;
}

// As getopt_long(3): the exact name, or else a prefix of only one name
// ("--single" is --single-child; "--ver" is nothing, it could be two).
inline const Option *find_long(const Option *t, const char *name, size_t len) {
  const Option *found = nullptr;
  int matches = 0;
  for (; t->short_name || t->long_name; t++)
    if (len && t->long_name && !strncmp(t->long_name, name, len)) {
      if (strlen(t->long_name) == len) return t;
      found = t, matches++;
    }
  return matches == 1 ? found : nullptr;
}

// Says an option error the way glibc's getopt(3) says it ("ARGV0: BEFORE
// OPT AFTER"), then the usage hint.
inline int usage_error(const Personality &who, const char *before, const char *opt,
                       const char *after = "'") {
  Out o(2);
  ((expand(o, who, who.option_prefix) << before).quoted(opt) << after << '\n').flush();
  expand(o, who, who.usage_hint).flush();
  return who.usage_status;
}

// Prints the text for -h, --version or -l; returns the exit status (0).
inline int show(const Personality &who, Act act) {
  Out o(act == kVersion ? who.version_fd : act == kHelp ? who.help_fd : 1);
  if (act == kHelp) expand(o, who, who.help);
  if (act == kVersion) expand(o, who, who.version);
  if (act == kLicense)
    o << "remit " REMIT_VERSION " is free software under the MIT license.\n";
  o.flush();
  return 0;
}

// Reads argv into *set: options first (and, for getopt personalities,
// anywhere before `--` unless POSIXLY_CORRECT is set), then the program
// and its arguments.  Returns -1 to go on, or the status to exit with.
inline int read_args(Settings *set, int argc, char **argv) {
  const Personality &who = *set->who;
  bool permute = who.permute && !getenv("POSIXLY_CORRECT");
  int w = 1;  // operands found so far are moved to argv[1..w)
  int i = 1;
  for (; i < argc; i++) {
    char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (a[0] != '-' || !a[1]) {
      if (!permute) break;
      argv[w++] = a;
      continue;
    }
    const Option *opt;
    const char *value = nullptr;
    if (a[1] == '-') {  // --name or --name=value
      const char *name = a + 2, *eq = strchr(name, '=');
      size_t len = eq ? size_t(eq - name) : strlen(name);
      opt = find_long(who.options, name, len);
      // tini's getopt(3) has no long options: "--version" works only as
      // the one argument, anything else starting "--" is option '-'.
      if (who.short_only && (!opt || argc != 2))
        return usage_error(who, "invalid option -- '", "-");
      if (!opt) return usage_error(who, "unrecognized option '", a);
      if (opt->takes_value) {
        if (eq) value = eq + 1;
        else if (i + 1 < argc) value = argv[++i];
        else return usage_error(who, "option '--", opt->long_name, "' requires an argument");
      } else if (eq) {
        return usage_error(who, "option '--", opt->long_name, "' doesn't allow an argument");
      }
      if (opt->act >= kHelp) return show(who, opt->act);
      char from[24] = "--";  // messages name --grace, not --grace=-1
      strncat(from, opt->long_name, sizeof from - 3);
      if (!apply(set, opt->act, value, from, true, false)) return who.usage_status;
      continue;
    }
    for (char *c = a + 1; *c; c++) {  // -abc, -e3, -e 3
      char flag[3] = {'-', *c, 0};
      if (!(opt = find_short(who.options, *c)))
        return usage_error(who, "invalid option -- '", flag + 1);
      if (opt->takes_value) {
        if (c[1]) value = c + 1;
        else if (i + 1 < argc) value = argv[++i];
        else return usage_error(who, "option requires an argument -- '", flag + 1);
      }
      if (opt->act >= kHelp) return show(who, opt->act);
      if (!apply(set, opt->act, value, flag, true, false)) return who.usage_status;
      if (opt->takes_value) break;
    }
  }
  while (i < argc) argv[w++] = argv[i++];
  argv[w] = nullptr;
  set->child_argv = argv + 1;
  return -1;
}

// Reads the personality's variables, then the REMIT_* ones.  Returns -1 to
// go on, or the status to exit with (2: a variable is malformed).
inline int read_env(Settings *set) {
  const EnvVar *tables[] = {set->who->env, kRemitEnv};
  for (const EnvVar *t : tables)
    for (; t->name; t++) {
      const char *v = getenv(t->name);
      bool on = true;
      // An empty flag counts as unset; an empty value goes to its parser,
      // which decides (rules accept it, a duration does not).
      if (!v || (t->kind == kFlag && !*v)) continue;
      if (t->kind == kOneOrZero) {
        if (strcmp(v, "1") && strcmp(v, "0")) continue;
        on = *v == '1';
      }
      if (t->kind == kFlag && !parse_flag(v, &on)) {
        ((message(*set->who, kFatal) << t->name << " must be 1 or 0, not '").quoted(v) << "'\n").flush();
        return 2;
      }
      if (!apply(set, t->act, v, t->name, on, true)) return 2;
    }
  return -1;
}

// The terminal's job-control stops: what dumb-init turns into SIGSTOP.
inline bool is_terminal_stop(int sig) { return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

// All of it: personality from argv[0], options, environment, and a check
// that there is something to run.  -1 to go on, else the exit status.
inline int read_settings(Settings *set, int argc, char **argv) {
  g_argv0 = argc > 0 ? argv[0] : "remit";
  set->who = personality_for(g_argv0);
  set->new_session = set->who->new_session;
  int status = read_args(set, argc, argv);
  if (status < 0) status = read_env(set);
  // dumb-init turns terminal stops into SIGSTOP for a child in its own
  // session, which has no terminal to stop it (unless told otherwise).
  if (set->who->stop_with_child && set->new_session)
    for (int sig = 1; sig < 32; sig++)
      if (is_terminal_stop(sig) && set->rewrite.to[sig] == sig) set->rewrite.to[sig] = SIGSTOP;
  if (status >= 0 || set->explain || set->pause || set->child_argv[0]) return status;
  const Personality &who = *set->who;
  Out o(2);
  expand(expand(o, who, who.no_program), who, who.usage_hint).flush();
  return who.usage_status;
}
