/** The exact chat command that exports a unit's year again: 「导出 城关村 2026」. */
export const exportAgainCommand = (unitName: string, year: number) => `导出 ${unitName} ${year}`;

/**
 * A command as it is sent where it is said: in a work group the bot must be mentioned
 * (「@归档助手 导出 城关村 2026」), in a direct chat with the bot it is the command alone.
 */
export const sentAs = (command: string, where: 'group' | 'direct') =>
  where === 'group' ? `@归档助手 ${command}` : command;
