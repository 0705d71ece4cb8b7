/* check_cascade.c - cascade XML loading (installed cascades and hostile
 * files), integral images, the bit-exact pyramid resize, grouping, and
 * detection on the sample photograph against OpenCV's measured boxes. */
#include "testutil.h"
#include "detect/cascade.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>

#define HAAR_DIR "/usr/share/opencv4/haarcascades/"
#define LBP_DIR "/usr/share/opencv4/lbpcascades/"

/* OpenCV 4.6 cv2.CascadeClassifier.detectMultiScale(gray, 1.1, 5,
 * minSize=(30, 30)) on examples/data/astronaut.png read as gray by
 * cv2.imread(..., IMREAD_GRAYSCALE). */
static const emo__rect opencv_default = {176, 66, 95, 95};
static const emo__rect opencv_lbp = {171, 64, 104, 104};

static int have(const char *path)
{
    if (access(path, R_OK) == 0)
        return 1;
    fprintf(stderr, "check_cascade: %s not installed, skipped\n", path);
    return 0;
}

static double iou(emo__rect a, emo__rect b)
{
    int ix = (a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w) -
             (a.x > b.x ? a.x : b.x);
    int iy = (a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h) -
             (a.y > b.y ? a.y : b.y);
    if (ix <= 0 || iy <= 0)
        return 0;
    double in = (double)ix * iy;
    return in / ((double)a.w * a.h + (double)b.w * b.h - in);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */
/* ------------------------------------------------------------------------ */

static const char *const frontal[] = {
    HAAR_DIR "haarcascade_frontalface_default.xml",
    HAAR_DIR "haarcascade_frontalface_alt.xml",
    HAAR_DIR "haarcascade_frontalface_alt2.xml",
    HAAR_DIR "haarcascade_frontalface_alt_tree.xml",
    LBP_DIR "lbpcascade_frontalface.xml",
    LBP_DIR "lbpcascade_frontalface_improved.xml",
};

START_TEST(loads_frontal_cascades)
{
    if (!have(frontal[_i]))
        return;
    emo__cascade *c;
    ck_assert_emo_ok(emo__cascade_load(frontal[_i], &c));
    ck_assert_int_gt(c->nstages, 10);
    ck_assert_int_ge(c->win_w, 20);
    ck_assert_int_eq(c->type, strstr(frontal[_i], "lbp") ? EMO__CASCADE_LBP
                                                          : EMO__CASCADE_HAAR);
    if (strstr(frontal[_i], "default"))
        ck_assert(c->stumps && c->nstages == 25 && c->nfeatures == 2913);
    if (strstr(frontal[_i], "alt2"))
        ck_assert(!c->stumps);
    emo__cascade_free(c);
}
END_TEST

/* Every cascade Debian ships, including tilted features and the old
 * opencv-haar-classifier format (licence plates). */
START_TEST(loads_every_installed_cascade)
{
    static const char *const dirs[] = {HAAR_DIR, LBP_DIR};
    int n = 0, tilted = 0;
    for (int d = 0; d < 2; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir)
            continue;
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (!strstr(e->d_name, ".xml"))
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s%s", dirs[d], e->d_name);
            emo__cascade *c;
            ck_assert_emo_ok(emo__cascade_load(path, &c));
            tilted += c->has_tilted;
            emo__cascade_free(c);
            n++;
        }
        closedir(dir);
    }
    if (n == 0)
        fprintf(stderr, "check_cascade: no installed cascades, skipped\n");
    else
        ck_assert_int_gt(tilted, 0);
}
END_TEST

/* A minimal HAAR cascade with knobs for breaking it. */
static char *tiny_cascade(const char *width, int nstages, const char *nodes,
                          const char *leaves, const char *rect)
{
    static char buf[4096];
    char stages[1024] = "";
    for (int i = 0; i < nstages; i++) {
        char one[512];
        snprintf(one, sizeof one,
                 "<_><maxWeakCount>1</maxWeakCount>"
                 "<stageThreshold>-1.0</stageThreshold><weakClassifiers>"
                 "<_><internalNodes>%s</internalNodes>"
                 "<leafValues>%s</leafValues></_></weakClassifiers></_>",
                 nodes, leaves);
        strcat(stages, one);
    }
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\"?>\n<opencv_storage>\n"
             "<cascade type_id=\"opencv-cascade-classifier\">"
             "<stageType>BOOST</stageType><featureType>HAAR</featureType>"
             "<height>24</height><width>%s</width>"
             "<stageParams><maxWeakCount>1</maxWeakCount></stageParams>"
             "<featureParams><maxCatCount>0</maxCatCount></featureParams>"
             "<stageNum>%d</stageNum><stages>%s</stages>"
             "<features><_><rects><_>%s</_><_>6 7 12 3 3.</_></rects></_>"
             "</features></cascade></opencv_storage>\n",
             width, nstages, stages, rect);
    return buf;
}

static int parse_str(const char *s, emo__cascade **c)
{
    return emo__cascade_parse((const uint8_t *)s, strlen(s), "tiny.xml", c);
}

START_TEST(tiny_cascade_loads)
{
    emo__cascade *c;
    ck_assert_emo_ok(parse_str(
        tiny_cascade("24", 2, "0 -1 0 -0.03", "2.0 -2.0", "6 4 12 9 -1."),
        &c));
    ck_assert_int_eq(c->nstages, 2);
    ck_assert(c->stumps);
    ck_assert_float_eq_tol(c->stages[0].threshold, -1.0f - 1e-5f, 1e-7f);
    emo__cascade_free(c);
}
END_TEST

static void expect_format(const char *xml, const char *needle)
{
    emo__cascade *c = (emo__cascade *)1;
    int rc = parse_str(xml, &c);
    ck_assert_msg(rc == EMO_ERR_FORMAT || rc == EMO_ERR_UNSUPPORTED,
                  "rc %d for %s", rc, needle);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(emo_last_error(), "tiny.xml") != NULL, "%s",
                  emo_last_error());
    ck_assert_msg(strstr(emo_last_error(), needle) != NULL,
                  "expected '%s' in '%s'", needle, emo_last_error());
}

START_TEST(hostile_cascades_are_refused)
{
    expect_format(tiny_cascade("24", 1, "0 -1 7 -0.03", "2.0 -2.0",
                               "6 4 12 9 -1."), "feature index 7");
    expect_format(tiny_cascade("24", 1, "0 -1 0 -0.03", "2.0 -2.0",
                               "20 4 12 9 -1."), "outside");
    expect_format(tiny_cascade("24", 1, "0 -1 0 -0.03", "2.0 -2.0",
                               "-1 4 12 9 -1."), "outside");
    expect_format(tiny_cascade("24", 0, "", "", "6 4 12 9 -1."), "stages");
    expect_format(tiny_cascade("-5", 1, "0 -1 0 -0.03", "2.0 -2.0",
                               "6 4 12 9 -1."), "width");
    expect_format(tiny_cascade("1e9", 1, "0 -1 0 -0.03", "2.0 -2.0",
                               "6 4 12 9 -1."), "width");
    expect_format(tiny_cascade("24", 1, "0 -1 0 -0.03", "2.0", "6 4 12 9 -1."),
                  "leafValues");
    expect_format(tiny_cascade("24", 1, "0 -1 0", "2.0 -2.0", "6 4 12 9 -1."),
                  "internalNodes");
    expect_format(tiny_cascade("24", 1, "0 -1 0 x", "2.0 -2.0",
                               "6 4 12 9 -1."), "not a number");
    /* a tree whose node points back at itself would loop forever */
    expect_format(tiny_cascade("24", 1, "1 -1 0 0.5 1 -2 0 0.5",
                               "1 2 3", "6 4 12 9 -1."), "child index");
    expect_format("hello, world", "XML");
    expect_format("<?xml version=\"1.0\"?><opencv_storage><x>1</x>"
                  "</opencv_storage>", "not an OpenCV cascade");
    expect_format("<?xml version=\"1.0\"?><a><cascade><stageType>BOOST"
                  "</stageType><featureType>HOG</featureType></cascade></a>",
                  "HOG");
}
END_TEST

START_TEST(empty_and_huge_counts_are_refused)
{
    emo__cascade *c;
    ck_assert_int_eq(emo__cascade_parse((const uint8_t *)"", 0, "tiny.xml",
                                        &c), EMO_ERR_FORMAT);
    ck_assert(strstr(emo_last_error(), "empty") != NULL);
    /* more internal nodes in one tree than any cascade needs */
    size_t n = 4 * 2000 * 8 + 1;
    char *nodes = malloc(n);
    ck_assert_ptr_nonnull(nodes);
    nodes[0] = '\0';
    for (int i = 0; i < 2000; i++)
        strcat(nodes, "0 -1 0 1 ");
    char *xml = malloc(n + 1000);
    ck_assert_ptr_nonnull(xml);
    snprintf(xml, n + 1000,
             "<?xml version=\"1.0\"?><s><c><stageType>BOOST</stageType>"
             "<featureType>HAAR</featureType><height>24</height><width>24"
             "</width><featureParams><maxCatCount>0</maxCatCount>"
             "</featureParams><stages><_><stageThreshold>0</stageThreshold>"
             "<weakClassifiers><_><internalNodes>%s</internalNodes>"
             "<leafValues>1 2</leafValues></_></weakClassifiers></_>"
             "</stages></c></s>", nodes);
    expect_format(xml, "more than");
    /* LBP with an impossible category count */
    expect_format("<?xml version=\"1.0\"?><s><c><stageType>BOOST</stageType>"
                  "<featureType>LBP</featureType><height>24</height><width>24"
                  "</width><featureParams><maxCatCount>1000000000"
                  "</maxCatCount></featureParams></c></s>", "maxCatCount");
    free(nodes);
    free(xml);
    /* a file far larger than any cascade is refused before parsing */
    size_t big = (size_t)EMO__CASCADE_MAX_BYTES + 1;
    uint8_t *huge = calloc(big, 1);
    ck_assert_ptr_nonnull(huge);
    ck_assert_int_eq(emo__cascade_parse(huge, big, "huge.xml", &c),
                     EMO_ERR_LIMIT);
    free(huge);
}
END_TEST

/* Entities are never expanded: a "billion laughs" document is refused
 * quickly instead of eating memory. */
START_TEST(entity_bomb_is_harmless)
{
    const char *xml =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE s [\n"
        "<!ENTITY a \"1 1 1 1 1 1 1 1 1 1\">\n"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
        "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
        "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
        "]>\n<s><c><stageType>BOOST</stageType><featureType>HAAR"
        "</featureType><height>24</height><width>&g;</width></c></s>\n";
    emo__cascade *c;
    int rc = parse_str(xml, &c);
    ck_assert_int_eq(rc, EMO_ERR_FORMAT);
}
END_TEST

START_TEST(truncated_files_are_refused)
{
    const char *path = HAAR_DIR "haarcascade_frontalface_default.xml";
    if (!have(path))
        return;
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    rewind(fp);
    uint8_t *data = malloc((size_t)size);
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(fread(data, 1, (size_t)size, fp), size);
    fclose(fp);
    const long cut[] = {1, 20, 100, 1000, 5000, 100000, size / 2, size - 40,
                        size - 3};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        emo__cascade *c;
        int rc = emo__cascade_parse(data, (size_t)cut[i], "cut.xml", &c);
        ck_assert_msg(rc == EMO_ERR_FORMAT, "cut at %ld: %d", cut[i], rc);
        ck_assert_ptr_null(c);
    }
    free(data);
}
END_TEST

START_TEST(missing_file_is_io_error)
{
    emo__cascade *c;
    ck_assert_int_eq(emo__cascade_load("/nonexistent/cascade.xml", &c),
                     EMO_ERR_IO);
    ck_assert(strstr(emo_last_error(), "/nonexistent/cascade.xml") != NULL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Image operations                                                          */
/* ------------------------------------------------------------------------ */

START_TEST(integrals_match_definitions)
{
    /* A stride tighter than the zero tail: each row's tail runs into the
     * next row, which must still come out right. */
    enum { W = 13, H = 9, S = W + 3, N = H * S + W + 1 + EMO__INTEGRAL_TAIL };
    uint8_t img[H][W];
    uint32_t sum[N], sq[N], tl[N], work[2 * W];
    memset(sum, 0xab, sizeof sum);
    memset(sq, 0xab, sizeof sq);
    memset(tl, 0xab, sizeof tl);
    emo_rng rng;
    emo__rng_seed(&rng, 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y][x] = (uint8_t)emo__rng_below(&rng, 256);
    emo__integral(&img[0][0], W, H, W, sum, sq, tl, S, work);
    for (int k = H * S + W + 1; k < N; k++)
        ck_assert(sum[k] == 0 && sq[k] == 0 && tl[k] == 0);
    for (int Y = 0; Y <= H; Y++)
        for (int X = 0; X <= W; X++) {
            uint32_t s = 0, q = 0, t = 0;
            for (int y = 0; y < Y; y++)
                for (int x = 0; x < W; x++) {
                    if (x < X) {
                        s += img[y][x];
                        q += (uint32_t)img[y][x] * img[y][x];
                    }
                    /* OpenCV: tilted(X,Y) = sum over y < Y,
                     * |x - X + 1| <= Y - y - 1 */
                    if (abs(x - X + 1) <= Y - y - 1)
                        t += img[y][x];
                }
            ck_assert_uint_eq(sum[Y * S + X], s);
            ck_assert_uint_eq(sq[Y * S + X], q);
            ck_assert_msg(tl[Y * S + X] == t, "tilted(%d,%d) = %u, want %u",
                          X, Y, tl[Y * S + X], t);
        }
}
END_TEST

START_TEST(exact_resize_halves_by_averaging)
{
    enum { W = 10, H = 6 };
    uint8_t src[H * W], dst[(H / 2) * (W / 2)];
    int tmp[4 * W];
    for (int i = 0; i < W * H; i++)
        src[i] = (uint8_t)(i * 37 % 251);
    emo__resize_exact_u8(src, W, H, W, dst, W / 2, H / 2, W / 2, tmp);
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W / 2; x++) {
            const uint8_t *s = src + 2 * y * W + 2 * x;
            int want = (s[0] + s[1] + s[W] + s[W + 1] + 2) >> 2;
            ck_assert_int_eq(dst[y * (W / 2) + x], want);
        }
    /* same size is a copy; a constant image stays constant */
    uint8_t c[7 * 5], d[3 * 4];
    memset(c, 77, sizeof c);
    emo__resize_exact_u8(c, 7, 5, 7, d, 3, 4, 3, tmp);
    for (size_t i = 0; i < sizeof d; i++)
        ck_assert_int_eq(d[i], 77);
}
END_TEST

START_TEST(grouping_averages_neighbours)
{
    emo__rects r = {0};
    emo__rect hits[] = {{100, 100, 50, 50}, {102, 101, 50, 50},
                        {99, 98, 52, 52},   {300, 40, 30, 30}};
    for (int i = 0; i < 4; i++)
        ck_assert_emo_ok(emo__rects_push(&r, hits[i]));
    ck_assert_emo_ok(emo__group_rects(&r, 2, 0.2, NULL, NULL));
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.v[0].x, 100);
    ck_assert_int_eq(r.v[0].y, 100);
    ck_assert_int_eq(r.v[0].w, 51);
    /* threshold 0 keeps the raw hits */
    r.n = 0;
    for (int i = 0; i < 4; i++)
        ck_assert_emo_ok(emo__rects_push(&r, hits[i]));
    ck_assert_emo_ok(emo__group_rects(&r, 0, 0.2, NULL, NULL));
    ck_assert_int_eq(r.n, 4);
    emo__rects_free(&r);
}
END_TEST

/* OpenCV's groupRectangles written plainly (all pairs, no sorting), to
 * check the library's sweep on many random hits. */
static int naive_group(const emo__rect *v, int n, int thr, double eps,
                       emo__rect *out)
{
    int *lab = malloc(sizeof *lab * (size_t)n), nc = 0;
    ck_assert_ptr_nonnull(lab);
    for (int i = 0; i < n; i++)
        lab[i] = -1;
    for (int i = 0; i < n; i++) { /* flood fill of each component */
        if (lab[i] >= 0)
            continue;
        lab[i] = nc;
        for (int changed = 1; changed;) {
            changed = 0;
            for (int a = 0; a < n; a++)
                for (int b = 0; b < n; b++) {
                    if (lab[a] != nc || lab[b] >= 0)
                        continue;
                    int mw = v[a].w < v[b].w ? v[a].w : v[b].w;
                    int mh = v[a].h < v[b].h ? v[a].h : v[b].h;
                    double d = eps * (mw + mh) * 0.5;
                    if (abs(v[a].x - v[b].x) <= d &&
                        abs(v[a].y - v[b].y) <= d &&
                        abs(v[a].x + v[a].w - v[b].x - v[b].w) <= d &&
                        abs(v[a].y + v[a].h - v[b].y - v[b].h) <= d) {
                        lab[b] = nc;
                        changed = 1;
                    }
                }
        }
        nc++;
    }
    int m = 0;
    for (int c = 0; c < nc; c++) {
        long long sx = 0, sy = 0, sw = 0, sh = 0;
        int cnt = 0;
        for (int i = 0; i < n; i++)
            if (lab[i] == c) {
                sx += v[i].x, sy += v[i].y, sw += v[i].w, sh += v[i].h;
                cnt++;
            }
        if (cnt <= thr)
            continue;
        float s = 1.f / (float)cnt;
        out[m++] = (emo__rect){(int)lrintf((float)sx * s),
                               (int)lrintf((float)sy * s),
                               (int)lrintf((float)sw * s),
                               (int)lrintf((float)sh * s)};
    }
    free(lab);
    return m;
}

static int rect_cmp(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(emo__rect));
}

START_TEST(grouping_matches_all_pairs_on_many_hits)
{
    enum { N = 400 };
    emo__rect v[N], want[N];
    emo__rects r = {0};
    emo_rng rng;
    emo__rng_seed(&rng, 11);
    for (int i = 0; i < N; i++) {
        int cx = 50 + 120 * (int)emo__rng_below(&rng, 6);
        int s = 30 + (int)emo__rng_below(&rng, 12);
        v[i] = (emo__rect){cx + (int)emo__rng_below(&rng, 9),
                           40 + (int)emo__rng_below(&rng, 9), s, s};
        ck_assert_emo_ok(emo__rects_push(&r, v[i]));
    }
    int m = naive_group(v, N, 3, 0.2, want);
    ck_assert_emo_ok(emo__group_rects(&r, 3, 0.2, NULL, NULL));
    /* the containment filter is off here: clusters are far apart */
    ck_assert_int_eq(r.n, m);
    qsort(want, (size_t)m, sizeof *want, rect_cmp);
    qsort(r.v, (size_t)r.n, sizeof *r.v, rect_cmp);
    for (int i = 0; i < m; i++)
        ck_assert(!memcmp(&want[i], &r.v[i], sizeof want[i]));
    emo__rects_free(&r);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Detection                                                                 */
/* ------------------------------------------------------------------------ */

static void detect_astronaut(const char *cascade, int threads,
                             emo__rects *out)
{
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    emo__cascade *c;
    ck_assert_emo_ok(emo__cascade_load(cascade, &c));
    emo__detector *d;
    ck_assert_emo_ok(emo__detector_create(&d));
    emo__detect_params p = {1.1, 5, 30, 30, 0, 0, threads, 0, 0};
    ck_assert_emo_ok(emo__detect(d, c, px, w, h, w, &p, out));
    /* a second call on the same buffers gives the same answer */
    emo__rects again = {0};
    ck_assert_emo_ok(emo__detect(d, c, px, w, h, w, &p, &again));
    ck_assert_int_eq(again.n, out->n);
    for (int i = 0; i < out->n; i++)
        ck_assert(!memcmp(&again.v[i], &out->v[i], sizeof again.v[i]));
    emo__rects_free(&again);
    emo__detector_free(d);
    emo__cascade_free(c);
    emo_free(px);
}

START_TEST(finds_the_astronaut_like_opencv)
{
    const char *path = HAAR_DIR "haarcascade_frontalface_default.xml";
    if (!have(path))
        return;
    emo__rects r = {0};
    detect_astronaut(path, 1, &r);
    ck_assert_int_eq(r.n, 1);
    ck_assert_msg(iou(r.v[0], opencv_default) > 0.9, "%d %d %d %d",
                  r.v[0].x, r.v[0].y, r.v[0].w, r.v[0].h);
    emo__rects_free(&r);
}
END_TEST

START_TEST(lbp_finds_the_astronaut_like_opencv)
{
    const char *path = LBP_DIR "lbpcascade_frontalface.xml";
    if (!have(path))
        return;
    emo__rects r = {0};
    detect_astronaut(path, 1, &r);
    ck_assert_int_eq(r.n, 1);
    ck_assert(iou(r.v[0], opencv_lbp) > 0.9);
    emo__rects_free(&r);
}
END_TEST

START_TEST(threads_give_the_same_boxes)
{
    const char *path = HAAR_DIR "haarcascade_frontalface_alt2.xml";
    if (!have(path))
        return;
    emo__rects a = {0}, b = {0};
    detect_astronaut(path, 1, &a);
    detect_astronaut(path, 3, &b);
    ck_assert_int_eq(a.n, b.n);
    for (int i = 0; i < a.n; i++)
        ck_assert(!memcmp(&a.v[i], &b.v[i], sizeof a.v[i]));
    emo__rects_free(&a);
    emo__rects_free(&b);
}
END_TEST

/* Trees with tilted features (eyes): OpenCV finds one eye at
 * (228, 83, 38, 38) with 1.1 / 5 / 30. */
START_TEST(tilted_tree_cascade_finds_an_eye)
{
    const char *path = HAAR_DIR "haarcascade_eye_tree_eyeglasses.xml";
    if (!have(path))
        return;
    emo__rects r = {0};
    detect_astronaut(path, 2, &r);
    ck_assert_int_eq(r.n, 1);
    ck_assert(iou(r.v[0], (emo__rect){228, 83, 38, 38}) > 0.8);
    emo__rects_free(&r);
}
END_TEST

/* The vector path (8 windows at a time) against the plain one-window code:
 * raw hits (no grouping) must be the same list, on the photo and on a
 * busier synthetic texture, for stumps, trees, tilted trees and LBP. */
START_TEST(vector_path_equals_scalar_path)
{
    static const char *const names[] = {
        HAAR_DIR "haarcascade_frontalface_default.xml",
        HAAR_DIR "haarcascade_frontalface_alt2.xml",
        HAAR_DIR "haarcascade_eye_tree_eyeglasses.xml",
        LBP_DIR "lbpcascade_frontalface.xml",
        LBP_DIR "lbpcascade_frontalface_improved.xml",
    };
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    /* second frame: the photo's rows shuffled into stripes, 301 wide so
     * that rows end mid-vector */
    enum { TW = 301, TH = 157 };
    uint8_t *tex = malloc(TW * TH);
    ck_assert_ptr_nonnull(tex);
    for (int y = 0; y < TH; y++)
        for (int x = 0; x < TW; x++)
            tex[y * TW + x] = px[((y * 7) % h) * w + (x * 3 + y) % w];
    emo__detector *d;
    ck_assert_emo_ok(emo__detector_create(&d));
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (!have(names[i]))
            continue;
        emo__cascade *c;
        ck_assert_emo_ok(emo__cascade_load(names[i], &c));
        for (int f = 0; f < 2; f++) {
            const uint8_t *img = f ? tex : px;
            int iw = f ? TW : w, ih = f ? TH : h;
            emo__detect_params p = {1.15, 0, 1, 1, 0, 0, 1, 0, 0};
            emo__rects vec = {0}, ref = {0};
            ck_assert_emo_ok(emo__detect(d, c, img, iw, ih, iw, &p, &vec));
            p.scalar = 1;
            ck_assert_emo_ok(emo__detect(d, c, img, iw, ih, iw, &p, &ref));
            ck_assert_msg(vec.n == ref.n && (f || vec.n > 0),
                          "%s frame %d: %d vs %d", names[i], f, vec.n, ref.n);
            if (vec.n > 0)
                ck_assert(!memcmp(vec.v, ref.v,
                                  sizeof *vec.v * (size_t)vec.n));
            emo__rects_free(&vec);
            emo__rects_free(&ref);
        }
        emo__cascade_free(c);
    }
    emo__detector_free(d);
    free(tex);
    emo_free(px);
}
END_TEST

/* A pixel cap skips the levels over it and nothing else: the raw hits
 * are those of an uncapped scan whose smallest window is the first scale
 * whose level fits, so boxes come back in frame coordinates. */
START_TEST(pixel_cap_skips_only_large_levels)
{
    const char *path = HAAR_DIR "haarcascade_frontalface_default.xml";
    if (!have(path))
        return;
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(
        test_src_path("examples/data/astronaut.png"), 1, &px, &w, &h));
    emo__cascade *c;
    ck_assert_emo_ok(emo__cascade_load(path, &c));
    emo__detector *d;
    ck_assert_emo_ok(emo__detector_create(&d));
    const long long cap = 160 * 160;
    double f = 1; /* the first scale whose level fits the cap */
    while ((long long)lrintf((float)w / (float)f) *
               lrintf((float)h / (float)f) > cap)
        f *= 1.1;
    int win = (int)lrintf((float)c->win_w * (float)f);
    ck_assert_int_gt(win, 60);
    emo__detect_params p = {1.1, 0, win, win, 0, 0, 1, 0, cap};
    emo__rects capped = {0}, ref = {0};
    ck_assert_emo_ok(emo__detect(d, c, px, w, h, w, &p, &capped));
    p.max_pixels = 0;
    ck_assert_emo_ok(emo__detect(d, c, px, w, h, w, &p, &ref));
    ck_assert_int_gt(ref.n, 0);
    ck_assert_int_eq(capped.n, ref.n);
    ck_assert(!memcmp(capped.v, ref.v, sizeof *ref.v * (size_t)ref.n));
    /* with the default minimum size, the cap alone keeps windows that
     * small out */
    p = (emo__detect_params){1.1, 0, 30, 30, 0, 0, 1, 0, cap};
    ck_assert_emo_ok(emo__detect(d, c, px, w, h, w, &p, &capped));
    ck_assert_int_eq(capped.n, ref.n);
    for (int i = 0; i < capped.n; i++)
        ck_assert_int_ge(capped.v[i].w, win);
    /* a cap under the window's area leaves no scale */
    p.max_pixels = (long long)c->win_w * c->win_h - 1;
    ck_assert_emo_ok(emo__detect(d, c, px, w, h, w, &p, &capped));
    ck_assert_int_eq(capped.n, 0);
    emo__rects_free(&capped);
    emo__rects_free(&ref);
    emo__detector_free(d);
    emo__cascade_free(c);
    emo_free(px);
}
END_TEST

/* Frames smaller than the window, flat frames, a tilted cascade. */
START_TEST(small_and_flat_frames_find_nothing)
{
    const char *path = HAAR_DIR "haarcascade_upperbody.xml";
    if (!have(path))
        return;
    emo__cascade *c;
    ck_assert_emo_ok(emo__cascade_load(path, &c));
    ck_assert(c->has_tilted);
    emo__detector *d;
    ck_assert_emo_ok(emo__detector_create(&d));
    emo__detect_params p = {1.1, 3, 1, 1, 0, 0, 1, 0, 0};
    emo__rects r = {0};
    uint8_t one = 9;
    ck_assert_emo_ok(emo__detect(d, c, &one, 1, 1, 1, &p, &r));
    ck_assert_int_eq(r.n, 0);
    uint8_t *flat = malloc(200 * 150);
    ck_assert_ptr_nonnull(flat);
    memset(flat, 128, 200 * 150);
    ck_assert_emo_ok(emo__detect(d, c, flat, 200, 150, 200, &p, &r));
    ck_assert_int_eq(r.n, 0);
    free(flat);
    emo__rects_free(&r);
    emo__detector_free(d);
    emo__cascade_free(c);
}
END_TEST

Suite *cascade_suite(void)
{
    Suite *s = suite_create("cascade");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, loads_frontal_cascades, 0,
                        (int)(sizeof frontal / sizeof *frontal));
    tcase_add_test(tc, loads_every_installed_cascade);
    tcase_add_test(tc, tiny_cascade_loads);
    tcase_add_test(tc, hostile_cascades_are_refused);
    tcase_add_test(tc, empty_and_huge_counts_are_refused);
    tcase_add_test(tc, entity_bomb_is_harmless);
    tcase_add_test(tc, truncated_files_are_refused);
    tcase_add_test(tc, missing_file_is_io_error);
    suite_add_tcase(s, tc);
    tc = tcase_create("image");
    tcase_add_test(tc, integrals_match_definitions);
    tcase_add_test(tc, exact_resize_halves_by_averaging);
    tcase_add_test(tc, grouping_averages_neighbours);
    tcase_add_test(tc, grouping_matches_all_pairs_on_many_hits);
    suite_add_tcase(s, tc);
    tc = tcase_create("detect");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, finds_the_astronaut_like_opencv);
    tcase_add_test(tc, lbp_finds_the_astronaut_like_opencv);
    tcase_add_test(tc, threads_give_the_same_boxes);
    tcase_add_test(tc, tilted_tree_cascade_finds_an_eye);
    tcase_add_test(tc, vector_path_equals_scalar_path);
    tcase_add_test(tc, pixel_cap_skips_only_large_levels);
    tcase_add_test(tc, small_and_flat_frames_find_nothing);
    suite_add_tcase(s, tc);
    return s;
}
