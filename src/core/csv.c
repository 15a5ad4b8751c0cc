/* CSV reading (libcsv, strict) with line numbers, and CSV writing. */
#include "carelog/csv.h"
#include "carelog/i18n.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cl_csv {
    cl_csv_row *rows;
    size_t nrows, cap;
};

struct parse_ctx {
    cl_csv *csv;
    char **fields;
    size_t nfields, fcap;
    bool row_open;   /* some content of the current row has been fed */
    size_t row_line; /* line where the current row started */
    size_t line;     /* line being fed to the parser */
    cl_status st;
};

static cl_status oom(void)
{
    return cl_fail(CL_ESOFTWARE, _("out of memory"));
}

static void free_fields(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
    free(fields);
}

/* Copies a field, turning CRLF and lone CR into LF, so text that crossed
 * Windows and Unix is stored one way. */
static char *copy_field(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r') {
            out[o++] = '\n';
            if (i + 1 < len && s[i + 1] == '\n')
                i++;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static void on_field(void *s, size_t len, void *data)
{
    struct parse_ctx *ctx = data;
    if (ctx->st != CL_OK)
        return;
    if (ctx->nfields == ctx->fcap) {
        size_t cap = ctx->fcap ? ctx->fcap * 2 : 8;
        char **grown = cap < SIZE_MAX / sizeof *grown
                           ? realloc(ctx->fields, cap * sizeof *grown)
                           : NULL;
        if (!grown) {
            ctx->st = oom();
            return;
        }
        ctx->fields = grown;
        ctx->fcap = cap;
    }
    char *field = copy_field(s ? s : "", s ? len : 0);
    if (!field) {
        ctx->st = oom();
        return;
    }
    /* The input was validated as a whole and fields split only at ASCII
     * bytes, so this holds; checked because callers rely on it. */
    if (!cl_utf8_valid(field, strlen(field))) {
        free(field);
        ctx->st = cl_fail(CL_EDATA, _("line %zu: invalid UTF-8 in a field"),
                          ctx->row_line);
        return;
    }
    ctx->fields[ctx->nfields++] = field;
}

static void on_row(int term, void *data)
{
    struct parse_ctx *ctx = data;
    (void)term;
    ctx->row_open = false;
    if (ctx->st != CL_OK) {
        free_fields(ctx->fields, ctx->nfields);
        goto reset;
    }
    bool empty = true;
    for (size_t i = 0; i < ctx->nfields && empty; i++)
        empty = ctx->fields[i][0] == '\0';
    if (empty) {
        free_fields(ctx->fields, ctx->nfields);
        goto reset;
    }
    cl_csv *csv = ctx->csv;
    if (csv->nrows == csv->cap) {
        size_t cap = csv->cap ? csv->cap * 2 : 64;
        cl_csv_row *grown = cap < SIZE_MAX / sizeof *grown
                                ? realloc(csv->rows, cap * sizeof *grown)
                                : NULL;
        if (!grown) {
            ctx->st = oom();
            free_fields(ctx->fields, ctx->nfields);
            goto reset;
        }
        csv->rows = grown;
        csv->cap = cap;
    }
    csv->rows[csv->nrows++] = (cl_csv_row){
        .line = ctx->row_line, .nfields = ctx->nfields, .fields = ctx->fields};
reset:
    ctx->fields = NULL;
    ctx->nfields = ctx->fcap = 0;
}

/* libcsv's default also trims tabs; the contract is ASCII spaces only. */
static int is_space(unsigned char c)
{
    return c == ' ';
}

static bool has_content(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\r' && *p != '\n')
            return true;
    return false;
}

static cl_status parse_text(const char *text, size_t len, cl_csv *csv)
{
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return oom();
    csv_set_space_func(&parser, is_space);

    struct parse_ctx ctx = {.csv = csv, .line = 1, .row_line = 1};
    cl_status st = CL_OK;
    const char *p = text, *end = text + len;
    /* Fed one physical line at a time: a row can only end at the end of a
     * chunk, so the line a row starts on is the line of the first chunk
     * with content after the previous row ended, even across line breaks
     * inside quoted fields. */
    while (p < end && st == CL_OK) {
        const char *q = p;
        while (q < end && *q != '\n' && *q != '\r')
            q++;
        if (q < end)
            q += (*q == '\r' && q + 1 < end && q[1] == '\n') ? 2 : 1;
        if (!ctx.row_open && has_content(p, q)) {
            ctx.row_open = true;
            ctx.row_line = ctx.line;
        }
        size_t n = (size_t)(q - p);
        size_t done = csv_parse(&parser, p, n, on_field, on_row, &ctx);
        if (ctx.st != CL_OK) {
            st = ctx.st;
        } else if (done != n) {
            if (csv_error(&parser) != CSV_EPARSE)
                st = oom();
            else if (parser.quoted)
                st = cl_fail(CL_EDATA, _("line %zu: text after the closing quote "
                             "of a field (a quote inside a quoted field must be "
                             "doubled: \"\")"), ctx.line);
            else
                st = cl_fail(CL_EDATA, _("line %zu: a quote inside an unquoted "
                             "field (enclose the field in quotes and double the "
                             "quote: \"\")"), ctx.line);
        }
        p = q;
        ctx.line++;
    }
    if (st == CL_OK) {
        if (csv_fini(&parser, on_field, on_row, &ctx) != 0) {
            if (csv_error(&parser) == CSV_EPARSE)
                st = cl_fail(CL_EDATA, _("line %zu: unterminated quoted field "
                             "(a quote opened in the row starting on this line "
                             "is never closed)"), ctx.row_line);
            else
                st = oom();
        } else if (ctx.st != CL_OK) {
            st = ctx.st;
        }
    }
    free_fields(ctx.fields, ctx.nfields);
    csv_free(&parser);
    return st;
}

cl_status cl_csv_parse(const char *data, size_t len, const char *encoding,
                       cl_csv **out)
{
    *out = NULL;
    char *text = NULL;
    size_t text_len = 0;
    cl_status st = cl_text_to_utf8(data, len, encoding, &text, &text_len);
    if (st != CL_OK)
        return st;
    cl_csv *csv = calloc(1, sizeof *csv);
    if (!csv) {
        free(text);
        return oom();
    }
    st = parse_text(text, text_len, csv);
    free(text);
    if (st != CL_OK) {
        cl_csv_free(csv);
        return st;
    }
    *out = csv;
    return CL_OK;
}

size_t cl_csv_row_count(const cl_csv *csv)
{
    return csv ? csv->nrows : 0;
}

const cl_csv_row *cl_csv_row_at(const cl_csv *csv, size_t i)
{
    return csv && i < csv->nrows ? &csv->rows[i] : NULL;
}

const char *cl_csv_field(const cl_csv_row *row, size_t i)
{
    return row && i < row->nfields ? row->fields[i] : "";
}

void cl_csv_free(cl_csv *csv)
{
    if (!csv)
        return;
    for (size_t i = 0; i < csv->nrows; i++)
        free_fields(csv->rows[i].fields, csv->rows[i].nfields);
    free(csv->rows);
    free(csv);
}

/* ---- writing ---------------------------------------------------------- */

/* What Excel, WPS and LibreOffice would evaluate: = + - @ first, tab or
 * CR first (they are stripped and the rest evaluated), and the full-width
 * forms that a Chinese input method types (＝ ＋ － ＠), which some
 * spreadsheets fold to the ASCII ones. */
static bool runs_as_formula(const char *field)
{
    static const char *const wide[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"};
    if (strchr("=+-@\t\r", field[0]) && field[0])
        return true;
    for (size_t i = 0; i < sizeof wide / sizeof *wide; i++)
        if (strncmp(field, wide[i], 3) == 0)
            return true;
    return false;
}

static cl_status write_field(cl_buf *out, const char *field, bool safe)
{
    if (!field)
        field = "";
    size_t len = strlen(field);
    bool formula = safe && runs_as_formula(field);
    /* Our reader, like most, trims unquoted spaces; quote to keep them. A
     * leading U+FEFF is quoted too, or as the file's first bytes it would
     * be read back as a byte order mark and dropped. */
    bool quote = strpbrk(field, ",\"\r\n") != NULL ||
                 (len > 0 && (field[0] == ' ' || field[0] == '\t' ||
                              field[len - 1] == ' ' || field[len - 1] == '\t')) ||
                 strncmp(field, "\xEF\xBB\xBF", 3) == 0;
    cl_status st = CL_OK;
    if (quote)
        st = cl_buf_append(out, "\"", 1);
    if (st == CL_OK && formula)
        st = cl_buf_append(out, "'", 1);
    for (const char *p = field; st == CL_OK && *p;) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        st = cl_buf_append(out, p, n);
        if (st == CL_OK && q)
            st = cl_buf_append(out, "\"", 1);
        p += n;
    }
    if (st == CL_OK && quote)
        st = cl_buf_append(out, "\"", 1);
    return st;
}

cl_status cl_csv_write_field(cl_buf *out, const char *field)
{
    return write_field(out, field, false);
}

cl_status cl_csv_write_field_safe(cl_buf *out, const char *field)
{
    return write_field(out, field, true);
}

cl_status cl_csv_write_row(cl_buf *out, size_t nfields,
                           const char *const *fields, bool safe)
{
    cl_status st = CL_OK;
    for (size_t i = 0; i < nfields && st == CL_OK; i++) {
        if (i > 0)
            st = cl_buf_append(out, ",", 1);
        if (st == CL_OK)
            st = write_field(out, fields ? fields[i] : NULL, safe);
    }
    if (st == CL_OK)
        st = cl_buf_append(out, "\r\n", 2);
    return st;
}
