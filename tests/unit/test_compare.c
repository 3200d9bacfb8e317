/* The program contract's comparison rule: tolerances, NaN/inf, token counts, text tokens,
 * whitespace, and outputs too large to hold twice. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/compare.h"

static int same(const char *got, const char *want, double rtol, double atol, struct cmp_result *r)
{
    return cmp_outputs(r, got, strlen(got), want, strlen(want), rtol, atol);
}

Test(compare, identical_and_whitespace_insensitive)
{
    struct cmp_result r;
    cr_assert(same("1 2 3\n", "1 2 3\n", 0, 0, &r));
    cr_assert(same("1\t2\n\n3", "  1 2 3  ", 0, 0, &r));
    cr_assert(same("", "", 0, 0, &r));
    cr_assert(same(" \n", "", 0, 0, &r));
}

Test(compare, relative_and_absolute_tolerance)
{
    struct cmp_result r;
    cr_assert(same("1.0000001", "1.0", 1e-6, 0, &r));
    cr_assert_not(same("1.00001", "1.0", 1e-6, 0, &r));
    cr_assert_eq(r.why, CMP_VALUE);
    cr_assert(same("1e-12", "0", 0, 1e-9, &r));
    cr_assert_not(same("1e-8", "0", 0, 1e-9, &r));
    /* the tolerance is relative to the reference (b), not the candidate */
    cr_assert(same("110", "100", 0.1, 0, &r));
    cr_assert_not(same("100", "110", 0.09, 0, &r));
    /* number formats: exponents, signs, integers against floats */
    cr_assert(same("2.5e+00 -0 3", "2.5 0.0 3.000", 0, 0, &r));
}

Test(compare, nan_never_matches)
{
    struct cmp_result r;
    cr_assert_not(same("nan", "nan", 1, 1, &r));
    cr_assert_eq(r.why, CMP_NAN);
    cr_assert_not(same("1", "NaN", 1, 1, &r));
    cr_assert_not(same("-nan", "1", 1e9, 1e9, &r));
}

Test(compare, infinities)
{
    struct cmp_result r;
    cr_assert(same("inf", "inf", 0, 0, &r));
    cr_assert(same("-inf", "-INF", 0, 0, &r));
    cr_assert_not(same("inf", "-inf", 1, 1, &r));
    cr_assert_not(same("inf", "1e308", 1, 1, &r));
    cr_assert_not(same("1e308", "inf", 1, 1, &r));
}

Test(compare, token_count_mismatch)
{
    struct cmp_result r;
    cr_assert_not(same("1 2", "1 2 3 4", 0, 0, &r));
    cr_assert_eq(r.why, CMP_TOO_FEW);
    cr_assert_eq(r.index, 2);
    cr_assert_eq(r.n_got, 2);
    cr_assert_eq(r.n_want, 4);
    cr_assert_str_eq(r.want, "3");
    cr_assert_not(same("1 2 3\n4\n5", "1 2 3", 0, 0, &r));
    cr_assert_eq(r.why, CMP_TOO_MANY);
    cr_assert_eq(r.n_got, 5);
    cr_assert_eq(r.n_want, 3);
    cr_assert_eq(r.line, 2);
}

Test(compare, text_tokens)
{
    struct cmp_result r;
    cr_assert(same("sum = 3", "sum = 3.0", 0, 0, &r));
    cr_assert_not(same("Sum = 3", "sum = 3", 0, 0, &r));
    cr_assert_eq(r.why, CMP_TEXT);
    cr_assert_eq(r.index, 0);
    /* a number never matches text, and "3," is text */
    cr_assert_not(same("3,", "3", 1, 1, &r));
    cr_assert_not(same("x", "1", 1, 1, &r));
}

Test(compare, reports_position_and_values)
{
    struct cmp_result r;
    cr_assert_not(same("1 2\n3 4.5\n", "1 2\n3 4.25\n", 1e-3, 0, &r));
    cr_assert_eq(r.index, 3);
    cr_assert_eq(r.line, 2);
    cr_assert_str_eq(r.got, "4.5");
    cr_assert_str_eq(r.want, "4.25");
    char d[200];
    cmp_describe(&r, d, sizeof(d));
    cr_assert_str_eq(d, "token 3 (line 2): got '4.5', expected '4.25'");
}

Test(compare, long_tokens_truncated_in_report)
{
    struct cmp_result r;
    char a[300], b[300];
    memset(a, 'a', 299), a[299] = 0;
    memset(b, 'a', 299), b[299] = 0;
    b[250] = 'b';
    cr_assert_not(same(a, b, 0, 0, &r));
    cr_assert_eq(strlen(r.got), sizeof(r.got) - 1);
    cr_assert_str_eq(r.got + sizeof(r.got) - 4, "...");
}

Test(compare, huge_outputs)
{
    /* 5 million tokens (~50 MB) compared in one pass */
    size_t n = 5000000, len = n * 10;
    char *a = malloc(len + 1), *b = malloc(len + 1);
    cr_assert(a && b);
    for (size_t i = 0; i < n; i++) {
        memcpy(a + 10 * i, "1.2345678\n", 10);
        memcpy(b + 10 * i, "1.2345679\n", 10);
    }
    a[len] = b[len] = 0;
    struct cmp_result r;
    cr_assert(cmp_outputs(&r, a, len, b, len, 1e-6, 0));
    b[len - 3] = '8'; /* last token: 1.2345689 */
    cr_assert_not(cmp_outputs(&r, a, len, b, len, 1e-7, 0));
    cr_assert_eq(r.index, n - 1);
    cr_assert_eq(r.line, n);
    free(a);
    free(b);
}

Test(compare, parse_number)
{
    double v;
    cr_assert(cmp_parse_number("1e3", 3, &v));
    cr_assert_float_eq(v, 1000, 0);
    cr_assert_not(cmp_parse_number("1e3x", 4, &v));
    cr_assert_not(cmp_parse_number("", 0, &v));
    cr_assert_not(cmp_parse_number("abc", 3, &v));
    cr_assert(cmp_parse_number("-inf", 4, &v));
    cr_assert(isinf(v) && v < 0);
}
