/* loop_args.h — the candidate loop's options, shared by run, verify and test: worked
 * examples, repair rounds, budgets (src/loop/loop.h). */
#ifndef CM_CLI_LOOP_ARGS_H
#define CM_CLI_LOOP_ARGS_H

#include "core/buf.h"
#include "loop/loop.h"

struct loop_args {
    long examples, repair, budget_tokens;
    double budget_seconds;
    struct cm_strlist examples_from;
    struct example_pool pool;
};

/* The option table entries, in a command's opt_spec array. */
#define LOOP_ARGS_SPECS(la)                                                                                     \
    {OPT_INT, "examples", 'e', "K", "worked examples in the prompt, most similar verified pairs (default 0)",    \
     &(la).examples, 0, 16},                                                                                    \
        {OPT_STR_LIST, "examples-from", 0, "FILE", "examples from this dataset (default data/train.json and "     \
                                                   "data/refine.json beside chatmpi)",                           \
         &(la).examples_from},                                                                                  \
        {OPT_INT, "repair", 'R', "R", "repair rounds per failed candidate: the check's diagnosis goes back to "  \
                                      "the model (default 0)",                                                  \
         &(la).repair, 0, 16},                                                                                  \
        {OPT_INT, "budget-tokens", 0, "N", "stop drawing answers after N generated tokens in all", &(la).budget_tokens,\
         0, 1L << 40},                                                                                          \
        {OPT_DOUBLE, "budget-seconds", 0, "S", "stop drawing answers after S seconds", &(la).budget_seconds, 0, 0, 0, \
         1e9}

void loop_args_init(struct loop_args *la);
void loop_args_release(struct loop_args *la);
/* Fills o's examples, repair and budgets, loading the example pool when examples are asked
 * for (a message naming cmd and an exit code on failure). */
int loop_args_apply(struct loop_args *la, struct loop_opts *o, const char *cmd);

#endif
