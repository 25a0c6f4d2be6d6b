/*
 * test-view-pngdiff A.png B.png [TOLERANCE [MAX_FRACTION]]: compares two
 * screenshots; pixels whose channels differ by more than TOLERANCE (default
 * 16) count as different, and more than MAX_FRACTION (default 0.002) of them
 * fails. Prints the figures either way.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ui/pngio.h"

int main(int argc, char **argv)
{
	uint8_t *a = NULL, *b = NULL;
	int aw, ah, bw, bh;
	if (argc < 3) {
		fprintf(stderr,
			"usage: test-view-pngdiff A.png B.png [TOLERANCE [MAX_FRACTION]]\n");
		return 2;
	}
	int tol = argc > 3 ? atoi(argv[3]) : 16;
	double maxf = argc > 4 ? atof(argv[4]) : 0.002;
	if (!ui_png_read(argv[1], &a, &aw, &ah) || !ui_png_read(argv[2], &b, &bw, &bh)) {
		fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
		return 2;
	}
	if (aw != bw || ah != bh) {
		fprintf(stderr, "sizes differ: %dx%d vs %dx%d\n", aw, ah, bw, bh);
		return 1;
	}
	long diff = 0;
	for (long i = 0; i < (long)aw * ah; i++) {
		int worst = 0;
		for (int k = 0; k < 4; k++) {
			int d = abs(a[i * 4 + k] - b[i * 4 + k]);
			if (d > worst)
				worst = d;
		}
		diff += worst > tol;
	}
	double f = (double)diff / ((double)aw * ah);
	printf("%s vs %s: %ld of %d pixels differ (%.4f%%, limit %.4f%%)\n", argv[1], argv[2], diff,
	       aw * ah, f * 100, maxf * 100);
	free(a);
	free(b);
	return f <= maxf ? 0 : 1;
}
