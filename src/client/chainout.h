/*
 * src/client/chainout.h - a chain of trust (chain.h) shown as text for a
 * reader, or as a JSON object for scripts (fields may be added, never
 * renamed).
 */
#ifndef ROOST_CHAINOUT_H
#define ROOST_CHAINOUT_H

#include <stdio.h>

#include "anchor.h"
#include "chain.h"

/* Print c as text lines on f, each starting with ind. */
void chainout_text(FILE *f, const struct chain *c, const char *ind);

/* Print c as one JSON object on f (anchors: where the anchor came from). */
void
chainout_json(FILE *f, const struct chain *c, const struct anchor_set *anchors);

#endif /* ROOST_CHAINOUT_H */
