/*
 * Reading on two cores: babeltrace2 decodes the CTF on the reading thread
 * (about half of a batched trace's first read), a second thread unpacks
 * the cprof:batch events and builds the model from them (the other half).
 *
 * Batches go through the pipe, each copied whole (its strings, its
 * records, its thread's name and host) so that babeltrace2 may release
 * the event. Any other event follows them through the pipe, copied the
 * same way, while batches are queued ahead of it; once the pipe is empty
 * the reading thread feeds it itself. Waiting for the pipe to empty at
 * every such event (a stack's definition, a CPU sample, a heap counter:
 * one per 20 batches of sqlite3's --alloc=all trace) stopped the reading
 * thread each time, the unpacking thread next while the reading thread
 * refilled the pipe. The model building (struct rd_state) is thus only
 * ever touched by one thread at a time, in the order the events came.
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
/* Queues an event (a cprof:batch or any other): copies what it needs. */
void rd_pipe_push(struct rd_pipe *p, struct rd_event *ev);
/* Queues `ev` behind the events queued already, if any; false when the pipe
 * is empty or not running: then the caller feeds `ev` itself. */
bool rd_pipe_push_behind(struct rd_pipe *p, struct rd_event *ev);
/* Returns once every queued batch is in the model. */
void rd_pipe_drain(struct rd_pipe *p);
void rd_pipe_stop(struct rd_pipe *p);

#endif /* CPROF_READER_PIPELINE_H */
