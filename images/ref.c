/* persona images: reference parsing (see ref.h). */
#include "images/ref.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int img_digest_valid(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && strlen(s) == 71 &&
	       strspn(s + 7, "0123456789abcdef") == 64;
}

static bool is_alnum_lc(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || !is_alnum_lc(s[0]) || !is_alnum_lc(s[n - 1]))
		return false;
	while (i < n) {
		if (is_alnum_lc(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		if (s[i] == '.' || s[i] == '_') {
			j++;
			if (s[i] == '_' && j < n && s[j] == '_')
				j++;
		} else if (s[i] == '-') {
			while (j < n && s[j] == '-')
				j++;
		} else {
			return false;
		}
		if (j >= n || !is_alnum_lc(s[j]))
			return false;
		i = j;
	}
	return true;
}

static bool domain_valid(const char *s)
{
	/* host[:port], host of letters, digits, '-' and '.'. */
	const char *colon = strchr(s, ':');
	size_t hn = colon ? (size_t)(colon - s) : strlen(s);

	if (!hn || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != hn)
		return false;
	if (s[0] == '-' || s[0] == '.' || s[hn - 1] == '-' || s[hn - 1] == '.')
		return false;
	if (colon && (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5))
		return false;
	return true;
}

static bool tag_valid(const char *t)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t n = strlen(t);

	if (!n || n > 128 || !strchr(word, t[0]))
		return false;
	return strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int img_ref_parse(const char *s, struct img_ref *out, struct perr *err)
{
	char buf[IMG_REF_MAX + 128];
	char *at, *slash, *colon, *name, *rest;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return perr_set(err, 0, "image reference \"\": empty");
	if (strlen(s) >= IMG_REF_MAX)
		return perr_set(err, 0, "image reference \"%.64s...\": longer than %d characters", s,
				IMG_REF_MAX - 1);
	snprintf(buf, sizeof(buf), "%s", s);

	at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (!img_digest_valid(at + 1))
			return perr_set(err, 0, "image reference \"%s\": digest \"%s\" is not sha256: and 64 "
					"lowercase hex digits", s, at + 1);
		snprintf(out->digest, sizeof(out->digest), "%s", at + 1);
	}
	slash = strrchr(buf, '/');
	colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_valid(colon + 1))
			return perr_set(err, 0, "image reference \"%s\": invalid tag \"%s\"", s, colon + 1);
		snprintf(out->tag, sizeof(out->tag), "%s", colon + 1);
	}
	name = buf;
	slash = strchr(name, '/');
	if (slash && (memchr(name, '.', (size_t)(slash - name)) || memchr(name, ':', (size_t)(slash - name)) ||
		      (slash - name == 9 && !strncmp(name, "localhost", 9)))) {
		*slash = '\0';
		if (!domain_valid(name))
			return perr_set(err, 0, "image reference \"%s\": invalid registry \"%s\"", s, name);
		snprintf(out->domain, sizeof(out->domain), "%s", name);
		rest = slash + 1;
	} else {
		snprintf(out->domain, sizeof(out->domain), "docker.io");
		rest = name;
	}
	if (!strcmp(out->domain, "index.docker.io"))
		snprintf(out->domain, sizeof(out->domain), "docker.io");
	if (!*rest)
		return perr_set(err, 0, "image reference \"%s\": no repository name", s);
	for (const char *p = rest;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!component_valid(p, n))
			return perr_set(err, 0, "image reference \"%s\": invalid repository name \"%s\" (use "
					"lowercase letters, digits and separators . _ -)", s, rest);
		if (!e)
			break;
		p = e + 1;
	}
	if (!strcmp(out->domain, "docker.io") && !strchr(rest, '/'))
		snprintf(out->path, sizeof(out->path), "library/%s", rest);
	else
		snprintf(out->path, sizeof(out->path), "%s", rest);
	if (!out->tag[0] && !out->digest[0])
		snprintf(out->tag, sizeof(out->tag), "latest");
	if (out->tag[0])
		snprintf(out->full, sizeof(out->full), "%s/%s:%s", out->domain, out->path, out->tag);
	else
		snprintf(out->full, sizeof(out->full), "%s/%s@%s", out->domain, out->path, out->digest);
	return 0;
}
