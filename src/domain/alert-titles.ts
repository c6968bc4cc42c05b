/** What each operations alert is about: its card says 「告警：<title>」, and 「恢复正常：<title>」 once it clears. */
export type AlertKind =
  | 'dead_rows'
  | 'ws_silent'
  | 'pushes_refused'
  | 'disk_low'
  | 'work_waiting'
  | 'lark_refused'
  | 'contact_scope'
  | 'four_properties'
  | 'holidays'
  | 'backup';

export const ALERT_TITLES: Record<AlertKind, string> = {
  dead_rows: '有事件或任务处理失败',
  ws_silent: '长连接很久没有收到飞书的消息',
  pushes_refused: '飞书推送的事件被拒绝',
  disk_low: '磁盘空间不足',
  work_waiting: '后台工作在等待（磁盘、存储或数据库）',
  lark_refused: '飞书拒绝了应用凭证或权限',
  contact_scope: '读不到成员姓名：缺少通讯录权限',
  four_properties: '四性检测未通过',
  holidays: '节假日表缺少新一年的数据',
  backup: '备份没有按时完成',
};
