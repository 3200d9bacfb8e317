# The command table, --help on every command, unknown commands and options, exit codes.
. tests/e2e/lib.sh
expect_rc 0 "$CHATMPI" --version; expect_out "chatmpi 0."
expect_rc 0 "$CHATMPI" help; expect_out "exit codes"
expect_rc 2 "$CHATMPI"
expect_rc 2 "$CHATMPI" hepl; expect_err "unknown command .hepl."; expect_err "did you mean .chatmpi help."
for c in $("$CHATMPI" help | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1}'); do
    expect_rc 0 "$CHATMPI" "$c" --help; expect_out "usage: chatmpi $c"
    expect_rc 0 "$CHATMPI" help "$c"; expect_out "usage: chatmpi $c"
done
expect_rc 2 "$CHATMPI" help nosuch; expect_err "unknown command 'nosuch'"
