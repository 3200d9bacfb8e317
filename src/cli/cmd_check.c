/* cmd_check.c — `chatmpi check SEQ.c MPI.c`: the verification harness from the command line.
 * Parses options into check_opts, runs harness_check, prints the human report and, with
 * --json, writes the JSON report. Exit: 0 correct, 1 incorrect or MPI build failure,
 * 2 usage error or a broken sequential program, 3 environment error. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "harness/harness.h"

static const char check_details[] =
    "Builds SEQ.c with cc and MPI.c with mpicc (-O2, libm), runs the sequential program and the MPI\n"
    "program at every rank count for every --args size set inside a sandbox, and compares their\n"
    "outputs token by token: numbers must agree within |a-b| <= atol + rtol*|b|, other tokens exactly.\n"
    "Verdicts per run: PASS, WRONG_OUTPUT, RUNTIME_ERROR, TIMEOUT, BUILD_FAIL. The program is correct\n"
    "only when every run passes. With --bench-args it also reports median wall times, speedup and\n"
    "parallel efficiency (the launcher's start-up is measured with an empty MPI program and\n"
    "subtracted) and the PMPI communication profile at every rank count.\n\n"
    "With --run-cache DIR, a check run that an executable with the same image (the code and data the\n"
    "loader maps, not symbol names) made before with the same arguments, ranks and limits is taken\n"
    "from DIR instead of being launched; timed and profiled runs are always launched.\n\n"
    "exit status: 0 correct, 1 incorrect or the MPI program does not build, 2 usage error or a\n"
    "sequential program that fails, prints nothing or is not deterministic, 3 environment error.\n\n"
    "example:\n"
    "  chatmpi check dot.c dot_mpi.c --args 10 --args 7 --bench-args 20000000 --json report.json";

int cmd_check(int argc, char **argv)
{
    struct check_opts o;
    check_opts_init(&o);
    struct opt_ints np = {{1, 2, 3, 4}, 4};
    long runs = 3, mem_mib = 4096, out_mib = 16;
    double timeout = 10;
    const char *launcher = "mpirun", *compare = "stdout", *json = NULL;
    int keep = 0, no_profile = 0, no_isolation = 0, quiet = 0;
    const struct opt_spec specs[] = {
        {OPT_INT_LIST, "np", 0, "N,N,...", "rank counts to run (default 1,2,3,4)", &np, 1, 1024},
        {OPT_STR_LIST, "args", 'a', "\"ARGS\"", "a check size set: argv for both programs", &o.args},
        {OPT_STR, "bench-args", 'b', "\"ARGS\"", "argv for timing (about a second sequentially)", &o.bench_args},
        {OPT_INT, "runs", 'r', NULL, "timed repetitions, median reported (default 3)", &runs, 1, 64},
        {OPT_STR, "peer", 0, "PEER.c", "with --bench-args: time another MPI version beside MPI.c, taking turns run by run",
         &o.peer_path},
        {OPT_DOUBLE, "rtol", 0, NULL, "relative tolerance for numbers (default 1e-6)", &o.rtol, 0, 0, 0, 1},
        {OPT_DOUBLE, "atol", 0, NULL, "absolute tolerance for numbers (default 1e-9)", &o.atol, 0, 0, 0, 1e300},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "wall-clock limit of each check run (default 10)", &timeout, 0, 0,
         0.1, 86400},
        {OPT_STR, "launcher", 0, "NAME", "mpirun (default), mpiexec or srun", &launcher},
        {OPT_STR, "mpicc", 0, "CMD", "MPI compiler (default mpicc; e.g. mpicc.mpich)", &o.mpicc},
        {OPT_STR, "mpirun", 0, "CMD", "launcher command (default: the --launcher name)", &o.mpirun},
        {OPT_STR, "hostfile", 0, "FILE", "hostfile for the launcher (runs across nodes)", &o.hostfile},
        {OPT_STR, "compare", 0, "WHAT", "stdout (default), stderr or both", &compare},
        {OPT_STR, "cflags", 0, "\"FLAGS\"", "extra flags for both compilers", &o.cflags},
        {OPT_STR, "json", 'j', "FILE", "write the full report as JSON ('-' for stdout)", &json},
        {OPT_FLAG, "keep", 'k', NULL, "keep the work directory for inspection", &keep},
        {OPT_FLAG, "no-profile", 0, NULL, "do not link the PMPI communication profiler", &no_profile},
        {OPT_FLAG, "no-isolation", 0, NULL, "run without namespaces (process group and rlimits only)",
         &no_isolation},
        {OPT_INT, "mem-limit", 0, "MIB", "address-space limit per process (default 4096)", &mem_mib, 64, 1 << 20},
        {OPT_INT, "output-cap", 0, "MIB", "stdout beyond this kills the run (default 16)", &out_mib, 1, 4096},
        {OPT_STR, "run-cache", 0, "DIR", "reuse runs of the same executable image from DIR (created)",
         &o.run_cache},
        {OPT_FLAG, "fail-fast", 0, NULL, "stop checking a program at its first failing run (the rest not made, no timing)", &o.fail_fast},
        {OPT_FLAG, "quiet", 'q', NULL, "no progress lines on stderr", &quiet},
        {0},
    };
    const struct opt_cmd cmd = {"check", "[options] SEQ.c MPI.c",
                                "Verify an MPI program against its sequential original: correctness at every rank "
                                "count,\nspeed, and communication.",
                                check_details, 2, 2, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct check_report rep = {0};
    int ran = 0, rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc == OPT_HELP) {
        rc = EXIT_OK;
        goto done;
    }
    if (rc != OPT_OK) goto done;

    rc = EXIT_USAGE;
    if (!strcmp(launcher, "mpirun")) o.launcher = LAUNCHER_MPIRUN;
    else if (!strcmp(launcher, "mpiexec")) o.launcher = LAUNCHER_MPIEXEC;
    else if (!strcmp(launcher, "srun")) o.launcher = LAUNCHER_SRUN;
    else {
        fprintf(stderr, "chatmpi check: unknown launcher '%s'\nhint: use mpirun, mpiexec or srun\n", launcher);
        goto done;
    }
    if (!strcmp(compare, "stdout")) o.compare = COMPARE_STDOUT;
    else if (!strcmp(compare, "stderr")) o.compare = COMPARE_STDERR;
    else if (!strcmp(compare, "both")) o.compare = COMPARE_BOTH;
    else {
        fprintf(stderr, "chatmpi check: unknown --compare value '%s'\nhint: use stdout, stderr or both\n", compare);
        goto done;
    }
    if (o.hostfile && access(o.hostfile, R_OK) != 0) {
        fprintf(stderr, "chatmpi check: cannot read hostfile '%s'\n", o.hostfile);
        goto done;
    }
    for (size_t i = 0; i < pos.n; i++)
        if (access(pos.items[i], R_OK) != 0) {
            fprintf(stderr, "chatmpi check: cannot read '%s'\nhint: usage: chatmpi check [options] SEQ.c MPI.c\n",
                    pos.items[i]);
            goto done;
        }
    if (o.peer_path && !o.bench_args) {
        fprintf(stderr, "chatmpi check: --peer times a program beside MPI.c: it needs --bench-args\n");
        goto done;
    }
    if (o.peer_path && access(o.peer_path, R_OK) != 0) {
        fprintf(stderr, "chatmpi check: cannot read the peer '%s'\n", o.peer_path);
        goto done;
    }
    if (cli_check_output("check", "--json", json, 0) || cli_check_output("check", "--run-cache", o.run_cache, 1))
        goto done;
    memcpy(o.np, np.v, np.n * sizeof(np.v[0]));
    o.n_np = np.n;
    o.runs = (int)runs;
    o.timeout_s = timeout;
    o.keep = keep;
    o.profile = !no_profile;
    o.progress = !quiet && isatty(2);
    o.lim.mem_bytes = (unsigned long long)mem_mib << 20;
    o.lim.out_cap = (size_t)out_mib << 20;
    /* multi-node runs need the real network; srun's ranks are started by slurmd, outside any
     * namespace of ours, and srun must reach slurmctld */
    if (no_isolation) sandbox_force_plain("isolation turned off (--no-isolation)");
    else if (o.hostfile) sandbox_force_plain("--hostfile: ranks may run on other nodes");
    else if (o.launcher == LAUNCHER_SRUN) sandbox_force_plain("srun: slurmd starts the ranks, outside the sandbox");

    sandbox_catch_signals();
    int err = harness_check(&rep, pos.items[0], pos.items[1], &o);
    ran = 1;
    if (err) {
        rc = cli_report_error(err);
        goto done;
    }
    check_report_print(&rep, stdout);
    fflush(stdout);
    if (json && (err = check_report_write_json(&rep, json)) != 0) {
        rc = cli_report_error(err);
        goto done;
    }
    rc = rep.outcome == CHECK_CORRECT ? EXIT_OK : rep.outcome == CHECK_SEQ_ERROR ? EXIT_USAGE : EXIT_FAILED;
done:
    if (ran) check_report_release(&rep);
    cm_strlist_release(&pos);
    check_opts_release(&o);
    return rc;
}
