// tests/harness.hpp: run the real ./remit (and the real peers) and watch.
//
// Every end-to-end test starts a real process tree: remit, or remit as PID 1
// of a new PID namespace (unshare --pid --fork --mount-proc), with stdout
// and stderr captured to files.  Waits poll for an event (a line of
// output, a process's end, a state in /proc) with short sleeps, always
// have a limit, and fail naming what they waited for, so a hung remit fails
// the test instead of hanging the run.  A sleep never stands in for an
// event.  Whatever a test starts is killed when it ends, even on failure
// (leave_nothing_behind).
#pragma once
#include <criterion/criterion.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace t {

inline double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

inline void sleep_s(double s) {
  timespec ts{time_t(s), long((s - double(time_t(s))) * 1e9)};
  nanosleep(&ts, nullptr);
}

inline std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The repository root (tests run from it) and the binary under test.
inline std::string root() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? buf : ".";
}
inline std::string remit() {
  const char *env = getenv("REMIT_BIN");
  return env ? env : root() + "/remit";
}

// Whether the remit under test is linked statically (no PT_INTERP): the
// sanitizer build is not, and its loader needs descriptors and memory a
// test may leave it none of.  Read once.
inline bool remit_is_static() {
  static int known = -1;
  if (known < 0) {
    std::ifstream in(remit(), std::ios::binary);
    Elf64_Ehdr eh{};
    known = in.read(reinterpret_cast<char *>(&eh), sizeof eh) && eh.e_ident[EI_CLASS] == ELFCLASS64;
    for (int i = 0; known && i < eh.e_phnum; i++) {
      Elf64_Phdr ph{};
      in.seekg(std::streamoff(eh.e_phoff + uint64_t(i) * eh.e_phentsize));
      if (!in.read(reinterpret_cast<char *>(&ph), sizeof ph) || ph.p_type == PT_INTERP) known = 0;
    }
  }
  return known == 1;
}

// The paths that match a shell pattern, sorted; none if nothing matches.
inline std::vector<std::string> glob(const std::string &pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; i++) out.push_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}

inline void kill_leftovers();

// The scratch directories of this test process, removed when it exits,
// passed or failed, after what is left of its processes is killed (they
// could still be writing there).  REMIT_KEEP_SCRATCH=1 keeps them, to look.
// (Only by the process that made them: a forked helper that exit()s must
// not take them away from under its test.)
inline std::vector<std::string> &scratch_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}
inline pid_t scratch_owner;
inline void remove_scratch() {
  if (getpid() != scratch_owner) return;
  kill_leftovers();
  auto rm = [](const char *path, const struct stat *, int, FTW *) { return remove(path), 0; };
  for (const std::string &d : scratch_dirs()) nftw(d.c_str(), rm, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

inline void log_sanitizers_to(const std::string &dir);

// A fresh scratch directory for one test.  The first one a test makes is
// also where a sanitizer build of remit (make test-remit-san) reports.
inline std::string scratch() {
  char tmpl[] = "/tmp/remit-test-XXXXXX";
  cr_assert(mkdtemp(tmpl), "mkdtemp failed");
  const char *keep = getenv("REMIT_KEEP_SCRATCH");
  bool first = scratch_dirs().empty();
  if (first && !(keep && *keep == '1')) scratch_owner = getpid(), atexit(remove_scratch);
  scratch_dirs().push_back(tmpl);
  if (first) log_sanitizers_to(tmpl);
  return tmpl;
}

// mkdir -p, and a copy of a file (its directories made) with the given mode.
inline void mkdirs(const std::string &path) {
  for (size_t i = 1; i <= path.size(); i++)
    if (i == path.size() || path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
}

inline void copy_file(const std::string &from, const std::string &to, mode_t mode = 0755) {
  mkdirs(to.substr(0, to.rfind('/')));
  std::ifstream in(from, std::ios::binary);
  cr_assert(in, "cannot read %s", from.c_str());
  std::ofstream(to, std::ios::binary) << in.rdbuf();
  chmod(to.c_str(), mode);
}

// remit under `name`, a copy in a directory anybody may enter: for cases
// that run it as another user (nobody), since the repository may be where
// only root can reach (cloned in root's 0700 home, as the quick start does
// on a fresh machine).
inline std::string reachable_remit(const std::string &name) {
  std::string dir = scratch(), bin = dir + "/" + name;
  chmod(dir.c_str(), 0755);
  copy_file(remit(), bin);
  return bin;
}

// AddressSanitizer and UndefinedBehaviorSanitizer write what they find to
// DIR/asan.PID and DIR/ubsan.PID rather than stderr, for every process this
// test starts (the variables are inherited; programs built without them
// ignore them).  A finding is then a failure even when it changes neither
// remit's status nor its output (a sanitizer's exit status can be one the
// test expects).  Open to all: some cases run remit as nobody.
inline std::string &sanitizer_dir() {
  static std::string dir;
  return dir;
}
inline void log_sanitizers_to(const std::string &dir) {
  chmod(dir.c_str(), 01777);
  sanitizer_dir() = dir;
  for (const char *var : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    const char *was = getenv(var);
    std::string v = (was && *was ? std::string(was) + ":" : "") + "log_path=" + dir +
                    (var[0] == 'A' ? "/asan" : "/ubsan") + ":halt_on_error=1";
    setenv(var, v.c_str(), 1);
  }
}

// Fails the test with what a sanitizer reported, if it reported anything.
inline void expect_no_sanitizer_report() {
  if (sanitizer_dir().empty()) return;
  std::string found;
  if (DIR *d = opendir(sanitizer_dir().c_str())) {
    while (dirent *e = readdir(d))
      if (!strncmp(e->d_name, "asan.", 5) || !strncmp(e->d_name, "ubsan.", 6))
        found += std::string(e->d_name) + ":\n" + slurp(sanitizer_dir() + "/" + e->d_name).substr(0, 3000);
    closedir(d);
  }
  cr_assert(found.empty(), "a sanitizer reported:\n%s", found.c_str());
}

// remit installed under another name (tini, dumb-init, ...), as a symlink.
inline std::string as_name(const std::string &name) {
  std::string dir = scratch();
  std::string path = dir + "/" + name;
  cr_assert(symlink(remit().c_str(), path.c_str()) == 0, "symlink %s", path.c_str());
  return path;
}

// tests/child.c, built for the test that calls it (see its header for what
// it does).
inline std::string child_bin() {
  std::string out = scratch() + "/child";
  std::string cmd = "cc -O1 -o " + out + " " + root() + "/tests/child.c";
  cr_assert(system(cmd.c_str()) == 0, "could not build tests/child.c: %s", cmd.c_str());
  return out;
}

// In the environment of every nats-server a test stops with SIGTERM.
// nats-server 2.9's TERM handler exits 1, but with a second Go P free, main
// can win the race and exit 0 (the README tells the figures); with one P,
// main runs only once the handler yields, and its next step is exit(1).
inline const char *kOneP = "GOMAXPROCS=1";

// nats-server lives in /usr/sbin, which is not always on PATH.
inline std::string nats_server() {
  for (const char *p : {"/usr/sbin/nats-server", "/usr/bin/nats-server"})
    if (access(p, X_OK) == 0) return p;
  cr_assert_fail("nats-server is not installed (apt-get install nats-server)");
  return "";
}

struct Spec {
  std::vector<std::string> argv;  // argv[0] "remit" means ./remit
  std::vector<std::string> env;   // "NAME=value" set for the run, "NAME" unset
  bool pid1 = false;              // remit as PID 1 of a new PID namespace
  std::string input;              // stdin; /dev/null when empty
  std::string cwd;                // working directory, if not the root
  std::string dir;                // scratch directory to reuse; empty: a new one
};

struct Result {
  bool exited = false;
  bool hung = false;  // still running at the limit: killed
  int code = 0;  // exit code, when exited
  int sig = 0;   // the signal that killed it, when not
  std::string out, err;
  double secs = 0;
  int status() const { return exited ? code : 128 + sig; }
  std::string describe() const {
    if (hung) return "hung (killed after the limit)";
    if (exited) return "exit " + std::to_string(code);
    return "killed by signal " + std::to_string(sig);
  }
};

// Waits up to `limit` seconds for pid (a child of ours) to end; past it,
// kills its process group and says it hung.  Polls briefly at first, so
// that runs in a loop of hundreds are not slowed by the wait.
inline Result reap(pid_t pid, double limit) {
  Result r;
  int st = 0;
  double start = now(), end = start + limit;
  for (int spins = 0;; spins++) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    if (now() > end) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      r.hung = true;
      break;
    }
    if (spins > 50) sleep_s(0.0005);
    else sched_yield();
  }
  r.exited = !r.hung && WIFEXITED(st);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
  r.sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  r.secs = now() - start;
  return r;
}

// All 64 signals back to default and unblocked, with raw calls: glibc's
// refuse 32 and 33, and GNU make 4.3 starts its recipes (so `make test`)
// with those two ignored.
inline void reset_signals() {
  struct { void (*handler)(int); unsigned long flags, restorer; uint64_t mask; } dfl = {SIG_DFL, 0, 0, 0};
  uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
  for (int s = 1; s <= 64; s++)
    if (s != SIGKILL && s != SIGSTOP) syscall(SYS_rt_sigaction, s, &dfl, nullptr, sizeof none);
}

// Signals whose default action ends the process and that a process can
// catch (KILL too if asked): all but the stops and those ignored by default.
inline std::vector<int> fatal_signals(bool with_kill = false) {
  std::vector<int> v;
  for (int s = 1; s <= 64; s++)
    if ((s != SIGKILL || with_kill) && s != SIGSTOP && s != SIGTSTP && s != SIGTTIN && s != SIGTTOU &&
        s != SIGCHLD && s != SIGCONT && s != SIGURG && s != SIGWINCH)
      v.push_back(s);
  return v;
}

inline bool exists(const std::string &path) { return access(path.c_str(), F_OK) == 0; }
inline int newlines(const std::string &s) { return int(std::count(s.begin(), s.end(), '\n')); }

// /proc/PID/status field, e.g. field(pid, "SigBlk").
inline std::string status_field(pid_t pid, const std::string &name) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      size_t i = name.size() + 1;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
      return line.substr(i);
    }
  return "";
}

// Polls `cond` until it holds; false past `limit` seconds (the caller says
// what it waited for).
template <class Cond>
bool eventually(Cond cond, double limit = 10) {
  for (double end = now() + limit; now() < end; sleep_s(0.005))
    if (cond()) return true;
  return cond();
}

// The signals pending at pid, for the process or its main thread: bit N-1
// for signal N.  A signal sent with kill(2) stays here until the process
// takes it (sigtimedwait, signalfd, a handler) or discards it.
inline uint64_t pending(pid_t pid) {
  return strtoull(status_field(pid, "ShdPnd").c_str(), nullptr, 16) |
         strtoull(status_field(pid, "SigPnd").c_str(), nullptr, 16);
}

// The signals pid blocks, the same way (read it once execd(pid) holds).
inline uint64_t blocked(pid_t pid) { return strtoull(status_field(pid, "SigBlk").c_str(), nullptr, 16); }

// Waits until `pid` no longer has `sig` pending: it has taken it (or is
// gone).  False past `limit` seconds.
inline bool taken(pid_t pid, int sig, double limit = 10) {
  for (double end = now() + limit; now() < end; sleep_s(0.002))
    if (!(pending(pid) & (1ULL << (sig - 1)))) return true;
  return false;
}

// The file pid runs, "" once it is a zombie or gone.
inline std::string exe(pid_t pid) {
  char buf[PATH_MAX];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

// True once pid has exec'd: it no longer runs its parent's file.  Only then
// does its SigBlk say what the program blocked.  glibc 2.41's fork blocks
// every signal in the new child until fork returns in it, so before its
// exec a child can show them all blocked; a signal sent then is delivered
// once fork unblocks them (at a namespace's PID 1, with no handler, it is
// dropped: Debian 13 lost the TERM of a test that trusted SigBlk alone).
inline bool execd(pid_t pid) {
  std::string mine = exe(pid);
  return !mine.empty() && mine != exe(atoi(status_field(pid, "PPid").c_str()));
}

// True while pid waits for signals, in sigtimedwait(2) (which /proc shows
// as those signals unblocked in SigBlk) or reading a signalfd.
inline bool waiting_for_signals(pid_t pid) {
  std::string wchan = slurp("/proc/" + std::to_string(pid) + "/wchan");
  return wchan.compare(0, 15, "do_sigtimedwait") == 0 || wchan.compare(0, 9, "signalfd_") == 0;
}

// The direct children of pid, from /proc/PID/task/*/children.
inline std::vector<pid_t> children(pid_t pid) {
  std::vector<pid_t> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR *d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::istringstream in(slurp(dir + "/" + e->d_name + "/children"));
    pid_t c;
    while (in >> c) out.push_back(c);
  }
  closedir(d);
  return out;
}

// Makes the test process a child subreaper, once, and kills what is left of
// its process trees when it exits, passed or failed (Criterion runs each
// test in a process of its own and calls atexit handlers after a failed
// assertion too).  As a subreaper it gets every orphan of its children,
// daemons that left their group or session included, so killing and reaping
// its own children until there are none leaves nothing behind; and as they
// are its unreaped children, their pids cannot have been reused.  (Only a
// test killed by Criterion's .timeout escapes this.)  No port is ever
// picked in advance either: a port that was free a moment ago can be taken
// by the time it is used; nats-server is given -p -1 and picks its own.
inline void kill_leftovers() {
  for (double end = now() + 10; now() < end; sleep_s(0.001)) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {}
    std::vector<pid_t> kids = children(getpid());
    if (kids.empty()) return;
    for (pid_t k : kids) kill(k, SIGKILL);
  }
}
inline void leave_nothing_behind() {
  static bool done = false;
  if (done) return;
  done = true;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  atexit(kill_leftovers);
}

// Every process below pid, from /proc, deepest last.
inline std::vector<pid_t> descendants(pid_t pid) {
  std::vector<pid_t> out, todo{pid};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children(p)) out.push_back(c), todo.push_back(c);
  }
  return out;
}

struct Proc {
  pid_t pid = -1;  // what we forked: remit, or unshare
  bool pid1 = false;
  std::string what;  // its command line, for messages
  std::string dir, out_path, err_path;
  double started = 0;
  bool reaped = false;
  Result result;

  // remit's pid as seen from here (under unshare: unshare's only child).
  // Both waits are bounds for a loaded machine (fork, exec, vfork, exec
  // take milliseconds); they cost nothing when things work.
  pid_t init_pid(double limit = 30) {
    if (!pid1) return pid;
    for (double end = now() + limit; now() < end; sleep_s(0.005)) {
      std::vector<pid_t> c = children(pid);
      if (!c.empty()) return c[0];
    }
    cr_assert_fail("unshare started no child");
    return -1;
  }
  // The program remit started: remit's first child, once it has exec'd.
  // (Between vfork and exec the child still runs remit's code: its process
  // group, mask and terminal are not yet the program's.)
  pid_t child_pid(double limit = 30) {
    pid_t init = init_pid();
    for (double end = now() + limit; now() < end; sleep_s(0.005)) {
      std::vector<pid_t> c = children(init);
      if (!c.empty() && exe(c[0]) != exe(init)) return c[0];  // a failed exec: a zombie, no exe
    }
    cr_assert_fail("remit %d started no child that exec'd within %.0fs", init, limit);
    return -1;
  }
  void signal(int sig) { kill(init_pid(), sig); }

  std::string out() const { return slurp(out_path); }
  std::string err() const { return slurp(err_path); }

  // Whether the process has ended (it is not reaped: wait() still can).
  bool ended() const {
    siginfo_t si{};
    return reaped || (waitid(P_PID, id_t(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid);
  }

  // Waits until stdout (or stderr) contains `needle`; false past `limit`,
  // or as soon as the process has ended without writing it (the caller
  // says what it waited for).
  bool wait_for(const std::string &needle, double limit = 10, bool on_err = false) {
    for (double end = now() + limit;; sleep_s(0.01)) {
      bool over = ended() || now() >= end;  // before the read: what it wrote before it ended counts
      if ((on_err ? err() : out()).find(needle) != std::string::npos) return true;
      if (over) return false;
    }
  }

  // Waits for the process to end; past `limit` it is killed and the test
  // fails, or with must_end false, the result says it hung.
  Result wait(double limit = 20, bool must_end = true) {
    if (reaped) return result;
    result = reap(pid, limit);
    if (result.hung && must_end)
      cr_assert_fail("%s did not end within %.1fs; stderr: %s", what.c_str(), limit, err().c_str());
    reaped = true;
    result.secs = now() - started;
    result.out = out();
    result.err = err();
    expect_no_sanitizer_report();
    return result;
  }
};

// Kills a process a test left behind (and its process group with `group`),
// if it is still one of the test's: its environment has D=dir.  So a
// failing test does not leave sleeps around, and a recycled pid is safe.
inline void kill_ours(pid_t pid, const std::string &dir, bool group = false) {
  if (pid <= 0) return;
  std::string env = slurp("/proc/" + std::to_string(pid) + "/environ");
  if (env.find(std::string("D=") + dir + '\0') == std::string::npos) return;
  pid_t pg = getpgid(pid);
  if (group && pg > 1) kill(-pg, SIGKILL);
  kill(pid, SIGKILL);
}

// Waits until `text` shows in the file at `path`; false past `limit`.
inline bool wait_text(const std::string &path, const std::string &text, double limit = 10) {
  return eventually([&] { return slurp(path).find(text) != std::string::npos; }, limit);
}

// Waits until remit has taken `sig` off its shared pending set: it has
// received it (signalfd or sigtimedwait) and acted on it.
inline void wait_taken(Proc &p, int sig, double limit = 10) {
  if (!taken(p.init_pid(), sig, limit)) cr_assert_fail("remit did not take signal %d within %.0fs", sig, limit);
}

// argv run as PID 1 of a new PID namespace (with its own /proc).
inline std::vector<std::string> as_pid1(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc"});
  return argv;
}

inline Proc start(const Spec &spec) {
  Proc p;
  p.pid1 = spec.pid1;
  p.dir = spec.dir.empty() ? scratch() : spec.dir;
  p.out_path = p.dir + "/stdout";
  p.err_path = p.dir + "/stderr";
  std::string in_path = "/dev/null";
  if (!spec.input.empty()) {
    in_path = p.dir + "/stdin";
    std::ofstream(in_path, std::ios::binary) << spec.input;
  }
  std::vector<std::string> args;
  for (size_t i = 0; i < spec.argv.size(); i++)
    args.push_back(i == 0 && spec.argv[0] == "remit" ? remit() : spec.argv[i]);
  if (spec.pid1) args = as_pid1(args);
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(&a[0]), p.what += (p.what.empty() ? "" : " ") + a;
  argv.push_back(nullptr);

  leave_nothing_behind();
  p.started = now();
  p.pid = fork();
  cr_assert(p.pid >= 0, "fork failed");
  if (p.pid == 0) {
    setpgid(0, 0);  // so a timed-out test can kill the whole tree
    for (const std::string &e : spec.env) {
      size_t eq = e.find('=');
      if (eq == std::string::npos) unsetenv(e.c_str());
      else setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    reset_signals();  // whatever the test runner left behind
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) _exit(120);
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(p.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(p.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    execvp(argv[0], argv.data());
    _exit(121);
  }
  return p;
}

inline Result run(const Spec &spec, double limit = 20) { return start(spec).wait(limit); }
// The same, but a run still going at the limit is a result (hung), not a failure.
inline Result run_within(const Spec &spec, double limit = 20) { return start(spec).wait(limit, false); }

// A shell command line, for argv.
inline std::vector<std::string> sh(const std::string &script) { return {"/bin/sh", "-c", script}; }

}  // namespace t
