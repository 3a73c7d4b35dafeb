#!/usr/bin/env bash
# StarRTC's sample AEC server (server-api/server-api-php of github.com/starrtc/starrtc-server: PHP +
# MySQL) on this machine, loopback only, as the other side of `npm run bench -- --url`,
# test/compat/demo-urls.mjs and test/import/make-fixture.ts. Nothing from StarRTC is stored in the
# project: the PHP code is extracted from the git dir at each start. docs/testing.md "The sample server".
#
#   STARRTC_SERVER_GIT=<git dir of starrtc-server> test/sample-server/setup.sh [--install]
#   -> http://127.0.0.1:8088/eventCenter.php (and group/list.php, group/members.php beside it)
#   test/sample-server/stop.sh
#
# Runs as root (php-fpm and nginx workers run as www-data, MariaDB as mysql). Needs Debian's php-fpm,
# php-mysql, mariadb-server and nginx; --install installs whichever is missing with apt-get.
# Settings: SAMPLE_WORK (code, database, logs, pid files; default ${TMPDIR:-/tmp}/starrtc-sample),
# SAMPLE_HTTP_PORT (8088), SAMPLE_DB_PORT (3307), SAMPLE_FPM_CHILDREN (8), SAMPLE_RESET_DB (1: load the
# sample's schema afresh; 0: keep the data of the last run), STARRTC_REF (HEAD).
# The database account the PHP code uses is starrtc / starrtc-bench on 127.0.0.1:$SAMPLE_DB_PORT, database
# starRTC_private (what bench/import.ts and make-fixture.ts take as --mysql).
set -euo pipefail
: "${STARRTC_SERVER_GIT:?set STARRTC_SERVER_GIT to a git dir of github.com/starrtc/starrtc-server}"
REF=${STARRTC_REF:-HEAD}
WORK=${SAMPLE_WORK:-${TMPDIR:-/tmp}/starrtc-sample}
HTTP_PORT=${SAMPLE_HTTP_PORT:-8088}
DB_PORT=${SAMPLE_DB_PORT:-3307}
FPM_CHILDREN=${SAMPLE_FPM_CHILDREN:-8}
DB_USER=starrtc DB_PASS=starrtc-bench
log() { echo "[sample-server] $*"; }
# The daemons started below outlive this script and would keep every descriptor it inherited, such as
# the lock of a `flock LOCKFILE setup.sh` around it (holding that lock until stop.sh): close them all
# (but bash's own, 255, from which it reads this script).
for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ] && eval "exec $fd>&-"; done
[ "$(id -u)" = 0 ] || { echo "run setup.sh as root: it starts php-fpm and nginx as www-data and MariaDB as mysql" >&2; exit 1; }

# ---- packages
missing=()
ls /usr/sbin/php-fpm* > /dev/null 2>&1 || missing+=(php-fpm)
php -r 'exit(extension_loaded("pdo_mysql") ? 0 : 1);' > /dev/null 2>&1 || missing+=(php-mysql)
command -v mariadbd > /dev/null || missing+=(mariadb-server)
command -v nginx > /dev/null || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
	[ "${1:-}" = --install ] || { echo "missing: ${missing[*]}; install them (apt-get install ${missing[*]}) or pass --install" >&2; exit 1; }
	log "installing ${missing[*]}"
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
FPM=$(ls /usr/sbin/php-fpm* | sort -V | tail -1)
PHP_INI=/etc/php/${FPM#/usr/sbin/php-fpm}/fpm/php.ini   # Debian's, with OPcache on

# ---- layout: everything under $WORK; run/ holds the three pid files stop.sh reads
RUN=$WORK/run
for f in mariadb php-fpm nginx; do
	if [ -s "$RUN/$f.pid" ] && kill -0 "$(cat "$RUN/$f.pid")" 2> /dev/null; then echo "$f already runs ($RUN/$f.pid): stop.sh first" >&2; exit 1; fi
done
mkdir -p "$WORK"/{src,run,log,db,nginx/tmp}
chmod 755 "$WORK" "$WORK/src"                                  # www-data and mysql walk through it
chown root:mysql "$RUN" "$WORK/log"; chmod 775 "$RUN" "$WORK/log"   # mariadbd writes its socket and log

# ---- the PHP code, extracted afresh
APP_REL=server-api/server-api-php APP=$WORK/src/server-api/server-api-php
rm -rf "$WORK/src/server-api"
# The snapshot has an unreadable blob elsewhere in its tree, so git archive ends non-zero; this
# directory still comes out whole (counted below).
(git --git-dir "$STARRTC_SERVER_GIT" archive "$REF" "$APP_REL" 2> /dev/null || true) | tar -x -C "$WORK/src"
want=$(git --git-dir "$STARRTC_SERVER_GIT" ls-tree -r --name-only "$REF" "$APP_REL" | wc -l)
got=$(cd "$WORK/src" && find "$APP_REL" -type f | wc -l)
[ "$got" = "$want" ] || { echo "extracted $got of $want files of $APP_REL" >&2; exit 1; }
log "extracted $APP_REL at $(git --git-dir "$STARRTC_SERVER_GIT" rev-parse --short "$REF")"

# Configuration (config.php, 5 lines): our database (host/port go into the PDO DSN as "host=<value>"),
# its account, and the log file. Each line must change, or upstream moved and this set-up is wrong.
cp "$APP/config.php" "$APP/config.php.orig"
sed -i -e "s|define('writeServer',  'localhost')|define('writeServer',  '127.0.0.1;port=$DB_PORT')|" \
	-e "s|define('readServer',   'localhost')|define('readServer',   '127.0.0.1;port=$DB_PORT')|" \
	-e "s|define('username',     'root')|define('username',     '$DB_USER')|" \
	-e "s|define('password',     'password')|define('password',     '$DB_PASS')|" \
	-e "s|define('log_file',  \$api_config_dir . '/log.txt')|define('log_file',  '$WORK/log/aec.log')|" "$APP/config.php"
[ "$(diff "$APP/config.php.orig" "$APP/config.php" | grep -c '^>')" = 5 ] || { echo "config.php: not all 5 lines changed; upstream changed?" >&2; exit 1; }
touch "$WORK/log/aec.log"; chown www-data:www-data "$WORK/log/aec.log"
# The one code change, for PHP >= 7.4 (Debian 12 has 8.2): group_create.php:26 reads $ret['ret'] of an int.
# PHP <= 7.3 read that as NULL silently (the result ignored); 8.x warns once per member, and config.php
# forces display_errors=On, so every create answer would start with HTML warnings. The change keeps
# the old behaviour (the result still ignored) without the warning.
GC=$APP/include/group_create.php
cp "$GC" "$GC.orig"
sed -i "26s/if(\$ret\['ret'\] != 0){/if(is_array(\$ret) \&\& \$ret['ret'] != 0){/" "$GC"
[ "$(diff "$GC.orig" "$GC" | grep -c '^>')" = 1 ] || { echo "group_create.php: the line-26 change did not apply" >&2; exit 1; }
# Left as is: save_user() queries a `users` table the shipped schema lacks; the sample catches the error.

# ---- MariaDB: its own datadir and port; /etc/mysql is ignored (--defaults-file)
cat > "$WORK/my.cnf" << EOF
[mariadbd]
datadir=$WORK/db/data
socket=$RUN/mariadb.sock
pid-file=$RUN/mariadb.pid
port=$DB_PORT
bind-address=127.0.0.1
skip-name-resolve
log-error=$WORK/log/mariadb.err
user=mysql
EOF
chown -R mysql:mysql "$WORK/db"
[ -d "$WORK/db/data/mysql" ] || { log "initialising the datadir"; mariadb-install-db --defaults-file="$WORK/my.cnf" --skip-test-db > /dev/null; }
log "MariaDB on 127.0.0.1:$DB_PORT"
nohup mariadbd --defaults-file="$WORK/my.cnf" > /dev/null 2>&1 &
for _ in $(seq 1 60); do mariadb-admin --socket="$RUN/mariadb.sock" -uroot ping > /dev/null 2>&1 && break; sleep 0.5; done
sql() { mariadb --socket="$RUN/mariadb.sock" -uroot "$@"; }
if [ "${SAMPLE_RESET_DB:-1}" = 1 ]; then
	log "loading the sample's schema (starRTC_private.sql) into a fresh database"
	sql -e "DROP DATABASE IF EXISTS starRTC_private; CREATE DATABASE starRTC_private DEFAULT CHARSET utf8;"
	sql starRTC_private < "$APP/starRTC_private.sql"
fi
sql -e "CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
	GRANT ALL ON starRTC_private.* TO '$DB_USER'@'127.0.0.1'; FLUSH PRIVILEGES;"

# ---- php-fpm: a static pool (a fixed number of workers, like a sized production set-up)
cat > "$WORK/php-fpm.conf" << EOF
[global]
pid = $RUN/php-fpm.pid
error_log = $WORK/log/php-fpm.log
daemonize = yes
[aec]
user = www-data
group = www-data
listen = $RUN/php-fpm.sock
listen.owner = www-data
listen.group = www-data
listen.backlog = 511
pm = static
pm.max_children = $FPM_CHILDREN
catch_workers_output = yes
EOF
log "$FPM, $FPM_CHILDREN workers"
"$FPM" --fpm-config "$WORK/php-fpm.conf" -c "$PHP_INI"

# ---- nginx in front, access log off (it would cost the sample time the bench measures)
cat > "$WORK/nginx/nginx.conf" << EOF
user www-data;
worker_processes auto;
pid $RUN/nginx.pid;
error_log $WORK/log/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx/tmp/body;
	proxy_temp_path $WORK/nginx/tmp/proxy;
	fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
	uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
	scgi_temp_path $WORK/nginx/tmp/scgi;
	keepalive_requests 100000;
	client_max_body_size 16m;
	client_body_buffer_size 1m;   # a create of 20,000 members stays in memory, as the bench measured it
	server {
		listen 127.0.0.1:$HTTP_PORT;
		root $APP;
		location ~ \.php\$ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
			fastcgi_pass unix:$RUN/php-fpm.sock;
			fastcgi_read_timeout 300s;   # the bench's largest creates take the sample minutes
		}
	}
}
EOF
nginx -q -t -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/"
log "nginx on 127.0.0.1:$HTTP_PORT"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/"

URL=http://127.0.0.1:$HTTP_PORT/eventCenter.php
for _ in $(seq 1 20); do [ -s "$RUN/nginx.pid" ] && [ -s "$RUN/php-fpm.pid" ] && break; sleep 0.2; done
answer=$(curl -sS --max-time 5 --data-urlencode 'data={"action":"AEC_GROUP_SYNC_ALL","groupId":"1"}' "$URL" || true)
log "a SYNC_ALL of an unknown group answers $answer (the sample's error body is {\"status\":\"0\",\"data\":10001})"
log "pids (for bench --url-pids): $(cat "$RUN/mariadb.pid"),$(cat "$RUN/php-fpm.pid"),$(cat "$RUN/nginx.pid")"
log "AEC URL: $URL"
