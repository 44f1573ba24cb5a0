// Issue 7: the documentation says what the binary does.  The man page is
// lint-clean and names every option, variable and drop-in name the tables
// in settings.hpp define; every rule the README, the man page and the
// Dockerfile show is one remit accepts; the Dockerfile copies every source
// the binary is built from; `make install` honours PREFIX and DESTDIR.
#include "harness.hpp"
#include "settings.hpp"

#include <regex>
#include <set>
#include <sys/stat.h>

using t::Spec;

namespace {

std::string man_page() { return t::slurp(t::root() + "/man/remit.1"); }
std::string readme() { return t::slurp(t::root() + "/README.md"); }
std::string dockerfile() { return t::slurp(t::root() + "/Dockerfile.example"); }

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

Test(docs, readme_names_every_remit_variable_and_drop_in_name) {
  std::string md = readme();
  cr_assert(!md.empty(), "README.md is missing or empty");
  for (const EnvVar *e = kRemitEnv; e->name; e++)
    cr_expect(has(md, e->name), "README.md does not mention %s", e->name);
  for (const Name *n = kNames; n->argv0; n++)
    cr_expect(has(md, n->argv0), "README.md does not mention the drop-in name %s", n->argv0);
  for (const Personality *who : personalities())
    for (const EnvVar *e = who->env; e->name; e++)
      cr_expect(has(md, e->name), "README.md does not mention %s's variable %s", who->name,
                e->name);
}

// A rule in the docs that remit refuses would send a reader to exit 2.
Test(docs, every_rule_and_duration_shown_in_the_docs_is_accepted) {
  // The man page as a reader sees it: rendered, overstrike (bold) removed.
  std::string man = t::run(Spec{{"mandoc", "-Tascii", "-Owidth=200", "man/remit.1"}}).out;
  man = std::regex_replace(man, std::regex(".\b"), "");
  std::string docs = readme() + "\n" + dockerfile() + "\n" + man;
  const std::string shown_as_an_error = "1@TREM=0";  // the example of a bad rule
  std::set<std::string> rules, durations;
  for (const char *re : {"REMIT_MAP=([^\\s\"'`\\\\]+)", "REMIT_MAP\", \"value\": \"([^\"]+)\"",
                         "REMIT_MAP\\s+value: \"([^\"]+)\"",
                         "(?:-m|--map)[ =]'([^']+)'", "(?:-m|--map)[ =]([^\\s'\"`\\\\]+)"})
    for (std::string v : matches(docs, re))
      if ((v = trim_punctuation(v)), !std::regex_match(v, std::regex("|[A-Z_]+|\\.\\.\\.")) &&
          v != shown_as_an_error)
        rules.insert(v);
  for (const char *re : {"REMIT_GRACE=([^\\s\"'`\\\\]+)", "REMIT_STOP_DELAY=([^\\s\"'`\\\\]+)",
                         "REMIT_GRACE\", \"value\": \"([^\"]+)\"", "REMIT_GRACE\\s+value: \"([^\"]+)\"",
                         "(?:-t|--grace|--stop-delay) ([0-9][^\\s'\"`\\\\]*)"})
    for (const std::string &v : matches(docs, re)) durations.insert(trim_punctuation(v));
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
