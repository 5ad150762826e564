import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors, locationHeader } from '../common/api-errors.decorator';
import { notFound } from '../common/error-codes';
import { ErrorEnvelope } from '../common/error-envelope';
import { PageQuery } from '../common/pagination';
import { ConfigurationsService } from './configurations.service';
import { ConfigurationDto, ConfigurationPageDto, ConfigurationRequestDto } from './dto/configuration.dto';

const CONFIGURATION_EXAMPLES = {
  lesson: {
    summary: 'High quality, own scene layout',
    value: { name: 'Lesson defaults', settings: { quality: 'high', use_rag: false, custom_config: { aspect_ratio: '16:9', captions: true } } },
  },
};

const NameConflict = () =>
  ApiResponse({ status: 409, type: ErrorEnvelope, description: 'Name already used by another of your configurations, or too many saved (CONFLICT)' });

/** Unparseable ids answer 404 like unknown ones. */
const ConfigurationIdPipe = new ParseUUIDPipe({ exceptionFactory: () => notFound('Configuration') });

@ApiTags('configurations')
@Controller('api/v1/configurations')
export class ConfigurationsController {
  constructor(private readonly configurations: ConfigurationsService) {}

  @Post()
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({
    operationId: 'createConfiguration',
    summary: 'Save a named set of request settings, to reuse by configuration_id when generating videos',
  })
  @ApiBody({ type: ConfigurationRequestDto, examples: CONFIGURATION_EXAMPLES })
  @ApiCreatedResponse({
    type: ConfigurationDto,
    description: 'Saved; Location points at the configuration',
    headers: locationHeader('/api/v1/configurations/{configuration_id}'),
  })
  @NameConflict()
  @ApiErrors(413, 415, 422)
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: ConfigurationRequestDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConfigurationDto> {
    const configuration = await this.configurations.create(user, body);
    res.setHeader('Location', `/api/v1/configurations/${configuration.configuration_id}`);
    return configuration;
  }

  @Get()
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'listConfigurations', summary: "The caller's saved configurations, newest first (paginated)" })
  @ApiOkResponse({ type: ConfigurationPageDto, description: 'One page of configurations' })
  @ApiErrors(422)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQuery): Promise<ConfigurationPageDto> {
    return this.configurations.list(user, query);
  }

  @Get(':configuration_id')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getConfiguration', summary: 'One saved configuration' })
  @ApiParam({ name: 'configuration_id', format: 'uuid' })
  @ApiOkResponse({ type: ConfigurationDto, description: 'The configuration' })
  @ApiErrors(404)
  get(@CurrentUser() user: AuthUser, @Param('configuration_id', ConfigurationIdPipe) id: string): Promise<ConfigurationDto> {
    return this.configurations.get(user, id);
  }

  @Put(':configuration_id')
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'replaceConfiguration', summary: 'Replace the name and settings of a saved configuration' })
  @ApiParam({ name: 'configuration_id', format: 'uuid' })
  @ApiBody({ type: ConfigurationRequestDto, examples: CONFIGURATION_EXAMPLES })
  @ApiOkResponse({ type: ConfigurationDto, description: 'The configuration as replaced' })
  @NameConflict()
  @ApiErrors(404, 413, 415, 422)
  replace(
    @CurrentUser() user: AuthUser,
    @Param('configuration_id', ConfigurationIdPipe) id: string,
    @Body() body: ConfigurationRequestDto,
  ): Promise<ConfigurationDto> {
    return this.configurations.replace(user, id, body);
  }

  @Delete(':configuration_id')
  @HttpCode(204)
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'deleteConfiguration', summary: 'Delete a saved configuration (jobs created with it keep their settings)' })
  @ApiParam({ name: 'configuration_id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@CurrentUser() user: AuthUser, @Param('configuration_id', ConfigurationIdPipe) id: string): Promise<void> {
    await this.configurations.remove(user, id);
  }
}
