// Issue 26: remit under Compose, as users run it: docker-compose (1.29 on
// Debian 12) against a private dockerd, and podman-compose (1.0.3) driving
// Podman with private storage (tests/private_engines.hpp has both, and the image).
// Each tool runs the file the docs show, docs/examples/compose.yaml, as it
// is, with a second file beside it (-f) that only adds what this host needs:
// no network (network_mode: none), GOMAXPROCS=1 (harness.hpp's kOneP), and
// for the crash case a config nats-server refuses (docker-compose only:
// podman-compose 1.0.3 appends a second file's `command` list to the first's).  Its two services are the
// two ways: `nats`, remit as the entrypoint; `nats-init`, `init: true`
// (dockerd's --init-path at /sbin/docker-init, Podman's init_path at
// /run/podman-init: both remit).  nats-server 2.9 exits 1 on TERM, and the
// file's REMIT_MAP=1@TERM=0 must make `stop` (and docker-compose's `down`,
// read from the die event, the container being gone) a 0, while a
// nats-server that fails by itself keeps its 1.
//
// ENGINE_INIT=/usr/bin/tini-static puts stock tini everywhere remit goes:
// each test must then fail (1 after the stop).
#include "private_engines.hpp"

#include <regex>

namespace {

std::string shown_file() { return t::root() + "/docs/examples/compose.yaml"; }

// The images the shown file names, each made the imported root filesystem.
std::vector<std::string> shown_images() {
  std::string text = t::slurp(shown_file());
  std::vector<std::string> out;
  std::regex re("\\n *image: *(\\S+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  cr_assert(out.size() == 2, "%s should name two images (nats, nats-init), names %zu", shown_file().c_str(),
            out.size());
  return out;
}

// A Compose tool: its command line (project, the shown file, this host's
// file) and the engine it drives, for inspect and logs.
struct Compose {
  std::string name;
  std::vector<std::string> argv;
  Engine engine;

  // This host's file: no network and one Go P for both services, and
  // `command` for `crash_service` (nats-server refusing its config).
  void host_file(const std::string &crash_service = "") const {
    std::ofstream f(g_dir + "/host.yaml");
    f << "version: \"2.4\"\nservices:\n";
    for (const char *svc : {"nats", "nats-init"}) {
      f << "  " << svc << ":\n    network_mode: none\n    environment:\n      GOMAXPROCS: \"1\"\n";
      if (crash_service == svc)
        f << "    command: [\"/usr/sbin/nats-server\", \"-c\", \"/etc/bad.conf\"]\n";
    }
  }
  t::Result operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), argv.begin(), argv.end());
    return cmd(args, 240);
  }
  // Runs args and fails the test with the tool's own output if it fails.
  void must(const std::vector<std::string> &args) const {
    t::Result r = (*this)(args);
    cr_assert(r.exited && r.code == 0, "%s %s failed (%d): %s%s", name.c_str(), args[0].c_str(), r.status(),
              tail(r.out, 2000).c_str(), tail(r.err, 2000).c_str());
  }
  // The container of a service, by the labels both tools set (docker-compose
  // 2 names it PROJECT-SERVICE-1, 1.29 and podman-compose PROJECT_SERVICE_1).
  std::string container(const std::string &svc, const t::Result &up) const {
    std::string id = engine.must({"ps", "-aq", "--no-trunc", "--filter", "label=com.docker.compose.project=remit",
                                  "--filter", "label=com.docker.compose.service=" + svc});
    // podman-compose 1.0.3's up exits 0 when podman run failed: its output says why.
    cr_assert(!id.empty() && id.find('\n') == std::string::npos, "%s up -d %s: no one container of the service "
              "('%s'); its output: %s%s", name.c_str(), svc.c_str(), id.c_str(), tail(up.out, 2000).c_str(),
              tail(up.err, 2000).c_str());
    return id;
  }
  // `up -d SERVICE`, then (bounded, wait_nats) until nats-server is ready,
  // or with `crash`, until the container has exited by itself.
  std::string up(const std::string &svc, const std::string &pid1, bool crash = false) const {
    std::vector<std::string> args = {"up", "-d", svc};
    t::Result r = (*this)(args);
    cr_assert(r.exited && r.code == 0, "%s up -d %s failed (%d): %s%s", name.c_str(), svc.c_str(), r.status(),
              tail(r.out, 2000).c_str(), tail(r.err, 2000).c_str());
    std::string id = container(svc, r);
    std::string logs = wait_nats(engine, id, !crash);
    if (crash) {
      cr_assert(logs.find("Parse error") != std::string::npos,
                "%s %s: expected nats-server to refuse /etc/bad.conf; its log: %s", name.c_str(), svc.c_str(),
                tail(logs).c_str());
      return id;
    }
    // The container's PID 1 (see not_pid1_running).
    std::string wrong = not_pid1_running(engine.inspect(id, "{{.State.Pid}}"), pid1);
    cr_assert(wrong.empty(), "%s %s: the container's %s", name.c_str(), svc.c_str(), wrong.c_str());
    return id;
  }
  // remit's report (the last JSON line of the log; none from a stock init)
  // and the engine's State, to explain an exit code.
  std::string why(const std::string &id) const {
    t::Result log = engine({"logs", id});
    std::string report = report_line(log.out + log.err);
    return "\n  remit's report: " + (report.empty() ? "(none)" : report) + "\n  the engine's State: " + engine.inspect(id, "{{json .State}}");
  }
};

// The image, from make_image_tar()'s tarball (which makes the scratch
// root: call it before the engine starts), under each name the shown file uses.
void image(const Engine &e, const std::string &tar) {
  std::vector<std::string> names = shown_images();
  import_image(e, tar);
  for (const std::string &n : names) e.must({"tag", kImage, n});
}

// `stop SERVICE`: the exit code the engine keeps must be the rule's 0.
void stop_gives_0(const Compose &c, const std::string &svc, const std::string &pid1) {
  std::string id = c.up(svc, pid1);
  c.must({"stop", svc});
  int code = atoi(c.engine.inspect(id, "{{.State.ExitCode}}").c_str());
  cr_expect(code == 0, "%s %s, REMIT_MAP=1@TERM=0, nats-server stopped with `stop`: expected exit code 0, got "
            "%d%s%s", c.name.c_str(), svc.c_str(), code,
            code == 137 ? " (killed after the stop timeout: TERM was not forwarded)" : "", c.why(id).c_str());
  c.must({"down"});
}

// A nats-server that fails by itself keeps its 1 under the same rule.
void crash_keeps_1(const Compose &c, const std::string &svc, const std::string &pid1) {
  c.host_file(svc);
  std::string id = c.up(svc, pid1, true);
  c.must({"stop", svc});
  int code = atoi(c.engine.inspect(id, "{{.State.ExitCode}}").c_str());
  std::string why = c.why(id);
  cr_expect(code == 1, "%s %s, REMIT_MAP=1@TERM=0, nats-server failing by itself (no stop): the failure must "
            "stay 1, got %d%s", c.name.c_str(), svc.c_str(), code, why.c_str());
  // A stock init writes no report: the test must not pass without remit.
  cr_expect(why.find("\"exit_status\":1") != std::string::npos, "%s %s: expected remit's report with "
            "exit_status 1%s", c.name.c_str(), svc.c_str(), why.c_str());
  c.must({"down"});
  c.host_file();
}

// Now on the host's clock, as `docker events --since/--until` take it.
std::string wall_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char buf[40];
  snprintf(buf, sizeof buf, "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
  return buf;
}

}  // namespace

TestSuite(compose, .init = sweep, .fini = cleanup, .timeout = 1500);

// docker-compose: both services stopped with `stop` (docker inspect keeps
// the status), then with `down`, which removes the container: its status
// is the exitCode of the die event that `docker events` has from then.
Test(compose, docker_compose_stop_and_down_give_the_rules_0_and_a_crash_keeps_1) {
  std::string tar = make_image_tar();
  Engine e = start_docker();
  image(e, tar);
  g_env.push_back("DOCKER_HOST=unix://" + g_dir + "/sock");
  Compose c{"docker-compose",
            {"/usr/bin/docker-compose", "-p", "remit", "-f", shown_file(), "-f", g_dir + "/host.yaml"}, e};
  c.host_file();
  for (auto [svc, pid1] : {std::pair<std::string, std::string>{"nats", "/remit"}, {"nats-init", "/sbin/docker-init"}}) {
    stop_gives_0(c, svc, pid1);
    std::string id = c.up(svc, pid1), since = wall_now();
    c.must({"down"});
    // Every event up to now: the die event came before down removed the container.
    std::string died = e.must({"events", "--since", since, "--until", wall_now(), "--filter", "container=" + id,
                               "--filter", "event=die", "--format", "{{index .Actor.Attributes \"exitCode\"}}"});
    cr_expect(died == "0", "docker-compose %s, REMIT_MAP=1@TERM=0, nats-server stopped with `down`: expected the "
              "die event's exitCode 0, got '%s'", svc.c_str(), died.c_str());
  }
  crash_keeps_1(c, "nats", "/remit");
}

// podman-compose: `stop` for both services (podman inspect keeps the
// status).  It takes no --root-style flags: --podman-path is the docs'
// wrapper (docs/examples/podman-net-none.sh: podman-compose 1.0.3 adds
// --net and --network-alias after network_mode: none), which runs the
// `podman` first on PATH, here one with the private flags.
Test(compose, podman_compose_stop_gives_the_rules_0) {
  std::string tar = make_image_tar();
  Engine e = start_podman();
  image(e, tar);
  std::string bin = g_dir + "/bin", wrapper = g_dir + "/podman-net-none";
  mkdirs(bin);
  std::ofstream script(bin + "/podman");
  script << "#!/bin/sh\nexec";
  for (const std::string &a : e.argv) script << " '" << a << "'";
  script << " \"$@\"\n";
  script.close();
  chmod((bin + "/podman").c_str(), 0755);
  copy_file(t::root() + "/docs/examples/podman-net-none.sh", wrapper);
  for (std::string &v : g_env)
    if (v.compare(0, 5, "PATH=") == 0) v = "PATH=" + bin + ":" + v.substr(5);
  Compose c{"podman-compose",
            {"/usr/bin/podman-compose", "--podman-path", wrapper, "-p", "remit", "-f", shown_file(), "-f",
             g_dir + "/host.yaml"},
            e};
  c.host_file();
  stop_gives_0(c, "nats", "/remit");
  stop_gives_0(c, "nats-init", "/run/podman-init");
}
