// tests/private_engines.hpp: a private dockerd and a private Podman (their
// own sockets, storage and configs under the test's scratch root, no
// network), the image they run, and the clean-up and sweep of the suites
// that use them (engines, compose).
#pragma once
#include "engines.hpp"

using t::copy_file;
using t::mkdirs;
using t::Spec;

namespace {

using namespace eng;

const char *kImage = "remit-engines:test";

t::Proc g_dockerd;                              // the private dockerd, when started
std::vector<std::string> g_pods;                // pod ids, whose cgroups Podman leaves

// dockerd's log without its many level=info lines: the errors, and the
// plain "failed to start daemon: ..." it ends with.
std::string daemon_log(const std::string &path) {
  std::istringstream in(t::slurp(path));
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.find("level=info") == std::string::npos) out += line + "\n";
  return tail(out);
}

void clear() {
  for (size_t i = g_undo.size(); i-- > 0;) cmd(g_undo[i], 120);
  g_undo.clear();
  if (g_dockerd.pid > 0 && !g_dockerd.reaped) stop_process(g_dockerd.pid, true, 30);
  g_dockerd.reaped = true;
  // ENGINE_KEEP_LOGS=DIR keeps dockerd's log (and containerd's stack dumps)
  // there, for runs that failed in a loop.
  const char *keep = getenv("ENGINE_KEEP_LOGS");
  if (keep && *keep && g_dockerd.pid > 0)
    cmd({"sh", "-c", "d=$0/$(date +%s).$$; mkdir -p $d && cp $1 $d/dockerd.log; cp $2/*.log $d/",
         keep, g_dockerd.err_path, g_dir});
  if (g_dockerd.pid > 0) cmd({"rm", "-rf", g_dockerd.dir});
  // The dockerd of a run that was killed (see sweep()), and the containerd
  // a killed dockerd leaves (dockerd stops it when it stops well).
  if (!g_dir.empty())
    stop_by_pidfile("/dockerd.pid", 30), stop_by_pidfile("/x/containerd/containerd.pid", 10);
  // Podman 4.3 with cgroupfs on cgroup v1 removes a pod's cgroup from every
  // hierarchy but name=systemd and the unified one; empty, they can go.
  for (const std::string &id : g_pods)
    for (const char *h : {"", "/systemd", "/unified"})
      rmdir((std::string("/sys/fs/cgroup") + h + "/libpod_parent/" + id).c_str());
  g_pods.clear();
  clear_scratch();
}

void cleanup() {
  g_deadline = t::now() + 240;
  clear();
}

// An engine's client: its command line prefix, and where its own log is
// (dockerd's), for the failure messages.
struct Engine {
  std::string name;
  std::vector<std::string> argv;
  std::string log;

  t::Result operator()(std::vector<std::string> args, double limit = 120) const {
    args.insert(args.begin(), argv.begin(), argv.end());
    return cmd(args, limit);
  }
  // Runs args and fails the test with the engine's error if it fails.
  std::string must(const std::vector<std::string> &args, double limit = 120) const {
    t::Result r = (*this)(args, limit);
    cr_assert(r.exited && r.code == 0, "%s %s failed (%d): %s%s%s", name.c_str(),
              args[0].c_str(), r.status(), r.err.c_str(),
              log.empty() ? "" : "\nthe daemon's log ends with:\n", daemon_log(log).c_str());
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string inspect(const std::string &name, const std::string &format) const {
    return must({"inspect", "-f", format, name});
  }
};

// A private dockerd, up and answering, with the init under test as its
// --init-path.  overlay2, or vfs where overlay2 cannot work.
Engine start_docker() {
  std::string init = g_dir + "/docker-init";
  copy_file(init_bin(), init);
  std::ofstream(g_dir + "/daemon.json") << "{}\n";  // not the host's /etc/docker/daemon.json
  Engine e{"docker", {"/usr/bin/docker", "-H", "unix://" + g_dir + "/sock"}, ""};
  std::string errors;
  // dockerd has a slow containerd dump its stacks (into TMPDIR) before it
  // restarts it: into the scratch root, which goes with the test.
  std::vector<std::string> env = g_env;
  env.push_back("TMPDIR=" + g_dir);
  for (const char *driver : {"overlay2", "vfs"}) {
    g_dockerd = t::start(Spec{{"/usr/sbin/dockerd", "--iptables=false", "--ip-masq=false",
                               "--bridge=none", std::string("--storage-driver=") + driver,
                               "--data-root", g_dir + "/data", "--exec-root", g_dir + "/x",
                               "--pidfile", g_dir + "/dockerd.pid",
                               "--host", "unix://" + g_dir + "/sock", "--init-path", init,
                               "--config-file", g_dir + "/daemon.json"},
                              env});
    e.log = g_dockerd.err_path;
    for (double end = until(60); t::now() < end; t::sleep_s(0.1)) {
      int st;
      if (waitpid(g_dockerd.pid, &st, WNOHANG) == g_dockerd.pid) {
        g_dockerd.reaped = true;
        break;
      }
      if (e({"version", "--format", "{{.Server.Version}}"}, 30).code == 0) return e;
    }
    errors += std::string("\n--- dockerd with ") + driver + ":\n" + daemon_log(e.log);
    if (!g_dockerd.reaped) {
      stop_process(g_dockerd.pid, true, 30);
      g_dockerd.reaped = true;
    }
    cmd({"rm", "-rf", g_dockerd.dir, g_dir + "/data", g_dir + "/x"});
  }
  cr_assert_fail("dockerd did not start (waited up to 60 s for it to answer):%s", errors.c_str());
  return e;
}

// Podman with private storage and configuration: rlimits runc can set here,
// the init under test as the helper `catatonit` a pod's infra runs (Podman
// 4 takes it from helper_binaries_dir, 5 from init_path), and file locks in
// its tmpdir: a fresh Podman frees every lock of the shared
// /dev/shm/libpod_lock when it starts, the other Podman test's included.
// After the private helper directory come Podman's own (its defaults):
// Podman 5 finds netavark and aardvark-dns there, even with --network none.
Engine podman() {
  g_env.push_back("CONTAINERS_CONF=" + g_dir + "/containers.conf");
  g_env.push_back("CONTAINERS_STORAGE_CONF=" + g_dir + "/storage.conf");
  Engine e{"podman",
           {"/usr/bin/podman", "--root", g_dir + "/root", "--runroot", g_dir + "/run",
            "--tmpdir", g_dir + "/tmp", "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
            "--events-backend", "file"},
           ""};
  for (std::vector<std::string> undo : {std::vector<std::string>{"rm", "-f", "-a"}, {"pod", "rm", "-f", "-a"}}) {
    undo.insert(undo.begin(), e.argv.begin(), e.argv.end());
    g_undo.push_back(undo);
  }
  return e;
}

Engine start_podman() {
  std::string helpers = g_dir + "/helpers";
  copy_file(init_bin(), helpers + "/catatonit");
  std::string hard = cmd({"sh", "-c", "ulimit -Hn"}).out;
  while (!hard.empty() && hard.back() == '\n') hard.pop_back();
  std::ofstream(g_dir + "/containers.conf")
      << "[containers]\ndefault_ulimits = [\"nofile=" << hard << ":" << hard
      << "\", \"nproc=4096:4096\"]\ninit_path = \"" << helpers << "/catatonit\"\n"
      // runc named: with Debian's crun installed Podman 4.3 takes crun,
      // which refuses a cgroup v1 host with a cgroup2 hybrid mount.
      << "[engine]\nruntime = \"runc\"\nhelper_binaries_dir = [\"" << helpers << "\", \"/usr/local/libexec/podman\", "
      << "\"/usr/local/lib/podman\", \"/usr/libexec/podman\", \"/usr/lib/podman\"]\n"
      << "lock_type = \"file\"\n"
      // Networks (and Podman's lock file for them) in the scratch root,
      // not in /etc/containers/networks.
      << "[network]\nnetwork_config_dir = \"" << g_dir << "/networks\"\n";
  // Not the host's storage.conf either (its options, additional image stores).
  std::ofstream(g_dir + "/storage.conf") << "[storage]\ndriver = \"vfs\"\nrunroot = \"" << g_dir
                                          << "/run\"\ngraphroot = \"" << g_dir << "/root\"\n";
  Engine e = podman();
  e.must({"info", "--format", "{{.Host.OCIRuntime.Name}}"});
  return e;
}

void import_image(const Engine &e, const std::string &tar) { e.must({"import", tar, kImage}); }

// Waits (bounded) until the container has logged "Server is ready", or has
// exited (`ready` false) with the log that says why.
std::string wait_nats(const Engine &e, const std::string &name, bool ready) {
  std::string logs;
  for (double end = until(60); t::now() < end; t::sleep_s(0.1)) {
    t::Result r = e({"logs", name});
    logs = r.out + r.err;
    if (ready && logs.find("Server is ready") != std::string::npos) return logs;
    std::string state = e.inspect(name, "{{.State.Status}}");
    if (state == "exited") {
      // The log read above may be from before it ended (seen under qemu).
      r = e({"logs", name});
      logs = r.out + r.err;
      cr_assert(!ready, "%s: the container exited before nats-server was ready; its log: %s",
                name.c_str(), tail(logs).c_str());
      return logs;
    }
  }
  cr_assert_fail("%s: waited up to 60 s for %s; its log: %s", name.c_str(),
                 ready ? "\"Server is ready\" in the container's log" : "the container to exit",
                 tail(logs).c_str());
  return logs;
}

// How a container ended: the exit code the engine recorded, and what it
// takes to explain one that is not as expected: remit's exit report (the
// container runs with REMIT_REPORT=-, so the report is the last JSON line
// of its log; a stock init writes none), the engine's {{json .State}}, and
// the end of the daemon's log.
struct Ended {
  int code = -1;
  std::string report, state, daemon;
  // remit's exit_status, -1 without a report.
  int reported() const {
    size_t at = report.find("\"exit_status\":");
    return at == std::string::npos ? -1 : atoi(report.c_str() + at + 14);
  }
  std::string why() const {
    bool lost_race = report.find("\"code\":0,\"signals\":[\"TERM\"]") != std::string::npos;
    return std::string(lost_race ? "\n  nats-server itself exited 0 after TERM (see kOneP)" : "") +
           "\n  remit's report: " + (report.empty() ? "(none)" : report) +
           "\n  the engine's State: " + state + daemon;
  }
};

// One container running nats-server (under `init_opts` and/or `entry`):
// started, awaited, stopped with `<engine> stop`, its exit code returned.
// With `bad`, nats-server is given a config that does not parse, so it
// exits 1 by itself before any stop.
Ended stop_nats(const Engine &e, const std::string &name, std::vector<std::string> run_opts,
              const std::vector<std::string> &entry, const std::string &pid1, bool bad) {
  std::vector<std::string> args = {"run", "-d", "--name", name, "--network", "none",
                                   "-e", "REMIT_REPORT=-", "-e", t::kOneP};
  args.insert(args.end(), run_opts.begin(), run_opts.end());
  args.push_back(kImage);
  args.insert(args.end(), entry.begin(), entry.end());
  args.insert(args.end(), {"/usr/sbin/nats-server", "-a", "127.0.0.1"});
  if (bad) args.insert(args.end(), {"-c", "/etc/bad.conf"});
  std::vector<std::string> rm = e.argv;
  rm.insert(rm.end(), {"rm", "-f", name});
  g_undo.push_back(rm);
  e.must(args);
  std::string logs = wait_nats(e, name, !bad);
  if (bad)
    cr_assert(logs.find("Parse error") != std::string::npos,
              "%s: expected nats-server to refuse /etc/bad.conf; its log: %s", name.c_str(),
              tail(logs).c_str());
  else {
    // The init the engine started, and the name it goes by.
    std::string wrong = not_pid1_running(e.inspect(name, "{{.State.Pid}}"), pid1);
    cr_assert(wrong.empty(), "%s: the container's %s", name.c_str(), wrong.c_str());
  }
  // 120 s, not the engines' 10: a slow machine (nats-server under qemu
  // for arm64) must not read as a lost TERM; a lost one still ends in 137.
  e.must({"stop", "-t", "120", name});
  Ended end;
  end.code = atoi(e.inspect(name, "{{.State.ExitCode}}").c_str());
  end.state = e.inspect(name, "{{json .State}}");
  t::Result log = e({"logs", name});
  end.report = report_line(log.out + log.err);
  if (!e.log.empty()) {
    // Without the gRPC chatter and the shims' plugin list.
    std::istringstream in(t::slurp(e.log));
    std::string kept;
    for (std::string line; std::getline(in, line);)
      if (line.find("module=grpc") == std::string::npos &&
          line.find("msg=\"loading plugin") == std::string::npos)
        kept += line + "\n";
    end.daemon = "\n  the daemon's log ends with:\n" + tail(kept, 4000);
  }
  e.must({"rm", "-f", name});
  g_undo.pop_back();
  return end;
}

// The three cases of the issue, the init given by `run_opts` + `entry`
// and seen in the container as `pid1`.
// (Not every suite that includes this runs them.)
[[maybe_unused]] void three_cases(const Engine &e, const std::string &how, const std::vector<std::string> &run_opts,
                 const std::vector<std::string> &entry, const std::string &pid1) {
  std::vector<std::string> rule = run_opts;
  rule.insert(rule.end(), {"-e", "REMIT_MAP=1@TERM=0"});
  Ended plain = stop_nats(e, e.name + "-" + how + "-plain", run_opts, entry, pid1, false);
  cr_expect(plain.code == 1, "%s %s, no rules: nats-server exits 1 on SIGTERM and the init "
            "should pass it on: expected 1, got %d%s", e.name.c_str(), how.c_str(), plain.code,
            plain.why().c_str());
  Ended mapped = stop_nats(e, e.name + "-" + how + "-mapped", rule, entry, pid1, false);
  cr_expect(mapped.code == 0, "%s %s -e REMIT_MAP=1@TERM=0, stopped: expected 0, got %d%s%s",
            e.name.c_str(), how.c_str(), mapped.code,
            mapped.code == 137 ? " (killed after the stop timeout: TERM was not forwarded)" : "",
            mapped.why().c_str());
  Ended failed = stop_nats(e, e.name + "-" + how + "-failed", rule, entry, pid1, true);
  cr_expect(failed.code == 1, "%s %s -e REMIT_MAP=1@TERM=0, nats-server failing by itself (no "
            "SIGTERM): the failure must stay 1, got %d%s", e.name.c_str(), how.c_str(),
            failed.code, failed.why().c_str());
  // What remit exited with is what the engine must record (a stock init
  // writes no report: nothing to compare).
  for (const Ended *c : {&plain, &mapped, &failed})
    cr_expect(c->report.empty() || c->reported() == c->code,
              "%s %s: the engine recorded exit code %d, remit reported exit_status %d%s",
              e.name.c_str(), how.c_str(), c->code, c->reported(), c->why().c_str());
}

void fresh() {
  g_dir.clear();
  g_undo.clear();
  g_pods.clear();
  g_env = {kPath};
  g_dockerd = t::Proc{};
}

// A killed run's dockerd (found by its pidfile), Podman pods and
// containers, mounts and files: see sweep_scratch().
void clear_killed_run() {
  if (access((g_dir + "/containers.conf").c_str(), F_OK) == 0) {
    std::istringstream pods(podman()({"pod", "ps", "-q", "--no-trunc"}).out);
    for (std::string id; pods >> id;) g_pods.push_back(id);
  }
  clear();
}

void sweep() { sweep_scratch("remit-engines", fresh, clear_killed_run); }

}  // namespace
