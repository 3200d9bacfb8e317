/* assistant.c — question in, answer out (see assistant.h). */
#include "model/assistant.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/names.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "model/model.h"
#include "model/textgen.h"
#include "prompt/template.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"

struct assistant {
    struct assistant_opts o;
    struct llama_model *model;
    struct llama_state *state;
    struct tokenizer *tok;
    struct tmpl *tmpl;
    const char **stops; /* (n_stops) the user's stop strings, then the template's end-of-turn ones */
    size_t n_stops;
    int normalize; /* the model was trained on normalized names (corpus/names.h) */
};

char *assistant_default_model(void)
{
    const char *env = getenv("CHATMPI_MODEL");
    if (env && *env) return cm_strdup(env);
    char *dir = cm_exe_dir();
    char *p = cm_path_join(dir ? dir : ".", "models/default.gguf");
    free(dir);
    return p;
}

static int poll_interrupted(void *ctx, int32_t token)
{
    (void)token;
    return ((struct assistant *)ctx)->o.interrupted();
}

int assistant_open(struct assistant **out, const struct assistant_opts *o)
{
    *out = NULL;
    struct assistant *a = cm_calloc(1, sizeof(*a));
    a->o = *o;
    if (!a->o.max_tokens) a->o.max_tokens = 4096;
    int rc = llama_model_load(&a->model, o->model_path);
    for (size_t i = 0; !rc && i < o->n_lora; i++) rc = llama_model_add_lora_spec(a->model, o->lora[i]);
    if (!rc) rc = tok_from_gguf(&a->tok, a->model->g);
    if (!rc && tok_n_vocab(a->tok) != a->model->hp.n_vocab)
        rc = cm_error_set(CM_EFORMAT, "model '%s': the tokenizer has %zu tokens but the model %u", o->model_path,
                          tok_n_vocab(a->tok), a->model->hp.n_vocab);
    if (!rc) rc = tmpl_resolve(&a->tmpl, o->template_name, a->model->g, NULL);
    if (!rc) { /* the template's end of turn ends an answer too */
        size_t nt;
        const char *const *ts = tmpl_stops(a->tmpl, &nt);
        a->stops = cm_calloc(o->n_stops + nt + 1, sizeof(*a->stops));
        for (size_t i = 0; i < o->n_stops; i++) a->stops[a->n_stops++] = o->stops[i];
        for (size_t i = 0; i < nt; i++) {
            size_t j = 0;
            while (j < o->n_stops && strcmp(o->stops[j], ts[i])) j++;
            if (j == o->n_stops) a->stops[a->n_stops++] = ts[i];
        }
    }
    if (!rc) rc = names_model_setting(a->model->g, &a->normalize);
    if (!rc) rc = llama_state_new(&a->state, a->model, o->n_ctx, 0);
    if (!rc && o->threads > 0) llama_set_threads(o->threads);
    if (rc) {
        assistant_close(a);
        return rc;
    }
    *out = a;
    return 0;
}

void assistant_close(struct assistant *a)
{
    if (!a) return;
    llama_state_free(a->state);
    llama_model_free(a->model);
    tok_free(a->tok);
    tmpl_free(a->tmpl);
    free(a->stops);
    free(a);
}

uint32_t assistant_n_ctx(const struct assistant *a) { return a->model->hp.n_ctx; }

const char *assistant_template_name(const struct assistant *a) { return tmpl_name(a->tmpl); }

int assistant_answer(struct assistant *a, char **out, const char *question, const char *context,
                     const struct sampler_params *sampling, int *stopped_by_limit)
{
    *out = NULL;
    struct cm_buf prompt;
    cm_buf_init(&prompt);
    struct tok_ids ids;
    tok_ids_init(&ids);
    struct llama_text_result res;
    llama_text_result_init(&res);
    struct names_map map;
    names_map_init(&map);
    char *nq = NULL, *nc = NULL;
    if (a->normalize) { /* the model reads and writes canonical names; the user sees theirs */
        if (names_map_build(&map, question, context)) cm_error_clear(); /* not C: nothing to rename */
        question = nq = names_normalize_prompt(question, &map);
        if (context) context = nc = names_normalize_prompt(context, &map);
    }
    struct tmpl_vars v = {question, context && *context ? context : NULL, NULL, NULL};
    int rc = tmpl_render_prompt(a->tmpl, &v, &prompt);
    if (!rc) rc = tok_encode(a->tok, &ids, prompt.data ? prompt.data : "", prompt.len,
                               (tok_add_bos(a->tok) ? TOK_ENCODE_BOS : 0) |
                                   (tmpl_special_tokens(a->tmpl) ? TOK_ENCODE_SPECIAL : 0));
    if (rc) goto done;
    uint32_t n_ctx = a->model->hp.n_ctx;
    if (ids.n + 1 >= n_ctx) {
        rc = cm_error_set(CM_EINVAL, "the prompt has %zu tokens, more than the model's context of %u", ids.n, n_ctx);
        cm_error_hint("give a shorter program, or use a model with a longer context");
        goto done;
    }
    size_t max = a->o.max_tokens;
    if (ids.n + max > n_ctx) max = n_ctx - ids.n;
    struct sampler s;
    sampler_init(&s, sampling ? sampling : &a->o.sampling);
    llama_state_reset(a->state);
    const struct llama_text_opts to = {a->stops, a->n_stops, NULL, a->o.interrupted ? poll_interrupted : NULL, a};
    rc = llama_generate_text(a->state, &s, a->tok, ids.v, ids.n, max, tok_eos(a->tok), &to, &res);
    sampler_release(&s);
    if (!rc && a->o.interrupted && a->o.interrupted()) rc = cm_error_set(CM_EENV, "interrupted");
    if (rc) goto done;
    if (stopped_by_limit) *stopped_by_limit = res.stop == LLAMA_STOP_MAX_TOKENS || res.stop == LLAMA_STOP_CONTEXT;
    *out = cm_buf_detach(&res.text);
    if (a->normalize) {
        char *back = names_restore(*out, &map);
        free(*out);
        *out = back;
    }
done:
    names_map_release(&map);
    free(nq), free(nc);
    cm_buf_release(&prompt);
    tok_ids_release(&ids);
    llama_text_result_release(&res);
    return rc;
}
