/* loop_args.h — the candidate loop's options, shared by run, verify and test: worked
 * examples, repair rounds, budgets (src/loop/loop.h); and where the model is: the local
 * GGUF, or an OpenAI-compatible endpoint (--endpoint, lm_open_remote). */
#ifndef CM_CLI_LOOP_ARGS_H
#define CM_CLI_LOOP_ARGS_H

#include "core/buf.h"
#include "loop/loop.h"

struct loop_args {
    long examples, repair, budget_tokens;
    int repair_quote, mark_loops, frame, no_frame;
    double repair_temperature;
    double budget_seconds;
    struct cm_strlist examples_from;
    struct example_pool pool;
    const char *answer_prefix; /* as given (escapes \\n, \\t, \\\\ unread); NULL: the default */
    char *prefix;              /* the prefix in use, escapes read (owned) */
    char *recipe;              /* --mark-loops' template path (owned) */
    const char *reuse;         /* --reuse-answers DIR: answers saved by an earlier run */
    const char *endpoint, *api_model, *api_key_env;
    double api_timeout;
    int api_stream;
};

/* --mark-loops: the program as the model gets it, src (read from src_path) with the loops to
 * split marked (harness/hotloops.h), profiled with args (may be NULL). NULL when not asked, and
 * when the profile fails (a warning on stderr says why; the model then reads the program as it
 * is). The caller frees it. */
char *loop_args_mark(const struct loop_args *la, const char *src_path, const char *src, const char *args,
                     const char *cmd);

/* The prompt of --mark-loops: the replicated-data recipe with one worked exchange whose
 * program is marked the same way (scripts/recipe_template.sh writes it). */
#define LOOP_ARGS_RECIPE "data/prompts/chatml-recipe.tmpl"
/* Whether chatmpi writes the MPI frame (--frame), decided once the model is known and before
 * anything reads la->frame: as given by --frame or --no-frame (both: EXIT_USAGE, the message
 * naming cmd); otherwise on for a local pretrained chat model (model_path is a GGUF whose
 * tokenizer.chat_template is a known chat template: chatml, codellama) when nothing asked for
 * another prompt (--template, --mark-loops, --examples K > 0, --answer-prefix, --endpoint), off
 * for chatmpi's own chathpc models, and when the command is not given programs (programs 0: the
 * interactive chat). When verbose, a default turned on is said on stderr. */
int loop_args_frame_default(struct loop_args *la, const char *model_path, const char *template_given, int programs,
                            int verbose, const char *cmd);
/* The prompt of --frame: a plain system text; the questions carry the frame's rules. */
#define LOOP_ARGS_FRAME "data/prompts/chatml-frame.tmpl"
/* The template to use: given (--template) when there is one; with --mark-loops and a local
 * model, LOOP_ARGS_RECIPE (LOOP_ARGS_FRAME with --frame) beside the chatmpi binary or here (NULL, with a warning naming cmd,
 * when neither has it: the model's own template). */
const char *loop_args_template(struct loop_args *la, const char *given, const char *cmd);

/* The option table entries, in a command's opt_spec array. */
#define LOOP_ARGS_SPECS(la)                                                                                     \
    {OPT_INT, "examples", 'e', "K", "worked examples in the prompt, most similar verified pairs (default 1 for a " \
                                    "pretrained chat model, 0 for chatmpi's chathpc models)",                  \
     &(la).examples, 0, 16},                                                                                    \
        {OPT_STR_LIST, "examples-from", 0, "FILE", "examples from this dataset (default data/train.json and "     \
                                                   "data/refine.json beside chatmpi)",                           \
         &(la).examples_from},                                                                                  \
        {OPT_INT, "repair", 'R', "R", "repair rounds per failed candidate: the check's diagnosis goes back to "  \
                                      "the model (default 0)",                                                  \
         &(la).repair, 0, 16},                                                                                  \
        {OPT_DOUBLE, "repair-temperature", 0, "T", "sample repair rounds at temperature T (default: as their "    \
                                                    "candidate, greedy for the first)",                           \
         &(la).repair_temperature, 0, 0, 0, 2},                                                                 \
        {OPT_FLAG, "repair-quote", 0, NULL, "a repair quotes the failing program, its faulty lines marked (default: "  \
                                            "the question asked afresh with the diagnosis)",                     \
         &(la).repair_quote},                                                                                   \
        {OPT_STR, "answer-prefix", 0, "TEXT", "begin each answer (not a --repair-quote repair) with TEXT, which the model continues (\\n, \\t " \
                                              "read; default for a pretrained chat model: a ```c block and "      \
                                              "#include <mpi.h>; \"\" for none; local models only)",           \
         &(la).answer_prefix},                                                                                  \
        {OPT_FLAG, "mark-loops", 0, NULL, "profile the sequential program (gcov), mark the loops to split in the " \
                                          "program the model reads (chatmpi data hotloops); default template "    \
                                          LOOP_ARGS_RECIPE ", no corpus examples",                              \
         &(la).mark_loops},                                                                                     \
        {OPT_FLAG, "frame", 0, NULL, "chatmpi writes the MPI frame (set-up, rank-0 output, share and gather "        \
                                     "helpers) and the model rewrites each marked loop, one question a loop "   \
                                     "(implies --mark-loops; template " LOOP_ARGS_FRAME "; the default for a "    \
                                     "pretrained chat model read locally)",                    \
         &(la).frame},                                                                                          \
        {OPT_FLAG, "no-frame", 0, NULL, "ask a pretrained chat model for the whole program (--frame is their "     \
                                        "default)",                                                              \
         &(la).no_frame},                                                                                       \
        {OPT_STR, "reuse-answers", 0, "DIR", "take the answers an earlier --save-answers kept in DIR (same model " \
                                             "and options) instead of asking the model again; the rounds it lacks " \
                                             "are generated (e.g. a repair round after a first run)",            \
         &(la).reuse},                                                                                          \
        {OPT_INT, "budget-tokens", 0, "N", "stop drawing answers after N generated tokens in all", &(la).budget_tokens,\
         0, 1L << 40},                                                                                          \
        {OPT_DOUBLE, "budget-seconds", 0, "S", "stop drawing answers after S seconds", &(la).budget_seconds, 0, 0, 0, \
         1e9},                                                                                                  \
        {OPT_STR, "endpoint", 0, "URL", "use the model of an OpenAI-compatible server at URL (e.g. "             \
                                        "http://gpu-node:8000/v1) instead of a local GGUF",                    \
         &(la).endpoint},                                                                                       \
        {OPT_STR, "api-model", 0, "NAME", "with --endpoint: the server's model (default: the first it lists)",     \
         &(la).api_model},                                                                                      \
        {OPT_STR, "api-key-env", 0, "VAR", "with --endpoint: the environment variable holding the API key "        \
                                           "(default: no key)",                                                 \
         &(la).api_key_env},                                                                                    \
        {OPT_DOUBLE, "api-timeout", 0, "SECONDS", "with --endpoint: each request's limit (default 600)",          \
         &(la).api_timeout, 0, 0, 0.1, 86400},                                                                  \
        {OPT_FLAG, "api-stream", 0, NULL, "with --endpoint: stream answers (the timeout then bounds a silence)",    \
         &(la).api_stream}

void loop_args_init(struct loop_args *la);
void loop_args_release(struct loop_args *la);
/* Fills o's examples, repair, budgets and reused answers (given: loop_reuse_answer in --reuse-answers
 * DIR itself, run's layout; test and verify point given_ctx at DIR/<case id> each case), loading the example pool when examples are asked
 * for (a message naming cmd and an exit code on failure). Without --examples the count is
 * left for loop_args_model (la->examples < 0 until then). */
int loop_args_apply(struct loop_args *la, struct loop_opts *o, const char *cmd);
/* Once the model is open: the default example count for it (1 for a pretrained chat model,
 * 0 for a chathpc one; measured in docs/default-model.md), its pool loaded; the answer prefix
 * (LOOP_ANSWER_PREFIX for a local pretrained chat model unless --answer-prefix says otherwise;
 * a note on stderr when a model that cannot continue one was given one). */
int loop_args_model(struct loop_args *la, struct loop_opts *o, const struct lm *m, const char *cmd);
/* Opens the model: the endpoint's with --endpoint (saying on stderr that -m, --lora and
 * --template are not used when they were given: model_given says -m was), else the local
 * GGUF ao->model_path (a message with a hint when there is none). ao's sampling, max_tokens
 * and stops go to either. *out is the caller's (lm_close). Returns an exit code, the message
 * printed. */
int loop_args_open_lm(const struct loop_args *la, struct lm **out, const struct assistant_opts *ao, int model_given,
                      const char *cmd);

#endif
