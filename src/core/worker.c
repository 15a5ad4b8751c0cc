#include "carelog/worker.h"

#include <signal.h>

bool cl_worker_start(pthread_t *thread, void *(*run)(void *), void *arg)
{
    sigset_t all, before;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &before) != 0)
        return false;
    /* A thread starts with its creator's mask: blocked from its first
     * instruction, with no window in which a signal could land on it. */
    bool started = pthread_create(thread, NULL, run, arg) == 0;
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return started;
}
