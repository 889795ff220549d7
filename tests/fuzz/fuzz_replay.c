/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_replay.c — runs a libFuzzer target without libFuzzer, for CI's smoke
 * pass (gcc builds, no clang needed): every file of the corpus directories
 * given on the command line, then ZDP_FUZZ_ITERS (default 20000) inputs
 * mutated from them with a fixed-seed PRNG. Under ASan/UBSan any memory or
 * UB error aborts the run. Prints TAP: one point per corpus directory and
 * one for the mutation pass.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536
#define MAX_SEEDS 256

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static unsigned n_seeds;

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t
next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned
run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		uint8_t *buf;
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		buf = malloc(FUZZ_MAX_INPUT);
		len = fread(buf, 1, FUZZ_MAX_INPUT, f);
		fclose(f);
		/* Exact-size copy so ASan sees reads past the end. */
		uint8_t *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		if (n_seeds < MAX_SEEDS) {
			seeds[n_seeds] = exact;
			seed_len[n_seeds++] = len;
		} else {
			free(exact);
		}
		n++;
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	const char *it = getenv("ZDP_FUZZ_ITERS");
	unsigned iters = it ? (unsigned)strtoul(it, NULL, 0) : 20000;
	int i;

	printf("1..%d\n", argc);
	for (i = 1; i < argc; i++) {
		unsigned n = run_dir(argv[i]);
		printf("ok %d - corpus %s (%u inputs)\n", i, argv[i], n);
	}
	for (unsigned k = 0; k < iters; k++) {
		size_t len = 0;
		uint8_t *buf;

		if (n_seeds) {
			unsigned s = (unsigned)(next() % n_seeds);
			len = seed_len[s];
			if (next() % 4 == 0)
				len = len ? (size_t)(next() % (len + 1)) : 0;
			else if (next() % 8 == 0)
				len += next() % 64;
			buf = malloc(len ? len : 1);
			memcpy(buf, seeds[s], len < seed_len[s] ? len : seed_len[s]);
			for (size_t j = seed_len[s]; j < len; j++)
				buf[j] = (uint8_t)next();
		} else {
			len = (size_t)(next() % 512);
			buf = malloc(len ? len : 1);
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)next();
		}
		for (unsigned f = (unsigned)(next() % 8); f > 0 && len; f--)
			buf[next() % len] ^= (uint8_t)(1u << (next() % 8));
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	printf("ok %d - %u mutated inputs\n", argc, iters);
	for (unsigned s = 0; s < n_seeds; s++)
		free(seeds[s]);
	return 0;
}
