/* seeds.c - writes a small starting corpus for each fuzzer into DIR/<name>/
 * (make fuzz runs it): valid inputs of every format, made with the library
 * itself, so that mutations start from files the parsers accept. */
#include "common/internal.h" /* emo__read_file */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tiffio.h>

static const char *out_dir;

static int write_seed(const char *fuzzer, const char *name, const void *data,
                      size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, fuzzer);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, fuzzer, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        fprintf(stderr, "seeds: cannot write %s\n", path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

/* An image file as the image fuzzer sees it: one byte choosing gray or
 * RGB output, then the file. */
static int image_seed(const char *name, int rgb, const char *tmp)
{
    uint8_t *file;
    size_t size;
    if (emo__read_file(tmp, &file, &size) != EMO_OK)
        return 1;
    uint8_t *seed = malloc(size + 1);
    int rc = !seed;
    if (seed) {
        seed[0] = (uint8_t)rgb;
        memcpy(seed + 1, file, size);
        rc = write_seed("image", name, seed, size + 1);
    }
    free(seed);
    free(file);
    remove(tmp);
    return rc;
}

/* A TIFF of `pages` pages (the second smaller), written by libtiff to
 * tmp: 8- or 16-bit gray, 8-bit palette, RGB or RGBA. */
static int write_tiff(const char *tmp, int photometric, int spp, int bits,
                      int pages, const uint8_t *src)
{
    TIFF *t = TIFFOpen(tmp, "w");
    if (!t)
        return 1;
    static uint16_t cmap[768];
    for (int i = 0; i < 768; i++)
        cmap[i] = (uint16_t)(((i * 37) & 255) * 257);
    static uint8_t row[12 * 4 * 2];
    int ok = 1;
    for (int p = 0; p < pages && ok; p++) {
        int w = 12 - 4 * p, h = 9 - 4 * p;
        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)w);
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)h);
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)spp);
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, (uint16_t)bits);
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, (uint16_t)photometric);
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, (uint32_t)4);
        if (spp == 4) {
            uint16_t extra = EXTRASAMPLE_UNASSALPHA;
            TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
        }
        if (photometric == PHOTOMETRIC_PALETTE)
            TIFFSetField(t, TIFFTAG_COLORMAP, cmap, cmap + 256, cmap + 512);
        size_t n = (size_t)w * (size_t)spp * (size_t)(bits / 8);
        for (int y = 0; y < h && ok; y++) {
            memcpy(row, src + (size_t)y * n, n);
            ok = TIFFWriteScanline(t, row, (uint32_t)y, 0) == 1;
        }
        ok = ok && TIFFWriteDirectory(t);
    }
    TIFFClose(t);
    return !ok;
}

static int tiff_seeds(const uint8_t *px, const char *tmp)
{
    static const struct {
        const char *name;
        int photometric, spp, bits, pages;
    } kind[] = {{"tiff-gray", PHOTOMETRIC_MINISBLACK, 1, 8, 1},
                {"tiff-palette", PHOTOMETRIC_PALETTE, 1, 8, 1},
                {"tiff-rgb", PHOTOMETRIC_RGB, 3, 8, 1},
                {"tiff-rgba", PHOTOMETRIC_RGB, 4, 8, 1},
                {"tiff-gray16", PHOTOMETRIC_MINISBLACK, 1, 16, 1},
                {"tiff-2pages", PHOTOMETRIC_MINISBLACK, 1, 8, 2}};
    int rc = 0;
    for (size_t i = 0; i < sizeof kind / sizeof *kind; i++) {
        if (write_tiff(tmp, kind[i].photometric, kind[i].spp, kind[i].bits,
                       kind[i].pages, px))
            return 1;
        rc |= image_seed(kind[i].name, (int)i & 1, tmp);
    }
    return rc;
}

static int image_seeds(void)
{
    enum { W = 12, H = 9 };
    uint8_t rgb[W * H * 4 * 2]; /* room for the RGBA and 16-bit TIFFs */
    for (int i = 0; i < W * H * 4 * 2; i++)
        rgb[i] = (uint8_t)(i * 7);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/tmp-image", out_dir);
    int rc = 0;
    for (int c = 1; c <= 3; c += 2) {
        char name[32];
        if (emo_image_save_png(tmp, rgb, W, H, W * c, c) != EMO_OK)
            return 1;
        snprintf(name, sizeof name, "png-%d", c);
        rc |= image_seed(name, c == 3, tmp);
        if (emo_image_save_jpeg(tmp, rgb, W, H, W * c, c, 90) != EMO_OK)
            return 1;
        snprintf(name, sizeof name, "jpeg-%d", c);
        rc |= image_seed(name, c == 3, tmp);
    }
    rc |= tiff_seeds(rgb, tmp);
    char pgm[64 + W * H];
    int n = snprintf(pgm, sizeof pgm, "\001P5\n%d %d\n255\n", W, H);
    memcpy(pgm + n, rgb, W * H);
    return rc | write_seed("image", "pgm", pgm, (size_t)n + W * H);
}

static const char *tiny_net =
    "[net]\nchannels = 1\nsize = 8\n\n"
    "[conv1]\ntype = conv\nfilters = 2\nsize = 3\npad = 1\n\n"
    "[bn1]\ntype = bn\n\n[relu1]\ntype = relu\n\n"
    "[pool1]\ntype = maxpool\nsize = 2\n\n"
    "[fc1]\ntype = fc\noutputs = 7\n\n[prob]\ntype = softmax\n";

/* Network texts: a tiny net and every preset as the library prints them. */
static int network_text_seeds(void)
{
    int rc = write_seed("network_text", "tiny", tiny_net, strlen(tiny_net));
    static const char *presets[] = {"lenet", "default", "caffenet",
                                    "alexnet"};
    static char text[65536];
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++) {
        emo_network *net;
        if (emo_network_create_preset(presets[i], 7, &net) != EMO_OK)
            return 1;
        int len = emo_network_get_text(net, text, sizeof text);
        if (len < 0 || (size_t)len >= sizeof text)
            rc = 1;
        else
            rc |= write_seed("network_text", presets[i], text, (size_t)len);
        emo_network_destroy(net);
    }
    return rc;
}

/* A saved tiny model, weights stored as `storage` (EMO_STORE_*), without
 * its last four bytes: the model fuzzer appends the CRC itself. */
static int model_seed(int storage, const char *name)
{
    emo_network *net;
    if (emo_network_create_text(tiny_net, &net) != EMO_OK)
        return 1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/tmp-model", out_dir);
    int rc = emo_network_set_int(net, EMO_OPT_NET_WEIGHT_STORAGE, storage) ||
             emo_network_save(net, tmp) != EMO_OK;
    emo_network_destroy(net);
    uint8_t *file;
    size_t size;
    if (rc || emo__read_file(tmp, &file, &size) != EMO_OK)
        return 1;
    rc = size < 4 || write_seed("model", name, file, size - 4);
    free(file);
    remove(tmp);
    return rc;
}

/* Two FER2013 rows (48x48 pixels each) under the CSV header. */
static int fer_csv_seed(void)
{
    size_t cap = 2 * 48 * 48 * 4 + 256, n = 0;
    char *csv = malloc(cap);
    if (!csv)
        return 1;
    n += (size_t)snprintf(csv, cap, "emotion,pixels,Usage\n");
    for (int row = 0; row < 2; row++) {
        n += (size_t)snprintf(csv + n, cap - n, "%d,", row * 3);
        for (int i = 0; i < 48 * 48; i++)
            n += (size_t)snprintf(csv + n, cap - n, i ? " %d" : "%d",
                                  (i * 13 + row) % 256);
        n += (size_t)snprintf(csv + n, cap - n, ",%s\n",
                              row ? "PublicTest" : "Training");
    }
    int rc = write_seed("fer_csv", "two-rows", csv, n);
    free(csv);
    return rc;
}

/* A list file: relative and absolute paths, names and numbers as labels,
 * a comment and a blank line. */
static int list_seed(void)
{
    static const char list[] = "# path label\n"
                               "S005/a.png 1\n"
                               "faces/b c.jpg happy\n"
                               "\n"
                               "/tmp/x.pgm sadness\n";
    return write_seed("list", "mixed", list, sizeof list - 1);
}

/* FER+ label.csv lines: a majority, a tie, unknown, a row of zeros, a
 * CRLF line and a blank one. */
static int ferplus_seed(void)
{
    static const char csv[] =
        "fer0000001.png,\"(0, 0, 48, 48)\",6,1,1,0,0,0,0,0,2,0\n"
        "fer0000002.png,\"(0, 0, 48, 48)\",4,0,0,0,0,0,0,4,1,1\r\n"
        "\n"
        "fer0000003.png,\"(0, 0, 48, 48)\",2,0,0,0,0,0,0,0,6,0\n"
        "fer0000004.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,0,0,0\n"
        "fer0000005.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,9,1,0\n";
    return write_seed("ferplus", "votes", csv, sizeof csv - 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    mkdir(out_dir, 0755);
    int rc = image_seeds() | network_text_seeds() |
             model_seed(EMO_STORE_F32, "tiny") |
             model_seed(EMO_STORE_F16, "tiny-f16") | fer_csv_seed() |
             list_seed() | ferplus_seed();
    if (rc)
        fprintf(stderr, "seeds: %s\n", emo_last_error());
    return rc;
}
