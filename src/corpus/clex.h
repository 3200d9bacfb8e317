/* clex.h — a small C lexer for source-to-source rewriting (the corpus augmenter).
 *
 * The token list covers the input exactly: concatenating every token's text gives the source
 * back byte for byte, whitespace and comments included. It knows string and character
 * literals (with L/u/U/u8 prefixes), both comment forms, backslash-newlines, pp-numbers and
 * the multi-character punctuators. Preprocessor lines: a `#define` is lexed token by token
 * (its tokens carry in_define, and the directive head "#define" is one CLEX_DEFINE token) so
 * that names in macro bodies can be seen; every other directive (#include, #if, ...) is one
 * opaque CLEX_PP token up to its end of line.
 * Deliberately leaves out trigraphs, digraphs and raw strings: the corpus is plain C11.
 */
#ifndef CM_CLEX_H
#define CM_CLEX_H

#include <stddef.h>

enum clex_kind {
    CLEX_WS = 0, /* spaces, tabs, newlines, backslash-newlines */
    CLEX_COMMENT,
    CLEX_IDENT,  /* identifiers and keywords */
    CLEX_NUMBER, /* pp-number: 10, 1.5e-3, 0x1fUL, 2.0f */
    CLEX_STRING, /* "..." with any prefix */
    CLEX_CHAR,   /* '...' with any prefix */
    CLEX_PUNCT,
    CLEX_PP,     /* an opaque directive line (not #define), without its newline */
    CLEX_DEFINE, /* "#define" (or "# define") heading a macro definition */
};

struct clex_tok {
    enum clex_kind kind;
    size_t off, len;
    int line;      /* 1-based line of the first byte */
    int in_define; /* part of a #define line (its name, parameters and body) */
};

struct clex {
    const char *src; /* borrowed */
    size_t len;
    struct clex_tok *toks; /* owned */
    size_t n, cap;
};

void clex_init(struct clex *lx);
void clex_release(struct clex *lx);
/* Lexes src[0..len). Fails (CM_EFORMAT, with the line) on an unterminated comment, string or
 * character literal, or a stray byte that cannot start a token. The source must outlive lx. */
int clex_run(struct clex *lx, const char *src, size_t len);
/* 1 when token i's text equals s. */
int clex_is(const struct clex *lx, size_t i, const char *s);
/* Index of the next / previous token that is neither whitespace nor a comment, or lx->n / SIZE_MAX. */
size_t clex_next_sig(const struct clex *lx, size_t i);
size_t clex_prev_sig(const struct clex *lx, size_t i);
/* The token closing the bracket at token i ((, [ or {), or lx->n. */
size_t clex_match(const struct clex *lx, size_t i);
/* The last token of the statement starting at token i (a block, for/while/switch/if with
 * its body and else, do ... while (...);, else up to its `;`), or lx->n. */
size_t clex_stmt_end(const struct clex *lx, size_t i);
/* 1 when s is a C11 keyword. */
int clex_is_keyword(const char *s, size_t n);

#endif
