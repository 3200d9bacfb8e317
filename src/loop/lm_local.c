/* lm_local.c — the local GGUF runtime behind the model interface (see lm.h). */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "loop/lm.h"

struct lm_local {
    struct lm base;
    struct assistant *a;
};

static int local_chat(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                      const struct sampler_params *sp, const char *prefix, struct assistant_usage *usage)
{
    const struct assistant_call call = {.answer_prefix = prefix};
    return assistant_chat_call(((struct lm_local *)m)->a, out, turns, n, sp, &call, usage);
}

static int local_count(struct lm *m, size_t *n_tokens, const struct assistant_turn *turns, size_t n)
{
    return assistant_count_tokens(((struct lm_local *)m)->a, n_tokens, turns, n);
}

static void local_close(struct lm *m)
{
    assistant_close(((struct lm_local *)m)->a);
}

static const struct lm_ops local_ops = {local_chat, local_count, local_close};

int lm_open_local(struct lm **out, const struct assistant_opts *o)
{
    *out = NULL;
    struct lm_local *l = cm_calloc(1, sizeof(*l));
    int rc = assistant_open(&l->a, o);
    if (rc) {
        free(l);
        return rc;
    }
    l->base.ops = &local_ops;
    l->base.name = cm_strdup(o->model_path);
    l->base.n_ctx = assistant_n_ctx(l->a);
    l->base.chat = assistant_template_chat(l->a);
    l->base.prefix = 1;
    *out = &l->base;
    return 0;
}

struct assistant *lm_local_assistant(struct lm *m)
{
    return m && m->ops == &local_ops ? ((struct lm_local *)m)->a : NULL;
}

void lm_close(struct lm *m)
{
    if (!m) return;
    m->ops->close(m);
    free(m->name);
    free(m);
}
