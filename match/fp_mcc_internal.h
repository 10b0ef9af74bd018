/* Internal layout of compact fingerprint templates and comparison workspaces (match/ only). */
#ifndef KTPEL_FP_MCC_INTERNAL_H
#define KTPEL_FP_MCC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/minutiae.h"

/* Resolution of the normalised space. */
#define MCC_DPI 500.0
/* Cylinder: NS x NS spatial cells (NS * NS = 256 bits = 4 words per plane), ND planes. */
#ifndef MCC_NS
#define MCC_NS          16
#define MCC_PLANE_WORDS 4
#endif
#ifndef MCC_ND
#define MCC_ND 6
#endif
#define MCC_WORDS (MCC_ND * MCC_PLANE_WORDS)
/* Pair distances are stored in 1/MCC_DIST_SCALE pixel units. */
#define MCC_DIST_SCALE 4.0f
/* Distance differences beyond this many units have no compatibility left. */
#define MCC_REL_DIST_STEPS 128

/* 256 bytes, aligned so that wide loads never straddle cache lines. */
typedef struct mcc_cylinder {
    _Alignas(64) uint64_t bits[MCC_WORDS];
    uint64_t mask[MCC_PLANE_WORDS]; /* valid cells, the same for every plane */
    uint64_t pad[MCC_PLANE_WORDS];
} mcc_cylinder;

/* Most pairs that the relaxation step consolidates (see fp_mcc.c); a multiple of 4. */
#define LSS_MAX_NR 20

struct ktpel_fp_compact {
    size_t bytes;         /* whole allocation */
    int count;            /* minutiae given */
    int n;                /* minutiae with a valid cylinder: the ones kept */
    int min_common_cells; /* cells valid in both cylinders needed to compare them */
    mcc_cylinder *cyl;    /* n */
    float *x, *y;         /* n, 500 dpi, y up */
    uint8_t *angle;       /* n, ISO units counter-clockwise */
    uint16_t *ones;       /* n, bits set in each cylinder (array padded to 64 bytes) */
};

/* Sets the array pointers of c (if not NULL) for n descriptors laid out after the header,
 * each array 64-byte aligned; returns the whole size in bytes. */
size_t mcc_compact_layout(struct ktpel_fp_compact *c, int n);

typedef struct mcc_candidate {
    float sim;
    uint8_t i, j;
} mcc_candidate;

typedef void (*mcc_local_fn)(const struct ktpel_fp_compact *a, const struct ktpel_fp_compact *b,
                             const float *sqrt_tab, uint32_t *keys, uint32_t *row_best);

struct ktpel_fp_workspace;
typedef void (*mcc_compat_fn)(const struct ktpel_fp_compact *a, const struct ktpel_fp_compact *b,
                              struct ktpel_fp_workspace *ws, int nr);

struct ktpel_fp_workspace {
    mcc_local_fn local;   /* local similarity loop for this CPU */
    mcc_compat_fn compat; /* pair compatibility for this CPU; NULL: the portable one */
    int (*select)(struct ktpel_fp_workspace *ws, int na, int nb, int n); /* NULL: portable */
    uint32_t keys[KTPEL_MAX_MINUTIAE * KTPEL_MAX_MINUTIAE]; /* a->n x b->n packed pairs */
    uint32_t row_best[KTPEL_MAX_MINUTIAE];                  /* largest key of each row */
    float sqrt_tab[MCC_WORDS * 64 + 1];
    mcc_candidate sel[LSS_MAX_NR];
    uint64_t rows_of[KTPEL_MAX_MINUTIAE][4]; /* pair selection: rows by their best column */
    /* Relaxation: rows padded to a multiple of 4 (LSS_MAX_NR is one); rho is transposed. */
    float rho[LSS_MAX_NR * LSS_MAX_NR];
    float dist_a[LSS_MAX_NR * LSS_MAX_NR], dist_b[LSS_MAX_NR * LSS_MAX_NR];
    int32_t dir_a[LSS_MAX_NR * LSS_MAX_NR], dir_b[LSS_MAX_NR * LSS_MAX_NR];
    float lambda[LSS_MAX_NR];
    float rho_dist[MCC_REL_DIST_STEPS];
    float rho_dir[129], rho_rad[129];
    uint8_t np_for_n[KTPEL_MAX_MINUTIAE + 1];
};

#endif
