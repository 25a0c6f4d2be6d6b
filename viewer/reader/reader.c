/*
 * The trace reader: a libbabeltrace2 graph whose sink fills the model.
 *
 * Graph: one src.ctf.fs per directory holding a `metadata` file (the
 * component does not recurse), every output port into one flt.utils.muxer
 * (time order across streams), then a simple sink of ours.
 *
 * The rest of the reader, one concern per file: input.c checks the trace
 * directory before babeltrace2 sees it, decode.c turns events into
 * decoded values, state.c, handlers.c and regions.c build the model from
 * them (one handler per event kind, from a table), dump.c formats events
 * for `cprof-trace dump`.
 *
 * Speed matters (the bound is 1.5x babeltrace2's dummy sink): see
 * decode.h for how an event class is resolved once, not per event.
 */
#include "reader.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "cache.h"
#include "common/record_file.h"
#include "decode.h"
#include "dump.h"
#include "input.h"
#include "pipeline.h"
#include "prefault.h"
#include "state.h"
#include "tar.h"

struct reader {
	const struct cprof_read_options *opts;
	struct rd_state st;
	struct rd_decoders ds;
	struct rd_dump dump;
	bool canceled;
	uint64_t range_begin, range_end; /* for progress, 0 unknown */
	uint64_t messages;
	uint64_t reported; /* messages and batch records at the last progress report */
	struct rd_prefault prefault;
	struct rd_pipe pipe;
	uint64_t batch_seen; /* records of the batches handed to the pipe */
};

struct graph {
	bt_graph *graph;
	const bt_plugin *ctf, *utils;
	const bt_component_class_source *fs;
	const bt_component_filter *muxer;
	uint64_t mux_in;
};

static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return;
	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	/* one line */
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void on_record(void *data, struct rd_event *record)
{
	struct reader *r = data;

	if (r->opts->event)
		rd_dump_record(&r->dump, record, r->opts);
}

static void on_event_message(struct reader *r, const bt_message *msg)
{
	struct rd_event ev;
	struct rd_source src;
	const struct rd_decoder *d = rd_decode(&r->ds, msg, &ev, &src);

	if (!d) {
		r->st.out_of_memory = true;
		return;
	}
	if (d->kind->flags & RD_BATCH) {
		if (r->pipe.running) {
			rd_pipe_push(&r->pipe, &ev);
			r->batch_seen += ev.f[3].u;
			return;
		}
		rd_batch_unpack(&r->st, &ev, r->opts->event ? on_record : NULL, r);
		if (r->opts->event)
			rd_dump_release(&r->dump, ev.ns, r->opts);
		return;
	}
	/* in order: after the batches before it */
	if (rd_pipe_push_behind(&r->pipe, &ev))
		return;
	if (rd_feed(&r->st, &ev) && r->opts->event)
		rd_dump_event(&r->dump, d->name, bt_message_event_borrow_event_const(msg), ev.ns,
			      ev.pid, ev.tid, r->opts);
	if (r->opts->event)
		rd_dump_release(&r->dump, ev.ns, r->opts);
}

static void on_discarded(struct reader *r, const bt_message *msg)
{
	uint64_t count = 0;
	struct cprof_lost *l;
	const bt_stream *stream = bt_message_discarded_events_borrow_stream_const(msg);

	rd_pipe_drain(&r->pipe);
	if (bt_message_discarded_events_get_count(msg, &count) !=
	    BT_PROPERTY_AVAILABILITY_AVAILABLE)
		count = 1; /* at least one: the tracer said something was lost */
	l = cprof_vec_push(&r->st.model->lost);
	if (!l) {
		r->st.out_of_memory = true;
		return;
	}
	l->count = count;
	if (bt_stream_class_discarded_events_have_default_clock_snapshots(
		bt_stream_borrow_class_const(stream))) {
		int64_t b = 0, e = 0;
		bt_clock_snapshot_get_ns_from_origin(
		    bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg),
		    &b);
		bt_clock_snapshot_get_ns_from_origin(
		    bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg), &e);
		l->begin_ns = b > 0 ? (uint64_t)b : 0;
		l->end_ns = e > 0 ? (uint64_t)e : 0;
	}
	r->st.model->lost_events += count;
}

static void report_progress(struct reader *r, const bt_message *msg)
{
	int64_t ns = 0;
	double f;

	if (r->range_end <= r->range_begin || bt_message_get_type(msg) != BT_MESSAGE_TYPE_EVENT ||
	    bt_clock_snapshot_get_ns_from_origin(
		bt_message_event_borrow_default_clock_snapshot_const(msg), &ns) !=
		BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return;
	f = ((double)ns - (double)r->range_begin) / (double)(r->range_end - r->range_begin);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	if (r->opts->partial) {
		/* the model is the unpacking thread's until the pipe is empty */
		rd_pipe_drain(&r->pipe);
		r->opts->partial(r->st.model, r->range_begin, r->range_end, r->opts->progress_data);
	}
	if (!r->opts->progress(f, r->opts->progress_data))
		r->canceled = true;
}

/* The prefault thread follows the regions as they fill. */
static void on_batch_done(void *data)
{
	struct reader *r = data;

	rd_prefault_progress(&r->prefault, r->st.model->regions.n * sizeof(struct cprof_region));
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct reader *r = data;
	bt_message_array_const msgs;
	uint64_t count = 0;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		const bt_message *msg = msgs[i];
		bt_message_type type = bt_message_get_type(msg);
		if (type == BT_MESSAGE_TYPE_EVENT)
			on_event_message(r, msg);
		else if (type == BT_MESSAGE_TYPE_DISCARDED_EVENTS)
			on_discarded(r, msg);
		/* every 65536 messages, a batch counting as its records (a
		 * trace of batches has a few hundred times fewer messages) */
		if (r->opts->progress) {
			uint64_t done =
			    ++r->messages + (r->pipe.running ? r->batch_seen : r->st.batch_records);
			if (done >> 16 != r->reported >> 16) {
				r->reported = done;
				report_progress(r, msg);
			}
		}
		bt_message_put_ref(msg);
	}
	/* with the pipe, the model is the other thread's until drained */
	if (r->pipe.running) {
		if (r->pipe.out_of_memory)
			r->ds.out_of_memory = true;
	} else {
		on_batch_done(r);
		if (r->st.out_of_memory)
			return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	if (r->ds.out_of_memory || r->dump.out_of_memory || r->canceled)
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* The root cause of the current babeltrace2 error, on one line. */
static void take_bt_error(char *out, size_t outlen)
{
	const bt_error *error = bt_current_thread_take_error();
	uint64_t n;

	out[0] = '\0';
	if (!error)
		return;
	n = bt_error_get_cause_count(error);
	if (n) {
		const char *msg =
		    bt_error_cause_get_message(bt_error_borrow_cause_by_index(error, 0));
		snprintf(out, outlen, "%s", msg ? msg : "");
	}
	bt_error_release(error);
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Time range of the streams (from their packet indexes), for progress. */
static void value_find_range(const bt_value *v, uint64_t *begin, uint64_t *end)
{
	if (!v)
		return;
	if (bt_value_is_array(v)) {
		for (uint64_t i = 0; i < bt_value_array_get_length(v); i++)
			value_find_range(bt_value_array_borrow_element_by_index_const(v, i), begin,
					 end);
	} else if (bt_value_is_map(v)) {
		const bt_value *range = bt_value_map_borrow_entry_value_const(v, "range-ns");
		if (range && bt_value_is_map(range)) {
			const bt_value *b = bt_value_map_borrow_entry_value_const(range, "begin");
			const bt_value *e = bt_value_map_borrow_entry_value_const(range, "end");
			if (b && e && bt_value_is_signed_integer(b) &&
			    bt_value_is_signed_integer(e)) {
				int64_t bv = bt_value_integer_signed_get(b),
					ev = bt_value_integer_signed_get(e);
				if (bv > 0 && (!*begin || (uint64_t)bv < *begin))
					*begin = (uint64_t)bv;
				if (ev > 0 && (uint64_t)ev > *end)
					*end = (uint64_t)ev;
			}
		}
		value_find_range(bt_value_map_borrow_entry_value_const(v, "stream-infos"), begin,
				 end);
	}
}

static void query_range(struct reader *r, const bt_component_class_source *fs,
			const bt_value *params)
{
	bt_query_executor *q =
	    bt_query_executor_create(bt_component_class_source_as_component_class_const(fs),
				     "babeltrace.trace-infos", params);
	const bt_value *result = NULL;

	if (!q)
		return;
	bt_query_executor_set_logging_level(q, BT_LOGGING_LEVEL_NONE);
	if (bt_query_executor_query(q, &result) == BT_QUERY_EXECUTOR_QUERY_STATUS_OK)
		value_find_range(result, &r->range_begin, &r->range_end);
	else
		bt_current_thread_clear_error();
	bt_value_put_ref(result);
	bt_query_executor_put_ref(q);
}

/* ------------------------------------------------------------------------ */
/* Setting up and running the graph */

static enum cprof_read_status check_input(const char *path, struct rd_dirs *dirs, char *err,
					  size_t errlen)
{
	struct stat st;
	char why[8400];

	if (stat(path, &st) != 0) {
		set_err(err, errlen, path, "%s", strerror(errno));
		return CPROF_READ_NOT_FOUND;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, path, "not a directory (give the trace directory)");
		return CPROF_READ_NOT_CTF;
	}
	if (rd_find_metadata_dirs(path, dirs)) {
		set_err(err, errlen, path, "out of memory");
		return CPROF_READ_ERROR;
	}
	if (!dirs->v.n) {
		struct cprof_record_file rec;

		/* record may know why no process of the tree was recorded */
		cprof_record_file_read(path, &rec);
		if (rec.n_notices)
			set_err(err, errlen, path, "the trace is empty: %s", rec.notices[0]);
		else
			set_err(err, errlen, path,
				"no CTF metadata found (is this an LTTng trace directory?)");
		return CPROF_READ_NOT_CTF;
	}
	for (size_t i = 0; i < dirs->v.n; i++) {
		if (!rd_check_metadata(dirs->v.v[i], why, sizeof(why))) {
			set_err(err, errlen, path, "%s", why);
			return CPROF_READ_BAD_METADATA;
		}
	}
	return CPROF_READ_OK;
}

static bool graph_create(struct graph *g, const char *path, char *err, size_t errlen)
{
	const bt_component_class_filter *muxer_cls;
	char why[8400];

	g->graph = bt_graph_create(0);
	if (!g->graph ||
	    bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &g->ctf) !=
		BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &g->utils) !=
		BT_PLUGIN_FIND_STATUS_OK) {
		set_err(
		    err, errlen, path,
		    "cannot load babeltrace2's ctf and utils plugins (is babeltrace2 installed?)");
		return false;
	}
	g->fs = bt_plugin_borrow_source_component_class_by_name_const(g->ctf, "fs");
	muxer_cls = bt_plugin_borrow_filter_component_class_by_name_const(g->utils, "muxer");
	if (!g->fs || !muxer_cls) {
		set_err(err, errlen, path, "babeltrace2 lacks src.ctf.fs or flt.utils.muxer");
		return false;
	}
	if (bt_graph_add_filter_component(g->graph, muxer_cls, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  &g->muxer) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		set_err(err, errlen, path, "cannot create the muxer: %s", why);
		return false;
	}
	return true;
}

/* One src.ctf.fs for the metadata directory `dir`, into the muxer. */
static enum cprof_read_status add_source(struct reader *r, struct graph *g,
					 const struct rd_dirs *dirs, size_t i, const char *path,
					 char *err, size_t errlen)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	const bt_component_source *src = NULL;
	char name[32], why[8400];
	bt_graph_add_component_status as;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dirs->v.v[i])) {
		bt_value_put_ref(params);
		set_err(err, errlen, path, "out of memory");
		return CPROF_READ_ERROR;
	}
	if (r->opts->progress)
		query_range(r, g->fs, params);
	snprintf(name, sizeof(name), "src-%zu", i);
	as = bt_graph_add_source_component(g->graph, g->fs, name, params, BT_LOGGING_LEVEL_NONE,
					   &src);
	bt_value_put_ref(params);
	if (as != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		char file[4096];
		take_bt_error(why, sizeof(why));
		if (rd_find_truncated_stream(dirs, file, sizeof(file)))
			set_err(err, errlen, path, "truncated or corrupt stream file %s", file);
		else
			set_err(err, errlen, path,
				"babeltrace2 cannot open the trace in %s (incomplete or "
				"corrupt metadata?): %s",
				dirs->v.v[i], why);
		return CPROF_READ_BAD_STREAM;
	}
	for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
		if (bt_graph_connect_ports(
			g->graph, bt_component_source_borrow_output_port_by_index_const(src, p),
			bt_component_filter_borrow_input_port_by_index_const(g->muxer, g->mux_in++),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			take_bt_error(why, sizeof(why));
			set_err(err, errlen, path, "cannot connect the trace's streams: %s", why);
			return CPROF_READ_ERROR;
		}
	}
	return CPROF_READ_OK;
}

static bool add_sink(struct reader *r, struct graph *g, const char *path, char *err, size_t errlen)
{
	const bt_component_sink *sink = NULL;
	char why[8400];

	if (bt_graph_add_simple_sink_component(g->graph, "cprof-sink", NULL, sink_consume, NULL, r,
					       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(
		g->graph, bt_component_filter_borrow_output_port_by_index_const(g->muxer, 0),
		bt_component_sink_borrow_input_port_by_index_const(sink, 0),
		NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		set_err(err, errlen, path, "cannot set up the babeltrace2 graph: %s", why);
		return false;
	}
	return true;
}

static enum cprof_read_status run_graph(struct reader *r, struct graph *g,
					const struct rd_dirs *dirs, const char *path, char *err,
					size_t errlen)
{
	bt_graph_run_status run;
	char why[8400];

	do
		run = bt_graph_run(g->graph);
	while (run == BT_GRAPH_RUN_STATUS_AGAIN);
	rd_pipe_stop(&r->pipe);
	if (r->canceled) {
		bt_current_thread_clear_error();
		set_err(err, errlen, path, "reading canceled");
		return CPROF_READ_CANCELED;
	}
	if (r->st.out_of_memory || r->ds.out_of_memory || r->dump.out_of_memory ||
	    run == BT_GRAPH_RUN_STATUS_MEMORY_ERROR) {
		bt_current_thread_clear_error();
		set_err(err, errlen, path, "out of memory while reading the trace");
		return CPROF_READ_ERROR;
	}
	if (run != BT_GRAPH_RUN_STATUS_OK) {
		char file[4096];
		take_bt_error(why, sizeof(why));
		if (rd_find_truncated_stream(dirs, file, sizeof(file)))
			set_err(err, errlen, path, "truncated or corrupt stream file %s", file);
		else
			set_err(err, errlen, path, "cannot decode the trace (corrupt stream?): %s",
				why);
		return CPROF_READ_BAD_STREAM;
	}
	return CPROF_READ_OK;
}

static enum cprof_read_status read_into_model(struct reader *r, const struct rd_dirs *dirs,
					      const char *path, char *err, size_t errlen)
{
	enum cprof_read_status status = CPROF_READ_ERROR;
	struct graph g = {0};

	if (!graph_create(&g, path, err, errlen))
		goto end;
	for (size_t i = 0; i < dirs->v.n; i++) {
		status = add_source(r, &g, dirs, i, path, err, errlen);
		if (status != CPROF_READ_OK)
			goto end;
	}
	status = CPROF_READ_ERROR;
	if (!add_sink(r, &g, path, err, errlen))
		goto end;
	/* dump prints records as it meets them, in order: one thread */
	if (!r->opts->event && !r->opts->count_only) {
		r->pipe.after = on_batch_done;
		r->pipe.after_data = r;
		rd_pipe_start(&r->pipe, &r->st);
	}
	status = run_graph(r, &g, dirs, path, err, errlen);
	if (status == CPROF_READ_OK && r->opts->event)
		rd_dump_flush(&r->dump, r->opts);
end:
	rd_pipe_stop(&r->pipe);
	bt_graph_put_ref(g.graph);
	bt_plugin_put_ref(g.ctf);
	bt_plugin_put_ref(g.utils);
	return status;
}

/* "1.234567 s" after the trace's first event read, for a time in ns from
 * the clock's origin. */
static void trace_time(char *buf, size_t len, const struct cprof_model *m, uint64_t ns)
{
	snprintf(buf, len, "%.6f s", ns > m->begin_ns ? (double)(ns - m->begin_ns) / 1e9 : 0.0);
}

/*
 * The records of the batches missing from their threads' sequences
 * (model->lost) between `begin` and `end` ns: a thread's batches go to
 * the stream of the CPU it runs on, so a stream file cut short shows up as
 * gaps in them too. Those are the damage's, not the tracer's: marked
 * unread and taken out of lost_records, so that one cause gets one note.
 */
static uint64_t claim_unread(struct cprof_model *m, uint64_t begin, uint64_t end)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->lost.n; i++) {
		struct cprof_lost *l = &m->lost.v[i];
		if (!l->tid || l->unread || l->end_ns < begin || l->begin_ns > end)
			continue;
		l->unread = true;
		n += l->count;
	}
	m->lost_records -= n < m->lost_records ? n : m->lost_records;
	return n;
}

/* One note per damaged stream file: which, how much was read, and the
 * time range of what was not (from its packet headers). */
static bool note_damage(struct cprof_model *m, const struct rd_salvage *s)
{
	for (size_t i = 0; i < s->damage.n; i++) {
		const struct rd_damage *d = &s->damage.v[i];
		const struct rd_clock *c = &s->clocks.v[d->dir];
		uint64_t begin = d->cut_header ? d->cut_begin : d->last_end;
		uint64_t unread = 0;
		char text[4400], from[48], to[48];
		int n;
		if (!c->freq || (!d->cut_header && !d->whole)) {
			snprintf(text, sizeof(text),
				 d->size < 64 ? "stream file %s is shorter than a packet header "
						"(%" PRIu64 " bytes): none of its events were read"
					      : "stream file %s is damaged from byte %" PRIu64
						": none of its events past it were read",
				 d->file, d->size < 64 ? d->size : d->whole);
		} else {
			bool ranged = d->cut_header && d->cut_end > begin;
			trace_time(from, sizeof(from), m, rd_clock_ns(c, begin));
			trace_time(to, sizeof(to), m, rd_clock_ns(c, d->cut_end));
			unread = claim_unread(m, rd_clock_ns(c, begin),
					      ranged ? rd_clock_ns(c, d->cut_end) : UINT64_MAX);
			if (ranged)
				n = snprintf(
				    text, sizeof(text),
				    "stream file %s is cut short (%" PRIu64 " of %" PRIu64
				    " bytes whole): its events from %s to %s were not read",
				    d->file, d->whole, d->size, from, to);
			else
				n = snprintf(text, sizeof(text),
					     "stream file %s is damaged from byte %" PRIu64
					     " of %" PRIu64 ": its events from %s on were not read",
					     d->file, d->whole, d->size, from);
			if (unread && n > 0 && (size_t)n < sizeof(text))
				snprintf(text + n, sizeof(text) - (size_t)n,
					 " (among them batches holding %" PRIu64
					 " records of the program's threads)",
					 unread);
		}
		if (!cprof_model_add_note(m, text))
			return false;
	}
	return true;
}

/*
 * The recorded program was killed (cprof-record.json says by which
 * signal): what its threads had buffered and not flushed (batches go out
 * when full, or every CPROF_BATCH_PERIOD_NS) never reached the trace, and
 * the regions open then have no end. One note says so, with where each
 * thread's records stop, so that nobody reads the last instants as idle.
 */
static bool note_killed(struct cprof_model *m, int32_t root_pid, int sig)
{
	uint64_t first = 0, last = 0, open = 0;
	uint32_t proc = CPROF_NONE;
	char text[512], a[48], b[48], end[48];
	const char *name = sigabbrev_np(sig);

	for (size_t i = 0; i < m->processes.n; i++)
		if (m->processes.v[i].pid == root_pid)
			proc = (uint32_t)i;
	if (proc == CPROF_NONE)
		return true;
	for (size_t t = 0; t < m->threads.n; t++) {
		const struct cprof_thread *th = &m->threads.v[t];
		if (th->process != proc || th->end_ns)
			continue;
		if (!first || th->last_ns < first)
			first = th->last_ns;
		if (th->last_ns > last)
			last = th->last_ns;
	}
	for (size_t r = 0; r < m->regions.n; r++)
		open +=
		    !m->regions.v[r].end_ns && m->threads.v[m->regions.v[r].thread].process == proc;
	trace_time(a, sizeof(a), m, first);
	trace_time(b, sizeof(b), m, last);
	trace_time(end, sizeof(end), m, m->end_ns);
	snprintf(text, sizeof(text),
		 "the program (pid %d) was killed by SIG%s (trace end %s): the records its "
		 "threads had not flushed yet (up to their last %u ms each) are missing; its "
		 "threads' records stop between %s and %s; %" PRIu64
		 " region%s still open then (no end recorded)",
		 (int)root_pid, name ? name : "?", end, CPROF_BATCH_PERIOD_NS / 1000000u, a, b,
		 open, open == 1 ? " was" : "s were");
	return cprof_model_add_note(m, text);
}

/*
 * The most regions `stream_bytes` of trace can hold: a batched region
 * costs at least 6 bytes (begin and end records of 3 bytes or more). Not
 * past half the machine's memory (the rest grows as needed); 0 when too
 * few to matter.
 */
static size_t regions_bound(uint64_t stream_bytes)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t n = stream_bytes / 6;
	uint64_t most = pages > 0 && page > 0
			    ? (uint64_t)pages * (uint64_t)page / 2 / sizeof(struct cprof_region)
			    : 0;

	if (n > most)
		n = most;
	return n * sizeof(struct cprof_region) >= (4u << 20) ? (size_t)n : 0;
}

/*
 * Room for the regions before reading (see cprof_model_reserve_regions):
 * in the cache file being built when the model will be cached
 * (rd_cache_open), else in memory; then faulted in ahead of the reader.
 */
static void prepare_regions(struct reader *r, struct cprof_model *m, uint64_t stream_bytes,
			    const char *path, bool cached, struct rd_cache_file *cf)
{
	size_t n = regions_bound(stream_bytes);

	if (!n)
		return;
	if (cached && rd_cache_open(path, n, cf)) {
		m->regions.v = cf->regions;
		m->regions.cap = cf->cap;
		r->st.regions_fixed = true;
	} else if (!cprof_model_reserve_regions(m, n)) {
		return;
	}
	rd_prefault_start(&r->prefault, m->regions.v, m->regions.cap * sizeof(*m->regions.v));
}

void cprof_read_print_notes(FILE *out, const char *path, const struct cprof_model *model)
{
	char window[400];

	for (size_t i = 0; i < model->notes.n; i++)
		fprintf(out, "cprof-trace: %s: warning: %s\n", path,
			cprof_model_str(model, model->notes.v[i]));
	/* what a snapshot is, not a fault: said as a note */
	if (cprof_model_describe_window(model, window, sizeof(window)))
		fprintf(out, "cprof-trace: %s: note: %s\n", path, window);
}

void cprof_read_print_warnings(FILE *out, const char *path, const struct cprof_model *model)
{
	char loss[400];

	cprof_read_print_notes(out, path, model);
	if (cprof_model_describe_loss(model, loss, sizeof(loss)))
		fprintf(out, "cprof-trace: %s: warning: %s\n", path, loss);
}

static enum cprof_read_status read_dir(const char *path, const struct cprof_read_options *opts,
				       bool cache, struct cprof_model **out, char *err,
				       size_t errlen)
{
	static const struct cprof_read_options no_opts;
	enum cprof_read_status status;
	struct reader r = {0};
	struct rd_dirs dirs = {0};
	struct rd_salvage salvage = {0};
	struct rd_cache_file cf = {.fd = -1};
	struct cprof_model *model = NULL;
	struct cprof_record_file rec;
	enum cprof_record_file_status rec_status;
	char why[8400];
	uint64_t key = 0;
	bool settled = false;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	r.opts = opts ? opts : &no_opts;
	status = check_input(path, &dirs, err, errlen);
	if (status != CPROF_READ_OK)
		goto end;
	/* The cache holds the whole model: not for dump (every event) or a
	 * count; keyed by the option that changes which processes are kept. */
	cache = cache && rd_cache_enabled && !r.opts->event && !r.opts->count_only &&
		rd_cache_key(path, &dirs, r.opts->keep_all_processes, &key, &settled);
	if (cache && (model = rd_cache_load(path, key))) {
		model->path = cprof_model_add_str(model, path, strlen(path));
		if (r.opts->progress)
			r.opts->progress(1.0, r.opts->progress_data);
		*out = model;
		model = NULL;
		goto end;
	}
	status = CPROF_READ_ERROR;
	if (rd_salvage(&dirs, &salvage, why, sizeof(why))) {
		set_err(err, errlen, path, "%s", why);
		goto end;
	}
	model = cprof_model_create();
	if (!model) {
		set_err(err, errlen, path, "out of memory");
		goto end;
	}
	model->path = cprof_model_intern(model, path, strlen(path));
	rd_state_init(&r.st, model);
	r.st.count_only = r.opts->count_only;
	r.st.no_allocs = r.opts->no_allocs;
	/* missing or damaged: every process is kept, nothing else is known;
	 * damaged is said (a trace `record` did not write has none) */
	rec_status = cprof_record_file_read(path, &rec);
	if (rec_status == CPROF_RECORD_FILE_INVALID || rec_status == CPROF_RECORD_FILE_ERROR_IO) {
		char note[300];

		snprintf(note, sizeof(note),
			 CPROF_RECORD_FILE " is damaged: %s; every process in the trace is kept",
			 rec.error);
		if (!cprof_model_add_note(model, note)) {
			set_err(err, errlen, path, "out of memory");
			goto end;
		}
	}
	if (!r.opts->keep_all_processes)
		r.st.root_pid = rec.pid;
	r.st.ns_pids = rec.ns_pids;
	r.st.n_ns_pids = rec.n_ns_pids;
	r.st.window_ns = model->window_ns = salvage.window_ns;
	r.st.from_launch = r.st.root_pid && !salvage.window_ns && rec.launched;

	/* A trace cut short may be one still being written: not cached; nor
	 * a model without its heap blocks. */
	cache = cache && settled && !salvage.damage.n && !r.opts->no_allocs;
	prepare_regions(&r, model, salvage.stream_bytes, path, cache, &cf);
	status = read_into_model(&r, &dirs, path, err, errlen);
	rd_prefault_stop(&r.prefault);
	if (status != CPROF_READ_OK)
		goto end;
	rd_finish(&r.st);
	if (!r.st.regions_fixed)
		cprof_model_trim_regions(model);
	status = CPROF_READ_ERROR;
	if (r.st.out_of_memory || !note_damage(model, &salvage) ||
	    (rec.signal && r.st.root_pid && !note_killed(model, r.st.root_pid, rec.signal))) {
		set_err(err, errlen, path, "out of memory while reading the trace");
		goto end;
	}
	/* what record knew the trace misses, and why */
	for (size_t i = 0; i < rec.n_notices; i++)
		if (!cprof_model_add_note(model, rec.notices[i])) {
			set_err(err, errlen, path, "out of memory while reading the trace");
			goto end;
		}
	if (!model->processes.n) {
		if (salvage.damage.n)
			set_err(err, errlen, path,
				"truncated or corrupt stream file %s (%" PRIu64 " of %" PRIu64
				" bytes whole), and the readable rest holds no cprof events",
				salvage.damage.v[0].file, salvage.damage.v[0].whole,
				salvage.damage.v[0].size);
		else if (r.st.root_pid && rec.n_notices)
			set_err(err, errlen, path,
				"no cprof events from the recorded process tree (pid %d): %s",
				(int)r.st.root_pid, rec.notices[0]);
		else if (r.st.root_pid)
			set_err(err, errlen, path,
				"no cprof events from the recorded process tree (pid %d)",
				(int)r.st.root_pid);
		else
			set_err(err, errlen, path,
				"the trace holds no cprof events (were cprof:* events enabled?)");
		status = salvage.damage.n ? CPROF_READ_BAD_STREAM : CPROF_READ_NO_CPROF_EVENTS;
		goto end;
	}
	if (r.opts->progress)
		r.opts->progress(1.0, r.opts->progress_data);
	/* regions that outgrew the file moved to the heap: stored as usual */
	if (cf.fd >= 0 && model->regions.v != cf.regions)
		rd_cache_abandon(&cf, model, true);
	if (r.opts->defer_cache && (cf.fd >= 0 || cache) &&
	    (*r.opts->defer_cache = rd_cache_defer(path, &cf, model, key))) {
		/* the caller's to write */
	} else if (cf.fd >= 0) {
		if (!rd_cache_finish(path, &cf, model, key)) {
			set_err(err, errlen, path, "out of memory while reading the trace");
			goto end;
		}
	} else if (cache) {
		rd_cache_store(path, model, key);
	}
	*out = model;
	model = NULL;
	status = CPROF_READ_OK;
end:
	rd_prefault_stop(&r.prefault);
	rd_cache_abandon(&cf, model, false);
	cprof_model_destroy(model);
	rd_state_fini(&r.st);
	rd_decoders_fini(&r.ds);
	rd_dump_fini(&r.dump);
	rd_dirs_free(&dirs);
	rd_salvage_fini(&salvage);
	return status;
}

void cprof_read_set_cache(bool use)
{
	rd_cache_enabled = use;
}

bool cprof_read_cache_enabled(void)
{
	return rd_cache_enabled;
}

void cprof_read_cache_store(struct cprof_read_cache *c, struct cprof_model *model)
{
	if (!c)
		return;
	if (c->cf.fd >= 0)
		rd_cache_finish(c->trace, &c->cf, model, c->key);
	else
		rd_cache_store(c->trace, model, c->key);
	/* summarized or not (out of memory): no longer to wait for */
	__atomic_store_n(&model->summary_pending, false, __ATOMIC_RELEASE);
	free(c->trace);
	free(c);
}

/* The entry point: a trace directory, or a tar archive of one (tar.c). */
enum cprof_read_status cprof_read_trace(const char *path, const struct cprof_read_options *opts,
					struct cprof_model **out, char *err, size_t errlen)
{
	enum cprof_read_status status;
	char *tmpdir = NULL, *dir;
	struct stat st;

	if (opts && opts->defer_cache)
		*opts->defer_cache = NULL;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return read_dir(path, opts, true, out, err, errlen);
	dir = cprof_tar_extract(path, &tmpdir, err, errlen);
	if (!dir) {
		*out = NULL;
		cprof_tar_cleanup(tmpdir);
		return CPROF_READ_NOT_CTF;
	}
	/* an archive is extracted to a temporary directory: nothing to keep */
	status = read_dir(dir, opts, false, out, err, errlen);
	if (status == CPROF_READ_OK)
		(*out)->path = cprof_model_intern(*out, path, strlen(path));
	free(dir);
	cprof_tar_cleanup(tmpdir);
	return status;
}
