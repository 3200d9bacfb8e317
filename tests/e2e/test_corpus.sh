# Every corpus case (and every baseline.c) passes the harness at 1, 2, 3 and 4 ranks on all
# of its check sizes: the expert dataset is proven, not trusted.
. tests/e2e/lib.sh
"$CHATMPI" data verify -q data/corpus || die "some corpus case does not verify"
