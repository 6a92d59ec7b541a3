import { connect } from 'node:net';

/** Sends raw bytes on a socket and returns what the server answered before closing (or 2 s). */
export function rawHttp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).includes('\r\n\r\n{') && Buffer.concat(chunks).toString().trimEnd().endsWith('}'))
        socket.destroy();
    });
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 2000).unref();
  });
}
