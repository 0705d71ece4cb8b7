/* check_dataset.c - every dataset loader on fixture trees the tests write
 * themselves, class normalisation, 7 vs 8 classes, splits. */
#include "testutil.h"

#include <sys/stat.h>

/* ---- fixtures ------------------------------------------------------------ */

static void mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

/* A small gray PNG whose pixels are all `value`. */
static void png_at(const char *dir, const char *name, int value)
{
    char path[4096];
    uint8_t px[6 * 6];
    memset(px, value, sizeof px);
    mkdirs(dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_emo_ok(emo_image_save_png(path, px, 6, 6, 6, 1));
}

static void text_at(const char *dir, const char *name, const char *text)
{
    char path[4096];
    mkdirs(dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_int_eq(write_bytes(path, text, strlen(text)), 0);
}

static emo_dataset *new_ds(int classes)
{
    emo_dataset *ds;
    ck_assert_emo_ok(emo_dataset_create(&ds));
    ck_assert_emo_ok(emo_dataset_set_int(ds, EMO_OPT_DATA_CLASSES, classes));
    return ds;
}

/* A folder-per-class tree: n subjects x classes anger, happy, contempt,
 * with `per` frames each; returns the root. */
static const char *class_tree(int subjects, int per)
{
    const char *tmp = test_tmpdir();
    static char root[256];
    snprintf(root, sizeof root, "%s/ck48", tmp);
    static const char *const cls[] = {"anger", "happy", "contempt"};
    for (int c = 0; c < 3; c++)
        for (int s = 0; s < subjects; s++)
            for (int f = 0; f < per; f++) {
                char dir[512], name[64];
                snprintf(dir, sizeof dir, "%s/%s", root, cls[c]);
                snprintf(name, sizeof name, "S%03d_%03d_%08d.png", s + 10,
                         c + 1, f + 1);
                png_at(dir, name, 40 * c + f);
            }
    return root;
}

/* ---- folder per class ---------------------------------------------------- */

START_TEST(folder_loads_classes_and_subjects)
{
    const char *root = class_tree(2, 3);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/notaclass", root);
    png_at(dir, "x.png", 1);                  /* unknown class: left out */
    snprintf(dir, sizeof dir, "%s/happy", root);
    text_at(dir, "README.txt", "not an image");  /* not an image name */
    text_at(dir, "broken.png", "garbage bytes"); /* counted as skipped */
    png_at(dir, "photo.png", 9);                 /* no subject */

    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_folder(ds, root));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 6 + 8);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_ANGER), 6);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_HAPPY), 8);
    ck_assert_int_eq(emo_dataset_skipped(ds), 1);
    ck_assert_int_eq(emo_dataset_num_classes(ds), 7);
    /* Left out, and counted: notaclass/x.png and the 6 contempt faces. */
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_UNKNOWN_FOLDER),
                     1);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS),
                     6);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_NO_VOTES), 0);
    ck_assert_int_eq(emo_dataset_left_out(ds, 6), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_left_out(NULL, 0), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_dataset_item_votes(ds, 0, NULL, 0), 0);
    int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1), saw_none = 0;
    for (int i = 0; i < n; i++) {
        const char *s = emo_dataset_item_subject(ds, i);
        const char *p = emo_dataset_item_path(ds, i);
        if (strstr(p, "photo.png") || strstr(p, "broken.png")) {
            ck_assert_str_eq(s, "");
            saw_none++;
        } else
            ck_assert_msg(!strcmp(s, "S010") || !strcmp(s, "S011"), "%s", s);
    }
    ck_assert_int_eq(saw_none, 2);
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_dataset_item_image(ds, 0, &px, &w, &h));
    ck_assert(w == 6 && h == 6 && px[0] == 0);
    emo_free(px);
    emo_dataset_destroy(ds);

    ds = new_ds(8); /* contempt kept as class 7 */
    ck_assert_emo_ok(emo_dataset_add_folder(ds, root));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_CONTEMPT),
                     6);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 20);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS),
                     0);
    emo_dataset_destroy(ds);
}
END_TEST

START_TEST(folder_normalises_class_spellings)
{
    const char *tmp = test_tmpdir();
    static const char *const names[] = {"Angry", "sadness", "HAPPINESS",
                                        "surprised", "Neutral"};
    static const int want[] = {EMO_CLASS_ANGER, EMO_CLASS_SAD,
                               EMO_CLASS_HAPPY, EMO_CLASS_SURPRISE,
                               EMO_CLASS_NEUTRAL};
    char dir[512];
    for (int i = 0; i < 5; i++) {
        snprintf(dir, sizeof dir, "%s/%s", tmp, names[i]);
        png_at(dir, "a.png", i);
    }
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_folder(ds, tmp));
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, want[i]), 1);
    emo_dataset_destroy(ds);
}
END_TEST

/* Folders that are no class are reported with their image counts; with
 * EMO_OPT_DATA_FOLDER_CLASSES every folder is a class of its own. */
START_TEST(folder_left_out_and_own_classes)
{
    const char *root = class_tree(1, 2); /* anger, happy, contempt: 2 each */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/bored", root);
    png_at(dir, "a.png", 1);
    png_at(dir, "b.png", 2);
    png_at(dir, "c.png", 3);
    snprintf(dir, sizeof dir, "%s/sadness", root);
    png_at(dir, "a.png", 4);

    emo_dataset *ds = new_ds(7);
    const char *name = NULL;
    ck_assert_emo_ok(emo_dataset_add_folder(ds, root));
    /* bored names no class; contempt is an emotion the 7 classes leave
     * out, counted apart */
    ck_assert_int_eq(emo_dataset_left_out_folder(ds, 0, &name), 3);
    ck_assert_str_eq(name, "bored");
    ck_assert_int_eq(emo_dataset_left_out_folder(ds, 1, &name), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_UNKNOWN_FOLDER), 3);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS), 2);
    ck_assert_int_eq(emo_dataset_left_out_folder(NULL, 0, &name),
                     EMO_ERR_INVALID_ARG);
    ck_assert_str_eq(emo_dataset_class_name(ds, EMO_CLASS_SAD), "sad");
    ck_assert_ptr_null(emo_dataset_class_name(ds, 7));
    emo_dataset_destroy(ds);

    ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_set_int(ds, EMO_OPT_DATA_FOLDER_CLASSES, 1));
    ck_assert_emo_ok(emo_dataset_add_folder(ds, root));
    ck_assert_int_eq(emo_dataset_left_out_folder(ds, 0, &name), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_num_classes(ds), 5);
    static const char *const want[] = {"anger", "bored", "contempt", "happy",
                                       "sad"}; /* "sadness" canonical */
    static const int count[] = {2, 3, 2, 2, 1};
    for (int c = 0; c < 5; c++) {
        ck_assert_str_eq(emo_dataset_class_name(ds, c), want[c]);
        ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, c), count[c]);
    }
    ck_assert_ptr_null(emo_dataset_class_name(ds, 5));
    /* a canonical source joins the named classes by name */
    snprintf(dir, sizeof dir, "%s/list.txt", root);
    text_at(root, "list.txt", "happy/S010_002_00000001.png happy\n"
            "happy/S010_002_00000002.png 0\n");
    ck_assert_emo_ok(emo_dataset_add_list(ds, dir, NULL));
    ck_assert_int_eq(emo_dataset_num_classes(ds), 6);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, 3), 3);
    ck_assert_str_eq(emo_dataset_class_name(ds, 5), "neutral");
    emo_dataset_destroy(ds);
}
END_TEST

START_TEST(folder_errors)
{
    emo_dataset *ds = new_ds(7);
    ck_assert_int_eq(emo_dataset_add_folder(ds, "/nonexistent/emo"),
                     EMO_ERR_IO);
    ck_assert_int_eq(emo_dataset_add_folder(ds, test_tmpdir()), EMO_ERR_EMPTY);
    ck_assert_int_eq(emo_dataset_add_folder(NULL, "/tmp"),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_dataset_set_int(ds, EMO_OPT_DATA_CLASSES, 9),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_set_int(ds, EMO_OPT_TRAIN_LR, 1),
                     EMO_ERR_RANGE);
    ck_assert_ptr_null(emo_dataset_item_path(ds, 0));
    ck_assert_int_lt(emo_dataset_count(ds, 7, -1), 0);
    emo_dataset_destroy(ds);
    emo_dataset_destroy(NULL);
}
END_TEST

/* A dangling symbolic link and a FIFO with image names are unreadable
 * files: left out and counted, as docs/datasets.md says (they used to be
 * dropped from the listing without a count). */
START_TEST(folder_counts_dangling_links_and_fifos)
{
    const char *root = test_tmpdir();
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/happy", root);
    png_at(dir, "good.png", 1);
    snprintf(path, sizeof path, "%s/gone.png", dir);
    ck_assert_int_eq(symlink("nowhere.png", path), 0);
    snprintf(path, sizeof path, "%s/pipe.png", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_folder(ds, root));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 1);
    ck_assert_int_eq(emo_dataset_skipped(ds), 2);
    emo_dataset_destroy(ds);
}
END_TEST

/* A list naming a FIFO counts it as unreadable instead of waiting for a
 * writer forever (the test would time out). */
START_TEST(list_counts_fifos_without_blocking)
{
    const char *dir = test_tmpdir();
    char path[512];
    png_at(dir, "good.png", 1);
    snprintf(path, sizeof path, "%s/pipe.png", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    text_at(dir, "list.txt", "good.png happy\npipe.png happy\n");
    snprintf(path, sizeof path, "%s/list.txt", dir);
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_list(ds, path, NULL));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 1);
    ck_assert_int_eq(emo_dataset_skipped(ds), 1);
    emo_dataset_destroy(ds);
}
END_TEST

/* ---- CK+ distribution ---------------------------------------------------- */

/* Subject S005: sequence 001 labelled disgust (9 frames), 002 unlabelled,
 * 003 contempt (3 frames). */
static const char *ckplus_tree(void)
{
    static char root[256];
    snprintf(root, sizeof root, "%s", test_tmpdir());
    char dir[512], name[64];
    for (int f = 1; f <= 9; f++) {
        snprintf(dir, sizeof dir, "%s/cohn-kanade-images/S005/001", root);
        snprintf(name, sizeof name, "S005_001_%08d.png", f);
        png_at(dir, name, f);
        snprintf(dir, sizeof dir, "%s/cohn-kanade-images/S005/002", root);
        snprintf(name, sizeof name, "S005_002_%08d.png", f);
        png_at(dir, name, f);
    }
    for (int f = 1; f <= 3; f++) {
        snprintf(dir, sizeof dir, "%s/cohn-kanade-images/S005/003", root);
        snprintf(name, sizeof name, "S005_003_%08d.png", f);
        png_at(dir, name, f);
    }
    snprintf(dir, sizeof dir, "%s/Emotion/S005/001", root);
    text_at(dir, "S005_001_00000009_emotion.txt", "   3.0000000e+00\n");
    snprintf(dir, sizeof dir, "%s/Emotion/S005/003", root);
    text_at(dir, "S005_003_00000003_emotion.txt", "   2.0000000e+00\n");
    mkdirs(dir);
    return root;
}

START_TEST(ckplus_layout)
{
    const char *root = ckplus_tree();
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_ckplus(ds, root));
    /* 001: last third (3) disgust, first 2 neutral; 003: contempt left out
     * with 7 classes, its first frames (2, not overlapping the emotion
     * frame) neutral. */
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_DISGUST),
                     3);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_NEUTRAL),
                     4);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 7);
    for (int i = 0; i < 7; i++) {
        ck_assert_str_eq(emo_dataset_item_subject(ds, i), "S005");
        ck_assert_ptr_null(strstr(emo_dataset_item_path(ds, i), "/002/"));
    }
    ck_assert_msg(strstr(emo_dataset_item_path(ds, 2), "00000007.png"),
                  "%s", emo_dataset_item_path(ds, 2));
    emo_dataset_destroy(ds);

    ds = new_ds(8);
    ck_assert_emo_ok(emo_dataset_set_int(ds, EMO_OPT_DATA_CKPLUS_NEUTRAL, 0));
    ck_assert_emo_ok(emo_dataset_set_float(ds, EMO_OPT_DATA_CKPLUS_FRACTION,
                                           0.5));
    ck_assert_emo_ok(emo_dataset_add_ckplus(ds, root));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_DISGUST),
                     5);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_CONTEMPT),
                     2);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_NEUTRAL),
                     0);
    emo_dataset_destroy(ds);
}
END_TEST

START_TEST(ckplus_bad_label_and_missing_root)
{
    const char *root = ckplus_tree();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/Emotion/S005/002", root);
    text_at(dir, "S005_002_00000009_emotion.txt", "happy\n");
    emo_dataset *ds = new_ds(7);
    ck_assert_int_eq(emo_dataset_add_ckplus(ds, root), EMO_ERR_FORMAT);
    ck_assert_msg(strstr(emo_last_error(), "_emotion.txt:1:"), "%s",
                  emo_last_error());
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 0);
    /* an emotion file that cannot be read is an error, not "unlabelled" */
    char path[600];
    snprintf(path, sizeof path, "%s/S005_002_00000009_emotion.txt", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(symlink("gone.txt", path), 0);
    ck_assert_int_eq(emo_dataset_add_ckplus(ds, root), EMO_ERR_IO);
    ck_assert_int_eq(emo_dataset_add_ckplus(ds, test_tmpdir()), EMO_ERR_IO);
    emo_dataset_destroy(ds);
}
END_TEST

/* ---- JAFFE --------------------------------------------------------------- */

START_TEST(jaffe_names)
{
    const char *dir = test_tmpdir();
    static const char tiff[] = "II*\0fake tiff";
    static const char *const files[] = {"KA.AN1.39.tiff", "KA.HA2.40.tiff",
                                        "YM.NE1.50.tiff", "YM.FE3.52.tiff"};
    char path[512];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        ck_assert_int_eq(write_bytes(path, tiff, sizeof tiff), 0);
    }
    text_at(dir, "README", "JAFFE");
    text_at(dir, "XX.ZZ1.1.tiff", "unknown code");
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_jaffe(ds, dir));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 4);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_ANGER), 1);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_FEAR), 1);
    ck_assert_str_eq(emo_dataset_item_subject(ds, 0), "KA");
    ck_assert_str_eq(emo_dataset_item_subject(ds, 3), "YM");
    /* TIFFs are decoded: these fakes start like one, so they count as
     * skipped only when reading them fails, each once. */
    ck_assert_int_eq(emo_dataset_skipped(ds), 0);
    uint8_t *px;
    int w, h;
    ck_assert_int_eq(emo_dataset_item_image(ds, 0, &px, &w, &h),
                     EMO_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "TIFF: "));
    ck_assert_int_eq(emo_dataset_skipped(ds), 1);
    ck_assert_int_lt(emo_dataset_item_image(ds, 0, &px, &w, &h), 0);
    ck_assert_int_eq(emo_dataset_skipped(ds), 1);
    emo_dataset_destroy(ds);
}
END_TEST

/* ---- lists --------------------------------------------------------------- */

START_TEST(list_paths_labels_and_bad_line)
{
    const char *dir = test_tmpdir();
    char sub[512];
    snprintf(sub, sizeof sub, "%s/sub dir", dir);
    png_at(dir, "S042_001_00000001.png", 1);
    png_at(sub, "b.png", 2);
    char list[1024];
    snprintf(list, sizeof list,
             "# path label\n"
             "S042_001_00000001.png 1\n"
             "\n"
             "sub dir/b.png   happy\r\n"
             "%s/b.png 7\n"
             "missing.png sad\n",
             sub);
    text_at(dir, "list.txt", list);
    char path[512];
    snprintf(path, sizeof path, "%s/list.txt", dir);
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_list(ds, path, NULL));
    /* contempt (7) left out, missing.png skipped */
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 2);
    ck_assert_int_eq(emo_dataset_item_label(ds, 0), EMO_CLASS_ANGER);
    ck_assert_int_eq(emo_dataset_item_label(ds, 1), EMO_CLASS_HAPPY);
    ck_assert_str_eq(emo_dataset_item_subject(ds, 0), "S042");
    ck_assert_int_eq(emo_dataset_skipped(ds), 1);

    text_at(dir, "bad.txt", "S042_001_00000001.png 1\n\n# c\nx.png 12\n");
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    ck_assert_int_eq(emo_dataset_add_list(ds, path, dir), EMO_ERR_FORMAT);
    ck_assert_msg(strstr(emo_last_error(), "bad.txt:4:"), "%s",
                  emo_last_error());
    text_at(dir, "bad2.txt", "justapath\n");
    snprintf(path, sizeof path, "%s/bad2.txt", dir);
    ck_assert_int_eq(emo_dataset_add_list(ds, path, dir), EMO_ERR_FORMAT);
    ck_assert_msg(strstr(emo_last_error(), "bad2.txt:1:"), "%s",
                  emo_last_error());
    /* a failed source leaves the dataset as it was */
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 2);
    ck_assert_int_eq(emo_dataset_skipped(ds), 1);
    emo_dataset_destroy(ds);
}
END_TEST

/* ---- FER2013 CSV --------------------------------------------------------- */

/* One CSV row: all pixels `v` except pixel 0 = 7. */
static void fer_row(FILE *fp, int emotion, int v, const char *usage)
{
    fprintf(fp, "%d,7", emotion);
    for (int i = 1; i < 48 * 48; i++)
        fprintf(fp, " %d", v);
    fprintf(fp, ",%s\n", usage);
}

START_TEST(fer_csv_rows_usage_and_bad_row)
{
    const char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/fer.csv", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "emotion,pixels,Usage\n");
    fer_row(fp, 0, 10, "Training");
    fer_row(fp, 6, 20, "Training");
    fer_row(fp, 3, 30, "PublicTest");
    fclose(fp);
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_fer_csv(ds, path, "Training"));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 2);
    ck_assert_int_eq(emo_dataset_item_label(ds, 0), EMO_CLASS_ANGER);
    ck_assert_int_eq(emo_dataset_item_label(ds, 1), EMO_CLASS_NEUTRAL);
    ck_assert_msg(strstr(emo_dataset_item_path(ds, 1), "fer.csv:3"), "%s",
                  emo_dataset_item_path(ds, 1));
    ck_assert_emo_ok(emo_dataset_add_fer_csv(ds, path, NULL));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_HAPPY), 1);
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_dataset_item_image(ds, 1, &px, &w, &h));
    ck_assert(w == 48 && h == 48 && px[0] == 7 && px[1] == 20);
    emo_free(px);

    snprintf(path, sizeof path, "%s/bad.csv", dir);
    fp = fopen(path, "w");
    fprintf(fp, "emotion,pixels,Usage\n");
    fer_row(fp, 0, 10, "Training");
    fprintf(fp, "2,1 2 3,Training\n");
    fclose(fp);
    ck_assert_int_eq(emo_dataset_add_fer_csv(ds, path, NULL), EMO_ERR_FORMAT);
    ck_assert_msg(strstr(emo_last_error(), "bad.csv:3:"), "%s",
                  emo_last_error());
    fp = fopen(path, "w");
    fprintf(fp, "emotion,pixels,Usage\n9,1,Training\n");
    fclose(fp);
    ck_assert_int_eq(emo_dataset_add_fer_csv(ds, path, NULL), EMO_ERR_FORMAT);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 5);
    emo_dataset_destroy(ds);
}
END_TEST

/* ---- splits -------------------------------------------------------------- */

/* Item splits as a string, for comparing two splits. */
/* ---- FER+ votes ---------------------------------------------------------- */

/* A FER+ folder: label.csv with the given lines and an image per name
 * (fer0.png .. fer9.png). */
static const char *ferplus_dir(const char *csv)
{
    static char dir[256];
    snprintf(dir, sizeof dir, "%s/ferplus", test_tmpdir());
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "fer%d.png", i);
        png_at(dir, name, 10 * i);
    }
    text_at(dir, "label.csv", csv);
    return dir;
}

START_TEST(ferplus_majority_protocol_and_votes)
{
    /* columns: neutral happiness surprise sadness anger disgust fear
     * contempt unknown NF */
    const char *dir = ferplus_dir(
        "fer0.png,\"(0, 0, 48, 48)\",6,1,1,0,0,0,0,0,2,0\n"  /* neutral */
        "fer1.png,\"(0, 0, 48, 48)\",0,5,0,0,0,0,0,0,0,0\r\n" /* happy */
        "fer2.png,\"(0, 0, 48, 48)\",4,0,0,0,0,0,0,4,1,1\n"  /* tie */
        "fer3.png,\"(0, 0, 48, 48)\",1,1,1,1,1,1,1,1,1,1\n"  /* all 1s */
        "\n"
        "fer4.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,7,1,0\n"  /* contempt */
        "fer5.png,\"(0, 0, 48, 48)\",2,0,0,0,0,0,0,0,6,0\n"  /* unknown */
        "fer6.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,0,0,9\n"  /* not a face */
        "fer7.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,0,0,0\n"  /* no votes */
        /* 3 of 5 after the single votes go: fear */
        "fer8.png,\"(0, 0, 48, 48)\",0,1,0,2,1,0,3,0,1,0\n"
        "missing.png,\"(0, 0, 48, 48)\",0,0,9,0,0,0,0,0,0,0\n");
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_ferplus(ds, dir));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 3);
    ck_assert_int_eq(emo_dataset_item_label(ds, 0), EMO_CLASS_NEUTRAL);
    ck_assert_int_eq(emo_dataset_item_label(ds, 1), EMO_CLASS_HAPPY);
    ck_assert_int_eq(emo_dataset_item_label(ds, 2), EMO_CLASS_FEAR);
    ck_assert_int_eq(emo_dataset_skipped(ds), 1); /* missing.png */
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_NO_MAJORITY), 2);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS),
                     1);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_VOTE_UNKNOWN), 1);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_NOT_FACE), 1);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_NO_VOTES), 1);
    /* The raw votes, in EMO_CLASS_* order, single votes kept. */
    int v[EMO_FERPLUS_VOTES + 2];
    memset(v, 0xff, sizeof v);
    ck_assert_int_eq(emo_dataset_item_votes(ds, 2, v, EMO_FERPLUS_VOTES + 2),
                     EMO_FERPLUS_VOTES);
    ck_assert_int_eq(v[EMO_CLASS_FEAR], 3);
    ck_assert_int_eq(v[EMO_CLASS_SAD], 2);
    ck_assert_int_eq(v[EMO_CLASS_HAPPY], 1);
    ck_assert_int_eq(v[EMO_CLASS_ANGER], 1);
    ck_assert_int_eq(v[EMO_CLASS_NEUTRAL], 0);
    ck_assert_int_eq(v[EMO_FERPLUS_UNKNOWN], 1);
    ck_assert_int_eq(v[EMO_FERPLUS_NOT_FACE], 0);
    ck_assert_int_eq(v[EMO_FERPLUS_VOTES], -1); /* past n: untouched */
    int two[2] = {-1, -1};
    ck_assert_int_eq(emo_dataset_item_votes(ds, 0, two, 1), EMO_FERPLUS_VOTES);
    ck_assert_int_eq(two[0], 6);
    ck_assert_int_eq(two[1], -1);
    ck_assert_int_eq(emo_dataset_item_votes(ds, 3, v, 10), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_item_votes(ds, 0, NULL, 3),
                     EMO_ERR_INVALID_ARG);
    emo_dataset_destroy(ds);

    ds = new_ds(8); /* contempt is a class now */
    ck_assert_emo_ok(emo_dataset_add_ferplus(ds, dir));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, EMO_CLASS_CONTEMPT),
                     1);
    ck_assert_int_eq(emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS),
                     0);
    emo_dataset_destroy(ds);
}
END_TEST

START_TEST(ferplus_bad_lines)
{
    static const struct {
        const char *csv, *msg;
    } bad[] = {
        {"fer0.png,\"(0, 0, 48, 48)\",1,2,3\n", "label.csv:1: expected 10"},
        {"fer0.png,\"(0, 0, 48, 48)\",1,2,3,4,5,6,7,8,9,0,1\n",
         "label.csv:1: more than 10"},
        {"fer0.png,\"(0, 0, 48, 48)\",1,0,0,0,0,0,0,0,0,0\n"
         "fer1.png,\"(0, 0, 48, 48)\",1,x,0,0,0,0,0,0,0,0\n",
         "label.csv:2: vote count 2"},
        {"fer0.png,\"(0, 0, 48, 48)\",1,0,0,0,0,0,0,0,0,-1\n",
         "label.csv:1: vote count 10"},
        {"fer0.png,\"(0, 0, 48, 48)\",1,0,0,0,0,0,0,0,0,256\n",
         "label.csv:1: vote count 10"},
        {"fer0.png,\"(0, 0, 48, 48),1,0,0,0,0,0,0,0,0,0\n", "unterminated"},
        {"../x.png,\"(0, 0, 48, 48)\",1,0,0,0,0,0,0,0,0,0\n",
         "label.csv:1: '../x.png'"},
        {"just a line\n", "label.csv:1: expected"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *dir = ferplus_dir(bad[k].csv);
        emo_dataset *ds = new_ds(7);
        ck_assert_int_eq(emo_dataset_add_ferplus(ds, dir), EMO_ERR_FORMAT);
        ck_assert_msg(strstr(emo_last_error(), bad[k].msg), "case %zu: '%s' "
                      "lacks '%s'", k, emo_last_error(), bad[k].msg);
        /* all or nothing: no items, no counts */
        ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_ALL, -1), 0);
        for (int r = 0; r < 6; r++)
            ck_assert_int_eq(emo_dataset_left_out(ds, r), 0);
        emo_dataset_destroy(ds);
    }
    emo_dataset *ds = new_ds(7);
    ck_assert_int_eq(emo_dataset_add_ferplus(ds, "/nonexistent/ferplus"),
                     EMO_ERR_IO);
    ck_assert_int_eq(emo_dataset_add_ferplus(NULL, "/tmp"),
                     EMO_ERR_INVALID_ARG);
    emo_dataset_destroy(ds);
}
END_TEST

static void splits_of(const emo_dataset *ds, char *out)
{
    int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1);
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + emo_dataset_item_split(ds, i));
    out[n] = 0;
}

START_TEST(random_split_fractions_stratified_reproducible)
{
    const char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/fer.csv", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "emotion,pixels,Usage\n");
    for (int i = 0; i < 80; i++)
        fer_row(fp, i < 50 ? 3 : 5, i, "Training"); /* 50 happy, 30 surprise */
    fclose(fp);
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_fer_csv(ds, path, NULL));
    ck_assert_emo_ok(emo_dataset_split_random(ds, 0.7, 0.1, 0.2, 42));
    int h = EMO_CLASS_HAPPY, s = EMO_CLASS_SURPRISE;
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_TRAIN, h), 35);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_VAL, h), 5);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_TEST, h), 10);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_TRAIN, s), 21);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_VAL, s), 3);
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_TEST, s), 6);
    char a[128], b[128], c[128];
    splits_of(ds, a);
    ck_assert_emo_ok(emo_dataset_split_random(ds, 0.7, 0.1, 0.2, 42));
    splits_of(ds, b);
    ck_assert_str_eq(a, b);
    ck_assert_emo_ok(emo_dataset_split_random(ds, 0.7, 0.1, 0.2, 43));
    splits_of(ds, c);
    ck_assert_str_ne(a, c);
    ck_assert_int_eq(emo_dataset_split_random(ds, 0.7, 0.2, 0.2, 1),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_split_random(ds, 1.2, -0.2, 0.0, 1),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_dataset_split_all(ds, EMO_SPLIT_TEST));
    ck_assert_int_eq(emo_dataset_count(ds, EMO_SPLIT_TEST, -1), 80);
    /* no subjects in CSV rows */
    ck_assert_int_eq(emo_dataset_split_subjects(ds, 5, 0, 0, 1),
                     EMO_ERR_STATE);
    emo_dataset_destroy(ds);
    ds = new_ds(7);
    ck_assert_int_eq(emo_dataset_split_random(ds, 0.7, 0.1, 0.2, 42),
                     EMO_ERR_EMPTY);
    emo_dataset_destroy(ds);
}
END_TEST

START_TEST(subject_folds_are_disjoint)
{
    const char *root = class_tree(12, 2);
    emo_dataset *ds = new_ds(7);
    ck_assert_emo_ok(emo_dataset_add_folder(ds, root));
    int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1);
    ck_assert_int_eq(n, 48);
    const int k = 4;
    int tested[64] = {0};
    for (int fold = 0; fold < k; fold++) {
        ck_assert_emo_ok(emo_dataset_split_subjects(ds, k, fold, 1, 7));
        ck_assert_int_gt(emo_dataset_count(ds, EMO_SPLIT_TEST, -1), 0);
        ck_assert_int_gt(emo_dataset_count(ds, EMO_SPLIT_VAL, -1), 0);
        ck_assert_int_gt(emo_dataset_count(ds, EMO_SPLIT_TRAIN, -1), 0);
        /* every pair of items of one subject shares its split */
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++)
                if (!strcmp(emo_dataset_item_subject(ds, i),
                            emo_dataset_item_subject(ds, j)))
                    ck_assert_int_eq(emo_dataset_item_split(ds, i),
                                     emo_dataset_item_split(ds, j));
            if (emo_dataset_item_split(ds, i) == EMO_SPLIT_TEST)
                tested[i]++;
        }
    }
    for (int i = 0; i < n; i++) /* folds partition the items */
        ck_assert_int_eq(tested[i], 1);
    char a[64], b[64];
    ck_assert_emo_ok(emo_dataset_split_subjects(ds, k, 1, 0, 99));
    splits_of(ds, a);
    ck_assert_emo_ok(emo_dataset_split_subjects(ds, k, 1, 0, 99));
    splits_of(ds, b);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_null(strchr(a, '1')); /* no validation asked */
    ck_assert_int_eq(emo_dataset_split_subjects(ds, 13, 0, 0, 1),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_split_subjects(ds, 4, 4, 0, 1),
                     EMO_ERR_RANGE);
    emo_dataset_destroy(ds);
}
END_TEST

Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("loaders");
    tcase_add_test(tc, folder_loads_classes_and_subjects);
    tcase_add_test(tc, folder_normalises_class_spellings);
    tcase_add_test(tc, folder_left_out_and_own_classes);
    tcase_add_test(tc, folder_errors);
    tcase_add_test(tc, folder_counts_dangling_links_and_fifos);
    tcase_add_test(tc, list_counts_fifos_without_blocking);
    tcase_add_test(tc, ckplus_layout);
    tcase_add_test(tc, ckplus_bad_label_and_missing_root);
    tcase_add_test(tc, jaffe_names);
    tcase_add_test(tc, list_paths_labels_and_bad_line);
    tcase_add_test(tc, fer_csv_rows_usage_and_bad_row);
    tcase_add_test(tc, ferplus_majority_protocol_and_votes);
    tcase_add_test(tc, ferplus_bad_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("splits");
    tcase_add_test(tc, random_split_fractions_stratified_reproducible);
    tcase_add_test(tc, subject_folds_are_disjoint);
    suite_add_tcase(s, tc);
    return s;
}
