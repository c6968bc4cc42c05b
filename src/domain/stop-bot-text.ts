/**
 * How to stop the bot, both ways README installs it: as the service (systemd) or in a window with
 * `npm start` (a PC). Only `systemctl stop` was said, to a county that ran `npm start` and has no service.
 */
export const STOP_BOT_WAYS =
  '作为服务运行的：sudo systemctl stop archive-bot；用 npm start 启动的：关掉运行它的窗口，或在那个窗口里按 Ctrl+C';
