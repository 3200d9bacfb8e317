/* augment.c — renaming, default sizes and float conversion of a seq/mpi pair (see augment.h);
 * layout lives in augment_format.c.
 *
 * Names are found by a declaration scan, not a deny list: an identifier is renamed only when
 * one of the two programs declares it (it follows a type, or a comma in a declaration list),
 * so library functions, header macros and struct members of library types are out of reach
 * by construction. New names must be fresh in both programs, so no capture can occur. */
#include "corpus/augment.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"
#include "corpus/clex.h"

void aug_variant_init(struct aug_variant *v) { memset(v, 0, sizeof(*v)); }

void aug_variant_release(struct aug_variant *v)
{
    free(v->seq), free(v->mpi), free(v->notes);
    aug_variant_init(v);
}

uint64_t aug_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t rng_pick(uint64_t *s, size_t n) { return n ? (size_t)(aug_rng_next(s) % n) : 0; }
static int rng_chance(uint64_t *s, unsigned percent) { return aug_rng_next(s) % 100 < percent; }

uint64_t aug_case_seed(uint64_t seed, const char *id, unsigned k, unsigned attempt)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the id */
    for (const char *p = id; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    uint64_t s = seed ^ h;
    aug_rng_next(&s);
    s ^= (uint64_t)k * 0x632be59bd9b4e019ULL + (uint64_t)attempt * 0x8cb92ba72f3d8dd7ULL;
    return aug_rng_next(&s);
}

static const char *const what_names[] = {"rename", "loops", "sizes", "float", "format", "formula"};
#define N_WHAT 6

int aug_parse_what(unsigned *out, const char *list)
{
    *out = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = n == 3 && !memcmp(p, "all", 3);
        if (found) *out |= AUG_ALL;
        for (int i = 0; i < N_WHAT && !found; i++)
            if (strlen(what_names[i]) == n && !memcmp(p, what_names[i], n)) *out |= 1u << i, found = 1;
        if (!found) {
            cm_error_set(CM_EINVAL, "unknown transformation '%.*s'", (int)n, p);
            cm_error_hint("use rename, loops, sizes, float, format, formula or all (all but formula)");
            return CM_EINVAL;
        }
        p += n + (p[n] == ',');
    }
    return *out ? 0 : cm_error_set(CM_EINVAL, "no transformation named in '%s'", list);
}

void aug_what_names(char *buf, size_t n, unsigned what)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_WHAT; i++)
        if (what & (1u << i) && k < n) k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? "," : "", what_names[i]);
}

unsigned aug_pick_what(uint64_t seed, unsigned allowed, int allow_float)
{
    static const unsigned pct[N_WHAT] = {75, 60, 50, 40, 70, 60};
    if (!allow_float) allowed &= ~AUG_FLOAT;
    for (int tries = 0; allowed && tries < 64; tries++) {
        unsigned w = 0;
        for (int i = 0; i < N_WHAT; i++)
            if (allowed & (1u << i) && rng_chance(&seed, pct[i])) w |= 1u << i;
        if (w) return w;
    }
    return allowed & (0u - allowed); /* lowest allowed bit */
}

/* ---- name sets ---------------------------------------------------------------------- */

static int list_has(const struct cm_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i], s)) return 1;
    return 0;
}

static void list_add(struct cm_strlist *l, const char *s)
{
    if (!list_has(l, s)) cm_strlist_push(l, s);
}

struct names {
    struct cm_strlist all;   /* every identifier seen anywhere (fresh names avoid these) */
    struct cm_strlist fixed; /* never renamed: macro names, typedefs, tags, names in directives */
    struct cm_strlist types; /* typedef names (declarations start with them) */
    struct cm_strlist decl;  /* declared by the programs: rename candidates */
    struct cm_strlist loops; /* declared or assigned in a for-init */
    struct cm_strlist macros; /* object-like macros with a value (`#define N 100`), also in fixed */
};

static void names_init(struct names *nm)
{
    cm_strlist_init(&nm->all), cm_strlist_init(&nm->fixed), cm_strlist_init(&nm->types);
    cm_strlist_init(&nm->decl), cm_strlist_init(&nm->loops), cm_strlist_init(&nm->macros);
}

static void names_release(struct names *nm)
{
    cm_strlist_release(&nm->all), cm_strlist_release(&nm->fixed), cm_strlist_release(&nm->types);
    cm_strlist_release(&nm->decl), cm_strlist_release(&nm->loops), cm_strlist_release(&nm->macros);
}

/* One program: its tokens and a replacement per token (NULL = keep). */
struct src {
    struct clex lx;
    char **rep;
};

static char *tok_dup(const struct src *s, size_t i)
{
    return cm_strndup(s->lx.src + s->lx.toks[i].off, s->lx.toks[i].len);
}

static int src_open(struct src *s, const char *text, const char *what)
{
    clex_init(&s->lx);
    s->rep = NULL;
    int rc = clex_run(&s->lx, text, strlen(text));
    if (rc) {
        char msg[300];
        snprintf(msg, sizeof(msg), "%s", cm_error_message());
        return cm_error_set(CM_EFORMAT, "cannot lex %s: %s", what, msg);
    }
    s->rep = cm_calloc(s->lx.n ? s->lx.n : 1, sizeof(char *));
    return 0;
}

static void src_close(struct src *s)
{
    for (size_t i = 0; s->rep && i < s->lx.n; i++) free(s->rep[i]);
    free(s->rep);
    clex_release(&s->lx);
}

static void src_set(struct src *s, size_t i, const char *text)
{
    free(s->rep[i]);
    s->rep[i] = cm_strdup(text);
}

static char *src_render(const struct src *s)
{
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < s->lx.n; i++) {
        if (s->rep[i])
            cm_buf_puts(&b, s->rep[i]);
        else
            cm_buf_append(&b, s->lx.src + s->lx.toks[i].off, s->lx.toks[i].len);
    }
    return cm_buf_detach(&b);
}

static int is_kind(const struct src *s, size_t i, enum clex_kind k) { return i < s->lx.n && s->lx.toks[i].kind == k; }

static const char *const known_types[] = {
    "size_t", "ssize_t", "ptrdiff_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
    "uint64_t", "intptr_t", "uintptr_t", "FILE", "MPI_Comm", "MPI_Status", "MPI_Request", "MPI_Datatype", "MPI_Op",
    "MPI_Win", "MPI_Info", "MPI_Group", "MPI_Aint", "MPI_Offset", NULL};
static const char *const type_keywords[] = {"void", "char", "short", "int", "long", "float", "double", "signed",
                                            "unsigned", "_Bool", "const", "volatile", "static", "extern",
                                            "register", "inline", "restrict", "_Complex", NULL};

static int in_table(const char *s, const char *const *t)
{
    for (; *t; t++)
        if (!strcmp(s, *t)) return 1;
    return 0;
}

/* Is token i (significant) a type word? `tag` holds tags seen after struct/union/enum. */
static int is_type_tok(const struct src *s, size_t i, const struct names *nm)
{
    if (i >= s->lx.n || !is_kind(s, i, CLEX_IDENT)) return 0;
    char *t = tok_dup(s, i);
    int r = in_table(t, type_keywords) || in_table(t, known_types) || list_has(&nm->types, t);
    if (!r) { /* a struct/union/enum tag is a type word too */
        size_t p = clex_prev_sig(&s->lx, i);
        r = p != SIZE_MAX && (clex_is(&s->lx, p, "struct") || clex_is(&s->lx, p, "union") || clex_is(&s->lx, p, "enum"));
    }
    free(t);
    return r;
}

/* Pass 1: typedef names, struct tags, macro names, names in directives, all names. */
static void scan_fixed(const struct src *s, struct names *nm)
{
    const struct clex *lx = &s->lx;
    int typedef_depth = -1, depth = 0;
    for (size_t i = 0; i < lx->n; i++) {
        const struct clex_tok *t = &lx->toks[i];
        if (t->kind == CLEX_PP) { /* every word in an opaque directive is fixed */
            const char *p = lx->src + t->off, *e = p + t->len;
            while (p < e) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
                    const char *w = p;
                    while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
                                     (*p >= '0' && *p <= '9')))
                        p++;
                    char *word = cm_strndup(w, (size_t)(p - w));
                    list_add(&nm->all, word), list_add(&nm->fixed, word);
                    free(word);
                } else {
                    p++;
                }
            }
            continue;
        }
        if (t->kind == CLEX_DEFINE) {
            size_t n = clex_next_sig(lx, i); /* the macro's name */
            if (n < lx->n && lx->toks[n].kind == CLEX_IDENT) {
                char *w = tok_dup(s, n);
                list_add(&nm->fixed, w);
                /* object-like: no "(" right after the name; with a value: more on the line */
                size_t v = clex_next_sig(lx, n);
                if (!clex_is(lx, n + 1, "(") && v < lx->n && lx->toks[v].in_define && lx->toks[v].kind != CLEX_DEFINE)
                    list_add(&nm->macros, w);
                free(w);
            }
            int pastes = 0; /* # and ## see spellings: fix every name of such a macro */
            for (size_t j = i + 1; j < lx->n && lx->toks[j].in_define; j++)
                pastes |= clex_is(lx, j, "#") || clex_is(lx, j, "##");
            for (size_t j = i + 1; pastes && j < lx->n && lx->toks[j].in_define; j++)
                if (lx->toks[j].kind == CLEX_IDENT) {
                    char *w = tok_dup(s, j);
                    list_add(&nm->fixed, w);
                    free(w);
                }
            continue;
        }
        if (t->kind != CLEX_IDENT && t->kind != CLEX_PUNCT) continue;
        char *w = tok_dup(s, i);
        if (t->kind == CLEX_IDENT) {
            list_add(&nm->all, w);
            if (!strcmp(w, "main") || !strcmp(w, "argc") || !strcmp(w, "argv") || !strncmp(w, "MPI_", 4) ||
                !strncmp(w, "PMPI_", 5) || !strncmp(w, "__", 2))
                list_add(&nm->fixed, w);
            size_t p = clex_prev_sig(lx, i);
            if (p != SIZE_MAX && (clex_is(lx, p, "struct") || clex_is(lx, p, "union") || clex_is(lx, p, "enum")))
                list_add(&nm->fixed, w);
            if (!t->in_define && !strcmp(w, "typedef")) typedef_depth = depth;
        } else if (!t->in_define) {
            if (!strcmp(w, "{") || !strcmp(w, "(")) depth++;
            if (!strcmp(w, "}") || !strcmp(w, ")")) depth--;
            if (!strcmp(w, ";") && depth == typedef_depth) {
                size_t p = clex_prev_sig(lx, i);
                while (p != SIZE_MAX && clex_is(lx, p, "]")) /* typedef double vec3[3]; */
                    while (p != SIZE_MAX && !clex_is(lx, p, "[")) p = clex_prev_sig(lx, p);
                if (p != SIZE_MAX && clex_is(lx, p, "[")) p = clex_prev_sig(lx, p);
                if (p != SIZE_MAX && lx->toks[p].kind == CLEX_IDENT) {
                    char *tn = tok_dup(s, p);
                    list_add(&nm->types, tn), list_add(&nm->fixed, tn);
                    free(tn);
                }
                typedef_depth = -1;
            }
        }
        free(w);
    }
}

/* Is the declaration whose first type word precedes token i inside a for-init? */
static int in_for_init(const struct src *s, size_t i, const struct names *nm)
{
    size_t p = clex_prev_sig(&s->lx, i);
    while (p != SIZE_MAX && (is_type_tok(s, p, nm) || clex_is(&s->lx, p, "*") || clex_is(&s->lx, p, "struct")))
        p = clex_prev_sig(&s->lx, p);
    if (p == SIZE_MAX || !clex_is(&s->lx, p, "(")) return 0;
    p = clex_prev_sig(&s->lx, p);
    return p != SIZE_MAX && clex_is(&s->lx, p, "for");
}

/* Pass 2: declared names (and which of them are loop indices). */
static void scan_decls(const struct src *s, struct names *nm)
{
    const struct clex *lx = &s->lx;
    int paren = 0, brace = 0, list = 0, list_paren = 0, list_brace = 0, list_loop = 0;
    for (size_t i = clex_next_sig(lx, SIZE_MAX); i < lx->n; i = clex_next_sig(lx, i)) {
        const struct clex_tok *t = &lx->toks[i];
        if (t->in_define) continue;
        if (t->kind == CLEX_PUNCT) {
            if (clex_is(lx, i, "(")) paren++;
            else if (clex_is(lx, i, ")")) {
                if (--paren < list_paren) list = 0;
            } else if (clex_is(lx, i, "{")) {
                size_t p = clex_prev_sig(lx, i);
                if (list && paren == list_paren && brace == list_brace && p != SIZE_MAX && clex_is(lx, p, ")"))
                    list = 0; /* a function body */
                brace++;
            } else if (clex_is(lx, i, "}")) {
                brace--;
            } else if (clex_is(lx, i, ";") && paren == list_paren && brace == list_brace) {
                list = 0;
            }
            continue;
        }
        if (t->kind != CLEX_IDENT) continue;
        char *w = tok_dup(s, i);
        if (clex_is_keyword(w, t->len) || is_type_tok(s, i, nm) || list_has(&nm->fixed, w)) {
            free(w);
            continue;
        }
        size_t p = clex_prev_sig(lx, i);
        while (p != SIZE_MAX && clex_is(lx, p, "*")) p = clex_prev_sig(lx, p);
        int declared = 0, loop = 0;
        if (p != SIZE_MAX && is_type_tok(s, p, nm)) {
            declared = 1;
            loop = in_for_init(s, i, nm);
            list = 1, list_paren = paren, list_brace = brace, list_loop = loop;
        } else if (list && p != SIZE_MAX && clex_is(lx, p, ",") && paren == list_paren && brace == list_brace) {
            declared = 1, loop = list_loop;
        } else if (p != SIZE_MAX && clex_is(lx, p, "(")) { /* for (i = 0; ...) */
            size_t f = clex_prev_sig(lx, p), n = clex_next_sig(lx, i);
            loop = f != SIZE_MAX && clex_is(lx, f, "for") && clex_is(lx, n, "=");
        }
        if (declared) list_add(&nm->decl, w);
        if (loop) list_add(&nm->loops, w);
        free(w);
    }
}

int aug_program_names(const char *text, struct cm_strlist *declared, struct cm_strlist *all,
                      struct cm_strlist *macros)
{
    struct src s;
    struct names nm;
    names_init(&nm);
    int rc = src_open(&s, text, "the program");
    if (!rc) {
        scan_fixed(&s, &nm);
        scan_decls(&s, &nm);
        for (size_t i = 0; i < nm.decl.n; i++)
            if (!list_has(&nm.fixed, nm.decl.items[i])) cm_strlist_push(declared, nm.decl.items[i]);
        for (size_t i = 0; i < nm.all.n; i++) cm_strlist_push(all, nm.all.items[i]);
        for (size_t i = 0; macros && i < nm.macros.n; i++) cm_strlist_push(macros, nm.macros.items[i]);
    }
    src_close(&s);
    names_release(&nm);
    return rc;
}

/* ---- renaming ------------------------------------------------------------------------ */

struct rename_map {
    struct cm_strlist from, to;
};

/* Natural alternatives for common names, space-separated. */
static const char *const vocab[][2] = {
    {"n", "len size count num nelem"}, {"m", "rows nrows mrows"}, {"nx", "width cols ncols"},
    {"ny", "height nrows rows"}, {"nz", "depth nlayers planes"}, {"x", "vec src xv"}, {"y", "dst out yv"},
    {"z", "res zv"}, {"A", "mat M a"}, {"B", "mat2 bmat"}, {"C", "out_mat cmat"}, {"u", "field cur phi grid"},
    {"un", "next unew nxt"}, {"unew", "next un2 nxt"}, {"uold", "prev old"}, {"v", "val value w"},
    {"steps", "nsteps iters niter nt"}, {"T", "nsteps iters niter"}, {"sum", "total acc s_tot"},
    {"local", "partial mine part"}, {"rank", "me myrank rk"}, {"p", "nprocs np world"},
    {"size", "nprocs np world"}, {"nprocs", "np world nranks"}, {"lo", "start first begin off"},
    {"hi", "end last stop"}, {"cnt", "count mycount nloc len_loc"}, {"tmp", "swap t_ptr spare"},
    {"counts", "recvcounts cnts sizes"}, {"displs", "offsets disp starts"}, {"all", "full whole gathered"},
    {"samp", "picks sample vals"}, {"samp_all", "picks_all sample_sum vals_all"},
    {"left", "lnbr west prev_rank"}, {"right", "rnbr east next_rank"}, {"up", "north above"},
    {"down", "south below"}, {"init_u", "init_field initial_value u0_at"}, {"block_lo", "block_start first_index"},
    {"block_cnt", "block_count block_len"}, {"alpha", "a_coef scale"}, {"beta", "b_coef shift"},
    {"maxsteps", "max_steps step_limit"}, {"every", "period interval"}, {"W", "stride ld"},
    {"e0", "energy0 init_energy"}, {"vmin", "minval lo_val"}, {"vmax", "maxval hi_val"},
    {"smin", "imin at_min"}, {"smax", "imax at_max"}, {"sumsq", "sq_sum norm2"}, {"val", "v0 value"},
    {"res", "result out_val"}, {"dot", "dotp inner"}, {"norm", "nrm mag"}, {"row", "rw line"},
    {"col", "cl column"}, {"seed", "state rng"}, {"buf", "buffer tmpbuf"}, {"nloc", "local_n mycount"},
    {"first", "start begin"}, {"last", "stop end_"}, {"mid", "middle centre"}, {"c", "ctr idx_c"},
    {"g", "gi glob"}, {"q", "peer src_rank"}, {"k", "kk kidx"}, {"s", "si pos"}, {"dx", "ddx delx"},
    {"dy", "ddy dely"}, {"h", "hstep spacing"}, {"err", "diff resid"}, {"tol", "eps thresh"},
    {"iter", "it step_no"}, {"maxit", "max_iter itmax"}, {NULL, NULL}};

/* Schemes for loop indices: i, j, k, l, t in that order. */
static const char *const loop_schemes[][5] = {
    {"r", "c", "t", "m", "s"},       {"ii", "jj", "kk", "ll", "tt"},   {"row", "col", "dep", "li", "step"},
    {"idx", "jdx", "kdx", "ldx", "it"}, {"a", "b", "c", "d", "it"},   {"i1", "j1", "k1", "l1", "t1"},
};
static const char *const loop_letters[5] = {"i", "j", "k", "l", "t"};

static const char *const reserved[] = { /* library names a fresh name must not take */
    "index", "rindex", "y0", "y1", "yn", "j0", "j1", "jn", "gamma", "exp10", "remainder", "round", "time",
    "clock", "div", "abs", "rand", "free", "signal", "select", "link", "read", "write", "log", "exp", "pow",
    "sqrt", "sin", "cos", "tan", "erf", "fmin", "fmax", "min", "max", "stdin", "stdout", "stderr", "errno",
    "main", "argc", "argv", "signbit", "isnan", "isinf", "NAN", "INFINITY", NULL};

static int name_free(const char *cand, const struct names *nm, const struct rename_map *map)
{
    return !clex_is_keyword(cand, strlen(cand)) && !in_table(cand, reserved) && !in_table(cand, known_types) &&
           !list_has(&nm->all, cand) && !list_has(&map->to, cand) && strncmp(cand, "MPI_", 4);
}

static void map_add(struct rename_map *map, const char *from, const char *to)
{
    cm_strlist_push(&map->from, from);
    cm_strlist_push(&map->to, to);
}

/* Picks a fresh name among the space-separated alternatives (random start, first free). */
static int pick_from(char *out, size_t n, const char *alts, uint64_t *rng, const struct names *nm,
                     const struct rename_map *map)
{
    char words[8][40];
    size_t k = 0;
    for (const char *p = alts; *p && k < 8;) {
        size_t w = strcspn(p, " ");
        if (w && w < sizeof(words[0])) memcpy(words[k], p, w), words[k][w] = '\0', k++;
        p += w + (p[w] == ' ');
    }
    size_t s = rng_pick(rng, k);
    for (size_t i = 0; i < k; i++) {
        const char *c = words[(s + i) % k];
        if (name_free(c, nm, map)) {
            snprintf(out, n, "%s", c);
            return 1;
        }
    }
    return 0;
}

/* Loop indices first (one scheme for i, j, k, l, t; other one-letter indices doubled), then
 * the other declared names from the vocabulary, all into one map so that no two names can
 * meet in one new name. Returns the number of loop entries (they come first). */
static size_t build_map(struct rename_map *map, const struct names *nm, unsigned what, uint64_t *rng)
{
    if (what & AUG_LOOPS) {
        const char *const *scheme = loop_schemes[rng_pick(rng, sizeof(loop_schemes) / sizeof(loop_schemes[0]))];
        for (size_t i = 0; i < nm->loops.n; i++) {
            const char *from = nm->loops.items[i];
            if (strlen(from) != 1 || !list_has(&nm->decl, from) || list_has(&nm->fixed, from)) continue;
            char cand[64] = "";
            for (int l = 0; l < 5; l++)
                if (!strcmp(from, loop_letters[l])) snprintf(cand, sizeof(cand), "%s", scheme[l]);
            if (!cand[0] || !name_free(cand, nm, map)) snprintf(cand, sizeof(cand), "%s%s", from, from);
            if (name_free(cand, nm, map)) map_add(map, from, cand);
        }
    }
    size_t n_loops = map->from.n;
    if (what & AUG_RENAME) {
        for (size_t i = 0; i < nm->decl.n; i++) {
            const char *from = nm->decl.items[i];
            if (list_has(&nm->fixed, from) || list_has(&map->from, from)) continue;
            if (strlen(from) == 1 && list_has(&nm->loops, from)) continue; /* loop indices are AUG_LOOPS' */
            if (!rng_chance(rng, 80)) continue;
            char cand[64];
            for (int v = 0; vocab[v][0]; v++)
                if (!strcmp(vocab[v][0], from) && pick_from(cand, sizeof(cand), vocab[v][1], rng, nm, map))
                    map_add(map, from, cand);
        }
    }
    return n_loops;
}

static void apply_map(struct src *s, const struct rename_map *map)
{
    for (size_t i = 0; i < s->lx.n; i++) {
        if (s->lx.toks[i].kind != CLEX_IDENT) continue;
        char *w = tok_dup(s, i);
        for (size_t k = 0; k < map->from.n; k++)
            if (!strcmp(map->from.items[k], w)) src_set(s, i, map->to.items[k]);
        free(w);
    }
}

static void note_map(struct cm_buf *notes, const char *label, const struct rename_map *map, size_t a, size_t b)
{
    cm_buf_printf(notes, "%s%s (", notes->len ? "; " : "", label);
    for (size_t k = a; k < b; k++)
        cm_buf_printf(notes, "%s%s->%s", k > a ? ", " : "", map->from.items[k], map->to.items[k]);
    cm_buf_puts(notes, ")");
}

/* ---- default sizes ------------------------------------------------------------------- */

static long nice_round(double v)
{
    if (v < 10) return (long)(v + 0.5);
    double scale = 1;
    while (v / scale >= 100) scale *= 10;
    return (long)((long)(v / scale + 0.5) * scale);
}

static long new_default(long v, uint64_t *rng)
{
    static const double grow[] = {1.25, 1.5}, shrink[] = {0.5, 0.6, 0.75, 0.8};
    if (v <= 10) {
        long d = 1 + (long)rng_pick(rng, 3);
        return v - d >= 2 && rng_chance(rng, 50) ? v - d : v + d;
    }
    int up = v <= 1000 && rng_chance(rng, 50);
    double f = up ? grow[rng_pick(rng, 2)] : shrink[rng_pick(rng, 4)];
    long nv = nice_round((double)v * f);
    return nv == v || nv < 2 ? v + 1 : nv;
}

/* Finds `argc > K ? ... argv[K] ... : DEFAULT` and rewrites DEFAULT; keys "K:DEFAULT" map to the
 * same new value in both programs. */
static void apply_sizes(struct src *s, struct rename_map *map, uint64_t *rng)
{
    const struct clex *lx = &s->lx;
    for (size_t i = 0; i < lx->n; i++) {
        if (!clex_is(lx, i, "argc") || s->lx.toks[i].in_define) continue;
        size_t gt = clex_next_sig(lx, i), k = clex_next_sig(lx, gt), q = clex_next_sig(lx, k);
        if (!clex_is(lx, gt, ">") || !is_kind(s, k, CLEX_NUMBER) || !clex_is(lx, q, "?")) continue;
        int depth = 0, nested = 0, strtol_like = 0;
        size_t j;
        for (j = clex_next_sig(lx, q); j < lx->n; j = clex_next_sig(lx, j)) {
            if (clex_is(lx, j, "(")) depth++;
            else if (clex_is(lx, j, ")")) depth--;
            else if (clex_is(lx, j, "?")) nested++;
            else if (clex_is(lx, j, ":") && depth == 0 && nested-- == 0) break;
            else if (clex_is(lx, j, "strtol") || clex_is(lx, j, "strtoul") || clex_is(lx, j, "strtoll") ||
                     clex_is(lx, j, "atoi") || clex_is(lx, j, "atol"))
                strtol_like = 1;
            if (depth < 0 || clex_is(lx, j, ";")) break;
        }
        if (j >= lx->n || !clex_is(lx, j, ":") || !strtol_like) continue;
        size_t d = clex_next_sig(lx, j), after = clex_next_sig(lx, d);
        if (!is_kind(s, d, CLEX_NUMBER) || !(clex_is(lx, after, ";") || clex_is(lx, after, ",") || clex_is(lx, after, ")")))
            continue;
        char *num = tok_dup(s, d), *kk = tok_dup(s, k), *end = NULL;
        long v = strtol(num, &end, 10);
        if (end != num && (*end == '\0' || *end == 'L' || *end == 'l') && v >= 2 && v < 1000000000L) {
            char key[96];
            snprintf(key, sizeof(key), "%s:%s", kk, num);
            const char *to = NULL;
            for (size_t m = 0; m < map->from.n; m++)
                if (!strcmp(map->from.items[m], key)) to = map->to.items[m];
            char nv[32];
            if (!to) {
                snprintf(nv, sizeof(nv), "%ld%s", new_default(v, rng), end);
                map_add(map, key, nv);
                to = nv;
            }
            src_set(s, d, to);
        }
        free(num), free(kk);
    }
}

/* ---- float ---------------------------------------------------------------------------- */

static const char *const libm_double[] = {
    "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "exp", "exp2", "log",
    "log2", "log10", "pow", "fabs", "floor", "ceil", "fmod", "fmin", "fmax", "hypot", "cbrt", "erf", "round",
    "trunc", "copysign", "expm1", "log1p", "fma", NULL};

char *aug_float_formats(const char *lit, size_t len)
{
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < len; i++) {
        if (lit[i] != '%') {
            cm_buf_append(&b, lit + i, 1);
            continue;
        }
        size_t j = i + 1;
        while (j < len && strchr("-+ #0", lit[j])) j++;
        while (j < len && lit[j] >= '0' && lit[j] <= '9') j++;
        size_t dot = j, pe = j;
        long prec = -1;
        if (j < len && lit[j] == '.') {
            pe = j + 1;
            prec = 0;
            while (pe < len && lit[pe] >= '0' && lit[pe] <= '9' && prec < 1000) prec = prec * 10 + (lit[pe++] - '0');
        }
        size_t c = prec >= 0 ? pe : j;
        while (c < len && (lit[c] == 'l' || lit[c] == 'L')) c++;
        char conv = c < len ? lit[c] : 0;
        long lim = conv == 'e' || conv == 'E' ? 6 : conv == 'g' || conv == 'G' ? 7 : conv == 'f' || conv == 'F' ? 6 : -1;
        if (c < len && lit[i + 1] == '%') {
            cm_buf_append(&b, "%%", 2);
            i++;
            continue;
        }
        if (lim < 0 || prec <= lim) { /* nothing to reduce: copy through the conversion */
            cm_buf_append(&b, lit + i, c < len ? c - i + 1 : len - i);
            i = c < len ? c : len;
            continue;
        }
        cm_buf_append(&b, lit + i, dot - i);
        cm_buf_printf(&b, ".%ld", lim);
        cm_buf_append(&b, lit + pe, c - pe + 1);
        i = c;
    }
    return cm_buf_detach(&b);
}

static int is_float_literal(const char *t, size_t n)
{
    if (n > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) return 0;
    int fl = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '.' || t[i] == 'e' || t[i] == 'E') fl = 1;
        if (t[i] == 'f' || t[i] == 'F' || t[i] == 'l' || t[i] == 'L') return 0; /* suffix already */
    }
    return fl;
}

/* 0 when a floating literal of the program is out of float's range (1e300, 1e-300: programs
 * that test scaling), so that single precision would change what it computes. */
static int float_fits(const struct src *s)
{
    for (size_t i = 0; i < s->lx.n; i++) {
        const struct clex_tok *t = &s->lx.toks[i];
        if (t->kind != CLEX_NUMBER || !is_float_literal(s->lx.src + t->off, t->len)) continue;
        char *w = tok_dup(s, i);
        double v = fabs(strtod(w, NULL));
        free(w);
        if (v != 0 && (v > FLT_MAX || v < FLT_MIN)) return 0;
    }
    return 1;
}

/* Returns 1 when something changed. */
static int apply_float(struct src *s, const struct names *nm)
{
    static const char *const swaps[][2] = {
        {"MPI_DOUBLE", "MPI_FLOAT"}, {"MPI_DOUBLE_INT", "MPI_FLOAT_INT"}, {"DBL_EPSILON", "FLT_EPSILON"},
        {"DBL_MAX", "FLT_MAX"},      {"DBL_MIN", "FLT_MIN"},           {"HUGE_VAL", "HUGE_VALF"},
        {"strtod", "strtof"},        {NULL, NULL}};
    const struct clex *lx = &s->lx;
    int changed = 0;
    for (size_t i = 0; i < lx->n; i++) {
        const struct clex_tok *t = &lx->toks[i];
        const char *txt = lx->src + t->off;
        if (t->kind == CLEX_STRING) {
            char *f = aug_float_formats(txt, t->len);
            if (strlen(f) != t->len || memcmp(f, txt, t->len)) src_set(s, i, f), changed = 1;
            free(f);
        } else if (t->kind == CLEX_NUMBER && is_float_literal(txt, t->len)) {
            char *w = tok_dup(s, i);
            size_t n = strlen(w);
            w = cm_realloc(w, n + 2);
            w[n] = 'f', w[n + 1] = '\0';
            src_set(s, i, w), changed = 1;
            free(w);
        } else if (t->kind == CLEX_IDENT) {
            char *w = tok_dup(s, i);
            size_t p = clex_prev_sig(lx, i);
            if (!strcmp(w, "double") && !(p != SIZE_MAX && clex_is(lx, p, "long"))) {
                src_set(s, i, "float"), changed = 1;
            } else if (in_table(w, libm_double) && !list_has(&nm->decl, w) && clex_is(lx, clex_next_sig(lx, i), "(")) {
                char fw[32];
                snprintf(fw, sizeof(fw), "%sf", w);
                src_set(s, i, fw), changed = 1;
            } else {
                for (int k = 0; swaps[k][0]; k++)
                    if (!strcmp(w, swaps[k][0])) src_set(s, i, swaps[k][1]), changed = 1;
            }
            free(w);
        }
    }
    return changed;
}

/* ---- the whole variant --------------------------------------------------------------- */

static const char *const style_indent_names[] = {"tab", "2-space", "4-space", "8-space"};
static const char *const style_brace_names[] = {"K&R", "Allman", "attached"};

int aug_variant_make(struct aug_variant *v, const char *seq, const char *mpi, unsigned what, uint64_t seed)
{
    aug_variant_init(v);
    struct src s[2];
    struct names nm;
    names_init(&nm);
    struct rename_map names, sizes;
    cm_strlist_init(&names.from), cm_strlist_init(&names.to), cm_strlist_init(&sizes.from);
    cm_strlist_init(&sizes.to);
    struct cm_buf notes;
    cm_buf_init(&notes);
    uint64_t rng = seed;
    char *fseq = NULL, *fmpi = NULL, *fnote = NULL; /* the formula's change comes first */
    if (what & AUG_FORMULA) {
        aug_formula(&fseq, &fmpi, &fnote, seq, mpi, &rng);
        if (fseq) {
            seq = fseq, mpi = fmpi;
            v->applied |= AUG_FORMULA;
            cm_buf_puts(&notes, fnote);
        }
    }
    int rc = src_open(&s[0], seq, "seq.c");
    if (rc) {
        s[1].rep = NULL, clex_init(&s[1].lx);
        goto done;
    }
    if ((rc = src_open(&s[1], mpi, "mpi.c"))) goto done;
    for (int f = 0; f < 2; f++) scan_fixed(&s[f], &nm);
    for (int f = 0; f < 2; f++) scan_decls(&s[f], &nm);
    size_t n_loops = build_map(&names, &nm, what, &rng);
    for (int f = 0; f < 2; f++) apply_map(&s[f], &names);
    if (n_loops) v->applied |= AUG_LOOPS, note_map(&notes, "loop indices", &names, 0, n_loops);
    if (names.from.n > n_loops)
        v->applied |= AUG_RENAME, note_map(&notes, "rename", &names, n_loops, names.from.n);
    if (what & AUG_SIZES) {
        for (int f = 0; f < 2; f++) apply_sizes(&s[f], &sizes, &rng);
        if (sizes.from.n) {
            v->applied |= AUG_SIZES;
            cm_buf_printf(&notes, "%sdefault sizes (", notes.len ? "; " : "");
            for (size_t k = 0; k < sizes.from.n; k++)
                cm_buf_printf(&notes, "%sargv[%.*s] %s->%s", k ? ", " : "", (int)strcspn(sizes.from.items[k], ":"),
                              sizes.from.items[k], strchr(sizes.from.items[k], ':') + 1, sizes.to.items[k]);
            cm_buf_puts(&notes, ")");
        }
    }
    if (what & AUG_FLOAT && float_fits(&s[0]) && float_fits(&s[1])) {
        int ch = apply_float(&s[0], &nm);
        ch |= apply_float(&s[1], &nm);
        if (ch) v->applied |= AUG_FLOAT, cm_buf_printf(&notes, "%sdouble->float", notes.len ? "; " : "");
    }
    v->seq = src_render(&s[0]);
    v->mpi = src_render(&s[1]);
    if (what & AUG_FORMAT) {
        struct aug_style st;
        do {
            st.indent = (int)rng_pick(&rng, 4);
            st.braces = (int)rng_pick(&rng, 3);
            st.kw_space = rng_chance(&rng, 70);
        } while (st.indent == 2 && st.braces == AUG_BRACES_KR && st.kw_space); /* the corpus's own style */
        int spaces[] = {0, 2, 4, 8};
        st.indent = spaces[st.indent];
        char *fs = NULL, *fm = NULL;
        if ((rc = aug_format(&fs, v->seq, &st)) || (rc = aug_format(&fm, v->mpi, &st))) {
            free(fs);
            goto done;
        }
        if (strcmp(fs, v->seq) || strcmp(fm, v->mpi)) {
            v->applied |= AUG_FORMAT;
            cm_buf_printf(&notes, "%sformat (%s braces, %s indent%s)", notes.len ? "; " : "",
                          style_brace_names[st.braces],
                          style_indent_names[st.indent == 0 ? 0 : st.indent == 2 ? 1 : st.indent == 4 ? 2 : 3],
                          st.kw_space ? "" : ", no space after if/for/while");
        }
        free(v->seq), free(v->mpi);
        v->seq = fs, v->mpi = fm;
    }
    v->notes = cm_buf_detach(&notes);
done:
    src_close(&s[0]), src_close(&s[1]);
    names_release(&nm);
    cm_strlist_release(&names.from), cm_strlist_release(&names.to), cm_strlist_release(&sizes.from);
    cm_strlist_release(&sizes.to);
    cm_buf_release(&notes);
    free(fseq), free(fmpi), free(fnote);
    if (rc) aug_variant_release(v);
    return rc;
}
