/* Built against an installed libemo: finds the installed default model
 * with emo_default_model_path(), loads it and prints its path. */
#include <emo.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int n = emo_default_model_path(NULL, 0);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", emo_strerror(n), emo_last_error());
        return 1;
    }
    char *path = malloc((size_t)n + 1);
    emo_network *net = NULL;
    if (!path || emo_default_model_path(path, (size_t)n + 1) != n ||
        emo_network_load(path, &net) != EMO_OK) {
        fprintf(stderr, "%s: %s\n", path ? path : "?", emo_last_error());
        return 1;
    }
    printf("%s\n", path);
    emo_network_destroy(net);
    free(path);
    return 0;
}
