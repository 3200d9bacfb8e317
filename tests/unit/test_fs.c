/* File helpers: cm_check_writable, which commands call before long work so that a result is
 * never lost for an output path that could not be written. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"

static char *dir;

static void setup(void)
{
    cr_assert_eq(cm_make_temp_dir(&dir, "chatmpi-test-fs-"), 0);
}

static void teardown(void)
{
    cm_remove_tree(dir);
    free(dir);
}

static char *at(const char *rel)
{
    return cm_path_join(dir, rel);
}

TestSuite(fs, .init = setup, .fini = teardown);

Test(fs, writable_file_paths)
{
    char *f = at("out.c"), *sub = at("sub");
    cr_assert_eq(cm_check_writable(f, 0), 0, "a new file in an existing directory");
    cr_assert_eq(cm_write_file_atomic(f, "x", 1), 0);
    cr_assert_eq(cm_check_writable(f, 0), 0, "an existing file");
    cr_assert_eq(mkdir(sub, 0755), 0);
    cr_assert_eq(cm_check_writable("relative_name.c", 0), 0, "a bare name is in the current directory");
    free(f), free(sub);
}

Test(fs, unwritable_file_paths)
{
    char *missing = at("no/such/out.c"), *d = at("d"), *f = at("f"), *under = at("f/x.c");
    cr_assert_eq(cm_check_writable(missing, 0), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "no directory"), "%s", cm_error_message());
    cr_assert_eq(mkdir(d, 0755), 0);
    cr_assert_eq(cm_check_writable(d, 0), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "is a directory"), "%s", cm_error_message());
    cr_assert_eq(cm_write_file_atomic(f, "x", 1), 0);
    cr_assert_eq(cm_check_writable(under, 0), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "is not a directory"), "%s", cm_error_message());
    cr_assert_eq(cm_check_writable("", 0), CM_EINVAL);
    free(missing), free(d), free(f), free(under);
}

Test(fs, directory_paths)
{
    char *deep = at("a/b/c/"), *f = at("f"), *under = at("f/a/b");
    cr_assert_eq(cm_check_writable(deep, 1), 0, "missing levels are created later (cm_make_dirs)");
    cr_assert_eq(cm_check_writable(dir, 1), 0, "an existing directory");
    cr_assert_eq(cm_write_file_atomic(f, "x", 1), 0);
    cr_assert_eq(cm_check_writable(f, 1), CM_EINVAL, "a file is not a directory");
    cr_assert_eq(cm_check_writable(under, 1), CM_EINVAL, "an ancestor that is a file");
    free(deep), free(f), free(under);
}
