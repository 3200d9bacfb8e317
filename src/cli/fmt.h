/* fmt.h — small text formatters the commands share (sizes, quoted strings). */
#ifndef CM_CLI_FMT_H
#define CM_CLI_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* "512 B", "1.50 KiB", "3.25 GiB" into buf; returns buf. */
const char *cli_fmt_bytes(char *buf, size_t n, uint64_t bytes);
/* Appends s[0..len) double-quoted, with \n \t \" \\ and \xNN escapes for control bytes;
 * at most max bytes of s, then "..." (bytes >= 0x80 are kept: UTF-8 passes through). */
void cli_fmt_quoted(struct cm_buf *b, const char *s, uint64_t len, uint64_t max);

/* Appends name bare when it is printable ASCII without spaces or quotes, else quoted
 * (a file's names must not reach the terminal as control sequences). */
void cli_fmt_name(struct cm_buf *b, const char *name);

#endif
