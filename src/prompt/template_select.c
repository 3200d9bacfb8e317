/* template_select.c — choosing a template (see tmpl_resolve in template.h): a name, a file,
 * inline text, or what a model's tokenizer.chat_template says it was trained with.
 *
 * A model's chat template is a full Jinja program (loops over messages, filters); it is not
 * run, only recognized by the markers of the formats chatmpi has built in.
 * Left out: running the model's Jinja itself, formats other than the built-ins.
 */
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "gguf/gguf.h"
#include "prompt/template.h"

const char *tmpl_detect(const char *chat_template)
{
    if (!chat_template) return NULL;
    if (strstr(chat_template, "<|im_start|>")) return "chatml";
    if (strstr(chat_template, "[INST]")) return "codellama";
    return NULL;
}

/* Text that is a template itself rather than a name or a path. */
static int is_inline(const char *s)
{
    return strchr(s, '\n') || strstr(s, "{{") || strstr(s, "{%");
}

int tmpl_resolve(struct tmpl **out, const char *spec, const struct gguf *model, const char **why)
{
    *out = NULL;
    const char *dummy;
    if (!why) why = &dummy;
    if (!spec || !*spec) {
        const char *jinja = NULL, *name = NULL;
        if (model && gguf_find_key(model, "tokenizer.chat_template") &&
            gguf_get_str(model, "tokenizer.chat_template", &jinja) == 0)
            name = tmpl_detect(jinja);
        cm_error_clear();
        *why = name ? "detected from the model's chat template" : "default";
        return tmpl_builtin(out, name ? name : "chathpc");
    }
    *why = "given";
    if (is_inline(spec)) return tmpl_parse(out, spec, strlen(spec), "<inline template>");
    if (tmpl_is_builtin(spec)) return tmpl_builtin(out, spec);
    if (cm_is_file(spec) || strchr(spec, '/')) return tmpl_load(out, spec);
    cm_error_set(CM_EINVAL, "unknown template '%s': not a built-in template nor a file", spec);
    cm_error_hint("built-in templates: %s; or give a template file or the template text",
                  tmpl_builtin_list());
    return CM_EINVAL;
}
