#!/bin/sh
# Regular backup of 归档助手, run as root by deploy/archive-bot-backup.service (its timer: nightly).
# README.md → "Regular backups". What it does:
#  - on the embedded database (no DATABASE_URL in the settings file) it stops the bot first: the backup is
#    refused while the bot holds the data folder. The bot is ALWAYS started again afterwards (the trap below,
#    and the service's ExecStopPost should this script be killed), but only if it was running before.
#    On PostgreSQL the bot keeps running (pg_dump takes a consistent snapshot; needs postgresql-client).
#  - runs `npm run cli -- backup --out BACKUP_DIR/<date-time>` as the archive-bot user;
#  - after a usable backup (exit 0, or 3: done but some damaged files left out, see its DAMAGED.txt) keeps only
#    the newest KEEP backups. Each one is a FULL copy of the stored files (originals) plus the database:
#    plan on KEEP x (du -sh /var/lib/archive-bot) of space on the backup disk.
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

if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
  # Backups are folders named by date and time: the oldest sort first. Keep the newest KEEP.
  ls -1d "$BACKUP_DIR"/[0-9]*-[0-9]* 2>/dev/null | sort | head -n "-$KEEP" | while read -r old; do
    log "removing old backup $old"
    rm -rf -- "$old"
  done
  [ "$rc" -eq 3 ] && log "backup usable but INCOMPLETE: see $OUT/DAMAGED.txt"
else
  log "backup FAILED (exit $rc); older backups kept; the lines above say why"
fi
exit "$rc"
