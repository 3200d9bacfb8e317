/* sandbox.c — see sandbox.h. Everything the child side does between clone/fork and exec is
 * a plain system call (no malloc, no stdio): chatmpi may be multithreaded when it forks. */
#include "harness/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"

static int g_inited;
static const char *g_force_plain; /* why plain mode was forced, or NULL */
static enum sandbox_mode g_mode;
static char g_note[320];
static unsigned g_uid;

unsigned sandbox_uid(void) { return g_uid; }

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) { g_stop = sig; }
int sandbox_interrupted(void) { return g_stop != 0; }

void sandbox_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: poll and waitpid return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void sandbox_release_signals(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    g_stop = 0;
}

#define NS_FLAGS (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)
#define STACK_SIZE (256 * 1024)

struct child_args {
    const char *path;       /* resolved executable */
    char *const *argv;
    char **envp;
    const char *cwd;        /* as seen by the command */
    const char *host_dir;   /* host work directory (isolated mode), entered by path inside
                               the new mount namespace: an fd from outside would pin the old one */
    int out_w, err_w, status_w;
    int drop_privileges;
    unsigned uid;
    const struct sandbox_limits *lim;
};

/* What the init tells the parent through the status pipe. */
struct init_report {
    int setup_failed; /* the init could not build the sandbox: msg says why */
    int wait_status;
    char msg[200];
};


void sandbox_force_plain(const char *why) { g_force_plain = why ? why : "isolation turned off"; }
enum sandbox_mode sandbox_mode(void) { return g_mode; }
const char *sandbox_note(void) { return g_note; }

const char *sandbox_view(const char *host_dir)
{
    return g_mode == SANDBOX_ISOLATED ? SANDBOX_VIEW_DIR : host_dir;
}

void sandbox_limits_default(struct sandbox_limits *lim)
{
    lim->wall_s = 30;
    lim->cpu_s = 0; /* 0: derived from wall_s */
    lim->mem_bytes = 4ULL << 30;
    lim->fsize_bytes = 256ULL << 20;
    lim->nproc = 512;
    lim->out_cap = 16u << 20;
    lim->err_cap = 64u << 10;
}

/* ---- child side: async-signal-safe only ----
 * These run on the clone stack or in a fresh fork, before exec: no sanitizer bookkeeping. */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize_address)
#define CHILD_SIDE __attribute__((no_sanitize_address))
#endif
#endif
#ifndef CHILD_SIDE
#define CHILD_SIDE
#endif

CHILD_SIDE static void say(int fd, const char *a, const char *b)
{
    if (write(fd, a, strlen(a)) < 0) return;
    if (b && write(fd, b, strlen(b)) < 0) return;
    if (write(fd, "\n", 1) < 0) return;
}

CHILD_SIDE static void set_limit(int res, unsigned long long v)
{
    struct rlimit rl = {v, v};
    setrlimit(res, &rl);
}

CHILD_SIDE static void child_exec(const struct child_args *a)
{
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(a->out_w, 1);
    dup2(a->err_w, 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    const struct sandbox_limits *l = a->lim;
    double cpu = l->cpu_s > 0 ? l->cpu_s : l->wall_s * 2 + 5;
    struct rlimit rl = {(rlim_t)cpu, (rlim_t)cpu + 2};
    setrlimit(RLIMIT_CPU, &rl);
    if (l->mem_bytes) set_limit(RLIMIT_AS, l->mem_bytes);
    if (l->fsize_bytes) set_limit(RLIMIT_FSIZE, l->fsize_bytes);
    set_limit(RLIMIT_CORE, 0);
    if (a->drop_privileges) {
        if (setgroups(0, NULL) != 0 || setresgid(a->uid, a->uid, a->uid) != 0 ||
            setresuid(a->uid, a->uid, a->uid) != 0) {
            say(2, "chatmpi sandbox: cannot drop privileges", NULL);
            _exit(126);
        }
    }
    if (l->nproc && (a->drop_privileges || geteuid() != 0)) set_limit(RLIMIT_NPROC, (unsigned long long)l->nproc);
    if (chdir(a->cwd) != 0) {
        say(2, "chatmpi sandbox: cannot enter the run directory ", a->cwd);
        _exit(126);
    }
    execve(a->path, a->argv, a->envp);
    say(2, "chatmpi sandbox: cannot execute ", a->path);
    _exit(127);
}

CHILD_SIDE static int init_fail(const struct child_args *a, const char *what)
{
    struct init_report r = {1, 0, {0}};
    int e = errno;
    size_t n = strlen(what);
    if (n > sizeof(r.msg) - 40) n = sizeof(r.msg) - 40;
    memcpy(r.msg, what, n);
    const char *es = strerror(e); /* glibc's strerror is safe enough here: no allocation for known errno */
    size_t m = strlen(es);
    if (n + 2 + m >= sizeof(r.msg)) m = sizeof(r.msg) - n - 3;
    memcpy(r.msg + n, ": ", 2);
    memcpy(r.msg + n + 2, es, m);
    if (write(a->status_w, &r, sizeof(r)) < 0) _exit(2);
    _exit(1);
}

CHILD_SIDE static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return rc;
}

CHILD_SIDE static int mount_tmpfs(const char *where)
{
    return mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, "size=1g,mode=1777");
}

/* pid 1 of the new namespaces: build the file system view, start the command, wait for it,
 * report its status. When this returns, the kernel kills whatever is left in the namespace. */
CHILD_SIDE static int init_main(void *arg)
{
    const struct child_args *a = arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) init_fail(a, "cannot make mounts private");
    if (chdir(a->host_dir) != 0) init_fail(a, "cannot enter the work directory");
    if (mount_tmpfs("/tmp") != 0) init_fail(a, "cannot mount a private /tmp");
    if (mkdir(SANDBOX_VIEW_DIR, 0755) != 0) init_fail(a, "cannot create " SANDBOX_VIEW_DIR);
    if (mount(".", SANDBOX_VIEW_DIR, NULL, MS_BIND | MS_REC, NULL) != 0) init_fail(a, "cannot bind the work directory");
    if (access("/var/tmp", F_OK) == 0 && mount_tmpfs("/var/tmp") != 0) init_fail(a, "cannot mount a private /var/tmp");
    if (access("/dev/shm", F_OK) == 0 && mount_tmpfs("/dev/shm") != 0) init_fail(a, "cannot mount a private /dev/shm");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) init_fail(a, "cannot mount /proc");
    if (loopback_up() != 0) init_fail(a, "cannot bring up the loopback interface");
    /* a raw fork: a sanitizer's fork interceptor takes locks another thread of chatmpi may
     * have held when we were cloned */
    pid_t c = (pid_t)syscall(SYS_fork);
    if (c < 0) init_fail(a, "cannot fork");
    if (c == 0) child_exec(a);
    close(a->out_w);
    close(a->err_w);
    struct init_report r = {0, 0, {0}};
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == c) {
            r.wait_status = st;
            break;
        }
        if (w < 0 && errno != EINTR) break;
    }
    if (write(a->status_w, &r, sizeof(r)) < 0) _exit(2);
    _exit(0);
}

/* ---- parent side ---- */

CHILD_SIDE static int probe_fn(void *arg)
{
    (void)arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(1);
    if (mount_tmpfs("/tmp") != 0) _exit(1);
    if (loopback_up() != 0) _exit(1);
    _exit(0);
}

int sandbox_init(void)
{
    if (g_inited) return 0;
    g_inited = 1;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    g_mode = SANDBOX_PLAIN;
    g_uid = SANDBOX_UID_BASE + (unsigned)getpid() % SANDBOX_UID_SPAN;
    const char *why = geteuid() != 0 ? "not running as root" : "namespaces refused";
    if (g_force_plain) why = g_force_plain;
    if (!g_force_plain && geteuid() == 0) {
        char *stack = cm_malloc(STACK_SIZE);
        pid_t p = clone(probe_fn, stack + STACK_SIZE, NS_FLAGS | SIGCHLD, NULL);
        int st = 0;
        if (p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0) g_mode = SANDBOX_ISOLATED;
        free(stack);
    }
    if (g_mode == SANDBOX_ISOLATED)
        snprintf(g_note, sizeof(g_note),
                 "pid, network (loopback only), mount and IPC namespaces; private /tmp, /var/tmp and /dev/shm; "
                 "programs run as uid %u, a uid of their own",
                 g_uid);
    else
        snprintf(g_note, sizeof(g_note),
                 "NOT ISOLATED (%s): process group, rlimits and orphan reaping only; the network is not "
                 "isolated and files written outside the run directory are not contained",
                 why);
    return 0;
}

static char *resolve_exe(const char *name)
{
    if (strchr(name, '/')) return cm_strdup(name);
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t k = strcspn(path, ":");
        char buf[PATH_MAX];
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)k, path, name);
        if (access(buf, X_OK) == 0) return cm_strdup(buf);
        path += k + (path[k] == ':');
    }
    return NULL;
}

static const char *const pass_prefixes[] = {"OMPI_MCA_", "PMIX_MCA_", "PRTE_MCA_", "HYDRA_", "MPIR_CVAR_",
                                            "MPICH_", "SLURM_", "OMP_NUM_THREADS", NULL};

/* Whether the caller's environment entry e reaches the programs (make_env, sandbox_env_passed). */
static int passes_through(const char *e)
{
    for (const char *const *p = pass_prefixes; *p; p++)
        if (!strncmp(e, *p, strlen(*p))) return 1;
    return 0;
}

static char **make_env(const struct sandbox_spec *spec, const char *home)
{
    struct cm_strlist l;
    cm_strlist_init(&l);
    char buf[PATH_MAX + 16];
    const char *path = getenv("PATH");
    snprintf(buf, sizeof(buf), "PATH=%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    cm_strlist_push(&l, buf);
    snprintf(buf, sizeof(buf), "HOME=%s", home);
    cm_strlist_push(&l, buf);
    /* isolated: the private /tmp; plain: the run directory, so the launcher's files go with it */
    snprintf(buf, sizeof(buf), "TMPDIR=%s", g_mode == SANDBOX_ISOLATED ? "/tmp" : home);
    cm_strlist_push(&l, buf);
    cm_strlist_push(&l, "LANG=C");
    cm_strlist_push(&l, "LC_ALL=C");
    cm_strlist_push(&l, "OMPI_ALLOW_RUN_AS_ROOT=1");
    cm_strlist_push(&l, "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1");
    extern char **environ;
    for (char **e = environ; *e; e++)
        if (passes_through(*e)) cm_strlist_push(&l, *e);
    for (char *const *e = spec->env_extra; e && *e; e++) cm_strlist_push(&l, *e);
    cm_strlist_push_owned(&l, NULL);
    return l.items;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void sandbox_env_passed(struct cm_strlist *out)
{
    extern char **environ;
    size_t first = out->n;
    for (char **e = environ; *e; e++)
        if (passes_through(*e)) cm_strlist_push(out, *e);
    qsort(out->items + first, out->n - first, sizeof(char *), cmp_str);
}

static void free_env(char **env)
{
    for (char **e = env; *e; e++) free(*e);
    free(env);
}

/* Plain mode: kill every child of ours (orphans are re-parented to us as subreaper). */
static void reap_orphans(void)
{
    pid_t self = getpid();
    for (int round = 0; round < 100; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end || pid <= 0) continue;
            char path[64], stat[512];
            snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, stat, sizeof(stat) - 1);
            close(fd);
            if (n <= 0) continue;
            stat[n] = '\0';
            char *rp = strrchr(stat, ')');
            long ppid;
            char state;
            if (rp && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 && ppid == self) {
                kill((pid_t)pid, SIGKILL);
                found = 1;
            }
        }
        if (d) closedir(d);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (!found) break;
        usleep(5000);
    }
}

static int read_into(int fd, struct cm_buf *b, size_t cap, size_t *dropped, int *over)
{
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0) return 0;
    size_t take = (size_t)n;
    if (b->len + take > cap) {
        take = cap > b->len ? cap - b->len : 0;
        if (dropped) *dropped += (size_t)n - take;
        if (over) *over = 1;
    }
    cm_buf_append(b, chunk, take);
    return 1;
}

/* Starts stopping a run: SIGKILL at once, or in plain mode with a grace (spec->term_grace_s)
 * SIGTERM now and SIGKILL at *kill_at unless it has exited by then. */
static void stop_run(pid_t pid, int isolated, const struct sandbox_spec *spec, double t, double *kill_at)
{
    if (!isolated && spec->term_grace_s > 0) {
        kill(-pid, SIGTERM);
        *kill_at = t + spec->term_grace_s;
    } else {
        kill(isolated ? pid : -pid, SIGKILL);
    }
}

int sandbox_run(struct sandbox_result *res, const struct sandbox_spec *spec)
{
    memset(res, 0, sizeof(*res));
    cm_buf_init(&res->out);
    cm_buf_init(&res->err);
    sandbox_init();
    int isolated = g_mode == SANDBOX_ISOLATED;
    int rc = 0, out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, st_p[2] = {-1, -1};
    char *stack = NULL, *exe = NULL, **env = NULL;
    char cwd[PATH_MAX], hostcwd[PATH_MAX];
    snprintf(cwd, sizeof(cwd), "%s/%s", sandbox_view(spec->host_dir), spec->cwd);
    snprintf(hostcwd, sizeof(hostcwd), "%s/%s", spec->host_dir, spec->cwd);

    if (g_stop) return cm_error_set(CM_EENV, "interrupted");
    exe = resolve_exe(spec->argv[0]);
    if (!exe) {
        rc = cm_error_set(CM_EENV, "cannot find '%s' in PATH", spec->argv[0]);
        goto done;
    }
    int drop = isolated && !spec->keep_root && geteuid() == 0;
    if (drop && chown(hostcwd, g_uid, g_uid) != 0) {
        rc = cm_error_set(CM_EIO, "cannot hand '%s' to the sandbox user: %s", hostcwd, strerror(errno));
        goto done;
    }
    env = make_env(spec, cwd);
    if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC) || pipe2(st_p, O_CLOEXEC)) {
        rc = cm_error_set(CM_EIO, "cannot create pipes: %s", strerror(errno));
        goto done;
    }
    struct child_args a = {exe, spec->argv, env, cwd, spec->host_dir, out_p[1], err_p[1], st_p[1], drop, g_uid, &spec->lim};
    double t0 = cm_now();
    pid_t pid;
    if (isolated) {
        stack = cm_malloc(STACK_SIZE);
        pid = clone(init_main, stack + STACK_SIZE, NS_FLAGS | SIGCHLD, &a);
    } else {
        pid = fork();
        if (pid == 0) {
            setpgid(0, 0);
            child_exec(&a);
        }
        if (pid > 0) setpgid(pid, pid);
    }
    if (pid < 0) {
        rc = cm_error_set(CM_EENV, "cannot start '%s': %s", spec->argv[0], strerror(errno));
        goto done;
    }
    close(out_p[1]), close(err_p[1]), close(st_p[1]);
    out_p[1] = err_p[1] = st_p[1] = -1;
    fcntl(out_p[0], F_SETFL, O_NONBLOCK);
    fcntl(err_p[0], F_SETFL, O_NONBLOCK);

    double deadline = t0 + spec->lim.wall_s;
    int out_open = 1, err_open = 1, reaped = 0, killed = 0, status = 0, over = 0, aborting = 0;
    double end_t = 0, grace_end = 0, kill_at = 0;
    while (out_open || err_open || !reaped) {
        double t = cm_now();
        if (!killed && g_stop) {
            killed = 1;
            stop_run(pid, isolated, spec, t, &kill_at);
            end_t = t;
        }
        if (!killed && t >= deadline) { /* an abort marker moved the deadline closer */
            res->end = aborting ? SANDBOX_ABORTED : SANDBOX_TIMEOUT;
            killed = 1;
            stop_run(pid, isolated, spec, t, &kill_at);
            end_t = t;
        }
        if (over && !killed) {
            res->end = SANDBOX_OUTPUT_LIMIT, killed = 1;
            stop_run(pid, isolated, spec, t, &kill_at);
            end_t = t;
        }
        if (kill_at > 0 && !reaped && t >= kill_at) { /* SIGTERM's grace is over */
            kill(-pid, SIGKILL);
            kill_at = 0;
        }
        if (!reaped) {
            int st;
            pid_t w = waitpid(pid, &st, WNOHANG);
            if (w == pid) {
                reaped = 1, status = st;
                if (!end_t) end_t = cm_now();
                if (!isolated) {
                    kill(-pid, SIGKILL); /* the process group's leftovers */
                    reap_orphans();
                }
                grace_end = cm_now() + 2.0;
            }
        }
        if (reaped && grace_end && cm_now() > grace_end) break; /* a writer escaped; stop reading */
        struct pollfd pf[2] = {{out_open ? out_p[0] : -1, POLLIN, 0}, {err_open ? err_p[0] : -1, POLLIN, 0}};
        if (out_open || err_open) {
            int r = poll(pf, 2, 20);
            if (r > 0) {
                if (out_open && (pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
                    out_open = read_into(out_p[0], &res->out, spec->lim.out_cap, NULL, &over);
                if (err_open && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                    err_open = read_into(err_p[0], &res->err, spec->lim.err_cap, &res->err_dropped, NULL);
                    for (const char *const *m = spec->abort_markers; !aborting && m && *m && res->err.len; m++)
                        if (memmem(res->err.data, res->err.len, *m, strlen(*m))) {
                            aborting = 1;
                            if (cm_now() + SANDBOX_ABORT_GRACE_S < deadline) deadline = cm_now() + SANDBOX_ABORT_GRACE_S;
                        }
                }
            }
        } else if (!reaped) {
            usleep(2000);
        }
    }
    res->wall_s = end_t - t0;
    res->abort_seen = aborting;
    if (g_stop) {
        rc = cm_error_set(CM_EENV, "interrupted");
        goto done;
    }
    if (isolated) {
        struct init_report r;
        ssize_t n = read(st_p[0], &r, sizeof(r));
        if (n == (ssize_t)sizeof(r) && r.setup_failed) {
            rc = cm_error_set(CM_EENV, "cannot set up the sandbox: %s", r.msg);
            cm_error_hint("rerun with --no-isolation to run without namespaces");
            goto done;
        }
        if (!killed && n == (ssize_t)sizeof(r)) status = r.wait_status;
        else if (!killed) status = 0x7f00; /* init vanished: report as a runtime error */
    }
    if (!killed) {
        if (WIFSIGNALED(status)) res->end = SANDBOX_SIGNALED, res->signal = WTERMSIG(status);
        else res->end = SANDBOX_EXITED, res->exit_code = WEXITSTATUS(status);
    }
done:
    for (int *fd = (int[]){out_p[0], out_p[1], err_p[0], err_p[1], st_p[0], st_p[1], -2}; *fd != -2; fd++)
        if (*fd >= 0) close(*fd);
    if (env) free_env(env);
    free(exe);
    free(stack);
    return rc;
}

void sandbox_result_release(struct sandbox_result *res)
{
    cm_buf_release(&res->out);
    cm_buf_release(&res->err);
}

void sandbox_describe_end(const struct sandbox_result *r, const struct sandbox_spec *spec, char *buf, size_t n)
{
    switch (r->end) {
    case SANDBOX_EXITED:
        snprintf(buf, n, "exit status %d", r->exit_code);
        break;
    case SANDBOX_SIGNALED:
        snprintf(buf, n, "killed by signal %d (%s)", r->signal, strsignal(r->signal));
        break;
    case SANDBOX_TIMEOUT:
        snprintf(buf, n, "no exit within the %.1f s timeout; every process was killed", spec->lim.wall_s);
        break;
    case SANDBOX_ABORTED:
        snprintf(buf, n, "the launcher reported a failed rank and did not exit within %.0f s; every process was killed",
                 SANDBOX_ABORT_GRACE_S);
        break;
    case SANDBOX_OUTPUT_LIMIT:
        snprintf(buf, n, "stdout passed the %.1f MiB cap (output cut); every process was killed",
                 (double)spec->lim.out_cap / (1 << 20));
        break;
    }
}
