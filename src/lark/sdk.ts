import { createRequire } from 'node:module';
import type * as LarkSdk from '@larksuiteoapi/node-sdk';
import type { AxiosStatic } from 'axios';

// The Lark SDK and axios are CommonJS, loaded here with require() rather than `import`. An ESM import of
// a CommonJS file makes Node first scan its whole source for export names, and the SDK is one 6 MB file:
// about 0.6 s of CPU at every start of the bot. An `import` of axios would also load axios's ESM build
// beside the CommonJS copy the SDK itself requires; require() shares that one copy.
const requireCjs = createRequire(import.meta.url);

export const lark = requireCjs('@larksuiteoapi/node-sdk') as typeof LarkSdk;
export const axios = requireCjs('axios') as AxiosStatic;
export type { LarkSdk };
