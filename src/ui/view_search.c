/* Search: full text across every record (search.h), newest first, the
 * matched words in bold, the results following the query as it is typed,
 * every match reached by scrolling; Enter opens the record. The search is
 * audited by the core when the typing ends, as the command line's is. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/lineedit.h"
#include "carelog/search.h"
#include "ui.h"

/* Hits are read a page at a time, newest first, each page after the last
 * hit of the one before (keyset: a page deep in the results costs what the
 * first does); two pages are kept, so a screen that spans a page's end
 * does not read again at every redraw. Only the first page is audited:
 * the rest are the same search, read on. */
#define SEARCH_PAGE 100

typedef struct hits_page {
    size_t number; /* which page; SIZE_MAX: none */
    json_t *hits;
} hits_page;

typedef struct search_view {
    char *query;
    bool searched;
    long long total;  /* counted up to CL_SEARCH_COUNT_MAX (+1: more) */
    size_t known;     /* hits seen so far */
    bool more;        /* the last page read was full */
    /* last_id/last_at[p]: the last hit of page p, where page p + 1 starts */
    long long *last_id;
    char **last_at;
    size_t pages;     /* pages read at least once */
    hits_page kept[2];
    size_t next_kept; /* the slot to reuse */
    list_pos pos;
    bool typing;      /* the query is being typed: its searches are not audited */
} search_view;

static void forget(search_view *s)
{
    for (size_t i = 0; i < s->pages; i++)
        free(s->last_at[i]);
    free(s->last_at);
    free(s->last_id);
    s->last_at = NULL;
    s->last_id = NULL;
    for (int i = 0; i < 2; i++) {
        json_decref(s->kept[i].hits);
        s->kept[i] = (hits_page){SIZE_MAX, NULL};
    }
    s->pages = s->known = 0;
    s->more = s->searched = false;
    s->total = 0;
    s->pos = (list_pos){0, 0};
}

/* Page `number` (at most one past those read), or NULL on failure (shown). */
static const json_t *page_of(ui *u, search_view *s, size_t number)
{
    for (int i = 0; i < 2; i++)
        if (s->kept[i].hits && s->kept[i].number == number)
            return s->kept[i].hits;
    bool first = number == 0 && !s->searched;
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = SEARCH_PAGE, .audit = first && !s->typing};
    if (number > 0) {
        opt.after_record = s->last_id[number - 1];
        opt.after_occurred_at = s->last_at[number - 1];
    }
    json_t *hits = NULL;
    cl_status st = cl_search_json(u->vault, s->query, &opt, &hits, first ? &s->total : NULL);
    if (st != CL_OK) {
        if (s->typing) /* half a filter typed so far: said, if still wrong, when the typing ends */
            cl_error_clear();
        else
            ui_fail(u, st);
        return NULL;
    }
    s->searched = true;
    size_t n = json_array_size(hits);
    if (number == s->pages) {
        long long *ids = realloc(s->last_id, (s->pages + 1) * sizeof *ids);
        if (ids)
            s->last_id = ids;
        char **ats = ids ? realloc(s->last_at, (s->pages + 1) * sizeof *ats) : NULL;
        if (ats)
            s->last_at = ats;
        const json_t *last = json_array_get(hits, n ? n - 1 : 0);
        char *at = ats && n ? strdup(ui_str(last, "occurred_at")) : NULL;
        if (at) {
            s->last_id[s->pages] = ui_int(last, "record_id");
            s->last_at[s->pages++] = at;
        }
        s->known += n;
        s->more = at && n == SEARCH_PAGE;
    }
    hits_page *slot = &s->kept[s->next_kept];
    s->next_kept ^= 1;
    json_decref(slot->hits);
    *slot = (hits_page){number, hits};
    return hits;
}

static const json_t *hit_at(ui *u, search_view *s, size_t i)
{
    const json_t *page = i < s->known ? page_of(u, s, i / SEARCH_PAGE) : NULL;
    return page ? json_array_get(page, i % SEARCH_PAGE) : NULL;
}

/* Reads on while the screen would reach the end of the hits seen. */
static void read_ahead(ui *u, search_view *s, int rows)
{
    while (s->more && s->pos.top + (size_t)rows + 1 >= s->known) {
        size_t before = s->known;
        if (!page_of(u, s, s->pages) || s->known == before)
            break;
    }
}

static void run(ui *u, search_view *s)
{
    forget(s);
    page_of(u, s, 0);
}

/* The query typed at the bottom, the results following each key. The
 * search shown when typing ends (Enter or Esc) is written to the audit
 * log, once, as the command line's is: the letters typed on the way to it
 * are not searches of their own. */
static void query_typed(ui *u, const char *text, void *ctx)
{
    search_view *s = ctx;
    free(s->query);
    s->query = strdup(text);
    if (s->query && *s->query)
        run(u, s);
    else
        forget(s);
}

static bool ask_query(ui *u, search_view *s)
{
    cl_line l;
    if (cl_line_init(&l, s->query ? s->query : "", false, 200) != CL_OK)
        return false;
    s->typing = true;
    ui_ask_live(u, _("Search:"), &l, query_typed, s);
    cl_line_free(&l);
    s->typing = false;
    if (!s->query || !*s->query) {
        forget(s);
        return false;
    }
    run(u, s); /* counted and audited */
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
    if (!s->searched) {
        ui_text(u, y, 0, u->cols, _("Search every record: the matches follow the words as you type them."), A_BOLD);
        ui_text(u, y + 2, 2, u->cols - 2, _("All the words must appear; \"a phrase\" in quotes; -word leaves out."), 0);
        ui_text(u, y + 3, 2, u->cols - 2, _("Filters: kind:session student:NUMBER class:C since:DATE until:DATE"), 0);
        return;
    }
    int page = ui_body_rows(u) - 1;
    list_clamp(&s->pos, s->known, page);
    read_ahead(u, s, page);
    size_t n = s->known;
    if (s->total > CL_SEARCH_COUNT_MAX)
        ui_textf(u, y, 0, u->cols, A_BOLD, _("Search: %s — more than %d matches; at %zu"), s->query,
                 CL_SEARCH_COUNT_MAX, n ? s->pos.sel + 1 : 0);
    else
        ui_textf(u, y, 0, u->cols, A_BOLD, ngettext("Search: %s — %lld match", "Search: %s — %lld matches",
                                                    (unsigned long)s->total), s->query, s->total);
    for (int r = 0; r < page && s->pos.top + (size_t)r < n; r++) {
        size_t i = s->pos.top + (size_t)r;
        const json_t *hit = hit_at(u, s, i);
        if (!hit)
            break;
        int attr = i == s->pos.sel ? A_REVERSE : 0, row = y + 1 + r;
        char day[32];
        cl_time_local(ui_str(hit, "occurred_at"), true, day, sizeof day);
        ui_text_pad(u, row, 0, u->cols, "", attr);
        ui_text(u, row, 0, 10, day, attr);
        ui_text(u, row, 11, 10, ui_kind_label(u, ui_str(hit, "kind")), attr);
        ui_text(u, row, 22, 8, ui_student_name(u, ui_str(hit, "student_name")), attr);
        draw_snippet(u, row, 31, u->cols - 31, ui_str(hit, "snippet"), attr);
    }
    if (n == 0)
        ui_text(u, y + 1, 2, u->cols - 2, _("Nothing matches. / searches again; fewer words find more."), 0);
}

static ui_result search_open(ui *u, view *v)
{
    search_view *s = v->data;
    const json_t *hit = s->known ? hit_at(u, s, s->pos.sel) : NULL;
    if (hit)
        ui_open_record(u, ui_int(hit, "record_id"));
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
    if (s->searched) {
        int page = ui_body_rows(u) - 1;
        list_key(&s->pos, s->known, page, key);
        read_ahead(u, s, page);
    }
    return UI_STAY;
}

static void search_close(view *v)
{
    search_view *s = v->data;
    if (!s)
        return;
    forget(s);
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

ui_result ui_act_search(ui *u, view *v)
{
    (void)v;
    search_view *s = calloc(1, sizeof *s);
    if (!s)
        return UI_STAY;
    forget(s);
    if (ui_push(u, &ui_search_view, s)) /* else closed by ui_push */
        ask_query(u, s);
    return UI_STAY;
}
