/* compare.h — the program contract's output comparison.
 *
 * Both outputs are split on whitespace. Numeric tokens (a whole token that strtod accepts)
 * must agree within |got - want| <= atol + rtol * |want|; NaN never matches; infinities match
 * only an infinity of the same sign. Other tokens must be byte-equal; a number never matches
 * a non-number. Token counts must match. Streaming: no allocation, any output size.
 */
#ifndef CM_COMPARE_H
#define CM_COMPARE_H

#include <stddef.h>

enum cmp_why {
    CMP_SAME = 0,
    CMP_VALUE,     /* both numbers, outside tolerance */
    CMP_NAN,       /* a NaN on either side */
    CMP_TEXT,      /* text tokens differ, or number vs text */
    CMP_TOO_FEW,   /* the candidate ended early */
    CMP_TOO_MANY,  /* the candidate has extra tokens */
};

struct cmp_result {
    enum cmp_why why;
    size_t index;        /* 0-based index of the first differing token */
    size_t line;         /* 1-based line of that token in the candidate output (or its end) */
    char got[64];        /* the candidate's token, truncated; "" when it has none */
    char want[64];       /* the reference's token, truncated; "" when it has none */
    size_t n_got, n_want; /* token counts, filled when counts differ */
};

/* Compares the candidate output `got` with the reference `want`. Returns 1 when they agree. */
int cmp_outputs(struct cmp_result *res, const char *got, size_t got_len, const char *want,
                size_t want_len, double rtol, double atol);
/* Parses a whole token as a number (strtod syntax); returns 1 on success. */
int cmp_parse_number(const char *tok, size_t len, double *out);
/* One-line description of a mismatch, e.g. "token 5 (line 2): got 3.5, expected 3.25". */
void cmp_describe(const struct cmp_result *res, char *buf, size_t n);
const char *cmp_why_name(enum cmp_why why);

#endif
