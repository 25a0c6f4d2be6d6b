/*
 * What the flight recorder reads from snapshot files: the packet headers
 * of stream files (how far back each CPU's buffer reaches, the discarded
 * count of the `lost` probe), and the tree's size; and the snapshot
 * directory's layout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof-tp-enums.h"
#include "ctl.h"
#include "flight-internal.h"

/* Offsets in lttng-ust's packet header and context (CTF 1.8, 64-bit
 * layout): magic, uuid[16], stream_id, stream_instance_id, then
 * timestamp_begin, timestamp_end, content_size, packet_size (bits),
 * packet_seq_num, events_discarded. Timestamps are CLOCK_MONOTONIC ns. */
#define TIMESTAMP_BEGIN_OFFSET 32
#define PACKET_SIZE_OFFSET 56
#define EVENTS_DISCARDED_OFFSET 72

#define CTF_MAGIC 0xC1FC1FC1u

/* A CTF stream file: it begins with a packet header's magic. */
static bool is_stream_file(const char *path, const struct stat *st, int type, const struct FTW *ftw)
{
	uint32_t magic = 0;
	int fd;

	if (type != FTW_F || !strcmp(path + ftw->base, "metadata") || strstr(path, "/index/") ||
	    st->st_size < EVENTS_DISCARDED_OFFSET + 8)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &magic, 4, 0) != 4)
		magic = 0;
	close(fd);
	return magic == CTF_MAGIC;
}

/* The 64-bit word at `offset` of `path` (0 when it cannot be read). */
static uint64_t read_u64(const char *path, off_t offset)
{
	uint64_t value = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &value, 8, offset) != 8)
		value = 0;
	close(fd);
	return value;
}

static uint64_t latest_begin;

static int stream_begin(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	uint64_t begin;

	if (!is_stream_file(path, st, type, ftw))
		return 0;
	begin = read_u64(path, TIMESTAMP_BEGIN_OFFSET);
	if (begin > latest_begin)
		latest_begin = begin;
	return 0;
}

/*
 * Each CPU's ring buffer reaches back its own way: from the latest of
 * their first packets on, every CPU's events are there. A slow region that
 * began before that instant may have lost events on a busier CPU.
 */
void flight_check_coverage(const char *path, const struct request *req, unsigned seq)
{
	uint64_t region_begin;

	if ((req->kind != CPROF_TP_SNAPSHOT_REGION && req->kind != CPROF_TP_SNAPSHOT_TASK) ||
	    !req->time_ns || req->duration_ns > req->time_ns)
		return;
	region_begin = req->time_ns - req->duration_ns;
	latest_begin = 0;
	nftw(path, stream_begin, 16, FTW_PHYS);
	if (latest_begin > region_begin)
		fprintf(stderr,
			"cprof-trace: warning: snapshot %u: every CPU's buffer reaches back only "
			"to %.1f ms after the %s began (%.1f ms after the request); a larger "
			"--flight SIZE keeps more\n",
			seq, (double)(latest_begin - region_begin) / 1e6,
			req->kind == CPROF_TP_SNAPSHOT_REGION ? "region" : "task",
			(double)(flight_now_ns() - req->time_ns) / 1e6);
}

/*
 * LTTng writes a local snapshot into PATH/NAME-DATE-TIME-N/; its content
 * moves up to PATH so that the snapshot directory is the trace directory.
 * Left as it is if anything fails: the reader finds the trace either way.
 */
void flight_flatten(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char inner[8192] = "";

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, name, strlen(name)) && e->d_name[strlen(name)] == '-')
			snprintf(inner, sizeof(inner), "%s/%s", path, e->d_name);
	closedir(d);
	if (!inner[0] || !(d = opendir(inner)))
		return;
	while ((e = readdir(d))) {
		char from[8448], to[8448];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(from, sizeof(from), "%s/%s", inner, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", path, e->d_name);
		if (rename(from, to) != 0)
			break;
	}
	closedir(d);
	rmdir(inner);
}

static uint64_t tree_total;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F)
		tree_total += (uint64_t)st->st_size;
	return 0;
}

/* The flight thread calls it while the program runs, record's main
 * thread after: never both at once. */
uint64_t cprof_tree_bytes(const char *dir)
{
	tree_total = 0;
	nftw(dir, add_size, 16, FTW_PHYS);
	return tree_total;
}

/*
 * The `lost` trigger. LTTng 2.13 reports no discarded-event count for an
 * overwrite channel while it records: the session daemon asks the
 * consumer for lost packets instead, which it counts only while reading
 * sub-buffers in order, and a snapshot session is never read that way.
 * The count is in the ring buffers, though: every packet's context holds
 * its stream's discarded events so far. So the thread takes a probe
 * snapshot of the newest sub-buffer of each stream (--snapshot-max
 * does not count it) into a temporary directory once a second and reads
 * the last packet of each stream file.
 */

static uint64_t probe_total;

static int add_discarded(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	uint64_t packet_bits;

	if (!is_stream_file(path, st, type, ftw))
		return 0;
	/* The last packet: the count so far. */
	packet_bits = read_u64(path, PACKET_SIZE_OFFSET);
	if (packet_bits >= 8 * (EVENTS_DISCARDED_OFFSET + 8) && packet_bits % 8 == 0 &&
	    (uint64_t)st->st_size >= packet_bits / 8)
		probe_total += read_u64(path, st->st_size - (off_t)(packet_bits / 8) +
						  EVENTS_DISCARDED_OFFSET);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

/*
 * A process of another user that registers with the session daemon (a
 * root daemon hears every user's programs; a server's workers drop to
 * www-data or nobody) gives the session one more set of per-UID buffers,
 * and a probe of one sub-buffer per stream of ours is then too small for
 * one of each: the daemon refuses it (LTTNG_ERR_MAX_SIZE_INVALID) and
 * every probe failed, the `lost` trigger blind for the whole recording
 * (flight-lost, beside a headless chromium that ran as nobody with the
 * preload library). The size doubles until the daemon takes it, up to
 * PROBE_SETS_MAX sets.
 */
#define PROBE_SETS_MAX 64

/* The channel's discarded events so far; false if the probe failed. */
bool flight_discarded_events(struct cprof_flight *f, uint64_t *count)
{
	struct lttng_snapshot_output *out = lttng_snapshot_output_create();
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	bool ok = false;
	int ret;

	snprintf(dir, sizeof(dir), "%s/cprof-flight-probe-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!out || !mkdtemp(dir))
		goto end;
	lttng_snapshot_output_set_name("probe", out);
	lttng_snapshot_output_set_local_path(dir, out);
	for (;;) {
		lttng_snapshot_output_set_size(f->probe_bytes, out);
		ret = CPROF_CTL(lttng_snapshot_record(f->session, out, 1));
		if (ret != -LTTNG_ERR_MAX_SIZE_INVALID ||
		    f->probe_bytes >= PROBE_SETS_MAX * f->probe_set_bytes)
			break;
		f->probe_bytes *= 2;
	}
	if (ret >= 0) {
		probe_total = 0;
		nftw(dir, add_discarded, 16, FTW_PHYS);
		*count = probe_total;
		ok = true;
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
end:
	lttng_snapshot_output_destroy(out);
	return ok;
}
