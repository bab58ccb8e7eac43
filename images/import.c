/* persona images: import, a root filesystem tarball as a one-layer image,
 * and the one-layer image path the seeded busybox shares (see image.h,
 * stage.h). */
#include "images/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"
#include "images/stage.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

/* The staged layer blob `ldg` becomes a one-layer image `full`: config
 * (linux/amd64; `cconf` its "config" object, stolen; NULL: PATH only, as
 * docker import), manifest, check, unpack, commit. */
int stage_import_layer(struct stage *st, const char *full, const char *ldg, json_t *cconf, const char *created,
		       const char *created_by, char digest[72], struct perr *err)
{
	char diff[72], cdg[72], lpath[PATH_MAX];
	_cleanup_json_ json_t *config = NULL, *man = NULL, *desc = NULL;
	_cleanup_free_ char *ctext = NULL, *mtext = NULL;
	struct stat sb;

	if (!cconf)
		cconf = json_pack("{s:[s]}", "Env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	stage_blob_path(st, ldg, lpath, sizeof(lpath));
	if (img_layer_diff_id(lpath, st->uo, diff, err) < 0) {
		json_decref(cconf);
		return perr_prefix(err, "%s", st->file);
	}
	config = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created", created,
			   "architecture", "amd64", "os", "linux", "config", cconf, "rootfs", "type", "layers",
			   "diff_ids", diff, "history", "created", created, "created_by", created_by);
	ctext = config ? json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!ctext || stage_put(st, ctext, cdg, err) < 0)
		return ctext ? -1 : perr_set(err, ENOMEM, "%s: config", st->file);
	json_object_set_new(st->keep, ldg + 7, json_true());
	if (stat(lpath, &sb) < 0)
		return perr_set(err, errno, "%s", lpath);
	man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2, "mediaType",
			MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest", cdg, "size",
			(json_int_t)strlen(ctext), "layers", "mediaType", stage_layer_media_type(lpath), "digest", ldg, "size",
			(json_int_t)sb.st_size);
	mtext = man ? json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!mtext || stage_put(st, mtext, digest, err) < 0)
		return mtext ? -1 : perr_set(err, ENOMEM, "%s: manifest", st->file);
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_MANIFEST, "digest", digest, "size",
			 (json_int_t)strlen(mtext));
	if (stage_manifest(st, desc, full, 0, err) < 0)
		return -1;
	return stage_commit(st, NULL, err);
}

int img_import_rootfs(const struct img_store *s, const char *file, const char *name,
		      const struct img_unpack_opts *uo, char digest[72], struct perr *err)
{
	struct stage st;
	struct blob_writer w;
	char ldg[72], full[IMG_REF_MAX + 512], created[32];
	_cleanup_close_ int fd = -1;
	static char buf[1 << 16];
	ssize_t n;
	time_t now = time(NULL);
	int r = -1;

	if (full_name(name, full, file, err) < 0)
		return -1;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perr_set(err, errno, "%s", file);
	if (stage_begin(&st, s, file, uo, err) < 0)
		return -1;
	if (blob_writer_begin(&w, st.dir, err) < 0)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (blob_writer_write(&w, buf, (size_t)n, err) < 0) {
			blob_writer_abort(&w);
			goto out;
		}
	if (n < 0) {
		perr_set(err, errno, "%s", file);
		blob_writer_abort(&w);
		goto out;
	}
	if (blob_writer_finish(&w, NULL, ldg, err) < 0)
		goto out;
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	r = stage_import_layer(&st, full, ldg, NULL, created, "persona import", digest, err);
out:
	stage_end(&st);
	return r;
}
