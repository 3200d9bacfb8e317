/* harness.c — `chatmpi check` itself (see harness.h): work directory, builds, reference runs,
 * MPI runs at every rank count, comparison, timing and profile. Printing lives in report.c,
 * process isolation in sandbox.c, the comparison rule in compare.c. */
#include "harness/harness.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "harness/runcache.h"

#define SOURCE_MAX (8u << 20)
/* how long srun gets to cancel its job step after SIGTERM (see run_in_sandbox) */
#define SRUN_STOP_GRACE_S 10.0
/* how long a run waits for Slurm to release the step of a run before it that failed */
#define SRUN_RELEASE_WAIT_S 60.0

static const char empty_mpi_src[] = "#include <mpi.h>\n"
                                    "int main(int argc, char **argv)\n"
                                    "{\n    MPI_Init(&argc, &argv);\n    MPI_Finalize();\n    return 0;\n}\n";

struct ctx {
    const struct check_opts *o;
    struct check_report *rep;
    char *work;        /* host work directory */
    const char *view;  /* the same, as the sandbox shows it */
    struct cm_buf *ref_out, *ref_err; /* reference outputs, one per check size set */
    struct cm_buf bench_out, bench_err;
    size_t step, steps;
    /* the run cache (opts.run_cache): each program's image id, when its runs can be keyed */
    char seq_id[RUNCACHE_ID_LEN + 1], mpi_id[RUNCACHE_ID_LEN + 1];
    int seq_keyed, mpi_keyed, cache_warned;
    int peer_built; /* opts.peer_path built as bin/peer */
};

void check_opts_init(struct check_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < 4; i++) o->np[i] = i + 1;
    o->n_np = 4;
    cm_strlist_init(&o->args);
    o->runs = 3;
    o->rtol = 1e-6;
    o->atol = 1e-9;
    o->timeout_s = 10;
    o->launcher = LAUNCHER_MPIRUN;
    o->compare = COMPARE_STDOUT;
    o->profile = 1;
    sandbox_limits_default(&o->lim);
}

void check_opts_release(struct check_opts *o) { cm_strlist_release(&o->args); }

const char *check_verdict_name(enum check_verdict v)
{
    static const char *n[] = {"PASS", "WRONG_OUTPUT", "RUNTIME_ERROR", "TIMEOUT", "BUILD_FAIL"};
    return n[v];
}

const char *check_outcome_name(enum check_outcome o)
{
    static const char *n[] = {"CORRECT", "INCORRECT", "BUILD_FAIL", "SEQ_ERROR", "SERIAL"};
    return n[o];
}

static void progress(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct ctx *c, const char *fmt, ...)
{
    c->step++;
    if (!c->o->progress) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\r\033[K[%zu/%zu] ", c->step, c->steps);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

static char *tail_lines(const struct cm_buf *b, int lines)
{
    if (!b->len) return NULL;
    size_t i = b->len;
    while (i > 0 && (b->data[i - 1] == '\n' || b->data[i - 1] == ' ')) i--;
    size_t end = i;
    for (int k = 0; i > 0; i--)
        if (b->data[i - 1] == '\n' && ++k == lines) break;
    if (end - i > 4000) i = end - 4000;
    return cm_strndup(b->data + i, end - i);
}

/* What launchers print when a rank has failed; see sandbox_spec.abort_markers. */
static const char *const launcher_abort_markers[] = {
    "exited on signal",                             /* Open MPI */
    "Per user-direction, the job has been aborted", /* Open MPI */
    "MPI_ABORT was invoked",                        /* Open MPI */
    "BAD TERMINATION OF ONE OF YOUR APPLICATION",   /* MPICH (hydra) */
    NULL,
};

/* Runs argv (plus the whitespace-split args) in a fresh run directory. */
static int run_in_sandbox(struct ctx *c, struct cm_strlist *argv, const char *args, double timeout,
                          struct sandbox_result *res, struct prof_run *prof, long np, int *has_prof)
{
    char *run = cm_path_join(c->work, "run");
    char *profenv = NULL;
    int rc = 0;
    cm_remove_tree(run);
    if (mkdir(run, 0755) != 0) {
        rc = cm_error_set(CM_EIO, "cannot create '%s': %s", run, strerror(errno));
        goto done;
    }
    if (args) cm_strlist_split_ws(argv, args);
    cm_strlist_push_owned(argv, NULL);
    char *env[2] = {NULL, NULL};
    if (prof) {
        size_t n = strlen(c->view) + 40;
        profenv = cm_malloc(n);
        snprintf(profenv, n, "CHATMPI_PROFILE_DIR=%s/run", c->view);
        env[0] = profenv;
    }
    struct sandbox_spec spec = {c->work, "run", argv->items, env, 0, launcher_abort_markers, c->o->lim};
    spec.lim.wall_s = timeout;
    /* a SIGKILLed srun leaves its job step running under slurmd: stop it with SIGTERM, on which
     * srun cancels the step (Slurm kills the ranks), and SIGKILL only if it does not exit */
    if (c->o->launcher == LAUNCHER_SRUN) spec.term_grace_s = SRUN_STOP_GRACE_S;
    rc = sandbox_run(res, &spec);
    /* a stopped or failed step holds its CPUs a few seconds more: the next run must not spend
     * its time limit queued behind it (slurm.c) */
    if (!rc && c->o->launcher == LAUNCHER_SRUN && !(res->end == SANDBOX_EXITED && res->exit_code == 0)) {
        char name[64];
        check_slurm_job_name(name, sizeof(name));
        check_slurm_wait_released(name, SRUN_RELEASE_WAIT_S);
    }
    argv->n--; /* drop the NULL terminator again */
    if (!rc && prof && has_prof) {
        *has_prof = 0;
        if (res->end == SANDBOX_EXITED && res->exit_code == 0) {
            if (prof_read_dir(prof, run, (int)np) == 0)
                *has_prof = 1;
            else
                cm_error_clear(); /* a program that skips MPI_Finalize leaves no profile: not fatal */
        }
    }
done:
    cm_remove_tree(run);
    free(run);
    free(profenv);
    return rc;
}

static void launcher_argv(struct ctx *c, long np, struct cm_strlist *argv)
{
    const struct check_opts *o = c->o;
    const struct check_env *env = &c->rep->env;
    char n[32], path[4200];
    snprintf(n, sizeof(n), "%ld", np);
    int ompi = !strcmp(env->mpi_impl, "Open MPI");
    if (o->launcher == LAUNCHER_SRUN) {
        cm_strlist_push(argv, check_launcher_cmd(o));
        /* Open MPI started by srun wires up through PMIx (Debian's has no PMI-2; Open MPI 5 has
         * nothing else), and Slurm's MpiDefault is none: ask for pmix unless the user chose a
         * plugin with srun's own SLURM_MPI_TYPE (which reaches srun through the sandbox) */
        if (ompi && !getenv("SLURM_MPI_TYPE")) cm_strlist_push(argv, "--mpi=pmix");
        /* as mpirun does: a rank that exits non-zero ends the step, the others do not wait */
        cm_strlist_push(argv, "--kill-on-bad-exit=1");
        char name[64];
        check_slurm_job_name(name, sizeof(name));
        snprintf(path, sizeof(path), "--job-name=%s", name);
        cm_strlist_push(argv, path);
        cm_strlist_push(argv, "-n");
        cm_strlist_push(argv, n);
    } else {
        cm_strlist_push(argv, check_launcher_cmd(o));
        if (ompi) cm_strlist_push(argv, "--oversubscribe");
        /* On one node, Open MPI's ob1 PML (shared memory through its BTLs) is chosen outright:
         * otherwise every launch first probes the cm PML's fabric MTLs (libfabric, PSM2) and
         * ucx's devices, 0.2 s and more of CPU a launch (docs/BENCHMARKS.md). A user's own
         * OMPI_MCA_pml, or a hostfile, keeps Open MPI's own choice. */
        if (ompi && !o->hostfile && !getenv("OMPI_MCA_pml")) {
            cm_strlist_push(argv, "--mca");
            cm_strlist_push(argv, "pml");
            cm_strlist_push(argv, "ob1");
        }
        cm_strlist_push(argv, ompi ? "-np" : "-n");
        cm_strlist_push(argv, n);
        if (o->hostfile) {
            cm_strlist_push(argv, ompi ? "--hostfile" : "-f");
            snprintf(path, sizeof(path), "%s/hostfile", c->view);
            cm_strlist_push(argv, path);
        }
    }
    snprintf(path, sizeof(path), "%s/bin/mpi", c->view);
    cm_strlist_push(argv, path);
}

static int compile(struct ctx *c, const char *compiler, const char *src, const char *out, int with_prof,
                   char **diag, int *ok)
{
    struct cm_strlist argv;
    cm_strlist_init(&argv);
    cm_strlist_push(&argv, compiler);
    cm_strlist_push(&argv, "-O2");
    /* Loops start on 64-byte boundaries in every build (the sequential, the MPI, the expert's):
     * where a short hot loop happens to lie otherwise moves its speed by up to 2x on some CPUs
     * (a loop straddling a 32-byte line), which is noise in a speedup, not the program's doing.
     * The caller's --cflags come after, so -falign-loops=N there wins. */
    cm_strlist_push(&argv, "-falign-loops=64");
    if (c->o->cflags) cm_strlist_split_ws(&argv, c->o->cflags);
    cm_strlist_push(&argv, "-o");
    cm_strlist_push(&argv, out);
    cm_strlist_push(&argv, src);
    if (with_prof) cm_strlist_push(&argv, "src/chatmpi_pmpi.c");
    cm_strlist_push(&argv, "-lm");
    cm_strlist_push_owned(&argv, NULL);
    struct sandbox_spec spec = {c->work, "", argv.items, NULL, 1, NULL, c->o->lim};
    spec.lim.wall_s = 120;
    spec.lim.out_cap = 1u << 20;
    struct sandbox_result res;
    int rc = sandbox_run(&res, &spec);
    argv.n--;
    if (rc == 0) {
        char *outp = cm_path_join(c->work, out);
        *ok = res.end == SANDBOX_EXITED && res.exit_code == 0 && cm_is_file(outp);
        free(outp);
        struct cm_buf d;
        cm_buf_init(&d);
        cm_buf_append(&d, res.out.data, res.out.len);
        cm_buf_append(&d, res.err.data, res.err.len);
        if (res.end == SANDBOX_TIMEOUT) cm_buf_printf(&d, "\n%s: compilation timed out after 120 s\n", compiler);
        *diag = d.len ? cm_buf_detach(&d) : NULL;
        cm_buf_release(&d);
    }
    sandbox_result_release(&res);
    cm_strlist_release(&argv);
    return rc;
}

static int setup_work(struct ctx *c, const char *seq_path, const char *mpi_path)
{
    char *seq = NULL, *mpi = NULL;
    size_t seq_len = 0, mpi_len = 0;
    char *peer = NULL;
    size_t peer_len = 0;
    int rc = cm_read_file(&seq, &seq_len, seq_path, SOURCE_MAX);
    if (!rc) rc = cm_read_file(&mpi, &mpi_len, mpi_path, SOURCE_MAX);
    if (!rc && c->o->peer_path) rc = cm_read_file(&peer, &peer_len, c->o->peer_path, SOURCE_MAX);
    if (rc) {
        rc = CM_EINVAL; /* a missing input file is the user's to fix */
        goto done;
    }
    if ((rc = cm_make_temp_dir(&c->work, "chatmpi-check-"))) goto done;
    chmod(c->work, 0755);
    const char *dirs[] = {"src", "bin"};
    for (int i = 0; i < 2; i++) {
        char *d = cm_path_join(c->work, dirs[i]);
        int e = mkdir(d, 0755);
        free(d);
        if (e) {
            rc = cm_error_set(CM_EIO, "cannot create the work directory: %s", strerror(errno));
            goto done;
        }
    }
    struct {
        const char *name;
        const char *data;
        size_t len;
    } files[] = {{"src/seq.c", seq, seq_len},
                 {"src/mpi.c", mpi, mpi_len},
                 {"src/empty.c", empty_mpi_src, sizeof(empty_mpi_src) - 1},
                 {"src/chatmpi_pmpi.c", NULL, 0},
                 {"src/peer.c", peer, peer_len}};
    files[3].data = prof_profiler_source(&files[3].len);
    size_t n_files = sizeof(files) / sizeof(files[0]) - !peer;
    for (size_t i = 0; i < n_files && !rc; i++) {
        char *p = cm_path_join(c->work, files[i].name);
        rc = cm_write_file_atomic(p, files[i].data, files[i].len);
        free(p);
    }
    if (!rc && c->o->hostfile) {
        char *hf = NULL;
        size_t n = 0;
        char *p = cm_path_join(c->work, "hostfile");
        rc = cm_read_file(&hf, &n, c->o->hostfile, 1u << 20);
        if (!rc) rc = cm_write_file_atomic(p, hf, n);
        free(hf);
        free(p);
    }
done:
    free(seq);
    free(mpi);
    free(peer);
    return rc;
}

static void add_run(struct check_report *rep, const struct check_run *r)
{
    rep->runs = cm_realloc(rep->runs, (rep->n_runs + 1) * sizeof(*rep->runs));
    rep->runs[rep->n_runs++] = *r;
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Fills r's verdict from a finished MPI run compared with the reference outputs. */
static void judge(struct ctx *c, struct check_run *r, const struct sandbox_result *res,
                  const struct sandbox_spec *spec, const struct cm_buf *ref_out, const struct cm_buf *ref_err)
{
    r->wall_s = res->wall_s;
    r->out_truncated = res->end == SANDBOX_OUTPUT_LIMIT;
    if (res->end != SANDBOX_EXITED || res->exit_code != 0) {
        r->verdict = res->end == SANDBOX_TIMEOUT ? VERDICT_TIMEOUT : VERDICT_RUNTIME_ERROR;
        sandbox_describe_end(res, spec, r->detail, sizeof(r->detail));
        r->stderr_tail = tail_lines(&res->err, 8);
        return;
    }
    if (res->abort_seen) { /* a launcher can exit 0 after reporting a rank killed by a signal */
        r->verdict = VERDICT_RUNTIME_ERROR;
        snprintf(r->detail, sizeof(r->detail), "the launcher reported a failed rank (exit status 0)");
        r->stderr_tail = tail_lines(&res->err, 8);
        return;
    }
    struct cmp_result cr;
    int same = 1;
    const struct check_opts *o = c->o;
    if (o->compare != COMPARE_STDERR)
        same = cmp_outputs(&cr, res->out.data ? res->out.data : "", res->out.len, ref_out->data ? ref_out->data : "",
                           ref_out->len, o->rtol, o->atol);
    if (same && o->compare != COMPARE_STDOUT)
        same = cmp_outputs(&cr, res->err.data ? res->err.data : "", res->err.len, ref_err->data ? ref_err->data : "",
                           ref_err->len, o->rtol, o->atol);
    if (same) {
        r->verdict = VERDICT_PASS;
        return;
    }
    r->verdict = VERDICT_WRONG_OUTPUT;
    cmp_describe(&cr, r->detail, sizeof(r->detail));
    /* the commonest wrong MPI program: every rank prints what rank 0 should print alone */
    if (cr.why == CMP_TOO_MANY && r->np > 1 && cr.n_want && cr.n_got == (size_t)r->np * cr.n_want) {
        size_t n = strlen(r->detail);
        snprintf(r->detail + n, sizeof(r->detail) - n, "; %ld times the expected output: every rank printed it",
                 r->np);
    }
    r->stderr_tail = tail_lines(&res->err, 4);
}

/* The run cache's key of a check run (runcache.h): everything that can change the run but the
 * work directory's path and the time limit (a cached run is used only when it took less than
 * half the limit in force). np 0 is the sequential program. */
static void run_key(struct ctx *c, struct cm_buf *k, long np, const char *args)
{
    const struct sandbox_limits *l = &c->o->lim;
    cm_buf_puts(k, "chatmpi run key 1\n");
    if (np == 0) {
        cm_buf_printf(k, "program seq %s\n", c->seq_id);
    } else {
        struct cm_strlist a;
        cm_strlist_init(&a);
        launcher_argv(c, np, &a);
        cm_buf_printf(k, "program mpi %s\nlauncher", c->mpi_id);
        for (size_t i = 0; i + 1 < a.n; i++) cm_buf_printf(k, " %s", a.items[i]); /* the last: bin/mpi */
        cm_buf_printf(k, "\nmpi %s (%s)\n", c->rep->env.mpi_impl, c->rep->env.mpi_version);
        cm_strlist_release(&a);
    }
    cm_buf_printf(k, "args %s\nsandbox %d\nlimits cpu=%.17g mem=%llu fsize=%llu nproc=%ld out=%zu err=%zu\n", args,
                  (int)sandbox_mode(), l->cpu_s, l->mem_bytes, l->fsize_bytes, l->nproc, l->out_cap, l->err_cap);
    struct cm_strlist env;
    cm_strlist_init(&env);
    sandbox_env_passed(&env);
    for (size_t i = 0; i < env.n; i++) cm_buf_printf(k, "env %s\n", env.items[i]);
    cm_strlist_release(&env);
}

/* Looks a check run up in the run cache: 1 and *res filled, or 0 (then key holds the key). */
static int cache_get(struct ctx *c, struct cm_buf *key, long np, const char *args, double timeout,
                     struct sandbox_result *res)
{
    run_key(c, key, np, args);
    if (runcache_get(c->o->run_cache, key->data, res)) {
        if (res->wall_s < timeout / 2) {
            c->rep->cache_hits++;
            return 1;
        }
        sandbox_result_release(res); /* too close to today's limit to vouch for it */
    }
    c->rep->cache_misses++;
    return 0;
}

/* Stores a run that was launched; the first failure to write is reported, the check goes on. */
static void cache_put(struct ctx *c, const struct cm_buf *key, const struct sandbox_result *res)
{
    if (runcache_put(c->o->run_cache, key->data, res) && !c->cache_warned) {
        fprintf(stderr, "chatmpi: run cache: %s (runs go on uncached)\n", cm_error_message());
        c->cache_warned = 1;
    }
    cm_error_clear();
}

/* Runs the sequential program for one size set: twice, to catch nondeterminism. */
static int reference_run(struct ctx *c, const char *args, struct cm_buf *out, struct cm_buf *err, double timeout,
                         double *wall)
{
    char bin[4200];
    snprintf(bin, sizeof(bin), "%s/bin/seq", c->view);
    struct sandbox_result res[2];
    struct sandbox_spec spec = {c->work, "run", NULL, NULL, 0, NULL, c->o->lim};
    spec.lim.wall_s = timeout;
    struct cm_buf key;
    cm_buf_init(&key);
    int keyed = c->seq_keyed && !wall; /* timed runs are never cached */
    int hit = keyed && cache_get(c, &key, 0, args, timeout, &res[0]);
    int rc = 0, n = hit ? 0 : wall ? 1 : 2;
    for (int k = 0; k < n && !rc; k++) {
        struct cm_strlist argv;
        cm_strlist_init(&argv);
        cm_strlist_push(&argv, bin);
        rc = run_in_sandbox(c, &argv, args, timeout, &res[k], NULL, 0, NULL);
        cm_strlist_release(&argv);
        if (rc) {
            if (k == 1) sandbox_result_release(&res[0]);
            cm_buf_release(&key);
            return rc;
        }
    }
    char d[300];
    struct cm_buf msg;
    cm_buf_init(&msg);
    int nondet = 0;
    if (res[0].end != SANDBOX_EXITED || res[0].exit_code != 0) {
        sandbox_describe_end(&res[0], &spec, d, sizeof(d));
        cm_buf_printf(&msg, "the sequential program failed with args \"%s\": %s", args, d);
        char *t = tail_lines(&res[0].err, 4);
        if (t) cm_buf_printf(&msg, "\n%s", t);
        free(t);
    } else if (res[0].out.len == 0 && res[0].err.len == 0) {
        cm_buf_printf(&msg, "the sequential program printed nothing with args \"%s\"", args);
    } else if (n == 2) {
        struct cmp_result cr;
        if (!cmp_outputs(&cr, res[1].out.data ? res[1].out.data : "", res[1].out.len,
                         res[0].out.data ? res[0].out.data : "", res[0].out.len, 0, 0)) {
            nondet = 1;
            cmp_describe(&cr, d, sizeof(d));
            cm_buf_printf(&msg, "the sequential program is not deterministic with args \"%s\": two runs differ at %s",
                          args, d);
        }
    }
    /* a nondeterministic program is not stored: the next check runs it twice again */
    if (keyed && !hit && !nondet) cache_put(c, &key, &res[0]);
    cm_buf_release(&key);
    if (msg.len) c->rep->seq_error = cm_buf_detach(&msg);
    cm_buf_release(&msg);
    *out = res[0].out, *err = res[0].err;
    cm_buf_init(&res[0].out), cm_buf_init(&res[0].err);
    if (wall) *wall = res[0].wall_s;
    for (int k = 0; k < n; k++) sandbox_result_release(&res[k]);
    return 0;
}

/* The launcher line of the program at np with bin/mpi replaced by bin/NAME. */
static void launcher_argv_for(struct ctx *c, long np, const char *name, struct cm_strlist *l)
{
    launcher_argv(c, np, l);
    char *path = cm_malloc(strlen(c->view) + strlen(name) + 6);
    sprintf(path, "%s/bin/%s", c->view, name);
    free(l->items[l->n - 1]);
    l->items[l->n - 1] = path;
}

/* A run of bin/mpi (or bin/BIN, the peer's: never cached) at np, judged against ref_out/err. */
static int mpi_run(struct ctx *c, long np, int args_index, const char *args, double timeout,
                   const struct cm_buf *ref_out, const struct cm_buf *ref_err, int want_prof, struct check_run *r,
                   const char *bin)
{
    struct cm_strlist argv;
    cm_strlist_init(&argv);
    launcher_argv_for(c, np, bin ? bin : "mpi", &argv);
    struct sandbox_result res;
    memset(r, 0, sizeof(*r));
    r->args_index = args_index;
    r->np = np;
    struct cm_buf key;
    cm_buf_init(&key);
    int keyed = c->mpi_keyed && !bin && !want_prof && args_index >= 0; /* profiled and bench runs are launched */
    int rc = 0;
    if (keyed && cache_get(c, &key, np, args, timeout, &res)) {
        r->cached = 1;
    } else {
        rc = run_in_sandbox(c, &argv, args, timeout, &res, want_prof ? &r->prof : NULL, np, &r->has_profile);
        if (!rc && keyed) cache_put(c, &key, &res);
    }
    cm_buf_release(&key);
    if (!rc) {
        struct sandbox_spec spec = {c->work, "run", NULL, NULL, 0, NULL, c->o->lim};
        spec.lim.wall_s = timeout;
        judge(c, r, &res, &spec, ref_out, ref_err);
        sandbox_result_release(&res);
    }
    cm_strlist_release(&argv);
    return rc;
}

/* One timed run of `argv` (a launcher line or the sequential binary): its wall time, and
 * whether it exited 0. */
static int time_once(struct ctx *c, const struct cm_strlist *argv, const char *args, double timeout, double *t,
                     int *ok)
{
    struct cm_strlist a;
    cm_strlist_init(&a);
    for (size_t i = 0; i < argv->n; i++) cm_strlist_push(&a, argv->items[i]);
    struct sandbox_result res;
    int rc = run_in_sandbox(c, &a, args, timeout, &res, NULL, 0, NULL);
    cm_strlist_release(&a);
    if (rc) return rc;
    *ok = res.end == SANDBOX_EXITED && res.exit_code == 0;
    *t = res.wall_s;
    sandbox_result_release(&res);
    return 0;
}

/* Times `argv` `runs` times; returns the median. */
static int timed_runs(struct ctx *c, struct cm_strlist *argv, const char *args, double timeout, double *med,
                      int *all_ok)
{
    double t[64];
    int n = c->o->runs < 64 ? c->o->runs : 64;
    *all_ok = 1;
    for (int k = 0; k < n; k++) {
        int ok;
        int rc = time_once(c, argv, args, timeout, &t[k], &ok);
        if (rc) return rc;
        *all_ok &= ok;
    }
    *med = median(t, n);
    return 0;
}

/* Times the program and the peer (opts.peer_path) at one rank count, taking turns run by run
 * (the program first in even rounds, the peer first in odd ones), so that both meet the same
 * moments of a shared machine; medians of each. */
static int timed_pair(struct ctx *c, struct cm_strlist *mine, struct cm_strlist *peer, const char *args,
                      double timeout, double *med, int *ok, double *peer_med, int *peer_ok)
{
    double t[64], u[64];
    int n = c->o->runs < 64 ? c->o->runs : 64;
    *ok = *peer_ok = 1;
    for (int k = 0; k < n; k++) {
        for (int turn = 0; turn < 2; turn++) {
            int is_peer = turn != (k & 1), good;
            int rc = time_once(c, is_peer ? peer : mine, args, timeout, is_peer ? &u[k] : &t[k], &good);
            if (rc) return rc;
            if (is_peer)
                *peer_ok &= good;
            else
                *ok &= good;
        }
    }
    *med = median(t, n);
    *peer_med = median(u, n);
    return 0;
}

/* The peer's run at the bench size and np, judged against the sequential program's output:
 * 1 when it passed, else 0 with rep->peer_error set (once). */
static int peer_passes(struct ctx *c, long np, double timeout, int *passed)
{
    struct check_run r;
    int rc = mpi_run(c, np, -1, c->o->bench_args, timeout, &c->bench_out, &c->bench_err, 0, &r, "peer");
    if (rc) return rc;
    *passed = r.verdict == VERDICT_PASS;
    if (!*passed && !c->rep->peer_error) {
        struct cm_buf m;
        cm_buf_init(&m);
        cm_buf_printf(&m, "the peer program did not pass at np=%ld with the bench args: %s: %s", np,
                      check_verdict_name(r.verdict), r.detail);
        c->rep->peer_error = cm_buf_detach(&m);
        cm_buf_release(&m);
    }
    free(r.stderr_tail);
    return 0;
}

static int bench(struct ctx *c)
{
    const struct check_opts *o = c->o;
    struct check_report *rep = c->rep;
    int rc = 0, ok;
    double seq_t = 0;
    progress(c, "timing the sequential program (%s)", o->bench_args);
    double first_timeout = o->timeout_s > 600 ? o->timeout_s : 600;
    if ((rc = reference_run(c, o->bench_args, &c->bench_out, &c->bench_err, first_timeout, &seq_t))) return rc;
    if (rep->seq_error) return 0;
    double timeout = o->timeout_s > 5 * seq_t + 10 ? o->timeout_s : 5 * seq_t + 10;
    char bin[4200];
    snprintf(bin, sizeof(bin), "%s/bin/seq", c->view);
    struct cm_strlist argv;
    cm_strlist_init(&argv);
    cm_strlist_push(&argv, bin);
    rep->perf = cm_calloc(o->n_np + 1, sizeof(*rep->perf));
    rep->n_perf = 1;
    rep->perf_runs = o->runs;
    rc = timed_runs(c, &argv, o->bench_args, timeout, &rep->perf[0].median_s, &ok);
    cm_strlist_release(&argv);
    if (rc) return rc;
    rep->perf[0].time_s = rep->perf[0].median_s;
    rep->perf[0].speedup = rep->perf[0].efficiency = 1;
    rep->perf[0].ok = 1;
    rep->perf[0].peer_median_s = rep->perf[0].peer_time_s = rep->perf[0].median_s;
    rep->perf[0].peer_speedup = 1;
    rep->perf[0].peer_ok = c->peer_built;
    for (size_t i = 0; i < o->n_np && !rc; i++) {
        long np = o->np[i];
        struct check_run r;
        progress(c, "timing the MPI program (%s) at np=%ld", o->bench_args, np);
        if ((rc = mpi_run(c, np, -1, o->bench_args, timeout, &c->bench_out, &c->bench_err, o->profile, &r, NULL)))
            break;
        add_run(rep, &r);
        struct check_perf *p = &rep->perf[rep->n_perf++];
        p->np = np;
        p->oversubscribed = o->launcher != LAUNCHER_SRUN && !o->hostfile && np > rep->env.cores_physical;
        if (r.verdict != VERDICT_PASS) {
            if (o->fail_fast) { /* the rank counts left are not run */
                rep->not_run = o->n_np - 1 - i;
                break;
            }
            continue; /* no timing for a wrong or failed program */
        }
        int with_peer = 0;
        if (c->peer_built && (rc = peer_passes(c, np, timeout, &with_peer))) break;
        struct cm_strlist l, lp;
        cm_strlist_init(&l);
        cm_strlist_init(&lp);
        launcher_argv(c, np, &l);
        double med, over, peer_med = 0;
        int ok2 = 1, peer_ok = 0;
        if (with_peer) {
            launcher_argv_for(c, np, "peer", &lp);
            rc = timed_pair(c, &l, &lp, o->bench_args, timeout, &med, &ok, &peer_med, &peer_ok);
        } else {
            rc = timed_runs(c, &l, o->bench_args, timeout, &med, &ok);
        }
        cm_strlist_release(&l);
        cm_strlist_release(&lp);
        cm_strlist_init(&l);
        launcher_argv_for(c, np, "emp", &l);
        if (!rc) rc = timed_runs(c, &l, NULL, 30, &over, &ok2);
        cm_strlist_release(&l);
        if (rc) break;
        p->ok = ok && ok2;
        p->median_s = med;
        p->overhead_s = over;
        p->time_s = med - over > 1e-6 ? med - over : 1e-6;
        p->speedup = rep->perf[0].time_s / p->time_s;
        p->efficiency = p->speedup / (double)np;
        if (with_peer) {
            p->peer_ok = peer_ok && ok2;
            p->peer_median_s = peer_med;
            p->peer_time_s = peer_med - over > 1e-6 ? peer_med - over : 1e-6;
            p->peer_speedup = rep->perf[0].time_s / p->peer_time_s;
        }
    }
    return rc;
}

/* Calls that move data between ranks without the profiler counting them (one-sided
 * communication, neighbourhood collectives, the non-blocking collectives it does not wrap,
 * MPI-IO): a program naming one of these is never called serial. */
static int uncounted_communication(const char *src)
{
    static const char *const exact[] = {"MPI_Put", "MPI_Rput", "MPI_Get", "MPI_Rget", "MPI_Accumulate",
                                        "MPI_Raccumulate", "MPI_Get_accumulate", "MPI_Rget_accumulate",
                                        "MPI_Fetch_and_op", "MPI_Compare_and_swap", "MPI_Igather", "MPI_Igatherv",
                                        "MPI_Iscatter", "MPI_Iscatterv", "MPI_Iallgather", "MPI_Iallgatherv",
                                        "MPI_Ialltoall", "MPI_Ialltoallv", "MPI_Ialltoallw", "MPI_Alltoallw",
                                        "MPI_Ireduce_scatter", "MPI_Ireduce_scatter_block", "MPI_Iscan",
                                        "MPI_Iexscan", "MPI_Mrecv", "MPI_Imrecv", NULL};
    static const char *const prefix[] = {"MPI_Neighbor_", "MPI_Ineighbor_", "MPI_File_", NULL};
    for (const char *p = src; (p = strstr(p, "MPI_"));) {
        if (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
            p += 4;
            continue;
        }
        size_t n = 4;
        while (isalnum((unsigned char)p[n]) || p[n] == '_') n++;
        for (int i = 0; exact[i]; i++)
            if (strlen(exact[i]) == n && !memcmp(p, exact[i], n)) return 1;
        for (int i = 0; prefix[i]; i++)
            if (n > strlen(prefix[i]) && !memcmp(p, prefix[i], strlen(prefix[i]))) return 1;
        p += n;
    }
    return 0;
}

/* A correct program whose ranks exchanged no byte at the bench size at any rank count above
 * 1 (the PMPI profile of the timed runs: no message, no collective data) cannot have split
 * the work: the other ranks gave rank 0 nothing, so rank 0 computed everything it printed.
 * Only the bench size counts: at a check size smaller than the rank count a parallel program
 * may rightly have nothing to send. Unknown (0) without a profiled bench run, or when the
 * program names a call the profiler does not count. */
static int moves_no_data(const struct check_report *rep, const char *mpi_path)
{
    int profiled = 0;
    for (size_t i = 0; i < rep->n_runs; i++) {
        const struct check_run *r = &rep->runs[i];
        if (r->args_index != -1 || r->np < 2 || !r->has_profile) continue;
        if (r->prof.total_bytes || r->prof.total_msgs) return 0;
        profiled = 1;
    }
    if (!profiled) return 0;
    char *src = NULL;
    if (cm_read_file(&src, NULL, mpi_path, 64 << 20)) {
        cm_error_clear();
        return 0;
    }
    int serial = !uncounted_communication(src);
    free(src);
    return serial;
}

/* The compiler's first line that says error (its first line when none does), or NULL when it
 * printed nothing. Caller frees. */
static char *first_error(const char *diag)
{
    if (!diag || !*diag) return NULL;
    const char *e = strstr(diag, "error");
    const char *l = e ? e : diag;
    while (l > diag && l[-1] != '\n') l--;
    return cm_strndup(l, strcspn(l, "\n"));
}

int harness_check(struct check_report *rep, const char *seq_path, const char *mpi_path, const struct check_opts *o)
{
    memset(rep, 0, sizeof(*rep));
    /* the report outlives the caller's options: keep a copy with owned strings */
    rep->own_opts = *o;
    cm_strlist_init(&rep->own_opts.args);
    for (size_t i = 0; i < o->args.n; i++) cm_strlist_push(&rep->own_opts.args, o->args.items[i]);
    const char **strs[] = {&rep->own_opts.bench_args, &rep->own_opts.hostfile, &rep->own_opts.cflags,
                           &rep->own_opts.mpicc, &rep->own_opts.mpirun, &rep->own_opts.run_cache,
                           &rep->own_opts.peer_path};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (*strs[i]) *strs[i] = cm_strdup(*strs[i]);
    rep->opts = o = &rep->own_opts;
    rep->seq_path = cm_strdup(seq_path);
    rep->mpi_path = cm_strdup(mpi_path);
    struct ctx c = {o, rep, NULL, NULL, NULL, NULL, {0}, {0}, 0, 0, {0}, {0}, 0, 0, 0, 0};
    cm_buf_init(&c.bench_out), cm_buf_init(&c.bench_err);
    size_t n_args = o->args.n ? o->args.n : 1;
    int rc = sandbox_init();
    if (rc) return rc;
    check_env_detect(&rep->env, check_launcher_cmd(o));
    /* a signal during the launcher's --version cuts its output short: that is an interrupt,
     * not a missing launcher */
    if (sandbox_interrupted()) return cm_error_set(CM_EENV, "interrupted");
    if (!strcmp(rep->env.mpi_version, "unknown") && o->launcher != LAUNCHER_SRUN) {
        cm_error_set(CM_EENV, "no MPI launcher found: '%s --version' did not run", rep->env.launcher);
        cm_error_hint("install Open MPI (apt-get install openmpi-bin libopenmpi-dev) or run 'sh scripts/setup.sh'");
        return CM_EENV;
    }
    if ((rc = setup_work(&c, seq_path, mpi_path))) goto done;
    c.view = sandbox_view(c.work);
    c.steps = o->seq_only ? 1 + n_args
                          : 3 + n_args * (1 + o->n_np) + (o->bench_args ? 1 + o->n_np + !!o->peer_path : 0);

    int seq_ok = 0, mpi_ok = 0, empty_ok = 0;
    progress(&c, "building the sequential program");
    if ((rc = compile(&c, "cc", "src/seq.c", "bin/seq", 0, &rep->seq_diag, &seq_ok))) goto done;
    const char *mpicc = o->mpicc ? o->mpicc : "mpicc";
    if (!o->seq_only) {
        progress(&c, "building the MPI program");
        if ((rc = compile(&c, mpicc, "src/mpi.c", "bin/mpi", o->profile, &rep->mpi_diag, &mpi_ok))) goto done;
    }
    if (o->bench_args && !o->seq_only) {
        char *d = NULL;
        progress(&c, "building the empty MPI program");
        if ((rc = compile(&c, mpicc, "src/empty.c", "bin/emp", 0, &d, &empty_ok))) goto done;
        if (!empty_ok) {
            rc = cm_error_set(CM_EENV, "'%s' cannot build an empty MPI program:\n%s", mpicc, d ? d : "");
            free(d);
            goto done;
        }
        free(d);
        d = NULL;
        if (o->peer_path) {
            progress(&c, "building the peer program");
            if ((rc = compile(&c, mpicc, "src/peer.c", "bin/peer", 0, &d, &c.peer_built))) goto done;
            if (!c.peer_built) {
                char *why = first_error(d);
                struct cm_buf m;
                cm_buf_init(&m);
                cm_buf_printf(&m, "the peer program does not build%s%s", why ? ": " : "", why ? why : "");
                rep->peer_error = cm_buf_detach(&m);
                cm_buf_release(&m);
                free(why);
            }
            free(d);
        }
    }
    if (!seq_ok) {
        struct cm_buf m;
        cm_buf_init(&m);
        /* the compiler saw the user's file as src/seq.c: name it as the user does */
        static const char as_built[] = "src/seq.c:";
        cm_buf_puts(&m, "the sequential program does not build:\n");
        for (const char *d = rep->seq_diag ? rep->seq_diag : "", *hit; *d; d = hit + sizeof(as_built) - 1) {
            if (!(hit = strstr(d, as_built))) {
                cm_buf_puts(&m, d);
                break;
            }
            cm_buf_append(&m, d, (size_t)(hit - d));
            cm_buf_printf(&m, "%s:", seq_path);
        }
        rep->seq_error = cm_buf_detach(&m);
        rep->outcome = CHECK_SEQ_ERROR;
        goto done;
    }
    if (!mpi_ok && !o->seq_only) {
        /* one BUILD_FAIL verdict per run that could not happen */
        char first[256] = "the MPI program does not build";
        char *why = first_error(rep->mpi_diag);
        if (why) snprintf(first, sizeof(first), "%s", why);
        free(why);
        for (size_t a = 0; a < n_args; a++)
            for (size_t i = 0; i < o->n_np; i++) {
                struct check_run r = {(int)a, o->np[i], VERDICT_BUILD_FAIL};
                snprintf(r.detail, sizeof(r.detail), "%s", first);
                add_run(rep, &r);
            }
        rep->outcome = CHECK_BUILD_FAIL;
        goto done;
    }

    if (o->run_cache) {
        char *p = cm_path_join(c.work, "bin/seq");
        c.seq_keyed = runcache_image_id(c.seq_id, p) == 0;
        free(p);
        /* a hostfile's or a scheduler's nodes are not part of the key: such runs are launched */
        if (!o->seq_only && !o->hostfile && o->launcher != LAUNCHER_SRUN) {
            p = cm_path_join(c.work, "bin/mpi");
            c.mpi_keyed = runcache_image_id(c.mpi_id, p) == 0;
            free(p);
        }
    }
    c.ref_out = cm_calloc(n_args, sizeof(struct cm_buf));
    c.ref_err = cm_calloc(n_args, sizeof(struct cm_buf));
    for (size_t a = 0; a < n_args && !rc; a++) {
        const char *args = o->args.n ? o->args.items[a] : "";
        progress(&c, "running the sequential program (args \"%s\")", args);
        if ((rc = reference_run(&c, args, &c.ref_out[a], &c.ref_err[a], o->timeout_s, NULL))) goto done;
        if (rep->seq_error) {
            rep->outcome = CHECK_SEQ_ERROR;
            goto done;
        }
        for (size_t i = 0; i < o->n_np && !o->seq_only; i++) {
            struct check_run r;
            progress(&c, "running the MPI program (args \"%s\") at np=%ld", args, o->np[i]);
            rc = mpi_run(&c, o->np[i], (int)a, args, o->timeout_s, &c.ref_out[a], &c.ref_err[a],
                         o->profile && a == 0, &r, NULL);
            if (rc) goto done;
            add_run(rep, &r);
            if (o->fail_fast && r.verdict != VERDICT_PASS) {
                rep->not_run = n_args * o->n_np - rep->n_runs;
                rep->outcome = CHECK_INCORRECT;
                goto done;
            }
        }
    }
    if (o->bench_args && !o->seq_only && (rc = bench(&c)) == 0 && rep->seq_error) {
        rep->outcome = CHECK_SEQ_ERROR;
        goto done;
    }
    if (rc) goto done;
    rep->outcome = CHECK_CORRECT;
    for (size_t i = 0; i < rep->n_runs; i++)
        if (rep->runs[i].verdict != VERDICT_PASS) rep->outcome = CHECK_INCORRECT;
    if (rep->outcome == CHECK_CORRECT && moves_no_data(rep, mpi_path)) rep->outcome = CHECK_SERIAL;
done:
    if (o->progress && c.steps) fprintf(stderr, "\r\033[K");
    for (size_t a = 0; c.ref_out && a < n_args; a++) cm_buf_release(&c.ref_out[a]), cm_buf_release(&c.ref_err[a]);
    free(c.ref_out);
    free(c.ref_err);
    cm_buf_release(&c.bench_out);
    cm_buf_release(&c.bench_err);
    if (c.work) {
        if (o->keep) {
            rep->workdir = c.work;
        } else {
            cm_remove_tree(c.work);
            free(c.work);
        }
    }
    return rc;
}

void check_report_release(struct check_report *rep)
{
    free(rep->seq_path);
    free(rep->mpi_path);
    free(rep->seq_diag);
    free(rep->mpi_diag);
    free(rep->seq_error);
    free(rep->peer_error);
    for (size_t i = 0; i < rep->n_runs; i++) {
        free(rep->runs[i].stderr_tail);
        if (rep->runs[i].has_profile) prof_run_release(&rep->runs[i].prof);
    }
    free(rep->runs);
    free(rep->perf);
    free(rep->workdir);
    cm_strlist_release(&rep->own_opts.args);
    char *strs[] = {(char *)rep->own_opts.bench_args, (char *)rep->own_opts.hostfile, (char *)rep->own_opts.cflags,
                    (char *)rep->own_opts.mpicc, (char *)rep->own_opts.mpirun, (char *)rep->own_opts.run_cache};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) free(strs[i]);
    memset(rep, 0, sizeof(*rep));
}

int harness_check_sequential(struct check_report *rep, const char *seq_path, const struct check_opts *o)
{
    struct check_opts so = *o;
    so.seq_only = 1, so.bench_args = NULL, so.profile = 0;
    return harness_check(rep, seq_path, seq_path, &so);
}
