/* Files the vault writes: always atomically, always private. */
#ifndef CARELOG_FILE_H
#define CARELOG_FILE_H

#include <stddef.h>

#include "carelog/status.h"

/* Writes len bytes to path atomically (temp file in the same folder, fsync,
 * rename, fsync of the folder) with mode 0600; an existing file is replaced
 * only when the whole new content is safely on disk. */
cl_status cl_file_write_atomic(const char *path, const void *data, size_t len);

/* Same, but refuses to replace an existing file (CL_ECANTCREATE). */
cl_status cl_file_create_atomic(const char *path, const void *data, size_t len);

/* Creates path with O_EXCL and mode 0600 and writes len bytes straight
 * into it, then fsyncs it and its folder: for plaintext exports, which
 * must never pass through a second file. An existing path (or a link) is
 * CL_ECANTCREATE and left as it is; a failed write removes what it made. */
cl_status cl_file_create_private(const char *path, const void *data, size_t len);

/* The same written a piece at a time, for an export streamed from the
 * vault: open creates path (O_EXCL, 0600, no link followed); close fsyncs
 * it and its folder when st is CL_OK, and otherwise (or when that fails)
 * removes it, returning the status of the whole. After a failed open, *out
 * is NULL, or (a file made but not made private) still to be closed. */
typedef struct cl_file_out cl_file_out;
cl_status cl_file_private_open(const char *path, cl_file_out **out);
/* The same through a temporary file beside path (mode 0600) that takes
 * path's name only when close finds it whole and synced (never replacing
 * a file: CL_ECANTCREATE), as cl_file_create_atomic: for a backup, which
 * must never be seen half written. */
cl_status cl_file_atomic_open(const char *path, cl_file_out **out);
cl_status cl_file_private_write(cl_file_out *f, const void *data, size_t len);
cl_status cl_file_private_close(cl_file_out *f, cl_status st);
/* Its descriptor (an atomic one's is open for reading too), for a writer
 * that puts a part at an offset (a backup's database, behind its header)
 * or reads back what it wrote; close it only with cl_file_private_close. */
int cl_file_private_fd(const cl_file_out *f);

/* Reads a whole file of at most max bytes into a malloc'd buffer (with a
 * NUL after the last byte, so text can be used as a string). */
cl_status cl_file_read(const char *path, size_t max, unsigned char **out, size_t *len);

/* Same, for a file someone else may have dropped: anything but a regular
 * file (a symbolic link, a FIFO, a device) is refused (CL_EIO) without
 * following it or waiting on it. */
cl_status cl_file_read_regular(const char *path, size_t max, unsigned char **out, size_t *len);

/* fsync of a folder, so a rename or a new file in it survives a crash. */
cl_status cl_dir_sync(const char *dir);

/* Test hooks, compiled only into a test build (-DCARELOG_TEST_HOOKS); in
 * the released program both do nothing.
 *
 * A test-only crash point: when CARELOG_TEST_CRASH_AT names this point, the
 * process exits at once (as if killed), to prove crash safety. */
void cl_crash_point(const char *name);

/* A test-only pause: when CARELOG_TEST_PAUSE_AT is "NAME:MILLISECONDS" for
 * this point, the process sleeps there, so that a test can make two
 * processes meet in a race window. "NAME:wait:DIR" pauses without a clock:
 * the process creates DIR/NAME.reached, then waits (at most a minute)
 * until DIR/NAME.go exists, so a test acts while it is held there. */
void cl_test_pause(const char *name);

#endif
