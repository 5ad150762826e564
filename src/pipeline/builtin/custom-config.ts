/**
 * The builtin pipeline's custom_config: one parser that both checks a request before it is queued
 * (checkCustomConfig → 422 field errors) and gives the run its settings, so the two cannot drift apart.
 */
import { CustomConfigProblem } from '../video-pipeline';
import { DEFAULT_VOICE, VoiceSettings } from './narration';
import { ASPECT_RATIOS, AspectRatio } from './output-format';
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
import { normalizeText } from './unicode-text';

export const BUILTIN_CONFIG_KEYS = [
  'theme',
  'aspect_ratio',
  'voice',
  'scenes',
  'captions',
  'background_audio_file_id',
  'background_music_volume',
] as const;

export const MAX_SCENES = 30;
export const MAX_SCENE_TITLE_CHARS = 120;
export const MAX_SCENE_TEXT_CHARS = 1000;
export const SCENE_SECONDS = { min: 1, max: 60 };
export const VOICE_RATE = { min: 80, max: 400 };
export const DEFAULT_MUSIC_VOLUME = 0.15;

/** espeak-ng voice names: a language code with an optional "+variant" — nothing that could become an option. */
const VOICE_NAME = /^[a-z]{2,3}([-_][a-z0-9]{1,8}){0,3}(\+[a-z0-9]{1,12})?$/iu;
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/** A scene the request wrote itself (custom_config.scenes[]), with its text normalised. */
export interface CustomScene {
  title: string;
  text: string;
  /** Minimum seconds on screen; the scene still lasts as long as its narration needs. */
  duration?: number;
  imageFileId?: string;
}

export interface BuiltinSettings {
  aspectRatio: AspectRatio;
  theme: Theme;
  voice: VoiceSettings;
  /** Replaces the planned content scenes when set (never empty). */
  scenes?: CustomScene[];
  /** Burn captions into the picture (the WebVTT file is written either way). */
  captions: boolean;
  backgroundAudioFileId?: string;
  backgroundMusicVolume: number;
}

export interface ParsedConfig {
  settings: BuiltinSettings;
  /** Empty when the config is acceptable; settings then hold exactly what it asked for. */
  problems: CustomConfigProblem[];
}

type Problems = CustomConfigProblem[];

export function parseBuiltinConfig(config: Record<string, unknown>): ParsedConfig {
  const problems: Problems = [];
  const report = (field: string, message: string): void => {
    problems.push({ field: `custom_config${field}`, message });
  };
  rejectUnknownKeys(config, BUILTIN_CONFIG_KEYS, '', report);

  const settings: BuiltinSettings = {
    aspectRatio: parseAspectRatio(config.aspect_ratio, report),
    theme: resolveTheme(parseTheme(config.theme, report)),
    voice: parseVoice(config.voice, report),
    captions: parseBoolean(config.captions, true, '.captions', report),
    backgroundMusicVolume: parseMusicVolume(config.background_music_volume, report),
  };
  const scenes = parseScenes(config.scenes, report);
  if (scenes) settings.scenes = scenes;
  const audio = parseFileId(config.background_audio_file_id, '.background_audio_file_id', report);
  if (audio) settings.backgroundAudioFileId = audio;
  return { settings, problems };
}

type Report = (field: string, message: string) => void;

function rejectUnknownKeys(value: object, known: readonly string[], at: string, report: Report): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) report(`${at}.${key}`, `unknown key; known keys: ${known.join(', ')}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** { language?, voice?, rate? }: voice (e.g. "en-us+f3") wins over language (e.g. "fr"). */
function parseVoice(value: unknown, report: Report): VoiceSettings {
  if (value === undefined) return DEFAULT_VOICE;
  if (!isObject(value)) {
    report('.voice', 'must be an object { language?, voice?, rate? }');
    return DEFAULT_VOICE;
  }
  rejectUnknownKeys(value, ['language', 'voice', 'rate'], '.voice', report);
  const name = (key: 'language' | 'voice'): string | undefined => {
    const v = value[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && VOICE_NAME.test(v)) return v;
    report(`.voice.${key}`, 'must be an espeak-ng voice name such as "en", "en-us", "pt-br" or "en+f3"');
    return undefined;
  };
  const voice = name('voice') ?? name('language') ?? DEFAULT_VOICE.voice;
  let rate = DEFAULT_VOICE.rate;
  if (value.rate !== undefined) {
    if (isNumberIn(value.rate, VOICE_RATE.min, VOICE_RATE.max)) rate = Math.round(value.rate);
    else report('.voice.rate', `must be a number of words per minute from ${VOICE_RATE.min} to ${VOICE_RATE.max}`);
  }
  return { voice, rate };
}

function parseScenes(value: unknown, report: Report): CustomScene[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_SCENES) {
    report('.scenes', `must be an array of 1 to ${MAX_SCENES} scenes { title, text, duration?, image_file_id? }`);
    return undefined;
  }
  const scenes: CustomScene[] = [];
  value.forEach((item: unknown, i) => {
    const at = `.scenes[${i}]`;
    if (!isObject(item)) {
      report(at, 'must be an object { title, text, duration?, image_file_id? }');
      return;
    }
    rejectUnknownKeys(item, ['title', 'text', 'duration', 'image_file_id'], at, report);
    const title = parseText(item.title, MAX_SCENE_TITLE_CHARS, `${at}.title`, report);
    const text = parseText(item.text, MAX_SCENE_TEXT_CHARS, `${at}.text`, report);
    const scene: CustomScene = { title, text };
    if (item.duration !== undefined) {
      if (isNumberIn(item.duration, SCENE_SECONDS.min, SCENE_SECONDS.max)) scene.duration = item.duration;
      else report(`${at}.duration`, `must be a number of seconds from ${SCENE_SECONDS.min} to ${SCENE_SECONDS.max}`);
    }
    const image = parseFileId(item.image_file_id, `${at}.image_file_id`, report);
    if (image) scene.imageFileId = image;
    if (!title && !text && !image && typeof item.title === 'string' && typeof item.text === 'string') {
      report(at, 'needs a title, a text or an image_file_id');
    }
    scenes.push(scene);
  });
  return scenes;
}

function parseText(value: unknown, maxChars: number, at: string, report: Report): string {
  if (typeof value !== 'string') {
    report(at, `must be a string of at most ${maxChars} characters`);
    return '';
  }
  if (Array.from(value).length > maxChars) report(at, `must be at most ${maxChars} characters long`);
  return normalizeText(value);
}

function parseFileId(value: unknown, at: string, report: Report): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && FILE_ID.test(value)) return value;
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
