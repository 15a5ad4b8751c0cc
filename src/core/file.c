#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

cl_status cl_dir_sync(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cl_fail(CL_EIO, "%s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    close(fd);
    if (rc != 0)
        return cl_fail(CL_EIO, _("%s: could not sync the folder: %s"), dir, strerror(errno));
    return CL_OK;
}

void cl_crash_point(const char *name)
{
#ifdef CARELOG_TEST_HOOKS
    const char *at = getenv("CARELOG_TEST_CRASH_AT");
    if (at && strcmp(at, name) == 0)
        _exit(137);
#else
    (void)name;
#endif
}

void cl_test_pause(const char *name)
{
#ifdef CARELOG_TEST_HOOKS
    const char *at = getenv("CARELOG_TEST_PAUSE_AT");
    size_t n = strlen(name);
    if (at && strncmp(at, name, n) == 0 && strncmp(at + n, ":wait:", 6) == 0) {
        char reached[4096], go[4096];
        snprintf(reached, sizeof reached, "%s/%s.reached", at + n + 6, name);
        snprintf(go, sizeof go, "%s/%s.go", at + n + 6, name);
        int fd = open(reached, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
        struct timespec tick = {0, 10 * 1000000L};
        for (int i = 0; i < 6000 && access(go, F_OK) != 0; i++)
            nanosleep(&tick, NULL);
    } else if (at && strncmp(at, name, n) == 0 && at[n] == ':') {
        long ms = strtol(at + n + 1, NULL, 10);
        if (ms > 0 && ms <= 60000) {
            struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
#else
    (void)name;
#endif
}

static cl_status write_all(int fd, const void *data, size_t len, const char *path)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cl_fail(CL_EIO, "%s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return CL_OK;
}

struct cl_file_out {
    int fd;
    char *path;   /* where the bytes go */
    char *final;  /* through a temporary file: the name they take at the end */
    bool replace; /* ...over a file of that name (else never) */
};

/* A temporary file beside path, mode 0600, that becomes path at close. */
static cl_status atomic_open(const char *path, bool replace, cl_file_out **out)
{
    *out = NULL;
    cl_file_out *f = calloc(1, sizeof *f);
    char *tmp = f ? cl_strdup_printf("%s.tmp-XXXXXX", path) : NULL;
    if (!f || !tmp || !(f->final = strdup(path))) {
        free(tmp);
        free(f);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    f->path = tmp;
    f->replace = replace;
    f->fd = mkstemp(tmp);
    if (f->fd < 0) {
        cl_status st = cl_fail(CL_ECANTCREATE, _("%s: cannot create a file here: %s"), path, strerror(errno));
        free(f->final);
        free(f->path);
        free(f);
        return st;
    }
    *out = f;
    if (fchmod(f->fd, 0600) != 0)
        return cl_fail(CL_EIO, "%s: %s", tmp, strerror(errno));
    return CL_OK;
}

cl_status cl_file_atomic_open(const char *path, cl_file_out **out)
{
    return atomic_open(path, false, out);
}

cl_status cl_file_private_open(const char *path, cl_file_out **out)
{
    *out = NULL;
    cl_file_out *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        cl_status st = errno == EEXIST
                           ? cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"),
                                     path)
                           : cl_fail(CL_ECANTCREATE, _("%s: cannot create it: %s"), path, strerror(errno));
        free(f->path);
        free(f);
        return st;
    }
    *out = f;
    /* The umask cannot widen 0600, but an inherited ACL default could. */
    if (fchmod(f->fd, 0600) != 0)
        return cl_fail(CL_EIO, "%s: %s", path, strerror(errno));
    return CL_OK;
}

cl_status cl_file_private_write(cl_file_out *f, const void *data, size_t len)
{
    return write_all(f->fd, data, len, f->path);
}

int cl_file_private_fd(const cl_file_out *f)
{
    return f->fd;
}

cl_status cl_file_private_close(cl_file_out *f, cl_status st)
{
    if (!f)
        return st;
    if (st == CL_OK && fsync(f->fd) != 0)
        st = cl_fail(CL_EIO, _("%s: could not sync: %s"), f->path, strerror(errno));
    if (close(f->fd) != 0 && st == CL_OK)
        st = cl_fail(CL_EIO, "%s: %s", f->path, strerror(errno));
    if (f->final)
        cl_crash_point("atomic-before-rename");
    /* link() fails atomically when the target exists, on every file
     * system, which renameat2(RENAME_NOREPLACE) does not promise. */
    if (st == CL_OK && f->final && (f->replace ? rename(f->path, f->final) : link(f->path, f->final)) != 0)
        st = errno == EEXIST && !f->replace
                 ? cl_fail(CL_ECANTCREATE, _("%s already exists; it was left as it is"), f->final)
                 : cl_fail(CL_EIO, "%s: %s", f->final, strerror(errno));
    if (st != CL_OK || (f->final && !f->replace))
        unlink(f->path);
    if (st == CL_OK && f->final)
        cl_crash_point("atomic-after-rename");
    if (st == CL_OK) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", f->final ? f->final : f->path);
        st = cl_dir_sync(dirname(dir));
    }
    free(f->path);
    free(f->final);
    free(f);
    return st;
}

/* A file opened (or not: st) filled with len bytes and closed. */
static cl_status write_whole(cl_file_out *f, cl_status st, const void *data, size_t len)
{
    if (f && st == CL_OK)
        st = cl_file_private_write(f, data, len);
    return f ? cl_file_private_close(f, st) : st;
}

cl_status cl_file_create_private(const char *path, const void *data, size_t len)
{
    cl_file_out *f;
    cl_status st = cl_file_private_open(path, &f);
    return write_whole(f, st, data, len);
}

static cl_status write_atomic(const char *path, const void *data, size_t len, bool replace)
{
    cl_file_out *f;
    cl_status st = atomic_open(path, replace, &f);
    return write_whole(f, st, data, len);
}

cl_status cl_file_write_atomic(const char *path, const void *data, size_t len)
{
    return write_atomic(path, data, len, true);
}

cl_status cl_file_create_atomic(const char *path, const void *data, size_t len)
{
    return write_atomic(path, data, len, false);
}

static cl_status read_fd(int fd, const char *path, size_t max, unsigned char **out, size_t *len);

cl_status cl_file_read(const char *path, size_t max, unsigned char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cl_fail(errno == ENOENT ? CL_ENOTFOUND : CL_EIO, "%s: %s", path, strerror(errno));
    return read_fd(fd, path, max, out, len);
}

cl_status cl_file_read_regular(const char *path, size_t max, unsigned char **out, size_t *len)
{
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer.
     * O_NOFOLLOW: a link would make this process read a file of its
     * choosing on behalf of whoever dropped the link. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno != ELOOP)
        return cl_fail(errno == ENOENT ? CL_ENOTFOUND : CL_EIO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return cl_fail(CL_EIO, _("%s is not a regular file (a link, a pipe, a device or a folder); it was not read"),
                       path);
    }
    return read_fd(fd, path, max, out, len);
}

static cl_status read_fd(int fd, const char *path, size_t max, unsigned char **out, size_t *len)
{
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap + 1);
    cl_status st = buf ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    while (st == CL_OK) {
        if (n == cap) {
            if (cap > max) {
                st = cl_fail(CL_EDATA, _("%s is larger than %zu bytes"), path, max);
                break;
            }
            cap *= 2;
            unsigned char *grown = realloc(buf, cap + 1);
            if (!grown) {
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
                break;
            }
            buf = grown;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            st = cl_fail(CL_EIO, "%s: %s", path, strerror(errno));
        else if (r == 0)
            break;
        else
            n += (size_t)r;
    }
    close(fd);
    if (st == CL_OK && n > max)
        st = cl_fail(CL_EDATA, _("%s is larger than %zu bytes"), path, max);
    if (st != CL_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CL_OK;
}
