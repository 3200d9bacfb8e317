/* main.c — chatmpi's entry point: one command table, dispatch, and the top-level
 * usage errors. Each command lives in cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opt.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        cmd_help(1, (char *[]){"help", NULL});
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) return cmd_help(1, (char *[]){"help", NULL});
    if (!strcmp(name, "--version")) return cmd_version(1, (char *[]){"version", NULL});
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name)) {
            cli_tune_runtime(argv, !strcmp(name, "train"));
            return c->fn(argc - 1, argv + 1);
        }

    const struct cli_command *best = NULL;
    size_t bd = 3;
    for (const struct cli_command *c = cli_commands; c->name; c++) {
        size_t d = opt_edit_distance(name, c->name);
        if (d < bd) bd = d, best = c;
    }
    fprintf(stderr, "chatmpi: unknown command '%s'\n", name);
    if (best)
        fprintf(stderr, "hint: did you mean 'chatmpi %s'? see 'chatmpi help'\n", best->name);
    else
        fprintf(stderr, "hint: see 'chatmpi help' for the list of commands\n");
    return EXIT_USAGE;
}
