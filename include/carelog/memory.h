/* Memory: the allocator SQLite (and SQLCipher) runs on, so that no
 * plaintext a query touched stays behind in freed memory and none of it is
 * swapped out where the system allows locking.
 *
 * SQLCipher's own answer, PRAGMA cipher_memory_security, wraps every
 * SQLite allocation in an mlock and every free in a wipe and an munlock:
 * two system calls per allocation, which on this build (no lookaside) were
 * three quarters of a record write's time. carelog keeps the guarantee and
 * drops the system calls: SQLite allocates from arenas mapped privately,
 * excluded from core dumps (MADV_DONTDUMP) and locked once each (mlock2,
 * MLOCK_ONFAULT: each page as it is first touched, so an arena costs
 * resident memory only as far as it is used);
 * every block is wiped the moment it is freed, before anything can reuse
 * it. When RLIMIT_MEMLOCK refuses a lock the arena is used unlocked (still
 * wiped) and cl_memory_stats says so. cipher_memory_security stays off:
 * SQLCipher then passes through to this allocator without its per-call
 * locking (sqlcipher_init_memmethods wraps whatever allocator is installed).
 *
 * It is installed before main (a constructor in memory.c): SQLite takes an
 * allocator only before sqlite3_initialize, and any program linking the
 * storage module, tests included, gets it without a call. cl_db_open
 * refuses a process where SQLite runs on another allocator.
 *
 * Under AddressSanitizer the same arena runs, with freed blocks and the
 * headers between blocks poisoned, so a use after free or an overrun of an
 * SQLite block by carelog's code is still reported; LeakSanitizer scans the
 * arenas for pointers but does not report SQLite's own blocks as leaks
 * (they are not malloc'ed), and its mlock does nothing.
 *
 * Everything else the process allocates comes from glibc's malloc, and
 * there the same guarantee holds by one mechanism: memory.c defines the
 * process's free and realloc (they interpose glibc's for carelog's code,
 * the C library's own calls and every library's, so a record's text built
 * by strdup, asprintf, getline, stdio, Jansson, libcsv, utf8proc, pango or
 * libxlsxwriter is wiped when freed, as is what a realloc moved away
 * from). No caller frees text in a special way; a plain free() is the
 * wiping one. Not under AddressSanitizer, whose own malloc and free take
 * over there (its quarantine poisons what is freed instead). */
#ifndef CARELOG_MEMORY_H
#define CARELOG_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

/* Whether SQLite's allocations come from this allocator (an allocation is
 * made and looked at); false when SQLite was initialised before it could
 * be installed. */
bool cl_memory_serves_sqlite(void);

/* Whether p is a live block of this allocator. */
bool cl_memory_owns(const void *p);

/* Locks the arenas again. SQLCipher munlocks the pages of the few buffers
 * it frees itself (key material, its page buffer, at close, rekey and
 * integrity checks), and pages are locked whole: storage calls this after
 * those steps so the neighbours of such a buffer stay locked. */
void cl_memory_relock(void);

typedef struct cl_memory_stats {
    size_t mapped;       /* bytes of arena */
    size_t locked;       /* of them, locked in RAM */
    size_t in_use;       /* bytes in live blocks (by their size class) */
    size_t large_in_use; /* of them, in blocks too big for a size class */
    size_t lock_refusals;/* arenas the system refused to lock */
} cl_memory_stats;

cl_memory_stats cl_memory_stats_now(void);

/* Whether the bytes needle[0..len) occur in any freed block (freed = true)
 * or in any live block (freed = false) of the arenas. For the tests that
 * prove the wipe; it reads every arena, so it is slow. */
bool cl_memory_find(const void *needle, size_t len, bool freed);

/* Test hook: in a test build (-DCARELOG_TEST_HOOKS) turns the wipe of
 * freed malloc blocks off and on again, so that a heap-scan test can show
 * its scan finds what a plain free leaves; in the released program it
 * does nothing. */
void cl_memory_wipe_freed(bool on);

#endif
