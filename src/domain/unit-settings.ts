/** Per-unit switches an administrator sets with `npm run cli -- units set CODE key=value …`. */
export const UNIT_SETTING_KEYS = {
  reminders: '每日提醒和督办（on | off，对下级单位同样生效）',
  digest: '给本单位领导发周报（on | off）',
  digestChat: '周报发到领导群（群 chat_id，如 oc_xxx；off = 改回私信每位领导）',
  officialName: '单位正式名称（归档文件目录“责任者”的默认值，如 东村村民委员会；off = 用全宗名称或单位名称）',
} as const;

export type UnitSettingKey = keyof typeof UNIT_SETTING_KEYS;

/** What to merge into the settings, and which keys to remove. */
export interface UnitSettingsPatch {
  set: Record<string, unknown>;
  remove: string[];
}

const hasControl = (v: string) => Array.from(v).some((c) => c.charCodeAt(0) < 0x20);

const onOff = (key: string, v: string): boolean => {
  if (/^(on|true|yes|开|是)$/i.test(v)) return true;
  if (/^(off|false|no|关|否)$/i.test(v)) return false;
  throw new Error(`${key}=${v}：只能是 on 或 off`);
};

/** Parses `key=value` arguments; throws an Error naming the bad argument. */
export function parseUnitSettings(args: readonly string[]): UnitSettingsPatch {
  const patch: UnitSettingsPatch = { set: {}, remove: [] };
  if (args.length === 0) throw new Error('至少给出一个 key=value');
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1).trim() : '';
    if (!(key in UNIT_SETTING_KEYS))
      throw new Error(`未知设置 ${key}（可用：${Object.keys(UNIT_SETTING_KEYS).join('、')}）`);
    if (!value) throw new Error(`${key} 缺少值，写成 ${key}=…`);
    if (key === 'officialName') {
      if (/^(off|none|无)$/i.test(value)) patch.remove.push(key);
      else if (Array.from(value).length <= 60 && !hasControl(value)) patch.set[key] = value;
      else throw new Error(`officialName=${value}：单位名称不超过 60 个字`);
    } else if (key === 'digestChat') {
      if (/^(off|none|无)$/i.test(value)) patch.remove.push(key);
      else if (/^oc_[0-9A-Za-z_-]+$/.test(value)) patch.set[key] = value;
      else throw new Error(`digestChat=${value}：应为群的 chat_id（oc_ 开头）或 off`);
    } else patch.set[key] = onOff(key, value);
  }
  return patch;
}
