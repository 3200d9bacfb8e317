/* cmd_version.c — `chatmpi version`: the version and what it was built with. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opt.h"

static const struct opt_spec version_opts[] = {{0}};
static const struct opt_cmd version_cmd = {
    "version", "", "Print chatmpi's version and the compiler it was built with.", NULL, 0, 0, version_opts,
};

int cmd_version(int argc, char **argv)
{
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    int rc = opt_parse(&version_cmd, argc, argv, &pos);
    cm_strlist_release(&pos);
    if (rc == OPT_HELP) return EXIT_OK;
    if (rc != OPT_OK) return rc;
#ifdef __VERSION__
    printf("chatmpi %s (built with %s)\n", CHATMPI_VERSION, __VERSION__);
#else
    printf("chatmpi %s\n", CHATMPI_VERSION);
#endif
    return EXIT_OK;
}
