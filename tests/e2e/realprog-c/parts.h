#include <stdint.h>

uint64_t crunch_numbers(uint64_t n);
long sort_and_sum(int n, int salt);
const char *table_name(int i);
