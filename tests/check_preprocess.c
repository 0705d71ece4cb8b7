/* check_preprocess.c - the emo_preprocessor handle through the public API:
 * options, bad frames, face choice policies on a frame with two pasted
 * faces, retries, normalisation and the mean image. */
#include "testutil.h"
#include "detect/cascade.h"
#include "predict/preprocessor.h"

#include <math.h>

static int have_default_cascade(void)
{
    if (emo__cascade_default_path())
        return 1;
    fprintf(stderr, "check_preprocess: no default cascade installed, "
                    "detection tests skipped\n");
    return 0;
}

static emo_preprocessor *make_pp(void)
{
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    return pp;
}

/* Pastes src (sw x sh) resized to s x s at (x, y) into dst (dw wide). */
static void paste(uint8_t *dst, int dw, const uint8_t *src, int sw, int sh,
                  int sstride, int x, int y, int s)
{
    uint8_t *tmp = malloc((size_t)s * s);
    int *work = malloc(sizeof(int) * 4 * (size_t)s);
    ck_assert(tmp && work);
    emo__resize_exact_u8(src, sw, sh, sstride, tmp, s, s, s, work);
    for (int r = 0; r < s; r++)
        memcpy(dst + (size_t)(y + r) * dw + x, tmp + (size_t)r * s,
               (size_t)s);
    free(tmp);
    free(work);
}

/* 640x480 gray frame: the astronaut's face large at the top left (when
 * `large`) and small at the centre. */
static uint8_t *two_faces(int large)
{
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    uint8_t *frame = malloc(640 * 480);
    ck_assert_ptr_nonnull(frame);
    memset(frame, 100, 640 * 480);
    const uint8_t *crop = px + 30 * w + 140; /* 170 x 170 around the face */
    if (large)
        paste(frame, 640, crop, 170, 170, w, 10, 10, 240);
    paste(frame, 640, crop, 170, 170, w, 255, 175, 130);
    emo_free(px);
    return frame;
}

START_TEST(create_destroy_and_null)
{
    emo_preprocessor_destroy(NULL);
    ck_assert_int_eq(emo_preprocessor_create(NULL), EMO_ERR_INVALID_ARG);
    emo_preprocessor *pp = make_pp();
    int v;
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_FACE_SIZE, &v));
    ck_assert_int_eq(v, 48);
    ck_assert_int_eq(emo_preprocessor_set_int(NULL, EMO_OPT_FACE_SIZE, 48),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_preprocessor_load_cascade(NULL, NULL),
                     EMO_ERR_INVALID_ARG);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(option_ranges)
{
    emo_preprocessor *pp = make_pp();
    double f;
    int v;
    ck_assert_int_eq(emo_preprocessor_set_float(
                         pp, EMO_OPT_DETECT_SCALE_FACTOR, 1.0),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_preprocessor_set_float(
        pp, EMO_OPT_DETECT_SCALE_FACTOR, 1.25));
    ck_assert_emo_ok(emo_preprocessor_get_float(
        pp, EMO_OPT_DETECT_SCALE_FACTOR, &f));
    ck_assert_double_eq(f, 1.25);
    ck_assert_int_eq(emo_preprocessor_set_int(
                         pp, EMO_OPT_DETECT_MIN_NEIGHBORS, 101),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_float(
                         pp, EMO_OPT_DETECT_MIN_NEIGHBORS, 2.5),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_preprocessor_set_float(
        pp, EMO_OPT_DETECT_MIN_NEIGHBORS, 2.0));
    ck_assert_emo_ok(emo_preprocessor_get_int(
        pp, EMO_OPT_DETECT_MIN_NEIGHBORS, &v));
    ck_assert_int_eq(v, 2);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE, 3),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, 4),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_THREADS, 0),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_DETECT_MAX_PIXELS,
                                              &v));
    ck_assert_int_eq(v, 1 << 23);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MAX_PIXELS,
                                              -1),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MAX_PIXELS,
                                              0));
    /* options of other handles do not apply */
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_NET_THREADS, 1),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_get_int(pp, EMO_OPT_TRAIN_EPOCHS, &v),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, 9999, 1), EMO_ERR_RANGE);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(bad_frames)
{
    emo_preprocessor *pp = make_pp();
    uint8_t px[400] = {0};
    emo_box b[4];
    int n = -1;
    ck_assert_int_eq(emo_preprocessor_detect(pp, px, 0, 10, 10, b, 4, &n),
                     EMO_ERR_INVALID_ARG);
    ck_assert(strstr(emo_last_error(), "empty") != NULL);
    ck_assert_int_eq(emo_preprocessor_detect(pp, NULL, 10, 10, 10, b, 4, &n),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_preprocessor_detect(pp, px, 20, 20, 10, b, 4, &n),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_preprocessor_detect(pp, px, 20, 20, 20, NULL, 4, &n),
                     EMO_ERR_INVALID_ARG);
    /* over the pixel limit: refused before anything is allocated */
    int old;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_PIXELS, &old));
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 100));
    ck_assert_int_eq(emo_preprocessor_detect(pp, px, 20, 20, 20, b, 4, &n),
                     EMO_ERR_LIMIT);
    ck_assert_int_eq(emo_preprocessor_normalize(pp, px, 20, 20, 20, NULL,
                                                (float *)b, 4),
                     EMO_ERR_LIMIT);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, old));
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(tiny_frames_have_no_face)
{
    if (!have_default_cascade())
        return;
    emo_preprocessor *pp = make_pp();
    uint8_t px[1] = {200};
    emo_box b;
    int n = -1;
    ck_assert_emo_ok(emo_preprocessor_detect(pp, px, 1, 1, 1, &b, 1, &n));
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(emo_preprocessor_choose_face(pp, px, 1, 1, 1, &b),
                     EMO_ERR_NO_FACE);
    /* detection off: the frame is the face */
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, 0));
    ck_assert_emo_ok(emo_preprocessor_choose_face(pp, px, 1, 1, 1, &b));
    ck_assert(b.x == 0 && b.y == 0 && b.w == 1 && b.h == 1);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(cascade_errors_keep_the_old_cascade)
{
    if (!have_default_cascade())
        return;
    emo_preprocessor *pp = make_pp();
    ck_assert_emo_ok(emo_preprocessor_load_cascade(pp, NULL));
    ck_assert_int_eq(emo_preprocessor_load_cascade(pp, "/nonexistent.xml"),
                     EMO_ERR_IO);
    const char *dir = test_tmpdir();
    char path[128];
    snprintf(path, sizeof path, "%s/bad.xml", dir);
    ck_assert_int_eq(write_bytes(path, "<a>", 3), 0);
    ck_assert_int_eq(emo_preprocessor_load_cascade(pp, path), EMO_ERR_FORMAT);
    ck_assert(strstr(emo_last_error(), "bad.xml") != NULL);
    uint8_t *frame = two_faces(0);
    emo_box b;
    int n;
    ck_assert_emo_ok(emo_preprocessor_detect(pp, frame, 640, 480, 640, &b, 1,
                                             &n));
    ck_assert_int_eq(n, 1);
    free(frame);
    emo_preprocessor_destroy(pp);
}
END_TEST

/* $EMO_CASCADE names the default cascade: the LBP one finds the
 * astronaut where OpenCV's LBP cascade does (171, 64, 104, 104). */
START_TEST(default_cascade_from_environment)
{
    const char *lbp =
        "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml";
    if (access(lbp, R_OK) != 0)
        return;
    uint8_t *px;
    int w, h, n;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    setenv("EMO_CASCADE", lbp, 1);
    emo_preprocessor *pp = make_pp();
    emo_box b;
    ck_assert_emo_ok(emo_preprocessor_detect(pp, px, w, h, w, &b, 1, &n));
    unsetenv("EMO_CASCADE");
    ck_assert_int_eq(n, 1);
    ck_assert(abs(b.x - 171) <= 3 && abs(b.w - 104) <= 4);
    /* a missing file named there is an I/O error on first use */
    emo_preprocessor_destroy(pp);
    setenv("EMO_CASCADE", "/nonexistent/cascade.xml", 1);
    pp = make_pp();
    ck_assert_int_eq(emo_preprocessor_detect(pp, px, w, h, w, &b, 1, &n),
                     EMO_ERR_IO);
    unsetenv("EMO_CASCADE");
    emo_preprocessor_destroy(pp);
    emo_free(px);
}
END_TEST

START_TEST(face_choice_policies)
{
    if (!have_default_cascade())
        return;
    emo_preprocessor *pp = make_pp();
    uint8_t *frame = two_faces(1);
    emo_box b[4], face;
    int n;
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE,
                                              EMO_FACE_ALL));
    ck_assert_emo_ok(emo_preprocessor_detect(pp, frame, 640, 480, 640, b, 4,
                                             &n));
    ck_assert_int_eq(n, 2);
    ck_assert_int_gt(b[0].w, b[1].w); /* largest first */
    /* max_boxes smaller than the count: count still tells all */
    ck_assert_emo_ok(emo_preprocessor_detect(pp, frame, 640, 480, 640, b, 1,
                                             &n));
    ck_assert_int_eq(n, 2);

    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE,
                                              EMO_FACE_LARGEST));
    ck_assert_emo_ok(emo_preprocessor_choose_face(pp, frame, 640, 480, 640,
                                                  &face));
    ck_assert(face.x < 100 && face.w > 120);

    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE,
                                              EMO_FACE_CENTRAL));
    ck_assert_emo_ok(emo_preprocessor_choose_face(pp, frame, 640, 480, 640,
                                                  &face));
    ck_assert(face.x > 200 && face.w < 120);
    free(frame);
    emo_preprocessor_destroy(pp);
}
END_TEST

/* The faces of the photo with the working size capped (cap 0: none). */
static int detect_capped(const uint8_t *px, int w, int h, int cap,
                         emo_box *b, int max)
{
    emo_preprocessor *pp = make_pp();
    int n;
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE,
                                              EMO_FACE_ALL));
    if (cap >= 0)
        ck_assert_emo_ok(emo_preprocessor_set_int(
            pp, EMO_OPT_DETECT_MAX_PIXELS, cap));
    ck_assert_emo_ok(emo_preprocessor_detect(pp, px, w, h, w, b, max, &n));
    emo_preprocessor_destroy(pp);
    return n;
}

/* The photo at 3x (1536x1536) scanned with a 512x512 working size finds
 * the face at 3x its place in the photo; the photo itself, under the
 * default cap, gives the boxes of an uncapped scan. */
START_TEST(capped_scan_maps_boxes_back)
{
    if (!have_default_cascade())
        return;
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    emo_box small[8], ref[8], big[8];
    int n = detect_capped(px, w, h, -1, small, 8);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(detect_capped(px, w, h, 0, ref, 8), n);
    ck_assert(!memcmp(small, ref, sizeof *ref * (size_t)n));

    int W = 3 * w, H = 3 * h;
    uint8_t *frame = malloc((size_t)W * H);
    int *work = malloc(sizeof(int) * 4 * (size_t)W);
    ck_assert(frame && work);
    emo__resize_exact_u8(px, w, h, w, frame, W, H, W, work);
    /* (the blurred upscale also shows the cascade larger false faces) */
    n = detect_capped(frame, W, H, 512 * 512, big, 8);
    emo_box want = {3 * small[0].x, 3 * small[0].y, 3 * small[0].w,
                    3 * small[0].h};
    double best = 0;
    for (int i = 0; i < n && i < 8; i++)
        best = fmax(best, test_box_iou(big[i], want));
    ck_assert_msg(best > 0.85, "%d faces, best IoU %.2f", n, best);
    free(work);
    free(frame);
    emo_free(px);
}
END_TEST

/* A 74-pixel face with the minimum size at 100: only a retry (min size
 * x0.7) finds it. */
START_TEST(retry_with_looser_parameters)
{
    if (!have_default_cascade())
        return;
    emo_preprocessor *pp = make_pp();
    uint8_t *frame = two_faces(0);
    emo_box face;
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_SIZE,
                                              100));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_RETRIES, 0));
    ck_assert_int_eq(emo_preprocessor_choose_face(pp, frame, 640, 480, 640,
                                                  &face),
                     EMO_ERR_NO_FACE);
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_RETRIES, 1));
    ck_assert_emo_ok(emo_preprocessor_choose_face(pp, frame, 640, 480, 640,
                                                  &face));
    ck_assert(face.x > 250 && face.x < 320 && face.w > 60 && face.w < 90);
    free(frame);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(detect_near_tracks_the_face)
{
    if (!have_default_cascade())
        return;
    emo_preprocessor *pp = make_pp();
    uint8_t *frame = two_faces(1);
    emo_box small = {270, 190, 80, 80}, out;
    int found;
    ck_assert_emo_ok(emo__pp_detect_near(pp, frame, 640, 480, 640, &small,
                                         &out, &found));
    ck_assert_int_eq(found, 1);
    ck_assert(abs(out.x - 282) <= 4 && abs(out.w - 74) <= 6);
    /* a video loop alternates full scans and region scans on the same
     * buffers: answers stay the same */
    for (int i = 0; i < 3; i++) {
        emo_box b[4], again;
        int n;
        ck_assert_emo_ok(emo_preprocessor_detect(pp, frame, 640, 480, 640, b,
                                                 4, &n));
        ck_assert_int_eq(n, 2);
        ck_assert_emo_ok(emo__pp_detect_near(pp, frame, 640, 480, 640,
                                             &small, &again, &found));
        ck_assert(found && !memcmp(&again, &out, sizeof out));
    }
    emo_box gone = {500, 350, 80, 80};
    ck_assert_emo_ok(emo__pp_detect_near(pp, frame, 640, 480, 640, &gone,
                                         &out, &found));
    ck_assert_int_eq(found, 0);
    free(frame);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(normalize_constant_and_mean)
{
    emo_preprocessor *pp = make_pp();
    uint8_t px[32 * 24];
    memset(px, 100, sizeof px);
    float out[48 * 48], mean[48 * 48];
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, 32, 24, 32, NULL, out,
                                                48 * 48));
    for (int i = 0; i < 48 * 48; i++)
        ck_assert_float_eq_tol(out[i], 100.f / 255.f, 1e-5f);
    ck_assert_int_eq(emo_preprocessor_normalize(pp, px, 32, 24, 32, NULL, out,
                                                48 * 48 - 1),
                     EMO_ERR_BUFFER_TOO_SMALL);
    emo_box bad = {3, 3, 0, 5}, outside = {40, 3, 10, 10};
    ck_assert_int_eq(emo_preprocessor_normalize(pp, px, 32, 24, 32, &bad, out,
                                                48 * 48),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_preprocessor_normalize(pp, px, 32, 24, 32, &outside,
                                                out, 48 * 48),
                     EMO_ERR_INVALID_ARG);
    /* partly outside is fine: the edge is replicated */
    emo_box edge = {-5, -5, 20, 20};
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, 32, 24, 32, &edge,
                                                out, 48 * 48));
    ck_assert_float_eq_tol(out[0], 100.f / 255.f, 1e-5f);

    ck_assert_int_eq(emo_preprocessor_get_mean(pp, mean, 48 * 48),
                     EMO_ERR_STATE);
    ck_assert_int_eq(emo_preprocessor_set_mean(pp, mean, 47 * 47),
                     EMO_ERR_MISMATCH);
    for (int i = 0; i < 48 * 48; i++)
        mean[i] = 0.25f;
    ck_assert_emo_ok(emo_preprocessor_set_mean(pp, mean, 48 * 48));
    emo_box box = {4, 2, 20, 20};
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, 32, 24, 32, &box, out,
                                                48 * 48));
    for (int i = 0; i < 48 * 48; i++)
        ck_assert_float_eq_tol(out[i], 100.f / 255.f - 0.25f, 1e-5f);
    /* mean off, blur off: plain crop */
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_SUBTRACT_MEAN, 0));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, 0));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, 32, 24, 32, &box, out,
                                                48 * 48));
    ck_assert_float_eq_tol(out[100], 100.f / 255.f, 1e-5f);
    /* clearing the mean */
    ck_assert_emo_ok(emo_preprocessor_set_mean(pp, NULL, 0));
    ck_assert_int_eq(emo_preprocessor_get_mean(pp, mean, 48 * 48),
                     EMO_ERR_STATE);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(compute_mean_averages_faces)
{
    emo_preprocessor *pp = make_pp();
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, 8));
    float faces[3 * 64], mean[64];
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 64; i++)
            faces[k * 64 + i] = (float)(k + i * 0.01);
    ck_assert_int_eq(emo_preprocessor_compute_mean(pp, faces, 0),
                     EMO_ERR_EMPTY);
    ck_assert_emo_ok(emo_preprocessor_compute_mean(pp, faces, 3));
    ck_assert_emo_ok(emo_preprocessor_get_mean(pp, mean, 64));
    for (int i = 0; i < 64; i++)
        ck_assert_float_eq_tol(mean[i], 1.f + i * 0.01f, 1e-5f);
    ck_assert_int_eq(emo_preprocessor_get_mean(pp, mean, 63),
                     EMO_ERR_BUFFER_TOO_SMALL);
    emo_preprocessor_destroy(pp);
}
END_TEST

/* A real face: values stay in [0, 1] (mean off), blur smooths. */
START_TEST(normalize_real_face)
{
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    emo_preprocessor *pp = make_pp();
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN, 0.2));
    emo_box box = {176, 66, 95, 95};
    float blur[48 * 48], sharp[48 * 48];
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, w, h, w, &box, blur,
                                                48 * 48));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, 0));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, w, h, w, &box, sharp,
                                                48 * 48));
    double tv_blur = 0, tv_sharp = 0;
    for (int i = 0; i < 48 * 48; i++) {
        ck_assert(blur[i] >= 0.f && blur[i] <= 1.f);
        ck_assert(sharp[i] >= 0.f && sharp[i] <= 1.f);
        if (i % 48) {
            tv_blur += fabs(blur[i] - blur[i - 1]);
            tv_sharp += fabs(sharp[i] - sharp[i - 1]);
        }
    }
    ck_assert(tv_blur < tv_sharp);
    emo_free(px);
    emo_preprocessor_destroy(pp);
}
END_TEST

/* A 160 x 120 frame whose value is its row (0..119): a bilinear crop of
 * a linear ramp is exact, so each output row tells where it was cut. */
static uint8_t *row_ramp(int w, int h)
{
    uint8_t *px = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        memset(px + (size_t)y * w, y, (size_t)w);
    return px;
}

static emo_preprocessor *plain_pp(int side)
{
    emo_preprocessor *pp = make_pp();
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, side));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, 0));
    return pp;
}

/* Margin and shift: box (50, 30, 40, 40) grown by 0.5 is 60 x 60 at (40,
 * 20); moved down by 0.25 box heights it is at (40, 30), so it gives the
 * face of the box (40, 30, 60, 60) with neither, value for value, and
 * output row i shows source row 30 + (i + 0.5) * 60 / 8 - 0.5. */
START_TEST(crop_margin_and_shift_frame_the_box)
{
    enum { W = 160, H = 120, N = 8 };
    uint8_t *px = row_ramp(W, H);
    emo_preprocessor *pp = plain_pp(N);
    float got[N * N], want[N * N];
    emo_box box = {50, 30, 40, 40}, grown = {40, 30, 60, 60};
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &grown, want,
                                                N * N));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN, 0.5));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                0.25));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &box, got,
                                                N * N));
    ck_assert(memcmp(got, want, sizeof got) == 0);
    for (int i = 0; i < N; i++)
        ck_assert_float_eq_tol(got[i * N + 3],
                               (30 + (i + 0.5) * 60 / N - 0.5) / 255.0, 1e-5);
    /* a negative shift moves the crop up: box rows from 30 - 10 */
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                -0.25));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &box, got,
                                                N * N));
    for (int i = 0; i < N; i++)
        ck_assert_float_eq_tol(got[i * N + 3],
                               (10 + (i + 0.5) * 60 / N - 0.5) / 255.0, 1e-5);
    free(px);
    emo_preprocessor_destroy(pp);
}
END_TEST

/* The frame taken as the face (NULL box, or detection off and the box
 * emo_preprocessor_choose_face gives then) is already framed: margin and
 * shift leave it alone.  A box given with detection on, even the whole
 * frame, and a smaller box with detection off are framed. */
START_TEST(whole_frame_face_ignores_margin_and_shift)
{
    enum { W = 64, H = 48, N = 8 };
    uint8_t *px = row_ramp(W, H);
    emo_preprocessor *pp = plain_pp(N);
    float plain[N * N], got[N * N];
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, NULL, plain,
                                                N * N));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN, 0.4));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                0.3));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, NULL, got,
                                                N * N));
    ck_assert(memcmp(got, plain, sizeof got) == 0);
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, 0));
    emo_box frame;
    ck_assert_emo_ok(emo_preprocessor_choose_face(pp, px, W, H, W, &frame));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &frame, got,
                                                N * N));
    ck_assert(memcmp(got, plain, sizeof got) == 0);
    emo_box part = {8, 8, 32, 32};
    float part_plain[N * N];
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &part, got,
                                                N * N));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN, 0));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y, 0));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &part,
                                                part_plain, N * N));
    ck_assert(memcmp(got, part_plain, sizeof got) != 0);
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, 1));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                0.3));
    ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, W, H, W, &frame, got,
                                                N * N));
    ck_assert(memcmp(got, plain, sizeof got) != 0);
    free(px);
    emo_preprocessor_destroy(pp);
}
END_TEST

START_TEST(crop_shift_bounds)
{
    emo_preprocessor *pp = make_pp();
    double f;
    ck_assert_emo_ok(emo_preprocessor_get_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                &f));
    ck_assert(f == 0.0);
    ck_assert_int_eq(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                0.51),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                -0.51),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                NAN),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                -0.5));
    ck_assert_emo_ok(emo_preprocessor_get_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                &f));
    ck_assert(f == -0.5);
    ck_assert_int_eq(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN, 1.1),
                     EMO_ERR_RANGE);
    /* the jitter amplitudes are network (training) options */
    ck_assert_int_eq(emo_preprocessor_set_float(pp, EMO_OPT_TRAIN_SHIFT, 0.1),
                     EMO_ERR_RANGE);
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(
        "[net]\nsize = 8\n[fc]\ntype = fc\noutputs = 2\n"
        "[p]\ntype = softmax\n", &net));
    ck_assert_emo_ok(emo_network_get_float(net, EMO_OPT_TRAIN_SHIFT, &f));
    ck_assert(f == 1.0 / 12.0);
    ck_assert_emo_ok(emo_network_get_float(net, EMO_OPT_TRAIN_SCALE, &f));
    ck_assert(f == 0.1);
    ck_assert_int_eq(emo_network_set_float(net, EMO_OPT_TRAIN_SHIFT, 0.6),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_network_set_float(net, EMO_OPT_TRAIN_SCALE, -0.1),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_network_set_float(net, EMO_OPT_TRAIN_SCALE, 0.25));
    emo_network_destroy(net);
    emo_preprocessor_destroy(pp);
}
END_TEST

Suite *preprocess_suite(void)
{
    Suite *s = suite_create("preprocess");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, create_destroy_and_null);
    tcase_add_test(tc, option_ranges);
    tcase_add_test(tc, bad_frames);
    tcase_add_test(tc, tiny_frames_have_no_face);
    tcase_add_test(tc, cascade_errors_keep_the_old_cascade);
    tcase_add_test(tc, default_cascade_from_environment);
    tcase_add_test(tc, face_choice_policies);
    tcase_add_test(tc, retry_with_looser_parameters);
    tcase_add_test(tc, capped_scan_maps_boxes_back);
    tcase_add_test(tc, detect_near_tracks_the_face);
    tcase_add_test(tc, normalize_constant_and_mean);
    tcase_add_test(tc, compute_mean_averages_faces);
    tcase_add_test(tc, normalize_real_face);
    tcase_add_test(tc, crop_margin_and_shift_frame_the_box);
    tcase_add_test(tc, whole_frame_face_ignores_margin_and_shift);
    tcase_add_test(tc, crop_shift_bounds);
    suite_add_tcase(s, tc);
    return s;
}
