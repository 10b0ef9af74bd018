/* Finger minutiae: the common currency of the fingerprint extractor, the ISO/IEC 19794-2
 * template code and the comparator. */
#ifndef KTPEL_MINUTIAE_H
#define KTPEL_MINUTIAE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ktpel_minutia_type {
    KTPEL_MINUTIA_OTHER = 0,
    KTPEL_MINUTIA_ENDING = 1,      /* ridge ending (ISO type 01) */
    KTPEL_MINUTIA_BIFURCATION = 2, /* ridge bifurcation (ISO type 10) */
} ktpel_minutia_type;

typedef struct ktpel_minutia {
    uint16_t x;       /* pixels from the left of the image */
    uint16_t y;       /* pixels from the top of the image */
    uint8_t angle;    /* ISO units: 360/256 degrees per step, counter-clockwise from the x axis */
    uint8_t type;     /* ktpel_minutia_type */
    uint8_t quality;  /* 0..100; 0 = not reported */
    uint8_t reserved; /* zero */
} ktpel_minutia;

/* Most minutiae a single finger view may hold in ktpel. */
#define KTPEL_MAX_MINUTIAE 255

#ifdef __cplusplus
}
#endif

#endif
