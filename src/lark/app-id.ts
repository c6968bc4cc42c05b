/**
 * Lark app ids are `cli_` + 16 hex digits. One rule for the configuration check and the long
 * connection (whose SDK would log and silently never connect with anything else).
 */
export const isLarkAppId = (appId: string): boolean => /^cli_[0-9a-f]{16}$/i.test(appId);

export const LARK_APP_ID_RULE = '格式不对：要以 cli_ 开头，后面是 16 位十六进制数字';
