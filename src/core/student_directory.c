/* The students' directory (student_directory.h): one scan of students in
 * id order into one arena, looked up by id. */
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
    cl_student_entry *entries; /* in id order */
    size_t n;
    cl_buf texts;              /* every entry's texts, NUL after each */
    cl_buf json;               /* and each written as a JSON string */
};

void cl_student_directory_free(cl_student_directory *d)
{
    if (!d)
        return;
    free(d->entries);
    cl_buf_free(&d->texts);
    cl_buf_free(&d->json);
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

static cl_student_entry *entry_of(const cl_student_directory *d, long long id)
{
    if (d->n == 0)
        return NULL;
    /* Ids are dense as students are added: the place id would have with
     * none missing is nearly always it. */
    size_t at = place_of(d, id);
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

const cl_student_entry *cl_student_directory_find(const cl_student_directory *d, long long id)
{
    return entry_of(d, id);
}

/* A text while the arenas grow: offsets, made pointers once whole. */
typedef struct text_at {
    size_t text, json; /* json: SIZE_MAX when not UTF-8 */
} text_at;

void cl_student_directory_prefetch(const cl_student_directory *d, long long id)
{
    size_t at = d->n > 0 ? place_of(d, id) : 0;
    if (at < d->n)
        __builtin_prefetch(&d->entries[at]);
}

void cl_student_directory_prefetch_texts(const cl_student_entry *e)
{
    /* The three are written one after the other (read_directory). */
    if (e->number.json)
        __builtin_prefetch(e->number.json);
    if (e->class_name.json)
        __builtin_prefetch(e->class_name.json + e->class_name.json_len - 1);
}

/* Keeps column c's text in the arena, and its JSON string in the other. */
static cl_status keep(cl_student_directory *d, sqlite3_stmt *q, int c, cl_student_text *t, text_at *at)
{
    const char *s = (const char *)sqlite3_column_text(q, c);
    size_t bytes = (size_t)sqlite3_column_bytes(q, c);
    size_t len = s ? strnlen(s, bytes) : 0;
    if (len > UINT32_MAX / 8)
        return cl_fail(CL_EDATA, _("a student's number, name or class is too long to list (more than 512 MiB); "
                                   "shorten it with `carelog student edit`"));
    at->text = d->texts.len;
    cl_status st = cl_buf_append(&d->texts, s ? s : "", len);
    if (st == CL_OK)
        st = cl_buf_append(&d->texts, "", 1);
    if (st != CL_OK)
        return st;
    t->len = (uint32_t)len;
    at->json = d->json.len;
    st = cl_buf_json_string(&d->json, s ? s : "", len);
    if (st == CL_EDATA) { /* the row is left out, as the join's is when written */
        cl_error_clear();
        at->json = SIZE_MAX;
        return CL_OK;
    }
    t->json_len = (uint32_t)(d->json.len - at->json);
    return st;
}

static void place(const cl_student_directory *d, cl_student_text *t, const text_at *at)
{
    t->text = d->texts.data + at->text;
    t->json = at->json == SIZE_MAX ? NULL : d->json.data + at->json;
}

/* A student's three texts take about this much, and their JSON a little
 * more (the quotes): what the arenas are first sized for. */
enum { TEXT_BYTES = 48, JSON_BYTES = 56, MAX_EXPECTED = 1 << 14, MIN_EXPECTED = 64 };

/* How many students to make room for: the span of their ids, within
 * bounds (a vault whose ids are far apart grows the arrays as it reads). */
static cl_status expected_students(sqlite3 *db, size_t *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT (SELECT min(id) FROM students), (SELECT max(id) FROM students)", &q);
    if (st != CL_OK)
        return st;
    *out = MIN_EXPECTED;
    if (sqlite3_step(q) == SQLITE_ROW) {
        /* Unsigned as in place_of; the whole range wraps to 0. */
        unsigned long long span =
            (unsigned long long)sqlite3_column_int64(q, 1) - (unsigned long long)sqlite3_column_int64(q, 0) + 1;
        if (span > MIN_EXPECTED)
            *out = span < MAX_EXPECTED ? (size_t)span : MAX_EXPECTED;
    } else {
        st = cl_db_fail(db, "counting the students");
    }
    sqlite3_reset(q);
    return st;
}

static cl_status read_directory(sqlite3 *db, cl_student_directory *d)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT id, number, name, class, risk_level FROM students ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    size_t cap = 0;
    text_at(*at)[3] = NULL;
    /* Sized once for the students there are (ids are dense as they are
     * added), not grown by doubling: each move of a large block costs
     * fresh pages, a copy and a wipe. */
    size_t expected = 0;
    st = expected_students(db, &expected);
    if (st == CL_OK)
        st = cl_buf_reserve(&d->texts, expected * TEXT_BYTES);
    if (st == CL_OK)
        st = cl_buf_reserve(&d->json, expected * JSON_BYTES);
    int rc = SQLITE_DONE;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (d->n == cap) {
            cap = cap ? cap * 2 : expected;
            cl_student_entry *entries = realloc(d->entries, cap * sizeof *entries);
            if (entries)
                d->entries = entries;
            text_at(*grown)[3] = entries ? realloc(at, cap * sizeof *at) : NULL;
            if (!grown) {
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
                break;
            }
            at = grown;
        }
        cl_student_entry *e = &d->entries[d->n];
        *e = (cl_student_entry){.id = sqlite3_column_int64(q, 0), .risk_level = sqlite3_column_int(q, 4)};
        st = keep(d, q, 1, &e->number, &at[d->n][0]);
        if (st == CL_OK)
            st = keep(d, q, 2, &e->name, &at[d->n][1]);
        if (st == CL_OK)
            st = keep(d, q, 3, &e->class_name, &at[d->n][2]);
        if (st == CL_OK)
            d->n++;
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the students");
    sqlite3_reset(q);
    for (size_t i = 0; st == CL_OK && i < d->n; i++) {
        place(d, &d->entries[i].number, &at[i][0]);
        place(d, &d->entries[i].name, &at[i][1]);
        place(d, &d->entries[i].class_name, &at[i][2]);
    }
    free(at);
    return st;
}

/* Each student's rank, from the index students_number in its order. */
static cl_status rank_directory(sqlite3 *db, cl_student_directory *d)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT id FROM students ORDER BY number, id", &q);
    if (st != CL_OK)
        return st;
    size_t rank = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        cl_student_entry *e = entry_of(d, sqlite3_column_int64(q, 0));
        if (e)
            e->rank = rank++;
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the students in order of their numbers");
    else if (rank != d->n) /* one snapshot: only a damaged index */
        st = cl_fail(CL_EDATA, _("the index of students' numbers does not match the students table; "
                                 "`carelog verify` checks the vault"));
    sqlite3_reset(q);
    return st;
}

cl_status cl_student_directory_current(cl_vault *v, bool read_if_stale, const cl_student_directory **out)
{
    *out = NULL;
    sqlite3 *db = v->db;
    if (sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE)
        return CL_OK;
    /* First, so that a commit landing during the scan below (with no read
     * transaction around it) makes the directory stale, never wrong. */
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
    if (st == CL_OK)
        st = rank_directory(db, d);
    if (st != CL_OK) {
        cl_student_directory_free(d);
        return st;
    }
    v->directory = d;
    *out = d;
    return CL_OK;
}

