/* harness.h — `chatmpi check`: does an MPI program do what its sequential original does, at
 * every rank count and size set, and how fast? (the program contract in ARCHITECTURE.md)
 *
 * harness_check builds both programs in a fresh work directory, runs the sequential program
 * (twice per size set, to catch nondeterminism), runs the MPI program through the launcher at
 * every rank count in the sandbox, compares outputs (compare.h), and with bench arguments times
 * both (median of N runs, launcher start-up measured with an empty MPI program and subtracted)
 * and reads the PMPI communication profile. The report is filled in; printing is report.c's.
 * With opts.run_cache, a check run (not a timed or profiled one) made before by the same
 * executable image with the same arguments, ranks and limits is taken from there (runcache.h).
 */
#ifndef CM_HARNESS_H
#define CM_HARNESS_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "harness/compare.h"
#include "harness/profile.h"
#include "harness/sandbox.h"

enum check_verdict {
    VERDICT_PASS = 0,
    VERDICT_WRONG_OUTPUT,
    VERDICT_RUNTIME_ERROR,
    VERDICT_TIMEOUT,
    VERDICT_BUILD_FAIL,
};

enum check_outcome {
    CHECK_CORRECT = 0, /* PASS at every rank count and size set */
    CHECK_INCORRECT,   /* some run did not pass */
    CHECK_BUILD_FAIL,  /* the MPI program does not build */
    CHECK_SEQ_ERROR,   /* the sequential program broke the contract: nothing to compare with */
    CHECK_SERIAL,      /* PASS everywhere, but no data moved between ranks at any profiled rank
                        * count > 1: rank 0 computed the whole problem (harness.c) */
};

enum check_launcher { LAUNCHER_MPIRUN = 0, LAUNCHER_MPIEXEC, LAUNCHER_SRUN };
enum check_compare { COMPARE_STDOUT = 0, COMPARE_STDERR, COMPARE_BOTH };

struct check_opts {
    long np[64];
    size_t n_np;
    struct cm_strlist args;   /* check size sets, each a whitespace-separated argv string */
    const char *bench_args;   /* NULL: no timing */
    const char *peer_path;    /* with bench_args: another MPI version of the program (an expert's, a
                               * rival's), timed beside it, the two taking turns run by run at each rank
                               * count, against the same sequential time; checked at the bench size only */
    int runs;                 /* timed repetitions (median reported) */
    double rtol, atol;
    double timeout_s;         /* per check run; bench runs get max(this, 5 x seq time + 10) */
    enum check_launcher launcher;
    const char *hostfile;
    enum check_compare compare;
    const char *cflags;       /* extra flags for both compilers */
    const char *mpicc;        /* MPI compiler command (default "mpicc") */
    const char *mpirun;       /* launcher command (default: the launcher's name) */
    int keep;                 /* keep the work directory */
    int profile;              /* link the PMPI profiler */
    int seq_only;             /* only the sequential program: built, run twice a size set (CORRECT or SEQ_ERROR) */
    int progress;             /* progress lines on stderr */
    const char *run_cache;    /* directory of the memo of runs (runcache.h), or NULL: launch every run */
    int fail_fast;            /* stop at the first failing run: the rest not made, no timing
                               * (a loop needs the first failure only; a deadlock costs a timeout a run) */
    struct sandbox_limits lim;
};

struct check_run {
    int args_index;           /* index into opts.args; -1 for the bench size set */
    long np;
    enum check_verdict verdict;
    double wall_s;
    char detail[512];         /* first differing token, exit status, signal, timeout... */
    char *stderr_tail;        /* owned; last lines of stderr, or NULL */
    int out_truncated;
    int has_profile;
    struct prof_run prof;
    int cached;               /* taken from the run cache (opts.run_cache), not launched */
};

struct check_perf {
    long np;                  /* 0 = the sequential program */
    double median_s;          /* raw median wall time */
    double overhead_s;        /* launcher start-up (empty MPI program), subtracted */
    double time_s;            /* median_s - overhead_s */
    double speedup, efficiency;
    int oversubscribed;       /* ranks exceed physical cores: timing not meaningful */
    int ok;                   /* all timed runs exited 0 */
    /* with opts.peer_path: the peer's timing at this rank count, in turns with the program's */
    double peer_median_s, peer_time_s, peer_speedup;
    int peer_ok;              /* the peer passed at the bench size here and every timed run exited 0 */
};

struct check_env {
    char mpi_impl[32];        /* "Open MPI", "MPICH", "unknown" */
    char mpi_version[160];
    char cc_version[160];
    char launcher[16];
    int cores_physical, cores_logical;
    char isolation[320];
};

struct check_report {
    char *seq_path, *mpi_path;
    struct check_env env;
    char *seq_diag, *mpi_diag; /* compiler output (owned; may be NULL) */
    double build_s;
    char *seq_error;           /* CHECK_SEQ_ERROR: why */
    struct check_run *runs;
    size_t n_runs;
    struct check_perf *perf;   /* perf[0] is the sequential program */
    size_t n_perf;
    int perf_runs;
    enum check_outcome outcome;
    char *peer_error;          /* opts.peer_path: why the peer was not timed (build, wrong output), or NULL */
    char *workdir;             /* kept work directory (--keep), else NULL */
    size_t cache_hits;         /* runs taken from opts.run_cache, sequential ones included */
    size_t cache_misses;       /* runs looked up there and launched (then stored when they exited) */
    size_t not_run;            /* fail_fast: check runs left unmade after the first failure */
    const struct check_opts *opts; /* = &own_opts */
    struct check_opts own_opts;    /* a copy of the options the check ran with (owned strings) */
};

void check_opts_init(struct check_opts *o); /* defaults: np 1,2,3,4; rtol 1e-6; atol 1e-9; ... */
void check_opts_release(struct check_opts *o);

/* Runs the whole check. Returns 0 when a verdict was reached (any outcome), negative when the
 * harness itself could not work (no mpicc, unreadable file: message set). */
int harness_check(struct check_report *rep, const char *seq_path, const char *mpi_path,
                  const struct check_opts *o);
void check_report_release(struct check_report *rep);
/* The sequential program alone, before minutes of generation (run FILE.c, serve's parallelize
 * route): built and run twice at every size set of o (seq_only; its bench and profile
 * settings are not used). CORRECT, or SEQ_ERROR with why in rep->seq_error. */
int harness_check_sequential(struct check_report *rep, const char *seq_path, const struct check_opts *o);

const char *check_verdict_name(enum check_verdict v);
const char *check_outcome_name(enum check_outcome o);

/* Reports (report.c). */
void check_report_print(const struct check_report *rep, FILE *f);
int check_report_write_json(const struct check_report *rep, const char *path);
/* The report as a JSON object (jansson json_t *, returned as void * to keep jansson out of
 * this header); the caller owns the reference. */
void *check_report_to_json(const struct check_report *rep);

/* Environment facts (env.c). */
void check_env_detect(struct check_env *env, const char *launcher_cmd);
/* The launcher command in force: opts->mpirun, or "mpirun", "mpiexec" or "srun". */
const char *check_launcher_cmd(const struct check_opts *o);

/* Slurm, when srun launches (slurm.c). The job name of this process's srun steps. */
void check_slurm_job_name(char *buf, size_t n);
/* Polls squeue (up to max_s) until no job or step called name is left: 1 when none is,
 * 0 when some still are at the end or squeue cannot answer. */
int check_slurm_wait_released(const char *name, double max_s);

#endif
