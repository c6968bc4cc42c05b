import type { Config } from './config.js';
import type { WebSignInSettings } from './domain/web-sign-in-note.js';

/** What webSignInNote needs from the configuration: the file to edit is the first one read (the service's). */
export const webSignInSettings = (config: Config): WebSignInSettings => ({
  publicUrl: config.web.publicUrl,
  host: config.host,
  port: config.port,
  settingsFile: config.envFiles?.[0],
});
