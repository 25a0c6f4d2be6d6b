/*
 * Build, then write (export.h).
 */
#include "export.h"

#include <errno.h>
#include <string.h>

enum cprof_export_status
cprof_export_pprof(const struct cprof_model *model, struct cprof_symbolizer *sym,
		   enum cprof_profile_type type, const struct cprof_profile_filter *filter,
		   const char *path, bool force, struct cprof_export_result *res)
{
	struct cprof_profile *profile = NULL;
	enum cprof_export_status status = CPROF_EXPORT_PROFILE;

	memset(res, 0, sizeof(*res));
	if (cprof_profile_build(model, sym, type, filter, &profile, &res->report) !=
		CPROF_PROFILES_OK ||
	    !profile)
		goto end;
	res->write = cprof_pprof_write(profile, path, force);
	res->write_errno = errno;
	status = res->write == CPROF_PPROF_OK ? CPROF_EXPORT_OK : CPROF_EXPORT_WRITE;
end:
	cprof_profile_destroy(profile);
	return status;
}

const char *cprof_export_write_error(const struct cprof_export_result *res)
{
	if (res->write == CPROF_PPROF_IO)
		return strerror(res->write_errno);
	return cprof_pprof_status_string(res->write);
}
