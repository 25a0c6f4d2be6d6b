/*
 * Reading on two cores: babeltrace2 decodes the CTF on the reading thread
 * (about half of a batched trace's first read), a second thread unpacks
 * the cprof:batch events and builds the model from them (the other half).
 *
 * Only batches go through the pipe, each copied whole (its strings, its
 * records, its thread's name and host) so that babeltrace2 may release
 * the event. Any other event is taken in order: the reading thread waits
 * until the pipe is empty (rd_pipe_drain), then feeds it itself. The
 * model building (struct rd_state) is thus only ever touched by one
 * thread at a time, in the order the events came.
 *
 * Private to viewer/reader/. Ownership: rd_pipe_start() on a zeroed struct;
 * rd_pipe_stop() drains, joins and frees, also when it never started.
 */
#ifndef CPROF_READER_PIPELINE_H
#define CPROF_READER_PIPELINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "state.h"

#define RD_PIPE_SLOTS 64

struct rd_pipe_slot {
	struct rd_event ev;
	uint8_t *buf;
	size_t cap;
};

struct rd_pipe {
	struct rd_state *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake_consumer, wake_producer;
	struct rd_pipe_slot slots[RD_PIPE_SLOTS];
	uint64_t head, tail; /* slots [tail, head) wait or are being unpacked */
	bool consumer_waiting, producer_waiting, stop;
	bool running;
	bool out_of_memory; /* a copy failed */
	/* called by the unpacking thread after each batch */
	void (*after)(void *data);
	void *after_data;
};

/* Starts the unpacking thread; false when it could not (read on one thread). */
bool rd_pipe_start(struct rd_pipe *p, struct rd_state *st);
/* Queues a cprof:batch event (its fields fetched): copies what it needs. */
void rd_pipe_push(struct rd_pipe *p, struct rd_event *batch);
/* Returns once every queued batch is in the model. */
void rd_pipe_drain(struct rd_pipe *p);
void rd_pipe_stop(struct rd_pipe *p);

#endif /* CPROF_READER_PIPELINE_H */
