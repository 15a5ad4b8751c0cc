/* Released schema entries are frozen (schema.c): an old vault's upgrade
 * must run what it ran when the entry was written, even where an entry is
 * built from a macro of another module (13 and 20 re-index with
 * search.h's CL_SEARCH_REINDEX_SQL). Each entry's text is pinned by its
 * BLAKE2b here; a new entry is pinned by adding the line this test prints
 * for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "carelog/storage.h"

static const char *const frozen[] = {
    "f1f452c71ba7343a9c8c37c12fa06b06ffde60aca99108e03ef6441d3c2a858a", /* 1 */
    "460d69e502257cbe27805defc9bfd21b69986ec94b8daf6c242fb79d86d35088", /* 2 */
    "047890c689db49f22aca454bf354582a2e1a4181bf99679d68db1d02f5851f65", /* 3 */
    "672f6dc9b9bcff8a4293f6bd2bf280f66d18591cf17db75b4d28827278119338", /* 4 */
    "406da9e5948444d0ba70bfe06de6432fb1b43e906f515b3a7f85c3c7f155a445", /* 5 */
    "1d2ecd37aa9a796f6cd3ada39e6f0d53c4cab33c13beacec28a0498ed16275e2", /* 6 */
    "117218299ae3b6b6eac841ee8d388b014aabb1fb6d73125a0c6e0f32fd6cfadb", /* 7 */
    "efa05610138fb0d4f62040c469b3cb0b7a5f2bfd0517c260f333493e5ea59b2a", /* 8 */
    "2eb6fd9a2ad1beec7cb3b3e7c2e5d8f2fd894a459f3c5f8dcadf4d5016835af3", /* 9 */
    "9a0d4e4da8301747d4a49a2d2679cab5753f64ebaba4b8a7b6e4fc62ec84a1a6", /* 10 */
    "ff5e37d5153cf967ae34b8490aead4e5ee364c3d3305af551073e7ff3d3eb3ee", /* 11 */
    "13c3fa62b400c9e8afa4f6bf6cbfcad5def828b97920d6f05240460269a9a994", /* 12 */
    "7926a98a9940b6bedcba44b85614fdfedcd566ca87abdc0079ee6fc19c4f57f9", /* 13 */
    "ebfb1d1582cf4332c2a927b95f51ad5b3659a011004fd4a00f52d6f66f345804", /* 14 */
    "a65fc656d3eb805aa537c6ce0b93caa78d564a186eaa287add9761fd037e8edc", /* 15 */
    "c3d0e734b0aacc6dfd53bf38ebf7793b0d4906cbccad3e0eb740a2b96daeedb8", /* 16 */
    "7664b11e527419a2368a961ab77d9e8a830e0ab953d9f253d7e9c6199fb8d557", /* 17 */
    "303a5640022d1429e5c6dccd5e281d668169790011815dfa5ff4cb02d8380bd6", /* 18 */
    "d382d003a036a43248bebe375c276f4cb98bd5558bc4a0b70fbdad95676e4148", /* 19 */
    "28a492a7c0b7d2715db83b77a3246ada3b3640348ef2a7fbaacfc2a234cbb12a", /* 20 */
    "ba6600e3ae36379b5cf05ec5eb5ced94920f943132dd6c58474704b60b69eb8b", /* 21 */
    "838f929ceff4fc20263f88eb7f0ab3f1bb043b6daff522a43a370a818e99c8b2", /* 22: the attention lists' covering indexes */
    "8c531eb4ea5ee05a5f9bd99a9f4ba60ad7639e2f989375bf19cddec88f8e85ba", /* 23: late referrals' rows kept whole in referral_waits */
    "5152ee38db4e4a5bc3d1ce83d48681183afcbbce0af368913aae3574af449685", /* 24: the students' directory index, the crisis index covering */
};

static void entry_hash(const char *sql, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)sql, strlen(sql), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static void test_released_entries_unchanged(void **state)
{
    (void)state;
    size_t pinned = sizeof frozen / sizeof *frozen, n = 0;
    while (cl_schema_migrations[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        entry_hash(cl_schema_migrations[i], hex);
        if (i >= pinned)
            fail_msg("schema entry %zu is new: pin it by adding \"%s\", to frozen[] in %s", i + 1, hex, __FILE__);
        else if (strcmp(hex, frozen[i]) != 0)
            fail_msg("schema entry %zu (version %zu -> %zu) changed after release; append a new entry instead "
                     "(its text now hashes to %s)", i + 1, i, i + 1, hex);
    }
    assert_true(n >= pinned);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_released_entries_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
