/* Placeholder until the form commands land. */
#include "carelog/cli.h"

const cl_command cl_form_commands[] = {
    {NULL, NULL, NULL, NULL},
};
