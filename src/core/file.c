#include "carelog/file.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

static cl_status write_atomic(const char *path, const void *data, size_t len, int no_replace)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp)
        return cl_fail(CL_EUSAGE, _("%s: the path is too long"), path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cl_fail(CL_ECANTCREATE, _("%s: cannot create a file here: %s"), path, strerror(errno));
    cl_status st = CL_OK;
    if (fchmod(fd, 0600) != 0)
        st = cl_fail(CL_EIO, "%s: %s", tmp, strerror(errno));
    if (st == CL_OK)
        st = write_all(fd, data, len, tmp);
    if (st == CL_OK && fsync(fd) != 0)
        st = cl_fail(CL_EIO, _("%s: could not sync: %s"), tmp, strerror(errno));
    if (close(fd) != 0 && st == CL_OK)
        st = cl_fail(CL_EIO, "%s: %s", tmp, strerror(errno));
    cl_crash_point("atomic-before-rename");
    if (st == CL_OK) {
        /* link() fails atomically when the target exists, on every file
         * system, which renameat2(RENAME_NOREPLACE) does not promise. */
        int rc = no_replace ? link(tmp, path) : rename(tmp, path);
        if (rc == 0 && no_replace)
            unlink(tmp);
        if (rc != 0)
            st = (no_replace && errno == EEXIST)
                     ? cl_fail(CL_ECANTCREATE, _("%s already exists; it was left as it is"), path)
                     : cl_fail(CL_EIO, "%s: %s", path, strerror(errno));
    }
    if (st != CL_OK) {
        unlink(tmp);
        return st;
    }
    cl_crash_point("atomic-after-rename");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    return cl_dir_sync(dirname(dir));
}

struct cl_file_out {
    int fd;
    char *path;
};

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

cl_status cl_file_private_close(cl_file_out *f, cl_status st)
{
    if (!f)
        return st;
    if (st == CL_OK && fsync(f->fd) != 0)
        st = cl_fail(CL_EIO, _("%s: could not sync: %s"), f->path, strerror(errno));
    if (close(f->fd) != 0 && st == CL_OK)
        st = cl_fail(CL_EIO, "%s: %s", f->path, strerror(errno));
    if (st != CL_OK) {
        unlink(f->path);
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", f->path);
        st = cl_dir_sync(dirname(dir));
    }
    free(f->path);
    free(f);
    return st;
}

cl_status cl_file_create_private(const char *path, const void *data, size_t len)
{
    cl_file_out *f;
    cl_status st = cl_file_private_open(path, &f);
    if (f && st == CL_OK)
        st = cl_file_private_write(f, data, len);
    return f ? cl_file_private_close(f, st) : st;
}

cl_status cl_file_write_atomic(const char *path, const void *data, size_t len)
{
    return write_atomic(path, data, len, 0);
}

cl_status cl_file_create_atomic(const char *path, const void *data, size_t len)
{
    return write_atomic(path, data, len, 1);
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
