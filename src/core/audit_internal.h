/* Shared between audit.c and audit_verify.c: how an entry is hashed into
 * the chain. Not public. */
#ifndef CARELOG_AUDIT_INTERNAL_H
#define CARELOG_AUDIT_INTERNAL_H

#include <sodium.h>
#include <sqlite3.h>
#include <stddef.h>

#define CL_AUDIT_HASH_BYTES 32

/* An entry's text columns: at, actor, action, target, detail (a NULL s is
 * hashed as empty text). */
typedef struct cl_audit_text {
    const char *s[5];
    size_t n[5];
} cl_audit_text;

/* Where an entry's bytes are gathered before they are hashed. It holds
 * the entry's text: the caller wipes it (sodium_memzero) after its walk. */
typedef struct cl_audit_scratch {
    crypto_generichash_state h;
    size_t used;
    unsigned char buf[1024];
} cl_audit_scratch;

/* The keyed start every entry's hash shares: made once per walk and
 * copied, not re-keyed per entry. */
void cl_audit_hash_start(crypto_generichash_state *start);

/* The entry's hash: BLAKE2b keyed "carelog-audit-v1" over the previous
 * hash, then each part (id in decimal, then the texts) as a little-endian
 * 64-bit length and its bytes. out may be prev. */
void cl_audit_entry_hash(cl_audit_scratch *scratch, const crypto_generichash_state *start,
                         const unsigned char prev[CL_AUDIT_HASH_BYTES], long long id, const cl_audit_text *t,
                         unsigned char out[CL_AUDIT_HASH_BYTES]);

/* Columns first..first+4 of a row as an entry's text; lengths as stored,
 * so a byte hidden after a NUL still changes the hash. */
void cl_audit_row_text(sqlite3_stmt *q, int first, cl_audit_text *t);

#endif
