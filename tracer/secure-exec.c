/*
 * Secure execution, told before the exec (see secure-exec.h).
 */
#include "secure-exec.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* binfmt_script follows at most this many interpreters */
#define SCRIPT_DEPTH 4

/* The file capabilities' permitted set and effective flag, from its
 * security.capability attribute (struct vfs_cap_data, little-endian). */
static bool file_caps(const char *path, bool *effective, bool *permitted)
{
	unsigned char raw[sizeof(struct vfs_ns_cap_data)];
	ssize_t n = getxattr(path, "security.capability", raw, sizeof(raw));
	uint32_t magic, words[4] = {0};

	*effective = *permitted = false;
	if (n < (ssize_t)XATTR_CAPS_SZ_1)
		return false;
	for (size_t i = 0; i < 4 && (ssize_t)(4 + 4 * i + 4) <= n; i++)
		words[i] = (uint32_t)raw[4 + 4 * i] | (uint32_t)raw[5 + 4 * i] << 8 |
			   (uint32_t)raw[6 + 4 * i] << 16 | (uint32_t)raw[7 + 4 * i] << 24;
	magic = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
		(uint32_t)raw[3] << 24;
	*effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
	/* data[i] = {permitted, inheritable}: words 0 and 2 are permitted */
	*permitted =
	    words[0] || ((magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_1 && words[2]);
	return true;
}

/* The interpreter of a "#!" script into buf, or false. */
static bool script_interpreter(const char *path, char *buf, size_t len)
{
	char head[256];
	ssize_t n;
	size_t i = 2, k = 0;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = syscall(SYS_read, fd, head, sizeof(head) - 1);
	syscall(SYS_close, fd);
	if (n < 3 || head[0] != '#' || head[1] != '!')
		return false;
	head[n] = '\0';
	while (head[i] == ' ' || head[i] == '\t')
		i++;
	while (head[i] && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && k + 1 < len)
		buf[k++] = head[i++];
	buf[k] = '\0';
	return k > 0;
}

static bool secure_file(const char *path, const char **why, int depth)
{
	struct stat st;
	struct statvfs vfs;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	bool nosuid, nnp, effective, permitted;
	char interp[256];

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || getresuid(&ruid, &euid, &suid) != 0 ||
	    getresgid(&rgid, &egid, &sgid) != 0)
		return false;
	/* the kernel runs the interpreter, and ignores a script's own bits */
	if (depth < SCRIPT_DEPTH && script_interpreter(path, interp, sizeof(interp)))
		return secure_file(interp, why, depth + 1);
	if (euid != ruid || egid != rgid) {
		*why = "its caller's effective user or group differs from the real one";
		return true;
	}
	nosuid = statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);
	nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	if (nosuid || nnp)
		return false;
	if ((st.st_mode & S_ISUID) && st.st_uid != ruid) {
		*why = "set-user-ID";
		return true;
	}
	if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != rgid) {
		*why = "set-group-ID";
		return true;
	}
	/* root keeps its capabilities: file capabilities add none */
	if (ruid != 0 && file_caps(path, &effective, &permitted) && (effective || permitted)) {
		*why = "file capabilities";
		return true;
	}
	return false;
}

bool cprof_secure_exec(const char *path, const char **why)
{
	int saved = errno;
	bool secure = path && secure_file(path, why, 0);

	errno = saved;
	return secure;
}

bool cprof_exec_find(const char *file, const char *path_env, char *buf, size_t len)
{
	const char *p = path_env ? path_env : "/bin:/usr/bin";
	size_t flen = strlen(file);
	int saved = errno;
	bool found = false;

	if (!*file || flen >= len)
		return false;
	if (strchr(file, '/')) {
		memcpy(buf, file, flen + 1);
		return true;
	}
	while (!found) {
		size_t dlen = strcspn(p, ":");

		/* an empty element is the current directory */
		if (dlen + 1 + flen < len) {
			memcpy(buf, dlen ? p : ".", dlen ? dlen : 1);
			buf[dlen ? dlen : 1] = '/';
			memcpy(buf + (dlen ? dlen : 1) + 1, file, flen + 1);
			found = access(buf, X_OK) == 0;
		}
		if (!p[dlen])
			break;
		p += dlen + 1;
	}
	errno = saved;
	return found;
}

bool cprof_exec_static(const char *path)
{
	Elf64_Ehdr eh;
	bool is_static = false;
	int saved = errno, fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		errno = saved;
		return false;
	}
	if (syscall(SYS_pread64, fd, &eh, sizeof(eh), 0) != (long)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 512)
		goto end;
	is_static = true;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (syscall(SYS_pread64, fd, &ph, sizeof(ph),
			    (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != (long)sizeof(ph)) {
			is_static = false;
			break;
		}
		if (ph.p_type == PT_INTERP) {
			is_static = false;
			break;
		}
	}
end:
	syscall(SYS_close, fd);
	errno = saved;
	return is_static;
}
