/* Search: full text across every record (search.h), newest first, the
 * matched words in bold; Enter opens the record. Each search is audited by
 * the core, as the command line's is. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/search.h"
#include "ui.h"

/* A screen shows the newest matches; a narrower query finds older ones. */
#define SEARCH_SHOWN 200

typedef struct search_view {
    char *query;
    row_source *hits;
    long long total;
    list_pos pos;
} search_view;

static void run(ui *u, search_view *s)
{
    rows_free(s->hits);
    s->hits = NULL;
    s->total = 0;
    s->pos = (list_pos){0, 0};
    json_t *hits = NULL;
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = SEARCH_SHOWN, .audit = true};
    cl_status st = cl_search_json(u->vault, s->query, &opt, &hits, &s->total);
    if (st != CL_OK) {
        ui_fail(u, st);
        hits = json_array();
    }
    s->hits = rows_from_array(hits);
}

static bool ask_query(ui *u, search_view *s)
{
    char *answer;
    if (!ui_ask(u, _("Search:"), s->query ? s->query : "",
                &answer))
        return false;
    if (!*answer) {
        free(answer);
        return false;
    }
    free(s->query);
    s->query = answer;
    run(u, s);
    return true;
}

/* The snippet with the core's marks around matches: matched words bold. */
static void draw_snippet(ui *u, int y, int x, int cells, const char *snippet, int attr)
{
    int used = 0;
    bool marked = false;
    for (const char *p = snippet; *p && used < cells;) {
        size_t n = strcspn(p, CL_SEARCH_MARK_START CL_SEARCH_MARK_END);
        char *part = strndup(p, n);
        if (part)
            used += ui_text(u, y, x + used, cells - used, part, attr | (marked ? A_BOLD | A_UNDERLINE : 0));
        free(part);
        p += n;
        if (*p) {
            marked = *p == CL_SEARCH_MARK_START[0];
            p++;
        }
    }
}

static void search_draw(ui *u, view *v)
{
    search_view *s = v->data;
    int y = ui_body_top();
    if (!s->hits) {
        ui_text(u, y, 0, u->cols, _("Search every record: type words; Enter finds them."), A_BOLD);
        ui_text(u, y + 2, 2, u->cols - 2, _("All the words must appear; \"a phrase\" in quotes; -word leaves out."), 0);
        ui_text(u, y + 3, 2, u->cols - 2, _("Filters: kind:session student:NUMBER class:C since:DATE until:DATE"), 0);
        return;
    }
    size_t n = s->hits->count(s->hits);
    if (s->total > CL_SEARCH_COUNT_MAX)
        ui_textf(u, y, 0, u->cols, A_BOLD, _("Search: %s — more than %d matches, the newest %zu shown"), s->query,
                 CL_SEARCH_COUNT_MAX, n);
    else if ((long long)n < s->total)
        ui_textf(u, y, 0, u->cols, A_BOLD, _("Search: %s — %lld matches, the newest %zu shown"), s->query, s->total, n);
    else
        ui_textf(u, y, 0, u->cols, A_BOLD, ngettext("Search: %s — %lld match", "Search: %s — %lld matches",
                                                    (unsigned long)s->total), s->query, s->total);
    int page = ui_body_rows(u) - 1;
    list_clamp(&s->pos, n, page);
    for (int r = 0; r < page && s->pos.top + (size_t)r < n; r++) {
        size_t i = s->pos.top + (size_t)r;
        const json_t *hit = s->hits->at(s->hits, i);
        int attr = i == s->pos.sel ? A_REVERSE : 0, row = y + 1 + r;
        char day[32];
        cl_time_local(ui_str(hit, "occurred_at"), true, day, sizeof day);
        ui_text_pad(u, row, 0, u->cols, "", attr);
        ui_text(u, row, 0, 10, day, attr);
        ui_text(u, row, 11, 10, ui_kind_label(u, ui_str(hit, "kind")), attr);
        ui_text(u, row, 22, 8, ui_str(hit, "student_name"), attr);
        draw_snippet(u, row, 31, u->cols - 31, ui_str(hit, "snippet"), attr);
    }
    if (n == 0)
        ui_text(u, y + 1, 2, u->cols - 2, _("Nothing matches. / searches again; fewer words find more."), 0);
}

static ui_result search_open(ui *u, view *v)
{
    search_view *s = v->data;
    if (s->hits && s->hits->count(s->hits))
        ui_open_record(u, ui_int(s->hits->at(s->hits, s->pos.sel), "record_id"));
    return UI_STAY;
}

static ui_result search_again(ui *u, view *v)
{
    ask_query(u, v->data);
    return UI_STAY;
}

static ui_result search_key(ui *u, view *v, int key)
{
    search_view *s = v->data;
    if (s->hits)
        list_key(&s->pos, s->hits->count(s->hits), ui_body_rows(u) - 1, key);
    return UI_STAY;
}

static void search_close(view *v)
{
    search_view *s = v->data;
    if (!s)
        return;
    rows_free(s->hits);
    free(s->query);
    free(s);
}

static const ui_action search_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Open the record"), true, search_open},
    {'/', 0, "/", N_("Search again"), true, search_again},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_search_view = {"search", search_actions, search_draw, search_key, false, NULL, search_close};

void ui_open_search(ui *u)
{
    search_view *s = calloc(1, sizeof *s);
    if (!s || !ui_push(u, &ui_search_view, s))
        return;
    ask_query(u, s);
}
