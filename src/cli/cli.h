/* cli.h — the command table and the helpers every cmd_<name>.c shares.
 * Exit codes: 0 success, 1 the checked thing failed, 2 usage or bad input (an argument, a malformed
 * file), 3 environment or internal error (a missing file, no compiler or MPI). */
#ifndef CM_CLI_H
#define CM_CLI_H

#include <stddef.h>

#include "core/buf.h"

#define CHATMPI_VERSION "0.1.0"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_ENV = 3 };

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
};

extern const struct cli_command cli_commands[]; /* terminated by name == NULL */

/* Commands with subcommands (`data verify`, `tokenizer import`) dispatch through one table. */
struct cli_subcommand {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
};

/* Runs the subcommand named by argv[1]; with none, --help or an unknown name, prints the
 * usage of `chatmpi <cmd>` (what: a one-line description) and returns 0 or 2. */
int cli_dispatch(const char *cmd, const char *what, const struct cli_subcommand *subs, size_t n, int argc,
                 char **argv);

/* Prints the library error (cm_error_message, and its hint) as "chatmpi: <message>" and
 * returns the exit code for it: 2 for bad input (CM_EINVAL: an argument or a value; CM_EFORMAT:
 * a malformed file), 3 for everything else (a file that cannot be opened, the environment). */
int cli_report_error(int rc);
/* 0 when every --stop string is non-empty; else a message naming the command and EXIT_USAGE. */
int cli_check_stops(const char *cmd, const struct cm_strlist *stops);
/* 0 when the output path (NULL or "-" for none or stdout) can be written; else a message
 * naming the command and the option ("chatmpi run: -o: cannot write ...") and EXIT_USAGE.
 * Called before long work, so that its result is not lost at the end. */
int cli_check_output(const char *cmd, const char *opt, const char *path, int is_dir);
/* The model a command uses, in *out (owned by the caller): given (-m: a path or a fetched
 * base's name, assistant_resolve_model), else the default (assistant_default_model); with an
 * endpoint, given as it is (the server's model; not looked up). When the default falls back to
 * the embedded model because the default assistant's base is not fetched, and verbose, a line
 * on stderr says so and how to fetch it. EXIT_OK, or the reported error's exit code. */
int cli_model_path(char **out, const char *given, int endpoint, int verbose, const char *cmd);
/* Re-executes the process once with OpenBLAS's best kernels for this CPU (and, with
 * shared_cores, OpenMP workers and OpenBLAS threads that sleep when idle rather than spin)
 * when the environment does not choose them; see cli.c. */
void cli_tune_runtime(char **argv, int shared_cores);
/* One line on the threads and kernels the products run with ("2 OpenMP threads (sleeping when
 * idle), OpenBLAS Cooperlake kernels, 2 threads (idle: sleep after 2^8 cycles)"). */
void cli_runtime_describe(char *buf, size_t n);
/* After cli_tune_runtime made train's OpenMP workers sleep when idle (OMP_WAIT_POLICY=PASSIVE,
 * for OpenBLAS's threads' sake): executes chatmpi once more with them spinning, for bf16
 * training, which leaves OpenBLAS idle (its many short parallel regions run 1.2x faster so,
 * docs/BENCHMARKS.md). Does nothing when the user chose the policy, or it is spinning already. */
void cli_tune_spin(void);

int cmd_help(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_data_augment(int argc, char **argv); /* `data augment`, dispatched by cmd_data */
int cmd_info(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif
