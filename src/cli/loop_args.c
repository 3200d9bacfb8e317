/* loop_args.c — see loop_args.h. */
#include "cli/loop_args.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

void loop_args_init(struct loop_args *la)
{
    memset(la, 0, sizeof(*la));
    cm_strlist_init(&la->examples_from);
    example_pool_init(&la->pool);
}

void loop_args_release(struct loop_args *la)
{
    cm_strlist_release(&la->examples_from);
    example_pool_release(&la->pool);
}

int loop_args_apply(struct loop_args *la, struct loop_opts *o, const char *cmd)
{
    o->examples = (size_t)la->examples;
    o->repair = (size_t)la->repair;
    o->max_tokens = (size_t)la->budget_tokens;
    o->max_seconds = la->budget_seconds;
    o->pool = NULL;
    if (!la->examples) return EXIT_OK;
    int rc = 0;
    for (size_t i = 0; i < la->examples_from.n && !rc; i++) rc = example_pool_add_file(&la->pool, la->examples_from.items[i]);
    if (!rc && !la->examples_from.n) rc = example_pool_add_default(&la->pool);
    (void)cmd;
    if (rc) return cli_report_error(rc);
    o->pool = &la->pool;
    return EXIT_OK;
}
