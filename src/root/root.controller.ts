import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { baseUrl } from '../common/base-url';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';

/** Mistral's version discovery documents. */
@ApiTags('versions')
@Controller()
export class RootController {
  constructor(@Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig) {}

  @Get()
  @ApiOperation({ summary: 'API versions' })
  versions(@Req() request: Request) {
    const href = `${baseUrl(this.config, request)}/v2`;
    return { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href, target: 'v2', rel: 'self' }] }] };
  }

  @Get('v2/')
  @ApiOperation({ summary: 'The v2 API root' })
  v2(@Req() request: Request) {
    return { uri: `${baseUrl(this.config, request)}/v2` };
  }
}
