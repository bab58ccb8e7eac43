/* persona: file-system helpers shared by the components. */
#ifndef PERSONA_COMMON_FS_H
#define PERSONA_COMMON_FS_H

/* Remove `path` and everything below it, never crossing into another
 * mount and never following a symlink (nftw FTW_PHYS|FTW_MOUNT).
 * A missing path is success.  -1 with errno on failure. */
int remove_tree(const char *path);

#endif
