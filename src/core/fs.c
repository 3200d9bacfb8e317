/* fs.c — file helpers (see fs.h). Recursive removal uses openat/unlinkat so that a
 * hostile program's symlinks inside a directory we remove are removed, never followed. */
#include "core/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"

int cm_read_file(char **out, size_t *len, const char *path, size_t max_bytes)
{
    *out = NULL;
    if (!max_bytes) max_bytes = (size_t)1 << 30;
    FILE *f = fopen(path, "rb");
    if (!f) return cm_error_set(CM_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct cm_buf b;
    cm_buf_init(&b);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max_bytes) {
            rc = cm_error_set(CM_EINVAL, "cannot read '%s': larger than %zu bytes", path, max_bytes);
            goto done;
        }
        cm_buf_append(&b, chunk, n);
    }
    if (ferror(f)) {
        rc = cm_error_set(CM_EIO, "cannot read '%s': %s", path, strerror(errno));
        goto done;
    }
    if (len) *len = b.len;
    *out = cm_buf_detach(&b);
done:
    if (rc) cm_buf_release(&b);
    fclose(f);
    return rc;
}

int cm_write_file_atomic(const char *path, const void *data, size_t len)
{
    size_t plen = strlen(path) + 32;
    char *tmp = cm_malloc(plen);
    snprintf(tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    int rc = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = cm_error_set(CM_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto done;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            rc = cm_error_set(CM_EIO, "cannot write '%s': %s", path, strerror(errno));
            break;
        }
        p += w, len -= (size_t)w;
    }
    if (!rc && fsync(fd) != 0) rc = cm_error_set(CM_EIO, "cannot sync '%s': %s", path, strerror(errno));
    if (close(fd) != 0 && !rc) rc = cm_error_set(CM_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = cm_error_set(CM_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    if (rc) unlink(tmp);
done:
    free(tmp);
    return rc;
}

int cm_make_temp_dir(char **out, const char *prefix)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t n = strlen(base) + strlen(prefix) + 16;
    char *p = cm_malloc(n);
    snprintf(p, n, "%s/%sXXXXXX", base, prefix);
    if (!mkdtemp(p)) {
        int e = errno;
        free(p);
        *out = NULL;
        return cm_error_set(CM_EIO, "cannot create a temporary directory in '%s': %s", base, strerror(e));
    }
    *out = p;
    return 0;
}

static int remove_at(int parent, const char *name)
{
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return -1;
        fchmod(fd, 0700); /* a program may have made its directory unreadable */
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
            return -1;
        }
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (remove_at(dirfd(d), e->d_name) != 0) rc = -1;
        }
        closedir(d);
        if (unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT) rc = -1;
        return rc;
    }
    return unlinkat(parent, name, 0) != 0 && errno != ENOENT ? -1 : 0;
}

int cm_remove_tree(const char *path)
{
    if (remove_at(AT_FDCWD, path) != 0)
        return cm_error_set(CM_EIO, "cannot remove '%s': %s", path, strerror(errno));
    return 0;
}

int cm_make_dirs(const char *path, unsigned mode)
{
    char *p = cm_strdup(path);
    int rc = 0;
    for (char *q = p + 1;; q++) {
        if (*q == '/' || !*q) {
            char c = *q;
            *q = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                rc = cm_error_set(CM_EIO, "cannot create the directory '%s': %s", p, strerror(errno));
                break;
            }
            *q = c;
            if (!c) break;
        }
    }
    free(p);
    return rc;
}

int cm_check_writable(const char *path, int is_dir)
{
    if (!*path) return cm_error_set(CM_EINVAL, "cannot write '': an empty path");
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!is_dir && S_ISDIR(st.st_mode))
            return cm_error_set(CM_EINVAL, "cannot write '%s': it is a directory", path);
        if (is_dir && !S_ISDIR(st.st_mode))
            return cm_error_set(CM_EINVAL, "cannot write in '%s': it is not a directory", path);
        if (is_dir && access(path, W_OK | X_OK) != 0)
            return cm_error_set(CM_EINVAL, "cannot write in '%s': %s", path, strerror(errno));
        if (is_dir) return 0;
    }
    /* the directory that must hold it: the parent for a file (written beside it, then renamed),
     * the nearest existing ancestor for a directory */
    char *dir = cm_strdup(path);
    int rc = 0;
    for (;;) {
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/') dir[--n] = '\0';
        char *slash = strrchr(dir, '/');
        if (!slash) {
            strcpy(dir, ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
        if (stat(dir, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = cm_error_set(CM_EINVAL, "cannot write '%s': '%s' is not a directory", path, dir);
            else if (access(dir, W_OK | X_OK) != 0)
                rc = cm_error_set(CM_EINVAL, "cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
            break;
        }
        if (!is_dir) {
            rc = cm_error_set(CM_EINVAL, "cannot write '%s': no directory '%s'", path, dir);
            break;
        }
        if (!strcmp(dir, ".") || !strcmp(dir, "/")) break;
    }
    free(dir);
    return rc;
}

int cm_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cm_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *cm_exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash) return NULL;
    *slash = '\0';
    return cm_strdup(buf);
}

char *cm_path_join(const char *a, const char *b)
{
    struct cm_buf p;
    cm_buf_init(&p);
    cm_buf_puts(&p, a);
    if (p.len && p.data[p.len - 1] != '/') cm_buf_puts(&p, "/");
    cm_buf_puts(&p, b);
    return cm_buf_detach(&p);
}
