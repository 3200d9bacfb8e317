/* Token files for training: binary round trip with a loss mask, the text form with '|',
 * batch rows (padding, answer-only weights, a shuffle that is a permutation per epoch),
 * and malformed files refused with a message. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "train/data.h"

static char *tmpfile_path(char **dir, const char *name)
{
    cr_assert_eq(cm_make_temp_dir(dir, "train-data-"), 0);
    return cm_path_join(*dir, name);
}

Test(train_data, binary_round_trip_and_rows)
{
    char *dir, *path = tmpfile_path(&dir, "d.tok");
    uint64_t off[4] = {0, 3, 8, 10};
    uint32_t tok[10] = {1, 2, 3, 10, 11, 12, 13, 14, 7, 8};
    uint8_t mask[10] = {0, 0, 1, 0, 0, 1, 1, 1, 0, 1};
    cr_assert_eq(tr_data_write(path, off, 3, tok, mask), 0);
    struct tr_data d;
    cr_assert_eq(tr_data_load(&d, path), 0, "%s", cm_error_message());
    cr_assert_eq(d.n_records, 3);
    cr_assert_eq(d.n_tokens, 10);
    cr_assert_eq(d.max_token, 14);
    cr_assert_not_null(d.mask);
    int seen[3] = {0};
    int32_t t[4], g[4];
    float w[4];
    for (uint64_t r = 0; r < 6; r++) { /* two epochs: each record once per epoch */
        tr_data_row(&d, r, 4, 1, t, g, w);
        int rec = t[0] == 1 ? 0 : t[0] == 10 ? 1 : 2;
        seen[rec]++;
        if (rec == 0) { /* 1 2 3: inputs 1 2 (3 pad 0), targets 2 3, answer-only weights 0 1 */
            cr_assert_eq(t[1], 2);
            cr_assert_eq(g[0], 2);
            cr_assert_eq(g[1], 3);
            cr_assert_eq(w[0], 0.0f);
            cr_assert_eq(w[1], 1.0f);
            cr_assert_eq(w[2], 0.0f); /* padding */
            cr_assert_eq(w[3], 0.0f);
        }
        if (rec == 1) { /* cut to T = 4: targets 11 12 13 14, mask of those 0 1 1 1 */
            cr_assert_eq(g[3], 14);
            cr_assert_eq(w[0], 0.0f);
            cr_assert_eq(w[3], 1.0f);
        }
    }
    cr_assert(seen[0] == 2 && seen[1] == 2 && seen[2] == 2);
    tr_data_row(&d, 0, 4, 0, t, g, w); /* --loss all: every real target counts */
    for (int i = 0; i < 4; i++) cr_assert_eq(w[i], t[0] == 1 ? (i < 2 ? 1.0f : 0.0f) : (t[0] == 10 ? 1.0f : (i < 1 ? 1.0f : 0.0f)));
    tr_data_release(&d);
    /* damaged: wrong size, bad offsets */
    char *buf;
    size_t len;
    cr_assert_eq(cm_read_file(&buf, &len, path, 0), 0);
    cr_assert_eq(cm_write_file_atomic(path, buf, len - 1), 0);
    cr_assert_eq(tr_data_load(&d, path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "does not match"), "%s", cm_error_message());
    buf[32 + 8] = 9; /* offsets[1] = 9 > offsets[2] = 8 */
    cr_assert_eq(cm_write_file_atomic(path, buf, len), 0);
    cr_assert_eq(tr_data_load(&d, path), CM_EFORMAT);
    memset(buf + 16, 0xff, 8); /* absurd record count */
    cr_assert_eq(cm_write_file_atomic(path, buf, len), 0);
    cr_assert_eq(tr_data_load(&d, path), CM_EFORMAT);
    free(buf);
    cm_remove_tree(dir);
    free(path);
    free(dir);
}

Test(train_data, text_form)
{
    char *dir, *path = tmpfile_path(&dir, "d.txt");
    const char *text = "# comment\n5 6 | 7 8\n\n  9 10 11\n";
    cr_assert_eq(cm_write_file_atomic(path, text, strlen(text)), 0);
    struct tr_data d;
    cr_assert_eq(tr_data_load(&d, path), 0, "%s", cm_error_message());
    cr_assert_eq(d.n_records, 2);
    cr_assert_eq(d.n_tokens, 7);
    cr_assert_not_null(d.mask);
    cr_assert_eq(d.mask[1], 0); /* 6: prompt */
    cr_assert_eq(d.mask[2], 1); /* 7: answer */
    cr_assert_eq(d.mask[5], 1); /* a line without '|' counts whole */
    tr_data_release(&d);
    const char *bad[] = {"1 2 x\n", "1 | 2 | 3\n", "1 -2\n", "7\n", "# only a comment\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(cm_write_file_atomic(path, bad[i], strlen(bad[i])), 0);
        cr_assert_eq(tr_data_load(&d, path), CM_EFORMAT, "accepted '%s'", bad[i]);
    }
    cm_remove_tree(dir);
    free(path);
    free(dir);
}
