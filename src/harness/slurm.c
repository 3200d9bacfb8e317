/* slurm.c — what the harness asks Slurm itself when srun is the launcher: a job name for the
 * steps of one check, and waiting until Slurm has released a step that had to be stopped.
 *
 * A step that srun cancelled (a timeout: the sandbox sends srun SIGTERM) stays on its node for
 * a few seconds more while slurmstepd shuts down, and its job stays COMPLETING; a next srun
 * that needs those CPUs would queue and spend its own time limit waiting. So after such a run
 * the harness polls squeue until no job or step of that name is left (bounded).
 * Left out: job ids (srun does not print them unasked), sacct, anything that needs accounting. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "harness/harness.h"

void check_slurm_job_name(char *buf, size_t n) { snprintf(buf, n, "chatmpi-check-%ld", (long)getpid()); }


/* Whether squeue lists a job or a step called name: 1 yes, 0 no, -1 squeue did not answer. */
static int listed(const char *name)
{
    char cmd[300];
    /* name is check_slurm_job_name's: letters, digits and '-', nothing for the shell */
    snprintf(cmd, sizeof(cmd),
             "squeue -h -n '%s' -o %%i 2>/dev/null && squeue -h -s -n '%s' -o %%i 2>/dev/null || echo FAILED", name,
             name);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[128];
    int any = 0, failed = 0;
    while (fgets(line, sizeof(line), p)) {
        if (!strncmp(line, "FAILED", 6)) failed = 1;
        else if (line[0] != '\n') any = 1;
    }
    pclose(p);
    return failed ? -1 : any;
}

int check_slurm_wait_released(const char *name, double max_s)
{
    double end = cm_now() + max_s;
    for (;;) {
        int l = listed(name);
        if (l <= 0) return l == 0;
        if (cm_now() >= end || sandbox_interrupted()) return 0;
        usleep(100 * 1000);
    }
}
