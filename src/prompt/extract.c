/* extract.c — finds the C program in an answer: fenced blocks first, then bare code.
 * The rules are in extract.h. Works on a line table; nothing here parses C. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "prompt/extract.h"

struct line {
    const char *s;
    size_t len; /* without the newline and a trailing CR */
};

struct block {
    size_t first, end; /* content lines [first, end) */
    size_t bytes;
    int has_main, has_mpi_init, foreign;
};

static struct line *split_lines(const char *text, size_t len, size_t *n)
{
    size_t cap = 16, k = 0;
    struct line *v = cm_malloc(cap * sizeof(*v));
    for (size_t pos = 0; pos < len;) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + (nl != NULL);
        if (k == cap) v = cm_realloc(v, (cap *= 2) * sizeof(*v));
        v[k].s = s;
        v[k].len = l && s[l - 1] == '\r' ? l - 1 : l;
        k++;
    }
    *n = k;
    return v;
}

/* A fence line: optional indentation, then 3+ backticks or tildes. Returns the fence
 * length (0 if none) and its character; *info gets the info string's first word. */
static size_t fence(const struct line *ln, char *ch, char *info, size_t info_cap)
{
    size_t i = 0;
    while (i < ln->len && (ln->s[i] == ' ' || ln->s[i] == '\t')) i++;
    if (i == ln->len || (ln->s[i] != '`' && ln->s[i] != '~')) return 0;
    char c = ln->s[i];
    size_t n = 0;
    while (i + n < ln->len && ln->s[i + n] == c) n++;
    if (n < 3) return 0;
    *ch = c;
    size_t j = i + n, k = 0;
    while (j < ln->len && ln->s[j] == ' ') j++;
    while (j < ln->len && ln->s[j] != ' ' && ln->s[j] != '{' && ln->s[j] != '`' && k + 1 < info_cap) info[k++] = ln->s[j++];
    info[k] = 0;
    return n;
}

static int closes(const struct line *ln, char ch, size_t n)
{
    size_t i = 0, m = 0;
    while (i < ln->len && (ln->s[i] == ' ' || ln->s[i] == '\t')) i++;
    while (i < ln->len && ln->s[i] == ch) i++, m++;
    while (i < ln->len && (ln->s[i] == ' ' || ln->s[i] == '\t')) i++;
    return m >= n && i == ln->len;
}

static int foreign_lang(const char *info)
{
    static const char *const langs[] = {"sh",   "bash", "shell", "console", "text", "txt",   "output", "python",
                                        "py",   "make", "makefile", "cmake", "json", "yaml",  "yml",    "plaintext",
                                        "diff", "zsh",  "fortran", "f90",   "java", "rust",  "go",     "js"};
    for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
        if (!strcasecmp(info, langs[i])) return 1;
    return 0;
}

static int contains(const struct line *v, size_t a, size_t b, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = a; i < b; i++)
        for (size_t k = 0; k + nl <= v[i].len; k++)
            if (!memcmp(v[i].s + k, needle, nl)) return 1;
    return 0;
}

static int has_text(const struct line *v, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        for (size_t k = 0; k < v[i].len; k++)
            if (v[i].s[k] != ' ' && v[i].s[k] != '\t') return 1;
    return 0;
}

static char *join(const struct line *v, size_t a, size_t b)
{
    struct cm_buf out;
    cm_buf_init(&out);
    for (size_t i = a; i < b; i++) {
        cm_buf_append(&out, v[i].s, v[i].len);
        cm_buf_append(&out, "\n", 1);
    }
    return cm_buf_detach(&out);
}

static int word_at(const struct line *ln, const char *w)
{
    size_t n = strlen(w);
    if (ln->len < n || memcmp(ln->s, w, n)) return 0;
    if (ln->len == n) return w[0] == '#';
    char c = ln->s[n];
    return c == ' ' || c == '\t' || c == '*' || (w[0] == '#' && c == '<');
}

static int looks_like_c_start(const struct line *ln)
{
    static const char *const starts[] = {"#include", "#define", "#pragma", "#if", "#ifdef", "#ifndef", "int",
                                         "void", "double", "float", "char", "long", "short", "unsigned", "signed",
                                         "static", "const", "struct", "typedef", "enum", "extern", "size_t",
                                         "bool", "inline", "union"};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
        if (word_at(ln, starts[i])) return 1;
    return 0;
}

/* The line without its leading blanks begins with w / without its trailing blanks ends with w. */
static int trimmed_starts(const struct line *ln, const char *w)
{
    size_t i = 0, n = strlen(w);
    while (i < ln->len && (ln->s[i] == ' ' || ln->s[i] == '\t')) i++;
    return ln->len - i >= n && !memcmp(ln->s + i, w, n);
}

static int trimmed_ends(const struct line *ln, const char *w)
{
    size_t e = ln->len, n = strlen(w);
    while (e > 0 && (ln->s[e - 1] == ' ' || ln->s[e - 1] == '\t')) e--;
    return e >= n && !memcmp(ln->s + e - n, w, n);
}

static int blank(const struct line *ln)
{
    return !has_text(ln, 0, 1);
}

/* Bare code begins at its first C line; the comments right above it (a file's header block,
 * // lines; blank lines between them) are the program's too. A block comment counts only
 * whole: from a line that begins with its opening to one that ends with its closing. */
static size_t take_leading_comments(const struct line *v, size_t start)
{
    for (size_t i = start;;) {
        size_t j = i;
        while (j > 0 && blank(&v[j - 1])) j--;
        if (j == 0) return i;
        const struct line *ln = &v[j - 1];
        if (trimmed_starts(ln, "//")) {
            i = j - 1;
            continue;
        }
        if (!trimmed_ends(ln, "*/")) return i;
        size_t k = j - 1;
        while (!trimmed_starts(&v[k], "/*")) {
            if (k == 0) return i;
            k--;
        }
        i = k;
    }
}

/* A line that opens the next turn of a transcript the model goes on to write: ChatHPC's
 * "### Question:", or a chat's "Human:" / "User:". */
static int next_turn(const struct line *l)
{
    static const char *const marks[] = {"### ", "Human:", "User:", "USER:"};
    for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
        size_t m = strlen(marks[k]);
        if (l->len >= m && !memcmp(l->s, marks[k], m)) return 1;
    }
    return 0;
}

char *extract_program(const char *text, size_t len, enum extract_how *how, const char **why)
{
    size_t n;
    struct line *v = split_lines(text, len, &n);
    struct block *blocks = NULL;
    size_t nb = 0, capb = 0;
    char *out = NULL;
    *why = NULL;

    for (size_t i = 0; i < n; i++) {
        char ch, info[32];
        size_t fl = fence(&v[i], &ch, info, sizeof(info));
        if (!fl) continue;
        size_t j = i + 1;
        while (j < n && !closes(&v[j], ch, fl)) j++;
        if (nb == capb) blocks = cm_realloc(blocks, (capb = capb ? 2 * capb : 8) * sizeof(*blocks));
        struct block *b = &blocks[nb++];
        b->first = i + 1, b->end = j, b->bytes = 0;
        for (size_t k = b->first; k < b->end; k++) b->bytes += v[k].len + 1;
        b->has_main = contains(v, b->first, b->end, "main(") || contains(v, b->first, b->end, "main (");
        b->has_mpi_init = contains(v, b->first, b->end, "MPI_Init");
        b->foreign = foreign_lang(info);
        i = j; /* past the closing fence (or the end) */
    }

    /* 1. a block with main(), MPI first, then the largest; 2. the largest C-ish block */
    struct block *best = NULL;
    for (size_t i = 0; i < nb; i++) {
        struct block *b = &blocks[i];
        if (!b->has_main || b->foreign) continue;
        if (!best || b->has_mpi_init > best->has_mpi_init ||
            (b->has_mpi_init == best->has_mpi_init && b->bytes > best->bytes))
            best = b;
    }
    if (best) {
        if (how) *how = EXTRACT_FENCED_MAIN;
    } else {
        for (size_t i = 0; i < nb; i++)
            if (!blocks[i].foreign && has_text(v, blocks[i].first, blocks[i].end) &&
                (!best || blocks[i].bytes > best->bytes))
                best = &blocks[i];
        if (best && how) *how = EXTRACT_FENCED;
    }
    if (best) {
        out = join(v, best->first, best->end);
        goto done;
    }

    /* 3. bare code */
    size_t start = n;
    for (size_t i = 0; i < n; i++)
        if (looks_like_c_start(&v[i])) {
            start = i;
            break;
        }
    if (start == n) {
        *why = nb ? "the answer's code blocks hold no C (they are marked as another language or empty)"
                  : "the answer holds no code block and no line that starts like C (#include, int, void, ...)";
        goto done;
    }
    size_t last = n;
    for (size_t i = start; i < n; i++) {
        if (next_turn(&v[i])) break;
        if (v[i].len && v[i].s[0] == '}') last = i;
    }
    if (last == n) {
        *why = "the answer's code has no closing brace at column 0 (cut off, or not a whole program)";
        goto done;
    }
    out = join(v, take_leading_comments(v, start), last + 1);
    if (how) *how = EXTRACT_BARE;
done:
    free(blocks);
    free(v);
    return out;
}
