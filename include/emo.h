/*
 * emo.h - libemo public API: real-time facial emotion recognition.
 *
 * libemo finds faces in a grayscale frame (Viola-Jones cascades read from
 * OpenCV's XML files), normalises each face and classifies it into one of the
 * basic emotions with a small convolutional network the library can also
 * train.
 *
 * Conventions (read once, they hold for every function below):
 * - Every function returning int returns EMO_OK (0) or a negative EMO_ERR_*
 *   code, unless its comment says otherwise.  emo_last_error() then gives a
 *   thread-local message naming the file, line or value at fault.
 * - Constructors return the handle through an out-parameter; on failure
 *   *out is set to NULL.  Every destroy function accepts NULL.
 * - Handles are opaque.  Options are integers or floats stored in the handle
 *   and set through emo_<handle>_set_int/_set_float with an EMO_OPT_* key;
 *   emo_option_bounds() gives each option's legal range and default.  An
 *   integer option accepts set_float with an integral value, a float option
 *   set_int; get_int of a float option gives it rounded to the nearest
 *   integer, halves away from zero.
 * - Images cross the API as caller-owned pointer + width + height + stride
 *   (bytes from one row to the next).  Gray images are 8-bit, one channel.
 * - The library never prints, never exits and never aborts on bad input.
 * - Thread safety: distinct handles may be used from distinct threads at
 *   once.  One handle must not be used from two threads at once, except that
 *   a loaded emo_network is read-only during prediction and may be shared by
 *   any number of emo_predictor handles, one per thread.
 * - Process-wide state: network passes set OpenBLAS's thread count, which
 *   OpenBLAS keeps per process (openblas_set_num_threads), to what they
 *   run with: 1 for inference (its threads are libemo's own), 1 or
 *   EMO_OPT_NET_THREADS for training.  OpenBLAS's default of every core
 *   left its idle workers spinning beside a one-thread video loop.  An
 *   application that also calls OpenBLAS sets its own count before its
 *   calls.
 *
 * Stable API: everything in this header not marked EXPERIMENTAL.  Option
 * and status numbers are never renumbered; new ones are only appended.
 */
#ifndef EMO_H
#define EMO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Export and deprecation macros                                             */
/* ------------------------------------------------------------------------ */

#if defined(EMO_BUILDING_LIBRARY) && defined(__GNUC__)
#define EMO_API __attribute__((visibility("default")))
#else
#define EMO_API
#endif

#if defined(__GNUC__)
#define EMO_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define EMO_DEPRECATED(msg)
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */
/* ------------------------------------------------------------------------ */

#define EMO_VERSION_MAJOR 1
#define EMO_VERSION_MINOR 1
#define EMO_VERSION_PATCH 0
#define EMO_VERSION_NUMBER \
    (EMO_VERSION_MAJOR * 10000 + EMO_VERSION_MINOR * 100 + EMO_VERSION_PATCH)
#define EMO_VERSION_STRING "1.1.0"

/* Runtime version of the loaded library, as "MAJOR.MINOR.PATCH". */
EMO_API const char *emo_version(void);
/* Runtime twin of EMO_VERSION_NUMBER (MAJOR*10000 + MINOR*100 + PATCH). */
EMO_API int emo_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

enum {
    EMO_OK = 0,
    EMO_ERR_INVALID_ARG = -1,   /* NULL handle, bad pointer/size argument */
    EMO_ERR_NOMEM = -2,         /* allocation failed */
    EMO_ERR_IO = -3,            /* file could not be opened/read/written */
    EMO_ERR_FORMAT = -4,        /* malformed or corrupt data */
    EMO_ERR_UNSUPPORTED = -5,   /* valid but unsupported variant */
    EMO_ERR_LIMIT = -6,         /* exceeds a documented limit */
    EMO_ERR_RANGE = -7,         /* option value out of range, unknown option */
    EMO_ERR_STATE = -8,         /* call not valid in the handle's state */
    EMO_ERR_NO_FACE = -9,       /* no face found, even after retries */
    EMO_ERR_MISMATCH = -10,     /* shapes/classes/models do not fit */
    EMO_ERR_CHECKSUM = -11,     /* stored checksum does not match */
    EMO_ERR_BUFFER_TOO_SMALL = -12, /* caller buffer too small */
    EMO_ERR_CANCELLED = -13,    /* a progress callback asked to stop */
    EMO_ERR_EMPTY = -14,        /* empty dataset or split */
    EMO_ERR_INTERNAL = -15      /* a bug in libemo: please report */
};

/* Static English name of a status code; never NULL. */
EMO_API const char *emo_strerror(int code);
/* Thread-local detail of the last error raised on this thread, e.g.
 * "face.png: not a PNG file".  Empty string when there is none.  Valid until
 * the next libemo call on this thread. */
EMO_API const char *emo_last_error(void);
/* Frees memory that libemo allocated for the caller (decoded pixels). */
EMO_API void emo_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Emotion classes                                                           */
/* ------------------------------------------------------------------------ */

enum {
    EMO_CLASS_NEUTRAL = 0,
    EMO_CLASS_ANGER = 1,
    EMO_CLASS_DISGUST = 2,
    EMO_CLASS_FEAR = 3,
    EMO_CLASS_HAPPY = 4,
    EMO_CLASS_SAD = 5,
    EMO_CLASS_SURPRISE = 6,
    EMO_CLASS_CONTEMPT = 7
};
#define EMO_MAX_CLASSES 16   /* most classes any network may have */
#define EMO_MAX_VIEWS 8      /* most augmentation views per prediction */
#define EMO_MAX_NETWORKS 8   /* most networks in one predictor's ensemble */

/* Canonical name of class `cls` ("neutral" ... "contempt"), NULL if out of
 * range. */
EMO_API const char *emo_class_name(int cls);
/* Maps a spelling found in datasets ("angry", "Sadness", "happiness", "AN",
 * ...) to EMO_CLASS_*; EMO_ERR_RANGE if unknown. */
EMO_API int emo_class_from_name(const char *name);

/* ------------------------------------------------------------------------ */
/* Opaque handles                                                            */
/* ------------------------------------------------------------------------ */

typedef struct emo_dataset emo_dataset;
typedef struct emo_preprocessor emo_preprocessor;
typedef struct emo_network emo_network;
typedef struct emo_predictor emo_predictor;

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

/* Option keys.  Grouped per module, numbered explicitly, only appended.
 * (i) = integer option, (f) = float option, (ro) = read-only. */
typedef enum emo_option {
    /* library-wide limits: emo_set_int / emo_get_int */
    EMO_OPT_MAX_PIXELS = 1,        /* (i) largest image decoded, pixels;
                                      default 64 Mpx */
    EMO_OPT_MAX_FILE_BYTES = 2,    /* (i) largest file read, bytes;
                                      default 1 GiB */
    EMO_OPT_MAX_NET_PARAMS = 3,    /* (i) most parameters (floats) of a
                                      network built from text or loaded,
                                      1 .. 2^28; default 2^28 */

    /* face detection and preprocessing: emo_preprocessor_set_* */
    EMO_OPT_DETECT_SCALE_FACTOR = 100, /* (f) pyramid step, default 1.1 */
    EMO_OPT_DETECT_MIN_NEIGHBORS = 101,/* (i) default 5 */
    EMO_OPT_DETECT_MIN_SIZE = 102,     /* (i) smallest face side, px, 30 */
    EMO_OPT_DETECT_MAX_SIZE = 103,     /* (i) largest face side, 0 = none */
    EMO_OPT_DETECT_RETRIES = 104,      /* (i) looser retries when no face */
    EMO_OPT_DETECT_THREADS = 105,      /* (i) threads over scales, 1 */
    EMO_OPT_DETECT_ENABLE = 106,       /* (i) 0: frames are already faces */
    EMO_OPT_FACE_CHOICE = 107,         /* (i) EMO_FACE_* */
    EMO_OPT_CROP_MARGIN = 108,         /* (f) box grown by this fraction,
                                          -0.4 .. 1, 0 (detector and
                                          caller boxes only, see
                                          emo_preprocessor_normalize) */
    EMO_OPT_FACE_SIZE = 109,           /* (i) N of the N x N face, 48 */
    EMO_OPT_BLUR = 110,                /* (i) 5x5 Gaussian on/off, 1 */
    EMO_OPT_BLUR_SIGMA = 111,          /* (f) Gaussian sigma, 1.0 */
    EMO_OPT_SUBTRACT_MEAN = 112,       /* (i) subtract the mean image, 1 */
    EMO_OPT_DETECT_MAX_PIXELS = 113,   /* (i) largest image the cascade
                                          scans, pixels, 0 .. INT_MAX:
                                          a larger frame is scanned from
                                          the pyramid scale where it fits,
                                          as if downscaled first (boxes
                                          stay in frame pixels; faces
                                          under the window times that
                                          scale are missed); 0 = no cap;
                                          default 2^23 (8.4 Mpx, a 4K
                                          frame) */
    EMO_OPT_PHOTOMETRIC = 114,         /* (i) EMO_PHOTO_*: lighting
                                          normalisation of the face after
                                          the crop, before the blur;
                                          stored in the model; none;
                                          since 1.1 */
    EMO_OPT_CROP_SHIFT_Y = 115,        /* (f) the crop centre moved down
                                          by this fraction of the box
                                          height, -0.5 .. 0.5, 0; since
                                          1.1 */

    /* network: emo_network_set_* */
    EMO_OPT_NET_THREADS = 200,         /* (i) BLAS/kernel threads, 1 */
    EMO_OPT_NET_SEED = 201,            /* (i) weight-init seed, 1 */
    EMO_OPT_NET_WEIGHT_STORAGE = 202,  /* (i) EMO_STORE_*: how
                                          emo_network_save stores weights,
                                          32-bit */

    /* training: emo_network_set_* */
    EMO_OPT_TRAIN_EPOCHS = 300,        /* (i) default 30 */
    EMO_OPT_TRAIN_BATCH = 301,         /* (i) mini-batch size, 64 */
    EMO_OPT_TRAIN_LR = 302,            /* (f) base learning rate, 0.01 */
    EMO_OPT_TRAIN_LR_POLICY = 303,     /* (i) EMO_LR_*, cosine */
    EMO_OPT_TRAIN_LR_STEP = 304,       /* (i) epochs per step (EMO_LR_STEP) */
    EMO_OPT_TRAIN_LR_GAMMA = 305,      /* (f) factor per step, 0.1 */
    EMO_OPT_TRAIN_MOMENTUM = 306,      /* (f) 0.9 */
    EMO_OPT_TRAIN_WEIGHT_DECAY = 307,  /* (f) 0.0005 */
    EMO_OPT_TRAIN_AUGMENT = 308,       /* (i) EMO_AUG_* bit mask */
    EMO_OPT_TRAIN_ROTATE_DEG = 309,    /* (f) max rotation, degrees, 10 */
    EMO_OPT_TRAIN_CLASS_WEIGHTING = 310, /* (i) inverse-frequency loss
                                            weights on/off, 0 */
    EMO_OPT_TRAIN_EARLY_STOP = 311,    /* (i) patience in epochs, 0 = off */
    EMO_OPT_TRAIN_SEED = 312,          /* (i) shuffling/augmentation seed */
    EMO_OPT_TRAIN_RESUME = 313,        /* (i) resume from the checkpoint */
    EMO_OPT_TRAIN_KEEP = 314,          /* (i) EMO_KEEP_*: the weights the run
                                          ends with, best */
    EMO_OPT_TRAIN_LABELS = 315,        /* (i) EMO_LABELS_*: the target of an
                                          item with votes (FER+), majority;
                                          since 1.1 */
    EMO_OPT_TRAIN_SHIFT = 316,         /* (f) EMO_AUG_SHIFT's largest shift,
                                          fraction of the face side,
                                          0 .. 0.5, 1/12; since 1.1 */
    EMO_OPT_TRAIN_SCALE = 317,         /* (f) EMO_AUG_SCALE's largest
                                          relative change of scale,
                                          0 .. 0.5, 0.1; since 1.1 */
    EMO_OPT_TRAIN_BATCH_OFFSET = 318,  /* (i) index, in the global batch of
                                          a data-parallel step
                                          (emo_network_set_reducer), of
                                          this process's first image:
                                          dropout masks are drawn per
                                          global image; 0 .. INT_MAX, 0;
                                          since 1.1 */

    /* prediction: emo_predictor_set_* */
    EMO_OPT_PREDICT_VIEWS = 400,       /* (i) EMO_VIEW_* bit mask, all */
    EMO_OPT_PREDICT_ROTATE_DEG = 401,  /* (f) view rotation, degrees, 10 */
    EMO_OPT_PREDICT_TRACK = 402,       /* (i) video mode: search near the
                                          last face, 0 */
    EMO_OPT_PREDICT_RESCAN = 403,      /* (i) full-frame scan every N frames
                                          in video mode, 30 */
    EMO_OPT_PREDICT_VOTE = 404,        /* (i) EMO_VOTE_*, majority */
    EMO_OPT_PREDICT_ZOOM = 405,        /* (f) zoom views' enlargement,
                                          1.1 */

    /* datasets: emo_dataset_set_* (set before adding sources) */
    EMO_OPT_DATA_CLASSES = 500,        /* (i) 7 (no contempt) or 8 */
    EMO_OPT_DATA_CKPLUS_NEUTRAL = 501, /* (i) first frames taken as neutral,
                                          2 */
    EMO_OPT_DATA_CKPLUS_FRACTION = 502, /* (f) last fraction of a sequence
                                          taken as the emotion, 1/3 */
    EMO_OPT_DATA_FOLDER_CLASSES = 503  /* (i) 1: every folder of
                                          emo_dataset_add_folder is a class
                                          named after it (a user's own
                                          classes); 0: only folders named
                                          after an emotion, 0 */
} emo_option;

enum { EMO_FACE_LARGEST = 0, EMO_FACE_CENTRAL = 1, EMO_FACE_ALL = 2 };
enum { EMO_LR_FIXED = 0, EMO_LR_STEP = 1, EMO_LR_COSINE = 2 };
enum {
    EMO_AUG_MIRROR = 1, EMO_AUG_ROTATE = 2, EMO_AUG_SHIFT = 4,
    EMO_AUG_SCALE = 8, EMO_AUG_BRIGHTNESS = 16,
    EMO_AUG_ERASE = 32, /* random erasing of a patch */
    /* lighting (since 1.1), applied before EMO_OPT_PHOTOMETRIC: */
    EMO_AUG_GAMMA = 64,   /* gamma log-uniform in 0.6..1.6 */
    EMO_AUG_SHADE = 128,  /* a linear illumination ramp (side light) */
    EMO_AUG_BLUR = 256,   /* with probability 1/2, Gaussian defocus */
    EMO_AUG_NOISE = 512   /* Gaussian pixel noise */
};
/* EMO_OPT_PHOTOMETRIC: what is done to the lighting of each N x N face
 * (pixel values in [0,1]) before the blur and the mean subtraction.
 * HISTEQ: histogram equalisation, each value replaced by the fraction of
 * the face's pixels darker than it (a 256-bin histogram, linear within a
 * bin).  CLAHE: the same per tile of a grid of round(N/12) x round(N/12)
 * tiles (4 x 4 tiles of 12 pixels for 48 x 48 faces, 1..8 a side), with
 * 64-bin tile histograms clipped at 2 times the mean bin count (OpenCV's
 * clipLimit 2.0) and the excess spread evenly over all bins, so no
 * mapping is steeper than 3; each pixel's value is the bilinear blend of
 * the mappings of the 4 nearest tile centres.  STANDARDIZE: per-face zero
 * mean and unit variance (standard deviation at least 1/255), then
 * 0.5 + z / 4: mean 0.5 and standard deviation 0.25, so that +-2 standard
 * deviations span [0,1] like a plain face (values are not clipped). */
enum {
    EMO_PHOTO_NONE = 0, EMO_PHOTO_HISTEQ = 1, EMO_PHOTO_CLAHE = 2,
    EMO_PHOTO_STANDARDIZE = 3
};
/* Augmentation views, in batch order.  The first four are the paper's; a
 * mask of the lowest k bits (2^k - 1) gives the first k views. */
enum {
    EMO_VIEW_ORIGINAL = 1, EMO_VIEW_MIRROR = 2,
    EMO_VIEW_ROTATE_POS = 4, EMO_VIEW_ROTATE_NEG = 8,
    EMO_VIEW_MIRROR_ROTATE_POS = 16, /* the mirror, rotated +deg */
    EMO_VIEW_MIRROR_ROTATE_NEG = 32, /* the mirror, rotated -deg */
    EMO_VIEW_ZOOM = 64,              /* centre enlarged by the zoom */
    EMO_VIEW_MIRROR_ZOOM = 128       /* the mirror, enlarged */
};
/* How views become one label: the paper's majority of per-view labels
 * (ties to the highest summed score), or the highest mean probability. */
enum { EMO_VOTE_MAJORITY = 0, EMO_VOTE_MEAN = 1 };
/* EMO_OPT_TRAIN_KEEP: the best validation epoch's weights (ties: lower
 * validation loss), or the last epoch's -- the honest choice when the
 * validation split is also the one accuracy is reported on. */
enum { EMO_KEEP_BEST = 0, EMO_KEEP_LAST = 1 };
/* EMO_OPT_TRAIN_LABELS: a training item that carries votes
 * (emo_dataset_item_votes) learns its majority label; or, each time it is
 * drawn into a batch, a label drawn from its votes over the network's
 * classes (single votes dropped, unknown and not-a-face not counted: the
 * FER+ paper's probabilistic label drawing); or the cross-entropy against
 * that vote distribution (soft targets; class weights still follow the
 * majority label).  Items without votes always learn their label. */
enum { EMO_LABELS_MAJORITY = 0, EMO_LABELS_DRAW = 1, EMO_LABELS_SOFT = 2 };
/* EMO_OPT_NET_WEIGHT_STORAGE: 32-bit floats, or IEEE 16-bit floats: half
 * the file, each weight rounded to 11 significant bits when saved (and
 * computed in 32 bits after loading); such a file is model format 2, which
 * readers of format 1 refuse.  Training checkpoints always store 32 bits. */
enum { EMO_STORE_F32 = 0, EMO_STORE_F16 = 1 };

/* Legal range and default of `option`.  Any out pointer may be NULL.
 * Errors: EMO_ERR_RANGE for an unknown option. */
EMO_API int emo_option_bounds(int option, double *min, double *max,
                              double *default_value);

/* Library-wide limits (EMO_OPT_MAX_*).  Process-wide, atomic.
 * Errors: EMO_ERR_RANGE for an unknown option or a value out of range. */
EMO_API int emo_set_int(int option, int value);
EMO_API int emo_get_int(int option, int *value);

/* ------------------------------------------------------------------------ */
/* Images                                                                    */
/* ------------------------------------------------------------------------ */

/* Decodes a JPEG, PNG, TIFF (the first page; gray, palette, RGB, RGBA, up
 * to 16 bits) or binary PGM (P5) image, recognised by its content.
 * channels = 1 gives 8-bit gray, 3 gives 8-bit RGB (alpha is composited on
 * black, 16-bit samples are scaled).  A JPEG's EXIF orientation is
 * applied, as OpenCV's imread does: width and height are those of the
 * upright picture.  *pixels is tightly packed
 * (stride = width * channels) and must be freed with emo_free().
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_IO, EMO_ERR_FORMAT (corrupt or
 * truncated), EMO_ERR_UNSUPPORTED, EMO_ERR_LIMIT (over EMO_OPT_MAX_PIXELS or
 * EMO_OPT_MAX_FILE_BYTES, refused before pixels are allocated),
 * EMO_ERR_NOMEM. */
EMO_API int emo_image_load(const char *path, int channels, uint8_t **pixels,
                           int *width, int *height);
EMO_API int emo_image_decode(const void *data, size_t size, int channels,
                             uint8_t **pixels, int *width, int *height);

/* As emo_image_decode, into a caller buffer of `capacity` bytes with rows
 * `stride` bytes apart.  *width and *height are always set when the header
 * is readable; EMO_ERR_BUFFER_TOO_SMALL when the image does not fit. */
EMO_API int emo_image_decode_into(const void *data, size_t size, int channels,
                                  uint8_t *buffer, size_t capacity, int stride,
                                  int *width, int *height);

/* Writes an 8-bit gray (channels 1) or RGB (channels 3) image.  The file is
 * written to a temporary name and renamed, so a failure never leaves a
 * half-written file.  quality: JPEG quality 1..100.
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_IO, EMO_ERR_LIMIT, EMO_ERR_NOMEM. */
EMO_API int emo_image_save_png(const char *path, const uint8_t *pixels,
                               int width, int height, int stride,
                               int channels);
EMO_API int emo_image_save_jpeg(const char *path, const uint8_t *pixels,
                                int width, int height, int stride,
                                int channels, int quality);

/* ------------------------------------------------------------------------ */
/* Preprocessor: face detection and normalisation                            */
/* ------------------------------------------------------------------------ */

/* A face box in frame pixels (frozen layout). */
typedef struct emo_box {
    int32_t x, y, w, h;
} emo_box;

/* Creates a preprocessor with default options and no cascade loaded; the
 * first detection loads the default frontal-face cascade
 * (haarcascade_frontalface_default.xml from Debian's opencv-data, or the
 * file named by the EMO_CASCADE environment variable).
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_NOMEM. */
EMO_API int emo_preprocessor_create(emo_preprocessor **out);
EMO_API void emo_preprocessor_destroy(emo_preprocessor *pp);

/* Loads an OpenCV cascade XML file (HAAR with tilted features, or LBP; the
 * current and the old format).  path NULL loads the default cascade.
 * Errors: EMO_ERR_IO, EMO_ERR_FORMAT (malformed, out-of-range index),
 * EMO_ERR_UNSUPPORTED, EMO_ERR_LIMIT, EMO_ERR_NOMEM. */
EMO_API int emo_preprocessor_load_cascade(emo_preprocessor *pp,
                                          const char *path);

/* Options EMO_OPT_DETECT_*, EMO_OPT_FACE_*, EMO_OPT_CROP_*,
 * EMO_OPT_BLUR*, EMO_OPT_SUBTRACT_MEAN, EMO_OPT_PHOTOMETRIC.  Integer
 * options accept set_float
 * with an integral value and float options accept set_int.
 * Errors: EMO_ERR_INVALID_ARG (NULL), EMO_ERR_RANGE. */
EMO_API int emo_preprocessor_set_int(emo_preprocessor *pp, int option,
                                     int value);
EMO_API int emo_preprocessor_set_float(emo_preprocessor *pp, int option,
                                       double value);
EMO_API int emo_preprocessor_get_int(const emo_preprocessor *pp, int option,
                                     int *value);
EMO_API int emo_preprocessor_get_float(const emo_preprocessor *pp, int option,
                                       double *value);

/* Finds faces in a gray frame with the detection options.  Writes at most
 * max_boxes boxes (sorted by the face choice policy, best first) and stores
 * the number found in *count (which may exceed max_boxes).  Finding none is
 * not an error (*count = 0); retries are not applied here.
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_LIMIT, EMO_ERR_IO/FORMAT (loading the
 * default cascade), EMO_ERR_NOMEM. */
EMO_API int emo_preprocessor_detect(emo_preprocessor *pp,
                                    const uint8_t *gray, int width,
                                    int height, int stride, emo_box *boxes,
                                    int max_boxes, int *count);

/* Chooses the face of a frame by the face choice policy, retrying with
 * looser parameters (EMO_OPT_DETECT_RETRIES) when none is found: retry k
 * divides (scale factor - 1) by 2^k, lowers min-neighbours by 2k (to no
 * less than 1; 0 stays 0) and scales the minimum size by 0.7^k.  With
 * detection off the whole frame is the face.
 * Errors: as emo_preprocessor_detect, and EMO_ERR_NO_FACE. */
EMO_API int emo_preprocessor_choose_face(emo_preprocessor *pp,
                                         const uint8_t *gray, int width,
                                         int height, int stride,
                                         emo_box *face);

/* Produces the normalised N x N float face (N = EMO_OPT_FACE_SIZE) for
 * `box` (NULL = the whole frame): crop (outside the frame the edge is
 * replicated), bilinear rescale, scale to [0,1], photometric
 * normalisation (EMO_OPT_PHOTOMETRIC), optional 5x5 Gaussian, minus the
 * mean image if one is set.
 * Framing: a box from the detector or the caller is grown, about its
 * centre, by EMO_OPT_CROP_MARGIN times its size, and the crop's centre
 * is moved down by EMO_OPT_CROP_SHIFT_Y times the box height (negative:
 * up), so that a model trained on faces framed another way (FER2013's
 * crops) sees them framed as in training.  The frame itself taken as the
 * face -- box NULL, or with EMO_OPT_DETECT_ENABLE = 0 the box
 * (0, 0, width, height) that emo_preprocessor_choose_face gives -- is
 * cropped as it is: it is already framed, and neither option applies.
 * out must hold N*N floats (out_len counts floats).
 * Errors: EMO_ERR_INVALID_ARG (also a box outside the frame),
 * EMO_ERR_BUFFER_TOO_SMALL, EMO_ERR_MISMATCH (mean image of another size),
 * EMO_ERR_LIMIT, EMO_ERR_NOMEM. */
EMO_API int emo_preprocessor_normalize(emo_preprocessor *pp,
                                       const uint8_t *gray, int width,
                                       int height, int stride,
                                       const emo_box *box, float *out,
                                       size_t out_len);

/* Mean image (N x N floats, in [0,1] pixel units).  set with mean NULL
 * clears it; set fails with EMO_ERR_MISMATCH when n != N*N.  get returns
 * EMO_ERR_STATE when none is set.  compute averages `count` faces of N*N
 * floats each (normalised with the mean off) and sets the result. */
EMO_API int emo_preprocessor_set_mean(emo_preprocessor *pp, const float *mean,
                                      size_t n);
EMO_API int emo_preprocessor_get_mean(const emo_preprocessor *pp, float *mean,
                                      size_t n);
EMO_API int emo_preprocessor_compute_mean(emo_preprocessor *pp,
                                          const float *faces, size_t count);

/* ------------------------------------------------------------------------ */
/* Dataset                                                                   */
/* ------------------------------------------------------------------------ */

enum { EMO_SPLIT_ALL = -1, EMO_SPLIT_TRAIN = 0, EMO_SPLIT_VAL = 1,
       EMO_SPLIT_TEST = 2 };

/* Creates an empty dataset with EMO_OPT_DATA_CLASSES = 7. */
EMO_API int emo_dataset_create(emo_dataset **out);
EMO_API void emo_dataset_destroy(emo_dataset *ds);
EMO_API int emo_dataset_set_int(emo_dataset *ds, int option, int value);
EMO_API int emo_dataset_set_float(emo_dataset *ds, int option, double value);
EMO_API int emo_dataset_get_int(const emo_dataset *ds, int option,
                                int *value);
EMO_API int emo_dataset_get_float(const emo_dataset *ds, int option,
                                  double *value);

/* Sources.  Each adds to the dataset; images whose class is unknown or
 * excluded (contempt with 7 classes) are left out and counted
 * (emo_dataset_left_out), and unreadable images are counted in
 * emo_dataset_skipped().  Errors: EMO_ERR_IO (missing root),
 * EMO_ERR_FORMAT (a bad line, with file:line in emo_last_error()),
 * EMO_ERR_NOMEM, EMO_ERR_LIMIT. */
/* CK+ distribution: root holds cohn-kanade-images/ and Emotion/. */
EMO_API int emo_dataset_add_ckplus(emo_dataset *ds, const char *root);
/* One folder per class, class from the folder name (CK+48, FER2013 image
 * folders, a user's photos).  Subject from CK+-style file names S005_... */
EMO_API int emo_dataset_add_folder(emo_dataset *ds, const char *root);
/* JAFFE file names (KA.AN1.39.tiff): subject KA, class AN. */
EMO_API int emo_dataset_add_jaffe(emo_dataset *ds, const char *dir);
/* "path label" lines (Caffe convert_imageset); label is a class index in
 * the canonical order or a class name; relative paths are taken from
 * `root` (NULL = the list file's folder). */
EMO_API int emo_dataset_add_list(emo_dataset *ds, const char *list_path,
                                 const char *root);
/* FER2013 CSV (emotion,pixels,Usage).  usage NULL takes all rows, else
 * only rows whose Usage equals it ("Training", "PublicTest", ...). */
EMO_API int emo_dataset_add_fer_csv(emo_dataset *ds, const char *csv_path,
                                    const char *usage);

/* Number of items in a split (EMO_SPLIT_ALL for all), with class `cls`
 * only (cls < 0 for all classes).  Negative error code on bad arguments. */
EMO_API int emo_dataset_count(const emo_dataset *ds, int split, int cls);
/* Unreadable or undecodable images met while loading or reading items,
 * and images in which emo_network_train found no face; each counted once. */
EMO_API int emo_dataset_skipped(const emo_dataset *ds);
EMO_API int emo_dataset_num_classes(const emo_dataset *ds);
/* Name of class `cls` (0 <= cls < emo_dataset_num_classes()): the
 * canonical emotion name, or with EMO_OPT_DATA_FOLDER_CLASSES = 1 the
 * class's folder name (a folder named after an emotion gets that emotion's
 * canonical name, so that it matches other sources and models); NULL if out
 * of range.  Lives as long as the dataset.  Since 1.1. */
EMO_API const char *emo_dataset_class_name(const emo_dataset *ds, int cls);
/* What the folder sources left out: folder i (from 0, in the order met)
 * whose name is no emotion (contempt with 7 classes is counted apart:
 * emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS)).
 * Returns its number of image files and sets *name (the folder name,
 * living as long as the dataset); EMO_ERR_RANGE when there are not that
 * many.  Since 1.1. */
EMO_API int emo_dataset_left_out_folder(const emo_dataset *ds, int i,
                                 const char **name);

/* Item i (0 <= i < emo_dataset_count(ds, EMO_SPLIT_ALL, -1)).  path is the
 * source path ("file.csv:123" for CSV rows); subject "" when unknown.
 * Returned strings live as long as the dataset. */
EMO_API const char *emo_dataset_item_path(const emo_dataset *ds, int i);
EMO_API const char *emo_dataset_item_subject(const emo_dataset *ds, int i);
EMO_API int emo_dataset_item_label(const emo_dataset *ds, int i);
EMO_API int emo_dataset_item_split(const emo_dataset *ds, int i);
/* Decodes item i to gray; free *pixels with emo_free(). */
EMO_API int emo_dataset_item_image(const emo_dataset *ds, int i,
                                   uint8_t **pixels, int *width, int *height);

/* FER+ (Barsoum et al., 2016): dir/label.csv beside the images, one line
 * per image: `file,"(x, y, w, h)",neutral,happiness,surprise,sadness,
 * anger,disgust,fear,contempt,unknown,NF` vote counts (0..255).  Each
 * image is labelled by the paper's majority protocol: vote counts of 1
 * are dropped, and the image is kept only when one answer has more than
 * half of the remaining votes and that answer is an emotion; the others
 * are left out and counted (emo_dataset_left_out: EMO_LEFT_OUT_NO_MAJORITY,
 * _VOTE_UNKNOWN, _NOT_FACE, _NO_VOTES for a row of zeros).  Contempt with
 * EMO_OPT_DATA_CLASSES = 7 counts as EMO_LEFT_OUT_EXCLUDED_CLASS.  Each
 * item keeps its raw votes (emo_dataset_item_votes).  Errors as the other
 * sources; a malformed line fails with "label.csv:LINE: ...".  Since 1.1. */
EMO_API int emo_dataset_add_ferplus(emo_dataset *ds, const char *dir);

/* Indexes of a FER+ vote array: EMO_CLASS_* (0..7), then these. */
enum { EMO_FERPLUS_UNKNOWN = 8, EMO_FERPLUS_NOT_FACE = 9,
       EMO_FERPLUS_VOTES = 10 };

/* Copies min(n, EMO_FERPLUS_VOTES) vote counts of item i into votes (index
 * EMO_CLASS_* for the emotions, EMO_FERPLUS_UNKNOWN, EMO_FERPLUS_NOT_FACE)
 * and returns EMO_FERPLUS_VOTES, or 0 when the item has no votes (it came
 * from another source).  votes may be NULL when n is 0.  Errors:
 * EMO_ERR_INVALID_ARG, EMO_ERR_RANGE (no item i).  Since 1.1. */
EMO_API int emo_dataset_item_votes(const emo_dataset *ds, int i, int *votes,
                                   int n);

/* Why images met by the loaders were not added: */
enum {
    EMO_LEFT_OUT_UNKNOWN_FOLDER = 0, /* emo_dataset_add_folder: image files
                                        in a folder that names no class */
    EMO_LEFT_OUT_EXCLUDED_CLASS = 1, /* a class EMO_OPT_DATA_CLASSES leaves
                                        out (contempt with 7) */
    EMO_LEFT_OUT_NO_MAJORITY = 2,    /* FER+: no answer over half the votes */
    EMO_LEFT_OUT_VOTE_UNKNOWN = 3,   /* FER+: the majority says "unknown" */
    EMO_LEFT_OUT_NOT_FACE = 4,       /* FER+: the majority says "not a face" */
    EMO_LEFT_OUT_NO_VOTES = 5        /* FER+: a row whose votes are all 0 */
};
/* How many images the sources added so far left out for `reason`
 * (EMO_LEFT_OUT_*); unreadable files are counted in emo_dataset_skipped()
 * instead.  Errors: EMO_ERR_INVALID_ARG, EMO_ERR_RANGE.  Since 1.1. */
EMO_API int emo_dataset_left_out(const emo_dataset *ds, int reason);

/* Random split by fractions (the paper's 0.7/0.1/0.2), stratified by
 * class, reproducible from seed.  Errors: EMO_ERR_RANGE (fractions not
 * summing to 1), EMO_ERR_EMPTY. */
EMO_API int emo_dataset_split_random(emo_dataset *ds, double train,
                                     double val, double test, uint64_t seed);
/* Subject-disjoint k-fold: subjects shuffled by seed into k folds; fold
 * `test_fold` is the test split, the next fold (mod k) validation when
 * with_val is non-zero, the rest training.  No subject is in two splits.
 * Errors: EMO_ERR_RANGE, EMO_ERR_EMPTY, EMO_ERR_STATE (items without
 * subject). */
EMO_API int emo_dataset_split_subjects(emo_dataset *ds, int k, int test_fold,
                                       int with_val, uint64_t seed);
/* Sets every item to one split (e.g. a separate test set). */
EMO_API int emo_dataset_split_all(emo_dataset *ds, int split);

/* ------------------------------------------------------------------------ */
/* Network                                                                   */
/* ------------------------------------------------------------------------ */

/* Progress callback for training and fine-tuning.  stage: EMO_STAGE_*;
 * done/total count batches of the current epoch (EMO_STAGE_BATCH) or
 * epochs (EMO_STAGE_EPOCH).  metrics[EMO_METRIC_*], n_metrics valid entries
 * (only appended to in later versions).  Return non-zero to stop: the call
 * then returns EMO_ERR_CANCELLED, with the last checkpoint intact. */
typedef int (*emo_progress_fn)(void *user, int stage, int done, int total,
                               const double *metrics, int n_metrics);
enum { EMO_STAGE_BATCH = 0, EMO_STAGE_EPOCH = 1 };
enum {
    EMO_METRIC_EPOCH = 0, EMO_METRIC_LOSS = 1, EMO_METRIC_TRAIN_ACCURACY = 2,
    EMO_METRIC_VAL_LOSS = 3, EMO_METRIC_VAL_ACCURACY = 4, EMO_METRIC_LR = 5,
    EMO_METRIC_IMAGES_PER_SEC = 6, EMO_METRIC_SECONDS = 7,
    EMO_METRIC_COUNT = 8
};

/* Builds a network with fresh weights (EMO_OPT_NET_SEED) from a preset:
 * "default" (compact net for 48x48 faces), "lenet", "caffenet", "alexnet".
 * num_classes 0 keeps the preset's (7).
 * Errors: EMO_ERR_INVALID_ARG (unknown preset), EMO_ERR_RANGE, EMO_ERR_NOMEM. */
EMO_API int emo_network_create_preset(const char *preset, int num_classes,
                                      emo_network **out);
/* Builds a network from the network text format (docs/network-format.md).
 * Errors: EMO_ERR_FORMAT with "line N: ..." in emo_last_error(),
 * EMO_ERR_LIMIT (too many layers), EMO_ERR_NOMEM. */
EMO_API int emo_network_create_text(const char *text, emo_network **out);
/* Loads a model file (docs/model-format.md).  Every length is checked
 * against the file size before allocating.
 * Errors: EMO_ERR_IO, EMO_ERR_FORMAT, EMO_ERR_CHECKSUM, EMO_ERR_UNSUPPORTED
 * (newer format), EMO_ERR_LIMIT, EMO_ERR_NOMEM. */
EMO_API int emo_network_load(const char *path, emo_network **out);
/* Path of the default model (default.emo) that ships with libemo, so that
 * a program finds it after `make install` and in the source tree alike.
 * One rule, in order: $EMO_MODEL when set and not empty (returned as is,
 * not checked); else the first readable file of
 *   <dir>/../share/libemo/models/default.emo  (an installed prefix),
 *   <dir>/../models/default.emo               (build/ of the source tree),
 *   <datadir>/libemo/models/default.emo       (the prefix it was built for),
 * where <dir> is the directory the libemo shared library (or the program a
 * static libemo is linked into) was loaded from, canonicalised.  Writes the
 * path, NUL-terminated, into buf (cap bytes; buf may be NULL when cap is 0).
 * Returns the length it needs, excluding the NUL, whether or not it fit:
 * call again with a larger buffer when the result is >= cap.  Thread-safe.
 * Since 1.1 (symbol version LIBEMO_1.1).
 * Errors: EMO_ERR_INVALID_ARG (buf NULL with cap > 0), EMO_ERR_IO (no
 * default model found; emo_last_error() names the places looked in),
 * EMO_ERR_LIMIT (path longer than INT_MAX). */
EMO_API int emo_default_model_path(char *buf, size_t cap);
/* Saves weights, network text, preprocessing and class names; written to
 * a temporary file and renamed.  Weights in 32 or 16 bits
 * (EMO_OPT_NET_WEIGHT_STORAGE).  Errors: EMO_ERR_IO, EMO_ERR_NOMEM,
 * EMO_ERR_RANGE (16-bit storage of a finite weight of magnitude 65520 or
 * more; nothing is written). */
EMO_API int emo_network_save(const emo_network *net, const char *path);
/* Saves a training checkpoint: what emo_network_save writes (always 32-bit
 * weights) plus the SGD momentum of every parameter and the count of
 * training steps taken (emo_network_train_steps), and the training state
 * of emo_network_train when the network has one.  emo_network_load
 * restores all of it, so that stepping on with emo_network_train_step
 * continues exactly where the saving process was (same momentum, same
 * dropout masks).  Written to a temporary file and renamed.  A network
 * that has not trained yet saves zero momentum.  Since 1.1 (symbol
 * version LIBEMO_1.1).
 * Errors: EMO_ERR_INVALID_ARG (NULL argument), EMO_ERR_IO, EMO_ERR_NOMEM. */
EMO_API int emo_network_save_checkpoint(const emo_network *net,
                                        const char *path);
/* Training steps taken by this network (emo_network_train_step and the
 * steps of emo_network_train and emo_network_apply_corrections), counted
 * from its creation and restored by emo_network_load from a checkpoint
 * (0 from a model file).  The count keys the dropout masks of the next
 * step.  Since 1.1 (symbol version LIBEMO_1.1).
 * Errors: EMO_ERR_INVALID_ARG (net NULL). */
EMO_API int64_t emo_network_train_steps(const emo_network *net);
EMO_API void emo_network_destroy(emo_network *net);

/* Copies into `dst` the weights of every layer of `src` whose name and
 * parameter shapes match; the rest keep their (fresh) weights.  Stores the
 * number of layers copied in *copied (may be NULL).  For fine-tuning. */
EMO_API int emo_network_transfer(emo_network *dst, const emo_network *src,
                                 int *copied);

/* Options EMO_OPT_NET_* and EMO_OPT_TRAIN_*.  Setting EMO_OPT_NET_SEED on a
 * network whose weights are still their initial draw redraws them (create,
 * set the seed, train); trained, loaded or set weights are never changed. */
EMO_API int emo_network_set_int(emo_network *net, int option, int value);
EMO_API int emo_network_set_float(emo_network *net, int option, double value);
EMO_API int emo_network_get_int(const emo_network *net, int option,
                                int *value);
EMO_API int emo_network_get_float(const emo_network *net, int option,
                                  double *value);

/* Input shape (channels, height, width) and classes. */
EMO_API int emo_network_input_shape(const emo_network *net, int *channels,
                                    int *height, int *width);
EMO_API int emo_network_num_classes(const emo_network *net);
/* Class name i of the network's outputs; NULL if out of range. */
EMO_API const char *emo_network_class_name(const emo_network *net, int i);
/* Sets output class names (n must equal emo_network_num_classes()). */
EMO_API int emo_network_set_class_names(emo_network *net,
                                        const char *const *names, int n);
EMO_API int64_t emo_network_num_params(const emo_network *net);
/* Multiply-adds x 2 of one forward pass at batch 1. */
EMO_API int64_t emo_network_flops(const emo_network *net);
/* Writes a human-readable summary (layers, shapes, parameters, FLOPs),
 * NUL-terminated, into buf (cap bytes).  Returns the length it needs,
 * excluding the NUL, whether or not it fit; negative error code. */
EMO_API int emo_network_summary(const emo_network *net, char *buf,
                                size_t cap);

/* Per-layer learning-rate and weight-decay multipliers (0 freezes).
 * Errors: EMO_ERR_INVALID_ARG (no such layer or a layer without weights),
 * EMO_ERR_RANGE. */
EMO_API int emo_network_set_layer_lr(emo_network *net, const char *layer,
                                     double lr_mult, double decay_mult);

/* The network text the network was built from (docs/network-format.md),
 * NUL-terminated, into buf (cap bytes).  Returns the length it needs,
 * excluding the NUL, whether or not it fit; negative error code. */
EMO_API int emo_network_get_text(const emo_network *net, char *buf,
                                 size_t cap);
/* Weight access, for bindings, tests and tools.  Parameter `index` of
 * layer `layer`: conv/fc 0 = weights ([out][in/groups][k][k] or
 * [out][in]), 1 = bias; bn 0 = gamma, 1 = beta, 2 = running mean,
 * 3 = running variance.  get returns the number of floats and copies them
 * when n is large enough (buf NULL asks the size); set requires n to be
 * exactly that number.  Errors: EMO_ERR_INVALID_ARG (no such layer),
 * EMO_ERR_RANGE (index), EMO_ERR_MISMATCH (set: n). */
EMO_API int emo_network_get_param(const emo_network *net, const char *layer,
                                  int index, float *buf, size_t n);
EMO_API int emo_network_set_param(emo_network *net, const char *layer,
                                  int index, const float *buf, size_t n);

/* Forward a batch (batch x C x H x W floats, as the preprocessor makes
 * them) to class probabilities (batch x num_classes).  Uses the network's
 * own workspace, reused across calls: not thread-safe on one network; use
 * one emo_predictor per thread for concurrent inference. */
EMO_API int emo_network_forward(emo_network *net, const float *input,
                                int batch, float *probs);

/* One SGD step on a batch: momentum and weight decay from the options,
 * learning rate `lr`, per-layer multipliers, optional per-class loss
 * weights (NULL = all 1).  Stores the mean loss in *loss (may be NULL).
 * With EMO_OPT_NET_THREADS = T > 1 the batch is cut into T slices run side
 * by side (batch-norm statistics still span the batch); results differ
 * from one thread only in float rounding.
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_RANGE (label out of range),
 * EMO_ERR_NOMEM. */
EMO_API int emo_network_train_step(emo_network *net, const float *input,
                                   const int *labels, int batch, double lr,
                                   const float *class_weights, double *loss);

/* As emo_network_train_step, with soft targets: `targets` holds `batch`
 * rows of emo_network_num_classes(net) floats, each a distribution over
 * the network's outputs (non-negative, summing to 1 within 1e-3; e.g. the
 * normalised votes of several taggers, as in FER+).  The loss is the
 * cross-entropy -sum_j q_j log p_j against the row.  A row's class weight
 * (and the accuracy the step counts) is that of its largest entry, the
 * lowest index on ties.  A one-hot row gives exactly the step of its
 * label.  Since 1.1.
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_RANGE (an entry negative or not
 * finite, a row not summing to 1), EMO_ERR_NOMEM. */
EMO_API int emo_network_train_step_soft(emo_network *net, const float *input,
                                        const float *targets, int batch,
                                        double lr, const float *class_weights,
                                        double *loss);

/* Data-parallel training across processes (e.g. MPI ranks), each running
 * emo_network_train_step on its own part of a global batch on an identical
 * copy of the network.  libemo does no communication itself: every
 * training step calls the caller's reducer, which must replace `data`
 * (`count` elements of `type`, EMO_REDUCE_F32 = float, EMO_REDUCE_F64 =
 * double) with its elementwise sum over all processes -- MPI_Allreduce
 * with MPI_SUM in place -- and return 0 (any other value fails the step).
 * Every process must get bit-identical sums (an allreduce does) and make
 * the same calls in the same order; `what` (EMO_REDUCE_*) says which
 * buffer it is.  In one step, in this order:
 *   1. EMO_REDUCE_BN_MEAN, then EMO_REDUCE_BN_VAR, at each batch-norm
 *      layer in layer order during the training forward pass: C + 1
 *      doubles, the per-channel sum of the layer's input (then of its
 *      squared deviation from the global mean) over the process's images
 *      and pixels, and last the number of values per channel (images x
 *      H x W) -- so the statistics, running statistics included, are the
 *      global batch's;
 *   2. EMO_REDUCE_LOSS once: 3 doubles, the class-weighted sum of the
 *      losses, the sum of the weights (the loss is their ratio, and every
 *      process scales its gradients by the global sum) and the number of
 *      correctly classified images;
 *   3. EMO_REDUCE_BN_GRAD at each batch-norm layer that passes a gradient
 *      back (those after the first layer that trains), in reverse layer
 *      order during backward: 2C + 1 doubles, the per-channel sum of the
 *      output gradient, the count as above, and the per-channel sum of
 *      output gradient x normalised input;
 *   4. EMO_REDUCE_GRADIENTS once, after backward and before the SGD
 *      update: floats, the gradients of every learned parameter of every
 *      layer whose learning-rate multiplier is not 0, in layer order and
 *      parameter index order (as emo_network_get_param numbers them),
 *      without weight decay (applied after, on identical weights).
 * The summed gradients are then those of the whole global batch, and
 * every process applies the same update: the result equals one process
 * stepping on the concatenated batch up to float summation order.  The
 * loss emo_network_train_step reports is the global batch's.  Dropout
 * masks are drawn per image, from EMO_OPT_NET_SEED, the step count, the
 * layer and the image's index in the global batch: set
 * EMO_OPT_TRAIN_BATCH_OFFSET on each process to the global index of its
 * first image (the images of the processes before it), and a network
 * with dropout too equals the one-process run.  emo_network_train and
 * emo_network_apply_corrections step through the same code and call the
 * reducer too; forward passes and prediction never do.
 * When a reducer fails the step returns EMO_ERR_IO before the weights and
 * momentum change (batch-norm running statistics may have moved).  A step
 * that fails on one process only (a label out of range, no memory) leaves
 * the others waiting in their next reduction: an MPI program aborts the
 * job (MPI_Abort) on any error of a step.
 * fn runs on the thread that called the training function, never on
 * libemo's worker threads (MPI_THREAD_FUNNELED is enough); `user` is
 * passed to it unchanged and stays the caller's.
 * fn NULL removes the reducer.  Since libemo 1.1 (symbol version
 * LIBEMO_1.1).
 * Errors: EMO_ERR_INVALID_ARG (net NULL). */
typedef int (*emo_reducer_fn)(void *user, int what, int type, void *data,
                              size_t count);
enum { EMO_REDUCE_F32 = 0, EMO_REDUCE_F64 = 1 };
enum {
    EMO_REDUCE_BN_MEAN = 0, EMO_REDUCE_BN_VAR = 1, EMO_REDUCE_LOSS = 2,
    EMO_REDUCE_BN_GRAD = 3, EMO_REDUCE_GRADIENTS = 4
};
EMO_API int emo_network_set_reducer(emo_network *net, emo_reducer_fn fn,
                                    void *user);

/* Preprocessing stored with the model: copies the face size, blur,
 * photometric normalisation, mean image and detection options of `pp`
 * into the network (training does this itself), or configures `pp` from
 * the network.  A model saved before 1.1 reads as EMO_PHOTO_NONE. */
EMO_API int emo_network_store_preprocessing(emo_network *net,
                                            const emo_preprocessor *pp);
EMO_API int emo_network_apply_preprocessing(const emo_network *net,
                                            emo_preprocessor *pp);

/* Trains on the dataset's training split (validation split for early
 * stopping and reporting), with EMO_OPT_TRAIN_* options.  Faces are made
 * by `pp` (detection off for crops); the training split's mean image is
 * computed, set on pp and stored in the network.  Augmentation works on
 * the face before photometric normalisation and blur when either
 * EMO_OPT_PHOTOMETRIC or a lighting EMO_AUG_* bit is on (geometric, then
 * lighting, then the photometric mode, blur and mean), so that training
 * sees what emo_preprocessor_normalize produces; otherwise on the blurred
 * face, as in 1.0.  When a checkpoint path
 * is set, a checkpoint is written atomically after every epoch and
 * EMO_OPT_TRAIN_RESUME=1 continues from it.  Deterministic for a seed and
 * thread count.  Errors: EMO_ERR_EMPTY, EMO_ERR_MISMATCH (face size vs
 * input; a checkpoint of another network or photometric mode),
 * EMO_ERR_CANCELLED, EMO_ERR_IO, EMO_ERR_NOMEM. */
EMO_API int emo_network_train(emo_network *net, emo_dataset *ds,
                              emo_preprocessor *pp, emo_progress_fn progress,
                              void *user);
/* Checkpoint file for emo_network_train (NULL = none). */
EMO_API int emo_network_set_checkpoint(emo_network *net, const char *path);

/* Corrections (learning from a user's fix of a wrong label): keeps the
 * normalised face with its true label in the network (saved with the
 * model), and fine-tunes on all kept corrections for `steps` SGD steps with
 * augmentation, at the training options' rate and per-layer multipliers. */
EMO_API int emo_network_add_correction(emo_network *net, const float *face,
                                       size_t n, int label);
EMO_API int emo_network_num_corrections(const emo_network *net);
EMO_API int emo_network_apply_corrections(emo_network *net, int steps,
                                          emo_progress_fn progress,
                                          void *user);

/* ------------------------------------------------------------------------ */
/* Predictor                                                                 */
/* ------------------------------------------------------------------------ */

/* One prediction (frozen layout). */
typedef struct emo_prediction {
    emo_box box;                   /* face in the frame (whole face for
                                      emo_predictor_predict_face) */
    int32_t label;                 /* voted class index */
    int32_t num_classes;
    float scores[EMO_MAX_CLASSES]; /* probabilities averaged over views */
    int32_t num_views;
    int32_t view_labels[EMO_MAX_VIEWS];
} emo_prediction;

/* Creates a predictor on a network (borrowed: it must outlive the
 * predictor and stay unmodified while predictors use it) with its own
 * preprocessor configured from the network's stored preprocessing, and its
 * own workspace.  Errors: EMO_ERR_INVALID_ARG, EMO_ERR_NOMEM,
 * EMO_ERR_MISMATCH (the network does not take 1xNxN gray faces, or its
 * stored face size is not its input size). */
EMO_API int emo_predictor_create(const emo_network *net, emo_predictor **out);
EMO_API void emo_predictor_destroy(emo_predictor *pred);
/* The predictor's own preprocessor, to tune detection (owned by pred). */
EMO_API emo_preprocessor *emo_predictor_preprocessor(emo_predictor *pred);

/* Options EMO_OPT_PREDICT_*. */
EMO_API int emo_predictor_set_int(emo_predictor *pred, int option, int value);
EMO_API int emo_predictor_set_float(emo_predictor *pred, int option,
                                    double value);
EMO_API int emo_predictor_get_int(const emo_predictor *pred, int option,
                                  int *value);
EMO_API int emo_predictor_get_float(const emo_predictor *pred, int option,
                                    double *value);

/* Adds a network to the predictor's ensemble: every view then goes through
 * each network and the probabilities of a view are averaged over the
 * networks before the vote.  Borrowed as in emo_predictor_create.  The
 * network must take the same N x N gray faces, have the same classes in
 * the same order, and store the same face preprocessing (face size, crop
 * margin, blur and its sigma) as the predictor's preprocessor has when it
 * is added (checked then: do not change them afterwards); its mean image
 * may differ (each network gets the face with its own mean subtracted).
 * Faces are still found and cropped by the predictor's preprocessor.
 * Errors: EMO_ERR_INVALID_ARG (NULL), EMO_ERR_LIMIT (more
 * than EMO_MAX_NETWORKS networks), EMO_ERR_MISMATCH (input, classes or
 * preprocessing differ), EMO_ERR_NOMEM. */
EMO_API int emo_predictor_add_network(emo_predictor *pred,
                                      const emo_network *net);
/* Number of networks in the predictor's ensemble (1 + those added), or 0
 * for NULL. */
EMO_API int emo_predictor_num_networks(const emo_predictor *pred);

/* Classifies one normalised face (N*N floats from
 * emo_preprocessor_normalize) with augmentation voting: the majority of
 * per-view labels, a tie to the tied class with the highest summed score.
 * The views (EMO_OPT_PREDICT_VIEWS, in EMO_VIEW_* bit order) are made from
 * the face before mean subtraction and go through the network in one
 * batch; EMO_OPT_PREDICT_VOTE picks the rule.  out->box is (0, 0, N, N).
 * Given only the normalised face, the views mirror, rotate and zoom it
 * after its photometric normalisation and blur; a model trained with
 * these finished after the geometry (EMO_OPT_PHOTOMETRIC or a lighting
 * augmentation, see emo_network_train) saw its views made the other way:
 * emo_predictor_predict_box and emo_predictor_predict_frame, which have
 * the raw crop, make them as training did.  With the single view
 * EMO_VIEW_ORIGINAL all three agree exactly.
 * Errors: EMO_ERR_INVALID_ARG (NULL), EMO_ERR_MISMATCH (n != N*N),
 * EMO_ERR_NOMEM. */
EMO_API int emo_predictor_predict_face(emo_predictor *pred, const float *face,
                                       size_t n, emo_prediction *out);
/* Finds faces in a gray frame (by the face choice policy, with retries) and
 * classifies each.  Writes at most max predictions, stores the number of
 * faces in *count.  No face: EMO_OK with *count = 0.
 * With EMO_OPT_PREDICT_TRACK (video mode) faces are searched near their
 * place in the previous frame, the whole frame every EMO_OPT_PREDICT_RESCAN
 * frames and whenever a face is lost, without the looser retries.  With a
 * single-face policy, a better face that a periodic scan finds elsewhere
 * replaces the one followed only when it is found again in each of the 4
 * frames after that scan.  No allocation per frame in steady state.
 * Each face is classified as emo_predictor_predict_box does.
 * Errors: EMO_ERR_INVALID_ARG (NULL, max < 0, empty frame, stride <
 * width), EMO_ERR_MISMATCH (the preprocessor's face size was changed away
 * from the network's input), errors of detection (cascade loading). */
EMO_API int emo_predictor_predict_frame(emo_predictor *pred,
                                        const uint8_t *gray, int width,
                                        int height, int stride,
                                        emo_prediction *out, int max,
                                        int *count);
/* Classifies the one face at `box` (NULL = the whole frame is the face,
 * as in emo_preprocessor_normalize) without detection.  The views are
 * made as training augmented: when the network was trained with the
 * photometric mode and blur applied after the geometric augmentation
 * (EMO_OPT_PHOTOMETRIC set, or a lighting EMO_AUG_* bit in its
 * EMO_OPT_TRAIN_AUGMENT), each view is the mirrored, rotated or zoomed
 * raw crop, then normalised and blurred; otherwise the view of the
 * blurred crop.  Each network of an ensemble gets its views in its own
 * training's order, minus its own mean.  The view EMO_VIEW_ORIGINAL is
 * exactly the face emo_preprocessor_normalize makes, so with that single
 * view the result equals emo_preprocessor_normalize then
 * emo_predictor_predict_face.  out->box is the box (0, 0, width, height
 * for NULL).  Since 1.1.
 * Errors: EMO_ERR_INVALID_ARG (NULL pred, gray or out, empty frame,
 * stride < width, empty box or a box outside the frame), EMO_ERR_LIMIT
 * (a frame above EMO_OPT_MAX_PIXELS), EMO_ERR_MISMATCH (the
 * preprocessor's face size was changed away from the network's input, or
 * its mean image is of another size), EMO_ERR_NOMEM. */
EMO_API int emo_predictor_predict_box(emo_predictor *pred,
                                      const uint8_t *gray, int width,
                                      int height, int stride,
                                      const emo_box *box,
                                      emo_prediction *out);

#ifdef __cplusplus
}
#endif
#endif /* EMO_H */
