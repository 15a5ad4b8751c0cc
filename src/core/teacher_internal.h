/* What the vault's side of the teachers shares between enrolment
 * (teacher.c) and the roster it publishes to them (teacher_roster.c). */
#ifndef CARELOG_TEACHER_INTERNAL_H
#define CARELOG_TEACHER_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "carelog/status.h"

/* The classes a teacher is enrolled for; the classes one roster carries
 * (a whole school's). */
#define TEACHER_MAX_CLASSES 64
#define ROSTER_MAX_CLASSES 256

/* NULL, or a JSON array of at most max class names (each as a name in the
 * vault must be); CL_EUSAGE otherwise. */
cl_status teacher_check_classes(const json_t *classes, size_t max);

#endif
