/* What many unit tests share: OK() and removing a test's temporary folder.
 * Include after cmocka.h. Inline so that a test need not use all of it. */
#ifndef CARELOG_UNIT_SUPPORT_H
#define CARELOG_UNIT_SUPPORT_H

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "carelog/status.h"

/* Fails the test, with the error message, unless expr is CL_OK. */
#define OK(expr)                                                                                         \
    do {                                                                                                 \
        cl_status st_ = (expr);                                                                          \
        if (st_ != CL_OK)                                                                                \
            fail_msg("%s: %d %s", #expr, (int)st_, cl_error_message());                                  \
    } while (0)

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

#endif
