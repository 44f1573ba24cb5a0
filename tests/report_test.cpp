// Issue 16: the exit report (--report FILE, REMIT_REPORT).  Every report is
// read back by python3's json module, which refuses anything that is not
// JSON in valid UTF-8; the checks are Python expressions over it (`r`).
// Waits are on events (the program says "ready"; nats-server says "Server
// is ready"), never on time; the stop time is checked to be there and a
// number, never for its value.
#include "harness.hpp"
#include "report.hpp"

using t::Spec;

namespace {

// The report at `path`: one line, at most 4096 bytes, JSON in UTF-8, for
// which the Python expression `check` holds.  python3 says what is wrong.
const char kReader[] = R"(
import json, sys
raw = open(sys.argv[1], 'rb').read()
if not (raw.endswith(b'\n') and raw.count(b'\n') == 1):
    sys.exit('not one line: %r' % raw[:300])
if len(raw) > 4096:
    sys.exit('%d bytes, more than 4096' % len(raw))
r = json.loads(raw)
if not eval(sys.argv[2]):
    sys.exit('%s does not hold for %s' % (sys.argv[2], raw.decode()))
)";

void expect_report(const std::string &path, const std::string &check) {
  t::Result py = t::run(Spec{{"python3", "-c", kReader, path, check}});
  cr_expect(py.exited && py.code == 0, "the report in %s: %s", path.c_str(), py.err.c_str());
}

// The warnings about the report remit wrote on stderr.
int report_warnings(const std::string &err) {
  int n = 0;
  for (size_t at = 0; (at = err.find("the report file", at)) != std::string::npos; at++) n++;
  return n;
}

void await(t::Proc &p, const std::string &needle, bool on_err = false) {
  if (p.wait_for(needle, 20, on_err)) return;
  p.signal(SIGKILL);
  p.wait();
  cr_assert_fail("the program never said \"%s\"; stderr: %s", needle.c_str(), p.err().c_str());
}

}  // namespace

TestSuite(report, .timeout = 60);

Test(report, clean_exit_is_reported_with_no_stop_and_no_rule) {
  std::string file = t::scratch() + "/report";
  t::Result r = t::run(Spec{{"remit", "--report", file, "--", "sh", "-c", "exit 3", "one two"}});
  cr_expect(r.exited && r.code == 3, "expected remit to exit 3, got %d; stderr: %s", r.status(), r.err.c_str());
  expect_report(file,
                "r['program'] == 'sh' and r['args'] == ['-c', 'exit 3', 'one two'] and "
                "r['ended'] == 'exited' and r['code'] == 3 and r['signals'] == [] and "
                "'stop_ms' not in r and 'stop_signal' not in r and r['grace_kill'] is False and "
                "r['rule'] is None and r['exit_status'] == 3 and isinstance(r['pid'], int) and "
                "r['pid'] > 0 and r['remit'] != ''");
}

// The story the rule rewrites: nats-server 2.9 exits 1 after SIGTERM; the
// orchestrator hears 0, the report keeps the 1, the TERM, its time and
// the rule.  -v says the stop time too.
Test(report, exit_mapped_by_a_rule_after_term_keeps_the_real_status) {
  std::string file = t::scratch() + "/report";
  t::Proc p = t::start(Spec{{"remit", "-v", "-m", "2=5,1@TERM=0", "--report", file, "--", t::nats_server(),
                             "-a", "127.0.0.1", "-p", "-1"}, {t::kOneP}});
  await(p, "Server is ready", true);
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(r.exited && r.code == 0, "expected 1@TERM=0 to make nats-server's 1 a 0, got %d", r.status());
  expect_report(file,
                "r['ended'] == 'exited' and r['code'] == 1 and r['signals'] == ['TERM'] and "
                "r['stop_signal'] == 'TERM' and type(r['stop_ms']) is int and r['stop_ms'] >= 0 and "
                "r['rule'] == {'text': '1@TERM=0', 'position': 2} and r['exit_status'] == 0 and "
                "__import__('re').fullmatch(r'\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z', "
                "r['stop_signal_at']) and abs(__import__('datetime').datetime.strptime("
                "r['stop_signal_at'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=__import__('datetime')"
                ".timezone.utc).timestamp() - __import__('time').time()) < 3600");
  cr_expect(r.err.find(" s after TERM; rule 2 '1@TERM=0'; exit 0") != std::string::npos &&
                r.err.find("; stopped ") != std::string::npos,
            "expected -v to say how long the stop took (\"stopped N.N s after TERM\"), stderr: %s",
            r.err.c_str());
}

static void killed_by_term(bool pid1) {
  std::string file = t::scratch() + "/report";
  t::Proc p = t::start(Spec{{"remit", "--report", file, "--", "sh", "-c", "echo ready; exec sleep 100"}, {}, pid1});
  await(p, "ready");
  p.signal(SIGTERM);
  t::Result r = p.wait();
  // Outside PID 1 remit dies by the same signal; as PID 1 it exits 143.
  cr_expect(pid1 ? r.exited && r.code == 143 : !r.exited && r.sig == SIGTERM,
            "expected remit %s, got status %d", pid1 ? "to exit 143" : "to die by TERM", r.status());
  expect_report(file,
                "r['ended'] == 'killed' and r['signal'] == 'TERM' and 'code' not in r and "
                "r['signals'] == ['TERM'] and r['stop_signal'] == 'TERM' and "
                "type(r['stop_ms']) is int and r['grace_kill'] is False and r['rule'] is None and "
                "r['exit_status'] == 143" + std::string(pid1 ? " and r['pid'] == 2" : ""));
}

Test(report, death_by_signal_outside_pid1) { killed_by_term(false); }
Test(report, death_by_signal_as_pid1) { killed_by_term(true); }

// The program ignores TERM (sleep inherits the ignored disposition), so
// the grace period runs out and remit sends SIGKILL; the report says so.
Test(report, grace_period_sigkill_is_reported) {
  std::string file = t::scratch() + "/report";
  t::Proc p = t::start(Spec{{"remit", "-t", "100ms", "--report", file, "--", "sh", "-c",
                             "trap '' TERM; echo ready; exec sleep 100"}});
  await(p, "ready");
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(!r.exited && r.sig == SIGKILL, "expected remit to die by KILL as its program did, got %d",
            r.status());
  expect_report(file,
                "r['ended'] == 'killed' and r['signal'] == 'KILL' and r['grace_kill'] is True and "
                "r['signals'] == ['TERM'] and type(r['stop_ms']) is int and r['exit_status'] == 137");
}

Test(report, exec_failure_is_reported_as_not_started) {
  std::string file = t::scratch() + "/report";
  t::Result r = t::run(Spec{{"remit", "--report", file, "--", "/nonexistent/program", "x"}});
  cr_expect(r.exited && r.code == 127, "expected 127 for a missing program, got %d", r.status());
  expect_report(file,
                "r['ended'] == 'not started' and r['code'] == 127 and "
                "r['error'] == 'No such file or directory' and r['program'] == '/nonexistent/program' "
                "and r['exit_status'] == 127 and r['args'] == ['x']");
}

// Quotes, a backslash, control characters, valid UTF-8 (2 and 4 bytes) and
// invalid bytes (stray, overlong, surrogate): the program name comes back as
// Python decodes the same bytes with errors='replace'.
Test(report, hostile_program_name_is_escaped_into_valid_json) {
  std::string file = t::scratch() + "/report";
  std::string name = "a\"b\\c\nd\te\x01\x7f \xff \xc3\xa9 \xf0\x9f\x98\x80 \xc0\xaf \xed\xa0\x80 end";
  t::Result r = t::run(Spec{{"remit", "--report", file, "--", name}});
  cr_expect(r.exited && r.code == 127, "expected 127 for a program that does not exist, got %d", r.status());
  std::string hex;
  for (unsigned char c : name) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
  expect_report(file, "r['program'] == bytes.fromhex('" + hex + "').decode('utf-8', 'replace')");
}

// 100 KiB of arguments, mostly control bytes that escape to six times their
// size: the line stays within 4096 bytes, valid, every field there, and the
// cut argument ends with the marker.
Test(report, huge_argv_is_cut_to_4096_bytes_and_stays_valid) {
  std::string file = t::scratch() + "/report";
  std::vector<std::string> argv = {"remit", "--report", file, "--", "sh", "-c", "exit 5", "small"};
  argv.push_back(std::string(50 * 1024, '\x01'));
  for (int i = 0; i < 500; i++) argv.push_back(std::string(100, '"'));
  t::Result r = t::run(Spec{argv});
  cr_expect(r.exited && r.code == 5, "expected 5, got %d; stderr: %s", r.status(), r.err.c_str());
  expect_report(file,
                "r['exit_status'] == 5 and r['code'] == 5 and r['args'][:2] == ['-c', 'exit 5'] and "
                "r['args'][2] == 'small' and r['args'][-1].endswith('\\u2026') and "
                "set(r['args'][-1][:-1]) <= {'\\x01'} and len(r['args']) == 4 and r['remit'] != ''");
}

// A program name of 100 KiB (exec refuses it): "program" is cut, the rest
// is whole.
Test(report, huge_program_name_is_cut) {
  std::string file = t::scratch() + "/report";
  t::Result r = t::run(Spec{{"remit", "--report", file, "--", std::string(100 * 1024, 'p'), "arg"}});
  cr_expect(r.exited && (r.code == 126 || r.code == 127), "expected exec to fail, got %d", r.status());
  expect_report(file,
                "r['program'].endswith('\\u2026') and set(r['program'][:-1]) == {'p'} and "
                "len(r['program']) < 1024 and r['args'] == ['arg'] and r['ended'] == 'not started'");
}

// The file is emptied when the report is written: a longer report (here
// 8000 bytes of junk) must not show through after the new line.
Test(report, file_is_truncated_on_each_run) {
  std::string file = t::scratch() + "/report";
  std::ofstream(file) << std::string(8000, 'x') << "\n";
  t::Result r = t::run(Spec{{"remit", "--", "sh", "-c", "exit 0"}, {"REMIT_REPORT=" + file}});
  cr_expect(r.exited && r.code == 0, "expected 0, got %d", r.status());
  expect_report(file, "r['exit_status'] == 0");
  r = t::run(Spec{{"remit", "--", "sh", "-c", "exit 9"}, {"REMIT_REPORT=" + file}});
  expect_report(file, "r['exit_status'] == 9");
}

// A path that cannot be opened: one warning, the program runs, its status
// is remit's.
Test(report, unopenable_path_warns_once_and_the_program_still_runs) {
  std::string dir = t::scratch();
  t::Result r = t::run(Spec{{"remit", "--report", dir + "/no/such/dir/report", "--", "sh", "-c",
                             "echo ran; exit 6"}});
  cr_expect(r.exited && r.code == 6, "expected the program's 6, got %d", r.status());
  cr_expect(r.out == "ran\n", "expected the program to run, stdout: %s", r.out.c_str());
  cr_expect(report_warnings(r.err) == 1 && r.err.find("No such file or directory") != std::string::npos,
            "expected one warning naming the error, stderr: %s", r.err.c_str());
}

// A report that cannot be written (a full device; a file size limit of 0,
// where write(2) raises SIGXFSZ at remit and fails with EFBIG): one warning,
// and the exit status is untouched.
Test(report, unwritable_report_warns_once_and_keeps_the_status) {
  t::Result r = t::run(Spec{{"remit", "--report", "/dev/full", "--", "sh", "-c", "exit 4"}});
  cr_expect(r.exited && r.code == 4, "expected 4 with the report on /dev/full, got %d", r.status());
  cr_expect(report_warnings(r.err) == 1 && r.err.find("No space left") != std::string::npos,
            "expected one warning about /dev/full, stderr: %s", r.err.c_str());
  std::string file = t::scratch() + "/report";
  // The limit covers every file remit writes, so its stderr is a pipe
  // here (cat, outside the limit, copies it); then the status.
  r = t::run(Spec{{"sh", "-c",
                   "{ (ulimit -f 0; exec \"$0\" --report \"$1\" -- sh -c 'exit 4'); echo \"status $?\"; } 2>&1 | cat",
                   t::remit(), file}});
  cr_expect(r.out.find("status 4\n") != std::string::npos, "expected 4 under ulimit -f 0, got: %s",
            r.out.c_str());
  cr_expect(report_warnings(r.out) == 1 && r.out.find("too large") != std::string::npos,
            "expected one warning about the file size limit, got: %s", r.out.c_str());
}

// "-" is stderr: the same line, after what else went there, for a log
// pipeline.
Test(report, dash_puts_the_line_on_stderr) {
  t::Result r = t::run(Spec{{"remit", "--", "sh", "-c", "echo before >&2; exit 8"}, {"REMIT_REPORT=-"}});
  cr_expect(r.exited && r.code == 8, "expected 8, got %d", r.status());
  cr_assert(r.err.compare(0, 7, "before\n") == 0, "expected the program's line first, stderr: %s",
            r.err.c_str());
  std::string file = t::scratch() + "/line";
  std::ofstream(file) << r.err.substr(7);
  expect_report(file, "r['exit_status'] == 8 and r['code'] == 8");
}

// REMIT_* variables apply under every name; the report too, with the
// status the personality gives (tini -e 3 makes 3 a 0; dumb-init's 2 for
// a program it cannot run).
Test(report, works_under_the_tini_and_dumb_init_names) {
  std::string file = t::scratch() + "/report";
  t::Result r = t::run(Spec{{t::as_name("tini"), "-s", "-e", "3", "--", "sh", "-c", "exit 3"},
                            {"REMIT_REPORT=" + file}});
  cr_expect(r.exited && r.code == 0, "expected tini -e 3 to exit 0, got %d", r.status());
  expect_report(file,
                "r['code'] == 3 and r['exit_status'] == 0 and r['rule'] is not None and "
                "r['rule']['position'] == 1");
  r = t::run(Spec{{t::as_name("dumb-init"), "/nonexistent"}, {"REMIT_REPORT=" + file}});
  cr_expect(r.exited && r.code == 2, "expected dumb-init's 2 for a missing program, got %d", r.status());
  expect_report(file, "r['ended'] == 'not started' and r['exit_status'] == 2 and r['code'] == 2");
}

// A FIFO: its reader (here the test, which opened it first) gets the line;
// with no reader, remit does not wait for one (the open would block), it
// warns once and runs the program.
Test(report, fifo_reader_gets_the_line_and_no_reader_does_not_block) {
  std::string fifo = t::scratch() + "/fifo";
  cr_assert(mkfifo(fifo.c_str(), 0644) == 0, "mkfifo %s failed", fifo.c_str());
  t::Result r = t::run(Spec{{"remit", "--report", fifo, "--", "sh", "-c", "exit 1"}});
  cr_expect(r.exited && r.code == 1, "expected 1 with no reader on the FIFO, got %d", r.status());
  cr_expect(report_warnings(r.err) == 1 && r.err.find("No such device or address") != std::string::npos,
            "expected one warning that the FIFO has no reader, stderr: %s", r.err.c_str());
  int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  cr_assert(fd >= 0, "cannot open the FIFO for reading");
  r = t::run(Spec{{"remit", "--report", fifo, "--", "sh", "-c", "exit 1"}});
  char line[8192];
  ssize_t got = read(fd, line, sizeof line);
  close(fd);
  cr_expect(r.exited && r.code == 1 && r.err.empty(), "expected 1 and no warning, got %d: %s", r.status(),
            r.err.c_str());
  cr_assert(got > 0, "the FIFO's reader got nothing");
  std::string file = t::scratch() + "/line";
  std::ofstream(file) << std::string(line, size_t(got));
  expect_report(file, "r['code'] == 1 and r['exit_status'] == 1");
}

// Past 16 signals the list stops and the rest are counted.  Real-time
// signals queue (20 sent, 20 received); -r RTMIN:0 keeps them from the
// program.  The TERM is sent once remit has taken all 20 (none pending in
// /proc), so that it comes last; it is still the stop signal.
Test(report, signals_past_sixteen_are_counted_as_dropped) {
  std::string file = t::scratch() + "/report";
  t::Proc p = t::start(Spec{{"remit", "-r", "RTMIN:0", "--report", file, "--", "sh", "-c",
                             "echo ready; exec sleep 100"}});
  await(p, "ready");
  pid_t init = p.init_pid();
  for (int i = 0; i < 20; i++) kill(init, 34);
  bool taken = t::taken(init, 34);
  if (!taken) p.signal(SIGKILL);
  cr_assert(taken, "remit never took the 20 RTMIN signals (still pending after 10 s)");
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(!r.exited && r.sig == SIGTERM, "expected remit to die by TERM as sleep did, got %d", r.status());
  expect_report(file,
                "r['signals'] == ['RTMIN'] * 16 and r['signals_dropped'] == 5 and "
                "r['stop_signal'] == 'TERM' and type(r['stop_ms']) is int");
}

// ------------------------------------------------------- issue 20: defects

// The defect that must never happen again: a 3,700-byte argument and 84
// empty ones made remit exit 34 (88-98: die by signal 44; from 99, and with
// 1,400 empty arguments alone, SIGSEGV).  The writer checked the room for a
// string's content, not for the quotes and comma around it, and wrote past
// its 4096-byte buffer.  The status must be the program's, exactly, and the
// report one valid line of at most 4096 bytes, whatever the arguments.
static void long_argument_lists(bool pid1) {
  std::string file = t::scratch() + "/report";
  std::string big(3700, 'a');
  struct Shape { size_t big; int empty; const char *filler; };
  for (Shape s : {Shape{3700, 84, ""}, Shape{3700, 90, ""}, Shape{3700, 99, ""}, Shape{0, 1400, ""},
                  Shape{3990, 30, ""}, Shape{3700, 84, "\x01"}, Shape{0, 700, "\""}}) {
    std::vector<std::string> argv = {"remit", "--report", file, "--", "sh", "-c", "exit 3"};
    if (s.big) argv.push_back(std::string(s.big, 'a'));
    for (int i = 0; i < s.empty; i++) argv.push_back(s.filler);
    t::Result r = t::run(Spec{argv, {}, pid1});
    cr_expect(r.exited && r.code == 3,
              "%s, a %zu-byte argument and %d more of '%s': expected the program's 3, got %d; stderr: %s",
              pid1 ? "as PID 1" : "as a wrapper", s.big, s.empty, s.filler, r.status(), r.err.c_str());
    expect_report(file, "r['exit_status'] == 3 and r['code'] == 3 and r['args'][:2] == ['-c', 'exit 3']");
  }
}

Test(report, long_argument_list_keeps_the_status_and_the_report_valid_as_wrapper) { long_argument_lists(false); }
Test(report, long_argument_list_keeps_the_status_and_the_report_valid_as_pid1) { long_argument_lists(true); }

// stdout, stderr or stdin closed when remit starts (`>&-`, common under
// some supervisors): the report file must not take the free number, where
// remit's -v lines and tini's INFO lines would go into it (leading NULs once
// it is emptied, a stale tail), and remit's own descriptors never sit on
// 0-2.  The child looks at remit's 0-2 in /proc and writes what it finds.
Test(report, stdout_or_stderr_closed_at_start_leaves_one_valid_line) {
  std::string old = "{\"old\":\"" + std::string(3000, 'x') + "\"}\n";
  for (const char *name : {"remit", "tini", "dumb-init"})
    for (bool pid1 : {false, true})
      for (int closed : {0, 1, 2}) {
        std::string dir = t::scratch(), file = dir + "/report";
        std::ofstream(file) << old;
        std::vector<std::string> argv = {"sh", "-c", "exec \"$@\" " + std::to_string(closed) + ">&-", "sh",
                                         t::as_name(name), "-v"};
        if (std::string(name) == "tini") argv.push_back("-s");
        if (std::string(name) != "dumb-init") argv.push_back("--");
        argv.insert(argv.end(), {"sh", "-c",
                                 "for f in 0 1 2; do [ -e /proc/$PPID/fd/$f ] && echo $f >> fds; done; exit 3"});
        t::Result r = t::run(Spec{argv, {"REMIT_REPORT=" + file}, pid1, "", dir});
        std::string what = std::string(name) + (pid1 ? " as PID 1" : " as a wrapper") + " with fd " +
                           std::to_string(closed) + " closed";
        cr_expect(r.status() == 3, "%s: expected 3, got %d; stderr: %s", what.c_str(), r.status(), r.err.c_str());
        expect_report(file, "r['exit_status'] == 3 and r['code'] == 3");
        std::string fds = t::slurp(dir + "/fds"), want;
        for (int f = 0; f < 3; f++)
          if (f != closed) want += std::to_string(f) + "\n";
        cr_expect(fds == want, "%s: remit's own 0-2 should be '%s', the child saw '%s' open", what.c_str(),
                  want.c_str(), fds.c_str());
      }
}

// A report to a stream the program writes to is appended to what the
// program wrote there, never emptied: /dev/stdout, /dev/fd/1,
// /proc/self/fd/N all name remit's own descriptor, shared with the program.
Test(report, report_to_the_programs_own_stream_is_appended_not_truncated) {
  for (const char *path : {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "/dev/stderr", "/dev/fd/2",
                           "/proc/self/fd/2"}) {
    bool err = strstr(path, "err") || path[strlen(path) - 1] == '2';
    t::Result r = t::run(Spec{{"remit", "--report", path, "--", "sh", "-c",
                               err ? "echo program line >&2; exit 4" : "echo program line; exit 4"}});
    std::string got = err ? r.err : r.out;
    cr_expect(r.exited && r.code == 4, "--report %s: expected 4, got %d", path, r.status());
    cr_assert(got.compare(0, 13, "program line\n") == 0,
              "--report %s: the program's own line was lost; the stream holds: %s", path, got.c_str());
    std::string line = t::scratch() + "/line";
    std::ofstream(line) << got.substr(13);
    expect_report(line, "r['exit_status'] == 4");
  }
  // A descriptor above 2 that remit and the program share.
  std::string dir = t::scratch(), log = dir + "/log";
  t::Result r = t::run(Spec{{"sh", "-c", "exec \"$@\" 3>>\"$0\"", log, t::remit(), "--report", "/proc/self/fd/3",
                             "--", "sh", "-c", "echo program line >&3; exit 4"}});
  std::string got = t::slurp(log);
  cr_expect(r.exited && r.code == 4, "--report /proc/self/fd/3: expected 4, got %d", r.status());
  cr_assert(got.compare(0, 13, "program line\n") == 0,
            "--report /proc/self/fd/3: the program's own line was lost; the file holds: %s", got.c_str());
  std::ofstream(dir + "/line") << got.substr(13);
  expect_report(dir + "/line", "r['exit_status'] == 4");
}

// The user's processes cannot exceed one (RLIMIT_NPROC), so vfork fails:
// a report is still written (the last run's replaced), and the status
// goes through the rules like any that remit makes up.
Test(report, fork_failure_writes_a_report_and_goes_through_the_rules) {
  std::string dir = t::scratch(), file = dir + "/report";
  cr_assert(chmod(dir.c_str(), 0755) == 0);
  std::ofstream(file) << "{\"exit_status\":0,\"stale\":true}\n";
  cr_assert(chmod(file.c_str(), 0666) == 0);
  t::Result r = t::run(Spec{{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "prlimit", "--nproc=1",
                             t::reachable_remit("remit"), "-m", "126=7", "--report", file, "--", "true", "arg"}});
  cr_expect(r.exited && r.code == 7, "expected fork's failure (126) to go through -m 126=7, got %d; stderr: %s",
            r.status(), r.err.c_str());
  cr_expect(r.err.find("Resource temporarily unavailable") != std::string::npos,
            "expected one line saying why, stderr: %s", r.err.c_str());
  expect_report(file,
                "'stale' not in r and r['ended'] == 'not started' and r['code'] == 126 and "
                "r['error'] == 'Resource temporarily unavailable' and r['exit_status'] == 7 and "
                "r['rule'] == {'text': '126=7', 'position': 1} and r['program'] == 'true' and r['args'] == ['arg']");
}

// 65,552 RTMIN (they queue: each one counts) then TERM: 16 in the list, the
// other 65,537 counted.  A 16-bit counter said 1.  remit passes none of
// them on (-r RTMIN:0).  They are sent with sigqueue, 1,000 at a time, each
// batch taken by remit before the next: the queue limit (RLIMIT_SIGPENDING)
// is shared by all of root's processes and near 65,536 on a 16 GB machine.
// kill() past it merges a signal silently; sigqueue gets EAGAIN and retries,
// and the tests running beside this one keep room for their own signals.
Test(report, signals_dropped_counts_past_65536, .timeout = 300) {
  std::string file = t::scratch() + "/report";
  t::Proc p = t::start(Spec{{"remit", "-r", "RTMIN:0", "--report", file, "--", "sh", "-c",
                             "echo ready; exec sleep 1000"}});
  await(p, "ready");
  pid_t init = p.init_pid();
  int sent = 0;
  bool all_taken = true;
  for (double end = t::now() + 200; all_taken && sent < 65552 && t::now() < end;) {
    if (sigqueue(init, 34, sigval{0}) == 0) {
      if (++sent % 1000 == 0 || sent == 65552) all_taken = t::taken(init, 34, 30);  // all sent so far
    } else if (errno == EAGAIN) sched_yield();
    else break;
  }
  if (sent < 65552 || !all_taken) p.signal(SIGKILL);
  cr_assert(sent == 65552 && all_taken, "sent %d of 65552 RTMIN, %s", sent,
            all_taken ? "all taken" : "a batch not taken in 30 s");
  p.signal(SIGTERM);
  t::Result r = p.wait();
  cr_expect(!r.exited && r.sig == SIGTERM, "expected remit to die by TERM as sleep did, got %d", r.status());
  expect_report(file, "r['signals'] == ['RTMIN'] * 16 and r['signals_dropped'] == 65537");
}

// tini's -e codes are one rule; the report names it as -vv does.
Test(report, tini_e_rule_is_named_as_verbose_names_it) {
  std::string file = t::scratch() + "/report";
  std::string tini = t::as_name("tini");
  t::Result r = t::run(Spec{{tini, "-vv", "-s", "-e", "1", "-e", "2", "-e", "5", "--", "sh", "-c", "exit 2"},
                            {"REMIT_REPORT=" + file}});
  cr_expect(r.exited && r.code == 0, "expected tini -e 2 to make 2 a 0, got %d", r.status());
  cr_expect(r.out.find("rule 1 '-e 1-2,5'") != std::string::npos, "expected -vv to name the rule, stdout: %s",
            r.out.c_str());
  expect_report(file, "r['rule'] == {'text': '-e 1-2,5', 'position': 1}");
  r = t::run(Spec{{tini, "-s", "-e", "001", "--", "sh", "-c", "exit 1"}, {"REMIT_REPORT=" + file}});
  expect_report(file, "r['rule'] == {'text': '-e 1', 'position': 1} and r['exit_status'] == 0");
}

// A file size limit below the report's size: never half a line.  The file
// ends up empty (the last run's report is gone, the new one does not
// fit), with one warning; the status is the program's.
Test(report, report_larger_than_the_file_size_limit_is_all_or_nothing) {
  std::string file = t::scratch() + "/report";
  std::ofstream(file) << "{\"exit_status\":0,\"stale\":true}\n";
  t::Result r = t::run(Spec{{"sh", "-c",
                             "{ prlimit --fsize=1024 \"$0\" --report \"$1\" -- sh -c 'exit 4' \"$2\"; "
                             "echo \"status $?\"; } 2>&1 | cat",
                             t::remit(), file, std::string(2000, 'a')}});
  cr_expect(r.out.find("status 4\n") != std::string::npos, "expected 4, got: %s", r.out.c_str());
  cr_expect(report_warnings(r.out) == 1 && r.out.find("too large") != std::string::npos,
            "expected one warning that the report is too large for the limit, got: %s", r.out.c_str());
  std::string left = t::slurp(file);
  cr_expect(left.empty(), "expected the file empty (no report fits, the old one gone), it holds %zu bytes: %.200s",
            left.size(), left.c_str());
}

// REMIT_REPORT set but empty (a task definition's template with an unset
// variable) means no report, as unset does; `--report ''` is a mistake.
Test(report, empty_report_variable_means_no_report) {
  std::string dir = t::scratch();
  t::Result r = t::run(Spec{{"remit", "--", "sh", "-c", "touch ran; exit 5"}, {"REMIT_REPORT="}, false, "", dir});
  cr_expect(r.exited && r.code == 5 && r.err.empty(), "expected the program's 5 and no message, got %d: %s",
            r.status(), r.err.c_str());
  cr_expect(access((dir + "/ran").c_str(), F_OK) == 0, "the program must run with REMIT_REPORT empty");
  r = t::run(Spec{{"remit", "--report", "", "--", "true"}});
  cr_expect(r.exited && r.code == 2, "expected exit 2 for --report '', got %d", r.status());
}

// The report's calendar against glibc's gmtime_r: every day from 1970 to
// 2500 (leap years, 2100 and 2400 included) at a time of day that moves
// through every hour, minute and second.
Test(report, stop_time_is_gmtime_s_date_for_every_day) {
  char space[64];
  for (int64_t day = 0; day < 194359; day++) {
    int64_t secs = day * 86400 + (day * 7919) % 86400;
    json::buf = space, json::n = 0;
    json::when(secs, int(day % 1000));
    time_t t = time_t(secs);
    struct tm tm;
    gmtime_r(&t, &tm);
    char want[64];
    snprintf(want, sizeof want, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(day % 1000));
    std::string got(space, size_t(json::n));
    if (got != want) cr_assert_fail("at %lld s: %s, gmtime_r says %s", (long long)secs, got.c_str(), want);
  }
}

// The count of signals past the first 16 stops at 2^32 - 1: a storm longer
// than that must not make the report say fewer came (signals_dropped_counts
// _past_65536 shows the count is exact past 16 bits; 2^32 signals are too
// many to send in a test).
Test(report, signals_dropped_saturates_at_the_32_bit_maximum) {
  Story st;
  for (int i = 0; i < 16; i++) note(st, SIGUSR1, false);
  note(st, SIGUSR1, false);
  cr_expect(st.nsigs == 16 && st.dropped == 1, "expected 16 listed and 1 counted, got %d and %u", st.nsigs,
            unsigned(st.dropped));
  st.dropped = decltype(st.dropped)(UINT32_MAX - 1);
  note(st, SIGUSR1, false);
  note(st, SIGUSR1, false);
  cr_expect(st.dropped == UINT32_MAX, "expected the count to stop at 4294967295, got %llu",
            (unsigned long long)st.dropped);
}

// ------------------------------------------- issue 21: where the report goes
//
// remit runs as root; the report's path may be in a volume the program (or
// another user) can write.  A symbolic link there used to be followed: the
// report emptied and overwrote the link's target (/etc/passwd), or created
// a dangling link's target.  Now no link in any component is followed: one
// warning, no report, the program runs and its status is remit's.  Every
// target here is a scratch file standing in for a system one.

namespace {

const char kBusybox[] = "/bin/busybox";
const char kStandIn[] = "root:x:0:0:root:/root:/bin/sh\nstand-in for /etc/passwd\n";

void put_file(const std::string &path, const std::string &content) {
  std::ofstream(path, std::ios::binary) << content;
}

void make_link(const std::string &target, const std::string &link) {
  cr_assert(symlink(target.c_str(), link.c_str()) == 0, "symlink %s -> %s: %s", link.c_str(), target.c_str(),
            strerror(errno));
}

std::string link_warning(const std::string &prefix, const std::string &path) {
  return prefix + "cannot open the report file '" + path + "': a symbolic link is in the path (remit follows none)\n";
}

const char *mode_name(bool pid1) { return pid1 ? "as PID 1" : "as a wrapper"; }

// A file that must come out of the run as it went in.
struct Kept {
  std::string path, content;
};

// remit --report `report` (from `cwd`) with a program that says "ran" and
// exits 3: the status must be 3, the program must have run, stderr must
// be the one warning, every `kept` file as it was (content and size) and
// no `absent` path created.
void expect_link_refused(const std::string &report, const std::string &cwd, const std::vector<Kept> &kept,
                         const std::vector<std::string> &absent, bool pid1) {
  t::Result r = t::run(Spec{{"remit", "--report", report, "--", kBusybox, "sh", "-c", "echo ran; exit 3"}, {}, pid1,
                            "", cwd});
  const char *how = mode_name(pid1);
  cr_expect(r.exited && r.code == 3, "--report %s %s: expected the program's 3, got %d; stderr: %s", report.c_str(),
            how, r.status(), r.err.c_str());
  cr_expect(r.out == "ran\n", "--report %s %s: expected the program to run (\"ran\"), stdout: '%s'", report.c_str(),
            how, r.out.c_str());
  std::string want = link_warning("remit: ", report);
  cr_expect(r.err == want, "--report %s %s: expected the one warning\n  %s  got stderr:\n  %s", report.c_str(), how,
            want.c_str(), r.err.c_str());
  for (const Kept &k : kept) {
    struct stat st;
    cr_expect(lstat(k.path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == off_t(k.content.size()),
              "--report %s %s: %s should be a regular file of %zu bytes still; it is %lld bytes (or gone)",
              report.c_str(), how, k.path.c_str(), k.content.size(), (long long)st.st_size);
    std::string now = t::slurp(k.path);
    cr_expect(now == k.content, "--report %s %s: %s was changed; it holds: %.300s", report.c_str(), how,
              k.path.c_str(), now.c_str());
  }
  for (const std::string &a : absent) {
    struct stat st;
    cr_expect(lstat(a.c_str(), &st) != 0, "--report %s %s: %s was created (a link's target must not be)",
              report.c_str(), how, a.c_str());
  }
}

// The stream the program and the report share: the program's line, then
// one valid report line for which `check` holds.
void expect_line_after(const std::string &got, const std::string &first, const std::string &check,
                       const std::string &what) {
  cr_assert(got.compare(0, first.size(), first) == 0,
            "%s: expected the program's output '%s' first, kept; the stream holds: %.400s", what.c_str(),
            first.c_str(), got.c_str());
  std::string line = t::scratch() + "/line";
  put_file(line, got.substr(first.size()));
  expect_report(line, check);
}

}  // namespace

Test(report, a_link_as_the_report_file_is_not_followed_and_its_target_is_untouched) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), passwd = dir + "/passwd";
    put_file(passwd, kStandIn);
    make_link(passwd, dir + "/report.json");
    expect_link_refused(dir + "/report.json", "", {{passwd, kStandIn}}, {}, pid1);
  }
}

Test(report, a_dangling_link_is_not_followed_and_its_target_is_not_created) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch();
    make_link(dir + "/missing", dir + "/report.json");
    expect_link_refused(dir + "/report.json", "", {}, {dir + "/missing"}, pid1);
  }
}

Test(report, a_chain_of_links_is_not_followed) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), passwd = dir + "/passwd";
    put_file(passwd, kStandIn);
    make_link(passwd, dir + "/b");
    make_link(dir + "/b", dir + "/a");
    expect_link_refused(dir + "/a", "", {{passwd, kStandIn}}, {}, pid1);
  }
}

// dirlink -> real: neither real/report.json (there) nor real/new.json
// (not there) may be touched through it.
Test(report, a_link_to_a_directory_on_the_way_is_not_followed) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), real = dir + "/real";
    t::mkdirs(real);
    put_file(real + "/report.json", kStandIn);
    make_link(real, dir + "/dirlink");
    expect_link_refused(dir + "/dirlink/report.json", "", {{real + "/report.json", kStandIn}}, {}, pid1);
    expect_link_refused(dir + "/dirlink/new.json", "", {}, {real + "/new.json"}, pid1);
  }
}

// From the working directory: report.json -> passwd, and sub -> real with
// sub/report.json; the links' targets relative too.
Test(report, a_relative_path_through_a_link_is_not_followed) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), passwd = dir + "/passwd", real = dir + "/real";
    t::mkdirs(real);
    put_file(passwd, kStandIn);
    put_file(real + "/report.json", kStandIn);
    make_link("passwd", dir + "/report.json");
    make_link("real", dir + "/sub");
    expect_link_refused("report.json", dir, {{passwd, kStandIn}}, {}, pid1);
    expect_link_refused("sub/report.json", dir, {{real + "/report.json", kStandIn}}, {}, pid1);
    expect_link_refused("./sub/new.json", dir, {}, {real + "/new.json"}, pid1);
  }
}

// Under tini's name, REMIT_REPORT set: the warning in tini's words
// ("[WARN  tini (PID)] "), the rest the same.
Test(report, a_link_is_refused_under_the_tini_name_with_tinis_warning) {
  std::string tini = t::as_name("tini");
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), passwd = dir + "/passwd", report = dir + "/report.json";
    put_file(passwd, kStandIn);
    make_link(passwd, report);
    t::Proc p = t::start(Spec{{tini, "-s", "--", kBusybox, "sh", "-c", "echo ran; exit 3"}, {"REMIT_REPORT=" + report},
                              pid1});
    pid_t shown = pid1 ? 1 : p.pid;
    t::Result r = p.wait();
    cr_expect(r.exited && r.code == 3, "tini %s: expected the program's 3, got %d; stderr: %s", mode_name(pid1),
              r.status(), r.err.c_str());
    cr_expect(r.out == "ran\n", "tini %s: expected the program to run, stdout: '%s'", mode_name(pid1), r.out.c_str());
    std::string want = link_warning("[WARN  tini (" + std::to_string(shown) + ")] ", report);
    cr_expect(r.err == want, "tini %s: expected the one warning\n  %s  got stderr:\n  %s", mode_name(pid1),
              want.c_str(), r.err.c_str());
    cr_expect(t::slurp(passwd) == kStandIn, "tini %s: the link's target was changed: %.300s", mode_name(pid1),
              t::slurp(passwd).c_str());
  }
}

// What the refusal leaves alone: the names of remit's own streams, though
// /dev/stdout, /dev/stderr and /dev/fd are links themselves, take the line
// after the program's output, with no warning; a link of the test's own,
// beside them, is refused.
Test(report, only_links_are_refused_streams_named_through_dev_and_proc_still_get_the_line) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), passwd = dir + "/passwd";
    put_file(passwd, kStandIn);
    make_link(passwd, dir + "/report.json");
    expect_link_refused(dir + "/report.json", "", {{passwd, kStandIn}}, {}, pid1);
    for (const char *path : {"/dev/stdout", "/dev/stderr", "-", "/dev/fd/1", "/dev/fd/2", "/proc/self/fd/1",
                             "/proc/self/fd/2"}) {
      bool err = !strcmp(path, "-") || strstr(path, "err") || path[strlen(path) - 1] == '2';
      t::Result r = t::run(Spec{{"remit", "--report", path, "--", kBusybox, "sh", "-c",
                                 err ? "echo program line >&2; exit 4" : "echo program line; exit 4"},
                                {}, pid1});
      std::string what = std::string("--report ") + path + " " + mode_name(pid1);
      cr_expect(r.exited && r.code == 4, "%s: expected 4, got %d; stderr: %s", what.c_str(), r.status(),
                r.err.c_str());
      cr_expect((err ? r.out : r.err).empty(), "%s: expected nothing on the other stream, got: %s", what.c_str(),
                (err ? r.out : r.err).c_str());
      expect_line_after(err ? r.err : r.out, "program line\n", "r['exit_status'] == 4 and r['code'] == 4", what);
    }
    // A descriptor above 2 that remit and the program share.
    for (const char *path : {"/dev/fd/3", "/proc/self/fd/3"}) {
      std::string log = t::scratch() + "/log";
      std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$@\" 3>>\"$0\"", log};
      if (pid1) argv.insert(argv.end(), {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc"});
      argv.insert(argv.end(), {t::remit(), "--report", path, "--", kBusybox, "sh", "-c", "echo program line >&3; exit 4"});
      t::Result r = t::run(Spec{argv});
      std::string what = std::string("--report ") + path + " " + mode_name(pid1);
      cr_expect(r.exited && r.code == 4 && r.err.empty(), "%s: expected 4 and no warning, got %d; stderr: %s",
                what.c_str(), r.status(), r.err.c_str());
      expect_line_after(t::slurp(log), "program line\n", "r['exit_status'] == 4", what);
    }
  }
}

// A plain file is still created when missing and replaced when there (a
// longer old one leaves nothing behind); a link beside it is refused.
Test(report, only_links_are_refused_a_plain_file_is_created_or_replaced) {
  for (bool pid1 : {false, true}) {
    std::string dir = t::scratch(), passwd = dir + "/passwd", file = dir + "/report.json";
    put_file(passwd, kStandIn);
    make_link(passwd, dir + "/link.json");
    expect_link_refused(dir + "/link.json", "", {{passwd, kStandIn}}, {}, pid1);
    t::Result r = t::run(Spec{{"remit", "--report", file, "--", kBusybox, "sh", "-c", "exit 3"}, {}, pid1});
    cr_expect(r.exited && r.code == 3 && r.err.empty(), "a missing plain file %s: expected 3 and no warning, got %d: %s",
              mode_name(pid1), r.status(), r.err.c_str());
    cr_expect(t::exists(file), "a missing plain file %s: remit did not create it", mode_name(pid1));
    expect_report(file, "r['exit_status'] == 3 and r['code'] == 3");
    put_file(file, std::string(8000, 'x') + "\n");
    r = t::run(Spec{{"remit", "--report", file, "--", kBusybox, "sh", "-c", "exit 5"}, {}, pid1});
    cr_expect(r.exited && r.code == 5 && r.err.empty(), "an existing plain file %s: expected 5 and no warning, got %d: %s",
              mode_name(pid1), r.status(), r.err.c_str());
    expect_report(file, "r['exit_status'] == 5 and r['code'] == 5");
  }
}

// As Kubernetes mounts /dev/termination-log: a host file bind-mounted on
// the path (in a mount namespace of the run's own) is no link, and the
// host file gets the line; a link to the same host file is refused.
Test(report, a_file_bind_mount_gets_the_line_where_a_link_to_the_same_file_is_refused) {
  for (bool pid1 : {false, true}) {
    std::string host_dir = t::scratch(), host = host_dir + "/termination-log";
    std::string dir = t::scratch(), target = dir + "/termination-log";
    put_file(host, std::string(5000, 'o') + "\n");
    put_file(target, "");
    make_link(host, dir + "/link");
    expect_link_refused(dir + "/link", "", {{host, std::string(5000, 'o') + "\n"}}, {}, pid1);
    std::vector<std::string> argv = {"/usr/bin/unshare", "-m", "/bin/sh", "-c",
                                     "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", host, target};
    if (pid1) argv.insert(argv.end(), {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc"});
    argv.insert(argv.end(), {t::remit(), "--report", target, "--", kBusybox, "sh", "-c", "exit 3"});
    t::Result r = t::run(Spec{argv});
    cr_expect(r.exited && r.code == 3 && r.err.empty(), "a bind mount %s: expected 3 and no warning, got %d: %s",
              mode_name(pid1), r.status(), r.err.c_str());
    expect_report(host, "r['exit_status'] == 3 and r['code'] == 3");
    cr_expect(t::slurp(target).empty(), "a bind mount %s: the file under the mount was written: %.200s",
              mode_name(pid1), t::slurp(target).c_str());
  }
}

// Any other name of the file on descriptor 1 or 2 is that stream.  As PID
// 1, /proc/1/fd/N is remit's own descriptor: reopened, it emptied the log
// stdout went to and left only the line.  The harness sends stdout and
// stderr to regular files (DIR/stdout, DIR/stderr).
static void proc_1_fd_is_that_stream(int fd) {
  std::string path = "/proc/1/fd/" + std::to_string(fd);
  t::Result r = t::run(Spec{{"remit", "--report", path, "--", kBusybox, "sh", "-c",
                             fd == 1 ? "echo program line; exit 4" : "echo program line >&2; exit 4"},
                            {}, true});
  cr_expect(r.exited && r.code == 4, "--report %s as PID 1: expected 4, got %d; stderr: %s", path.c_str(), r.status(),
            r.err.c_str());
  cr_expect((fd == 1 ? r.err : r.out).empty(), "--report %s as PID 1: expected nothing on the other stream, got: %s",
            path.c_str(), (fd == 1 ? r.err : r.out).c_str());
  expect_line_after(fd == 1 ? r.out : r.err, "program line\n",
                    "r['exit_status'] == 4 and r['code'] == 4 and r['pid'] == 2", "--report " + path + " as PID 1");
}

// Also on a pipe: `remit --report /proc/1/fd/1 -- busybox echo hello | cat`.
Test(report, proc_1_fd_1_as_pid1_is_stdout_and_the_line_follows_the_output) {
  proc_1_fd_is_that_stream(1);
  std::string out = t::scratch() + "/out";
  t::Result r = t::run(Spec{{"/bin/sh", "-c",
                             "/usr/bin/unshare --pid --fork --mount-proc \"$0\" --report /proc/1/fd/1 -- \"$2\" echo "
                             "hello | cat > \"$1\"",
                             t::remit(), out, kBusybox}});
  cr_expect(r.exited && r.code == 0 && r.err.empty(), "on a pipe: expected 0 and no warning, got %d: %s", r.status(),
            r.err.c_str());
  expect_line_after(t::slurp(out), "hello\n", "r['exit_status'] == 0 and r['program'] == '" + std::string(kBusybox) +
                    "' and r['args'] == ['echo', 'hello']", "--report /proc/1/fd/1 as PID 1 on a pipe");
}

Test(report, proc_1_fd_2_as_pid1_is_stderr_and_the_line_follows_the_output) { proc_1_fd_is_that_stream(2); }

// The very file stdout (or stderr) was sent to, by its path: the line is
// added after the program's output, which is kept.
Test(report, the_log_file_stdout_or_stderr_goes_to_named_by_its_path_is_appended_to) {
  for (bool pid1 : {false, true})
    for (int fd : {1, 2}) {
      std::string dir = t::scratch(), log = dir + (fd == 1 ? "/stdout" : "/stderr");
      t::Result r = t::run(Spec{{"remit", "--report", log, "--", kBusybox, "sh", "-c",
                                 fd == 1 ? "echo program line; exit 4" : "echo program line >&2; exit 4"},
                                {}, pid1, "", "", dir});
      std::string what = "--report " + log + " " + mode_name(pid1);
      cr_expect(r.exited && r.code == 4, "%s: expected 4, got %d; stderr: %s", what.c_str(), r.status(),
                r.err.c_str());
      cr_expect((fd == 1 ? r.err : r.out).empty(), "%s: expected nothing on the other stream, got: %s", what.c_str(),
                (fd == 1 ? r.err : r.out).c_str());
      expect_line_after(fd == 1 ? r.out : r.err, "program line\n", "r['exit_status'] == 4 and r['code'] == 4", what);
    }
}

namespace {

// A FIFO of 4096 bytes' room, open at both ends without blocking (the
// test is its reader, and reads nothing yet), that holds `filler` already.
struct Fifo {
  std::string path;
  int rd, wr;
};
Fifo fifo_holding(const std::string &filler) {
  Fifo f{t::scratch() + "/fifo", -1, -1};
  cr_assert(mkfifo(f.path.c_str(), 0644) == 0, "mkfifo %s failed", f.path.c_str());
  f.rd = open(f.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  cr_assert(f.rd >= 0, "cannot open the FIFO for reading: %s", strerror(errno));
  int size = fcntl(f.rd, F_SETPIPE_SZ, 4096);
  cr_assert(size == 4096, "F_SETPIPE_SZ 4096 gave %d (%s)", size, strerror(errno));
  f.wr = open(f.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  cr_assert(f.wr >= 0, "cannot open the FIFO for writing: %s", strerror(errno));
  cr_assert(write(f.wr, filler.data(), filler.size()) == ssize_t(filler.size()), "could not put %zu bytes in",
            filler.size());
  return f;
}

}  // namespace

// A FIFO whose reader (the test) holds it open but reads nothing, filled
// to the brim beforehand (4096 bytes of room, 4096 written): the write
// would block, and remit does not wait.  The warning says so, in words
// (it said "error 95"); the status is the program's; the FIFO holds the
// filler and not a byte of the line.
Test(report, a_full_fifo_is_said_to_be_full_and_remit_does_not_wait) {
  std::string filler(4096, 'f');
  auto [fifo, rd, wr] = fifo_holding(filler);
  cr_assert(write(wr, "f", 1) < 0 && errno == EAGAIN, "the FIFO is not full after 4096 bytes");
  t::Result r = t::run_within(Spec{{"remit", "--report", fifo, "--", kBusybox, "sh", "-c", "exit 3"}}, 20);
  cr_expect(!r.hung, "remit waited on the full FIFO (killed after 20 s); stderr: %s", r.err.c_str());
  cr_expect(r.exited && r.code == 3, "expected the program's 3, got %s; stderr: %s", r.describe().c_str(),
            r.err.c_str());
  std::string want = "remit: cannot write the report file '" + fifo + "': it is full (remit does not wait)\n";
  cr_expect(r.err == want, "expected the one warning\n  %s  got stderr:\n  %s", want.c_str(), r.err.c_str());
  std::string held;
  char buf[8192];
  for (ssize_t got; (got = read(rd, buf, sizeof buf)) > 0;) held.append(buf, size_t(got));
  close(wr);
  close(rd);
  cr_expect(held == filler, "expected the FIFO to hold the 4096 bytes of filler alone, it held %zu bytes: ...%.200s",
            held.size(), held.size() > 200 ? held.c_str() + held.size() - 200 : held.c_str());
}

// ---------------------- no link followed, every name of a stream: the rest

namespace {

// What a file's inode says about it: a write, a truncation, a chmod or a
// new entry in a directory changes its mtime or ctime.
struct Stamp {
  bool there = false;
  ino_t ino = 0;
  off_t size = 0;
  timespec mtime{}, ctime{};
};

Stamp stamp(const std::string &path) {
  struct stat st;
  Stamp s;
  if (lstat(path.c_str(), &st) != 0) return s;
  s.there = true, s.ino = st.st_ino, s.size = st.st_size, s.mtime = st.st_mtim, s.ctime = st.st_ctim;
  return s;
}

bool same_time(const timespec &a, const timespec &b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

void expect_same_stamp(const std::string &path, const Stamp &before, const std::string &what) {
  Stamp now = stamp(path);
  cr_expect(now.there && now.ino == before.ino && now.size == before.size && same_time(now.mtime, before.mtime) &&
                same_time(now.ctime, before.ctime),
            "%s: %s should be untouched (inode %llu, %lld bytes, mtime %lld.%09ld, ctime %lld.%09ld); it is %s "
            "(inode %llu, %lld bytes, mtime %lld.%09ld, ctime %lld.%09ld)",
            what.c_str(), path.c_str(), (unsigned long long)before.ino, (long long)before.size,
            (long long)before.mtime.tv_sec, before.mtime.tv_nsec, (long long)before.ctime.tv_sec,
            before.ctime.tv_nsec, now.there ? "there" : "gone", (unsigned long long)now.ino, (long long)now.size,
            (long long)now.mtime.tv_sec, now.mtime.tv_nsec, (long long)now.ctime.tv_sec, now.ctime.tv_nsec);
}

// An mtime far in the past (2001-09-09), so that any write shows.
void set_old_mtime(const std::string &path) {
  timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
  cr_assert(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, "utimensat %s: %s", path.c_str(),
            strerror(errno));
}

}  // namespace

// The targets live in DIR/etc (standing in for /etc), the links in
// DIR/vol (a volume the program can write); each case has a directory of
// its own.  A refused link must leave the target's inode as it was, mtime
// and ctime included (its mtime is set to 2001 first, so any write shows),
// and DIR/etc too: the dangling link's target is not created there,
// nothing is.
Test(report, a_refused_link_leaves_its_target_and_the_targets_directory_untouched_mtime_included) {
  for (bool pid1 : {false, true})
    for (const char *link : {"last.json", "chain.json", "dangling.json", "dirlink/report.json", "dirlink/new.json"}) {
      std::string dir = t::scratch(), etc = dir + "/etc", vol = dir + "/vol", passwd = etc + "/passwd";
      t::mkdirs(etc + "/real"), t::mkdirs(vol);
      put_file(passwd, kStandIn);
      put_file(etc + "/real/report.json", kStandIn);
      make_link(passwd, vol + "/last.json");
      make_link(passwd, vol + "/b"), make_link(vol + "/b", vol + "/chain.json");
      make_link(etc + "/shadow", vol + "/dangling.json");
      make_link(etc + "/real", vol + "/dirlink");
      std::vector<std::string> watched = {passwd, etc + "/real/report.json", etc + "/real", etc};
      for (const std::string &w : watched) set_old_mtime(w);
      std::vector<Stamp> before;
      for (const std::string &w : watched) before.push_back(stamp(w));
      std::string report = vol + "/" + link;
      expect_link_refused(report, "", {{passwd, kStandIn}, {etc + "/real/report.json", kStandIn}},
                          {etc + "/shadow", etc + "/real/new.json"}, pid1);
      for (size_t i = 0; i < watched.size(); i++)
        expect_same_stamp(watched[i], before[i], "--report " + report + " " + mode_name(pid1));
    }
}

// A link further up than the parent (a/b/link/c/report.json), a link
// followed by ".." (link/.. is the link's target's parent to the kernel),
// a dangling link and a link to a file where a directory is expected: all
// refused with the same warning, nothing reached through them written or
// created.  Each case has a directory of its own.
Test(report, a_link_deeper_in_the_path_or_before_dotdot_is_not_followed) {
  struct Case { const char *report; bool relative; const char *absent; };
  for (bool pid1 : {false, true})
    for (Case c : {Case{"a/b/link/c/report.json", false, ""}, Case{"a/b/link/c/new.json", false, "real/c/new.json"},
                   Case{"a/b/link/../top.json", false, ""}, Case{"a/b/link/../top.json", true, ""},
                   Case{"dangling/report.json", false, "nowhere"}, Case{"flink/report.json", false, ""}}) {
      std::string dir = t::scratch(), real = dir + "/real", top = dir + "/top.json", passwd = dir + "/passwd";
      t::mkdirs(real + "/c"), t::mkdirs(dir + "/a/b");
      put_file(real + "/c/report.json", kStandIn);
      put_file(top, kStandIn);
      put_file(passwd, kStandIn);
      make_link("../../real", dir + "/a/b/link");  // relative, from a/b: a/b/link/.. is DIR
      make_link(dir + "/nowhere", dir + "/dangling");
      make_link(passwd, dir + "/flink");
      std::vector<std::string> absent;
      if (*c.absent) absent.push_back(dir + "/" + c.absent);
      expect_link_refused(c.relative ? c.report : dir + "/" + c.report, c.relative ? dir : "",
                          {{real + "/c/report.json", kStandIn}, {top, kStandIn}, {passwd, kStandIn}}, absent, pid1);
    }
}

// "Any other name of the file on standard output or error (through a link
// too)": a link to the log file stdout (or stderr) goes to, a link to the
// directory it is in, a hard link, and a link to /dev/stdout (/dev/stderr)
// are that stream.  The line is added after the program's output, which
// is kept, with no warning (a link that reaches remit's own stream is not
// refused: remit writes to the descriptor it holds and opens nothing).
Test(report, a_link_or_a_hard_link_to_the_log_file_stdout_or_stderr_goes_to_is_that_stream) {
  for (bool pid1 : {false, true})
    for (int fd : {1, 2})
      for (const char *kind : {"a link", "a link to its directory", "a hard link", "a link to /dev/std*"}) {
        std::string dir = t::scratch(), base = fd == 1 ? "stdout" : "stderr", log = dir + "/" + base, report;
        put_file(log, "");  // the harness opens it again with O_TRUNC: the same inode
        if (!strcmp(kind, "a link")) make_link(base, report = dir + "/report.json");
        else if (!strcmp(kind, "a link to its directory")) make_link(".", dir + "/via"), report = dir + "/via/" + base;
        else if (!strcmp(kind, "a hard link")) {
          report = dir + "/report.json";
          cr_assert(link(log.c_str(), report.c_str()) == 0, "link %s %s: %s", log.c_str(), report.c_str(),
                    strerror(errno));
        } else make_link("/dev/" + base, report = dir + "/report.json");
        t::Result r = t::run(Spec{{"remit", "--report", report, "--", kBusybox, "sh", "-c",
                                   fd == 1 ? "echo program line; exit 4" : "echo program line >&2; exit 4"},
                                  {}, pid1, "", "", dir});
        std::string what = "--report " + report + " (" + kind + " to the " + base + " log) " + mode_name(pid1);
        cr_expect(r.exited && r.code == 4, "%s: expected 4, got %d; stderr: %s", what.c_str(), r.status(),
                  r.err.c_str());
        cr_expect((fd == 1 ? r.err : r.out).empty(), "%s: expected nothing on the other stream, got: %s",
                  what.c_str(), (fd == 1 ? r.err : r.out).c_str());
        expect_line_after(fd == 1 ? r.out : r.err, "program line\n", "r['exit_status'] == 4 and r['code'] == 4",
                          what);
      }
}

// As a wrapper, /proc/PID/fd/1 with remit's own PID (the shell's, which
// exec keeps): stdout itself, appended to, as /proc/1/fd/1 is as PID 1.
// The same for 2.
Test(report, proc_pid_fd_1_and_2_of_remit_as_a_wrapper_are_its_stdout_and_stderr) {
  for (int fd : {1, 2}) {
    std::string n = std::to_string(fd);
    t::Proc p = t::start(Spec{{"/bin/sh", "-c", "exec \"$0\" --report /proc/$$/fd/" + n + " -- \"$1\" sh -c \"$2\"",
                               t::remit(), kBusybox,
                               fd == 1 ? "echo program line; exit 4" : "echo program line >&2; exit 4"}});
    std::string what = "--report /proc/" + std::to_string(p.pid) + "/fd/" + n + " as a wrapper";
    t::Result r = p.wait();
    cr_expect(r.exited && r.code == 4, "%s: expected 4, got %d; stderr: %s", what.c_str(), r.status(),
              r.err.c_str());
    cr_expect((fd == 1 ? r.err : r.out).empty(), "%s: expected nothing on the other stream, got: %s", what.c_str(),
              (fd == 1 ? r.err : r.out).c_str());
    expect_line_after(fd == 1 ? r.out : r.err, "program line\n",
                      "r['exit_status'] == 4 and r['code'] == 4 and r['pid'] != " + std::to_string(p.pid), what);
  }
}

// A FIFO with some room, but less than the line (4000 bytes of 4096 held:
// the line, 150 bytes or more, does not fit): a pipe takes a write of at
// most PIPE_BUF whole or not at all, so the FIFO must hold the filler and
// not a byte of the line; the warning says it is full; the status is the
// program's.  As a wrapper, as PID 1, and under tini's name (its prefix).
Test(report, a_fifo_without_room_for_the_whole_line_gets_none_of_it_and_is_said_to_be_full) {
  std::string tini = t::as_name("tini");
  for (const char *how : {"as a wrapper", "as PID 1", "as tini"}) {
    bool pid1 = !strcmp(how, "as PID 1"), as_tini = !strcmp(how, "as tini");
    std::string filler(4000, 'f');
    auto [fifo, rd, wr] = fifo_holding(filler);
    std::vector<std::string> argv = {as_tini ? tini : "remit"};
    if (as_tini) argv.push_back("-s");
    argv.insert(argv.end(), {"--", kBusybox, "sh", "-c", "exit 3"});
    if (!as_tini) argv.insert(argv.begin() + 1, {"--report", fifo});
    t::Proc p = t::start(Spec{argv, {as_tini ? "REMIT_REPORT=" + fifo : "REMIT_REPORT"}, pid1});
    pid_t shown = pid1 ? 1 : p.pid;
    t::Result r = p.wait(20, false);
    cr_expect(!r.hung, "%s: remit waited on the FIFO (killed after 20 s); stderr: %s", how, r.err.c_str());
    cr_expect(r.exited && r.code == 3, "%s: expected the program's 3, got %s; stderr: %s", how, r.describe().c_str(),
              r.err.c_str());
    std::string want = std::string(as_tini ? "[WARN  tini (" + std::to_string(shown) + ")] " : "remit: ") +
                       "cannot write the report file '" + fifo + "': it is full (remit does not wait)\n";
    cr_expect(r.err == want, "%s: expected the one warning\n  %s  got stderr:\n  %s", how, want.c_str(),
              r.err.c_str());
    std::string held;
    char buf[8192];
    for (ssize_t got; (got = read(rd, buf, sizeof buf)) > 0;) held.append(buf, size_t(got));
    close(wr);
    close(rd);
    cr_expect(held == filler, "%s: expected the FIFO to hold the 4000 bytes of filler alone, it held %zu: ...%.200s",
              how, held.size(), held.size() > 200 ? held.c_str() + held.size() - 200 : held.c_str());
  }
}
