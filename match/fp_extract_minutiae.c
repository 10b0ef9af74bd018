/* Minutiae detection and false-minutiae removal on the ridge graph of the skeleton.
 *
 * Line ends (degree 1) are ridge endings and three-way junctions are bifurcations: the
 * crossing-number rule, read off the graph. Before reading them, the graph is cleaned of the
 * shapes that noise makes, each judged against the local ridge period P (so the rules
 * hold at any ridge spacing):
 *   - fragments: a line with two ends shorter than FRAG_LEN P (dots, dust);
 *   - spurs: an end joined to a junction by less than SPUR_LEN P (hairs on a ridge);
 *   - holes: a loop shorter than LOOP_LEN P, or two junctions joined twice within
 *     HOLE_LEN P (pores, ridge splits around a speck);
 *   - bridges: two junctions joined across the ridge flow within BRIDGE_LEN P;
 *   - breaks: two ends facing each other within GAP_LEN P, in line with the flow, are
 *     joined (a cut or a dry patch splitting one ridge).
 * Then minutiae closer than BORDER_LEN P to the edge of the print or of the image are
 * dropped (ridges cut by the border end there), and so are endings that look out of the
 * print within BORDER_AHEAD P (a ridge cut by the border a little further in), and dense
 * clusters (CLUSTER_N or more others within CLUSTER_LEN P), which come from smudges rather
 * than from ridges.
 *
 * Direction (ISO 19794-2): an ending points from its tip back into its ridge, a
 * bifurcation between its two branches (the bisector of the two closest of its three
 * lines). The skeleton gives the sense; where the smoothed orientation field agrees within
 * SNAP_DEG degrees, its more precise axis is used. */
#include <math.h>
#include <stdlib.h>

#include "fp_extract_graph.h"

#define FRAG_LEN       1.6f
#define SPUR_LEN       1.0f
#define LOOP_LEN       3.2f
#define HOLE_LEN       2.5f
#define BRIDGE_LEN     1.4f
#define BRIDGE_MIN_DEG 35.0f
#define GAP_LEN        1.6f
#define GAP_MAX_DEG    40.0f
#define BORDER_LEN     1.2f
#define BORDER_AHEAD   2.0f
#define CLUSTER_LEN    1.2f
#define CLUSTER_N      4
#define DIR_LEN        1.1f
#define SNAP_DEG       30.0f
#define MAX_PASSES     8

static float deg2rad(float d)
{
    return d * (float)FPX_PI / 180.0f;
}

/* Angle between the line (dx, dy) and the ridge orientation at (x, y), 0..90 degrees. */
static float angle_to_flow(const fpx_ctx *c, float x, float y, float dx, float dy)
{
    float theta = fpx_orientation_at(c, x, y);
    float len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-6f)
        return 0;
    float cosang = fabsf(dx * cosf(theta) + dy * sinf(theta)) / len;
    return acosf(cosang > 1 ? 1 : cosang) * 180.0f / (float)FPX_PI;
}

static int parallel_edge(const fpg_graph *g, int e)
{
    const fpg_edge *ed = &g->edges[e];
    const fpg_node *na = &g->nodes[ed->a];
    for (int i = 0; i < na->deg; i++) {
        int f = na->edge[i];
        if (f != e && g->edges[f].alive && fpg_other(g, f, ed->a) == ed->b)
            return f;
    }
    return -1;
}

/* Decides whether edge e is a noise shape (see the file comment). */
static int is_noise_edge(const fpx_ctx *c, const fpg_graph *g, int e)
{
    const fpg_edge *ed = &g->edges[e];
    const fpg_node *na = &g->nodes[ed->a], *nb = &g->nodes[ed->b];
    float mx = 0.5f * (na->x + nb->x), my = 0.5f * (na->y + nb->y);
    float p = fpx_period_at(c, mx, my), len = ed->length;
    if (ed->a == ed->b)
        return len < LOOP_LEN * p;
    if (na->deg == 1 && nb->deg == 1)
        return len < FRAG_LEN * p;
    if ((na->deg == 1) != (nb->deg == 1))
        return len < SPUR_LEN * p;
    int f = parallel_edge(g, e);
    if (f >= 0 && len < HOLE_LEN * p && g->edges[f].length < HOLE_LEN * p)
        return len >= g->edges[f].length; /* remove the longer of the two */
    return len < BRIDGE_LEN * p &&
           angle_to_flow(c, mx, my, nb->x - na->x, nb->y - na->y) > BRIDGE_MIN_DEG;
}

static ktpel_err prune(const fpx_ctx *c, fpg_graph *g)
{
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        int changed = 0;
        for (int e = 0; e < g->nedges; e++) {
            if (!g->edges[e].alive || !is_noise_edge(c, g, e))
                continue;
            ktpel_err err = fpg_remove_edge(g, e);
            if (err)
                return err;
            changed = 1;
        }
        if (!changed)
            break;
    }
    return KTPEL_OK;
}

/* Unit vector from node n along its edge e, DIR_LEN periods out. */
static void edge_direction(const fpx_ctx *c, const fpg_graph *g, int n, int e, float *ux, float *uy)
{
    const fpg_node *nd = &g->nodes[n];
    fpg_point p = fpg_point_along(g, e, n, DIR_LEN * fpx_period_at(c, nd->x, nd->y));
    float dx = p.x - nd->x, dy = p.y - nd->y, len = sqrtf(dx * dx + dy * dy);
    *ux = len > 1e-6f ? dx / len : 1;
    *uy = len > 1e-6f ? dy / len : 0;
}

typedef struct gap_pair {
    int a, b;
    float dist;
} gap_pair;

static int cmp_gap(const void *x, const void *y)
{
    float a = ((const gap_pair *)x)->dist, b = ((const gap_pair *)y)->dist;
    return (a > b) - (a < b);
}

/* Two ends facing each other across a short gap in line with the flow. */
static int is_break(const fpx_ctx *c, const fpg_graph *g, int a, int b, float *dist)
{
    const fpg_node *na = &g->nodes[a], *nb = &g->nodes[b];
    float dx = nb->x - na->x, dy = nb->y - na->y, d = sqrtf(dx * dx + dy * dy);
    float p = fpx_period_at(c, 0.5f * (na->x + nb->x), 0.5f * (na->y + nb->y));
    if (d > GAP_LEN * p || d < 1e-6f)
        return 0;
    float ax, ay, bx, by, lim = -cosf(deg2rad(GAP_MAX_DEG));
    edge_direction(c, g, a, na->edge[0], &ax, &ay);
    edge_direction(c, g, b, nb->edge[0], &bx, &by);
    /* a's ridge runs away from b, b's away from a, and the ridges are antiparallel */
    if ((ax * dx + ay * dy) / d > lim || (bx * -dx + by * -dy) / d > lim)
        return 0;
    if (ax * bx + ay * by > lim)
        return 0;
    *dist = d;
    return 1;
}

static ktpel_err join_breaks(const fpx_ctx *c, fpg_graph *g)
{
    int *ends = malloc((size_t)g->nnodes * sizeof(int)), ne = 0;
    gap_pair *pairs = NULL;
    int np = 0, cap = 0;
    ktpel_err err = KTPEL_OK;
    if (!ends)
        return KTPEL_ENOMEM;
    for (int n = 0; n < g->nnodes; n++)
        if (g->nodes[n].alive && g->nodes[n].deg == 1)
            ends[ne++] = n;
    for (int i = 0; i < ne && !err; i++)
        for (int j = i + 1; j < ne; j++) {
            float d;
            if (!is_break(c, g, ends[i], ends[j], &d))
                continue;
            if (np == cap) {
                cap = cap ? cap * 2 : 32;
                gap_pair *q = realloc(pairs, (size_t)cap * sizeof *q);
                if (!q) {
                    err = KTPEL_ENOMEM;
                    break;
                }
                pairs = q;
            }
            pairs[np++] = (gap_pair){ends[i], ends[j], d};
        }
    if (!err && np) {
        qsort(pairs, (size_t)np, sizeof *pairs, cmp_gap);
        for (int i = 0; i < np && !err; i++) {
            const fpg_node *na = &g->nodes[pairs[i].a], *nb = &g->nodes[pairs[i].b];
            if (na->alive && nb->alive && na->deg == 1 && nb->deg == 1)
                err = fpg_connect(g, pairs[i].a, pairs[i].b);
        }
    }
    free(ends);
    free(pairs);
    return err;
}

/* Direction of the minutia at node n (image coordinates, radians), -1000 if none. */
static float node_direction(const fpx_ctx *c, const fpg_graph *g, int n)
{
    const fpg_node *nd = &g->nodes[n];
    float ux, uy;
    if (nd->deg == 1) {
        edge_direction(c, g, n, nd->edge[0], &ux, &uy);
    } else if (nd->deg == 3) {
        float vx[3], vy[3], best = -2;
        for (int i = 0; i < 3; i++)
            edge_direction(c, g, n, nd->edge[i], &vx[i], &vy[i]);
        ux = uy = 0;
        for (int i = 0; i < 3; i++) {
            int j = (i + 1) % 3;
            float dot = vx[i] * vx[j] + vy[i] * vy[j];
            if (dot > best) {
                best = dot;
                ux = vx[i] + vx[j];
                uy = vy[i] + vy[j];
            }
        }
        if (ux * ux + uy * uy < 1e-9f)
            return -1000;
    } else {
        return -1000;
    }
    float sk = atan2f(uy, ux);
    float theta = fpx_orientation_at(c, nd->x, nd->y);
    float tx = cosf(theta), ty = sinf(theta), len = sqrtf(ux * ux + uy * uy);
    float dot = (tx * ux + ty * uy) / len;
    if (dot < 0) {
        dot = -dot;
        theta += (float)FPX_PI;
    }
    return dot >= cosf(deg2rad(SNAP_DEG)) ? theta : sk;
}

/* A ridge ending whose open side looks out of the print within BORDER_AHEAD periods is
 * most likely a ridge cut by the edge of the print, not a minutia. */
static int faces_border(const fpx_ctx *c, float x, float y, float dir, float p)
{
    float d = BORDER_AHEAD * p;
    return !fpx_mask_at(c, (int)lrintf(x - d * cosf(dir)), (int)lrintf(y - d * sinf(dir)));
}

static ktpel_err collect(fpx_ctx *c, const fpg_graph *g)
{
    c->nmin = 0;
    c->min_cap = g->nnodes > 0 ? g->nnodes : 1;
    c->min = malloc((size_t)c->min_cap * sizeof *c->min);
    if (!c->min)
        return KTPEL_ENOMEM;
    for (int n = 0; n < g->nnodes; n++) {
        const fpg_node *nd = &g->nodes[n];
        if (!nd->alive || (nd->deg != 1 && nd->deg != 3))
            continue;
        float p = fpx_period_at(c, nd->x, nd->y);
        if (fpx_border_distance(c, nd->x, nd->y, BORDER_LEN * p) < BORDER_LEN * p)
            continue;
        float dir = node_direction(c, g, n);
        if (dir < -999 || (nd->deg == 1 && faces_border(c, nd->x, nd->y, dir, p)))
            continue;
        fpx_minutia *m = &c->min[c->nmin++];
        m->x = nd->x;
        m->y = nd->y;
        m->angle = -dir; /* y points down in the image: counter-clockwise on screen */
        m->type = nd->deg == 1 ? KTPEL_MINUTIA_ENDING : KTPEL_MINUTIA_BIFURCATION;
        m->quality = 0;
    }
    return KTPEL_OK;
}

static void remove_clusters(fpx_ctx *c)
{
    uint8_t *drop = calloc((size_t)c->nmin + 1, 1);
    if (!drop)
        return; /* keeping a cluster is harmless */
    for (int i = 0; i < c->nmin; i++) {
        float r = CLUSTER_LEN * fpx_period_at(c, c->min[i].x, c->min[i].y);
        int near = 0;
        for (int j = 0; j < c->nmin; j++) {
            float dx = c->min[j].x - c->min[i].x, dy = c->min[j].y - c->min[i].y;
            near += j != i && dx * dx + dy * dy < r * r;
        }
        drop[i] = near >= CLUSTER_N;
    }
    int k = 0;
    for (int i = 0; i < c->nmin; i++)
        if (!drop[i])
            c->min[k++] = c->min[i];
    c->nmin = k;
    free(drop);
}

ktpel_err fpx_minutiae(fpx_ctx *c, ktpel_errbuf *eb)
{
    fpg_graph g;
    ktpel_err err = fpg_build(&g, c->skel, c->w, c->h, eb);
    if (err)
        return err;
    err = prune(c, &g);
    if (!err)
        err = join_breaks(c, &g);
    if (!err)
        err = prune(c, &g);
    if (!err)
        err = collect(c, &g);
    if (!err)
        remove_clusters(c);
    fpg_free(&g);
    if (err)
        return ktpel_fail(eb, err, "fingerprint minutiae: no memory");
    return KTPEL_OK;
}
