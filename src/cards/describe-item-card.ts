import { drawnMark } from '../domain/drawn-field.js';
import { DESCRIBE_ITEM } from './actions.js';

const input = (name: string, label: string, placeholder: string, value?: string | null): object => ({
  tag: 'input',
  name,
  label: { tag: 'plain_text', content: label },
  label_position: 'left',
  placeholder: { tag: 'plain_text', content: placeholder },
  max_length: 100,
  width: 'fill',
  ...(value ? { default_value: value } : {}),
});

type Fields = { reason?: string | null; place?: string | null; people?: string | null };

/**
 * The short DA/T 50 form (事由 / 地点 / 人物) the filing card of a photo group embeds: optional, and each
 * field left empty stays a tracked quality gap. Filled with `current` (a draft from the caption, or
 * what was saved); submits `describe-item` with the form values and the marks of what was `saved`
 * when it was drawn, so a stale form's blank clears nothing saved since (only a field changed from
 * what the form was drawn with is saved or cleared).
 */
export function describeItemForm(itemId: number, current: Fields = {}, saved: Fields = {}): object {
  return {
    tag: 'form',
    name: `describe_${itemId}`,
    elements: [
      input('reason', '事由', '做什么，如：东村危房改造竣工验收', current.reason),
      input('place', '地点', '在哪里，如：东村三组张三家', current.place),
      input('people', '人物', '照片中的主要人物，如：王村干、张三', current.people),
      {
        tag: 'button',
        text: { tag: 'plain_text', content: '保存照片说明' },
        type: 'primary',
        width: 'default',
        form_action_type: 'submit',
        name: 'submit',
        behaviors: [{ type: 'callback', value: DESCRIBE_ITEM.value({ i: itemId, ...definedMarks(saved) }) }],
      },
    ],
  };
}

/** The marks of the fields saved non-blank (`r` 事由, `p` 地点, `o` 人物); a blank one carries none. */
function definedMarks(saved: Fields): { r?: string; p?: string; o?: string } {
  const marks = { r: drawnMark(saved.reason), p: drawnMark(saved.place), o: drawnMark(saved.people) };
  return Object.fromEntries(Object.entries(marks).filter(([, m]) => m !== undefined));
}
