import { fileURLToPath } from 'node:url';

/**
 * The tests' county archive.yaml: the shipped config/archive.yaml with a county's 全宗名称 and 移交、接收单位
 * (全宗号 A182 kept), so confirmation, which refuses the shipped sample's fonds, numbers. The harness
 * reads it unless a test sets ARCHIVE_CONFIG; a CLI test gives it as ARCHIVE_CONFIG.
 */
export const TEST_ARCHIVE_YAML = fileURLToPath(new URL('../fixtures/archive.yaml', import.meta.url));
