/* fmt.c — shared text formatters for command output (see fmt.h). */
#include "cli/fmt.h"

#include <stdio.h>
#include <string.h>

const char *cli_fmt_bytes(char *buf, size_t n, uint64_t bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(buf, n, "%llu B", (unsigned long long)bytes);
        return buf;
    }
    double v = (double)bytes / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 3) v /= 1024.0, u++;
    snprintf(buf, n, "%.2f %s", v, units[u]);
    return buf;
}

void cli_fmt_quoted(struct cm_buf *b, const char *s, uint64_t len, uint64_t max)
{
    cm_buf_puts(b, "\"");
    uint64_t n = len < max ? len : max;
    while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--; /* whole UTF-8 characters */
    for (uint64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') cm_buf_printf(b, "\\%c", c);
        else if (c == '\n') cm_buf_puts(b, "\\n");
        else if (c == '\t') cm_buf_puts(b, "\\t");
        else if (c < 0x20 || c == 0x7f) cm_buf_printf(b, "\\x%02x", c);
        else cm_buf_append(b, &s[i], 1);
    }
    cm_buf_puts(b, len > max ? "\"..." : "\"");
}

void cli_fmt_name(struct cm_buf *b, const char *name)
{
    size_t n = strlen(name);
    int bare = n > 0;
    for (size_t i = 0; i < n && bare; i++) bare = name[i] > ' ' && name[i] <= '~' && name[i] != '"';
    if (bare) cm_buf_puts(b, name);
    else cli_fmt_quoted(b, name, n, 200);
}
