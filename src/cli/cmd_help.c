/* cmd_help.c — `chatmpi help [COMMAND]`: the command list, or one command's --help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opt.h"

static const struct opt_spec help_opts[] = {{0}};
static const struct opt_cmd help_cmd = {
    "help", "[COMMAND]", "Show the list of commands, or the help of one command.", NULL, 0, 1, help_opts,
};

int cmd_help(int argc, char **argv)
{
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    int rc = opt_parse(&help_cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    if (pos.n == 1) {
        for (const struct cli_command *c = cli_commands; c->name; c++)
            if (!strcmp(c->name, pos.items[0])) {
                rc = c->fn(2, (char *[]){(char *)c->name, "--help", NULL});
                goto done;
            }
        fprintf(stderr, "chatmpi help: unknown command '%s'\nhint: see 'chatmpi help'\n", pos.items[0]);
        rc = EXIT_USAGE;
        goto done;
    }
    printf("usage: chatmpi <command> [options]\n\n"
           "chatmpi turns sequential C programs into MPI programs with a language model,\n"
           "and proves each answer by compiling and running it against the original.\n\n"
           "commands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++) printf("  %-12s %s\n", c->name, c->summary);
    printf("\n'chatmpi <command> --help' shows a command's options; 'chatmpi --version' the version.\n"
           "exit codes: 0 success, 1 the checked thing failed, 2 usage error, 3 environment or internal error\n");
done:
    cm_strlist_release(&pos);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
