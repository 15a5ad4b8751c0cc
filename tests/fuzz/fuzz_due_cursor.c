/* The cursors of the follow-up lists are outside input (`due --after`,
 * `agenda --after`, whatever a script passes on): any bytes are a cursor or
 * a refusal, never a crash; a cursor accepted is exactly the form its list
 * prints: DATE/STUDENT/SOURCE/RECORD for what is due, LAST_SESSION/STUDENT
 * for the crisis-level students without a session ("2026-11-02/123", or
 * "/123" for one never seen in a session), and STATE/SINCE/RECORD for the
 * late referrals ("draft/2026-11-01T08:00:00Z/17"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/followup.h"
#include "carelog/referral.h"

static void due_cursor(const char *text)
{
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
}

static void crisis_cursor(const char *text)
{
    cl_status st = cl_followup_crisis_cursor_check(text);
    if (st != CL_OK && st != CL_EUSAGE)
        abort();
    if (st == CL_OK) {
        const char *slash = strchr(text, '/');
        size_t date = slash ? (size_t)(slash - text) : 0;
        if (!slash || (date != 0 && date != 10) || (date == 10 && (text[4] != '-' || text[7] != '-')) ||
            strchr(slash + 1, '/') || slash[1] < '1' || slash[1] > '9' ||
            strspn(slash + 1, "0123456789") != strlen(slash + 1) || strlen(slash + 1) > 19)
            abort();
    }
}

static void late_cursor(const char *text)
{
    cl_status st = cl_referral_late_cursor_check(text);
    if (st != CL_OK && st != CL_EUSAGE)
        abort();
    if (st == CL_OK) {
        const char *first = strchr(text, '/'), *last = strrchr(text, '/');
        char state[32] = "";
        if (!first || first == text || (size_t)(first - text) >= sizeof state || last <= first + 1)
            abort();
        memcpy(state, text, (size_t)(first - text));
        const cl_referral_state *s = cl_referral_state_find(state);
        if (!s || s->late_after_days <= 0 || last[1] < '1' || last[1] > '9' ||
            strspn(last + 1, "0123456789") != strlen(last + 1) || strspn(first + 1, "0123456789-:TZ.+") != (size_t)(last - first - 1))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    due_cursor(text);
    crisis_cursor(text);
    late_cursor(text);
    cl_error_clear();
    free(text);
    return 0;
}
