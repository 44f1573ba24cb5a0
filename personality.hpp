// personality.hpp: the inits remit stands in for, as data: options, variables, behaviour, words.
//
// remit answers to several names.  Each name selects a personality: a table
// of options, a table of environment variables, a few behaviours the loop in
// init.cpp reads, and the texts it speaks with.  All of them fill the same
// Settings (settings.hpp), so init.cpp never asks which one it is running as.
#pragma once
#include <stdint.h>
#include <string.h>

#include "remap.hpp"

#define REMIT_VERSION "0.2.0"
// The commit remit was built from, as `git describe` names it (the Makefile
// passes it in); a build from sources outside git says so.
#ifndef REMIT_REVISION
#define REMIT_REVISION "unknown"
#endif

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
  kReportMax,    // --report-max BYTES: the report's bound
  kStops,        // --stop-signals LIST: the signals that mean "stop"
  kSignalAll,    // --signal-all: a stop to every process, not only the child
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

// One init's ways.  Unnamed fields in the tables below are 0, false or
// nullptr: behaviour off, no such text.
struct Personality {
  const char *name = "";          // how it names itself in messages
  const Option *options = {};     // ends with a zero entry
  const EnvVar *env = {};         // ends with a zero entry; REMIT_* come after

  // Behaviour, read by settings.hpp and init.cpp.
  bool permute = false;           // GNU getopt: options may follow the program
  bool short_only = false;        // tini: getopt(3), --version only alone
  bool reraise = false;           // outside PID 1, die by the child's signal
  bool new_session = false;       // the child gets its own session (dumb-init)
  bool own_group = false;         // without a session, a process group of its
                                  // own (dumb-init's -c child stays in the init's)
  bool stop_with_child = false;   // dumb-init: TSTP/TTIN/TTOU stop child, then init
  bool term_at_exit = false;      // dumb-init: TERM the child's session when it ends
  bool subreaper_always = false;  // catatonit: subreaper whenever not PID 1
  bool warn_no_reaping = false;   // tini's three-line warning outside PID 1
  bool libc_numbers = false;      // -e and -r read as tini's strtol(3) and
                                  // dumb-init's sscanf(3) read them
  bool listen_pid = false;        // catatonit: LISTEN_PID=its pid becomes the child's
  bool faults_kill = false;       // tini: the fault signals (kFaults) left at
                                  // their default, fatal to it as a wrapper
  remap::SigSet not_forwarded = 0;  // signals the init keeps to itself
  uint8_t usage_status = 0;       // exit status for a bad option
  uint8_t missing_status = 0;     // program not found
  uint8_t denied_status = 0;      // program found but not executable
  uint8_t exec_status = 0;        // exec failed for another reason
  uint8_t fork_status = 0;        // no child: fork failed

  // Words, and where they go.
  uint8_t help_fd = 1, version_fd = 1;
  int info_fd = 2;                // where INFO and DEBUG go
  const char *prefix = "";        // message prefix: %L level, %P pid, %N name
                                  // (texts may also use %A argv[0], %B its basename)
  const char *level_names[4] = {};  // for %L, indexed by Level
  const char *option_prefix = ""; // before an option error: glibc's getopt
                                  // says "%A: ", remit its usual "%N: "
  const char *help = "";          // -h text, on help_fd
  const char *usage_hint = "";    // after an option error, on stderr
  const char *no_program = "";    // when there is nothing to run, on stderr,
                                  // then usage_hint
  const char *bad_value = {};     // a bad option value (%1 option, %2 value);
                                  // nullptr: remit's own "bad ..." line
  const char *version = "";       // --version text
  const char *exec_failed = "";   // after the prefix: %1 program, %2 reason
  const char *fork_failed = "";   // after the prefix: %1 program, %2 reason
  const char *spawned = {};       // INFO: %1 program, %2 pid (nullptr: remit
                                  // says nothing until the child ends: -v is one line)
  const char *ended[2] = {};      // INFO: exited, killed (%1 status as a shell
                                  // sees it, %2 strsignal's words for the signal);
                                  // nullptr: remit's report of the rule applied
  const Narration *narration = {};  // the peer's -v lines (nullptr: none)
};

// ------------------------------------------------------------------ remit

inline const Option kRemitOptions[] = {
    {'m', "map", true, kMap},          {'e', nullptr, true, kSuccess},
    {'r', "rewrite", true, kRewrite},  {'t', "grace", true, kGrace},
    {0, "stop-delay", true, kStopDelay}, {'g', "group", false, kGroup},
    {'s', "subreaper", false, kSubreaper}, {0, "wait-all", false, kWaitAll},
    {'p', "pdeath-signal", true, kPdeath}, {'v', "verbose", false, kVerbose},
    {0, "explain", true, kExplain},    {0, "report", true, kReport},
    {0, "report-max", true, kReportMax}, {0, "stop-signals", true, kStops},
    {0, "signal-all", false, kSignalAll}, {'h', "help", false, kHelp},
    {'V', "version", false, kVersion}, {}};

// The REMIT_* variables, read under every name after the personality's own.
inline const EnvVar kRemitEnv[] = {
    {"REMIT_MAP", kMap, kValue},          {"REMIT_REWRITE", kRewrite, kValue},
    {"REMIT_GRACE", kGrace, kValue},      {"REMIT_STOP_DELAY", kStopDelay, kValue},
    {"REMIT_GROUP", kGroup, kFlag},       {"REMIT_SUBREAPER", kSubreaper, kFlag},
    {"REMIT_WAIT_ALL", kWaitAll, kFlag},  {"REMIT_VERBOSE", kVerboseLevel, kValue},
    {"REMIT_REPORT", kReport, kValue},    {"REMIT_REPORT_MAX", kReportMax, kValue},
    {"REMIT_STOP_SIGNALS", kStops, kValue}, {"REMIT_SIGNAL_ALL", kSignalAll, kFlag}, {}};

inline const EnvVar kNoEnv[] = {{}};

inline const char kRemitHelp[] =
    "Usage: remit [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "An init for PROGRAM whose exit status rules rewrite (remit(1) says all).\n"
    "\n"
    "  -m, --map RULES          STATUS[@SIG]=RESULT,...: '1@TERM=0' (REMIT_MAP)\n"
    "  -e CODE                  -m CODE=0\n"
    "  -r, --rewrite FROM:TO    pass signal FROM on as TO; TO 0 drops it\n"
    "  -t, --grace DURATION     SIGKILL the program DURATION after a stop signal\n"
    "      --stop-delay DURATION  hold the first stop signal that long\n"
    "      --stop-signals LIST  the signals that mean stop (TERM,INT,QUIT)\n"
    "      --signal-all         a stop to every process, as PID 1\n"
    "  -g, --group              signal the program's process group\n"
    "  -s, --subreaper          reap orphans when not PID 1\n"
    "      --wait-all           at the end, stop what is left and wait for it\n"
    "  -p, --pdeath-signal SIG  the signal to get when remit's parent dies\n"
    "  -v, --verbose            say how the program ended and why this status\n"
    "      --explain STATUS[@SIG]  what the rules make of it; run nothing\n"
    "      --report FILE        at the end, what happened as JSON to FILE\n"
    "      --report-max BYTES   the report's length at most (1024..4096)\n"
    "  -h, --help; -V, --version\n"
    "\n"
    "STATUS: 0..255, A-B, * or a signal (death by it); @SIG: a signal received,\n"
    "any, none or stop; DURATION: 10, 1.5s, 500ms, 2m.  REMIT_ with MAP REWRITE\n"
    "GRACE STOP_DELAY STOP_SIGNALS SIGNAL_ALL GROUP SUBREAPER WAIT_ALL VERBOSE\n"
    "(a level) REPORT REPORT_MAX: as the options.\n";

inline const Personality kRemit = {
    .name = "remit",
    .options = kRemitOptions,
    .env = kNoEnv,
    .reraise = true,
    .own_group = true,
    .usage_status = 2, .missing_status = 127, .denied_status = 126, .exec_status = 126, .fork_status = 126,
    .help_fd = 1, .version_fd = 1, .info_fd = 2,
    .prefix = "%N: ",
    .level_names = {"", "", "", ""},
    .option_prefix = "%N: ",
    .help = kRemitHelp,
    .usage_hint = "",
    .no_program = "remit: no program to run (see remit --help)\n",
    .version = "remit " REMIT_VERSION " (" REMIT_REVISION ")\n",
    .exec_failed = "cannot run '%1': %2\n",
    .fork_failed = "cannot run '%1': %2\n",
};

// ------------------------------------------------------------------- tini

// tini never forwards the fault signals, nor SIGTTIN/SIGTTOU (it ignores
// them so that handing the terminal to the child cannot stop it).
constexpr remap::SigSet kFaults =
    remap::bit(SIGILL) | remap::bit(SIGTRAP) | remap::bit(SIGABRT) | remap::bit(SIGBUS) |
    remap::bit(SIGFPE) | remap::bit(SIGSEGV) | remap::bit(SIGSYS);
constexpr remap::SigSet kTiniKeeps = kFaults | remap::bit(SIGTTIN) | remap::bit(SIGTTOU);

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
    .name = "tini",
    .options = kTiniOptions,
    .env = kTiniEnv,
    .permute = true,
    .short_only = true,
    .own_group = true,
    .warn_no_reaping = true,
    .libc_numbers = true,
    .faults_kill = true,
    .not_forwarded = kTiniKeeps,
    .usage_status = 1, .missing_status = 127, .denied_status = 126, .exec_status = 1, .fork_status = 1,
    .help_fd = 1, .version_fd = 1, .info_fd = 1,
    .prefix = "[%L %N (%P)] ",
    .level_names = {"FATAL", "WARN ", "INFO ", "DEBUG"},
    .option_prefix = "%A: ",
    .help = kTiniHelp,
    .usage_hint = kTiniHelp,
    .no_program = "",
    .bad_value = "[FATAL %N (%P)] Not a valid option for %1: %2\n",
    .version = "tini version 0.19.0 - remit " REMIT_VERSION "\n",
    .exec_failed = "exec %1 failed: %2\n",
    .fork_failed = "fork failed: %2\n",
    .spawned = "Spawned child process '%1' with pid '%2'\n",
    .ended = {"Main child exited normally (with status '%1')\n",
              "Main child exited with signal (with signal '%2')\n"},
};

// -------------------------------------------------------------- dumb-init

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
    .debug_mode = "Running in debug mode.\n",
    .no_setsid = "Not running in setsid mode.\n",
    .detached = "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.\n",
    .not_leader = "Detached from controlling tty, but was not session leader.\n",
    .detach_failed = "Unable to detach from controlling tty (errno=%1 %2).\n",
    .attach_failed = "Unable to attach to controlling tty (errno=%1 %2).\n",
    .setsid_done = "setsid complete.\n",
    .received = "Received signal %1.\n",
    .handoff = "Ignoring tty hand-off signal %1.\n",
    .exited = "A child with PID %1 exited with exit status %2.\n",
    .killed = "A child with PID %1 was terminated by signal %2.\n",
    .translated = "Translating signal %1 to %2.\n",
    .forwarded = "Forwarded signal %1 to children.\n",
    .dropped = "Not forwarding signal %1 to children (ignored).\n",
    .suspending = "Suspending self due to TTY signal.\n",
};

// Its messages: getopt's line alone after a bad option; usage when there
// is no program; -h and -V on stderr; debug lines on stderr.
inline const Personality kDumbInit = {
    .name = "dumb-init",
    .options = kDumbInitOptions,
    .env = kDumbInitEnv,
    .new_session = true,
    .stop_with_child = true,
    .term_at_exit = true,
    .libc_numbers = true,
    .usage_status = 1, .missing_status = 2, .denied_status = 2, .exec_status = 2, .fork_status = 1,
    .help_fd = 2, .version_fd = 2, .info_fd = 2,
    .prefix = "[%N] ",
    .level_names = {"", "", "", ""},
    .option_prefix = "%A: ",
    .help = kDumbInitHelp,
    .usage_hint = "",
    .no_program = "Usage: %A [option] program [args]\nTry %A --help for full usage.\n",
    .bad_value = "Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n"
                 "This option can be specified multiple times.\nUse --help for full usage.\n",
    .version = "dumb-init v1.2.5 (remit " REMIT_VERSION ")\n",
    .exec_failed = "%1: %2\n",
    .fork_failed = "Unable to fork. Exiting.\n",
    .spawned = "Child spawned with PID %2.\n",
    .ended = {"Child exited with status %1. Goodbye.\n", "Child exited with status %1. Goodbye.\n"},
    .narration = &kDumbInitNarration,
};

// -------------------------------------------------------------- catatonit

// catatonit 0.2.1 (Debian 13; Debian 12's 0.1.7 differs in -V, -L and in
// staying in its directory), Podman's init: `podman run --init` mounts it
// at /run/podman-init and runs `/run/podman-init -- CMD`.
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
    .name = "catatonit",
    .options = kCatatonitOptions,
    .env = kNoEnv,
    .permute = true,
    .own_group = true,
    .subreaper_always = true,
    .listen_pid = true,
    .usage_status = 1, .missing_status = 1, .denied_status = 1, .exec_status = 1, .fork_status = 1,
    .help_fd = 2, .version_fd = 1, .info_fd = 2,
    .prefix = "%L (%N:%P): ",
    .level_names = {"ERROR", "WARN", "INFO", "DEBUG"},
    .option_prefix = "%A: ",
    .help = kCatatonitHelp,
    .usage_hint = kCatatonitUsage,
    .no_program = "ERROR (%N:%P): missing program name\n",
    .version = "tini version 0.2.1_catatonit (remit " REMIT_VERSION ")\n",
    .exec_failed = "failed to exec pid1: %2\n",
    .fork_failed = "failed to fork child: %2\nERROR (%N:%P): failed to spawn pid1: %2\n",
    .spawned = "started '%1' as pid %2\n",
};

// ------------------------------------------------------------------ names

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
