/* sandbox.h — run one untrusted command with limits, capture its output, leave nothing behind.
 *
 * Isolated mode (root, namespaces available): the command runs in fresh pid, network
 * (loopback only), mount, IPC and UTS namespaces under a small init of ours. /tmp, /var/tmp
 * and /dev/shm are private tmpfs mounts, the work directory is bind-mounted at
 * SANDBOX_VIEW_DIR, and the command runs as an unprivileged uid of its own (sandbox_uid())
 * unless the spec asks for root (compilers). When the command ends or times out, the init exits and the kernel
 * kills every process left in the namespace; the tmpfs mounts vanish with it.
 *
 * Plain mode (fallback): a new process group with the same rlimits; chatmpi is a child
 * subreaper, so orphans come back to it and are killed after each run. The network is not
 * isolated, and files written outside the work directory are not caught: sandbox_note()
 * says so, and reports must repeat it.
 *
 * Deliberately left out: seccomp filtering and cgroups.
 */
#ifndef CM_SANDBOX_H
#define CM_SANDBOX_H

#include <stddef.h>

#include "core/buf.h"

#define SANDBOX_VIEW_DIR "/tmp/chatmpi"
/* Each chatmpi process runs its programs under a uid of its own, SANDBOX_UID_BASE + pid mod
 * SANDBOX_UID_SPAN, which no account uses: RLIMIT_NPROC counts processes per uid across the
 * whole system, so a fork bomb in one check must not starve another check running beside it. */
#define SANDBOX_UID_BASE 200000
#define SANDBOX_UID_SPAN 100000

enum sandbox_mode { SANDBOX_PLAIN = 0, SANDBOX_ISOLATED = 1 };

struct sandbox_limits {
    double wall_s;            /* wall-clock timeout of the whole run */
    double cpu_s;             /* RLIMIT_CPU per process */
    unsigned long long mem_bytes;   /* RLIMIT_AS per process */
    unsigned long long fsize_bytes; /* RLIMIT_FSIZE */
    long nproc;               /* RLIMIT_NPROC (effective for the unprivileged uid) */
    size_t out_cap;           /* stdout beyond this kills the run (SANDBOX_OUTPUT_LIMIT) */
    size_t err_cap;           /* stderr beyond this is discarded and counted */
};

struct sandbox_spec {
    const char *host_dir;     /* the work directory on the host */
    const char *cwd;          /* working directory, relative to host_dir ("" = host_dir) */
    char *const *argv;        /* argv[0] is resolved through PATH if it has no '/' */
    char *const *env_extra;   /* NAME=VALUE entries added to the clean environment; may be NULL */
    int keep_root;            /* do not drop privileges (compilers, which write build outputs) */
    /* Strings that, once seen on stderr, mean the job has failed (a launcher's "rank exited on
     * signal" notice): the run then gets SANDBOX_ABORT_GRACE_S more to exit before everything is
     * killed and it ends as SANDBOX_ABORTED. Launchers can hang after a rank dies. May be NULL. */
    const char *const *abort_markers;
    struct sandbox_limits lim;
    /* Plain mode: when > 0, a run that must be stopped (timeout, output cap, abort, interrupt)
     * gets SIGTERM first and this many seconds to exit before SIGKILL. srun needs it: its ranks
     * run under slurmd, outside our process group, and on SIGTERM srun cancels its job step;
     * a SIGKILLed srun leaves the step running. 0: SIGKILL at once. Isolated mode ignores it. */
    double term_grace_s;
};

enum sandbox_end {
    SANDBOX_EXITED = 0,
    SANDBOX_SIGNALED,
    SANDBOX_TIMEOUT,
    SANDBOX_OUTPUT_LIMIT,
    SANDBOX_ABORTED, /* an abort marker appeared and the launcher did not exit in time */
};

#define SANDBOX_ABORT_GRACE_S 3.0

struct sandbox_result {
    enum sandbox_end end;
    int exit_code;            /* SANDBOX_EXITED */
    int signal;               /* SANDBOX_SIGNALED */
    double wall_s;
    struct cm_buf out, err;   /* captured stdout (up to out_cap) and stderr (up to err_cap) */
    size_t err_dropped;       /* stderr bytes discarded past err_cap */
    int abort_seen;           /* an abort marker appeared on stderr (whatever the exit status) */
};

/* Decides the mode once (probing namespaces) and prepares the process (subreaper). */
int sandbox_init(void);
enum sandbox_mode sandbox_mode(void);
/* The unprivileged uid (and gid) programs run as in isolated mode. */
unsigned sandbox_uid(void);
/* One line describing the isolation in force, for reports. Borrowed. */
const char *sandbox_note(void);
/* The path under which the program sees spec->host_dir. Borrowed (host_dir itself in plain mode). */
const char *sandbox_view(const char *host_dir);
/* Forces plain mode (--no-isolation, a hostfile, srun); why (static, borrowed) is the reason
 * reports give. Call before sandbox_init. */
void sandbox_force_plain(const char *why);

void sandbox_limits_default(struct sandbox_limits *lim);
/* Installs SIGINT/SIGTERM/SIGHUP handlers that make the run in progress (and every later
 * one) stop: its processes are killed and sandbox_run fails with "interrupted", so callers
 * clean up their work directories on the way out. */
void sandbox_catch_signals(void);
/* Puts the default handlers back and forgets an interrupt (the interactive assistant: Ctrl-C
 * stops one verified /file run, not the session). */
void sandbox_release_signals(void);
int sandbox_interrupted(void);
/* Appends the caller's environment entries that sandbox_run passes through to the command
 * (OMPI_MCA_*, MPICH_*, SLURM_*, ...; everything else is cleared), sorted. */
void sandbox_env_passed(struct cm_strlist *out);
/* Runs the command. Returns 0 when it ran (whatever its end), negative when it could not be
 * started (message set). res must be released with sandbox_result_release. */
int sandbox_run(struct sandbox_result *res, const struct sandbox_spec *spec);
void sandbox_result_release(struct sandbox_result *res);
/* "exit 3", "signal 11 (Segmentation fault)", "timeout after 3.0 s", "stdout over 8 MiB". */
void sandbox_describe_end(const struct sandbox_result *res, const struct sandbox_spec *spec, char *buf, size_t n);

#endif
