/*
 * src/client/args.h - parsing the values of the client's command-line
 * options, shared by the cmd_*.c files.
 *
 * Each parser takes the whole option argument (no trailing text), writes
 * its result only on success, and prints nothing: the command reports a
 * bad value in its own words.
 */
#ifndef ROOST_ARGS_H
#define ROOST_ARGS_H

/* The most args_parse_seconds() accepts: one hour. */
#define ARGS_MAX_SECONDS 3600

/*
 * Parse a number of seconds ("1.5", "0.2") into milliseconds, rounded to
 * the nearest and at least 1 ms; more than 0 and at most
 * ARGS_MAX_SECONDS.  Returns 0 with *ms set, or -1 if text is not one.
 */
int args_parse_seconds(const char *text, int *ms);

/*
 * Parse a decimal integer in [lo, hi].  Returns 0 with *v set, or -1 if
 * text is empty, has trailing characters or is out of range.
 */
int args_parse_int(const char *text, int lo, int hi, int *v);

#endif /* ROOST_ARGS_H */
