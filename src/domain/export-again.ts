/** The exact chat command that exports a unit's year again: 「导出 城关村 2026」. */
export const exportAgainCommand = (unitName: string, year: number) => `导出 ${unitName} ${year}`;

/**
 * A command as it is sent where it is said: in a work group the bot must be mentioned
 * (「@归档助手 导出 城关村 2026」), in a direct chat with the bot it is the command alone.
 */
export const sentAs = (command: string, where: 'group' | 'direct') =>
  where === 'group' ? `@归档助手 ${command}` : command;

/** Where a command is answered: a direct chat with the bot (Lark's `p2p`), else a group. */
export const chatWhere = (chatType: string | undefined): 'group' | 'direct' =>
  chatType === 'p2p' ? 'direct' : 'group';

/**
 * The exact chat command that confirms a unit's year (its 件 get 档号): 「确认归档 城关村 2026」, or one
 * task of it: 「确认归档 城关村 2026 C03」.
 */
export const confirmCommandText = (unitName: string, year: number | undefined, taskCode?: string) =>
  `确认归档 ${unitName}${year ? ` ${year}` : ''}${taskCode ? ` ${taskCode}` : ''}`;

/** 「城关村2026年度还没有确认归档的材料」, for a command that needs confirmed 件 (导出, 四性检测). */
export const nothingConfirmedText = (unitName: string, year: number | undefined) =>
  `${unitName}${year ? `${year}年度` : ''}还没有确认归档的材料`;
