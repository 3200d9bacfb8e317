/* error.c — thread-local error message and hint (see error.h). */
#include "core/error.h"

#include <stdarg.h>
#include <string.h>

static _Thread_local char err_msg[2048];
static _Thread_local char err_hint[1024];

int cm_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
    va_end(ap);
    err_hint[0] = '\0';
    return code;
}

void cm_error_hint(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_hint, sizeof(err_hint), fmt, ap);
    va_end(ap);
}

const char *cm_error_message(void) { return err_msg; }
const char *cm_error_hint_text(void) { return err_hint; }
void cm_error_clear(void) { err_msg[0] = err_hint[0] = '\0'; }
