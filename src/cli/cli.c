/* cli.c — shared CLI helpers (see cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"

int cli_report_error(int rc)
{
    const char *msg = cm_error_message(), *hint = cm_error_hint_text();
    fprintf(stderr, "chatmpi: %s\n", *msg ? msg : "unknown error");
    if (*hint) fprintf(stderr, "hint: %s\n", hint);
    return rc == CM_EINVAL ? EXIT_USAGE : EXIT_ENV;
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
