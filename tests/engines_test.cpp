// Issue 12: remit under the real engines, as users run it.  Debian's
// docker.io (a private dockerd this test starts and stops) and podman
// (rootful, private storage), offline: the image is imported from a tarball
// of a small root filesystem built here (busybox-static, nats-server with
// the libraries ldd lists, the init under test as /remit).  Each case runs
// nats-server 2.9 (which exits 1 on SIGTERM), waits for "Server is ready" in
// the container's log, stops the container the engine's way and reads the
// exit code the engine recorded.
//
// ENGINE_INIT=/usr/bin/tini-static (or /usr/bin/catatonit) puts the stock
// init everywhere remit goes (the image's /remit, --init-path, Podman's
// helper catatonit): each test must then fail, which shows that it can.
// An engine that cannot start fails the test with its own error.
#include "private_engines.hpp"

#include <regex>

TestSuite(engines, .init = sweep, .fini = cleanup, .timeout = 1500);

// docker run with remit as the entrypoint, then docker run --init (remit as
// /sbin/docker-init, where it answers as tini).
Test(engines, docker_stop_exit_codes_with_remit_as_entrypoint_and_as_init) {
  std::string tar = make_image_tar();
  Engine e = start_docker();
  import_image(e, tar);
  three_cases(e, "entrypoint", {}, {"/remit", "--"}, "/remit");
  three_cases(e, "init", {"--init"}, {}, "/sbin/docker-init");
}

// The same under podman: remit as the entrypoint, then --init --init-path
// (remit mounted at /run/podman-init).
Test(engines, podman_stop_exit_codes_with_remit_as_entrypoint_and_as_init) {
  std::string tar = make_image_tar();
  Engine e = start_podman();
  import_image(e, tar);
  three_cases(e, "entrypoint", {}, {"/remit", "--"}, "/remit");
  three_cases(e, "init", {"--init", "--init-path", init_bin()}, {}, "/run/podman-init");
}

// A pod: its infra container runs `catatonit -P` (helper_binaries_dir's, or
// init_path's on Podman 5), which is remit; beside it nats-server under
// --init with the rule.  `podman pod stop` must end both: the infra with 0
// because remit -P quit on the signal (137 would mean Podman killed it
// after the stop timeout), nats with 0 by the rule.
Test(engines, podman_pod_stop_ends_infra_remit_p_and_a_member_under_init) {
  std::string tar = make_image_tar();
  Engine e = start_podman();
  import_image(e, tar);
  g_pods.push_back(e.must({"pod", "create", "--name", "pod", "--network", "none"}));
  std::string infra = e.must({"pod", "inspect", "-f", "{{.InfraContainerID}}", "pod"});
  // The member joins the infra's namespaces, so it cannot start when the
  // infra did not stay up: say what the infra did.
  t::Result run = e({"run", "-d", "--pod", "pod", "--name", "member", "--init", "--init-path",
                     init_bin(), "-e", "REMIT_MAP=1@TERM=0", "-e", t::kOneP, kImage,
                     "/usr/sbin/nats-server", "-a", "127.0.0.1"});
  if (!run.exited || run.code != 0) {
    t::Result log = e({"logs", infra});
    cr_assert_fail("podman run --pod failed (%d): %s\nthe pod's infra container (catatonit -P) "
                   "is '%s'; its log: %s", run.status(), run.err.c_str(),
                   e.inspect(infra, "{{.State.Status}} {{.State.ExitCode}}").c_str(),
                   tail(log.out + log.err).c_str());
  }
  wait_nats(e, "member", true);
  std::string cmdline = e.inspect(infra, "{{.Path}} {{.Args}}");
  cr_assert(cmdline == "/catatonit [-P]", "the infra container runs '%s', not catatonit -P",
            cmdline.c_str());
  // The infra's process is the init under test (Podman copied it into its
  // pause image from helper_binaries_dir, or from init_path since Podman 5),
  // not some other catatonit.
  std::string pid = e.inspect(infra, "{{.State.Pid}}");
  cr_assert(t::slurp("/proc/" + pid + "/exe") == t::slurp(init_bin()),
            "the infra container's process (pid %s) is not %s", pid.c_str(), init_bin().c_str());
  e.must({"pod", "stop", "-t", "120", "pod"});  // 120 s: as stop_nats says
  std::string infra_state = e.inspect(infra, "{{.State.Status}} {{.State.ExitCode}}");
  cr_expect(infra_state == "exited 0",
            "after podman pod stop, the infra container (catatonit -P) should have exited 0 on "
            "the signal; it is '%s'%s", infra_state.c_str(),
            infra_state == "exited 137" ? " (killed after the stop timeout)" : "");
  std::string member = e.inspect("member", "{{.State.Status}} {{.State.ExitCode}}");
  cr_expect(member == "exited 0",
            "after podman pod stop, nats-server under --init with REMIT_MAP=1@TERM=0 should have "
            "exited 0; it is '%s'", member.c_str());
}

// Issue 23: the image `make image` writes (dist/remit-VERSION-image.tar, or
// REMIT_IMAGE), used as users use it: loaded into the engine, then a user's
// Dockerfile builds FROM their own image (busybox and nats-server, no init)
// with `COPY --from=<remit image> /remit /remit`, for linux/amd64 and
// linux/arm64 (run under qemu-user through binfmt_misc), offline.  Each user
// image then runs the three cases of nats-server under remit.
namespace {

// The version the archive is named for: the binary's own (`remit X.Y.Z ...`).
std::string version() {
  std::istringstream out(t::run(Spec{{t::remit(), "--version"}}).out);
  std::string name, v;
  out >> name >> v;
  cr_assert(name == "remit" && !v.empty(), "remit --version says '%s %s'", name.c_str(), v.c_str());
  return v;
}

// make image's archive; REMIT_IMAGE names another; with ENGINE_INIT, one
// made here the same way with the stock init as every platform's /remit.
std::string image_archive() {
  const char *e = getenv("REMIT_IMAGE"), *stock = getenv("ENGINE_INIT");
  std::string path = e && *e ? e : t::root() + "/dist/remit-" + version() + "-image.tar";
  if (!(e && *e) && stock && *stock) {
    path = g_dir + "/stock-image.tar";
    cmd({"sh", t::root() + "/pkg/image.sh", path, version(), "stock", "0", "none",
         std::string("amd64=") + stock, std::string("arm64=") + stock});
  }
  cr_assert(access(path.c_str(), R_OK) == 0, "no image archive %s: make image writes it",
            path.c_str());
  return path;
}

// What the kernel runs an arm64 /remit as: qemu-user's interpreter, given
// the file and the original argv (binfmt_misc's P flag), so the container's
// PID 1 reads INTERPRETER /remit /remit -- ...  The entry is enabled here,
// as systemd-binfmt or binfmt-support would at boot: neither runs in a new
// VM without systemd as PID 1.  Debian 12's qemu-user-static describes it
// for binfmt-support (update-binfmts); Debian 13's qemu-user-binfmt only
// for systemd-binfmt, a line in binfmt.d to write to the register file.
std::string arm64_pid1() {
  std::string binfmt = "/proc/sys/fs/binfmt_misc", entry_path = binfmt + "/qemu-aarch64";
  if (access((binfmt + "/status").c_str(), F_OK) != 0)
    cmd({"mount", "-t", "binfmt_misc", "binfmt_misc", binfmt});
  cmd({"update-binfmts", "--enable", "qemu-aarch64"});
  std::string conf = t::slurp("/usr/lib/binfmt.d/qemu-aarch64.conf"), why;
  if (access(entry_path.c_str(), F_OK) != 0 && !conf.empty()) {
    int fd = open((binfmt + "/register").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, conf.data(), conf.size()) < 0)
      why = std::string(" (registering /usr/lib/binfmt.d/qemu-aarch64.conf: ") + strerror(errno) + ")";
    if (fd >= 0) close(fd);
  }
  std::istringstream entry(t::slurp(entry_path));
  std::string line, interpreter, flags;
  for (; std::getline(entry, line);) {
    if (line.compare(0, 12, "interpreter ") == 0) interpreter = line.substr(12);
    if (line.compare(0, 7, "flags: ") == 0) flags = line.substr(7);
  }
  cr_assert(!interpreter.empty() && flags.find('F') != std::string::npos,
            "binfmt_misc has no usable qemu-aarch64 entry (interpreter '%s', flags '%s')%s: "
            "install qemu-user-static and binfmt-support", interpreter.c_str(), flags.c_str(),
            why.c_str());
  return interpreter + std::string("\0/remit\0/remit", 14);
}

// Builds a Dockerfile given as text, for `platform`, tagged `tag`.
void build(const Engine &e, const std::string &dockerfile, const std::string &context,
           const std::string &platform, const std::string &tag) {
  std::ofstream(context + "/Dockerfile") << dockerfile;
  std::vector<std::string> args = {"build", "--platform", platform, "-t", tag};
  if (e.name == "podman") args.insert(args.end(), {"--pull=never", "--network", "none"});
  args.push_back(context);
  e.must(args, 300);
}

// The user's side for one architecture: their base image (busybox,
// nats-server, no /remit), their Dockerfile with `COPY --from=remit`, then
// the three cases under the image's /remit as PID 1.
void user_image(const Engine &e, const std::string &arch, const std::string &remit_ref,
                const std::string &rootfs_tar) {
  std::string ctx = g_dir + "/ctx-" + arch;
  mkdirs(ctx);
  copy_file(rootfs_tar, ctx + "/rootfs.tar", 0644);
  std::string platform = "linux/" + arch;
  // Their base: made FROM scratch, since `docker import --platform` needs
  // Docker 20.10's experimental mode.
  build(e, "FROM scratch\nADD rootfs.tar /\n", ctx, platform, "remit-engines:base-" + arch);
  unlink((ctx + "/rootfs.tar").c_str());
  // The Dockerfile the docs show (the docs suite checks they show this
  // file), its base and remit image made the local ones.
  std::string shown = t::slurp(t::root() + "/docs/examples/copy-from.Dockerfile");
  std::string user = std::regex_replace(shown, std::regex("^FROM \\S+"), "FROM remit-engines:base-" + arch);
  user = std::regex_replace(user, std::regex("--from=remit:\\S+"), "--from=" + remit_ref);
  cr_assert(user != shown && user.find("--from=" + remit_ref + " ") != std::string::npos,
            "docs/examples/copy-from.Dockerfile should be FROM IMAGE, then COPY --from=remit:VERSION: %s",
            shown.c_str());
  build(e, user, ctx, platform, kImage);
  std::string built = e.inspect(kImage, "{{.Os}}/{{.Architecture}}");
  cr_assert(built == platform, "%s build --platform %s made a %s image", e.name.c_str(),
            platform.c_str(), built.c_str());
  three_cases(e, "image-" + arch, {}, {}, arch == "arm64" ? arm64_pid1() : "/remit");
}

// The loaded image on its own: its labels, and /remit runs (it has no
// other program to be the init of).
void remit_image_alone(const Engine &e, const std::string &ref, const std::string &v) {
  std::string label = e.inspect(ref, "{{index .Config.Labels \"org.opencontainers.image.version\"}}");
  cr_expect(label == v, "%s: label org.opencontainers.image.version is '%s', expected '%s'",
            ref.c_str(), label.c_str(), v.c_str());
  std::string entry = e.inspect(ref, "{{json .Config.Entrypoint}}");
  cr_expect(entry == "[\"/remit\",\"--\"]", "%s: entrypoint %s", ref.c_str(), entry.c_str());
  std::string says = e.must({"run", "--rm", "--network", "none", "--entrypoint", "/remit", ref,
                             "--version"});
  cr_expect(says.compare(0, 6 + v.size(), "remit " + v) == 0, "%s: /remit --version says '%s'",
            ref.c_str(), says.c_str());
}

// What both engines' tests start from: the archive and its version, the
// user's root filesystems for amd64 (made here, no init) and arm64 (make
// test's), and qemu-user ready for arm64.
struct Inputs {
  std::string version, archive, amd64_tar, arm64_tar;
};
Inputs inputs() {
  Inputs in{version(), "", make_image_tar(false), t::root() + "/build/base-arm64.tar"};
  in.archive = image_archive();
  arm64_pid1();
  cr_assert(access(in.arm64_tar.c_str(), R_OK) == 0, "no %s: make test builds it "
            "(tests/foreign-base.sh)", in.arm64_tar.c_str());
  return in;
}

}  // namespace

// Docker 20.10 loads Docker's manifest.json from the archive (not the OCI
// index): one image per platform, remit:VERSION-ARCH, which its legacy
// builder takes in COPY --from for a build of that platform.
Test(engines, docker_loads_the_image_archive_and_builds_copy_from_for_amd64_and_arm64) {
  Inputs in = inputs();
  const std::string &v = in.version, &archive = in.archive;
  g_env.push_back("DOCKER_BUILDKIT=0");
  Engine e = start_docker();
  e.must({"load", "-i", archive});
  remit_image_alone(e, "remit:" + v + "-amd64", v);
  user_image(e, "amd64", "remit:" + v + "-amd64", in.amd64_tar);
  user_image(e, "arm64", "remit:" + v + "-arm64", in.arm64_tar);
}

// Podman loads the OCI index: the host's platform as remit:VERSION, and
// `podman pull --arch arm64 oci-archive:FILE` takes another platform from it.
Test(engines, podman_loads_the_oci_archive_and_builds_copy_from_for_amd64_and_arm64) {
  Inputs in = inputs();
  const std::string &v = in.version, &archive = in.archive;
  Engine e = start_podman();
  e.must({"load", "-i", archive});
  remit_image_alone(e, "remit:" + v, v);
  user_image(e, "amd64", "remit:" + v, in.amd64_tar);
  e.must({"pull", "--arch", "arm64", "oci-archive:" + archive});
  user_image(e, "arm64", "remit:" + v, in.arm64_tar);
}

// The stop signal the platform names (Docker's and Podman's --stop-signal,
// a Dockerfile's STOPSIGNAL): WINCH, as httpd's images use.  With
// REMIT_STOP_SIGNALS=WINCH the engine's stop is remit's stop: the rule
// 1@stop=0 makes the exit 1 of a program that exits 1 on WINCH a 0, and
// the grace period (REMIT_GRACE=2s) kills a program that ignores WINCH long
// before the engine's own timeout (docker stop -t 120: only remit's grace
// can end it quickly), the rule 137@stop=0 making that a 0.  A stock init
// forwards WINCH and knows neither: 1, and 137 after 120 s.
namespace {

// A program (busybox sh) that says "ready", then exits 1 on WINCH.
const std::vector<std::string> kExits1OnWinch = {
    "/bin/sh", "-c", "trap 'kill $S; exit 1' WINCH; busybox sleep 1000 & S=$!; echo ready; while :; do wait $S; done"};
// One that ignores WINCH (and TERM) and would run for 1000 s.
const std::vector<std::string> kIgnoresWinch = {"/bin/sh", "-c",
                                                "trap '' WINCH TERM; echo ready; exec busybox sleep 1000"};

struct Stopped {
  int code = -1;
  double secs = 0;  // how long `stop` took
  std::string report, state, signal;  // signal: what remit's report says it received first
  std::string why() const {
    return "\n  remit's report: " + (report.empty() ? std::string("(none)") : report) +
           "\n  the engine's State: " + state;
  }
};

// Waits (bounded) until the container's log has "ready"; fails with the log
// when the container exited first.
void wait_ready(const Engine &e, const std::string &name) {
  std::string logs;
  for (double end = until(60); t::now() < end; t::sleep_s(0.1)) {
    t::Result r = e({"logs", name});
    logs = r.out + r.err;
    if (logs.find("ready") != std::string::npos) return;
    if (e.inspect(name, "{{.State.Status}}") == "exited") {
      r = e({"logs", name});
      cr_assert_fail("%s: the container exited (%s) before its program said ready; its log: %s", name.c_str(),
                     e.inspect(name, "{{.State.ExitCode}}").c_str(), tail(r.out + r.err).c_str());
    }
  }
  cr_assert_fail("%s: waited up to 60 s for \"ready\" in the container's log; its log: %s", name.c_str(),
                 tail(logs).c_str());
}

// One container: `program` under `entry` (or --init in `run_opts`), with
// the init `pid1` checked as the container's PID 1, stopped with
// `<engine> stop -t 120`.
Stopped stop_program(const Engine &e, const std::string &name, std::vector<std::string> run_opts,
                     const std::string &image, const std::vector<std::string> &entry, const std::string &pid1,
                     const std::vector<std::string> &program) {
  std::vector<std::string> args = {"run", "-d", "--name", name, "--network", "none", "-e", "REMIT_REPORT=-",
                                   "-e", "REMIT_STOP_SIGNALS=WINCH"};
  args.insert(args.end(), run_opts.begin(), run_opts.end());
  args.push_back(image);
  args.insert(args.end(), entry.begin(), entry.end());
  args.insert(args.end(), program.begin(), program.end());
  std::vector<std::string> rm = e.argv;
  rm.insert(rm.end(), {"rm", "-f", name});
  g_undo.push_back(rm);
  e.must(args);
  wait_ready(e, name);
  std::string wrong = not_pid1_running(e.inspect(name, "{{.State.Pid}}"), pid1);
  cr_assert(wrong.empty(), "%s: the container's %s", name.c_str(), wrong.c_str());
  Stopped s;
  double t0 = t::now();
  e.must({"stop", "-t", "120", name}, 240);
  s.secs = t::now() - t0;
  s.code = atoi(e.inspect(name, "{{.State.ExitCode}}").c_str());
  s.state = e.inspect(name, "{{json .State}}");
  t::Result log = e({"logs", name});
  s.report = report_line(log.out + log.err);
  s.signal = report_field(s.report, "stop_signal");
  if (s.signal.empty()) s.signal = report_field(s.report, "signals");
  if (s.report.empty())
    cr_log_info("%s: no report (a stock init), the stop took %.1f s", name.c_str(), s.secs);
  else
    cr_log_info("%s: remit's first stop signal %s (it received %s), the stop took %.1f s", name.c_str(),
                s.signal.c_str(), report_field(s.report, "signals").c_str(), s.secs);
  e.must({"rm", "-f", name});
  g_undo.pop_back();
  return s;
}

// The rule case and, with `grace`, the grace case, for one way of starting
// the init, the engine's stop signal WINCH (given by `run_opts` or the image).
void winch_cases(const Engine &e, const std::string &how, const std::vector<std::string> &run_opts,
                 const std::string &image, const std::vector<std::string> &entry, const std::string &pid1,
                 bool grace) {
  std::vector<std::string> rule = run_opts;
  rule.insert(rule.end(), {"-e", "REMIT_MAP=1@stop=0"});
  Stopped mapped = stop_program(e, e.name + "-" + how + "-stop-rule", rule, image, entry, pid1, kExits1OnWinch);
  cr_expect(mapped.code == 0, "%s %s, REMIT_STOP_SIGNALS=WINCH REMIT_MAP=1@stop=0, a program that exits 1 on "
            "WINCH, stopped: expected exit code 0, got %d%s", e.name.c_str(), how.c_str(), mapped.code,
            mapped.why().c_str());
  cr_expect(mapped.report.empty() || mapped.signal == "\"WINCH\"",
            "%s %s: expected the engine's stop to reach remit as WINCH, the report says %s%s", e.name.c_str(),
            how.c_str(), mapped.signal.c_str(), mapped.why().c_str());
  if (!grace) return;
  std::vector<std::string> kill = run_opts;
  kill.insert(kill.end(), {"-e", "REMIT_GRACE=2s", "-e", "REMIT_MAP=137@stop=0"});
  Stopped killed = stop_program(e, e.name + "-" + how + "-stop-grace", kill, image, entry, pid1, kIgnoresWinch);
  cr_expect(killed.code == 0, "%s %s, REMIT_STOP_SIGNALS=WINCH REMIT_GRACE=2s REMIT_MAP=137@stop=0, a program "
            "that ignores WINCH, stopped with -t 120: expected exit code 0 (remit's KILL after 2 s), got %d%s%s",
            e.name.c_str(), how.c_str(), killed.code,
            killed.code == 137 ? " (the engine's KILL after its 120 s: no grace started)" : "",
            killed.why().c_str());
  cr_expect(killed.secs >= 1.99 && killed.secs < 60, "%s %s: the stop took %.1f s; remit's 2 s grace should end "
            "it in about 2 s (120 s without)", e.name.c_str(), how.c_str(), killed.secs);
  cr_expect(killed.report.empty() || killed.report.find("\"grace_kill\":true") != std::string::npos,
            "%s %s: the report should say grace_kill true%s", e.name.c_str(), how.c_str(), killed.why().c_str());
}

}  // namespace

Test(engines, docker_stop_signal_winch_is_remits_stop_for_the_stop_rule_and_the_grace) {
  std::string tar = make_image_tar();
  Engine e = start_docker();
  import_image(e, tar);
  std::vector<std::string> opts = {"--stop-signal", "SIGWINCH"};
  winch_cases(e, "entrypoint", opts, kImage, {"/remit", "--"}, "/remit", true);
  opts.push_back("--init");
  winch_cases(e, "init", opts, kImage, {}, "/sbin/docker-init", true);
}

Test(engines, dockerfile_stopsignal_winch_is_remits_stop_for_the_stop_rule_and_the_grace) {
  std::string tar = make_image_tar();
  g_env.push_back("DOCKER_BUILDKIT=0");
  Engine e = start_docker();
  import_image(e, tar);
  std::string ctx = g_dir + "/ctx-stopsignal", tag = "remit-engines:stopsignal";
  mkdirs(ctx);
  build(e, std::string("FROM ") + kImage + "\nSTOPSIGNAL SIGWINCH\n", ctx, "linux/amd64", tag);
  std::string sig = e.inspect(tag, "{{.Config.StopSignal}}");
  cr_assert(sig == "SIGWINCH", "the image built with STOPSIGNAL SIGWINCH has StopSignal '%s'", sig.c_str());
  winch_cases(e, "stopsignal-entrypoint", {}, tag, {"/remit", "--"}, "/remit", true);
  winch_cases(e, "stopsignal-init", {"--init"}, tag, {}, "/sbin/docker-init", false);
}

Test(engines, podman_stop_signal_winch_is_remits_stop_for_the_stop_rule_and_the_grace) {
  std::string tar = make_image_tar();
  Engine e = start_podman();
  import_image(e, tar);
  std::vector<std::string> opts = {"--stop-signal", "SIGWINCH"};
  winch_cases(e, "entrypoint", opts, kImage, {"/remit", "--"}, "/remit", true);
  opts.insert(opts.end(), {"--init", "--init-path", init_bin()});
  winch_cases(e, "init", opts, kImage, {}, "/run/podman-init", true);
}

// Issue 26: `podman kube play` of the project's own Pod manifest
// (docs/examples/pod.yaml, the README's) and of the Podman recipe in
// docs/podman.md, offline: the manifest's image is made here under its
// name, with remit as its entrypoint and nats-server as its command, and
// each manifest gets `imagePullPolicy: Never` so that nothing is pulled.
// The pod is named nats, so its container is nats-nats.
namespace {

const char *kPodImage = "registry.example.com/nats-remit:latest";
const char *kPodContainer = "nats-nats";

// GOMAXPROCS=1 in the image: the manifest's env is the docs', see kOneP.
void import_pod_image(const Engine &e, const std::string &tar) {
  e.must({"import", "--change", "ENTRYPOINT [\"/remit\", \"--\"]", "--change",
          "CMD [\"/usr/sbin/nats-server\", \"-a\", \"127.0.0.1\"]", "--change",
          std::string("ENV ") + t::kOneP, tar, kPodImage});
}

// Podman for kube play: its pods' infra container runs Debian's own
// catatonit, as a user's does, whatever ENGINE_INIT says: what is under
// test is the image's /remit, and a stock init as the infra (tini has no
// -P) would fail the test before its own case.
Engine start_kube_podman() {
  Engine e = start_podman();
  cr_assert(access("/usr/bin/catatonit", X_OK) == 0, "no /usr/bin/catatonit (apt-get install catatonit)");
  copy_file("/usr/bin/catatonit", g_dir + "/helpers/catatonit");
  return e;
}

// `text` with its first `from` replaced by `to`; `from` must be there.
std::string edit(std::string text, const std::string &from, const std::string &to) {
  size_t at = text.find(from);
  cr_assert(at != std::string::npos, "expected '%s' in the manifest:\n%s", from.c_str(), text.c_str());
  return text.replace(at, from.size(), to);
}

// The README's manifest, as it is.
std::string pod_yaml() { return t::slurp(t::root() + "/docs/examples/pod.yaml"); }

// docs/podman.md's manifest for kube play: its yaml block with a hostPath.
std::string podman_recipe() {
  std::string md = t::slurp(t::root() + "/docs/podman.md");
  for (size_t at = 0; (at = md.find("```yaml\n", at)) != std::string::npos;) {
    at += 8;
    std::string block = md.substr(at, md.find("```", at) - at);
    if (block.find("hostPath:") != std::string::npos) return block;
  }
  cr_assert_fail("docs/podman.md shows no yaml block with a hostPath (its kube play recipe)");
  return "";
}

// `podman kube play` (with --replace when `replace`) of `yaml`, written as
// g_dir/NAME.yaml and returned: the path kube down takes.
std::string play(const Engine &e, std::string yaml, const std::string &name, bool replace = false) {
  std::string image = std::string("image: ") + kPodImage + "\n";
  yaml = edit(yaml, image, image + "      imagePullPolicy: Never\n");
  std::string path = g_dir + "/" + name + ".yaml";
  std::ofstream(path) << yaml;
  std::vector<std::string> args = {"kube", "play", "--network", "none"};
  if (replace) args.push_back("--replace");
  args.push_back(path);
  t::Result r = e(args);
  // The pod, for cleanup, also when one of its containers did not start.
  t::Result pod = e({"pod", "inspect", "-f", "{{.Id}}", "nats"});
  if (pod.exited && pod.code == 0) g_pods.push_back(pod.out.substr(0, pod.out.find('\n')));
  cr_assert(r.exited && r.code == 0, "podman kube play of %s failed (%d): %s\nthe manifest:\n%s", path.c_str(),
            r.status(), r.err.c_str(), yaml.c_str());
  return path;
}

// The exit code in the died event of container `id`: after kube down or
// --replace the container is gone, and with it its State.  The event is
// written by the kill that kube ran before it returned; 60 s for a slow
// machine's event file.
int died_code(const Engine &e, const std::string &id) {
  std::string out;
  for (double end = until(60); t::now() < end; t::sleep_s(0.1)) {
    out = e.must({"events", "--stream=false", "--filter", "container=" + id, "--filter", "event=died",
                  "--format", "{{.ContainerExitCode}}"});
    if (!out.empty()) return atoi(out.c_str());
  }
  cr_assert_fail("no died event for container %s after 60 s", id.c_str());
  return -1;
}

// remit's report as the host file of the recipe has it; "" when empty.
std::string host_report(const std::string &path) {
  std::string s = t::slurp(path);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

// The README's manifest under kube play: `podman pod stop` sends TERM and
// the rule 1@TERM=0 makes nats-server's 1 a 0 (a stock init: 1), read with
// `podman inspect`.  Podman mounts nothing at /dev/termination-log: the
// file there is one remit made in the container's private /dev, lost with
// it.  `kube play --replace` and `kube down` of a running pod SIGKILL its
// container with no TERM first: 137, where a TERM would have given 0.
Test(engines, podman_kube_play_pod_stop_gives_the_rule_and_kube_replace_and_down_sigkill) {
  std::string tar = make_image_tar();
  Engine e = start_kube_podman();
  import_pod_image(e, tar);
  play(e, pod_yaml(), "pod");
  wait_nats(e, kPodContainer, true);
  std::string pid = e.inspect(kPodContainer, "{{.State.Pid}}");
  std::string mounts = t::slurp("/proc/" + pid + "/mountinfo");
  cr_expect(mounts.find(" /dev/termination-log ") == std::string::npos,
            "Podman now mounts something at /dev/termination-log (docs/podman.md says it does not):\n%s",
            mounts.c_str());
  cr_expect(access(("/proc/" + pid + "/root/dev/termination-log").c_str(), F_OK) == 0,
            "REMIT_REPORT=/dev/termination-log: remit, as root, should have made the file in the "
            "container's own /dev when it started; there is none");
  cr_log_info("kube play: the manifest's terminationGracePeriodSeconds is 30, the container's stop "
              "timeout %s s", e.inspect(kPodContainer, "{{.Config.StopTimeout}}").c_str());
  e.must({"pod", "stop", "-t", "120", "nats"});  // 120 s: as stop_nats says
  std::string ended = e.inspect(kPodContainer, "{{.State.Status}} {{.State.ExitCode}}");
  cr_expect(ended == "exited 0", "kube play of docs/examples/pod.yaml (REMIT_MAP=1@TERM=0), podman pod "
            "stop: nats-server exits 1 on TERM, the rule should make it 0; the container is '%s'%s",
            ended.c_str(), ended == "exited 137" ? " (killed after the stop timeout)" : "");
  // The pod stopped, --replace starts it anew; then it ends the running
  // one: Podman 4 (Debian 12) by SIGKILL, 137 and no rule; Podman 5
  // (Debian 13) stops it first, TERM as pod stop, and the rule's 0.
  int major = atoi(e.must({"version", "--format", "{{.Client.Version}}"}).c_str());
  int expected = major >= 5 ? 0 : 137;
  const char *how = major >= 5 ? "stopped (TERM first, as Podman 5 does: the rule's 0)"
                               : "killed (137, no TERM first, as Podman 4 does)";
  play(e, pod_yaml(), "pod", true);
  wait_nats(e, kPodContainer, true);
  std::string id = e.inspect(kPodContainer, "{{.Id}}");
  play(e, pod_yaml(), "pod", true);
  int replaced = died_code(e, id);
  cr_expect(replaced == expected, "kube play --replace of the running pod, Podman %d: expected its container "
            "%s, docs/podman.md says so; got %d", major, how, replaced);
  wait_nats(e, kPodContainer, true);
  id = e.inspect(kPodContainer, "{{.Id}}");
  e.must({"kube", "down", g_dir + "/pod.yaml"});
  int down = died_code(e, id);
  cr_expect(down == expected, "kube down of the running pod, Podman %d: expected its container %s, "
            "docs/podman.md says so; got %d", major, how, down);
}

// docs/podman.md's recipe: a hostPath volume for the termination-log file,
// here g_dir/host/termination-log (FileOrCreate: Podman makes it).  The
// recipe is read from docs/podman.md, so what it shows is what runs.  After
// `podman pod stop` the host file has remit's report (a stock init writes
// none): TERM received, the rule, the status Podman recorded.  Then the
// grace, with the recipe's REMIT_GRACE made 2s (under Podman's 10 s stop
// timeout, which terminationGracePeriodSeconds does not change) and the
// rule 137@TERM=0, for a program that ignores TERM: remit kills it after
// 2 s and the status is 0, stopped with -t 120 so that only remit's grace
// can end it quickly (a stock init: 137 after 120 s).
Test(engines, podman_kube_play_report_in_a_host_file_at_dev_termination_log_and_the_grace) {
  std::string tar = make_image_tar();
  Engine e = start_kube_podman();
  import_pod_image(e, tar);
  std::string host = g_dir + "/host/termination-log";
  mkdirs(g_dir + "/host");
  std::string recipe = podman_recipe();
  std::vector<std::string> paths;
  for (size_t at = 0; (at = recipe.find("path: /", at)) != std::string::npos; at++)
    paths.push_back(recipe.substr(at + 6, recipe.find('\n', at) - at - 6));
  cr_assert(paths.size() == 1, "docs/podman.md's recipe should have one hostPath path, it has %zu:\n%s",
            paths.size(), recipe.c_str());
  recipe = edit(recipe, "path: " + paths[0] + "\n", "path: " + host + "\n");

  play(e, recipe, "recipe");
  wait_nats(e, kPodContainer, true);
  e.must({"pod", "stop", "-t", "120", "nats"});  // 120 s: as stop_nats says
  int code = atoi(e.inspect(kPodContainer, "{{.State.ExitCode}}").c_str());
  std::string report = host_report(host);
  cr_expect(code == 0, "the recipe (REMIT_MAP=1@TERM=0), podman pod stop: expected 0, got %d; the host "
            "file %s has: %s", code, host.c_str(), report.empty() ? "(nothing)" : report.c_str());
  cr_expect(report_field(report, "stop_signal") == "\"TERM\"" &&
                report_field(report, "exit_status") == std::to_string(code) &&
                report.find("\"rule\":{\"text\":\"1@TERM=0\"") != std::string::npos,
            "after podman pod stop, the host file mounted at /dev/termination-log should have remit's "
            "report (TERM received, rule 1@TERM=0, exit_status %d); it has: %s", code,
            report.empty() ? "(nothing)" : report.c_str());

  std::string image = std::string("image: ") + kPodImage + "\n";
  std::string grace = edit(recipe, image, image + "      args: [\"/bin/sh\", \"-c\", \"trap '' TERM; "
                           "echo ready; exec busybox sleep 1000\"]\n");
  grace = edit(grace, "value: \"1@TERM=0\"", "value: \"137@TERM=0\"");
  std::string two = std::regex_replace(grace, std::regex("(name: REMIT_GRACE\n +value: )\"[^\"]*\""), "$1\"2s\"");
  cr_assert(two != grace, "docs/podman.md's recipe should set REMIT_GRACE:\n%s", grace.c_str());
  grace = two;
  play(e, grace, "grace", true);
  wait_ready(e, kPodContainer);
  e.must({"pod", "stop", "-t", "120", "nats"}, 240);
  code = atoi(e.inspect(kPodContainer, "{{.State.ExitCode}}").c_str());
  report = host_report(host);
  cr_expect(code == 0 && report.find("\"grace_kill\":true") != std::string::npos &&
                report_field(report, "exit_status") == "0",
            "REMIT_GRACE=2s REMIT_MAP=137@TERM=0, a program that ignores TERM, podman pod stop -t 120: "
            "expected 0 after remit's KILL, got %d%s; the host file has: %s", code,
            code == 137 ? " (Podman's KILL after 120 s: no grace started)" : "",
            report.empty() ? "(nothing)" : report.c_str());
}

// The README's manifest run as a user (runAsUser 65534): remit cannot
// create /dev/termination-log in the container's root-owned /dev.  It says
// so once, runs nats-server anyway, and the rule still gives 0: a report
// that cannot be written must not cost the status.
Test(engines, podman_kube_play_non_root_report_path_unopenable_one_warning_status_kept) {
  std::string tar = make_image_tar();
  Engine e = start_kube_podman();
  import_pod_image(e, tar);
  play(e, edit(pod_yaml(), "  containers:\n", "  securityContext:\n    runAsUser: 65534\n  containers:\n"),
       "non-root");
  std::string logs = wait_nats(e, kPodContainer, true);
  e.must({"pod", "stop", "-t", "120", "nats"});  // 120 s: as stop_nats says
  t::Result log = e({"logs", kPodContainer});
  std::istringstream lines(log.out + log.err);
  std::vector<std::string> said;
  for (std::string line; std::getline(lines, line);)
    if (line.compare(0, 6, "remit:") == 0) said.push_back(line);
  cr_expect(said.size() == 1 && said[0] == "remit: cannot open the report file '/dev/termination-log': "
                                           "Permission denied",
            "runAsUser 65534, REMIT_REPORT=/dev/termination-log: expected remit's one warning \"remit: "
            "cannot open the report file '/dev/termination-log': Permission denied\", it said %zu "
            "line(s); the container's log:\n%s", said.size(), tail(log.out + log.err).c_str());
  std::string ended = e.inspect(kPodContainer, "{{.State.Status}} {{.State.ExitCode}}");
  cr_expect(ended == "exited 0", "runAsUser 65534, the report path unopenable, podman pod stop: the rule "
            "1@TERM=0 should still give 0; the container is '%s'", ended.c_str());
}

// crun as Podman's runtime (`podman --runtime crun`; the private
// containers.conf names runc).  crun refuses a cgroup v1 host with a
// cgroup2 mount beside the v1 ones ("cgroups in hybrid mode not
// supported"), as these machines are: there each Podman command runs in a
// mount namespace of its own (unshare --mount, private propagation) without
// that mount, so crun sees the v1 hierarchies alone and the host keeps its
// mounts.  The container, its init and the stop are crun's all the same.
// A host where crun cannot run even so is a skip, with crun's error.
Test(engines, podman_crun_stop_exit_codes_with_remit_as_entrypoint) {
  std::string tar = make_image_tar();
  Engine e = start_podman();
  import_image(e, tar);
  cr_assert(access("/usr/bin/crun", X_OK) == 0, "crun is not installed (apt-get install crun)");
  e.argv.insert(e.argv.end(), {"--runtime", "crun"});
  std::string probe = "crun-probe";
  t::Result r = e({"run", "--name", probe, "--network", "none", kImage, "/bin/true"});
  std::string errors = r.err;
  if (!(r.exited && r.code == 0) && r.err.find("hybrid mode") != std::string::npos) {
    probe = "crun-probe-ns";
    std::vector<std::string> ns = {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                   "umount /sys/fs/cgroup/unified && exec \"$@\"", "sh"};
    e.argv.insert(e.argv.begin(), ns.begin(), ns.end());
    for (const char *what : {"pod", "container"}) {  // run first at cleanup
      g_undo.push_back(e.argv);
      g_undo.back().insert(g_undo.back().end(), {what, "rm", "-f", "-a"});
    }
    r = e({"run", "--name", probe, "--network", "none", kImage, "/bin/true"});
    errors += "\nwithout /sys/fs/cgroup/unified in a mount namespace of its own:\n" + r.err;
    cr_log_info("crun: %s; Podman runs in a mount namespace without /sys/fs/cgroup/unified", errors.c_str());
  }
  if (!(r.exited && r.code == 0)) cr_skip_test("crun cannot run a container here: %s", errors.c_str());
  std::string runtime = e.inspect(probe, "{{.OCIRuntime}}");
  cr_assert(runtime == "crun", "podman --runtime crun ran the container with '%s'", runtime.c_str());
  e.must({"rm", probe});
  three_cases(e, "crun-entrypoint", {}, {"/remit", "--"}, "/remit");
}
