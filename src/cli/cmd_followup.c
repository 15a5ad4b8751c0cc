/* Placeholder until the followup commands land. */
#include "carelog/cli.h"

const cl_command cl_followup_commands[] = {
    {NULL, NULL, NULL, NULL},
};
