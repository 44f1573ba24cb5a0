// tests/fuzz_test.cpp: the whole-program fuzzer's seed corpus, replayed, and its reports read by python3.
//
// fuzz/remit_fuzz (make fuzz/remit_fuzz; make test builds it first) runs
// every input in fuzz/corpus through remit's code and checks the report
// with its own JSON reader; here each report it produced is also read by
// python3's json module, which owes nothing to the fuzzer's reader.
#include <algorithm>

#include "harness.hpp"

using t::Spec;

namespace {

// Every *.json in a directory: one line, at most 4096 bytes, a JSON object
// in UTF-8 with an exit status.  Prints how many it read.
const char kCheckAll[] = R"(
import json, os, sys
d = sys.argv[1]
names = sorted(n for n in os.listdir(d) if n.endswith('.json'))
for n in names:
    raw = open(os.path.join(d, n), 'rb').read()
    if not (raw.endswith(b'\n') and raw.count(b'\n') == 1):
        sys.exit('%s: not one line: %r' % (n, raw[:300]))
    if len(raw) > 4096:
        sys.exit('%s: %d bytes, more than 4096' % (n, len(raw)))
    r = json.loads(raw.decode('utf-8'))
    if not (isinstance(r, dict) and isinstance(r.get('exit_status'), int)):
        sys.exit('%s: no exit_status in %r' % (n, raw[:300]))
print(len(names))
)";

std::vector<std::string> corpus() {
  std::vector<std::string> files;
  std::string dir = t::root() + "/fuzz/corpus";
  DIR *d = opendir(dir.c_str());
  cr_assert(d, "no %s", dir.c_str());
  while (dirent *e = readdir(d))
    if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Test(fuzz, every_seed_passes_the_fuzzer_and_its_report_is_one_line_of_json_within_4096_bytes) {
  std::string fuzzer = t::root() + "/fuzz/remit_fuzz";
  cr_assert(access(fuzzer.c_str(), X_OK) == 0, "%s is not built (make fuzz/remit_fuzz)", fuzzer.c_str());
  std::vector<std::string> seeds = corpus();
  cr_assert(seeds.size() >= 40, "only %zu seeds in fuzz/corpus", seeds.size());
  std::string reports = t::scratch();
  Spec spec{{fuzzer}, {"FUZZ_REPORT_DIR=" + reports}};
  spec.argv.insert(spec.argv.end(), seeds.begin(), seeds.end());
  t::Result r = t::run(spec, 120);
  // Which input broke which promise: the last "Running:" line, and the
  // fuzzer's or the sanitizer's verdict.
  std::string err, line;
  for (std::istringstream in(r.err); std::getline(in, line);)
    if (line.rfind("Running:", 0) == 0) err = line + "\n";
    else if (line.find("invariant failed") != std::string::npos || line.find("ERROR:") != std::string::npos ||
             line.find("SUMMARY:") != std::string::npos || line.find("runtime error") != std::string::npos)
      err += line.substr(0, 600) + "\n";
  cr_assert(r.exited && r.code == 0, "fuzz/remit_fuzz on fuzz/corpus: status %d\n%s", r.status(), err.c_str());
  t::Result py = t::run(Spec{{"python3", "-c", kCheckAll, reports}});
  cr_assert(py.exited && py.code == 0, "python3 on the reports: %s", py.err.c_str());
  // Most seeds run the program (the others stop at a bad option or --help).
  int n = atoi(py.out.c_str());
  cr_expect(n >= 40, "only %d reports from %zu seeds", n, seeds.size());
}

// Found by the fuzzer: U+0080..U+009F, C1 controls, came out raw in
// messages (a terminal may take U+009B as CSI); now escaped as \xNN like
// the C0 ones, in a program's name and in a refused value alike.
Test(fuzz, c1_controls_in_user_text_are_escaped_in_messages) {
  const std::string csi = "\xc2\x9b" "31m";
  t::Result r = t::run(Spec{{"remit", "--", "no-such-" + csi}});
  cr_expect(r.exited && r.code == 127, "a missing program: expected 127, got %d", r.status());
  t::Result bad = t::run(Spec{{"remit", "-m", "1@" + csi + "=0", "--", "true"}});
  cr_expect(bad.exited && bad.code == 2, "a bad rule: expected 2, got %d", bad.status());
  for (const std::string &err : {r.err, bad.err}) {
    cr_expect(err.find("\xc2\x9b") == std::string::npos && err.find("\\xc2\\x9b31m") != std::string::npos,
              "expected U+009B shown as \\xc2\\x9b, stderr: %s", err.c_str());
  }
}
