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

/**
 * The short DA/T 50 form (事由 / 地点 / 人物) the filing card of a photo group embeds: optional, and each
 * field left empty stays a tracked quality gap. Submits `describe-item` with the form values.
 */
export function describeItemForm(
  itemId: number,
  current: { reason?: string | null; place?: string | null; people?: string | null } = {},
): object {
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
        behaviors: [{ type: 'callback', value: DESCRIBE_ITEM.value({ i: itemId }) }],
      },
    ],
  };
}
