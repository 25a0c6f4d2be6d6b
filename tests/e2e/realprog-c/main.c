/* Three threads crunch numbers (0.3 s of CPU each at the default), sort
 * and sum; main prints what each found, then exits 5. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "parts.h"

static uint64_t rounds = 150000000;

struct job {
	int id;
	uint64_t hash;
	long sum;
};

static void *run(void *arg)
{
	struct job *j = arg;

	j->hash = crunch_numbers(rounds + (uint64_t)j->id);
	j->sum = sort_and_sum(100000, j->id);
	return NULL;
}

int main(int argc, char **argv)
{
	struct job jobs[3] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}};
	pthread_t t[2];

	if (argc > 1)
		rounds = strtoull(argv[1], NULL, 10);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, run, &jobs[i + 1]) != 0)
			return 1;
	run(&jobs[0]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		printf("%s: %016llx %ld\n", table_name(i), (unsigned long long)jobs[i].hash,
		       jobs[i].sum);
	fprintf(stderr, "done\n");
	return 5;
}
