import protobuf from 'protobufjs';

/**
 * The long-connection wire format: protobuf `pbbp2.Frame`, re-declared from the schema the SDK
 * compiles in (`@larksuiteoapi/node-sdk` lib/index.js, `pbbp2.Frame.encode`: fields 1-9, 1-4 required).
 * Only the field numbers and types matter on the wire; names follow the SDK.
 */
const SCHEMA = `
syntax = "proto2";
package pbbp2;
message Header {
  required string key = 1;
  required string value = 2;
}
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payload_encoding = 6;
  optional string payload_type = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}
`;

const FrameType = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('pbbp2.Frame');

/** `method`: 0 = control (ping/pong), 1 = data (event/card pushes and the client's answers). */
export const FrameMethod = { control: 0, data: 1 } as const;

export interface WsHeader {
  key: string;
  value: string;
}

export interface WsFrame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: WsHeader[];
  payload_encoding?: string;
  payload_type?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export function encodeFrame(frame: WsFrame): Uint8Array {
  return FrameType.encode(FrameType.fromObject(frame)).finish();
}

export function decodeFrame(bytes: Uint8Array): WsFrame {
  const message = FrameType.decode(bytes);
  const obj = FrameType.toObject(message, { longs: Number, defaults: true, arrays: true });
  return obj as WsFrame;
}

export function headerValue(frame: WsFrame, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value;
}

export function payloadJson(frame: WsFrame): unknown {
  if (!frame.payload || frame.payload.length === 0) return undefined;
  return JSON.parse(Buffer.from(frame.payload).toString('utf8'));
}
