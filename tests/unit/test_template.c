/* Prompt templates: ChatHPC's layout with and without a context, Code Llama's [INST],
 * ChatML (exact strings, end-of-turn stop strings), choosing a template (tmpl_resolve: a
 * GGUF whose tokenizer.chat_template is SmolLM2's / Qwen2.5's ChatML picks chatml, a llama-2
 * one codellama, another chathpc; a name overrides; inline text; unknown names refused with
 * the built-ins listed),
 * the Jinja subset of user files (aliases, if/elif/else, not, comments, whitespace
 * control), the answer offset invariant, and parse errors with file:line:column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "gguf/gguf.h"
#include "prompt/template.h"

static struct tmpl *parse_ok(const char *text)
{
    struct tmpl *t = NULL;
    cr_assert_eq(tmpl_parse(&t, text, strlen(text), "t.tmpl"), 0, "%s", cm_error_message());
    return t;
}

/* Renders prompt and full text; checks that full starts with the prompt at the offset. */
static void render(const struct tmpl *t, const struct tmpl_vars *v, struct cm_buf *prompt, struct cm_buf *full)
{
    size_t off = 12345;
    cm_buf_init(prompt), cm_buf_init(full);
    cm_buf_puts(full, "XX"); /* the offset counts from where the call started */
    cr_assert_eq(tmpl_render_prompt(t, v, prompt), 0);
    cr_assert_eq(tmpl_render_full(t, v, full, &off), 0);
    cr_assert_eq(off, prompt->len, "answer offset %zu, prompt length %zu", off, prompt->len);
    cr_assert_eq(memcmp(full->data + 2, prompt->data ? prompt->data : "", prompt->len), 0, "full text does not start with the prompt");
    memmove(full->data, full->data + 2, full->len - 1);
    full->len -= 2;
}

Test(template, chathpc_with_and_without_context)
{
    struct tmpl *t = NULL;
    cr_assert_eq(tmpl_builtin(&t, "chathpc"), 0);
    struct tmpl_vars v = {"Q1\nQ2", "Sequential to MPI translation", "A1", NULL};
    struct cm_buf p, f;
    render(t, &v, &p, &f);
    char want[2048];
    snprintf(want, sizeof(want), "%s\n\n### Context:\nSequential to MPI translation\n\n### Question:\nQ1\nQ2\n\n### Answer:\n",
             tmpl_chathpc_preamble);
    cr_assert_str_eq(p.data, want);
    cr_assert_eq(strncmp(f.data, want, strlen(want)), 0);
    cr_assert_str_eq(f.data + strlen(want), "A1\n\n");
    cm_buf_release(&p), cm_buf_release(&f);

    v.context = NULL;
    render(t, &v, &p, &f);
    snprintf(want, sizeof(want), "%s\n\n### Question:\nQ1\nQ2\n\n### Answer:\nA1\n\n", tmpl_chathpc_preamble);
    cr_assert_str_eq(f.data, want);
    cr_assert_null(strstr(p.data, "Context"));
    cm_buf_release(&p), cm_buf_release(&f);

    v.context = ""; /* empty is absent, as in Jinja */
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, want);
    cm_buf_release(&p), cm_buf_release(&f);

    v.system = "SYS";
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "SYS\n\n### Question:\nQ1\nQ2\n\n### Answer:\nA1\n\n");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);
}

Test(template, codellama_inst)
{
    struct tmpl *t = NULL;
    cr_assert_eq(tmpl_builtin(&t, "codellama"), 0);
    struct tmpl_vars v = {"Parallelize this.", NULL, "int main(void) {}", ""}; /* "": no system text */
    struct cm_buf p, f;
    render(t, &v, &p, &f);
    cr_assert_str_eq(p.data, "[INST] Parallelize this. [/INST]");
    cr_assert_str_eq(f.data, "[INST] Parallelize this. [/INST] int main(void) {}");
    cr_assert_null(strstr(f.data, "<s>"), "BOS is the tokenizer's, not text");
    cm_buf_release(&p), cm_buf_release(&f);
    v.context = "CTX", v.system = "Be brief.";
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nCTX\n\nParallelize this. [/INST] int main(void) {}");
    cm_buf_release(&p), cm_buf_release(&f);
    v.system = NULL; /* the default: the MPI system text, with the contract */
    render(t, &v, &p, &f);
    cr_assert(!strncmp(f.data, "[INST] <<SYS>>\nYou are ChatHPC for MPI", 37), "%s", f.data);
    cr_assert(strstr(f.data, "prints on rank 0 only"), "%s", f.data);
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);
    cr_assert_neq(tmpl_builtin(&t, "alpaca"), 0);
    cr_assert(strstr(cm_error_message(), "unknown template 'alpaca'"));
}

Test(template, jinja_subset)
{
    struct tmpl_vars v = {"q", "c", "a", NULL};
    struct cm_buf p, f;
    /* aliases, comments, if/elif/else/not */
    struct tmpl *t = parse_ok("{# ChatHPC aliases #}U={{user}} P={{ prompt }}"
                              "{% if not context %}none{% elif system %}sys{% else %}ctx={{context}}{% endif %}"
                              "|{{ assistant }}|{% if system %}S{% endif %}");
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "U=q P=qctx=c|a|");
    cr_assert_str_eq(p.data, "U=q P=qctx=c|");
    cm_buf_release(&p), cm_buf_release(&f);
    v.system = "s";
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "U=q P=qsys|a|S");
    cm_buf_release(&p), cm_buf_release(&f);
    v.context = NULL;
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "U=q P=qnone|a|S");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);

    /* nested ifs */
    t = parse_ok("{% if context %}[{% if system %}S{% else %}-{% endif %}]{% endif %}{{ response }}");
    struct tmpl_vars w = {"q", "c", "A", NULL};
    render(t, &w, &p, &f);
    cr_assert_str_eq(f.data, "[-]A");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);

    /* whitespace control strips newlines and spaces on the marked side only */
    t = parse_ok("Q:\n  {{- question -}}  \n\n{%- if context -%}\n\n  C={{ context }}\n{%- endif %}\nA: {{ answer }}");
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "Q:q\nA: a");
    cm_buf_release(&p), cm_buf_release(&f);
    v.context = "c";
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "Q:qC=c\nA: a");
    cr_assert_str_eq(p.data, "Q:qC=c\nA:", "the space before the answer belongs to the answer");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);

    /* ChatHPC's own file layout (Jinja defaults: newlines around tags kept) */
    t = parse_ok("Pre.\n{% if context %}\n### Context:\n{{ context }}\n{% endif %}\n### Question:\n{{ question }}\n\n### Answer:\n{{ answer }}\n\n");
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "Pre.\n\n### Context:\nc\n\n### Question:\nq\n\n### Answer:\na\n\n");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);

    /* a lone brace and text that looks almost like a tag are text */
    t = parse_ok("{ x } {x} {{ answer }}{");
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "{ x } {x} a{");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);
}

static void parse_bad(const char *text, const char *want)
{
    struct tmpl *t = (struct tmpl *)1;
    cr_assert_neq(tmpl_parse(&t, text, strlen(text), "my.tmpl"), 0, "'%s' parsed", text);
    cr_assert_null(t);
    cr_assert(strstr(cm_error_message(), want), "message '%s' lacks '%s'", cm_error_message(), want);
}

Test(template, parse_errors_with_line_and_column)
{
    parse_bad("line one\n  {{ question }\n{{ answer }}", "my.tmpl:2:3: '{{' is never closed");
    parse_bad("{{ answer }}\n\n   {% if context %}x", "my.tmpl:3:4: '{% if %}' is never closed");
    parse_bad("{{ answer }}{% endif %}", "my.tmpl:1:13: '{% endif %}' without '{% if %}'");
    parse_bad("{{ answer }}\n{% else %}", "my.tmpl:2:1: '{% else %}' without");
    parse_bad("{% if context %}{% else %}{% elif system %}{% endif %}{{ answer }}", "'{% elif %}' after '{% else %}'");
    parse_bad("{% if context %}{% else %}{% else %}{% endif %}{{ answer }}", "a second '{% else %}'");
    parse_bad("{{ answer }}\n{{ questoin }}", "my.tmpl:2:4: unknown variable 'questoin'");
    cr_assert(strstr(cm_error_hint_text(), "question (prompt, user)"));
    parse_bad("{{ answer }}{{ question | trim }}", "my.tmpl:1:13: only a plain variable name");
    parse_bad("{% for x in xs %}{% endfor %}{{ answer }}", "my.tmpl:1:1: unsupported tag");
    parse_bad("{{ question }}", "has no {{ answer }}");
    parse_bad("{{ answer }}{{ response }}", "my.tmpl:1:13: a second {{ answer }}");
    parse_bad("{% if context %}{{ answer }}{% endif %}", "my.tmpl:1:17: {{ answer }} cannot be inside {% if %}");
    parse_bad("{% if answer %}{% endif %}{{ answer }}", "cannot be tested");
    parse_bad("{{ answer }}{# never closed", "my.tmpl:1:13: comment is never closed");
    parse_bad("{{ answer }}{%  %}", "empty");
    parse_bad("{{ answer }}{% if a b %}{% endif %}", "my.tmpl:1:13: expected '{% if NAME %}'");
    parse_bad("{{ answer }}{% if a %}{% endif %}", "unknown variable 'a'");
}

Test(template, load_from_file)
{
    char path[] = "/tmp/chatmpi_tmpl_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char *text = "### Q\n{{ question }}\n### A\n{{ answer }}";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct tmpl *t = NULL;
    cr_assert_eq(tmpl_open(&t, path), 0, "%s", cm_error_message());
    struct tmpl_vars v = {"q", NULL, "a", NULL};
    struct cm_buf p, f;
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "### Q\nq\n### A\na");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);
    unlink(path);
    cr_assert_neq(tmpl_open(&t, path), 0);
    cr_assert(strstr(cm_error_message(), path), "%s", cm_error_message());
}

Test(template, chatml_exact)
{
    struct tmpl *t = NULL;
    cr_assert_eq(tmpl_builtin(&t, "chatml"), 0);
    cr_assert_str_eq(tmpl_name(t), "chatml");
    struct tmpl_vars v = {"Parallelize this.", NULL, "int main(void) {}", "Be brief."};
    struct cm_buf p, f;
    render(t, &v, &p, &f);
    cr_assert_str_eq(p.data, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nParallelize this.<|im_end|>\n"
                             "<|im_start|>assistant\n");
    cr_assert_str_eq(f.data, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nParallelize this.<|im_end|>\n"
                             "<|im_start|>assistant\nint main(void) {}<|im_end|>\n");
    cm_buf_release(&p), cm_buf_release(&f);
    /* the context goes before the question; the system turn defaults to the MPI system text */
    v.context = "Sequential to MPI translation", v.system = NULL;
    render(t, &v, &p, &f);
    char want[2048];
    snprintf(want, sizeof(want),
             "<|im_start|>system\n%s<|im_end|>\n<|im_start|>user\nSequential to MPI translation\n\nParallelize this."
             "<|im_end|>\n<|im_start|>assistant\n",
             tmpl_mpi_system);
    cr_assert_str_eq(p.data, want);
    cm_buf_release(&p), cm_buf_release(&f);
    size_t n;
    const char *const *stops = tmpl_stops(t, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(stops[0], "<|im_end|>");
    cr_assert_str_eq(stops[1], "<|endoftext|>");
    tmpl_free(t);
    cr_assert_eq(tmpl_builtin(&t, "chathpc"), 0);
    tmpl_stops(t, &n);
    cr_assert_eq(n, 0);
    cr_assert_str_eq(tmpl_name(t), "chathpc");
    tmpl_free(t);
}

/* SmolLM2-135M-Instruct's tokenizer.chat_template (as its GGUF carries it) */
static const char smollm2_jinja[] =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou "
    "are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + "
    "message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|im_start|>assistant\n' }}{% endif %}";
static const char llama2_jinja[] =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% endif %}{% for message in "
    "loop_messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
static const char other_jinja[] = "{% for m in messages %}<start_of_turn>{{ m.role }}\n{{ m.content }}<end_of_turn>\n"
                                  "{% endfor %}";

/* An in-memory GGUF with this chat template (NULL: no key). */
static struct gguf *model_with(const char *jinja, void **mem)
{
    struct gguf_writer w;
    gguf_writer_init(&w);
    cr_assert_eq(gguf_writer_set_str(&w, "general.architecture", "llama"), 0);
    if (jinja) cr_assert_eq(gguf_writer_set_str(&w, "tokenizer.chat_template", jinja), 0);
    size_t len;
    cr_assert_eq(gguf_writer_write_memory(&w, mem, &len), 0, "%s", cm_error_message());
    gguf_writer_release(&w);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, *mem, len, "m.gguf"), 0, "%s", cm_error_message());
    return g;
}

static void expect_resolved(const char *spec, const char *jinja, const char *want_name, const char *want_why)
{
    void *mem = NULL;
    struct gguf *g = jinja ? model_with(jinja, &mem) : NULL;
    struct tmpl *t = NULL;
    const char *why = NULL;
    cr_assert_eq(tmpl_resolve(&t, spec, g, &why), 0, "%s", cm_error_message());
    if (want_name) cr_assert_str_eq(tmpl_name(t), want_name, "spec %s", spec ? spec : "(none)");
    else cr_assert_null(tmpl_name(t));
    cr_assert_str_eq(why, want_why);
    tmpl_free(t);
    gguf_close(g);
    free(mem);
}

/* A training answer is put in the code block the chat templates' system text asks for. */
Test(template, training_answer_fenced_for_chat_templates)
{
    static const struct {
        const char *tmpl, *answer, *want;
    } cases[] = {
        {"chatml", "int main(void) {}\n\n", "```c\nint main(void) {}\n```"},
        {"codellama", "\n/* x */\nint y;", "```c\n/* x */\nint y;\n```"},
        {"chatml", "```c\nint z;\n```\n", "```c\nint z;\n```\n"}, /* already in a block */
        {"chathpc", "int main(void) {}\n", "int main(void) {}\n"},     /* its preamble asks for none */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tmpl *t = NULL;
        cr_assert_eq(tmpl_builtin(&t, cases[i].tmpl), 0);
        char *a = tmpl_training_answer(t, cases[i].answer);
        cr_assert_str_eq(a, cases[i].want, "case %zu", i);
        free(a);
        tmpl_free(t);
    }
    struct tmpl *t = NULL;
    const char *text = "{{ question }}|{{ answer }}";
    cr_assert_eq(tmpl_parse(&t, text, strlen(text), "inline"), 0, "%s", cm_error_message());
    char *a = tmpl_training_answer(t, "int q;");
    cr_assert_str_eq(a, "int q;");
    free(a);
    tmpl_free(t);
}

Test(template, detect_and_resolve)
{
    cr_assert_str_eq(tmpl_detect(smollm2_jinja), "chatml");
    cr_assert_str_eq(tmpl_detect(llama2_jinja), "codellama");
    cr_assert_null(tmpl_detect(other_jinja));
    cr_assert_null(tmpl_detect(NULL));
    const char *det = "detected from the model's chat template";
    expect_resolved(NULL, smollm2_jinja, "chatml", det);
    expect_resolved("", llama2_jinja, "codellama", det);
    expect_resolved(NULL, other_jinja, "chathpc", "default");
    expect_resolved(NULL, NULL, "chathpc", "default");
    expect_resolved(NULL, "", "chathpc", "default"); /* an empty chat template */
    /* a name overrides the model's */
    expect_resolved("chathpc", smollm2_jinja, "chathpc", "given");
    expect_resolved("codellama", smollm2_jinja, "codellama", "given");
    /* inline text (a newline or a tag) is the template itself */
    expect_resolved("Q: {{ question }} A: {{ answer }}", smollm2_jinja, NULL, "given");
    struct tmpl *t = NULL;
    cr_assert_eq(tmpl_resolve(&t, "### Context:\n{{ context }}\n### Question:\n{{ question }}\n### Answer:\n{{ answer }}",
                              NULL, NULL),
                 0, "%s", cm_error_message());
    struct tmpl_vars v = {"q", "c", "a", NULL};
    struct cm_buf p, f;
    render(t, &v, &p, &f);
    cr_assert_str_eq(f.data, "### Context:\nc\n### Question:\nq\n### Answer:\na");
    cm_buf_release(&p), cm_buf_release(&f);
    tmpl_free(t);
    /* an unknown name: a usage error naming it and the built-ins */
    cr_assert_eq(tmpl_resolve(&t, "gemma", NULL, NULL), CM_EINVAL);
    cr_assert_null(t);
    cr_assert(strstr(cm_error_message(), "unknown template 'gemma'"), "%s", cm_error_message());
    cr_assert(strstr(cm_error_hint_text(), "chathpc, chatml, codellama"), "%s", cm_error_hint_text());
    /* a path that is not there: the file is named */
    cr_assert_neq(tmpl_resolve(&t, "/nonexistent/x.tmpl", NULL, NULL), 0);
    cr_assert(strstr(cm_error_message(), "/nonexistent/x.tmpl"), "%s", cm_error_message());
}
