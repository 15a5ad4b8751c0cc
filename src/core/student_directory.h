/* The students' directory: the columns a whole list shows of every student
 * (number, name, class, risk level, whether the open-flags list shows
 * them), read by one scan of the index students_directory and looked up
 * by id, so that a list of thousands of rows does not seek into
 * students once per row. Owned by the open vault, freed (and so wiped)
 * when it closes; valid only while nothing has changed the database since
 * it was read. Not part of the public face. */
#ifndef CARELOG_STUDENT_DIRECTORY_H
#define CARELOG_STUDENT_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "carelog/status.h"
#include "carelog/text.h"
#include "carelog/vault.h"

/* A text of a student's: as SQLite gives it (NUL-terminated, len up to
 * its first NUL, as strlen says), and written as a JSON string (quotes
 * included, as cl_buf_json_string writes it; NULL when it is not UTF-8),
 * for the many rows that show it. */
typedef struct cl_student_text {
    const char *text, *json;
    uint32_t len, json_len;
} cl_student_text;

typedef struct cl_student_entry {
    long long id;
    cl_student_text number, name, class_name;
    int risk_level;
    /* Neither merged into another student nor closed nor transferred:
     * the open-flags list shows the student's flags. */
    bool in_flag_list;
    /* The student's place among all by number as SQLite compares text,
     * then by id (the index students_directory): two students compare by
     * rank as they do by (number, id). */
    size_t rank;
} cl_student_entry;

typedef struct cl_student_directory cl_student_directory;

/* The directory as the database is now, in *out: the one already read
 * when nothing has changed since (another connection's commit, PRAGMA
 * data_version; this connection's own writes, sqlite3_total_changes64),
 * else, when read_if_stale, read afresh by one scan of students; else
 * NULL. Always NULL inside a write transaction (what it would read could
 * still be rolled back) and outside any transaction (it would read two
 * snapshots). Call it inside the read transaction of the list it serves
 * (cl_db_in_one_read), so that both see the same snapshot. */
cl_status cl_student_directory_current(cl_vault *v, bool read_if_stale, const cl_student_directory **out);

/* The student of id, or NULL when students has no such row. */
const cl_student_entry *cl_student_directory_find(const cl_student_directory *d, long long id);
/* The student whose id is column c of q, as a join on that column finds
 * it: NULL when students has no such row, or when the column holds no
 * integer (an integer column keeps a text that does not read as a number:
 * it equals no id, though sqlite3_column_int64 reads it as 0). */
const cl_student_entry *cl_student_directory_find_at(const cl_student_directory *d, sqlite3_stmt *q, int c);

/* Asks the processor for the entry of id, and for an entry's JSON
 * texts, ahead of their use: a whole list looks up thousands of students
 * in no order, each a cache miss. */
void cl_student_directory_prefetch(const cl_student_directory *d, long long id);
void cl_student_directory_prefetch_texts(const cl_student_entry *e);

/* The number, name and class of a list row's student, into out: from the
 * entry e when the list reads the directory (their JSON at hand), else
 * (e NULL) columns c, c + 1 and c + 2 of q, the statement's join. */
void cl_student_texts_of(const cl_student_entry *e, sqlite3_stmt *q, int c, cl_student_text out[3]);
/* Puts them into r as "number", "name" and "class"; a text not UTF-8
 * makes r not ok. */
void cl_student_texts_put(cl_json_row *r, const cl_student_text t[3]);

/* Why a list's row of student id, whose texts are t, could not be
 * written: a text of t not UTF-8 (CL_EDATA, naming the student and how to
 * mend it), else out of memory. */
cl_status cl_student_texts_failed(long long id, const cl_student_text t[3]);

/* Frees d (wiped, as every block freed is); NULL is fine. */
void cl_student_directory_free(cl_student_directory *d);

#endif
