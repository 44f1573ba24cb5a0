// Issue 7: the documentation says what the binary does.  The man page is
// lint-clean and names every option, variable and drop-in name the tables
// in settings.hpp define; every rule the docs (README.md, docs/, the man
// page and the Dockerfile) show is one remit accepts; the Dockerfile copies
// every source the binary is built from; `make install` honours PREFIX and
// DESTDIR.
//
// Issue 27: every example the docs show is run.  A ```console block in the
// markdown, or an .EX block of the man page whose first line starts with
// "$ ", is a session: "$ " lines are commands, the lines after each its
// output (stdout and stderr together).  Each command runs under sh with the
// real remit on PATH, and its output, PIDs, dates, durations and versions
// masked, must be the one shown.  A block after "<!-- file: PATH -->" is
// that file; JSON and YAML blocks parse; links resolve; no sentence is in
// two files.
#include "harness.hpp"
#include "settings.hpp"

#include <dirent.h>
#include <map>
#include <regex>
#include <set>
#include <sys/stat.h>

using t::Spec;

namespace {

std::vector<const Personality *> personalities();

std::string man_page() { return t::slurp(t::root() + "/man/remit.1"); }
std::string dockerfile() { return t::slurp(t::root() + "/Dockerfile.example"); }

// The files in a directory of the repository with one of the suffixes, sorted.
std::vector<std::string> files_in(const std::string &dir, const std::vector<std::string> &suffixes) {
  std::vector<std::string> out;
  DIR *d = opendir((t::root() + "/" + dir).c_str());
  for (dirent *e; d && (e = readdir(d));) {
    std::string n = e->d_name;
    for (const std::string &suf : suffixes)
      if (n.size() > suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0)
        out.push_back(dir + "/" + n);
  }
  if (d) closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// The markdown a user reads: README.md, then docs/*.md (relative paths).
std::vector<std::string> markdown_files() {
  std::vector<std::string> all = {"README.md"};
  for (const std::string &f : files_in("docs", {".md"})) all.push_back(f);
  return all;
}
std::string markdown() {
  std::string all;
  for (const std::string &f : markdown_files()) all += t::slurp(t::root() + "/" + f) + "\n";
  return all;
}
// The files the docs embed (docs/examples/): task definition, Pod, ...
std::vector<std::string> example_files() {
  return files_in("docs/examples", {".json", ".yaml", ".yml", "Dockerfile"});
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A code block as a reader sees it: where it is, its info string (console,
// json, ...; "man" for the man page's .EX blocks), its text, and the file
// it claims to be (<!-- file: PATH --> on the line before), if any.
struct Block {
  std::string file;
  int line = 0;
  std::string info, text, embeds;
};

std::vector<Block> markdown_blocks(const std::string &file) {
  std::vector<Block> out;
  std::vector<std::string> lines = lines_of(t::slurp(t::root() + "/" + file));
  std::string before;  // the last non-empty line outside a block
  bool in = false;
  size_t indent = 0;
  for (size_t i = 0; i < lines.size(); i++) {
    const std::string &l = lines[i];
    size_t lead = l.find_first_not_of(' ');
    std::string trimmed = lead == std::string::npos ? "" : l.substr(lead);
    if (!in && trimmed.compare(0, 3, "```") == 0) {
      in = true, indent = lead;
      Block b{file, int(i + 1), trimmed.substr(3), "", ""};
      std::smatch m;
      if (std::regex_match(before, m, std::regex(" *<!-- file: (\\S+) -->"))) b.embeds = m[1];
      out.push_back(b);
    } else if (in && trimmed.compare(0, 3, "```") == 0) {
      in = false;
    } else if (in) {
      out.back().text += (l.size() >= indent ? l.substr(std::min(indent, l.find_first_not_of(' '))) : "") + "\n";
    }
    if (!in && !trimmed.empty() && trimmed.compare(0, 3, "```") != 0) before = l;
  }
  return out;
}

// The man page's .EX/.EE blocks, with the few escapes it uses read as a
// reader sees them.
std::vector<Block> man_blocks() {
  std::vector<Block> out;
  std::vector<std::string> lines = lines_of(man_page());
  bool in = false;
  for (size_t i = 0; i < lines.size(); i++) {
    if (lines[i] == ".EX") {
      in = true, out.push_back(Block{"man/remit.1", int(i + 1), "man", "", ""});
    } else if (lines[i] == ".EE") {
      in = false;
    } else if (in) {
      std::string l = lines[i];
      for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"\\(aq", "'"}, {"\\e", "\\"}, {"\\-", "-"}, {"\\[u2026]", "\u2026"}, {"\\&", ""}})
        for (size_t at; (at = l.find(from)) != std::string::npos;) l.replace(at, from.size(), to);
      out.back().text += l + "\n";
    }
  }
  return out;
}

std::vector<Block> all_blocks() {
  std::vector<Block> all;
  for (const std::string &f : markdown_files())
    for (const Block &b : markdown_blocks(f)) all.push_back(b);
  for (const Block &b : man_blocks()) all.push_back(b);
  return all;
}

bool is_session(const Block &b) {
  return b.info == "console" || (b.info == "man" && b.text.compare(0, 2, "$ ") == 0);
}

// One shown command and the output shown after it.
struct Shown {
  std::string where, command;
  std::vector<std::string> output;
};

std::vector<Shown> sessions() {
  std::vector<Shown> out;
  for (const Block &b : all_blocks()) {
    if (!is_session(b)) continue;
    std::vector<std::string> lines = lines_of(b.text);
    for (size_t i = 0; i < lines.size(); i++) {
      if (lines[i].compare(0, 2, "$ ") == 0) {
        Shown s{b.file + ":" + std::to_string(b.line + 1 + int(i)), lines[i].substr(2), {}};
        // A line ending in a backslash goes on: sh reads it the same way.
        while (!s.command.empty() && s.command.back() == '\\' && i + 1 < lines.size())
          s.command += "\n" + lines[++i];
        out.push_back(s);
      } else {
        cr_assert(!out.empty() && b.text.compare(0, 2, "$ ") == 0,
                  "%s:%d: a console block must start with a \"$ \" command", b.file.c_str(), b.line);
        out.back().output.push_back(lines[i]);
      }
    }
  }
  return out;
}

// The first word of a command, after any NAME=value words.
std::string program_of(const std::string &command) {
  std::istringstream words(command);
  std::string w;
  while (words >> w && std::regex_match(w, std::regex("[A-Za-z_][A-Za-z0-9_]*=.*"))) {}
  return w;
}

const std::vector<std::string> kRunnable = {"remit", "tini", "tini-static", "docker-init",
                                            "dumb-init", "catatonit", "podman-init"};
// Tools the docs show that need what a test machine lacks (a cluster):
// shown, not run.
const std::vector<std::string> kShownOnly = {"kubectl", "docker", "podman", "ctr", "aws", "jq"};

// What may differ between a run and the docs, and nothing else: PIDs,
// dates and times, durations, remit's and nats-server's versions and
// revision, and make demo's binary (name and size) and scratch directory.
std::string mask(std::string s) {
  static const std::vector<std::pair<std::regex, std::string>> masks = {
      {std::regex("\\b(child|PID|pid|process) [0-9]+"), "$1 N"},
      {std::regex("pid '[0-9]+'"), "pid 'N'"},
      {std::regex("\"pid\":[0-9]+"), "\"pid\":N"},
      {std::regex(" \\([0-9]+\\)\\]"), " (N)]"},
      {std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"), "DATE"},
      {std::regex("\"stop_ms\":[0-9]+"), "\"stop_ms\":N"},
      {std::regex("[0-9]+(\\.[0-9]+)? s after"), "N s after"},
      {std::regex("remit [0-9]+\\.[0-9]+\\.[0-9]+( \\(([0-9a-f]+(-dirty)?|unknown)\\))?"), "remit VERSION"},
      {std::regex("\"remit\":\"[^\"]*\""), "\"remit\":\"VERSION\""},
      {std::regex("nats-server: v[0-9.]+"), "nats-server: vVERSION"},
      {std::regex("started by \\S+ \\([0-9]+ bytes\\)"), "started by REMIT (N bytes)"},
      {std::regex("/tmp/remit-demo\\.[A-Za-z0-9]+"), "/tmp/remit-demo.XXXXXX"},
  };
  for (const auto &[re, with] : masks) s = std::regex_replace(s, re, with);
  return s;
}

// A directory with remit under its own name and the peers', first on PATH.
std::string names_dir() {
  std::string dir = t::scratch();
  for (const std::string &n : kRunnable) {
    std::string path = dir + "/" + n;
    cr_assert(symlink(t::remit().c_str(), path.c_str()) == 0, "symlink %s", path.c_str());
  }
  return dir;
}

// Runs a shown command as a reader would, with none of remit's or the
// peers' variables from the test's own environment.  `make demo` runs what
// it runs once ./remit is built: tests/demo.sh.
t::Result run_shown(const std::string &command, const std::string &names, const std::string &cwd) {
  std::vector<std::string> env = {"PATH=" + names + ":/usr/sbin:/usr/bin:/sbin:/bin"};
  for (const EnvVar *e = kRemitEnv; e->name; e++) env.push_back(e->name);
  for (const Personality *who : personalities())
    for (const EnvVar *e = who->env; e->name; e++) env.push_back(e->name);
  std::string cmd = command == "make demo" ? "sh " + t::root() + "/tests/demo.sh" : command;
  return t::run(Spec{{"sh", "-c", "{ " + cmd + "\n} 2>&1"}, env, false, "", cwd}, 60);
}

std::string joined(const std::vector<std::string> &lines) {
  std::string s;
  for (const std::string &l : lines) s += "    " + l + "\n";
  return s;
}

// Every output the shown commands really gave, masked (each test runs them
// again: tests share nothing).
struct Ran {
  std::vector<Shown> shown;
  std::vector<std::vector<std::string>> real;
  std::set<std::string> lines;
  std::vector<std::string> reports;
};
Ran run_sessions() {
  Ran r;
  std::string names = names_dir(), cwd = t::scratch();
  for (const Shown &s : sessions()) {
    std::string prog = program_of(s.command);
    if (std::find(kShownOnly.begin(), kShownOnly.end(), prog) != kShownOnly.end()) continue;
    cr_assert(s.command == "make demo" || std::find(kRunnable.begin(), kRunnable.end(), prog) != kRunnable.end(),
              "%s: the docs show '%s' with its output, and the docs test does not know how to run %s",
              s.where.c_str(), s.command.c_str(), prog.c_str());
    t::Result res = run_shown(s.command, names, cwd);
    cr_assert(res.exited, "%s: '%s' did not end (%s)", s.where.c_str(), s.command.c_str(), res.describe().c_str());
    std::vector<std::string> got = lines_of(res.out + res.err);
    for (const std::string &l : got) {
      r.lines.insert(mask(l));
      if (l.compare(0, 11, "{\"program\":") == 0) r.reports.push_back(l);
    }
    r.shown.push_back(s), r.real.push_back(got);
  }
  return r;
}

// A report line shown in the docs: in a block, alone or after a label
// (kubectl's "Message:"), or over several lines of a man page block;
// elided ones ("...") are not reports.
std::vector<std::pair<std::string, std::string>> shown_reports() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Block &b : all_blocks()) {
    std::string text = b.text;
    if (b.info == "man" && text.compare(0, 11, "{\"program\":") == 0) {
      for (char &c : text) c = c == '\n' ? ' ' : c;
      out.push_back({b.file + ":" + std::to_string(b.line), text});
      continue;
    }
    std::vector<std::string> lines = lines_of(text);
    for (size_t i = 0; i < lines.size(); i++) {
      size_t at = lines[i].find("{\"program\":");
      if (at != std::string::npos && lines[i].find("...") == std::string::npos)
        out.push_back({b.file + ":" + std::to_string(b.line + 1 + int(i)), lines[i].substr(at)});
    }
  }
  return out;
}

// python3 runs `script` with the files as arguments; its output is the
// list of what is wrong.
t::Result python(const std::string &script, const std::vector<std::string> &files) {
  std::vector<std::string> argv = {"python3", "-c", script};
  argv.insert(argv.end(), files.begin(), files.end());
  return t::run(Spec{argv});
}

// JSON with json; YAML with PyYAML where it is installed (clang's
// recommended llvm tools bring it), else with a reader of the block
// mappings, sequences and scalars the docs use.
const char *kParse = R"PY(
import json, sys
try:
    import yaml
except ImportError:
    yaml = None

def mini_yaml(text):
    lines = [(len(l) - len(l.lstrip(' ')), l.strip()) for l in text.split('\n')
             if l.strip() and not l.strip().startswith('#')]
    pos = 0
    def scalar(v):
        return json.loads(v) if v[:1] == '"' else v
    def block(indent):
        nonlocal pos
        if lines[pos][1].startswith('- '):
            seq = []
            while pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith('- '):
                lines[pos] = (indent + 2, lines[pos][1][2:])
                seq.append(block(indent + 2))
            return seq
        m = {}
        while pos < len(lines) and lines[pos][0] == indent and not lines[pos][1].startswith('- '):
            k, sep, v = lines[pos][1].partition(':')
            if not sep or (v and v[0] != ' '):
                raise ValueError('expected "key: value": ' + lines[pos][1])
            v = v.strip()
            pos += 1
            if v:
                m[k] = scalar(v)
            elif pos < len(lines) and (lines[pos][0] > indent or
                                       (lines[pos][0] == indent and lines[pos][1].startswith('- '))):
                m[k] = block(lines[pos][0])
            else:
                m[k] = None
        return m
    doc = block(0)
    if pos != len(lines):
        raise ValueError('bad indentation at: ' + lines[pos][1])
    return doc

for path in sys.argv[1:]:
    text = open(path, encoding='utf-8').read()
    try:
        if path.endswith('.json'):
            doc = json.loads(text)
        else:
            doc = yaml.safe_load(text) if yaml else mini_yaml(text)
        if not isinstance(doc, dict):
            raise ValueError('not a mapping')
    except Exception as e:
        print('%s: %s' % (path, e))
)PY";

// Each shown report parses, and has the fields of a real one, in order.
const char *kReports = R"PY(
import json, sys
real = [list(json.loads(l)) for l in open(sys.argv[1]) if l.strip()]
for line in open(sys.argv[2]):
    where, _, text = line.rstrip('\n').partition('	')
    try:
        keys = list(json.loads(text))
    except Exception as e:
        print('%s: not JSON (%s): %s' % (where, e, text))
        continue
    if keys not in real:
        print('%s: fields %s, which no report remit wrote has (it wrote %s)' % (where, keys, real))
)PY";

// GitHub's anchor for a heading: lower case, punctuation but - and _ gone,
// spaces as dashes.
std::string slug(const std::string &heading) {
  std::string s;
  for (unsigned char c : heading) {
    if (isalnum(c) || c == '-' || c == '_') s += char(tolower(c));
    else if (c == ' ') s += '-';
    else if (c >= 0x80) s += char(c);
  }
  return s;
}

std::set<std::string> anchors(const std::string &file) {
  std::set<std::string> out;
  bool in = false;
  for (const std::string &l : lines_of(t::slurp(t::root() + "/" + file))) {
    size_t lead = l.find_first_not_of(' ');
    if (lead != std::string::npos && l.compare(lead, 3, "```") == 0) in = !in;
    std::smatch m;
    if (!in && std::regex_match(l, m, std::regex("#+ (.*)"))) out.insert(slug(m[1]));
  }
  return out;
}

// The prose of a markdown file (outside code blocks), as sentences and
// table rows, whitespace made single spaces.
std::vector<std::string> sentences(const std::string &file) {
  std::vector<std::string> out;
  std::string para;
  bool in = false;
  auto flush = [&]() {
    std::string s;
    for (char c : para) {
      s += c;
      if ((c == '.' || c == ':' || c == ';') && s.size() > 1) out.push_back(s), s.clear();
    }
    out.push_back(s);
    para.clear();
  };
  for (const std::string &l : lines_of(t::slurp(t::root() + "/" + file))) {
    size_t lead = l.find_first_not_of(' ');
    if (lead != std::string::npos && l.compare(lead, 3, "```") == 0) { in = !in; continue; }
    if (in) continue;
    if (lead == std::string::npos || l[lead] == '#' || l[lead] == '|' || l.compare(lead, 2, "- ") == 0) flush();
    if (lead != std::string::npos && l[lead] == '|') { out.push_back(l); continue; }
    if (lead != std::string::npos) para += " " + l.substr(lead);
  }
  flush();
  for (std::string &s : out) {
    s = std::regex_replace(s, std::regex("\\s+"), " ");
    s = std::regex_replace(s, std::regex("^ +| +$"), "");
  }
  return out;
}

bool has(const std::string &text, const std::string &word) {
  return text.find(word) != std::string::npos;
}

// Every personality, by the names remit answers to.
std::vector<const Personality *> personalities() {
  std::vector<const Personality *> all = {&kRemit};
  for (const Name *n = kNames; n->argv0; n++) all.push_back(n->who);
  return all;
}

// The values written after `pattern`'s one group, over the whole text.
std::vector<std::string> matches(const std::string &text, const std::string &pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

// "1@TERM=0," at the end of a sentence is the rule 1@TERM=0.
std::string trim_punctuation(std::string s) {
  while (!s.empty() && strchr(",.;:)]", s.back())) s.pop_back();
  return s;
}

}  // namespace

Test(docs, man_page_passes_mandoc_lint_with_no_warning) {
  t::Result r = t::run(Spec{{"mandoc", "-Tlint", "-W", "warning", "man/remit.1"}});
  cr_expect(r.exited && r.code == 0 && r.out.empty() && r.err.empty(),
            "expected mandoc -Tlint -W warning to say nothing, got status %d:\n%s%s", r.status(),
            r.out.c_str(), r.err.c_str());
}

Test(docs, man_page_names_every_long_option_in_help) {
  t::Result help = t::run(Spec{{"remit", "--help"}});
  cr_assert(help.exited && help.code == 0, "remit --help failed: %s", help.err.c_str());
  std::string man = man_page();
  std::vector<std::string> opts = matches(help.out, "(--[a-z][a-z-]*)");
  cr_assert(opts.size() >= 10, "expected at least 10 long options in --help, found %zu",
            opts.size());
  for (const std::string &o : opts)
    cr_expect(has(man, o), "man/remit.1 does not mention %s, which remit --help lists", o.c_str());
}

Test(docs, man_page_names_every_option_variable_and_drop_in_name) {
  std::string man = man_page();
  for (const Personality *who : personalities()) {
    for (const Option *o = who->options; o->short_name || o->long_name; o++) {
      if (o->long_name)
        cr_expect(has(man, std::string("--") + o->long_name),
                  "man/remit.1 does not mention %s's option --%s", who->name, o->long_name);
      if (o->short_name)
        cr_expect(has(man, std::string("-") + o->short_name),
                  "man/remit.1 does not mention %s's option -%c", who->name, o->short_name);
    }
    for (const EnvVar *e = who->env; e->name; e++)
      cr_expect(has(man, e->name), "man/remit.1 does not mention %s's variable %s", who->name,
                e->name);
  }
  for (const EnvVar *e = kRemitEnv; e->name; e++)
    cr_expect(has(man, e->name), "man/remit.1 does not mention %s", e->name);
  for (const Name *n = kNames; n->argv0; n++)
    cr_expect(has(man, n->argv0), "man/remit.1 does not mention the drop-in name %s", n->argv0);
}

Test(docs, readme_and_docs_name_every_remit_variable_and_drop_in_name) {
  std::string readme = t::slurp(t::root() + "/README.md"), md = markdown();
  cr_assert(!readme.empty(), "README.md is missing or empty");
  for (const EnvVar *e = kRemitEnv; e->name; e++)
    cr_expect(has(md, e->name), "neither README.md nor docs/ mentions %s", e->name);
  for (const Name *n = kNames; n->argv0; n++)
    cr_expect(has(readme, n->argv0), "README.md does not mention the drop-in name %s", n->argv0);
  for (const Personality *who : personalities())
    for (const EnvVar *e = who->env; e->name; e++)
      cr_expect(has(md, e->name), "neither README.md nor docs/ mentions %s's variable %s",
                who->name, e->name);
}

// A rule in the docs that remit refuses would send a reader to exit 2.
Test(docs, every_rule_and_duration_shown_in_the_docs_is_accepted) {
  // The man page as a reader sees it: rendered, overstrike (bold) removed.
  std::string man = t::run(Spec{{"mandoc", "-Tascii", "-Owidth=200", "man/remit.1"}}).out;
  man = std::regex_replace(man, std::regex(".\b"), "");
  std::string docs = markdown() + "\n" + dockerfile() + "\n" + man;
  for (const std::string &f : example_files()) docs += "\n" + t::slurp(t::root() + "/" + f);
  // The examples of a bad rule and a bad duration, and --help's placeholder.
  const std::set<std::string> shown_as_errors = {"1@TREM=0", "5x", "CODE=0"};
  std::set<std::string> rules, durations;
  for (const char *re : {"REMIT_MAP=([^\\s\"'`\\\\]+)", "REMIT_MAP\", \"value\": \"([^\"]+)\"",
                         "REMIT_MAP\\s+value: \"([^\"]+)\"", "REMIT_MAP: \"([^\"]+)\"",
                         "(?:-m|--map)[ =]'([^']+)'", "(?:-m|--map)[ =]([^\\s'\"`\\\\]+)"})
    for (std::string v : matches(docs, re))
      if ((v = trim_punctuation(v)), !std::regex_match(v, std::regex("|[A-Z_]+|\\.\\.\\.")) &&
          !shown_as_errors.count(v))
        rules.insert(v);
  for (const char *re : {"REMIT_GRACE=([^\\s\"'`\\\\]+)", "REMIT_STOP_DELAY=([^\\s\"'`\\\\]+)",
                         "REMIT_GRACE\", \"value\": \"([^\"]+)\"", "REMIT_GRACE\\s+value: \"([^\"]+)\"",
                         "REMIT_GRACE: \"([^\"]+)\"", "(?:-t|--grace|--stop-delay) ([0-9][^\\s'\"`\\\\]*)"})
    for (std::string v : matches(docs, re))
      if (!shown_as_errors.count(v = trim_punctuation(v))) durations.insert(v);
  cr_assert(rules.count("1@TERM=0") && rules.count("143@TERM=0"),
            "expected the docs to show 1@TERM=0 and 143@TERM=0 (found %zu rules)", rules.size());
  for (const std::string &rule : rules) {
    t::Result r = t::run(Spec{{"remit", "-m", rule, "--explain", "0"}});
    cr_expect(r.exited && r.code == 0, "the docs show the rule '%s', which remit refuses: %s",
              rule.c_str(), r.err.c_str());
  }
  for (const std::string &d : durations) {
    t::Result r = t::run(Spec{{"remit", "-t", d, "--explain", "0"}});
    cr_expect(r.exited && r.code == 0, "the docs show the duration '%s', which remit refuses: %s",
              d.c_str(), r.err.c_str());
  }
}

Test(docs, dockerfile_copies_every_source_and_keeps_the_nats_rule) {
  std::string df = dockerfile();
  cr_assert(!df.empty(), "Dockerfile.example is missing or empty");
  // What the build stage copies exists, and covers the Makefile and every
  // header init.cpp includes, directly or not.
  std::set<std::string> copied;
  for (const std::string &line : matches(df, "\\nCOPY (?!--from)([^\\n]+)")) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    for (size_t i = 0; i + 1 < w.size(); i++) {
      copied.insert(w[i]);
      cr_expect(access((t::root() + "/" + w[i]).c_str(), R_OK) == 0,
                "Dockerfile.example copies %s, which does not exist", w[i].c_str());
    }
  }
  std::vector<std::string> need = {"Makefile", "init.cpp"};
  for (size_t i = 1; i < need.size(); i++)
    for (const std::string &inc : matches(t::slurp(t::root() + "/" + need[i]), "#include \"([^\"]+)\""))
      if (std::find(need.begin(), need.end(), inc) == need.end()) need.push_back(inc);
  for (const std::string &f : need)
    cr_expect(copied.count(f), "Dockerfile.example's build stage does not copy %s", f.c_str());
  cr_expect(has(df, "COPY --from=build /src/remit /remit"), "the final stage should get /remit from the build stage");
  cr_expect(has(df, "ENTRYPOINT [\"/remit\", \"--\"]"), "the entrypoint should be [\"/remit\", \"--\"]");
  std::vector<std::string> map = matches(df, "\\nENV REMIT_MAP=(\\S+)");
  cr_assert(map.size() == 1, "expected one ENV REMIT_MAP=... line, found %zu", map.size());
  t::Result term = t::run(Spec{{"remit", "--explain", "1@TERM"}, {"REMIT_MAP=" + map[0]}});
  t::Result fail = t::run(Spec{{"remit", "--explain", "1"}, {"REMIT_MAP=" + map[0]}});
  cr_expect(has(term.out, "1@TERM -> 0"), "REMIT_MAP=%s should make 1 after TERM 0: %s%s",
            map[0].c_str(), term.out.c_str(), term.err.c_str());
  cr_expect(has(fail.out, "1 -> 1"), "REMIT_MAP=%s should leave a plain 1 alone: %s%s",
            map[0].c_str(), fail.out.c_str(), fail.err.c_str());
}

Test(docs, make_install_honours_prefix_and_destdir) {
  std::string dest = t::scratch();
  // -o remit: install what is built; never rebuild under the other tests.
  for (const std::string &prefix : {std::string(), std::string("/opt/remit")}) {
    std::vector<std::string> argv = {"make", "-s", "-o", "remit", "install", "DESTDIR=" + dest};
    if (!prefix.empty()) argv.push_back("PREFIX=" + prefix);
    t::Result r = t::run(Spec{argv});
    cr_assert(r.exited && r.code == 0, "make install failed: %s%s", r.out.c_str(), r.err.c_str());
    std::string root = dest + (prefix.empty() ? "/usr/local" : prefix);
    struct stat st;
    cr_expect(stat((root + "/bin/remit").c_str(), &st) == 0 && (st.st_mode & 0777) == 0755,
              "expected %s/bin/remit with mode 755", root.c_str());
    cr_expect(t::slurp(root + "/bin/remit") == t::slurp(t::root() + "/remit"), "%s/bin/remit differs from ./remit",
              root.c_str());
    cr_expect(t::slurp(root + "/share/man/man1/remit.1") == man_page(),
              "expected the man page in %s/share/man/man1/remit.1", root.c_str());
  }
  t::run(Spec{{"rm", "-rf", dest}});
}

// Issue 27: each command the docs show with its output gives that output.
Test(docs, every_shown_command_prints_the_output_shown) {
  Ran r = run_sessions();
  cr_assert(r.shown.size() >= 10, "expected at least 10 shown commands, found %zu", r.shown.size());
  for (size_t i = 0; i < r.shown.size(); i++) {
    const Shown &s = r.shown[i];
    std::vector<std::string> want, got;
    for (const std::string &l : s.output) want.push_back(mask(l));
    for (const std::string &l : r.real[i]) got.push_back(mask(l));
    cr_expect(want == got, "%s: $ %s\n  the docs show:\n%s  remit printed:\n%s  (masked: PIDs, dates, "
              "durations, versions)", s.where.c_str(), s.command.c_str(), joined(s.output).c_str(),
              joined(r.real[i]).c_str());
  }
}

// A remit line the man page shows without its command (the -v line, the
// bad rule) is one the shown commands really print; a report shown
// anywhere, even one of kubectl's, has a real report's fields in order.
Test(docs, lines_and_reports_shown_alone_are_ones_remit_prints) {
  Ran r = run_sessions();
  for (const Block &b : man_blocks()) {
    if (is_session(b)) continue;
    std::string text = std::regex_replace(b.text, std::regex("\n +"), " ");
    for (const std::string &l : lines_of(text))
      if (l.compare(0, 7, "remit: ") == 0)
        cr_expect(r.lines.count(mask(l)), "%s:%d shows '%s', which no shown command printed "
                  "(masked: '%s')", b.file.c_str(), b.line, l.c_str(), mask(l).c_str());
  }
  cr_assert(!r.reports.empty(), "no shown command wrote a report to compare the shown ones with");
  std::string dir = t::scratch();
  std::ofstream real(dir + "/real"), shown(dir + "/shown");
  for (const std::string &l : r.reports) real << l << "\n";
  auto reports = shown_reports();
  cr_assert(reports.size() >= 3, "expected the docs to show at least 3 reports, found %zu", reports.size());
  for (const auto &[where, text] : reports) shown << where << "\t" << text << "\n";
  real.close(), shown.close();
  t::Result p = python(kReports, {dir + "/real", dir + "/shown"});
  cr_expect(p.exited && p.code == 0 && p.out.empty(), "shown reports that are not remit's:\n%s%s",
            p.out.c_str(), p.err.c_str());
}

// A block that says it is a file is that file, and every JSON and YAML
// block and example file parses.
Test(docs, embedded_files_match_and_json_and_yaml_parse) {
  std::string dir = t::scratch();
  std::vector<std::string> parse;
  std::set<std::string> embedded;
  int n = 0;
  for (const Block &b : all_blocks()) {
    if (!b.embeds.empty()) {
      std::string file = t::slurp(t::root() + "/" + b.embeds);
      cr_expect(!file.empty() && file == b.text, "%s:%d: the block is not %s as it is%s", b.file.c_str(),
                b.line, b.embeds.c_str(), file.empty() ? " (missing)" : "");
      embedded.insert(b.embeds);
    }
    if (b.info == "json" || b.info == "yaml") {
      std::string path = dir + "/" + std::to_string(n++) + "-" + std::regex_replace(b.file, std::regex("/"), "_") +
                         "-line" + std::to_string(b.line) + "." + b.info;
      std::ofstream(path) << b.text;
      parse.push_back(path);
    }
  }
  for (const std::string &f : example_files()) {
    cr_expect(embedded.count(f), "%s is shown nowhere (<!-- file: %s --> before a block)", f.c_str(), f.c_str());
    if (f.find("Dockerfile") == std::string::npos) parse.push_back(t::root() + "/" + f);
  }
  cr_assert(parse.size() >= 4, "expected JSON and YAML to parse, found %zu", parse.size());
  t::Result p = python(kParse, parse);
  cr_expect(p.exited && p.code == 0 && p.out.empty(), "JSON or YAML that does not parse:\n%s%s", p.out.c_str(),
            p.err.c_str());
}

// Relative links reach a file, and a heading where they name one.
Test(docs, every_link_between_files_resolves) {
  std::regex link("\\]\\(([^)\\s]+)\\)");
  int checked = 0;
  for (const std::string &file : markdown_files()) {
    std::string text = t::slurp(t::root() + "/" + file);
    std::string dir = file.find('/') == std::string::npos ? "" : file.substr(0, file.rfind('/') + 1);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
      std::string target = (*it)[1];
      if (target.compare(0, 7, "http://") == 0 || target.compare(0, 8, "https://") == 0) continue;
      size_t hash = target.find('#');
      std::string path = target.substr(0, hash), anchor = hash == std::string::npos ? "" : target.substr(hash + 1);
      std::string rel = path.empty() ? file : dir + path;
      // a/../b as b: the files are named from the root
      for (size_t at; (at = rel.find("/../")) != std::string::npos || rel.compare(0, 3, "../") == 0;) {
        if (rel.compare(0, 3, "../") == 0) { rel = rel.substr(3); continue; }
        size_t start = rel.rfind('/', at - 1);
        rel.erase(start == std::string::npos ? 0 : start + 1, at + 4 - (start == std::string::npos ? 0 : start + 1));
      }
      checked++;
      struct stat st;
      cr_expect(stat((t::root() + "/" + rel).c_str(), &st) == 0, "%s links to %s, which does not exist",
                file.c_str(), target.c_str());
      if (!anchor.empty())
        cr_expect(anchors(rel).count(anchor), "%s links to %s: %s has no heading '#%s'", file.c_str(),
                  target.c_str(), rel.c_str(), anchor.c_str());
    }
  }
  cr_assert(checked >= 20, "expected links between the files, found %d", checked);
}

// One place for each fact: no sentence or table row of some length is in
// two places.
Test(docs, no_sentence_is_written_twice) {
  std::map<std::string, std::string> seen;
  for (const std::string &file : markdown_files())
    for (const std::string &s : sentences(file)) {
      if (s.size() < 60) continue;
      auto [it, fresh] = seen.insert({s, file});
      cr_expect(fresh, "written twice, in %s and %s: \"%s\"", it->second.c_str(), file.c_str(), s.c_str());
    }
}
