/**
 * The builtin pipeline's custom_config: one parser that both checks a request before it is queued
 * (checkCustomConfig → 422 field errors) and gives the run its settings, so the two cannot drift apart.
 */
import { CustomConfigProblem } from '../video-pipeline';
import { VoiceKind, VoiceSettings, parseVoiceSettings } from './voices';
import { ASPECT_RATIOS, AspectRatio } from './output-format';
import { UPLOAD_ID, checkScenes, isObject } from './planning/scene-rules';
import { SceneSpec } from './scene';
import {
  DEFAULT_THEME_PRESET,
  HEX_COLOR,
  PRESET_COLORS,
  THEME_PRESETS,
  Theme,
  ThemeColors,
  ThemePreset,
  resolveTheme,
} from './theme';

export const BUILTIN_CONFIG_KEYS = [
  'theme',
  'aspect_ratio',
  'voice',
  'scenes',
  'captions',
  'background_audio_file_id',
  'background_music_volume',
  'document_ids',
] as const;

export const MAX_DOCUMENT_IDS = 20;
export const DEFAULT_MUSIC_VOLUME = 0.15;

export interface BuiltinSettings {
  aspectRatio: AspectRatio;
  theme: Theme;
  voice: VoiceSettings;
  /** Replaces the planned content scenes when set (never empty). */
  scenes?: SceneSpec[];
  /** Burn captions into the picture (the WebVTT file is written either way). */
  captions: boolean;
  backgroundAudioFileId?: string;
  backgroundMusicVolume: number;
  /** use_rag: only these documents ground the plan (upload ids). */
  documentIds?: string[];
}

export interface ParsedConfig {
  settings: BuiltinSettings;
  /** Empty when the config is acceptable; settings then hold exactly what it asked for. */
  problems: CustomConfigProblem[];
}

type Problems = CustomConfigProblem[];

/** `voiceKind`: the engine that will speak, which decides what custom_config.voice may name. */
export function parseBuiltinConfig(config: Record<string, unknown>, voiceKind: VoiceKind = 'espeak'): ParsedConfig {
  const problems: Problems = [];
  const report = (field: string, message: string): void => {
    problems.push({ field: `custom_config${field}`, message });
  };
  rejectUnknownKeys(config, BUILTIN_CONFIG_KEYS, '', report);

  const settings: BuiltinSettings = {
    aspectRatio: parseAspectRatio(config.aspect_ratio, report),
    theme: resolveTheme(parseTheme(config.theme, report)),
    voice: parseVoiceSettings(voiceKind, config.voice, report),
    captions: parseBoolean(config.captions, true, '.captions', report),
    backgroundMusicVolume: parseMusicVolume(config.background_music_volume, report),
  };
  const scenes = parseScenes(config.scenes, report);
  if (scenes) settings.scenes = scenes;
  const audio = parseFileId(config.background_audio_file_id, '.background_audio_file_id', report);
  if (audio) settings.backgroundAudioFileId = audio;
  const documentIds = parseDocumentIds(config.document_ids, report);
  if (documentIds) settings.documentIds = documentIds;
  return { settings, problems };
}

type Report = (field: string, message: string) => void;

function rejectUnknownKeys(value: object, known: readonly string[], at: string, report: Report): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) report(`${at}.${key}`, `unknown key; known keys: ${known.join(', ')}`);
  }
}

function parseAspectRatio(value: unknown, report: Report): AspectRatio {
  if (value === undefined) return '16:9';
  if (ASPECT_RATIOS.some((ratio) => ratio === value)) return value as AspectRatio;
  report('.aspect_ratio', `must be one of ${ASPECT_RATIOS.join(', ')}`);
  return '16:9';
}

function isPreset(value: unknown): value is ThemePreset {
  return THEME_PRESETS.some((preset) => preset === value);
}

/** A preset name, or { preset?, background?, text?, accent? } overriding a preset's colours. */
function parseTheme(value: unknown, report: Report): ThemeColors {
  const fallback = PRESET_COLORS[DEFAULT_THEME_PRESET];
  if (value === undefined) return fallback;
  if (isPreset(value)) return PRESET_COLORS[value];
  if (!isObject(value)) {
    report('.theme', `must be one of ${THEME_PRESETS.join(', ')}, or an object { preset?, background?, text?, accent? }`);
    return fallback;
  }
  rejectUnknownKeys(value, ['preset', 'background', 'text', 'accent'], '.theme', report);
  let base = fallback;
  if (value.preset !== undefined) {
    if (isPreset(value.preset)) base = PRESET_COLORS[value.preset];
    else report('.theme.preset', `must be one of ${THEME_PRESETS.join(', ')}`);
  }
  const color = (key: 'text' | 'accent'): string => {
    const v = value[key];
    if (v === undefined) return base[key];
    if (typeof v === 'string' && HEX_COLOR.test(v)) return v;
    report(`.theme.${key}`, 'must be a colour written #rrggbb');
    return base[key];
  };
  return { background: parseGradient(value.background, base.background, report), text: color('text'), accent: color('accent') };
}

function parseGradient(value: unknown, fallback: [string, string], report: Report): [string, string] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length !== 2) {
    report('.theme.background', 'must be two colours written #rrggbb, e.g. ["#0b1120", "#1e1b4b"]');
    return fallback;
  }
  const colors = value.map((c: unknown, i) => {
    if (typeof c === 'string' && HEX_COLOR.test(c)) return c;
    report(`.theme.background[${i}]`, 'must be a colour written #rrggbb');
    return fallback[i];
  });
  return [colors[0], colors[1]];
}

function parseScenes(value: unknown, report: Report): SceneSpec[] | undefined {
  if (value === undefined) return undefined;
  const { scenes, problems } = checkScenes(value, 'scenes', { allowImages: true });
  for (const problem of problems) report(`.${problem.path}`, problem.message);
  return problems.length === 0 ? scenes : undefined;
}

function parseDocumentIds(value: unknown, report: Report): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_DOCUMENT_IDS) {
    report('.document_ids', `must be an array of at most ${MAX_DOCUMENT_IDS} upload file ids`);
    return undefined;
  }
  const ids = value.flatMap((id: unknown, i) => parseFileId(id, `.document_ids[${i}]`, report) ?? []);
  return [...new Set(ids)];
}

function parseFileId(value: unknown, at: string, report: Report): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && UPLOAD_ID.test(value)) return value;
  report(at, 'must be an upload file id (a UUID)');
  return undefined;
}

function parseBoolean(value: unknown, fallback: boolean, at: string, report: Report): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  report(at, 'must be true or false');
  return fallback;
}

function parseMusicVolume(value: unknown, report: Report): number {
  if (value === undefined) return DEFAULT_MUSIC_VOLUME;
  if (isNumberIn(value, 0, 1)) return value;
  report('.background_music_volume', 'must be a number from 0 (silent) to 1 (full volume)');
  return DEFAULT_MUSIC_VOLUME;
}

function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}
