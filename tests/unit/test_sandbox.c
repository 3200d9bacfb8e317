/* The sandbox's way of stopping a run in plain mode (src/harness/sandbox.h): SIGKILL at once
 * by default; with term_grace_s, SIGTERM first (srun cancels its job step on it) and SIGKILL
 * only when the command is still there when the grace is over; a launcher that reports a
 * failed rank and then hangs ends as SANDBOX_ABORTED. */
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

Test(sandbox, abort_marker_then_hang_is_aborted)
{
    char *const argv[] = {"sh", "-c", "echo 'rank 1 exited on signal 11' >&2; " LOOP, NULL};
    const char *const markers[] = {"exited on signal", NULL};
    struct sandbox_spec spec = {dir, "", argv, NULL, 0, markers, {0}};
    sandbox_limits_default(&spec.lim);
    spec.lim.wall_s = 60;
    struct sandbox_result res;
    double t0 = now_s();
    cr_assert_eq(sandbox_run(&res, &spec), 0);
    double took = now_s() - t0;
    cr_assert_eq(res.end, SANDBOX_ABORTED, "end %d", (int)res.end);
    cr_assert(res.abort_seen);
    cr_assert_lt(took, SANDBOX_ABORT_GRACE_S + 2.0, "waited %.2f s after the marker", took);
    char d[256];
    sandbox_describe_end(&res, &spec, d, sizeof(d));
    cr_assert(strstr(d, "reported a failed rank"), "%s", d);
    sandbox_result_release(&res);
}
