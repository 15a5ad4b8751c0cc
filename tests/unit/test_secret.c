/* Process hardening and passphrase input: core dumps off, private files,
 * protected memory, and passphrases read line by line from a descriptor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/secret.h"

static void core_dumps_are_off(void **state)
{
    (void)state;
    assert_int_equal(cl_secret_init_process(), CL_OK);
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 0);
    assert_int_equal(rl.rlim_max, 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
    mode_t old = umask(0);
    umask(old);
    assert_int_equal(old, 077);
}

static void secrets_start_zeroed_and_copy(void **state)
{
    (void)state;
    cl_secret *s;
    assert_int_equal(cl_secret_new(64, &s), CL_OK);
    for (size_t i = 0; i <= 64; i++)
        assert_int_equal(s->bytes[i], 0);
    cl_secret_free(s);
    assert_int_equal(cl_secret_copy((const unsigned char *)"abc", 3, &s), CL_OK);
    assert_memory_equal(s->bytes, "abc", 4);
    cl_secret_free(s);
    cl_secret_free(NULL);
}

static int pipe_with(const char *text)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    return fds[0];
}

static void passphrases_come_line_by_line(void **state)
{
    (void)state;
    int fd = pipe_with("first one\r\nsecond 密码很长\n");
    cl_passphrase_source_fd(fd);
    assert_true(cl_passphrase_from_fd());
    cl_secret *a, *b, *c;
    assert_int_equal(cl_passphrase_read("unused", false, &a), CL_OK);
    assert_string_equal((const char *)a->bytes, "first one");
    assert_int_equal(cl_passphrase_read("unused", true, &b), CL_OK);
    assert_string_equal((const char *)b->bytes, "second 密码很长");
    assert_int_equal(cl_passphrase_read("unused", false, &c), CL_EUSAGE); /* nothing left */
    cl_secret_free(a);
    cl_secret_free(b);
    close(fd);
}

static void weak_or_huge_passphrases_are_refused(void **state)
{
    (void)state;
    cl_secret *s = NULL;
    int fd = pipe_with("short\n");
    cl_passphrase_source_fd(fd);
    assert_int_equal(cl_passphrase_read("unused", true, &s), CL_EUSAGE);
    close(fd);
    /* Eight characters of Chinese are enough: length is counted in characters. */
    fd = pipe_with("八个汉字的密码啊\n");
    cl_passphrase_source_fd(fd);
    assert_int_equal(cl_passphrase_read("unused", true, &s), CL_OK);
    cl_secret_free(s);
    close(fd);
    char huge[1100];
    memset(huge, 'x', sizeof huge - 2);
    huge[sizeof huge - 2] = '\n';
    huge[sizeof huge - 1] = '\0';
    fd = pipe_with(huge);
    cl_passphrase_source_fd(fd);
    assert_int_equal(cl_passphrase_read("unused", false, &s), CL_EDATA);
    close(fd);
    cl_passphrase_source_fd(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_dumps_are_off),
        cmocka_unit_test(secrets_start_zeroed_and_copy),
        cmocka_unit_test(passphrases_come_line_by_line),
        cmocka_unit_test(weak_or_huge_passphrases_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
