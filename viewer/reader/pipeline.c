/*
 * The batch pipe (pipeline.h): a ring of slots between the reading thread
 * (producer) and the unpacking thread (consumer). The slots' contents are
 * handed over under the lock (head and tail move under it), so each side
 * sees what the other wrote. Wakeups are batched: the consumer is woken
 * once 8 batches wait (or a drain asks), not for each.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#define WAKE_AT 8

static void *consume(void *arg)
{
	struct rd_pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct rd_pipe_slot *s;
		while (p->tail == p->head && !p->stop) {
			p->consumer_waiting = true;
			pthread_cond_wait(&p->wake_consumer, &p->lock);
			p->consumer_waiting = false;
		}
		if (p->tail == p->head)
			break;
		s = &p->slots[p->tail % RD_PIPE_SLOTS];
		pthread_mutex_unlock(&p->lock);
		if (s->ev.kind->flags & RD_BATCH)
			rd_batch_unpack(p->st, &s->ev, NULL, NULL);
		else
			rd_feed(p->st, &s->ev);
		if (p->after)
			p->after(p->after_data);
		pthread_mutex_lock(&p->lock);
		p->tail++;
		if (p->producer_waiting &&
		    (p->tail == p->head || p->head - p->tail <= RD_PIPE_SLOTS / 2))
			pthread_cond_signal(&p->wake_producer);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

bool rd_pipe_start(struct rd_pipe *p, struct rd_state *st)
{
	p->st = st;
	if (pthread_mutex_init(&p->lock, NULL))
		return false;
	if (pthread_cond_init(&p->wake_consumer, NULL)) {
		pthread_mutex_destroy(&p->lock);
		return false;
	}
	if (pthread_cond_init(&p->wake_producer, NULL)) {
		pthread_cond_destroy(&p->wake_consumer);
		pthread_mutex_destroy(&p->lock);
		return false;
	}
	p->running = pthread_create(&p->thread, NULL, consume, p) == 0;
	if (!p->running) {
		pthread_cond_destroy(&p->wake_producer);
		pthread_cond_destroy(&p->wake_consumer);
		pthread_mutex_destroy(&p->lock);
	}
	return p->running;
}

void rd_pipe_push(struct rd_pipe *p, struct rd_event *ev)
{
	struct rd_pipe_slot *s;

	pthread_mutex_lock(&p->lock);
	while (p->head - p->tail == RD_PIPE_SLOTS) {
		p->producer_waiting = true;
		pthread_cond_wait(&p->wake_producer, &p->lock);
		p->producer_waiting = false;
	}
	pthread_mutex_unlock(&p->lock);
	/* the consumer never reads slots from head on */
	s = &p->slots[p->head % RD_PIPE_SLOTS];
	if (!rd_event_copy(&s->ev, &s->buf, &s->cap, ev)) {
		p->out_of_memory = true;
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->head++;
	if (p->consumer_waiting && p->head - p->tail >= WAKE_AT)
		pthread_cond_signal(&p->wake_consumer);
	pthread_mutex_unlock(&p->lock);
}

bool rd_pipe_push_behind(struct rd_pipe *p, struct rd_event *ev)
{
	bool busy;

	if (!p->running)
		return false;
	pthread_mutex_lock(&p->lock);
	busy = p->head != p->tail;
	pthread_mutex_unlock(&p->lock);
	if (busy)
		rd_pipe_push(p, ev);
	return busy;
}

void rd_pipe_drain(struct rd_pipe *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->consumer_waiting && p->head != p->tail)
		pthread_cond_signal(&p->wake_consumer);
	while (p->tail != p->head) {
		p->producer_waiting = true;
		pthread_cond_wait(&p->wake_producer, &p->lock);
		p->producer_waiting = false;
	}
	pthread_mutex_unlock(&p->lock);
}

void rd_pipe_stop(struct rd_pipe *p)
{
	if (p->running) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_signal(&p->wake_consumer);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->wake_producer);
		pthread_cond_destroy(&p->wake_consumer);
		pthread_mutex_destroy(&p->lock);
		p->running = false;
	}
	for (size_t i = 0; i < RD_PIPE_SLOTS; i++) {
		free(p->slots[i].buf);
		p->slots[i].buf = NULL;
		p->slots[i].cap = 0;
	}
}
