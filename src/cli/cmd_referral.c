/* Placeholder until the referral commands land. */
#include "carelog/cli.h"

const cl_command cl_referral_commands[] = {
    {NULL, NULL, NULL, NULL},
};
