/* config.c — the train configuration table and its readers (see config.h). */
#include "train/config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/error.h"
#include "core/mem.h"

enum key_type { KEY_STR, KEY_INT, KEY_REAL, KEY_BOOL };

struct key {
    const char *name;
    enum key_type type;
    size_t off;
    const char *def; /* default, as text; NULL = unset */
    const char *help;
};

#define F(x) offsetof(struct train_config, x)
static const struct key keys[] = {
    /* ChatHPC's keys and its hard-coded defaults */
    {"data_file", KEY_STR, F(data_file), NULL, "training records: ChatHPC JSON array, JSON Lines or YAML"},
    {"base_model_path", KEY_STR, F(base_model_path), NULL, "base model GGUF (LoRA or full fine-tuning)"},
    {"finetuned_model_path", KEY_STR, F(finetuned_model_path), NULL, "output: the adapter GGUF (LoRA) or model GGUF"},
    {"merged_model_path", KEY_STR, F(merged_model_path), NULL, "output: base with the adapter merged (optional)"},
    {"training_output_dir", KEY_STR, F(training_output_dir), "train-out", "checkpoints and the JSONL log"},
    {"max_training_tokens", KEY_INT, F(max_training_tokens), "2048", "records are truncated to this many tokens"},
    {"max_response_tokens", KEY_INT, F(max_response_tokens), "1024", "answer length limit when generating"},
    {"prompt_template", KEY_STR, F(prompt_template), NULL, "chathpc, chatml, codellama, a template file or the template text itself"},
    {"prompt_template_file", KEY_STR, F(prompt_template_file), NULL, "a template file ({{ question }} ...)"},
    {"lora_r", KEY_INT, F(lora_r), "16", "LoRA rank"},
    {"lora_alpha", KEY_REAL, F(lora_alpha), "16", "LoRA alpha (scale alpha/r)"},
    {"lora_dropout", KEY_REAL, F(lora_dropout), "0.05", "dropout on the LoRA input"},
    {"lora_targets", KEY_STR, F(lora_targets), "q,k,v,o", "modules with adapters: q,k,v,o[,gate,up,down]"},
    {"lora_layers", KEY_INT, F(lora_layers), "0",
     "adapters on the top N layers only (0: all); the layers below run once a record, not every step"},
    {"learning_rate", KEY_REAL, F(learning_rate), "3e-4", "peak learning rate"},
    {"warmup_steps", KEY_INT, F(warmup_steps), "100", "linear warmup steps"},
    {"steps", KEY_INT, F(steps), "400", "optimizer steps"},
    {"batch_size", KEY_INT, F(batch_size), "128", "effective batch in sequences (micro_batch x accumulation x ranks)"},
    /* chatmpi's keys */
    {"micro_batch", KEY_INT, F(micro_batch), "4", "sequences per forward/backward pass"},
    {"seq_len", KEY_INT, F(seq_len), "0", "packed sequence length in tokens (0: the model's context)"},
    {"loss", KEY_STR, F(loss), "all", "all (ChatHPC: the whole sequence) or answer (answer tokens only)"},
    {"schedule", KEY_STR, F(schedule), "cosine", "after warmup: cosine, linear or constant"},
    {"min_lr_ratio", KEY_REAL, F(min_lr_ratio), "0.1", "final learning rate / peak"},
    {"weight_decay", KEY_REAL, F(weight_decay), "0.0", "AdamW decoupled weight decay (not on norms)"},
    {"grad_clip", KEY_REAL, F(grad_clip), "1.0", "global gradient-norm clip (0: off)"},
    {"eval_file", KEY_STR, F(eval_file), NULL, "held-out records for the evaluation loss"},
    {"eval_every", KEY_INT, F(eval_every), "50", "steps between evaluation losses (0: only at the end)"},
    {"checkpoint_every", KEY_INT, F(checkpoint_every), "100", "steps between checkpoints (0: only at the end)"},
    {"init", KEY_STR, F(init), NULL, "train from scratch with this shape: dim=..,layers=..,heads=..,..."},
    {"tokenizer", KEY_STR, F(tokenizer), NULL, "tokenizer (GGUF or sentencepiece .model) for init"},
    {"full", KEY_BOOL, F(full), "false", "full fine-tuning instead of LoRA (implied by init)"},
    {"normalize_names", KEY_BOOL, F(normalize_names), "false",
     "rename the names each question's program declares to v1, v2, ... in its record (the model remembers it)"},
    {"shuffled_names", KEY_INT, F(shuffled_names), "0",
     "with normalize_names: each record this many more times, its v1, v2, ... dealt in a random order"},
    {"seed", KEY_INT, F(seed), "42", "random seed (initialization, shuffling, dropout)"},
    {"threads", KEY_INT, F(threads), "0", "OpenMP threads (0: all cores)"},
    {"matmul", KEY_STR, F(matmul), "f32", "the products: f32 (OpenBLAS sgemm) or bf16 (bf16 inputs, float sums; oneDNN)"},
};
#undef F

static const size_t n_keys = sizeof(keys) / sizeof(keys[0]);

static const struct key *find(const char *name)
{
    for (size_t i = 0; i < n_keys; i++)
        if (!strcmp(keys[i].name, name)) return &keys[i];
    return NULL;
}

static int parse_value(struct train_config *c, const struct key *k, const char *v, const char *origin)
{
    char *base = (char *)c + k->off, *end;
    errno = 0;
    switch (k->type) {
    case KEY_STR:
        free(*(char **)base);
        *(char **)base = cm_strdup(v);
        return 0;
    case KEY_INT: {
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < 0)
            return cm_error_set(CM_EINVAL, "%s: '%s' must be a non-negative integer, not '%s'", origin, k->name, v);
        *(long *)base = x;
        return 0;
    }
    case KEY_REAL: {
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x) || x < 0)
            return cm_error_set(CM_EINVAL, "%s: '%s' must be a non-negative number, not '%s'", origin, k->name, v);
        *(double *)base = x;
        return 0;
    }
    case KEY_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) *(int *)base = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) *(int *)base = 0;
        else return cm_error_set(CM_EINVAL, "%s: '%s' must be true or false, not '%s'", origin, k->name, v);
        return 0;
    }
    return 0;
}

void train_config_init(struct train_config *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n_keys; i++)
        if (keys[i].def) parse_value(c, &keys[i], keys[i].def, "default");
}

void train_config_release(struct train_config *c)
{
    for (size_t i = 0; i < n_keys; i++)
        if (keys[i].type == KEY_STR) free(*(char **)((char *)c + keys[i].off));
    memset(c, 0, sizeof(*c));
}

int train_config_set(struct train_config *c, const char *key, const char *value, const char *origin)
{
    const struct key *k = find(key);
    if (!k) return cm_error_set(CM_EINVAL, "%s: unknown key '%s'", origin, key);
    return parse_value(c, k, value, origin);
}

static void warn_unknown(struct cm_strlist *w, const char *path, const char *key)
{
    if (!w) return;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s: unknown key '%s' (ignored)", path, key);
    cm_strlist_push(w, buf);
}

static int load_json(struct train_config *c, const char *path, struct cm_strlist *warnings)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) return cm_error_set(CM_EFORMAT, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = cm_error_set(CM_EFORMAT, "%s: expected a JSON object of settings", path);
        goto done;
    }
    const char *name;
    json_t *v;
    json_object_foreach(root, name, v)
    {
        const struct key *k = find(name);
        if (!k) {
            warn_unknown(warnings, path, name);
            continue;
        }
        char text[64];
        const char *s = NULL;
        if (json_is_null(v)) continue;
        if (k->type == KEY_STR && json_is_string(v)) s = json_string_value(v);
        else if (k->type == KEY_INT && json_is_integer(v)) snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v)), s = text;
        else if (k->type == KEY_REAL && json_is_number(v)) snprintf(text, sizeof(text), "%.17g", json_number_value(v)), s = text;
        else if (k->type == KEY_BOOL && json_is_boolean(v)) s = json_is_true(v) ? "true" : "false";
        if (!s) {
            static const char *tn[] = {"a string", "an integer", "a number", "true or false"};
            rc = cm_error_set(CM_EFORMAT, "%s: '%s' must be %s", path, name, tn[k->type]);
            goto done;
        }
        if ((rc = parse_value(c, k, s, path))) goto done;
    }
done:
    json_decref(root);
    return rc;
}

static int load_yaml(struct train_config *c, const char *path, struct cm_strlist *warnings)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cm_error_set(CM_EIO, "cannot open '%s'", path);
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int rc = 0;
    if (!yaml_parser_load(&p, &doc)) {
        rc = cm_error_set(CM_EFORMAT, "%s:%zu:%zu: %s", path, p.problem_mark.line + 1, p.problem_mark.column + 1,
                          p.problem ? p.problem : "invalid YAML");
        goto out;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type != YAML_MAPPING_NODE) {
        rc = cm_error_set(CM_EFORMAT, "%s: expected a mapping of settings", path);
        goto doc;
    }
    for (yaml_node_pair_t *pr = root ? root->data.mapping.pairs.start : NULL; pr && pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *kn = yaml_document_get_node(&doc, pr->key), *vn = yaml_document_get_node(&doc, pr->value);
        if (!kn || kn->type != YAML_SCALAR_NODE) continue;
        const char *name = (const char *)kn->data.scalar.value;
        const struct key *k = find(name);
        if (!k) {
            warn_unknown(warnings, path, name);
            continue;
        }
        if (!vn || vn->type != YAML_SCALAR_NODE) {
            rc = cm_error_set(CM_EFORMAT, "%s:%zu: '%s' must be a single value", path, kn->start_mark.line + 1, name);
            goto doc;
        }
        const char *v = (const char *)vn->data.scalar.value;
        if (!strcmp(v, "null") || !strcmp(v, "~") || !*v) continue;
        char origin[600];
        snprintf(origin, sizeof(origin), "%s:%zu", path, vn->start_mark.line + 1);
        if ((rc = parse_value(c, k, v, origin))) goto doc;
    }
doc:
    yaml_document_delete(&doc);
out:
    yaml_parser_delete(&p);
    fclose(f);
    return rc;
}

int train_config_load(struct train_config *c, const char *path, struct cm_strlist *warnings)
{
    size_t n = strlen(path);
    if ((n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml")))
        return load_yaml(c, path, warnings);
    return load_json(c, path, warnings);
}

int train_config_apply_env(struct train_config *c)
{
    for (size_t i = 0; i < n_keys; i++) {
        char var[64];
        size_t j = snprintf(var, sizeof(var), "CHATMPI_");
        for (const char *p = keys[i].name; *p && j < sizeof(var) - 1; p++) var[j++] = (char)toupper((unsigned char)*p);
        var[j] = '\0';
        const char *v = getenv(var);
        if (v) {
            int rc = parse_value(c, &keys[i], v, var);
            if (rc) return rc;
        }
    }
    return 0;
}

int train_config_validate(const struct train_config *c)
{
    if (!c->data_file) return cm_error_set(CM_EINVAL, "no data_file: the training records are required");
    if (!!c->prompt_template == !!c->prompt_template_file) {
        cm_error_set(CM_EINVAL, "give exactly one of prompt_template and prompt_template_file");
        cm_error_hint("prompt_template: chathpc (ChatHPC's template), chatml, codellama, a file or the template text itself");
        return CM_EINVAL;
    }
    if (!c->base_model_path == !c->init) {
        cm_error_set(CM_EINVAL, "give exactly one of base_model_path (fine-tune a model) and init (train from scratch)");
        return CM_EINVAL;
    }
    if (c->init && !c->tokenizer) return cm_error_set(CM_EINVAL, "init (training from scratch) needs a tokenizer");
    if (!c->finetuned_model_path) return cm_error_set(CM_EINVAL, "no finetuned_model_path: where should the result go?");
    if (strcmp(c->matmul, "f32") && strcmp(c->matmul, "bf16"))
        return cm_error_set(CM_EINVAL, "matmul '%s' must be f32 or bf16", c->matmul);
    if (strcmp(c->loss, "all") && strcmp(c->loss, "answer"))
        return cm_error_set(CM_EINVAL, "loss '%s' must be all or answer", c->loss);
    if (strcmp(c->schedule, "cosine") && strcmp(c->schedule, "linear") && strcmp(c->schedule, "constant"))
        return cm_error_set(CM_EINVAL, "schedule '%s' must be cosine, linear or constant", c->schedule);
    if (c->lora_layers < 0 || c->lora_layers > 65535)
        return cm_error_set(CM_EINVAL, "lora_layers %ld: give 0 (every layer) or the number of top layers", c->lora_layers);
    if (!c->steps || !c->batch_size || !c->micro_batch || !c->lora_r)
        return cm_error_set(CM_EINVAL, "steps, batch_size, micro_batch and lora_r must be at least 1");
    if (c->batch_size % c->micro_batch)
        return cm_error_set(CM_EINVAL, "batch_size %ld is not a multiple of micro_batch %ld", c->batch_size, c->micro_batch);
    if (c->lora_dropout >= 1) return cm_error_set(CM_EINVAL, "lora_dropout must be below 1");
    return 0;
}

static void value_text(const struct train_config *c, const struct key *k, char *buf, size_t n)
{
    const char *base = (const char *)c + k->off;
    switch (k->type) {
    case KEY_STR: snprintf(buf, n, "%s", *(char *const *)base ? *(char *const *)base : "(unset)"); break;
    case KEY_INT: snprintf(buf, n, "%ld", *(const long *)base); break;
    case KEY_REAL: snprintf(buf, n, "%g", *(const double *)base); break;
    case KEY_BOOL: snprintf(buf, n, "%s", *(const int *)base ? "true" : "false"); break;
    }
}

void train_config_print(const struct train_config *c, FILE *f)
{
    for (size_t i = 0; i < n_keys; i++) {
        char v[512];
        value_text(c, &keys[i], v, sizeof(v));
        fprintf(f, "  %-22s = %s\n", keys[i].name, v);
    }
}

void train_config_print_reference(FILE *f)
{
    static const char *tn[] = {"text", "integer", "number", "bool"};
    for (size_t i = 0; i < n_keys; i++)
        fprintf(f, "  %-22s %-8s %-10s %s\n", keys[i].name, tn[keys[i].type], keys[i].def ? keys[i].def : "-",
                keys[i].help);
}
