// Issue 26: remit under containerd, driven with `ctr` as a user or a script
// drives it: a private containerd (its own config: root, state, sockets and
// opt dir under the test's scratch dir, the CRI plugin off), the image
// imported from a docker-archive of the engines suite's root filesystem
// (busybox, nats-server 2.9, the init under test as /remit, ENTRYPOINT
// ["/remit", "--"]), each task stopped with `ctr task kill -s SIGTERM` and
// its status read from `ctr events`: the /tasks/exit event carries
// exit_status (left out when it is 0).  ctr 1.6 has no `task wait`, and
// `ctr task delete` exits 0 whatever the status, so neither can say it.
// Then the same under crun as containerd's runtime.
//
// ENGINE_INIT=/usr/bin/tini-static puts the stock init at /remit: each test
// must then fail.  Shares tests/engines.hpp with the engines suite.
#include "engines.hpp"

using namespace eng;

namespace {

const char *kRef = "docker.io/library/remit-containerd:test";
const char *kPrefix = "remit-containerd";

t::Proc g_containerd, g_events;  // the private containerd and its `ctr events`
std::string g_ns;                // the test's namespace: its scratch dir's name

// Runs `ctr ARGS` at cleanup (last first), for what a test may leave.
void undo(const std::vector<std::string> &ctr, const std::vector<std::string> &args) {
  g_undo.push_back(ctr);
  g_undo.back().insert(g_undo.back().end(), args.begin(), args.end());
}

// The events `ctr events` printed, one a line: TIME NAMESPACE TOPIC JSON.
std::string events() { return g_events.pid > 0 ? t::slurp(g_events.out_path) : ""; }

// A number field of an event's JSON; `absent` when it is left out.
int json_int(const std::string &json, const std::string &key, int absent) {
  size_t at = json.find("\"" + key + "\":");
  return at == std::string::npos ? absent : atoi(json.c_str() + at + key.size() + 3);
}

// The /tasks/exit event of task `id`'s own process (not an exec'd one), ""
// until it came.
std::string exit_event(const std::string &id) {
  std::istringstream in(events());
  std::string want = "{\"container_id\":\"" + id + "\",\"id\":\"" + id + "\",";
  for (std::string line; std::getline(in, line);)
    if (line.find(" " + g_ns + " /tasks/exit ") != std::string::npos && line.find(want) != std::string::npos)
      return line;
  return "";
}

// containerd's log without its plugin list and gRPC chatter.
std::string containerd_log() {
  std::istringstream in(t::slurp(g_containerd.err_path));
  std::string kept;
  for (std::string line; std::getline(in, line);)
    if (line.find("loading plugin") == std::string::npos && line.find("module=grpc") == std::string::npos)
      kept += line + "\n";
  return tail(kept, 3000);
}

// `ctr -a SOCK -n NS ...`; must() fails the test with ctr's error and the
// end of containerd's log.
struct Ctr {
  std::vector<std::string> argv;

  t::Result operator()(std::vector<std::string> args, double limit = 120) const {
    args.insert(args.begin(), argv.begin(), argv.end());
    return cmd(args, limit);
  }
  std::string must(const std::vector<std::string> &args, double limit = 120) const {
    t::Result r = (*this)(args, limit);
    cr_assert(r.exited && r.code == 0, "ctr %s failed (%d): %s\ncontainerd's log ends with:\n%s",
              args[0].c_str(), r.status(), r.err.c_str(), containerd_log().c_str());
    return r.out;
  }
};

// A docker-archive (manifest.json, config.json, layer.tar) of the root
// filesystem in `rootfs_tar`: ENTRYPOINT ["/remit", "--"] and CMD
// nats-server, as a user's image would be.
std::string docker_archive(const std::string &rootfs_tar) {
  std::string dir = g_dir + "/archive";
  mkdirs(dir);
  cr_assert(rename(rootfs_tar.c_str(), (dir + "/layer.tar").c_str()) == 0, "rename %s", rootfs_tar.c_str());
  std::string sum = cmd({"sha256sum", dir + "/layer.tar"}).out.substr(0, 64);
  std::ofstream(dir + "/config.json")
      << "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/sbin:/bin\"],"
      << "\"Entrypoint\":[\"/remit\",\"--\"],\"Cmd\":[\"/usr/sbin/nats-server\",\"-a\",\"127.0.0.1\"]},"
      << "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" << sum << "\"]}}";
  std::ofstream(dir + "/manifest.json")
      << "[{\"Config\":\"config.json\",\"RepoTags\":[\"remit-containerd:test\"],\"Layers\":[\"layer.tar\"]}]";
  std::string tar = g_dir + "/image.tar";
  t::Result r = cmd({"tar", "-C", dir, "-cf", tar, "manifest.json", "config.json", "layer.tar"});
  cr_assert(r.exited && r.code == 0, "tar failed: %s", r.err.c_str());
  cmd({"rm", "-rf", dir});
  return tar;
}

// Whether this host mounts cgroup v1 with a cgroup2 hierarchy beside it at
// /sys/fs/cgroup/unified ("hybrid"), which crun 1.8 refuses.
bool hybrid_cgroups() {
  std::istringstream in(t::slurp("/proc/self/mountinfo"));
  bool v1 = false, unified = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, word;
    f >> id >> parent >> dev >> root >> point;
    while (f >> word && word != "-") {}
    f >> word;  // the file system type
    if (point.compare(0, 15, "/sys/fs/cgroup/") == 0 && word == "cgroup") v1 = true;
    if (point == "/sys/fs/cgroup/unified" && word == "cgroup2") unified = true;
  }
  return v1 && unified;
}

// The scratch dir, the image, a private containerd up and answering, its
// `ctr events` running (seen to be, by the namespace it creates), and the
// image imported.  With `hide_unified`, containerd (and so its shims and
// runtime) runs in a mount namespace of its own where /sys/fs/cgroup/unified
// is unmounted; the host keeps it (private propagation).
Ctr start_containerd(bool hide_unified = false) {
  std::string tar = docker_archive(make_image_tar(true, kPrefix));
  g_ns = g_dir.substr(g_dir.rfind('/') + 1);
  std::string config = g_dir + "/config.toml", sock = g_dir + "/c.sock";
  std::ofstream(config) << "version = 2\nroot = \"" << g_dir << "/root\"\nstate = \"" << g_dir
                        << "/state\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                        << "[grpc]\n  address = \"" << sock << "\"\n[ttrpc]\n  address = \"" << sock
                        << ".ttrpc\"\n[debug]\n  address = \"" << g_dir << "/debug.sock\"\n"
                        << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << g_dir << "/opt\"\n";
  std::vector<std::string> argv = {"/usr/bin/containerd", "--config", config};
  if (hide_unified)
    argv.insert(argv.begin(), {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                               "umount /sys/fs/cgroup/unified && exec \"$@\"", "sh"});
  g_containerd = t::start(Spec{argv, g_env});
  Ctr c{{"/usr/bin/ctr", "-a", sock, "-n", g_ns}};
  // 60 s: it answers in under 0.1 s here; the rest is for a loaded machine.
  bool up = false;
  for (double end = until(60); !up && t::now() < end && !g_containerd.ended(); t::sleep_s(0.05))
    up = c({"version"}, 30).code == 0;
  if (!up && hide_unified && g_containerd.ended() &&
      t::slurp(g_containerd.err_path).find("umount") != std::string::npos)
    cr_skip_test("crun needs /sys/fs/cgroup/unified hidden on this hybrid cgroup host, and a private mount "
                 "namespace could not hide it: %s", t::slurp(g_containerd.err_path).c_str());
  cr_assert(up, "containerd did not answer (waited up to 60 s); its log:\n%s", containerd_log().c_str());
  g_events = t::start(Spec{{"/usr/bin/ctr", "-a", sock, "events"}, g_env});
  // ctr events says nothing once it is subscribed: the namespace's label
  // is set again (a /namespaces/update event) until one shows, so no exit
  // event can come before the subscription.  60 s as above.
  c.must({"namespaces", "create", g_ns});
  bool live = false;
  for (int i = 1; !live && t::now() < until(60) && !g_events.ended(); i++) {
    std::string label = "remit.sync=" + std::to_string(i);
    c.must({"namespaces", "label", g_ns, label});
    std::string shown = "\"labels\":{\"remit.sync\":\"" + std::to_string(i) + "\"}";
    live = t::eventually([&] { return events().find(shown) != std::string::npos; }, 0.5);
  }
  cr_assert(live, "ctr events reported none of the namespace's updates (tried for up to 60 s): %s%s",
            events().c_str(), t::slurp(g_events.err_path).c_str());
  c.must({"image", "import", tar});
  return c;
}

// A task's end: the status the /tasks/exit event carries, what remit
// reported, and what it takes to explain a surprise.
struct Ended {
  int code = -1;  // -1: no exit event in time
  std::string event, report, log, deleted;
  std::string why() const {
    return "\n  the exit event: " + (event.empty() ? std::string("(none)") : event) +
           "\n  remit's report: " + (report.empty() ? std::string("(none)") : report) +
           "\n  ctr task delete said: " + deleted + "\n  the task's log ends with: " + tail(log, 800);
  }
};

// One task: `ctr run -d` with `opts` (--env, --mount, the runtime) and
// `args` (none: the image's ENTRYPOINT and CMD), its log in a file.
// Waits for `ready` in the log and checks that its PID 1 is the init under
// test as /remit.
struct Task {
  const Ctr &c;
  std::string id, log;
  Task(const Ctr &ctr, const std::string &name, std::vector<std::string> opts,
       const std::vector<std::string> &args, const std::string &ready)
      : c(ctr), id(name), log(g_dir + "/" + name + ".log") {
    std::vector<std::string> run = {"run", "-d", "--log-uri", "file://" + log, "--env", t::kOneP};
    run.insert(run.end(), opts.begin(), opts.end());
    run.insert(run.end(), {kRef, id});
    run.insert(run.end(), args.begin(), args.end());
    undo(c.argv, {"container", "delete", id});
    undo(c.argv, {"task", "delete", "--force", id});
    c.must(run);
    // 60 s: "Server is ready" comes in milliseconds; the rest is for a loaded machine.
    bool seen = t::eventually([&] { return t::slurp(log).find(ready) != std::string::npos || !exit_event(id).empty(); },
                              60);
    cr_assert(seen && t::slurp(log).find(ready) != std::string::npos,
              "%s: no \"%s\" in the task's log (waited up to 60 s); exit event: %s; its log: %s", id.c_str(),
              ready.c_str(), exit_event(id).c_str(), tail(t::slurp(log)).c_str());
    // ctr task ls: "TASK PID STATUS"; the pid is the host's.
    std::istringstream ls(c.must({"task", "ls"}));
    std::string task, pid;
    for (std::string line; std::getline(ls, line);) {
      std::istringstream f(line);
      if (f >> task >> pid && task == id) break;
      pid.clear();
    }
    std::string wrong = not_pid1_running(pid, "/remit");
    cr_assert(wrong.empty(), "%s: the task's %s", id.c_str(), wrong.c_str());
  }

  // `ctr task kill -s SIG`, then the status from the exit event (waited for
  // up to `limit` s), then the task and container deleted.
  Ended stop(const std::string &sig, double limit = 120) {
    c.must({"task", "kill", "-s", sig, id});
    return end(limit);
  }
  Ended end(double limit) {
    Ended e;
    t::eventually([&] { return !exit_event(id).empty(); }, until(limit) - t::now());
    e.event = exit_event(id);
    if (!e.event.empty()) e.code = json_int(e.event.substr(e.event.find('{')), "exit_status", 0);
    t::Result del = c({"task", "delete", "--force", id});
    e.deleted = "exit " + std::to_string(del.status()) + (del.err.empty() ? "" : ", " + del.err);
    c({"container", "delete", id});
    g_undo.pop_back();
    g_undo.pop_back();
    e.log = t::slurp(log);
    e.report = report_line(e.log);
    cr_log_info("%s: exit status %d, ctr task delete: %s", id.c_str(), e.code, e.deleted.c_str());
    return e;
  }
};

const std::vector<std::string> kNats = {"/remit", "--", "/usr/sbin/nats-server", "-a", "127.0.0.1"};
// A program (busybox sh) that ignores TERM and would run for 1000 s.
const std::vector<std::string> kIgnoresTerm = {"/remit", "--", "/bin/sh", "-c",
                                               "trap '' TERM; echo ready; exec busybox sleep 1000"};

// Every process whose command line names the scratch dir (containerd, its
// shims, ctr events), the shims' containers first.
void stop_named_processes() {
  std::vector<pid_t> found;
  if (DIR *d = opendir("/proc")) {
    while (dirent *e = readdir(d)) {
      pid_t pid = atoi(e->d_name);
      if (pid > 0 && pid != getpid() && alive(pid) &&
          t::slurp("/proc/" + std::to_string(pid) + "/cmdline").find(g_dir + "/") != std::string::npos)
        found.push_back(pid);
    }
    closedir(d);
  }
  for (pid_t pid : found)
    for (pid_t below : t::descendants(pid)) kill(below, SIGKILL);
  for (pid_t pid : found) stop_process(pid, false, 10);
}

void clear() {
  for (size_t i = g_undo.size(); i-- > 0;) cmd(g_undo[i], 120);
  g_undo.clear();
  for (t::Proc *p : {&g_events, &g_containerd})
    if (p->pid > 0 && !p->reaped) stop_process(p->pid, true, 30);
  g_events.reaped = true;
  g_containerd.reaped = true;
  for (t::Proc *p : {&g_events, &g_containerd})
    if (p->pid > 0) cmd({"rm", "-rf", p->dir});
  if (g_dir.empty()) return;
  // A killed run's containerd and shims (and a shim left by a failed delete).
  stop_named_processes();
  // The namespace's cgroups, which runc leaves in every hierarchy (the
  // tasks' own are gone with the tasks).
  std::string ns = g_dir.substr(g_dir.rfind('/') + 1);
  for (const std::string &h : t::glob("/sys/fs/cgroup/*/" + ns)) {
    for (const std::string &task : t::glob(h + "/*/")) rmdir(task.c_str());
    rmdir(h.c_str());
  }
  // The runtime's root for the namespace: emptied by the shims, but not
  // by a shim that was killed.
  cmd({"rm", "-rf", "/run/containerd/runc/" + ns});
  clear_scratch();
}

void fresh() {
  g_dir.clear();
  g_undo.clear();
  g_ns.clear();
  g_env = {kPath};
  g_containerd = t::Proc{};
  g_events = t::Proc{};
}

// Each unlocked /tmp/remit-containerd-*, left by a killed run, is cleared
// before a test starts (see sweep_scratch()).
void sweep() { sweep_scratch("remit-containerd", fresh, clear); }

void cleanup() {
  g_deadline = t::now() + 240;
  clear();
}

// The rule case, with `opts` for the runtime: nats-server as the image's
// CMD under its ENTRYPOINT (ctr's arguments would replace both), stopped.
void rule_case(const Ctr &c, const std::string &id, std::vector<std::string> opts) {
  opts.insert(opts.end(), {"--env", "REMIT_MAP=1@TERM=0", "--env", "REMIT_REPORT=-"});
  Ended mapped = Task(c, id, opts, {}, "Server is ready").stop("SIGTERM");
  cr_expect(mapped.code == 0, "%s: REMIT_MAP=1@TERM=0, nats-server stopped with ctr task kill -s SIGTERM: "
            "expected exit status 0, got %d%s", id.c_str(), mapped.code, mapped.why().c_str());
}

// The grace cases: a program that ignores TERM, which ctr follows with
// nothing: REMIT_GRACE=2s kills it, 137, and 137@TERM=0 makes that 0.  120
// s for the exit event: 2 s here; a stock init never ends it.
void grace_cases(const Ctr &c, const std::string &id, std::vector<std::string> opts) {
  opts.insert(opts.end(), {"--env", "REMIT_GRACE=2s", "--env", "REMIT_REPORT=-"});
  Ended killed = Task(c, id + "-grace", opts, kIgnoresTerm, "ready").stop("SIGTERM");
  cr_expect(killed.code == 137, "%s: REMIT_GRACE=2s, a program that ignores TERM, ctr task kill -s SIGTERM: "
            "expected 137 (remit's KILL after 2 s), got %d%s%s", id.c_str(), killed.code,
            killed.code < 0 ? " (still running 120 s after TERM: ctr sends nothing after it)" : "",
            killed.why().c_str());
  opts.insert(opts.end(), {"--env", "REMIT_MAP=137@TERM=0"});
  Ended mapped = Task(c, id + "-grace-rule", opts, kIgnoresTerm, "ready").stop("SIGTERM");
  cr_expect(mapped.code == 0, "%s: REMIT_GRACE=2s REMIT_MAP=137@TERM=0, a program that ignores TERM: expected "
            "0, got %d%s%s", id.c_str(), mapped.code,
            mapped.code < 0 ? " (still running 120 s after TERM: ctr sends nothing after it)" : "",
            mapped.why().c_str());
}

}  // namespace

TestSuite(containerd, .init = sweep, .fini = cleanup, .timeout = 1500);

// The rule turns nats-server's 1 after ctr's TERM into 0; without it the 1
// stays; and nats-server failing by itself (a config that does not parse)
// keeps its 1 under the rule, as the status of a foreground `ctr run --rm`.
Test(containerd, ctr_task_kill_term_rule_gives_0_no_rule_1_a_bad_config_stays_1) {
  Ctr c = start_containerd();
  rule_case(c, "rule", {});
  Ended plain = Task(c, "plain", {"--env", "REMIT_REPORT=-"}, {}, "Server is ready").stop("SIGTERM");
  cr_expect(plain.code == 1, "no rules: nats-server exits 1 on SIGTERM and the init passes it on: expected 1, "
            "got %d%s", plain.code, plain.why().c_str());
  // In the foreground ctr returns the task's status as its own.
  undo(c.argv, {"container", "delete", "bad"});
  std::vector<std::string> bad = {"run", "--rm", "--env", "REMIT_MAP=1@TERM=0", "--env", t::kOneP, kRef, "bad"};
  bad.insert(bad.end(), kNats.begin(), kNats.end());
  bad.insert(bad.end(), {"-c", "/etc/bad.conf"});
  t::Result r = c(bad);
  cr_expect(r.out.find("Parse error") != std::string::npos || r.err.find("Parse error") != std::string::npos,
            "expected nats-server to refuse /etc/bad.conf; ctr run said: %s%s", r.out.c_str(), r.err.c_str());
  cr_expect(r.exited && r.code == 1, "REMIT_MAP=1@TERM=0, nats-server failing by itself (no signal): ctr run "
            "--rm should return its 1, it ended with %d: %s%s", r.status(), r.out.c_str(), r.err.c_str());
  std::string event = exit_event("bad");
  cr_expect(json_int(event.substr(event.find('{') == std::string::npos ? 0 : event.find('{')), "exit_status", 0) == 1,
            "the failing task's exit event should carry exit_status 1: '%s'", event.c_str());
}

// ctr's TERM is all it sends: only remit's grace ends a program that
// ignores it.
Test(containerd, remit_grace_ends_a_program_that_ignores_ctrs_term) {
  Ctr c = start_containerd();
  grace_cases(c, "ignores", {});
}

// The report in a file of the host, bound into the container: it does not
// go through containerd's log copy.  It tells what the exit event says.
Test(containerd, report_in_a_host_file_bound_into_the_container) {
  Ctr c = start_containerd();
  std::string dir = g_dir + "/report";
  mkdirs(dir);
  Ended e = Task(c, "report",
                 {"--mount", "type=bind,src=" + dir + ",dst=/report,options=rbind:rw", "--env",
                  "REMIT_MAP=1@TERM=0", "--env", "REMIT_REPORT=/report/remit.json"},
                 {}, "Server is ready")
                .stop("SIGTERM");
  std::string report = t::slurp(dir + "/remit.json");
  cr_assert(!report.empty(), "REMIT_REPORT=/report/remit.json (bound from %s): no report written%s", dir.c_str(),
            e.why().c_str());
  cr_expect(report_field(report, "code") == "1" && report_field(report, "signals") == "[\"TERM\"]" &&
                report_field(report, "stop_signal") == "\"TERM\"" && report_field(report, "exit_status") == "0",
            "the report should say nats-server exited 1 after TERM and remit 0: %s", report.c_str());
  cr_expect(e.code == 0 && report.back() == '\n' && std::count(report.begin(), report.end(), '\n') == 1,
            "one report line, and the exit event's status %d its exit_status: %s", e.code, report.c_str());
}

// crun 1.8 as containerd's runtime (ctr run --runc-binary), its state in a
// root of the test's own: crun writes NAMESPACE/ID/status there (runc,
// state.json).
// On a hybrid cgroup host crun refuses to start anything ("cgroups in
// hybrid mode not supported"): there containerd runs with the cgroup2
// mount hidden in its own mount namespace.
Test(containerd, crun_as_the_runtime_rule_and_grace) {
  const char *crun = "/usr/bin/crun";
  cr_assert(access(crun, X_OK) == 0, "%s is not installed (apt-get install crun)", crun);
  Ctr c = start_containerd(hybrid_cgroups());
  std::string root = g_dir + "/crun";
  std::vector<std::string> opts = {"--runc-binary", crun, "--runc-root", root};
  std::string version = cmd({crun, "--version"}).out;
  cr_log_info("%s", version.substr(0, version.find('\n')).c_str());
  {
    Task probe(c, "crun-probe", opts, kIgnoresTerm, "ready");
    std::string state = root + "/" + g_ns + "/crun-probe/";
    cr_expect(t::exists(state + "status") && !t::exists(state + "state.json"),
              "the task did not run under crun: no %sstatus", state.c_str());
    probe.stop("SIGKILL");
  }
  rule_case(c, "crun-rule", opts);
  grace_cases(c, "crun", opts);
}
