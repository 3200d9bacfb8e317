/* template.h — prompt templates: how a question (and context) becomes the text a model
 * reads, and where its answer goes.
 *
 * Sources:
 *   "chathpc"    ChatHPC's template (ORNL's ChatHPC application, the SC25 Kokkos release),
 *                with the preamble speaking of MPI instead of Kokkos:
 *                  <preamble>\n
 *                  {% if context %}\n### Context:\n{{ context }}\n{% endif %}\n
 *                  ### Question:\n{{ question }}\n\n### Answer:\n{{ answer }}\n\n
 *                (the "### Context:" block only when a context is given);
 *   "codellama"  Code Llama - Instruct: [INST] <context>\n\n<question> [/INST] <answer>
 *                (with "<<SYS>>\n...\n<</SYS>>\n\n" first when a system text is given;
 *                tmpl_mpi_system by default);
 *                <s> and </s> are tokens the tokenizer adds, never text;
 *   "chatml"     ChatML (SmolLM2-Instruct, Qwen2.5-Instruct):
 *                  <|im_start|>system\n<system><|im_end|>\n
 *                  <|im_start|>user\n[<context>\n\n]<question><|im_end|>\n
 *                  <|im_start|>assistant\n<answer><|im_end|>\n
 *                (the system turn defaults to tmpl_mpi_system); generation stops at
 *                <|im_end|> or <|endoftext|> (tmpl_stops);
 *   a file       in ChatHPC's Jinja subset (below);
 *   inline text  in the same subset (a training config's prompt_template).
 * Choosing one from a name, a file, inline text or a model's own tokenizer.chat_template is
 * tmpl_resolve (template_select.c), which every command calls.
 *
 * The Jinja subset: {{ name }}; {% if [not] name %} ... {% elif [not] name %} ... {% else %}
 * ... {% endif %}; {# comments #}; whitespace control with '-' inside either delimiter
 * ({{- x -}}, {%- if x -%}) strips all whitespace on that side, as Jinja does. Names are
 * ChatHPC's and its aliases: question (prompt, user), answer (response, assistant), context,
 * system; a name is true when it is given and not empty; output is never escaped.
 * Newlines around tags are kept (Jinja's defaults, which ChatHPC uses: no trim_blocks).
 * A template holds exactly one {{ answer }}, outside any {% if %}: the text before it is the
 * generation prompt, as in ChatHPC. Parse errors say file:line:column.
 *
 * Offsets: tmpl_render_full writes prompt + answer + rest and returns the byte offset where
 * the answer starts, which is the prompt's length, so full[0..offset) is exactly the
 * generation prompt. Spaces (not newlines) right before {{ answer }} belong to the answer
 * part: SentencePiece glues a space to the word after it, so "[/INST] x" must be learnt and
 * generated as "[/INST]" then "▁x".
 *
 * Left out: filters, expressions, loops, macros, includes, Go templates.
 */
#ifndef CM_PROMPT_TEMPLATE_H
#define CM_PROMPT_TEMPLATE_H

#include <stddef.h>

#include "core/buf.h"

/* What a template can refer to; NULL (or "") means absent. Borrowed. */
struct tmpl_vars {
    const char *question;
    const char *context;
    const char *answer;
    const char *system; /* NULL: the template's default (chathpc: its MPI preamble) */
};

struct tmpl;

/* Parses text[0..len); name (a path, or "<builtin>") is used in messages. *out is the
 * caller's (tmpl_free). */
int tmpl_parse(struct tmpl **out, const char *text, size_t len, const char *name);
/* Reads and parses a template file. */
int tmpl_load(struct tmpl **out, const char *path);
/* "chathpc", "chatml" or "codellama"; CM_EINVAL for another name. */
int tmpl_builtin(struct tmpl **out, const char *name);
/* Whether name is a built-in template's. */
int tmpl_is_builtin(const char *name);
/* The built-in names, for messages: "chathpc, chatml, codellama". Static. */
const char *tmpl_builtin_list(void);
/* A builtin name, else a file path. */
int tmpl_open(struct tmpl **out, const char *name_or_path);
void tmpl_free(struct tmpl *t); /* accepts NULL */

/* The built-in's name ("chatml"), or NULL for a template from a file or text. Static. */
const char *tmpl_name(const struct tmpl *t);
/* The template's end-of-turn stop strings (chatml, and any template whose text holds
 * <|im_start|>: "<|im_end|>", "<|endoftext|>"); *n
 * their count (0: none; the model's end-of-sequence token still ends an answer). Static. */
const char *const *tmpl_stops(const struct tmpl *t, size_t *n);

/* 1 when the template's own markers are special tokens of the model's vocabulary (chatml, or
 * a file or inline template written with <|im_start|>: <|im_start|>, <|im_end|>), so that its rendered text must be encoded with them parsed
 * (TOK_ENCODE_SPECIAL), and its answer's end-of-turn marker ends a training sequence in
 * place of the end-of-sequence token; 0 for plain-text templates (chathpc, codellama, files). */
int tmpl_special_tokens(const struct tmpl *t);

struct gguf;
/* The built-in template that a model's tokenizer.chat_template (a Jinja string) is, known by
 * its markers: "<|im_start|>" is chatml, "[INST]" codellama; NULL for any other. Static. */
const char *tmpl_detect(const char *chat_template);
/* The one way commands choose a template (template_select.c). spec, in this order:
 *   NULL or ""                 the model's own: tmpl_detect on its tokenizer.chat_template
 *                              (model may be NULL), else chathpc;
 *   text with a newline, "{{" or "{%"   the template itself (a config's inline template);
 *   a built-in name;
 *   an existing file, or a path (with '/'): read as a template file;
 * anything else is CM_EINVAL "unknown template 'x'" naming the built-ins. *why (may be
 * NULL) says how it was chosen, for messages: "--template", "detected from the model's
 * chat template", "default". */
int tmpl_resolve(struct tmpl **out, const char *spec, const struct gguf *model, const char **why);

/* Appends the generation prompt (everything before the answer) to out. */
int tmpl_render_prompt(const struct tmpl *t, const struct tmpl_vars *v, struct cm_buf *out);
/* Appends the whole text with v->answer in its place; *answer_off (may be NULL) is the
 * offset in out, counted from where this call started appending, where the answer part
 * starts. */
int tmpl_render_full(const struct tmpl *t, const struct tmpl_vars *v, struct cm_buf *out, size_t *answer_off);

/* The answer a training record gives this template, as the caller's string: for a template
 * whose system text asks for one ```c code block (chatml and codellama: tmpl_mpi_system), a
 * bare program is put in one, so that training teaches what the prompt asks for; an answer
 * already in a code block, and any answer for other templates (chathpc, files), as it is. */
char *tmpl_training_answer(const struct tmpl *t, const char *answer);

/* The MPI preamble of the chathpc template (its default system text). */
extern const char tmpl_chathpc_preamble[];
/* The system text of the chat templates (chatml, codellama) and of a remote model: the preamble
 * and the program contract (rank 0 prints, the same data, any number of ranks). */
extern const char tmpl_mpi_system[];

#endif
