/* Status codes and the last error message, shared by every module.
 *
 * Status values are the sysexits.h codes, so the command line can return a
 * failing status as its exit code unchanged. */
#ifndef CARELOG_STATUS_H
#define CARELOG_STATUS_H

typedef enum cl_status {
    CL_OK = 0,
    CL_EUSAGE = 64,      /* EX_USAGE: the command was used wrongly */
    CL_EDATA = 65,       /* EX_DATAERR: bad input, damaged or foreign file */
    CL_ENOTFOUND = 66,   /* EX_NOINPUT: no such vault, student, record, file */
    CL_ESOFTWARE = 70,   /* EX_SOFTWARE: a bug or a library failure */
    CL_ECANTCREATE = 73, /* EX_CANTCREAT: cannot create, or would overwrite */
    CL_EIO = 74,         /* EX_IOERR: reading or writing failed */
    CL_ECONFLICT = 75,   /* EX_TEMPFAIL: someone else changed it first; retry */
    CL_EPERM = 77,       /* EX_NOPERM: wrong passphrase or not permitted */
    CL_ECONFIG = 78      /* EX_CONFIG: the vault is newer than this program */
} cl_status;

/* Records a message for the user (printf-style) and returns st, so a failing
 * path reads `return cl_fail(CL_EDATA, "…");`. The message should name the
 * thing that failed and, where there is one, the way out. */
cl_status cl_fail(cl_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message recorded by the last cl_fail(), or "" if none. */
const char *cl_error_message(void);

/* Prefixes the current message with more context ("importing roster: …"). */
cl_status cl_fail_context(cl_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cl_error_clear(void);

#endif
