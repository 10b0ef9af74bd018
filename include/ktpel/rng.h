/* A small deterministic pseudo-random generator (xoshiro256**, seeded through splitmix64),
 * for synthesis and tests: the same seed gives the same sequence on every machine. The state
 * is a value owned by the caller: no global state, one generator per thread or per object.
 * Not for cryptography (use OpenSSL's RAND_bytes there). */
#ifndef KTPEL_RNG_H
#define KTPEL_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ktpel_rng {
    uint64_t s[4];
} ktpel_rng;

/* Seeds a generator. Different seeds give unrelated sequences. */
void ktpel_rng_seed(ktpel_rng *rng, uint64_t seed);
/* A generator for a sub-stream, e.g. resident 17's finger 3: derived from a seed and a path
 * of indices, so that each part of a population can be generated alone, in any order or in
 * parallel, and still give the same bytes. */
void ktpel_rng_seed_path(ktpel_rng *rng, uint64_t seed, const uint64_t *path, int depth);

uint64_t ktpel_rng_next(ktpel_rng *rng);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t ktpel_rng_below(ktpel_rng *rng, uint64_t n);
/* Uniform integer in [lo, hi]. */
int ktpel_rng_range(ktpel_rng *rng, int lo, int hi);
/* Uniform double in [0, 1). */
double ktpel_rng_uniform(ktpel_rng *rng);
/* Normal with mean 0 and standard deviation 1 (Box-Muller; no cached second value, so the
 * state stays a plain value). */
double ktpel_rng_normal(ktpel_rng *rng);

#ifdef __cplusplus
}
#endif

#endif
