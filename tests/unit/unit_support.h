/* What many unit tests share: OK() and removing a test's temporary folder.
 * Include after cmocka.h. Inline so that a test need not use all of it. */
#ifndef CARELOG_UNIT_SUPPORT_H
#define CARELOG_UNIT_SUPPORT_H

#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/memory.h"
#include "carelog/status.h"

/* Fails the test, with the error message, unless expr is CL_OK. */
#define OK(expr)                                                                                         \
    do {                                                                                                 \
        cl_status st_ = (expr);                                                                          \
        if (st_ != CL_OK)                                                                                \
            fail_msg("%s: %d %s", #expr, (int)st_, cl_error_message());                                  \
    } while (0)

/* The one integer a query answers (a count); the test fails otherwise. */
static inline long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static inline int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything below it (links are removed, not followed). */
static inline void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs a shell command (for interoperability with Debian's tools); its
 * exit status as system() gives it. */
static inline int run_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int run_shell(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* Whether the bytes are anywhere in glibc's malloc heap, live or freed:
 * where plaintext freed without a wipe stays until the chunk is reused.
 * Under AddressSanitizer malloc has no [heap]: skip_without_malloc_heap(). */
#if defined(__SANITIZE_ADDRESS__)
#define skip_without_malloc_heap() skip()
#else
#define skip_without_malloc_heap() ((void)0)
#endif

static inline bool in_malloc_heap(const char *needle, size_t n)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    assert_non_null(maps);
    char line[512];
    bool found = false, seen = false;
    while (!found && fgets(line, sizeof line, maps)) {
        unsigned long from, to;
        if (!strstr(line, "[heap]") || sscanf(line, "%lx-%lx", &from, &to) != 2)
            continue;
        seen = true;
        found = memmem((const void *)from, to - from, needle, n) != NULL;
    }
    fclose(maps);
    assert_true(seen);
    return found;
}

/* A heap-scan test of one path: run(ctx) puts a text containing canary
 * through the path and frees all it made. With memory security as it is
 * the canary is then nowhere in the heap; run again with the wipe of
 * freed blocks off, it is found: the path did carry it through malloc'ed
 * buffers, and the scan would see them if they were left unwiped. Each
 * test its own canary (the control run leaves its copies behind). */
static inline void expect_path_leaves_nothing(void (*run)(void *ctx), void *ctx, const char *canary)
{
    run(ctx);
    assert_false(in_malloc_heap(canary, strlen(canary)));
    cl_memory_wipe_freed(false);
    run(ctx);
    bool seen = in_malloc_heap(canary, strlen(canary));
    cl_memory_wipe_freed(true);
    assert_true(seen);
}

#endif
