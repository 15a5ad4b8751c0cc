/* Secrets in protected memory, process hardening, and reading passphrases.
 *
 * Every key and passphrase lives in sodium_malloc memory (guard pages,
 * mlock'd, wiped on free). Passphrases come from the terminal with echo off
 * or from a file descriptor, never from arguments or the environment. */
#ifndef CARELOG_SECRET_H
#define CARELOG_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"

typedef struct cl_secret {
    unsigned char *bytes; /* sodium_malloc'd; NUL-terminated for text */
    size_t len;
} cl_secret;

/* Initialises libsodium, turns core dumps off (RLIMIT_CORE 0 and
 * PR_SET_DUMPABLE 0). Call first thing in main. */
cl_status cl_secret_init_process(void);

/* Allocates len zeroed protected bytes (plus a terminating NUL). */
cl_status cl_secret_new(size_t len, cl_secret **out);
cl_status cl_secret_random(size_t len, cl_secret **out);
cl_status cl_secret_copy(const unsigned char *bytes, size_t len, cl_secret **out);
/* Wipes and frees; NULL is fine. */
void cl_secret_free(cl_secret *s);

/* Where passphrases come from for this process: the terminal, or lines read
 * one by one from a file descriptor (--passphrase-fd N). */
void cl_passphrase_source_fd(int fd);

/* Reads one passphrase: from the configured descriptor (one line, no
 * prompt), else from the controlling terminal with echo off after printing
 * prompt to stderr. With confirm (terminal only), asks twice and insists on
 * a match. An empty passphrase is refused when for_new is true, and so is one
 * shorter than 8 characters. */
cl_status cl_passphrase_read(const char *prompt, bool for_new, cl_secret **out);

/* True when passphrases are read from a descriptor rather than a terminal. */
bool cl_passphrase_from_fd(void);

#endif
