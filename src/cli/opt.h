/* opt.h — one option table per command: the same table parses argv, prints --help and
 * reports usage errors (libgit2's cli_opt_spec, git parse-options). No if-chains over argv.
 *
 * Values are written through the spec's `value` pointer, typed by `kind`:
 *   OPT_FLAG       int*              set to 1
 *   OPT_STR        const char**      borrowed from argv
 *   OPT_STR_LIST   struct cm_strlist* each occurrence appended (repeatable option)
 *   OPT_INT        long*             checked against [min, max]
 *   OPT_DOUBLE     double*           finite, checked against [dmin, dmax]
 *   OPT_INT_LIST   struct opt_ints*  comma-separated integers in [min, max], e.g. --np 1,2,3,4
 */
#ifndef CM_OPT_H
#define CM_OPT_H

#include <stddef.h>

#include "core/buf.h"

enum opt_kind { OPT_END = 0, OPT_FLAG, OPT_STR, OPT_STR_LIST, OPT_INT, OPT_DOUBLE, OPT_INT_LIST };

struct opt_ints {
    long v[64];
    size_t n;
};

struct opt_spec {
    enum opt_kind kind;
    const char *name; /* long name, without "--" */
    char short_name;  /* 0 = none */
    const char *metavar;
    const char *help;
    void *value;
    long min, max;     /* OPT_INT, OPT_INT_LIST (both 0 = no bounds) */
    double dmin, dmax; /* OPT_DOUBLE (both 0 = no bounds) */
};

struct opt_cmd {
    const char *name;    /* "check"; "" for the top level */
    const char *usage;   /* after the command name: "[options] SEQ.c MPI.c" */
    const char *summary; /* one line */
    const char *details; /* paragraphs printed after the options; may be NULL */
    int min_pos, max_pos; /* positional argument count bounds; max_pos < 0 = unbounded */
    const struct opt_spec *opts; /* terminated by kind == OPT_END */
};

/* OPT_USAGE equals the usage exit code; OPT_HELP equals no exit code, so a command can map it
 * to 0 at its end without hiding an exit status of 1. */
enum { OPT_OK = 0, OPT_USAGE = 2, OPT_HELP = 100 };

/* Parses argv[1..argc-1] (argv[0] is the command name). Positionals are appended to pos.
 * Returns OPT_OK, OPT_HELP (help printed to stdout: exit 0) or OPT_USAGE (a one-line
 * error and a hint printed to stderr: exit 2). `-h` and `--help` are always accepted. */
int opt_parse(const struct opt_cmd *cmd, int argc, char **argv, struct cm_strlist *pos);
void opt_print_help(const struct opt_cmd *cmd, FILE *f);
/* Edit distance, for "did you mean" hints. */
size_t opt_edit_distance(const char *a, const char *b);

#endif
