/** Thousands separated: 10234 → 「10,234」. */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * Bytes in the largest unit that keeps a figure of at least 1 (1024-based, one decimal): 「1.9 GB」; a
 * package's size, and the chat upload limit the 导出 and 四性检测 answers name (「上限 1.0 KB」, never 「0.0 MB」).
 */
export function sizeText(bytes: number): string {
  const units = ['KB', 'MB', 'GB', 'TB'];
  if (bytes < 1024) return `${bytes} 字节`;
  let v = bytes / 1024;
  let i = 0;
  while (Number(v.toFixed(1)) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * A package's recorded size, plainly: 「共 1.9 GB，10,234 个文件」; undefined when it was not recorded (a
 * package written before sizes were kept).
 */
export function packageSizeText(size: { bytes: number | null; files: number | null }): string | undefined {
  if (size.bytes === null || size.files === null) return undefined;
  return `共 ${sizeText(size.bytes)}，${grouped(size.files)} 个文件`;
}
