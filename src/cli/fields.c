/* Field values for the student, record and form commands: --field
 * id=value and --input FILE|- (see cli.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/file.h"
#include "carelog/text.h"

#define INPUT_MAX (16 * 1024 * 1024)

int cl_field_args_add(cl_field_args *a, const char *item)
{
    if (a->n >= CL_MAX_FIELD_ARGS)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("too many --field options (at most %d); use --input FILE"),
                                   CL_MAX_FIELD_ARGS));
    a->items[a->n++] = item;
    return 0;
}

static cl_status read_stdin(unsigned char **out, size_t *len)
{
    cl_buf b = {0};
    char chunk[65536];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cl_buf_free(&b);
            return cl_fail(CL_EIO, _("reading the standard input: %s"), strerror(errno));
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > INPUT_MAX) {
            cl_buf_free(&b);
            return cl_fail(CL_EDATA, _("the input is larger than %d bytes"), INPUT_MAX);
        }
        if (cl_buf_append(&b, chunk, (size_t)n) != CL_OK) {
            cl_buf_free(&b);
            return CL_ESOFTWARE;
        }
    }
    *len = b.len;
    *out = (unsigned char *)cl_buf_take(&b);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

static cl_status load_input(const char *input, json_t **out)
{
    unsigned char *data;
    size_t len;
    bool from_stdin = strcmp(input, "-") == 0;
    cl_status st = from_stdin ? read_stdin(&data, &len) : cl_file_read(input, INPUT_MAX, &data, &len);
    if (st != CL_OK)
        return st;
    json_error_t err;
    json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);
    free(data);
    const char *name = from_stdin ? "standard input" : input;
    if (!j)
        return cl_fail(CL_EDATA, _("%s: line %d, column %d: %s (the input must be one JSON object of field ids and "
                                 "values, in UTF-8); nothing was saved"), name, err.line, err.column, err.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return cl_fail(CL_EDATA, _("%s: the input must be one JSON object {\"field_id\": value, …}; nothing was saved"),
                       name);
    }
    *out = j;
    return CL_OK;
}

cl_status cl_field_set_text(const cl_form *form, json_t *fields, const char *id, const char *text)
{
    if (!cl_utf8_valid(text, strlen(text)))
        return cl_fail(CL_EDATA, _("field %s: the value is not valid UTF-8; nothing was saved (check the terminal's or "
                                 "the script's encoding)"), id);
    json_t *val = NULL;
    cl_status st = cl_form_value_from_text(form, id, text, &val);
    if (st == CL_EDATA) {
        /* Passed on as typed: the form's check reports it together with
         * every other problem of the record, so one retry fixes them all. */
        val = json_string(text);
        st = val ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st != CL_OK)
        return cl_fail_context(st, _("--field %s"), id);
    json_object_set_new(fields, id, val ? val : json_null());
    return CL_OK;
}

cl_status cl_field_args_build(const cl_form *form, const cl_field_args *a, json_t **out)
{
    json_t *fields = NULL;
    cl_status st = a->input ? load_input(a->input, &fields) : CL_OK;
    if (st != CL_OK)
        return st;
    if (!fields)
        fields = json_object();
    for (size_t i = 0; st == CL_OK && i < a->n; i++) {
        const char *eq = strchr(a->items[i], '=');
        if (!eq || eq == a->items[i]) {
            st = cl_fail(CL_EUSAGE, _("--field takes id=value, not \"%s\" (`carelog form show KIND` lists the field ids)"),
                         a->items[i]);
            break;
        }
        char *id = strndup(a->items[i], (size_t)(eq - a->items[i]));
        st = id ? cl_field_set_text(form, fields, id, eq + 1) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(id);
    }
    if (st != CL_OK) {
        json_decref(fields);
        return st;
    }
    *out = fields;
    return CL_OK;
}
