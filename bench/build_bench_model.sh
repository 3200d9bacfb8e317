#!/bin/sh
# Builds chatmpi and build/bench_model (bench/bench_model.c over chatmpi's library objects),
# for bench_model.sh and bench_vs_llamacpp.sh. Run from the repository root.
set -e
make --no-print-directory -s chatmpi >/dev/null
OBJS=$(find build/src -name '*.o' ! -path 'build/src/cli/main.o' | sort)
# shellcheck disable=SC2086
cc -std=c11 -D_GNU_SOURCE -O3 -march=native -fopenmp -Isrc -o build/bench_model bench/bench_model.c $OBJS \
    -ljansson -lcurl -lmicrohttpd -lpthread -lyaml -ledit -lxxhash -ldnnl -lpcre2-8 -lopenblas $(pkg-config --libs ompi-c) -lm -fopenmp
