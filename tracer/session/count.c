/*
 * Event counting with libbabeltrace2: one src.ctf.fs per metadata
 * directory and one simple sink per stream port. Nothing needs time
 * order here, so there is no muxer (it would sort across streams for
 * nothing).
 */
#include "count.h"

#include <babeltrace2/babeltrace.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nftw has no user pointer: the directory list being built. */
static struct {
	char **dirs;
	size_t count;
	bool failed;
} found;

static int collect_metadata_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	char **dirs;

	(void)st;
	if (type != FTW_F || strcmp(base, "metadata") != 0)
		return 0;
	dirs = realloc(found.dirs, (found.count + 1) * sizeof(*dirs));
	if (!dirs) {
		found.failed = true;
		return 1;
	}
	found.dirs = dirs;
	found.dirs[found.count] = strndup(path, (size_t)ftw->base - 1);
	if (!found.dirs[found.count]) {
		found.failed = true;
		return 1;
	}
	found.count++;
	return 0;
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *iterator,
								  void *user_data)
{
	struct cprof_event_count *count = user_data;
	bt_message_array_const messages;
	uint64_t n = 0;

	switch (bt_message_iterator_next(iterator, &messages, &n)) {
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
	for (uint64_t i = 0; i < n; i++) {
		const bt_message *msg = messages[i];

		switch (bt_message_get_type(msg)) {
		case BT_MESSAGE_TYPE_EVENT:
			count->events++;
			break;
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
			uint64_t discarded;

			if (bt_message_discarded_events_get_count(msg, &discarded) ==
			    BT_PROPERTY_AVAILABILITY_AVAILABLE)
				count->discarded += discarded;
			break;
		}
		case BT_MESSAGE_TYPE_STREAM_BEGINNING:
			count->streams++;
			break;
		default:
			break;
		}
		bt_message_put_ref(msg);
	}
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

enum cprof_count_status cprof_count_events(const char *dir, struct cprof_event_count *count)
{
	enum cprof_count_status status = CPROF_COUNT_OK;
	const bt_plugin *plugin = NULL;
	const bt_component_class_source *fs_class;
	bt_graph *graph = NULL;
	bt_value *params = NULL;
	const bt_component_source **sources = NULL;
	bt_graph_run_status run;
	unsigned sink_id = 0;

	memset(count, 0, sizeof(*count));
	memset(&found, 0, sizeof(found));
	if (nftw(dir, collect_metadata_dir, 16, FTW_PHYS) != 0 || found.failed) {
		status = CPROF_COUNT_ERROR;
		goto end;
	}
	if (found.count == 0) {
		status = CPROF_COUNT_NO_TRACE;
		goto end;
	}
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		status = CPROF_COUNT_ERROR;
		goto end;
	}
	fs_class = bt_plugin_borrow_source_component_class_by_name_const(plugin, "fs");
	graph = bt_graph_create(0);
	sources = calloc(found.count, sizeof(*sources));
	if (!fs_class || !graph || !sources) {
		status = CPROF_COUNT_ERROR;
		goto end;
	}
	for (size_t i = 0; i < found.count; i++) {
		bt_value *inputs = NULL;
		char name[32];

		params = bt_value_map_create();
		if (!params ||
		    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
			BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
		    bt_value_array_append_string_element(inputs, found.dirs[i]) !=
			BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK) {
			status = CPROF_COUNT_ERROR;
			goto end;
		}
		snprintf(name, sizeof(name), "src%zu", i);
		if (bt_graph_add_source_component(graph, fs_class, name, params,
						  BT_LOGGING_LEVEL_NONE, &sources[i]) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			status = CPROF_COUNT_ERROR;
			goto end;
		}
		BT_VALUE_PUT_REF_AND_RESET(params);
	}
	for (size_t i = 0; i < found.count; i++) {
		uint64_t ports = bt_component_source_get_output_port_count(sources[i]);

		for (uint64_t p = 0; p < ports; p++) {
			const bt_port_output *out =
			    bt_component_source_borrow_output_port_by_index_const(sources[i], p);
			const bt_component_sink *sink = NULL;
			char name[32];

			snprintf(name, sizeof(name), "count%u", sink_id++);
			if (bt_graph_add_simple_sink_component(graph, name, NULL, consume, NULL,
							       count, &sink) !=
				BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
			    bt_graph_connect_ports(
				graph, out,
				bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				status = CPROF_COUNT_ERROR;
				goto end;
			}
		}
	}
	do {
		run = bt_graph_run(graph);
	} while (run == BT_GRAPH_RUN_STATUS_AGAIN);
	if (run != BT_GRAPH_RUN_STATUS_OK)
		status = CPROF_COUNT_ERROR;

end:
	if (status == CPROF_COUNT_ERROR)
		bt_current_thread_clear_error();
	BT_VALUE_PUT_REF_AND_RESET(params);
	BT_GRAPH_PUT_REF_AND_RESET(graph);
	BT_PLUGIN_PUT_REF_AND_RESET(plugin);
	free(sources);
	for (size_t i = 0; i < found.count; i++)
		free(found.dirs[i]);
	free(found.dirs);
	memset(&found, 0, sizeof(found));
	return status;
}
