/*
 * parallel.c - a process-wide pool of worker threads for the kernels'
 * loops that BLAS does not cover (im2col, batch norm, ReLU, pooling).
 *
 * emo__parallel_for splits [0, n) into `threads` contiguous parts; the
 * caller runs part 0 and the workers the others.  Between jobs a worker
 * spins for up to SPIN_NS, then sleeps on a condition variable (an idle
 * process's workers use no CPU).  Workers are created on first use and
 * live as long as the process.  One job runs at a time:
 * a second thread arriving while the pool is busy (concurrent predictors)
 * simply runs its loop serially, so callers never wait on each other.
 * BLAS keeps its own threads; emo__nn_set_threads sets their count.
 */
#include "nn/nn.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 63

/* How long a worker looks for the next job, and the caller for the end
 * of its job, before sleeping on the condition variable: a training step
 * meets at about 90 points (layers, batch-norm phases), jobs of 0.1-3 ms,
 * and a sleeping thread took tens of microseconds to wake. */
#define SPIN_NS 50000

static struct {
    pthread_mutex_t mu;
    pthread_cond_t start, done;
    int nworkers;
    _Atomic uint64_t gen;
    int parts;
    atomic_int pending;
    emo__range_fn fn;
    void *arg;
    size_t n;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL, 0};

static pthread_mutex_t submit_mu = PTHREAD_MUTEX_INITIALIZER;

static void part_range(size_t n, int parts, int p, size_t *b, size_t *e)
{
    *b = n * (size_t)p / (size_t)parts;
    *e = n * (size_t)(p + 1) / (size_t)parts;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spins until done(arg) holds or SPIN_NS have passed (the caller then
 * checks again under the mutex and sleeps if need be). */
static void spin_until(int (*done)(uint64_t), uint64_t arg)
{
    uint64_t t0 = now_ns();
    for (unsigned i = 1; !done(arg); i++) {
        cpu_relax();
        if (i % 64 == 0 && now_ns() - t0 > SPIN_NS)
            return;
    }
}

static int new_job(uint64_t seen)
{
    return atomic_load_explicit(&pool.gen, memory_order_acquire) != seen;
}

static int job_done(uint64_t unused)
{
    (void)unused;
    return atomic_load_explicit(&pool.pending, memory_order_acquire) == 0;
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t seen = 0;
    for (;;) {
        spin_until(new_job, seen);
        pthread_mutex_lock(&pool.mu);
        while (pool.gen == seen)
            pthread_cond_wait(&pool.start, &pool.mu);
        seen = pool.gen;
        if (id >= pool.parts) {
            pthread_mutex_unlock(&pool.mu);
            continue;
        }
        size_t b, e;
        part_range(pool.n, pool.parts, id, &b, &e);
        emo__range_fn fn = pool.fn;
        void *a = pool.arg;
        pthread_mutex_unlock(&pool.mu);
        fn(a, b, e);
        pthread_mutex_lock(&pool.mu);
        if (atomic_fetch_sub(&pool.pending, 1) == 1)
            pthread_cond_signal(&pool.done);
        pthread_mutex_unlock(&pool.mu);
    }
    return NULL;
}

/* Makes sure workers 1 .. want exist; returns how many do. */
static int grow_pool(int want)
{
    while (pool.nworkers < want && pool.nworkers < MAX_WORKERS) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, worker,
                                (void *)(intptr_t)(pool.nworkers + 1));
        pthread_attr_destroy(&attr);
        if (rc)
            break;
        pool.nworkers++;
    }
    return pool.nworkers;
}

void emo__parallel_for(int threads, size_t n, size_t min_per_thread,
                       emo__range_fn fn, void *arg)
{
    int parts = threads;
    if (min_per_thread < 1)
        min_per_thread = 1;
    if ((size_t)parts > n / min_per_thread)
        parts = (int)(n / min_per_thread);
    if (parts <= 1 || pthread_mutex_trylock(&submit_mu) != 0) {
        if (n)
            fn(arg, 0, n);
        return;
    }
    pthread_mutex_lock(&pool.mu);
    int have = grow_pool(parts - 1);
    parts = have + 1 < parts ? have + 1 : parts;
    pool.fn = fn;
    pool.arg = arg;
    pool.n = n;
    pool.parts = parts;
    pool.pending = parts - 1;
    pool.gen++;
    pthread_cond_broadcast(&pool.start);
    pthread_mutex_unlock(&pool.mu);
    size_t b, e;
    part_range(n, parts, 0, &b, &e);
    fn(arg, b, e);
    spin_until(job_done, 0);
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&submit_mu);
}

static void zero_range(void *arg, size_t k0, size_t k1)
{
    float *p = arg;
    memset(p + k0, 0, sizeof(float) * (k1 - k0));
}

void emo__parallel_zero(float *p, size_t n, int threads)
{
    emo__parallel_for(threads, n, EMO__PARALLEL_FLOATS, zero_range, p);
}

/* OpenBLAS's setting is process-wide and its default is every core, whose
 * idle workers spin in sched_yield: a one-thread video loop that leaves it
 * ran 2.8x slower in wall time on 2 cores.  Every pass sets it; the
 * common case (already right) only reads it. */
void emo__nn_set_threads(int threads)
{
    threads = threads < 1 ? 1 : threads;
    if (openblas_get_num_threads() != threads)
        openblas_set_num_threads(threads);
}
