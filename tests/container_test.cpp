// Issue 7: remit as PID 1 of a real OCI container, run by Debian's runc the
// way Docker and ECS run it, and stopped the way they stop it: `runc kill ID
// TERM`.  The bundle is built here from the real binaries: busybox-static
// for a shell, the static ./remit as /remit, nats-server with the shared
// libraries ldd lists.  The config is `runc spec`'s default with the
// network namespace removed (a fresh one has loopback down, so nats-server
// could not bind 127.0.0.1), no terminal, and our process.
#include "harness.hpp"

#include <sys/stat.h>

using t::Spec;

namespace {

std::vector<std::string> g_containers;  // deleted after each test
std::vector<std::string> g_dirs;        // removed after each test

void cleanup() {
  for (const std::string &id : g_containers) t::run(Spec{{"runc", "delete", "-f", id}});
  for (const std::string &dir : g_dirs) t::run(Spec{{"rm", "-rf", dir}});
}

void mkdirs(const std::string &path) {
  for (size_t i = 1; i <= path.size(); i++)
    if (i == path.size() || path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
}

// Copies a file (through symlinks) to `to`, creating its directory.
void copy_file(const std::string &from, const std::string &to, mode_t mode) {
  mkdirs(to.substr(0, to.rfind('/')));
  std::ifstream in(from, std::ios::binary);
  cr_assert(in, "cannot read %s", from.c_str());
  std::ofstream(to, std::ios::binary) << in.rdbuf();
  chmod(to.c_str(), mode);
}

std::string busybox() {
  for (const char *p : {"/bin/busybox", "/usr/bin/busybox"})
    if (access(p, X_OK) == 0) return p;
  cr_assert_fail("busybox is not installed (apt-get install busybox-static)");
  return "";
}

// A root filesystem: busybox as /bin/sh and its applets; with `nats`,
// ./remit as /remit and nats-server as /nats-server with its libraries.
void make_rootfs(const std::string &rootfs, bool nats) {
  for (const char *d : {"/bin", "/proc", "/dev", "/sys", "/tmp"}) mkdirs(rootfs + d);
  std::string bb = busybox();
  copy_file(bb, rootfs + "/bin/busybox", 0755);
  std::istringstream applets(t::run(Spec{{bb, "--list"}}).out);
  for (std::string name; applets >> name;)
    if (name != "busybox") symlink("busybox", (rootfs + "/bin/" + name).c_str());
  if (!nats) return;
  copy_file(t::remit(), rootfs + "/remit", 0755);
  symlink("remit", (rootfs + "/tini").c_str());  // an image migrated from tini
  std::string server = t::nats_server();
  copy_file(server, rootfs + "/nats-server", 0755);
  // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and the loader's
  // "/lib64/ld-linux-x86-64.so.2 (0x...)": every absolute path is a file to
  // copy.  A static build lists none.
  std::istringstream ldd(t::run(Spec{{"ldd", server}}).out);
  for (std::string word; ldd >> word;)
    if (word[0] == '/') copy_file(word, rootfs + word, 0755);
}

// Replaces the value of the first "key" in json: an array, or a scalar.
void set_json(std::string &json, const std::string &key, const std::string &value) {
  size_t k = json.find("\"" + key + "\":");
  cr_assert(k != std::string::npos, "runc spec's config.json has no \"%s\"", key.c_str());
  size_t v = json.find_first_not_of(" \t\n", k + key.size() + 3);
  size_t end = json[v] == '[' ? json.find(']', v) + 1 : json.find_first_of(",\n}", v);
  json.replace(v, end - v, value);
}

// Deletes the {"type": "network"} entry, and the comma that joined it.
void drop_network_namespace(std::string &json) {
  size_t at = json.find("\"type\": \"network\"");
  cr_assert(at != std::string::npos, "runc spec's config.json has no network namespace");
  size_t open = json.rfind('{', at), close = json.find('}', at) + 1;
  size_t next = json.find_first_not_of(" \t\n", close);
  if (json[next] == ',') close = next + 1;
  else open = json.rfind(',', open);
  json.erase(open, close - open);
}

std::string json_strings(const std::vector<std::string> &items) {
  std::string out = "[";
  for (const std::string &s : items) out += (out.size() > 1 ? ", \"" : "\"") + s + "\"";
  return out + "]";
}

struct Container {
  std::string id, bundle;
  t::Proc run;  // `runc run ID`: its status is the container's
};

// Builds a bundle and starts `runc run` on it in the background.  `probe`
// keeps runc spec's namespaces and needs only busybox.  `mount`: one more
// entry for config.json's mounts, after runc spec's own (/dev among them).
Container start(const std::vector<std::string> &args, const std::vector<std::string> &env,
                bool probe = false, const std::string &mount = "") {
  static int serial = 0;
  Container c;
  c.bundle = t::scratch();
  g_dirs.push_back(c.bundle);
  c.id = "remit-test-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
  make_rootfs(c.bundle + "/rootfs", !probe);
  t::Result spec = t::run(Spec{{"runc", "spec"}, {}, false, "", c.bundle});
  cr_assert(spec.exited && spec.code == 0, "runc spec failed: %s", spec.err.c_str());
  std::string json = t::slurp(c.bundle + "/config.json");
  set_json(json, "terminal", "false");
  set_json(json, "args", json_strings(args));
  std::vector<std::string> all_env = {"PATH=/bin"};
  all_env.insert(all_env.end(), env.begin(), env.end());
  set_json(json, "env", json_strings(all_env));
  if (!probe) drop_network_namespace(json);
  if (!mount.empty()) {
    size_t mounts = json.find("\"mounts\": [");
    size_t end = json.find("\n\t]", mounts);
    cr_assert(mounts != std::string::npos && end != std::string::npos,
              "runc spec's config.json has no mounts list as expected");
    json.insert(end, ",\n" + mount);
  }
  std::ofstream(c.bundle + "/config.json") << json;
  g_containers.push_back(c.id);
  c.run = t::start(Spec{{"runc", "run", "--bundle", c.bundle, c.id}});
  return c;
}

// runc needs root and a kernel and cgroups that let it make a container.
// A trivial busybox container with runc spec's own namespaces tells.
void skip_unless_runc_can_run() {
  if (geteuid() != 0) cr_skip_test("runc needs root to run a container; run make test as root");
  cr_assert(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
            "runc is not installed (apt-get install runc)");
  Container probe = start({"/bin/sh", "-c", "exit 0"}, {}, true);
  t::Result r = probe.run.wait(60);
  if (!r.exited || r.code != 0)
    cr_skip_test("runc cannot run a busybox container here (status %d): %s", r.status(),
                 r.err.c_str());
}

// nats-server on 127.0.0.1, on a port the kernel picks, under /remit (or
// another name for it).
Container start_nats(const std::vector<std::string> &env, const std::string &init = "/remit") {
  std::vector<std::string> with = env;
  with.push_back(t::kOneP);
  return start({init, "--", "/nats-server", "-a", "127.0.0.1", "-p", "-1"}, with);
}

// Waits for "Server is ready", then does what `docker stop` does first.
t::Result stop_with_term(Container &c) {
  bool ready = c.run.wait_for("Server is ready", 30, true);
  cr_assert(ready, "nats-server never said \"Server is ready\" in the container; stderr: %s",
            c.run.err().c_str());
  t::Result kill = t::run(Spec{{"runc", "kill", c.id, "TERM"}});
  cr_assert(kill.exited && kill.code == 0, "runc kill %s TERM failed: %s", c.id.c_str(),
            kill.err.c_str());
  return c.run.wait(60);
}

}  // namespace

TestSuite(container, .fini = cleanup, .timeout = 180);

Test(container, remit_is_pid1_of_the_container) {
  skip_unless_runc_can_run();
  Container c = start({"/remit", "--", "/bin/sh", "-c", "echo parent=$PPID; exit 7"}, {});
  t::Result r = c.run.wait(60);
  cr_expect(r.out.find("parent=1\n") != std::string::npos,
            "expected the program's parent to be PID 1 (remit), got stdout '%s' stderr '%s'",
            r.out.c_str(), r.err.c_str());
  cr_expect(r.exited && r.code == 7, "expected the container to exit 7 as its program did, got %d",
            r.status());
}

Test(container, runc_kill_term_ends_nats_with_1_without_rules) {
  skip_unless_runc_can_run();
  Container c = start_nats({});
  t::Result r = stop_with_term(c);
  cr_expect(r.exited && r.code == 1,
            "nats-server 2.9 exits 1 after SIGTERM and remit without rules should pass that on: "
            "expected 1, got %d; stderr: %s",
            r.status(), r.err.c_str());
}

Test(container, runc_kill_term_ends_nats_with_0_given_remit_map_in_the_environment) {
  skip_unless_runc_can_run();
  Container c = start_nats({"REMIT_MAP=1@TERM=0"});
  t::Result r = stop_with_term(c);
  cr_expect(r.exited && r.code == 0,
            "with REMIT_MAP=1@TERM=0 in the container's environment: expected 0, got %d; stderr: %s",
            r.status(), r.err.c_str());
}

Test(container, nats_failing_by_itself_still_exits_1_under_the_rule) {
  skip_unless_runc_can_run();
  Container c = start({"/remit", "--", "/nats-server", "-c", "/missing.conf"}, {"REMIT_MAP=1@TERM=0"});
  t::Result r = c.run.wait(60);
  cr_expect(r.err.find("missing.conf") != std::string::npos,
            "expected nats-server to complain about /missing.conf, stderr: %s", r.err.c_str());
  cr_expect(r.exited && r.code == 1,
            "a real failure (no SIGTERM received) must keep its 1 under 1@TERM=0, got %d", r.status());
}

// The migration the README promises: the image keeps ENTRYPOINT ["/tini",
// "--"], /tini is now remit, and the rule comes from the environment.
Test(container, remit_installed_as_tini_takes_remit_map_from_the_environment) {
  skip_unless_runc_can_run();
  Container c = start_nats({"REMIT_MAP=1@TERM=0"}, "/tini");
  t::Result r = stop_with_term(c);
  cr_expect(r.exited && r.code == 0,
            "/tini -> remit with REMIT_MAP=1@TERM=0: expected 0 after runc kill TERM, got %d; stderr: %s",
            r.status(), r.err.c_str());
}

// Issue 16: what kubelet does for terminationMessagePath: a file from the
// host bind-mounted at /dev/termination-log; the image sets only
// REMIT_REPORT.  The host reads the report back after the stop.  (TERM is
// the last signal, not the only one: runc's Go runtime can leave a SIGURG
// pending across its exec of remit, and remit honestly lists it.)
Test(container, report_reaches_the_host_through_dev_termination_log) {
  skip_unless_runc_can_run();
  std::string log = t::scratch() + "/termination-log";
  g_dirs.push_back(log.substr(0, log.rfind('/')));
  std::ofstream(log) << "";
  Container c = start({"/remit", "--", "/nats-server", "-a", "127.0.0.1", "-p", "-1"},
                      {"REMIT_MAP=1@TERM=0", "REMIT_REPORT=/dev/termination-log", t::kOneP}, false,
                      "{\"destination\": \"/dev/termination-log\", \"type\": \"bind\", \"source\": \"" +
                          log + "\", \"options\": [\"rbind\", \"rw\"]}");
  t::Result r = stop_with_term(c);
  cr_expect(r.exited && r.code == 0, "expected 0 (1@TERM=0), got %d; stderr: %s", r.status(), r.err.c_str());
  t::Result py = t::run(Spec{{"python3", "-c",
                              "import json, sys\n"
                              "raw = open(sys.argv[1], 'rb').read()\n"
                              "r = json.loads(raw)\n"
                              "ok = (raw.count(b'\\n') == 1 and len(raw) <= 4096 and r['pid'] > 1 and\n"
                              "      r['program'] == '/nats-server' and r['code'] == 1 and\n"
                              "      r['signals'][-1] == 'TERM' and r['stop_signal'] == 'TERM' and\n"
                              "      type(r['stop_ms']) is int and\n"
                              "      r['rule'] == {'text': '1@TERM=0', 'position': 1} and r['exit_status'] == 0)\n"
                              "sys.exit(0 if ok else 'unexpected report: %r' % raw)\n",
                              log}});
  cr_expect(py.exited && py.code == 0, "the report read from the host: %s", py.err.c_str());
}
