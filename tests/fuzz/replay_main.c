/* Replays a fuzz target's corpus without libFuzzer, so `make check` runs
 * every fuzz target over its seeds under the sanitizers. Usage:
 * replay FILE... (each file is one input). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 4096;
                uint8_t *grown = realloc(buf, cap);
                if (!grown) {
                    free(buf);
                    fclose(f);
                    return 1;
                }
                buf = grown;
            }
            size_t n = fread(buf + len, 1, cap - len, f);
            if (n == 0)
                break;
            len += n;
        }
        fclose(f);
        /* Exactly len bytes, as libFuzzer gives them, so that ASan sees a
         * read past the input's end. */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
            free(buf);
            return 1;
        }
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    printf("fuzz replay: %d inputs\n", argc - 1);
    return 0;
}
