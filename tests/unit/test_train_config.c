/* train config: ChatHPC's defaults, JSON and YAML files, unknown keys warned, wrong types
 * refused with the file (and line), environment and flag precedence, combination checks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "train/config.h"

static char *write_tmp(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof(path), "/tmp/chatmpi-test-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    return path;
}

Test(train_config, chathpc_defaults)
{
    struct train_config c;
    train_config_init(&c);
    cr_assert_eq(c.lora_r, 16);
    cr_assert_float_eq(c.lora_alpha, 16, 0);
    cr_assert_float_eq(c.lora_dropout, 0.05, 1e-12);
    cr_assert_str_eq(c.lora_targets, "q,k,v,o");
    cr_assert_float_eq(c.learning_rate, 3e-4, 1e-12);
    cr_assert_eq(c.warmup_steps, 100);
    cr_assert_eq(c.steps, 400);
    cr_assert_eq(c.batch_size, 128);
    cr_assert_str_eq(c.loss, "all");
    cr_assert_null(c.data_file);
    train_config_release(&c);
}

Test(train_config, json_file_and_unknown_keys)
{
    char *p = write_tmp("a.json", "{\"data_file\": \"d.json\", \"base_model_path\": \"m.gguf\", \"finetuned_model_path\": "
                                  "\"out.gguf\", \"prompt_template\": \"chathpc\", \"learning_rate\": 1e-4, "
                                  "\"steps\": 10, \"epochs\": 3}");
    struct train_config c;
    struct cm_strlist w;
    cm_strlist_init(&w);
    train_config_init(&c);
    cr_assert_eq(train_config_load(&c, p, &w), 0, "%s", cm_error_message());
    cr_assert_str_eq(c.data_file, "d.json");
    cr_assert_float_eq(c.learning_rate, 1e-4, 1e-15);
    cr_assert_eq(c.steps, 10);
    cr_assert_eq(w.n, 1);
    cr_assert(strstr(w.items[0], "unknown key 'epochs'"));
    cr_assert_eq(train_config_validate(&c), 0, "%s", cm_error_message());
    cm_strlist_release(&w);
    train_config_release(&c);
    remove(p);
}

Test(train_config, wrong_types_and_syntax)
{
    struct train_config c;
    train_config_init(&c);
    char *p = write_tmp("b.json", "{\"steps\": \"many\"}");
    cr_assert_neq(train_config_load(&c, p, NULL), 0);
    cr_assert(strstr(cm_error_message(), "'steps' must be an integer"), "%s", cm_error_message());
    p = write_tmp("c.json", "{\n  \"steps\": 3,\n  oops\n}");
    cr_assert_neq(train_config_load(&c, p, NULL), 0);
    cr_assert(strstr(cm_error_message(), "c.json:3:"), "%s", cm_error_message());
    p = write_tmp("d.yaml", "steps: 5\nlearning_rate: fast\n");
    cr_assert_neq(train_config_load(&c, p, NULL), 0);
    cr_assert(strstr(cm_error_message(), "d.yaml:2: 'learning_rate' must be a non-negative number"), "%s",
              cm_error_message());
    train_config_release(&c);
}

Test(train_config, yaml_env_and_flag_precedence)
{
    char *p = write_tmp("e.yaml", "data_file: recs.yaml\ninit: dim=64,layers=2,heads=4,ffn=128,ctx=256\n"
                                  "tokenizer: tok.gguf\nfinetuned_model_path: m.gguf\nprompt_template_file: t.txt\n"
                                  "learning_rate: 0.001\nfull: true\n");
    struct train_config c;
    train_config_init(&c);
    cr_assert_eq(train_config_load(&c, p, NULL), 0, "%s", cm_error_message());
    cr_assert(c.full);
    cr_assert_float_eq(c.learning_rate, 1e-3, 1e-15);
    setenv("CHATMPI_LEARNING_RATE", "0.002", 1);
    cr_assert_eq(train_config_apply_env(&c), 0);
    cr_assert_float_eq(c.learning_rate, 2e-3, 1e-15);
    unsetenv("CHATMPI_LEARNING_RATE");
    cr_assert_eq(train_config_set(&c, "learning_rate", "0.003", "--learning-rate"), 0);
    cr_assert_float_eq(c.learning_rate, 3e-3, 1e-15);
    cr_assert_eq(train_config_validate(&c), 0, "%s", cm_error_message());
    cr_assert_neq(train_config_set(&c, "learning_rat", "1", "--set"), 0);
    train_config_release(&c);
    remove(p);
}

Test(train_config, combinations)
{
    struct train_config c;
    train_config_init(&c);
    cr_assert_neq(train_config_validate(&c), 0); /* no data */
    train_config_set(&c, "data_file", "d", "t");
    train_config_set(&c, "base_model_path", "b", "t");
    train_config_set(&c, "finetuned_model_path", "o", "t");
    cr_assert_neq(train_config_validate(&c), 0); /* no template */
    cr_assert(strstr(cm_error_message(), "exactly one of prompt_template"));
    train_config_set(&c, "prompt_template", "chathpc", "t");
    train_config_set(&c, "prompt_template_file", "x", "t");
    cr_assert_neq(train_config_validate(&c), 0); /* both */
    train_config_release(&c);
    train_config_init(&c);
    train_config_set(&c, "data_file", "d", "t");
    train_config_set(&c, "base_model_path", "b", "t");
    train_config_set(&c, "finetuned_model_path", "o", "t");
    train_config_set(&c, "prompt_template", "chathpc", "t");
    train_config_set(&c, "micro_batch", "5", "t");
    cr_assert_neq(train_config_validate(&c), 0); /* 128 % 5 */
    cr_assert(strstr(cm_error_message(), "not a multiple of micro_batch"));
    train_config_release(&c);
}
