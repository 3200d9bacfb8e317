/* fs.h — files and directories: whole-file read, atomic write, temporary directories,
 * recursive removal. All return 0 or a negative CM_E* code with the message set. */
#ifndef CM_FS_H
#define CM_FS_H

#include <stddef.h>

/* Reads the whole file into *out (caller frees; NUL-terminated); *len may be NULL.
 * Refuses files larger than max_bytes (0 = 1 GiB). */
int cm_read_file(char **out, size_t *len, const char *path, size_t max_bytes);
/* Writes data to path atomically: temporary file beside it, fsync, rename. */
int cm_write_file_atomic(const char *path, const void *data, size_t len);
/* Creates a fresh private directory "<TMPDIR or /tmp>/<prefix>XXXXXX"; *out is owned by the caller. */
int cm_make_temp_dir(char **out, const char *prefix);
/* Removes path and everything below it (does not follow symlinks). */
int cm_remove_tree(const char *path);
/* Creates path and its missing parents (mkdir -p). */
int cm_make_dirs(const char *path, unsigned mode);
/* Whether path can be written later (checked before long work, so that its result is not lost
 * at the end): for a file, its directory exists and is writable and path is not a directory;
 * for a directory (is_dir), it is a writable directory or the nearest existing ancestor is one
 * (cm_make_dirs will create the rest). 0, or CM_EINVAL with "cannot write 'path': why". */
int cm_check_writable(const char *path, int is_dir);
int cm_is_dir(const char *path);
int cm_is_file(const char *path);
/* Returns the directory of the running executable (owned by the caller) or NULL. */
char *cm_exe_dir(void);
/* Joins a and b with one '/'; owned by the caller. */
char *cm_path_join(const char *a, const char *b);

#endif
