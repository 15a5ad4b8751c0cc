/* What the follow-up tests share: the record fixture's vault at a fixed
 * time in UTC, students added, the due list and its rows. */
#ifndef CARELOG_TEST_FOLLOWUP_SUPPORT_H
#define CARELOG_TEST_FOLLOWUP_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/followup.h"
#include "carelog/student.h"
#include "record_fixture.h"

static inline void set_now(const char *iso)
{
    setenv("CARELOG_TEST_NOW", iso, 1);
}

/* The record fixture's vault, made at a fixed time in UTC. */
static inline int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    tzset();
    set_now("2026-10-01T08:00:00Z");
    return fixture_setup(state);
}

static inline int teardown(void **state)
{
    unsetenv("CARELOG_TEST_NOW");
    return fixture_teardown(state);
}

/* A student added (at the current test time) with status and
 * circumstances (a JSON array text or NULL). */
static inline long long student(fixture *f, const char *number, const char *name, const char *status,
                         const char *circumstances)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"number\": \"%s\", \"name\": \"%s\", \"class\": \"初二(3)班\", \"status\": \"%s\"%s%s}", number,
             name, status, circumstances ? ", \"circumstances\": " : "", circumstances ? circumstances : "");
    json_t *fields = J(text);
    long long id;
    OK(cl_student_add(f->v, fields, false, &id));
    json_decref(fields);
    return id;
}

static inline json_t *due(fixture *f, const char *today, int horizon)
{
    json_t *list;
    OK(cl_followup_due(f->v, today, horizon, &list));
    return list;
}

/* The row of student s from source ("follow_up"/"policy"), or NULL. */
static inline json_t *row_of(json_t *list, long long s, const char *source)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
        if (json_integer_value(json_object_get(r, "student_id")) == s &&
            strcmp(json_string_value(json_object_get(r, "source")), source) == 0)
            return r;
    return NULL;
}

static inline const char *s_of(json_t *r, const char *key)
{
    const char *s = json_string_value(json_object_get(r, key));
    assert_non_null(s);
    return s;
}

#endif
