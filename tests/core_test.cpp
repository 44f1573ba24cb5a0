// Issue 3: the init itself.  Each test names the behaviour it checks.
#include "harness.hpp"

using t::Spec;

Test(core, exit_code_passes_through_as_wrapper) {
  for (int code : {0, 1, 2, 42, 126, 127, 128, 143, 255}) {
    t::Result r = t::run(Spec{{"remit", "--", "/bin/sh", "-c", "exit " + std::to_string(code)}});
    cr_expect(r.exited && r.code == code, "exit %d: remit gave status %d", code, r.status());
  }
}

Test(core, signal_death_is_128_plus_n_as_pid1) {
  t::Result r = t::run(Spec{{"remit", "/bin/sh", "-c", "kill -USR1 $$"}, {}, true});
  cr_expect(r.exited && r.code == 128 + SIGUSR1, "expected exit %d, got status %d (%s)", 128 + SIGUSR1,
            r.status(), r.err.c_str());
}

Test(core, signal_death_is_reraised_outside_pid1) {
  t::Result r = t::run(Spec{{"remit", "/bin/sh", "-c", "kill -USR1 $$"}});
  cr_expect(!r.exited && r.sig == SIGUSR1, "expected death by USR1, got exited=%d code=%d sig=%d", r.exited,
            r.code, r.sig);
}
