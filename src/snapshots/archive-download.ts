import { ApiError } from '../common/api-error';
import { maskUrlCredentials } from '../common/secret-mask';

/** Fetches an archive from an http(s) URL, within a size limit and a time limit; failures are 400s naming the URL (credentials masked). */
export async function fetchArchive(url: string, limits: { maxArchiveBytes: number; fetchTimeoutMs: number }): Promise<Buffer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ApiError.badRequest('snapshot_archive_url is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw ApiError.badRequest(`snapshot_archive_url must be http or https (got '${parsed.protocol}')`);
  }
  const shown = maskUrlCredentials(url);
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  try {
    const response = await fetch(parsed, { signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw ApiError.badRequest(`snapshot_archive_url ${shown} answered ${response.status}`);
    const declared = Number(response.headers.get('content-length'));
    if (declared > limits.maxArchiveBytes) throw tooLarge(shown, limits.maxArchiveBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Uint8Array).length;
      if (size > limits.maxArchiveBytes) throw tooLarge(shown, limits.maxArchiveBytes);
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const reason = signal.aborted ? `took longer than ${limits.fetchTimeoutMs} ms` : String((error as Error).cause ?? (error as Error).message);
    throw ApiError.badRequest(`snapshot_archive_url ${shown} could not be fetched: ${reason}`);
  }
}

function tooLarge(shown: string, max: number): ApiError {
  return ApiError.badRequest(`the archive at snapshot_archive_url ${shown} is larger than SIROCCO_SNAPSHOT_MAX_BYTES (${max} bytes)`);
}

/** Reads a raw request body (the archive) within the size limit. */
export async function readRawBody(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw ApiError.badRequest(`The snapshot archive is larger than SIROCCO_SNAPSHOT_MAX_BYTES (${maxBytes} bytes)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
