/* The layer step of `persona pull` and `persona load`, alone: each layer
 * blob checked against its diff ID and unpacked into its own directory of
 * a layer cache (images/unpack.h).
 *
 *   unpack_layers [--two-pass] DEST BLOB DIFF_ID [BLOB DIFF_ID ...]
 *
 * By default one pass, img_unpack_layer_verified; --two-pass makes the two
 * calls images/image.c's ensure_layer makes, img_layer_diff_id and then
 * img_unpack_layer.  DEST must exist; layer N goes to DEST/N.  Built by
 * bench/images/run.sh from images/unpack.c and common/error.c, -O2 as the
 * Makefile builds them. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "images/unpack.h"

static int layer(const char *blob, const char *diff_id, const char *dest, const char *what, bool two_pass,
		 struct perr *err)
{
	char got[72];

	if (!two_pass)
		return img_unpack_layer_verified(blob, dest, diff_id, NULL, what, err);
	if (img_layer_diff_id(blob, NULL, got, err) < 0)
		return perr_prefix(err, "%s", what);
	if (strcmp(got, diff_id))
		return perr_set(err, 0, "%s: uncompressed digest %s, but the diff ID given is %s", what, got, diff_id);
	return img_unpack_layer(blob, dest, NULL, what, err);
}

int main(int argc, char **argv)
{
	struct perr err = { 0 };
	bool two_pass = argc > 1 && !strcmp(argv[1], "--two-pass");

	argc -= two_pass;
	argv += two_pass;
	if (argc < 4 || argc % 2) {
		fprintf(stderr, "usage: unpack_layers [--two-pass] DEST BLOB DIFF_ID [BLOB DIFF_ID ...]\n");
		return 2;
	}
	for (int i = 2, n = 1; i < argc; i += 2, n++) {
		char dest[4096], what[32];

		snprintf(dest, sizeof(dest), "%s/%d", argv[1], n);
		snprintf(what, sizeof(what), "layer %d", n);
		if (layer(argv[i], argv[i + 1], dest, what, two_pass, &err) < 0) {
			perr_print(&err);
			return 1;
		}
	}
	return 0;
}
