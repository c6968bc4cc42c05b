/** A number as Excel shows a long one in a 常规 (General) cell: 5.30521E+11, 1.38E+10. */
const SCIENTIFIC = /^[+-]?\d+(\.\d+)?E[+-]?\d+$/i;

/**
 * What to do about a code or mobile that reads like Excel's scientific notation. Excel shows a long
 * number that way and saves it so into a CSV: the digits after the first few are gone, so only the
 * source can be mended. `workbook`: the import also reads an .xlsx (the people table; the units and
 * households imports read CSV only, so they are not told to send one). Empty for any other value.
 */
export function excelNumberHint(value: string, o: { workbook: boolean }): string {
  if (!SCIENTIFIC.test(value.trim())) return '';
  const mend = o.workbook ? '重新填好再存，或直接导入 .xlsx 文件' : '重新填好再存为 CSV';
  return `（这是 Excel 把长数字显示成的科学计数法，存成 CSV 时后面的数字已经丢了：在 Excel 里把这一列设为「文本」，${mend}）`;
}
