#!/usr/bin/env bash
# The demo service's start, stop and check commands: WebResponder.ps1 on this namespace's eth0 address, port 8080.
# usage: web-service.sh start|stop|check LAB_DIR
set -u
action=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
addr=$(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)
pidfile="$dir/web.$addr.pid"
listening() { (exec 3<>"/dev/tcp/$addr/8080") 2>/dev/null; }
case "$action" in
  start)
    listening && exit 0
    nohup dotnet "$(cat "$dir/pwsh.path")" -NoProfile -File "$here/WebResponder.ps1" -Address "$addr" -Node "$(cat "$dir/$addr.name")" > /dev/null 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 100); do listening && exit 0; sleep 0.1; done
    echo "the web responder did not start on $addr:8080" >&2; exit 1 ;;
  stop)
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"; exit 0 ;;
  check)
    listening ;;
  *) echo "usage: $0 start|stop|check LAB_DIR" >&2; exit 2 ;;
esac
