/* Walking the whole audit chain in one pass. This thread reads the rows
 * and lays them into batches; a second thread hashes the batches in order,
 * so on two cores a walk costs about the larger of reading and hashing
 * instead of their sum (each is about half a second per million entries).
 * The batches live in SQLite's allocator, so the entries' text is wiped
 * when they are freed (memory.h). */
#include "carelog/audit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/worker.h"
#include "audit_internal.h"

#define HASH_BYTES CL_AUDIT_HASH_BYTES

enum { BATCH_BYTES = 256 << 10 };

/* A row as it lies in a batch; its five texts follow it. */
typedef struct row_head {
    long long id;
    uint32_t n[5];
    unsigned char has[5]; /* 0: the column was NULL */
    unsigned char prev_ok, hash_ok;
    unsigned char prev[HASH_BYTES], hash[HASH_BYTES];
} row_head;

typedef struct batch {
    unsigned char *data;
    size_t used, cap;
    long long rows;
    bool full; /* handed to the hasher and not yet hashed */
} batch;

typedef struct walk {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch b[2];
    bool done;         /* the reader hands no more batches */
    long long changed; /* the first entry whose hashes do not hold (0: none yet) */
    unsigned char prev[HASH_BYTES]; /* the chain's hash after the entries hashed */
    crypto_generichash_state start;
} walk;

static size_t aligned(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t row_bytes(sqlite3_stmt *q)
{
    size_t n = sizeof(row_head);
    for (int c = 1; c <= 5; c++)
        n += (size_t)sqlite3_column_bytes(q, c);
    return aligned(n);
}

/* Lays the row into the batch, which has room for row_bytes(q). */
static void batch_put(batch *b, sqlite3_stmt *q, long long id)
{
    row_head h;
    memset(&h, 0, sizeof h);
    h.id = id;
    unsigned char *text = b->data + b->used + sizeof h;
    for (int i = 0; i < 5; i++) {
        const unsigned char *s = sqlite3_column_text(q, 1 + i);
        h.has[i] = s != NULL;
        h.n[i] = (uint32_t)sqlite3_column_bytes(q, 1 + i);
        if (h.n[i])
            memcpy(text, s, h.n[i]);
        text += h.n[i];
    }
    h.prev_ok = sqlite3_column_bytes(q, 6) == HASH_BYTES;
    h.hash_ok = sqlite3_column_bytes(q, 7) == HASH_BYTES;
    if (h.prev_ok)
        memcpy(h.prev, sqlite3_column_blob(q, 6), HASH_BYTES);
    if (h.hash_ok)
        memcpy(h.hash, sqlite3_column_blob(q, 7), HASH_BYTES);
    memcpy(b->data + b->used, &h, sizeof h);
    b->used = aligned((size_t)(text - b->data));
    b->rows++;
}

/* Hashes a batch onto the chain; the id of the first entry that does not
 * hold, or 0. */
static long long hash_batch(walk *w, cl_audit_scratch *scratch, const batch *b)
{
    size_t off = 0;
    for (long long i = 0; i < b->rows; i++) {
        row_head h;
        memcpy(&h, b->data + off, sizeof h);
        const char *text = (const char *)b->data + off + sizeof h;
        cl_audit_text t;
        for (int k = 0; k < 5; k++) {
            t.s[k] = h.has[k] ? text : NULL;
            t.n[k] = h.n[k];
            text += h.n[k];
        }
        unsigned char hash[HASH_BYTES];
        cl_audit_entry_hash(scratch, &w->start, w->prev, h.id, &t, hash);
        if (!h.prev_ok || memcmp(h.prev, w->prev, HASH_BYTES) != 0 || !h.hash_ok ||
            memcmp(h.hash, hash, HASH_BYTES) != 0)
            return h.id;
        memcpy(w->prev, hash, HASH_BYTES);
        off = aligned((size_t)((const unsigned char *)text - b->data));
    }
    return 0;
}

static void *hasher(void *arg)
{
    walk *w = arg;
    cl_audit_scratch scratch;
    for (int k = 0;; k ^= 1) {
        pthread_mutex_lock(&w->mu);
        while (!w->b[k].full && !w->done)
            pthread_cond_wait(&w->cv, &w->mu);
        bool have = w->b[k].full, skip = w->changed != 0;
        pthread_mutex_unlock(&w->mu);
        if (!have) {
            sodium_memzero(&scratch, sizeof scratch);
            return NULL;
        }
        long long changed = skip ? 0 : hash_batch(w, &scratch, &w->b[k]);
        pthread_mutex_lock(&w->mu);
        if (changed)
            w->changed = changed;
        w->b[k].full = false;
        w->b[k].used = 0;
        w->b[k].rows = 0;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
}

/* Hands batch k to the hasher (or hashes it here without one) and waits
 * until the other batch is free to fill. False once an entry failed. */
static bool hand_over(walk *w, int k, bool threaded)
{
    if (!threaded) {
        cl_audit_scratch scratch;
        if (!w->changed)
            w->changed = hash_batch(w, &scratch, &w->b[k]);
        sodium_memzero(&scratch, sizeof scratch);
        w->b[k].used = 0;
        w->b[k].rows = 0;
        return w->changed == 0;
    }
    pthread_mutex_lock(&w->mu);
    w->b[k].full = true;
    pthread_cond_broadcast(&w->cv);
    while (w->b[k ^ 1].full)
        pthread_cond_wait(&w->cv, &w->mu);
    bool going = w->changed == 0;
    pthread_mutex_unlock(&w->mu);
    return going;
}

/* Reads the log into batches; *expect ends at the first id not seen (a
 * gap when rows remain). */
static cl_status read_rows(sqlite3 *db, walk *w, bool threaded, long long *expect, bool *gap)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id, at, actor, action, target, detail, prev_hash, hash FROM audit ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    int k = 0, rc = SQLITE_DONE;
    bool going = true;
    while (going && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(q, 0);
        if (id != *expect) {
            *gap = true;
            break;
        }
        size_t need = row_bytes(q);
        if (w->b[k].rows > 0 && w->b[k].used + need > w->b[k].cap) {
            going = hand_over(w, k, threaded);
            k ^= 1;
        }
        if (going && need > w->b[k].cap) { /* one entry larger than a batch */
            unsigned char *bigger = sqlite3_realloc64(w->b[k].data, need);
            if (!bigger) {
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
                break;
            }
            w->b[k].data = bigger;
            w->b[k].cap = need;
        }
        if (going) {
            batch_put(&w->b[k], q, id);
            ++*expect;
        }
    }
    if (st == CL_OK && going && !*gap && rc != SQLITE_DONE)
        /* A page that cannot be read is damage, not entries removed. */
        st = cl_db_fail(db, "reading the audit log");
    sqlite3_finalize(q);
    if (going && w->b[k].rows > 0)
        hand_over(w, k, threaded);
    return st;
}

static cl_status walk_chain(sqlite3 *db, long long *entries);

typedef struct chain_walk {
    sqlite3 *db;
    long long *entries;
} chain_walk;

static cl_status walk_work(void *arg)
{
    chain_walk *w = arg;
    return walk_chain(w->db, w->entries);
}

cl_status cl_audit_verify(sqlite3 *db, long long *entries)
{
    /* The head, the count and the rows from one snapshot: an entry another
     * terminal appends meanwhile is not "entries removed". */
    chain_walk w = {db, entries};
    return cl_db_in_one_read(db, walk_work, &w);
}

static cl_status walk_chain(sqlite3 *db, long long *entries)
{
    unsigned char head[HASH_BYTES];
    long long count, expect = 1;
    cl_status st = cl_audit_head(db, head, &count);
    if (st != CL_OK)
        return st;
    walk w;
    memset(&w, 0, sizeof w);
    cl_audit_hash_start(&w.start);
    for (int k = 0; k < 2; k++) {
        w.b[k].data = sqlite3_malloc64(BATCH_BYTES);
        w.b[k].cap = BATCH_BYTES;
    }
    if (!w.b[0].data || !w.b[1].data) {
        sqlite3_free(w.b[0].data), sqlite3_free(w.b[1].data);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    pthread_t thread;
    /* Without a second thread the same walk runs in this one. */
    bool threaded = cl_worker_start(&thread, hasher, &w), gap = false;
    st = read_rows(db, &w, threaded, &expect, &gap);
    if (threaded) {
        pthread_mutex_lock(&w.mu);
        w.done = true;
        pthread_cond_broadcast(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(thread, NULL);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    sqlite3_free(w.b[0].data), sqlite3_free(w.b[1].data);
    /* The first problem in the log's order is the one told. */
    if (w.changed)
        return cl_fail(CL_EDATA, _("audit log broken at entry %lld: it was changed after it was written"), w.changed);
    if (st != CL_OK)
        return st;
    if (gap)
        return cl_fail(CL_EDATA, _("audit log broken at entry %lld: entry %lld is missing"), expect, expect);
    if (expect - 1 != count || (count > 0 && memcmp(w.prev, head, HASH_BYTES) != 0))
        return cl_fail(CL_EDATA, _("audit log broken at entry %lld: entries after it were removed"),
                       expect - 1 < count ? expect : count);
    *entries = count;
    return CL_OK;
}
