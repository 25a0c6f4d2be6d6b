/*
 * A library for realprog-odd dl-swap, built twice with SPIN naming its
 * function (spin_a, spin_b): the same code at the same offsets, so that
 * the two, loaded at one base in turn, have the same addresses.
 */
#include "realprog-cpu.h"

__attribute__((visibility("default"), noinline)) void SPIN(uint64_t ns);

void SPIN(uint64_t ns)
{
	spin_cpu(ns);
}
