#!/bin/sh
# embed.sh NAME FILE: print a C header defining `static const char NAME[]` with FILE's bytes
# (NUL-terminated) and `NAME_len`. Uses od only, so no xxd is needed.
set -eu
name=$1; file=$2
echo "/* generated from $file by scripts/embed.sh; do not edit */"
echo "static const char ${name}[] = {"
od -An -v -tx1 "$file" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/  /'
echo "  0x00 };"
echo "static const unsigned long ${name}_len = sizeof(${name}) - 1;"
