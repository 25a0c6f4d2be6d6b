/*
 * A capture: a short LTTng session of its own over the processes of a
 * served tree, opened on request (tracer/session/), which asks them for
 * their state at its start (served.h), records for a while and leaves a
 * CTF trace in a private temporary directory, read back with the reader.
 *
 * Ownership: cprof_capture_record() returns a capture the caller releases
 * with cprof_capture_destroy(), which removes its directory. Errors fill
 * `err` with one sentence.
 */
#ifndef CPROF_SERVE_CAPTURE_H
#define CPROF_SERVE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "session.h"

struct cprof_capture_options {
	const int32_t *pids; /* the processes recorded, first the served root */
	size_t npids;
	uint64_t duration_ns; /* recorded after the state dump */
	uint32_t dump_flags;  /* CPROF_SERVED_* */
	/* Polled while recording: true stops the capture (client gone). */
	bool (*cancelled)(void *data);
	void *data;
	const struct cprof_session_channel *channel;
};

enum cprof_capture_status {
	CPROF_CAPTURE_OK = 0,
	CPROF_CAPTURE_ERROR,	/* err says why */
	CPROF_CAPTURE_CANCELED, /* cancelled() said so; nothing kept */
};

struct cprof_capture {
	char dir[256];		    /* the private directory, holding trace/ */
	char trace[280];	    /* the CTF trace directory */
	uint64_t setup_ns, dump_ns; /* time to start the session, to dump */
	uint64_t teardown_ns;	    /* to stop and destroy it */
	size_t answered;	    /* processes that dumped their state */
};

enum cprof_capture_status cprof_capture_record(const struct cprof_capture_options *opts,
					       struct cprof_capture **out, char *err,
					       size_t errlen);
/* The trace, read into a model (every process of the session kept). */
struct cprof_model *cprof_capture_read(const struct cprof_capture *capture, char *err,
				       size_t errlen);
void cprof_capture_destroy(struct cprof_capture *capture);
/* Prepares the next capture's session in the background (pids, channel). */
void cprof_capture_prepare_ahead(const struct cprof_capture_options *opts);
/* Destroys the session prepared ahead for the next capture, if any, and
 * prepares no more (waits for one being prepared). */
void cprof_capture_drop_standby(void);

#endif /* CPROF_SERVE_CAPTURE_H */
