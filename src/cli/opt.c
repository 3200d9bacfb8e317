/* opt.c — table-driven option parsing and help (see opt.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opt.h"

size_t opt_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

static const char *prog_name(const struct opt_cmd *cmd, char *buf, size_t n)
{
    snprintf(buf, n, "chatmpi%s%s", cmd->name[0] ? " " : "", cmd->name);
    return buf;
}

static int usage_error(const struct opt_cmd *cmd, const char *hint, const char *fmt, const char *arg)
{
    char p[64];
    fprintf(stderr, "%s: ", prog_name(cmd, p, sizeof(p)));
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    if (hint && *hint)
        fprintf(stderr, "hint: %s see '%s --help'\n", hint, p);
    else
        fprintf(stderr, "hint: see '%s --help'\n", p);
    return OPT_USAGE;
}

static const struct opt_spec *find_long(const struct opt_cmd *cmd, const char *name, size_t len)
{
    for (const struct opt_spec *s = cmd->opts; s && s->kind != OPT_END; s++)
        if (strlen(s->name) == len && !strncmp(s->name, name, len)) return s;
    return NULL;
}

static const struct opt_spec *find_short(const struct opt_cmd *cmd, char c)
{
    for (const struct opt_spec *s = cmd->opts; s && s->kind != OPT_END; s++)
        if (s->short_name && s->short_name == c) return s;
    return NULL;
}

static int parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end) return -1;
    *out = v;
    return 0;
}

static int in_range(const struct opt_spec *s, long v)
{
    return (s->min == 0 && s->max == 0) || (v >= s->min && v <= s->max);
}

static int set_value(const struct opt_cmd *cmd, const struct opt_spec *s, const char *val)
{
    char msg[256];
    switch (s->kind) {
    case OPT_STR:
        *(const char **)s->value = val;
        return OPT_OK;
    case OPT_STR_LIST:
        cm_strlist_push((struct cm_strlist *)s->value, val);
        return OPT_OK;
    case OPT_INT: {
        long v;
        if (parse_long(val, &v) != 0 || !in_range(s, v)) {
            snprintf(msg, sizeof(msg), "invalid value '%%s' for --%s: expected an integer", s->name);
            if (s->min || s->max)
                snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " in %ld..%ld", s->min, s->max);
            return usage_error(cmd, NULL, msg, val);
        }
        *(long *)s->value = v;
        return OPT_OK;
    }
    case OPT_DOUBLE: {
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        int bad = errno || end == val || *end || !isfinite(v);
        if (!bad && (s->dmin != 0 || s->dmax != 0)) bad = v < s->dmin || v > s->dmax;
        if (bad) {
            snprintf(msg, sizeof(msg), "invalid value '%%s' for --%s: expected a number", s->name);
            if (s->dmin != 0 || s->dmax != 0)
                snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " in %g..%g", s->dmin, s->dmax);
            return usage_error(cmd, NULL, msg, val);
        }
        *(double *)s->value = v;
        return OPT_OK;
    }
    case OPT_INT_LIST: {
        struct opt_ints *l = s->value;
        l->n = 0;
        const char *p = val;
        for (;;) {
            char item[32];
            size_t k = strcspn(p, ",");
            long v;
            if (k == 0 || k >= sizeof(item) || l->n == sizeof(l->v) / sizeof(l->v[0])) goto bad_list;
            memcpy(item, p, k);
            item[k] = '\0';
            if (parse_long(item, &v) != 0 || !in_range(s, v)) goto bad_list;
            l->v[l->n++] = v;
            if (!p[k]) break;
            p += k + 1;
        }
        return OPT_OK;
    bad_list:
        snprintf(msg, sizeof(msg), "invalid value '%%s' for --%s: expected a comma-separated list of integers", s->name);
        if (s->min || s->max)
            snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " in %ld..%ld", s->min, s->max);
        return usage_error(cmd, NULL, msg, val);
    }
    case OPT_FLAG:
    case OPT_END:
        break;
    }
    return OPT_OK;
}

static void suggest(const struct opt_cmd *cmd, const char *name, char *hint, size_t n)
{
    const struct opt_spec *best = NULL;
    size_t bd = 3;
    for (const struct opt_spec *s = cmd->opts; s && s->kind != OPT_END; s++) {
        size_t d = opt_edit_distance(name, s->name);
        if (d < bd || (!best && !strncmp(s->name, name, strlen(name)) && strlen(name) >= 2)) best = s, bd = d;
    }
    hint[0] = '\0';
    if (best) snprintf(hint, n, "did you mean '--%s'?", best->name);
}

int opt_parse(const struct opt_cmd *cmd, int argc, char **argv, struct cm_strlist *pos)
{
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct opt_spec *s = NULL;
        const char *val = NULL;
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            cm_strlist_push(pos, a);
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            opt_print_help(cmd, stdout);
            return OPT_HELP;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            s = find_long(cmd, name, len);
            if (!s) {
                char nm[80], hint[120];
                snprintf(nm, sizeof(nm), "%.*s", (int)(len < 70 ? len : 70), name);
                suggest(cmd, nm, hint, sizeof(hint));
                return usage_error(cmd, hint, "unknown option '%s'", a);
            }
            if (eq) {
                if (s->kind == OPT_FLAG) return usage_error(cmd, NULL, "option '%s' takes no value", a);
                val = eq + 1;
            }
        } else {
            s = find_short(cmd, a[1]);
            if (!s) return usage_error(cmd, NULL, "unknown option '%s'", a);
            if (a[2]) {
                if (s->kind == OPT_FLAG) return usage_error(cmd, NULL, "option '%s' takes no value", a);
                val = a + 2;
            }
        }
        if (s->kind == OPT_FLAG) {
            *(int *)s->value = 1;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) return usage_error(cmd, NULL, "option '%s' needs a value", a);
            val = argv[++i];
        }
        int rc = set_value(cmd, s, val);
        if (rc != OPT_OK) return rc;
    }
    if ((int)pos->n < cmd->min_pos || (cmd->max_pos >= 0 && (int)pos->n > cmd->max_pos)) {
        char want[64];
        if (cmd->max_pos == cmd->min_pos)
            snprintf(want, sizeof(want), "%d", cmd->min_pos);
        else if (cmd->max_pos < 0)
            snprintf(want, sizeof(want), "at least %d", cmd->min_pos);
        else
            snprintf(want, sizeof(want), "%d to %d", cmd->min_pos, cmd->max_pos);
        char msg[160];
        snprintf(msg, sizeof(msg), "expected %s argument%s, got %zu (usage: %%s)", want,
                 cmd->max_pos == 1 && cmd->min_pos == 1 ? "" : "s", pos->n);
        char u[200], p[64];
        snprintf(u, sizeof(u), "%s %s", prog_name(cmd, p, sizeof(p)), cmd->usage);
        return usage_error(cmd, NULL, msg, u);
    }
    return OPT_OK;
}

static const char *kind_metavar(const struct opt_spec *s)
{
    if (s->metavar) return s->metavar;
    switch (s->kind) {
    case OPT_INT: return "N";
    case OPT_DOUBLE: return "X";
    case OPT_INT_LIST: return "N,N,...";
    default: return "VALUE";
    }
}

void opt_print_help(const struct opt_cmd *cmd, FILE *f)
{
    char p[64];
    fprintf(f, "usage: %s %s\n\n%s\n", prog_name(cmd, p, sizeof(p)), cmd->usage, cmd->summary);
    if (cmd->opts && cmd->opts->kind != OPT_END) fprintf(f, "\noptions:\n");
    for (const struct opt_spec *s = cmd->opts; s && s->kind != OPT_END; s++) {
        char left[80];
        int n = snprintf(left, sizeof(left), "  %s%c%s--%s", s->short_name ? "-" : "",
                         s->short_name ? s->short_name : ' ', s->short_name ? ", " : "  ", s->name);
        if (!s->short_name) n = snprintf(left, sizeof(left), "      --%s", s->name);
        if (s->kind != OPT_FLAG && n > 0 && (size_t)n < sizeof(left))
            snprintf(left + n, sizeof(left) - (size_t)n, " %s", kind_metavar(s));
        fprintf(f, "%-30s %s%s\n", left, s->help, s->kind == OPT_STR_LIST ? " (repeatable)" : "");
    }
    fprintf(f, "  -h, --help                   show this help\n");
    if (cmd->details) fprintf(f, "\n%s\n", cmd->details);
}
