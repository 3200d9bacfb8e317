/* cli.c — shared CLI helpers (see cli.h). */
#include <stdio.h>

#include "cli/cli.h"
#include "core/error.h"

int cli_report_error(int rc)
{
    const char *msg = cm_error_message(), *hint = cm_error_hint_text();
    fprintf(stderr, "chatmpi: %s\n", *msg ? msg : "unknown error");
    if (*hint) fprintf(stderr, "hint: %s\n", hint);
    return rc == CM_EINVAL ? EXIT_USAGE : EXIT_ENV;
}
