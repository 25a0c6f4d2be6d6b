/*
 * Perf map files: the names a JIT gives the code it generates, as perf
 * reads them. A runtime that compiles code at run time writes
 * /tmp/perf-PID.map, one line a function, "START SIZE NAME" (START and
 * SIZE in hex): node --perf-basic-prof, the JVM with
 * -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit, LuaJIT,
 * python 3.12 -X perf. The symbolizer looks an address no module holds up
 * in its process's map, so that JIT frames get names instead of 0xADDR.
 */
#ifndef CPROF_PERFMAP_H
#define CPROF_PERFMAP_H

#include <stdint.h>

struct cprof_perfmap;

/*
 * The map of process `pid` (/tmp/perf-PID.map), if written during its life: its last change between
 * `begin_ns` - 10 s and `end_ns` + 10 min (wall-clock ns; end_ns 0:
 * unknown), since a pid is reused and the file outlives the process.
 * NULL when there is none (or it is older or newer than that, or empty).
 */
struct cprof_perfmap *cprof_perfmap_load(int32_t pid, uint64_t begin_ns, uint64_t end_ns);
void cprof_perfmap_destroy(struct cprof_perfmap *map);

/* The name of the function holding `address` (the last written of
 * several that cover it: a JIT reuses its code space), NULL: none. */
const char *cprof_perfmap_find(const struct cprof_perfmap *map, uint64_t address);

/* The map's path, for the stored symbols. */
const char *cprof_perfmap_path(const struct cprof_perfmap *map);

#endif /* CPROF_PERFMAP_H */
