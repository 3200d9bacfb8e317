/* shape.h — a program's shape: its C token stream with comments and layout dropped, every
 * identifier that is not a keyword renamed by order of first appearance, and every number,
 * string and character literal reduced to its kind. Two programs with the same shape are the
 * same program under other names (the corpus forbids such pairs). */
#ifndef CM_SHAPE_H
#define CM_SHAPE_H

#include <stddef.h>
#include <stdint.h>

/* Hash of src's shape (FNV-1a, 64 bits); fails on a source the lexer rejects (message set). */
int corpus_shape_hash(uint64_t *out, const char *src, size_t len);

#endif
