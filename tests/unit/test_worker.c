/* The core's worker threads start with every signal blocked, so SIGHUP or
 * SIGTERM meant for the program reaches its main thread (whose handlers
 * act on it), and the caller's own mask is left as it was. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "carelog/worker.h"

static void *record_mask(void *arg)
{
    pthread_sigmask(SIG_BLOCK, NULL, arg);
    return NULL;
}

static void test_worker_blocks_every_signal(void **state)
{
    (void)state;
    sigset_t none, seen, after;
    sigemptyset(&none);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &none, NULL), 0);
    pthread_t t;
    assert_true(cl_worker_start(&t, record_mask, &seen));
    assert_int_equal(pthread_join(t, NULL), 0);
    const int program_signals[] = {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGWINCH, SIGPIPE, SIGUSR1, SIGALRM};
    for (size_t i = 0; i < sizeof program_signals / sizeof *program_signals; i++)
        assert_true(sigismember(&seen, program_signals[i]));
    /* The caller's mask is its own again. */
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &after), 0);
    for (size_t i = 0; i < sizeof program_signals / sizeof *program_signals; i++)
        assert_false(sigismember(&after, program_signals[i]));
}

/* A caller that had blocked a signal itself keeps it blocked. */
static void test_caller_mask_kept(void **state)
{
    (void)state;
    sigset_t one, after, seen;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR2);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &one, NULL), 0);
    pthread_t t;
    assert_true(cl_worker_start(&t, record_mask, &seen));
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
    assert_true(sigismember(&after, SIGUSR2));
    assert_false(sigismember(&after, SIGHUP));
    assert_true(sigismember(&seen, SIGHUP));
    sigemptyset(&one);
    pthread_sigmask(SIG_SETMASK, &one, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_blocks_every_signal),
        cmocka_unit_test(test_caller_mask_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
