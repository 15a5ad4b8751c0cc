/* CSV: a reader for what school systems and spreadsheets export, and a
 * field writer for carelog's own exports.
 *
 * The reader follows RFC 4180 strictly (libcsv in strict mode): fields may
 * be quoted, a quote inside a quoted field is doubled, quoted fields may
 * hold commas and line breaks, rows end with LF, CRLF or CR. A stray quote
 * in an unquoted field, text after a closing quote, or a quote left open at
 * the end of the file is an error naming the line, so a damaged file is
 * refused instead of silently shifting columns. */
#ifndef CARELOG_CSV_H
#define CARELOG_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/text.h"

typedef struct cl_csv_row {
    size_t line;    /* 1-based line of the file where the row starts */
    size_t nfields; /* at least 1; rows may differ in length */
    char **fields;  /* NUL-terminated, valid UTF-8 */
} cl_csv_row;

typedef struct cl_csv cl_csv;

/* Parses a whole file held in memory. The bytes are first converted to UTF-8
 * with cl_text_to_utf8 (encoding "auto", "utf-8" or "gb18030"; a BOM is
 * removed). Unquoted fields lose surrounding ASCII spaces; quoted fields are
 * kept exactly, except that a line break inside them becomes "\n" whatever
 * the file used. Empty lines, and rows whose fields are all empty (",,,"
 * as spreadsheets export blank rows), are skipped. Errors: CL_EDATA
 * "line N: …" for malformed CSV, the encoding errors of cl_text_to_utf8,
 * CL_ESOFTWARE when out of memory. On error *out is NULL. */
cl_status cl_csv_parse(const char *data, size_t len, const char *encoding,
                       cl_csv **out);

size_t cl_csv_row_count(const cl_csv *csv);

/* Row i (0-based, i < cl_csv_row_count), or NULL when out of range. */
const cl_csv_row *cl_csv_row_at(const cl_csv *csv, size_t i);

/* Field i of a row, or "" when the row is shorter. */
const char *cl_csv_field(const cl_csv_row *row, size_t i);

void cl_csv_free(cl_csv *csv);

/* Appends one field to out, quoted (with quotes doubled) when it holds a
 * comma, a quote, CR or LF, or begins or ends with a space or tab. NULL is
 * an empty field. Separators and line ends are the caller's. */
cl_status cl_csv_write_field(cl_buf *out, const char *field);

/* Like cl_csv_write_field, but a field that a spreadsheet would run as a
 * formula (beginning with = + - @, tab or CR, or a full-width ＝ ＋ － ＠)
 * is prefixed with a single quote. For exports that will be opened in Excel or WPS. */
cl_status cl_csv_write_field_safe(cl_buf *out, const char *field);

/* Appends a whole row: fields separated by commas, ended with CRLF as
 * RFC 4180 asks; safe chooses cl_csv_write_field_safe for every field. */
cl_status cl_csv_write_row(cl_buf *out, size_t nfields,
                           const char *const *fields, bool safe);

#endif
