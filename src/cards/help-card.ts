/** The help card (JSON 2.0): what the bot does and the commands it understands. */
export function helpCard(opts: { botName?: string } = {}): object {
  const name = opts.botName ?? '归档助手';
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: {
      template: 'blue',
      title: { tag: 'plain_text', content: `${name} · 使用说明` },
    },
    body: {
      elements: [
        {
          tag: 'markdown',
          content:
            '把工作照片、扫描件、文件、录音、视频**直接发到本群或转发到本群**，我会自动保存原件并登记，' +
            '然后请您点一下选择归档到哪项任务。',
        },
        {
          tag: 'markdown',
          content: [
            '**常用指令**（在群里先 @我，私聊直接发）',
            '- `任务`：本单位未完成的归档任务和进度',
            '- `进度`：本单位（及下级单位）的完成情况',
            '- `缺什么`：还缺哪些材料，最急的排在前面',
            '- `绑定 单位名称`：把本群绑定到村/乡镇/单位（管理员）',
            '- `设置 @某人 档案员 [单位]`、`撤销角色 @某人 档案员 [单位]`：给人设置或撤销角色（管理员）',
            '- `人员 [单位]`：本单位的人员和角色',
            '- `确认归档 [单位] [年度]`：档案员先核对再确认归档，编上档号',
            '- `查 关键词/任务编号/日期`：找最近提交的材料，可以更正',
            '- `导出 [单位] [年度]`：档案员生成归档文件目录、四性检测报告和移交包',
            '- `帮助`：显示本说明',
          ].join('\n'),
        },
        {
          tag: 'markdown',
          content:
            '**小提示**：照片请勾选“原图”发送，或以文件形式发送，以保留拍摄时间和地点；' +
            '在说明文字里写任务编号（如 `#C03`）可以直接归档。',
        },
      ],
    },
  };
}
