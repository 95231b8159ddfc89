import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import { formatMistralTime } from '../common/mistral-time';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { jsonBody, onlyKeys, optionalBoolean } from '../engine/api/request-body.parser';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { readRawBody } from './archive-download';
import type { ServiceSnapshotEntity } from './service-snapshot.entity';
import { SnapshotsService } from './snapshots.service';

function toResource(snapshot: ServiceSnapshotEntity) {
  return {
    id: snapshot.id,
    status: snapshot.status,
    error: snapshot.error,
    origin: snapshot.origin,
    created_at: formatMistralTime(snapshot.createdAt),
    uploaded_at: formatMistralTime(snapshot.uploadedAt),
    include_history: snapshot.includeHistory,
    sirocco_version: snapshot.siroccoVersion,
    schema_version: snapshot.schemaVersion,
    counts: snapshot.counts,
    archive_size: snapshot.archiveSize,
    restore_status: snapshot.restoreStatus,
    restore_error: snapshot.restoreError,
    restore_started_at: formatMistralTime(snapshot.restoreStartedAt),
    restore_finished_at: formatMistralTime(snapshot.restoreFinishedAt),
  };
}

/** Snapshots of Sirocco itself (as Cloudify's manager snapshots); administrators only in keystone mode. */
@ApiTags('snapshots')
@Controller('v2')
export class SnapshotsController {
  constructor(
    private readonly snapshots: SnapshotsService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Get('snapshots')
  @ApiOperation({ summary: 'Every snapshot of Sirocco (made here or uploaded)' })
  async list(@CallerContext() context: RequestContext) {
    return { snapshots: (await this.snapshots.list(context)).map(toResource) };
  }

  @Put('snapshots/:id')
  @HttpCode(202)
  @ApiOperation({ summary: 'Take a snapshot of Sirocco in the background (status CREATING, then CREATED or FAILED)' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { include_history: { type: 'boolean' } } } })
  @ApiResponse({ status: 409, description: 'the id is taken, or SIROCCO_SECRET_KEY is not set' })
  async create(@Param('id') id: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    const fields = jsonBody(body);
    onlyKeys(fields, ['include_history'], (allowed) => `Unknown field in the snapshot request; allowed: ${allowed}`);
    return toResource(await this.snapshots.create(id, optionalBoolean(fields, 'include_history') ?? false, context));
  }

  @Get('snapshots/:id')
  async get(@Param('id') id: string, @CallerContext() context: RequestContext) {
    return toResource(await this.snapshots.get(id, context));
  }

  @Delete('snapshots/:id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @CallerContext() context: RequestContext) {
    await this.snapshots.delete(id, context);
  }

  @Get('snapshots/:id/archive')
  @ApiOperation({ summary: 'Download the archive (tar.gz; the format is in the README)' })
  async download(@Param('id') id: string, @CallerContext() context: RequestContext, @Res() response: Response) {
    const archive = await this.snapshots.archive(id, context);
    response.set({ 'Content-Type': 'application/gzip', 'Content-Disposition': `attachment; filename="sirocco-snapshot-${id}.tar.gz"` });
    response.status(200).send(archive);
  }

  @Put('snapshots/:id/archive')
  @HttpCode(201)
  @ApiOperation({ summary: 'Upload an archive: the raw body (application/gzip), or ?snapshot_archive_url=http(s)://... fetched by Sirocco' })
  async upload(
    @Param('id') id: string,
    @Query('snapshot_archive_url') url: string | undefined,
    @Req() request: Request,
    @CallerContext() context: RequestContext,
  ) {
    if (url !== undefined && url !== '') return toResource(await this.snapshots.upload(id, { url }, context));
    if (request.readableEnded || request.body !== undefined) {
      throw ApiError.badRequest('Send the snapshot archive as the raw body with Content-Type application/gzip or application/octet-stream');
    }
    return toResource(await this.snapshots.upload(id, { body: await readRawBody(request, this.config.snapshots.maxArchiveBytes) }, context));
  }

  @Post('snapshots/:id/restore')
  @HttpCode(202)
  @ApiOperation({ summary: "Replace Sirocco's state with the snapshot's (maintenance mode activated, or force); runs in the background" })
  @ApiBody({ required: false, schema: { type: 'object', properties: { force: { type: 'boolean' } } } })
  async restore(@Param('id') id: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    const fields = jsonBody(body);
    onlyKeys(fields, ['force', 'restore_certificates', 'no_reboot'], (allowed) => `Unknown field in the restore request; allowed: ${allowed}`);
    return toResource(await this.snapshots.restore(id, optionalBoolean(fields, 'force') ?? false, context));
  }

  @Get('snapshot-status')
  @ApiOperation({ summary: 'Whether a snapshot restore runs (Cloudify: RUNNING or NOT_RUNNING)' })
  async status() {
    return (await this.snapshots.restoreRunning())
      ? { status: 'RUNNING', message: 'Snapshot restore in progress... This may take a while, depending on the snapshot size.' }
      : { status: 'NOT_RUNNING', message: 'No snapshot restore currently running.' };
  }
}
