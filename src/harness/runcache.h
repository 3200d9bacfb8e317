/* runcache.h — the harness's memo of runs (`--run-cache DIR`, docs/check.md).
 *
 * Under the program contract a run's output is a function of what runs: the executable as the
 * loader maps it, its arguments, the rank count and launcher line, the MPI library, the
 * sandbox and its limits, and the environment passed through. Built without debug information,
 * two sources that differ only in the names of locals, their layout or their comments give the
 * same image, and many of `data augment`'s variants are such (or repeat another variant's draw).
 * So the harness keys every check run by runcache_image_id() of its executable (the ELF's
 * allocated sections: neither its symbol table nor its build id) and everything else that can
 * change the run, and takes a run made before from DIR instead of launching it again.
 *
 * An entry is DIR/<2 hex>/<30 hex>, named by the key's 128-bit XXH3 hash and holding the whole
 * key text: it is used only when that text matches, so a hash collision is a miss, and so is a
 * damaged or foreign file. Entries are written atomically, so processes can share DIR. Only runs
 * that ended by exiting are stored (whatever the exit status): timeouts, signals, aborts and the
 * output limit depend on the machine's load. Nothing is ever deleted (rm -r DIR empties it).
 */
#ifndef CM_HARNESS_RUNCACHE_H
#define CM_HARNESS_RUNCACHE_H

#include "harness/sandbox.h"

#define RUNCACHE_ID_LEN 32 /* hex digits of an image id */

/* The id of the executable at path: 32 hex digits and a NUL into id. 0, or -1 when path is not
 * a readable 64-bit ELF file (nothing to key on: its runs are not cached; no message set). */
int runcache_image_id(char id[RUNCACHE_ID_LEN + 1], const char *path);

/* Looks key up in dir. 1: found, *res filled (the caller releases it); 0: not there (or the entry
 * is unreadable, damaged, or another key's). */
int runcache_get(const char *dir, const char *key, struct sandbox_result *res);

/* Stores res under key in dir (created as needed). 0, or an error with its message set; a run
 * that did not end by exiting is not stored (0). */
int runcache_put(const char *dir, const char *key, const struct sandbox_result *res);

#endif
