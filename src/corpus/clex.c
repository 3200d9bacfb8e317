/* clex.c — the C lexer behind the corpus augmenter (see clex.h). */
#include "corpus/clex.h"

#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"

void clex_init(struct clex *lx) { memset(lx, 0, sizeof(*lx)); }

void clex_release(struct clex *lx)
{
    free(lx->toks);
    clex_init(lx);
}

static void push(struct clex *lx, enum clex_kind k, size_t off, size_t len, int line, int in_define)
{
    if (lx->n == lx->cap) {
        lx->cap = lx->cap ? 2 * lx->cap : 256;
        lx->toks = cm_realloc(lx->toks, lx->cap * sizeof(*lx->toks));
    }
    lx->toks[lx->n++] = (struct clex_tok){k, off, len, line, in_define};
}

static int is_id0(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_id(int c) { return is_id0(c) || (c >= '0' && c <= '9'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int count_nl(const char *s, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) k += s[i] == '\n';
    return k;
}

/* End of a quoted literal starting at the quote s[i]; 0 when unterminated. */
static size_t quoted_end(const char *s, size_t n, size_t i)
{
    char q = s[i];
    for (i++; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (s[i] == q) return i + 1;
        if (s[i] == '\n') return 0;
    }
    return 0;
}

static const char *const puncts3[] = {"<<=", ">>=", "...", NULL};
static const char *const puncts2[] = {"->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=",
                                      "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", NULL};

int clex_run(struct clex *lx, const char *src, size_t len)
{
    lx->src = src, lx->len = len, lx->n = 0;
    size_t i = 0;
    int line = 1, in_define = 0, line_start = 1; /* only whitespace so far on this line */
    while (i < len) {
        size_t st = i;
        int c = (unsigned char)src[i];
        enum clex_kind k;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
            (c == '\\' && i + 1 < len && src[i + 1] == '\n')) {
            int ends_define = 0;
            while (i < len) {
                if (src[i] == '\\' && i + 1 < len && src[i + 1] == '\n') {
                    i += 2;
                } else if (src[i] == '\n') {
                    i++;
                    line_start = 1;
                    if (in_define) { /* a bare newline ends the #define */
                        ends_define = 1;
                        break;
                    }
                } else if (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\f' || src[i] == '\v') {
                    i++;
                } else {
                    break;
                }
            }
            push(lx, CLEX_WS, st, i - st, line, in_define);
            if (ends_define) in_define = 0;
            line += count_nl(src + st, i - st);
            continue;
        }
        if (c == '/' && i + 1 < len && src[i + 1] == '*') {
            const char *e = NULL;
            for (size_t j = i + 2; j + 1 < len; j++)
                if (src[j] == '*' && src[j + 1] == '/') {
                    e = src + j + 2;
                    break;
                }
            if (!e) return cm_error_set(CM_EFORMAT, "line %d: unterminated comment", line);
            i = (size_t)(e - src);
            k = CLEX_COMMENT;
        } else if (c == '/' && i + 1 < len && src[i + 1] == '/') {
            while (i < len && src[i] != '\n') {
                if (src[i] == '\\' && i + 1 < len && src[i + 1] == '\n') i++;
                i++;
            }
            k = CLEX_COMMENT;
        } else if (c == '#' && line_start && !in_define) {
            /* a directive: "#define" is lexed on, anything else is one opaque token */
            size_t j = i + 1;
            while (j < len && (src[j] == ' ' || src[j] == '\t')) j++;
            size_t w = j;
            while (j < len && is_id(src[j])) j++;
            if (j - w == 6 && !memcmp(src + w, "define", 6)) {
                i = j;
                push(lx, CLEX_DEFINE, st, i - st, line, 1);
                in_define = 1, line_start = 0;
                continue;
            }
            while (i < len && src[i] != '\n') {
                if (src[i] == '\\' && i + 1 < len && src[i + 1] == '\n') i++;
                i++;
            }
            k = CLEX_PP;
        } else if (c == '"' || c == '\'' ||
                   ((c == 'L' || c == 'U' || c == 'u') && i + 1 < len && (src[i + 1] == '"' || src[i + 1] == '\'')) ||
                   (c == 'u' && i + 2 < len && src[i + 1] == '8' && src[i + 2] == '"')) {
            size_t q = i;
            while (src[q] != '"' && src[q] != '\'') q++;
            size_t e = quoted_end(src, len, q);
            if (!e)
                return cm_error_set(CM_EFORMAT, "line %d: unterminated %s literal", line,
                                    src[q] == '"' ? "string" : "character");
            k = src[q] == '"' ? CLEX_STRING : CLEX_CHAR;
            i = e;
        } else if (is_id0(c)) {
            while (i < len && is_id(src[i])) i++;
            k = CLEX_IDENT;
        } else if (is_digit(c) || (c == '.' && i + 1 < len && is_digit(src[i + 1]))) {
            i++;
            while (i < len) {
                if ((src[i] == '+' || src[i] == '-') &&
                    (src[i - 1] == 'e' || src[i - 1] == 'E' || src[i - 1] == 'p' || src[i - 1] == 'P'))
                    i++;
                else if (is_id(src[i]) || src[i] == '.')
                    i++;
                else
                    break;
            }
            k = CLEX_NUMBER;
        } else if (strchr("[](){}.&*+-~!/%<>^|?:;=,#", c) && c) {
            size_t n = 1;
            for (int t = 0; puncts3[t]; t++)
                if (i + 3 <= len && !memcmp(src + i, puncts3[t], 3)) n = 3;
            for (int t = 0; n == 1 && puncts2[t]; t++)
                if (i + 2 <= len && !memcmp(src + i, puncts2[t], 2)) n = 2;
            i += n;
            k = CLEX_PUNCT;
        } else {
            return cm_error_set(CM_EFORMAT, "line %d: unexpected byte 0x%02x", line, (unsigned)c);
        }
        push(lx, k, st, i - st, line, in_define);
        line += count_nl(src + st, i - st);
        line_start = 0;
    }
    return 0;
}

int clex_is(const struct clex *lx, size_t i, const char *s)
{
    if (i >= lx->n) return 0;
    size_t n = strlen(s);
    return lx->toks[i].len == n && !memcmp(lx->src + lx->toks[i].off, s, n);
}

size_t clex_next_sig(const struct clex *lx, size_t i)
{
    for (i++; i < lx->n; i++)
        if (lx->toks[i].kind != CLEX_WS && lx->toks[i].kind != CLEX_COMMENT) return i;
    return lx->n;
}

size_t clex_prev_sig(const struct clex *lx, size_t i)
{
    while (i-- > 0)
        if (lx->toks[i].kind != CLEX_WS && lx->toks[i].kind != CLEX_COMMENT) return i;
    return SIZE_MAX;
}

static const char *const keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
    "_Static_assert", "_Thread_local", NULL};

int clex_is_keyword(const char *s, size_t n)
{
    for (int i = 0; keywords[i]; i++)
        if (strlen(keywords[i]) == n && !memcmp(keywords[i], s, n)) return 1;
    return 0;
}


/* The token closing the bracket at i ((, [ or {), or lx->n. */
size_t clex_match(const struct clex *lx, size_t i)
{
    int depth = 0;
    for (size_t k = i; k < lx->n; k++) {
        if (lx->toks[k].kind != CLEX_PUNCT) continue;
        char ch = lx->src[lx->toks[k].off];
        if (lx->toks[k].len != 1) continue;
        if (ch == '(' || ch == '[' || ch == '{') depth++;
        else if ((ch == ')' || ch == ']' || ch == '}') && --depth == 0) return k;
    }
    return lx->n;
}

/* The last token of the statement starting at token i. */
size_t clex_stmt_end(const struct clex *lx, size_t i)
{
    if (i >= lx->n) return lx->n;
    if (clex_is(lx, i, "{")) return clex_match(lx, i);
    if (clex_is(lx, i, "for") || clex_is(lx, i, "while") || clex_is(lx, i, "switch") || clex_is(lx, i, "if")) {
        size_t close = clex_match(lx, clex_next_sig(lx, i));
        if (close >= lx->n) return lx->n;
        size_t e = clex_stmt_end(lx, clex_next_sig(lx, close));
        if (clex_is(lx, i, "if") && e < lx->n) {
            size_t n = clex_next_sig(lx, e);
            if (clex_is(lx, n, "else")) return clex_stmt_end(lx, clex_next_sig(lx, n));
        }
        return e;
    }
    if (clex_is(lx, i, "do")) {
        size_t e = clex_stmt_end(lx, clex_next_sig(lx, i)); /* then: while ( ... ) ; */
        size_t w = e < lx->n ? clex_next_sig(lx, e) : lx->n;
        size_t close = w < lx->n ? clex_match(lx, clex_next_sig(lx, w)) : lx->n;
        return close < lx->n ? clex_next_sig(lx, close) : lx->n;
    }
    int depth = 0;
    for (size_t k = i; k < lx->n; k++) {
        if (lx->toks[k].kind != CLEX_PUNCT || lx->toks[k].len != 1) continue;
        char ch = lx->src[lx->toks[k].off];
        if (ch == '(' || ch == '[' || ch == '{') depth++;
        else if (ch == ')' || ch == ']' || ch == '}') depth--;
        else if (ch == ';' && depth <= 0) return k;
    }
    return lx->n;
}
