import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/**
 * AWS Signature Version 4 for plain HTTP requests, done by `@smithy/signature-v4` (the AWS
 * SDK's signer). Returns the headers to send: the caller's, plus `host`, `x-amz-date`,
 * `x-amz-security-token` (temporary credentials) and `authorization`. The URL's path must
 * already be percent-encoded as it goes on the wire; the signer encodes it once more for the
 * canonical request, as SigV4 wants for every service but S3.
 *
 * No `x-amz-content-sha256` header is added (`applyChecksum: false`): Bedrock does not need it,
 * and the body is signed either way (its hash is part of the canonical request).
 */
export class AwsRequestSigner {
  private readonly signer: SignatureV4;

  constructor(options: { service: string; region: string; credentials: AwsCredentials }) {
    this.signer = new SignatureV4({
      service: options.service,
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
      applyChecksum: false,
    });
  }

  async sign(request: RequestToSign, signingDate: Date = new Date()): Promise<Record<string, string>> {
    const { url } = request;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await this.signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        // `host` must be what the HTTP client sends: hostname plus a non-default port.
        headers: { ...request.headers, host: url.host },
        ...(request.body !== undefined ? { body: request.body } : {}),
      }),
      { signingDate },
    );
    return signed.headers;
  }
}
