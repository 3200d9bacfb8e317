/* The harness's run cache (src/harness/runcache.h): an executable's image id ignores what does
 * not change a run (names of locals, layout, the build id) and follows what does (a constant);
 * entries come back as stored, and anything else in their place (a damaged file, another
 * key's entry, a file that is not ELF) is a miss, never a crash or a wrong hit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "harness/runcache.h"

static char *dir;

static void setup(void)
{
    cr_assert_eq(cm_make_temp_dir(&dir, "chatmpi-test-runcache-"), 0);
}

static void teardown(void)
{
    cm_remove_tree(dir);
    free(dir);
}

TestSuite(runcache, .init = setup, .fini = teardown);

/* Builds src with cc -O2 (as the harness does) into dir/name; returns the path. */
static char *build(const char *name, const char *src)
{
    char *c = cm_path_join(dir, "prog.c"), *exe = cm_path_join(dir, name);
    cr_assert_eq(cm_write_file_atomic(c, src, strlen(src)), 0);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "cc -O2 -o '%s' '%s' -lm", exe, c);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(c);
    return exe;
}

static const char prog_a[] = "#include <stdio.h>\n#include <stdlib.h>\n"
                             "__attribute__((noinline)) double total(int n) { double s = 0; for (int i = 0; i < n; i++) s += 0.5 * i; "
                             "return s; }\n"
                             "int main(int argc, char **argv) { int n = argc > 1 ? atoi(argv[1]) : 100;\n"
                             "  printf(\"sum %.6f\\n\", total(n)); return 0; }\n";
/* the same program: other names (locals, a parameter, a function), another layout */
static const char prog_renamed[] = "#include <stdio.h>\n#include <stdlib.h>\n"
                                   "__attribute__((noinline)) double acc_all(int count)\n{\n    double acc = 0;\n"
                                   "    for (int k = 0; k < count; k++)\n        acc += 0.5 * k;\n    return acc;\n}\n"
                                   "int main(int argc, char **argv)\n{\n"
                                   "    int len = argc > 1 ? atoi(argv[1]) : 100;\n"
                                   "    printf(\"sum %.6f\\n\", acc_all(len));\n    return 0;\n}\n";
/* another program: one constant differs */
static const char prog_other[] = "#include <stdio.h>\n#include <stdlib.h>\n"
                                 "__attribute__((noinline)) double total(int n) { double s = 0; for (int i = 0; i < n; i++) s += 0.25 * i; "
                                 "return s; }\n"
                                 "int main(int argc, char **argv) { int n = argc > 1 ? atoi(argv[1]) : 100;\n"
                                 "  printf(\"sum %.6f\\n\", total(n)); return 0; }\n";

Test(runcache, image_id_follows_what_runs)
{
    char *a = build("a", prog_a), *r = build("r", prog_renamed), *o = build("o", prog_other);
    char ia[RUNCACHE_ID_LEN + 1], ir[RUNCACHE_ID_LEN + 1], io[RUNCACHE_ID_LEN + 1];
    cr_assert_eq(runcache_image_id(ia, a), 0);
    cr_assert_eq(runcache_image_id(ir, r), 0);
    cr_assert_eq(runcache_image_id(io, o), 0);
    cr_assert_eq(strlen(ia), RUNCACHE_ID_LEN);
    cr_assert_str_eq(ia, ir, "renamed and re-laid-out: the same image");
    cr_assert_str_neq(ia, io, "another constant: another image");
    /* the files themselves differ: the symbol table names the function, the build id hashes it */
    char *fa = NULL, *fr = NULL;
    size_t na = 0, nr = 0;
    cr_assert_eq(cm_read_file(&fa, &na, a, 0), 0);
    cr_assert_eq(cm_read_file(&fr, &nr, r, 0), 0);
    cr_assert(na != nr || memcmp(fa, fr, na), "the test needs executables that differ as files");
    free(fa), free(fr), free(a), free(r), free(o);
}

Test(runcache, image_id_refuses_what_is_not_elf64)
{
    char id[RUNCACHE_ID_LEN + 1];
    char *t = cm_path_join(dir, "text"), *cut = cm_path_join(dir, "cut"), *exe = build("a", prog_a);
    cr_assert_eq(cm_write_file_atomic(t, "#!/bin/sh\necho hi\n", 18), 0);
    cr_assert_eq(runcache_image_id(id, t), -1);
    cr_assert_eq(runcache_image_id(id, "/no/such/file"), -1);
    cr_assert_str_eq(cm_error_message(), "", "no message is left behind");
    /* an executable cut short: its section headers point past the end */
    char *f = NULL;
    size_t n = 0;
    cr_assert_eq(cm_read_file(&f, &n, exe, 0), 0);
    for (size_t len = 0; len < n; len += n / 7 + 1) {
        cr_assert_eq(cm_write_file_atomic(cut, f, len), 0);
        cr_assert_eq(runcache_image_id(id, cut), -1, "cut at %zu of %zu bytes", len, n);
    }
    free(f), free(t), free(cut), free(exe);
}

static void result(struct sandbox_result *r, const char *out, size_t on, const char *err)
{
    memset(r, 0, sizeof(*r));
    cm_buf_init(&r->out), cm_buf_init(&r->err);
    cm_buf_append(&r->out, out, on);
    cm_buf_puts(&r->err, err);
    r->end = SANDBOX_EXITED;
    r->exit_code = 3;
    r->wall_s = 0.125;
    r->abort_seen = 1;
    r->err_dropped = 7;
}

Test(runcache, entries_come_back_as_stored)
{
    struct sandbox_result in, got;
    static const char out[] = "line 1\n\0binary\nend without newline";
    result(&in, out, sizeof(out) - 1, "warning: x\n");
    cr_assert_eq(runcache_get(dir, "key A\nargs 10\n", &got), 0, "empty cache: a miss");
    cr_assert_eq(runcache_put(dir, "key A\nargs 10\n", &in), 0);
    cr_assert_eq(runcache_get(dir, "key A\nargs 10\n", &got), 1);
    cr_assert_eq(got.end, SANDBOX_EXITED);
    cr_assert_eq(got.exit_code, 3);
    cr_assert_eq(got.abort_seen, 1);
    cr_assert_eq(got.err_dropped, 7);
    cr_assert_float_eq(got.wall_s, 0.125, 1e-15);
    cr_assert_eq(got.out.len, sizeof(out) - 1);
    cr_assert_eq(memcmp(got.out.data, out, got.out.len), 0);
    cr_assert_str_eq(got.err.data, "warning: x\n");
    sandbox_result_release(&got);
    cr_assert_eq(runcache_get(dir, "key A\nargs 11\n", &got), 0, "another key: a miss");
    /* empty outputs */
    sandbox_result_release(&in);
    result(&in, "", 0, "");
    cr_assert_eq(runcache_put(dir, "key B", &in), 0);
    cr_assert_eq(runcache_get(dir, "key B", &got), 1);
    cr_assert_eq(got.out.len, 0);
    cr_assert_eq(got.err.len, 0);
    sandbox_result_release(&got);
    sandbox_result_release(&in);
}

Test(runcache, only_runs_that_exited_are_stored)
{
    struct sandbox_result in, got;
    enum sandbox_end ends[] = {SANDBOX_SIGNALED, SANDBOX_TIMEOUT, SANDBOX_OUTPUT_LIMIT, SANDBOX_ABORTED};
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        result(&in, "x\n", 2, "");
        in.end = ends[i];
        cr_assert_eq(runcache_put(dir, "key", &in), 0);
        cr_assert_eq(runcache_get(dir, "key", &got), 0, "end %d was stored", (int)ends[i]);
        sandbox_result_release(&in);
    }
}

/* The one file in dir's two-level layout (the test's only entry). */
static char *only_entry(void)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "find '%s' -type f", dir);
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL);
    char line[4200] = "";
    cr_assert(fgets(line, sizeof(line), p) != NULL);
    char extra[4200];
    cr_assert(fgets(extra, sizeof(extra), p) == NULL, "one entry expected");
    pclose(p);
    line[strcspn(line, "\n")] = 0;
    return cm_strdup(line);
}

Test(runcache, damaged_entries_are_misses)
{
    struct sandbox_result in, got;
    result(&in, "value 42\n", 9, "");
    cr_assert_eq(runcache_put(dir, "the key", &in), 0);
    char *path = only_entry(), *text = NULL;
    size_t n = 0;
    cr_assert_eq(cm_read_file(&text, &n, path, 0), 0);
    /* every shorter prefix of the entry, and the entry with any one byte changed */
    for (size_t len = 0; len < n; len++) {
        cr_assert_eq(cm_write_file_atomic(path, text, len), 0);
        cr_assert_eq(runcache_get(dir, "the key", &got), 0, "cut at %zu of %zu", len, n);
    }
    const char *payload = strstr(text, "\nout 9\n");
    cr_assert(payload != NULL);
    size_t p0 = (size_t)(payload - text) + 7; /* "value 42\n" */
    for (size_t i = 0; i < n; i++) {
        char *t = cm_malloc(n);
        memcpy(t, text, n);
        t[i] = (char)(t[i] == '#' ? '@' : '#');
        cr_assert_eq(cm_write_file_atomic(path, t, n), 0);
        int hit = runcache_get(dir, "the key", &got);
        /* only a changed byte of the output itself still reads as an entry */
        cr_assert_eq(hit, i >= p0 && i < p0 + 9, "byte %zu ('%c') changed: hit %d", i, text[i], hit);
        if (hit) sandbox_result_release(&got);
        free(t);
    }
    /* another key's entry at this key's place (a hash collision): a miss */
    struct sandbox_result other;
    result(&other, "other\n", 6, "");
    cr_assert_eq(runcache_put(dir, "another key", &other), 0);
    char *o = NULL;
    size_t on = 0;
    char *opath = NULL;
    cm_remove_tree(path);
    opath = only_entry();
    cr_assert_eq(cm_read_file(&o, &on, opath, 0), 0);
    cr_assert_eq(cm_write_file_atomic(path, o, on), 0);
    cr_assert_eq(runcache_get(dir, "the key", &got), 0);
    sandbox_result_release(&other);
    sandbox_result_release(&in);
    free(o), free(opath), free(text), free(path);
}
