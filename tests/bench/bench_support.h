/* What the benchmarks share: a monotonic clock, stopping on a failed core
 * call, and ordering timings for percentiles. Inline so that a benchmark
 * need not use all of it. */
#ifndef CARELOG_BENCH_SUPPORT_H
#define CARELOG_BENCH_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "carelog/status.h"

static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
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

#endif
