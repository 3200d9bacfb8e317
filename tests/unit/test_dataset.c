/* ChatHPC dataset records: JSON arrays, JSON Lines and YAML in ChatHPC's own shapes
 * (capitalised keys, block scalars, aliases), extra keys kept, and broken files: syntax
 * errors with file:line:column, records without a question, duplicates, wrong types. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/error.h"
#include "prompt/dataset.h"

static void load_ok(struct dataset *d, const char *text, int yaml)
{
    dataset_init(d);
    int rc = yaml ? dataset_parse_yaml(d, text, strlen(text), "d.yaml") : dataset_parse_json(d, text, strlen(text), "d.json");
    cr_assert_eq(rc, 0, "%s", cm_error_message());
}

Test(dataset, json_array_with_aliases_and_extra_keys)
{
    struct dataset d;
    load_ok(&d,
            "[{\"question\": \"Q1\", \"context\": \"C1\", \"answer\": \"A1\", \"id\": \"jacobi\", \"domain\": \"stencil\"},\n"
            " {\"Prompt\": \"Q2\", \"RESPONSE\": \"A2\", \"n\": 3, \"tags\": [\"x\"]},\n"
            " {\"user\": \"Q3\", \"assistant\": null, \"context\": \"\"}]",
            0);
    cr_assert_eq(d.n, 3);
    cr_assert_str_eq(d.recs[0].question, "Q1");
    cr_assert_str_eq(d.recs[0].context, "C1");
    cr_assert_str_eq(d.recs[0].answer, "A1");
    cr_assert_str_eq(dataset_record_get(&d.recs[0], "ID"), "jacobi");
    cr_assert_str_eq(d.recs[0].extra[1].key, "domain");
    cr_assert_str_eq(d.recs[1].question, "Q2");
    cr_assert_null(d.recs[1].context);
    cr_assert_str_eq(d.recs[1].answer, "A2");
    cr_assert_str_eq(dataset_record_get(&d.recs[1], "n"), "3");
    cr_assert_str_eq(dataset_record_get(&d.recs[1], "tags"), "[\"x\"]");
    cr_assert_null(d.recs[2].answer);
    cr_assert_null(d.recs[2].context, "an empty context is no context");
    cr_assert_null(dataset_record_get(&d.recs[2], "id"));
    dataset_release(&d);
}

Test(dataset, json_lines)
{
    struct dataset d;
    load_ok(&d, "{\"question\": \"a\"}\n\n  \n{\"question\": \"b\", \"answer\": \"B\"}\n", 0);
    cr_assert_eq(d.n, 2);
    cr_assert_eq(d.recs[1].line, 4);
    cr_assert_str_eq(d.recs[1].answer, "B");
    dataset_release(&d);
}

Test(dataset, yaml_chathpc_shapes)
{
    struct dataset d;
    /* kokkos_testing.yaml's shape: capitalised keys, literal blocks, no answer */
    load_ok(&d,
            "- Context: |\n    OpenMP to MPI translation\n  Question: |\n    Can you translate this?\n    for (;;) {}\n"
            "- Context: |\n    Sequential to MPI\n  Question: |\n    Second\n",
            1);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.recs[0].context, "OpenMP to MPI translation\n");
    cr_assert_str_eq(d.recs[0].question, "Can you translate this?\nfor (;;) {}\n");
    cr_assert_null(d.recs[0].answer);
    cr_assert_eq(d.recs[1].line, 6);
    dataset_release(&d);
    /* data-test1.yaml's shape: prompt/response, quoted multi-line scalars, |- blocks */
    load_ok(&d,
            "- prompt: 'Line one\n\n    Line two'\n  response: |-\n    First\n    Second\n  context: Single line\n"
            "- prompt: \"x\\ty\"\n  response: ~\n  kernel: jacobi2d\n",
            1);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.recs[0].question, "Line one\nLine two");
    cr_assert_str_eq(d.recs[0].answer, "First\nSecond");
    cr_assert_str_eq(d.recs[0].context, "Single line");
    cr_assert_str_eq(d.recs[1].question, "x\ty");
    cr_assert_null(d.recs[1].answer);
    cr_assert_str_eq(dataset_record_get(&d.recs[1], "Kernel"), "jacobi2d");
    dataset_release(&d);
}

static void load_bad(const char *text, int yaml, const char *want)
{
    struct dataset d;
    dataset_init(&d);
    cr_assert_eq(dataset_parse_json(&d, "[{\"question\": \"kept\"}]", 22, "first.json"), 0);
    int rc = yaml ? dataset_parse_yaml(&d, text, strlen(text), "d.yaml") : dataset_parse_json(&d, text, strlen(text), "d.json");
    cr_assert_neq(rc, 0, "'%s' loaded", text);
    cr_assert(strstr(cm_error_message(), want), "message '%s' lacks '%s'", cm_error_message(), want);
    cr_assert_eq(d.n, 1, "a failed load changed the dataset");
    cr_assert_str_eq(d.recs[0].question, "kept");
    dataset_release(&d);
}

Test(dataset, broken_files)
{
    load_bad("[{\"question\": \"a\"},\n {\"question\": \"b\",}]", 0, "cannot read dataset at d.json:2:");
    load_bad("[{\"question\": \"a\"}, {\"context\": \"c\", \"answer\": \"x\"}]", 0, "'d.json', record 2: it has no question");
    cr_assert(strstr(cm_error_hint_text(), "'prompt'"));
    load_bad("[{\"question\": \"a\", \"prompt\": \"b\"}]", 0, "record 1: the question is given twice (key 'prompt')");
    load_bad("[{\"question\": \"a\", \"Question\": \"b\"}]", 0, "the question is given twice");
    load_bad("[{\"question\": \"a\", \"question\": \"b\"}]", 0, "d.json:1:");
    load_bad("[{\"question\": 5}]", 0, "the value of 'question' is not a string");
    load_bad("[{\"question\": \"a\"}, 7]", 0, "record 2: it is not an object");
    load_bad("{\"question\": \"a\"}\n{\"answer\": \"b\"}\n", 0, "at d.json:2:1, record 2: it has no question");
    load_bad("{\"question\": \"a\"}\n{\"question\": \n", 0, "d.json:2:");
    load_bad("\"just a string\"", 0, "not a JSON array of records");
    load_bad("[{\"question\": \"a\\u0000b\"}]", 0, "d.json:1:");
    load_bad("- question: a\n- context: b\n  answer: c\n", 1, "at d.yaml:2:3, record 2: it has no question");
    load_bad("- question: a\n  context: [x, y]\n", 1, "at d.yaml:2:3, record 1: the value of 'context' is not a string");
    load_bad("- question: a\n  prompt: b\n", 1, "d.yaml:2:3, record 1: the question is given twice");
    load_bad("- question: 'unterminated\n", 1, "cannot read dataset at d.yaml:");
    load_bad("question: a\n", 1, "not a YAML list of records");
    load_bad("- just text\n", 1, "record 1: it is not a mapping");
}
