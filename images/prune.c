/* persona images: prune, removing what nothing needs (see img_prune in
 * image.h). */
#include "images/image.h"
#include "images/stage.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"

/* Leftovers younger than this may belong to a command that is just
 * starting (between mkdtemp and its flock, or a load whose layers are
 * unpacked but not yet committed to index.json): left for a later prune. */
#define PRUNE_MIN_AGE 60


#define ANNOT_LOWERDIRS "io.persona.rootfs.lowerdirs"

/* ---- what is in use ---- */

/* Add "dev:ino" of directory `path` to the set `inuse`. */
static void use_dir(json_t *inuse, const char *path)
{
	struct stat sb;
	char key[64];

	if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return;
	snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	json_object_set_new(inuse, key, json_true());
}

static bool dir_in_use(json_t *inuse, int dirfd, const char *name)
{
	struct stat sb;
	char key[64];

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	return json_object_get(inuse, key) != NULL;
}

/* Each directory of a ':'-joined lowerdir list (mountinfo escapes
 * undone: \ooo octal). */
static void use_lowerdirs(json_t *inuse, const char *list, size_t len)
{
	char path[PATH_MAX];
	size_t n = 0;

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? list[i] : ':';
		if (c == '\\' && i + 3 < len && isdigit((unsigned char)list[i + 1])) {
			c = (char)(((list[i + 1] - '0') << 6) | ((list[i + 2] - '0') << 3) | (list[i + 3] - '0'));
			i += 3;
		} else if (c == ':') {
			path[n] = '\0';
			if (n && path[0] == '/')
				use_dir(inuse, path);
			n = 0;
			continue;
		}
		if (n + 1 < sizeof(path))
			path[n++] = c;
	}
}

/* Overlay mounts in every mount namespace of the host: a running
 * container's root, whoever made it. */
static void scan_mounts(json_t *inuse)
{
	_cleanup_json_ json_t *seen = json_object();
	DIR *proc = opendir("/proc");
	struct dirent *de;

	if (!proc)
		return;
	while ((de = readdir(proc))) {
		char path[PATH_MAX], ns[64], *line = NULL;
		size_t cap = 0;
		ssize_t nr;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/mnt", de->d_name);
		nr = readlink(path, ns, sizeof(ns) - 1);
		if (nr <= 0)
			continue;
		ns[nr] = '\0';
		if (json_object_get(seen, ns))
			continue;
		json_object_set_new(seen, ns, json_true());
		snprintf(path, sizeof(path), "/proc/%s/mountinfo", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (getline(&line, &cap, f) > 0) {
			/* ... - FSTYPE SOURCE SUPEROPTS */
			char *sep = strstr(line, " - "), *opt;
			if (!sep || strncmp(sep + 3, "overlay ", 8))
				continue;
			for (opt = strstr(sep, "lowerdir="); opt; opt = strstr(opt + 1, "lowerdir=")) {
				char *v = opt + 9;
				use_lowerdirs(inuse, v, strcspn(v, ", \n"));
			}
		}
		free(line);
		fclose(f);
	}
	closedir(proc);
}

/* Bundles under the state root: their config.json names the layers
 * (stopped containers keep them for a restart). */
static void scan_bundles(json_t *inuse, const char *state_root)
{
	DIR *d = state_root ? opendir(state_root) : NULL;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		const char *l;
		_cleanup_json_ json_t *spec = NULL;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/config.json", state_root, de->d_name);
		spec = json_load_path(path, NULL);
		l = json_str(json_object_get(spec, "annotations"), ANNOT_LOWERDIRS);
		if (l)
			use_lowerdirs(inuse, l, strlen(l));
	}
	closedir(d);
}

/* Paths held open by some process (/proc/PID/fd targets). */
static json_t *open_paths(void)
{
	json_t *set = json_object();
	DIR *proc = opendir("/proc");
	struct dirent *de;

	if (!proc)
		return set;
	while ((de = readdir(proc))) {
		char path[PATH_MAX], target[PATH_MAX];
		DIR *fds;
		struct dirent *fe;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			char link[PATH_MAX + 300];
			ssize_t n;
			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", path, fe->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0 || target[0] != '/')
				continue;
			target[n] = '\0';
			json_object_set_new(set, target, json_true());
		}
		closedir(fds);
	}
	closedir(proc);
	return set;
}

/* Is `path` or anything below it open in some process? */
static bool held_open(json_t *held, const char *path)
{
	size_t n = strlen(path);
	const char *k;
	json_t *v;

	json_object_foreach(held, k, v)
		if (!strncmp(k, path, n) && (k[n] == '\0' || k[n] == '/'))
			return true;
	return false;
}

/* ---- sizes and removal ---- */

/* Bytes of the regular files in the tree `name` below `dirfd`. */
static uint64_t tree_bytes(int at, const char *name, int depth)
{
	struct stat sb;
	uint64_t total = 0;
	DIR *d;
	struct dirent *de;
	int fd;

	if (fstatat(at, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(sb.st_mode))
		return S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	if (depth > 300)
		return 0;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			total += tree_bytes(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	return total;
}

static bool old_enough(int dirfd, const char *name, int min_age)
{
	struct stat sb;
	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && time(NULL) - sb.st_ctime >= min_age;
}

static void remove_counted(int dirfd, const char *name, uint64_t *bytes, unsigned *count)
{
	uint64_t b = tree_bytes(dirfd, name, 0);
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISDIR(sb.st_mode) ? img_remove_tree_at(dirfd, name) < 0 : unlinkat(dirfd, name, 0) < 0)
		return;
	*bytes += b;
	(*count)++;
}

/* ---- the image's layers ---- */

/* Add the chain IDs (hex) of the image `d` to `chains`; its top one goes
 * to `top` (may be NULL).  An image that cannot be read keeps nothing
 * from being removed: returns -1 then. */
static int image_chains(const struct img_store *s, json_t *d, json_t *chains, char top[72])
{
	_cleanup_json_ json_t *man = img_blob_json(s, json_str(d, "digest"), -1, "manifest", NULL), *cfg = NULL;
	json_t *diff;
	char chain[72] = "";
	size_t i;

	if (!man)
		return -1;
	cfg = img_blob_json(s, json_str(json_object_get(man, "config"), "digest"), -1, "config", NULL);
	if (!cfg)
		return -1;
	json_array_foreach(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), i, diff) {
		if (!img_digest_valid(json_string_value(diff)))
			return -1;
		img_chain_next(chain, json_string_value(diff));
		if (chains)
			json_object_set_new(chains, chain + 7, json_true());
	}
	if (top)
		snprintf(top, 72, "%s", chain);
	return 0;
}

/* -a: untag every image whose top layer no container uses. */
static int prune_images(const struct img_store *s, json_t *index, json_t *inuse, struct img_prune_result *res,
			json_t *names)
{
	json_t *ms = json_object_get(index, "manifests");

	for (size_t i = 0; i < json_array_size(ms);) {
		json_t *d = json_array_get(ms, i);
		char top[72] = "", path[PATH_MAX];
		const char *nm = json_str(json_object_get(d, "annotations"), IMG_REF_ANNOTATION);

		if (image_chains(s, d, NULL, top) < 0 || !top[0]) {
			i++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", s->layers, top + 7);
		{
			_cleanup_close_ int lfd = open(s->layers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (lfd >= 0 && dir_in_use(inuse, lfd, top + 7)) {
				i++;
				continue;
			}
		}
		json_array_append_new(names, json_string(nm ? nm : json_str(d, "digest")));
		json_array_remove(ms, i);
		res->images++;
	}
	return 0;
}

/* Leftovers of killed commands in the store: staging directories no
 * live command holds (stage_begin flock()s its own), temp files. */
static void prune_leftovers(const struct img_store *s, json_t *held, int age, struct img_prune_result *res)
{
	char blobs[PATH_MAX];
	DIR *d = opendir(s->dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			char path[PATH_MAX];
			int fd;
			bool free_;

			/* .stnew-: a stage made by a command killed before it locked it */
			if ((strncmp(de->d_name, ".stage-", 7) && strncmp(de->d_name, ".stnew-", 7)) ||
			    !old_enough(dirfd(d), de->d_name, age))
				continue;
			snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
			fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				continue;
			free_ = flock(fd, LOCK_EX | LOCK_NB) == 0 && !held_open(held, path);
			if (free_)
				remove_counted(dirfd(d), de->d_name, &res->bytes, &res->stages);
			close(fd);
		}
		closedir(d);
	}
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", s->dir);
	d = opendir(blobs);
	if (d) {
		while ((de = readdir(d))) {
			char path[PATH_MAX + 300];
			snprintf(path, sizeof(path), "%s/%s", blobs, de->d_name);
			if (!strncmp(de->d_name, ".tmp-", 5) && old_enough(dirfd(d), de->d_name, age) && !held_open(held, path))
				remove_counted(dirfd(d), de->d_name, &res->bytes, &res->stages);
		}
		closedir(d);
	}
}

/* Unpacked layers no image has and no container uses; unpack temp
 * directories of killed commands. */
static void prune_layers(const struct img_store *s, json_t *chains, json_t *inuse, json_t *held,
			 int age, struct img_prune_result *res)
{
	DIR *d = opendir(s->layers);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		char path[PATH_MAX + 300];

		snprintf(path, sizeof(path), "%s/%s", s->layers, n);
		if (strlen(n) == 64 && strspn(n, "0123456789abcdef") == 64) {
			if (json_object_get(chains, n) || dir_in_use(inuse, dirfd(d), n) || !old_enough(dirfd(d), n, age))
				continue;
			remove_counted(dirfd(d), n, &res->bytes, &res->layers);
		} else if (!strncmp(n, ".tmp-", 5) && old_enough(dirfd(d), n, age) && !held_open(held, path)) {
			remove_counted(dirfd(d), n, &res->bytes, &res->stages);
		}
	}
	closedir(d);
}

/* The prepared-root cache (images/prepared.h): answers for manifests the
 * index no longer names. */
static void prune_prepared(const struct img_store *s, json_t *index)
{
	char dir[PATH_MAX + 32];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/.prepared", s->layers);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		char digest[80];
		json_t *m;
		size_t i;
		bool named = false;

		if (strlen(n) != 69 || strcmp(n + 64, ".json"))
			continue;
		snprintf(digest, sizeof(digest), "sha256:%.64s", n);
		json_array_foreach(json_object_get(index, "manifests"), i, m)
			if (json_str(m, "digest") && !strcmp(json_str(m, "digest"), digest))
				named = true;
		if (!named)
			unlinkat(dirfd(d), n, 0);
	}
	closedir(d);
}

int img_prune(const struct img_store *s, const struct img_prune_opts *o, struct img_prune_result *res,
	      char ***removed, struct perr *err)
{
	_cleanup_close_ int lock = img_store_lock(s, err);
	_cleanup_json_ json_t *index = NULL, *inuse = json_object(), *chains = json_object(), *names = json_array();
	_cleanup_json_ json_t *held = NULL;
	json_t *d;
	size_t i;
	bool unreadable = false;
	int age = o->min_age == 0 ? PRUNE_MIN_AGE : o->min_age < 0 ? 0 : o->min_age;

	memset(res, 0, sizeof(*res));
	if (removed)
		*removed = NULL;
	if (lock < 0)
		return -1;
	index = img_index_load(s, err);
	if (!index)
		return -1;
	scan_mounts(inuse);
	scan_bundles(inuse, o->state_root);
	if (o->all) {
		prune_images(s, index, inuse, res, names);
		if (res->images && img_index_save(s, index, err) < 0)
			return -1;
	}
	if (img_store_gc_count(s, &res->bytes, &res->blobs, err) < 0)
		return -1;
	json_array_foreach(json_object_get(index, "manifests"), i, d)
		if (image_chains(s, d, chains, NULL) < 0)
			unreadable = true;
	held = open_paths();
	/* An image whose manifest or config cannot be read: its layers are
	 * unknown, so no layer is removed. */
	if (!unreadable)
		prune_layers(s, chains, inuse, held, age, res);
	prune_leftovers(s, held, age, res);
	prune_prepared(s, index);
	if (removed) {
		json_t *v;
		*removed = calloc(json_array_size(names) + 1, sizeof(char *));
		if (!*removed)
			return perr_set(err, ENOMEM, "prune");
		json_array_foreach(names, i, v)
			(*removed)[i] = strdup(json_string_value(v));
	}
	return 0;
}
