#!/usr/bin/env bash
# The shell completion, generated from the options table: sourced in bash,
# the completion function (asked as bash asks it, COMP_WORDS/COMP_CWORD)
# offers every option of --help, the values of --tls, --quit-after and
# --completion, the themes the program finds (a user's own included) for
# --theme, file names for FILE values and nothing for a free value; make
# install puts both scripts where bash-completion and zsh look. zsh: the
# script parses and hands _arguments a spec per option.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose, and the variables only it reads are used.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/mailflow-completion.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp

"$MAILFLOW" --completion bash >"$tmp/mailflow.bash"
check "--completion bash prints a script" '[ -s "$tmp/mailflow.bash" ] && bash -n "$tmp/mailflow.bash"'
# shellcheck source=/dev/null
. "$tmp/mailflow.bash"
check "sourcing it registers the function for mailflow" \
	'complete -p mailflow 2>/dev/null | grep -q -- "-F _mailflow"'

# comp WORD...: what the completion offers for the last word, one a line.
comp() {
	COMP_WORDS=("$MAILFLOW" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_mailflow
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}

check "--th completes to --theme" '[ "$(comp --th)" = --theme ]'
check "--rep completes to --report" '[ "$(comp --rep)" = --report ]'
check "--nag completes to --nagios" '[ "$(comp --nag)" = --nagios ]'
# Every option --help shows is offered after "--".
"$MAILFLOW" --help | grep -oE '^ +(-[A-Za-z0-9], )?--[a-z0-9-]+(, --[a-z0-9-]+)?' |
	grep -oE -- '--[a-z0-9-]+' | sort -u >"$tmp/help"
comp -- | sort -u >"$tmp/offered"
missing=$(comm -23 "$tmp/help" "$tmp/offered" | tr '\n' ' ')
check "every option of --help is offered ($(wc -l <"$tmp/help") of them)${missing:+; missing: $missing}" \
	'[ "$(wc -l <"$tmp/help")" -gt 40 ] && [ -z "$missing" ]'
check "short options are offered too" 'comp - | grep -qx -- -s && comp - | grep -qx -- -f'

themes=$(comp --theme "" | tr '\n' ' ')
check "--theme offers the themes ($themes)" '[ "$themes" = "default high-contrast light mono " ]'
check "--theme h offers high-contrast" '[ "$(comp --theme h)" = high-contrast ]'
mkdir -p "$XDG_CONFIG_HOME/mailflow/themes"
printf 'name "Mine"\n' >"$XDG_CONFIG_HOME/mailflow/themes/mine.theme"
check "--theme offers a user's own theme" 'comp --theme m | grep -qx mine && comp --theme m | grep -qx mono'
check "--list-themes lists the same" '"$MAILFLOW" --list-themes | grep -qx mine'

check "--tls offers auto require off" '[ "$(comp --tls "" | tr "\n" " ")" = "auto require off " ]'
check "--quit-after r offers rcpt" '[ "$(comp --quit-after r)" = rcpt ]'
check "--completion offers bash and zsh" '[ "$(comp --completion "" | tr "\n" " ")" = "bash zsh " ]'
touch "$tmp/domains.txt" "$tmp/report.html"
check "-f completes file names" '[ "$(comp -f "$tmp/dom")" = "$tmp/domains.txt" ]'
check "--report completes file names" '[ "$(comp --report "$tmp/rep")" = "$tmp/report.html" ]'
check "--dns has no words to offer (a value of the user's own)" '[ -z "$(comp --dns "")" ]'
check "--completion fish is refused" '! "$MAILFLOW" --completion fish >/dev/null 2>&1'

# zsh: it parses; a stub _arguments shows the specs it would get.
"$MAILFLOW" --completion zsh >"$tmp/_mailflow"
if ! command -v zsh >/dev/null 2>&1; then
	skip "zsh completion" "no zsh (make deps installs it)"
else
	check "zsh: the script parses" 'zsh -n "$tmp/_mailflow"'
	# shellcheck disable=SC2016  # zsh code, expanded by zsh
	specs=$(zsh -fc '_arguments() { print -rl -- "$@" }; words=("$1"); source "$2"' zsh \
		"$MAILFLOW" "$tmp/_mailflow")
	check "zsh: --theme asks the program for the themes" \
		'grep -qx -- "--theme\[TUI colours (default, light, high-contrast, mono)\]:theme:_mailflow_themes" <<<"$specs"'
	check "zsh: --tls offers its words" 'grep -q -- "^--tls\[.*\]:value:(auto require off)$" <<<"$specs"'
	check "zsh: a spec per option of --help" \
		'[ -z "$(comm -23 "$tmp/help" <(grep -oE -- "^--[a-z0-9-]+" <<<"$specs" | sort -u))" ]'
	# shellcheck disable=SC2016
	zthemes=$(zsh -fc 'compadd() { shift; print -rl -- ${(P)1} }; _arguments() { :; };
		source "$2"; words=("$1"); _mailflow_themes' zsh "$MAILFLOW" "$tmp/_mailflow" | tr '\n' ' ')
	check "zsh: the themes it offers ($zthemes)" '[ "$zthemes" = "default high-contrast light mine mono " ]'
fi

# make install: where bash-completion and zsh look (a scratch prefix).
if make -s install PREFIX="$tmp/usr" BUILD="$BUILD" >"$tmp/install.log" 2>&1; then
	check "make install puts the bash completion in PREFIX/share/bash-completion/completions" \
		'cmp -s "$tmp/usr/share/bash-completion/completions/mailflow" "$tmp/mailflow.bash"'
	check "make install puts the zsh completion in PREFIX/share/zsh/vendor-completions" \
		'cmp -s "$tmp/usr/share/zsh/vendor-completions/_mailflow" "$tmp/_mailflow"'
else
	nok "make install failed: $(tail -3 "$tmp/install.log")"
fi
