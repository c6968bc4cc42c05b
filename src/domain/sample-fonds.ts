/**
 * The shipped config/archive.yaml's sample 全宗 (`A182 某县人民政府办公室`). A 件号 once confirmed is
 * never reused, so confirming under it would stamp a made-up 全宗号 on records for good: every path
 * that gives 档号 refuses while a unit's items would fall to it (archive.yaml's top `fonds`, its name
 * still the sample's; a county that kept the code but wrote its real name is fine).
 */
export const SAMPLE_FONDS_NAME = '某县人民政府办公室';

/** Whether archive.yaml's top `fonds` is still the shipped sample (by its name, as the doctor warns). */
export const isSampleFonds = (fonds: { name: string }) => fonds.name === SAMPLE_FONDS_NAME;

/**
 * The refusal: nothing numbered, and what the system administrator does — archive.yaml's 全宗号 and
 * 全宗名称 from the county archive (read at the bot's start: restart it), or the unit's own fonds
 * with `units fonds` (read at each confirmation: no restart).
 */
export function sampleFondsRefusalText(fonds: { code: string; name: string }, unitCode: string): string {
  return (
    `没有编任何档号：档案设置 archive.yaml 里的全宗还是示例（${fonds.code} ${fonds.name}），` +
    '档号一经确认永不改号。请系统管理员任选一种办法改好后再确认归档：\n' +
    '1. 按县档案馆给定的全宗号、全宗名称改 archive.yaml 的 fonds（code、name），再重启机器人；\n' +
    `2. 给本单位设全宗：npm run cli -- units fonds ${unitCode} code=全宗号 name=全宗名称`
  );
}
