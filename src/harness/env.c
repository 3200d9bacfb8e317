/* env.c — the facts a report states about the machine: MPI implementation and version, the
 * C compiler, physical and logical cores, and the isolation in force. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/harness.h"

/* The first non-empty line of cmd's output, or the first line containing `key` when given. */
static void first_line(char *dst, size_t n, const char *cmd, const char *key)
{
    dst[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p) return;
    char line[512];
    while (fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] && !dst[0] && (!key || strstr(line, key))) snprintf(dst, n, "%s", line);
    }
    pclose(p);
}

static int safe_cmd(const char *s)
{
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr("/._+-", *s))) return 0;
    return 1;
}

static int count_physical_cores(void)
{
    /* unique (package, core) pairs from sysfs */
    int pairs[1024][2], n = 0;
    for (int cpu = 0; cpu < 1024; cpu++) {
        char path[128];
        int pkg = -1, core = -1;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
        FILE *f = fopen(path, "r");
        if (!f) break;
        if (fscanf(f, "%d", &pkg) != 1) pkg = -1;
        fclose(f);
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        f = fopen(path, "r");
        if (!f) break;
        if (fscanf(f, "%d", &core) != 1) core = -1;
        fclose(f);
        int seen = 0;
        for (int i = 0; i < n; i++) seen |= pairs[i][0] == pkg && pairs[i][1] == core;
        if (!seen) pairs[n][0] = pkg, pairs[n][1] = core, n++;
    }
    return n;
}

const char *check_launcher_cmd(const struct check_opts *o)
{
    if (o->mpirun) return o->mpirun;
    return o->launcher == LAUNCHER_SRUN ? "srun" : o->launcher == LAUNCHER_MPIEXEC ? "mpiexec" : "mpirun";
}

void check_env_detect(struct check_env *env, const char *launcher_cmd)
{
    memset(env, 0, sizeof(*env));
    snprintf(env->launcher, sizeof(env->launcher), "%s", launcher_cmd);
    char cmd[600], line[160];
    /* srun says nothing about MPI: ask mpirun then */
    const char *ask = strcmp(launcher_cmd, "srun") ? launcher_cmd : "mpirun";
    snprintf(env->mpi_impl, sizeof(env->mpi_impl), "unknown");
    snprintf(env->mpi_version, sizeof(env->mpi_version), "unknown");
    if (safe_cmd(ask)) {
        snprintf(cmd, sizeof(cmd), "%s --version 2>&1", ask);
        first_line(line, sizeof(line), cmd, NULL);
        if (strstr(line, "Open MPI") || strstr(line, "OpenRTE") || strstr(line, "prterun")) {
            snprintf(env->mpi_impl, sizeof(env->mpi_impl), "Open MPI");
            snprintf(env->mpi_version, sizeof(env->mpi_version), "%s", line);
        } else if (strstr(line, "HYDRA") || strstr(line, "MPICH") || strstr(line, "mpich")) {
            snprintf(env->mpi_impl, sizeof(env->mpi_impl), "MPICH");
            first_line(line, sizeof(line), cmd, "Version:");
            const char *v = strstr(line, "Version:");
            v = v ? v + 8 : line;
            while (*v == ' ') v++;
            snprintf(env->mpi_version, sizeof(env->mpi_version), "MPICH %s", v);
        } else if (line[0]) {
            snprintf(env->mpi_version, sizeof(env->mpi_version), "%s", line);
        }
    }
    first_line(env->cc_version, sizeof(env->cc_version), "cc --version 2>/dev/null", NULL);
    long lc = sysconf(_SC_NPROCESSORS_ONLN);
    env->cores_logical = lc > 0 ? (int)lc : 1;
    int pc = count_physical_cores();
    env->cores_physical = pc > 0 && pc <= env->cores_logical ? pc : env->cores_logical;
    snprintf(env->isolation, sizeof(env->isolation), "%s", sandbox_note());
}
