/* What the age sources share; not part of the public face. */
#ifndef CARELOG_AGE_INTERNAL_H
#define CARELOG_AGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/age.h"

/* Records a failure of the given kind with a message for people. */
cl_status age_fail(cl_age_failure *why, cl_age_failure kind, const char *msg);
/* A character of the base64 alphabet (no padding). */
bool age_b64char(char c);
/* Decodes armored text into out, whose data is preallocated with cap at
 * least n bytes. */
cl_status age_armor_decode(const char *text, size_t n, cl_age_buf *out, cl_age_failure *why);

#endif
