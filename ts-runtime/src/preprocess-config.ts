/**
 * tsdetect's `pre-process-config` property: overrides of the model description's preprocessing,
 * e.g. "resize=letterbox-centre,pad-value=114,color=RGB,scale=0.003921569,mean=0:0:0,std=1:1:1,layout=NCHW".
 */
import type { PreprocessSpec, ResizeMode } from '../preprocess/index';
import { TsvisionError } from './errors.js';

const RESIZE_MODES: readonly ResizeMode[] = ['letterbox', 'letterbox-centre', 'stretch', 'centre-crop'];

function bad(text: string, why: string): TsvisionError {
  return new TsvisionError(
    'SETTINGS',
    `pre-process-config "${text}": ${why} (keys: resize=${RESIZE_MODES.join('|')}, pad-value=N, color=RGB|BGR, scale=X, mean=A:B:C, std=A:B:C, layout=NCHW|NHWC, crop-fraction=X)`,
  );
}

function triple(text: string, key: string, value: string): [number, number, number] {
  const parts = value.split(':').map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v))) throw bad(text, `${key} needs three numbers separated by ':'`);
  return [parts[0], parts[1], parts[2]];
}

export function parsePreProcessConfig(text: string, base: PreprocessSpec): PreprocessSpec {
  const spec: PreprocessSpec = { ...base };
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq < 0) throw bad(text, `"${item}" is not key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const num = Number(value);
    switch (key) {
      case 'resize':
        if (!RESIZE_MODES.includes(value as ResizeMode)) throw bad(text, `unknown resize mode "${value}"`);
        spec.resize = value as ResizeMode;
        break;
      case 'pad-value':
        if (!Number.isFinite(num)) throw bad(text, 'pad-value must be a number');
        spec.padValue = num;
        break;
      case 'color':
        if (value.toUpperCase() !== 'RGB' && value.toUpperCase() !== 'BGR') throw bad(text, 'color must be RGB or BGR');
        spec.channelOrder = value.toUpperCase() as 'RGB' | 'BGR';
        break;
      case 'scale':
        if (!Number.isFinite(num)) throw bad(text, 'scale must be a number');
        spec.scale = num;
        break;
      case 'mean':
        spec.mean = triple(text, key, value);
        break;
      case 'std':
        spec.std = triple(text, key, value);
        break;
      case 'layout':
        if (value !== 'NCHW' && value !== 'NHWC') throw bad(text, 'layout must be NCHW or NHWC');
        spec.layout = value;
        break;
      case 'crop-fraction':
        if (!(num > 0 && num <= 1)) throw bad(text, 'crop-fraction must be in (0, 1]');
        spec.cropFraction = num;
        break;
      default:
        throw bad(text, `unknown key "${key}"`);
    }
  }
  return spec;
}
