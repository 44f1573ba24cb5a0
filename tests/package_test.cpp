// Issue 23: what a release hands users.  `remit --version` names the source
// revision; make release refuses a version CHANGELOG.md does not describe;
// the Debian package (dist/remit_VERSION_amd64.deb, from make deb) has the
// files, control fields and lintian verdict a user expects, installs into
// a throwaway root with dpkg, works there and purges to nothing; the
// package and the image archive come out byte for byte the same twice.
// (The image in the engines is the engines suite's; the package with
// apt-get in a fresh Debian root is tests/deb-install.sh's.)
#include "harness.hpp"

#include <set>

using t::Spec;

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs a command that must succeed, for its output.
std::string must(const std::vector<std::string> &argv, double limit = 120) {
  t::Result r = t::run(Spec{argv}, limit);
  std::string line;
  for (const std::string &a : argv) line += a + " ";
  cr_assert(r.exited && r.code == 0, "%sfailed (%d): %s%s", line.c_str(), r.status(),
            r.out.c_str(), r.err.c_str());
  return r.out;
}

// `remit X.Y.Z (REVISION)`: the version and revision ./remit says.
void version_of(const std::string &bin, std::string *version, std::string *revision) {
  std::string out = trimmed(must({bin, "--version"}));
  size_t sp = out.find(' '), open = out.find(" (");
  cr_assert(out.compare(0, 6, "remit ") == 0 && open != std::string::npos && out.back() == ')',
            "%s --version says '%s', expected 'remit VERSION (REVISION)'", bin.c_str(),
            out.c_str());
  *version = out.substr(sp + 1, open - sp - 1);
  *revision = out.substr(open + 2, out.size() - open - 3);
}

std::string version() {
  std::string v, rev;
  version_of(t::remit(), &v, &rev);
  return v;
}

std::string deb_path() {
  std::string deb = t::root() + "/dist/remit_" + version() + "_amd64.deb";
  cr_assert(access(deb.c_str(), R_OK) == 0, "no %s: make deb builds it", deb.c_str());
  return deb;
}

// The repository's tracked files as they are now, copied to a scratch dir
// outside git: a build there knows no revision.
std::string tree_copy() {
  std::string dir = t::scratch();
  must({"sh", "-c", "cd \"$0\" && git ls-files -z --cached --others --exclude-standard | "
                    "xargs -0 tar -cf - | tar -C \"$1\" -xf -", t::root(), dir}, 60);
  return dir;
}

// Every path under dir (relative), but dpkg's own database.
std::set<std::string> files_under(const std::string &dir) {
  std::istringstream in(must({"find", dir, "-mindepth", "1", "-printf", "%P\\n"}));
  std::set<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 12, "var/lib/dpkg") != 0) out.insert(line);
  return out;
}

}  // namespace

Test(package, version_names_the_revision_it_was_built_from_or_unknown_outside_git) {
  std::string v, rev;
  version_of(t::remit(), &v, &rev);
  t::Result described = t::run(Spec{{"git", "-C", t::root(), "describe", "--always"}});
  cr_assert(described.exited && described.code == 0, "git describe failed: %s",
            described.err.c_str());
  std::string commit = trimmed(described.out);
  cr_expect(rev == commit || rev == commit + "-dirty",
            "remit --version names revision '%s'; the tree is at '%s' (rebuild ./remit?)",
            rev.c_str(), commit.c_str());
  // Outside git the revision is `unknown`, and two builds are the same bytes.
  std::string a = tree_copy(), b = tree_copy();
  std::string target = "dist/remit-" + v + "-amd64";
  for (const std::string &dir : {a, b}) must({"make", "-s", "-C", dir, target}, 300);
  std::string va, ra;
  version_of(a + "/" + target, &va, &ra);
  cr_expect(va == v && ra == "unknown", "built outside git, remit --version says %s (%s), "
            "expected %s (unknown)", va.c_str(), ra.c_str(), v.c_str());
  cr_expect(t::slurp(a + "/" + target) == t::slurp(b + "/" + target),
            "two builds of the same sources in two directories differ");
}

Test(package, version_under_a_peer_name_keeps_the_peer_text) {
  t::Result r = t::run(Spec{{t::as_name("tini"), "--version"}});
  cr_expect(r.out.compare(0, 20, "tini version 0.19.0 ") == 0, "tini --version says '%s'",
            r.out.c_str());
}

Test(package, release_refuses_a_version_the_changelog_has_no_section_for) {
  std::string v = version();
  t::Result ok = t::run(Spec{{"make", "-s", "-C", t::root(), "check-changelog"}});
  cr_expect(ok.exited && ok.code == 0, "CHANGELOG.md has no section for %s: %s", v.c_str(),
            ok.err.c_str());
  // In a copy of the tree, CHANGELOG.md without the section: nothing built.
  std::string dir = tree_copy();
  must({"sed", "-i", "/^## \\[" + v + "\\]/d", dir + "/CHANGELOG.md"});
  t::Result r = t::run(Spec{{"make", "-C", dir, "release"}}, 600);
  cr_expect(r.exited && r.code != 0 && r.err.find("no section '## [" + v + "]") != std::string::npos,
            "make release without a changelog section for %s: expected a refusal naming it, "
            "got %d: %s", v.c_str(), r.status(), r.err.c_str());
  cr_expect(access((dir + "/dist").c_str(), F_OK) != 0, "make release built dist/ anyway");
}

Test(package, deb_has_the_files_fields_and_lintian_verdict_a_user_expects) {
  std::string deb = deb_path(), v = version();
  auto field = [&](const char *name) { return trimmed(must({"dpkg-deb", "-f", deb, name})); };
  cr_expect(field("Package") == "remit" && field("Version") == v &&
                field("Architecture") == "amd64",
            "control: %s %s %s", field("Package").c_str(), field("Version").c_str(),
            field("Architecture").c_str());
  std::string control = must({"dpkg-deb", "-f", deb});
  for (const char *none : {"Depends:", "Pre-Depends:", "Recommends:"})
    cr_expect(control.find(none) == std::string::npos, "a static binary needs no %s\n%s", none,
              control.c_str());
  cr_expect(control.find("\nMaintainer: ") != std::string::npos &&
                control.find("\nDescription: ") != std::string::npos,
            "control has no Maintainer or Description:\n%s", control.c_str());
  // The files, and Installed-Size as dpkg counts it (KiB per file rounded
  // up, 1 per directory or link).
  std::istringstream list(must({"dpkg-deb", "-c", deb}));
  std::set<std::string> paths;
  long kib = 0;
  for (std::string line; std::getline(list, line);) {
    std::istringstream f(line);
    std::string mode, owner, date, time, path;
    long size;
    f >> mode >> owner >> size >> date >> time >> path;
    cr_expect(owner == "root/root", "%s is owned by %s", path.c_str(), owner.c_str());
    if (path == "./") continue;
    paths.insert(path.substr(2));
    kib += mode[0] == '-' ? (size + 1023) / 1024 : 1;
  }
  cr_expect(field("Installed-Size") == std::to_string(kib), "Installed-Size %s, the files "
            "take %ld", field("Installed-Size").c_str(), kib);
  for (const char *want : {"usr/bin/remit", "usr/share/man/man1/remit.1.gz",
                           "usr/share/doc/remit/copyright", "usr/share/doc/remit/changelog.gz",
                           "usr/share/doc/remit/README.md.gz", "usr/libexec/remit/tini",
                           "usr/libexec/remit/dumb-init", "usr/libexec/remit/catatonit"})
    cr_expect(paths.count(want), "the package has no /%s", want);
  // docs/, which the README links to, beside it: every page, every example.
  for (const char *pattern : {"docs/*.md", "docs/examples/*"})
    for (const std::string &file : t::glob(t::root() + "/" + pattern)) {
      std::string rel = file.substr(t::root().size() + 1);
      bool page = rel.size() > 3 && rel.compare(rel.size() - 3, 3, ".md") == 0;
      std::string want = "usr/share/doc/remit/" + rel + (page ? ".gz" : "");
      cr_expect(paths.count(want), "the package has no /%s (the README links to %s)", want.c_str(), rel.c_str());
    }
  for (const std::string &p : paths)
    cr_expect(p.compare(0, 8, "usr/bin/") != 0 || p == "usr/bin/" || p == "usr/bin/remit",
              "/%s is on PATH: a peer's name there would replace an installed peer", p.c_str());
  // The binary is the release's.
  std::string dir = t::scratch();
  must({"dpkg-deb", "-x", deb, dir});
  cr_expect(t::slurp(dir + "/usr/bin/remit") == t::slurp(t::root() + "/dist/remit-" + v + "-amd64"),
            "the package's /usr/bin/remit is not dist/remit-%s-amd64", v.c_str());
  std::string copyright = t::slurp(dir + "/usr/share/doc/remit/copyright");
  std::string dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n";
  cr_expect(copyright.compare(0, dep5.size(), dep5) == 0 &&
                copyright.find("\nLicense: Expat\n") != std::string::npos,
            "copyright is not machine-readable (DEP-5) with the Expat licence:\n%s",
            copyright.c_str());
  std::string changelog = must({"sh", "-c", "zcat \"$0\" | head -1",
                                dir + "/usr/share/doc/remit/changelog.gz"});
  cr_expect(changelog == "remit (" + v + ") unstable; urgency=medium\n",
            "changelog.gz starts with '%s'", trimmed(changelog).c_str());
  // lintian: nothing at error or warning level.
  t::Result lint = t::run(Spec{{"lintian", "--fail-on", "error,warning", deb}}, 300);
  cr_expect(lint.exited && lint.code == 0, "lintian %s (%d):\n%s%s", deb.c_str(), lint.status(),
            lint.out.c_str(), lint.err.c_str());
}

Test(package, deb_installs_works_and_purges_to_nothing_in_a_throwaway_root) {
  std::string deb = deb_path(), v = version(), root = t::scratch();
  must({"mkdir", "-p", root + "/var/lib/dpkg/info", root + "/var/lib/dpkg/updates"});
  must({"touch", root + "/var/lib/dpkg/status"});
  std::set<std::string> before = files_under(root);
  must({"dpkg", "--root=" + root, "--install", deb});
  std::string status = must({"dpkg", "--root=" + root, "-s", "remit"});
  cr_expect(status.find("Status: install ok installed") != std::string::npos, "%s",
            status.c_str());
  std::string bin = root + "/usr/bin/remit";
  cr_expect(trimmed(must({bin, "--version"})).compare(0, 6 + v.size(), "remit " + v) == 0,
            "the installed remit does not say its version");
  std::string page = must({"mandoc", "-Tutf8", root + "/usr/share/man/man1/remit.1.gz"});
  cr_expect(page.find("REMIT(1)") != std::string::npos &&
                page.find("remit - a tiny init for containers") != std::string::npos,
            "the installed man page does not render:\n%s", page.substr(0, 400).c_str());
  // The demo rule: the program stops with 1 on the TERM remit forwards
  // (and takes its sleep along).
  t::Result demo = t::run(Spec{{bin, "-m", "1@TERM=0", "--", "/bin/sh", "-c",
                                "trap 'kill $! 2>/dev/null; exit 1' TERM; "
                                "kill -TERM $PPID; sleep 30 & wait"}});
  cr_expect(demo.exited && demo.code == 0, "remit -m 1@TERM=0 with a program exiting 1 on "
            "TERM: expected 0, got %d: %s", demo.status(), demo.err.c_str());
  t::Result peer = t::run(Spec{{root + "/usr/libexec/remit/tini", "--version"}});
  cr_expect(peer.out.compare(0, 20, "tini version 0.19.0 ") == 0,
            "/usr/libexec/remit/tini --version says '%s'", peer.out.c_str());
  must({"dpkg", "--root=" + root, "--purge", "remit"});
  std::set<std::string> after = files_under(root);
  for (const std::string &p : after)
    cr_expect(before.count(p), "after dpkg --purge remit, /%s is left", p.c_str());
}

// Two builds of the package and of the image from the same inputs, whose
// files differ in time and mode bits: the same bytes.
Test(package, deb_and_image_come_out_the_same_twice) {
  std::string v = version();
  std::string bin = t::root() + "/dist/remit-" + v + "-amd64";
  std::string out[2];
  std::string image[2];
  for (int i = 0; i < 2; i++) {
    std::string dir = tree_copy();
    must({"cp", bin, dir + "/remit-bin"});
    must({"sh", "-c", i ? "cd \"$0\" && chmod 700 remit-bin && touch -d @1 * man/*"
                        : "cd \"$0\" && touch *",
          dir});
    out[i] = dir + "/remit.deb";
    image[i] = dir + "/image.tar";
    must({"sh", "-c", "cd \"$0\" && umask " + std::string(i ? "077" : "022") +
                          " && sh pkg/deb.sh remit.deb amd64 remit-bin " + v +
                          " 1700000000 'M <m@example.invalid>' https://example.invalid/r && "
                          "sh pkg/image.sh image.tar " + v +
                          " rev 1700000000 https://example.invalid/r amd64=remit-bin",
          dir});
  }
  cr_expect(t::slurp(out[0]) == t::slurp(out[1]), "two builds of the package differ");
  cr_expect(t::slurp(image[0]) == t::slurp(image[1]), "two builds of the image differ");
}
