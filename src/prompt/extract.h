/* extract.h — the C program inside a model's answer text.
 *
 * Order of preference:
 *   1. a fenced block (``` or ~~~, any info string, any indentation) that contains "main(";
 *      among several, one that also calls MPI_Init, then the largest;
 *   2. else the largest fenced block that is not marked as another language (sh, bash,
 *      console, text, output, python, make, json, yaml, ...);
 *   3. else bare code: from the first line that looks like C at column 0 (#include, #define,
 *      #pragma, or a type or storage keyword such as int, void, double, static, struct,
 *      typedef) to the last line opening with '}' at column 0, stopping before a line that
 *      opens with "### " (the next section of a ChatHPC-style transcript) or "Human:" /
 *      "User:" (the next turn of a chat the model goes on to make up); the comments
 *      right above the first line (a header block opened and closed, // lines) come with it.
 * A fence that is never closed runs to the end of the text (answers cut off by a token
 * limit). Chatter before and after is ignored; CR LF line ends are accepted. The result
 * ends with a newline.
 *
 * Left out: judging whether the code compiles (the harness does), joining code split
 * over several blocks, languages other than C.
 */
#ifndef CM_PROMPT_EXTRACT_H
#define CM_PROMPT_EXTRACT_H

#include <stddef.h>

enum extract_how {
    EXTRACT_FENCED_MAIN = 1, /* a fenced block with main( */
    EXTRACT_FENCED = 2,      /* the largest fenced block */
    EXTRACT_BARE = 3,        /* unfenced code */
};

/* Returns the program (the caller frees it) and, when how is not NULL, how it was found;
 * or NULL with *why (a static sentence) set when nothing looks like a program. */
char *extract_program(const char *text, size_t len, enum extract_how *how, const char **why);

#endif
