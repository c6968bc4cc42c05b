export * from './events.js';
export * from './chats.js';
export * from './jobs.js';
export * from './materials.js';
export * from './org.js';
export * from './tasks.js';
export * from './schedules.js';
export * from './archive.js';
