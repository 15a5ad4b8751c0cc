/* Row sources: what a list shows, one row at a time: a JSON array from
 * one core call, or pages of a paged core call appended as the cursor
 * reaches them, behind the same three operations. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>

#include "ui.h"

typedef struct array_rows {
    row_source base;
    json_t *array;
} array_rows;

static size_t array_count(row_source *r)
{
    return json_array_size(((array_rows *)r)->array);
}

static const json_t *array_at(row_source *r, size_t i)
{
    return json_array_get(((array_rows *)r)->array, i);
}

static void array_free(row_source *r)
{
    json_decref(((array_rows *)r)->array);
    free(r);
}

row_source *rows_from_array(json_t *array)
{
    array_rows *r = calloc(1, sizeof *r);
    if (!r) {
        json_decref(array);
        return NULL;
    }
    r->base = (row_source){array_count, array_at, array_free};
    r->array = array ? array : json_array();
    return &r->base;
}

/* Rows that come a page at a time, in order (see ui.h). */
typedef struct appended_rows {
    row_source base;
    json_t *rows;
    size_t count;
    bool ended;
    rows_fetch_fn *fetch;
    void *ctx;
    void (*ctx_free)(void *);
} appended_rows;

static size_t appended_count(row_source *r)
{
    return ((appended_rows *)r)->count;
}

static const json_t *appended_at(row_source *r, size_t i)
{
    appended_rows *a = (appended_rows *)r;
    while (i >= json_array_size(a->rows) && !a->ended) {
        size_t had = json_array_size(a->rows);
        a->ended = !a->fetch(a->ctx, a->rows) || json_array_size(a->rows) == had;
    }
    /* The count was the whole list's when the first page came; what the
     * pages held in the end is the truth. */
    if (a->ended)
        a->count = json_array_size(a->rows);
    else if (json_array_size(a->rows) > a->count)
        a->count = json_array_size(a->rows);
    return json_array_get(a->rows, i);
}

static void appended_free(row_source *r)
{
    appended_rows *a = (appended_rows *)r;
    json_decref(a->rows);
    if (a->ctx_free)
        a->ctx_free(a->ctx);
    free(a);
}

row_source *rows_appended(json_t *first, size_t count, rows_fetch_fn *fetch, void *ctx, void (*ctx_free)(void *))
{
    appended_rows *a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(first);
        if (ctx_free)
            ctx_free(ctx);
        return NULL;
    }
    a->base = (row_source){appended_count, appended_at, appended_free};
    a->rows = first ? first : json_array();
    a->count = count > json_array_size(a->rows) ? count : json_array_size(a->rows);
    a->fetch = fetch;
    a->ctx = ctx;
    a->ctx_free = ctx_free;
    return &a->base;
}

void rows_free(row_source *r)
{
    if (r)
        r->free(r);
}

void list_clamp(list_pos *p, size_t count, int page)
{
    if (page < 1)
        page = 1;
    if (count == 0) {
        p->sel = p->top = 0;
        return;
    }
    if (p->sel >= count)
        p->sel = count - 1;
    if (p->sel < p->top)
        p->top = p->sel;
    if (p->sel >= p->top + (size_t)page)
        p->top = p->sel - (size_t)page + 1;
}

bool list_key(list_pos *p, size_t count, int page, int key)
{
    size_t step = page > 1 ? (size_t)page - 1 : 1;
    switch (key) {
    case 'j':
    case UI_FN(KEY_DOWN):
        if (p->sel + 1 < count)
            p->sel++;
        break;
    case 'k':
    case UI_FN(KEY_UP):
        if (p->sel > 0)
            p->sel--;
        break;
    case UI_FN(KEY_NPAGE):
    case ' ':
        p->sel = p->sel + step < count ? p->sel + step : (count ? count - 1 : 0);
        break;
    case UI_FN(KEY_PPAGE):
        p->sel = p->sel > step ? p->sel - step : 0;
        break;
    case 'g':
    case UI_FN(KEY_HOME):
        p->sel = 0;
        break;
    case 'G':
    case UI_FN(KEY_END):
        p->sel = count ? count - 1 : 0;
        break;
    default:
        return false;
    }
    list_clamp(p, count, page);
    return true;
}
