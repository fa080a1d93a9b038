#!/usr/bin/env bash
# A real Moodle 4.5 for `npm run test:lms` (see ../shared/lms/README.md for every measured step).
#
#   test/lms/moodle.sh up   LMS_DIR MOODLE_PORT PG_PORT   packages, code, database, install, serve
#   test/lms/moodle.sh down MOODLE_PORT PG_PORT           stop the server and the database, wipe the data
#
# `up` prints nothing on stdout but the Moodle code directory; progress goes to stderr.
# The code is extracted once under /tmp/compagnon-lms (about 500 MB) and reused while the archive
# is unchanged; the database and Moodle's data directory are new on every `up`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work=/tmp/compagnon-lms
log() { echo "moodle.sh: $(date -u +%T) $*" >&2; }
# max_input_vars: Moodle's installer refuses less than 5000; opcache: the CLI server compiles
# Moodle's thousands of files once instead of on every request.
PHP=(php -d max_input_vars=5000 -d opcache.enable_cli=1 -d memory_limit=512M)

packages=(php8.2-cli php8.2-pgsql php8.2-curl php8.2-xml php8.2-mbstring php8.2-zip php8.2-gd php8.2-intl php8.2-soap php8.2-opcache postgresql)

ensure_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} (apt, about 3 min)"
  { apt-get update -o Acquire::Retries=3 && DEBIAN_FRONTEND=noninteractive apt-get install -y -o Acquire::Retries=3 "${missing[@]}"; } </dev/null >&2
}

ensure_code() {
  local archive="$1" stamp
  stamp="$(stat -c '%s %Y' "$archive")"
  if [[ -f "$work/moodle/version.php" && "$(cat "$work/stamp" 2>/dev/null)" == "$stamp" ]]; then return 0; fi
  log "extracting $(basename "$archive") into $work"
  rm -rf "$work/moodle" "$work/stamp"
  mkdir -p "$work"
  tar xzf "$archive" -C "$work"
  # The archive was packed on Windows: its alternate-stream files are of no use.
  find "$work/moodle" -name '*:Zone.Identifier' -delete
  echo "$stamp" >"$work/stamp"
}

up() {
  local lms="$1" port="$2" pgport="$3"
  local data="$work/data-$port"
  ensure_packages
  ensure_code "$lms/moodle-4.5.tgz"
  down "$port" "$pgport" 2>/dev/null || true

  log "starting PostgreSQL on $pgport"
  bash "$root/.ci/pg.sh" start "$pgport" >/dev/null
  runuser -u postgres -- psql -q -h 127.0.0.1 -p "$pgport" -U postgres \
    -c "CREATE ROLE moodle LOGIN PASSWORD 'moodle'" \
    -c "CREATE DATABASE moodle OWNER moodle ENCODING 'UTF8' TEMPLATE template0" \
    -c "CREATE DATABASE compagnon" >&2

  log "installing Moodle (about a minute)"
  rm -f "$work/moodle/config.php"
  rm -rf "$data" && mkdir -p "$data"
  (cd "$work/moodle" && "${PHP[@]}" admin/cli/install.php --non-interactive --agree-license --lang=en \
    --wwwroot="http://localhost:$port" --dataroot="$data" --dbtype=pgsql --dbhost=127.0.0.1 --dbport="$pgport" \
    --dbname=moodle --dbuser=moodle --dbpass=moodle --prefix=mdl_ \
    --fullname="Moodle (Compagnon test)" --shortname=moodle --adminuser=admin --adminpass='Admin-pw-1' \
    --adminemail=admin@example.com --supportemail=admin@example.com) >"$work/install-$port.log" 2>&1 ||
    { tail -n 40 "$work/install-$port.log" >&2; log "install failed"; exit 1; }
  # Moodle refuses to call tools on loopback unless told otherwise (before lib/setup.php).
  sed -i "s#^require_once(__DIR__ . '/lib/setup.php');#\$CFG->curlsecurityblockedhosts = '';\n\$CFG->curlsecurityallowedport = '';\n&#" "$work/moodle/config.php"
  grep -q curlsecurityblockedhosts "$work/moodle/config.php" || { log "config.php was not patched"; exit 1; }

  log "provisioning the course, the teacher and two students"
  "${PHP[@]}" "$here/provision.php" "$work/moodle" >&2

  log "serving http://localhost:$port"
  # The built-in server's workers outlive their parent: a process group of its own, stopped whole.
  PHP_CLI_SERVER_WORKERS=4 setsid "${PHP[@]}" -S "127.0.0.1:$port" -t "$work/moodle" \
    >"$work/server-$port.log" 2>&1 </dev/null &
  echo $! >"$work/server-$port.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$port/login/index.php" && { echo "$work/moodle"; return 0; }
    sleep 0.2
  done
  log "the server did not answer"; tail -n 20 "$work/server-$port.log" >&2; exit 1
}

down() {
  local port="$1" pgport="$2" pid
  if [[ -f "$work/server-$port.pid" ]]; then
    pid="$(cat "$work/server-$port.pid")"
    kill -- "-$pid" 2>/dev/null || true
    rm -f "$work/server-$port.pid"
  fi
  bash "$root/.ci/pg.sh" destroy "$pgport" >/dev/null 2>&1 || true
  rm -rf "$work/data-$port"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) shift; down "$@" ;;
  *) echo "usage: $0 up LMS_DIR MOODLE_PORT PG_PORT | down MOODLE_PORT PG_PORT" >&2; exit 2 ;;
esac
