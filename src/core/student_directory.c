/* The students' directory (student_directory.h): one scan of the index
 * students_directory in the order of number and id (so a student's rank
 * is its place in the scan) into one arena, looked up by id. */
#include "student_directory.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "vault_internal.h"

struct cl_student_directory {
    sqlite3 *db;
    long long data_version;   /* PRAGMA data_version when it was read */
    sqlite3_int64 own_changes; /* sqlite3_total_changes64 then */
    /* Dense (ids nearly without gaps, as students are added): slot
     * id - first_id holds the student of that id, a slot of no student
     * has rank NO_STUDENT. Sparse: the students in id order, searched. */
    cl_student_entry *entries;
    size_t n; /* slots */
    bool dense;
    struct text_chunk *texts;  /* every entry's texts, each with its JSON string after it */
};

/* The texts are kept in chunks that never move, so an entry points at its
 * own as soon as they are read. */
typedef struct text_chunk {
    struct text_chunk *next;
    size_t used, size;
    char data[];
} text_chunk;
enum { CHUNK_BYTES = 64 * 1024 - 64 }; /* under malloc's mapping threshold, so reused from the heap */

enum { NO_STUDENT = -1 }; /* as rank: a slot no student holds */

void cl_student_directory_free(cl_student_directory *d)
{
    if (!d)
        return;
    free(d->entries);
    for (text_chunk *c = d->texts, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(d);
}

static cl_status data_version(sqlite3 *db, long long *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "PRAGMA data_version", &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, "reading the database's version");
    sqlite3_reset(q);
    return st;
}

/* Where id would be with no id missing: d->n when outside. Unsigned, for
 * ids from the two ends of their range are more apart than a long long
 * holds. */
static size_t place_of(const cl_student_directory *d, long long id)
{
    long long first = d->entries[0].id;
    unsigned long long from_first = (unsigned long long)id - (unsigned long long)first;
    return id >= first && from_first < d->n ? (size_t)from_first : d->n;
}

const cl_student_entry *cl_student_directory_find(const cl_student_directory *d, long long id)
{
    if (d->n == 0)
        return NULL;
    size_t at = place_of(d, id);
    if (d->dense)
        return at < d->n && d->entries[at].rank != (size_t)NO_STUDENT ? &d->entries[at] : NULL;
    if (at < d->n && d->entries[at].id == id)
        return &d->entries[at];
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->entries[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n && d->entries[lo].id == id ? &d->entries[lo] : NULL;
}

const cl_student_entry *cl_student_directory_find_at(const cl_student_directory *d, sqlite3_stmt *q, int c)
{
    return sqlite3_column_type(q, c) == SQLITE_INTEGER ? cl_student_directory_find(d, sqlite3_column_int64(q, c)) : NULL;
}

void cl_student_texts_of(const cl_student_entry *e, sqlite3_stmt *q, int c, cl_student_text out[3])
{
    if (e) {
        out[0] = e->number, out[1] = e->name, out[2] = e->class_name;
        return;
    }
    for (int i = 0; i < 3; i++) {
        const char *s = (const char *)sqlite3_column_text(q, c + i);
        out[i] = (cl_student_text){.text = s ? s : "", .len = s ? (uint32_t)strlen(s) : 0};
    }
}

void cl_student_texts_put(cl_json_row *r, const cl_student_text t[3])
{
    static const struct {
        const char *key;
        size_t len;
    } keys[3] = {{"number", 6}, {"name", 4}, {"class", 5}};
    for (int i = 0; i < 3; i++) {
        if (t[i].json)
            cl_json_row_text_written(r, keys[i].key, keys[i].len, t[i].text, t[i].len, t[i].json, t[i].json_len);
        else
            cl_json_row_text_k(r, keys[i].key, keys[i].len, t[i].text, t[i].len);
    }
}

cl_status cl_student_texts_failed(long long id, const cl_student_text t[3])
{
    for (int i = 0; i < 3; i++)
        if (!cl_utf8_valid(t[i].text, t[i].len))
            return cl_fail(CL_EDATA, _("student #%lld's number, name or class is not UTF-8 text; correct it "
                                       "with `carelog student edit %lld`"), id, id);
    return cl_fail(CL_ESOFTWARE, _("out of memory"));
}

void cl_student_directory_prefetch(const cl_student_directory *d, long long id)
{
    size_t at = d->n > 0 ? place_of(d, id) : 0;
    if (at < d->n)
        __builtin_prefetch(&d->entries[at]);
}

void cl_student_directory_prefetch_texts(const cl_student_entry *e)
{
    /* The three are written one after the other (keep), each text
     * before its JSON. */
    if (e->number.json)
        __builtin_prefetch(e->number.json);
    if (e->class_name.json)
        __builtin_prefetch(e->class_name.json + e->class_name.json_len - 1);
}

/* Room for n bytes in the chunks, NULL when out of memory. */
static char *room_for(cl_student_directory *d, size_t n)
{
    text_chunk *c = d->texts;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_BYTES ? n : CHUNK_BYTES;
        if (!(c = malloc(sizeof *c + size)))
            return NULL;
        *c = (text_chunk){.next = d->texts, .size = size};
        d->texts = c;
    }
    return c->data + c->used;
}

/* Keeps column c's text, NUL after it, and its JSON string after that
 * (none when it is not UTF-8: the row is left out, as the join's is when
 * written). */
static cl_status keep(cl_student_directory *d, sqlite3_stmt *q, int c, cl_student_text *t)
{
    const char *s = (const char *)sqlite3_column_text(q, c);
    size_t bytes = (size_t)sqlite3_column_bytes(q, c);
    size_t len = s ? strnlen(s, bytes) : 0;
    if (len > UINT32_MAX / 8)
        return cl_fail(CL_EDATA, _("a student's number, name or class is too long to list (more than 512 MiB); "
                                   "shorten it with `carelog student edit`"));
    char *at = room_for(d, len + 1 + CL_JSON_STRING_MAX(len));
    if (!at)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(at, s ? s : "", len);
    at[len] = '\0';
    size_t json = cl_json_string_write(at + len + 1, at, len);
    *t = (cl_student_text){.text = at, .len = (uint32_t)len};
    if (json != SIZE_MAX)
        t->json = at + len + 1, t->json_len = (uint32_t)json;
    d->texts->used += len + 1 + (json != SIZE_MAX ? json : 0);
    return CL_OK;
}

/* The ids' bounds and how many students the vault counts (row_counts,
 * kept by triggers: only a hint of the memory to take). */
typedef struct id_bounds {
    bool any; /* a student at all */
    long long first;
    unsigned long long span; /* last - first + 1; 0: the whole range, or no student */
    size_t counted;
} id_bounds;

static cl_status bounds_of(sqlite3 *db, id_bounds *b)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db,
                                "SELECT (SELECT min(id) FROM students), (SELECT max(id) FROM students),"
                                " (SELECT n FROM row_counts WHERE name = 'students')",
                                &q);
    if (st != CL_OK)
        return st;
    *b = (id_bounds){0};
    if (sqlite3_step(q) != SQLITE_ROW) {
        st = cl_db_fail(db, "counting the students");
    } else if (sqlite3_column_type(q, 0) != SQLITE_NULL) {
        long long n = sqlite3_column_int64(q, 2);
        b->any = true;
        b->first = sqlite3_column_int64(q, 0);
        /* Unsigned as in place_of; the whole range wraps to 0. */
        b->span = (unsigned long long)sqlite3_column_int64(q, 1) - (unsigned long long)b->first + 1;
        b->counted = n > 0 ? (size_t)n : 0;
    }
    sqlite3_reset(q);
    return st;
}

/* Each student in the order of number, then id (the index
 * students_directory), so the place in the scan is the rank. */
#define DIRECTORY_SQL                                                                                   \
    "SELECT id, number, name, class, risk_level,"                                                       \
    " merged_into IS NULL AND status NOT IN ('closed', 'transferred')"                                  \
    " FROM students ORDER BY number, id"

/* A sparse directory's first room, and the gaps a dense one may have
 * beyond one slot in two. */
enum { MIN_EXPECTED = 64 };
/* The most slots a dense directory takes (about 100 MiB of them): the
 * count it is sized by is only a hint, which a damaged row_counts makes
 * lie high, so a span beyond it (ids spread over millions, or a lie) is
 * searched instead, and the slots' size in bytes never wraps. */
enum { DENSE_MAX_SLOTS = 1 << 20 };
_Static_assert(DENSE_MAX_SLOTS <= SIZE_MAX / sizeof(cl_student_entry), "a dense directory's size fits");

/* Room for one more entry at the end (a sparse directory grows). */
static cl_status grow(cl_student_directory *d, size_t *cap)
{
    if (d->n < *cap)
        return CL_OK;
    size_t want = *cap ? *cap * 2 : MIN_EXPECTED;
    cl_student_entry *entries = realloc(d->entries, want * sizeof *entries);
    if (!entries)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    d->entries = entries;
    *cap = want;
    return CL_OK;
}

static int by_id(const void *a, const void *b)
{
    long long x = ((const cl_student_entry *)a)->id, y = ((const cl_student_entry *)b)->id;
    return (x > y) - (x < y);
}

static cl_status read_directory(sqlite3 *db, cl_student_directory *d)
{
    id_bounds b;
    cl_status st = bounds_of(db, &b);
    sqlite3_stmt *q = NULL;
    if (st == CL_OK)
        st = cl_db_cached(db, DIRECTORY_SQL, &q);
    if (st != CL_OK || !b.any)
        return st;
    /* Dense when the ids have few gaps: an entry's slot is its id's. */
    d->dense = b.span != 0 && b.span <= 2 * (unsigned long long)b.counted + MIN_EXPECTED && b.span <= DENSE_MAX_SLOTS;
    size_t cap = 0;
    if (d->dense) {
        cap = d->n = (size_t)b.span;
        if (!(d->entries = malloc(cap * sizeof *d->entries)))
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        for (size_t i = 0; i < cap; i++)
            d->entries[i] = (cl_student_entry){.id = b.first + (long long)i, .rank = (size_t)NO_STUDENT};
    }
    size_t rank = 0;
    int rc = SQLITE_DONE;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(q, 0);
        size_t slot = d->n;
        if (d->dense) {
            slot = place_of(d, id);
            if (slot == d->n || d->entries[slot].rank != (size_t)NO_STUDENT) { /* one snapshot: only damage */
                st = cl_fail(CL_EDATA, _("the index of students' numbers does not match the students table; "
                                         "`carelog verify` checks the vault"));
                break;
            }
        } else if ((st = grow(d, &cap)) != CL_OK) {
            break;
        }
        cl_student_entry *e = &d->entries[slot];
        *e = (cl_student_entry){.id = id, .risk_level = sqlite3_column_int(q, 4), .rank = rank,
                                .in_flag_list = sqlite3_column_int(q, 5) != 0};
        st = keep(d, q, 1, &e->number);
        if (st == CL_OK)
            st = keep(d, q, 2, &e->name);
        if (st == CL_OK)
            st = keep(d, q, 3, &e->class_name);
        if (st == CL_OK) {
            rank++;
            if (!d->dense)
                d->n++;
        }
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the students");
    sqlite3_reset(q);
    /* Read in rank order; a sparse directory is searched by id. */
    if (st == CL_OK && !d->dense)
        qsort(d->entries, d->n, sizeof *d->entries, by_id);
    return st;
}

cl_status cl_student_directory_current(cl_vault *v, bool read_if_stale, const cl_student_directory **out)
{
    *out = NULL;
    sqlite3 *db = v->db;
    /* Outside a transaction its reads (the bounds, the scan) would be two
     * snapshots, which a commit between them makes disagree. */
    if (sqlite3_get_autocommit(db) || sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE)
        return CL_OK;
    long long version = 0;
    cl_status st = data_version(db, &version);
    if (st != CL_OK)
        return st;
    sqlite3_int64 changes = sqlite3_total_changes64(db);
    cl_student_directory *d = v->directory;
    if (d && d->db == db && d->data_version == version && d->own_changes == changes) {
        *out = d;
        return CL_OK;
    }
    cl_student_directory_free(d);
    v->directory = NULL;
    if (!read_if_stale)
        return CL_OK;
    d = calloc(1, sizeof *d);
    if (!d)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    *d = (cl_student_directory){.db = db, .data_version = version, .own_changes = changes};
    st = read_directory(db, d);
    if (st != CL_OK) {
        cl_student_directory_free(d);
        return st;
    }
    v->directory = d;
    *out = d;
    return CL_OK;
}

