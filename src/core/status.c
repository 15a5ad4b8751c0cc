#include "carelog/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char last_message[4096];

cl_status cl_fail(cl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return st;
}

cl_status cl_fail_context(cl_status st, const char *fmt, ...)
{
    char prefix[512];
    char previous[sizeof last_message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(previous, last_message, sizeof previous);
    /* Joined by hand: a message cut to fit is still worth showing. */
    size_t n = strnlen(prefix, sizeof prefix);
    memcpy(last_message, prefix, n);
    if (previous[0] && n + 2 < sizeof last_message) {
        memcpy(last_message + n, ": ", 2);
        n += 2;
        size_t rest = strnlen(previous, sizeof previous);
        if (rest > sizeof last_message - 1 - n)
            rest = sizeof last_message - 1 - n;
        memcpy(last_message + n, previous, rest);
        n += rest;
    }
    last_message[n] = '\0';
    return st;
}

const char *cl_error_message(void)
{
    return last_message;
}

void cl_error_clear(void)
{
    last_message[0] = '\0';
}
