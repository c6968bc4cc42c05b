/** Where the county's holidays.yaml is (HOLIDAYS_FILE), as the advice needs it. */
export interface HolidayFilePlace {
  path: string;
  /** The default config/holidays.yaml, or another path inside the program's folder: an upgrade may lose it. */
  inProgramFolder: boolean;
}

/** Where README (HOLIDAYS_FILE, Year end) keeps the county's holidays.yaml on a server set up as a service. */
export const SERVICE_HOLIDAYS_FILE = '/etc/archive-bot/holidays.yaml';

/**
 * How to write a year into the county's holidays.yaml, as README says (Year end): in the file
 * HOLIDAYS_FILE names when that is outside the program's folder; otherwise a copy of
 * config/holidays.example.yaml out of it (a server: /etc/archive-bot/holidays.yaml), named by
 * HOLIDAYS_FILE, so an upgrade does not lose it.
 */
export function holidayFileAdvice(year: number, file: HolidayFilePlace): string {
  const notice = `按国务院办公厅《关于${year}年部分节假日安排的通知》`;
  return file.inProgramFolder
    ? `把程序目录的 config/holidays.example.yaml 复制到程序目录以外（程序目录里的文件升级时可能丢失；服务器上是 ${SERVICE_HOLIDAYS_FILE}，` +
        `电脑上放在程序目录旁的 archive-bot-settings 文件夹），${notice}填写 ${year} 年，` +
        `并写 HOLIDAYS_FILE=它的路径（服务器写在 /etc/archive-bot/archive-bot.env，电脑写在 .env）`
    : `${notice}填写 ${file.path}（写法见程序目录的 config/holidays.example.yaml；还没有这个文件就把它复制过去）`;
}

/**
 * What the IT person reads when neither holidays.yaml nor `chinese-days` has a year (the ops alert
 * 「节假日表缺少新一年的数据」 and the check-up): what the bot does meanwhile, and the two ways out.
 */
export function missingHolidaysText(year: number, thisYear: boolean, file: HolidayFilePlace): string {
  return (
    `节假日表还没有 ${year} 年的数据：催办暂按周一到周五算工作日，只避开元旦、春节、清明、劳动节、端午、中秋、国庆的法定假日（估算），` +
    `调休和连休${thisYear ? '现在' : '到时'}都不算。` +
    `请${holidayFileAdvice(year, file)}，` +
    `或等 chinese-days 发布含 ${year} 年的新版后在程序目录运行 npm update chinese-days；然后重启机器人。`
  );
}
