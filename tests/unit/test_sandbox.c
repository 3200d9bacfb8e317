/* The sandbox's way of stopping a run in plain mode (src/harness/sandbox.h): SIGKILL at once
 * by default; with term_grace_s, SIGTERM first (srun cancels its job step on it) and SIGKILL
 * only when the command is still there when the grace is over. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fs.h"
#include "harness/sandbox.h"

static char *dir;

static void setup(void)
{
    cr_assert_eq(cm_make_temp_dir(&dir, "chatmpi-test-sandbox-"), 0);
    sandbox_force_plain("unit test");
}

static void teardown(void)
{
    cm_remove_tree(dir);
    free(dir);
}

TestSuite(sandbox, .init = setup, .fini = teardown, .timeout = 20);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs sh -c script with a 0.3 s limit and the given grace; returns the seconds it took. */
static double run_sh(struct sandbox_result *res, const char *script, double grace)
{
    char *const argv[] = {"sh", "-c", (char *)script, NULL};
    struct sandbox_spec spec = {dir, "", argv, NULL, 0, NULL, {0}};
    sandbox_limits_default(&spec.lim);
    spec.lim.wall_s = 0.3;
    spec.term_grace_s = grace;
    double t0 = now_s();
    cr_assert_eq(sandbox_run(res, &spec), 0);
    return now_s() - t0;
}

#define LOOP "while :; do sleep 0.05; done"

Test(sandbox, kill_at_once_without_grace)
{
    struct sandbox_result res;
    double took = run_sh(&res, "trap 'echo got-term; exit 7' TERM; " LOOP, 0);
    cr_assert_eq(res.end, SANDBOX_TIMEOUT);
    cr_assert_null(res.out.data ? strstr(res.out.data, "got-term") : NULL, "SIGTERM sent without a grace");
    cr_assert_lt(took, 3.0);
    sandbox_result_release(&res);
}

Test(sandbox, term_first_with_grace)
{
    struct sandbox_result res;
    double took = run_sh(&res, "trap 'echo got-term; exit 7' TERM; " LOOP, 5);
    cr_assert_eq(res.end, SANDBOX_TIMEOUT, "a timeout stays a timeout when the command exits on SIGTERM");
    cr_assert_not_null(res.out.data);
    cr_assert_not_null(strstr(res.out.data, "got-term"), "stdout: %s", res.out.data);
    cr_assert_lt(took, 3.0, "waited %.2f s although the command exited on SIGTERM", took);
    sandbox_result_release(&res);
}

Test(sandbox, kill_after_grace_when_term_is_ignored)
{
    struct sandbox_result res;
    double took = run_sh(&res, "trap '' TERM; " LOOP, 0.5);
    cr_assert_eq(res.end, SANDBOX_TIMEOUT);
    cr_assert_geq(took, 0.75, "SIGKILL came before the grace was over (%.2f s)", took);
    cr_assert_lt(took, 4.0, "SIGKILL did not come after the grace (%.2f s)", took);
    sandbox_result_release(&res);
}
