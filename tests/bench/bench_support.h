/* What the benchmarks share: a monotonic clock, stopping on a failed core
 * call, ordering timings for percentiles, and their vaults. Inline so
 * that a benchmark need not use all of it. */
#ifndef CARELOG_BENCH_SUPPORT_H
#define CARELOG_BENCH_SUPPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/secret.h"
#include "carelog/status.h"
#include "carelog/synth.h"
#include "carelog/vault.h"

static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of the whole process (every thread, user and kernel): what an
 * allocator's or a cipher's work costs, which a wall clock on a shared
 * machine blurs. */
static inline double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Stops the benchmark with the core's message unless st is CL_OK. */
static inline void must(cl_status st, const char *what)
{
    if (st != CL_OK) {
        fprintf(stderr, "bench: %s: %s\n", what, cl_error_message());
        exit(1);
    }
}

/* qsort order for timings, smallest first. */
static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A new vault of 王老师 at 基准中学 with the built-in forms, in a new
 * temporary folder (its path goes into dir, at least 32 bytes), opened by
 * "bench passphrase" (into *pass) at the test cost of Argon2id. */
static inline cl_vault *bench_new_vault(char *dir, size_t size, cl_secret **pass)
{
    must(cl_secret_init_process(), "init");
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    snprintf(dir, size, "/tmp/carelog-bench-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    char vdir[64];
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    cl_secret *rk = NULL;
    cl_vault *v;
    must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, pass), "secret");
    must(cl_vault_init(vdir, "基准中学", "王老师", *pass, &rk, &v), "init");
    cl_secret_free(rk);
    must(cl_catalog_install_builtin(v), "installing the forms");
    return v;
}

/* Removes a benchmark's folder; the exit code to end with. */
static inline int bench_remove(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}

/* Opens the generated vault of students under vdir, or makes it first
 * (cl_synth_fill, seed 1, 12 months) when vdir does not exist yet; true
 * when it was made, with the time that took in *made. */
static inline bool bench_vault(const char *vdir, int students, cl_vault **v, double *made)
{
    cl_secret *pass;
    struct stat sb;
    bool make = stat(vdir, &sb) != 0;
    must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, &pass), "secret");
    if (make) {
        cl_secret *recovery;
        must(cl_vault_init(vdir, "bench", "bench", pass, &recovery, v), "vault");
        cl_secret_free(recovery);
        must(cl_catalog_install_builtin(*v), "forms");
        cl_synth_options o = {.students = students, .seed = 1, .months = 12};
        cl_synth_report r;
        double t0 = now_s();
        must(cl_synth_fill(*v, &o, &r), "generate");
        *made = now_s() - t0;
    } else {
        must(cl_vault_open(vdir, pass, false, v), "open");
    }
    cl_secret_free(pass);
    return make;
}

#endif
