#include "ktpel/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void ktpel_rng_seed(ktpel_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

void ktpel_rng_seed_path(ktpel_rng *rng, uint64_t seed, const uint64_t *path, int depth)
{
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    for (int i = 0; i < depth; i++) {
        uint64_t y = h ^ (path[i] + 0x632BE59BD9B4E019ull * (uint64_t)(i + 1));
        h = splitmix64(&y);
    }
    ktpel_rng_seed(rng, h);
}

uint64_t ktpel_rng_next(ktpel_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t ktpel_rng_below(ktpel_rng *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Reject the top partial block so that every residue is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do {
        r = ktpel_rng_next(rng);
    } while (r >= limit);
    return r % n;
}

int ktpel_rng_range(ktpel_rng *rng, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)ktpel_rng_below(rng, (uint64_t)((int64_t)hi - lo + 1));
}

double ktpel_rng_uniform(ktpel_rng *rng)
{
    return (double)(ktpel_rng_next(rng) >> 11) * 0x1.0p-53;
}

double ktpel_rng_normal(ktpel_rng *rng)
{
    double u1 = 1.0 - ktpel_rng_uniform(rng); /* (0, 1]: log stays finite */
    double u2 = ktpel_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
