/* Placeholder until the student commands land. */
#include "carelog/cli.h"

const cl_command cl_student_commands[] = {
    {NULL, NULL, NULL, NULL},
};
