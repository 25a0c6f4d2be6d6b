/*
 * From babeltrace2 events to struct rd_event (state.h). An event class is
 * resolved once, when first met, into a decoder: its entry in the event
 * table (handlers.c) and the index of each payload member and context
 * field it needs. Decoders are found again by event class pointer, so the
 * per-event work is a pointer compare, a few borrow calls and no string
 * compare.
 *
 * Private to viewer/reader/. Ownership: a zeroed struct rd_decoders is
 * empty; rd_decoders_fini() releases it. Strings and arrays an event's
 * values point to live until the next event is decoded.
 */
#ifndef CPROF_READER_DECODE_H
#define CPROF_READER_DECODE_H

#include <babeltrace2/babeltrace.h>

#include "state.h"

struct rd_decoder {
	const bt_event_class *ec;
	const struct rd_kind *kind;
	const char *name;	   /* the class's name, "(unnamed)" */
	int8_t f[RD_MAX_FIELDS];   /* payload member index, -1 absent */
	uint8_t fk[RD_MAX_FIELDS]; /* what the member is (decode.c) */
	int8_t ctx_vpid, ctx_vtid, ctx_vppid, ctx_procname;
};

struct rd_decoders {
	CPROF_VEC(struct rd_decoder) v;
	struct cprof_pairmap index; /* event class pointer -> decoder */
	const bt_event_class *last_ec;
	uint32_t last;
	CPROF_VEC(uint64_t) ips;     /* the addresses of the last stack */
	CPROF_VEC(uint8_t) bytes[2]; /* RD_BYTES members of the last event */
	char hex[256];		     /* the last build id */
	bool out_of_memory;
};

/* What the event's callbacks read; lives as long as the event. */
struct rd_source {
	struct rd_decoders *ds;
	const struct rd_decoder *d;
	const bt_event *event;
	const bt_field *payload, *ctx;
};

/* Fills ev's header (kind, time, pid, tid, ppid) from an event message
 * and sets its callbacks to decode the rest from `src` on demand. Returns
 * the decoder, NULL when out of memory. */
const struct rd_decoder *rd_decode(struct rd_decoders *ds, const bt_message *msg,
				   struct rd_event *ev, struct rd_source *src);

void rd_decoders_fini(struct rd_decoders *ds);

#endif /* CPROF_READER_DECODE_H */
