#!/usr/bin/env bash
# Stops what setup.sh started, by the pid files in $SAMPLE_WORK/run (nothing else), gracefully: nginx and
# php-fpm finish their requests (QUIT), MariaDB shuts down cleanly (TERM).
set -u
RUN=${SAMPLE_WORK:-${TMPDIR:-/tmp}/starrtc-sample}/run
stop() { # NAME SIGNAL
	local pid
	[ -s "$RUN/$1.pid" ] || { echo "[sample-server] $1: no pid file"; return; }
	pid=$(cat "$RUN/$1.pid")
	if kill "-$2" "$pid" 2> /dev/null; then
		for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2> /dev/null && { echo "[sample-server] $1 ($pid) still runs after 10 s"; return; }
		echo "[sample-server] $1 ($pid) stopped"
	else echo "[sample-server] $1 ($pid) was not running"; fi
	rm -f "$RUN/$1.pid"
}
stop nginx QUIT
stop php-fpm QUIT
stop mariadb TERM
