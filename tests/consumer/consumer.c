/* A program outside the tree, built against an installed libemo through
 * pkg-config: uses only the public header. */
#include <emo.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (emo_version_number() != EMO_VERSION_NUMBER ||
        strcmp(emo_version(), EMO_VERSION_STRING) != 0) {
        fprintf(stderr, "version mismatch: header %s, library %s\n",
                EMO_VERSION_STRING, emo_version());
        return 1;
    }
    emo_preprocessor *pp = NULL;
    if (emo_preprocessor_create(&pp) != EMO_OK) {
        fprintf(stderr, "create: %s\n", emo_last_error());
        return 1;
    }
    emo_preprocessor_destroy(pp);
    printf("consumer (C): libemo %s ok\n", emo_version());
    return 0;
}
