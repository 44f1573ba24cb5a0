// tests/engines.hpp: what the engine suites share (engines, containerd,
// platforms):
// the scratch root each test makes and locks, commands run with a limit
// under the test's time budget, the init under test (ENGINE_INIT), the
// image's root filesystem, and stopping what a test left behind.
#pragma once
#include "harness.hpp"

#include <sys/file.h>
#include <sys/mount.h>

namespace eng {

using t::copy_file;
using t::mkdirs;
using t::Spec;

// What the current test made, for cleanup() even when an assertion failed.
inline std::string g_dir;                              // scratch root: removed with everything in it
inline int g_lock = -1;                                // g_dir open and locked while the test lives
inline std::vector<std::vector<std::string>> g_undo;   // commands run at cleanup, last first
inline std::vector<std::string> g_env;                 // environment of the engine commands

// Criterion kills a test at its timeout (1500 s) without running .fini, which
// would leave dockerd, containers and mounts behind: every wait is cut at
// this time instead: 60 s for sweep(), 1140 s for the test (a few minutes here;
// the rest is for a machine several times slower), 240 s for cleanup().
inline double g_deadline;
inline double until(double seconds) { return std::min(t::now() + seconds, g_deadline); }

// /tmp, locked (bounded wait): sweep() holds it while it picks scratch dirs,
// a test while it creates and locks its own.  -1 when it could not be had.
inline int lock_tmp() {
  int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (double end = until(60); fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0; t::sleep_s(0.05))
    if (t::now() > end) {
      close(fd);
      fd = -1;
    }
  return fd;
}

// A run killed from outside (the runner interrupted or killed) never ran
// its cleanup(): every test holds a lock on its scratch dir while it lives,
// and this clears each unlocked /tmp/PREFIX-* before a test starts.  For
// each, `reset` forgets the last one's state, g_dir and g_lock name it, and
// `clear` removes what it holds; then the test's own time budget starts.
inline void sweep_scratch(const std::string &prefix, void (*reset)(), void (*clear)()) {
  g_deadline = t::now() + 60;
  std::string start = prefix + "-";
  int tmp = lock_tmp();
  DIR *d = tmp >= 0 ? opendir("/tmp") : nullptr;
  for (dirent *ent; d && (ent = readdir(d));) {
    if (strncmp(ent->d_name, start.c_str(), start.size()) != 0) continue;
    reset();
    g_dir = std::string("/tmp/") + ent->d_name;
    g_lock = open(g_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (g_lock >= 0 && flock(g_lock, LOCK_EX | LOCK_NB) != 0) {
      close(g_lock);
      g_lock = -1;
    }
    if (g_lock >= 0) clear();
  }
  if (d) closedir(d);
  if (tmp >= 0) close(tmp);
  reset();
  g_deadline = t::now() + 1140;
}

// Debian's engines and what they run (containerd, runc, conmon), whatever
// PATH the tests were started with: /usr/local/bin/docker may be another client.
inline const char *kPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

// The init under test: remit, or the stock init given as ENGINE_INIT.
inline std::string init_bin() {
  const char *e = getenv("ENGINE_INIT");
  return e && *e ? e : t::remit();
}

// Runs a command to the end and forgets its scratch files.  Past `limit` (or
// g_deadline) it is killed and reported as failed, without an assertion:
// cleanup() uses it.
inline t::Result cmd(const std::vector<std::string> &argv, double limit = 120) {
  t::Proc p = t::start(Spec{argv, g_env});
  int st = 0;
  pid_t done = 0;
  for (double end = until(limit); (done = waitpid(p.pid, &st, WNOHANG)) == 0 && t::now() < end;)
    t::sleep_s(0.01);
  if (done != p.pid) kill(-p.pid, SIGKILL), kill(p.pid, SIGKILL), waitpid(p.pid, &st, 0);
  t::Result r;
  r.exited = WIFEXITED(st);
  r.code = r.exited ? WEXITSTATUS(st) : 0;
  r.sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  r.out = p.out();
  r.err = p.err() + (done == p.pid ? "" : "\n(killed: still running after its limit or the test's time budget)");
  unlink(p.out_path.c_str()), unlink(p.err_path.c_str()), rmdir(p.dir.c_str());
  return r;
}

inline std::string tail(const std::string &s, size_t n = 1500) {
  return s.size() > n ? "..." + s.substr(s.size() - n) : s;
}

// The pid of a process that is still ours to stop: alive and not a zombie.
inline bool alive(pid_t pid) {
  std::string state = t::status_field(pid, "State");
  return !state.empty() && state[0] != 'Z';
}

// Stops a process with TERM, then KILL if it is still there after `grace`.
inline void stop_process(pid_t pid, bool ours, double grace) {
  kill(pid, SIGTERM);
  for (double end = until(grace); t::now() < end; t::sleep_s(0.05)) {
    if (ours ? waitpid(pid, nullptr, WNOHANG) == pid : !alive(pid)) return;
  }
  kill(pid, SIGKILL);
  if (ours) waitpid(pid, nullptr, 0);
}

// Stops the process a pidfile under g_dir names, if it is still one of this
// dir's (its command line names the dir: the pid may have been reused).
inline void stop_by_pidfile(const std::string &pidfile, double grace) {
  pid_t pid = atoi(t::slurp(g_dir + pidfile).c_str());
  if (pid > 0 && alive(pid) &&
      t::slurp("/proc/" + std::to_string(pid) + "/cmdline").find(g_dir) != std::string::npos)
    stop_process(pid, false, grace);
}

// A field of a report, as its JSON text ("WINCH", ["WINCH"]); "" when absent.
inline std::string report_field(const std::string &report, const std::string &key) {
  size_t at = report.find("\"" + key + "\":");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  size_t end = report[at] == '[' ? report.find(']', at) + 1 : report.find_first_of(",}", at);
  return report.substr(at, end - at);
}

// remit's report in a container's output (REMIT_REPORT=-): the last line
// that is one, "" for none (a stock init writes none).
inline std::string report_line(const std::string &output) {
  std::istringstream lines(output);
  std::string report;
  for (std::string line; std::getline(lines, line);)
    if (line.compare(0, 11, "{\"program\":") == 0) report = line;
  return report;
}

// Whether host process `pid` is PID 1 of its own pid namespace: its NSpid
// ("HOSTPID\t...\t1") ends in 1.
inline bool is_ns_pid1(pid_t pid) {
  std::string nspid = t::status_field(pid, "NSpid");
  return nspid.size() > 2 && nspid.compare(nspid.size() - 2, 2, "\t1") == 0;
}

// "" when host process `pid` is its namespace's PID 1 running `init -- ...`;
// otherwise what it is, for a failure message.  Read from the host's /proc
// at the pid the engine reports, not with `exec NAME cat /proc/1/cmdline`:
// in a chroot runc's pivot_root puts the container's root where the
// chroot's root was, and a process that joins the container's mount
// namespace (exec) gets the namespace's root, the real / outside the chroot.
inline std::string not_pid1_running(const std::string &pid, const std::string &init) {
  pid_t p = atoi(pid.c_str());
  std::string argv = t::slurp("/proc/" + pid + "/cmdline");
  if (p > 0 && is_ns_pid1(p) && argv.compare(0, init.size() + 4, init + std::string("\0--\0", 4)) == 0)
    return "";
  for (char &c : argv) c = c ? c : ' ';
  return "the process (pid " + pid + ", NSpid '" + t::status_field(p, "NSpid") + "') is '" + argv +
         "', expected PID 1 '" + init + " -- ...'";
}

// A root filesystem in `rootfs`: busybox-static (its applets as symlinks
// in /bin), nats-server with every library ldd lists, and `init` as /remit
// unless it is empty.
inline void make_rootfs(const std::string &rootfs, const std::string &init) {
  for (const char *d : {"/bin", "/proc", "/dev", "/sys", "/tmp", "/etc", "/run"}) mkdirs(rootfs + d);
  std::string bb = access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : "/usr/bin/busybox";
  copy_file(bb, rootfs + "/bin/busybox");
  // t::run, not cmd(): a suite without the engines' time budget calls it too.
  std::istringstream applets(t::run(Spec{{bb, "--list"}}).out);
  for (std::string name; applets >> name;)
    if (name != "busybox") symlink("busybox", (rootfs + "/bin/" + name).c_str());
  std::string server = t::nats_server();
  copy_file(server, rootfs + "/usr/sbin/nats-server");
  // Every absolute path ldd prints is a library to copy; a static build lists none.
  std::istringstream ldd(t::run(Spec{{"ldd", server}}).out);
  for (std::string word; ldd >> word;)
    if (word[0] == '/') copy_file(word, rootfs + word);
  if (!init.empty()) copy_file(init, rootfs + "/remit");
}

// The scratch dir and the image's tarball: busybox (its applets as
// symlinks), nats-server and its libraries, the init as /remit (unless
// `with_init` is false), and a nats config that does not parse.  The
// scratch dir is /tmp/PREFIX-XXXXXX, which the suite's sweep() looks for.
inline std::string make_image_tar(bool with_init = true, const std::string &prefix = "remit-engines") {
  if (geteuid() != 0) cr_assert_fail("the engines need root: run make test as root");
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  // Locked from its creation on, under the lock on /tmp that sweep() takes.
  int tmp = lock_tmp();
  cr_assert(tmp >= 0, "waited 60 s for a lock on /tmp (another engines test clearing a killed "
            "run's scratch dir?)");
  cr_assert(mkdtemp(&tmpl[0]), "mkdtemp failed");
  g_dir = tmpl;
  g_lock = open(tmpl.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  flock(g_lock, LOCK_EX);
  close(tmp);
  std::string rootfs = g_dir + "/rootfs";
  make_rootfs(rootfs, with_init ? init_bin() : "");
  std::ofstream(rootfs + "/etc/bad.conf") << "port: {\n";
  std::string tar = g_dir + "/rootfs.tar";
  t::Result r = cmd({"tar", "-C", rootfs, "-cf", tar, "."});
  cr_assert(r.exited && r.code == 0, "tar failed: %s", r.err.c_str());
  cmd({"rm", "-rf", rootfs});
  return tar;
}

// Clears the scratch dir: whatever an engine left mounted under it (overlay
// layers, shm), deepest first, so that rm -rf frees the space instead of
// failing; then the dir itself, and its lock.
inline void clear_scratch() {
  if (g_dir.empty()) return;
  std::istringstream mounts(t::slurp("/proc/self/mountinfo"));
  std::vector<std::string> points;
  for (std::string line; std::getline(mounts, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    if (point.compare(0, g_dir.size() + 1, g_dir + "/") == 0) points.push_back(point);
  }
  for (size_t i = points.size(); i-- > 0;) umount2(points[i].c_str(), MNT_DETACH);
  cmd({"rm", "-rf", g_dir});
  g_dir.clear();
  if (g_lock >= 0) close(g_lock);
  g_lock = -1;
}

}  // namespace eng
