/* relu.c - rectified linear unit, y = max(x, 0). */
/* hot elementwise loops: let GCC vectorise them at any -O level */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "nn/nn.h"

void emo__relu_forward(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* Uses the output: y > 0 exactly where x > 0. */
void emo__relu_backward(const float *y, const float *dy, float *dx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
