/* The sampler: greedy and its ties, the distributions that temperature, top-k and top-p
 * produce (frequencies over many draws against the exact probabilities), seeding; and the
 * generation loop's stops (max tokens, end-of-sequence, the caller, a full context). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "model/model.h"
#include "model/sampler.h"
#include "tensor/tensor.h"

static void freqs(const struct sampler_params *p, const float *logits, size_t n, int draws, double *f)
{
    struct sampler s;
    sampler_init(&s, p);
    for (size_t i = 0; i < n; i++) f[i] = 0;
    for (int d = 0; d < draws; d++) {
        int32_t t = sampler_sample(&s, logits, n);
        cr_assert(t >= 0 && (size_t)t < n);
        f[t] += 1.0 / draws;
    }
    sampler_release(&s);
}

Test(sampler, greedy_takes_the_first_maximum)
{
    struct sampler s;
    sampler_init(&s, &(struct sampler_params){0, 0, 1, 1});
    float l[5] = {0.5f, 2.0f, -1.0f, 2.0f, 1.9f};
    for (int i = 0; i < 10; i++) cr_assert_eq(sampler_sample(&s, l, 5), 1);
    float one = -3;
    cr_assert_eq(sampler_sample(&s, &one, 1), 0);
    sampler_release(&s);
}

Test(sampler, temperature_one_follows_softmax)
{
    float l[3] = {logf(0.5f), logf(0.3f), logf(0.2f)};
    double f[3];
    freqs(&(struct sampler_params){1.0, 0, 1.0, 7}, l, 3, 20000, f);
    cr_assert(fabs(f[0] - 0.5) < 0.02 && fabs(f[1] - 0.3) < 0.02 && fabs(f[2] - 0.2) < 0.02, "%g %g %g", f[0], f[1],
              f[2]);
    /* temperature 0.5 squares the probabilities: .25 .09 .04 -> .658 .237 .105 */
    freqs(&(struct sampler_params){0.5, 0, 1.0, 8}, l, 3, 20000, f);
    cr_assert(fabs(f[0] - 0.658) < 0.02 && fabs(f[1] - 0.237) < 0.02 && fabs(f[2] - 0.105) < 0.02, "%g %g %g", f[0],
              f[1], f[2]);
}

Test(sampler, top_k_and_top_p_cut_the_tail)
{
    float l[4] = {logf(0.1f), logf(0.5f), logf(0.25f), logf(0.15f)};
    double f[4];
    freqs(&(struct sampler_params){1.0, 2, 1.0, 3}, l, 4, 20000, f); /* ids 1, 2: .667 .333 */
    cr_assert(f[0] == 0 && f[3] == 0, "top-k 2 drew outside the top 2: %g %g", f[0], f[3]);
    cr_assert(fabs(f[1] - 2.0 / 3) < 0.02, "%g", f[1]);
    freqs(&(struct sampler_params){1.0, 0, 0.7, 4}, l, 4, 20000, f); /* .5 + .25 >= .7: ids 1, 2 */
    cr_assert(f[0] == 0 && f[3] == 0, "top-p 0.7 drew outside the nucleus: %g %g", f[0], f[3]);
    cr_assert(fabs(f[1] - 2.0 / 3) < 0.02, "%g", f[1]);
    freqs(&(struct sampler_params){1.0, 0, 0.9, 5}, l, 4, 20000, f); /* .5 .25 .15 = .9: ids 1, 2, 3 */
    cr_assert(f[0] == 0 && f[3] > 0.1, "%g %g", f[0], f[3]);
    freqs(&(struct sampler_params){1.0, 3, 0.6, 6}, l, 4, 2000, f); /* both: ids 1, 2 */
    cr_assert(f[0] == 0 && f[3] == 0 && f[2] > 0.2);
    freqs(&(struct sampler_params){5.0, 1, 1.0, 6}, l, 4, 200, f); /* top-k 1 is greedy */
    cr_assert(f[1] > 0.999, "%g", f[1]);
    freqs(&(struct sampler_params){5.0, 0, 1e-9, 6}, l, 4, 200, f); /* a tiny nucleus too */
    cr_assert(f[1] > 0.999, "%g", f[1]);
}

Test(sampler, top_p_over_a_large_vocabulary)
{
    /* 1000 tokens: two hold 0.9 of the mass, the rest share 0.1; top-p 0.85 keeps the two */
    size_t n = 1000;
    float *l = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) l[i] = logf(0.1f / 998);
    l[400] = logf(0.6f), l[7] = logf(0.3f);
    double *f = malloc(n * sizeof(double));
    freqs(&(struct sampler_params){1.0, 0, 0.85, 9}, l, n, 5000, f);
    cr_assert(fabs(f[400] - 2.0 / 3) < 0.03 && fabs(f[7] - 1.0 / 3) < 0.03, "%g %g", f[400], f[7]);
    freqs(&(struct sampler_params){1.0, 0, 1.0, 9}, l, n, 5000, f); /* no cut: the tail gets ~0.1 */
    cr_assert(fabs(1 - f[400] - f[7] - 0.1) < 0.02, "tail %g", 1 - f[400] - f[7]);
    free(l), free(f);
}

Test(sampler, seeds_reproduce_and_differ)
{
    float l[50];
    for (int i = 0; i < 50; i++) l[i] = sinf((float)i);
    struct sampler a, b, c;
    sampler_init(&a, &(struct sampler_params){1.0, 0, 1.0, 42});
    sampler_init(&b, &(struct sampler_params){1.0, 0, 1.0, 42});
    sampler_init(&c, &(struct sampler_params){1.0, 0, 1.0, 43});
    int same_c = 0;
    for (int i = 0; i < 100; i++) {
        int32_t x = sampler_sample(&a, l, 50), y = sampler_sample(&b, l, 50), z = sampler_sample(&c, l, 50);
        cr_assert_eq(x, y);
        same_c += x == z;
    }
    cr_assert(same_c < 50, "seeds 42 and 43 agree on %d of 100 draws", same_c);
    sampler_release(&a), sampler_release(&b), sampler_release(&c);
}

struct collect {
    int32_t got[64];
    size_t n, stop_after;
};

static int on_tok(void *ctx, int32_t t)
{
    struct collect *c = ctx;
    c->got[c->n++] = t;
    return c->n == c->stop_after;
}

Test(sampler, generate_stops)
{
    struct llama_hparams hp = {.n_vocab = 30};
    cr_assert_eq(llama_hparams_parse(&hp, "dim=32,layers=1,heads=2,kv_heads=1,ffn=32,ctx=12"), 0);
    char path[] = "/tmp/cm_test_sampler_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(llama_model_write_random(path, &hp, TENSOR_TYPE_F32, 5, 0), 0, "%s", cm_error_message());
    struct llama_model *m;
    struct llama_state *st;
    cr_assert_eq(llama_model_load(&m, path), 0);
    cr_assert_eq(llama_state_new(&st, m, 0, 0), 0);
    struct sampler sp;
    sampler_init(&sp, &(struct sampler_params){0, 0, 1, 1});
    int32_t prompt[3] = {4, 8, 15};
    enum llama_stop why;
    size_t made;
    struct collect c = {.stop_after = 100};
    cr_assert_eq(llama_generate(st, &sp, prompt, 3, 5, -1, on_tok, &c, &why, &made), 0);
    cr_assert_eq(why, LLAMA_STOP_MAX_TOKENS);
    cr_assert_eq(made, 5);
    cr_assert_eq(c.n, 5);
    cr_assert_eq(st->n_past, 3 + 4); /* the last token is produced, not evaluated */
    /* the same again, with the third token as end-of-sequence: it ends there, unreported */
    int32_t eos = c.got[2];
    size_t first = c.got[0] == eos ? 0 : c.got[1] == eos ? 1 : 2;
    llama_state_reset(st);
    c.n = 0;
    cr_assert_eq(llama_generate(st, &sp, prompt, 3, 5, eos, on_tok, &c, &why, &made), 0);
    cr_assert_eq(why, LLAMA_STOP_EOS);
    cr_assert_eq(made, first);
    /* the caller stops after 2 */
    llama_state_reset(st);
    c.n = 0, c.stop_after = 2;
    cr_assert_eq(llama_generate(st, &sp, prompt, 3, 5, -1, on_tok, &c, &why, &made), 0);
    cr_assert_eq(why, LLAMA_STOP_CALLER);
    cr_assert_eq(made, 2);
    /* a context of 12: 3 prompt tokens, then 9 more are evaluated, the 10th produced last */
    llama_state_reset(st);
    c.n = 0, c.stop_after = 100;
    cr_assert_eq(llama_generate(st, &sp, prompt, 3, 50, -1, on_tok, &c, &why, &made), 0);
    cr_assert_eq(why, LLAMA_STOP_CONTEXT);
    cr_assert_eq(made, 10);
    cr_assert_eq(st->n_past, 12);
    sampler_release(&sp);
    llama_state_free(st);
    llama_model_free(m);
    unlink(path);
}
