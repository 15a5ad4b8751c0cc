#include "carelog/cli.h"

int main(int argc, char **argv)
{
    return cl_cli_main(argc, argv);
}
