import type { Express, Request, Response } from 'express';
import { brotliCompress, constants, gzip } from 'node:zlib';

/** Smaller JSON answers go as they are: compressing them saves too little to pay for itself. */
const MIN_BYTES = 1024;

type Encoder = (data: Buffer, done: (err: Error | null, result: Buffer) => void) => void;

/** gzip first where the client takes both (cheaper to make); brotli at the `compression` package's quality, 4. */
const ENCODERS: Record<string, Encoder> = {
  gzip: (data, done) => gzip(data, done),
  br: (data, done) => brotliCompress(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }, done),
};
const ENCODINGS = Object.keys(ENCODERS);

/**
 * gzip or br, as the client's Accept-Encoding allows, for JSON answers of 1 KiB or more, compressed (off the event
 * loop) as `res.json` sends them. Nothing else is: videos and images are compressed already, downloads (captions
 * too) are served by byte ranges that must be the file's own bytes, and an event stream must reach the client as
 * it is written. Done here rather than by the `compression` middleware, which wraps every answer's stream to
 * compress these few: a tenth of a status read's CPU.
 */
export function compressJsonAnswers(app: Express): void {
  app.response.json = function json(this: Response, body: unknown): Response {
    const text = JSON.stringify(body) ?? '';
    if (!this.getHeader('Content-Type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    if (Buffer.byteLength(text) < MIN_BYTES) return this.send(text);
    this.vary('Accept-Encoding');
    const req = this.req as Request;
    const encoding = req.method === 'HEAD' ? false : req.acceptsEncodings(ENCODINGS);
    if (!encoding || encoding === 'identity') return this.send(text);
    ENCODERS[encoding](Buffer.from(text), (err, compressed) => {
      if (err) return void this.send(text);
      this.setHeader('Content-Encoding', encoding);
      this.send(compressed);
    });
    return this;
  };
}
