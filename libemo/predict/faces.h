/*
 * faces.h - how the predictor finds the faces of a frame: still
 * frames (the choice policy, with the preprocessor's retries) and video
 * mode (following faces from frame to frame).  Internal to libemo.
 */
#ifndef EMO_PREDICT_FACES_H
#define EMO_PREDICT_FACES_H

#include "common/internal.h"

#define EMO__MAX_TRACKED 16 /* faces followed in video mode */

/* A gray frame as the API passes it. */
typedef struct emo__frame {
    const uint8_t *px;
    int w, h, stride;
} emo__frame;

/* The faces found in the current frame; grows only when a frame shows
 * more faces than any before (no allocation per frame otherwise). */
typedef struct emo__boxes {
    emo_box *v;
    int cap;
} emo__boxes;

/* Video-mode state of one predictor. */
typedef struct emo__tracker {
    emo_box tracked[EMO__MAX_TRACKED];
    int n_tracked;
    int since_scan;   /* frames since the last full or periodic scan */
    emo_box pending;  /* a better face seen by the last periodic scan, */
    int has_pending;  /* taken only if found again in the next frames */
    int pending_hits; /* frames it has been found in since that scan */
} emo__tracker;

int emo__boxes_init(emo__boxes *b);
void emo__boxes_free(emo__boxes *b);

/* Faces of a still frame into b: every face for EMO_FACE_ALL, else the
 * one the policy chooses; the preprocessor's looser retries when there is
 * none.  Errors as emo_preprocessor_detect / choose_face (not NO_FACE:
 * *found = 0 then). */
int emo__find_faces(emo_preprocessor *pp, const emo__frame *f,
                    emo__boxes *b, int *found);

/* Forgets the faces followed (the next frame is scanned in full). */
void emo__tracker_reset(emo__tracker *t);

/* Video mode: the faces of this frame into b, following those of the
 * previous frames; see faces.c for the policy.  rescan_every is
 * EMO_OPT_PREDICT_RESCAN. */
int emo__track_faces(emo__tracker *t, emo_preprocessor *pp,
                     const emo__frame *f, int rescan_every, emo__boxes *b,
                     int *found);

#endif
