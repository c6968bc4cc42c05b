import { noOpenTaskHelp } from '../domain/no-tasks-yet.js';
import { townshipHelp } from '../domain/township-chat.js';
import type { NoOpenTask } from '../domain/task-list-state.js';
import type { VillageWord } from '../domain/village-word.js';

/** One line of the help card: how a command is written, what it does, who it is for. */
export interface HelpLine {
  usage: string;
  help: string;
  /** Who it is for, when not everyone: 「（档案员）」. */
  audience: string;
  /** The word that calls it in a group without the @ (帮助, 缺什么), if any. */
  bare?: string;
}

/**
 * The help card (JSON 2.0): what the bot does and the commands the reader may run (from the registry).
 * `noOpenTask`: asked in the group of a unit with no open task (a township, a village before its
 * 任务清单, one whose tasks are all waived): the materials are kept, and why nothing can be chosen,
 * instead of 「请您点一下选择交到哪项任务」 and 「写任务编号」, which there have nothing to choose.
 * `township`: asked in the group of a township with no task of its own: what the group is for and where
 * its villages' state is (`villages`: what they are called; `urge`: its page, where 督办 is, given only to
 * a reader who may 督办), never to wait for a 任务清单.
 */
export function helpCard(
  commands: readonly HelpLine[],
  opts: {
    botName?: string;
    noOpenTask?: NoOpenTask;
    township?: { villages: VillageWord; urge?: { pageUrl: string } };
    /** Read in the direct chat with the bot, where nothing sent is filed: the materials go to the work group. */
    direct?: boolean;
  } = {},
): object {
  const name = opts.botName ?? '归档助手';
  const nothingToChoose = opts.noOpenTask !== undefined || opts.township !== undefined;
  const sent = opts.direct
    ? '把工作照片、扫描件、文件、录音、视频**发到或转发到本单位的工作群**（私聊发给我的交不到任务里），我会自动保存原件并登记'
    : '把工作照片、扫描件、文件、录音、视频**直接发到本群或转发到本群**，我会自动保存原件并登记';
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
          content: opts.township
            ? `${sent}。${townshipHelp(opts.township.villages, opts.township.urge)}`
            : opts.noOpenTask
              ? `${sent}。${noOpenTaskHelp(opts.noOpenTask)}`
              : `${sent}，然后请您${opts.direct ? '在群里' : ''}点一下选择交到哪项任务。`,
        },
        {
          tag: 'markdown',
          content: [
            `**常用指令**（在群里先 @我，私聊直接发${bareNote(commands)}）`,
            ...commands.map((c) => `- \`${c.usage}\`：${c.help}${c.audience}`),
          ].join('\n'),
        },
        {
          tag: 'markdown',
          content:
            '**小提示**：照片请勾选“原图”发送，或以文件形式发送，以保留拍摄时间和地点' +
            (nothingToChoose ? '。' : '；在说明文字里写任务编号（如 `#C03`）可以直接交到该任务。'),
        },
      ],
    },
  };
}

/** 「；帮助、缺什么在群里不 @ 也行」: the commands a group answers written alone, without the @. */
function bareNote(commands: readonly HelpLine[]): string {
  const words = commands.flatMap((c) => (c.bare ? [c.bare] : []));
  return words.length > 0 ? `；${words.join('、')}在群里不 @ 也行` : '';
}
