/* cli.h — the command table and the helpers every cmd_<name>.c shares.
 * Exit codes: 0 success, 1 the checked thing failed, 2 usage, 3 environment or internal error. */
#ifndef CM_CLI_H
#define CM_CLI_H

#define CHATMPI_VERSION "0.1.0"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_ENV = 3 };

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
};

extern const struct cli_command cli_commands[]; /* terminated by name == NULL */

/* Prints the library error (cm_error_message, and its hint) as "chatmpi: <message>" and
 * returns the exit code for it (usage errors 2, everything else 3). */
int cli_report_error(int rc);

int cmd_help(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_generate(int argc, char **argv);

#endif
