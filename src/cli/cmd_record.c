/* Placeholder until the record commands land. */
#include "carelog/cli.h"

const cl_command cl_record_commands[] = {
    {NULL, NULL, NULL, NULL},
};
