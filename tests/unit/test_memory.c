/* SQLite's allocator (memory.h): it is the one SQLite uses; a freed block
 * keeps nothing of what it held, also across realloc and for blocks too big
 * for a size class; what an encrypted vault decrypted is gone from memory
 * once the connection closes; the arenas are locked in RAM, and locked
 * again after SQLCipher unlocks a buffer's pages, and resident only as
 * far as they are used; a refused lock still gives wiped memory. Under
 * AddressSanitizer a freed block is poisoned. Then the rest of the heap:
 * whatever frees a malloc'ed text wipes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utf8proc.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UNDER_ASAN 1
#endif

#include "carelog/memory.h"
#include "carelog/secret.h"
#include "carelog/storage.h"

#include "unit_support.h"

/* Built at run time so that the bytes are nowhere in the program image. */
static void secret_text(char *out, size_t size, const char *tag)
{
    snprintf(out, size, "%s-%08x-SECRET-%s", tag, (unsigned)getpid(), "留守儿童自伤");
}

static void test_installed(void **state)
{
    (void)state;
    assert_true(cl_memory_serves_sqlite());
    void *p = sqlite3_malloc(100);
    assert_non_null(p);
    assert_true(cl_memory_owns(p));
    int stack_value = 0;
    assert_false(cl_memory_owns(&stack_value));
    sqlite3_free(p);
    /* Freed, it is no longer a live block. */
    assert_false(cl_memory_owns(p));
}

static void test_freed_block_is_wiped(void **state)
{
    (void)state;
    char secret[96];
    secret_text(secret, sizeof secret, "free");
    size_t n = strlen(secret);
    char *p = sqlite3_malloc((int)n + 1);
    assert_non_null(p);
    memcpy(p, secret, n + 1);
    /* The search sees it while it is live: a miss later means something. */
    assert_true(cl_memory_find(secret, n, false));
    assert_false(cl_memory_find(secret, n, true));
    sqlite3_free(p);
    assert_false(cl_memory_find(secret, n, true));
    assert_false(cl_memory_find(secret, n, false));
#ifdef UNDER_ASAN
    assert_true(__asan_address_is_poisoned(p));
#endif
    /* The next block of that size is the same one, and holds zeros: the
     * wipe happened at the free, not at reuse. */
    char *q = sqlite3_malloc((int)n + 1);
    assert_ptr_equal(q, p);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(q[i], 0);
    sqlite3_free(q);
}

static void test_realloc_moves_and_wipes(void **state)
{
    (void)state;
    char secret[96];
    secret_text(secret, sizeof secret, "realloc");
    size_t n = strlen(secret);
    char *p = sqlite3_malloc(64);
    memcpy(p, secret, n + 1);
    char *q = sqlite3_realloc(p, 5000);
    assert_non_null(q);
    assert_ptr_not_equal(q, p);
    assert_string_equal(q, secret);
    assert_true(sqlite3_msize(q) >= 5000);
    /* One live copy, none left behind in the old block. */
    assert_true(cl_memory_find(secret, n, false));
    assert_false(cl_memory_find(secret, n, true));
    /* Within its size class a block grows in place. */
    assert_ptr_equal(sqlite3_realloc(q, (int)sqlite3_msize(q)), q);
    sqlite3_free(q);
    assert_false(cl_memory_find(secret, n, false));
}

static void test_sizes_and_alignment(void **state)
{
    (void)state;
    static const int sizes[] = {1, 8, 16, 17, 100, 128, 129, 200, 1000, 4096, 4200, 65536, 262144, 262145, 3000000};
    cl_memory_stats before = cl_memory_stats_now();
    void *p[sizeof sizes / sizeof *sizes];
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        p[i] = sqlite3_malloc(sizes[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        assert_true(sqlite3_msize(p[i]) >= (sqlite3_uint64)sizes[i]);
        /* No more than a quarter wasted by the size classes. */
        assert_true(sqlite3_msize(p[i]) <= (sqlite3_uint64)(sizes[i] < 16 ? 16 : sizes[i] + sizes[i] / 4 + 16));
        memset(p[i], 0xa5, (size_t)sizes[i]);
        assert_true(cl_memory_owns(p[i]));
    }
    assert_true(cl_memory_stats_now().large_in_use >= 262145 + 3000000);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        sqlite3_free(p[i]);
    cl_memory_stats after = cl_memory_stats_now();
    assert_int_equal(after.large_in_use, before.large_in_use);
    assert_int_equal(after.in_use, before.in_use);
}

/* What a vault's pages held in plaintext: present while the connection
 * reads them, gone from every block once it closes. */
static void test_vault_plaintext_gone_after_close(void **state)
{
    (void)state;
    char dir[] = "/tmp/carelog-memory.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], secret[96];
    snprintf(path, sizeof path, "%s/vault.db", dir);
    secret_text(secret, sizeof secret, "vault");
    cl_secret *key;
    OK(cl_secret_random(32, &key));
    sqlite3 *db;
    OK(cl_db_open(path, key, true, &db));
    OK(cl_db_exec(db, "CREATE TABLE notes(body TEXT)"));
    sqlite3_stmt *q;
    OK(cl_db_prepare(db, "INSERT INTO notes(body) VALUES (?)", &q));
    sqlite3_bind_text(q, 1, secret, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    cl_db_close(db);
    size_t n = strlen(secret);
    /* The stack copy is outside the arenas: the search sees only SQLite's. */
    assert_false(cl_memory_find(secret, n, false));

    OK(cl_db_open(path, key, false, &db));
    OK(cl_db_prepare(db, "SELECT body FROM notes", &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_true(cl_memory_find(secret, n, false));
    sqlite3_finalize(q);
    cl_db_close(db);
    assert_false(cl_memory_find(secret, n, false));
    assert_false(cl_memory_find(secret, n, true));
    cl_secret_free(key);
    remove_tree(dir);
}

static long locked_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* Whether this process may lock less than bytes (not root, a lower
 * RLIMIT_MEMLOCK): the allocator then runs unlocked, as it should. */
static bool lock_limit_below(size_t bytes)
{
    struct rlimit lim;
    assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &lim), 0);
    return geteuid() != 0 && lim.rlim_cur < bytes;
}

/* AddressSanitizer intercepts mlock and munlock as no-ops that succeed:
 * the locking tests mean something only in the plain build. */
static void test_arena_locked_and_relocked(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();
#endif
    void *p = sqlite3_malloc(4096);
    cl_memory_stats s = cl_memory_stats_now();
    if (lock_limit_below(4u << 20))
        skip(); /* this system's limit may refuse even the first arena */
    assert_true(s.locked >= 1u << 20);
    long before = locked_kib();
    assert_true(before >= 1024);
    /* What sqlcipher_free does to the pages of a buffer it frees. */
    long page = sysconf(_SC_PAGESIZE);
    void *start = (void *)((uintptr_t)p / (uintptr_t)page * (uintptr_t)page);
    assert_int_equal(munlock(start, 2 * (size_t)page), 0);
    assert_true(locked_kib() < before);
    cl_memory_relock();
    assert_int_equal(locked_kib(), before);
    sqlite3_free(p);
}

/* Whether the mapping that holds p is locked (VmFlags "lo" in smaps). */
static bool mapping_locked(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    bool inside = false, locked = false;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
            inside = (uintptr_t)p >= start && (uintptr_t)p < end;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0)
            locked = strstr(line, " lo") != NULL;
    }
    if (f)
        fclose(f);
    return locked;
}

static size_t resident_pages(void *base, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (size + page - 1) / page, n = 0;
    unsigned char *vec = malloc(pages);
    assert_non_null(vec);
    assert_int_equal(mincore(base, size, vec), 0);
    for (size_t i = 0; i < pages; i++)
        n += vec[i] & 1;
    free(vec);
    return n;
}

/* A new arena (as big as all before it) costs resident memory only as far
 * as it is used, and what is used is locked: a query's RSS follows what
 * SQLite holds, not the arenas mapped ahead of it. */
static void test_arena_resident_as_used(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();
#endif
    if (lock_limit_below(64u << 20))
        skip();
    enum { BLOCK = 200 << 10, MAX_BLOCKS = 256 };
    void *blocks[MAX_BLOCKS], *first = NULL;
    int n = 0;
    size_t before = cl_memory_stats_now().mapped, grown = 0;
    while (!first && n < MAX_BLOCKS) {
        blocks[n++] = sqlite3_malloc(BLOCK);
        assert_non_null(blocks[n - 1]);
        grown = cl_memory_stats_now().mapped - before;
        if (grown > 0)
            first = blocks[n - 1]; /* the first block of the new arena */
    }
    assert_non_null(first);
    assert_true(grown >= 1u << 20);
    unsigned char *base = (unsigned char *)first - 16; /* its header */
    size_t page = (size_t)sysconf(_SC_PAGESIZE), untouched = resident_pages(base, grown);
    assert_true(untouched <= 2); /* the header's page; not the arena's */
    memset(first, 0x5a, BLOCK);
    assert_true(resident_pages(base, grown) >= BLOCK / page);
    assert_true(resident_pages(base, grown) < grown / page);
    assert_true(mapping_locked(first));
    for (int i = 0; i < n; i++)
        sqlite3_free(blocks[i]);
}

/* A child that may lock nothing still gets memory, wiped. */
static void test_refused_lock_still_wipes(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();
#endif
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit none = {0, 0};
        if (setrlimit(RLIMIT_MEMLOCK, &none) != 0)
            _exit(10);
        /* root may lock past any limit: become nobody. */
        if (geteuid() == 0 && setuid(65534) != 0)
            _exit(11);
        cl_memory_stats before = cl_memory_stats_now();
        char secret[96];
        secret_text(secret, sizeof secret, "unlocked");
        size_t n = strlen(secret);
        char *big = sqlite3_malloc(1 << 20); /* a mapping of its own */
        if (!big)
            _exit(12);
        if (cl_memory_stats_now().lock_refusals <= before.lock_refusals)
            _exit(13);
        memcpy(big, secret, n);
        char *small = sqlite3_malloc(200);
        memcpy(small, secret, n);
        sqlite3_free(small);
        if (cl_memory_find(secret, n, true))
            _exit(14);
        sqlite3_free(big);
        _exit(cl_memory_find(secret, n, false) ? 15 : 0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Everything freed in the process is wiped (memory.h): a record's text
 * through each way a plain malloc'ed buffer is made, grown and freed —
 * by carelog's code, by the C library for itself, by Jansson, by
 * utf8proc — is nowhere in glibc's heap afterwards. Returns whether it
 * is (the test expects not; the control below expects it with the wipe
 * off, so the scan is known to see what a plain free leaves). */
static bool text_left_in_heap(void)
{
    char secret[96];
    secret_text(secret, sizeof secret, "heap");
    size_t n = strlen(secret);

    char *copy = strdup(secret);
    free(copy);

    char *moved = malloc(n + 1);
    memcpy(moved, secret, n + 1);
    moved = realloc(moved, 100000); /* too big for its chunk: it moves */
    free(moved);

    char *formatted = NULL;
    if (asprintf(&formatted, "%s %2000s", secret, "") < 0) /* vasprintf grows its buffer */
        return true;
    free(formatted);

    /* getline grows its buffer past the line's first 120 bytes. */
    char line[3000];
    memset(line, 'x', sizeof line);
    memcpy(line, secret, n);
    line[sizeof line - 2] = '\n';
    FILE *in = fmemopen(line, sizeof line - 1, "r");
    char *got = NULL;
    size_t cap = 0;
    if (!in || getline(&got, &cap, in) < 0)
        return true;
    fclose(in);
    free(got);
    sodium_memzero(line, sizeof line);

    /* stdio's own buffer, freed by fclose. */
    FILE *out = fopen("/dev/null", "w");
    if (!out)
        return true;
    fputs(secret, out);
    fclose(out);

    json_t *value = json_string(secret);
    json_decref(value);
    json_t *doc = json_pack("{s:s}", "notes", secret);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(text);

    /* utf8proc folds into a buffer it reallocs smaller. */
    utf8proc_uint8_t *folded = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)secret, (utf8proc_ssize_t)n, &folded, UTF8PROC_COMPOSE) < 0)
        return true;
    free(folded);

    sodium_memzero(secret, sizeof secret);
    secret_text(secret, sizeof secret, "heap");
    bool left = in_malloc_heap(secret, n);
    sodium_memzero(secret, sizeof secret);
    return left;
}

static void test_freed_anywhere_is_wiped(void **state)
{
    (void)state;
    skip_without_malloc_heap();
    /* The free every library calls is this program's own. */
    void *found = dlsym(RTLD_DEFAULT, "free");
    void (*process_free)(void *);
    assert_true(found && sizeof found == sizeof process_free);
    memcpy(&process_free, &found, sizeof process_free); /* ISO C has no cast for it */
    assert_true(process_free == free);
    assert_false(text_left_in_heap());
}

/* The process's realloc keeps glibc's contract, which every library
 * relies on: the bytes kept whether it grows, shrinks a little (in place)
 * or a lot (moved); size 0 frees; a request it cannot serve gives NULL
 * and leaves the block as it was. */
static void test_realloc_contract(void **state)
{
    (void)state;
    skip_without_malloc_heap();
    char *p = malloc(1000);
    for (int i = 0; i < 1000; i++)
        p[i] = (char)i;
    char *q = realloc(p, 900);
    assert_ptr_equal(q, p); /* in place: most of the block still used */
    q = realloc(q, 100);     /* a tenth of it: moved to a block its size */
    for (int i = 0; i < 100; i++)
        assert_int_equal(q[i], (char)i);
    q = realloc(q, 1 << 20);
    for (int i = 0; i < 100; i++)
        assert_int_equal(q[i], (char)i);
    /* Through a pointer, so the compiler does not see the refusal coming. */
    void *(*volatile grow)(void *, size_t) = realloc;
    char *refused = grow(q, SIZE_MAX - 4096);
    assert_null(refused);
    assert_int_equal(q[99], (char)99);
    assert_null(realloc(q, 0));
    char *fresh = realloc(NULL, 10);
    assert_non_null(fresh);
    free(fresh);
    free(NULL);
}

/* The same, in this program again with memory security off (the
 * benchmarks' baseline): there the text is found, so the scan can fail. */
static void test_unwiped_text_is_found(void **state)
{
    (void)state;
    skip_without_malloc_heap();
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(len > 0);
    self[len] = '\0';
    assert_int_equal(run_shell("CARELOG_TEST_SYSTEM_MALLOC=1 '%s' text-left-in-heap", self), 0);
}

/* A child that leaves no core file and says nothing (glibc's message of
 * a stopped program goes to stderr); 0 in the child, as fork. */
static pid_t quiet_child(void)
{
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        FILE *quiet = freopen("/dev/null", "w", stderr);
        (void)quiet;
    }
    return child;
}

/* A double free still stops the program, as glibc's own free stops it,
 * instead of the block being handed out twice to two owners (the wipe
 * must not erase the mark glibc checks). In a child, without a core file;
 * under AddressSanitizer its report stops the child. */
static void test_double_free_still_caught(void **state)
{
    (void)state;
    pid_t child = quiet_child();
    if (child == 0) {
        void (*volatile release)(void *) = free;
        char *p = malloc(40);
        release(p);
        release(p);
        char *a = malloc(40), *b = malloc(40);
        _exit(a == b ? 3 : 0);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
#ifdef UNDER_ASAN
    assert_false(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3));
#else
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
#endif
}

/* A pointer malloc never gave (here into a block's middle) still stops
 * the program at its free, as glibc's free stops it, and nothing is
 * wiped first: the size the wipe would read in front of it is whatever
 * lies there (here 32 KiB). The child's handler of the abort looks. */
static unsigned char *volatile bystander;
static void on_abort(int sig)
{
    (void)sig;
    for (size_t i = 24; i < 4096; i++)
        if (bystander[i] != 0xa5)
            _exit(4);
    _exit(5);
}

static void test_foreign_pointer_still_caught(void **state)
{
    (void)state;
    pid_t child = quiet_child();
    if (child == 0) {
        signal(SIGABRT, on_abort);
        bystander = malloc(65536);
        memset(bystander, 0xa5, 65536);
        size_t fake_size = (32u << 10) | 1; /* a chunk of 32 KiB, the one before in use */
        memcpy(bystander + 16, &fake_size, sizeof fake_size); /* the size word in front of bystander + 24 */
        void (*volatile release)(void *) = free;
        release(bystander + 24);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
#ifdef UNDER_ASAN
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#else
    assert_int_equal(status, 5 << 8); /* exited 5: stopped, and nothing zeroed */
#endif
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    if (argc == 2 && strcmp(argv[1], "text-left-in-heap") == 0)
        return text_left_in_heap() ? 0 : 1;
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_installed),
        cmocka_unit_test(test_freed_block_is_wiped),
        cmocka_unit_test(test_realloc_moves_and_wipes),
        cmocka_unit_test(test_sizes_and_alignment),
        cmocka_unit_test(test_vault_plaintext_gone_after_close),
        cmocka_unit_test(test_arena_locked_and_relocked),
        cmocka_unit_test(test_arena_resident_as_used),
        cmocka_unit_test(test_refused_lock_still_wipes),
        cmocka_unit_test(test_freed_anywhere_is_wiped),
        cmocka_unit_test(test_realloc_contract),
        cmocka_unit_test(test_double_free_still_caught),
        cmocka_unit_test(test_foreign_pointer_still_caught),
        cmocka_unit_test(test_unwiped_text_is_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
