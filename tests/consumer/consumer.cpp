// The same from C++: the header must compile with extern "C" linkage.
#include <emo.h>
#include <cstdio>
#include <memory>

int main()
{
    emo_network *raw = nullptr;
    int rc = emo_network_load("/nonexistent.emo", &raw);
    std::unique_ptr<emo_network, void (*)(emo_network *)> net(
        raw, emo_network_destroy);
    if (rc != EMO_ERR_IO || net) {
        std::fprintf(stderr, "expected EMO_ERR_IO, got %d\n", rc);
        return 1;
    }
    std::printf("consumer (C++): libemo %s ok (%s)\n", emo_version(),
                emo_strerror(rc));
    return 0;
}
