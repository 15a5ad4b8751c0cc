/* The vault's catalogue of forms: every version of every form definition
 * the vault has used. The forms shipped with carelog are built into the
 * program (and installed under share/carelog/forms for schools to read and
 * adapt); they are copied in at init. A changed form is imported as a new
 * version; every record keeps the id of the version it was written with, so
 * old records always render. */
#ifndef CARELOG_CATALOG_H
#define CARELOG_CATALOG_H

#include <jansson.h>
#include <stdbool.h>

#include "carelog/form.h"
#include "carelog/status.h"
#include "carelog/vault.h"

/* The forms built into this program: file name and text. Ends with a
 * {NULL, NULL, 0} entry. Generated from forms/ at build time. */
typedef struct cl_builtin_form {
    const char *name;
    const char *text;
    size_t len;
} cl_builtin_form;
extern const cl_builtin_form cl_builtin_forms[];

/* Copies every built-in form into the vault (version 1 of each kind, or a
 * new version of a kind whose text changed). Idempotent. */
cl_status cl_catalog_install_builtin(cl_vault *v);

/* Imports a form definition file as the newest version of its kind.
 * *version receives the version number (unchanged text: the existing
 * version, nothing added). A form that fails to parse is rejected with
 * file:line:column. Audited. */
cl_status cl_catalog_import(cl_vault *v, const char *path, int *version);

/* The same, also telling the form's kind (malloc'd; NULL to skip) and
 * whether a new version was added (false: the text was already there). */
cl_status cl_catalog_import_file(cl_vault *v, const char *path, char **kind, int *version, bool *added);

/* The newest version of a kind: the parsed form (owned by the catalogue's
 * cache; valid until the vault is closed) and its row id. CL_ENOTFOUND
 * names the kinds there are. */
cl_status cl_catalog_current(cl_vault *v, const char *kind, const cl_form **form, long long *form_id);

/* A kind of record as a person reads it in a narrow column: the short name of
 * its newest form in lang ("辅导", "Session"), or the kind itself when the
 * vault has no such form. Never fails; owned by the catalogue's cache. */
const char *cl_catalog_kind_label(cl_vault *v, const char *kind, const char *lang);

/* A form by row id (for rendering an old record). Owned by the cache. */
cl_status cl_catalog_get(cl_vault *v, long long form_id, const cl_form **form, int *version);

/* [{kind, version, title_zh, title_en, fields, versions, imported_at,
 * signable}] newest version of each kind, by kind; fields: the number of
 * top-level fields; versions: how many versions of the kind the vault
 * holds. */
cl_status cl_catalog_list(cl_vault *v, json_t **out);

/* The definition text of a kind's version (0: the newest), malloc'd, for
 * `form show`. */
cl_status cl_catalog_source(cl_vault *v, const char *kind, int version, char **text);

#endif
