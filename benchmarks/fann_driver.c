/* FANN's per-sample (incremental) training throughput, for benchmarks/bench_core.py.

   usage: fann_driver SECONDS SAMPLES HIDDEN N_IN N_1 ... N_OUT
   HIDDEN is tanh or sigmoid (the output layer is sigmoid). Trains whole shuffled epochs for
   SECONDS after one warm-up epoch, and prints its samples per second of wall time and per
   second of this process's CPU time: one window, measured as bench_core.py measures bpstudio.
   The cost is the plain mean squared error (FANN_ERRORFUNC_LINEAR), as in bpstudio's tiny case:
   FANN's default error function trains another cost and adds a log per output and sample.
   bench_core.py builds this with the system compiler when libfann is there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fann.h>

static double seconds_on(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s seconds samples tanh|sigmoid n_in n_1 ... n_out\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[1]);
    unsigned n = (unsigned)atoi(argv[2]);
    unsigned n_layers = (unsigned)(argc - 4), sizes[16];
    if (n_layers > 16) return 2;
    for (unsigned l = 0; l < n_layers; l++) sizes[l] = (unsigned)atoi(argv[4 + l]);
    struct fann *ann = fann_create_standard_array(n_layers, sizes);
    fann_set_activation_function_hidden(ann, strcmp(argv[3], "tanh") == 0 ? FANN_SIGMOID_SYMMETRIC : FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);   /* one update per sample */
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);  /* δ = (y − a) σ′: plain MSE */
    fann_set_learning_rate(ann, 0.01f);
    struct fann_train_data *data = fann_create_train(n, sizes[0], sizes[n_layers - 1]);
    srand(0);
    for (unsigned i = 0; i < n; i++) {
        for (unsigned k = 0; k < sizes[0]; k++) data->input[i][k] = (fann_type)(rand() / (double)RAND_MAX * 2 - 1);
        for (unsigned k = 0; k < sizes[n_layers - 1]; k++) data->output[i][k] = (fann_type)(rand() % 2);
    }
    fann_train_epoch(ann, data);  /* warm-up */
    double start = seconds_on(CLOCK_MONOTONIC), cpu_start = seconds_on(CLOCK_PROCESS_CPUTIME_ID);
    unsigned long seen = 0;
    while (seconds_on(CLOCK_MONOTONIC) - start < seconds) {
        fann_shuffle_train_data(data);
        fann_train_epoch(ann, data);
        seen += n;
    }
    double wall = seconds_on(CLOCK_MONOTONIC) - start, cpu = seconds_on(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    printf("%.0f %.0f\n", seen / wall, seen / cpu);
    fann_destroy_train(data);
    fann_destroy(ann);
    return 0;
}
