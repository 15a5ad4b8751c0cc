/* Identifiers: the student numbers, names and classes by which people find
 * a student. Each is brought to one form (cl_identifier_normalise) wherever
 * it is stored or looked up — `student add`/`edit`, the roster import, and
 * every filter and lookup by number or class — so that what a school system
 * exports and what a counsellor types meet: 初二（3）班 and 初二(3)班 are one
 * class, ２０２６０００１ and 20260001 one number, and 李\u200b明 (with a
 * zero-width space copied from a web page) is 李明.
 *
 * What is removed and what is refused (documented in man carelog):
 *   removed   the invisible characters that never carry meaning in a name:
 *             U+200B zero width space, U+2060 word joiner, U+FEFF (a stray
 *             byte order mark), U+00AD soft hyphen; and spaces (ASCII, the
 *             ideographic U+3000, no-break U+00A0) at either end
 *   folded    in numbers and classes only: full-width ASCII (U+FF01–U+FF5E:
 *             digits, letters, brackets) to ASCII, inner U+3000 and U+00A0
 *             to a space
 *   refused   control characters (tab, line break, escape…), bidirectional
 *             controls (they reorder what is shown), the zero-width joiners
 *             U+200C/U+200D (they change how some scripts are written, so
 *             removing them could change a name), every other invisible
 *             format character (cl_codepoint_unsafe), U+FFFD (the mark of
 *             text damaged by a wrong encoding) and invalid UTF-8. */
#ifndef CARELOG_IDENTIFIER_H
#define CARELOG_IDENTIFIER_H

#include <jansson.h>

#include "carelog/status.h"

typedef enum cl_identifier_kind {
    CL_IDENTIFIER_NUMBER, /* a student number (学号) */
    CL_IDENTIFIER_NAME,   /* a person's name */
    CL_IDENTIFIER_CLASS,  /* a class (班级) */
} cl_identifier_kind;

/* The normal form of text as a malloc'd string. A refused character is
 * CL_EDATA: "field name (姓名): contains an invisible character U+202E
 * (right-to-left override) after "李"; type the name again without it",
 * where `field` names the field for the message ("name (姓名)", or "--class"). */
cl_status cl_identifier_normalise(cl_identifier_kind kind, const char *text, const char *field, char **out);

/* The number, name and class of a student's fields, normalised in place.
 * Each refusal is added to problems (cl_form_problem_add under the field's
 * id) and the field left as it was, so that the form's check reports it
 * with every other problem; CL_OK unless out of memory. */
cl_status cl_identifier_normalise_student(json_t *fields, json_t *problems);

#endif
