/**
 * Whether a file of `bytes` may be sent in a chat whose upload limit is `limitBytes`: Lark takes a
 * file of exactly the limit, so the package ZIP and the 四性检测 report are judged alike.
 */
export const fitsChatUpload = (bytes: number, limitBytes: number) => bytes <= limitBytes;
