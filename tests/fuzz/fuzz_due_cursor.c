/* A cursor of the follow-up list is outside input (`due --after`, `agenda
 * --after`, whatever a script passes on): any bytes are a cursor or a
 * refusal, never a crash; a cursor accepted is exactly the form the list
 * prints, DATE/STUDENT/SOURCE/RECORD. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/followup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    cl_status st = cl_followup_cursor_check(text);
    if (st != CL_OK && st != CL_EUSAGE)
        abort();
    if (st == CL_OK) {
        /* YYYY-MM-DD, '/', then two more '/' before the record. */
        const char *p = text;
        int slashes = 0;
        for (; *p; p++)
            slashes += *p == '/';
        if (strlen(text) < 17 || text[4] != '-' || text[7] != '-' || text[10] != '/' || slashes != 3 ||
            (!strstr(text, "/follow_up/") && !strstr(text, "/policy/")) || strchr(text, ' ') || strchr(text, '+'))
            abort();
    }
    cl_error_clear();
    free(text);
    return 0;
}
