/* Deterministic stand-in for libFuzzer: feeds a fuzz target every file of its seed corpus,
 * then mutations of those seeds (bit flips, byte changes, truncations, insertions and
 * splices) drawn from a fixed-seed generator, so that a failure repeats exactly.
 *
 * usage: fuzz_NAME CORPUS_DIR [ITERATIONS]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seed {
    uint8_t *data;
    size_t size;
} seed;

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: small, fast, fixed sequence for a fixed seed */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

static int load_corpus(const char *dir, seed **seeds, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz driver: cannot open corpus folder %s\n", dir);
        return -1;
    }
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        if (len < 0 || len > (1 << 24)) {
            fclose(f);
            continue;
        }
        uint8_t *buf = malloc((size_t)len + 1);
        if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            fclose(f);
            continue;
        }
        fclose(f);
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            seed *bigger = realloc(*seeds, cap * sizeof **seeds);
            if (!bigger) {
                free(buf);
                break;
            }
            *seeds = bigger;
        }
        (*seeds)[(*count)++] = (seed){buf, (size_t)len};
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
        return 2;
    }
    long iterations = argc > 2 ? strtol(argv[2], NULL, 10) : 3000;
    seed *seeds = NULL;
    size_t count = 0;
    if (load_corpus(argv[1], &seeds, &count) != 0)
        return 1;
    if (count == 0) {
        fprintf(stderr, "fuzz driver: corpus %s is empty\n", argv[1]);
        return 1;
    }
    for (size_t i = 0; i < count; i++)
        LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].size);
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);

    uint64_t state = 0x6b7470656cull; /* fixed */
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return 1;
    for (long it = 0; it < iterations; it++) {
        const seed *s = &seeds[next_random(&state) % count];
        size_t n = s->size < cap ? s->size : cap;
        memcpy(buf, s->data, n);
        int edits = 1 + (int)(next_random(&state) % 8);
        for (int k = 0; k < edits; k++) {
            uint64_t r = next_random(&state);
            size_t pos = n ? (size_t)(r >> 8) % n : 0;
            switch (r % 6) {
            case 0: /* flip a bit */
                if (n)
                    buf[pos] ^= (uint8_t)(1u << ((r >> 40) % 8));
                break;
            case 1: /* set an interesting byte */
                if (n) {
                    static const uint8_t interesting[] = {0,   1,   0x7f, 0x80, 0xff, '\n',
                                                          ':', ',', '-',  '9',  ' '};
                    buf[pos] = interesting[(r >> 40) % sizeof interesting];
                }
                break;
            case 2: /* truncate */
                n = pos;
                break;
            case 3: /* insert a random byte */
                if (n + 1 < cap) {
                    memmove(buf + pos + 1, buf + pos, n - pos);
                    buf[pos] = (uint8_t)(r >> 48);
                    n++;
                }
                break;
            case 4: /* delete a byte */
                if (n) {
                    memmove(buf + pos, buf + pos + 1, n - pos - 1);
                    n--;
                }
                break;
            case 5: { /* splice in a chunk of another seed */
                const seed *o = &seeds[(r >> 16) % count];
                if (o->size) {
                    size_t from = (size_t)(r >> 24) % o->size;
                    size_t len = (size_t)(r >> 44) % 64;
                    if (len > o->size - from)
                        len = o->size - from;
                    if (pos + len > cap)
                        len = cap - pos;
                    memcpy(buf + pos, o->data + from, len);
                    if (pos + len > n)
                        n = pos + len;
                }
                break;
            }
            }
        }
        /* Pass an exact-size copy so that reading past the end is caught by ASan. */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact)
            return 1;
        memcpy(exact, buf, n);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    free(buf);
    for (size_t i = 0; i < count; i++)
        free(seeds[i].data);
    free(seeds);
    printf("fuzz driver: %zu seeds, %ld mutations, no crash\n", count, iterations);
    return 0;
}
