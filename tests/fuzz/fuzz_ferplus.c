/* fuzz_ferplus.c - the FER+ label.csv loader on arbitrary bytes.  The
 * loader takes a folder, so the bytes become label.csv in a private
 * temporary folder (made once, removed at exit); the images it names do
 * not exist and are counted as unreadable. */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

static char dir[64], csv[96];

static void remove_dir(void)
{
    remove(csv);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/emo-fuzz-ferplus-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        snprintf(csv, sizeof csv, "%s/label.csv", dir);
        atexit(remove_dir);
    }
    FILE *fp = fopen(csv, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size)
        abort();
    fclose(fp);
    emo_dataset *ds = NULL;
    if (emo_dataset_create(&ds) == EMO_OK) {
        /* the first byte also picks 7 or 8 classes */
        if (size && (data[0] & 1))
            emo_dataset_set_int(ds, EMO_OPT_DATA_CLASSES, 8);
        if (emo_dataset_add_ferplus(ds, dir) == EMO_OK) {
            int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1), v[10];
            for (int i = 0; i < n; i++)
                emo_dataset_item_votes(ds, i, v, 10);
        }
        emo_dataset_destroy(ds);
    }
    return 0;
}
