/*
 * tests/fuzz/corpus_main.c - runs a fuzz target over its committed seed
 * corpus, so that every normal `make check` replays the corpus and every
 * regression input without libFuzzer.
 *
 * Usage: corpus_TARGET [DIR|FILE]...; with no argument it reads
 * $top_srcdir/tests/fuzz/corpus/<FUZZ_TARGET>.  A crash or a failed
 * assertion in the target fails the test; otherwise it prints
 * "N passed, 0 failed".
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned ran;

/* Returns 0, or -1 after printing why the file could not be read. */
static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long size;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot size: %s\n", path, strerror(errno));
		goto out;
	}
	/* exact size, so that ASan sees any read past the input */
	if ((buf = malloc(size > 0 ? (size_t)size : 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		goto out;
	}
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	ran++;
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int
run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (run_path(sub) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_path(argv[i]) != 0)
				rc = 1;
	} else {
		const char *top = getenv("top_srcdir");
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
		    top != NULL ? top : ".", FUZZ_TARGET);
		if (run_path(dir) != 0)
			rc = 1;
	}
	if (ran == 0) {
		fprintf(stderr, "no corpus input found\n");
		rc = 1;
	}
	printf("%u passed, %d failed\n", ran, rc);
	return rc;
}
