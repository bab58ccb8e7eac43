/* persona-image: the image commands (pull, load, import, images, tag,
 * rmi), a helper that `persona` executes for them.  They need libcurl,
 * libarchive and libcrypto, about forty shared libraries that take ~6 ms
 * to load; kept out of the persona binary, they cost nothing to a
 * container start.  Invoked as `persona-image COMMAND [ARGS]`. */
#include <stdio.h>
#include <string.h>

#include "runtime/commands.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "pull", cmd_pull }, { "load", cmd_load }, { "import", cmd_import },
	{ "images", cmd_images }, { "tag", cmd_tag }, { "rmi", cmd_rmi },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "persona-image: a helper of persona; use persona pull|load|import|images|tag|rmi\n");
		return 125;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "persona-image: unknown command \"%s\"\n", argv[1]);
	return 125;
}
