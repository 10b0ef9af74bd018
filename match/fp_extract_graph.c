/* Ridge graph of a skeleton: building it, and the two edits that false-minutiae removal
 * needs (removing an edge, joining two line ends). See fp_extract_graph.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp_extract_graph.h"

static const int DX[8] = {0, 1, 1, 1, 0, -1, -1, -1};
static const int DY[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

void fpg_free(fpg_graph *g)
{
    free(g->nodes);
    free(g->edges);
    free(g->points);
    memset(g, 0, sizeof *g);
}

static int grow(void **buf, int *cap, int need, size_t item)
{
    if (need <= *cap)
        return 1;
    int nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*buf, (size_t)nc * item);
    if (!p)
        return 0;
    *buf = p;
    *cap = nc;
    return 1;
}

static int add_node(fpg_graph *g, float x, float y)
{
    if (!grow((void **)&g->nodes, &g->node_cap, g->nnodes + 1, sizeof *g->nodes))
        return -1;
    fpg_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->x = x;
    n->y = y;
    n->alive = 1;
    return g->nnodes++;
}

static int push_point(fpg_graph *g, int x, int y)
{
    if (!grow((void **)&g->points, &g->point_cap, g->npoints + 1, sizeof *g->points))
        return 0;
    g->points[g->npoints].x = (int16_t)x;
    g->points[g->npoints].y = (int16_t)y;
    g->npoints++;
    return 1;
}

static float path_length(const fpg_graph *g, int first, int count)
{
    float len = 0;
    for (int i = first + 1; i < first + count; i++) {
        int dx = g->points[i].x - g->points[i - 1].x, dy = g->points[i].y - g->points[i - 1].y;
        len += sqrtf((float)(dx * dx + dy * dy));
    }
    return len;
}

/* Adds an edge a -> b over points[first, first + count); -1 if out of memory, -2 if a
 * node has no room for another edge (the edge is then dropped). */
static int add_edge(fpg_graph *g, int a, int b, int first, int count)
{
    int loop = a == b;
    if (g->nodes[a].deg + 1 + loop > FPG_MAX_DEGREE || g->nodes[b].deg >= FPG_MAX_DEGREE)
        return -2;
    if (!grow((void **)&g->edges, &g->edge_cap, g->nedges + 1, sizeof *g->edges))
        return -1;
    fpg_edge *e = &g->edges[g->nedges];
    e->a = a;
    e->b = b;
    e->first = first;
    e->count = count;
    e->length = path_length(g, first, count);
    e->alive = 1;
    g->nodes[a].edge[g->nodes[a].deg++] = g->nedges;
    g->nodes[b].edge[g->nodes[b].deg++] = g->nedges;
    return g->nedges++;
}

int fpg_other(const fpg_graph *g, int e, int n)
{
    return g->edges[e].a == n ? g->edges[e].b : g->edges[e].a;
}

fpg_point fpg_point_along(const fpg_graph *g, int e, int n, float dist)
{
    const fpg_edge *ed = &g->edges[e];
    int forward = ed->a == n, step = forward ? 1 : -1;
    int i = forward ? ed->first : ed->first + ed->count - 1;
    int end = forward ? ed->first + ed->count - 1 : ed->first;
    float len = 0;
    while (i != end && len < dist) {
        int j = i + step;
        int dx = g->points[j].x - g->points[i].x, dy = g->points[j].y - g->points[i].y;
        len += sqrtf((float)(dx * dx + dy * dy));
        i = j;
    }
    return g->points[i];
}

/* --- building ------------------------------------------------------------------------ */

typedef struct build_state {
    const uint8_t *skel;
    int w, h;
    uint8_t *nbcount;
    int *node_id; /* per pixel: node, or -1 */
    uint8_t *visited;
    int *queue;
} build_state;

static void count_neighbours(build_state *s)
{
    int w = s->w;
    for (int y = 1; y < s->h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            int p = y * w + x, n = 0;
            if (!s->skel[p])
                continue;
            for (int k = 0; k < 8; k++)
                n += s->skel[p + DY[k] * w + DX[k]];
            s->nbcount[p] = (uint8_t)n;
        }
}

/* Ends are single pixels; junction pixels that touch form one node at their centroid. */
static ktpel_err find_nodes(fpg_graph *g, build_state *s)
{
    int w = s->w;
    for (int p = 0; p < w * s->h; p++) {
        if (!s->skel[p] || s->node_id[p] >= 0 || s->nbcount[p] == 2 || s->nbcount[p] == 0)
            continue;
        if (s->nbcount[p] == 1) {
            int id = add_node(g, (float)(p % w), (float)(p / w));
            if (id < 0)
                return KTPEL_ENOMEM;
            s->node_id[p] = id;
            continue;
        }
        int id = add_node(g, 0, 0), head = 0, tail = 0;
        if (id < 0)
            return KTPEL_ENOMEM;
        float sx = 0, sy = 0;
        s->queue[tail++] = p;
        s->node_id[p] = id;
        while (head < tail) {
            int q = s->queue[head++];
            sx += (float)(q % w);
            sy += (float)(q / w);
            for (int k = 0; k < 8; k++) {
                int r = q + DY[k] * w + DX[k];
                if (s->skel[r] && s->nbcount[r] >= 3 && s->node_id[r] < 0) {
                    s->node_id[r] = id;
                    s->queue[tail++] = r;
                }
            }
        }
        g->nodes[id].x = sx / tail;
        g->nodes[id].y = sy / tail;
    }
    return KTPEL_OK;
}

static int has_direct_edge(const fpg_graph *g, int a, int b)
{
    for (int i = 0; i < g->nodes[a].deg; i++) {
        const fpg_edge *e = &g->edges[g->nodes[a].edge[i]];
        if (e->count == 2 && fpg_other(g, g->nodes[a].edge[i], a) == b)
            return 1;
    }
    return 0;
}

/* Follows the line that leaves node pixel q through pixel r, to the next node pixel. */
static ktpel_err trace(fpg_graph *g, build_state *s, int q, int r)
{
    int w = s->w, from = s->node_id[q], first = g->npoints, prev = q, cur = r;
    if (!push_point(g, q % w, q / w))
        return KTPEL_ENOMEM;
    for (;;) {
        if (!push_point(g, cur % w, cur / w))
            return KTPEL_ENOMEM;
        if (s->node_id[cur] >= 0)
            break;
        s->visited[cur] = 1;
        int next = -1;
        for (int k = 0; k < 8 && next < 0; k++) {
            int t = cur + DY[k] * w + DX[k];
            if (t != prev && s->skel[t] && (s->node_id[t] >= 0 || !s->visited[t]))
                next = t;
        }
        if (next < 0) { /* a ring or an odd pixel pattern: drop the path */
            g->npoints = first;
            return KTPEL_OK;
        }
        prev = cur;
        cur = next;
    }
    int e = add_edge(g, from, s->node_id[cur], first, g->npoints - first);
    return e == -1 ? KTPEL_ENOMEM : KTPEL_OK;
}

static ktpel_err trace_all(fpg_graph *g, build_state *s)
{
    int w = s->w;
    for (int q = 0; q < w * s->h; q++) {
        int id = s->node_id[q];
        if (id < 0)
            continue;
        for (int k = 0; k < 8; k++) {
            int r = q + DY[k] * w + DX[k];
            if (!s->skel[r] || s->node_id[r] == id)
                continue;
            ktpel_err err = KTPEL_OK;
            if (s->node_id[r] >= 0) { /* two nodes touching: a one-step edge */
                int other = s->node_id[r];
                if (id < other && !has_direct_edge(g, id, other)) {
                    int first = g->npoints;
                    if (!push_point(g, q % w, q / w) || !push_point(g, r % w, r / w))
                        return KTPEL_ENOMEM;
                    if (add_edge(g, id, other, first, 2) == -1)
                        return KTPEL_ENOMEM;
                }
            } else if (!s->visited[r]) {
                err = trace(g, s, q, r);
            }
            if (err)
                return err;
        }
    }
    return KTPEL_OK;
}

static ktpel_err settle(fpg_graph *g, int n);

ktpel_err fpg_build(fpg_graph *g, const uint8_t *skel, int w, int h, ktpel_errbuf *eb)
{
    memset(g, 0, sizeof *g);
    size_t n = (size_t)w * (size_t)h;
    build_state s = {
        skel, w, h, calloc(n, 1), malloc(n * sizeof(int)), calloc(n, 1), malloc(n * sizeof(int))};
    ktpel_err e = KTPEL_ENOMEM;
    if (s.nbcount && s.node_id && s.visited && s.queue) {
        for (size_t i = 0; i < n; i++)
            s.node_id[i] = -1;
        count_neighbours(&s);
        e = find_nodes(g, &s);
        if (!e)
            e = trace_all(g, &s);
        /* junction pixels whose lines merged right away leave nodes of degree 2 (and lines
         * dropped by the tracer nodes of degree 0): neither is a minutia */
        for (int id = 0; !e && id < g->nnodes; id++)
            e = settle(g, id);
    }
    free(s.nbcount);
    free(s.node_id);
    free(s.visited);
    free(s.queue);
    if (e) {
        fpg_free(g);
        return ktpel_fail(eb, e, "fingerprint minutiae: no memory for the ridge graph");
    }
    return KTPEL_OK;
}

/* --- editing ------------------------------------------------------------------------- */

static void detach(fpg_graph *g, int n, int e)
{
    fpg_node *nd = &g->nodes[n];
    for (int i = 0; i < nd->deg; i++)
        if (nd->edge[i] == e) {
            nd->edge[i] = nd->edge[--nd->deg];
            return;
        }
}

static void replace_edge(fpg_graph *g, int n, int old, int new_edge)
{
    fpg_node *nd = &g->nodes[n];
    for (int i = 0; i < nd->deg; i++)
        if (nd->edge[i] == old) {
            nd->edge[i] = new_edge;
            return;
        }
}

/* Appends the points of edge e, oriented so that they run away from node n. With skip,
 * the first point (n's own pixel) is left out. */
static int append_from(fpg_graph *g, int e, int n, int skip)
{
    fpg_edge ed = g->edges[e];
    int forward = ed.a == n;
    for (int i = skip; i < ed.count; i++) {
        fpg_point p = g->points[forward ? ed.first + i : ed.first + ed.count - 1 - i];
        if (!push_point(g, p.x, p.y))
            return 0;
    }
    return 1;
}

/* A node of degree 2 is no minutia: its two edges become one. */
static ktpel_err dissolve(fpg_graph *g, int n)
{
    fpg_node *nd = &g->nodes[n];
    if (!nd->alive || nd->deg != 2)
        return KTPEL_OK;
    int e1 = nd->edge[0], e2 = nd->edge[1];
    if (e1 == e2) { /* a closed line through n alone */
        g->edges[e1].alive = 0;
        nd->alive = 0;
        nd->deg = 0;
        return KTPEL_OK;
    }
    int a = fpg_other(g, e1, n), b = fpg_other(g, e2, n);
    int first = g->npoints;
    /* e1 from a to n = reverse of e1 seen from n */
    fpg_edge ed1 = g->edges[e1];
    int forward = ed1.b == n; /* runs a -> n already */
    for (int i = 0; i < ed1.count; i++) {
        fpg_point p = g->points[forward ? ed1.first + i : ed1.first + ed1.count - 1 - i];
        if (!push_point(g, p.x, p.y))
            return KTPEL_ENOMEM;
    }
    if (!append_from(g, e2, n, 1))
        return KTPEL_ENOMEM;
    if (!grow((void **)&g->edges, &g->edge_cap, g->nedges + 1, sizeof *g->edges))
        return KTPEL_ENOMEM;
    int ne = g->nedges++;
    fpg_edge *e = &g->edges[ne];
    e->a = a;
    e->b = b;
    e->first = first;
    e->count = g->npoints - first;
    e->length = g->edges[e1].length + g->edges[e2].length;
    e->alive = 1;
    replace_edge(g, a, e1, ne);
    replace_edge(g, b, e2, ne);
    g->edges[e1].alive = g->edges[e2].alive = 0;
    nd->alive = 0;
    nd->deg = 0;
    return KTPEL_OK;
}

static ktpel_err settle(fpg_graph *g, int n)
{
    if (!g->nodes[n].alive)
        return KTPEL_OK;
    if (g->nodes[n].deg == 0) {
        g->nodes[n].alive = 0;
        return KTPEL_OK;
    }
    return dissolve(g, n);
}

ktpel_err fpg_remove_edge(fpg_graph *g, int e)
{
    fpg_edge *ed = &g->edges[e];
    if (!ed->alive)
        return KTPEL_OK;
    ed->alive = 0;
    int a = ed->a, b = ed->b;
    detach(g, a, e);
    if (b != a)
        detach(g, b, e);
    else
        detach(g, a, e);
    ktpel_err err = settle(g, a);
    if (!err && b != a)
        err = settle(g, b);
    return err;
}

ktpel_err fpg_connect(fpg_graph *g, int a, int b)
{
    const fpg_node *na = &g->nodes[a], *nb = &g->nodes[b];
    float dx = nb->x - na->x, dy = nb->y - na->y;
    int steps = (int)ceilf(fmaxf(fabsf(dx), fabsf(dy)));
    if (steps < 1)
        steps = 1;
    int first = g->npoints;
    for (int i = 0; i <= steps; i++)
        if (!push_point(g, (int)lrintf(na->x + dx * i / steps),
                        (int)lrintf(na->y + dy * i / steps)))
            return KTPEL_ENOMEM;
    int e = add_edge(g, a, b, first, g->npoints - first);
    if (e == -1)
        return KTPEL_ENOMEM;
    if (e < 0)
        return KTPEL_OK;
    ktpel_err err = settle(g, a);
    if (!err)
        err = settle(g, b);
    return err;
}
