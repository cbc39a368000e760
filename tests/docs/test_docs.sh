#!/bin/bash
# tests/docs/test_docs.sh - the man pages, --help and the parsers agree.
#
# What the programs accept is read from the programs or their source:
#   - roostd's config keys and flags: `roostd --list-options`, which
#     prints the tables its parsers run on ("key NAME", "flag -c FILE",
#     "flag --NAME [ARG]");
#   - each roost command's flags, from the source: every
#     src/client/*.c that calls getopt_long() (or compares "+option"
#     strings, or holds a table of { "+name", PLUS_... } or
#     { "-f", 'f', true|false } entries) and prints "usage: roost
#     COMMAND" for the COMMANDs it parses; roost's own options and its commands:
#     the strcmp(cmd, "...") of src/client/main.c.
# and confirmed at run time: each flag is given to the built program
# (`--flag=x --help`, `-f --help`; --help exits before anything is
# done) which must not call it unrecognized, and each key documented in
# roostd.conf(5) is put in a file that `roostd --check-config` must not
# call an unknown option.
#
# Then every key and flag must appear where a user looks for it, and the
# reverse: every flag or key the man pages or --help document must be
# accepted.  Finally `groff -ww -z -man` must have no warning for any
# page.  A mismatch names the option, the command and the document.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOSTD:=$top_builddir/src/roostd}"
: "${ROOST:=$top_builddir/src/roost}"
CSRC=$top_srcdir/src/client	# roost
MAN=$top_srcdir/man
export LC_ALL=C
for tool in groff man; do
	command -v $tool >/dev/null || {
		echo "test_docs.sh: $tool is needed (apt-get install groff-base man-db)"
		exit 99
	}
done

# --- reading the source --------------------------------------------------

# long_opts FILE: "--name" for every struct option entry in FILE.
long_opts() {
	grep -oE '\{ *"[a-z0-9-]+", *(no|required|optional)_argument' "$1" |
	    sed -E 's/\{ *"([^"]*)".*/--\1/'
}

# short_opts FILE: "-c" for each letter of FILE's getopt_long() option
# string; "-c:" for one that takes an argument.
short_opts() {
	grep -oE 'getopt_long\([^,]*,[^,]*, *"[^"]*"' "$1" |
	    sed -E 's/.*"([^"]*)"$/\1/' | sed -E 's/^[+-]//' |
	    grep -oE '[A-Za-z0-9]:?' | sed 's/^/-/'
}

# plus_opts FILE: dig-style "+name" options FILE compares against, or
# names in its table of { "name", PLUS_ID, ... } entries.
plus_opts() {
	grep -oE 'strcmp\([a-z_]+, *"\+[a-z0-9-]+"\)' "$1" |
	    sed -E 's/.*"(\+[^"]*)".*/\1/'
	grep -oE '\{ *"[a-z0-9-]+", *PLUS_[A-Z_]+' "$1" |
	    sed -E 's/\{ *"([^"]*)".*/+\1/'
}

# table_opts FILE: the flags of FILE's { "-f", 'f', VALUE } table, as
# short_opts writes them ("-f:" for one with a value); long ones too.
table_opts() {
	grep -oE "\\{ *\"--?[a-z0-9][a-z0-9-]*\", *'.', *(true|false) *\\}" "$1" |
	    sed -E -e 's/\{ *"([^"]*)".*true.*/\1:/' -e 's/\{ *"([^"]*)".*false.*/\1/'
}

# --- reading the documents -----------------------------------------------

# man_tags PAGE SH [SS]: the .TP tag lines of section SH (and subsection
# SS, if given; exactly), with troff escapes removed.
man_tags() {
	awk -v sh="$2" -v ss="${3-}" -v want_ss="${3+1}" '
	function unq(s) { gsub(/"/, "", s); return s }
	/^\.SH / { cur_sh = unq(substr($0, 5)); cur_ss = ""; next }
	/^\.SS / { cur_ss = unq(substr($0, 5)); next }
	/^\.TP/ { tag = 1; next }
	tag { tag = 0
	      if (cur_sh == sh && (!want_ss || cur_ss == ss)) print }
	' "$1" | untroff
}

# man_section PAGE SH: the whole text of section SH.
man_section() {
	awk -v sh="$2" '
	/^\.SH / { s = $0; sub(/^\.SH /, "", s); gsub(/"/, "", s)
	           on = (s == sh); next }
	on' "$1" | untroff
}

untroff() {
	sed -E -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' \
	    -e 's/^\.[A-Z]+ ?//' -e 's/"//g'
}

# flags_in: the "--long", "-s" and "+plus" words of stdin ("+[no]plus"
# is "+plus").
flags_in() {
	sed 's/+\[no\]/+/g' |
	grep -oE '(^|[^A-Za-z0-9_-])(--[a-z0-9][a-z0-9-]*|-[A-Za-z0-9]|\+[a-z][a-z0-9]*)\b' |
	    sed -E 's/^[^-+]//' | sed -E 's/-+$//' | sort -u
}

# --- helpers -------------------------------------------------------------

# in_list WORD LIST: WORD is a line of LIST.
in_list() {
	printf '%s\n' "$2" | grep -qxF -- "$1"
}

# plain: the flags of a short_opts list without the ":" markers.
plain() {
	printf '%s\n' "$1" | sed 's/:$//' | sed '/^$/d'
}

# expect_documented WHAT ACCEPTED DOCUMENTED WHERE: each of ACCEPTED is
# in DOCUMENTED.
expect_documented() {
	local what=$1 where=$4 f
	for f in $2; do
		if in_list "$f" "$3"; then
			pass "$what $f is in $where"
		else
			fail "$what $f is accepted but missing from $where"
		fi
	done
}

# expect_accepted WHAT DOCUMENTED ACCEPTED WHERE: the reverse.
expect_accepted() {
	local what=$1 where=$4 f
	for f in $2; do
		if in_list "$f" "$3"; then
			pass "$where: $what $f is accepted"
		else
			fail "$where documents $what $f, which is not accepted" \
			    "no parser in src/ knows it"
		fi
	done
}

# probe_flags WHAT SHORTS LONGS CMD...: each flag given to CMD with
# --help after it is not rejected as unknown by getopt.
probe_flags() {
	local what=$1 shorts=$2 longs=$3 f arg out
	shift 3
	for f in $shorts; do
		arg=
		case $f in *:) f=${f%:}; arg=x ;; esac
		out=$("$@" "$f$arg" --help 2>&1 >/dev/null)
		check_nomatch "$what $f is accepted by the built program" \
		    'invalid option|unrecognized option' "$out"
	done
	for f in $longs; do
		out=$("$@" "$f=x" --help 2>&1 >/dev/null)
		check_nomatch "$what $f is accepted by the built program" \
		    'invalid option|unrecognized option' "$out"
	done
}

# --- roostd and roostd.conf(5) -------------------------------------------

roostd_list=$("$ROOSTD" --list-options)
keys=$(awk '$1 == "key" { print $2 }' <<<"$roostd_list")
check_match "roostd --list-options: the config keys are found" '^listen$' \
    "$keys"
conf5_keys=$(man_tags "$MAN/roostd.conf.5" OPTIONS |
    awk '{ print $1 }' | sort -u)
check_match "roostd.conf.5: keys are found" '^listen$' "$conf5_keys"
etc_keys=$(sed -nE 's/^#? ?([a-z][a-z0-9-]*) = .*/\1/p' \
    "$top_srcdir/etc/roostd.conf" | sort -u)

roostd_longs=$(awk '$1 == "flag" && $2 ~ /^--/ { print $2 }' \
    <<<"$roostd_list" | sort -u)
roostd_shorts=$(awk '$1 == "flag" && $2 ~ /^-[^-]/ {
    print $2 (NF > 2 ? ":" : "") }' <<<"$roostd_list")
roostd_all=$(printf '%s\n%s\n' "$roostd_longs" "$(plain "$roostd_shorts")" |
    sed '/^$/d' | sort -u)
check_match "roostd --list-options: the flags are found" '^--config$' \
    "$roostd_longs"
probe_flags "roostd" "$roostd_shorts" "$roostd_longs" "$ROOSTD"

roostd8=$(man_section "$MAN/roostd.8" OPTIONS | flags_in)
roostd_help=$("$ROOSTD" --help | flags_in)

for k in $keys; do
	in_list "$k" "$conf5_keys" && pass "config key $k is in roostd.conf(5)" ||
	    fail "config key $k is accepted by roostd but not documented in man/roostd.conf.5" \
	    "add a .TP entry under OPTIONS"
	in_list "--$k" "$roostd_longs" &&
	    pass "config key $k is a roostd flag (--$k)" ||
	    fail "config key $k has no roostd flag --$k" \
	    "src/daemon/args.c makes one from each key of config_options[]"
	in_list "$k" "$etc_keys" && pass "config key $k is in etc/roostd.conf" ||
	    fail "config key $k is missing from the shipped etc/roostd.conf"
done
for k in $conf5_keys; do
	in_list "$k" "$keys" && pass "roostd.conf(5) key $k is a key of roostd --list-options" ||
	    fail "man/roostd.conf.5 documents key $k, which roostd does not accept"
	printf '%s = @@\n' "$k" >"$T/probe.conf"
	out=$("$ROOSTD" --check-config -c "$T/probe.conf" 2>&1)
	check_nomatch "roostd --check-config knows roostd.conf(5) key $k" \
	    "unknown option \"$k\"" "$out"
done
for k in $etc_keys; do
	in_list "$k" "$keys" || fail "etc/roostd.conf shows key $k, which roostd does not accept"
done

expect_documented "roostd flag" "$roostd_all" "$roostd8" \
    "roostd(8) OPTIONS"
expect_documented "roostd flag" "$roostd_all" "$roostd_help" "roostd --help"
expect_accepted "roostd flag" "$roostd8" "$roostd_all" "roostd(8) OPTIONS"
expect_accepted "roostd flag" "$roostd_help" "$roostd_all" "roostd --help"

# --- roost and roost(1) ---------------------------------------------------

# roost's commands and its own options, from src/client/main.c's dispatch
cmds=$(grep -oE 'strcmp\(cmd, *"[a-z][a-z0-9-]*"\)' "$CSRC/main.c" |
    sed -E 's/.*"(.*)".*/\1/' | sort -u)
top_opts=$( (grep -oE 'strcmp\([a-z_]+(\[[a-z0-9]+\])?, *"-[^"]*"\)' \
    "$CSRC/main.c" | sed -E 's/.*"(.*)".*/\1/'
    long_opts "$CSRC/main.c"; plain "$(short_opts "$CSRC/main.c")") |
    sort -u)
check_match "src/client/main.c: commands are found" '^trace$' "$cmds"
check_match "src/client/main.c: roost's own options are found" '^--version$' \
    "$top_opts"
roost_help=$("$ROOST" --help)
roost1=$(untroff <"$MAN/roost.1")

for c in $cmds; do
	for doc in "roost --help" "roost(1)"; do
		if [ "$doc" = "roost(1)" ]; then text=$roost1; else text=$roost_help; fi
		if printf '%s\n' "$text" | grep -Eq "(^|[^a-z-])$c([^a-z-]|\$)"; then
			pass "roost command $c is in $doc"
		else
			fail "roost command $c is dispatched by src/client/main.c but missing from $doc"
		fi
	done
done
expect_documented "roost option" "$top_opts" \
    "$(man_tags "$MAN/roost.1" OPTIONS roost | flags_in)" \
    "roost(1) OPTIONS, roost"
expect_documented "roost option" "$top_opts" "$(flags_in <<<"$roost_help")" \
    "roost --help"
expect_accepted "roost option" \
    "$(man_tags "$MAN/roost.1" OPTIONS roost | flags_in)" "$top_opts" \
    "roost(1) OPTIONS, roost"

# the commands that parse flags: each file prints "usage: roost CMD" for
# the commands it parses.  A file that serves several (cmd_control.c:
# stats, flush, dump, reload share one getopt table) must document each
# of its flags for at least one of them, and each command may document
# only flags the file accepts.
declare -A seen
for f in "$CSRC"/*.c; do
	case $f in */main.c) continue ;; esac
	grep -q 'getopt_long(' "$f" || [ -n "$(plus_opts "$f")" ] ||
	    [ -n "$(table_opts "$f")" ] || continue
	rel=src/client/${f##*/}
	mine=$(grep -oE '"usage: roost [a-z][a-z0-9-]*' "$f" |
	    sed 's/.* //' | sort -u)
	if [ -z "$mine" ]; then
		fail "$rel parses flags, for which roost command?" \
		    "it prints no \"usage: roost CMD\" line"
		continue
	fi
	shorts=$(short_opts "$f"; table_opts "$f" | grep -v '^--')
	longs=$( (long_opts "$f"; table_opts "$f" | grep '^--' |
	    sed 's/:$//') | sort -u)
	accepted=$(printf '%s\n%s\n%s\n' "$longs" "$(plain "$shorts")" \
	    "$(plus_opts "$f")" | sed '/^$/d' | sort -u)
	all_man='' all_help=''
	for c in $mine; do
		seen[$c]=1
		if ! in_list "$c" "$cmds"; then
			fail "$rel parses flags for roost $c, which src/client/main.c does not dispatch"
		fi
		probe_flags "roost $c" "$shorts" "$longs" "$ROOST" "$c"
		man=$(man_tags "$MAN/roost.1" OPTIONS "roost $c" | flags_in)
		help=$("$ROOST" "$c" --help | flags_in)
		all_man+=$'\n'$man
		all_help+=$'\n'$help
		expect_accepted "roost $c flag" "$man" "$accepted" \
		    "roost(1) OPTIONS, roost $c"
		expect_accepted "roost $c flag" "$help" "$accepted" \
		    "roost $c --help"
	done
	what="roost $(echo $mine | sed 's/ /|/g')"
	expect_documented "$what flag" "$accepted" \
	    "$(sed '/^$/d' <<<"$all_man" | sort -u)" "roost(1) OPTIONS, $what"
	expect_documented "$what flag" "$accepted" \
	    "$(sed '/^$/d' <<<"$all_help" | sort -u)" "$what --help"
done
# a man subsection for a command with no parser in src/ documents flags
# nobody accepts
for ss in $(sed -n 's/^\.SS "\{0,1\}roost \([a-z0-9-]*\)"\{0,1\}$/\1/p' \
    "$MAN/roost.1" | sort -u); do
	flags=$(man_tags "$MAN/roost.1" OPTIONS "roost $ss" | flags_in)
	[ -n "$flags" ] || continue
	[ -n "${seen[$ss]:-}" ] && continue
	fail "roost(1) documents flags for roost $ss [$(echo $flags)]" \
	    "but no src/client/*.c parses flags for roost $ss"
done

# --- rendering ------------------------------------------------------------

for page in "$MAN"/*.[0-9]; do
	out=$(groff -ww -z -man -Tutf8 "$page" 2>&1)
	check_eq "groff -ww -z -man ${page##*/}: no warnings" "" "$out"
	out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	check_eq "man --warnings -l ${page##*/}: no warnings" "" "$out"
done

finish
