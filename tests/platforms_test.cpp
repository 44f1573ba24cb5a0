// Issue 26: remit where users run it beyond Docker and Podman.
//
// systemd-nspawn (Debian 12's 252, on a host whose PID 1 is not systemd):
// remit as the container's PID 1 (no --boot) in a small root directory
// (busybox-static, nats-server and its libraries, remit as /remit), the
// stop sent as a service manager sends it, SIGTERM to nspawn, and the
// status read as nspawn's own exit status.
//
// nats-server's lame duck mode (2.9.10): with REMIT_REWRITE=TERM:USR2 the
// platform's SIGTERM reaches nats-server as SIGUSR2; a client of our own,
// over the NATS text protocol, must see the server's lame-duck notice and
// then its connection closed with a FIN, not a reset, and remit exit 0.
//
// ENGINE_INIT=/usr/bin/tini-static puts the stock init where remit goes
// (the root's /remit, the init the lame-duck cases start): each test must
// then fail, which shows that it can.
#include "engines.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <regex>

using eng::init_bin;
using eng::is_ns_pid1;
using eng::tail;
using t::Spec;

namespace {

const char *kPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
const char *kNspawn = "/usr/bin/systemd-nspawn";

// A field of a report, as its JSON text ("TERM", ["TERM"], 0); "" when absent.
std::string report_field(const std::string &report, const std::string &key) {
  size_t at = report.find("\"" + key + "\":");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  size_t end = report[at] == '[' ? report.find(']', at) + 1 : report.find_first_of(",}", at);
  return report.substr(at, end - at);
}

// Waits until the process's stdout or stderr holds `needle`; false past
// `limit` or once it has ended without writing it.
bool wait_output(t::Proc &p, const std::string &needle, double limit) {
  for (double end = t::now() + limit;; t::sleep_s(0.01)) {
    bool over = p.ended() || t::now() >= end;
    if ((p.out() + p.err()).find(needle) != std::string::npos) return true;
    if (over) return false;
  }
}

// ---- systemd-nspawn ----

// One container's root directory, with its own machine name (nspawn takes
// the directory's name otherwise, and keeps a propagation directory and a
// lock under /run/systemd/nspawn by that name: parallel tests must differ),
// and a directory bound into it at /report for REMIT_REPORT.
struct Root {
  std::string dir, root, name, reports;
};

Root make_root() {
  if (geteuid() != 0) cr_assert_fail("systemd-nspawn needs root: run make test as root");
  cr_assert(access(kNspawn, X_OK) == 0, "%s is missing: apt-get install systemd-container (make test does)",
            kNspawn);
  Root r;
  r.dir = t::scratch();
  r.root = r.dir + "/root";
  r.reports = r.dir + "/reports";
  r.name = r.dir.substr(r.dir.rfind('/') + 1);
  eng::make_rootfs(r.root, init_bin());
  std::ofstream(r.root + "/etc/bad.conf") << "port: {\n";
  t::mkdirs(r.reports);
  return r;
}

// The options every run takes.  --keep-unit --register=no: there is no
// systemd as PID 1 to make a scope unit or machined to register with;
// --private-network: the container has no network; --console=pipe: the
// container's output goes to nspawn's own, with no pseudo-terminal that
// could send the container WINCH or HUP.
std::vector<std::string> nspawn_argv(const Root &r, const std::vector<std::string> &opts,
                                     const std::vector<std::string> &command) {
  std::vector<std::string> argv = {kNspawn, "-D", r.root, "-M", r.name, "--keep-unit", "--register=no",
                                   "--private-network", "--console=pipe"};
  argv.insert(argv.end(), opts.begin(), opts.end());
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// nspawn runs /bin/true in the root, or the test is a skip with nspawn's
// own error: what it cannot do here is the host's, not remit's.  60 s: a
// container start takes a tenth of a second; the rest is for a loaded machine.
void nspawn_or_skip(const Root &r) {
  t::Result probe = t::run_within(Spec{nspawn_argv(r, {}, {"/bin/true"}), {kPath}}, 60);
  if (!probe.exited || probe.code != 0)
    cr_skip_test("systemd-nspawn cannot run a container here (%s): %s", probe.describe().c_str(),
                 tail(probe.err).c_str());
}

// The container's PID 1 below nspawn, from the host's /proc (NSpid ends in
// 1): the init under test as /remit, or the test fails.
void expect_remit_is_pid1(t::Proc &nspawn) {
  std::string seen;
  for (pid_t p : t::descendants(nspawn.pid)) {
    if (!is_ns_pid1(p)) continue;
    std::string argv = t::slurp("/proc/" + std::to_string(p) + "/cmdline");
    if (argv.compare(0, 7, std::string("/remit\0", 7)) == 0) return;
    for (char &c : argv) c = c ? c : ' ';
    seen += " '" + argv + "'";
  }
  cr_assert_fail("no process below systemd-nspawn (pid %d) is the container's PID 1 running /remit; PID 1s "
                 "seen:%s", nspawn.pid, seen.empty() ? " none" : seen.c_str());
}

struct Ended {
  t::Result res;
  std::string report;  // what remit wrote to /report/report.json, "" for none
  double stop_secs = -1;  // from nspawn's SIGTERM to its end
  bool outlived_term = false;  // still running 60 s after SIGTERM: sent a second
  std::string why() const {
    return "\n  remit's report: " + (report.empty() ? std::string("(none)") : report) + "\n  nspawn's output: " +
           tail(res.out + res.err);
  }
};

// Starts nspawn with `opts` and `command` (under /remit, REMIT_REPORT into
// the bound directory), waits for `ready` in its output (none: waits for
// the end), checks remit is PID 1, sends nspawn SIGTERM and waits for it.
// 60 s for the start and for the end: both take well under a second (the
// grace case 1 s), the rest is for a loaded machine.  A container still
// running then gets nspawn's second SIGTERM, which kills it at once.
Ended nspawn_stop(const Root &r, const std::string &report_name, std::vector<std::string> opts,
                  const std::vector<std::string> &command, const std::string &ready) {
  opts.insert(opts.end(), {"--bind=" + r.reports + ":/report", "--setenv=REMIT_REPORT=/report/" + report_name,
                           std::string("--setenv=") + t::kOneP});
  std::vector<std::string> cmd = {"/remit", "--"};
  cmd.insert(cmd.end(), command.begin(), command.end());
  t::Proc p = t::start(Spec{nspawn_argv(r, opts, cmd), {kPath}});
  Ended e;
  if (!ready.empty()) {
    if (!wait_output(p, ready, 60)) {
      kill(p.pid, SIGKILL);
      e.res = p.wait(60);
      rmdir(("/run/systemd/nspawn/propagate/" + r.name).c_str());
      cr_assert_fail("systemd-nspawn %s: waited up to 60 s for \"%s\"; it %s%s", report_name.c_str(),
                     ready.c_str(), e.res.describe().c_str(), e.why().c_str());
    }
    expect_remit_is_pid1(p);
    double t0 = t::now();
    kill(p.pid, SIGTERM);
    if (!t::eventually([&] { return p.ended(); }, 60)) {
      e.outlived_term = true;
      kill(p.pid, SIGTERM);
    }
    e.stop_secs = t::now() - t0;
  }
  e.res = p.wait(60, false);
  // What nspawn leaves when it is killed (the second TERM or the limit);
  // gone already when it ends by itself.
  rmdir(("/run/systemd/nspawn/propagate/" + r.name).c_str());
  e.report = t::slurp(r.reports + "/" + report_name);
  while (!e.report.empty() && e.report.back() == '\n') e.report.pop_back();
  return e;
}

const std::vector<std::string> kNats = {"/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", "-1"};

}  // namespace

TestSuite(platforms, .timeout = 900);

// The recipe of docs/systemd-nspawn.md: with --kill-signal=SIGTERM nspawn's
// own SIGTERM reaches remit as SIGTERM (and nothing else: no WINCH or HUP
// from a console), and nspawn exits with remit's status: 1 without a rule,
// 0 with REMIT_MAP=1@TERM=0, and 1 under that rule when nats-server fails
// by itself.  remit's report, in a file bound into the container, says the same.
Test(platforms, nspawn_kill_signal_term_reaches_remit_and_the_rule_gives_0) {
  Root r = make_root();
  nspawn_or_skip(r);
  const std::vector<std::string> term = {"--kill-signal=SIGTERM"};
  std::vector<std::string> rule = {"--kill-signal=SIGTERM", "--setenv=REMIT_MAP=1@TERM=0"};
  Ended plain = nspawn_stop(r, "plain.json", term, kNats, "Server is ready");
  Ended mapped = nspawn_stop(r, "mapped.json", rule, kNats, "Server is ready");
  std::vector<std::string> bad = kNats;
  bad.insert(bad.end(), {"-c", "/etc/bad.conf"});
  Ended failed = nspawn_stop(r, "failed.json", rule, bad, "");
  cr_log_info("nspawn stopped nats-server in %.2f s (no rule) and %.2f s (rule)", plain.stop_secs,
              mapped.stop_secs);
  cr_expect(plain.res.exited && plain.res.code == 1, "systemd-nspawn --kill-signal=SIGTERM, no rule: nats-server "
            "exits 1 on SIGTERM, nspawn should exit 1: %s%s", plain.res.describe().c_str(), plain.why().c_str());
  cr_expect(mapped.res.exited && mapped.res.code == 0, "systemd-nspawn --kill-signal=SIGTERM "
            "--setenv=REMIT_MAP=1@TERM=0: expected nspawn to exit 0, got %s%s", mapped.res.describe().c_str(),
            mapped.why().c_str());
  cr_expect(failed.res.exited && failed.res.code == 1, "REMIT_MAP=1@TERM=0, nats-server failing by itself "
            "(a config that does not parse): the failure must stay 1: %s%s", failed.res.describe().c_str(),
            failed.why().c_str());
  for (const Ended *e : {&plain, &mapped, &failed})
    cr_expect(!e->report.empty() && report_field(e->report, "exit_status") == std::to_string(e->res.code),
              "remit's report in the bound file should say exit_status %d (nspawn's)%s", e->res.code,
              e->why().c_str());
  for (const Ended *e : {&plain, &mapped})
    cr_expect(report_field(e->report, "signals") == "[\"TERM\"]", "with --console=pipe remit should have "
              "received TERM alone%s", e->why().c_str());
  cr_expect(report_field(failed.report, "signals") == "[]", "nats-server failed by itself: remit should have "
            "received no signal%s", failed.why().c_str());
}

// nspawn's default: it answers its own SIGTERM by SIGKILLing the container,
// so remit never sees a stop, writes no report, and nspawn exits 1 (its
// status for a death by a signal) whatever the rules.  Against it, the same
// container with --kill-signal=SIGTERM exits 0 by the rule.
Test(platforms, nspawn_without_kill_signal_sigkills_the_container_so_no_rule_applies) {
  Root r = make_root();
  nspawn_or_skip(r);
  Ended term = nspawn_stop(r, "term.json", {"--kill-signal=SIGTERM", "--setenv=REMIT_MAP=1@TERM=0"}, kNats,
                           "Server is ready");
  cr_expect(term.res.exited && term.res.code == 0 && report_field(term.report, "exit_status") == "0",
            "with --kill-signal=SIGTERM and REMIT_MAP=1@TERM=0 nspawn should exit 0 and remit report it: %s%s",
            term.res.describe().c_str(), term.why().c_str());
  Ended killed = nspawn_stop(r, "killed.json", {"--setenv=REMIT_MAP=1@TERM=0"}, kNats, "Server is ready");
  cr_log_info("without --kill-signal nspawn ended in %.2f s: %s", killed.stop_secs, killed.res.describe().c_str());
  cr_expect(killed.res.exited && killed.res.code == 1, "without --kill-signal nspawn should SIGKILL the "
            "container and exit 1: %s%s", killed.res.describe().c_str(), killed.why().c_str());
  cr_expect(killed.res.err.find("terminated by signal KILL") != std::string::npos,
            "nspawn should say the container was terminated by signal KILL%s", killed.why().c_str());
  cr_expect(killed.report.empty(), "a SIGKILLed remit cannot have written a report%s", killed.why().c_str());
}

// A program that ignores SIGTERM: nspawn waits for ever (a second SIGTERM
// kills at once), so REMIT_GRACE=1s has remit SIGKILL it after a second and
// the rule 137@TERM=0 makes that 0; the report says grace_kill.
Test(platforms, nspawn_remit_grace_kills_a_program_that_ignores_term_and_the_137_rule_gives_0) {
  Root r = make_root();
  nspawn_or_skip(r);
  Ended e = nspawn_stop(r, "grace.json",
                        {"--kill-signal=SIGTERM", "--setenv=REMIT_GRACE=1s", "--setenv=REMIT_MAP=137@TERM=0"},
                        {"/bin/sh", "-c", "trap '' TERM; echo ready; exec busybox sleep 1000"}, "ready");
  cr_log_info("nspawn with REMIT_GRACE=1s stopped a program that ignores TERM in %.2f s", e.stop_secs);
  cr_expect(!e.outlived_term, "nspawn was still running 60 s after SIGTERM: the grace did not start%s",
            e.why().c_str());
  cr_expect(e.res.exited && e.res.code == 0, "REMIT_GRACE=1s REMIT_MAP=137@TERM=0, a program that ignores "
            "TERM: expected nspawn to exit 0, got %s%s", e.res.describe().c_str(), e.why().c_str());
  cr_expect(report_field(e.report, "grace_kill") == "true" && report_field(e.report, "ended") == "\"killed\"" &&
                report_field(e.report, "signal") == "\"KILL\"",
            "the report should say the program was killed by remit's grace KILL%s", e.why().c_str());
}

// ---- nats-server's lame duck mode ----
namespace {

// The configuration: 2.9 refuses a lame_duck_duration under 30 s; the
// grace period (the wait before the first client is closed) is made short.
const double kDuration = 30, kGracePeriod = 1;

// A NATS client over the text protocol (docs.nats.io, "Client Protocol"),
// reading line by line, each read bounded.
struct Client {
  int fd = -1;
  std::string buf;
  enum Got { kLine, kEof, kReset, kTimeout };
  ~Client() {
    if (fd >= 0) close(fd);
  }
  void connect_to(int port) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0,
              "cannot connect to nats-server on 127.0.0.1:%d: %s", port, strerror(errno));
  }
  void send(const std::string &s) {
    cr_assert(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()), "send failed: %s",
              strerror(errno));
  }
  // One line without its CRLF, or why there is none within `limit` seconds.
  Got line(std::string &out, double limit) {
    for (double end = t::now() + limit;;) {
      size_t nl = buf.find("\r\n");
      if (nl != std::string::npos) {
        out = buf.substr(0, nl);
        buf.erase(0, nl + 2);
        return kLine;
      }
      double left = end - t::now();
      if (left <= 0) return kTimeout;
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, int(left * 1000) + 1) <= 0) continue;
      char chunk[4096];
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n == 0) return kEof;
      if (n < 0) return errno == ECONNRESET ? kReset : kTimeout;
      buf.append(chunk, size_t(n));
    }
  }
  // The next line, which must be `want` (its start), within `limit`.
  void expect(const std::string &want, double limit, const char *after) {
    std::string l;
    Got g = line(l, limit);
    std::string got = g == kLine ? "'" + l.substr(0, 200) + "'" : g == kEof ? "EOF" : g == kReset ? "a reset"
                                                                                         : "nothing in time";
    cr_assert(g == kLine && l.compare(0, want.size(), want) == 0, "after %s the server should send %s; got %s",
              after, want.c_str(), got.c_str());
  }
};

struct Server {
  t::Proc p;
  int port = 0;
  std::string report_path;
};

// nats-server under the init under test as PID 1 of a new PID namespace
// (as in a container), with the lame-duck configuration and `env`, ready
// with a port it picked.  60 s for "Server is ready": it takes
// milliseconds, the rest is for a loaded machine.
Server start_nats(const std::vector<std::string> &env) {
  Server s;
  std::string dir = t::scratch(), conf = dir + "/nats.conf";
  std::ofstream(conf) << "lame_duck_duration: \"" << kDuration << "s\"\nlame_duck_grace_period: \""
                      << kGracePeriod << "s\"\n";
  s.report_path = dir + "/report.json";
  std::vector<std::string> e = {t::kOneP, "REMIT_REPORT=" + s.report_path};
  e.insert(e.end(), env.begin(), env.end());
  s.p = t::start(Spec{{init_bin(), "--", t::nats_server(), "-c", conf, "-a", "127.0.0.1", "-p", "-1"}, e, true,
                      "", "", dir});
  cr_assert(s.p.wait_for("Server is ready", 60, true), "nats-server did not get ready in 60 s: %s",
            tail(s.p.err()).c_str());
  std::smatch m;
  std::string err = s.p.err();
  cr_assert(std::regex_search(err, m, std::regex("client connections on 127\\.0\\.0\\.1:([0-9]+)")),
            "nats-server did not say its port: %s", tail(err).c_str());
  s.port = std::stoi(m[1]);
  return s;
}

// A client connected and subscribed: INFO, CONNECT with protocol 1 (a
// client that does not say it gets no INFO updates, the lame-duck notice
// among them), PING answered by PONG, SUB, PING and PONG again.  5 s for
// each answer: the server gives it in microseconds.
void connect_and_subscribe(Client &c, int port) {
  c.connect_to(port);
  c.expect("INFO {", 5, "connecting");
  c.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"name\":\"remit-test\"}\r\nPING\r\n");
  c.expect("PONG", 5, "CONNECT and PING");
  c.send("SUB remit.lame.duck 1\r\nPING\r\n");
  c.expect("PONG", 5, "SUB and PING");
}

// After the stop: the client must get an INFO with "ldm":true, then EOF
// (the server's FIN) with no reset, and the init end with 0.  Each wait is
// bounded by lame_duck_duration plus 30 s for a loaded machine; the times
// are printed, not asserted.
void expect_lame_duck(Client &c, Server &s, double t0, const char *how) {
  std::string l;
  Client::Got g = Client::kLine;
  double notice = -1, closed = -1;
  while ((g = c.line(l, kDuration + 30)) == Client::kLine) {
    if (l.compare(0, 5, "INFO ") == 0 && l.find("\"ldm\":true") != std::string::npos && notice < 0)
      notice = t::now() - t0;
    else if (l == "PING")
      c.send("PONG\r\n");
  }
  if (g == Client::kEof) closed = t::now() - t0;
  t::Result r = s.p.wait(kDuration + 30);
  double exited = t::now() - t0;
  std::string report = t::slurp(s.report_path);
  cr_log_info("%s: lame-duck notice after %.2f s, connection closed after %.2f s, the init exited (%s) after "
              "%.2f s (lame_duck_grace_period %.0f s, lame_duck_duration %.0f s)", how, notice, closed,
              r.describe().c_str(), exited, kGracePeriod, kDuration);
  std::string why = "\n  remit's report: " + (report.empty() ? std::string("(none)") : report) +
                    "\n  its stderr: " + tail(r.err);
  cr_expect(notice >= 0, "%s: the client saw no INFO with \"ldm\":true before its connection ended%s", how,
            why.c_str());
  cr_expect(g == Client::kEof, "%s: the connection should end with EOF (the server's FIN); it ended with %s%s", how,
            g == Client::kReset ? "a reset" : "nothing in time", why.c_str());
  cr_expect(r.exited && r.code == 0, "%s: expected exit 0 after lame duck mode, got %s%s", how,
            r.describe().c_str(), why.c_str());
  cr_expect(report_field(report, "code") == "0" && report_field(report, "signals") == "[\"TERM\"]",
            "%s: remit's report should say nats-server exited 0 and remit received TERM%s", how, why.c_str());
}

}  // namespace

// ECS's way (no preStop): the platform's SIGTERM, rewritten to SIGUSR2 by
// REMIT_REWRITE=TERM:USR2, puts nats-server in lame duck mode; it tells its
// client, closes it, and exits 0, which needs no rule.
Test(platforms, nats_lame_duck_by_rewrite_term_to_usr2_closes_a_client_gracefully_and_exits_0) {
  Server s = start_nats({"REMIT_REWRITE=TERM:USR2"});
  Client c;
  connect_and_subscribe(c, s.port);
  double t0 = t::now();
  s.p.signal(SIGTERM);
  expect_lame_duck(c, s, t0, "REMIT_REWRITE=TERM:USR2, SIGTERM");
}

// The Helm chart's way (Kubernetes): a preStop hook runs `nats-server
// --signal ldm=PID`, then the kubelet sends SIGTERM, which remit (with the
// README's rule, no rewrite) passes on as it is.  nats-server 2.9 takes
// that SIGTERM only once lame duck mode is over: it does not cut it short,
// and the status is lame duck mode's 0.
Test(platforms, nats_lame_duck_by_signal_ldm_then_term_as_after_a_prestop_hook_exits_0) {
  Server s = start_nats({"REMIT_MAP=1@TERM=0"});
  Client c;
  connect_and_subscribe(c, s.port);
  pid_t nats = s.p.child_pid();
  double t0 = t::now();
  t::Result hook = t::run(Spec{{t::nats_server(), "--signal", "ldm=" + std::to_string(nats)}});
  cr_assert(hook.exited && hook.code == 0, "nats-server --signal ldm=%d failed: %s%s", nats,
            hook.describe().c_str(), hook.err.c_str());
  // The notice first: the hook has done its work before the kubelet's TERM.
  std::string l;
  Client::Got g;
  while ((g = c.line(l, kDuration + 30)) == Client::kLine && l.find("\"ldm\":true") == std::string::npos) {}
  cr_assert(g == Client::kLine, "after nats-server --signal ldm the client saw no lame-duck notice");
  c.buf = l + "\r\n" + c.buf;  // expect_lame_duck reads it again
  s.p.signal(SIGTERM);
  expect_lame_duck(c, s, t0, "nats-server --signal ldm, then SIGTERM");
}
