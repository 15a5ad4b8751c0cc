/* Placeholder until the audit commands land. */
#include "carelog/cli.h"

const cl_command cl_audit_commands[] = {
    {NULL, NULL, NULL, NULL},
};
