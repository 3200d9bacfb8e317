/* Option parsing: every kind of value, bounds, unknown options, positionals. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "cli/opt.h"

static int flag;
static const char *str;
static long n;
static double x;
static struct opt_ints np;
static struct cm_strlist list;

static const struct opt_spec specs[] = {
    {OPT_FLAG, "keep", 'k', NULL, "keep", &flag},
    {OPT_STR, "json", 0, "FILE", "json", &str},
    {OPT_INT, "runs", 'r', NULL, "runs", &n, 1, 100},
    {OPT_DOUBLE, "rtol", 0, NULL, "rtol", &x, 0, 0, 0.0, 1.0},
    {OPT_INT_LIST, "np", 0, NULL, "ranks", &np, 1, 64},
    {OPT_STR_LIST, "args", 0, NULL, "args", &list},
    {0},
};
static const struct opt_cmd cmd = {"check", "[options] A B", "test", NULL, 2, 2, specs};

static int parse(int argc, char **argv, struct cm_strlist *pos)
{
    flag = 0, str = NULL, n = 0, x = 0, np.n = 0;
    cm_strlist_release(&list);
    cm_strlist_init(pos);
    return opt_parse(&cmd, argc, argv, pos);
}

TestSuite(opt, .init = cr_redirect_stderr);

Test(opt, all_kinds)
{
    struct cm_strlist pos;
    char *argv[] = {"check", "a.c", "--keep", "--json=o.json", "-r", "5", "--rtol", "1e-6",
                    "--np", "1,2,3", "--args", "10 20", "--args=7", "b.c", NULL};
    cr_assert_eq(parse(14, argv, &pos), OPT_OK);
    cr_assert_eq(flag, 1);
    cr_assert_str_eq(str, "o.json");
    cr_assert_eq(n, 5);
    cr_assert_float_eq(x, 1e-6, 1e-18);
    cr_assert_eq(np.n, 3);
    cr_assert_eq(np.v[2], 3);
    cr_assert_eq(list.n, 2);
    cr_assert_str_eq(list.items[0], "10 20");
    cr_assert_str_eq(list.items[1], "7");
    cr_assert_eq(pos.n, 2);
    cr_assert_str_eq(pos.items[1], "b.c");
    cm_strlist_release(&pos);
}

Test(opt, double_dash_ends_options)
{
    struct cm_strlist pos;
    char *argv[] = {"check", "--", "--keep", "-x", NULL};
    cr_assert_eq(parse(4, argv, &pos), OPT_OK);
    cr_assert_eq(flag, 0);
    cr_assert_str_eq(pos.items[0], "--keep");
    cm_strlist_release(&pos);
}

Test(opt, rejects_bad_values)
{
    struct cm_strlist pos;
    char *a1[] = {"check", "a", "b", "--runs", "0", NULL};
    cr_assert_eq(parse(5, a1, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
    char *a2[] = {"check", "a", "b", "--runs", "5x", NULL};
    cr_assert_eq(parse(5, a2, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
    char *a3[] = {"check", "a", "b", "--np", "1,,2", NULL};
    cr_assert_eq(parse(5, a3, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
    char *a4[] = {"check", "a", "b", "--np", "0", NULL};
    cr_assert_eq(parse(5, a4, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
    char *a5[] = {"check", "a", "b", "--rtol", "nan", NULL};
    cr_assert_eq(parse(5, a5, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
    char *a6[] = {"check", "a", "b", "--json", NULL};
    cr_assert_eq(parse(4, a6, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
    char *a7[] = {"check", "a", "b", "--keep=1", NULL};
    cr_assert_eq(parse(4, a7, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
}

Test(opt, unknown_option_suggests)
{
    struct cm_strlist pos;
    char *argv[] = {"check", "a", "b", "--jsn", "x", NULL};
    cr_assert_eq(parse(5, argv, &pos), OPT_USAGE);
    fflush(stderr);
    cr_assert_stderr_eq_str("chatmpi check: unknown option '--jsn'\n"
                            "hint: did you mean '--json'? see 'chatmpi check --help'\n");
    cm_strlist_release(&pos);
}

Test(opt, positional_count)
{
    struct cm_strlist pos;
    char *argv[] = {"check", "a", NULL};
    cr_assert_eq(parse(2, argv, &pos), OPT_USAGE);
    cm_strlist_release(&pos);
}

Test(opt, edit_distance)
{
    cr_assert_eq(opt_edit_distance("check", "chek"), 1);
    cr_assert_eq(opt_edit_distance("", "abc"), 3);
    cr_assert_eq(opt_edit_distance("np", "np"), 0);
}
