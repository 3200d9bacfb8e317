/* Code extraction from answers of many shapes: fenced with and without language, several
 * blocks (main wins, MPI wins, largest wins), shell blocks ignored, unterminated fences,
 * indented and tilde fences, CR LF, bare code with chatter around it, ChatHPC transcripts
 * that run on into the next "### Question:", and answers with nothing to extract. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "prompt/extract.h"

static void expect(const char *answer, const char *want, enum extract_how want_how)
{
    enum extract_how how = 0;
    const char *why = NULL;
    char *got = extract_program(answer, strlen(answer), &how, &why);
    cr_assert_not_null(got, "nothing extracted (%s) from:\n%s", why ? why : "?", answer);
    cr_assert_str_eq(got, want, "from:\n%s", answer);
    cr_assert_eq(how, want_how, "how %d, expected %d", how, want_how);
    free(got);
}

static void expect_none(const char *answer, const char *why_part)
{
    const char *why = NULL;
    char *got = extract_program(answer, strlen(answer), NULL, &why);
    cr_assert_null(got, "extracted '%s' from:\n%s", got, answer);
    cr_assert_not_null(why);
    cr_assert(strstr(why, why_part), "reason '%s' lacks '%s'", why, why_part);
}

#define PROG "#include <mpi.h>\nint main(int argc, char **argv)\n{\n    MPI_Init(&argc, &argv);\n    MPI_Finalize();\n}\n"
#define SEQ "#include <stdio.h>\nint main(void)\n{\n    return 0;\n}\n"

Test(extract, fenced_blocks)
{
    expect("Here is the MPI version:\n```c\n" PROG "```\nIt splits the rows.\n", PROG, EXTRACT_FENCED_MAIN);
    expect("```\n" PROG "```", PROG, EXTRACT_FENCED_MAIN);
    expect("```cpp\n" PROG "```\n", PROG, EXTRACT_FENCED_MAIN);
    expect("```C title=\"x\"\n" PROG "```\n", PROG, EXTRACT_FENCED_MAIN);
    expect("~~~c\n" PROG "~~~\n", PROG, EXTRACT_FENCED_MAIN);
    expect("1. The code:\n   ```c\n" PROG "   ```\n", PROG, EXTRACT_FENCED_MAIN);
    expect("````c\n" PROG "```\nstill inside\n````\n", PROG "```\nstill inside\n", EXTRACT_FENCED_MAIN);
    expect("```c\r\n#include <mpi.h>\r\nint main(void)\r\n{\r\n}\r\n```\r\n", "#include <mpi.h>\nint main(void)\n{\n}\n",
           EXTRACT_FENCED_MAIN);
}

Test(extract, choosing_among_blocks)
{
    /* the helper first, then the program: main wins over size */
    expect("```c\nstatic double f(double x)\n{\n    return x * x * x * x * x * x * x * x * x * x * x * x * x;\n}\n```\n"
           "and\n```c\n" SEQ "```\n",
           SEQ, EXTRACT_FENCED_MAIN);
    /* sequential and MPI programs both shown: the MPI one */
    expect("Original:\n```c\n" SEQ "```\nParallel:\n```c\n" PROG "```\n", PROG, EXTRACT_FENCED_MAIN);
    expect("```c\n" PROG "```\nOriginal:\n```c\n" SEQ "```\n", PROG, EXTRACT_FENCED_MAIN);
    /* a shell block with main( in it does not count; the compile command is ignored */
    expect("```bash\nmpicc main(x).c && mpirun -np 4 ./a.out\n```\n```c\n" PROG "```\n", PROG, EXTRACT_FENCED_MAIN);
    /* no main anywhere: the largest C-ish block */
    expect("```c\nint a;\n```\n```\nvoid f(void)\n{\n    g();\n}\n```\n```sh\nlong long long long long long long\n```\n",
           "void f(void)\n{\n    g();\n}\n", EXTRACT_FENCED);
}

Test(extract, unterminated_fences)
{
    expect("Sure!\n```c\n" PROG "    /* cut off by the token lim", PROG "    /* cut off by the token lim\n", EXTRACT_FENCED_MAIN);
    expect("```c\n" PROG, PROG, EXTRACT_FENCED_MAIN);
}

Test(extract, bare_code)
{
    expect("Here you go.\n\n" PROG "\nThis program initialises MPI.\n", PROG, EXTRACT_BARE);
    expect(PROG, PROG, EXTRACT_BARE);
    expect("The answer is:\nstatic int n = 4;\nint main(void)\n{\n  return n;\n}\n", "static int n = 4;\nint main(void)\n{\n  return n;\n}\n",
           EXTRACT_BARE);
    /* a ChatHPC transcript that runs on into the next question */
    expect(PROG "\n### Question:\nCan you also\n#include <x.h>\nint f(void)\n{\n}\n", PROG, EXTRACT_BARE);
    /* a chat model that goes on to make up the next turn of the conversation */
    expect(PROG "Human: Can you parallelize this sequential code to MPI?\n#include <x.h>\nint main(void)\n{\n}\n", PROG,
           EXTRACT_BARE);
    expect(PROG "User: and now in OpenMP?\nint g(void)\n{\n}\n", PROG, EXTRACT_BARE);
    /* prose with an 'int' inside a sentence is not a start */
    expect("We use an int here.\n  int x; (indented)\n" SEQ, SEQ, EXTRACT_BARE);
    /* empty fenced blocks fall through to bare code */
    expect("```c\n```\n" SEQ, SEQ, EXTRACT_BARE);
}

Test(extract, bare_code_keeps_its_header_comment)
{
#define HDR "/* AXPY, MPI version.\n * Usage: axpy [n] [reps] */\n"
    /* the corpus's files begin with a comment: it is part of the program (exact match) */
    expect(HDR "\n" PROG, HDR "\n" PROG, EXTRACT_BARE);
    expect("Here it is.\n\n" HDR PROG "\nDone.\n", HDR PROG, EXTRACT_BARE);
    expect("// dot product\n// MPI\n" HDR PROG, "// dot product\n// MPI\n" HDR PROG, EXTRACT_BARE);
    expect("/* one line */\n" PROG, "/* one line */\n" PROG, EXTRACT_BARE);
    /* chatter is not a comment: a Markdown bullet, a block comment never opened */
    expect("* a bullet\n" PROG, PROG, EXTRACT_BARE);
    expect("see the note */\n" PROG, PROG, EXTRACT_BARE);
    expect("Intro.\n * not opened\n */\n" PROG, PROG, EXTRACT_BARE);
#undef HDR
}

Test(extract, nothing_to_extract)
{
    expect_none("", "no code block");
    expect_none("I cannot help with that.\n", "no code block");
    expect_none("Run it with:\n```bash\nmpirun -np 4 ./a.out\n```\n", "hold no C");
    expect_none("#include <stdio.h>\nint main(void)\n{\n    printf(\"cut", "no closing brace");
    expect_none("```\n\n   \n```\n", "hold no C");
    expect_none("``\nint main(){}\n``\n", "no closing brace");
}
