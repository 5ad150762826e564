import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthUser } from '../auth/auth-user';
import { AppException, notFound } from '../common/error-codes';
import { Page, PageQuery, offsetOf, toPage } from '../common/pagination';
import { FieldProblem, validationException } from '../common/validation';
import { ConfigurationSettings, ConfigurationStore, SavedConfiguration } from './configuration.store';
import { VIDEO_PIPELINE, VideoPipeline } from '../pipeline/video-pipeline';
import { ConfigurationDto, ConfigurationRequestDto, ConfigurationSettingsDto, toConfigurationDto } from './dto/configuration.dto';

/** Saved configurations per user: enough for any real use, bounded so Redis memory is too. */
export const MAX_CONFIGURATIONS_PER_USER = 500;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Injectable()
export class ConfigurationsService {
  constructor(
    private readonly store: ConfigurationStore,
    @Inject(VIDEO_PIPELINE) private readonly pipeline: VideoPipeline,
  ) {}

  /** The user's configuration, else NOT_FOUND. */
  async requireConfiguration(userId: string, configurationId: string): Promise<SavedConfiguration> {
    const configuration = await this.owned(userId, configurationId);
    if (!configuration) throw notFound('Configuration');
    return configuration;
  }

  /**
   * The saved settings, for a video request that names this configuration (the request's own fields win). NOT_FOUND
   * names the request's `field` (`jobs[1].configuration_id` in a batch).
   */
  async settingsFor(userId: string, configurationId: string, field = 'configuration_id'): Promise<ConfigurationSettings> {
    const configuration = await this.owned(userId, configurationId);
    if (!configuration) throw new AppException('NOT_FOUND', `Configuration not found (${field})`, { field });
    return configuration.settings;
  }

  /** The one access check: another user's configuration is indistinguishable from a missing one. */
  private async owned(userId: string, configurationId: string): Promise<SavedConfiguration | null> {
    const configuration = UUID.test(configurationId) ? await this.store.get(configurationId) : null;
    return configuration?.userId === userId ? configuration : null;
  }

  async create(user: AuthUser, body: ConfigurationRequestDto): Promise<ConfigurationDto> {
    const settings = this.checkedSettings(body.settings);
    const now = new Date().toISOString();
    const configuration: SavedConfiguration = { id: randomUUID(), userId: user.userId, name: body.name, settings, createdAt: now, updatedAt: now };
    const outcome = await this.store.create(configuration, MAX_CONFIGURATIONS_PER_USER);
    if (outcome === 'conflict') throw nameTaken(body.name);
    if (outcome === 'full') {
      throw new AppException('CONFLICT', `At most ${MAX_CONFIGURATIONS_PER_USER} saved configurations per user: delete some first`, {
        max_configurations: MAX_CONFIGURATIONS_PER_USER,
      });
    }
    return toConfigurationDto(configuration);
  }

  async list(user: AuthUser, query: PageQuery): Promise<Page<ConfigurationDto>> {
    const { configurations, total } = await this.store.list(user.userId, offsetOf(query), query.items_per_page);
    return toPage(configurations.map(toConfigurationDto), total, query);
  }

  async get(user: AuthUser, configurationId: string): Promise<ConfigurationDto> {
    return toConfigurationDto(await this.requireConfiguration(user.userId, configurationId));
  }

  async replace(user: AuthUser, configurationId: string, body: ConfigurationRequestDto): Promise<ConfigurationDto> {
    const current = await this.requireConfiguration(user.userId, configurationId);
    const settings = this.checkedSettings(body.settings);
    const next: SavedConfiguration = { ...current, name: body.name, settings, updatedAt: new Date().toISOString() };
    const outcome = await this.store.replace(next);
    if (outcome === 'missing') throw notFound('Configuration'); // deleted since we read it
    if (outcome === 'conflict') throw nameTaken(body.name);
    return toConfigurationDto(next);
  }

  async remove(user: AuthUser, configurationId: string): Promise<void> {
    await this.requireConfiguration(user.userId, configurationId);
    if (!(await this.store.remove(configurationId, user.userId))) throw notFound('Configuration');
  }

  /** Plain settings (only the fields given), after the pipeline's own custom_config check. */
  private checkedSettings(dto: ConfigurationSettingsDto): ConfigurationSettings {
    const settings: ConfigurationSettings = {};
    if (dto.model !== undefined) settings.model = dto.model;
    if (dto.quality !== undefined) settings.quality = dto.quality;
    if (dto.use_rag !== undefined) settings.use_rag = dto.use_rag;
    if (dto.custom_config !== undefined) settings.custom_config = dto.custom_config;
    if (settings.custom_config) {
      const problems = this.pipeline.checkCustomConfig(settings.custom_config);
      if (problems.length > 0) throw validationException(groupByField(problems));
    }
    return settings;
  }
}

/** The checker speaks in request paths (`custom_config.…`); here they live under `settings.`. */
function groupByField(problems: { field: string; message: string }[]): FieldProblem[] {
  const byField = new Map<string, string[]>();
  for (const { field, message } of problems) {
    const key = `settings.${field}`;
    byField.set(key, [...(byField.get(key) ?? []), message]);
  }
  return [...byField].map(([field, errors]) => ({ field, errors }));
}

function nameTaken(name: string): AppException {
  return new AppException('CONFLICT', `A configuration named ${JSON.stringify(name)} already exists`, {
    fields: [{ field: 'name', errors: ['must be unique among your configurations (ignoring case)'] }],
  });
}
