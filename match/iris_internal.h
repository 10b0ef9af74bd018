/* Internal interface of the iris engine (match/iris_*.c): float images and the steps of the
 * extractor, each in its own file. */
#ifndef KTPEL_IRIS_INTERNAL_H
#define KTPEL_IRIS_INTERNAL_H

#include "ktpel/iris.h"

/* A grey float image, rows packed. */
typedef struct iris_fimage {
    int w, h;
    float *p;
} iris_fimage;

/* The rubber sheet covers r = IRIS_R0..IRIS_R1 of the way from the pupil boundary (0) to the
 * limbus (1): the outermost part is left out because the limbus is a soft edge whose
 * estimate is least exact, and its texture the weakest. */
#define IRIS_R0 0.0
#define IRIS_R1 0.9

#define IRIS_PI 3.14159265358979323846

ktpel_err iris_fimage_alloc(iris_fimage *f, int w, int h, ktpel_errbuf *eb);
void iris_fimage_free(iris_fimage *f);
/* Grey float copy of an 8-bit grey or RGB image. */
ktpel_err iris_fimage_from_image(const ktpel_image *img, iris_fimage *out, ktpel_errbuf *eb);
/* Gaussian blur (sigma > 0) of src into dst (a new image), borders replicated. */
ktpel_err iris_fimage_blur(const iris_fimage *src, double sigma, iris_fimage *dst,
                           ktpel_errbuf *eb);
/* Bilinear sample; points outside give -1. */
float iris_sample(const iris_fimage *f, double x, double y);

/* Finds pupil, limbus and eyelids in a grey image (coordinates of that image). */
ktpel_err iris_segment(const iris_fimage *img, ktpel_iris_segmentation *seg, ktpel_errbuf *eb);

/* Boundary points at angle theta (radians, counter-clockwise as seen, 0 = right) from the
 * pupil centre: on the pupil circle and on the limbus circle along the same ray. */
void iris_boundary_points(const ktpel_iris_segmentation *seg, double theta, double *px, double *py,
                          double *lx, double *ly);
/* Image position of rubber-sheet row i, column j. */
void iris_polar_point(const ktpel_iris_segmentation *seg, int i, int j, double *x, double *y);
/* 1 if (x, y) is under one of the found eyelids. */
int iris_under_eyelid(const ktpel_iris_segmentation *seg, double x, double y);

/* Fills f->polar and f->polar_noise from the image and f->seg. */
void iris_normalise(const iris_fimage *img, ktpel_iris_features *f);
/* Fills f->code and the texture part of f->quality from the rubber sheet. */
void iris_encode(ktpel_iris_features *f);

#endif
