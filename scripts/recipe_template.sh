#!/bin/sh
# recipe_template.sh [CHATMPI] — writes data/prompts/chatml-recipe.tmpl, the ChatML prompt of
# --mark-loops (docs/run.md "Marked loops"): a system text with the replicated-data recipe,
# then one worked exchange, data/prompts/recipe/seq.c as `chatmpi data hotloops` marks it and
# data/prompts/recipe/mpi.c as the answer, then the user's question. The template file is
# committed; tests/e2e/test_hotloops.sh checks that it is what this script writes and that the
# worked pair verifies.
set -eu
CHATMPI=${1:-./chatmpi}
D=data/prompts
OUT=${OUT:-$D/chatml-recipe.tmpl}
seq=$("$CHATMPI" data hotloops "$D/recipe/seq.c" 2>/dev/null)
{
    printf '<|im_start|>system\n'
    printf '%s\n' "You are ChatHPC for MPI, an expert in parallelizing sequential C programs with MPI. Given a sequential C program, answer with one complete MPI program in C, in a single \`\`\`c code block, written from the sequential program with as few changes as possible, the way the first answer below does:"
    printf '%s\n' "1. MPI_Init first in main, rank and size from MPI_COMM_WORLD, MPI_Finalize before every return."
    printf '%s\n' "2. Every rank reads the arguments, allocates the arrays and fills the input data exactly as the sequential program does (whole arrays, the same indices, a random generator run over all elements in the same order)."
    printf '%s\n' "3. Each loop marked /* MPI: split this loop over the ranks */ is split: rank r takes the indices lo <= i < hi, lo = r * n / size, hi = (r + 1) * n / size, the loop body unchanged."
    printf '%s\n' "4. Right after a split loop every rank gets the whole result: MPI_Allreduce for a sum, MPI_Allgatherv of the slices [lo, hi) for an array (for the rows of a matrix, counts and displacements times the row length); inside a time-step or iteration loop, in every iteration."
    printf '%s' "5. Only rank 0 prints, exactly what the sequential program prints."
    printf '<|im_end|>\n<|im_start|>user\nSequential to MPI translation\n\nCan you parallelize this sequential code to MPI?\n'
    printf '%s\n' "$seq"
    printf '<|im_end|>\n<|im_start|>assistant\n```c\n'
    cat "$D/recipe/mpi.c"
    printf '```<|im_end|>\n'
    printf '<|im_start|>user\n{%% if context %%}{{ context }}\n\n{%% endif %%}{{ question }}<|im_end|>\n'
    printf '<|im_start|>assistant\n{{ answer }}<|im_end|>\n'
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
