/* The PMPI profile reader: good runs and their totals, and every kind of bad file rejected
 * with the file name and line. The profiler itself is tested end to end in
 * tests/e2e/test_profiler.sh (it needs mpicc and mpirun). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/fs.h"
#include "harness/profile.h"

static char *tmp;

static void setup(void) { cr_assert_eq(cm_make_temp_dir(&tmp, "cm-prof-test-"), 0); }
static void teardown(void)
{
    cm_remove_tree(tmp);
    free(tmp);
}

TestSuite(profile, .init = setup, .fini = teardown);

static void put(const char *fname, const char *text)
{
    char *p = cm_path_join(tmp, fname);
    cr_assert_eq(cm_write_file_atomic(p, text, strlen(text)), 0);
    free(p);
}

/* A well-formed file for rank r of size p with the given byte counts. */
static void put_rank(int r, int p, unsigned long long send_bytes, unsigned long long coll_bytes,
                     const char *mpi_time, const char *total_time)
{
    char name[64], text[1024];
    snprintf(name, sizeof(name), "chatmpi-prof.%d.txt", r);
    snprintf(text, sizeof(text),
             "chatmpi-prof 1\nrank %d\nsize %d\nmpi_time %s\ntotal_time %s\n"
             "p2p_msgs 2\np2p_bytes %llu\ncoll_calls 1\ncoll_bytes %llu\n"
             "op MPI_Send calls 2 bytes %llu time 0.000100000\n"
             "op MPI_Recv calls 2 bytes 0 time 0.000200000\n"
             "op MPI_Allreduce calls 1 bytes %llu time 0.001000000\nend\n",
             r, p, mpi_time, total_time, send_bytes, coll_bytes, send_bytes, coll_bytes);
    put(name, text);
}

static void put_good_run(void)
{
    put_rank(0, 3, 800, 56, "0.5", "2.0");
    put_rank(1, 3, 1600, 56, "1.5", "2.0");
    put_rank(2, 3, 800, 56, "0.25", "2.000000000");
}

Test(profile, reads_a_good_run_and_its_totals)
{
    put_good_run();
    put("unrelated.txt", "ignored\n");
    put("chatmpi-prof.1.txt.tmp", "a rank's unfinished write is ignored\n");
    struct prof_run run;
    prof_run_init(&run);
    cr_assert_eq(prof_read_dir(&run, tmp, 3), 0, "%s", cm_error_message());
    cr_assert_eq(run.n_ranks, 3);
    for (int r = 0; r < 3; r++) {
        cr_assert_eq(run.ranks[r].rank, r);
        cr_assert_eq(run.ranks[r].size, 3);
        cr_assert_eq(run.ranks[r].n_ops, 3);
    }
    const struct prof_rank *r1 = &run.ranks[1];
    cr_assert_eq(r1->p2p_msgs, 2);
    cr_assert_eq(r1->p2p_bytes, 1600);
    cr_assert_eq(r1->coll_calls, 1);
    cr_assert_eq(r1->coll_bytes, 56);
    cr_assert_float_eq(r1->mpi_time_s, 1.5, 1e-12);
    cr_assert_float_eq(r1->total_time_s, 2.0, 1e-12);
    const struct prof_op *op = prof_rank_find_op(r1, "MPI_Allreduce");
    cr_assert_not_null(op);
    cr_assert_eq(op->calls, 1);
    cr_assert_eq(op->bytes, 56);
    cr_assert_float_eq(op->time_s, 0.001, 1e-12);
    cr_assert_str_eq(r1->ops[0].name, "MPI_Send");
    cr_assert_null(prof_rank_find_op(r1, "MPI_Bcast"));
    cr_assert_eq(run.total_bytes, 800 + 1600 + 800 + 3 * 56);
    cr_assert_eq(run.max_rank_bytes, 1600 + 56);
    cr_assert_eq(run.total_msgs, 6);
    cr_assert_float_eq(run.max_mpi_frac, 0.75, 1e-12);
    prof_run_release(&run);
    cr_assert_null(run.ranks);
    cr_assert_eq(run.n_ranks, 0);
}

Test(profile, takes_the_rank_count_from_the_files)
{
    put_good_run();
    struct prof_run run;
    prof_run_init(&run);
    cr_assert_eq(prof_read_dir(&run, tmp, 0), 0, "%s", cm_error_message());
    cr_assert_eq(run.n_ranks, 3);
    prof_run_release(&run);
}

Test(profile, zero_total_time_gives_zero_fraction)
{
    put_rank(0, 1, 0, 0, "0", "0");
    struct prof_run run;
    prof_run_init(&run);
    cr_assert_eq(prof_read_dir(&run, tmp, 1), 0, "%s", cm_error_message());
    cr_assert_float_eq(run.max_mpi_frac, 0.0, 1e-12);
    cr_assert_eq(run.total_bytes, 0);
    prof_run_release(&run);
}

/* Reads tmp expecting failure with a message containing every given fragment. */
static void expect_fail(int expected_ranks, int code, const char *frag1, const char *frag2)
{
    struct prof_run run;
    prof_run_init(&run);
    int rc = prof_read_dir(&run, tmp, expected_ranks);
    cr_assert_eq(rc, code, "rc %d, message: %s", rc, cm_error_message());
    cr_assert_null(run.ranks, "a failed read must leave the run empty");
    cr_assert_not_null(strstr(cm_error_message(), frag1), "'%s' lacks '%s'", cm_error_message(), frag1);
    if (frag2)
        cr_assert_not_null(strstr(cm_error_message(), frag2), "'%s' lacks '%s'", cm_error_message(), frag2);
}

Test(profile, rejects_a_missing_rank)
{
    put_rank(0, 3, 8, 0, "0", "1");
    put_rank(2, 3, 8, 0, "0", "1");
    expect_fail(3, CM_EFORMAT, "no profile for rank 1", "chatmpi-prof.1.txt");
    cr_assert_neq(cm_error_hint_text()[0], '\0');
}

Test(profile, rejects_fewer_ranks_than_expected)
{
    put_good_run();
    expect_fail(4, CM_EFORMAT, "chatmpi-prof.0.txt", "size 3, but the run has 4 ranks");
}

Test(profile, rejects_an_empty_directory)
{
    expect_fail(0, CM_EFORMAT, "no chatmpi-prof.<rank>.txt files", NULL);
    expect_fail(2, CM_EFORMAT, "no profile for rank 0", NULL);
}

Test(profile, rejects_a_duplicate_rank)
{
    put_rank(0, 3, 8, 0, "0", "1");
    put_rank(1, 3, 8, 0, "0", "1");
    put_rank(1, 3, 8, 0, "0", "1");
    /* rank 2's file holds rank 1 */
    char *src = cm_path_join(tmp, "chatmpi-prof.1.txt"), *dst = cm_path_join(tmp, "chatmpi-prof.2.txt");
    char *text;
    size_t len;
    cr_assert_eq(cm_read_file(&text, &len, src, 0), 0);
    cr_assert_eq(cm_write_file_atomic(dst, text, len), 0);
    expect_fail(3, CM_EFORMAT, "chatmpi-prof.2.txt", "duplicate rank 1");
    free(text), free(src), free(dst);
}

Test(profile, rejects_a_file_whose_name_disagrees)
{
    put_rank(0, 2, 8, 0, "0", "1");
    put_rank(1, 2, 8, 0, "0", "1");
    char *a = cm_path_join(tmp, "chatmpi-prof.0.txt"), *b = cm_path_join(tmp, "chatmpi-prof.1.txt"),
         *t = cm_path_join(tmp, "swap");
    cr_assert_eq(rename(a, t), 0);
    cr_assert_eq(rename(b, a), 0);
    cr_assert_eq(rename(t, b), 0);
    expect_fail(2, CM_EFORMAT, "chatmpi-prof.0.txt", "holds rank 1");
    free(a), free(b), free(t);
}

Test(profile, rejects_a_non_canonical_file_name)
{
    put_good_run();
    put("chatmpi-prof.01.txt", "chatmpi-prof 1\n");
    expect_fail(3, CM_EFORMAT, "unexpected file 'chatmpi-prof.01.txt'", NULL);
}

Test(profile, rejects_a_missing_directory)
{
    char *p = cm_path_join(tmp, "nosuch");
    struct prof_run run;
    prof_run_init(&run);
    cr_assert_eq(prof_read_dir(&run, p, 1), CM_EIO);
    cr_assert_not_null(strstr(cm_error_message(), "nosuch"));
    free(p);
}

/* One malformed rank-0 file of a 1-rank run: the text, and what the message must say. */
struct bad_case {
    const char *text;
    const char *frag;
};

#define HEAD "chatmpi-prof 1\nrank 0\nsize 1\nmpi_time 0.1\ntotal_time 1.0\n"
#define KEYS "p2p_msgs 1\np2p_bytes 8\ncoll_calls 0\ncoll_bytes 0\n"
#define OPS "op MPI_Send calls 1 bytes 8 time 0.1\n"

static const struct bad_case bad_cases[] = {
    {"", "empty file"},
    {"chatmpi-prf 1\n", "line 1: not a chatmpi profile"},
    {"ELF\x01\x02\n", "line 1: control or non-ASCII"},
    {"chatmpi-prof 2\nrank 0\n", "line 1: unsupported version '2'"},
    {"chatmpi-prof x\n", "line 1: unsupported version 'x'"},
    {"chatmpi-prof 1\nrank 0\nsize 1\nmpi_time 0.1\ntotal_time 1.0\np2p_msgs 1\np2p_bytes 8x\n", "line 7: bad number '8x' for 'p2p_bytes'"},
    {"chatmpi-prof 1\nrank -1\n", "line 2: bad number '-1' for 'rank'"},
    {"chatmpi-prof 1\nrank 0\nsize 0\n", "line 3: bad number '0' for 'size'"},
    {"chatmpi-prof 1\nrank 0\nsize 1\nmpi_time 1e3\n", "line 4: bad number '1e3' for 'mpi_time'"},
    {"chatmpi-prof 1\nrank 0\nsize 1\nmpi_time nan\n", "line 4: bad number 'nan'"},
    {"chatmpi-prof 1\nrank 0\nsize 1\nmpi_time 1.\n", "line 4: bad number '1.'"},
    {"chatmpi-prof 1\nrank 0\nsize 1\nmpi_time 0.1\ntotal_time 1.0\np2p_msgs 99999999999999999999999\n", "line 6: bad number"},
    {"chatmpi-prof 1\nrank 0\nsize 1\nmpi_time 0.1\ntotal_time 1.0\np2p_msgs 18446744073709551616\n", "line 6: bad number"},
    {HEAD KEYS "op MPI_Send calls 1 bytes 8 time -0.1\nend\n", "line 10: bad number '-0.1' for 'time'"},
    {HEAD KEYS "op MPI_Send calls one bytes 8 time 0.1\nend\n", "line 10: bad number 'one' for 'calls'"},
    {HEAD KEYS "op MPI_Send calls 1 bytes 8\nend\n", "line 10: expected 'op NAME"},
    {HEAD KEYS "op MPI/Send calls 1 bytes 8 time 0.1\nend\n", "line 10: bad op name"},
    {HEAD KEYS "op MPI_Send_with_a_name_far_too_long calls 1 bytes 8 time 0.1\nend\n", "line 10: bad op name"},
    {HEAD KEYS OPS OPS "end\n", "line 11: op 'MPI_Send' appears twice"},
    {HEAD "rank 0\n" KEYS OPS "end\n", "line 6: 'rank' appears twice"},
    {HEAD "p2p_msgs 1\np2p_bytes 8\ncoll_bytes 0\n" OPS "end\n", "no 'coll_calls' line"},
    {HEAD KEYS "colour blue\n" OPS "end\n", "line 10: unknown record 'colour'"},
    {HEAD KEYS "size 1 2\n", "line 10: expected 'size VALUE'"},
    {HEAD KEYS "op  MPI_Send calls 1 bytes 8 time 0.1\nend\n", "line 10: malformed line"},
    {HEAD KEYS "op MPI_Send calls 1 bytes 8 time 0.1 \nend\n", "line 10: malformed line"},
    {HEAD KEYS "op MPI_Send calls 1 bytes 8 time 0.1\r\nend\n", "line 10: control"},
    {HEAD KEYS OPS, "no 'end' line"},
    {HEAD KEYS OPS "end", "line 11: unterminated last line"},
    {HEAD KEYS OPS "end\nrank 0\n", "line 12: text after 'end'"},
    {HEAD KEYS "op MPI_Send calls 1 bytes 9 time 0.1\nend\n", "op bytes add up to 9, but p2p_bytes + coll_bytes is 8"},
    {"chatmpi-prof 1\nrank 1\nsize 1\nmpi_time 0.1\ntotal_time 1.0\n" KEYS OPS "end\n", "rank 1 is not below size 1"},
};

Test(profile, rejects_malformed_files_with_name_and_line)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        put("chatmpi-prof.0.txt", bad_cases[i].text);
        struct prof_run run;
        prof_run_init(&run);
        int rc = prof_read_dir(&run, tmp, 1);
        cr_assert_eq(rc, CM_EFORMAT, "case %zu: rc %d (%s)", i, rc, cm_error_message());
        cr_assert_null(run.ranks);
        cr_assert_not_null(strstr(cm_error_message(), "chatmpi-prof.0.txt"), "case %zu: %s", i, cm_error_message());
        cr_assert_not_null(strstr(cm_error_message(), bad_cases[i].frag), "case %zu: '%s' lacks '%s'", i,
                           cm_error_message(), bad_cases[i].frag);
    }
}

Test(profile, the_good_template_of_the_bad_cases_is_good)
{
    /* guards the table above: without its one defect, each file would be accepted */
    put("chatmpi-prof.0.txt", HEAD KEYS OPS "end\n");
    struct prof_run run;
    prof_run_init(&run);
    cr_assert_eq(prof_read_dir(&run, tmp, 1), 0, "%s", cm_error_message());
    cr_assert_eq(run.total_bytes, 8);
    prof_run_release(&run);
}

Test(profile, rejects_a_nul_byte)
{
    char *p = cm_path_join(tmp, "chatmpi-prof.0.txt");
    static const char text[] = HEAD KEYS "op MPI_Send\0 calls 1 bytes 8 time 0.1\nend\n";
    cr_assert_eq(cm_write_file_atomic(p, text, sizeof(text) - 1), 0);
    free(p);
    expect_fail(1, CM_EFORMAT, "NUL byte", NULL);
}

Test(profile, embeds_the_profiler_source)
{
    size_t len = 0;
    const char *src = prof_profiler_source(&len);
    cr_assert_gt(len, 1000);
    cr_assert_eq(strlen(src), len);
    cr_assert_not_null(strstr(src, "int MPI_Finalize(void)"));
    cr_assert_not_null(strstr(src, "PMPI_Wtime"));
    cr_assert_not_null(strstr(src, "\"chatmpi-prof 1\\n"), "the writer's magic must match the reader's");
    char *p = cm_path_join(tmp, "chatmpi_pmpi.c"), *back;
    size_t blen;
    cr_assert_eq(prof_write_profiler(p), 0);
    cr_assert_eq(cm_read_file(&back, &blen, p, 0), 0);
    cr_assert_eq(blen, len);
    cr_assert_eq(memcmp(back, src, len), 0);
    free(back), free(p);
}

/* The harness's own path: the embedded source, written out, compiled with mpicc next to a
 * program of known communication, run on 3 ranks, read back. Skipped without MPI. */
Test(profile, reads_what_the_embedded_profiler_writes, .timeout = 120)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    char *src = cm_path_join(tmp, "chatmpi_pmpi.c"), *out = cm_path_join(tmp, "out");
    cr_assert_eq(prof_write_profiler(src), 0);
    cr_assert_eq(mkdir(out, 0700), 0);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "mpicc -O2 tests/e2e/data/prof_ring.c '%s' -o '%s/ring' -lm && "
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 CHATMPI_PROFILE_DIR='%s' "
             "mpirun --oversubscribe -np 3 '%s/ring' >/dev/null",
             src, tmp, out, tmp);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    struct prof_run run;
    prof_run_init(&run);
    cr_assert_eq(prof_read_dir(&run, out, 3), 0, "%s", cm_error_message());
    /* per rank: 864 p2p bytes in 3 messages, 96 collective bytes in 5 calls */
    cr_assert_eq(run.total_msgs, 9);
    cr_assert_eq(run.total_bytes, 3 * (864 + 96));
    cr_assert_eq(run.max_rank_bytes, 864 + 96);
    for (int r = 0; r < 3; r++) {
        cr_assert_eq(run.ranks[r].coll_calls, 5);
        const struct prof_op *op = prof_rank_find_op(&run.ranks[r], "MPI_Start");
        cr_assert_not_null(op);
        cr_assert_eq(op->calls, 2);
        cr_assert_eq(op->bytes, 64);
    }
    cr_assert_gt(run.max_mpi_frac, 0.0);
    cr_assert_leq(run.max_mpi_frac, 1.0);
    prof_run_release(&run);
    free(src), free(out);
}
