/* check_live.c - examples/emo-live on bad input: an absent camera, a
 * truncated Y4M stream, a wrong --raw size, a model that does not fit;
 * each a clear message and a non-zero exit.  Runs build/emo-live (skips
 * when it is not built). */
#include "testutil.h"

#include <sys/stat.h>
#include <sys/wait.h>

static char exe[4096], dir[64], model[4200];

/* Runs emo-live with `args` (shell words), stdin from `in` (or /dev/null);
 * returns the exit status and leaves stderr in err. */
static int live(const char *args, const char *in, char *err, size_t cap)
{
    char cmd[12000], errf[200];
    snprintf(errf, sizeof errf, "%s/stderr", dir);
    snprintf(cmd, sizeof cmd, "'%s' --model '%s' %s < '%s' > %s/stdout 2> %s",
             exe, model, args, in ? in : "/dev/null", dir, errf);
    int st = system(cmd);
    FILE *fp = fopen(errf, "r");
    size_t n = fp ? fread(err, 1, cap - 1, fp) : 0;
    err[n] = 0;
    if (fp)
        fclose(fp);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup_ok(void)
{
    snprintf(exe, sizeof exe, "%s", test_src_path("build/emo-live"));
    if (access(exe, X_OK) != 0) {
        fprintf(stderr, "check_live: %s not built: skipped\n", exe);
        return 0;
    }
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(model, sizeof model, "%s/lenet.emo", dir);
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
    ck_assert_emo_ok(emo_network_save(net, model));
    emo_network_destroy(net);
    return 1;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    static char path[200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_int_eq(write_bytes(path, data, n), 0);
    return path;
}

START_TEST(absent_camera)
{
    if (!setup_ok())
        return;
    char err[2000];
    ck_assert_int_ne(live("--device /dev/emo-no-such-video", NULL, err,
                          sizeof err), 0);
    ck_assert_msg(strstr(err, "cannot open camera"), "%s", err);
}
END_TEST

START_TEST(y4m_ok_and_truncated)
{
    if (!setup_ok())
        return;
    /* Two gray 64x48 frames, as ffmpeg writes them (C420jpeg). */
    size_t frame = 64 * 48 + 2 * 32 * 24;
    static const char head[] = "YUV4MPEG2 W64 H48 F30:1 Ip A1:1 C420jpeg\n";
    size_t n = strlen(head) + 2 * (6 + frame);
    char *buf = malloc(n), *q = buf;
    q += sprintf(q, "%s", head);
    for (int i = 0; i < 2; i++) {
        q += sprintf(q, "FRAME\n");
        memset(q, 100, frame);
        q += frame;
    }
    char err[2000];
    const char *ok = write_file("ok.y4m", buf, n);
    ck_assert_int_eq(live("--input -", ok, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "frames=2 "), "%s", err);
    const char *cut = write_file("cut.y4m", buf, n - 100);
    ck_assert_int_eq(live("--input -", cut, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "truncated"), "%s", err);
    const char *bad = write_file("bad.y4m", "hello world\n", 12);
    ck_assert_int_eq(live("--input -", bad, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "not a YUV4MPEG2"), "%s", err);
    const char *mono16 = write_file("m16.y4m",
                                    "YUV4MPEG2 W64 H48 Cmono16\n", 26);
    ck_assert_int_eq(live("--input -", mono16, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "not supported"), "%s", err);
    free(buf);
}
END_TEST

/* The whole file, NUL-terminated (free it), or NULL. */
static char *read_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    char *v = NULL;
    long len;
    if (fp && fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 &&
        fseek(fp, 0, SEEK_SET) == 0 && (v = malloc((size_t)len + 1))) {
        *n = fread(v, 1, (size_t)len, fp);
        v[*n] = 0;
    }
    if (fp)
        fclose(fp);
    return v;
}

/* The annotated video keeps a colour stream's colour: a C444 frame, red
 * on its left half and gray on its right, comes out as C420jpeg with the
 * red's Cr on the left and neutral chroma on the right; a Cmono stream
 * comes out gray. */
START_TEST(annotated_video_in_colour)
{
    if (!setup_ok())
        return;
    enum { W = 64, H = 48, CW = W / 2, CH = H / 2 };
    static const char head[] = "YUV4MPEG2 W64 H48 F30:1 Ip A1:1 C444\n";
    static uint8_t buf[sizeof head + 6 + 3 * W * H];
    uint8_t *q = buf + sprintf((char *)buf, "%sFRAME\n", head);
    memset(q, 100, W * H);                  /* Y */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            q[W * H + y * W + x] = x < W / 2 ? 90 : 128;      /* Cb */
            q[2 * W * H + y * W + x] = x < W / 2 ? 220 : 128; /* Cr */
        }
    size_t n = (size_t)(q - buf) + 3 * W * H;
    char err[2000], out[300];
    snprintf(out, sizeof out, "%s/stdout", dir);
    const char *in = write_file("c444.y4m", buf, n);
    ck_assert_int_eq(live("--input - --annotate-y4m --no-json", in, err,
                          sizeof err), 0);
    size_t got;
    char *v = read_all(out, &got);
    ck_assert_ptr_nonnull(v);
    char *frame = strstr(v, "FRAME\n");
    ck_assert_msg(frame && strstr(v, "C420jpeg"), "not a C420jpeg Y4M");
    const uint8_t *y = (const uint8_t *)frame + 6;
    const uint8_t *cb = y + W * H, *cr = cb + CW * CH;
    ck_assert_uint_eq(got, (size_t)(frame - v) + 6 + W * H + 2 * CW * CH);
    int row = CH / 2 * CW;
    ck_assert_msg(abs(y[H / 2 * W + 4] - 100) <= 2, "Y %d", y[H / 2 * W + 4]);
    ck_assert_msg(abs(cr[row + 2] - 220) <= 3 && abs(cb[row + 2] - 90) <= 3,
                  "left half lost its colour: Cb %d Cr %d", cb[row + 2],
                  cr[row + 2]);
    ck_assert_msg(abs(cr[row + CW - 2] - 128) <= 2, "right half Cr %d",
                  cr[row + CW - 2]);
    free(v);
    /* the same frame's Y plane alone (Cmono): gray out */
    static const char mono[] = "YUV4MPEG2 W64 H48 F30:1 Cmono\nFRAME\n";
    size_t mn = strlen(mono);
    uint8_t *m = malloc(mn + W * H);
    memcpy(m, mono, mn);
    memset(m + mn, 100, W * H);
    in = write_file("mono.y4m", m, mn + W * H);
    free(m);
    ck_assert_int_eq(live("--input - --annotate-y4m --no-json", in, err,
                          sizeof err), 0);
    v = read_all(out, &got);
    ck_assert_ptr_nonnull(v);
    frame = strstr(v, "FRAME\n");
    ck_assert_ptr_nonnull(frame);
    cr = (const uint8_t *)frame + 6 + W * H + CW * CH;
    ck_assert_msg(abs(cr[row + 2] - 128) <= 1, "mono input: Cr %d",
                  cr[row + 2]);
    free(v);
}
END_TEST

START_TEST(raw_size)
{
    if (!setup_ok())
        return;
    static uint8_t px[3 * 40 * 30];
    char err[2000];
    const char *raw = write_file("f.raw", px, sizeof px);
    ck_assert_int_eq(live("--input - --raw 40x30", raw, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "frames=3 "), "%s", err);
    ck_assert_int_eq(live("--input - --raw 50x30", raw, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "wrong --raw size"), "%s", err);
    ck_assert_int_eq(live("--input - --raw 0x30", raw, err, sizeof err), 2);
}
END_TEST

START_TEST(model_does_not_fit)
{
    if (!setup_ok())
        return;
    /* A valid model file, but of a network for colour 48x48 input: no
     * gray face the preprocessor makes fits it. */
    static const char text[] =
        "[net]\nchannels = 3\nsize = 48\n\n"
        "[ip]\ntype = fc\noutputs = 7\n\n[prob]\ntype = softmax\n";
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(text, &net));
    snprintf(model, sizeof model, "%s/misfit.emo", dir);
    ck_assert_emo_ok(emo_network_save(net, model));
    emo_network_destroy(net);
    char err[2000];
    ck_assert_int_eq(live("--input -", NULL, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "does not fit"), "%s", err);
    snprintf(model, sizeof model, "%s/none.emo", dir);
    ck_assert_int_eq(live("--input -", NULL, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "none.emo"), "%s", err);
}
END_TEST

Suite *live_suite(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("emo-live");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, absent_camera);
    tcase_add_test(tc, y4m_ok_and_truncated);
    tcase_add_test(tc, raw_size);
    tcase_add_test(tc, annotated_video_in_colour);
    tcase_add_test(tc, model_does_not_fit);
    suite_add_tcase(s, tc);
    return s;
}
