/* json.h — JSON strings from any bytes. JSON strings are UTF-8, and a model's answer or a
 * program's output may not be: jansson refuses such text (json_string returns NULL, and a
 * json_pack holding it fails). Used by the check reports, the loop's transcripts, the endpoint
 * client and the server. */
#ifndef CM_CORE_JSON_H
#define CM_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

/* s[0..n) as a JSON string, every byte that is not part of valid UTF-8 replaced by U+FFFD
 * (cm_buf_put_utf8). s NULL: JSON null. */
json_t *cm_json_text(const char *s, size_t n);
/* The same for a NUL-terminated string (NULL: JSON null). */
json_t *cm_json_str(const char *s);

#endif
