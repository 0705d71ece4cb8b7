/*
 * faces.c - finding the faces the predictor classifies.
 *
 * Still frames: every face (EMO_FACE_ALL) or the one the choice policy
 * picks, retrying with looser parameters when there is none.
 *
 * Video mode (EMO_OPT_PREDICT_TRACK).  A full-frame Viola-Jones scan costs
 * far more than the network, so, as real-time trackers do:
 * - each face found is searched in the next frame only near its last place
 *   (emo__pp_detect_near: its box grown by half its size on every side,
 *   window sizes 0.75x to 1.33x its width), 20-50x less work than a scan;
 * - a face not found there is re-acquired at once by a full scan; with a
 *   single-face policy the hit nearest to where it was is taken (not the
 *   largest), so a false detection elsewhere does not steal the track;
 * - every `rescan_every` frames the whole frame is scanned again to notice
 *   new faces.  Under EMO_FACE_ALL the scan's faces replace those
 *   followed.  Under a single-face policy a better face (larger, or more
 *   central) that does not overlap the one followed becomes a candidate
 *   that is taken only if found again near its place in each of the next
 *   CONFIRM_FRAMES frames: a false detection (a patch of a panning
 *   background that looks like a large face for a frame or two) does not
 *   survive that, a real face does, CONFIRM_FRAMES frames later (0.13 s at
 *   30 fps).  No periodic scan runs while a candidate is checked.  The
 *   periodic scan of the largest-face policy looks only for faces at least
 *   0.8x as wide as the one followed, since a smaller one could not win;
 *   skipping the small window sizes, where most windows are, makes it
 *   several times cheaper;
 * - nothing is retried with looser parameters: the next frame, milliseconds
 *   later, is the retry, and retries would triple the cost of every frame
 *   without a face.
 */
#include "predict/faces.h"
#include "predict/preprocessor.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_BOXES 16
#define RESCAN_MIN_FRACTION 0.8 /* periodic scan, largest-face policy */
#define SAME_FACE_IOU 0.3       /* boxes of one face in two scans */
#define CONFIRM_FRAMES 4        /* a candidate found in this many frames in
                                   a row after its scan replaces the face */

int emo__boxes_init(emo__boxes *b)
{
    b->v = malloc(INITIAL_BOXES * sizeof *b->v);
    b->cap = b->v ? INITIAL_BOXES : 0;
    return b->v ? EMO_OK : emo__fail(EMO_ERR_NOMEM, "out of memory");
}

void emo__boxes_free(emo__boxes *b)
{
    free(b->v);
    b->v = NULL;
    b->cap = 0;
}

static int boxes_reserve(emo__boxes *b, int n)
{
    if (n <= b->cap)
        return EMO_OK;
    emo_box *v = realloc(b->v, (size_t)n * sizeof *v);
    if (!v)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    b->v = v;
    b->cap = n;
    return EMO_OK;
}

static int policy(emo_preprocessor *pp, int *choice)
{
    *choice = EMO_FACE_LARGEST;
    return emo_preprocessor_get_int(pp, EMO_OPT_FACE_CHOICE, choice);
}

/* Every face the detector finds (no retries), best first by the policy. */
static int detect_all(emo_preprocessor *pp, const emo__frame *f,
                      emo__boxes *b, int *found)
{
    int rc = emo_preprocessor_detect(pp, f->px, f->w, f->h, f->stride, b->v,
                                     b->cap, found);
    if (!rc && *found > b->cap) {
        rc = boxes_reserve(b, *found);
        if (!rc)
            rc = emo_preprocessor_detect(pp, f->px, f->w, f->h, f->stride,
                                         b->v, b->cap, found);
        if (*found > b->cap)
            *found = b->cap;
    }
    return rc;
}

/* The chosen face, with retries: 0 or 1 box. */
static int choose_one(emo_preprocessor *pp, const emo__frame *f,
                      emo__boxes *b, int *found)
{
    int rc = emo_preprocessor_choose_face(pp, f->px, f->w, f->h, f->stride,
                                          &b->v[0]);
    *found = rc == EMO_OK;
    return rc == EMO_ERR_NO_FACE ? EMO_OK : rc;
}

int emo__find_faces(emo_preprocessor *pp, const emo__frame *f,
                    emo__boxes *b, int *found)
{
    int choice;
    int rc = policy(pp, &choice);
    *found = 0;
    if (rc || choice != EMO_FACE_ALL)
        return rc ? rc : choose_one(pp, f, b, found);
    rc = detect_all(pp, f, b, found);
    if (!rc && *found == 0)
        return choose_one(pp, f, b, found);
    return rc;
}

/* ---- video mode ---------------------------------------------------------- */

void emo__tracker_reset(emo__tracker *t)
{
    t->n_tracked = 0;
    t->since_scan = 0;
    t->has_pending = 0;
    t->pending_hits = 0;
}

static double iou(emo_box a, emo_box b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    if (x1 <= x0 || y1 <= y0)
        return 0.0;
    double in = (double)(x1 - x0) * (y1 - y0);
    return in / ((double)a.w * a.h + (double)b.w * b.h - in);
}

/* Index of the box whose centre is nearest `to`'s. */
static int nearest(const emo_box *v, int n, emo_box to)
{
    int best = 0;
    double best_d = -1;
    for (int i = 0; i < n; i++) {
        double dx = (v[i].x + v[i].w * 0.5) - (to.x + to.w * 0.5);
        double dy = (v[i].y + v[i].h * 0.5) - (to.y + to.h * 0.5);
        if (best_d < 0 || dx * dx + dy * dy < best_d) {
            best_d = dx * dx + dy * dy;
            best = i;
        }
    }
    return best;
}

static void follow(emo__tracker *t, const emo_box *v, int n)
{
    t->n_tracked = n < EMO__MAX_TRACKED ? n : EMO__MAX_TRACKED;
    memmove(t->tracked, v, (size_t)t->n_tracked * sizeof *v);
    t->since_scan = 0;
    t->has_pending = 0;
    t->pending_hits = 0;
}

/* A full scan: the policy's pick, or with `lost` the hit nearest to the
 * face that was lost; every face for EMO_FACE_ALL. */
static int acquire(emo__tracker *t, emo_preprocessor *pp,
                   const emo__frame *f, const emo_box *lost, emo__boxes *b,
                   int *found)
{
    int choice;
    int rc = policy(pp, &choice);
    if (!rc)
        rc = detect_all(pp, f, b, found);
    if (rc)
        return rc;
    if (choice != EMO_FACE_ALL && *found > 1) {
        b->v[0] = b->v[lost ? nearest(b->v, *found, *lost) : 0];
        *found = 1;
    }
    follow(t, b->v, *found);
    return EMO_OK;
}

/* The faces followed, searched near their last place into b->v.  *lost is
 * the index of the first one not found, or -1. */
static int search_near(emo__tracker *t, emo_preprocessor *pp,
                       const emo__frame *f, emo__boxes *b, int *lost)
{
    *lost = -1;
    for (int i = 0; i < t->n_tracked; i++) {
        int ok;
        int rc = emo__pp_detect_near(pp, f->px, f->w, f->h, f->stride,
                                     &t->tracked[i], &b->v[i], &ok);
        if (rc)
            return rc;
        if (!ok) {
            *lost = i;
            return EMO_OK;
        }
    }
    return EMO_OK;
}

/* The largest face at least `min_side` wide (no retries) into *out. */
static int scan_larger(emo_preprocessor *pp, const emo__frame *f,
                       int min_side, emo_box *out, int *found)
{
    int old_min, n = 0;
    int rc = emo_preprocessor_get_int(pp, EMO_OPT_DETECT_MIN_SIZE, &old_min);
    if (rc)
        return rc;
    rc = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_SIZE,
                                  min_side > old_min ? min_side : old_min);
    if (!rc)
        rc = emo_preprocessor_detect(pp, f->px, f->w, f->h, f->stride, out,
                                     1, &n);
    int rc2 = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_SIZE, old_min);
    *found = n > 0;
    return rc ? rc : rc2;
}

/* The periodic scan with every followed face found (in b->v).  EMO_FACE_ALL
 * takes the scan's faces; a single-face policy notes a better face
 * elsewhere as the candidate. */
static int periodic_scan(emo__tracker *t, emo_preprocessor *pp,
                         const emo__frame *f, emo__boxes *b, int *found)
{
    int choice, n = 0;
    int rc = policy(pp, &choice);
    if (rc)
        return rc;
    t->since_scan = 0;
    if (choice == EMO_FACE_ALL) {
        int kept = *found;
        rc = detect_all(pp, f, b, found);
        if (!rc && *found == 0) { /* a miss: keep the faces followed */
            memcpy(b->v, t->tracked, (size_t)kept * sizeof *b->v);
            *found = kept;
        } else if (!rc) {
            follow(t, b->v, *found);
        }
        return rc;
    }
    emo_box best, cur = b->v[0];
    if (choice == EMO_FACE_LARGEST) {
        rc = scan_larger(pp, f, (int)(cur.w * RESCAN_MIN_FRACTION), &best,
                         &n);
    } else {
        rc = detect_all(pp, f, b, &n);
        best = b->v[0];
        b->v[0] = cur;
    }
    if (!rc && n > 0 && iou(best, cur) < SAME_FACE_IOU) {
        t->pending = best;
        t->has_pending = 1;
        t->pending_hits = 0;
    }
    return rc;
}

/* The candidate of the last periodic scan, searched near its place: found
 * there CONFIRM_FRAMES frames in a row, it replaces the face followed;
 * missed once, it is forgotten. */
static int confirm_pending(emo__tracker *t, emo_preprocessor *pp,
                           const emo__frame *f)
{
    emo_box hit;
    int ok;
    int rc = emo__pp_detect_near(pp, f->px, f->w, f->h, f->stride,
                                 &t->pending, &hit, &ok);
    if (rc || !ok) {
        t->has_pending = 0;
        return rc;
    }
    t->pending = hit;
    if (++t->pending_hits >= CONFIRM_FRAMES) {
        t->tracked[0] = hit;
        t->has_pending = 0;
    }
    return EMO_OK;
}

int emo__track_faces(emo__tracker *t, emo_preprocessor *pp,
                     const emo__frame *f, int rescan_every, emo__boxes *b,
                     int *found)
{
    int detect_on = 1, lost;
    int rc = emo_preprocessor_get_int(pp, EMO_OPT_DETECT_ENABLE, &detect_on);
    *found = 0;
    if (rc || !detect_on) /* the frame is the face: nothing to follow */
        return rc ? rc : emo__find_faces(pp, f, b, found);
    if (t->n_tracked == 0)
        return acquire(t, pp, f, NULL, b, found);
    if (t->has_pending && (rc = confirm_pending(t, pp, f)))
        return rc;
    if ((rc = search_near(t, pp, f, b, &lost)))
        return rc;
    if (lost >= 0) {
        emo_box gone = t->tracked[lost];
        return acquire(t, pp, f, &gone, b, found);
    }
    memcpy(t->tracked, b->v, (size_t)t->n_tracked * sizeof *b->v);
    *found = t->n_tracked;
    if (++t->since_scan >= rescan_every && !t->has_pending)
        return periodic_scan(t, pp, f, b, found);
    return EMO_OK;
}
