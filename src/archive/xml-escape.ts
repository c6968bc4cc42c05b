/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(value: unknown): string {
  return (
    String(value ?? '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

/** `<name>value</name>`, or `<name/>` when empty. */
export function xmlElement(name: string, value: unknown, indent = ''): string {
  const text = value === null || value === undefined ? '' : xmlEscape(value);
  return text === '' ? `${indent}<${name}/>` : `${indent}<${name}>${text}</${name}>`;
}
