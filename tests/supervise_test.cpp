// The Supervisor's decisions (supervise.hpp), driven with made-up events:
// no process, no signal, no clock.  Each test names the decision it checks.
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>

#include "supervise.hpp"

namespace {

constexpr pid_t kChild = 4321;

// remit's settings as the options would leave them, without reading argv
// or the environment.
Settings settings(const Personality &who = kRemit) {
  Settings set;
  set.who = &who;
  set.new_session = who.new_session;
  return set;
}

Recorded started(const Settings &set, bool pid1 = false) {
  Recorded sup{{set}};
  sup.pid1 = pid1;
  sup.started(kChild);
  return sup;
}

int passes(const Actions &a) { return (a.pass[0].sig != 0) + (a.pass[1].sig != 0); }

void expect_pass(const Pass &p, int sig, int to, pid_t where) {
  cr_expect(p.sig == sig && p.to == to && p.where == where && p.send == (to != 0),
            "expected %d as %d to %d (send %d), got %d as %d to %d (send %d)", sig, to, int(where), to != 0, p.sig,
            p.to, int(p.where), p.send);
}

}  // namespace

// ------------------------------------------------------------ forwarding

Test(supervise, a_signal_goes_to_the_child_as_it_came) {
  Settings set = settings();
  Recorded sup = started(set);
  Actions a = sup.signal(SIGUSR1, SI_USER);
  cr_expect(passes(a) == 1, "expected one signal passed on, got %d", passes(a));
  expect_pass(a.pass[0], SIGUSR1, SIGUSR1, kChild);
  cr_expect(!a.arm_ms && !a.kill && !a.stop_self && sup.phase == Phase::kRunning, "a plain signal changed the run");
}

Test(supervise, with_group_or_a_session_signals_go_to_the_childs_group) {
  Settings set = settings();
  set.group = true;
  Recorded sup = started(set);
  expect_pass(sup.signal(SIGHUP, SI_USER).pass[0], SIGHUP, SIGHUP, -kChild);
  Settings dumb = settings(kDumbInit);
  Recorded sup2 = started(dumb);
  expect_pass(sup2.signal(SIGUSR2, SI_USER).pass[0], SIGUSR2, SIGUSR2, -kChild);
}

Test(supervise, a_stop_goes_on_at_once_without_delay_or_grace) {
  Settings set = settings();
  Recorded sup = started(set);
  Actions a = sup.signal(SIGTERM, SI_USER);
  expect_pass(a.pass[0], SIGTERM, SIGTERM, kChild);
  cr_expect(a.arm_ms == 0 && sup.phase == Phase::kStopping && !sup.timed(), "expected no deadline, phase stopping");
}

Test(supervise, the_signals_the_personality_keeps_are_counted_not_passed_on) {
  Settings set = settings(kTini);
  Recorded sup = started(set);
  Actions a = sup.signal(SIGTTIN, SI_USER);
  cr_expect(passes(a) == 0, "tini keeps TTIN to itself, yet it was passed on");
  cr_expect(sup.story.received == remap::bit(SIGTTIN), "TTIN was not counted as received");
}

Test(supervise, dumb_init_stops_itself_after_passing_on_a_terminal_stop) {
  Settings set = settings(kDumbInit);
  Recorded sup = started(set);
  Actions a = sup.signal(SIGTSTP, SI_USER);
  cr_expect(passes(a) == 1 && a.stop_self, "expected TSTP passed on and a stop of its own");
  Settings plain = settings();
  Recorded sup2 = started(plain);
  cr_expect(!sup2.signal(SIGTSTP, SI_USER).stop_self, "remit's own personality stopped itself");
}

// ------------------------------------------------------------ the stop delay

Test(supervise, the_first_stop_is_held_until_the_deadline) {
  Settings set = settings();
  set.stop_delay_ms = 3000;
  Recorded sup = started(set);
  Actions a = sup.signal(SIGTERM, SI_USER);
  cr_expect(passes(a) == 0, "the first stop went on at once");
  cr_expect(a.arm_ms == 3000 && sup.phase == Phase::kHolding && sup.timed(), "expected a 3000 ms hold, got %u",
            a.arm_ms);
  cr_expect(a.first_stop && sup.story.stop_sig == SIGTERM, "the held stop is the story's stop signal");
  // Other signals go on while it is held.
  expect_pass(sup.signal(SIGUSR1, SI_USER).pass[0], SIGUSR1, SIGUSR1, kChild);
  cr_expect(sup.phase == Phase::kHolding, "a plain signal ended the hold");
  Actions at = sup.deadline();
  cr_expect(passes(at) == 1, "the deadline released %d signals, not 1", passes(at));
  expect_pass(at.pass[0], SIGTERM, SIGTERM, kChild);
  cr_expect(sup.phase == Phase::kStopping && !sup.timed(), "after the hold: phase stopping, no deadline");
  // No more holding: the next stop goes on at once.
  expect_pass(sup.signal(SIGINT, SI_USER).pass[0], SIGINT, SIGINT, kChild);
}

Test(supervise, a_second_stop_releases_both_at_once) {
  Settings set = settings();
  set.stop_delay_ms = 3000;
  Recorded sup = started(set);
  sup.signal(SIGTERM, SI_USER);
  Actions a = sup.signal(SIGINT, SI_USER);
  cr_expect(passes(a) == 2, "expected the held stop and the second one, got %d", passes(a));
  expect_pass(a.pass[0], SIGTERM, SIGTERM, kChild);
  expect_pass(a.pass[1], SIGINT, SIGINT, kChild);
  cr_expect(sup.phase == Phase::kStopping && !sup.timed(), "the hold's deadline is still armed");
}

Test(supervise, the_hold_with_a_grace_period_arms_it_on_release) {
  Settings set = settings();
  set.stop_delay_ms = 3000;
  set.grace_ms = 10000;
  Recorded sup = started(set);
  sup.signal(SIGTERM, SI_USER);
  Actions a = sup.deadline();
  cr_expect(passes(a) == 1 && a.arm_ms == 10000 && sup.phase == Phase::kGrace,
            "expected the release to start a 10000 ms grace, got %u ms, phase %d", a.arm_ms, int(sup.phase));
}

// --------------------------------------------------------- the grace period

Test(supervise, the_grace_period_ends_in_sigkill_to_the_child) {
  Settings set = settings();
  set.grace_ms = 2000;
  Recorded sup = started(set);
  Actions a = sup.signal(SIGTERM, SI_USER);
  cr_expect(a.arm_ms == 2000 && sup.phase == Phase::kGrace, "expected a 2000 ms grace, got %u", a.arm_ms);
  // A second stop does not start it again.
  cr_expect(sup.signal(SIGTERM, SI_USER).arm_ms == 0, "a second stop moved the deadline");
  Actions at = sup.deadline();
  cr_expect(at.kill && sup.story.grace_kill, "no SIGKILL at the end of the grace period");
  cr_expect(sup.target == kChild, "SIGKILL goes to %d, not the child", int(sup.target));
  cr_expect(sup.phase == Phase::kStopping && !sup.timed(), "the deadline is still armed after the kill");
}

Test(supervise, no_sigkill_once_the_child_has_ended) {
  Settings set = settings();
  set.grace_ms = 2000;
  Recorded sup = started(set);
  sup.signal(SIGTERM, SI_USER);
  Actions end = sup.ended(kChild, 0);
  cr_expect(end.ended && sup.done() && !sup.timed(), "the child's end did not end the run");
  Actions at = sup.deadline();
  cr_expect(!at.kill && !sup.story.grace_kill, "SIGKILL for a child that has ended");
}

Test(supervise, a_plain_signal_starts_no_grace_period) {
  Settings set = settings();
  set.grace_ms = 2000;
  Recorded sup = started(set);
  cr_expect(sup.signal(SIGUSR1, SI_USER).arm_ms == 0 && sup.phase == Phase::kRunning, "USR1 armed the grace");
  // A WINCH from the kernel is a resize, even where WINCH means stop.
  set.stops |= remap::bit(SIGWINCH);
  cr_expect(sup.signal(SIGWINCH, SI_KERNEL).arm_ms == 0, "a kernel's WINCH counted as a stop");
  cr_expect(sup.signal(SIGWINCH, SI_USER).arm_ms == 2000, "a sent WINCH, a stop signal here, armed no grace");
}

// ------------------------------------------------------------ --signal-all

Test(supervise, signal_all_sends_a_stop_to_every_process_as_pid_1) {
  Settings set = settings();
  set.signal_all = true;
  Recorded sup = started(set, true);
  expect_pass(sup.signal(SIGTERM, SI_USER).pass[0], SIGTERM, SIGTERM, -1);
  // Only a stop: other signals go to the child.
  expect_pass(sup.signal(SIGUSR1, SI_USER).pass[0], SIGUSR1, SIGUSR1, kChild);
}

Test(supervise, signal_all_as_a_wrapper_sends_a_stop_to_the_childs_group) {
  Settings set = settings();
  set.signal_all = true;
  Recorded sup = started(set, false);
  expect_pass(sup.signal(SIGTERM, SI_USER).pass[0], SIGTERM, SIGTERM, -kChild);
}

// --------------------------------------------------------------- rewrites

Test(supervise, a_rewrite_changes_what_is_sent) {
  Settings set = settings();
  set.rewrite.to[SIGTERM] = uint8_t(SIGQUIT);
  Recorded sup = started(set);
  expect_pass(sup.signal(SIGTERM, SI_USER).pass[0], SIGTERM, SIGQUIT, kChild);
}

Test(supervise, a_dropped_stop_is_sent_nowhere_and_starts_no_grace) {
  Settings set = settings();
  set.grace_ms = 2000;
  set.rewrite.to[SIGTERM] = 0;
  Recorded sup = started(set);
  Actions a = sup.signal(SIGTERM, SI_USER);
  expect_pass(a.pass[0], SIGTERM, 0, kChild);
  cr_expect(a.arm_ms == 0 && sup.phase == Phase::kRunning, "a dropped stop armed the grace period");
  // It counts for the rules all the same.
  cr_expect(sup.story.stop_sig == SIGTERM, "a dropped stop is still the story's stop signal");
  // The next stop that does go on starts it.
  cr_expect(sup.signal(SIGINT, SI_USER).arm_ms == 2000, "INT, passed on, armed no grace");
}

Test(supervise, the_farewell_term_is_sent_only_to_a_session) {
  Settings dumb = settings(kDumbInit);
  Recorded sup = started(dumb);
  Pass p = sup.farewell();
  cr_expect(p.sig == SIGTERM && p.to == SIGTERM && p.send && p.where == -kChild, "expected TERM to the session");
  dumb.new_session = false;
  cr_expect(!sup.farewell().send, "dumb-init -c's farewell is only said");
  dumb.rewrite.to[SIGTERM] = 0;
  dumb.new_session = true;
  cr_expect(!sup.farewell().send, "a farewell TERM rewritten to 0 was sent");
}

// ------------------------------------------------------- the rules' inputs

Test(supervise, the_story_keeps_signals_in_order_and_the_first_stop) {
  Settings set = settings();
  Recorded sup = started(set);
  int sent[] = {SIGUSR1, SIGINT, SIGTERM, SIGUSR1};
  bool first[4];
  for (int i = 0; i < 4; i++) first[i] = sup.signal(sent[i], SI_USER).first_stop;
  cr_expect(!first[0] && first[1] && !first[2] && !first[3], "the first stop is INT, the second signal");
  cr_expect(sup.story.nsigs == 4, "expected 4 signals kept, got %d", sup.story.nsigs);
  for (int i = 0; i < 4; i++) cr_expect(sup.story.sigs[i] == sent[i], "signal %d is %d, not %d", i, sup.story.sigs[i], sent[i]);
  cr_expect(sup.story.stop_sig == SIGINT, "stop_sig %d, not INT", sup.story.stop_sig);
  cr_expect(sup.story.received == (remap::bit(SIGUSR1) | remap::bit(SIGINT) | remap::bit(SIGTERM)),
            "the received set is wrong");
}

Test(supervise, stop_signals_are_the_ones_settings_name) {
  Settings set = settings();
  set.stops = remap::bit(SIGUSR2);
  Recorded sup = started(set);
  cr_expect(!sup.signal(SIGTERM, SI_USER).first_stop, "TERM counted as a stop with --stop-signals USR2");
  cr_expect(sup.signal(SIGUSR2, SI_USER).first_stop && sup.story.stop_sig == SIGUSR2, "USR2 is not the stop");
}

Test(supervise, signals_after_the_end_count_and_go_nowhere) {
  Settings set = settings();
  Recorded sup = started(set);
  sup.ended(kChild, SIGTERM);  // killed by TERM
  cr_expect(sup.done() && WIFSIGNALED(sup.wstatus) && WTERMSIG(sup.wstatus) == SIGTERM, "the end was not kept");
  Actions a = sup.signal(SIGTERM, SI_USER);
  cr_expect(passes(a) == 0 && a.first_stop && sup.story.stop_sig == SIGTERM, "a late TERM was passed on or not kept");
  Actions chld = sup.signal(SIGCHLD, SI_USER);
  cr_expect(passes(chld) == 0 && sup.story.nsigs == 1, "a SIGCHLD after the end was counted");
}

Test(supervise, the_terminal_hand_off_is_taken_once) {
  Settings set = settings(kDumbInit);
  Recorded sup = started(set);
  sup.hup_to_come = sup.cont_to_come = true;
  Actions a = sup.signal(SIGHUP, SI_KERNEL);
  cr_expect(a.handoff == SIGHUP && passes(a) == 0 && sup.story.nsigs == 0, "the hand-off's HUP was not taken");
  cr_expect(sup.signal(SIGCONT, SI_KERNEL).handoff == SIGCONT, "the hand-off's CONT was not taken");
  Actions again = sup.signal(SIGHUP, SI_USER);
  cr_expect(!again.handoff && passes(again) == 1 && sup.story.nsigs == 1, "a second HUP is the user's");
}

// ------------------------------------------------------------ ends

Test(supervise, only_the_childs_end_ends_the_run) {
  Settings set = settings();
  Recorded sup = started(set);
  cr_expect(!sup.ended(kChild + 1, 0).ended && !sup.done(), "an orphan's end ended the run");
  cr_expect(sup.ended(kChild, 3 << 8).ended && sup.done() && WEXITSTATUS(sup.wstatus) == 3, "the child's end");
}

Test(supervise, a_stopped_child_is_followed) {
  Settings set = settings();
  Recorded sup = started(set);
  int stopped = 0x7f | SIGTSTP << 8;  // as waitpid(WUNTRACED) reports it
  cr_expect(WIFSTOPPED(stopped), "the test's status is no stop");
  cr_expect(sup.ended(kChild, stopped).follow_stop && !sup.done(), "a stopped child was not followed");
  cr_expect(!sup.ended(kChild + 1, stopped).follow_stop, "another process's stop was followed");
}

Test(supervise, a_program_that_did_not_start_ends_with_the_personalitys_status) {
  struct { const Personality *who; bool forked; int err; int status; } cases[] = {
      {&kRemit, true, ENOENT, 127}, {&kRemit, true, EACCES, 126}, {&kRemit, false, EAGAIN, 126},
      {&kTini, true, ENOEXEC, 1},   {&kDumbInit, true, ENOENT, 2}, {&kCatatonit, true, ENOENT, 1}};
  for (auto &c : cases) {
    Settings set = settings(*c.who);
    Recorded sup = started(set);
    Actions a = sup.not_started(c.forked, c.err);
    cr_expect(a.ended && sup.done() && WEXITSTATUS(sup.wstatus) == c.status && sup.story.exec_errno == c.err,
              "%s, errno %d: expected status %d, got %d", c.who->name, c.err, c.status, WEXITSTATUS(sup.wstatus));
    cr_expect((sup.story.child != 0) == c.forked, "%s: a child where the fork failed, or none", c.who->name);
  }
}
