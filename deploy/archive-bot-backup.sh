#!/bin/sh
# Regular backup of 归档助手, run as root by deploy/archive-bot-backup.service (its timer: nightly).
# README.md → "Regular backups". What it does:
#  - on the embedded database (no DATABASE_URL in the settings file) it stops the bot first: the backup is
#    refused while the bot holds the data folder. The bot is ALWAYS started again afterwards (the trap below,
#    and the service's ExecStopPost should this script be killed), but only if it was running before.
#    On PostgreSQL the bot keeps running (pg_dump takes a consistent snapshot; needs postgresql-client).
#  - runs `npm run cli -- backup --out BACKUP_DIR/<date-time>` as the archive-bot user;
#  - after a usable backup (exit 0, or 3: done but some damaged files left out, see its DAMAGED.txt) removes
#    old backups, counting only COMPLETE ones (backup.json and no DAMAGED.txt): it keeps the newest KEEP
#    complete backups and every backup newer than the oldest of them. An incomplete backup lacks a damaged
#    file whose good copy is only in the older ones, so night after night of exit 3 removes nothing: the
#    newest complete backup (and everything after it) stays until KEEP complete backups follow it.
#    Each one is a FULL copy of the stored files (originals) plus the database: plan on KEEP x
#    (du -sh /var/lib/archive-bot) of space on the backup disk, more while backups stay incomplete.
# Exit code: the backup command's (0 done, 3 usable but incomplete, 1 failed, 2 usage), so the service shows
# failed and `systemctl list-units --failed` / the journal say so.
set -u

ENV_FILE=${ENV_FILE:-/etc/archive-bot/archive-bot.env}
APP_DIR=${APP_DIR:-/opt/archive-bot}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/archive-bot}
KEEP=${KEEP:-7}
SERVICE=${SERVICE:-archive-bot}
# Written before stopping the bot, removed once it is started again: the service's ExecStopPost starts the
# bot when it finds it (this script killed by a timeout before its trap ran).
MARKER=/run/archive-bot-backup.stopped-bot

log() { echo "archive-bot-backup: $*"; }

start_again() {
  if [ -e "$MARKER" ]; then
    log "starting $SERVICE again"
    systemctl start "$SERVICE" && rm -f "$MARKER"
  fi
}

if [ ! -r "$ENV_FILE" ]; then
  log "cannot read $ENV_FILE"
  exit 1
fi
if [ ! -d "$BACKUP_DIR" ]; then
  log "$BACKUP_DIR does not exist: install -d -o archive-bot -g archive-bot -m 750 $BACKUP_DIR"
  exit 1
fi

# Embedded database (PGlite): the bot must be stopped during the backup.
if ! grep -Eq '^[[:space:]]*DATABASE_URL=[^[:space:]]' "$ENV_FILE"; then
  if systemctl is-active --quiet "$SERVICE"; then
    trap start_again EXIT
    trap 'exit 1' INT TERM HUP
    touch "$MARKER"
    log "embedded database: stopping $SERVICE for the backup"
    systemctl stop "$SERVICE" || exit 1
  fi
fi

OUT="$BACKUP_DIR/$(date +%Y%m%d-%H%M%S)"
cd "$APP_DIR" || exit 1
runuser -u archive-bot -- node --env-file="$ENV_FILE" dist/cli/main.js backup --out "$OUT"
rc=$?
start_again

# A backup that finished (its manifest is written last) and left nothing out (no DAMAGED.txt).
complete() { [ -f "$1/backup.json" ] && [ -f "$1/manifest-sha256.txt" ] && [ ! -e "$1/DAMAGED.txt" ]; }

if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
  # Backups are folders named by date and time: the oldest sort first. Only complete backups count: the
  # KEEP-th newest complete one and everything after it stay, everything before it goes (fewer than KEEP
  # complete backups: nothing goes). An incomplete backup lacks a file only older backups hold intact.
  [ "$KEEP" -ge 1 ] 2>/dev/null || KEEP=1
  all=$(ls -1d "$BACKUP_DIR"/[0-9]*-[0-9]* 2>/dev/null | sort)
  whole=$(printf '%s\n' "$all" | while read -r b; do [ -n "$b" ] && complete "$b" && echo "$b"; done)
  if [ "$(printf '%s' "$whole" | grep -c .)" -ge "$KEEP" ]; then
    oldest_kept=$(printf '%s\n' "$whole" | tail -n "$KEEP" | head -n 1)
    printf '%s\n' "$all" | while read -r old; do
      [ "$old" = "$oldest_kept" ] && break
      log "removing old backup $old"
      rm -rf -- "$old"
    done
  fi
  if [ "$rc" -eq 3 ]; then
    log "backup usable but INCOMPLETE: see $OUT/DAMAGED.txt"
    newest=$(printf '%s\n' "$whole" | tail -n 1)
    if [ -n "$newest" ]; then
      log "the newest complete backup, $newest, still holds those files: it is kept until $KEEP complete backups follow it"
    else
      log "no complete backup here: no backup is removed until $KEEP complete ones are made"
    fi
  fi
else
  log "backup FAILED (exit $rc); older backups kept; the lines above say why"
fi
exit "$rc"
