/**
 * What the IT person reads when neither holidays.yaml nor `chinese-days` has a year (the ops alert
 * 「节假日表缺少新一年的数据」 and the check-up): what the bot does meanwhile, and the two ways out.
 */
export function missingHolidaysText(year: number, thisYear: boolean, holidaysFile: string): string {
  return (
    `节假日表还没有 ${year} 年的数据：催办暂按周一到周五算工作日，只避开元旦、春节、清明、劳动节、端午、中秋、国庆的法定假日（估算），` +
    `调休和连休${thisYear ? '现在' : '到时'}都不算。` +
    `请按国务院办公厅《关于${year}年部分节假日安排的通知》填写 ${holidaysFile}（写法见程序目录的 config/holidays.example.yaml；没有这个文件就复制一份，并在 .env 写 HOLIDAYS_FILE=它的路径），` +
    `或等 chinese-days 发布含 ${year} 年的新版后在程序目录运行 npm update chinese-days；然后重启机器人。`
  );
}
