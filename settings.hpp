// settings.hpp: argv and the environment, read into Settings as the personality says.
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#include "messages.hpp"

// The signals that mean "stop" unless --stop-signals says otherwise: what
// docker stop, Kubernetes and ECS send, Ctrl-C, and Ctrl-\.
constexpr remap::SigSet kDefaultStops = remap::bit(SIGTERM) | remap::bit(SIGINT) | remap::bit(SIGQUIT);

// The report's bounds: Kubernetes reads 4 KiB of a termination message at
// most, and below 1 KiB the fixed fields might not fit (report.hpp).
constexpr uint32_t kReportLeast = 1024, kReportMost = 4096;

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
  uint16_t report_max = 4096;    // --report-max, 1024..4096
  remap::SigSet stops = kDefaultStops;  // --stop-signals
  uint8_t first_stop = SIGTERM;  // the first of them, for --explain N@stop
  bool signal_all = false;       // --signal-all
};

// Above every level: where TINI_VERBOSITY's huge levels stop, so that
// REMIT_VERBOSE's and -v's additions cannot overflow.
constexpr int kMaxVerbosity = 99;

// Messages below kFatal only show at the verbosity they need.
inline bool shown(const Settings &set, Level level) { return set.verbosity >= level; }

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

// Reads an option's value into *set.  Returns what was wrong with it, and
// what it was read as in *kind ("rule", "duration").  Each error is
// returned as the parser made it, never copied into a local first.
inline remap::Error read_value(Settings *set, Act act, const char *value, bool on,
                               bool from_env, const char **kind) {
  switch (act) {
    case kMap:
      *kind = "rule";
      return remap::parse_rules(value, &set->rules, from_env);
    case kSuccess:
      *kind = "exit code";
      return remap::parse_success_code(value, &set->rules, set->who->libc_numbers);
    case kRewrite:
      // dumb-init's way first (-r only: REMIT_REWRITE is remit's); where it
      // would refuse, remit's own, which takes names and lists.
      if (set->who->libc_numbers && !from_env && remap::scan_rewrite(value, &set->rewrite)) break;
      *kind = "signal rewrite";
      return remap::parse_rewrites(value, &set->rewrite, from_env);
    case kGrace:
      *kind = "duration";
      return remap::parse_duration(value, &set->grace_ms);
    case kStopDelay:
      *kind = "duration";
      return remap::parse_duration(value, &set->stop_delay_ms);
    case kPdeath:
      set->pdeath_signal = remap::signal_by_spec(value, value + strlen(value));
      if (!set->pdeath_signal) {
        *kind = "signal";
        return remap::fail("unknown signal", value, int(strlen(value)));
      }
      break;
    case kGroup: set->group |= on; break;
    case kSubreaper: set->subreaper |= on; break;
    case kWaitAll: set->wait_all |= on; break;
    case kVerbose:
      set->verbosity += on;  // at most a few million -v fit in argv
      if (from_env && on) narrate(*set, &Narration::debug_mode);
      break;
    case kVerboseLevel: {  // a level 0..9, or a flag's word (off: 0, on: 1)
      int n = value[0] - '0';
      if (n >= 0 && n <= 9 && !value[1]) {}
      else if (parse_flag(value, &on)) n = on;
      else {
        *kind = "level";
        return remap::fail("expected a level 0..9, or on/off", value, int(strlen(value)));
      }
      set->verbosity += n;
      set->remit_line |= n > 0;
      break;
    }
    case kVerbosity: {
      // atoi(3) into tini's unsigned level: a negative one is huge.
      const char *stop;
      unsigned level = unsigned(int(remap::c_long(value, &stop)));
      set->verbosity = level > kMaxVerbosity ? kMaxVerbosity : int(level);
      break;
    }
    case kWarnReap: set->warn_reap = true; break;
    case kExplain: set->explain = value; break;
    case kSingleChild: set->new_session = false; break;
    case kSetsid:
      if (!on) narrate(*set, &Narration::no_setsid);
      set->new_session &= on;  // never undoes -c
      break;
    case kPause: set->pause = true; break;
    case kReportMax: {
      uint32_t n = 0;
      int len = int(strlen(value));
      remap::whole_uint(value, value + len, kReportMost, &n);
      if (n < kReportLeast) {
        *kind = "report size";
        return remap::fail("expected 1024..4096 bytes", value, len);
      }
      set->report_max = uint16_t(n);
      break;
    }
    case kStops:
      *kind = "stop signal list";
      return remap::parse_stop_signals(value, remap::kNeverForwarded | set->who->not_forwarded, from_env,
                                       &set->stops, &set->first_stop);
    case kSignalAll: set->signal_all |= on; break;
    case kReport:
      // REMIT_REPORT set but empty (a template's unset variable) is no
      // report, as unset is; `--report ''` is a mistake.
      if (*value) set->report = value;
      else if (!from_env) {
        *kind = "report file";
        return remap::fail("no file name", value, 0);
      }
      break;
    case kHelp: case kVersion: case kLicense: break;  // handled by the caller
  }
  return {};
}

// Applies one setting.  `from` says where it came from ("-m", "REMIT_MAP")
// for messages; `on` is false for a variable switched off.  Returns false
// after saying what is wrong.
inline bool apply(Settings *set, Act act, const char *value, const char *from,
                  bool on, bool from_env) {
  const Personality &who = *set->who;
  const char *kind = nullptr;
  remap::Error err = read_value(set, act, value, on, from_env, &kind);
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
