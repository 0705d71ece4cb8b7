/*
 * ferplus.c - the FER+ source: label.csv beside the images, ten vote
 * counts per image, labelled by the majority protocol of Barsoum et al.
 * (2016): counts of 1 are dropped as outliers, and an image is kept when
 * one answer has more than half of the remaining votes and that answer is
 * an emotion.  Every image left out is counted by reason.
 */
#include "data/dataset.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* label.csv's vote columns, in file order, as vote-array indexes. */
static const int column_index[EMO_FERPLUS_VOTES] = {
    EMO_CLASS_NEUTRAL, EMO_CLASS_HAPPY, EMO_CLASS_SURPRISE, EMO_CLASS_SAD,
    EMO_CLASS_ANGER, EMO_CLASS_DISGUST, EMO_CLASS_FEAR, EMO_CLASS_CONTEMPT,
    EMO_FERPLUS_UNKNOWN, EMO_FERPLUS_NOT_FACE};

/* The majority answer (a vote-array index), or -1 when none has more than
 * half of the votes left once single votes are dropped. */
static int majority(const uint8_t *votes)
{
    int sum = 0, best = -1, best_n = 0;
    for (int k = 0; k < EMO_FERPLUS_VOTES; k++) {
        int v = votes[k] > 1 ? votes[k] : 0;
        sum += v;
        if (v > best_n)
            best_n = v, best = k;
    }
    return best >= 0 && 2 * best_n > sum ? best : -1;
}

/* Parses one line "file,"(x, y, w, h)",v0,...,v9" into name and votes. */
static int parse_line(char *line, char **name, uint8_t *votes,
                      const char *file, int lineno)
{
    char *p = strchr(line, ',');
    if (!p || p == line)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: expected 'file,\"(x, y, w, "
                         "h)\",' and 10 vote counts", file, lineno);
    *p++ = 0;
    *name = line;
    if (strchr(line, '/') || !strcmp(line, "..") || !strcmp(line, "."))
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: '%s': expected a file name "
                         "in the label file's folder", file, lineno, line);
    /* The face box: quoted (it holds commas) or a bare field. */
    if (*p == '"') {
        char *q = strchr(p + 1, '"');
        if (!q)
            return emo__fail(EMO_ERR_FORMAT, "%s:%d: unterminated \"(x, y, "
                             "w, h)\" field", file, lineno);
        p = q + 1;
    } else {
        p += strcspn(p, ",");
    }
    for (int k = 0; k < EMO_FERPLUS_VOTES; k++) {
        if (*p != ',')
            return emo__fail(EMO_ERR_FORMAT, "%s:%d: expected 10 vote counts "
                             "after the face box, found %d", file, lineno, k);
        p++;
        while (*p == ' ')
            p++;
        char *end;
        long v = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
        if (v < 0 || v > 255)
            return emo__fail(EMO_ERR_FORMAT, "%s:%d: vote count %d: expected "
                             "a number 0..255", file, lineno, k + 1);
        votes[column_index[k]] = (uint8_t)v;
        p = end;
        while (*p == ' ')
            p++;
    }
    if (*p)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: more than 10 vote counts",
                         file, lineno);
    return EMO_OK;
}

/* One line: the image is added, or left out and counted. */
static int ferplus_line(emo_dataset *ds, char *line, void *ctx,
                        const char *file, int lineno)
{
    const char *dir = ctx;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        line[--len] = 0;
    if (!len)
        return EMO_OK;
    char *name = NULL;
    uint8_t votes[EMO_FERPLUS_VOTES];
    int rc = parse_line(line, &name, votes, file, lineno);
    if (rc)
        return rc;
    int sum = 0;
    for (int k = 0; k < EMO_FERPLUS_VOTES; k++)
        sum += votes[k];
    int label = majority(votes);
    int reason = sum == 0                        ? EMO_LEFT_OUT_NO_VOTES
                 : label < 0                     ? EMO_LEFT_OUT_NO_MAJORITY
                 : label == EMO_FERPLUS_UNKNOWN  ? EMO_LEFT_OUT_VOTE_UNKNOWN
                 : label == EMO_FERPLUS_NOT_FACE ? EMO_LEFT_OUT_NOT_FACE
                                                 : -1;
    if (reason >= 0) {
        ds->left_out[reason]++;
        return EMO_OK;
    }
    char path[EMO__DS_MAX_PATH];
    if ((rc = emo__ds_join(path, dir, name)) != EMO_OK)
        return rc;
    long at;
    rc = emo__ds_push_file(ds, path, "", label, 0, &at);
    if (rc == EMO_OK && at >= 0) {
        emo__ds_item *it = &ds->items[at];
        memcpy(it->votes, votes, sizeof it->votes);
        it->has_votes = 1;
    }
    return rc;
}

EMO_API int emo_dataset_add_ferplus(emo_dataset *ds, const char *dir)
{
    if (!ds || !dir)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    char csv[EMO__DS_MAX_PATH];
    int rc = emo__ds_join(csv, dir, "label.csv");
    if (rc)
        return rc;
    return emo__ds_read_lines(ds, csv, ferplus_line, (void *)dir);
}
