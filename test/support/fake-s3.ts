import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  body: Buffer;
  contentType: string;
}

/**
 * An in-memory S3 stand-in on 127.0.0.1 speaking the REST wire format of path-style requests
 * (`/{bucket}/{key}`): PutObject, the multipart upload calls, GetObject with Range, DeleteObject. It checks that
 * each request is SigV4-signed with the configured access key, and records every operation.
 */
export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, { key: string; contentType: string; parts: Map<number, Buffer> }>();
  readonly operations: string[] = [];
  private server: http.Server | null = null;

  constructor(
    readonly bucket: string,
    private readonly accessKeyId: string,
  ) {}

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => this.error(response, 500, 'InternalError', error.message));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url!, 'http://s3.local');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const body = await readBody(request);
    if (!String(request.headers.authorization).startsWith(`AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/`)) {
      return this.error(response, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    }
    if (bucket !== this.bucket) return this.error(response, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
    if (String(request.headers['x-amz-content-sha256']).startsWith('STREAMING-')) {
      return this.error(response, 501, 'NotImplemented', 'aws-chunked uploads are not supported by this stand-in.');
    }
    const uploadId = url.searchParams.get('uploadId');
    const operation = `${request.method} ${uploadId ? (url.searchParams.has('partNumber') ? 'UploadPart' : 'upload') : url.searchParams.has('uploads') ? 'uploads' : 'object'}`;
    switch (operation) {
      case 'PUT object':
        return this.putObject(response, key, body, String(request.headers['content-type'] ?? 'binary/octet-stream'));
      case 'POST uploads':
        return this.createUpload(response, key, String(request.headers['content-type'] ?? 'binary/octet-stream'));
      case 'PUT UploadPart':
        return this.uploadPart(response, uploadId!, Number(url.searchParams.get('partNumber')), body);
      case 'POST upload':
        return this.completeUpload(response, key, uploadId!, body.toString());
      case 'DELETE upload':
        this.operations.push(`AbortMultipartUpload ${key}`);
        this.uploads.delete(uploadId!);
        return void response.writeHead(204).end();
      case 'GET object':
        return this.getObject(response, key, request.headers.range);
      case 'DELETE object':
        this.operations.push(`DeleteObject ${key}`);
        this.objects.delete(key);
        return void response.writeHead(204).end();
      default:
        return this.error(response, 501, 'NotImplemented', `${operation} is not supported by this stand-in.`);
    }
  }

  private putObject(response: http.ServerResponse, key: string, body: Buffer, contentType: string): void {
    this.operations.push(`PutObject ${key}`);
    this.objects.set(key, { body, contentType });
    response.writeHead(200, { ETag: etag(body) }).end();
  }

  private createUpload(response: http.ServerResponse, key: string, contentType: string): void {
    this.operations.push(`CreateMultipartUpload ${key}`);
    const uploadId = crypto.randomBytes(12).toString('hex');
    this.uploads.set(uploadId, { key, contentType, parts: new Map() });
    this.xml(
      response,
      200,
      `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${this.bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
    );
  }

  private uploadPart(response: http.ServerResponse, uploadId: string, partNumber: number, body: Buffer): void {
    const upload = this.uploads.get(uploadId);
    if (!upload) return this.error(response, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    this.operations.push(`UploadPart ${upload.key} ${partNumber}`);
    upload.parts.set(partNumber, body);
    response.writeHead(200, { ETag: etag(body) }).end();
  }

  private completeUpload(response: http.ServerResponse, key: string, uploadId: string, xml: string): void {
    const upload = this.uploads.get(uploadId);
    if (!upload) return this.error(response, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    const listed = [...xml.matchAll(/<Part>.*?<ETag>(.*?)<\/ETag>.*?<PartNumber>(\d+)<\/PartNumber>.*?<\/Part>/gs)];
    const numbers = listed.map((match) => Number(match[2]));
    const parts = numbers.map((number) => upload.parts.get(number));
    if (parts.some((part) => !part) || listed.some((match, index) => match[1]!.replace(/&quot;/g, '"') !== etag(parts[index]!))) {
      return this.error(response, 400, 'InvalidPart', 'One or more of the specified parts could not be found.');
    }
    this.operations.push(`CompleteMultipartUpload ${key}`);
    const body = Buffer.concat(parts as Buffer[]);
    this.objects.set(key, { body, contentType: upload.contentType });
    this.uploads.delete(uploadId);
    this.xml(
      response,
      200,
      `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>http://127.0.0.1/${this.bucket}/${key}</Location><Bucket>${this.bucket}</Bucket><Key>${key}</Key><ETag>${etag(body)}</ETag></CompleteMultipartUploadResult>`,
    );
  }

  private getObject(response: http.ServerResponse, key: string, range: string | undefined): void {
    this.operations.push(`GetObject ${key}${range ? ` ${range}` : ''}`);
    const object = this.objects.get(key);
    if (!object) return this.error(response, 404, 'NoSuchKey', 'The specified key does not exist.');
    const headers = { 'Content-Type': object.contentType, ETag: etag(object.body), 'Last-Modified': new Date().toUTCString(), 'Accept-Ranges': 'bytes' };
    const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    if (!match) return void response.writeHead(200, { ...headers, 'Content-Length': object.body.length }).end(object.body);
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), object.body.length - 1);
    response.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${object.body.length}` });
    response.end(object.body.subarray(start, end + 1));
  }

  private xml(response: http.ServerResponse, status: number, body: string): void {
    response.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  }

  private error(response: http.ServerResponse, status: number, code: string, message: string): void {
    this.xml(response, status, `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${crypto.randomUUID()}</RequestId></Error>`);
  }
}

function etag(body: Buffer): string {
  return `"${crypto.createHash('md5').update(body).digest('hex')}"`;
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
