/*
 * babeltrace2 field access for the reader: event classes resolved once
 * into decoders, payload values decoded only when rd_feed() asks.
 */
#include "decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fkind { F_NONE = 0, F_UINT, F_SINT, F_STR, F_ARRAY, F_OTHER };

static inline const bt_field *member(const bt_field *s, int idx)
{
	return bt_field_structure_borrow_member_field_by_index_const(s, (uint64_t)idx);
}

static int member_index(const bt_field_class *sfc, const char *name, uint8_t *kind)
{
	uint64_t n;

	if (!sfc || bt_field_class_get_type(sfc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	n = bt_field_class_structure_get_member_count(sfc);
	for (uint64_t i = 0; i < n && i < 127; i++) {
		const bt_field_class_structure_member *m =
		    bt_field_class_structure_borrow_member_by_index_const(sfc, i);
		if (strcmp(bt_field_class_structure_member_get_name(m), name) != 0)
			continue;
		if (kind) {
			bt_field_class_type t = bt_field_class_get_type(
			    bt_field_class_structure_member_borrow_field_class_const(m));
			if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
				*kind = F_UINT;
			else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
				*kind = F_SINT;
			else if (t == BT_FIELD_CLASS_TYPE_STRING)
				*kind = F_STR;
			else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY))
				*kind = F_ARRAY;
			else
				*kind = F_OTHER;
		}
		return (int)i;
	}
	return -1;
}

static struct rd_decoder *decoder_build(struct rd_decoders *ds, const bt_event_class *ec)
{
	struct rd_decoder *d = cprof_vec_push(&ds->v);
	const char *name = bt_event_class_get_name(ec);
	const bt_field_class *payload = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_field_class *ctx = bt_stream_class_borrow_event_common_context_field_class_const(
	    bt_event_class_borrow_stream_class_const(ec));

	if (!d)
		return NULL;
	if (cprof_pairmap_put(&ds->index, (uintptr_t)ec, 0, (uint32_t)(ds->v.n - 1))) {
		ds->v.n--;
		return NULL;
	}
	d->ec = ec;
	d->name = name ? name : "(unnamed)";
	d->kind = rd_kind_find(name);
	for (int i = 0; i < RD_MAX_FIELDS; i++)
		d->f[i] = -1;
	for (int i = 0; i < RD_MAX_FIELDS && d->kind->fields[i].name; i++)
		d->f[i] = (int8_t)member_index(payload, d->kind->fields[i].name, &d->fk[i]);
	d->ctx_vpid = (int8_t)member_index(ctx, "vpid", NULL);
	d->ctx_vtid = (int8_t)member_index(ctx, "vtid", NULL);
	d->ctx_vppid = (int8_t)member_index(ctx, "vppid", NULL);
	d->ctx_procname = (int8_t)member_index(ctx, "procname", NULL);
	return d;
}

static inline const struct rd_decoder *decoder_get(struct rd_decoders *ds, const bt_event_class *ec)
{
	uint32_t *idx;

	if (ec == ds->last_ec)
		return &ds->v.v[ds->last];
	idx = cprof_pairmap_find(&ds->index, (uintptr_t)ec, 0);
	if (!idx) {
		if (!decoder_build(ds, ec))
			return NULL;
		idx = cprof_pairmap_find(&ds->index, (uintptr_t)ec, 0);
	}
	ds->last_ec = ec;
	ds->last = *idx;
	return &ds->v.v[*idx];
}

static inline int64_t ctx_int(const bt_field *ctx, int idx)
{
	const bt_field *f;
	bt_field_class_type t;

	if (!ctx || idx < 0)
		return 0;
	f = member(ctx, idx);
	t = bt_field_get_class_type(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		return bt_field_integer_signed_get_value(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		return (int64_t)bt_field_integer_unsigned_get_value(f);
	return 0;
}

static const char *fetch_procname(const struct rd_event *ev, size_t *len)
{
	const struct rd_source *src = ev->source;
	const bt_field *f;

	*len = 0;
	if (!src->ctx || src->d->ctx_procname < 0)
		return "";
	f = member(src->ctx, src->d->ctx_procname);
	if (bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
		return "";
	*len = bt_field_string_get_length(f);
	return bt_field_string_get_value(f);
}

static const char *fetch_host(const struct rd_event *ev)
{
	const struct rd_source *src = ev->source;
	const bt_trace *trace =
	    bt_stream_borrow_trace_const(bt_event_borrow_stream_const(src->event));
	const bt_value *v =
	    bt_trace_borrow_environment_entry_value_by_name_const(trace, "hostname");

	return v && bt_value_is_string(v) ? bt_value_string_get(v) : "";
}

/* Byte arrays (build ids) as lowercase hex in ds->hex. */
static void decode_hex(struct rd_decoders *ds, const bt_field *f, struct rd_value *v)
{
	uint64_t n = bt_field_array_get_length(f);
	size_t o = 0, buflen = sizeof(ds->hex);

	for (uint64_t k = 0; k < n && o + 3 <= buflen; k++) {
		const bt_field *e = bt_field_array_borrow_element_field_by_index_const(f, k);
		uint64_t b = 0;
		if (bt_field_class_type_is(bt_field_get_class_type(e),
					   BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
			b = bt_field_integer_unsigned_get_value(e);
		snprintf(ds->hex + o, 3, "%02x", (unsigned)(b & 0xff));
		o += 2;
	}
	ds->hex[o < buflen ? o : buflen - 1] = '\0';
	v->s = ds->hex;
	v->n = o;
}

static void decode_u64s(struct rd_decoders *ds, const bt_field *f, struct rd_value *v)
{
	static const uint64_t none[1];
	uint64_t n = bt_field_array_get_length(f);

	if (n > UINT16_MAX)
		n = UINT16_MAX;
	ds->ips.n = 0;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t *slot = cprof_vec_push(&ds->ips);
		if (!slot) {
			ds->out_of_memory = true;
			n = k;
			break;
		}
		*slot = bt_field_integer_unsigned_get_value(
		    bt_field_array_borrow_element_field_by_index_const(f, k));
	}
	v->a = ds->ips.v ? ds->ips.v : none;
	v->n = n;
}

/* An array of unsigned integers as bytes, into ds->bytes[slot]: bytes one
 * each, wider integers as their little-endian bytes (cprof:batch's
 * records came in 64-bit words in traces recorded before they came in
 * strings, see tracer/cprof-tp.h). */
static void decode_bytes(struct rd_decoders *ds, const bt_field *f, unsigned slot,
			 struct rd_value *v)
{
	const bt_field_class *ec =
	    bt_field_class_array_borrow_element_field_class_const(bt_field_borrow_class_const(f));
	uint64_t width =
	    bt_field_class_type_is(bt_field_class_get_type(ec), BT_FIELD_CLASS_TYPE_INTEGER)
		? bt_field_class_integer_get_field_value_range(ec) / 8
		: 1;
	uint64_t n = bt_field_array_get_length(f);
	uint8_t *out;

	if (width < 1 || width > 8)
		width = 1;
	n *= width;

	ds->bytes[slot].n = 0;
	v->s = "";
	v->n = 0;
	if (!n)
		return;
	if (n > ds->bytes[slot].cap) {
		uint8_t *nv = realloc(ds->bytes[slot].v, n);

		if (!nv) {
			ds->out_of_memory = true;
			return;
		}
		ds->bytes[slot].v = nv;
		ds->bytes[slot].cap = n;
	}
	out = ds->bytes[slot].v;
	for (uint64_t k = 0; k < n / width; k++) {
		uint64_t e = bt_field_integer_unsigned_get_value(
		    bt_field_array_borrow_element_field_by_index_const(f, k));

		for (uint64_t i = 0; i < width; i++)
			out[k * width + i] = (uint8_t)(e >> (8 * i));
	}
	ds->bytes[slot].n = n;
	v->s = (const char *)out;
	v->n = n;
}

/* Only the member of `v` that `want` names is set: handlers read no other. */
static void decode_value(struct rd_decoders *ds, const bt_field *f, uint8_t fk, enum rd_want want,
			 struct rd_value *v, unsigned *byte_slot)
{
	switch (want) {
	case RD_BYTES:
		v->s = "";
		v->n = 0;
		v->u = 0;
		if (fk == F_ARRAY && *byte_slot < 2) {
			decode_bytes(ds, f, (*byte_slot)++, v);
		} else if (fk == F_STR) {
			/* cprof:batch's NUL-free bytes (tracer/cprof-varint.h) */
			v->n = bt_field_string_get_length(f);
			v->s = bt_field_string_get_value(f);
			v->u = 1;
		}
		break;
	case RD_UINT:
		if (fk == F_UINT)
			v->u = bt_field_integer_unsigned_get_value(f);
		else if (fk == F_SINT)
			v->u = (uint64_t)bt_field_integer_signed_get_value(f);
		else
			v->u = 0;
		break;
	case RD_STR:
	case RD_HEX:
		v->s = "";
		v->n = 0;
		if (fk == F_STR) {
			v->n = bt_field_string_get_length(f);
			v->s = bt_field_string_get_value(f);
		} else if (fk == F_ARRAY && want == RD_HEX) {
			decode_hex(ds, f, v);
		}
		break;
	case RD_U64S:
		v->a = NULL;
		v->n = 0;
		if (fk == F_ARRAY)
			decode_u64s(ds, f, v);
		break;
	}
}

static const struct rd_value absent = {0, "", 0, NULL};

static void fetch_fields(struct rd_event *ev)
{
	const struct rd_source *src = ev->source;
	const struct rd_decoder *d = src->d;
	unsigned byte_slot = 0;

	ev->present = 0;
	for (int i = 0; i < RD_MAX_FIELDS && d->kind->fields[i].name; i++) {
		if (d->f[i] < 0) {
			ev->f[i] = absent;
			continue;
		}
		ev->present |= 1u << i;
		decode_value(src->ds, member(src->payload, d->f[i]), d->fk[i],
			     d->kind->fields[i].want, &ev->f[i], &byte_slot);
	}
}

const struct rd_decoder *rd_decode(struct rd_decoders *ds, const bt_message *msg,
				   struct rd_event *ev, struct rd_source *src)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const struct rd_decoder *d = decoder_get(ds, bt_event_borrow_class_const(event));
	const bt_clock_snapshot *cs;
	int64_t sns = 0;
	uint64_t freq;

	if (!d)
		return NULL;
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (bt_clock_snapshot_get_ns_from_origin(cs, &sns) !=
		BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK ||
	    sns < 0)
		sns = 0;
	/* LTTng's clock counts CLOCK_MONOTONIC ns (frequency 1 GHz) */
	freq = bt_clock_class_get_frequency(bt_clock_snapshot_borrow_clock_class_const(cs));
	ev->clock_offset =
	    sns - (int64_t)(freq == 1000000000u
				? bt_clock_snapshot_get_value(cs)
				: (uint64_t)((double)bt_clock_snapshot_get_value(cs) * 1e9 /
					     (double)(freq ? freq : 1)));
	src->ds = ds;
	src->d = d;
	src->event = event;
	src->ctx = bt_event_borrow_common_context_field_const(event);
	src->payload = bt_event_borrow_payload_field_const(event);
	ev->kind = d->kind;
	ev->ns = (uint64_t)sns;
	ev->pid = (int32_t)ctx_int(src->ctx, d->ctx_vpid);
	ev->tid = (int32_t)ctx_int(src->ctx, d->ctx_vtid);
	ev->ppid = (int32_t)ctx_int(src->ctx, d->ctx_vppid);
	ev->missing_context =
	    (d->ctx_vpid < 0 ? RD_NO_VPID : 0) | (d->ctx_vtid < 0 ? RD_NO_VTID : 0);
	ev->fetch_fields = fetch_fields;
	ev->fetch_procname = fetch_procname;
	ev->fetch_host = fetch_host;
	ev->source = src;
	return d;
}

void rd_decoders_fini(struct rd_decoders *ds)
{
	cprof_vec_free(&ds->v);
	cprof_vec_free(&ds->ips);
	cprof_vec_free(&ds->bytes[0]);
	cprof_vec_free(&ds->bytes[1]);
	cprof_pairmap_fini(&ds->index);
}
