/* json.c — see json.h. */
#include "core/json.h"

#include <string.h>

#include "core/buf.h"

json_t *cm_json_text(const char *s, size_t n)
{
    if (!s) return json_null();
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_put_utf8(&b, s, n);
    json_t *j = json_stringn(b.data ? b.data : "", b.len);
    cm_buf_release(&b);
    return j;
}

json_t *cm_json_str(const char *s) { return cm_json_text(s, s ? strlen(s) : 0); }
