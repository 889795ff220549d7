/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_replay.c — runs a libFuzzer target without libFuzzer, for CI's smoke
 * pass: every file in the corpus directory, then N inputs mutated from them
 * with a fixed-seed PRNG (bit flips, byte sets, truncation, insertion,
 * splicing). Prints TAP-free progress; exit 0 unless the target aborts.
 *
 *   <target>_replay CORPUS_DIR [N=2000] [SEED=1]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_FILES 256
#define MAX_LEN 65536

static uint64_t rs;

static uint64_t
rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545F4914F6CDD1DULL;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[MAX_LEN];
	uint8_t *files[MAX_FILES];
	size_t lens[MAX_FILES], nf = 0, i;
	long n = argc > 2 ? atol(argv[2]) : 2000;
	DIR *d;
	struct dirent *e;

	rs = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	if (rs == 0)
		rs = 1;
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [N] [SEED]\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize(&argc, &argv) != 0) {
		fprintf(stderr, "init failed\n");
		return 1;
	}
	d = opendir(argv[1]);
	if (d == NULL) {
		perror(argv[1]);
		return 2;
	}
	while ((e = readdir(d)) != NULL && nf < MAX_FILES) {
		char p[4096];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", argv[1], e->d_name);
		f = fopen(p, "rb");
		if (f == NULL)
			continue;
		files[nf] = malloc(MAX_LEN);
		lens[nf] = fread(files[nf], 1, MAX_LEN, f);
		fclose(f);
		LLVMFuzzerTestOneInput(files[nf], lens[nf]);
		nf++;
	}
	closedir(d);
	printf("replayed %zu corpus files\n", nf);
	if (nf == 0)
		return 2;
	for (i = 0; i < (size_t)n; i++) {
		size_t k = rnd() % nf, len = lens[k], m, muts = 1 + rnd() % 8;

		memcpy(buf, files[k], len);
		for (m = 0; m < muts; m++) {
			size_t pos = len ? rnd() % len : 0;

			switch (rnd() % 6) {
			case 0:
				if (len)
					buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				if (len)
					buf[pos] = (uint8_t)rnd();
				break;
			case 2:
				len = pos;
				break;
			case 3:
				if (len < MAX_LEN) {
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = (uint8_t)rnd();
					len++;
				}
				break;
			case 4: {
				size_t o = rnd() % nf, take = lens[o] < MAX_LEN - pos ? lens[o] : MAX_LEN - pos;

				memcpy(buf + pos, files[o], take);
				if (pos + take > len)
					len = pos + take;
				break;
			}
			default:
				if (len > 2)
					buf[pos] = (uint8_t)(rnd() % 2 ? 0xff : 0x00);
				break;
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ran %ld mutated inputs\n", n);
	for (i = 0; i < nf; i++)
		free(files[i]);
	return 0;
}
