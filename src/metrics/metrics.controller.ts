import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { SiroccoMetrics } from './sirocco-metrics';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * `GET /metrics` in Prometheus text format. Outside /v2 and without a Keystone token (scrapers have
 * none); with SIROCCO_METRICS_TOKEN set it needs `Authorization: Bearer <that token>`.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  private readonly expected?: Buffer;

  constructor(
    private readonly metrics: SiroccoMetrics,
    @Inject(SIROCCO_CONFIG) config: SiroccoConfig,
  ) {
    if (config.metrics.token) this.expected = digest(config.metrics.token);
  }

  @Get('metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    if (this.expected) {
      const given = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), this.expected)) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="sirocco-metrics"');
        throw new ApiError(401, 'GET /metrics needs the header Authorization: Bearer <SIROCCO_METRICS_TOKEN>');
      }
    }
    const text = await this.metrics.exposition();
    // end(), not send(): Express would rewrite the content type's parameters
    response.status(200).setHeader('Content-Type', this.metrics.contentType);
    response.end(text);
  }
}
