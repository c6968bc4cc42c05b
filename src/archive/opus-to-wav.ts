import { open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { copyAndHash } from './copy-and-hash.js';

export interface WavCopy {
  sha256: string;
  size: number;
  sampleRate: number;
  channels: number;
  /** Decoded length in milliseconds. */
  durationMs: number;
  /** The decoder that made it, e.g. `ogg-opus-decoder 1.7.5（WebAssembly）`. */
  tool: string;
}

/** Rates libopus decodes to natively; the original's input rate is kept when it is one of them. */
const OPUS_RATES = new Set([8000, 12000, 16000, 24000, 48000]);
const CHUNK = 64 * 1024;
/** A RIFF file cannot hold more than 4 GiB. */
const MAX_DATA_BYTES = 0xffffffff - 36;

let toolName: Promise<string> | undefined;

/** `ogg-opus-decoder <version>（WebAssembly）`, from the package that is installed. */
export function opusDecoderName(): Promise<string> {
  toolName ??= (async () => {
    try {
      const main = createRequire(import.meta.url).resolve('ogg-opus-decoder');
      const pkg = JSON.parse(await readFile(join(dirname(main), 'package.json'), 'utf8'));
      return `ogg-opus-decoder ${pkg.version}（WebAssembly）`;
    } catch {
      return 'ogg-opus-decoder（WebAssembly）';
    }
  })();
  return toolName;
}

/** The input sample rate the OpusHead of the first page records (0 when absent). */
function opusHeadRate(head: Buffer): number {
  const at = head.indexOf('OpusHead');
  return at >= 0 && head.length >= at + 16 ? head.readUInt32LE(at + 12) : 0;
}

function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Interleaved 16-bit little-endian PCM of decoded float channels. */
function pcm16(channelData: Float32Array[], samples: number): Buffer {
  const channels = channelData.length;
  const out = Buffer.alloc(samples * channels * 2);
  for (let i = 0; i < samples; i++)
    for (let c = 0; c < channels; c++) {
      const v = Math.max(-1, Math.min(1, channelData[c]![i] ?? 0));
      out.writeInt16LE(Math.round(v < 0 ? v * 0x8000 : v * 0x7fff), (i * channels + c) * 2);
    }
  return out;
}

/**
 * Decodes an Ogg Opus file (a Lark voice note) with ogg-opus-decoder (libopus compiled to
 * WebAssembly, shipped inside the npm package: nothing native, nothing downloaded) and writes a
 * 16-bit PCM WAV at `dest` (a new file), at the rate the original was recorded at when Opus decodes
 * to it (else 48 kHz). Streams: the original is read in 64 KiB pieces, memory stays flat. Throws
 * (leaving `dest` for the caller to remove) when the bytes are not Opus audio it can decode.
 */
export async function opusToWav(src: string, dest: string): Promise<WavCopy> {
  const { OggOpusDecoder } = await import('ogg-opus-decoder');
  const input = await open(src, 'r');
  const output = await open(dest, 'wx', 0o644);
  let decoder: InstanceType<typeof OggOpusDecoder> | undefined;
  try {
    const buf = Buffer.alloc(CHUNK);
    let { bytesRead } = await input.read(buf, 0, CHUNK, 0);
    const headRate = opusHeadRate(buf.subarray(0, bytesRead));
    const sampleRate = OPUS_RATES.has(headRate) ? headRate : 48000;
    decoder = new OggOpusDecoder({ sampleRate } as ConstructorParameters<typeof OggOpusDecoder>[0]);
    await decoder.ready;
    let offset = 0;
    let dataBytes = 0;
    let channels = 0;
    let samples = 0;
    const errors: string[] = [];
    const take = async (d: { channelData: Float32Array[]; samplesDecoded: number; errors: unknown[] }) => {
      errors.push(...d.errors.map((e) => String((e as { message?: string }).message ?? e)));
      if (d.samplesDecoded === 0 || d.channelData.length === 0) return;
      if (channels && d.channelData.length !== channels) throw new Error('声道数在文件中途改变');
      channels = d.channelData.length;
      const pcm = pcm16(d.channelData, d.samplesDecoded);
      if (dataBytes + pcm.length > MAX_DATA_BYTES) throw new Error('解码后超过 WAV 的 4 GB 上限');
      await output.write(pcm, 0, pcm.length, 44 + dataBytes);
      dataBytes += pcm.length;
      samples += d.samplesDecoded;
    };
    while (bytesRead > 0) {
      await take(await decoder.decode(buf.subarray(0, bytesRead)));
      offset += bytesRead;
      ({ bytesRead } = await input.read(buf, 0, CHUNK, offset));
    }
    await take(await decoder.flush());
    if (errors.length > 0) throw new Error(`解码出错：${errors.slice(0, 3).join('；')}`);
    if (samples === 0) throw new Error('没有可解码的 Opus 音频');
    await output.write(wavHeader(sampleRate, channels, dataBytes), 0, 44, 0);
    await output.sync();
    await output.close();
    const hashed = await copyAndHash(dest);
    return {
      sha256: hashed.sha256,
      size: hashed.size,
      sampleRate,
      channels,
      durationMs: Math.round((samples / sampleRate) * 1000),
      tool: await opusDecoderName(),
    };
  } finally {
    decoder?.free();
    await input.close();
    await output.close().catch(() => undefined);
  }
}
