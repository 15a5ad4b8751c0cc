#include "carelog/secret.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define PASSPHRASE_MAX 1024
#define PASSPHRASE_MIN 8

static int passphrase_fd = -1;

cl_status cl_secret_init_process(void)
{
    struct rlimit no_core = {0, 0};
    /* Everything the program creates is private to the user unless it says
     * otherwise (vault.pub is made readable on purpose). */
    umask(077);
    if (sodium_init() < 0)
        return cl_fail(CL_ESOFTWARE, _("libsodium could not be initialised"));
    if (setrlimit(RLIMIT_CORE, &no_core) != 0 || prctl(PR_SET_DUMPABLE, 0) != 0)
        return cl_fail(CL_ESOFTWARE, _("could not turn core dumps off: %s"), strerror(errno));
    return CL_OK;
}

cl_status cl_secret_new(size_t len, cl_secret **out)
{
    cl_secret *s = sodium_malloc(sizeof *s);
    if (!s)
        return cl_fail(CL_ESOFTWARE, _("out of protected memory"));
    s->bytes = sodium_malloc(len + 1);
    if (!s->bytes) {
        sodium_free(s);
        return cl_fail(CL_ESOFTWARE, _("out of protected memory"));
    }
    sodium_memzero(s->bytes, len + 1);
    s->len = len;
    *out = s;
    return CL_OK;
}

cl_status cl_secret_random(size_t len, cl_secret **out)
{
    cl_status st = cl_secret_new(len, out);
    if (st == CL_OK)
        randombytes_buf((*out)->bytes, len);
    return st;
}

cl_status cl_secret_copy(const unsigned char *bytes, size_t len, cl_secret **out)
{
    cl_status st = cl_secret_new(len, out);
    if (st == CL_OK)
        memcpy((*out)->bytes, bytes, len);
    return st;
}

void cl_secret_free(cl_secret *s)
{
    if (!s)
        return;
    sodium_free(s->bytes); /* sodium_free wipes before releasing */
    sodium_free(s);
}

void cl_passphrase_source_fd(int fd)
{
    passphrase_fd = fd;
}

bool cl_passphrase_from_fd(void)
{
    return passphrase_fd >= 0;
}

/* Reads up to a newline one byte at a time, so that the next passphrase on
 * the same descriptor stays unread for the next call. */
static cl_status read_line(int fd, cl_secret *buf, bool *eof)
{
    size_t n = 0;
    *eof = false;
    for (;;) {
        unsigned char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return cl_fail(CL_EIO, _("could not read the passphrase: %s"), strerror(errno));
        if (r == 0) {
            *eof = (n == 0);
            break;
        }
        if (c == '\n')
            break;
        if (n >= PASSPHRASE_MAX)
            return cl_fail(CL_EDATA, _("the passphrase is longer than %d bytes"), PASSPHRASE_MAX);
        buf->bytes[n++] = c;
    }
    if (n > 0 && buf->bytes[n - 1] == '\r')
        n--;
    buf->bytes[n] = '\0';
    buf->len = n;
    return CL_OK;
}

static cl_status read_from_tty(const char *prompt, cl_secret *buf)
{
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0)
        return cl_fail(CL_EUSAGE, _("no terminal to ask for the passphrase on; use --passphrase-fd N"));
    struct termios saved, quiet;
    bool restore = tcgetattr(tty, &saved) == 0;
    if (restore) {
        quiet = saved;
        quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    if (write(tty, prompt, strlen(prompt)) < 0) {
        /* the prompt is a courtesy; reading still works */
    }
    bool eof;
    cl_status st = read_line(tty, buf, &eof);
    if (restore)
        tcsetattr(tty, TCSAFLUSH, &saved);
    if (write(tty, "\n", 1) < 0) {
        /* as above */
    }
    close(tty);
    if (st == CL_OK && eof)
        st = cl_fail(CL_EUSAGE, _("no passphrase was given"));
    return st;
}

cl_status cl_passphrase_read(const char *prompt, bool for_new, cl_secret **out)
{
    cl_secret *buf;
    cl_status st = cl_secret_new(PASSPHRASE_MAX + 1, &buf);
    if (st != CL_OK)
        return st;
    if (passphrase_fd >= 0) {
        bool eof;
        st = read_line(passphrase_fd, buf, &eof);
        if (st == CL_OK && eof)
            st = cl_fail(CL_EUSAGE, _("the passphrase descriptor %d gave no line to read"), passphrase_fd);
    } else {
        st = read_from_tty(prompt, buf);
        if (st == CL_OK && for_new) {
            cl_secret *again;
            st = cl_secret_new(PASSPHRASE_MAX + 1, &again);
            if (st == CL_OK)
                st = read_from_tty(_("Repeat the new passphrase: "), again);
            if (st == CL_OK && (again->len != buf->len || sodium_memcmp(again->bytes, buf->bytes, buf->len) != 0))
                st = cl_fail(CL_EUSAGE, _("the two passphrases differ; nothing was changed"));
            cl_secret_free(again);
        }
    }
    if (st == CL_OK && for_new) {
        size_t chars = 0;
        for (size_t i = 0; i < buf->len; i++)
            chars += (buf->bytes[i] & 0xC0) != 0x80;
        if (chars < PASSPHRASE_MIN)
            st = cl_fail(CL_EUSAGE, _("a new passphrase needs at least %d characters; nothing was changed"), PASSPHRASE_MIN);
    }
    if (st != CL_OK) {
        cl_secret_free(buf);
        return st;
    }
    *out = buf;
    return CL_OK;
}
