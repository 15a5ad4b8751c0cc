/* The core's worker threads (the audit walk's hasher, the backup's
 * checksum, the WAL checkpointer): started with every signal blocked, so
 * that a signal meant for the program (SIGHUP when the terminal goes,
 * SIGTERM, SIGINT) reaches its main thread, whose handlers act on it, and
 * never interrupts a worker in the middle of its work. */
#ifndef CARELOG_WORKER_H
#define CARELOG_WORKER_H

#include <pthread.h>
#include <stdbool.h>

/* pthread_create with the new thread's signals blocked (the caller's mask
 * is as it was when this returns). False: no thread was started. */
bool cl_worker_start(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
