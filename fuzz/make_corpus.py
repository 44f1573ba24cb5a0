#!/usr/bin/env python3
# fuzz/make_corpus.py: writes remit_fuzz's seed inputs into fuzz/corpus (run from the repository).
# The input format is described at the top of fuzz/remit_fuzz.cpp; each seed
# is named for what it covers.  Signal numbers are amd64's.
import os
import struct
import sys

NAMES = ["remit", "tini", "tini-static", "docker-init", "dumb-init", "catatonit", "podman-init", "init"]
VARS = ["REMIT_MAP", "REMIT_REWRITE", "REMIT_GRACE", "REMIT_STOP_DELAY", "REMIT_GROUP",
        "REMIT_SUBREAPER", "REMIT_WAIT_ALL", "REMIT_VERBOSE", "REMIT_REPORT", "TINI_SUBREAPER",
        "TINI_KILL_PROCESS_GROUP", "TINI_VERBOSITY", "DUMB_INIT_DEBUG", "DUMB_INIT_SETSID",
        "POSIXLY_CORRECT", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
        "REMIT_STOP_SIGNALS", "REMIT_REPORT_MAX", "REMIT_SIGNAL_ALL"]
SIG = dict(HUP=1, INT=2, QUIT=3, ILL=4, ABRT=6, KILL=9, USR1=10, SEGV=11, USR2=12, PIPE=13,
           TERM=15, CHLD=17, CONT=18, TSTP=20, TTIN=21, TTOU=22, WINCH=28, XFSZ=25, RTMIN=34, RTMAX=64)
PID1, SIGNALED, GRACE, EXEC_FAILED, HANDOFF, DELAY, FORK_FAILED, FIFO = 1, 2, 4, 8, 16, 32, 64, 128
ENOENT, EACCES, ENOEXEC, E2BIG, EAGAIN = 2, 13, 8, 7, 11


def times(n):
    """The repeat field for n sends: r + 1 up to 120, else a power of two from 2^16."""
    if n <= 120:
        return n - 1
    return 104 + n.bit_length() - 1  # n must be a power of two


def seed(name, args, *, argv0=0, sbin=False, flags=0, value=0, err=0, sigs=(), env=(),
         stop_ms=0, wall=0, late=0):
    """sigs: (signal name or number, self-raised, how many); env: (VAR, value) or 'N=V';
    late: how many of the last sigs come with the program's end."""
    head = bytes([argv0 | (8 if sbin else 0) | late << 4, flags, value, err, len(sigs), len(env)])
    head += struct.pack("<Hq", stop_ms, wall)
    recs = b""
    for s, self_raised, n in sigs:
        num = SIG[s] if isinstance(s, str) else s
        recs += bytes([(num - 1) % 64, times(n) << 1 | int(self_raised)])
    strs = [a.encode("utf-8", "surrogateescape") if isinstance(a, str) else a for a in args]
    for e in env:
        if isinstance(e, tuple):
            strs.append(bytes([VARS.index(e[0])]) + e[1].encode())
        else:
            strs.append(e.encode())
    data = head + recs + b"\0".join(strs)
    path = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus", name)
    with open(path, "wb") as f:
        f.write(data)


def sig_value(s):
    return (SIG[s] - 1) % 64


R = NAMES.index
# remit, each way a run can end
seed("remit-exit-0", ["true"])
seed("remit-v-exit-3", ["-v", "--", "sh", "-c", "exit 3"], value=3)
seed("remit-rule-term", ["-m", "1@TERM=0", "-v", "--", "nats-server"], value=1,
     sigs=[("TERM", False, 1)], stop_ms=1234, wall=1764547200)
seed("remit-killed-reraise", ["-v", "prog"], flags=SIGNALED, value=sig_value("TERM"),
     sigs=[("TERM", False, 1)])
seed("remit-pid1-killed", ["-vv", "prog"], flags=SIGNALED | PID1, value=sig_value("SEGV"))
seed("remit-grace-kill", ["-t", "1.5s", "-v", "--", "slow"], flags=SIGNALED | GRACE,
     value=sig_value("KILL"), sigs=[("TERM", False, 1), ("TERM", False, 1)], stop_ms=1500,
     wall=1764547200)
seed("remit-stop-delay", ["--stop-delay", "2s", "-t", "5", "-v", "app"], flags=DELAY, value=0,
     sigs=[("TERM", False, 1)])
seed("remit-stop-delay-impatient", ["--stop-delay=2s", "-vv", "app"], value=143 - 128,
     sigs=[("INT", False, 1), ("QUIT", False, 1)])
seed("remit-rewrite", ["-r", "TERM:QUIT,USR1:0", "-vv", "app"], value=0,
     sigs=[("TERM", False, 1), ("USR1", False, 3)])
seed("remit-self-raised", ["-vv", "app", "arg"], value=2,
     sigs=[("PIPE", True, 1), ("XFSZ", True, 2), ("TERM", False, 1), ("PIPE", False, 1)])
seed("remit-exec-enoent", ["-v", "--report", "r.json", "missing"], flags=EXEC_FAILED, err=ENOENT)
seed("remit-exec-eacces", ["-m", "126=0", "./notexec"], flags=EXEC_FAILED, err=EACCES)
seed("remit-exec-enoexec", ["-vv", "./script", "a"], flags=EXEC_FAILED, err=ENOEXEC)
seed("remit-exec-e2big", ["prog"], flags=EXEC_FAILED, err=E2BIG)
seed("remit-fork-failed", ["-v", "-m", "126=7", "--report", "r", "true", "arg"], flags=FORK_FAILED,
     err=EAGAIN)
seed("remit-fork-failed-wait-all", ["--wait-all", "-vv", "true"], flags=FORK_FAILED | PID1)
seed("remit-explain", ["-m", "1@TERM=0,2-5=0,SEGV=3", "--explain", "1@TERM"])
seed("remit-explain-bad", ["--explain", "TREM@1"])
seed("remit-env", ["-v", "app"], value=1, sigs=[("TERM", False, 1)],
     env=[("REMIT_MAP", "1@TERM=0 2@none=0"), ("REMIT_VERBOSE", "2"), ("REMIT_REPORT", "/r"),
          ("REMIT_GRACE", "10"), ("REMIT_GROUP", "yes")])
seed("remit-env-bad-grace", ["app"], env=[("REMIT_GRACE", "abc")])
seed("remit-env-empty-report", ["app"], env=[("REMIT_REPORT", "")])
seed("remit-help", ["-h"])
seed("remit-report-fifo-room", ["-v", "sh", "-c", "exit 1"], flags=FIFO, value=1, stop_ms=1000)
seed("remit-report-fifo-full", ["-v", "sh", "x" * 300], flags=FIFO, value=0, stop_ms=3900,
     sigs=[("TERM", False, 1)])
seed("remit-bad-rule-control", ["-m", "1@\x1b[31m=0\nremit: fake", "app"])
seed("remit-bad-option", ["--no-such\x07option", "app"])
seed("remit-exec-newline-name", ["-v", "a\nremit: child 1 exited with 0; exit 0", "b"],
     flags=EXEC_FAILED, err=ENOENT)
seed("remit-64-rules", ["-v", "-m", ",".join("%d=%d" % (i, i + 1) for i in range(64)), "app"],
     value=63)
seed("remit-65-rules", ["-m", ",".join("%d=0" % i for i in range(65)), "app"])
seed("remit-long-rule", ["-vv", "-m", "0" * 250 + "3=0", "app"], value=3)
seed("remit-signals-16", ["-v", "app"], value=0, sigs=[(s, False, 1) for s in range(20, 36)])
seed("remit-signals-17", ["-v", "app"], value=0, sigs=[(s, False, 1) for s in range(20, 37)])
seed("remit-signals-rt", ["-vv", "-m", "1@RTMIN+3=0", "app"], value=1,
     sigs=[("RTMIN", False, 5), (37, False, 1), ("RTMAX", False, 2), (50, False, 1)])
# issue 20: the 16-bit counter of dropped signals (65,553 SIGRTMIN)
seed("remit-signals-dropped-65553", ["app"], value=0,
     sigs=[("RTMIN", False, 65536), ("RTMIN", False, 17)])
seed("remit-report-wall-2100", ["--report", "-", "app"], value=0, sigs=[("TERM", False, 1)],
     stop_ms=999, wall=4102444800)
seed("remit-report-wall-2100-03-01", ["app"], value=0, sigs=[("QUIT", False, 1)], stop_ms=1,
     wall=4107542400)
seed("remit-report-wall-2038", ["app"], value=0, sigs=[("TERM", False, 1)], stop_ms=0,
     wall=1 << 31)
seed("remit-report-wall-2262", ["app"], value=0, sigs=[("INT", False, 1)], stop_ms=854,
     wall=9223372036)
seed("remit-utf8-args", [b"\xff\xfeprog", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                         "\U0001F600ok", b"caf\xe9", b"\xe2\x82", "\"quoted\\\"", "\t\x01\x7f",
                         "\u009b31m"], value=0)
# issue 20: the report that overflows its buffer (3,700 bytes, then empty arguments)
seed("remit-long-argv-84", ["--report", "r.json", "--", "sh", "-c", "exit 3", "a" * 3700] + [""] * 84,
     value=3)
seed("remit-long-argv-99", ["sh", "-c", "exit 3", "a" * 3700] + [""] * 99, value=3)
seed("remit-long-argv-1400", ["sh"] + [""] * 1400, value=0)
seed("remit-long-argv-near-4096", ["-v", "sh"] + ["x" * 3900, "yy", "zzz"], value=0)
seed("remit-long-argv-escapes", ["prog", "\x01" * 700, "b"], value=5)
seed("remit-long-program", ["\u20ac" * 700, "arg"], value=0)
# tini and its other names
seed("tini-e-codes", ["-e", "1", "-e", "2", "-e", "5", "--", "sh", "-c", "exit 2"], argv0=R("tini"),
     value=2)
seed("tini-e-001", ["-v", "-e", "001", "--", "sh"], argv0=R("tini"), value=1)
seed("tini-e-all", sum((["-e", str(i)] for i in range(0, 256, 3)), []) + ["--", "p"],
     argv0=R("tini"), value=3)
seed("tini-static-vvv-segv", ["-vvv", "--", "prog"], argv0=R("tini-static"), flags=SIGNALED,
     value=sig_value("SEGV"), sigs=[("SEGV", False, 1), ("TERM", False, 1), ("TTIN", False, 1)])
seed("tini-exec-fail", ["-v", "nope"], argv0=R("tini"), flags=EXEC_FAILED, err=ENOENT)
seed("tini-fork-failed-e", ["-e", "1", "-v", "--", "p"], argv0=R("tini"), flags=FORK_FAILED)
seed("tini-external-segv", ["-v", "p"], argv0=R("tini"), value=0,
     sigs=[("TERM", False, 1), ("SEGV", False, 1), ("INT", False, 1)])
seed("tini-pid1-external-segv", ["-v", "p"], argv0=R("tini"), flags=PID1, value=0,
     sigs=[("SEGV", False, 1), ("TERM", False, 1)])
seed("tini-env", ["prog", "-x"], argv0=R("tini"), value=143 - 128,
     env=[("TINI_VERBOSITY", "3"), ("TINI_SUBREAPER", ""), ("TINI_KILL_PROCESS_GROUP", "1")])
seed("tini-verbosity-negative", ["prog"], argv0=R("tini"), value=0, env=[("TINI_VERBOSITY", "-5")])
seed("tini-e-strtol", ["-e", "", "-e", " 1", "-e", "+1", "--", "p"], argv0=R("tini"), value=1)
seed("tini-empty-program", ["-v", "--", ""], argv0=R("tini"), flags=EXEC_FAILED, err=ENOENT)
seed("tini-usage", ["-x"], argv0=R("tini"), sbin=True)
seed("docker-init-pid1", ["--", "app"], argv0=R("docker-init"), flags=PID1 | SIGNALED,
     value=sig_value("TERM"), sigs=[("TERM", False, 1)])
# dumb-init
seed("dumb-init-handoff", ["-v", "app"], argv0=R("dumb-init"), flags=HANDOFF | SIGNALED,
     value=sig_value("TERM"),
     sigs=[("HUP", True, 1), ("CONT", True, 1), ("HUP", False, 1), ("TSTP", False, 1),
           ("TERM", False, 1)])
seed("dumb-init-rewrite", ["-r", "15:3", "-r", "2:0", "-v", "app"], argv0=R("dumb-init"), value=3,
     sigs=[("TERM", False, 1), ("INT", False, 1), ("CHLD", False, 1)])
seed("dumb-init-orphans", ["-v", "app"], argv0=R("dumb-init"), value=0,
     sigs=[("CHLD", False, 3), ("TERM", False, 1), ("CHLD", True, 2)])
seed("tini-w-orphans", ["-w", "-vv", "-s", "app"], argv0=R("tini"), value=0,
     sigs=[("CHLD", False, 2), ("CHLD", True, 1)])
seed("remit-wait-all-pid1", ["--wait-all", "-t", "2", "-v", "app"], flags=PID1, value=0,
     sigs=[("TERM", False, 1)])
seed("remit-wait-all", ["--wait-all", "app"], value=0, sigs=[("CHLD", False, 1)])
seed("dumb-init-single-child", ["-c", "app"], argv0=R("dumb-init"), value=0,
     sigs=[("TTOU", False, 1)], env=[("DUMB_INIT_DEBUG", "1"), ("DUMB_INIT_SETSID", "0")])
seed("dumb-init-exec-fail", ["-v", "nope"], argv0=R("dumb-init"), flags=EXEC_FAILED, err=EACCES)
seed("dumb-init-sscanf-rewrite", ["-r", " 10: 12", "-r", "+10:+12", "-r", "15:15,10:12", "-v", "app"],
     argv0=R("dumb-init"), value=0, sigs=[("USR1", False, 1), ("TERM", False, 1)])
seed("dumb-init-fork-failed", ["-v", "app"], argv0=R("dumb-init"), flags=FORK_FAILED, err=EAGAIN)
seed("dumb-init-bad-rewrite", ["-r", "10:12x", "app"], argv0=R("dumb-init"))
# catatonit and podman-init
seed("catatonit-run", ["--", "app", "x"], argv0=R("catatonit"), value=7,
     sigs=[("INT", False, 1)])
seed("catatonit-pause", ["-P"], argv0=R("catatonit"))
seed("catatonit-listen", ["app"], argv0=R("catatonit"), flags=PID1, value=0,
     env=[("LISTEN_PID", "1"), ("LISTEN_FDS", "2"), ("LISTEN_FDNAMES", "a:b")])
seed("podman-init-group", ["-g", "--", "app"], argv0=R("podman-init"), sbin=True, flags=SIGNALED,
     value=sig_value("KILL"))
# remit under a name it does not know
seed("init-posixly-correct", ["-v", "app", "-m", "1=0"], argv0=R("init"), value=1,
     env=["POSIXLY_CORRECT=1"])
# signals that come with the program's end, before remit decides
seed("remit-term-with-the-end", ["-m", "TERM@TERM=0", "-v", "--report", "/dev/null", "--", "sleep", "30"],
     flags=SIGNALED, value=sig_value("TERM"), sigs=[("USR1", False, 1), ("TERM", False, 1)], late=2)
seed("remit-late-pipe-by-remit-and-hup", ["-m", "1@HUP=0", "-vv", "--", "prog"], value=1,
     sigs=[("PIPE", True, 1), ("HUP", False, 1), ("TERM", False, 3)], late=3)
seed("dumb-init-late-handoff-hup", ["-v", "prog"], argv0=R("dumb-init"), flags=HANDOFF, value=0,
     sigs=[("HUP", False, 1), ("CONT", False, 1), ("QUIT", False, 1)], late=2)
# the stop the platform sends: named stop signals, @stop, a bounded report, --signal-all
seed("remit-winch-stops-httpd", ["--stop-signals", "WINCH,TERM", "-m", "1@stop=0", "-t", "25s", "-v",
     "--report", "/dev/null", "--", "httpd-foreground"], value=1, sigs=[("WINCH", False, 1)], stop_ms=800)
seed("remit-stop-signals-env-int", ["-m", "TERM@stop=0", "--report", "/dev/null", "--", "prog"],
     flags=SIGNALED, value=sig_value("INT"), sigs=[("INT", False, 1)], env=[("REMIT_STOP_SIGNALS", "int")])
seed("remit-stop-signals-bad", ["--stop-signals", "TERM,KILL", "--", "prog"])
seed("tini-stop-signals-refused-fault", ["--", "prog"], argv0=R("tini"), env=[("REMIT_STOP_SIGNALS", "SEGV")])
seed("remit-report-max-1024-long-args", ["--report-max", "1024", "--report", "/dev/null", "-m", "1@stop=0",
     "--", "x" * 900] + ["\u00e9" * 300] * 3, value=1, sigs=[("TERM", False, 1)] + [("RTMIN", False, 20)])
seed("remit-report-max-too-small", ["--", "prog"], env=[("REMIT_REPORT_MAX", "1023")])
seed("remit-signal-all-pid1", ["--signal-all", "-m", "143@stop=0", "--", "prog"], flags=PID1 | SIGNALED,
     value=sig_value("TERM"), sigs=[("TERM", False, 1)], env=[("REMIT_SIGNAL_ALL", "1")])
seed("remit-explain-stop", ["-m", "1@stop=0", "--explain", "1@stop"])
# found on Debian 13: the kernel hands out a fault signal (ILL) before a lower one (HUP)
seed("regress-late-fault-signal-first", ["--report", "/dev/null", "--", "prog"],
     sigs=[("HUP", False, 1), ("ILL", False, 1)], late=2)
