/* Fuzz target for the CSV reader: any bytes, in every encoding mode, must
 * either parse into rows of valid UTF-8 with increasing line numbers or
 * fail with a message; and what the writer produces must read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/csv.h"
#include "carelog/text.h"

static void check(const cl_csv *csv)
{
    size_t prev = 0;
    for (size_t i = 0; i < cl_csv_row_count(csv); i++) {
        const cl_csv_row *row = cl_csv_row_at(csv, i);
        if (!row || row->nfields == 0 || row->line <= prev)
            abort();
        prev = row->line;
        for (size_t f = 0; f < row->nfields; f++)
            if (!cl_utf8_valid(row->fields[f], strlen(row->fields[f])))
                abort();
    }
}

/* Writes every row back out and reads it again: the fields must survive. */
static void round_trip(const cl_csv *csv)
{
    cl_buf out = {0};
    for (size_t i = 0; i < cl_csv_row_count(csv); i++) {
        const cl_csv_row *row = cl_csv_row_at(csv, i);
        if (cl_csv_write_row(&out, row->nfields, (const char *const *)row->fields,
                             false) != CL_OK) {
            cl_buf_free(&out);
            return;
        }
    }
    cl_csv *again = NULL;
    if (cl_csv_parse(out.data ? out.data : "", out.len, "utf-8", &again) != CL_OK)
        abort();
    if (cl_csv_row_count(again) != cl_csv_row_count(csv))
        abort();
    for (size_t i = 0; i < cl_csv_row_count(csv); i++) {
        const cl_csv_row *a = cl_csv_row_at(csv, i), *b = cl_csv_row_at(again, i);
        if (a->nfields != b->nfields)
            abort();
        for (size_t f = 0; f < a->nfields; f++)
            if (strcmp(a->fields[f], b->fields[f]) != 0)
                abort();
    }
    cl_csv_free(again);
    cl_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encodings[] = {"auto", "utf-8", "gb18030"};
    for (size_t e = 0; e < 3; e++) {
        cl_csv *csv = NULL;
        if (cl_csv_parse((const char *)data, size, encodings[e], &csv) == CL_OK) {
            check(csv);
            round_trip(csv);
            cl_csv_free(csv);
        } else if (csv) {
            abort();
        }
    }
    return 0;
}
