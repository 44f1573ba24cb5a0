/* tests/arch_child.c: the program remit runs in `make test-arch`, built
 * static for each target architecture, so that signal numbers are the
 * target's own (MIPS: USR1 16, CHLD 18) on both sides of remit.
 *
 *   arch_child exit N       exit N
 *   arch_child say TEXT     print TEXT, exit 0
 *   arch_child num NAME     print the target's number for NAME
 *   arch_child wait CODE    block every signal, say "ready PPID PID" (remit's
 *                           pid and ours), take one signal, say "got N",
 *                           exit CODE
 *   arch_child hold CODE    the same, but take signals and say "got N"
 *                           until killed
 *   arch_child die NAME     die by that signal
 *   arch_child probe N      say "yes" if signal N can be sent to and
 *                           received by this process here, else "no"
 *                           (qemu-user cannot map every target real-time
 *                           signal to one of the host's) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct { const char *name; int sig; } names[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"TERM", SIGTERM}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"CHLD", SIGCHLD}, {"STOP", SIGSTOP}, {"CONT", SIGCONT},
    {"TSTP", SIGTSTP}, {"WINCH", SIGWINCH}, {"SYS", SIGSYS}, {"BUS", SIGBUS},
};

static int by_name(const char *name) {
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(names[i].name, name)) return names[i].sig;
  fprintf(stderr, "arch_child: unknown signal %s\n", name);
  exit(100);
}

int main(int argc, char **argv) {
  sigset_t all;
  sigfillset(&all);
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 3) return 100;
  const char *mode = argv[1], *arg = argv[2];
  if (!strcmp(mode, "exit")) return atoi(arg);
  if (!strcmp(mode, "say")) return puts(arg) < 0;
  if (!strcmp(mode, "num")) return printf("%d\n", by_name(arg)) < 0;
  if (!strcmp(mode, "wait") || !strcmp(mode, "hold")) {
    int sig;
    sigprocmask(SIG_SETMASK, &all, NULL);
    printf("ready %d %d\n", (int)getppid(), (int)getpid());
    do {
      if (sigwait(&all, &sig)) return 101;
      printf("got %d\n", sig);
    } while (mode[0] == 'h');
    return atoi(arg);
  }
  if (!strcmp(mode, "die")) {
    int sig = by_name(arg);
    signal(sig, SIG_DFL);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    raise(sig);
    return 102;
  }
  if (!strcmp(mode, "probe")) {
    int sig = atoi(arg);
    sigset_t one, pending;
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_BLOCK, &one, NULL);
    int sent = kill(getpid(), sig) == 0;
    sigpending(&pending);
    return puts(sent && sigismember(&pending, sig) == 1 ? "yes" : "no") < 0;
  }
  return 100;
}
