/* SQLite's allocator: wiped on free, locked once per arena; and the
 * process's wiping free and realloc for everything else. See memory.h.
 *
 * Blocks come in size classes (16-byte steps to 128, then four per power
 * of two up to 256 KiB), each with a 16-byte header in front; a freed block
 * is wiped and kept on its class's free list for the next allocation of
 * that class. Arenas are never returned to the system (a process's SQLite
 * use is steady); a request above the largest class gets a mapping of its
 * own, wiped and unmapped when freed. */
#include "carelog/memory.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CL_ASAN 1
#endif
#endif

#ifdef CL_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
/* The allocator reads headers and free blocks, which it poisons for
 * everyone else. */
#define NO_ASAN __attribute__((no_sanitize_address))
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
/* LeakSanitizer scans the arenas for pointers (SQLite keeps carelog's
 * malloc'ed client data there), as it scanned SQLite's malloc'ed heap. */
#define SCANNED(p, n) __lsan_register_root_region((p), (n))
#define UNSCANNED(p, n) __lsan_unregister_root_region((p), (n))
#else
#define NO_ASAN
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#define SCANNED(p, n) ((void)(p), (void)(n))
#define UNSCANNED(p, n) ((void)(p), (void)(n))
#endif

#define HEADER_LIVE 0x4c495645u /* "LIVE" */
#define HEADER_FREE 0x46524545u /* "FREE" */
#define LARGE_CLASS 0xffffffffu
#define SMALL_CLASSES 8          /* 16, 32, … 128 */
#define CLASSES (SMALL_CLASSES + 11 * 4) /* up to 2^18 = 256 KiB */
#define MAX_CLASS_SIZE ((size_t)1 << 18)
#define CHUNK_MIN ((size_t)1 << 20)
#define CHUNK_MAX ((size_t)32 << 20)
#define MAX_CHUNKS 512

typedef struct block_header {
    uint32_t magic;
    uint32_t size_class;
    union {
        struct block_header *next_free;
        size_t large_size;
    } u;
} block_header;
_Static_assert(sizeof(block_header) == 16, "blocks stay 16-byte aligned");

/* In front of a large block's header, in its own mapping. */
typedef struct large_link {
    struct large_link *prev, *next;
    size_t map_size;
    int locked;
} large_link;
_Static_assert(sizeof(large_link) % 16 == 0, "large blocks stay 16-byte aligned");

typedef struct chunk {
    unsigned char *base;
    size_t size, carved;
    int locked;
} chunk;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static chunk chunks[MAX_CHUNKS];
static size_t nchunks, chunk_bytes;
static block_header *free_list[CLASSES];
static large_link *large_blocks;
static cl_memory_stats stats;

static size_t class_size(unsigned c)
{
    if (c < SMALL_CLASSES)
        return 16 * ((size_t)c + 1);
    unsigned lg = 7 + (c - SMALL_CLASSES) / 4, k = (c - SMALL_CLASSES) % 4;
    return ((size_t)1 << lg) + ((size_t)k + 1) * ((size_t)1 << (lg - 2));
}

/* The smallest class that holds n (1 ≤ n ≤ MAX_CLASS_SIZE). */
static unsigned class_of(size_t n)
{
    if (n <= 128)
        return n <= 16 ? 0 : (unsigned)((n + 15) / 16) - 1;
    unsigned lg = 63 - (unsigned)__builtin_clzll((unsigned long long)(n - 1)); /* 2^lg < n ≤ 2^(lg+1) */
    size_t k = (n - 1 - ((size_t)1 << lg)) >> (lg - 2);
    return SMALL_CLASSES + (lg - 7) * 4 + (unsigned)k;
}

static size_t page_round(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

/* Locked page by page as each is first touched (MLOCK_ONFAULT): a page
 * never touched has held nothing to keep out of swap, and an arena mapped
 * ahead of need (the last is as big as all before it) then costs resident
 * memory only as far as it is carved. A kernel without it locks the whole
 * range, as before. */
static int lock_range(void *p, size_t size)
{
#ifdef MLOCK_ONFAULT
    if (mlock2(p, size, MLOCK_ONFAULT) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    return mlock(p, size);
}

/* A private mapping, out of core dumps, locked if the system lets us. */
static void *map_locked(size_t size, int *locked)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_DONTDUMP
    madvise(p, size, MADV_DONTDUMP);
#endif
    SCANNED(p, size);
    *locked = lock_range(p, size) == 0;
    stats.mapped += size;
    if (*locked)
        stats.locked += size;
    else
        stats.lock_refusals++;
    return p;
}

static NO_ASAN block_header *carve(unsigned c)
{
    size_t need = sizeof(block_header) + class_size(c);
    chunk *k = nchunks ? &chunks[nchunks - 1] : NULL;
    if (!k || k->size - k->carved < need) {
        if (nchunks == MAX_CHUNKS)
            return NULL;
        /* Each arena as big as all before it: few arenas, few locks. */
        size_t size = chunk_bytes;
        size = size < CHUNK_MIN ? CHUNK_MIN : size > CHUNK_MAX ? CHUNK_MAX : size;
        k = &chunks[nchunks];
        k->base = map_locked(size, &k->locked);
        if (!k->base)
            return NULL;
        k->size = size;
        k->carved = 0;
        chunk_bytes += size;
        POISON(k->base, size);
        nchunks++;
    }
    block_header *h = (block_header *)(void *)(k->base + k->carved);
    k->carved += need;
    h->size_class = c;
    return h;
}

static NO_ASAN void *large_alloc(size_t n)
{
    size_t size = page_round(sizeof(large_link) + sizeof(block_header) + n);
    int locked;
    large_link *l = map_locked(size, &locked);
    if (!l)
        return NULL;
    *l = (large_link){NULL, large_blocks, size, locked};
    if (large_blocks)
        large_blocks->prev = l;
    large_blocks = l;
    block_header *h = (block_header *)(l + 1);
    *h = (block_header){HEADER_LIVE, LARGE_CLASS, {.large_size = size - sizeof *l - sizeof *h}};
    stats.in_use += h->u.large_size;
    stats.large_in_use += h->u.large_size;
    POISON(l, sizeof *l + sizeof *h);
    return h + 1;
}

static NO_ASAN void *mem_malloc(int n)
{
    size_t want = n > 0 ? (size_t)n : 1;
    pthread_mutex_lock(&lock);
    void *p = NULL;
    if (want > MAX_CLASS_SIZE) {
        p = large_alloc(want);
    } else {
        unsigned c = class_of(want);
        block_header *h = free_list[c];
        if (h)
            free_list[c] = h->u.next_free;
        else
            h = carve(c);
        if (h) {
            h->magic = HEADER_LIVE;
            h->u.next_free = NULL;
            stats.in_use += class_size(c);
            p = h + 1;
            UNPOISON(p, class_size(c));
        }
    }
    pthread_mutex_unlock(&lock);
    return p;
}

static NO_ASAN size_t block_size(const block_header *h)
{
    return h->size_class == LARGE_CLASS ? h->u.large_size : class_size(h->size_class);
}

static NO_ASAN void mem_free(void *p)
{
    if (!p)
        return;
    block_header *h = (block_header *)p - 1;
    /* A double free or a foreign pointer would corrupt the free lists:
     * stop rather than hand one block out twice. */
    if (h->magic != HEADER_LIVE)
        abort();
    size_t size = block_size(h);
    /* The guarantee itself: nothing freed keeps what it held. */
    sodium_memzero(p, size);
    pthread_mutex_lock(&lock);
    stats.in_use -= size;
    if (h->size_class == LARGE_CLASS) {
        large_link *l = (large_link *)(void *)h - 1;
        if (l->prev)
            l->prev->next = l->next;
        else
            large_blocks = l->next;
        if (l->next)
            l->next->prev = l->prev;
        stats.large_in_use -= size;
        stats.mapped -= l->map_size;
        if (l->locked)
            stats.locked -= l->map_size;
        UNPOISON(l, l->map_size);
        UNSCANNED(l, l->map_size);
        munmap(l, l->map_size);
    } else {
        h->magic = HEADER_FREE;
        h->u.next_free = free_list[h->size_class];
        free_list[h->size_class] = h;
        POISON(p, size);
    }
    pthread_mutex_unlock(&lock);
}

static NO_ASAN int mem_size(void *p)
{
    return p ? (int)block_size((block_header *)p - 1) : 0;
}

static int mem_roundup(int n)
{
    size_t want = n > 0 ? (size_t)n : 1;
    return want > MAX_CLASS_SIZE ? (int)((want + 15) & ~(size_t)15) : (int)class_size(class_of(want));
}

static NO_ASAN void *mem_realloc(void *p, int n)
{
    if (!p)
        return mem_malloc(n);
    block_header *h = (block_header *)p - 1;
    size_t have = block_size(h), want = n > 0 ? (size_t)n : 1;
    /* In place while the request keeps its class (the tail beyond n is
     * still the block's, and wiped with it). */
    if (h->size_class != LARGE_CLASS && want <= MAX_CLASS_SIZE && class_of(want) == h->size_class)
        return p;
    void *grown = mem_malloc(n);
    if (!grown)
        return NULL;
    memcpy(grown, p, have < want ? have : want);
    mem_free(p);
    return grown;
}

static int mem_init(void *app)
{
    (void)app;
    return SQLITE_OK;
}

static void mem_shutdown(void *app)
{
    (void)app;
}

static const sqlite3_mem_methods methods = {
    mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup, mem_init, mem_shutdown, NULL,
};

/* The program's free and realloc, for the whole process: carelog's own
 * calls, and those of the C library (strdup, asprintf, getline, stdio's
 * buffers, iconv) and of every library that allocates with malloc
 * (Jansson, libcsv, utf8proc, libxlsxwriter, pango, cairo, glib, ncurses).
 * They interpose glibc's (ELF symbol interposition, as glibc documents for
 * replacing malloc; malloc itself stays glibc's). A block is wiped, its
 * whole usable size, before glibc gets it back; realloc never leaves a
 * moved block behind unwiped: it grows by malloc, copy, and this free
 * (glibc's reallocarray calls it too).
 * One mechanism, so that no caller can forget it: a record's text may be
 * in any buffer of the program, built by any of those libraries.
 * AddressSanitizer brings its own malloc and free (a build under it keeps
 * its quarantine and poisoning instead, and the heap-scan tests skip). */
#ifndef CL_ASAN
extern void __libc_free(void *block);
extern void *__libc_realloc(void *block, size_t size);

/* Off only in a test build: the benchmarks' baseline runs (see
 * install()) and the heap-scan tests' control (cl_memory_wipe_freed). */
static bool wipe_on_free = true;

/* glibc marks a block it keeps in a thread's cache (tcache) with a random
 * key in the block's second word, and a free that finds the key there
 * looks for the block in the cache: a double free then stops the program
 * ("free(): double free detected in tcache 2") instead of handing the
 * block out twice, to two owners at once. A wipe before that check would
 * erase the mark and let the double free through. A block bearing the
 * mark was wiped when it was first freed, so it goes to glibc's check
 * untouched. The key is learnt once, before main, from a block freed into
 * the cache; it stays 0 (no block is spared the wipe) when this C library
 * leaves no such mark. A live block bears it only by chance, one in 2^64:
 * glibc clears it when the cache hands a block out. */
static uint64_t cache_key;

static uint64_t second_word(const void *block)
{
    uint64_t word;
    memcpy(&word, (const unsigned char *)block + sizeof word, sizeof word);
    return word;
}

static void learn_cache_key(void)
{
    unsigned char *block = malloc(2 * sizeof(uint64_t));
    if (!block)
        return;
    memset(block, 0, 2 * sizeof(uint64_t));
    /* Read after glibc has it back: only its mark can be there. Through
     * an integer, which is what the mark is read as. */
    volatile uintptr_t at = (uintptr_t)block;
    __libc_free(block);
    cache_key = second_word((const void *)at);
}

/* Whether block can be one malloc gave: glibc's blocks are aligned to
 * twice a pointer's size. Any other pointer goes to glibc untouched, which
 * stops the program ("free(): invalid pointer"); its size read from what
 * lies in front of it would have had the wipe zero memory at random. */
static bool may_be_a_block(const void *block)
{
    return ((uintptr_t)block & (2 * sizeof(void *) - 1)) == 0;
}

void free(void *block)
{
    if (!block)
        return;
    if (wipe_on_free && may_be_a_block(block) && !(cache_key && second_word(block) == cache_key))
        sodium_memzero(block, malloc_usable_size(block));
    __libc_free(block);
}

void *realloc(void *block, size_t size)
{
    if (!wipe_on_free)
        return __libc_realloc(block, size);
    if (!block)
        return malloc(size);
    if (!may_be_a_block(block))
        return __libc_realloc(block, size); /* which stops the program */
    if (size == 0) { /* glibc's meaning: freed */
        free(block);
        return NULL;
    }
    size_t have = malloc_usable_size(block);
    /* In place while it fits without wasting more than half the block
     * (the slack is wiped with it when freed). */
    if (size <= have && size >= have / 2)
        return block;
    void *moved = malloc(size);
    if (!moved)
        return NULL;
    memcpy(moved, block, have < size ? have : size);
    free(block);
    return moved;
}
#endif

void cl_memory_wipe_freed(bool on)
{
#if defined(CARELOG_TEST_HOOKS) && !defined(CL_ASAN)
    wipe_on_free = on;
#else
    (void)on;
#endif
}

/* Before main, so before anything can start SQLite with its own
 * allocator. The benchmarks' baseline runs (test builds only) ask for
 * SQLite's default allocator and glibc's own free, to measure what memory
 * security costs. */
__attribute__((constructor)) static void install(void)
{
#ifndef CL_ASAN
    learn_cache_key();
#endif
#ifdef CARELOG_TEST_HOOKS
    const char *system = getenv("CARELOG_TEST_SYSTEM_MALLOC");
    if (system && strcmp(system, "1") == 0) {
#ifndef CL_ASAN
        wipe_on_free = false;
#endif
        return;
    }
#endif
    sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}

static NO_ASAN bool owns_locked(const void *p)
{
    const unsigned char *b = p;
    for (large_link *l = large_blocks; l; l = l->next)
        if ((const void *)((block_header *)(l + 1) + 1) == p)
            return true;
    for (size_t i = 0; i < nchunks; i++) {
        const chunk *k = &chunks[i];
        if (b < k->base + sizeof(block_header) || b >= k->base + k->carved)
            continue;
        /* Walk the chunk's blocks: p must start one. */
        for (size_t at = 0; at < k->carved;) {
            const block_header *h = (const block_header *)(const void *)(k->base + at);
            if ((const void *)(h + 1) == p)
                return h->magic == HEADER_LIVE;
            at += sizeof *h + class_size(h->size_class);
        }
    }
    return false;
}

bool cl_memory_owns(const void *p)
{
    pthread_mutex_lock(&lock);
    bool yes = p && owns_locked(p);
    pthread_mutex_unlock(&lock);
    return yes;
}

bool cl_memory_serves_sqlite(void)
{
    void *p = sqlite3_malloc(64);
    bool yes = p && cl_memory_owns(p);
    sqlite3_free(p);
    return yes;
}

void cl_memory_relock(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nchunks; i++)
        if (chunks[i].locked)
            lock_range(chunks[i].base, chunks[i].size);
    for (large_link *l = large_blocks; l; l = l->next)
        if (l->locked)
            lock_range(l, l->map_size);
    pthread_mutex_unlock(&lock);
}

cl_memory_stats cl_memory_stats_now(void)
{
    pthread_mutex_lock(&lock);
    cl_memory_stats s = stats;
    pthread_mutex_unlock(&lock);
    return s;
}

static NO_ASAN bool holds(const unsigned char *p, size_t size, const unsigned char *needle, size_t len)
{
    for (size_t i = 0; i + len <= size; i++) {
        size_t j = 0;
        while (j < len && p[i + j] == needle[j])
            j++;
        if (j == len)
            return true;
    }
    return false;
}

NO_ASAN bool cl_memory_find(const void *needle, size_t len, bool freed)
{
    if (len == 0)
        return false;
    bool found = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nchunks && !found; i++) {
        const chunk *k = &chunks[i];
        for (size_t at = 0; at < k->carved && !found;) {
            const block_header *h = (const block_header *)(const void *)(k->base + at);
            size_t size = class_size(h->size_class);
            if ((h->magic == HEADER_FREE) == freed)
                found = holds((const unsigned char *)(h + 1), size, needle, len);
            at += sizeof *h + size;
        }
    }
    for (large_link *l = large_blocks; l && !found && !freed; l = l->next) {
        const block_header *h = (const block_header *)(l + 1);
        found = holds((const unsigned char *)(h + 1), h->u.large_size, needle, len);
    }
    pthread_mutex_unlock(&lock);
    return found;
}
