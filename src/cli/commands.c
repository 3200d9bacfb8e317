/* commands.c — the command table: every chatmpi command, with its one-line summary.
 * Kept apart from main.c so that tests can link every command. */
#include <stddef.h>

#include "cli/cli.h"

const struct cli_command cli_commands[] = {
    {"help", cmd_help, "show help for chatmpi or one command"},
    {"tokenize", cmd_tokenize, "encode text into token ids, or decode ids (tokenizer driver)"},
    {"version", cmd_version, "print chatmpi's version"},
    {NULL, NULL, NULL},
};
