#!/usr/bin/env bash
# Private, throwaway PostgreSQL server for CI and benchmarks.
#
#   .ci/pg.sh start [PORT]   wipe + initdb + start; prints the URL (one line on stdout)
#   .ci/pg.sh stop  [PORT]   fast shutdown; silent no-op when not running
#   .ci/pg.sh destroy [PORT] stop, then delete the data directory (benchmarks)
#   .ci/pg.sh url   [PORT]   prints the URL
#
# PORT defaults to 55432. Data lives in /tmp/compagnon-pg-$PORT and is wiped on
# every start. Server binaries come from Debian's /usr/lib/postgresql/N/bin
# (the `postgresql` package is installed with apt when none is present).
# Everything except the URL goes to stderr; nothing is printed on success.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|destroy|url [PORT]" >&2
  exit 2
}

cmd="${1:-}"
port="${2:-55432}"
[[ -n "$cmd" ]] || usage
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "pg.sh: invalid port: $port" >&2
  exit 2
fi

datadir="/tmp/compagnon-pg-$port"
url="postgres://postgres@127.0.0.1:$port/postgres"

log() { echo "pg.sh: $*" >&2; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a PostgreSQL tool as the postgres user: initdb and pg_ctl refuse to run
# as root. When not root, run as the current user (they accept any non-root user).
as_pg() {
  # 9>&-: do not leak the lock fd into the long-running postmaster.
  if is_root; then
    (cd / && runuser -u postgres -- "$@") 9>&-
  else
    (cd / && "$@") 9>&-
  fi
}

# Highest-version directory under /usr/lib/postgresql that has the server binaries.
find_bindir() {
  local d best=""
  while IFS= read -r d; do
    if [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
      best="$d"
    fi
  done < <(shopt -s nullglob; printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  [[ -n "$best" ]] && echo "$best"
}

ensure_server_binaries() {
  if bindir="$(find_bindir)"; then
    return 0
  fi
  if ! is_root; then
    log "no PostgreSQL server under /usr/lib/postgresql and not root: install the 'postgresql' package"
    exit 1
  fi
  log "installing Debian's postgresql package (one-time)"
  local out
  out="$(mktemp)"
  if ! { apt-get update -o Acquire::Retries=3 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o Acquire::Retries=3 postgresql; } </dev/null >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    log "apt-get install postgresql failed"
    exit 1
  fi
  rm -f "$out"
  bindir="$(find_bindir)" || {
    log "postgresql installed but no server binaries found under /usr/lib/postgresql/*/bin"
    exit 1
  }
}

ensure_pg_user() {
  is_root || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating system user postgres"
    useradd --system --no-create-home --home-dir /var/lib/postgresql \
      --shell /usr/sbin/nologin postgres
  fi
}

# PIDs of postmasters started for our data directory (works even if the data
# directory was already deleted): a postgres process whose argv has "-D <datadir>".
postmaster_pids() {
  local p args
  for p in /proc/[0-9]*; do
    [[ -r "$p/cmdline" ]] || continue
    args="$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null)" || continue
    [[ "$(head -n1 <<<"$args")" == */postgres ]] || continue
    if grep -qxF -- "$datadir" <<<"$args"; then
      # only the postmaster itself, not its children (their parent is the postmaster)
      local ppid_cmd
      ppid_cmd="$(tr '\0' ' ' <"/proc/$(awk '{print $4}' "$p/stat")/cmdline" 2>/dev/null || true)"
      if [[ "$ppid_cmd" != *"$datadir"* ]]; then
        echo "${p#/proc/}"
      fi
    fi
  done
}

stop_server() {
  local bd pids pid i
  if [[ -f "$datadir/postmaster.pid" ]]; then
    bd="$(find_bindir || true)"
    if [[ -n "$bd" ]]; then
      as_pg "$bd/pg_ctl" stop -D "$datadir" -m fast -w -t 60 >/dev/null 2>&1 || true
    fi
  fi
  # Leftover postmaster whose data dir or pid file is gone: signal it by PID
  # (SIGINT = fast shutdown), then SIGKILL if it does not go away.
  pids="$(postmaster_pids)"
  [[ -n "$pids" ]] || return 0
  for pid in $pids; do
    log "stopping leftover postmaster pid $pid for $datadir"
    kill -INT "$pid" 2>/dev/null || true
  done
  for ((i = 0; i < 60; i++)); do
    pids="$(postmaster_pids)"
    [[ -n "$pids" ]] || return 0
    sleep 0.5
  done
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  sleep 1
}

port_in_use() {
  # bash's /dev/tcp: succeeds if something accepts connections on the port
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

have_c_utf8() {
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'
}

fresh_datadir() {
  rm -rf "$datadir"
  mkdir -p "$datadir"
  chmod 700 "$datadir"
  if is_root; then chown postgres:postgres "$datadir"; fi
}

run_initdb() {
  local locale="$1" out
  out="$(mktemp)"
  if as_pg "$bindir/initdb" -D "$datadir" -A trust -U postgres --encoding=UTF8 \
    --locale="$locale" >"$out" 2>&1; then
    rm -f "$out"
    return 0
  fi
  initdb_output="$(cat "$out")"
  rm -f "$out"
  return 1
}

start() {
  ensure_server_binaries
  ensure_pg_user

  # Serialize concurrent start/stop on the same port.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"/tmp/compagnon-pg-$port.lock"
    flock -w 120 9 || { log "timed out waiting for lock on port $port"; exit 1; }
  fi

  stop_server
  if port_in_use; then
    log "port $port is already in use by something that is not our server ($datadir)"
    exit 1
  fi

  fresh_datadir
  initdb_output=""
  local ok=0
  if have_c_utf8 && run_initdb C.UTF-8; then
    ok=1
  else
    [[ -n "$initdb_output" ]] && log "initdb with --locale=C.UTF-8 failed, retrying with --locale=C"
    fresh_datadir
    if run_initdb C; then ok=1; fi
  fi
  if ((ok == 0)); then
    echo "$initdb_output" >&2
    log "initdb failed"
    exit 1
  fi

  # fsync=off: this cluster holds throwaway CI/benchmark data only and is wiped
  # on every start, so crash safety is worthless here; never do this for real data.
  if ! as_pg "$bindir/pg_ctl" start -D "$datadir" -w -t 60 -l "$datadir/log" \
    -o "-p $port -k $datadir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null 2>&1; then
    log "pg_ctl start failed; server log follows"
    tail -n 50 "$datadir/log" >&2 2>/dev/null || true
    exit 1
  fi
  echo "$url"
}

case "$cmd" in
  start) start ;;
  stop)
    if command -v flock >/dev/null 2>&1; then
      exec 9>"/tmp/compagnon-pg-$port.lock"
      flock -w 120 9 || true
    fi
    stop_server
    ;;
  destroy)
    if command -v flock >/dev/null 2>&1; then
      exec 9>"/tmp/compagnon-pg-$port.lock"
      flock -w 120 9 || true
    fi
    stop_server
    rm -rf "$datadir"
    ;;
  url) echo "$url" ;;
  *) usage ;;
esac
