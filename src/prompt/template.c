/* template.c — the Jinja subset of template.h, compiled to a flat program: text, variable
 * and jump nodes (if/elif/else become conditional jumps), rendered by a loop over it.
 * Left out: everything template.h lists as left out. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "prompt/template.h"

enum { V_QUESTION, V_CONTEXT, V_ANSWER, V_SYSTEM };
enum node_kind { N_TEXT, N_VAR, N_JUMP_UNLESS, N_JUMP };

struct node {
    enum node_kind kind;
    char *text; /* N_TEXT, owned */
    size_t len;
    int var, neg; /* N_VAR, N_JUMP_UNLESS */
    size_t target; /* jumps: the node index to go to */
};

struct tmpl {
    struct node *nodes;
    size_t n, cap;
    size_t answer; /* index of the {{ answer }} node */
    const char *default_system; /* static or NULL */
    const char *name;           /* the built-in's name (static), NULL for a file or text */
    const char *const *stops;   /* (n_stops) end-of-turn stop strings, static */
    size_t n_stops;
};

const char tmpl_chathpc_preamble[] =
    "You are a powerful LLM model for MPI called ChatHPC for MPI. Your job is to answer questions about the MPI "
    "programming model. You are given a question and context regarding the MPI programming model.\n\nYou must "
    "output the answer the question.";

/* The system text of the chat templates (pretrained instruct models: ChatML, Code Llama): the
 * ChatHPC preamble, then the program contract the harness checks (ARCHITECTURE.md), which a
 * model that never saw the corpus cannot guess. */
const char tmpl_mpi_system[] =
    "You are ChatHPC for MPI, an expert in parallelizing sequential C programs with MPI. Given a sequential "
    "C program, answer with one complete MPI program in C, in a single ```c code block, that:\n"
    "- includes <mpi.h>, calls MPI_Init before anything else and MPI_Finalize before returning, and gets its "
    "rank and the number of ranks from MPI_COMM_WORLD;\n"
    "- reads the same command-line arguments with the same defaults;\n"
    "- splits the work of the main loops over the ranks in contiguous blocks, for any number of ranks (also "
    "when it does not divide the problem size), and combines the partial results with MPI collectives "
    "(MPI_Reduce, MPI_Allreduce, MPI_Gatherv, MPI_Bcast) or exchanges neighbouring values with MPI_Sendrecv;\n"
    "- computes exactly the same input data as the sequential program: a seeded random generator must give "
    "every element the same value as in the sequential program (run it over all elements in the same order, "
    "keeping only the rank's own, or let rank 0 generate and distribute);\n"
    "- prints on rank 0 only, exactly what the sequential program prints, in the same format; the other ranks "
    "print nothing.";

static const char chathpc_text[] = "{{ system }}\n{% if context %}\n### Context:\n{{ context }}\n{% endif %}\n"
                                   "### Question:\n{{ question }}\n\n### Answer:\n{{ answer }}\n\n";
static const char codellama_text[] = "[INST] {% if system %}<<SYS>>\n{{ system }}\n<</SYS>>\n\n{% endif %}"
                                     "{% if context %}{{ context }}\n\n{% endif %}{{ question }} [/INST] {{ answer }}";

/* ChatML (SmolLM2-Instruct, Qwen2.5-Instruct, ...): the chat template those models carry in
 * tokenizer.chat_template, for one system and one user turn; the context goes before the
 * question in the user's turn, as in codellama. The answer ends with <|im_end|>. */
static const char chatml_text[] = "{% if system %}<|im_start|>system\n{{ system }}<|im_end|>\n{% endif %}"
                                  "<|im_start|>user\n{% if context %}{{ context }}\n\n{% endif %}{{ question }}"
                                  "<|im_end|>\n<|im_start|>assistant\n{{ answer }}<|im_end|>\n";
static const char *const chatml_stops[] = {"<|im_end|>", "<|endoftext|>"};

static const struct builtin {
    const char *name;
    const char *text;
    const char *system;        /* default system text, or NULL */
    const char *const *stops;  /* end-of-turn stop strings */
    size_t n_stops;
} builtins[] = {
    {"chathpc", chathpc_text, tmpl_chathpc_preamble, NULL, 0},
    {"chatml", chatml_text, tmpl_mpi_system, chatml_stops, 2},
    {"codellama", codellama_text, tmpl_mpi_system, NULL, 0},
};
#define N_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

static const struct {
    const char *name;
    int var;
} names[] = {
    {"question", V_QUESTION}, {"prompt", V_QUESTION},   {"user", V_QUESTION},   {"answer", V_ANSWER},
    {"response", V_ANSWER},   {"assistant", V_ANSWER}, {"context", V_CONTEXT}, {"system", V_SYSTEM},
};

void tmpl_free(struct tmpl *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->nodes[i].text);
    free(t->nodes);
    free(t);
}

static struct node *push(struct tmpl *t, enum node_kind kind)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->nodes = cm_realloc(t->nodes, t->cap * sizeof(*t->nodes));
    }
    struct node *nd = &t->nodes[t->n++];
    memset(nd, 0, sizeof(*nd));
    nd->kind = kind;
    return nd;
}

/* The parser's state; errors point at `at`. */
struct parser {
    const char *s, *name;
    size_t len;
    struct tmpl *t;
};

static int perr(const struct parser *p, size_t at, const char *what, const char *detail)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->s[i] == '\n') line++, col = 1;
        else col++;
    }
    return cm_error_set(CM_EFORMAT, "cannot parse template at %s:%zu:%zu: %s%s", p->name, line, col, what,
                        detail ? detail : "");
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static int is_ident(char c, int first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* Splits a tag's inside [a, b) into words (identifiers); returns the count (max 3), or -1
 * when something other than identifiers and whitespace is there. */
static int words(const char *s, size_t a, size_t b, size_t wa[3], size_t wl[3])
{
    int n = 0;
    size_t i = a;
    while (i < b) {
        if (is_ws(s[i])) {
            i++;
            continue;
        }
        if (!is_ident(s[i], 1) || n == 3) return -1;
        wa[n] = i;
        while (i < b && is_ident(s[i], 0)) i++;
        wl[n] = i - wa[n];
        n++;
    }
    return n;
}

static int word_is(const char *s, size_t a, size_t l, const char *w) { return strlen(w) == l && !memcmp(s + a, w, l); }

static int lookup(const struct parser *p, size_t a, size_t l, int *var)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (word_is(p->s, a, l, names[i].name)) {
            *var = names[i].var;
            return 0;
        }
    char msg[96];
    snprintf(msg, sizeof(msg), "unknown variable '%.*s'", (int)(l > 40 ? 40 : l), p->s + a);
    perr(p, a, msg, "");
    cm_error_hint("a template knows question (prompt, user), answer (response, assistant), context and system");
    return CM_EFORMAT;
}

struct frame {
    size_t tag_at;  /* where the {% if %} is, for "unclosed" errors */
    size_t pending; /* the N_JUMP_UNLESS waiting for its target, or SIZE_MAX after else */
    size_t ends;    /* chain of N_JUMPs to patch at endif (through .target), SIZE_MAX = none */
};
#define MAX_DEPTH 32

static int parse(struct parser *p)
{
    struct tmpl *t = p->t;
    struct frame st[MAX_DEPTH];
    int depth = 0, strip_next = 0, n_answer = 0;
    size_t i = 0;
    while (i <= p->len) {
        /* text up to the next tag */
        size_t j = i;
        while (j + 1 < p->len && !(p->s[j] == '{' && (p->s[j + 1] == '{' || p->s[j + 1] == '%' || p->s[j + 1] == '#')))
            j++;
        if (j + 1 >= p->len) j = p->len;
        size_t a = i, b = j;
        if (strip_next)
            while (a < b && is_ws(p->s[a])) a++;
        int strip_left = j + 2 < p->len && p->s[j + 2] == '-';
        if (strip_left)
            while (b > a && is_ws(p->s[b - 1])) b--;
        if (b > a) {
            struct node *nd = push(t, N_TEXT);
            nd->text = cm_strndup(p->s + a, b - a);
            nd->len = b - a;
        }
        if (j >= p->len) break;

        char open = p->s[j + 1], close = open == '{' ? '}' : open;
        size_t in = j + 2 + strip_left, k = in, end = 0;
        for (; k + 1 < p->len; k++) {
            if (p->s[k] == close && p->s[k + 1] == '}') {
                end = k;
                break;
            }
            if (open != '#' && p->s[k] == '{' && (p->s[k + 1] == '{' || p->s[k + 1] == '%')) break; /* a new tag opens first */
        }
        if (!end) return perr(p, j, open == '{' ? "'{{' is never closed" : open == '%' ? "'{%' is never closed" : "comment is never closed", NULL);
        strip_next = end > in && p->s[end - 1] == '-';
        size_t body_end = end - strip_next;
        i = end + 2;
        if (open == '#') continue;

        size_t wa[3], wl[3];
        int nw = words(p->s, in, body_end, wa, wl);
        if (open == '{') {
            int var;
            if (nw != 1) return perr(p, j, "only a plain variable name can go in '{{ }}'", NULL);
            if (lookup(p, wa[0], wl[0], &var)) return CM_EFORMAT;
            if (var == V_ANSWER) {
                if (depth) return perr(p, j, "{{ answer }} cannot be inside {% if %}", NULL);
                if (n_answer++) return perr(p, j, "a second {{ answer }}", NULL);
                t->answer = t->n;
            }
            push(t, N_VAR)->var = var;
            continue;
        }
        if (nw == 0) return perr(p, j, "empty '{% %}' tag", NULL);
        if (nw < 0) goto unsupported;
        const char *s = p->s;
        if (word_is(s, wa[0], wl[0], "if") || word_is(s, wa[0], wl[0], "elif")) {
            int is_elif = wl[0] == 4, neg = nw == 3 && word_is(s, wa[1], wl[1], "not"), var;
            if (nw != 2 + neg) return perr(p, j, "expected '{% if NAME %}' or '{% if not NAME %}'", NULL);
            if (lookup(p, wa[1 + neg], wl[1 + neg], &var)) return CM_EFORMAT;
            if (var == V_ANSWER) return perr(p, wa[1 + neg], "{{ answer }} cannot be tested by {% if %}", NULL);
            if (is_elif) {
                if (!depth || st[depth - 1].pending == SIZE_MAX)
                    return perr(p, j, depth ? "'{% elif %}' after '{% else %}'" : "'{% elif %}' without '{% if %}'", NULL);
                struct frame *f = &st[depth - 1];
                struct node *jmp = push(t, N_JUMP);
                jmp->target = f->ends, f->ends = t->n - 1;
                t->nodes[f->pending].target = t->n;
            } else {
                if (depth == MAX_DEPTH) return perr(p, j, "'{% if %}' nested too deep", NULL);
                st[depth++] = (struct frame){j, 0, SIZE_MAX};
            }
            struct node *nd = push(t, N_JUMP_UNLESS);
            nd->var = var, nd->neg = neg;
            st[depth - 1].pending = t->n - 1;
        } else if (word_is(s, wa[0], wl[0], "else") && nw == 1) {
            if (!depth) return perr(p, j, "'{% else %}' without '{% if %}'", NULL);
            struct frame *f = &st[depth - 1];
            if (f->pending == SIZE_MAX) return perr(p, j, "a second '{% else %}'", NULL);
            struct node *jmp = push(t, N_JUMP);
            jmp->target = f->ends, f->ends = t->n - 1;
            t->nodes[f->pending].target = t->n;
            f->pending = SIZE_MAX;
        } else if (word_is(s, wa[0], wl[0], "endif") && nw == 1) {
            if (!depth) return perr(p, j, "'{% endif %}' without '{% if %}'", NULL);
            struct frame *f = &st[--depth];
            if (f->pending != SIZE_MAX) t->nodes[f->pending].target = t->n;
            for (size_t e = f->ends; e != SIZE_MAX;) {
                size_t next = t->nodes[e].target;
                t->nodes[e].target = t->n;
                e = next;
            }
        } else {
        unsupported:;
            char msg[80];
            size_t tl = i - j;
            snprintf(msg, sizeof(msg), "unsupported tag '%.*s%s'", (int)(tl > 40 ? 40 : tl), p->s + j, tl > 40 ? "..." : "");
            return perr(p, j, msg, "; this subset has if, elif, else and endif");
        }
    }
    if (depth) return perr(p, st[depth - 1].tag_at, "'{% if %}' is never closed with '{% endif %}'", NULL);
    if (!n_answer) {
        cm_error_set(CM_EFORMAT, "cannot use template '%s': it has no {{ answer }}", p->name);
        cm_error_hint("a template marks where the answer goes with {{ answer }} (or {{ response }}); the text before it is the prompt");
        return CM_EFORMAT;
    }
    return 0;
}

int tmpl_parse(struct tmpl **out, const char *text, size_t len, const char *name)
{
    *out = NULL;
    struct tmpl *t = cm_calloc(1, sizeof(*t));
    if (memchr(text, 0, len)) {
        tmpl_free(t);
        return cm_error_set(CM_EFORMAT, "cannot use template '%s': it holds a NUL byte", name);
    }
    struct parser p = {text, name, len, t};
    int rc = parse(&p);
    if (rc) {
        tmpl_free(t);
        return rc;
    }
    if (memmem(text, len, "<|im_start|>", 12)) /* a ChatML template of the user's own */
        t->stops = chatml_stops, t->n_stops = 2;
    *out = t;
    return 0;
}

int tmpl_load(struct tmpl **out, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = cm_read_file(&data, &len, path, 1 << 20);
    if (!rc) rc = tmpl_parse(out, data, len, path);
    free(data);
    return rc;
}

static const struct builtin *find_builtin(const char *name)
{
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (!strcmp(builtins[i].name, name)) return &builtins[i];
    return NULL;
}

int tmpl_is_builtin(const char *name) { return find_builtin(name) != NULL; }

int tmpl_special_tokens(const struct tmpl *t) { return t->n_stops > 0; }

const char *tmpl_builtin_list(void) { return "chathpc, chatml, codellama"; }

int tmpl_builtin(struct tmpl **out, const char *name)
{
    *out = NULL;
    const struct builtin *b = find_builtin(name);
    if (!b) {
        cm_error_set(CM_EINVAL, "unknown template '%s'", name);
        cm_error_hint("use %s, or the path of a template file", tmpl_builtin_list());
        return CM_EINVAL;
    }
    char where[32];
    snprintf(where, sizeof(where), "<%s>", b->name);
    int rc = tmpl_parse(out, b->text, strlen(b->text), where);
    if (rc) return rc;
    (*out)->default_system = b->system;
    (*out)->name = b->name;
    (*out)->stops = b->stops;
    (*out)->n_stops = b->n_stops;
    return 0;
}

int tmpl_open(struct tmpl **out, const char *name_or_path)
{
    if (find_builtin(name_or_path)) return tmpl_builtin(out, name_or_path);
    return tmpl_load(out, name_or_path);
}

const char *tmpl_name(const struct tmpl *t) { return t->name; }

const char *const *tmpl_stops(const struct tmpl *t, size_t *n)
{
    *n = t->n_stops;
    return t->stops;
}

static const char *value(const struct tmpl *t, const struct tmpl_vars *v, int var)
{
    switch (var) {
    case V_QUESTION: return v->question;
    case V_CONTEXT: return v->context;
    case V_ANSWER: return v->answer;
    default: return v->system ? v->system : t->default_system;
    }
}

static void run(const struct tmpl *t, const struct tmpl_vars *v, size_t from, size_t to, struct cm_buf *out)
{
    for (size_t pc = from; pc < to;) {
        const struct node *nd = &t->nodes[pc];
        const char *s;
        switch (nd->kind) {
        case N_TEXT: cm_buf_append(out, nd->text, nd->len); break;
        case N_VAR:
            if ((s = value(t, v, nd->var))) cm_buf_puts(out, s);
            break;
        case N_JUMP_UNLESS:
            s = value(t, v, nd->var);
            if ((s && *s) == nd->neg) {
                pc = nd->target;
                continue;
            }
            break;
        case N_JUMP: pc = nd->target; continue;
        }
        pc++;
    }
}

/* Renders the prompt part and returns how many trailing spaces it ends with. */
static size_t prompt_part(const struct tmpl *t, const struct tmpl_vars *v, struct cm_buf *out, size_t start)
{
    run(t, v, 0, t->answer, out);
    size_t sp = 0;
    while (out->len - sp > start && out->data[out->len - sp - 1] == ' ') sp++;
    return sp;
}

int tmpl_render_prompt(const struct tmpl *t, const struct tmpl_vars *v, struct cm_buf *out)
{
    size_t start = out->len;
    size_t sp = prompt_part(t, v, out, start);
    out->len -= sp;
    if (out->data) out->data[out->len] = 0;
    return 0;
}

int tmpl_render_full(const struct tmpl *t, const struct tmpl_vars *v, struct cm_buf *out, size_t *answer_off)
{
    size_t start = out->len;
    size_t sp = prompt_part(t, v, out, start);
    if (answer_off) *answer_off = out->len - sp - start;
    if (v->answer) cm_buf_puts(out, v->answer);
    run(t, v, t->answer + 1, t->n, out);
    return 0;
}

char *tmpl_training_answer(const struct tmpl *t, const char *answer)
{
    size_t n = strlen(answer), lead = strspn(answer, " \t\r\n");
    if (t->default_system != tmpl_mpi_system || !strncmp(answer + lead, "```", 3)) return cm_strdup(answer);
    while (n > lead && (answer[n - 1] == '\n' || answer[n - 1] == '\r' || answer[n - 1] == ' ')) n--;
    char *out = cm_malloc(n - lead + 16);
    sprintf(out, "```c\n%.*s\n```", (int)(n - lead), answer + lead);
    return out;
}
