/* Shared by the form*.c files only: the parsed form and the parser. */
#ifndef CARELOG_FORM_INTERNAL_H
#define CARELOG_FORM_INTERNAL_H

#include "carelog/form.h"

typedef struct cl_form_band {
    char *id, *label_zh, *label_en;
    long lo, hi;
    unsigned line, col;
} cl_form_band;

typedef struct cl_form_flag {
    char *id, *label_zh, *label_en;
    cl_condition cond;
    unsigned line, col;
} cl_form_flag;

struct cl_form {
    char *kind, *title_zh, *title_en, *desc_zh, *desc_en;
    char *short_zh, *short_en; /* the kind's name in a narrow column; NULL: the title */
    cl_field *fields;
    size_t n_fields;
    bool has_score;
    size_t *score_items; /* indexes into fields */
    size_t n_score_items;
    long score_min, score_max;
    cl_form_band *bands;
    size_t n_bands;
    cl_form_flag *flags;
    size_t n_flags;
};

/* Text limits that apply when the form gives no max. */
#define CL_FORM_TEXT_MAX 200
#define CL_FORM_LONGTEXT_MAX 20000

void cl_form_field_free_contents(cl_field *fld);
const cl_field *cl_form_find_in(const cl_field *fields, size_t n, const char *id);
const cl_choice *cl_form_find_choice(const cl_field *f, const char *id);
/* Evaluated from the JSON value alone: the parser has already made the
 * condition's value canonical for the type of the field it names. */
bool cl_form_cond_holds(const cl_condition *c, const json_t *scope);
bool cl_form_value_absent(const json_t *v);
bool cl_form_lang_en(const char *lang);

/* ---- the parser (form_parse.c, with its readers in form_read.c) ------- */

typedef enum { CL_FP_NONE, CL_FP_FIELD, CL_FP_FLAG } cl_fp_target;

typedef struct cl_fp_parser {
    const char *file;
    unsigned line;
    const char *ls, *le; /* the current line, without its line break */
    cl_form *form;
    bool in_group;
    size_t group;        /* index of the open group in form->fields */
    cl_field *sub;       /* its subfields so far */
    size_t n_sub;
    cl_fp_target target; /* what label/help/choice lines attach to */
    unsigned form_line;
} cl_fp_parser;

extern const char *const cl_fp_type_names[];

unsigned cl_fp_column(const cl_fp_parser *P, const char *at);
cl_status cl_fp_fail_at(const cl_fp_parser *P, unsigned line, unsigned col,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reports at a position in the current line. */
#define PERR(P, at, ...) cl_fp_fail_at((P), (P)->line, cl_fp_column((P), (at)), __VA_ARGS__)
cl_status cl_fp_oom(void);
void *cl_fp_grow(void *arr, size_t n, size_t elem);
char *cl_fp_dup(const char *s, const char *e);
bool cl_fp_token_is(const char *s, const char *e, const char *word);
size_t cl_fp_space_len(const char *p, const char *e);
const char *cl_fp_skip_space(const char *p, const char *e);
bool cl_fp_next_token(const cl_fp_parser *P, const char **pp, const char **ts,
                      const char **te);
cl_status cl_fp_check_id(const cl_fp_parser *P, const char *s, const char *e,
                         const char *what);
cl_status cl_fp_read_id(const cl_fp_parser *P, const char **pp, const char *what,
                        const char **ts, const char **te);
cl_status cl_fp_expect_end(const cl_fp_parser *P, const char *p);
bool cl_fp_parse_number(const char *s, const char *e, double *out, bool *integral);
cl_status cl_fp_read_number(const cl_fp_parser *P, const char **pp, const char *what,
                            bool want_integer, const char **ts, double *out);
cl_status cl_fp_read_bilingual(const cl_fp_parser *P, const char *p, const char *what,
                               char **zh, char **en);
cl_status cl_fp_read_condition(cl_fp_parser *P, const char *p, const cl_field *fields,
                               size_t n, const char *self, cl_condition *c);
cl_status cl_fp_check_line_text(const cl_fp_parser *P);

#endif
