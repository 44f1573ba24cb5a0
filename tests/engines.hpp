// tests/engines.hpp: what the suites that run remit under a real engine
// share: the init under test (remit, or the stock init ENGINE_INIT names)
// and the small root filesystem its containers run from.
#pragma once
#include "harness.hpp"

namespace engines {

// The init under test: remit, or the stock init given as ENGINE_INIT
// (/usr/bin/tini-static, /usr/bin/catatonit), to see each test fail.
inline std::string init_bin() {
  const char *e = getenv("ENGINE_INIT");
  return e && *e ? e : t::remit();
}

// The end of a long text (a log), for a failure message.
inline std::string tail(const std::string &s, size_t n = 1500) {
  return s.size() > n ? "..." + s.substr(s.size() - n) : s;
}

// A root filesystem in `rootfs`: busybox-static (its applets as symlinks
// in /bin), nats-server with every library ldd lists, and `init` as /remit
// unless it is empty.
inline void make_rootfs(const std::string &rootfs, const std::string &init) {
  for (const char *d : {"/bin", "/proc", "/dev", "/sys", "/tmp", "/etc", "/run"}) t::mkdirs(rootfs + d);
  std::string bb = access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : "/usr/bin/busybox";
  t::copy_file(bb, rootfs + "/bin/busybox");
  t::Result list = t::run(t::Spec{{bb, "--list"}});
  std::istringstream applets(list.out);
  for (std::string name; applets >> name;)
    if (name != "busybox") symlink("busybox", (rootfs + "/bin/" + name).c_str());
  std::string server = t::nats_server();
  t::copy_file(server, rootfs + "/usr/sbin/nats-server");
  // Every absolute path ldd prints is a library to copy; a static build lists none.
  std::istringstream ldd(t::run(t::Spec{{"ldd", server}}).out);
  for (std::string word; ldd >> word;)
    if (word[0] == '/') t::copy_file(word, rootfs + word);
  if (!init.empty()) t::copy_file(init, rootfs + "/remit");
}

}  // namespace engines
