/* persona images: looking through a stack of unpacked layers the way
 * overlayfs will show it (see images_layer_with in image.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "images/image.h"

int images_layer_with(char *const *lowerdirs, size_t n, const char *rel)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = open(lowerdirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		char comp[NAME_MAX + 1];
		const char *p = rel;
		bool hidden_below = false;

		while (fd >= 0 && *p) {
			size_t len = strcspn(p, "/");
			struct stat sb;
			char val[2];

			if (!len || len > NAME_MAX) {
				p += len + (p[len] == '/');
				continue;
			}
			memcpy(comp, p, len);
			comp[len] = '\0';
			p += len + (p[len] == '/');
			if (fstatat(fd, comp, &sb, AT_SYMLINK_NOFOLLOW) < 0)
				break;   /* not in this layer: look below */
			if (S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0))
				return -1;   /* whited out */
			if (!*p)
				return (int)i;
			if (!S_ISDIR(sb.st_mode))
				return -1;
			int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0)
				break;
			if (fgetxattr(next, "trusted.overlay.opaque", val, sizeof(val)) == 1 && val[0] == 'y')
				hidden_below = true;   /* nothing below this directory shows through */
			close(fd);
			fd = next;
		}
		if (hidden_below)
			return -1;
	}
	return -1;
}
