#include "parts.h"

static const char *const names[] = {"main", "worker 1", "worker 2"};

const char *table_name(int i)
{
	return names[i % 3];
}
