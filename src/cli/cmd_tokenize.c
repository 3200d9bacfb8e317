/* cmd_tokenize.c — `chatmpi tokenize`: show how a tokenizer splits a text, or decode ids.
 *
 * A driver for people and tests: it loads a tokenizer (from a GGUF model's tokenizer.ggml.*
 * keys with -m, or from a sentencepiece .model or .vocab file with --spm), then
 * encodes -p TEXT or -f FILE and prints the ids, or with --decode reads ids and writes the
 * text. It does not write vocabularies (that is `chatmpi tokenizer import`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/fs.h"
#include "gguf/gguf.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tok_load.h"
#include "tokenizer/tokenizer.h"

static const char *opt_spm, *opt_model, *opt_prompt, *opt_file;
static int opt_ids, opt_bos, opt_special, opt_decode;

static const struct opt_spec tokenize_opts[] = {
    {OPT_STR, "model", 'm', "MODEL.gguf", "use the tokenizer stored in this GGUF file", &opt_model},
    {OPT_STR, "spm", 0, "MODEL", "sentencepiece model to use (.model, or .vocab text)", &opt_spm},
    {OPT_STR, "prompt", 'p', "TEXT", "the text to encode (or, with --decode, the ids)", &opt_prompt},
    {OPT_STR, "file", 'f', "FILE", "read the text (or the ids) from FILE", &opt_file},
    {OPT_FLAG, "ids", 0, NULL, "print only the ids, space-separated, on one line", &opt_ids},
    {OPT_FLAG, "bos", 0, NULL, "put the BOS token first", &opt_bos},
    {OPT_FLAG, "special", 0, NULL, "control tokens written in the text (<s>) become their ids; decoding shows them", &opt_special},
    {OPT_FLAG, "decode", 'd', NULL, "read token ids and write the text they stand for", &opt_decode},
    {0},
};

static const struct opt_cmd tokenize_cmd = {
    "tokenize",
    "(-m MODEL.gguf | --spm SPM.model) (-p TEXT | -f FILE) [--ids] [--bos] [--special] [--decode]",
    "Encode a text into token ids, or decode ids into text.",
    "Without --ids each token is printed as 'id<TAB>piece', the piece with C escapes for\n"
    "control bytes and backslash. With --decode the input is whitespace-separated ids and\n"
    "the decoded text is written to stdout byte for byte.\n\n"
    "exit codes: 0 done, 2 usage error or invalid input, 3 unreadable or unsupported model",
    0,
    0,
    tokenize_opts,
};

static int usage(const char *msg)
{
    fprintf(stderr, "chatmpi tokenize: %s\nhint: see 'chatmpi tokenize --help'\n", msg);
    return EXIT_USAGE;
}

/* Loads the tokenizer the options name into *out (owned by the caller). */
static int tokenize_load(struct tokenizer **out, const char *gguf_path, const char *spm_path)
{
    return gguf_path ? tok_load_gguf(out, gguf_path) : tok_load_spm(out, spm_path);
}

static void print_escaped(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\') fputs("\\\\", stdout);
        else if (*p == '\n') fputs("\\n", stdout);
        else if (*p == '\t') fputs("\\t", stdout);
        else if (*p == '\r') fputs("\\r", stdout);
        else if (*p < 0x20 || *p == 0x7f) printf("\\x%02x", *p);
        else putchar(*p);
    }
}

static int parse_ids(struct tok_ids *ids, const char *text)
{
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (!*p) return 0;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX || (*end && !strchr(" \t\r\n", *end)))
            return cm_error_set(CM_EINVAL, "cannot decode: '%.20s' is not a token id", p);
        tok_ids_push(ids, (int32_t)v);
        p = end;
    }
}

int cmd_tokenize(int argc, char **argv)
{
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    opt_spm = opt_model = opt_prompt = opt_file = NULL;
    opt_ids = opt_bos = opt_special = opt_decode = 0;
    int rc = opt_parse(&tokenize_cmd, argc, argv, &pos);
    cm_strlist_release(&pos);
    if (rc == OPT_HELP) return EXIT_OK;
    if (rc != OPT_OK) return EXIT_USAGE;
    if (!opt_spm && !opt_model) return usage("no tokenizer given: use -m MODEL.gguf or --spm SPM.model");
    if (opt_spm && opt_model) return usage("give one tokenizer: -m MODEL.gguf or --spm SPM.model, not both");
    if (!opt_prompt == !opt_file) return usage("give exactly one of -p TEXT and -f FILE");

    struct tokenizer *tk = NULL;
    struct tok_ids ids;
    struct cm_buf text;
    char *data = NULL;
    size_t len = 0;
    tok_ids_init(&ids);
    cm_buf_init(&text);
    if ((rc = tokenize_load(&tk, opt_model, opt_spm))) goto fail;
    if (opt_file) {
        if ((rc = cm_read_file(&data, &len, opt_file, 0))) goto fail;
    } else {
        len = strlen(opt_prompt);
    }
    const char *in = opt_file ? data : opt_prompt;

    if (opt_decode) {
        if (memchr(in, 0, len)) {
            rc = cm_error_set(CM_EINVAL, "cannot decode: the input holds a NUL byte, not token ids");
            goto fail;
        }
        if ((rc = parse_ids(&ids, in)) || (rc = tok_decode(tk, &text, ids.v, ids.n, opt_special ? TOK_DECODE_SPECIAL : 0)))
            goto fail;
        if (text.len) fwrite(text.data, 1, text.len, stdout);
    } else {
        unsigned flags = (opt_bos ? TOK_ENCODE_BOS : 0) | (opt_special ? TOK_ENCODE_SPECIAL : 0);
        if ((rc = tok_encode(tk, &ids, in, len, flags))) goto fail;
        for (size_t i = 0; i < ids.n; i++) {
            if (opt_ids) {
                printf(i ? " %d" : "%d", (int)ids.v[i]);
            } else {
                printf("%d\t", (int)ids.v[i]);
                print_escaped(tok_piece(tk, ids.v[i]));
                putchar('\n');
            }
        }
        if (opt_ids) putchar('\n');
    }
    rc = EXIT_OK;
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "chatmpi: cannot write the output: %s\n", strerror(errno));
        rc = EXIT_ENV;
    }
    goto done;
fail:
    rc = cli_report_error(rc);
done:
    free(data);
    cm_buf_release(&text);
    tok_ids_release(&ids);
    tok_free(tk);
    return rc;
}
