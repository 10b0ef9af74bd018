/* The ridge graph of a skeleton: nodes are line ends (degree 1) and junctions (degree 3 or
 * more), edges are the skeleton lines between them with their pixel paths. False minutiae
 * removal works on this graph (fp_extract_minutiae.c), because spurs, bridges, holes and
 * broken ridges are shapes of the graph: short edges between certain kinds of nodes. */
#ifndef KTPEL_FP_EXTRACT_GRAPH_H
#define KTPEL_FP_EXTRACT_GRAPH_H

#include <stdint.h>

#include "fp_extract_internal.h"

#define FPG_MAX_DEGREE 8

typedef struct fpg_point {
    int16_t x, y;
} fpg_point;

typedef struct fpg_node {
    float x, y;
    int alive;
    int deg;
    int edge[FPG_MAX_DEGREE];
} fpg_node;

typedef struct fpg_edge {
    int a, b;         /* end nodes; the path runs from a to b */
    int first, count; /* points[first .. first + count - 1] */
    float length;     /* along the path, pixels */
    int alive;
} fpg_edge;

typedef struct fpg_graph {
    fpg_node *nodes;
    int nnodes, node_cap;
    fpg_edge *edges;
    int nedges, edge_cap;
    fpg_point *points;
    int npoints, point_cap;
} fpg_graph;

/* Builds the graph of a skeleton (w x h, 1 = line, clear one-pixel frame). */
ktpel_err fpg_build(fpg_graph *g, const uint8_t *skel, int w, int h, ktpel_errbuf *eb);
void fpg_free(fpg_graph *g);

/* Removes an edge (and nodes left with degree 0). Nodes left with degree 2 are dissolved
 * by joining their two edges into one; returns KTPEL_ENOMEM if that fails. */
ktpel_err fpg_remove_edge(fpg_graph *g, int e);
/* Adds a straight edge between nodes a and b (joining a broken ridge), then dissolves
 * nodes left with degree 2. */
ktpel_err fpg_connect(fpg_graph *g, int a, int b);
/* The other end of edge e, seen from node n. */
int fpg_other(const fpg_graph *g, int e, int n);
/* The path point at about `dist` pixels from node n along edge e (the far end if the edge
 * is shorter). */
fpg_point fpg_point_along(const fpg_graph *g, int e, int n, float dist);

#endif
