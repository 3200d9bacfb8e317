/* seeds_bpe.c — writes the fuzz seed corpus for fuzz_bpe into the directory given: texts
 * for each pre-tokenizer with and without special tokens (code, contractions, digits,
 * whitespace runs, CRLF, Unicode, invalid UTF-8), and two small vocabularies.
 * Left out: real vocabularies (too big for a fuzz corpus). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"

static int write_seed(const char *dir, int k, unsigned char mode, const char *text, size_t len)
{
    char name[32];
    snprintf(name, sizeof(name), "seed_%02d", k);
    char *path = cm_path_join(dir, name);
    char *buf = malloc(len + 1);
    buf[0] = (char)mode;
    memcpy(buf + 1, text, len);
    int rc = cm_write_file_atomic(path, buf, len + 1);
    if (rc) fprintf(stderr, "seeds_bpe: %s\n", cm_error_message());
    free(buf);
    free(path);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seeds_bpe DIR\n");
        return 2;
    }
    static const char *texts[] = {
        "int main(void)\r\n{\n\tprintf(\"the %d\\n\", 1234567);\n    return 0;\n}\n",
        "it's I'M they'RE we've  \t\t x\n\n\n   y",
        "<|im_start|>user\nhi<tool><|im_end|>\n<|im_start|>assistant\n<|endoftext|>",
        "h\xc3\xa9llo \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xd9\xa3\xd9\xa4 abab aba",
    };
    static const char invalid[] = "\xff\xc3(\x00" "ab\x80 \xe2\x96 z\n\t\xf0\x9f"; /* a NUL inside */
    int rc = 0, k = 0;
    for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++)
        for (unsigned mode = 0; mode < 16; mode += 3) rc |= write_seed(argv[1], k++, (unsigned char)mode, texts[t], strlen(texts[t]));
    for (unsigned mode = 0; mode < 8; mode++) rc |= write_seed(argv[1], k++, (unsigned char)mode, invalid, sizeof(invalid) - 1);
    static const char v1[] = "gpt2\na\nb\nab\na b\n\xc4\xa0\n\xc4\xa0 a";
    static const char v2[] = "llama-bpe\nx\ny\nxy\nx y\nxy x\nxyx\n<s>";
    rc |= write_seed(argv[1], k++, 0x80, v1, sizeof(v1) - 1);
    rc |= write_seed(argv[1], k++, 0x80, v2, sizeof(v2) - 1);
    return rc ? 1 : 0;
}
