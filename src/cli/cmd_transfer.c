/* Placeholder until the transfer commands land. */
#include "carelog/cli.h"

const cl_command cl_transfer_commands[] = {
    {NULL, NULL, NULL, NULL},
};
