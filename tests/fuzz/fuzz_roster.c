/* Fuzz target for the roster reader: any bytes, in every encoding mode,
 * through the CSV reader and the mapping onto the student form (no vault).
 * It must either refuse the file with a message or give rows whose line
 * numbers increase, whose accepted fields pass the form's validation, and
 * whose problems are in file order on lines of rejected rows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/form.h"
#include "carelog/roster.h"

static cl_form *student_form(void)
{
    static cl_form *form;
    if (!form)
        for (const cl_builtin_form *b = cl_builtin_forms; b->name; b++)
            if (strcmp(b->name, "student.form") == 0 && cl_form_parse(b->text, b->len, b->name, &form) != CL_OK)
                abort();
    if (!form)
        abort();
    return form;
}

static void check(const cl_roster *r, const cl_form *form)
{
    size_t prev = 0;
    for (size_t i = 0; i < cl_roster_row_count(r); i++) {
        size_t line = cl_roster_row_line(r, i);
        if (line <= prev)
            abort();
        prev = line;
        const json_t *fields = cl_roster_row_fields(r, i);
        if (fields && cl_form_validate(form, fields) != CL_OK)
            abort();
    }
    size_t line, last = 0;
    const char *msg;
    for (size_t i = 0; cl_roster_problem_at(r, i, &line, &msg); i++) {
        if (line < last || !msg || !*msg)
            abort();
        last = line;
        for (size_t k = 0; k < cl_roster_row_count(r); k++)
            if (cl_roster_row_line(r, k) == line && cl_roster_row_fields(r, k))
                abort(); /* a row with a problem is never accepted */
    }
    json_t *rep = cl_roster_report(r);
    if (!rep)
        abort();
    json_decref(rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encodings[] = {"auto", "utf-8", "gb18030"};
    cl_form *form = student_form();
    for (size_t e = 0; e < 3; e++) {
        cl_roster *r = NULL;
        if (cl_roster_parse((const char *)data, size, encodings[e], form, &r) == CL_OK) {
            check(r, form);
            cl_roster_free(r);
        } else if (r) {
            abort();
        }
    }
    return 0;
}
